//! The OpenAPI export of the Docker spec at its newest, at v1.24 and at its
//! oldest version says what the IR says: every reference resolves, every error
//! answer has the error body, every enum lists the IR's values, every secret,
//! version range, erratum and boolean parameter is marked. (`cargo xtask test`
//! also runs a real OpenAPI 3.1 validator on the same three documents.)

use std::path::Path;

use docker_codegen::ir::{Encoding, ResponseKind, TypeKind};
use docker_codegen::types::{Scalar, TypeExpr};
use docker_codegen::{Ir, LowerOptions};
use serde_json::Value;

fn export(version: Option<&str>) -> (Ir, Value) {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let options = LowerOptions {
        api_version: version.map(str::to_string),
    };
    let ir = docker_codegen::build_ir(&spec, &options).unwrap_or_else(|e| panic!("{e}"));
    let text = docker_codegen::emit::openapi_document(&ir).unwrap();
    let doc = serde_json::from_str(&text).unwrap();
    (ir, doc)
}

fn versions() -> Vec<(Ir, Value)> {
    let (newest, doc) = export(None);
    let oldest = newest.meta.min_api_version.clone();
    vec![(newest, doc), export(Some("1.24")), export(Some(&oldest))]
}

/// Every `$ref` in `v`, with where it is.
fn refs<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push((at.clone(), x.as_str().unwrap_or_default()));
                } else {
                    refs(x, format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                refs(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn operation<'a>(ir: &Ir, doc: &'a Value, id: &str) -> &'a Value {
    let op = &ir.operations[id];
    &doc["paths"][format!("{}{}", ir.meta.version_prefix, op.path)]
        [op.method.as_str().to_lowercase()]
}

#[test]
fn every_reference_resolves() {
    for (ir, doc) in versions() {
        let mut found = Vec::new();
        refs(&doc, String::new(), &mut found);
        assert!(!found.is_empty());
        for (at, target) in found {
            let name = target
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| {
                    panic!("{}: {at}: `{target}` is not a schema", ir.meta.api_version)
                });
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{}: {at}: `{target}` does not exist",
                ir.meta.api_version
            );
        }
    }
}

#[test]
fn every_error_answer_has_the_error_body() {
    for (ir, doc) in versions() {
        let error = format!(
            "#/components/schemas/{}",
            ir.types[&ir.meta.error_type].rust_name
        );
        let mut seen = 0;
        for op in ir.operations.values() {
            let out = operation(&ir, &doc, &op.id);
            assert_eq!(out["operationId"], op.id.as_str());
            for r in op.responses.values().filter(|r| r.status >= 400) {
                let answer = &out["responses"][r.status.to_string()];
                if op.method == docker_codegen::words::HttpMethod::Head {
                    assert!(answer.get("content").is_none(), "{} {}", op.id, r.status);
                } else if r.kind == ResponseKind::None {
                    assert_eq!(
                        answer["content"]["application/json"]["schema"]["$ref"], error,
                        "{} {}",
                        op.id, r.status
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen > 0, "{}: no error answers", ir.meta.api_version);
    }
}

#[test]
fn enums_secrets_versions_and_errata_are_where_the_ir_has_them() {
    for (ir, doc) in versions() {
        let v = &ir.meta.api_version;
        assert_eq!(doc["info"]["version"], v.as_str());
        assert_eq!(
            doc["info"]["x-oldest-version"],
            ir.meta.min_api_version.as_str()
        );
        let schemas = &doc["components"]["schemas"];
        for t in ir.types.values() {
            let s = &schemas[&t.rust_name];
            assert_eq!(
                s["x-since"].as_str(),
                t.versions.since.as_deref(),
                "{v}: {}",
                t.name
            );
            assert_eq!(
                s["x-errata"].as_array().map_or(0, Vec::len),
                t.errata.len(),
                "{v}: {}",
                t.name
            );
            match &t.kind {
                TypeKind::Enum(values) => {
                    let known: Vec<&str> = values.iter().map(|e| e.value.as_str()).collect();
                    let listed: Vec<&str> = s["anyOf"][0]["enum"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap())
                        .collect();
                    assert_eq!(listed, known, "{v}: {}", t.name);
                    assert_eq!(s["anyOf"][1], serde_json::json!({"type": "string"}));
                    assert_eq!(s["x-enum-values"].as_array().unwrap().len(), values.len());
                }
                TypeKind::Struct(fields) => {
                    for f in fields {
                        let p = &s["properties"][&f.json_name];
                        let at = format!("{v}: {}.{}", t.name, f.json_name);
                        assert_eq!(p["x-secret"].as_bool(), f.secret.then_some(true), "{at}");
                        assert_eq!(p["x-since"].as_str(), f.versions.since.as_deref(), "{at}");
                        assert_eq!(
                            p["deprecated"].as_bool(),
                            f.versions.deprecated.as_ref().map(|_| true),
                            "{at}"
                        );
                        if !f.doc.is_empty() {
                            assert_eq!(p["description"], f.doc.as_str(), "{at}");
                        }
                    }
                }
                _ => {}
            }
        }
        for op in ir.operations.values() {
            let out = operation(&ir, &doc, &op.id);
            assert_eq!(
                out["x-since"].as_str(),
                op.versions.since.as_deref(),
                "{v}: {}",
                op.id
            );
            assert_eq!(
                out["x-errata"].as_array().map_or(0, Vec::len),
                op.errata.len(),
                "{v}: {}",
                op.id
            );
            let params = out["parameters"].as_array().unwrap();
            for p in op.query.iter().chain(&op.path_params) {
                let q = params
                    .iter()
                    .find(|x| x["name"] == p.name.as_str())
                    .unwrap();
                let at = format!("{v}: {} {}", op.id, p.name);
                let bool_format = match (&p.ty, p.encoding) {
                    (TypeExpr::Scalar(Scalar::Bool), Encoding::FormNumericBool) => Some("numeric"),
                    (TypeExpr::Scalar(Scalar::Bool), Encoding::FormWordBool) => Some("word"),
                    _ => None,
                };
                assert_eq!(q["x-bool-format"].as_str(), bool_format, "{at}");
                if let (Some(_), TypeExpr::Scalar(Scalar::Bool)) = (&p.default, &p.ty) {
                    assert!(q["schema"]["default"].is_boolean(), "{at}");
                }
            }
        }
    }
}
