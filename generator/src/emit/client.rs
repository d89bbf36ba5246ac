//! The `client` module: one method on the client type per operation, one file per tag.
//!
//! # The call shape
//!
//! Every operation is called the same way, so a user can guess any call from
//! the Docker CLI and the rustdoc:
//!
//! ```text
//! docker.container_logs(&id).follow(true).stdout(true).await?
//! //     └ what you must say ┘└ what you may say ─────┘└ send it
//! ```
//!
//! - What the request cannot do without (path parameters, required query
//!   parameters and headers, a required body) are arguments of the method.
//! - Everything optional (query parameters, headers, an optional body) is set
//!   on the pending call it returns (`ContainerLogsRequest`), one setter per
//!   parameter, or all at once from its options struct (`ContainerLogsOptions`,
//!   which implements `Default`) with `.options(..)`.
//! - The pending call implements `IntoFuture`: `.await` sends it. Leaving the
//!   options out costs nothing, unlike a positional `&Query::default()`. Where
//!   a `Future` itself is needed (`block_on`, `select!`), `.send()` gives one.
//!
//! Why a pending call rather than an options argument: an argument must be
//! written even when empty (`None`, `Default::default()`), and would make the
//! hundred calls that take no options look different from the few that do.
//!
//! What a call yields is the spec's success body (a model, a JSON-lines
//! stream, multiplexed output, raw bytes, a hijacked connection), or an
//! outcome type when headers come with it or statuses mean different things
//! (`ContainerStartOutcome::AlreadyStarted`).

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{
    Body, Ir, Operation, Param, Response, ResponseKind, SuccessShape, TtySource, Upgrade,
};
use crate::types::{Scalar, TypeExpr};

use super::operations::{encoding_tokens, operation_doc, option_doc, push_value};
use super::rust::{collect_names, doc_attrs, doc_text, ident, render_file, rust_type, use_line};
use super::FileSet;

pub fn emit(ir: &Ir, out: &mut FileSet) -> Result<(), String> {
    let mut modules = Vec::new();
    for tag in &ir.tags {
        let ops: Vec<&Operation> = ir.operations_of(&tag.name).collect();
        if ops.is_empty() {
            continue;
        }
        let mut models = BTreeSet::new();
        let mut items = Vec::new();
        let mut methods = Vec::new();
        let module = ident(&tag.module);
        for op in &ops {
            let (op_items, method) = operation(ir, op, &mut models);
            items.extend(op_items);
            methods.push(method);
        }
        let model_use = use_line(quote!(crate::models), &models);
        // Import only what this tag's calls use, so no import is left unused.
        let raw_body = ops.iter().any(|o| matches!(o.body, Some(Body::Raw { .. })));
        let body_use = if raw_body {
            quote!(
                use crate::runtime::body::RequestBody;
            )
        } else {
            quote!()
        };
        let tokens = quote! {
            use std::future::IntoFuture;

            #body_use
            use crate::runtime::client::{Call, Client, PendingCall, render_path};
            use crate::runtime::error::Error;
            #model_use
            use crate::operations::#module::*;

            impl Client {
                #( #methods )*
            }

            #( #items )*
        };
        let doc = format!(
            "Client calls of the `{}` tag: their pending calls and outcomes.\n\n{}",
            tag.name, tag.doc
        );
        out.insert(
            format!("src/client/{}.rs", tag.module),
            render_file(&doc, tokens)?,
        );
        modules.push(module);
    }
    let tokens = quote! {
        #( pub mod #modules; )*
    };
    let client = &ir.meta.client_type;
    let doc = format!(
        "The async client: one method on [`{client}`](crate::{client}) per operation of the\n\
spec, in one file per tag, named after the operation.\n\n\
A method takes what the request cannot do without and returns a pending call;\n\
optional parameters are set on it, and `.await` sends it (`.send()` gives a\n\
`Future` where one is needed, for `block_on` or `select!`)."
    );
    let doc = doc.as_str();
    out.insert("src/client/mod.rs".into(), render_file(doc, tokens)?);
    Ok(())
}

/// Success statuses: informational, success and `304 Not Modified`-style answers.
pub(super) fn successes(op: &Operation) -> Vec<&Response> {
    op.responses.values().filter(|r| r.status < 400).collect()
}

/// Optional parameters: the fields of the options struct, in spec order.
pub(super) fn optional_params(op: &Operation) -> impl Iterator<Item = &Param> {
    op.query.iter().chain(&op.headers).filter(|p| !p.required)
}

/// What a method argument of parameter `p` looks like, and the type stored in the pending call.
fn arg_type(ir: &Ir, p: &Param) -> TokenStream {
    match &p.ty {
        TypeExpr::Scalar(Scalar::String) => quote!(&'a str),
        TypeExpr::Scalar(_) => rust_type(ir, &p.ty),
        t => {
            let t = rust_type(ir, t);
            quote!(&'a #t)
        }
    }
}

fn tty_source(op: &Operation) -> TokenStream {
    match op.tty_source {
        TtySource::Exec => quote!(crate::runtime::client::TtySource::Exec),
        TtySource::Container => quote!(crate::runtime::client::TtySource::Container),
        TtySource::Service => quote!(crate::runtime::client::TtySource::Service),
        TtySource::Task => quote!(crate::runtime::client::TtySource::Task),
    }
}

/// The Rust type a success response turns into, and the code producing it from `response`.
fn outcome(
    ir: &Ir,
    op: &Operation,
    r: &Response,
    models: &mut BTreeSet<String>,
    output_name: &Ident,
) -> (TokenStream, TokenStream) {
    let id_arg = match op.path_params.first() {
        Some(p) => {
            let p = ident(&p.rust_name);
            quote!(#p)
        }
        None => quote!(""),
    };
    let source = tty_source(op);
    let (body_ty, body_expr) = match &r.kind {
        ResponseKind::None => (quote!(()), quote!(docker.read_empty(op, response).await?)),
        ResponseKind::Json(t) => {
            collect_names(ir, t, models);
            let ty = rust_type(ir, t);
            let read = if r.null_reads_as_empty {
                quote!(docker.read_json_list(op, response).await?)
            } else {
                quote!(docker.read_json(op, response).await?)
            };
            (ty, read)
        }
        ResponseKind::JsonLines(t) => {
            collect_names(ir, t, models);
            let ty = rust_type(ir, t);
            (
                quote!(crate::runtime::stream::JsonLines<#ty>),
                quote!(Client::json_lines(op, response)),
            )
        }
        ResponseKind::Multiplexed => (
            quote!(crate::runtime::stream::OutputStream),
            quote!(docker.output(op, response, #source, #id_arg).await?),
        ),
        ResponseKind::Raw { content_type } if content_type.starts_with("text/plain") => (
            quote!(String),
            quote!(docker.read_text(op, response).await?),
        ),
        ResponseKind::Raw { .. } => (
            quote!(crate::runtime::stream::ByteStream),
            quote!(Client::byte_stream(op, response)),
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
        quote!(let #name = Client::header(op, &response, #wire, crate::runtime::operation::#enc)?;)
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
    (
        quote!(#output_name),
        quote! {{
            #( #header_reads )*
            #body_let
            #output_name { #( #header_names, )* #body_field }
        }},
    )
}

/// The struct of a success answer that brings headers with its body.
fn output_struct(ir: &Ir, op: &Operation, r: &Response, name: &Ident) -> TokenStream {
    let fields = r.headers.iter().map(|h| {
        let f = ident(&h.rust_name);
        let ty = rust_type(ir, &h.ty);
        let doc = doc_attrs(&format!("The `{}` header: {}", h.name, doc_text(&h.doc)));
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
    let method = &op.names.method;
    let doc = doc_attrs(&format!(
        "The successful answer of [`{client}::{method}`](crate::{client}::{method}): its headers and body.",
        client = ir.meta.client_type
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

/// The code that turns `response` into the call's result.
fn handling(
    ir: &Ir,
    op: &Operation,
    models: &mut BTreeSet<String>,
    items: &mut Vec<TokenStream>,
) -> (TokenStream, TokenStream) {
    let id_arg = match op.path_params.first() {
        Some(p) => {
            let p = ident(&p.rust_name);
            quote!(#p)
        }
        None => quote!(""),
    };
    let source = tty_source(op);
    let success = successes(op);
    let outcome_name = format_ident!("{}", op.names.outcome);
    match (op.upgrade, op.success) {
        (Some(Upgrade::Tcp), _) => (
            quote!(crate::runtime::hijack::Attached),
            quote! {
                match response.status().as_u16() {
                    101 | 200..=299 => docker.hijack(op, response, #source, #id_arg).await,
                    _ => Err(docker.api_error(op, response).await),
                }
            },
        ),
        (Some(Upgrade::H2c), _) => (
            quote!(crate::runtime::hijack::UpgradedConnection),
            quote!(docker.upgraded(op, response).await),
        ),
        (Some(Upgrade::Websocket), _) => (
            quote!(crate::runtime::hijack::WebSocket),
            quote!(docker.websocket(op, response).await),
        ),
        (None, SuccessShape::Single) => {
            let template = success.first().copied().cloned().unwrap_or(Response {
                status: 200,
                variant: String::new(),
                doc: String::new(),
                kind: ResponseKind::None,
                null_reads_as_empty: false,
                deferred: false,
                headers: vec![],
                versions: Default::default(),
            });
            if !template.headers.is_empty() {
                items.push(output_struct(ir, op, &template, &outcome_name));
            }
            let (ty, expr) = outcome(ir, op, &template, models, &outcome_name);
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
                        _ => Err(docker.api_error(op, response).await),
                    }
                },
            )
        }
        (None, SuccessShape::PerStatus) => {
            let mut variants = Vec::new();
            let mut arms = Vec::new();
            let mut fallback = None;
            let first_2xx = success
                .iter()
                .find(|r| (200..300).contains(&r.status))
                .map(|r| r.status);
            for r in &success {
                let v = format_ident!("{}", r.variant);
                let output_name = format_ident!("{}{}", op.names.outcome, r.variant);
                if !r.headers.is_empty() {
                    items.push(output_struct(ir, op, r, &output_name));
                }
                let (ty, expr) = outcome(ir, op, r, models, &output_name);
                let doc = doc_attrs(&format!("{}: {}", r.status, doc_text(&r.doc)));
                let status = proc_macro2::Literal::u16_unsuffixed(r.status);
                // Exact statuses first; an undocumented 2xx falls to the first documented one, last.
                let unit = matches!(r.kind, ResponseKind::None) && r.headers.is_empty();
                let arm = |pattern: TokenStream| {
                    if unit {
                        quote!(#pattern => { #expr; Ok(#outcome_name::#v) })
                    } else {
                        quote!(#pattern => Ok(#outcome_name::#v(#expr)),)
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
            let method = &op.names.method;
            let doc = doc_attrs(&format!(
                "The successful outcomes of [`{client}::{method}`](crate::{client}::{method}), one per documented status.",
                client = ir.meta.client_type
            ));
            let derive = if success.iter().all(|r| debuggable(&r.kind)) {
                quote!(#[derive(Debug, Clone, PartialEq)])
            } else {
                quote!()
            };
            items.push(quote! {
                #doc
                #derive
                pub enum #outcome_name {
                    #( #variants )*
                }
            });
            (
                quote!(#outcome_name),
                quote! {
                    match response.status().as_u16() {
                        #( #arms )*
                        _ => Err(docker.api_error(op, response).await),
                    }
                },
            )
        }
    }
}

/// The pending call of one operation, its client method, and its outcome types.
fn operation(
    ir: &Ir,
    op: &Operation,
    models: &mut BTreeSet<String>,
) -> (Vec<TokenStream>, TokenStream) {
    let mut items = Vec::new();
    let method = ident(&op.names.method);
    let request = format_ident!("{}", op.names.request);
    let options = format_ident!("{}", op.names.options);
    let konst = format_ident!("{}", op.names.descriptor);
    let has_options = optional_params(op).next().is_some();
    for p in optional_params(op) {
        collect_names(ir, &p.ty, models);
    }

    // Arguments: path parameters, required query parameters and headers, a required body.
    let mut fields = Vec::new(); // (name, type) stored in the pending call
    let mut path_values = Vec::new();
    for p in &op.path_params {
        let name = ident(&p.rust_name);
        collect_names(ir, &p.ty, models);
        fields.push((name.clone(), arg_type(ir, p)));
        path_values.push(match &p.ty {
            TypeExpr::Scalar(Scalar::String) => quote!(#name),
            _ => quote!(&#name.to_string()),
        });
    }
    for p in op.query.iter().chain(&op.headers).filter(|p| p.required) {
        let name = ident(&p.rust_name);
        collect_names(ir, &p.ty, models);
        fields.push((name.clone(), arg_type(ir, p)));
    }
    let mut setup = Vec::new();
    let mut body_setter = quote!();
    let mut body_field = None;
    match &op.body {
        Some(Body::Json { ty, required, doc }) => {
            collect_names(ir, ty, models);
            let t = rust_type(ir, ty);
            if *required {
                // A list body is borrowed as a slice, so any contiguous list will do.
                let borrowed = match ty {
                    TypeExpr::List(inner) => {
                        let inner = rust_type(ir, inner);
                        quote!(&'a [#inner])
                    }
                    _ => quote!(&'a #t),
                };
                fields.push((format_ident!("body"), borrowed));
                setup.push(quote!(call.json(body)?;));
            } else {
                body_field = Some(quote!(Option<&'a #t>));
                let doc = doc_attrs(&format!("The request body: {}", doc_text(doc)));
                body_setter = quote! {
                    #doc
                    pub fn body(mut self, body: &'a #t) -> Self {
                        self.body = Some(body);
                        self
                    }
                };
                setup.push(quote!(if let Some(body) = body {
                    call.json(body)?;
                }));
            }
        }
        Some(Body::Raw {
            content_type,
            required,
            doc,
        }) => {
            if *required {
                fields.push((format_ident!("body"), quote!(RequestBody)));
                setup.push(quote!(call.raw(body, #content_type);));
            } else {
                body_field = Some(quote!(Option<RequestBody>));
                let doc = doc_attrs(&format!(
                    "The request body (`{content_type}`): {}",
                    doc_text(doc)
                ));
                body_setter = quote! {
                    #doc
                    pub fn body(mut self, body: RequestBody) -> Self {
                        self.body = Some(body);
                        self
                    }
                };
                setup.push(quote!(if let Some(body) = body { call.raw(body, #content_type); }));
            }
        }
        None => {}
    }

    // The query string: required parameters, then the options set.
    let mut pushes = Vec::new();
    for p in &op.query {
        let push = push_value(ir, p, &p.name);
        if p.required {
            let name = ident(&p.rust_name);
            pushes.push(quote! { { let value = &#name; #push } });
        } else {
            let name = ident(&p.rust_name);
            pushes.push(quote! { if let Some(value) = &options.#name { #push } });
        }
    }
    if !pushes.is_empty() {
        setup.insert(
            0,
            quote!(call.query_with(|pairs| { #( #pushes )* Ok(()) })?;),
        );
    }
    for h in &op.headers {
        let name = ident(&h.rust_name);
        let wire = &h.name;
        let enc = encoding_tokens(h.encoding);
        let enc = quote!(crate::runtime::operation::#enc);
        if h.required {
            setup.push(quote!(call.header(#wire, #name, #enc)?;));
        } else {
            setup.push(
                quote!(if let Some(value) = &options.#name { call.header(#wire, value, #enc)?; }),
            );
        }
    }
    match op.upgrade {
        Some(Upgrade::Tcp) => {
            setup.push(quote!(call.upgrade = crate::runtime::client::UpgradeKind::Tcp;))
        }
        Some(Upgrade::Websocket) => setup.push(quote!(call.upgrade = crate::runtime::client::UpgradeKind::Websocket(crate::runtime::client::websocket_key());)),
        Some(Upgrade::H2c) => {
            setup.push(quote!(call.upgrade = crate::runtime::client::UpgradeKind::H2c;))
        }
        None => {}
    }

    let (ret, handle) = handling(ir, op, models, &mut items);

    // The pending call's fields, setters and destructuring.
    let mut struct_fields: Vec<TokenStream> = fields
        .iter()
        .map(|(name, ty)| quote!(#name: #ty,))
        .collect();
    let mut field_names: Vec<Ident> = fields.iter().map(|(n, _)| n.clone()).collect();
    let mut inits: Vec<TokenStream> = fields.iter().map(|(n, _)| quote!(#n,)).collect();
    if has_options {
        struct_fields.push(quote!(options: #options,));
        field_names.push(format_ident!("options"));
        inits.push(quote!(options: #options::default(),));
    }
    if let Some(ty) = &body_field {
        struct_fields.push(quote!(body: #ty,));
        field_names.push(format_ident!("body"));
        inits.push(quote!(body: None,));
    }
    let setters = optional_params(op).map(|p| {
        let field = ident(&p.rust_name);
        let setter = ident(&p.setter);
        let doc = doc_attrs(&option_doc(op, p, "Sets the "));
        match &p.ty {
            TypeExpr::Scalar(Scalar::String) => quote! {
                #doc
                pub fn #setter(mut self, value: impl Into<String>) -> Self {
                    self.options.#field = Some(value.into());
                    self
                }
            },
            t => {
                let t = rust_type(ir, t);
                quote! {
                    #doc
                    pub fn #setter(mut self, value: #t) -> Self {
                        self.options.#field = Some(value);
                        self
                    }
                }
            }
        }
    });
    let options_setter = if has_options {
        let doc = doc_attrs(&format!(
            "Sets every optional parameter at once from [`{options}`], replacing any set before."
        ));
        quote! {
            #doc
            pub fn options(mut self, options: #options) -> Self {
                self.options = options;
                self
            }
        }
    } else {
        quote!()
    };
    let args = fields.iter().map(|(name, ty)| quote!(#name: #ty));
    let op_doc = operation_doc(op);
    let then = if has_options || body_field.is_some() {
        "set optional parameters on it, then `.await` it to send the request"
    } else {
        "`.await` it to send the request"
    };
    let method_docs = doc_attrs(&format!(
        "{op_doc}\n\nReturns the pending call [`{request}`]: {then}."
    ));
    let request_doc = doc_attrs(&format!(
        "A pending [`{client}::{method}`](crate::{client}::{method}) call: set its optional parameters, then `.await` it to send it.",
        client = ir.meta.client_type,
        method = op.names.method
    ));
    let cfg = if op.upgrade == Some(Upgrade::Websocket) {
        quote!(#[cfg(feature = "websocket")])
    } else {
        quote!()
    };
    let call_mut = if setup.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    items.insert(
        0,
        quote! {
            #request_doc
            #cfg
            #[must_use = "a pending call does nothing until it is awaited"]
            pub struct #request<'a> {
                docker: &'a Client,
                #( #struct_fields )*
            }

            #cfg
            impl<'a> #request<'a> {
                #( #setters )*
                #options_setter
                #body_setter

                /// Sends the request and reads the answer; the same as `.await`ing the pending call.
                // Inline, so a program compiles the calls it makes and not the
                // crate's hundred others (with their models' decoding).
                #[inline]
                pub async fn send(self) -> Result<#ret, Error> {
                    let #request { docker, #( #field_names ),* } = self;
                    let op = &#konst;
                    let #call_mut call = Call::new(op, render_path(op.path, &[ #( #path_values ),* ]));
                    #( #setup )*
                    let response = docker.send(call).await?;
                    #handle
                }
            }

            #cfg
            impl<'a> IntoFuture for #request<'a> {
                type Output = Result<#ret, Error>;
                type IntoFuture = PendingCall<'a, #ret>;

                #[inline]
                fn into_future(self) -> Self::IntoFuture {
                    Box::pin(self.send())
                }
            }
        },
    );
    let method_tokens = quote! {
        #method_docs
        #cfg
        pub fn #method<'a>(&'a self, #( #args ),*) -> #request<'a> {
            #request { docker: self, #( #inits )* }
        }
    };
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
