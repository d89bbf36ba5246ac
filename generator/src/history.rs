//! The version-history checklist: the facts of the "Version history" bullets
//! of the upstream doc, and a check that the spec records each of them.
//!
//! `extract` reads the bullets of the version-history Markdown (the seed and
//! the reference copy) and keeps, per bullet, its version, where it is
//! written, the first endpoint it names and the backticked identifiers it
//! names; never its prose. `cargo xtask history` commits the result as
//! `spec/checklist/history.yaml`; `check` then tells which bullets the spec
//! does not record.
//!
//! A bullet at version V is recorded
//! - explicitly, by a `changes:` entry of `api.yaml` whose `bullet:` is its id;
//! - or by an item of the spec annotated at V (`since`, `removed_in`,
//!   `deprecated.version`, a `changes` entry, or an alternative's `since` or
//!   `removed_in`) that either has one of the bullet's names as its wire name
//!   (compared exactly, then ignoring ASCII case), or, when none of the
//!   bullet's names is the wire name of any item of the spec, is the
//!   operation of the bullet's endpoint.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::checklist::normalize_path;
use crate::load::RawSpec;
use crate::model::{
    ChangeDecl, DeprecatedDecl, FieldDecl, OperationDecl, ParamDecl, ResponseDecl, TypeDecl,
};
use crate::types::ApiVersion;

/// Where a bullet is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The Markdown file, as the xtask names it.
    pub file: String,
    /// 1-based line of the bullet's first line.
    pub line: usize,
}

/// The facts of one bullet of the version history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bullet {
    /// `v1.24#3`: the version and the bullet's 1-based place in the seed's
    /// list for it (bullets only the reference has are numbered after the seed's).
    pub id: String,
    /// `1.24`.
    pub version: String,
    /// Every file that has the bullet (the seed first).
    pub sources: Vec<Source>,
    /// The first request line the bullet names, `METHOD /path`, with its
    /// placeholders written `{id}` or `{name}` and no trailing slash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Backticked API identifiers of the bullet; a dotted one also by its last segment.
    #[serde(default)]
    pub names: Vec<String>,
}

impl Bullet {
    /// One line for a transcriber: `id (version) endpoint names source:line`.
    pub fn describe(&self) -> String {
        let endpoint = self.endpoint.as_deref().unwrap_or("-");
        let names = if self.names.is_empty() {
            "[]".to_string()
        } else {
            format!("[{}]", self.names.join(", "))
        };
        let sources: Vec<String> = self
            .sources
            .iter()
            .map(|s| format!("{}:{}", s.file, s.line))
            .collect();
        format!(
            "{} ({}) {endpoint} {names} {}",
            self.id,
            self.version,
            sources.join(" ")
        )
    }
}

/// The committed version-history checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub bullets: Vec<Bullet>,
}

/// A Markdown file to read bullets from, and the versions to take from it.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    /// The name recorded in `Source::file`.
    pub file: &'a str,
    pub text: &'a str,
    /// The oldest version whose section is read.
    pub oldest: ApiVersion,
    /// The newest version whose section is read.
    pub newest: ApiVersion,
}

/// A bullet as found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    version: ApiVersion,
    line: usize,
    endpoint: Option<String>,
    names: Vec<String>,
}

/// The version of a `v1.24 API changes` heading (any level, any case of `v`);
/// `Some(None)` for any other heading, `None` for a line that is no heading.
fn heading(line: &str) -> Option<Option<ApiVersion>> {
    if !line.starts_with('#') {
        return None;
    }
    let text = line.trim_start_matches('#').trim();
    let version = text
        .strip_suffix("API changes")
        .map(str::trim)
        .and_then(|v| v.strip_prefix('v').or_else(|| v.strip_prefix('V')))
        .and_then(|v| ApiVersion::parse(v).ok());
    Some(version)
}

/// Every bullet of the version sections of `doc` within its range, in file order.
fn bullets_of(doc: &Doc) -> Vec<Found> {
    let mut out = Vec::new();
    let mut version: Option<ApiVersion> = None;
    // The current bullet: its first line and its text so far.
    let mut current: Option<(usize, String)> = None;
    let mut finish = |current: &mut Option<(usize, String)>, version: Option<ApiVersion>| {
        if let (Some((line, text)), Some(v)) = (current.take(), version) {
            out.push(facts(v, line, &text));
        }
    };
    for (i, line) in doc.text.lines().enumerate() {
        if let Some(h) = heading(line) {
            finish(&mut current, version);
            version = h.filter(|v| doc.oldest <= *v && *v <= doc.newest);
            continue;
        }
        if version.is_none() {
            continue;
        }
        if line.starts_with("* ") || line.starts_with("- ") {
            finish(&mut current, version);
            current = Some((i + 1, line[2..].to_string()));
        } else if line.trim().is_empty() {
            finish(&mut current, version);
        } else if let Some((_, text)) = current.as_mut() {
            text.push(' ');
            text.push_str(line.trim());
        }
    }
    finish(&mut current, version);
    out
}

/// The facts of one bullet's text.
fn facts(version: ApiVersion, line: usize, text: &str) -> Found {
    let endpoint = find_endpoint(text);
    let mut names: Vec<String> = Vec::new();
    for token in backticked(text) {
        let token = token.trim();
        if !is_identifier(token) {
            continue;
        }
        push_unique(&mut names, token);
        if let Some((_, last)) = token.rsplit_once('.') {
            if is_identifier(last) {
                push_unique(&mut names, last);
            }
        }
    }
    Found {
        version,
        line,
        endpoint,
        names,
    }
}

fn push_unique(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

/// Letters, digits, `_`, `-`, `.`, starting with a letter or `_`.
fn is_identifier(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !token.ends_with('.')
}

/// The text between each pair of backticks.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The first `METHOD /path` of the text, normalized.
fn find_endpoint(text: &str) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for (method, _) in crate::words::HttpMethod::ALL {
        let pattern = format!("{method} /");
        let mut from = 0;
        while let Some(at) = text[from..].find(&pattern) {
            let start = from + at;
            let boundary = text[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric());
            if boundary {
                if best.is_none_or(|(b, _)| start < b) {
                    best = Some((start, method));
                }
                break;
            }
            from = start + pattern.len();
        }
    }
    let (start, method) = best?;
    let rest = &text[start + method.len() + 1..];
    Some(format!("{method} {}", normalize_doc_path(read_path(rest))))
}

/// The path at the start of `rest`: up to a space, backtick or comma outside a placeholder.
fn read_path(rest: &str) -> &str {
    let mut close: Vec<char> = Vec::new();
    for (i, c) in rest.char_indices() {
        match c {
            '(' => close.push(')'),
            '<' => close.push('>'),
            '{' => close.push('}'),
            ')' | '>' | '}' if close.last() == Some(&c) => {
                close.pop();
            }
            _ if !close.is_empty() => {}
            c if c.is_whitespace() || matches!(c, '`' | ',' | ';' | '"' | ')' | '\'') => {
                return &rest[..i];
            }
            _ => {}
        }
    }
    rest
}

/// Writes every placeholder of a doc path as `{id}` or `{name}`, and drops a
/// query string, a trailing full stop and a trailing slash.
fn normalize_doc_path(path: &str) -> String {
    let mut path = path;
    if let Some(q) = path.find('?') {
        path = &path[..q];
    }
    let mut out = String::new();
    let mut inner = String::new();
    let mut close: Vec<char> = Vec::new();
    for c in path.chars() {
        match c {
            '(' | '<' | '{' => {
                close.push(match c {
                    '(' => ')',
                    '<' => '>',
                    _ => '}',
                });
            }
            ')' | '>' | '}' if close.last() == Some(&c) => {
                close.pop();
                if close.is_empty() {
                    out.push_str(&format!("{{{}}}", placeholder_name(&inner)));
                    inner.clear();
                }
            }
            _ if !close.is_empty() => inner.push(c),
            _ => out.push(c),
        }
    }
    let out = out.trim_end_matches('.');
    let out = if out.len() > 1 {
        out.trim_end_matches('/')
    } else {
        out
    };
    out.to_string()
}

/// `id` for any placeholder naming an ID (`id or name`, `container ID`,
/// `network-id`), else `name` for one naming a name (`name:.*`), else its words.
fn placeholder_name(inner: &str) -> String {
    let inner = inner.split(':').next().unwrap_or_default().to_lowercase();
    let words: Vec<&str> = inner
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.contains(&"id") {
        "id".to_string()
    } else if words.contains(&"name") {
        "name".to_string()
    } else {
        words.join("_")
    }
}

/// Reads the bullets of the seed and of the reference copy. Bullets the two
/// give alike (same version, endpoint and names) are one entry with the
/// seed's id; the reference's others are numbered after the seed's.
pub fn extract(seed: &Doc, reference: &Doc) -> History {
    struct Entry {
        version: ApiVersion,
        n: usize,
        found: Found,
        sources: Vec<Source>,
        in_reference: bool,
    }
    let mut entries: Vec<Entry> = Vec::new();
    for found in bullets_of(seed) {
        let n = entries
            .iter()
            .filter(|e| e.version == found.version)
            .count()
            + 1;
        entries.push(Entry {
            version: found.version,
            n,
            sources: vec![Source {
                file: seed.file.to_string(),
                line: found.line,
            }],
            found,
            in_reference: false,
        });
    }
    for found in bullets_of(reference) {
        let source = Source {
            file: reference.file.to_string(),
            line: found.line,
        };
        let same = entries.iter_mut().find(|e| {
            !e.in_reference
                && e.found.version == found.version
                && e.found.endpoint == found.endpoint
                && e.found.names == found.names
        });
        match same {
            Some(e) => {
                e.sources.push(source);
                e.in_reference = true;
            }
            None => {
                let n = entries
                    .iter()
                    .filter(|e| e.version == found.version)
                    .count()
                    + 1;
                entries.push(Entry {
                    version: found.version,
                    n,
                    found,
                    sources: vec![source],
                    in_reference: true,
                });
            }
        }
    }
    // Newest version first, as the doc lists them; within one, by number.
    entries.sort_by(|a, b| b.version.cmp(&a.version).then(a.n.cmp(&b.n)));
    History {
        bullets: entries
            .into_iter()
            .map(|e| Bullet {
                id: format!("v{}#{}", e.version, e.n),
                version: e.version.to_string(),
                sources: e.sources,
                endpoint: e.found.endpoint,
                names: e.found.names,
            })
            .collect(),
    }
}

/// The checklist as YAML text.
pub fn to_yaml(history: &History) -> Result<String, String> {
    serde_yaml::to_string(history).map_err(|e| e.to_string())
}

/// Reads a committed checklist.
pub fn from_yaml(text: &str) -> Result<History, String> {
    serde_yaml::from_str(text).map_err(|e| e.to_string())
}

/// An item of the spec, as the history check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Where it is, for people: `containers.yaml: operation container_list, query all`.
    pub place: String,
    /// Its name on the wire (JSON key, parameter or header name, type name,
    /// enum value, status code); operations have none.
    pub wire_name: Option<String>,
    /// For an operation: its method and its path normalized (`{}` placeholders).
    pub operation: Option<(String, String)>,
    /// The versions it is annotated at.
    pub annotated: BTreeSet<ApiVersion>,
}

fn versions_of(
    since: &Option<String>,
    removed_in: &Option<String>,
    deprecated: &Option<DeprecatedDecl>,
    changes: &[ChangeDecl],
) -> BTreeSet<ApiVersion> {
    since
        .iter()
        .chain(removed_in.iter())
        .chain(deprecated.iter().map(|d| &d.version))
        .chain(changes.iter().map(|c| &c.version))
        .filter_map(|v| ApiVersion::parse(v).ok())
        .collect()
}

fn alternatives_of<'a>(
    alternatives: impl Iterator<Item = (&'a Option<String>, &'a Option<String>)>,
) -> BTreeSet<ApiVersion> {
    alternatives
        .flat_map(|(s, r)| s.iter().chain(r.iter()))
        .filter_map(|v| ApiVersion::parse(v).ok())
        .collect()
}

fn param_item(place: String, p: &ParamDecl) -> Item {
    let mut annotated = versions_of(&p.since, &p.removed_in, &p.deprecated, &p.changes);
    annotated.extend(alternatives_of(
        p.versions.iter().map(|a| (&a.since, &a.removed_in)),
    ));
    Item {
        place,
        wire_name: Some(p.name.clone()),
        operation: None,
        annotated,
    }
}

fn field_item(place: String, name: &str, f: &FieldDecl) -> Item {
    let mut annotated = versions_of(&f.since, &f.removed_in, &f.deprecated, &f.changes);
    annotated.extend(alternatives_of(
        f.versions.iter().map(|a| (&a.since, &a.removed_in)),
    ));
    Item {
        place,
        wire_name: Some(name.to_string()),
        operation: None,
        annotated,
    }
}

fn response_item(place: String, status: &str, r: &ResponseDecl) -> Item {
    let mut annotated = versions_of(&r.since, &r.removed_in, &r.deprecated, &r.changes);
    annotated.extend(alternatives_of(
        r.versions.iter().map(|a| (&a.since, &a.removed_in)),
    ));
    Item {
        place,
        wire_name: Some(status.to_string()),
        operation: None,
        annotated,
    }
}

fn operation_items(file: &str, op: &OperationDecl, out: &mut Vec<Item>) {
    let at = format!("{file}: operation {}", op.id);
    out.push(Item {
        place: at.clone(),
        wire_name: None,
        operation: Some((op.method.to_uppercase(), normalize_path(&op.path))),
        annotated: versions_of(&op.since, &op.removed_in, &op.deprecated, &op.changes),
    });
    for (group, params) in [
        ("path parameter", &op.path_params),
        ("query", &op.query),
        ("header", &op.headers),
    ] {
        for p in params {
            out.push(param_item(format!("{at}, {group} {}", p.name), p));
        }
    }
    for (status, r) in &op.responses {
        let rat = format!("{at}, response {}", status.0);
        out.push(response_item(rat.clone(), &status.0, r));
        // Headers of the response and of its alternatives.
        for part in std::iter::once(r).chain(r.versions.iter()) {
            for h in &part.headers {
                out.push(param_item(format!("{rat}, header {}", h.name), h));
            }
        }
    }
}

fn type_items(file: &str, name: &str, t: &TypeDecl, out: &mut Vec<Item>) {
    let at = format!("{file}: type {name}");
    out.push(Item {
        place: at.clone(),
        wire_name: Some(name.to_string()),
        operation: None,
        annotated: versions_of(&t.since, &t.removed_in, &t.deprecated, &t.changes),
    });
    for (key, f) in t.fields.iter().flatten() {
        out.push(field_item(format!("{at}, field {key}"), key, f));
    }
    for value in t.values.iter().flatten() {
        if let Some(item) = enum_value_item(&at, value) {
            out.push(item);
        }
    }
}

/// An enum value: a string, or a mapping with `value` and maybe `since`,
/// `removed_in`, `deprecated: { version }`.
fn enum_value_item(at: &str, value: &serde_yaml::Value) -> Option<Item> {
    let text = |v: Option<&serde_yaml::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    let (name, annotated) = match value {
        serde_yaml::Value::String(s) => (s.clone(), BTreeSet::new()),
        serde_yaml::Value::Mapping(m) => {
            let name = text(m.get("value"))?;
            let deprecated = m.get("deprecated").and_then(|d| d.get("version"));
            let annotated = [
                text(m.get("since")),
                text(m.get("removed_in")),
                text(deprecated),
            ]
            .into_iter()
            .flatten()
            .filter_map(|v| ApiVersion::parse(&v).ok())
            .collect();
            (name, annotated)
        }
        _ => return None,
    };
    Some(Item {
        place: format!("{at}, value {name}"),
        wire_name: Some(name),
        operation: None,
        annotated,
    })
}

/// Every item of the spec at every version: operations with their
/// parameters, responses and response headers, and types with their fields
/// and enum values.
pub fn items(spec: &RawSpec) -> Vec<Item> {
    let mut out = Vec::new();
    let api_file = file_name(&spec.api.file);
    for (name, t) in &spec.api.content.types {
        type_items(&api_file, name, t, &mut out);
    }
    for file in &spec.files {
        let f = file_name(&file.file);
        for op in &file.content.operations {
            operation_items(&f, op, &mut out);
        }
        for (name, t) in &file.content.types {
            type_items(&f, name, t, &mut out);
        }
    }
    out
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// How a bullet is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// A `changes:` entry of `api.yaml` names it.
    Explicit,
    /// An item annotated at its version has one of its names on the wire.
    Name {
        place: String,
        name: String,
        exact: bool,
    },
    /// None of its names is in the spec; its operation is annotated at its version.
    Endpoint { place: String },
}

/// Whether and how the spec records `bullet`, given the bullet ids named by
/// `api.yaml`'s changes and the spec's items.
pub fn match_bullet(bullet: &Bullet, explicit: &BTreeSet<String>, items: &[Item]) -> Option<Match> {
    if explicit.contains(&bullet.id) {
        return Some(Match::Explicit);
    }
    let version = ApiVersion::parse(&bullet.version).ok()?;
    let at_version: Vec<&Item> = items
        .iter()
        .filter(|i| i.annotated.contains(&version))
        .collect();
    for exact in [true, false] {
        for name in &bullet.names {
            let same = |w: &String| {
                if exact {
                    w == name
                } else {
                    w.eq_ignore_ascii_case(name)
                }
            };
            if let Some(item) = at_version
                .iter()
                .find(|i| i.wire_name.as_ref().is_some_and(same))
            {
                return Some(Match::Name {
                    place: item.place.clone(),
                    name: name.clone(),
                    exact,
                });
            }
        }
    }
    let endpoint = bullet.endpoint.as_ref()?;
    let named_anywhere = bullet.names.iter().any(|n| {
        items.iter().any(|i| {
            i.wire_name
                .as_ref()
                .is_some_and(|w| w.eq_ignore_ascii_case(n))
        })
    });
    if named_anywhere {
        return None;
    }
    let (method, path) = endpoint.split_once(' ')?;
    let want = (method.to_uppercase(), normalize_path(path));
    at_version
        .iter()
        .find(|i| i.operation.as_ref() == Some(&want))
        .map(|i| Match::Endpoint {
            place: i.place.clone(),
        })
}

/// The outcome of checking the spec against the history.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Recorded bullets, and how.
    pub matched: Vec<(Bullet, Match)>,
    /// Bullets the spec does not record.
    pub unmatched: Vec<Bullet>,
    /// Bullets of versions after the spec's `api_version`.
    pub skipped: Vec<Bullet>,
}

/// Checks every bullet up to the spec's `api_version` against the spec.
pub fn check(spec: &RawSpec, history: &History) -> Report {
    let newest = ApiVersion::parse(&spec.api.content.api_version).ok();
    let explicit: BTreeSet<String> = spec
        .api
        .content
        .changes
        .iter()
        .filter_map(|c| c.bullet.clone())
        .collect();
    let items = items(spec);
    let mut report = Report::default();
    for bullet in &history.bullets {
        let version = ApiVersion::parse(&bullet.version).ok();
        if let (Some(v), Some(n)) = (version, newest) {
            if v > n {
                report.skipped.push(bullet.clone());
                continue;
            }
        }
        match match_bullet(bullet, &explicit, &items) {
            Some(m) => report.matched.push((bullet.clone(), m)),
            None => report.unmatched.push(bullet.clone()),
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::diagnostics::Diagnostics;
    use crate::load::parse_text;

    fn v(text: &str) -> ApiVersion {
        ApiVersion::parse(text).unwrap()
    }

    const SEED: &str = "# Remote API\n## Version history\n### v1.25 API changes\n[doc](x.md) documentation\n* `POST /containers/create` now takes `AutoRemove` in HostConfig.\n### v1.24 API changes\n* `GET /info` no longer returns the `ExecutionDriver` property. It was\nunused since 1.11.\n* `POST /containers/<container ID>/exec` and `POST /exec/<exec ID>/start`\nno longer expect a \"Container\" field.\n* `POST /containers/create/` `HostConfig.PidMode` field now accepts `container:<name|id>`,\nto join a PID namespace.\n* `POST /containers/{name:.*}/copy` is now removed.\n* API errors are now JSON.\n* `POST /build` one thing\n* `POST /build` another thing\n### v1.17 API changes\n* `GET /old` ignored\n";

    const REFERENCE: &str = "# History\n\n## v1.25 API changes\n\n* `GET /ignored` newer than the range\n\n## v1.24 API changes\n\n* `GET /info` no longer returns the `ExecutionDriver` property. It was\n  unused since 1.11.\n* `POST /build` another thing, reworded\n* `GET /events` now supports an `exec_detach ` event.\n* `POST /containers/(id or name)/start` no longer accepts a `HostConfig`.\n";

    fn docs() -> History {
        let seed = Doc {
            file: "seed.md",
            text: SEED,
            oldest: v("1.18"),
            newest: v("1.25"),
        };
        let reference = Doc {
            file: "ref.md",
            text: REFERENCE,
            oldest: v("1.18"),
            newest: v("1.24"),
        };
        extract(&seed, &reference)
    }

    fn bullet(history: &History, id: &str) -> Bullet {
        history
            .bullets
            .iter()
            .find(|b| b.id == id)
            .unwrap_or_else(|| panic!("no bullet {id}"))
            .clone()
    }

    #[test]
    fn reads_the_bullets_of_the_version_sections_only() {
        let h = docs();
        let ids: Vec<&str> = h.bullets.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "v1.25#1", "v1.24#1", "v1.24#2", "v1.24#3", "v1.24#4", "v1.24#5", "v1.24#6",
                "v1.24#7", "v1.24#8", "v1.24#9"
            ]
        );
        let first = bullet(&h, "v1.25#1");
        assert_eq!(first.endpoint.as_deref(), Some("POST /containers/create"));
        assert_eq!(first.names, ["AutoRemove"]);
        assert_eq!(
            first.sources,
            [Source {
                file: "seed.md".into(),
                line: 5
            }]
        );
    }

    #[test]
    fn normalizes_placeholders_and_trailing_slashes() {
        let h = docs();
        assert_eq!(
            bullet(&h, "v1.24#2").endpoint.as_deref(),
            Some("POST /containers/{id}/exec")
        );
        let pid = bullet(&h, "v1.24#3");
        assert_eq!(pid.endpoint.as_deref(), Some("POST /containers/create"));
        assert_eq!(pid.names, ["HostConfig.PidMode", "PidMode"]);
        assert_eq!(
            bullet(&h, "v1.24#4").endpoint.as_deref(),
            Some("POST /containers/{name}/copy")
        );
        assert_eq!(bullet(&h, "v1.24#5").endpoint, None);
        assert_eq!(
            bullet(&h, "v1.24#9").endpoint.as_deref(),
            Some("POST /containers/{id}/start")
        );
        assert_eq!(
            normalize_doc_path("/networks/{network-id}"),
            "/networks/{id}"
        );
        assert_eq!(normalize_doc_path("/volumes/(name)"), "/volumes/{name}");
        assert_eq!(
            normalize_doc_path("/containers/create/"),
            "/containers/create"
        );
    }

    #[test]
    fn merges_the_bullets_both_files_give_and_numbers_the_others_after_the_seed() {
        let h = docs();
        let info = bullet(&h, "v1.24#1");
        assert_eq!(info.names, ["ExecutionDriver"]);
        assert_eq!(
            info.sources,
            [
                Source {
                    file: "seed.md".into(),
                    line: 7
                },
                Source {
                    file: "ref.md".into(),
                    line: 9
                }
            ]
        );
        // Two seed bullets give `POST /build` with no names: the reference's one joins the first.
        assert_eq!(bullet(&h, "v1.24#6").sources.len(), 2);
        assert_eq!(bullet(&h, "v1.24#7").sources.len(), 1);
        let detach = bullet(&h, "v1.24#8");
        assert_eq!(detach.names, ["exec_detach"]);
        assert_eq!(
            detach.sources,
            [Source {
                file: "ref.md".into(),
                line: 12
            }]
        );
    }

    #[test]
    fn keeps_no_prose_and_round_trips() {
        let h = docs();
        let yaml = to_yaml(&h).unwrap();
        assert!(!yaml.contains("no longer"));
        assert_eq!(from_yaml(&yaml).unwrap(), h);
    }

    fn spec(api: &str, tag: &str) -> RawSpec {
        let mut problems = Diagnostics::default();
        let api = parse_text(Path::new("api.yaml"), api, &mut problems);
        let file = parse_text(Path::new("things.yaml"), tag, &mut problems);
        assert!(problems.is_empty(), "{problems}");
        RawSpec {
            api: api.unwrap(),
            files: vec![file.unwrap()],
            extras: Default::default(),
        }
    }

    const API: &str = "title: T\napi_version: \"1.24\"\noldest_version: \"1.18\"\nversion_prefix: /v1.24\ndefault_endpoint: unix:///x\nerror_body: E\ntags: [{ name: things }]\ntypes:\n  E: { struct: { message: { type: string } } }\nchanges:\n  - { version: \"1.24\", note: Errors are JSON., bullet: v1.24#5 }\n";

    const TAG: &str = "tag: things\noperations:\n  - id: info\n    summary: Info\n    method: GET\n    path: /info\n    responses: { 200: { doc: ok, kind: json, type: Info } }\n  - id: build\n    summary: Build\n    method: POST\n    path: /build\n    changes: [{ version: \"1.24\", note: Cancels on close. }]\n    query:\n      - { name: cpuperiod, type: i64, since: \"1.19\" }\n    responses: { 200: { doc: ok } }\n  - id: copy\n    summary: Copy\n    method: POST\n    path: /containers/{id}/copy\n    path_params: [{ name: id, type: string }]\n    removed_in: \"1.24\"\n    responses: { 200: { doc: ok } }\ntypes:\n  Info:\n    struct:\n      ExecutionDriver: { type: string, removed_in: \"1.24\" }\n      Debug:\n        versions:\n          - { type: i64, removed_in: \"1.19\" }\n          - { type: bool, since: \"1.19\" }\n      Name: { type: string }\n  Event:\n    enum: [start, { value: exec_detach, since: \"1.24\" }]\n";

    fn one(id: &str, version: &str, endpoint: Option<&str>, names: &[&str]) -> Bullet {
        Bullet {
            id: id.into(),
            version: version.into(),
            sources: vec![Source {
                file: "seed.md".into(),
                line: 1,
            }],
            endpoint: endpoint.map(str::to_string),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn matches_explicitly_by_name_by_alternative_and_by_endpoint() {
        let spec = spec(API, TAG);
        let history = History {
            bullets: vec![
                one("v1.24#5", "1.24", None, &[]),
                one("v1.24#1", "1.24", Some("GET /info"), &["ExecutionDriver"]),
                one("v1.24#2", "1.24", Some("GET /events"), &["exec_detach"]),
                one("v1.19#1", "1.19", Some("GET /info"), &["debug"]),
                one("v1.19#2", "1.19", Some("POST /build"), &["cpuperiod"]),
                one("v1.24#3", "1.24", Some("POST /containers/{name}/copy"), &[]),
                one("v1.24#6", "1.24", Some("POST /build"), &["nowhere"]),
                one(
                    "v1.25#1",
                    "1.25",
                    Some("POST /containers/create"),
                    &["AutoRemove"],
                ),
            ],
        };
        let report = check(&spec, &history);
        let how: Vec<(&str, &Match)> = report
            .matched
            .iter()
            .map(|(b, m)| (b.id.as_str(), m))
            .collect();
        assert_eq!(how[0], ("v1.24#5", &Match::Explicit));
        assert!(matches!(how[1].1, Match::Name { exact: true, .. }));
        assert!(
            matches!(how[2].1, Match::Name { place, .. } if place.ends_with("value exec_detach"))
        );
        assert!(matches!(how[3].1, Match::Name { exact: false, .. }));
        assert!(
            matches!(how[4].1, Match::Name { place, .. } if place.ends_with("query cpuperiod"))
        );
        assert!(matches!(how[5].1, Match::Endpoint { place } if place.ends_with("operation copy")));
        assert!(
            matches!(how[6].1, Match::Endpoint { place } if place.ends_with("operation build"))
        );
        assert_eq!(report.matched.len(), 7);
        assert!(report.unmatched.is_empty());
        assert_eq!(report.skipped.len(), 1);
    }

    #[test]
    fn a_name_the_spec_has_unannotated_does_not_fall_back_to_the_endpoint() {
        let spec = spec(API, TAG);
        let items = items(&spec);
        let none = BTreeSet::new();
        // `Name` exists in the spec without an annotation at 1.24: the
        // operation's own change at 1.24 does not stand in for it.
        let b = one("v1.24#9", "1.24", Some("POST /build"), &["Name"]);
        assert_eq!(match_bullet(&b, &none, &items), None);
        // Annotated at another version only.
        let b = one("v1.23#1", "1.23", Some("GET /info"), &["ExecutionDriver"]);
        assert_eq!(match_bullet(&b, &none, &items), None);
        // An endpoint that has no annotation at the version.
        let b = one("v1.22#1", "1.22", Some("GET /info"), &[]);
        assert_eq!(match_bullet(&b, &none, &items), None);
        assert_eq!(
            one("v1.22#1", "1.22", Some("GET /info"), &["A", "B"]).describe(),
            "v1.22#1 (1.22) GET /info [A, B] seed.md:1"
        );
    }
}
