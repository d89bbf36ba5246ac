//! The completeness checklist: facts of the upstream doc, and a check of the
//! spec against them.
//!
//! `extract` reads the Markdown of the Docker doc and lists, per endpoint,
//! the request line, query parameters, request headers, status codes and
//! JSON parameter names; `extract_rst` reads the same facts from the
//! reStructuredText of the early docs (Remote API v1.1, 2013). `cargo xtask
//! checklist` runs one of them once and commits the result under
//! `spec/checklist/`; `check` then tells what the spec lacks.

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

/// The adornment of an RST section title: its character, and whether it
/// has an overline as well as an underline. RST ranks title styles in the
/// order they first appear.
type Adornment = (char, bool);

/// The character of an RST adornment line (`=====`, `-----`, `*****`): one
/// punctuation character repeated, and how many times.
fn adornment(line: &str) -> Option<(char, usize)> {
    let t = line.trim();
    let c = t.chars().next()?;
    (c.is_ascii_punctuation() && t.chars().all(|x| x == c)).then(|| (c, t.chars().count()))
}

/// Text that can be a section title: words, not a directive or a field.
fn title_text(line: &str) -> Option<&str> {
    let t = line.trim();
    let titled =
        t.chars().any(char::is_alphanumeric) && !t.starts_with("..") && !t.starts_with(':');
    titled.then_some(t)
}

/// The section title starting at line `i`: its text, adornment and number of lines.
fn rst_title<'a>(lines: &[&'a str], i: usize) -> Option<(&'a str, Adornment, usize)> {
    let at = |k: usize| lines.get(k).copied();
    // Overline, title, underline of the same character, each at least as long as the title.
    if let (Some((c, over)), Some(text), Some((u, under))) = (
        at(i).and_then(adornment),
        at(i + 1).and_then(title_text),
        at(i + 2).and_then(adornment),
    ) {
        let n = text.chars().count();
        if c == u && over >= n && under >= n {
            return Some((text, (c, true), 3));
        }
    }
    // Title and underline; an underline that opens an overlined title below it is none.
    let text = at(i).and_then(title_text)?;
    let (c, under) = at(i + 1).and_then(adornment)?;
    let overline_of_next = at(i + 2).and_then(title_text).is_some()
        && at(i + 3).and_then(adornment).is_some_and(|(u, _)| u == c);
    (under >= text.chars().count() && !overline_of_next).then_some((text, (c, false), 2))
}

/// An RST field of the HTTP domain: `:query all: ...` gives (`query`, `all`),
/// `:statuscode 200: ...` (`statuscode`, `200`); with a type, as in
/// `:<json string Name:`, the name is the last word.
fn rst_field(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim().strip_prefix(':')?;
    let inner = &rest[..rest.find(':')?];
    let mut words = inner.split_whitespace();
    let kind = words.next()?;
    let name = words.last()?;
    Some((kind, name))
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "HEAD"];

/// Whether a line is an example's request line: `GET /path HTTP/1.1`.
fn is_request_line(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.len() == 3 && METHODS.contains(&words[0]) && words[2].starts_with("HTTP/")
}

/// The name of an HTTP header line (`Content-Type: application/json`).
fn header_name(line: &str) -> Option<&str> {
    let (name, _) = line.trim().split_once(':')?;
    let token = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    token.then_some(name)
}

/// Reads every endpoint of an RST doc written with the Sphinx HTTP domain:
/// each `.. http:get:: /path` directive is one endpoint, titled by the
/// section title above it, within the section one level up (`3.1
/// Containers`). Its facts are the fields below the directive up to the
/// next title: `:query name:`, `:statuscode NNN:`, `:jsonparam name:` (and
/// the domain's other spellings of them), `:reqheader Name:`, and the
/// headers of its example requests (`Content-Type: application/json` under
/// `POST /containers/create HTTP/1.1`).
pub fn extract_rst(text: &str, source: &str) -> Checklist {
    let lines: Vec<&str> = text.lines().collect();
    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut styles: Vec<Adornment> = Vec::new();
    // The open title of each level, outermost first.
    let mut open: Vec<String> = Vec::new();
    let mut current: Option<usize> = None;
    let mut i = 0;
    while i < lines.len() {
        if let Some((title, style, used)) = rst_title(&lines, i) {
            let level = match styles.iter().position(|s| *s == style) {
                Some(level) => level,
                None => {
                    styles.push(style);
                    styles.len() - 1
                }
            };
            open.resize(level, String::new());
            open.push(title.to_string());
            current = None;
            i += used;
            continue;
        }
        let t = lines[i].trim();
        i += 1;
        if let Some((method, path)) = t.strip_prefix(".. http:").and_then(|r| r.split_once("::")) {
            let method = method.trim().to_uppercase();
            if METHODS.contains(&method.as_str()) {
                let n = open.len();
                endpoints.push(Endpoint {
                    section: if n >= 2 {
                        open[n - 2].clone()
                    } else {
                        String::new()
                    },
                    title: open.last().cloned().unwrap_or_default(),
                    line: i,
                    method,
                    path: path.trim().to_string(),
                    query: vec![],
                    headers: vec![],
                    status: vec![],
                    json: vec![],
                });
                current = Some(endpoints.len() - 1);
            }
            continue;
        }
        let Some(ep) = current.map(|c| &mut endpoints[c]) else {
            continue;
        };
        if is_request_line(t) {
            while let Some(name) = lines.get(i).and_then(|l| header_name(l)) {
                push_unique(&mut ep.headers, name);
                i += 1;
            }
            continue;
        }
        let Some((kind, name)) = rst_field(t) else {
            continue;
        };
        match kind {
            "query" | "queryparameter" | "queryparam" | "qparam" => {
                push_unique(&mut ep.query, name)
            }
            "reqheader" | "requestheader" => push_unique(&mut ep.headers, name),
            "jsonparam" | "jsonparameter" | "json" | "<json" | ">json" | "<jsonarr"
            | ">jsonarr" => push_unique(&mut ep.json, name),
            "statuscode" | "status" | "code" => {
                if let Ok(code) = name.parse::<u16>() {
                    if !ep.status.contains(&code) {
                        ep.status.push(code);
                    }
                }
            }
            _ => {}
        }
    }
    Checklist {
        source: source.to_string(),
        endpoints,
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

    const RST: &str = "=====\nThe API\n=====\n1. Intro\n========\nText with a colon: here\n3. Endpoints\n============\n3.1 Things\n----------\nList things\n***********\n.. http:get:: /things/(id)/json\n\tList them\n\t**Example request**:\n\t.. sourcecode:: http\n\t   GET /things/x/json?all=1 HTTP/1.1\n\t**Example response**:\n\t.. sourcecode:: http\n\t   HTTP/1.1 200 OK\n\t   Content-Type: application/json\n\t   {\"status\":\"Pulling...\"}\n\t   ...\n\t:query all: 1/True/true or 0/False/false\n\t:query limit: how many\n\t:statuscode 200: no error\n\t:statuscode 404: no such thing\nMake a thing\n************\n.. http:post:: /things/create\n\t.. sourcecode:: http\n\t   POST /things/create HTTP/1.1\n\t   Content-Type: application/json\n\t   {\n\t   \"Name\":\"x\"\n\t   }\n\t:jsonparam config: the configuration\n\t:reqheader X-Token: who asks\n\t:statuscode 201: created\n3.2 Other\n---------\nGo further\n**********\n:query stray: not an endpoint's\n";

    #[test]
    fn extracts_rst_directives_fields_and_titles() {
        let list = extract_rst(RST, "doc.rst");
        assert_eq!(list.source, "doc.rst");
        assert_eq!(list.endpoints.len(), 2);
        let first = &list.endpoints[0];
        assert_eq!(
            (first.method.as_str(), first.path.as_str(), first.line),
            ("GET", "/things/(id)/json", 13)
        );
        assert_eq!(
            (first.section.as_str(), first.title.as_str()),
            ("3.1 Things", "List things")
        );
        assert_eq!(first.query, ["all", "limit"]);
        assert_eq!(first.status, [200, 404]);
        // Response headers are not request headers.
        assert!(first.headers.is_empty());
        let second = &list.endpoints[1];
        assert_eq!(second.title, "Make a thing");
        assert_eq!(second.json, ["config"]);
        assert_eq!(second.headers, ["Content-Type", "X-Token"]);
        assert_eq!(second.status, [201]);
    }

    #[test]
    fn rst_titles_rank_by_first_appearance_and_need_a_long_enough_underline() {
        // `...` under a JSON line is no underline; a field after a later title
        // belongs to no endpoint.
        let list = extract_rst(RST, "doc.rst");
        assert!(list
            .endpoints
            .iter()
            .all(|e| !e.query.iter().any(|q| q == "stray")));
        // Another ranking of the same characters: `*` sections hold `-` endpoints.
        let doc = "Stuff\n*****\nGet one\n-------\n.. http:delete:: /one\n:statuscode 204: gone\n";
        let list = extract_rst(doc, "d.rst");
        assert_eq!(list.endpoints[0].section, "Stuff");
        assert_eq!(list.endpoints[0].title, "Get one");
        assert_eq!(list.endpoints[0].method, "DELETE");
        assert_eq!(list.endpoints[0].status, [204]);
    }

    #[test]
    fn rst_fields_take_the_last_word_as_the_name() {
        assert_eq!(rst_field(":query all: yes"), Some(("query", "all")));
        assert_eq!(
            rst_field("\t:<json string Name: a name"),
            Some(("<json", "Name"))
        );
        assert_eq!(rst_field(":title: Remote API"), None);
        assert_eq!(rst_field("no field"), None);
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
