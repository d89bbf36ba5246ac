//! Helpers shared by the Rust emitters: type spelling, docs, formatting.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Ir, TypeKind};
use crate::types::{Scalar, TypeExpr};

use super::RUST_HEADER;

/// An identifier that may be a raw identifier (`r#type`).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => format_ident!("{}", name),
    }
}

/// The Rust spelling of a type expression.
pub fn rust_type(ir: &Ir, expr: &TypeExpr) -> TokenStream {
    match expr {
        TypeExpr::Scalar(s) => scalar_type(*s),
        TypeExpr::Any => quote!(serde_json::Value),
        TypeExpr::List(inner) => {
            let inner = rust_type(ir, inner);
            quote!(Vec<#inner>)
        }
        TypeExpr::Map(inner) => {
            let inner = rust_type(ir, inner);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeExpr::Named(name) => {
            let rust = ir
                .types
                .get(name)
                .map(|t| t.rust_name.as_str())
                .unwrap_or(name);
            let id = ident(rust);
            quote!(#id)
        }
    }
}

pub fn scalar_type(s: Scalar) -> TokenStream {
    match s {
        Scalar::String => quote!(String),
        Scalar::Bool => quote!(bool),
        Scalar::I32 => quote!(i32),
        Scalar::I64 => quote!(i64),
        Scalar::U16 => quote!(u16),
        Scalar::U32 => quote!(u32),
        Scalar::U64 => quote!(u64),
        Scalar::F64 => quote!(f64),
    }
}

/// Whether a value of this type has a `Default` (enums and either-shapes do not).
pub fn has_default(ir: &Ir, expr: &TypeExpr, depth: usize) -> bool {
    match expr {
        TypeExpr::Named(name) if depth < 16 => match ir.types.get(name).map(|t| &t.kind) {
            Some(TypeKind::Struct(fields)) => fields
                .iter()
                .all(|f| !f.required || f.nullable || has_default(ir, &f.ty, depth + 1)),
            Some(TypeKind::Alias(target)) => has_default(ir, target, depth + 1),
            _ => false,
        },
        TypeExpr::Named(_) => true,
        _ => true,
    }
}

/// Whether the named type is an open enum (so it has `as_str`).
pub fn is_enum(ir: &Ir, expr: &TypeExpr) -> bool {
    matches!(expr, TypeExpr::Named(n) if matches!(ir.types.get(n).map(|t| &t.kind), Some(TypeKind::Enum(_))))
}

/// `#[doc]` attributes, one per line, so rustdoc shows paragraphs as written.
pub fn doc_attrs(text: &str) -> TokenStream {
    let lines: Vec<String> = text
        .trim()
        .lines()
        .map(|l| format!(" {}", l.trim_end()))
        .collect();
    quote! { #( #[doc = #lines] )* }
}

/// The rustdoc paragraph of an erratum, appended to the item it concerns.
pub fn erratum_doc(e: &crate::ir::Erratum) -> String {
    format!(
        "\n\nErratum `{}`:\n- the doc says: {}\n- the daemon: {}",
        e.id,
        doc_text(e.doc_says.trim()),
        doc_text(e.actual.trim())
    )
}

/// Escapes text for rustdoc markdown where a literal `[x]` or `<x>` would be misread.
pub fn doc_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Formats a token stream as a Rust file with the generated-file header.
pub fn render_file(module_doc: &str, tokens: TokenStream) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generator produced invalid Rust: {e}"))?;
    let body = prettyplease::unparse(&file);
    let mut out = String::from(RUST_HEADER);
    for line in module_doc.trim().lines() {
        if line.trim().is_empty() {
            out.push_str("//!\n");
        } else {
            out.push_str(&format!("//! {}\n", line.trim_end()));
        }
    }
    out.push('\n');
    out.push_str(&space_items(&body));
    Ok(out)
}

/// prettyplease packs items together; a blank line between them reads
/// better. A top-level item ends at a line that closes at column 0, a method
/// of an impl or trait block at one that closes at column 4.
fn space_items(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 20);
    let lines: Vec<&str> = body.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let closes_item = line.starts_with('}')
            || (!line.starts_with(' ') && !line.starts_with("//") && line.ends_with(';'));
        let next_starts_item = lines
            .get(i + 1)
            .is_some_and(|n| !n.is_empty() && !n.starts_with(' ') && !n.starts_with('}'));
        let both_uses =
            line.starts_with("use ") && lines.get(i + 1).is_some_and(|n| n.starts_with("use "));
        let both_mods = line.starts_with("pub mod ")
            && lines.get(i + 1).is_some_and(|n| n.starts_with("pub mod "));
        let both_reexports = line.starts_with("pub use ")
            && lines.get(i + 1).is_some_and(|n| n.starts_with("pub use "));
        if closes_item && next_starts_item && !both_uses && !both_mods && !both_reexports {
            out.push('\n');
        }
        // The same between the methods of an impl or trait block.
        let closes_member = *line == "    }";
        let next_starts_member = lines.get(i + 1).is_some_and(|n| {
            n.strip_prefix("    ").is_some_and(|rest| {
                [
                    "///",
                    "#[",
                    "pub ",
                    "pub(",
                    "fn ",
                    "async fn ",
                    "const ",
                    "type ",
                ]
                .iter()
                .any(|start| rest.starts_with(start))
            })
        });
        if closes_member && next_starts_member {
            out.push('\n');
        }
    }
    out
}

/// Rust names of the named types `expr` mentions, for `use` lines.
pub fn collect_names(ir: &Ir, expr: &TypeExpr, out: &mut std::collections::BTreeSet<String>) {
    match expr {
        TypeExpr::Named(n) => {
            out.insert(
                ir.types
                    .get(n)
                    .map(|t| t.rust_name.clone())
                    .unwrap_or_else(|| n.clone()),
            );
        }
        TypeExpr::List(i) | TypeExpr::Map(i) => collect_names(ir, i, out),
        _ => {}
    }
}

/// `use <path>::{A, B};` for the given names, or nothing.
pub fn use_line(path: TokenStream, names: &std::collections::BTreeSet<String>) -> TokenStream {
    if names.is_empty() {
        return quote!();
    }
    let ids = names.iter().map(|n| ident(n));
    quote!(use #path::{ #( #ids ),* };)
}

/// The rustdoc sentence on an item's versions: "Since API 1.21. Removed in API
/// 1.24. Deprecated since API 1.44: reason." (empty for an item of every version).
pub fn versions_doc(v: &crate::ir::Versions) -> String {
    let mut parts = Vec::new();
    if let Some(since) = &v.since {
        parts.push(format!("Since API {since}."));
    }
    if let Some(removed) = &v.removed_in {
        parts.push(format!("Removed in API {removed}."));
    }
    if let Some(d) = &v.deprecated {
        parts.push(
            format!(
                "Deprecated since API {}: {}",
                d.version,
                doc_text(d.reason.trim_end_matches('.'))
            ) + ".",
        );
    }
    for c in &v.changes {
        parts.push(format!(
            "Changed in API {}: {}.",
            c.version,
            doc_text(c.note.trim_end_matches('.'))
        ));
    }
    parts.join(" ")
}
