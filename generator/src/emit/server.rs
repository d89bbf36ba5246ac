//! The `server` module: one trait per tag with one method per operation,
//! a reply enum per operation with a variant per documented status, and
//! the glue that decodes a request into the method's typed inputs and
//! encodes its reply. Routing, versions and streaming live in the runtime
//! (`templates/runtime/server.rs`).

use std::collections::BTreeSet;

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Body, Encoding, Ir, Operation, Response, ResponseKind, Tag, Upgrade};
use crate::types::TypeExpr;

use super::operations::{encoding_tokens, operation_doc, read_value};
use super::rust::{collect_names, doc_attrs, ident, is_enum, render_file, rust_type, use_line};
use super::FileSet;

/// The trait of a tag: `ContainersApi`.
pub fn trait_name(tag: &Tag) -> Ident {
    format_ident!("{}Api", tag.name.to_upper_camel_case())
}

/// The reply enum of an operation: `ContainerListReply`.
pub fn reply_name(op: &Operation) -> Ident {
    format_ident!("{}", op.names.reply)
}

/// One variant of a reply enum.
pub struct Variant {
    pub name: Ident,
    pub status: u16,
    /// Where the variant's body comes from.
    pub payload: Payload,
    /// Documented response headers: (wire name, field, type expression, encoding tokens).
    pub headers: Vec<(String, Ident, TypeExpr, TokenStream)>,
    pub doc: String,
}

/// What a reply variant carries.
#[derive(Clone)]
pub enum Payload {
    Unit,
    Error(TypeExpr),
    Json(TypeExpr),
    /// JSON whose head goes out before the value is known.
    Deferred(TypeExpr),
    JsonLines(TypeExpr),
    Output,
    Text(String),
    Bytes(String),
    Hijack,
    WebSocket,
}

/// The variants of an operation's reply, in status order. An upgrading
/// operation's successes collapse into one variant: the router picks `101`
/// or a streamed `200` from the request, not the implementation.
pub fn variants(ir: &Ir, op: &Operation) -> Vec<Variant> {
    let mut out = Vec::new();
    let mut upgraded = false;
    for r in op.responses.values() {
        if r.status < 400 {
            if let Some(kind) = op.upgrade {
                if !upgraded {
                    upgraded = true;
                    let (name, payload) = match kind {
                        Upgrade::Tcp => ("Attached", Payload::Hijack),
                        Upgrade::H2c => ("Upgraded", Payload::Hijack),
                        Upgrade::Websocket => ("Upgraded", Payload::WebSocket),
                    };
                    out.push(Variant {
                        name: format_ident!("{name}"),
                        status: r.status,
                        payload,
                        headers: vec![],
                        doc: "The connection is taken over: `101` when the client asked for an upgrade, else the output is streamed.".into(),
                    });
                }
                continue;
            }
        }
        let payload = payload_of(ir, r);
        let headers = r
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.clone(),
                    ident(&h.rust_name),
                    h.ty.clone(),
                    encoding_tokens(h.encoding),
                )
            })
            .collect();
        out.push(Variant {
            name: format_ident!("{}", r.variant),
            status: r.status,
            payload,
            headers,
            doc: format!("{}: {}", r.status, r.doc),
        });
    }
    out
}

fn payload_of(ir: &Ir, r: &Response) -> Payload {
    match &r.kind {
        ResponseKind::None if r.status >= 400 => {
            Payload::Error(TypeExpr::Named(ir.meta.error_type.clone()))
        }
        ResponseKind::None => Payload::Unit,
        ResponseKind::Json(t) if r.status >= 400 => Payload::Error(t.clone()),
        ResponseKind::Json(t) if r.deferred => Payload::Deferred(t.clone()),
        ResponseKind::Json(t) => Payload::Json(t.clone()),
        ResponseKind::JsonLines(t) => Payload::JsonLines(t.clone()),
        ResponseKind::Multiplexed => Payload::Output,
        ResponseKind::Raw { content_type } if content_type.starts_with("text/plain") => {
            Payload::Text(content_type.clone())
        }
        ResponseKind::Raw { content_type } => Payload::Bytes(content_type.clone()),
    }
}

fn payload_type(ir: &Ir, payload: &Payload) -> Option<TokenStream> {
    let rt = quote!(crate::runtime::server);
    Some(match payload {
        Payload::Unit => return None,
        Payload::Error(t) => rust_type(ir, t),
        // Objects are boxed: the reply enum stays small whichever variant is sent.
        Payload::Json(t) if is_struct(ir, t) => {
            let t = rust_type(ir, t);
            quote!(Box<#t>)
        }
        Payload::Json(t) => rust_type(ir, t),
        Payload::Deferred(t) => {
            let t = rust_type(ir, t);
            quote!(#rt::Deferred<#t>)
        }
        Payload::JsonLines(t) => {
            let t = rust_type(ir, t);
            quote!(#rt::ItemStream<#t>)
        }
        Payload::Output => quote!(#rt::Output),
        Payload::Text(_) => quote!(String),
        Payload::Bytes(_) => quote!(#rt::BodyStream),
        Payload::Hijack => quote!(#rt::Hijack),
        Payload::WebSocket => quote!(#rt::WebSocketTask),
    })
}

pub(super) fn is_struct(ir: &Ir, t: &TypeExpr) -> bool {
    matches!(t, TypeExpr::Named(n) if matches!(ir.types.get(n).map(|d| &d.kind), Some(crate::ir::TypeKind::Struct(_))))
}

fn debuggable(payload: &Payload) -> bool {
    !matches!(
        payload,
        Payload::JsonLines(_) | Payload::Bytes(_) | Payload::Deferred(_)
    )
}

/// The typed inputs of an operation, as (argument name, Rust type, decoding expression).
/// `outside` is the generated crate's name when the types are spelled from another
/// crate (the round-trip tests); inside it, query structs are imported by name.
pub(super) fn inputs(
    ir: &Ir,
    op: &Operation,
    module: &Ident,
    outside: Option<&TokenStream>,
) -> Vec<(Ident, TokenStream, TokenStream)> {
    let root = outside.cloned().unwrap_or(quote!(crate));
    let mut out = Vec::new();
    for (index, p) in op.path_params.iter().enumerate() {
        let name = ident(&p.rust_name);
        let wire = &p.name;
        let ty = rust_type(ir, &p.ty);
        out.push((
            name,
            ty.clone(),
            quote!(incoming.path_param::<#ty>(#index, #wire)?),
        ));
    }
    for p in op.query.iter().filter(|p| p.required) {
        let name = ident(&p.rust_name);
        let ty = rust_type(ir, &p.ty);
        let read = read_value(ir, p);
        out.push((name, ty, quote!({ let pairs = incoming.query(); #read })));
    }
    for h in op.headers.iter().filter(|h| h.required) {
        let name = ident(&h.rust_name);
        let wire = &h.name;
        let ty = rust_type(ir, &h.ty);
        let enc = encoding_tokens(h.encoding);
        out.push((
            name,
            ty.clone(),
            quote!(incoming.required_header::<#ty>(#wire, #enc)?),
        ));
    }
    if super::client::optional_params(op).next().is_some() {
        let name = format_ident!("{}", op.names.options);
        // Feature-gated operations name their options in full, so the plain imports stay used.
        let options = if op.upgrade == Some(Upgrade::Websocket) || outside.is_some() {
            quote!(#root::operations::#module::#name)
        } else {
            quote!(#name)
        };
        let reads = super::client::optional_params(op).map(|p| {
            let field = ident(&p.rust_name);
            if super::operations::is_header(op, p) {
                let wire = &p.name;
                let ty = rust_type(ir, &p.ty);
                let enc = encoding_tokens(p.encoding);
                quote!(#field: incoming.header::<#ty>(#wire, #enc)?,)
            } else {
                let read = read_value(ir, p);
                quote!(#field: #read,)
            }
        });
        let decode = if op.query.iter().any(|p| !p.required) {
            quote!({ let pairs = incoming.query(); #options { #( #reads )* } })
        } else {
            quote!(#options { #( #reads )* })
        };
        out.push((format_ident!("options"), options, decode));
    }
    match &op.body {
        Some(Body::Json { ty, required, .. }) => {
            let t = rust_type(ir, ty);
            if *required {
                out.push((
                    format_ident!("body"),
                    t.clone(),
                    quote!(incoming.required_json_body::<#t>().await?),
                ));
            } else {
                out.push((
                    format_ident!("body"),
                    quote!(Option<#t>),
                    quote!(incoming.json_body::<#t>().await?),
                ));
            }
        }
        Some(Body::Raw { .. }) => out.push((
            format_ident!("body"),
            quote!(#root::server::BodyStream),
            quote!(incoming.body_stream()),
        )),
        None => {}
    }
    out
}

/// What an empty value of a required base64-JSON header (`X-Registry-Auth`
/// of a push) hands the method: the empty JSON object decoded, which for
/// credentials means "none", as the daemon reads it. Empty optional headers
/// are `None`, like absent ones.
fn empty_header_notes(ir: &Ir, op: &Operation) -> String {
    op.headers
        .iter()
        .filter(|h| h.required && matches!(h.encoding, Encoding::Base64Json | Encoding::Base64UrlJson))
        .map(|h| {
            let ty = rust_type(ir, &h.ty).to_string().replace(' ', "");
            format!(
                "\n\nAn empty (or blank) `{}` header is the empty JSON object: `{ty}` decoded from `{{}}` \
(for credentials, `{ty}::default()`: none, as the daemon reads it). An absent one is `400`.",
                h.name
            )
        })
        .collect()
}

/// Refuses a path the router cannot serve: more than one placeholder in a
/// `/`-separated segment, or an unbalanced brace.
fn check_path(op: &Operation) -> Result<(), String> {
    for seg in op.path.split('/') {
        let opens = seg.matches('{').count();
        let closes = seg.matches('}').count();
        let balanced = match (seg.find('{'), seg.find('}')) {
            (Some(open), Some(close)) => open < close,
            (None, None) => true,
            _ => false,
        };
        if opens > 1 || closes > 1 || opens != closes || !balanced {
            return Err(format!(
                "operation `{}`: path `{}`: the server router takes at most one `{{placeholder}}` per `/`-separated segment",
                op.id, op.path
            ));
        }
    }
    Ok(())
}

pub fn emit(ir: &Ir, out: &mut FileSet) -> Result<(), String> {
    for op in ir.operations.values() {
        check_path(op)?;
    }
    let mut modules = Vec::new();
    let mut builder_methods = Vec::new();
    let mut all_bounds = Vec::new();
    let mut all_registrations = Vec::new();
    let mut trait_uses = Vec::new();
    for tag in &ir.tags {
        let ops: Vec<&Operation> = ir.operations_of(&tag.name).collect();
        if ops.is_empty() {
            continue;
        }
        let module = ident(&tag.module);
        let trait_ident = trait_name(tag);
        let mut models = BTreeSet::new();
        let mut op_uses = Vec::new();
        let mut replies = Vec::new();
        let mut methods = Vec::new();
        let mut servers = Vec::new();
        let mut arms = Vec::new();
        for op in &ops {
            let gated = op.upgrade == Some(Upgrade::Websocket);
            let cfg = if gated {
                quote!(#[cfg(feature = "websocket")])
            } else {
                quote!()
            };
            for p in op.path_params.iter().chain(&op.headers) {
                collect_names(ir, &p.ty, &mut models);
            }
            // A form-encoded enum (or list of them) in the query is parsed by
            // naming its type (`T::from(text)`), so it is imported too.
            for p in op
                .query
                .iter()
                .filter(|p| !gated && p.encoding != Encoding::Json)
            {
                let enum_like = match &p.ty {
                    TypeExpr::List(inner) => is_enum(ir, inner),
                    t => is_enum(ir, t),
                };
                if enum_like {
                    collect_names(ir, &p.ty, &mut models);
                }
            }
            if let Some(Body::Json { ty, .. }) = &op.body {
                collect_names(ir, ty, &mut models);
            }
            if super::client::optional_params(op).next().is_some() && !gated {
                op_uses.push(format_ident!("{}", op.names.options));
            }
            let reply = reply_name(op);
            let variants = variants(ir, op);
            let version_report = ir
                .meta
                .version_report
                .as_ref()
                .filter(|r| r.operation == op.id);
            let mut variant_tokens = Vec::new();
            let mut encode_arms = Vec::new();
            for v in &variants {
                let vname = &v.name;
                let doc = doc_attrs(&v.doc);
                let code = v.status;
                if let Payload::Error(t)
                | Payload::Json(t)
                | Payload::Deferred(t)
                | Payload::JsonLines(t) = &v.payload
                {
                    collect_names(ir, t, &mut models);
                }
                let ty = payload_type(ir, &v.payload);
                let encode = encode_payload(&v.payload, code);
                let report = version_report
                    .filter(|r| r.status == code && v.headers.is_empty() && ty.is_some());
                if let Some(report) = report {
                    let newest = ident(&report.newest_field);
                    let oldest = report.oldest_field.as_deref().map(|f| {
                        let f = ident(f);
                        quote!(value.#f = Some(served.oldest.clone());)
                    });
                    variant_tokens.push(quote!(#doc #vname(#ty),));
                    encode_arms.push(quote!(#reply::#vname(mut value) => {
                        value.#newest = Some(served.newest.clone());
                        #oldest
                        #encode
                    }));
                } else if v.headers.is_empty() {
                    match ty {
                        Some(ty) => {
                            variant_tokens.push(quote!(#doc #vname(#ty),));
                            encode_arms.push(quote!(#reply::#vname(value) => #encode,));
                        }
                        None => {
                            variant_tokens.push(quote!(#doc #vname,));
                            encode_arms.push(quote!(#reply::#vname => #encode,));
                        }
                    }
                } else {
                    let mut fields = Vec::new();
                    let mut names = Vec::new();
                    let mut adds = Vec::new();
                    for (wire, field, hty, enc) in &v.headers {
                        collect_names(ir, hty, &mut models);
                        let t = rust_type(ir, hty);
                        let hdoc = doc_attrs(&format!("The `{wire}` header, sent when `Some`."));
                        fields.push(quote!(#hdoc #field: Option<#t>,));
                        names.push(field.clone());
                        adds.push(quote!(let response = crate::runtime::server::with_header(response, #wire, #field.as_ref(), #enc);));
                    }
                    let (body_field, body_name) = match ty {
                        Some(ty) => (
                            quote!(/// The body.
                                           body: #ty,),
                            quote!(body: value,),
                        ),
                        None => (quote!(), quote!()),
                    };
                    variant_tokens.push(quote!(#doc #vname { #( #fields )* #body_field },));
                    encode_arms.push(quote!(#reply::#vname { #( #names, )* #body_name } => {
                        let response = #encode;
                        #( #adds )*
                        response
                    }));
                }
            }
            let derive = if variants.iter().all(|v| debuggable(&v.payload)) {
                quote!(#[derive(Debug)])
            } else {
                quote!()
            };
            let reply_doc = doc_attrs(&format!(
                "The answers of [`{trait_ident}::{}`], one per documented status.",
                op.id
            ));
            replies.push(quote! {
                #reply_doc
                #cfg
                #derive
                pub enum #reply {
                    #( #variant_tokens )*
                }
            });

            let method = ident(&op.names.method);
            let id = &op.id;
            let ins = inputs(ir, op, &module, None);
            let params = ins.iter().map(|(n, t, _)| quote!(#n: #t));
            let names: Vec<&Ident> = ins.iter().map(|(n, _, _)| n).collect();
            let decodes = ins.iter().map(|(n, _, d)| quote!(let #n = #d;));
            let ignore = if names.is_empty() {
                quote!()
            } else {
                quote!(let _ = ( #( #names ),* ,);)
            };
            let docs = doc_attrs(&format!(
                "{}{}\n\nThe default answers `501 Not Implemented`.",
                operation_doc(op),
                empty_header_notes(ir, op)
            ));
            methods.push(quote! {
                #docs
                #cfg
                fn #method(&self, #( #params ),*) -> impl Future<Output = Result<#reply, ServerError>> + Send {
                    async move {
                        #ignore
                        Err(ServerError::not_implemented(#id))
                    }
                }
            });
            let serve_fn = format_ident!("serve_{}", op.id);
            let needs_mut = op.body.is_some();
            let mutability = if needs_mut { quote!(mut) } else { quote!() };
            let keeps_incoming = op.upgrade.is_some();
            let finish = quote!(Ok(match reply { #( #encode_arms )* }));
            let incoming_unused = if version_report.is_some() {
                // The router's own range, stated in the answer.
                quote!(let served = incoming.served_api_versions();)
            } else if ins.is_empty() && !keeps_incoming {
                quote!(let _ = incoming;)
            } else {
                quote!()
            };
            servers.push(quote! {
                #cfg
                async fn #serve_fn<T: #trait_ident + ?Sized>(api: &T, #mutability incoming: Incoming) -> Result<Response<Body>, ServerError> {
                    #incoming_unused
                    #( #decodes )*
                    let reply = api.#method(#( #names ),*).await?;
                    #finish
                }
            });
            arms.push(quote!(#cfg #id => #serve_fn(&*api, incoming).await,));
        }
        let model_use = use_line(quote!(crate::models), &models);
        let ops_use = if op_uses.is_empty() {
            quote!()
        } else {
            quote!(use crate::operations::#module::{ #( #op_uses ),* };)
        };
        // Headers, sent or answered, are the only users of `ParamEncoding` here.
        let encoding_use = if ops
            .iter()
            .any(|o| !o.headers.is_empty() || o.responses.values().any(|r| !r.headers.is_empty()))
        {
            quote!(
                use crate::runtime::operation::ParamEncoding;
            )
        } else {
            quote!()
        };
        let trait_doc = doc_attrs(&format!(
            "The operations of the `{}` tag, to implement on a server: {}\n\n\
Every method has a default that answers `501`, so an implementation overrides only\n\
what it serves. Register it with [`ServerBuilder::{}`](super::ServerBuilder::{}).",
            tag.name, tag.doc, tag.module, tag.module
        ));
        let tokens = quote! {
            use std::future::Future;
            use std::sync::Arc;

            use axum::body::Body;
            use http::Response;

            use crate::runtime::operation::OperationInfo;
            #encoding_use
            use crate::runtime::server::{Incoming, ServerError, TagDispatch};
            #model_use
            #ops_use

            #( #replies )*

            #trait_doc
            pub trait #trait_ident: Send + Sync + 'static {
                #( #methods )*
            }

            /// Routes the operations of this tag to `api`.
            pub fn dispatch<T: #trait_ident>(api: Arc<T>) -> TagDispatch {
                Arc::new(move |op: &'static OperationInfo, incoming: Incoming| {
                    let api = api.clone();
                    Box::pin(async move {
                        let result = match op.id {
                            #( #arms )*
                            other => Err(ServerError::not_implemented(other)),
                        };
                        result.unwrap_or_else(ServerError::into_response)
                    })
                })
            }

            #( #servers )*
        };
        let doc = format!(
            "Server side of the `{}` tag: the [`{}`] trait, its reply enums and its routing glue.\n\n{}",
            tag.name, trait_ident, tag.doc
        );
        out.insert(
            format!("src/server/{}.rs", tag.module),
            render_file(&doc, tokens)?,
        );
        let tag_name = &tag.name;
        let method_doc = doc_attrs(&format!("Serves the `{}` operations with `api`.", tag.name));
        builder_methods.push(quote! {
            #method_doc
            pub fn #module<T: #trait_ident>(mut self, api: Arc<T>) -> Self {
                self.tags.push((#tag_name, #module::dispatch(api)));
                self
            }
        });
        all_bounds.push(quote!(#trait_ident));
        all_registrations.push(quote!(.#module(api.clone())));
        trait_uses.push(quote!(pub use #module::#trait_ident;));
        modules.push(module);
    }
    let api_version = &ir.meta.api_version;
    let min_version = &ir.meta.min_api_version;
    let new_doc = format!(
        " A builder serving API versions {min_version} to {api_version} (each request's version is\n [`requested_api_version`] inside an implementation), with the limits of\n [`ServerConfig::new`]: every setter below names its default."
    );
    let report_note = match &ir.meta.version_report {
        Some(r) => {
            let oldest = r
                .oldest_field
                .as_deref()
                .map(|f| format!(" and the oldest as `{f}`"))
                .unwrap_or_default();
            format!(
                " The answer of `{}` states the newest as `{}`{oldest}, filled in by the router whatever the implementation puts there.",
                r.operation, r.newest_field
            )
        }
        None => String::new(),
    };
    let api_versions_doc = doc_attrs(&format!(
        "Serves API versions `oldest` to `newest` only, within {min_version} to {api_version} (the default): a `/vX.Y` prefix outside them is answered `400`, and every answer carries `Api-Version: newest`.{report_note} One range, so a client that negotiates from any of them settles on a version the router accepts."
    ));
    let tokens = quote! {
        use std::sync::Arc;
        use std::time::Duration;

        pub use crate::runtime::server::{
            requested_api_version, BodyStream, Connection, Deferred, Dispatcher, Hijack, ItemStream, Output, OutputFrame, ServedApiVersions, ServerConfig, ServerError,
        };
        #[cfg(feature = "websocket")]
        pub use crate::runtime::server::{ServerWebSocket, WebSocketTask};
        use crate::runtime::server::TagDispatch;

        #( pub mod #modules; )*
        #( #trait_uses )*

        /// Assembles a server from trait implementations, one per tag; tags left
        /// out answer `501` on every operation.
        ///
        /// Two ways to run it: [`ServerBuilder::serve`] on a listener, with every
        /// protection, or [`ServerBuilder::into_router`] for an [`axum::Router`]
        /// to layer and serve yourself, where the header-read timeout and the JSON
        /// answers to unparsable requests are up to your server.
        pub struct ServerBuilder {
            tags: Vec<(&'static str, TagDispatch)>,
            config: ServerConfig,
        }

        impl Default for ServerBuilder {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Debug for ServerBuilder {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let tags: Vec<&str> = self.tags.iter().map(|(tag, _)| *tag).collect();
                f.debug_struct("ServerBuilder").field("tags", &tags).field("config", &self.config).finish()
            }
        }

        impl ServerBuilder {
            #[doc = #new_doc]
            pub fn new() -> Self {
                ServerBuilder {
                    tags: Vec::new(),
                    config: ServerConfig::new(#api_version, #min_version),
                }
            }

            /// The largest JSON request body accepted, in bytes; a larger one is
            /// answered `413`. Default 16 MiB. Streamed bodies (build context,
            /// image load, archive) are not limited.
            pub fn json_body_limit(mut self, bytes: usize) -> Self {
                self.config.json_body_limit = bytes;
                self
            }

            /// The longest request path accepted, in bytes as sent (percent-encoded,
            /// `/vX.Y` prefix included, query excluded); a longer one is answered
            /// `414` before any route is tried. Default 8 KiB.
            pub fn max_path_length(mut self, bytes: usize) -> Self {
                self.config.max_path_length = bytes;
                self
            }

            /// How long a connection may take to send a request head before it is
            /// closed; also how long an idle keep-alive connection is kept. `None`
            /// waits forever. Default 30 seconds.
            ///
            /// Only [`ServerBuilder::serve`] enforces it: the timeout belongs to the
            /// connection, which a router from [`ServerBuilder::into_router`] does
            /// not own (`axum::serve` has none).
            pub fn header_read_timeout(mut self, timeout: Option<Duration>) -> Self {
                self.config.header_read_timeout = timeout;
                self
            }

            /// How long the server waits for more of a request body that has
            /// stalled. A JSON body is then answered `408`; a streamed body
            /// ([`BodyStream`]) yields a `408` [`ServerError`] to the implementation
            /// and ends. Stdin of a hijacked attach or exec is never timed. `None`
            /// waits forever. Default 60 seconds.
            pub fn body_read_timeout(mut self, timeout: Option<Duration>) -> Self {
                self.config.body_read_timeout = timeout;
                self
            }

            /// How many requests may be in progress at once, from routing until the
            /// answer starts (reading the body, running the implementation); one
            /// more is answered `503` with `Retry-After: 1`, without queueing. A
            /// streamed answer (logs, events) or a hijacked connection stops
            /// counting once its head is sent. Default 1024.
            pub fn max_concurrent_requests(mut self, requests: usize) -> Self {
                self.config.max_concurrent_requests = requests;
                self
            }

            #api_versions_doc
            ///
            /// # Panics
            ///
            /// When either is not an `X.Y` version within the crate's range, or
            /// `oldest` is newer than `newest`: a mistake in a fixed configuration.
            pub fn api_versions(mut self, oldest: &str, newest: &str) -> Self {
                if let Err(problem) = crate::runtime::server::check_version_range(oldest, newest, #min_version, #api_version) {
                    panic!("ServerBuilder::api_versions: {problem}");
                }
                self.config.api_version = newest.to_string();
                self.config.min_api_version = oldest.to_string();
                self
            }

            /// Adds a header to every answer that does not set it itself, as the
            /// daemon adds `Docker-Experimental`, `OSType` and `Server` to all of
            /// its answers; clients read them from `OPTIONS` and `HEAD /_ping`.
            pub fn answer_header(mut self, name: http::HeaderName, value: http::HeaderValue) -> Self {
                self.config.answer_headers.push((name, value));
                self
            }

            #( #builder_methods )*

            /// Serves every tag with one implementation of all the traits.
            pub fn all<T: #( #all_bounds )+*>(self, api: Arc<T>) -> Self {
                self #( #all_registrations )*
            }

            /// The router over every operation of the spec.
            pub fn build(self) -> Dispatcher {
                let mut dispatcher = Dispatcher::new(&crate::operations::ALL, self.config);
                for (tag, dispatch) in self.tags {
                    dispatcher.register(tag, dispatch);
                }
                dispatcher
            }

            /// The server as an [`axum::Router`], for `axum::serve` on a
            /// `tokio::net::TcpListener` or `UnixListener`, or any server of your
            /// own, with your own layers. Everything but the connection is the same
            /// as with [`ServerBuilder::serve`]: the connection's header-read
            /// timeout, and Docker-style answers to requests too malformed for hyper
            /// to parse (which it answers with an empty `400`, `414` or `431`), are
            /// then up to your server.
            pub fn into_router(self) -> axum::Router {
                self.build().into_router()
            }

            /// Serves HTTP/1.1 on `listener` (a `tokio::net::TcpListener`, a
            /// `tokio::net::UnixListener`, or any [`axum::serve::Listener`]) until the
            /// future is dropped, with every protection: the limits of this builder,
            /// the header-read timeout, and `{"message": ...}` answers even to
            /// requests hyper cannot parse. See [`Dispatcher::serve`].
            pub async fn serve<L: axum::serve::Listener>(self, listener: L) {
                self.build().serve(listener).await
            }
        }
    };
    let doc = "Server stubs (feature `server`): implement the traits of the tags you serve,\n\
hand them to a [`ServerBuilder`], and [`serve`](ServerBuilder::serve) it on a listener\n\
(or serve the [`axum::Router`] it builds yourself).\n\n\
The router speaks Docker's conventions: paths with or without a `/vX.Y` prefix (a\n\
version outside the supported range is `400`), `404 {\"message\":\"page not found\"}`\n\
for unknown routes, `400` naming the parameter for a malformed query, header or JSON\n\
body (never quoting the value), an `Api-Version` header on every answer, streamed\n\
bodies both ways, and hijacked connections for attach and exec start. Every error\n\
answer is `{\"message\": ...}` JSON. Limits for a server strangers can reach (path\n\
length, JSON body size, body and header read timeouts, requests in progress) are\n\
set on the [`ServerBuilder`].";
    out.insert("src/server/mod.rs".into(), render_file(doc, tokens)?);
    Ok(())
}

/// The response for a variant whose body is bound to `value`.
fn encode_payload(payload: &Payload, code: u16) -> TokenStream {
    let rt = quote!(crate::runtime::server);
    match payload {
        Payload::Unit => quote!(#rt::empty(#code)),
        Payload::Error(_) | Payload::Json(_) => quote!(#rt::json(#code, &value)),
        Payload::Deferred(_) => quote!(#rt::deferred_json(#code, value)),
        Payload::JsonLines(_) => quote!(#rt::json_lines(#code, value)),
        Payload::Output => quote!(#rt::output(#code, value)),
        Payload::Text(ct) => quote!(#rt::text(#code, #ct, value)),
        Payload::Bytes(ct) => quote!(#rt::bytes(#code, #ct, value)),
        Payload::Hijack => quote!(incoming.hijack(value)),
        Payload::WebSocket => quote!(incoming.websocket(value)?),
    }
}
