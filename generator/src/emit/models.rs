//! The `models` module: one file per tag with the types that tag declares.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Field, FieldShape, Ir, TypeDef, TypeKind, COMMON_MODULE};

use super::rust::{
    collect_names, doc_attrs, doc_text, erratum_doc, has_default, ident, render_file, rust_type,
    use_line,
};
use super::FileSet;

pub fn emit(ir: &Ir, out: &mut FileSet) -> Result<(), String> {
    let mut modules: Vec<(String, String)> = vec![(
        COMMON_MODULE.to_string(),
        "Types shared by every tag: the error body and the empty object.".to_string(),
    )];
    for tag in &ir.tags {
        modules.push((tag.module.clone(), tag.doc.clone()));
    }
    let mut declared = Vec::new();
    for (module, doc) in &modules {
        let types: Vec<&TypeDef> = ir.types_in(module).collect();
        if types.is_empty() {
            continue;
        }
        let items: Vec<TokenStream> = types.iter().map(|t| type_item(ir, t)).collect();
        let mut foreign = std::collections::BTreeSet::new();
        for t in &types {
            for expr in referenced(t) {
                collect_names(ir, expr, &mut foreign);
            }
        }
        for t in &types {
            foreign.remove(&t.rust_name);
        }
        let imports = use_line(quote!(super), &foreign);
        let tokens = quote! {
            use serde::{Deserialize, Serialize};
            #imports
            #( #items )*
        };
        let module_doc = format!("Models of the `{module}` tag.\n\n{doc}");
        out.insert(
            format!("src/models/{module}.rs"),
            render_file(&module_doc, tokens)?,
        );
        declared.push(module.clone());
    }
    let mods = declared.iter().map(|m| ident(m));
    let uses = declared.iter().map(|m| ident(m));
    let tokens = quote! {
        #( pub mod #mods; )*
        #( pub use #uses::*; )*
    };
    let doc = format!(
        "Typed request and response bodies of the {title}, one module per tag.\n\n\
Every type is re-exported here, so `{krate}::models::NAME` works whatever tag\n\
declares it. Models ignore unknown keys (the schema is open) and open enums keep\n\
values they do not know in an `Other` variant.",
        title = ir.meta.title,
        krate = ir.meta.crate_ident
    );
    let doc = doc.as_str();
    out.insert("src/models/mod.rs".into(), render_file(doc, tokens)?);
    Ok(())
}

fn type_item(ir: &Ir, t: &TypeDef) -> TokenStream {
    let name = ident(&t.rust_name);
    let mut doc = doc_text(if t.doc.is_empty() { &t.name } else { &t.doc });
    annotate(&mut doc, &t.versions, &t.errata);
    let docs = doc_attrs(&doc);
    match &t.kind {
        TypeKind::Struct(fields) => {
            let default = if has_default(ir, &crate::types::TypeExpr::Named(t.name.clone()), 0) {
                quote!(Default,)
            } else {
                quote!()
            };
            let has_secret = fields.iter().any(|f| f.secret);
            let debug_derive = if has_secret { quote!() } else { quote!(Debug,) };
            let debug_impl = if has_secret {
                redacting_debug(&name, fields)
            } else {
                quote!()
            };
            let mut fields: Vec<TokenStream> = fields
                .iter()
                // A filter set reads each filter from a list or a map of terms.
                .map(|f| {
                    let read = t
                        .filters_other
                        .as_ref()
                        .map(|_| "crate::runtime::filters::terms");
                    field_item(ir, f, read)
                })
                .collect();
            if let Some(other) = &t.filters_other {
                let other = ident(other);
                fields.push(quote! {
                    /// Filters this crate does not list (a newer daemon's, say), kept as they came.
                    #[serde(flatten, deserialize_with = "crate::runtime::filters::other_terms")]
                    pub #other: std::collections::BTreeMap<String, Vec<String>>,
                });
            }
            quote! {
                #docs
                #[derive(#debug_derive Clone, PartialEq, #default Serialize, Deserialize)]
                pub struct #name {
                    #( #fields )*
                }
                #debug_impl
            }
        }
        TypeKind::Alias(target) => {
            let target = rust_type(ir, target);
            quote! {
                #docs
                pub type #name = #target;
            }
        }
        TypeKind::Either(variants) => {
            let vs = variants.iter().map(|v| {
                let vname = ident(&v.name);
                let vty = rust_type(ir, &v.ty);
                let vdoc = doc_attrs(&doc_text(if v.doc.is_empty() { &v.name } else { &v.doc }));
                quote! { #vdoc #vname(#vty), }
            });
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
                #[serde(untagged)]
                pub enum #name {
                    #( #vs )*
                }
            }
        }
        TypeKind::Enum(values) => open_enum(&name, &docs, values),
    }
}

/// One field; `deserialize_with` names a function that reads an optional field.
fn field_item(ir: &Ir, f: &Field, deserialize_with: Option<&str>) -> TokenStream {
    let name = ident(&f.rust_name);
    let inner = rust_type(ir, &f.ty);
    let json = &f.json_name;
    let mut doc = doc_text(if f.doc.is_empty() {
        &f.json_name
    } else {
        &f.doc
    });
    annotate(&mut doc, &f.versions, &f.errata);
    let docs = doc_attrs(&doc);
    let plain = f.rust_name.trim_start_matches("r#") == json;
    let rename = if plain {
        quote!()
    } else {
        quote!(rename = #json,)
    };
    match f.shape {
        FieldShape::Required => {
            let attr = if plain {
                quote!()
            } else {
                quote!(#[serde(rename = #json)])
            };
            quote! { #docs #attr pub #name: #inner, }
        }
        FieldShape::RequiredNullable => quote! {
            #docs
            #[serde(#rename default)]
            pub #name: Option<#inner>,
        },
        // Absent and `null` both read as `None`: no caller needs to tell them apart.
        FieldShape::Optional => {
            let read = deserialize_with.map(|path| quote!(, deserialize_with = #path));
            quote! {
                #docs
                #[serde(#rename default, skip_serializing_if = "Option::is_none" #read)]
                pub #name: Option<#inner>,
            }
        }
        FieldShape::ThreeState => quote! {
            #docs
            #[serde(#rename default, skip_serializing_if = "crate::Nullable::is_absent")]
            pub #name: crate::Nullable<#inner>,
        },
    }
}

fn open_enum(
    name: &proc_macro2::Ident,
    docs: &TokenStream,
    values: &[crate::ir::EnumValue],
) -> TokenStream {
    let catch_all_name = if values.iter().any(|v| v.rust_name == "Other") {
        "OtherValue"
    } else {
        "Other"
    };
    let catch_all = ident(catch_all_name);
    let variants = values.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let text = doc_text(if v.doc.is_empty() { &v.value } else { &v.doc });
        let range = super::rust::versions_doc(&v.versions);
        let vdoc = if range.is_empty() {
            doc_attrs(&format!("`{}`: {}", v.value, text))
        } else {
            doc_attrs(&format!("`{}`: {}\n\n{range}", v.value, text))
        };
        quote! { #vdoc #vname, }
    });
    let to_str = values.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let value = &v.value;
        quote! { #name::#vname => #value, }
    });
    let from_str = values.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let value = &v.value;
        quote! { #value => #name::#vname, }
    });
    let catch_doc = doc_attrs("A value this version of the spec does not list, kept as sent.");
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #( #variants )*
            #catch_doc
            #catch_all(String),
        }

        impl #name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( #to_str )*
                    #name::#catch_all(other) => other,
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #from_str )*
                    other => #name::#catch_all(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(#name::from(text.as_str()))
            }
        }
    }
}

/// The type expressions a definition mentions.
fn referenced(t: &TypeDef) -> Vec<&crate::types::TypeExpr> {
    match &t.kind {
        TypeKind::Struct(fields) => fields.iter().map(|f| &f.ty).collect(),
        TypeKind::Alias(target) => vec![target],
        TypeKind::Either(variants) => variants.iter().map(|v| &v.ty).collect(),
        TypeKind::Enum(_) => vec![],
    }
}

/// `Debug` that shows which secret fields are set but never their values.
fn redacting_debug(name: &proc_macro2::Ident, fields: &[Field]) -> TokenStream {
    let label = name.to_string();
    let entries = fields.iter().map(|f| {
        let id = ident(&f.rust_name);
        let shown = f.rust_name.trim_start_matches("r#");
        if f.secret {
            if f.shape == FieldShape::Required {
                quote!(.field(#shown, &"<redacted>"))
            } else if f.shape == FieldShape::ThreeState {
                quote!(.field(#shown, &self.#id.as_option().map(|_| "<redacted>")))
            } else {
                quote!(.field(#shown, &self.#id.as_ref().map(|_| "<redacted>")))
            }
        } else {
            quote!(.field(#shown, &self.#id))
        }
    });
    quote! {
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#label) #( #entries )* .finish()
            }
        }
    }
}

/// Appends the version an item appeared in and its errata to its rustdoc.
fn annotate(doc: &mut String, versions: &crate::ir::Versions, errata: &[crate::ir::Erratum]) {
    let range = super::rust::versions_doc(versions);
    if !range.is_empty() {
        doc.push_str(&format!("\n\n{range}"));
    }
    for e in errata {
        doc.push_str(&erratum_doc(e));
    }
}
