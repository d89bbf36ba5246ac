//! The `versions` module: when each field of each struct model exists, as
//! data, for the client's check of request bodies against the API version in
//! use (and for anyone who wants to ask). Operations and parameters carry
//! their versions in their `OperationInfo`/`ParamInfo` descriptors.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Ir, TypeKind};
use crate::types::TypeExpr;

use super::rust::render_file;
use super::FileSet;

/// What a value of `ty` holds, as the runtime's `Holds` (aliases resolved).
pub fn holds(ir: &Ir, ty: &TypeExpr) -> TokenStream {
    holds_at(ir, ty, 0)
}

fn holds_at(ir: &Ir, ty: &TypeExpr, depth: usize) -> TokenStream {
    match ty {
        TypeExpr::List(inner) => wrap(ir, inner, depth, quote!(List)),
        TypeExpr::Map(inner) => wrap(ir, inner, depth, quote!(Map)),
        TypeExpr::Named(name) if depth < 16 => match ir.types.get(name).map(|t| &t.kind) {
            Some(TypeKind::Struct(_)) => quote!(Holds::Model(#name)),
            Some(TypeKind::Alias(target)) => holds_at(ir, target, depth + 1),
            _ => quote!(Holds::Leaf),
        },
        _ => quote!(Holds::Leaf),
    }
}

/// `Holds::List(&inner)`, or a leaf when there is nothing inside to look at.
fn wrap(ir: &Ir, inner: &TypeExpr, depth: usize, kind: TokenStream) -> TokenStream {
    let inner = holds_at(ir, inner, depth + 1);
    if inner.to_string() == quote!(Holds::Leaf).to_string() {
        quote!(Holds::Leaf)
    } else {
        quote!(Holds::#kind(&#inner))
    }
}

fn opt(text: Option<&String>) -> TokenStream {
    match text {
        Some(t) => quote!(Some(#t)),
        None => quote!(None),
    }
}

pub fn emit(ir: &Ir, out: &mut FileSet) -> Result<(), String> {
    // `ir.types` is a BTreeMap: the table comes out sorted by name, for binary search.
    let types = ir.types.values().filter_map(|t| {
        let TypeKind::Struct(fields) = &t.kind else {
            return None;
        };
        let name = &t.name;
        let fields = fields.iter().map(|f| {
            let json = &f.json_name;
            let since = opt(f.versions.since.as_ref());
            let removed_in = opt(f.versions.removed_in.as_ref());
            let holds = holds(ir, &f.ty);
            quote!(FieldVersions { json: #json, since: #since, removed_in: #removed_in, holds: #holds })
        });
        Some(quote!(TypeVersions { name: #name, fields: &[ #( #fields ),* ] }))
    });
    let tokens = quote! {
        use crate::operations::{FieldVersions, Holds, TypeVersions};

        /// Every struct model, sorted by spec name, with when each of its fields exists.
        pub static TYPES: &[TypeVersions] = &[ #( #types ),* ];

        /// The versions of the struct model `name` (its spec name), if there is one.
        pub fn lookup(name: &str) -> Option<&'static TypeVersions> {
            TYPES
                .binary_search_by(|t| t.name.cmp(name))
                .ok()
                .map(|i| &TYPES[i])
        }
    };
    let doc = "When each field of each struct model exists, as data.\n\n\
Operations and parameters carry their versions in their descriptors\n\
([`OperationInfo`](crate::operations::OperationInfo),\n\
[`ParamInfo`](crate::operations::ParamInfo)). The client checks a request\n\
against them before sending it when the API version in use is older than the\n\
crate's, so that a field the daemon would silently ignore is an error instead.";
    out.insert("src/versions.rs".into(), render_file(doc, tokens)?);
    Ok(())
}
