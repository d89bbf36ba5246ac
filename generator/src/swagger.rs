//! Completeness checklists from Docker's own Swagger 2.0 description of each
//! API version (`../shared/reference/docker-engine-api/v1.XX.yaml`).
//!
//! The facts are the same as the v1.24 doc's checklist ([`crate::checklist`]):
//! per operation, the method and path, query parameters, request headers,
//! status codes and every JSON property name reachable from its bodies. The
//! swagger files are facts, not truth: where the daemon differs, the spec
//! follows the daemon and an erratum of the operation quotes the name.

use std::collections::BTreeSet;

use serde_yaml::Value;

use crate::checklist::{Checklist, Endpoint};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "head"];

/// The checklist of one swagger file; `source` names it, `version` (`1.41`)
/// becomes each endpoint's section.
pub fn extract(text: &str, source: &str, version: &str) -> Result<Checklist, String> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| format!("{source}: {e}"))?;
    let paths = doc
        .get("paths")
        .and_then(Value::as_mapping)
        .ok_or_else(|| format!("{source}: no `paths`"))?;
    let definitions = doc.get("definitions");
    let mut endpoints = Vec::new();
    for (path, item) in paths {
        let Some(path) = path.as_str() else { continue };
        let line = line_of(text, path);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let title = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or(path)
                .to_string();
            let mut query = Vec::new();
            let mut headers = Vec::new();
            let mut json = BTreeSet::new();
            let params = item
                .get("parameters")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .chain(
                    op.get("parameters")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten(),
                );
            for p in params {
                let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                match p.get("in").and_then(Value::as_str) {
                    Some("query") => push_unique(&mut query, name),
                    Some("header") => push_unique(&mut headers, name),
                    Some("body") => {
                        if let Some(schema) = p.get("schema") {
                            collect_names(schema, definitions, &mut json, &mut BTreeSet::new());
                        }
                    }
                    _ => {}
                }
            }
            let mut status = Vec::new();
            if let Some(responses) = op.get("responses").and_then(Value::as_mapping) {
                for (code, response) in responses {
                    let code = match code {
                        Value::Number(n) => n.as_u64().map(|n| n as u16),
                        Value::String(s) => s.parse().ok(),
                        _ => None,
                    };
                    if let Some(code) = code {
                        status.push(code);
                    }
                    if let Some(schema) = response.get("schema") {
                        // Error bodies are the one ErrorResponse every operation shares.
                        if code.is_some_and(|c| c < 400) {
                            collect_names(schema, definitions, &mut json, &mut BTreeSet::new());
                        }
                    }
                }
            }
            status.sort_unstable();
            endpoints.push(Endpoint {
                section: format!("v{version}"),
                title,
                line,
                method: method.to_uppercase(),
                path: path.to_string(),
                query,
                headers,
                status,
                json: json.into_iter().collect(),
            });
        }
    }
    Ok(Checklist {
        source: source.to_string(),
        endpoints,
    })
}

fn push_unique(list: &mut Vec<String>, name: &str) {
    if !name.is_empty() && !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

/// The 1-based line of the path's key in the file (0 when not found).
fn line_of(text: &str, path: &str) -> usize {
    let key = format!("  {path}:");
    text.lines()
        .position(|l| l == key || l.trim_end() == key)
        .map_or(0, |i| i + 1)
}

/// Every property name reachable from `schema`, following `$ref`s once each.
fn collect_names(
    schema: &Value,
    definitions: Option<&Value>,
    out: &mut BTreeSet<String>,
    seen: &mut BTreeSet<String>,
) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/definitions/");
        if seen.insert(name.to_string()) {
            if let Some(target) = definitions.and_then(|d| d.get(name)) {
                collect_names(target, definitions, out, seen);
            }
        }
        return;
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_mapping) {
        for (key, prop) in props {
            if let Some(key) = key.as_str() {
                out.insert(key.to_string());
            }
            collect_names(prop, definitions, out, seen);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = schema.get(key).filter(|v| v.is_mapping()) {
            collect_names(inner, definitions, out, seen);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for inner in schema
            .get(key)
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            collect_names(inner, definitions, out, seen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SWAGGER: &str = r##"swagger: "2.0"
definitions:
  Port:
    type: object
    properties:
      PrivatePort: { type: integer }
  Summary:
    type: object
    properties:
      Id: { type: string }
      Ports:
        type: array
        items: { $ref: "#/definitions/Port" }
paths:
  /containers/json:
    get:
      operationId: ContainerList
      parameters:
        - { name: all, in: query, type: boolean }
        - { name: X-Trace, in: header, type: string }
      responses:
        200:
          description: ok
          schema:
            type: array
            items: { $ref: "#/definitions/Summary" }
        "400":
          description: bad
"##;

    #[test]
    fn operations_parameters_statuses_and_reachable_names() {
        let list = extract(SWAGGER, "t.yaml", "1.41").unwrap();
        assert_eq!(list.endpoints.len(), 1);
        let ep = &list.endpoints[0];
        assert_eq!(
            (ep.method.as_str(), ep.path.as_str()),
            ("GET", "/containers/json")
        );
        assert_eq!(ep.section, "v1.41");
        assert_eq!(ep.title, "ContainerList");
        assert_eq!(ep.line, 15);
        assert_eq!(ep.query, ["all"]);
        assert_eq!(ep.headers, ["X-Trace"]);
        assert_eq!(ep.status, [200, 400]);
        assert_eq!(ep.json, ["Id", "Ports", "PrivatePort"]);
    }
}
