//! The `operations` module: one [`OperationInfo`] constant per operation and
//! a typed query-parameter struct for each operation that takes any.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Body, Encoding, Ir, Operation, Param, ResponseKind, Upgrade};
use crate::types::{Scalar, TypeExpr};
use crate::words::HttpMethod;

use super::rust::{
    collect_names, doc_attrs, doc_text, erratum_doc, ident, is_enum, render_file, rust_type,
    use_line,
};
use super::FileSet;

pub fn emit(ir: &Ir, out: &mut FileSet) -> Result<(), String> {
    let mut modules = Vec::new();
    let mut all = Vec::new();
    for tag in &ir.tags {
        let ops: Vec<&Operation> = ir.operations_of(&tag.name).collect();
        if ops.is_empty() {
            continue;
        }
        let module = ident(&tag.module);
        let mut names = BTreeSet::new();
        let mut items = Vec::new();
        for op in &ops {
            items.push(descriptor(ir, op));
            if super::client::optional_params(op).next().is_some() {
                items.push(options_struct(ir, op));
                for p in super::client::optional_params(op) {
                    collect_names(ir, &p.ty, &mut names);
                }
            }
            let konst = format_ident!("{}", op.names.descriptor);
            all.push(quote!(&#module::#konst));
        }
        let imports = use_line(quote!(crate::models), &names);
        let tokens = quote! {
            use crate::runtime::operation::*;
            #imports
            #( #items )*
        };
        let doc = format!("Operations of the `{}` tag.\n\n{}", tag.name, tag.doc);
        out.insert(
            format!("src/operations/{}.rs", tag.module),
            render_file(&doc, tokens)?,
        );
        modules.push(module);
    }
    let count = all.len();
    let tokens = quote! {
        pub use crate::runtime::operation::{
            BodyKind, FieldVersions, Holds, Method, OperationInfo, ParamEncoding, ParamInfo, ParamLocation, RequestBodyInfo, ResponseInfo,
            TypeVersions, Upgrade,
        };
        #( pub mod #modules; )*

        /// Every operation of the spec, grouped by tag in the spec's tag order.
        pub const ALL: [&OperationInfo; #count] = [ #( #all ),* ];

        /// The operation with this id, if the spec has one.
        pub fn find(id: &str) -> Option<&'static OperationInfo> {
            ALL.iter().copied().find(|op| op.id == id)
        }
    };
    let doc = "What the spec says about each operation: method, path, parameters, bodies and\n\
responses, as constants the client and server build on, plus the options struct\n\
(optional query parameters and headers) of every operation that takes any.";
    out.insert("src/operations/mod.rs".into(), render_file(doc, tokens)?);
    Ok(())
}

fn method_tokens(method: HttpMethod) -> TokenStream {
    match method {
        HttpMethod::Get => quote!(Method::Get),
        HttpMethod::Post => quote!(Method::Post),
        HttpMethod::Put => quote!(Method::Put),
        HttpMethod::Delete => quote!(Method::Delete),
        HttpMethod::Head => quote!(Method::Head),
    }
}

/// The runtime's `ParamEncoding` for an IR encoding.
pub fn encoding_tokens(e: Encoding) -> TokenStream {
    match e {
        Encoding::FormNumericBool => quote!(ParamEncoding::Form),
        Encoding::FormWordBool => quote!(ParamEncoding::FormWordBool),
        Encoding::Json => quote!(ParamEncoding::Json),
        Encoding::Plain => quote!(ParamEncoding::Plain),
        Encoding::Base64Json => quote!(ParamEncoding::Base64Json),
        Encoding::Base64UrlJson => quote!(ParamEncoding::Base64UrlJson),
    }
}

fn param_info(p: &Param, location: TokenStream) -> TokenStream {
    let name = &p.name;
    let ty = p.ty.to_string();
    let enc = encoding_tokens(p.encoding);
    let required = p.required;
    let description = &p.doc;
    let since = opt_str(p.versions.since.clone());
    let removed_in = opt_str(p.versions.removed_in.clone());
    quote! {
        ParamInfo { name: #name, location: #location, type_name: #ty, encoding: #enc, required: #required, description: #description, since: #since, removed_in: #removed_in }
    }
}

fn opt_str(s: Option<String>) -> TokenStream {
    match s {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

/// The rustdoc of an operation: request line, summary, description, parameters and status codes.
pub fn operation_doc(op: &Operation) -> String {
    let mut doc = format!("`{} {}`: {}", op.method, op.path, doc_text(&op.summary));
    if !op.description.is_empty() {
        doc.push_str(&format!("\n\n{}", doc_text(&op.description)));
    }
    let versions = super::rust::versions_doc(&op.versions);
    if !versions.is_empty() {
        doc.push_str(&format!("\n\n{versions}"));
    }
    let params: Vec<&Param> = op
        .path_params
        .iter()
        .chain(&op.query)
        .chain(&op.headers)
        .collect();
    if !params.is_empty() {
        doc.push_str("\n\n# Parameters\n");
        for p in params {
            let mut line = format!(
                "\n- `{}` (`{}`{}): {}",
                p.name,
                p.ty,
                if p.required { ", required" } else { "" },
                doc_text(&p.doc)
            );
            if let Some(d) = &p.default {
                line.push_str(&format!(" Default: `{d}`."));
            }
            doc.push_str(&line);
        }
    }
    doc.push_str("\n\n# Responses\n");
    for r in op.responses.values() {
        let kind = match &r.kind {
            ResponseKind::None => String::new(),
            ResponseKind::Json(t) => format!(" JSON `{t}`."),
            ResponseKind::JsonLines(t) => format!(" A stream of JSON `{t}`."),
            ResponseKind::Multiplexed => " Multiplexed stdout/stderr (raw with a TTY).".into(),
            ResponseKind::Raw { content_type } => format!(" Bytes, `{content_type}`."),
        };
        let sep = if r.doc.ends_with('.') || kind.is_empty() {
            ""
        } else {
            "."
        };
        doc.push_str(&format!(
            "\n- {}: {}{sep}{kind}",
            r.status,
            doc_text(&r.doc)
        ));
    }
    for e in &op.errata {
        doc.push_str(&erratum_doc(e));
    }
    doc
}

fn descriptor(ir: &Ir, op: &Operation) -> TokenStream {
    let konst = format_ident!("{}", op.names.descriptor);
    let id = &op.id;
    let tag = &op.tag;
    let method = method_tokens(op.method);
    let path = &op.path;
    let summary = &op.summary;
    let params = op
        .path_params
        .iter()
        .map(|p| param_info(p, quote!(ParamLocation::Path)))
        .chain(
            op.query
                .iter()
                .map(|p| param_info(p, quote!(ParamLocation::Query))),
        )
        .chain(
            op.headers
                .iter()
                .map(|p| param_info(p, quote!(ParamLocation::Header))),
        );
    let body = match &op.body {
        None => quote!(None),
        Some(Body::Json { ty, required, .. }) => {
            let t = ty.to_string();
            let holds = super::versions::holds(ir, ty);
            quote!(Some(RequestBodyInfo { kind: BodyKind::Json, type_name: Some(#t), content_type: "application/json", required: #required, holds: #holds }))
        }
        Some(Body::Raw {
            content_type,
            required,
            ..
        }) => {
            quote!(Some(RequestBodyInfo { kind: BodyKind::Raw, type_name: None, content_type: #content_type, required: #required, holds: Holds::Leaf }))
        }
    };
    let responses = op.responses.values().map(|r| {
        let status = proc_macro2::Literal::u16_unsuffixed(r.status);
        let description = &r.doc;
        let (kind, ty, ct) = match &r.kind {
            ResponseKind::None => (quote!(BodyKind::None), None, None),
            ResponseKind::Json(t) => (quote!(BodyKind::Json), Some(t.to_string()), Some("application/json".to_string())),
            ResponseKind::JsonLines(t) => (quote!(BodyKind::JsonLines), Some(t.to_string()), Some("application/json".to_string())),
            ResponseKind::Multiplexed => (quote!(BodyKind::Multiplexed), None, Some("application/vnd.docker.raw-stream".to_string())),
            ResponseKind::Raw { content_type } => (quote!(BodyKind::Raw), None, Some(content_type.clone())),
        };
        let ty = opt_str(ty);
        let ct = opt_str(ct);
        let headers = r.headers.iter().map(|h| param_info(h, quote!(ParamLocation::Header)));
        quote! {
            ResponseInfo { status: #status, description: #description, kind: #kind, type_name: #ty, content_type: #ct, headers: &[ #( #headers ),* ] }
        }
    });
    let upgrade = match op.upgrade {
        None => quote!(None),
        Some(Upgrade::Tcp) => quote!(Some(Upgrade::Tcp)),
        Some(Upgrade::Websocket) => quote!(Some(Upgrade::Websocket)),
        Some(Upgrade::H2c) => quote!(Some(Upgrade::H2c)),
    };
    let since = opt_str(op.versions.since.clone());
    let removed_in = opt_str(op.versions.removed_in.clone());
    let deprecated = opt_str(op.versions.deprecated.as_ref().map(|d| d.version.clone()));
    let docs = doc_attrs(&operation_doc(op));
    quote! {
        #docs
        pub const #konst: OperationInfo = OperationInfo {
            id: #id,
            tag: #tag,
            method: #method,
            path: #path,
            summary: #summary,
            params: &[ #( #params ),* ],
            request_body: #body,
            responses: &[ #( #responses ),* ],
            upgrade: #upgrade,
            since: #since,
            removed_in: #removed_in,
            deprecated: #deprecated,
        };
    }
}

/// Whether `p` is one of the operation's request headers (else a query parameter).
pub(super) fn is_header(op: &Operation, p: &Param) -> bool {
    op.headers.iter().any(|h| h.name == p.name)
}

/// The rustdoc of an optional parameter, after `lead` ("Sets the " on a setter):
/// where it travels, what it means, its default and the version it came in.
pub(super) fn option_doc(op: &Operation, p: &Param, lead: &str) -> String {
    let location = match (is_header(op, p), lead.is_empty()) {
        (true, true) => "Header",
        (false, true) => "Query parameter",
        (true, false) => "header",
        (false, false) => "query parameter",
    };
    let mut doc = format!("{lead}{location} `{}`: {}", p.name, doc_text(&p.doc));
    if let Some(d) = &p.default {
        doc.push_str(&format!(" Default: `{d}`."));
    }
    let range = super::rust::versions_doc(&p.versions);
    if !range.is_empty() {
        doc.push(' ');
        doc.push_str(&range);
    }
    doc
}

/// The options struct of an operation: its optional query parameters and
/// headers, plain data. The client's pending call encodes it and the server
/// glue decodes into it; neither needs methods here.
fn options_struct(ir: &Ir, op: &Operation) -> TokenStream {
    let name = format_ident!("{}", op.names.options);
    let method = &op.names.method;
    let fields = super::client::optional_params(op).map(|p| {
        let fname = ident(&p.rust_name);
        let ty = rust_type(ir, &p.ty);
        let docs = doc_attrs(&option_doc(op, p, ""));
        quote! { #docs pub #fname: Option<#ty>, }
    });
    let doc = doc_attrs(&format!(
        "The optional parameters of `{method}`, all unset by default.\n\n\
The client's pending call sets them one by one or takes this struct whole; a\n\
server implementation receives them decoded."
    ));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct #name {
            #( #fields )*
        }
    }
}

/// The expression reading parameter `p` from `pairs`: `T` when required, else `Option<T>`.
pub(super) fn read_value(ir: &Ir, p: &Param) -> TokenStream {
    let wire = &p.name;
    let server = quote!(crate::runtime::server);
    // A list of scalars or enum values travels as a repeated key.
    let repeated = match &p.ty {
        TypeExpr::List(inner)
            if p.encoding != Encoding::Json
                && (matches!(**inner, TypeExpr::Scalar(_)) || is_enum(ir, inner)) =>
        {
            Some(inner)
        }
        _ => None,
    };
    let (found, fallible) = if let Some(inner) = repeated {
        let (parse, fallible) = text_mapper(ir, inner, wire, p.encoding);
        let collect = if fallible {
            quote!(collect::<Result<Vec<_>, _>>())
        } else {
            quote!(collect::<Vec<_>>())
        };
        (
            quote!(pairs.has(#wire).then(|| pairs.all(#wire).into_iter().map(#parse).#collect)),
            fallible,
        )
    } else {
        let (parse, fallible) = text_mapper(ir, &p.ty, wire, p.encoding);
        (quote!(pairs.last(#wire).map(#parse)), fallible)
    };
    match (p.required, fallible) {
        (false, false) => found,
        (false, true) => quote!(#found.transpose()?),
        (true, false) => quote!(#found.ok_or_else(|| #server::missing_query(#wire))?),
        (true, true) => quote!(#found.ok_or_else(|| #server::missing_query(#wire))??),
    }
}

/// What `map` applies to each `text`: the enum's `from` itself (a closure
/// around it is clippy's `redundant_closure`), else a closure around `parse_text`.
fn text_mapper(ir: &Ir, ty: &TypeExpr, wire: &str, encoding: Encoding) -> (TokenStream, bool) {
    if encoding != Encoding::Json && is_enum(ir, ty) {
        let rt = rust_type(ir, ty);
        return (quote!(#rt::from), false);
    }
    let (parse, fallible) = parse_text(ir, ty, wire, encoding);
    (quote!(|text| #parse), fallible)
}

/// The expression turning `text` into a value of `ty`, mirroring `push_value`,
/// and whether it yields a `Result`.
fn parse_text(ir: &Ir, ty: &TypeExpr, wire: &str, encoding: Encoding) -> (TokenStream, bool) {
    let server = quote!(crate::runtime::server);
    if encoding == Encoding::Json {
        return (quote!(#server::parse_json(#wire, text)), true);
    }
    match ty {
        TypeExpr::Scalar(Scalar::Bool) => (quote!(#server::parse_bool(#wire, text)), true),
        TypeExpr::Scalar(Scalar::String) => (quote!(text.to_string()), false),
        TypeExpr::Scalar(_) => (quote!(#server::parse_scalar(#wire, text)), true),
        t if is_enum(ir, t) => {
            let rt = rust_type(ir, t);
            (quote!(#rt::from(text)), false)
        }
        _ => (quote!(#server::parse_json(#wire, text)), true),
    }
}

/// Code that appends `value` (a reference) to `pairs` under `wire`.
pub(super) fn push_value(ir: &Ir, p: &Param, wire: &str) -> TokenStream {
    if p.encoding == Encoding::Json {
        return quote! { pairs.push((#wire, serde_json::to_string(value)?)); };
    }
    match &p.ty {
        TypeExpr::Scalar(Scalar::Bool) => {
            let (t, f) = if p.encoding == Encoding::FormWordBool {
                ("true", "false")
            } else {
                ("1", "0")
            };
            quote! { pairs.push((#wire, if *value { #t } else { #f }.to_string())); }
        }
        TypeExpr::Scalar(_) => quote! { pairs.push((#wire, value.to_string())); },
        TypeExpr::List(inner) if matches!(**inner, TypeExpr::Scalar(_)) || is_enum(ir, inner) => {
            quote! { for item in value { pairs.push((#wire, item.to_string())); } }
        }
        t if is_enum(ir, t) => quote! { pairs.push((#wire, value.as_str().to_string())); },
        _ => quote! { pairs.push((#wire, serde_json::to_string(value)?)); },
    }
}
