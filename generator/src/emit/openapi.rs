//! An OpenAPI 3.1 rendering of the IR, for tools that speak OpenAPI.
//!
//! The document describes the API at the IR's one version and says everything
//! the IR says about it, Rust spellings aside. Standard keywords of OpenAPI 3.1
//! and JSON Schema 2020-12 are used where they exist, `x-` extensions where
//! they do not:
//!
//! | IR | export |
//! |---|---|
//! | `meta.api_version`, `min_api_version`, `spec_version` | `info.version`, `info.x-oldest-version`, `info.x-newest-version` |
//! | `meta.error_type` | every error response (status ≥ 400, not `HEAD`) without a body of its own: `application/json` with a `$ref` to it |
//! | what the router refuses (an operation with inputs; with path parameters) | `400` (and `404`) where the operation documents none, marked `x-router: true` |
//! | `Versions` (operation, parameter, response header, schema, property, enum value) | `x-since`, `x-removed-in`, `deprecated: true` + `x-deprecated-since` + `x-deprecation-reason`, `x-changes: [{version, note}]` |
//! | `Versions` of a response | the same, with `x-deprecated: true` (a Response Object has no `deprecated`) |
//! | `Erratum` (operation, with those of its parameters and responses; type; field) | `x-errata: [{id, doc_says, actual, test}]` (or `untested` instead of `test`) |
//! | struct | `type: object`, `properties`, `required`; unknown keys stay allowed |
//! | `Field.doc` on a `$ref` | `description` beside the `$ref` (allowed in 3.1) |
//! | `Field.nullable` | `oneOf: [schema, {type: "null"}]` (an `any` field already admits `null`) |
//! | `FieldShape::ThreeState` | `x-send-null: true`: a request may send `null` on purpose |
//! | `Field.secret` | `x-secret: true`; `format: password` on strings; `writeOnly: true` when its struct only ever travels in requests (a secret the daemon answers, like a join token, is not write-only) |
//! | `TypeKind::Enum` (open) | `type: string`, `anyOf: [{type: string, enum: [known]}, {type: string}]`, the description saying that other values are kept; `x-enum-values: [{value, description, x-since, ...}]` |
//! | `TypeKind::Alias` | the target's schema with the alias's `description` |
//! | `TypeKind::Either` | `oneOf`, each branch with `title` (the variant) and `description` |
//! | `Param.default` | `default` in the schema of the decoded value, typed (boolean, number, string, JSON); text that does not parse as the type: `x-default` |
//! | `Encoding::FormNumericBool` / `FormWordBool` on a boolean path or query parameter | `x-bool-format: numeric` (`1`/`0`) / `word` (`true`/`false`) |
//! | `Encoding::Json` | `content: {application/json: {schema}}` |
//! | `Encoding::Base64Json` / `Base64UrlJson` | `type: string`, `contentEncoding: base64` / `base64url`, `contentMediaType: application/json`, `contentSchema` |
//! | `ResponseKind::Json` | `application/json` with `schema` |
//! | `ResponseKind::JsonLines` | `application/json` (what the daemon sends) with `x-stream: json-lines` and `x-item-schema`, the schema of one value; no `schema`, since the body as a whole is no single JSON value. `x-item-schema` is OpenAPI 3.2's `itemSchema` under an extension name |
//! | `ResponseKind::Multiplexed` | `application/vnd.docker.multiplexed-stream` and `application/vnd.docker.raw-stream`, each `x-stream: multiplexed` (stdout/stderr frames, or the raw bytes when the operation's `x-tty-source` has a TTY) and a binary string schema |
//! | `ResponseKind::Raw`, `Body::Raw` | the content type with `type: string`, `contentMediaType` and, unless `text/*`, `format: binary` |
//! | `Body` doc | `requestBody.description` |
//! | `Upgrade` | `x-upgrade: tcp` / `websocket` on the operation |
//! | `TtySource` (operations with a multiplexed answer or an upgrade) | `x-tty-source: container` / `exec` |
//!
//! Not exported: Rust names (`rust_name`, `OperationNames`, modules), the
//! client's `SuccessShape`, and the examples.
//!
//! Output is deterministic: `serde_json` keeps insertion order
//! (`preserve_order`), and the IR is ordered.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::ir::{
    Body, Encoding, Erratum, Field, FieldShape, Ir, Operation, Param, Response, ResponseKind,
    TtySource, TypeDef, TypeKind, Upgrade, Versions,
};
use crate::types::{Scalar, TypeExpr};
use crate::words::HttpMethod;

/// Media type of stdout/stderr frames.
pub const MULTIPLEXED_STREAM: &str = "application/vnd.docker.multiplexed-stream";
/// Media type of a raw (TTY) stream, which older daemons also send for frames.
pub const RAW_STREAM: &str = "application/vnd.docker.raw-stream";

/// Appended to the description of every open enum.
const OPEN_ENUM_NOTE: &str = "Open enum: the listed values are those the spec knows; any other string (from a newer server) is valid and is kept as it is.";

fn schema(ir: &Ir, t: &TypeExpr) -> Value {
    match t {
        TypeExpr::Scalar(Scalar::String) => json!({"type": "string"}),
        TypeExpr::Scalar(Scalar::Bool) => json!({"type": "boolean"}),
        TypeExpr::Scalar(Scalar::I32) => json!({"type": "integer", "format": "int32"}),
        TypeExpr::Scalar(Scalar::I64) => json!({"type": "integer", "format": "int64"}),
        TypeExpr::Scalar(Scalar::U16) => json!({"type": "integer", "minimum": 0, "maximum": 65535}),
        TypeExpr::Scalar(Scalar::U32) => {
            json!({"type": "integer", "format": "uint32", "minimum": 0})
        }
        TypeExpr::Scalar(Scalar::U64) => {
            json!({"type": "integer", "format": "uint64", "minimum": 0})
        }
        TypeExpr::Scalar(Scalar::F64) => json!({"type": "number", "format": "double"}),
        TypeExpr::Any => json!({}),
        TypeExpr::List(i) => json!({"type": "array", "items": schema(ir, i)}),
        TypeExpr::Map(i) => json!({"type": "object", "additionalProperties": schema(ir, i)}),
        TypeExpr::Named(n) => {
            let rust = ir.types.get(n).map(|t| t.rust_name.as_str()).unwrap_or(n);
            json!({"$ref": format!("#/components/schemas/{rust}")})
        }
    }
}

/// The schema as an object, to add keywords to (every `schema` is one).
fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => Map::from_iter([("allOf".to_string(), json!([other]))]),
    }
}

/// What a type expression is once aliases are followed.
fn resolve<'a>(ir: &'a Ir, mut t: &'a TypeExpr) -> &'a TypeExpr {
    for _ in 0..64 {
        match t {
            TypeExpr::Named(n) => match ir.types.get(n).map(|d| &d.kind) {
                Some(TypeKind::Alias(target)) => t = target,
                _ => break,
            },
            _ => break,
        }
    }
    t
}

fn nullable(ir: &Ir, t: &TypeExpr, s: Value) -> Value {
    if *resolve(ir, t) == TypeExpr::Any {
        // `{}` admits `null` already; `oneOf` would then match it twice.
        s
    } else {
        json!({"oneOf": [s, {"type": "null"}]})
    }
}

/// `x-since`, `x-removed-in`, the deprecation and `x-changes`. Objects with a
/// standard `deprecated` (operations, parameters, headers, schemas) get it;
/// others (responses) get `x-deprecated`.
fn put_versions(m: &mut Map<String, Value>, v: &Versions, standard_deprecated: bool) {
    if let Some(since) = &v.since {
        m.insert("x-since".into(), json!(since));
    }
    if let Some(removed) = &v.removed_in {
        m.insert("x-removed-in".into(), json!(removed));
    }
    if let Some(d) = &v.deprecated {
        let key = if standard_deprecated {
            "deprecated"
        } else {
            "x-deprecated"
        };
        m.insert(key.into(), json!(true));
        m.insert("x-deprecated-since".into(), json!(d.version));
        if !d.reason.is_empty() {
            m.insert("x-deprecation-reason".into(), json!(d.reason));
        }
    }
    if !v.changes.is_empty() {
        let changes: Vec<Value> = v
            .changes
            .iter()
            .map(|c| json!({"version": c.version, "note": c.note}))
            .collect();
        m.insert("x-changes".into(), Value::Array(changes));
    }
}

fn put_errata(m: &mut Map<String, Value>, errata: &[Erratum]) {
    if errata.is_empty() {
        return;
    }
    let list = errata
        .iter()
        .map(|e| {
            let mut x = Map::new();
            x.insert("id".into(), json!(e.id));
            x.insert("doc_says".into(), json!(e.doc_says));
            x.insert("actual".into(), json!(e.actual));
            if let Some(t) = &e.test {
                x.insert("test".into(), json!(t));
            }
            if let Some(u) = &e.untested {
                x.insert("untested".into(), json!(u));
            }
            Value::Object(x)
        })
        .collect();
    m.insert("x-errata".into(), Value::Array(list));
}

fn put_doc(m: &mut Map<String, Value>, doc: &str) {
    if !doc.is_empty() {
        m.insert("description".into(), json!(doc));
    }
}

/// `text`, the daemon's default, as a JSON value of type `t`; `None` when it
/// does not parse as one.
fn typed_default(ir: &Ir, t: &TypeExpr, text: &str) -> Option<Value> {
    match resolve(ir, t) {
        TypeExpr::Scalar(Scalar::Bool) => match text {
            "true" | "1" => Some(json!(true)),
            "false" | "0" => Some(json!(false)),
            _ => None,
        },
        TypeExpr::Scalar(s) if s.is_integer() => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .ok(),
        TypeExpr::Scalar(Scalar::F64) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        TypeExpr::Scalar(Scalar::String) => Some(json!(text)),
        TypeExpr::Named(n)
            if matches!(ir.types.get(n).map(|d| &d.kind), Some(TypeKind::Enum(_))) =>
        {
            Some(json!(text))
        }
        _ => serde_json::from_str(text).ok(),
    }
}

fn put_default(ir: &Ir, t: &TypeExpr, text: &str, s: &mut Map<String, Value>) {
    match typed_default(ir, t, text) {
        Some(v) => s.insert("default".into(), v),
        None => s.insert("x-default".into(), json!(text)),
    };
}

/// Whether a path or query parameter of this type carries booleans as text.
fn has_form_bool(ir: &Ir, t: &TypeExpr) -> bool {
    match resolve(ir, t) {
        TypeExpr::Scalar(Scalar::Bool) => true,
        TypeExpr::List(inner) => has_form_bool(ir, inner),
        _ => false,
    }
}

/// A schema for bytes of `content_type`.
fn bytes(content_type: &str) -> Value {
    if content_type.starts_with("text/") {
        json!({"type": "string", "contentMediaType": content_type})
    } else {
        json!({"type": "string", "format": "binary", "contentMediaType": content_type})
    }
}

/// The named types reachable from `roots`, by spec name.
fn reachable<'a>(ir: &'a Ir, roots: Vec<&'a TypeExpr>) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut stack = roots;
    while let Some(t) = stack.pop() {
        for n in t.names() {
            let Some(def) = ir.types.get(n) else { continue };
            if !seen.insert(def.name.as_str()) {
                continue;
            }
            match &def.kind {
                TypeKind::Struct(fields) => stack.extend(fields.iter().map(|f| &f.ty)),
                TypeKind::Alias(target) => stack.push(target),
                TypeKind::Either(variants) => stack.extend(variants.iter().map(|v| &v.ty)),
                TypeKind::Enum(_) => {}
            }
        }
    }
    seen
}

/// The named types that travel in requests and never in answers: their
/// secrets are `writeOnly`.
fn request_only(ir: &Ir) -> BTreeSet<&str> {
    let mut sent = Vec::new();
    let mut answered = Vec::new();
    for op in ir.operations.values() {
        let params = op.path_params.iter().chain(&op.query).chain(&op.headers);
        sent.extend(params.map(|p| &p.ty));
        if let Some(Body::Json { ty, .. }) = &op.body {
            sent.push(ty);
        }
        for r in op.responses.values() {
            answered.extend(r.headers.iter().map(|h| &h.ty));
            if let ResponseKind::Json(t) | ResponseKind::JsonLines(t) = &r.kind {
                answered.push(t);
            }
        }
    }
    let mut answered = reachable(ir, answered);
    answered.extend(reachable_error(ir));
    reachable(ir, sent)
        .into_iter()
        .filter(|n| !answered.contains(n))
        .collect()
}

fn reachable_error(ir: &Ir) -> BTreeSet<&str> {
    match ir.types.get(&ir.meta.error_type) {
        Some(def) => {
            let mut out = BTreeSet::from([def.name.as_str()]);
            if let TypeKind::Struct(fields) = &def.kind {
                out.extend(reachable(ir, fields.iter().map(|f| &f.ty).collect()));
            }
            out
        }
        None => BTreeSet::new(),
    }
}

struct Exporter<'a> {
    ir: &'a Ir,
    request_only: BTreeSet<&'a str>,
}

impl Exporter<'_> {
    fn param(&self, p: &Param, location: &str) -> Value {
        let ir = self.ir;
        let mut m = Map::new();
        m.insert("name".into(), json!(p.name));
        m.insert("in".into(), json!(location));
        m.insert("required".into(), json!(p.required));
        m.insert("description".into(), json!(p.doc));
        put_versions(&mut m, &p.versions, true);
        let mut s = object(schema(ir, &p.ty));
        if let Some(d) = &p.default {
            put_default(ir, &p.ty, d, &mut s);
        }
        match p.encoding {
            Encoding::Json => {
                m.insert("content".into(), json!({"application/json": {"schema": s}}));
            }
            Encoding::Base64Json | Encoding::Base64UrlJson => {
                let encoding = if p.encoding == Encoding::Base64Json {
                    "base64"
                } else {
                    "base64url"
                };
                m.insert(
                    "schema".into(),
                    json!({"type": "string", "contentEncoding": encoding, "contentMediaType": "application/json", "contentSchema": s}),
                );
            }
            Encoding::FormNumericBool | Encoding::FormWordBool | Encoding::Plain => {
                m.insert("schema".into(), Value::Object(s));
            }
        }
        let form = matches!(location, "path" | "query");
        if form && has_form_bool(ir, &p.ty) {
            match p.encoding {
                Encoding::FormNumericBool => m.insert("x-bool-format".into(), json!("numeric")),
                Encoding::FormWordBool => m.insert("x-bool-format".into(), json!("word")),
                _ => None,
            };
        }
        Value::Object(m)
    }

    fn property(&self, owner: &TypeDef, f: &Field) -> Value {
        let ir = self.ir;
        let mut s = schema(ir, &f.ty);
        if f.secret && *resolve(ir, &f.ty) == TypeExpr::Scalar(Scalar::String) {
            s["format"] = json!("password");
        }
        if f.nullable {
            s = nullable(ir, &f.ty, s);
        }
        let mut m = object(s);
        put_doc(&mut m, &f.doc);
        if f.secret {
            if self.request_only.contains(owner.name.as_str()) {
                m.insert("writeOnly".into(), json!(true));
            }
            m.insert("x-secret".into(), json!(true));
        }
        if f.shape == FieldShape::ThreeState {
            m.insert("x-send-null".into(), json!(true));
        }
        put_versions(&mut m, &f.versions, true);
        put_errata(&mut m, &f.errata);
        Value::Object(m)
    }

    fn type_schema(&self, t: &TypeDef) -> Value {
        let ir = self.ir;
        let mut m = Map::new();
        match &t.kind {
            TypeKind::Struct(fields) => {
                m.insert("type".into(), json!("object"));
                put_doc(&mut m, &t.doc);
                let mut props = Map::new();
                let mut required = Vec::new();
                for f in fields {
                    props.insert(f.json_name.clone(), self.property(t, f));
                    if f.required {
                        required.push(json!(f.json_name));
                    }
                }
                m.insert("properties".into(), Value::Object(props));
                m.insert("required".into(), Value::Array(required));
            }
            TypeKind::Enum(values) => {
                m.insert("type".into(), json!("string"));
                let doc = if t.doc.is_empty() {
                    OPEN_ENUM_NOTE.to_string()
                } else {
                    format!("{}\n\n{OPEN_ENUM_NOTE}", t.doc)
                };
                m.insert("description".into(), json!(doc));
                let known: Vec<Value> = values.iter().map(|v| json!(v.value)).collect();
                let mut any_of = Vec::new();
                if !known.is_empty() {
                    any_of.push(json!({"type": "string", "enum": known}));
                }
                any_of.push(json!({"type": "string"}));
                m.insert("anyOf".into(), Value::Array(any_of));
                let described = values
                    .iter()
                    .map(|v| {
                        let mut x = Map::new();
                        x.insert("value".into(), json!(v.value));
                        put_doc(&mut x, &v.doc);
                        put_versions(&mut x, &v.versions, true);
                        Value::Object(x)
                    })
                    .collect();
                m.insert("x-enum-values".into(), Value::Array(described));
            }
            TypeKind::Alias(target) => {
                put_doc(&mut m, &t.doc);
                m.extend(object(schema(ir, target)));
            }
            TypeKind::Either(variants) => {
                put_doc(&mut m, &t.doc);
                let branches = variants
                    .iter()
                    .map(|v| {
                        let mut b = Map::new();
                        b.insert("title".into(), json!(v.name));
                        put_doc(&mut b, &v.doc);
                        b.extend(object(schema(ir, &v.ty)));
                        Value::Object(b)
                    })
                    .collect();
                m.insert("oneOf".into(), Value::Array(branches));
            }
        }
        put_versions(&mut m, &t.versions, true);
        put_errata(&mut m, &t.errata);
        Value::Object(m)
    }

    fn response(&self, op: &Operation, r: &Response) -> Value {
        let ir = self.ir;
        let mut m = Map::new();
        m.insert("description".into(), json!(r.doc));
        put_versions(&mut m, &r.versions, false);
        if !r.headers.is_empty() {
            let mut hs = Map::new();
            for h in &r.headers {
                let mut p = self.param(h, "header");
                if let Value::Object(x) = &mut p {
                    x.remove("name");
                    x.remove("in");
                }
                hs.insert(h.name.clone(), p);
            }
            m.insert("headers".into(), Value::Object(hs));
        }
        let content = match &r.kind {
            ResponseKind::None if r.status >= 400 && op.method != HttpMethod::Head => {
                let error = TypeExpr::Named(ir.meta.error_type.clone());
                Some(json!({"application/json": {"schema": schema(ir, &error)}}))
            }
            ResponseKind::None => None,
            ResponseKind::Json(t) => Some(json!({"application/json": {"schema": schema(ir, t)}})),
            ResponseKind::JsonLines(t) => Some(json!({"application/json": {
                "x-stream": "json-lines",
                "x-item-schema": schema(ir, t),
            }})),
            ResponseKind::Multiplexed => {
                let stream = json!({"schema": {"type": "string", "format": "binary"}, "x-stream": "multiplexed"});
                Some(json!({MULTIPLEXED_STREAM: stream.clone(), RAW_STREAM: stream}))
            }
            ResponseKind::Raw { content_type } => {
                Some(json!({content_type.clone(): {"schema": bytes(content_type)}}))
            }
        };
        if let Some(c) = content {
            m.insert("content".into(), c);
        }
        Value::Object(m)
    }

    fn operation(&self, op: &Operation) -> Value {
        let ir = self.ir;
        let mut o = Map::new();
        o.insert("operationId".into(), json!(op.id));
        o.insert("tags".into(), json!([op.tag]));
        o.insert("summary".into(), json!(op.summary));
        put_doc(&mut o, &op.description);
        put_versions(&mut o, &op.versions, true);
        let mut parameters = Vec::new();
        parameters.extend(op.path_params.iter().map(|p| self.param(p, "path")));
        parameters.extend(op.query.iter().map(|p| self.param(p, "query")));
        parameters.extend(op.headers.iter().map(|p| self.param(p, "header")));
        o.insert("parameters".into(), Value::Array(parameters));
        if let Some(body) = &op.body {
            let (required, doc, content) = match body {
                Body::Json { ty, required, doc } => (
                    required,
                    doc,
                    json!({"application/json": {"schema": schema(ir, ty)}}),
                ),
                Body::Raw {
                    content_type,
                    required,
                    doc,
                } => (
                    required,
                    doc,
                    json!({content_type.clone(): {"schema": bytes(content_type)}}),
                ),
            };
            let mut b = Map::new();
            put_doc(&mut b, doc);
            b.insert("required".into(), json!(required));
            b.insert("content".into(), content);
            o.insert("requestBody".into(), Value::Object(b));
        }
        let mut responses: Map<String, Value> = op
            .responses
            .values()
            .map(|r| (r.status.to_string(), self.response(op, r)))
            .collect();
        for (status, doc) in router_refusals(op) {
            let mut m = Map::new();
            m.insert("description".into(), json!(doc));
            if op.method != HttpMethod::Head {
                let error = TypeExpr::Named(ir.meta.error_type.clone());
                m.insert(
                    "content".into(),
                    json!({"application/json": {"schema": schema(ir, &error)}}),
                );
            }
            m.insert("x-router".into(), json!(true));
            responses
                .entry(status.to_string())
                .or_insert(Value::Object(m));
        }
        o.insert("responses".into(), Value::Object(responses));
        if let Some(u) = op.upgrade {
            let name = match u {
                Upgrade::Tcp => "tcp",
                Upgrade::Websocket => "websocket",
                Upgrade::H2c => "h2c",
            };
            o.insert("x-upgrade".into(), json!(name));
        }
        let streams = op
            .responses
            .values()
            .any(|r| r.kind == ResponseKind::Multiplexed);
        if streams || op.upgrade.is_some() {
            let source = match op.tty_source {
                TtySource::Container => "container",
                TtySource::Exec => "exec",
                TtySource::Service => "service",
                TtySource::Task => "task",
            };
            o.insert("x-tty-source".into(), json!(source));
        }
        put_errata(&mut o, &op.errata);
        Value::Object(o)
    }
}

/// What the router answers before any implementation runs, where the
/// operation documents nothing for that status: `400` when a parameter or
/// body cannot be read, `404` when a path parameter leaves a path no route
/// matches (an empty ID, say). Daemons answer the same; the export lists them
/// (marked `x-router`) so that a client generated from it, or a request
/// fuzzer checking answers against it, expects them.
fn router_refusals(op: &Operation) -> Vec<(u16, &'static str)> {
    let mut refusals = Vec::new();
    let takes_input = !op.path_params.is_empty()
        || !op.query.is_empty()
        || !op.headers.is_empty()
        || op.body.is_some();
    if takes_input {
        refusals.push((
            400,
            "bad parameter: a parameter or body the router cannot read",
        ));
    }
    if !op.path_params.is_empty() {
        refusals.push((
            404,
            "no route matches the path (e.g. an empty path parameter)",
        ));
    }
    refusals
}

/// The OpenAPI document as a JSON value.
pub fn document_value(ir: &Ir) -> Value {
    let x = Exporter {
        ir,
        request_only: request_only(ir),
    };
    let schemas: Map<String, Value> = ir
        .types
        .values()
        .map(|t| (t.rust_name.clone(), x.type_schema(t)))
        .collect();
    let mut paths: Map<String, Value> = Map::new();
    for op in ir.operations.values() {
        let entry = paths
            .entry(format!("{}{}", ir.meta.version_prefix, op.path))
            .or_insert_with(|| json!({}));
        entry[op.method.as_str().to_lowercase()] = x.operation(op);
    }
    json!({
        "x-generated": "by `cargo xtask codegen` from spec/. Do not edit.",
        "openapi": "3.1.0",
        "info": {
            "title": ir.meta.title,
            "version": ir.meta.api_version,
            "x-oldest-version": ir.meta.min_api_version,
            "x-newest-version": ir.meta.spec_version,
        },
        "servers": [{"url": "http://localhost"}],
        "tags": ir.tags.iter().map(|t| json!({"name": t.name, "description": t.doc})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// The OpenAPI document as pretty JSON text.
pub fn document(ir: &Ir) -> Result<String, String> {
    serde_json::to_string_pretty(&document_value(ir)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Change, Deprecation, LowerOptions};

    fn petstore(version: Option<&str>) -> Ir {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/petstore");
        let options = LowerOptions {
            api_version: version.map(str::to_string),
        };
        crate::build_ir(&dir, &options).unwrap()
    }

    fn path<'a>(doc: &'a Value, op: &str) -> &'a Value {
        let paths = doc["paths"].as_object().unwrap();
        paths
            .values()
            .flat_map(|p| p.as_object().unwrap().values())
            .find(|o| o["operationId"] == op)
            .unwrap_or_else(|| panic!("no operation {op}"))
    }

    fn query<'a>(op: &'a Value, name: &str) -> &'a Value {
        op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no parameter {name}"))
    }

    #[test]
    fn info_names_the_version_and_the_oldest() {
        let newest = document_value(&petstore(None));
        assert_eq!(newest["info"]["version"], "2.1");
        assert_eq!(newest["info"]["x-oldest-version"], "2.0");
        let oldest = document_value(&petstore(Some("2.0")));
        assert_eq!(oldest["info"]["version"], "2.0");
        assert_eq!(oldest["info"]["x-newest-version"], "2.1");
        assert!(oldest["paths"].get("/v2.0/pets").is_some());
    }

    #[test]
    fn error_statuses_carry_the_error_body_except_for_head() {
        let mut ir = petstore(None);
        let doc = document_value(&ir);
        let photo = path(&doc, "pet_photo");
        assert_eq!(
            photo["responses"]["404"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
        assert!(photo["responses"]["200"]["content"]
            .get("application/json")
            .is_none());
        ir.operations.get_mut("pet_photo").unwrap().method = HttpMethod::Head;
        let doc = document_value(&ir);
        let head = &doc["paths"]["/v2.1/pets/{name}/photo"]["head"];
        assert_eq!(head["responses"]["404"]["description"], "no such pet");
        assert!(head["responses"]["404"].get("content").is_none());
    }

    #[test]
    fn open_enums_list_their_values_and_admit_others() {
        let doc = document_value(&petstore(None));
        let species = &doc["components"]["schemas"]["Species"];
        assert_eq!(species["type"], "string");
        assert_eq!(
            species["anyOf"],
            json!([{"type": "string", "enum": ["cat", "dog", "guinea-pig"]}, {"type": "string"}])
        );
        assert!(species["description"]
            .as_str()
            .unwrap()
            .contains("any other string"));
        assert_eq!(
            species["x-enum-values"][2],
            json!({"value": "guinea-pig", "description": "Small and loud."})
        );
    }

    #[test]
    fn properties_keep_descriptions_beside_refs_and_nullability() {
        let doc = document_value(&petstore(None));
        let pet = &doc["components"]["schemas"]["Pet"];
        assert_eq!(
            pet["properties"]["Species"],
            json!({"$ref": "#/components/schemas/Species", "description": "What it is."})
        );
        let owner = &pet["properties"]["Owner"];
        assert_eq!(
            owner["oneOf"],
            json!([{"type": "string"}, {"type": "null"}])
        );
        assert_eq!(owner["x-send-null"], true);
        assert_eq!(pet["required"], json!(["Name"]));
    }

    #[test]
    fn versions_deprecations_changes_and_errata_are_exported() {
        let mut ir = petstore(None);
        let op = ir.operations.get_mut("pet_list").unwrap();
        op.versions = Versions {
            since: Some("2.0".into()),
            removed_in: None,
            deprecated: Some(Deprecation {
                version: "2.1".into(),
                reason: "Use the search.".into(),
            }),
            changes: vec![Change {
                version: "2.1".into(),
                note: "Sorted by name.".into(),
            }],
        };
        op.responses.get_mut(&200).unwrap().versions.deprecated = Some(Deprecation {
            version: "2.1".into(),
            reason: String::new(),
        });
        let pet = ir.types.get_mut("Pet").unwrap();
        pet.errata = vec![Erratum {
            id: "pet-name".into(),
            doc_says: "Name is optional.".into(),
            actual: "Name is always sent.".into(),
            test: None,
            untested: Some("no daemon".into()),
        }];
        let doc = document_value(&ir);
        let list = path(&doc, "pet_list");
        assert_eq!(list["deprecated"], true);
        assert_eq!(list["x-since"], "2.0");
        assert_eq!(list["x-deprecated-since"], "2.1");
        assert_eq!(list["x-deprecation-reason"], "Use the search.");
        assert_eq!(
            list["x-changes"],
            json!([{"version": "2.1", "note": "Sorted by name."}])
        );
        // A Response Object has no `deprecated` of its own.
        let ok = &list["responses"]["200"];
        assert_eq!(ok["x-deprecated"], true);
        assert!(ok.get("deprecated").is_none());
        assert_eq!(query(list, "since")["x-since"], "2.1");
        assert_eq!(
            doc["components"]["schemas"]["Pet"]["x-errata"],
            json!([{"id": "pet-name", "doc_says": "Name is optional.", "actual": "Name is always sent.", "untested": "no daemon"}])
        );
        let feed = path(&doc, "pet_feed");
        assert_eq!(feed["x-errata"][0]["id"], "pet-feed-trailing-comma");
    }

    #[test]
    fn defaults_are_typed_and_bool_formats_named() {
        let mut ir = petstore(None);
        let op = ir.operations.get_mut("pet_list").unwrap();
        op.query[0].default = Some("dog".into());
        op.query[1].default = Some("true".into());
        op.query[3].default = Some("0".into());
        op.query[3].ty = TypeExpr::Scalar(Scalar::Bool);
        op.query[3].encoding = Encoding::FormNumericBool;
        op.query[2].default = Some("{\"name\": [\"tom\"]}".into());
        let doc = document_value(&ir);
        let list = path(&doc, "pet_list");
        assert_eq!(query(list, "species")["schema"]["default"], "dog");
        let vaccinated = query(list, "vaccinated");
        assert_eq!(vaccinated["schema"]["default"], true);
        assert_eq!(vaccinated["x-bool-format"], "word");
        let since = query(list, "since");
        assert_eq!(since["schema"]["default"], false);
        assert_eq!(since["x-bool-format"], "numeric");
        let filters = query(list, "filters");
        assert_eq!(
            filters["content"]["application/json"]["schema"]["default"],
            json!({"name": ["tom"]})
        );
        assert!(filters.get("x-bool-format").is_none());

        let op = ir.operations.get_mut("pet_list").unwrap();
        op.query[3].ty = TypeExpr::Scalar(Scalar::I64);
        op.query[3].default = Some("soon".into());
        let doc = document_value(&ir);
        let since = query(path(&doc, "pet_list"), "since");
        assert!(since["schema"].get("default").is_none());
        assert_eq!(since["schema"]["x-default"], "soon");
        assert!(since.get("x-bool-format").is_none());
    }

    #[test]
    fn secrets_are_marked_and_write_only_when_never_answered() {
        let mut ir = petstore(None);
        let doc = document_value(&ir);
        // ShopToken is sent (X-Shop-Token) and answered (X-Bowl): not write-only.
        let password = &doc["components"]["schemas"]["ShopToken"]["properties"]["password"];
        assert_eq!(password["x-secret"], true);
        assert_eq!(password["format"], "password");
        assert!(password.get("writeOnly").is_none());
        let user = &doc["components"]["schemas"]["ShopToken"]["properties"]["user"];
        assert!(user.get("x-secret").is_none());

        let feed = ir.operations.get_mut("pet_feed").unwrap();
        feed.responses.get_mut(&200).unwrap().headers.clear();
        let doc = document_value(&ir);
        let password = &doc["components"]["schemas"]["ShopToken"]["properties"]["password"];
        assert_eq!(password["writeOnly"], true);
    }

    #[test]
    fn streams_raw_bodies_and_upgrades() {
        let doc = document_value(&petstore(None));
        let feed = path(&doc, "pet_feed");
        assert_eq!(feed["x-upgrade"], "tcp");
        assert_eq!(feed["x-tty-source"], "container");
        let lines = &feed["responses"]["200"]["content"]["application/json"];
        assert_eq!(lines["x-stream"], "json-lines");
        assert_eq!(lines["x-item-schema"]["$ref"], "#/components/schemas/Pet");
        assert!(lines.get("schema").is_none());
        let upgraded = &feed["responses"]["101"]["content"];
        for media in [MULTIPLEXED_STREAM, RAW_STREAM] {
            assert_eq!(upgraded[media]["x-stream"], "multiplexed");
            assert_eq!(upgraded[media]["schema"]["format"], "binary");
        }
        assert_eq!(feed["requestBody"]["description"], "Food.");
        let photo = path(&doc, "pet_photo");
        assert_eq!(
            photo["responses"]["200"]["content"]["image/png"]["schema"],
            json!({"type": "string", "format": "binary", "contentMediaType": "image/png"})
        );
        assert!(photo.get("x-tty-source").is_none());
        let token = &photo["parameters"][1]["schema"];
        assert_eq!(token["contentEncoding"], "base64url");
        assert_eq!(
            token["contentSchema"]["$ref"],
            "#/components/schemas/ShopToken"
        );
    }

    #[test]
    fn the_text_is_deterministic() {
        let ir = petstore(None);
        assert_eq!(document(&ir).unwrap(), document(&ir).unwrap());
    }
}
