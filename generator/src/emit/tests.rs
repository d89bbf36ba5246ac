//! `tests/examples.rs` of the generated crate: one test per documented
//! example body, checking it against the model the spec declares for it.

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Body, Ir, ResponseKind};

use super::rust::{collect_names, render_file, rust_type, use_line};
use super::{FileSet, RUST_HEADER};

const SUPPORT: &str = include_str!("../../../templates/tests/support.rs");

pub fn emit(ir: &Ir, out: &mut FileSet) -> Result<(), String> {
    let mut tests = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for op in ir.operations.values() {
        for (i, ex) in op.examples.iter().enumerate() {
            let n = i + 1;
            if let (Some(text), Some(Body::Json { ty, .. })) = (&ex.request_body, &op.body) {
                collect_names(ir, ty, &mut names);
                let t = rust_type(ir, ty);
                let what = format!("{} example {n}, request body", op.id);
                let test = format_ident!("{}_example_{n}_request", op.id.to_snake_case());
                let call = match &ex.erratum {
                    Some(_) => quote!(support::expect_mismatch::<#t>(#what, #text);),
                    None => quote!(support::round_trip::<#t>(#what, #text);),
                };
                tests.push(quote! {
                    #[test]
                    fn #test() {
                        #call
                    }
                });
            }
            let (Some(text), Some(status)) = (&ex.response, ex.status) else {
                continue;
            };
            let Some(response) = op.responses.get(&status) else {
                continue;
            };
            let (ty, lines) = match &response.kind {
                ResponseKind::Json(t) => (t, false),
                ResponseKind::JsonLines(t) => (t, true),
                _ => continue,
            };
            collect_names(ir, ty, &mut names);
            let t = rust_type(ir, ty);
            let what = format!("{} example {n} ({status})", op.id);
            let test = format_ident!("{}_example_{n}_response", op.id.to_snake_case());
            let call: TokenStream = match (&ex.erratum, lines) {
                (Some(_), _) => quote!(support::expect_mismatch::<#t>(#what, #text);),
                (None, false) => quote!(support::round_trip::<#t>(#what, #text);),
                (None, true) => quote!(support::round_trip_lines::<#t>(#what, #text);),
            };
            let doc = match &ex.erratum {
                Some(e) => format!(" The doc's body is wrong: erratum `{e}`."),
                None => format!(" `{}`", ex.request.trim()),
            };
            tests.push(quote! {
                #[doc = #doc]
                #[test]
                fn #test() {
                    #call
                }
            });
        }
    }
    let krate = quote::format_ident!("{}", ir.meta.crate_ident);
    let imports = use_line(quote!(#krate::models), &names);
    let tokens = quote! {
        mod support;
        #imports
        #( #tests )*
    };
    let doc = "Every example body of the upstream doc, checked against its model: it must\n\
decode and encode back with no key lost or added (see `support`).";
    out.insert("tests/examples.rs".into(), render_file(doc, tokens)?);
    out.insert(
        "tests/support/mod.rs".into(),
        format!("{RUST_HEADER}\n{SUPPORT}"),
    );
    Ok(())
}
