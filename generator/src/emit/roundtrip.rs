//! `tests/roundtrip.rs` of the generated crate: for every operation, the
//! client calls a scripted implementation of the server traits over a unix
//! socket, once per documented status. The server checks it received exactly
//! the typed inputs the client sent; the client checks it decoded exactly the
//! typed answer the server gave.
//!
//! Values come from [`sample_json`]: every field present, so nothing escapes
//! the comparison.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{json, Value};

use crate::ir::{
    Body, Ir, Operation, Param, Response, ResponseKind, SuccessShape, TypeKind, Upgrade,
};
use crate::types::{Scalar, TypeExpr};

use super::client::optional_params;
use super::rust::{ident, render_file, rust_type};
use super::server::{inputs, is_struct, trait_name, variants, Payload};
use super::{FileSet, RUST_HEADER};

const SUPPORT: &str = include_str!("../../../templates/tests/roundtrip_support.rs");

/// A JSON value of `ty` with every field present.
pub fn sample_json(ir: &Ir, ty: &TypeExpr, depth: usize) -> Value {
    match ty {
        TypeExpr::Scalar(Scalar::String) => json!("sample"),
        TypeExpr::Scalar(Scalar::Bool) => json!(true),
        TypeExpr::Scalar(Scalar::F64) => json!(1.5),
        TypeExpr::Scalar(_) => json!(7),
        TypeExpr::Any => json!({ "any": ["value", 1] }),
        TypeExpr::List(inner) => json!([sample_json(ir, inner, depth + 1)]),
        TypeExpr::Map(inner) => json!({ "key": sample_json(ir, inner, depth + 1) }),
        TypeExpr::Named(name) => match ir.types.get(name).map(|t| &t.kind) {
            Some(TypeKind::Struct(fields)) => {
                let mut object = serde_json::Map::new();
                for f in fields {
                    // Deep optional fields are left out, so a self-referencing type still ends.
                    if depth < 8 || f.required {
                        object.insert(f.json_name.clone(), sample_json(ir, &f.ty, depth + 1));
                    }
                }
                Value::Object(object)
            }
            Some(TypeKind::Enum(values)) => {
                json!(values.first().map(|v| v.value.as_str()).unwrap_or("sample"))
            }
            Some(TypeKind::Alias(target)) => sample_json(ir, target, depth + 1),
            Some(TypeKind::Either(variants)) => variants
                .first()
                .map(|v| sample_json(ir, &v.ty, depth + 1))
                .unwrap_or(Value::Null),
            None => Value::Null,
        },
    }
}

/// An expression of type `ty` built from its sample.
fn sample_expr(ir: &Ir, ty: &TypeExpr) -> TokenStream {
    let t = rust_type(ir, ty);
    let text = sample_json(ir, ty, 0).to_string();
    quote!(support::sample::<#t>(#text))
}

/// A JSON-lines item: in-band `error` keys would turn it into an error on the client.
fn line_expr(ir: &Ir, ty: &TypeExpr) -> TokenStream {
    let t = rust_type(ir, ty);
    let mut value = sample_json(ir, ty, 0);
    if let Value::Object(map) = &mut value {
        map.remove("error");
        map.remove("errorDetail");
    }
    let text = value.to_string();
    quote!(support::sample::<#t>(#text))
}

fn error_expr(ir: &Ir, ty: &TypeExpr, status: u16) -> TokenStream {
    let t = rust_type(ir, ty);
    let mut value = sample_json(ir, ty, 0);
    if let Value::Object(map) = &mut value {
        map.insert("message".into(), json!(format!("sample error {status}")));
    }
    let text = value.to_string();
    quote!(support::sample::<#t>(#text))
}

/// A path parameter's value: a slash and a colon, as in image names.
fn path_expr(ir: &Ir, p: &Param) -> TokenStream {
    match &p.ty {
        TypeExpr::Scalar(Scalar::String) => quote!(String::from("sample/name:1")),
        t => sample_expr(ir, t),
    }
}

fn header_expr(ir: &Ir, p: &Param) -> TokenStream {
    // The body's content type travels in the same header.
    if p.name.eq_ignore_ascii_case("content-type") {
        return quote!(String::from("application/x-tar"));
    }
    sample_expr(ir, &p.ty)
}

/// The options the client sets: every optional parameter, with a sample value.
fn options_expr(ir: &Ir, op: &Operation, module: &proc_macro2::Ident) -> TokenStream {
    let name = format_ident!("{}", op.names.options);
    let fields = optional_params(op).map(|p| {
        let f = ident(&p.rust_name);
        let value = if super::operations::is_header(op, p) {
            header_expr(ir, p)
        } else {
            sample_expr(ir, &p.ty)
        };
        quote!(#f: Some(#value),)
    });
    quote!(api::operations::#module::#name { #( #fields )* })
}

const REQUEST_BYTES: &[u8] = b"sample request body";
const RESPONSE_BYTES: &[u8] = b"sample response body";

/// The server's answer for one variant, bound to nothing.
fn reply_expr(ir: &Ir, reply: &TokenStream, v: &super::server::Variant) -> TokenStream {
    let name = &v.name;
    let rt = quote!(api::server);
    let body = match &v.payload {
        Payload::Unit => None,
        Payload::Error(t) => Some(error_expr(ir, t, v.status)),
        Payload::Json(t) => {
            let value = sample_expr(ir, t);
            Some(if is_struct(ir, t) {
                quote!(Box::new(#value))
            } else {
                value
            })
        }
        Payload::Deferred(t) => {
            let value = sample_expr(ir, t);
            Some(quote!(Box::pin(async move { #value })))
        }
        Payload::JsonLines(t) => {
            let item = line_expr(ir, t);
            Some(quote!(Box::pin(futures_util::stream::iter(
                vec![#item, #item]
            ))))
        }
        Payload::Output => Some(quote!(#rt::Output::framed(futures_util::stream::iter(vec![
            #rt::OutputFrame::Stdout(bytes::Bytes::from_static(b"sample stdout")),
            #rt::OutputFrame::Stderr(bytes::Bytes::from_static(b"sample stderr")),
        ])))),
        Payload::Text(_) => Some(quote!(String::from("sample text"))),
        Payload::Bytes(_) => {
            let bytes = proc_macro2::Literal::byte_string(RESPONSE_BYTES);
            Some(quote!(support::response_bytes(#bytes)))
        }
        Payload::Hijack => Some(
            quote!(#rt::Hijack::new(|mut io: #rt::Connection| async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let greeting = #rt::OutputFrame::Stdout(bytes::Bytes::from_static(b"hello ")).encode();
                io.write_all(&greeting).await.unwrap();
                let mut stdin = Vec::new();
                io.read_to_end(&mut stdin).await.unwrap();
                io.write_all(&#rt::OutputFrame::Stdout(stdin.into()).encode()).await.unwrap();
                io.shutdown().await.unwrap();
            })),
        ),
        Payload::WebSocket => Some(quote!(#rt::WebSocketTask::new(|mut ws| async move {
            use futures_util::SinkExt;
            let message = tokio_tungstenite::tungstenite::Message::binary(b"sample websocket".to_vec());
            ws.send(message).await.unwrap();
            ws.close(None).await.unwrap();
        }))),
    };
    if v.headers.is_empty() {
        return match body {
            Some(b) => quote!(#reply::#name(#b)),
            None => quote!(#reply::#name),
        };
    }
    let headers = v.headers.iter().map(|(_, field, ty, _)| {
        let value = sample_expr(ir, ty);
        quote!(#field: Some(#value),)
    });
    let body = body.map(|b| quote!(body: #b,));
    quote!(#reply::#name { #( #headers )* #body })
}

/// Client-side checks of a decoded success body `value` of response `r`.
fn check_body(ir: &Ir, op: &Operation, r: &Response, value: TokenStream) -> TokenStream {
    match &r.kind {
        ResponseKind::None => quote!(),
        ResponseKind::Json(t) => {
            let expected = sample_expr(ir, t);
            // The router writes its own version range into the answer that reports it.
            let served = ir
                .meta
                .version_report
                .as_ref()
                .filter(|report| report.operation == op.id && report.status == r.status)
                .map(|report| {
                    let newest = ident(&report.newest_field);
                    let api_version = &ir.meta.api_version;
                    let oldest = report.oldest_field.as_deref().map(|f| {
                        let f = ident(f);
                        let min_version = &ir.meta.min_api_version;
                        quote!(expected.#f = Some(#min_version.to_string());)
                    });
                    quote! {
                        expected.#newest = Some(#api_version.to_string());
                        #oldest
                    }
                });
            let binding = if served.is_some() {
                quote!(let mut)
            } else {
                quote!(let)
            };
            // Bound outside the macro so prettyplease can lay the expression out.
            quote! {
                #binding expected = #expected;
                #served
                assert_eq!(#value, expected);
            }
        }
        ResponseKind::JsonLines(t) => {
            let item = line_expr(ir, t);
            quote! {
                let items: Vec<_> = futures_util::StreamExt::collect::<Vec<_>>(#value).await.into_iter().map(|item| item.unwrap_or_else(|e| panic!("{e}"))).collect();
                assert_eq!(items, vec![#item, #item]);
            }
        }
        ResponseKind::Multiplexed => quote! {
            let (stdout, stderr) = support::split_output(#value).await;
            assert_eq!((stdout.as_slice(), stderr.as_slice()), (&b"sample stdout"[..], &b"sample stderr"[..]));
        },
        ResponseKind::Raw { content_type } if content_type.starts_with("text/plain") => {
            quote!(assert_eq!(#value, "sample text");)
        }
        ResponseKind::Raw { .. } => {
            let bytes = proc_macro2::Literal::byte_string(RESPONSE_BYTES);
            quote!(assert_eq!(support::collect_response(#value).await, #bytes.to_vec());)
        }
    }
}

/// Checks of a success answer as the client returns it for response `r`.
fn check_success(ir: &Ir, op: &Operation, r: &Response) -> TokenStream {
    if r.headers.is_empty() {
        return check_body(ir, op, r, quote!(value));
    }
    let headers = r.headers.iter().map(|h| {
        let f = ident(&h.rust_name);
        let expected = sample_expr(ir, &h.ty);
        quote! {
            let expected = #expected;
            assert_eq!(value.#f, Some(expected));
        }
    });
    let body = if matches!(r.kind, ResponseKind::None) {
        quote!()
    } else {
        check_body(ir, op, r, quote!(value.body))
    };
    quote!(#( #headers )* #body)
}

pub fn emit(ir: &Ir, out: &mut FileSet) -> Result<(), String> {
    let mut impls = Vec::new();
    let mut tests = Vec::new();
    let mut bounds = Vec::new();
    for tag in &ir.tags {
        let ops: Vec<&Operation> = ir.operations_of(&tag.name).collect();
        if ops.is_empty() {
            continue;
        }
        let module = ident(&tag.module);
        let trait_ident = trait_name(tag);
        bounds.push(trait_ident.clone());
        let mut methods = Vec::new();
        for op in &ops {
            let (method, test) = operation(ir, op, &module);
            methods.push(method);
            tests.push(test);
        }
        impls.push(quote! {
            impl api::server::#trait_ident for Fixture {
                #( #methods )*
            }
        });
    }
    let krate = format_ident!("{}", ir.meta.crate_ident);
    let client = format_ident!("{}", ir.meta.client_type);
    let tokens = quote! {
        #![cfg(all(feature = "client", feature = "server"))]

        mod roundtrip_support;

        use std::sync::Arc;

        use #krate as api;
        use api::#client as Client;
        use api::models::*;
        use api::server::{ServerBuilder, ServerError};
        use roundtrip_support as support;

        /// Implements every trait; answers as the script says and records what it received.
        struct Fixture {
            script: support::Shared,
        }

        async fn start() -> (Client, support::Shared, support::ServerGuard) {
            let script = support::Shared::default();
            let router = ServerBuilder::new().all(Arc::new(Fixture { script: script.clone() })).into_router();
            let (docker, guard) = support::serve(router).await;
            (docker, script, guard)
        }

        #( #impls )*

        #( #tests )*
    };
    let doc = "Every operation through the generated client and the generated server, over a\n\
unix socket, for each documented status: the server checks its typed inputs, the\n\
client checks its typed answer (see `roundtrip_support`).";
    out.insert("tests/roundtrip.rs".into(), render_file(doc, tokens)?);
    out.insert(
        "tests/roundtrip_support/mod.rs".into(),
        format!("{RUST_HEADER}\n{SUPPORT}"),
    );
    Ok(())
}

/// The fixture's trait method and the test of one operation.
fn operation(ir: &Ir, op: &Operation, module: &proc_macro2::Ident) -> (TokenStream, TokenStream) {
    let id = &op.id;
    let method = ident(&op.id);
    let gated = op.upgrade == Some(Upgrade::Websocket);
    let cfg = if gated {
        quote!(#[cfg(feature = "websocket")])
    } else {
        quote!()
    };
    let reply_ident = super::server::reply_name(op);
    let reply = quote!(api::server::#module::#reply_ident);

    // What the client sends, and how the server checks it received the same.
    let mut lets = Vec::new();
    let mut args = Vec::new();
    let mut server_checks = Vec::new();
    for p in &op.path_params {
        let name = ident(&p.rust_name);
        let value = path_expr(ir, p);
        lets.push(quote!(let #name = #value;));
        args.push(match &p.ty {
            TypeExpr::Scalar(Scalar::String) => quote!(&#name),
            _ => quote!(#name.clone()),
        });
        let what = format!("path parameter {}", p.name);
        server_checks.push(quote!(self.script.check(#what, &#name, &#value);));
    }
    for p in op.query.iter().chain(&op.headers).filter(|p| p.required) {
        let name = ident(&p.rust_name);
        let value = if super::operations::is_header(op, p) {
            header_expr(ir, p)
        } else {
            sample_expr(ir, &p.ty)
        };
        lets.push(quote!(let #name = #value;));
        args.push(match &p.ty {
            TypeExpr::Scalar(s) if *s != Scalar::String => quote!(#name),
            _ => quote!(&#name),
        });
        let what = format!("parameter {}", p.name);
        server_checks.push(quote!(self.script.check(#what, &#name, &#value);));
    }
    let mut setters = Vec::new();
    if optional_params(op).next().is_some() {
        let value = options_expr(ir, op, module);
        lets.push(quote!(let options = #value;));
        setters.push(quote!(.options(options.clone())));
        server_checks.push(quote!(self.script.check("options", &options, &#value);));
    }
    match &op.body {
        Some(Body::Json { ty, required, .. }) => {
            let value = sample_expr(ir, ty);
            lets.push(quote!(let body = #value;));
            if *required {
                args.push(quote!(&body));
                server_checks.push(quote!(self.script.check("body", &body, &#value);));
            } else {
                setters.push(quote!(.body(&body)));
                server_checks.push(quote!(self.script.check("body", &body, &Some(#value));));
            }
        }
        Some(Body::Raw { required, .. }) => {
            let bytes = proc_macro2::Literal::byte_string(REQUEST_BYTES);
            let request = quote!(api::RequestBody::from_bytes(&#bytes[..]));
            if *required {
                args.push(request);
            } else {
                setters.push(quote!(.body(#request)));
            }
            server_checks.push(quote! {
                let received = support::collect_request(body).await;
                self.script.check("body", &received, &#bytes.to_vec());
            });
        }
        None => {}
    }

    // The fixture's method: check the inputs, answer the scripted status.
    let ins = inputs(ir, op, module, Some(&quote!(api)));
    let params = ins.iter().map(|(n, t, _)| quote!(#n: #t));
    let vs = variants(ir, op);
    let arms = vs.iter().map(|v| {
        let status = v.status;
        let value = reply_expr(ir, &reply, v);
        quote!(#status => #value,)
    });
    let fixture_method = quote! {
        #cfg
        async fn #method(&self, #( #params ),*) -> Result<#reply, ServerError> {
            #( #server_checks )*
            Ok(match self.script.status() {
                #( #arms )*
                other => return Err(ServerError::new(other, "not scripted")),
            })
        }
    };

    // The test: every documented status the server can be scripted to give.
    let single = op.success == SuccessShape::Single;
    let client_enum = format_ident!("{}", op.names.outcome);
    let mut status_arms = Vec::new();
    let mut statuses = Vec::new();
    for v in &vs {
        statuses.push(v.status);
        let status = v.status;
        if v.status >= 400 {
            continue;
        }
        let r = &op.responses[&v.status];
        let check = match v.payload {
            Payload::Hijack if op.upgrade == Some(Upgrade::H2c) => quote! {
                let mut connection = value;
                tokio::io::AsyncWriteExt::write_all(&mut connection, b"sample stdin").await.unwrap();
                tokio::io::AsyncWriteExt::shutdown(&mut connection).await.unwrap();
                let mut received = Vec::new();
                tokio::io::AsyncReadExt::read_to_end(&mut connection, &mut received).await.unwrap();
                let greeting = api::server::OutputFrame::Stdout(bytes::Bytes::from_static(b"hello ")).encode();
                let echo = api::server::OutputFrame::Stdout(bytes::Bytes::from_static(b"sample stdin")).encode();
                assert_eq!(received, [greeting.as_ref(), echo.as_ref()].concat());
            },
            Payload::Hijack => quote! {
                let mut attached = value;
                let mut input = attached.input.take().expect("the connection was upgraded");
                tokio::io::AsyncWriteExt::write_all(&mut input, b"sample stdin").await.unwrap();
                tokio::io::AsyncWriteExt::shutdown(&mut input).await.unwrap();
                let (stdout, _) = support::split_output(attached.output).await;
                assert_eq!(stdout, b"hello sample stdin".to_vec());
            },
            Payload::WebSocket => quote! {
                let mut ws = value;
                let message = futures_util::StreamExt::next(&mut ws).await.expect("a message").expect("a frame");
                assert_eq!(message.into_data(), b"sample websocket".to_vec());
            },
            _ => check_success(ir, op, r),
        };
        let unit =
            matches!(r.kind, ResponseKind::None) && r.headers.is_empty() && op.upgrade.is_none();
        let arm = if unit && single {
            quote!(#status => {
                let () = result.unwrap_or_else(|e| panic!("{e}"));
            })
        } else if single || op.upgrade.is_some() {
            quote!(#status => {
                let value = result.unwrap_or_else(|e| panic!("{e}"));
                #check
            })
        } else {
            let variant = format_ident!("{}", r.variant);
            let client_path = quote!(api::client::#module::#client_enum);
            if unit {
                quote!(#status => {
                    let #client_path::#variant = result.unwrap_or_else(|e| panic!("{e}")) else {
                        panic!("{} answering {}: another variant", #id, #status);
                    };
                })
            } else {
                quote!(#status => {
                    let #client_path::#variant(value) = result.unwrap_or_else(|e| panic!("{e}")) else {
                        panic!("{} answering {}: another variant", #id, #status);
                    };
                    #check
                })
            }
        };
        status_arms.push(arm);
    }
    let check_message = if op.method == crate::words::HttpMethod::Head {
        // A HEAD answer has no body to carry the message.
        quote! {
            let (got, _message) = support::api_error(error);
            assert_eq!(got, status);
        }
    } else {
        // An error answered as plain text carries the fixture's text, not
        // the error body's message.
        let text_statuses: Vec<u16> = variants(ir, op)
            .iter()
            .filter(|v| v.status >= 400 && matches!(v.payload, Payload::Text(_)))
            .map(|v| v.status)
            .collect();
        let expected = if text_statuses.is_empty() {
            quote!(format!("sample error {status}"))
        } else {
            quote!(match status {
                #( #text_statuses )|* => String::from("sample text"),
                _ => format!("sample error {status}"),
            })
        };
        quote! {
            let (got, message) = support::api_error(error);
            assert_eq!(got, status);
            assert_eq!(message, #expected);
        }
    };
    let test_name = format_ident!("{}_round_trips", op.id);
    let test = quote! {
        #cfg
        #[tokio::test]
        async fn #test_name() {
            let (docker, script, _server) = start().await;
            #( #lets )*
            for status in [#( #statuses ),*] {
                script.answer(status);
                let result = docker.#method(#( #args ),*) #( #setters )* .await;
                match status {
                    #( #status_arms )*
                    _ => {
                        let Err(error) = result else {
                            panic!("{} answering {status}: the client saw success", #id);
                        };
                        #check_message
                    }
                }
                script.assert_clean(#id, status);
            }
        }
    };
    (fixture_method, test)
}
