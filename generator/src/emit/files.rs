//! Files that are not generated from tokens: the runtime copied from
//! `templates/runtime/`, `lib.rs`, and the tera-rendered Cargo.toml and README.

use quote::quote;
use serde::Serialize;
use tera::{Context, Tera};

use crate::ir::Ir;

use super::rust::render_file;
use super::{FileSet, RUST_HEADER};

/// The hand-written runtime, embedded at build time so the generator needs
/// no path to the repository when it runs.
const RUNTIME: [(&str, &str); 11] = [
    (
        "src/runtime/mod.rs",
        include_str!("../../../templates/runtime/mod.rs"),
    ),
    (
        "src/runtime/filters.rs",
        include_str!("../../../templates/runtime/filters.rs"),
    ),
    (
        "src/runtime/nullable.rs",
        include_str!("../../../templates/runtime/nullable.rs"),
    ),
    (
        "src/runtime/operation.rs",
        include_str!("../../../templates/runtime/operation.rs"),
    ),
    (
        "src/runtime/body.rs",
        include_str!("../../../templates/runtime/body.rs"),
    ),
    (
        "src/runtime/client.rs",
        include_str!("../../../templates/runtime/client.rs"),
    ),
    (
        "src/runtime/error.rs",
        include_str!("../../../templates/runtime/error.rs"),
    ),
    (
        "src/runtime/hijack.rs",
        include_str!("../../../templates/runtime/hijack.rs"),
    ),
    (
        "src/runtime/server.rs",
        include_str!("../../../templates/runtime/server.rs"),
    ),
    (
        "src/runtime/stream.rs",
        include_str!("../../../templates/runtime/stream.rs"),
    ),
    (
        "src/runtime/transport.rs",
        include_str!("../../../templates/runtime/transport.rs"),
    ),
];

const TEMPLATES: [(&str, &str); 3] = [
    (
        "Cargo.toml",
        include_str!("../../../templates/Cargo.toml.tera"),
    ),
    (
        "README.md",
        include_str!("../../../templates/README.md.tera"),
    ),
    (
        "openapi.json",
        include_str!("../../../templates/openapi.json.tera"),
    ),
];

/// Copies the runtime to `src/runtime/`, and the spec's extras (its
/// modules, examples and tests) to their places.
pub fn emit_runtime(ir: &Ir, out: &mut FileSet) {
    for (path, text) in RUNTIME {
        out.insert(path.to_string(), format!("{RUST_HEADER}\n{text}"));
    }
    for (path, text) in &ir.extras {
        let text = if path.ends_with(".rs") {
            format!("{RUST_HEADER}\n{text}")
        } else {
            text.clone()
        };
        out.insert(path.clone(), text);
    }
}

/// The names of the spec's examples (`extras/examples/NAME.rs`).
fn example_names(ir: &Ir) -> Vec<&str> {
    ir.extras
        .keys()
        .filter_map(|p| p.strip_prefix("examples/")?.strip_suffix(".rs"))
        .filter(|name| !name.contains('/'))
        .collect()
}

pub fn emit_lib(ir: &Ir, out: &mut FileSet) -> Result<(), String> {
    let client = &ir.meta.client_type;
    let doc = format!(
        "Typed access to the {} v{}.\n\n\
- [`prelude`]: everything a call needs, in one import.\n\
- [`{client}`] (feature `client`, on by default): the async client, one method per operation.\n\
- [`models`]: request and response bodies, one module per tag.\n\
- [`operations`]: what the spec says of every operation, as data, and each operation's options.\n\
- [`versions`]: when each field of each model exists, for the client's version check.\n\
- `client`: the pending calls and outcome types of the client's methods, one module per tag.\n\
- `server` (feature `server`): a trait per tag and a router, to serve the API yourself.\n{modules}\n\
Requests go to `{}/...` on `{}` unless configured otherwise.",
        ir.meta.title, ir.meta.api_version, ir.meta.version_prefix, ir.meta.default_endpoint,
        modules = ir
            .meta
            .modules
            .iter()
            .map(|m| format!("- `{}` (feature `{}`): {}\n", m.name, m.feature, m.doc))
            .collect::<String>()
    );
    let api_version = &ir.meta.api_version;
    let min_version = &ir.meta.min_api_version;
    let prefix = &ir.meta.version_prefix;
    let endpoint = &ir.meta.default_endpoint;
    let client_ident = super::rust::ident(client);
    let env_prefix = &ir.meta.env_prefix;
    let extra_modules = ir.meta.modules.iter().map(|m| {
        let name = super::rust::ident(&m.name);
        let feature = &m.feature;
        quote!(#[cfg(feature = #feature)] pub mod #name;)
    });
    let tokens = quote! {
        #![doc = include_str!("../README.md")]
        #![warn(missing_docs)]
        pub mod models;
        pub mod operations;
        pub mod prelude;
        mod runtime;
        pub mod versions;
        #[cfg(feature = "client")]
        pub mod client;
        #[cfg(feature = "server")]
        pub mod server;
        #( #extra_modules )*

        pub use runtime::nullable::Nullable;
        #[cfg(feature = "client")]
        pub use runtime::body::RequestBody;
        #[cfg(feature = "client")]
        pub use runtime::client::Client as #client_ident;
        #[cfg(feature = "client")]
        pub use runtime::error::Error;
        #[cfg(feature = "client")]
        pub use runtime::hijack::{AttachInput, Attached, UpgradedConnection};
        #[cfg(feature = "client")]
        pub use runtime::stream::{ByteStream, Demuxer, JsonLines, OutputChunk, OutputMode, OutputStream};
        #[cfg(feature = "client")]
        pub use runtime::transport::{Endpoint, TlsConfig};
        #[cfg(feature = "websocket")]
        pub use runtime::hijack::{WebSocket, WebSocketMessage};

        /// The API version this crate was generated for.
        pub const API_VERSION: &str = #api_version;
        /// The oldest API version a client may negotiate down to.
        pub const MIN_API_VERSION: &str = #min_version;
        /// The prefix of every request path.
        pub const VERSION_PREFIX: &str = #prefix;
        /// Where the daemon listens unless told otherwise.
        pub const DEFAULT_ENDPOINT: &str = #endpoint;
        /// What the client's environment variables start with (`_HOST`,
        /// `_TLS_VERIFY`, `_CERT_PATH` and `_API_VERSION` follow it).
        pub const ENV_PREFIX: &str = #env_prefix;
        /// The client type's name, for its `Debug` output.
        #[cfg(feature = "client")]
        const CLIENT_TYPE_NAME: &str = #client;
    };
    // The crate's front page is the README (so its examples are doctests); `doc` adds the map.
    out.insert("src/lib.rs".into(), render_file(&doc, tokens)?);

    let mut option_uses = Vec::new();
    let mut client_uses = Vec::new();
    for tag in &ir.tags {
        let ops: Vec<_> = ir.operations_of(&tag.name).collect();
        if ops.is_empty() {
            continue;
        }
        let module = super::rust::ident(&tag.module);
        let options: Vec<_> = ops
            .iter()
            .filter(|op| super::client::optional_params(op).next().is_some())
            .map(|op| quote::format_ident!("{}", op.names.options))
            .collect();
        if !options.is_empty() {
            option_uses.push(quote!(pub use crate::operations::#module::{ #( #options ),* };));
        }
        client_uses.push(quote!(#[cfg(feature = "client")] pub use crate::client::#module::*;));
    }
    let tokens = quote! {
        pub use crate::models::*;
        pub use crate::Nullable;
        #( #option_uses )*
        #( #client_uses )*
        #[cfg(feature = "client")]
        pub use crate::{
            AttachInput, Attached, ByteStream, Demuxer, #client_ident, Endpoint, Error, JsonLines, OutputChunk, OutputMode,
            OutputStream, RequestBody, TlsConfig, UpgradedConnection,
        };
        #[cfg(feature = "websocket")]
        pub use crate::{WebSocket, WebSocketMessage};
        /// `next()` and friends on the client's streams (logs, events, pulls, builds).
        #[cfg(feature = "client")]
        pub use futures_util::StreamExt;
    };
    let doc = format!(
        "Everything a call needs, in one import (`use {}::prelude::*;`): the client\n\
([`{client}`]), its errors and streams (with `StreamExt` to read\n\
them), every model, every operation's options, and the pending calls and\n\
outcomes of the client's methods.",
        ir.meta.crate_ident
    );
    let doc = doc.as_str();
    out.insert("src/prelude.rs".into(), render_file(doc, tokens)?);
    Ok(())
}

#[derive(Serialize)]
struct OperationRow<'a> {
    tag: &'a str,
    id: &'a str,
    method: &'a str,
    path: &'a str,
    /// The version that introduced it (the spec's oldest when it has none).
    since: &'a str,
    summary: String,
}

#[derive(Serialize)]
struct ModuleRow<'a> {
    feature: &'a str,
    needs: &'a [String],
    doc: &'a str,
}

/// Renders the tera templates; `openapi.json` gets its document from `openapi`.
pub fn emit_templated(ir: &Ir, out: &mut FileSet) -> Result<(), String> {
    let mut tera = Tera::default();
    for (name, text) in TEMPLATES {
        tera.add_raw_template(name, text)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    let mut rows = Vec::new();
    for tag in &ir.tags {
        for op in ir.operations_of(&tag.name) {
            rows.push(OperationRow {
                tag: &op.tag,
                id: &op.id,
                method: op.method.as_str(),
                path: &op.path,
                since: op
                    .versions
                    .since
                    .as_deref()
                    .unwrap_or(&ir.meta.min_api_version),
                summary: op.summary.replace('|', "\\|"),
            });
        }
    }
    let mut ctx = Context::new();
    ctx.insert("title", &ir.meta.title);
    ctx.insert("crate_name", &ir.meta.crate_name);
    ctx.insert("client_type", &ir.meta.client_type);
    ctx.insert("env_prefix", &ir.meta.env_prefix);
    ctx.insert("api_version", &ir.meta.api_version);
    ctx.insert("version_prefix", &ir.meta.version_prefix);
    ctx.insert("default_endpoint", &ir.meta.default_endpoint);
    ctx.insert("type_count", &ir.types.len());
    ctx.insert("operation_count", &ir.operations.len());
    ctx.insert("operations", &rows);
    ctx.insert("readme", &ir.meta.readme);
    ctx.insert("examples", &example_names(ir));
    ctx.insert(
        "modules",
        &ir.meta
            .modules
            .iter()
            .map(|m| ModuleRow {
                feature: &m.feature,
                needs: &m.needs,
                doc: &m.doc,
            })
            .collect::<Vec<_>>(),
    );
    ctx.insert("document", &super::openapi::document(ir)?);
    for (name, _) in TEMPLATES {
        let text = tera
            .render(name, &ctx)
            .map_err(|e| format!("template {name}: {e:?}"))?;
        out.insert(name.to_string(), text);
    }
    Ok(())
}
