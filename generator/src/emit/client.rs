//! The `client` module: one async method on `Docker` per operation, one file per tag.
//!
//! Each method builds a `Call` from its typed arguments, sends it, and turns
//! the answer into the return type the spec's success responses call for:
//! nothing, a JSON model, a JSON-lines stream, multiplexed output, raw bytes,
//! a hijacked connection, or an enum when the statuses mean different things
//! (`204` started vs `304` already started).

use std::collections::BTreeSet;

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Body, Ir, Operation, Param, Response, ResponseKind, Upgrade};
use crate::types::{Scalar, TypeExpr};

use super::operations::{encoding_tokens, operation_doc, query_struct_name};
use super::rust::{collect_names, doc_attrs, ident, render_file, rust_type, use_line};
use super::FileSet;

pub fn emit(ir: &Ir, out: &mut FileSet) -> Result<(), String> {
    let mut modules = Vec::new();
    for tag in &ir.tags {
        let ops: Vec<&Operation> = ir.operations_of(&tag.name).collect();
        if ops.is_empty() {
            continue;
        }
        let mut models = BTreeSet::new();
        let mut queries = Vec::new();
        let mut consts = Vec::new();
        let mut items = Vec::new();
        let mut methods = Vec::new();
        let module = ident(&tag.module);
        for op in &ops {
            // Feature-gated methods name their items in full, so the plain imports stay used.
            if op.upgrade != Some(Upgrade::Websocket) {
                consts.push(format_ident!("{}", op.id.to_shouty_snake_case()));
                if !op.query.is_empty() {
                    queries.push(query_struct_name(op));
                }
            }
            let (item, method) = operation_method(ir, op, &module, &mut models);
            items.extend(item);
            methods.push(method);
        }
        let model_use = use_line(quote!(crate::models), &models);
        let ops_use = quote!(use crate::operations::#module::{ #( #consts, )* #( #queries ),* };);
        // Import only what this tag's methods use, so no import is left unused.
        let raw_body = ops.iter().any(|o| matches!(o.body, Some(Body::Raw { .. })));
        let tty = ops.iter().any(|o| {
            o.upgrade == Some(Upgrade::Tcp)
                || o.responses
                    .values()
                    .any(|r| r.status < 400 && r.kind == ResponseKind::Multiplexed)
        });
        let upgrade = ops.iter().any(|o| o.upgrade == Some(Upgrade::Tcp));
        let encoding = ops.iter().any(|o| {
            !o.headers.is_empty()
                || o.responses
                    .values()
                    .any(|r| r.status < 400 && !r.headers.is_empty())
        });
        let body_use = if raw_body {
            quote!(
                use crate::runtime::body::RequestBody;
            )
        } else {
            quote!()
        };
        let tty_use = if tty { quote!(TtySource,) } else { quote!() };
        let upgrade_use = if upgrade {
            quote!(UpgradeKind,)
        } else {
            quote!()
        };
        let encoding_use = if encoding {
            quote!(
                use crate::runtime::operation::ParamEncoding;
            )
        } else {
            quote!()
        };
        let tokens = quote! {
            #body_use
            use crate::runtime::client::{Call, Docker, #tty_use #upgrade_use render_path};
            use crate::runtime::error::Error;
            #encoding_use
            #model_use
            #ops_use

            #( #items )*

            impl Docker {
                #( #methods )*
            }
        };
        let doc = format!("Client methods of the `{}` tag.\n\n{}", tag.name, tag.doc);
        out.insert(
            format!("src/client/{}.rs", tag.module),
            render_file(&doc, tokens)?,
        );
        modules.push(module);
    }
    let tokens = quote! {
        #( pub mod #modules; )*
    };
    let doc =
        "The async client: one method on [`Docker`](crate::Docker) per operation of the spec,\n\
in one file per tag. Methods are named after the operation ids (`container_list`,\n\
`image_create`, ...); their rustdoc lists the parameters and every documented status.";
    out.insert("src/client/mod.rs".into(), render_file(doc, tokens)?);
    Ok(())
}

/// Success statuses: informational, success and `304 Not Modified`-style answers.
pub(super) fn successes(op: &Operation) -> Vec<&Response> {
    op.responses.values().filter(|r| r.status < 400).collect()
}

pub(super) fn same_shape(a: &Response, b: &Response) -> bool {
    a.kind == b.kind
        && a.headers
            .iter()
            .map(|h| (&h.name, &h.ty))
            .eq(b.headers.iter().map(|h| (&h.name, &h.ty)))
}

/// The variant name for a status code.
pub(super) fn status_variant(status: u16) -> String {
    match status {
        100 => "Continue".into(),
        101 => "Upgraded".into(),
        200 => "Ok".into(),
        201 => "Created".into(),
        202 => "Accepted".into(),
        204 => "NoContent".into(),
        301 => "MovedPermanently".into(),
        302 => "Found".into(),
        304 => "NotModified".into(),
        400 => "BadRequest".into(),
        401 => "Unauthorized".into(),
        403 => "Forbidden".into(),
        404 => "NotFound".into(),
        406 => "NotAcceptable".into(),
        409 => "Conflict".into(),
        413 => "PayloadTooLarge".into(),
        500 => "InternalServerError".into(),
        501 => "NotImplemented".into(),
        503 => "ServiceUnavailable".into(),
        other => format!("Status{other}"),
    }
}

fn tty_source(op: &Operation) -> TokenStream {
    if op.path.starts_with("/exec/") {
        quote!(TtySource::Exec)
    } else {
        quote!(TtySource::Container)
    }
}

/// The Rust type a success response turns into, and the code producing it from `response`.
fn outcome(
    ir: &Ir,
    op: &Operation,
    r: &Response,
    models: &mut BTreeSet<String>,
    output_name: &proc_macro2::Ident,
) -> (TokenStream, TokenStream) {
    let first_path = op.path_params.first().map(|p| ident(&p.rust_name));
    let id_arg = match &first_path {
        Some(p) => quote!(#p),
        None => quote!(""),
    };
    let source = tty_source(op);
    let (body_ty, body_expr) = match &r.kind {
        ResponseKind::None => (quote!(()), quote!(self.read_empty(op, response).await?)),
        ResponseKind::Json(t) => {
            collect_names(ir, t, models);
            let ty = rust_type(ir, t);
            (ty, quote!(self.read_json(op, response).await?))
        }
        ResponseKind::JsonLines(t) => {
            collect_names(ir, t, models);
            let ty = rust_type(ir, t);
            (
                quote!(crate::runtime::stream::JsonLines<#ty>),
                quote!(Docker::json_lines(op, response)),
            )
        }
        ResponseKind::Multiplexed => (
            quote!(crate::runtime::stream::OutputStream),
            quote!(self.output(op, response, #source, #id_arg).await?),
        ),
        ResponseKind::Raw { content_type } if content_type.starts_with("text/plain") => {
            (quote!(String), quote!(self.read_text(op, response).await?))
        }
        ResponseKind::Raw { .. } => (
            quote!(crate::runtime::stream::ByteStream),
            quote!(Docker::byte_stream(op, response)),
        ),
    };
    if r.headers.is_empty() {
        return (body_ty, body_expr);
    }
    // Headers come with the body: a small struct holding both.
    let header_reads = r.headers.iter().map(|h| {
        let name = ident(&h.rust_name);
        let wire = &h.name;
        let enc = encoding_tokens(h.encoding);
        quote!(let #name = Docker::header(op, &response, #wire, #enc)?;)
    });
    let header_names: Vec<_> = r.headers.iter().map(|h| ident(&h.rust_name)).collect();
    for h in &r.headers {
        collect_names(ir, &h.ty, models);
    }
    let has_body = !matches!(r.kind, ResponseKind::None);
    let body_field = if has_body { quote!(body,) } else { quote!() };
    let body_let = if has_body {
        quote!(let body = #body_expr;)
    } else {
        quote!(#body_expr;)
    };
    let _ = body_ty;
    (
        quote!(#output_name),
        quote! {{
            #( #header_reads )*
            #body_let
            #output_name { #( #header_names, )* #body_field }
        }},
    )
}

fn output_struct(ir: &Ir, op: &Operation, r: &Response, name: &proc_macro2::Ident) -> TokenStream {
    let fields = r.headers.iter().map(|h| {
        let f = ident(&h.rust_name);
        let ty = rust_type(ir, &h.ty);
        let doc = doc_attrs(&format!("The `{}` header: {}", h.name, h.doc));
        quote!(#doc pub #f: Option<#ty>,)
    });
    let body = match &r.kind {
        ResponseKind::None => quote!(),
        ResponseKind::Json(t) => {
            let ty = rust_type(ir, t);
            quote!(/// The body.
                   pub body: #ty,)
        }
        ResponseKind::JsonLines(t) => {
            let ty = rust_type(ir, t);
            quote!(/// The body, a stream of JSON values.
                   pub body: crate::runtime::stream::JsonLines<#ty>,)
        }
        ResponseKind::Multiplexed => quote!(/// The process's output.
                                            pub body: crate::runtime::stream::OutputStream,),
        ResponseKind::Raw { content_type } if content_type.starts_with("text/plain") => {
            quote!(/// The body text.
                                           pub body: String,)
        }
        ResponseKind::Raw { .. } => quote!(/// The body, streamed.
                                           pub body: crate::runtime::stream::ByteStream,),
    };
    let doc = doc_attrs(&format!(
        "The successful answer of [`Docker::{}`](crate::Docker::{}): its headers and body.",
        op.id, op.id
    ));
    let derive = if debuggable(&r.kind) {
        quote!(#[derive(Debug)])
    } else {
        quote!()
    };
    quote! {
        #doc
        #derive
        pub struct #name {
            #( #fields )*
            #body
        }
    }
}

fn param_arg(ir: &Ir, p: &Param, models: &mut BTreeSet<String>) -> TokenStream {
    let name = ident(&p.rust_name);
    collect_names(ir, &p.ty, models);
    let ty = match &p.ty {
        TypeExpr::Scalar(Scalar::String) => quote!(str),
        t => rust_type(ir, t),
    };
    if p.required {
        quote!(#name: &#ty)
    } else {
        quote!(#name: Option<&#ty>)
    }
}

/// Returns the extra items (output structs, enums) and the method.
fn operation_method(
    ir: &Ir,
    op: &Operation,
    module: &proc_macro2::Ident,
    models: &mut BTreeSet<String>,
) -> (Vec<TokenStream>, TokenStream) {
    let method = ident(&op.id);
    let gated = op.upgrade == Some(Upgrade::Websocket);
    let konst_name = format_ident!("{}", op.id.to_shouty_snake_case());
    let konst = if gated {
        quote!(crate::operations::#module::#konst_name)
    } else {
        quote!(#konst_name)
    };
    let camel = op.id.to_upper_camel_case();
    let mut items = Vec::new();
    let mut args = Vec::new();
    let mut setup = Vec::new();

    let path_values: Vec<TokenStream> = op
        .path_params
        .iter()
        .map(|p| {
            let name = ident(&p.rust_name);
            match &p.ty {
                TypeExpr::Scalar(Scalar::String) => {
                    args.push(quote!(#name: &str));
                    quote!(#name)
                }
                t => {
                    let ty = rust_type(ir, t);
                    args.push(quote!(#name: #ty));
                    quote!(&#name.to_string())
                }
            }
        })
        .collect();
    if !op.query.is_empty() {
        let q_name = query_struct_name(op);
        let q = if gated {
            quote!(crate::operations::#module::#q_name)
        } else {
            quote!(#q_name)
        };
        args.push(quote!(query: &#q));
        setup.push(quote!(call.query(query.to_pairs())?;));
    }
    for h in &op.headers {
        args.push(param_arg(ir, h, models));
        let name = ident(&h.rust_name);
        let wire = &h.name;
        let enc = encoding_tokens(h.encoding);
        if h.required {
            setup.push(quote!(call.header(#wire, #name, #enc)?;));
        } else {
            setup.push(quote!(if let Some(value) = #name { call.header(#wire, value, #enc)?; }));
        }
    }
    match &op.body {
        Some(Body::Json { ty, required, .. }) => {
            collect_names(ir, ty, models);
            let t = rust_type(ir, ty);
            if *required {
                args.push(quote!(body: &#t));
                setup.push(quote!(call.json(body)?;));
            } else {
                args.push(quote!(body: Option<&#t>));
                setup.push(quote!(if let Some(body) = body {
                    call.json(body)?;
                }));
            }
        }
        Some(Body::Raw {
            content_type,
            required,
            ..
        }) => {
            if *required {
                args.push(quote!(body: RequestBody));
                setup.push(quote!(call.raw(body, #content_type);));
            } else {
                args.push(quote!(body: Option<RequestBody>));
                setup.push(quote!(if let Some(body) = body { call.raw(body, #content_type); }));
            }
        }
        None => {}
    }

    let first_path = op.path_params.first().map(|p| ident(&p.rust_name));
    let id_arg = match &first_path {
        Some(p) => quote!(#p),
        None => quote!(""),
    };
    let source = tty_source(op);
    let success = successes(op);
    let (ret, handling): (TokenStream, TokenStream) = match op.upgrade {
        Some(Upgrade::Tcp) => {
            setup.push(quote!(call.upgrade = UpgradeKind::Tcp;));
            (
                quote!(crate::runtime::hijack::Attached),
                quote! {
                    match response.status().as_u16() {
                        101 | 200..=299 => self.hijack(op, response, #source, #id_arg).await,
                        _ => Err(self.api_error(op, response).await),
                    }
                },
            )
        }
        Some(Upgrade::Websocket) => {
            setup.push(quote!(call.upgrade = UpgradeKind::Websocket(crate::runtime::client::websocket_key());));
            (
                quote!(crate::runtime::hijack::WebSocket),
                quote!(self.websocket(op, response).await),
            )
        }
        None if success.is_empty()
            || (success.iter().all(|r| same_shape(r, success[0])) && !mixes_classes(&success)) =>
        {
            let output_name = format_ident!("{camel}Output");
            let template = success.first().copied().cloned().unwrap_or(Response {
                status: 200,
                doc: String::new(),
                kind: ResponseKind::None,
                headers: vec![],
            });
            if !template.headers.is_empty() {
                items.push(output_struct(ir, op, &template, &output_name));
            }
            let (ty, expr) = outcome(ir, op, &template, models, &output_name);
            let documented: Vec<u16> = success
                .iter()
                .map(|r| r.status)
                .filter(|s| !(200..300).contains(s))
                .collect();
            let pattern = if documented.is_empty() {
                quote!(200..=299)
            } else {
                quote!(200..=299 #( | #documented )*)
            };
            (
                ty,
                quote! {
                    match response.status().as_u16() {
                        #pattern => Ok(#expr),
                        _ => Err(self.api_error(op, response).await),
                    }
                },
            )
        }
        None => {
            let enum_name = format_ident!("{camel}Response");
            let mut variants = Vec::new();
            let mut arms = Vec::new();
            let mut fallback = None;
            let first_2xx = success
                .iter()
                .find(|r| (200..300).contains(&r.status))
                .map(|r| r.status);
            for r in &success {
                let v = format_ident!("{}", status_variant(r.status));
                let output_name = format_ident!("{camel}Output{}", r.status);
                if !r.headers.is_empty() {
                    items.push(output_struct(ir, op, r, &output_name));
                }
                let (ty, expr) = outcome(ir, op, r, models, &output_name);
                let doc = doc_attrs(&format!("{}: {}", r.status, r.doc));
                let status = proc_macro2::Literal::u16_unsuffixed(r.status);
                // Exact statuses first; an undocumented 2xx falls to the first documented one, last.
                let unit = matches!(r.kind, ResponseKind::None) && r.headers.is_empty();
                let arm = |pattern: TokenStream| {
                    if unit {
                        quote!(#pattern => { #expr; Ok(#enum_name::#v) })
                    } else {
                        quote!(#pattern => Ok(#enum_name::#v(#expr)),)
                    }
                };
                arms.push(arm(quote!(#status)));
                if Some(r.status) == first_2xx {
                    fallback = Some(arm(quote!(other if (200..300).contains(&other))));
                }
                if unit {
                    variants.push(quote!(#doc #v,));
                } else {
                    variants.push(quote!(#doc #v(#ty),));
                }
            }
            arms.extend(fallback);
            let doc = doc_attrs(&format!("The successful outcomes of [`Docker::{}`](crate::Docker::{}), one per documented status.", op.id, op.id));
            let derive = if success.iter().all(|r| debuggable(&r.kind)) {
                quote!(#[derive(Debug)])
            } else {
                quote!()
            };
            items.push(quote! {
                #doc
                #derive
                pub enum #enum_name {
                    #( #variants )*
                }
            });
            (
                quote!(#enum_name),
                quote! {
                    match response.status().as_u16() {
                        #( #arms )*
                        _ => Err(self.api_error(op, response).await),
                    }
                },
            )
        }
    };

    let mutability = if setup.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    let docs = doc_attrs(&operation_doc(op));
    let cfg = if op.upgrade == Some(Upgrade::Websocket) {
        quote!(#[cfg(feature = "websocket")])
    } else {
        quote!()
    };
    let method_tokens = quote! {
        #docs
        #cfg
        pub async fn #method(&self, #( #args ),*) -> Result<#ret, Error> {
            let op = &#konst;
            let #mutability call = Call::new(op, render_path(op.path, &[ #( #path_values ),* ]));
            #( #setup )*
            let response = self.send(call).await?;
            #handling
        }
    };
    if op.upgrade == Some(Upgrade::Websocket) {
        items = items.into_iter().map(|i| quote!(#cfg #i)).collect();
    }
    (items, method_tokens)
}

/// Whether a response body type implements `Debug` (streams do not).
pub(super) fn debuggable(kind: &ResponseKind) -> bool {
    match kind {
        ResponseKind::None | ResponseKind::Json(_) => true,
        ResponseKind::Raw { content_type } => content_type.starts_with("text/plain"),
        _ => false,
    }
}

/// Whether success statuses of different classes (`204` and `304`) share a
/// shape: they still mean different things and get an enum.
pub(super) fn mixes_classes(success: &[&Response]) -> bool {
    let two = success.iter().any(|r| (200..300).contains(&r.status));
    let three = success.iter().any(|r| (300..400).contains(&r.status));
    two && three
}
