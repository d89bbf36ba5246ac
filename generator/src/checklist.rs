//! The completeness checklist: facts of the upstream doc, and a check of the
//! spec against them.
//!
//! `extract` reads the Markdown of the Docker doc and lists, per endpoint,
//! the request line, query parameters, request headers, status codes and
//! JSON parameter names. `cargo xtask checklist` runs it once and commits the
//! result under `spec/checklist/`; `check` then tells what the spec lacks.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ir::{Body, Ir, Operation, ResponseKind, TypeKind};
use crate::types::TypeExpr;

/// The facts of one documented endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The section heading, e.g. `3.1 Containers`.
    pub section: String,
    /// The endpoint's own heading.
    pub title: String,
    /// 1-based line of the request line in the doc.
    pub line: usize,
    pub method: String,
    /// The path exactly as the doc writes it.
    pub path: String,
    #[serde(default)]
    pub query: Vec<String>,
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(default)]
    pub status: Vec<u16>,
    /// Names under "JSON parameters" and "JSON fields in response".
    #[serde(default)]
    pub json: Vec<String>,
}

/// The committed checklist file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    /// Where the facts were read from.
    pub source: String,
    pub endpoints: Vec<Endpoint>,
}

#[derive(PartialEq)]
enum ListKind {
    None,
    Query,
    Status,
    Json,
    Headers,
}

/// The text between the first pair of `**` on a `- **name**` line.
fn bold_item(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("- **")?;
    let end = rest.find("**")?;
    Some(rest[..end].trim())
}

/// Reads every endpoint of the doc's section 3, including ones inside HTML comments.
pub fn extract(markdown: &str, source: &str) -> Checklist {
    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut section = String::new();
    let mut in_endpoints = false;
    let mut list = ListKind::None;
    let lines: Vec<&str> = markdown.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("### ") {
            in_endpoints = h.starts_with("3.");
            section = h.to_string();
            list = ListKind::None;
            continue;
        }
        if t.starts_with("## ") {
            in_endpoints = t.starts_with("## 3.");
            continue;
        }
        if !in_endpoints {
            continue;
        }
        if let Some(h) = t.strip_prefix("#### ") {
            let title = h.to_string();
            list = ListKind::None;
            // The request line follows the heading.
            if let Some(next) = lines.get(i + 1) {
                let n = next.trim().trim_matches('`');
                if let Some((method, path)) = n.split_once(' ') {
                    if ["GET", "POST", "PUT", "DELETE", "HEAD"].contains(&method) {
                        endpoints.push(Endpoint {
                            section: section.clone(),
                            title: title.clone(),
                            line: i + 2,
                            method: method.to_string(),
                            path: path.to_string(),
                            query: vec![],
                            headers: vec![],
                            status: vec![],
                            json: vec![],
                        });
                    }
                }
            }
            continue;
        }
        // Sections 3.7 and 3.8 write the heading without bold: `JSON Parameters:`.
        if t.to_lowercase().starts_with("json parameters") {
            list = ListKind::Json;
            continue;
        }
        if t.starts_with("**") {
            let lower = t.to_lowercase();
            list = if lower.starts_with("**query parameters") {
                ListKind::Query
            } else if lower.starts_with("**status codes") {
                ListKind::Status
            } else if lower.starts_with("**json parameters")
                || lower.starts_with("**json fields in response")
            {
                ListKind::Json
            } else if lower.starts_with("**request headers") {
                ListKind::Headers
            } else {
                ListKind::None
            };
            continue;
        }
        let Some(ep) = endpoints.last_mut() else {
            continue;
        };
        let Some(name) = bold_item(line) else {
            continue;
        };
        match list {
            ListKind::Query => push_unique(&mut ep.query, name),
            ListKind::Headers => push_unique(&mut ep.headers, name),
            ListKind::Json => push_unique(&mut ep.json, name),
            ListKind::Status => {
                if let Ok(code) = name.parse::<u16>() {
                    if !ep.status.contains(&code) {
                        ep.status.push(code);
                    }
                }
            }
            ListKind::None => {}
        }
    }
    Checklist {
        source: source.to_string(),
        endpoints,
    }
}

fn push_unique(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

/// A doc path in a comparable form: no version prefix, no HTTP version, no
/// query string, every `(placeholder)` or `{placeholder}` as `{}`.
pub fn normalize_path(path: &str) -> String {
    let mut p = path.trim().trim_end_matches(" HTTP/1.1").to_string();
    if let Some(rest) = p.strip_prefix("/v1.24") {
        p = rest.to_string();
    }
    if let Some(q) = p.find('?') {
        p.truncate(q);
    }
    let mut out = String::new();
    let mut depth = 0;
    for c in p.chars() {
        match c {
            '(' | '{' => {
                if depth == 0 {
                    out.push_str("{}");
                }
                depth += 1;
            }
            ')' | '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

/// Finds the operation that transcribes `ep`: same method and path, or one
/// whose errata quote the doc's request line (where the spec follows the daemon).
pub fn find_operation<'a>(ir: &'a Ir, ep: &Endpoint) -> Option<&'a Operation> {
    let want = normalize_path(&ep.path);
    ir.operations
        .values()
        .find(|op| op.method.as_str() == ep.method && normalize_path(&op.path) == want)
        .or_else(|| {
            ir.operations.values().find(|op| {
                op.method.as_str() == ep.method
                    && op
                        .errata
                        .iter()
                        .any(|e| e.doc_says.contains(ep.path.trim()))
            })
        })
}

/// Every JSON key reachable from an operation's bodies.
fn reachable_keys(ir: &Ir, op: &Operation) -> BTreeSet<String> {
    let mut roots: Vec<&TypeExpr> = Vec::new();
    if let Some(Body::Json { ty, .. }) = &op.body {
        roots.push(ty);
    }
    for r in op.responses.values() {
        if let ResponseKind::Json(t) | ResponseKind::JsonLines(t) = &r.kind {
            roots.push(t);
        }
        for h in &r.headers {
            roots.push(&h.ty);
        }
    }
    for h in &op.headers {
        roots.push(&h.ty);
    }
    let mut keys = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<TypeExpr> = roots.into_iter().cloned().collect();
    while let Some(t) = stack.pop() {
        match t {
            TypeExpr::List(i) | TypeExpr::Map(i) => stack.push(*i),
            TypeExpr::Named(n) => {
                if !seen.insert(n.clone()) {
                    continue;
                }
                match ir.types.get(&n).map(|d| &d.kind) {
                    Some(TypeKind::Struct(fields)) => {
                        for f in fields {
                            keys.insert(f.json_name.to_lowercase());
                            stack.push(f.ty.clone());
                        }
                    }
                    Some(TypeKind::Alias(a)) => stack.push(a.clone()),
                    Some(TypeKind::Either(vs)) => stack.extend(vs.iter().map(|v| v.ty.clone())),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    keys
}

/// What the spec lacks of the checklist, one line per missing fact.
pub fn check(ir: &Ir, list: &Checklist) -> Vec<String> {
    let mut missing = Vec::new();
    for ep in &list.endpoints {
        let place = format!(
            "{} line {} ({} {})",
            list.source, ep.line, ep.method, ep.path
        );
        let Some(op) = find_operation(ir, ep) else {
            missing.push(format!("{place}: no operation in the spec"));
            continue;
        };
        for q in &ep.query {
            if !op.query.iter().any(|p| p.name == *q) {
                missing.push(format!(
                    "{place}: operation `{}` lacks query parameter `{q}`",
                    op.id
                ));
            }
        }
        for h in &ep.headers {
            let has = op.headers.iter().any(|p| p.name.eq_ignore_ascii_case(h))
                || (h.eq_ignore_ascii_case("content-type") && op.body.is_some());
            if !has {
                missing.push(format!(
                    "{place}: operation `{}` lacks request header `{h}`",
                    op.id
                ));
            }
        }
        for s in &ep.status {
            // A status the daemon never sends is explained by an erratum quoting it.
            let explained = op
                .errata
                .iter()
                .any(|e| e.doc_says.contains(&format!("`{s}`")));
            if !op.responses.contains_key(s) && !explained {
                missing.push(format!(
                    "{place}: operation `{}` lacks status code {s}",
                    op.id
                ));
            }
        }
        let keys = reachable_keys(ir, op);
        // A name an erratum of the operation quotes is accounted for by that erratum.
        let explained = |name: &str| {
            op.errata
                .iter()
                .any(|e| e.doc_says.contains(&format!("`{name}`")))
        };
        for j in &ep.json {
            if !keys.contains(&j.to_lowercase()) && !explained(j) {
                missing.push(format!(
                    "{place}: operation `{}` has no JSON field `{j}` in its bodies",
                    op.id
                ));
            }
        }
    }
    missing
}

/// The checklist as YAML text.
pub fn to_yaml(list: &Checklist) -> Result<String, String> {
    serde_yaml::to_string(list).map_err(|e| e.to_string())
}

/// Reads a committed checklist.
pub fn from_yaml(text: &str) -> Result<Checklist, String> {
    serde_yaml::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "## 3. Endpoints\n### 3.1 Things\n#### List things\n`GET /things/(id or name)/json`\nText\n**Query parameters**:\n- **all** – 1/True/true\n- **limit** – n\n**Status codes**:\n- **200** – no error\n- **404** – no such thing\n#### Make a thing\n`POST /things/create`\n**JSON parameters**:\n- **Name** - a name\n- **Size** - a size\n**Status codes**:\n- **201** – created\n";

    #[test]
    fn extracts_request_lines_params_and_codes() {
        let list = extract(DOC, "doc.md");
        assert_eq!(list.endpoints.len(), 2);
        let first = &list.endpoints[0];
        assert_eq!(
            (first.method.as_str(), first.path.as_str(), first.line),
            ("GET", "/things/(id or name)/json", 4)
        );
        assert_eq!(first.query, ["all", "limit"]);
        assert_eq!(first.status, [200, 404]);
        assert_eq!(list.endpoints[1].json, ["Name", "Size"]);
    }

    #[test]
    fn a_plain_json_parameters_heading_starts_the_json_list() {
        let doc = "## 3. Endpoints\n### 3.7 Nodes\n#### Update a node\n`POST /nodes/(id)/update`\n**Query parameters**:\n- **version** – n\nJSON Parameters:\n- **Role** - a role\n";
        let list = extract(doc, "doc.md");
        assert_eq!(list.endpoints[0].query, ["version"]);
        assert_eq!(list.endpoints[0].json, ["Role"]);
    }

    #[test]
    fn normalizes_doc_and_spec_paths_alike() {
        assert_eq!(
            normalize_path("/containers/(id or name)/json"),
            "/containers/{}/json"
        );
        assert_eq!(
            normalize_path("/containers/{id}/json"),
            "/containers/{}/json"
        );
        assert_eq!(
            normalize_path("/plugins/pull?name=<plugin name>"),
            "/plugins/pull"
        );
    }
}
