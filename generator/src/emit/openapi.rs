//! An OpenAPI 3.1 rendering of the IR, for tools that speak OpenAPI.

use serde_json::{json, Map, Value};

use crate::ir::{Body, Encoding, Ir, Param, ResponseKind, TypeKind, Upgrade};
use crate::types::{Scalar, TypeExpr};

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

fn nullable(s: Value) -> Value {
    json!({"oneOf": [s, {"type": "null"}]})
}

fn param(ir: &Ir, p: &Param, location: &str) -> Value {
    let mut v = json!({
        "name": p.name,
        "in": location,
        "required": p.required,
        "description": p.doc,
    });
    let s = schema(ir, &p.ty);
    match p.encoding {
        Encoding::Json => v["content"] = json!({"application/json": {"schema": s}}),
        Encoding::Base64Json | Encoding::Base64UrlJson => {
            v["schema"] = json!({"type": "string", "contentEncoding": if p.encoding == Encoding::Base64Json { "base64" } else { "base64url" }, "contentMediaType": "application/json", "contentSchema": s});
        }
        _ => v["schema"] = s,
    }
    v
}

/// The OpenAPI document as pretty JSON text.
pub fn document(ir: &Ir) -> Result<String, String> {
    let mut schemas = Map::new();
    for t in ir.types.values() {
        let s = match &t.kind {
            TypeKind::Struct(fields) => {
                let mut props = Map::new();
                let mut required = Vec::new();
                for f in fields {
                    let mut s = schema(ir, &f.ty);
                    if f.nullable {
                        s = nullable(s);
                    }
                    if let Value::Object(m) = &mut s {
                        if !f.doc.is_empty() && !m.contains_key("$ref") {
                            m.insert("description".into(), Value::String(f.doc.clone()));
                        }
                    }
                    props.insert(f.json_name.clone(), s);
                    if f.required {
                        required.push(f.json_name.clone());
                    }
                }
                json!({"type": "object", "description": t.doc, "properties": props, "required": required})
            }
            TypeKind::Enum(values) => {
                json!({"type": "string", "description": t.doc, "examples": values.iter().map(|v| v.value.clone()).collect::<Vec<_>>()})
            }
            TypeKind::Alias(target) => schema(ir, target),
            TypeKind::Either(variants) => {
                json!({"description": t.doc, "oneOf": variants.iter().map(|v| schema(ir, &v.ty)).collect::<Vec<_>>()})
            }
        };
        schemas.insert(t.rust_name.clone(), s);
    }

    let mut paths: Map<String, Value> = Map::new();
    for op in ir.operations.values() {
        let mut parameters = Vec::new();
        parameters.extend(op.path_params.iter().map(|p| param(ir, p, "path")));
        parameters.extend(op.query.iter().map(|p| param(ir, p, "query")));
        parameters.extend(op.headers.iter().map(|p| param(ir, p, "header")));
        let mut responses = Map::new();
        for r in op.responses.values() {
            let mut rv = json!({"description": r.doc});
            let content = match &r.kind {
                ResponseKind::None => None,
                ResponseKind::Json(t) => {
                    Some(json!({"application/json": {"schema": schema(ir, t)}}))
                }
                ResponseKind::JsonLines(t) => Some(
                    json!({"application/json": {"schema": schema(ir, t), "x-docker-stream": "json-lines"}}),
                ),
                ResponseKind::Multiplexed => Some(
                    json!({"application/vnd.docker.raw-stream": {"schema": {"type": "string", "format": "binary"}}}),
                ),
                ResponseKind::Raw { content_type } => Some(
                    json!({content_type.clone(): {"schema": {"type": "string", "format": "binary"}}}),
                ),
            };
            if let Some(c) = content {
                rv["content"] = c;
            }
            if !r.headers.is_empty() {
                let mut hs = Map::new();
                for h in &r.headers {
                    let mut p = param(ir, h, "header");
                    if let Value::Object(m) = &mut p {
                        m.remove("name");
                        m.remove("in");
                    }
                    hs.insert(h.name.clone(), p);
                }
                rv["headers"] = Value::Object(hs);
            }
            responses.insert(r.status.to_string(), rv);
        }
        let mut o = json!({
            "operationId": op.id,
            "tags": [op.tag],
            "summary": op.summary,
            "parameters": parameters,
            "responses": responses,
        });
        if !op.description.is_empty() {
            o["description"] = Value::String(op.description.clone());
        }
        match &op.body {
            Some(Body::Json { ty, required, .. }) => {
                o["requestBody"] = json!({"required": required, "content": {"application/json": {"schema": schema(ir, ty)}}});
            }
            Some(Body::Raw {
                content_type,
                required,
                ..
            }) => {
                o["requestBody"] = json!({"required": required, "content": {content_type.clone(): {"schema": {"type": "string", "format": "binary"}}}});
            }
            None => {}
        }
        if let Some(u) = op.upgrade {
            o["x-docker-upgrade"] = Value::String(match u {
                Upgrade::Tcp => "tcp".into(),
                Upgrade::Websocket => "websocket".into(),
            });
        }
        let entry = paths
            .entry(format!("{}{}", ir.meta.version_prefix, op.path))
            .or_insert_with(|| json!({}));
        entry[op.method.to_lowercase()] = o;
    }

    let doc = json!({
        "x-generated": "by `cargo xtask codegen` from spec/. Do not edit.",
        "openapi": "3.1.0",
        "info": {"title": ir.meta.title, "version": ir.meta.api_version},
        "servers": [{"url": "http://localhost"}],
        "tags": ir.tags.iter().map(|t| json!({"name": t.name, "description": t.doc})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {"schemas": schemas},
    });
    serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
}
