//! Stage 2: check a loaded spec and report every problem with its place.
//!
//! Nothing here changes the spec. When `validate` returns no diagnostics,
//! the `ir` stage may assume every reference resolves, every status code is
//! a number and every path placeholder has its parameter.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::{index_path, key_path, Loaded, RawSpec};
use crate::model::{ErratumDecl, FieldDecl, OperationDecl, ParamDecl, ResponseDecl, TypeDecl};
use crate::naming;
use crate::types::{ApiVersion, Scalar, TypeExpr, BUILTIN_WORDS};
use crate::words;

pub const BODY_KINDS: [&str; 2] = ["json", "raw"];
pub const QUERY_ENCODINGS: [&str; 2] = ["form", "json"];
pub const HEADER_ENCODINGS: [&str; 3] = ["plain", "base64_json", "base64url_json"];
pub const BOOL_FORMATS: [&str; 2] = ["numeric", "word"];

/// Where a type is declared: which file and the path of its entry.
struct TypeSite<'a> {
    file: &'a dyn Locator,
    path: String,
    decl: &'a TypeDecl,
}

/// Where something was first declared. Turned into `file:line:column` only
/// when a duplicate is reported, so a valid spec never needs its positions.
struct Site<'a> {
    file: &'a dyn Locator,
    path: String,
}

impl Site<'_> {
    fn place(&self) -> String {
        self.file.place(&self.path)
    }

    fn is(&self, file: &dyn Locator, path: &str) -> bool {
        std::ptr::addr_eq(self.file, file) && self.path == path
    }
}

/// Turns a path into a diagnostic; implemented by every loaded file.
trait Locator {
    fn at(&self, path: &str, message: String) -> Diagnostic;
    fn at_key(&self, path: &str, message: String) -> Diagnostic;
    fn place(&self, path: &str) -> String;
}

impl<T> Locator for Loaded<T> {
    fn at(&self, path: &str, message: String) -> Diagnostic {
        Loaded::at(self, path, message)
    }
    fn at_key(&self, path: &str, message: String) -> Diagnostic {
        Loaded::at_key(self, path, message)
    }
    fn place(&self, path: &str) -> String {
        let pos = self.map().locate_key(path);
        format!("{}:{}:{}", self.file.display(), pos.line, pos.column)
    }
}

/// Checks `spec` and returns every problem found, sorted by place.
pub fn validate(spec: &RawSpec) -> Diagnostics {
    check(spec).0
}

/// Names the spec lets the generator derive badly: a derived snake_case name
/// with a single-letter segment (`exec_i_ds`) is an acronym split apart, or a
/// wire name too short to say anything (`h`). Each wants a `rust_name`.
/// Generation goes on; `cargo xtask test` requires none.
pub fn lint(spec: &RawSpec) -> Diagnostics {
    check(spec).1
}

fn check(spec: &RawSpec) -> (Diagnostics, Diagnostics) {
    let mut v = Validator {
        out: Diagnostics::default(),
        warnings: Diagnostics::default(),
        operation_ids: spec
            .files
            .iter()
            .flat_map(|f| &f.content.operations)
            .map(|op| op.id.clone())
            .collect(),
        oldest: None,
        newest: None,
        type_ranges: HashMap::new(),
        scope: None,
        erratum_refs: Vec::new(),
        client_type: String::new(),
    };
    v.run(spec);
    (v.out.finish(), v.warnings.finish())
}

struct Validator {
    out: Diagnostics,
    warnings: Diagnostics,
    /// Every operation id, so a type cannot take a name generated for one.
    operation_ids: BTreeSet<String>,
    /// The versions the spec describes.
    oldest: Option<ApiVersion>,
    newest: Option<ApiVersion>,
    /// When each type exists, for checking references to it.
    type_ranges: HashMap<String, Range>,
    /// The range of the item being checked (its type or operation): what it contains lives within it.
    scope: Option<Range>,
    /// Errata named by `changes` entries (the problem if unknown, id), checked once every erratum is known.
    erratum_refs: Vec<(Diagnostic, String)>,
    /// The client type's name, which no model may take.
    client_type: String,
}

/// The versions an item exists in: `since` up to, not including, `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    since: ApiVersion,
    until: Option<ApiVersion>,
}

impl Range {
    /// The part of `self` that lies within `outer`.
    fn within(self, outer: Option<Range>) -> Range {
        let Some(outer) = outer else { return self };
        let until = match (self.until, outer.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Range {
            since: self.since.max(outer.since),
            until,
        }
    }

    /// Whether every version of `inner` is in `self`.
    fn covers(&self, inner: &Range) -> bool {
        self.since <= inner.since
            && match (self.until, inner.until) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => b <= a,
            }
    }
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.until {
            Some(until) => write!(
                f,
                "{} to {} (removed in {until})",
                self.since,
                until_display(until)
            ),
            None => write!(f, "{} on", self.since),
        }
    }
}

/// The last version before `until`, for messages ("1.18 to 1.20").
fn until_display(until: ApiVersion) -> String {
    if until.minor > 0 {
        format!("{}.{}", until.major, until.minor - 1)
    } else {
        until.to_string()
    }
}

/// An UpperCamelCase Rust identifier: letters and digits, a capital first.
fn is_upper_camel(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Rust keywords, strict and reserved: none can name a module, a method or a field here.
use crate::ir::KEYWORDS as RUST_KEYWORDS;

/// Module names the generated crate uses for itself, which a tag cannot take.
const RESERVED_MODULES: [&str; 5] = ["common", "runtime", "prelude", "support", "std"];

/// Methods the client type has besides the operations (public and internal).
const RESERVED_METHODS: [&str; 26] = [
    "new",
    "connect_unix",
    "connect_tcp",
    "connect_tls",
    "from_env",
    "with_connect_timeout",
    "with_request_timeout",
    "rebuild",
    "endpoint",
    "api_version",
    "set_api_version",
    "negotiate_version",
    "unversioned_get",
    "with_timeout",
    "exchange",
    "send",
    "collect",
    "api_error",
    "read_json",
    "read_text",
    "read_empty",
    "byte_stream",
    "json_lines",
    "output",
    "hijack",
    "websocket",
];

/// The field of a filter set that keeps the keys the spec does not list.
pub const FILTERS_OTHER_FIELD: &str = "other";

/// Type names the generated code spells unqualified, so a model cannot take them.
const RESERVED_TYPES: [&str; 17] = [
    "String",
    "Vec",
    "Option",
    "Result",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Error",
    "Client",
    "Nullable",
    "RequestBody",
    "Call",
    "PendingCall",
    "IntoFuture",
];

/// Why `name` cannot be a snake_case Rust identifier (module, method, field), if it cannot.
fn snake_ident_problem(name: &str) -> Option<String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name != "_";
    if !valid {
        Some(format!(
            "`{name}` is not a snake_case Rust identifier (lower-case letters, digits and `_`, not starting with a digit)"
        ))
    } else if RUST_KEYWORDS.contains(&name) {
        Some(format!("`{name}` is a Rust keyword"))
    } else {
        None
    }
}

impl Validator {
    fn run(&mut self, spec: &RawSpec) {
        let api = &spec.api;
        let api_version = match ApiVersion::parse(&api.content.api_version) {
            Ok(v) => Some(v),
            Err(e) => {
                self.out.push(api.at("api_version", e));
                None
            }
        };
        match ApiVersion::parse(&api.content.oldest_version) {
            Ok(oldest) => {
                self.oldest = Some(oldest);
                if let Some(newest) = api_version.filter(|n| *n < oldest) {
                    self.out.push(api.at(
                        "oldest_version",
                        format!("oldest_version {oldest} is later than api_version {newest}"),
                    ));
                }
            }
            Err(e) => self.out.push(api.at("oldest_version", e)),
        }
        self.newest = api_version;
        let (crate_name, client_type, env_prefix) = (
            api.content.crate_name(),
            api.content.client_type(),
            api.content.env_prefix(),
        );
        let names = [
            ("crate_name", &crate_name, "a package name of lower-case letters, digits and `-`, starting with a letter", (|c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') as fn(char) -> bool, (|c: char| c.is_ascii_lowercase()) as fn(char) -> bool),
            ("client_type", &client_type, "a type name in UpperCamelCase (letters and digits, starting with a capital)", |c: char| c.is_ascii_alphanumeric(), |c: char| c.is_ascii_uppercase()),
            ("env_prefix", &env_prefix, "an environment variable prefix of capitals, digits and `_`, starting with a capital", |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_', |c: char| c.is_ascii_uppercase()),
        ];
        for (key, value, wanted, allowed, first) in names {
            let fits = value.chars().next().is_some_and(first) && value.chars().all(allowed);
            if !fits {
                self.out
                    .push(api.at(key, format!("`{value}` is not {wanted}")));
            }
        }
        if RESERVED_TYPES.contains(&client_type.as_str()) {
            self.out.push(api.at(
                "client_type",
                format!("`{client_type}` is a name the generated crate already uses"),
            ));
        }
        self.client_type = client_type;
        let expected_prefix = format!("/v{}", api.content.api_version);
        if api.content.version_prefix != expected_prefix {
            self.out.push(api.at(
                "version_prefix",
                format!(
                    "version_prefix is `{}` but api_version {} calls for `{expected_prefix}`",
                    api.content.version_prefix, api.content.api_version
                ),
            ));
        }

        // Tags.
        let mut tags = BTreeSet::new();
        for (i, tag) in api.content.tags.iter().enumerate() {
            let module = naming::snake(&tag.name);
            let problem = snake_ident_problem(&module).or_else(|| {
                RESERVED_MODULES
                    .contains(&module.as_str())
                    .then(|| format!("`{module}` is a module the generated crate keeps for itself"))
            });
            if let Some(problem) = problem {
                self.out.push(api.at(
                    &key_path(&index_path("tags", i), "name"),
                    format!("tag `{}` cannot name a Rust module: {problem}", tag.name),
                ));
            }
            if !tags.insert(tag.name.as_str()) {
                self.out.push(api.at(
                    &key_path(&index_path("tags", i), "name"),
                    format!("tag `{}` is declared twice", tag.name),
                ));
            }
        }

        // Collect every type declaration, reporting duplicates.
        let mut sites: BTreeMap<&str, TypeSite> = BTreeMap::new();
        let mut type_decls: Vec<(&dyn Locator, String, &str, &TypeDecl)> = Vec::new();
        for (name, decl) in &api.content.types {
            type_decls.push((api as &dyn Locator, key_path("types", name), name, decl));
        }
        for file in &spec.files {
            for (name, decl) in &file.content.types {
                type_decls.push((file as &dyn Locator, key_path("types", name), name, decl));
            }
        }
        for (file, path, name, decl) in &type_decls {
            if let Some(first) = sites.get(name) {
                let msg = format!(
                    "type `{name}` is already defined at {}",
                    first.file.place(&first.path)
                );
                self.out.push(file.at_key(path, msg));
            } else {
                sites.insert(
                    name,
                    TypeSite {
                        file: *file,
                        path: path.clone(),
                        decl,
                    },
                );
            }
        }
        let names: Vec<&str> = sites.keys().copied().collect();
        for (name, site) in &sites {
            let since = site
                .decl
                .since
                .as_deref()
                .and_then(|v| ApiVersion::parse(v).ok());
            let until = site
                .decl
                .removed_in
                .as_deref()
                .and_then(|v| ApiVersion::parse(v).ok());
            if let Some(since) = since.or(self.oldest) {
                self.type_ranges
                    .insert(name.to_string(), Range { since, until });
            }
        }

        if !sites.contains_key(api.content.error_body.as_str()) {
            let msg = undefined_type_message(&api.content.error_body, &names);
            self.out.push(api.at("error_body", msg));
        }

        // Types.
        let mut erratum_ids: HashMap<String, Site> = HashMap::new();
        for (name, site) in &sites {
            self.check_type(name, site, &names, api_version, &mut erratum_ids);
        }
        self.check_alias_cycles(&sites);

        // Operations.
        let mut ids: HashMap<&str, Site> = HashMap::new();
        let mut routes: HashMap<(String, String), Site> = HashMap::new();
        for file in &spec.files {
            if !tags.contains(file.content.tag.as_str()) {
                let declared: Vec<&str> = tags.iter().copied().collect();
                let mut msg = format!(
                    "tag `{}` is not declared in api.yaml (declared: {})",
                    file.content.tag,
                    declared.join(", ")
                );
                if let Some(s) = suggest(&file.content.tag, &declared) {
                    msg.push_str(&format!("; did you mean `{s}`?"));
                }
                self.out.push(file.at("tag", msg));
            }
            for (i, op) in file.content.operations.iter().enumerate() {
                let path = index_path("operations", i);
                if let Some(first) = ids.get(op.id.as_str()) {
                    self.out.push(file.at(
                        &key_path(&path, "id"),
                        format!(
                            "operation id `{}` is already used at {}",
                            op.id,
                            first.place()
                        ),
                    ));
                } else {
                    ids.insert(
                        &op.id,
                        Site {
                            file,
                            path: key_path(&path, "id"),
                        },
                    );
                }
                let route = (op.method.to_uppercase(), normalize_route(&op.path));
                if let Some(first) = routes.get(&route) {
                    self.out.push(file.at(
                        &key_path(&path, "path"),
                        format!(
                            "{} {} is already served by the operation at {}",
                            route.0,
                            op.path,
                            first.place()
                        ),
                    ));
                } else {
                    routes.insert(
                        route,
                        Site {
                            file,
                            path: key_path(&path, "id"),
                        },
                    );
                }
                self.check_operation(file, &path, op, &names, api_version, &mut erratum_ids);
            }
        }

        self.check_version_report(spec, &sites);
        self.check_modules(spec);

        // API-wide changes, then every erratum a change names.
        let whole = self.oldest.map(|since| Range { since, until: None });
        self.scope = None;
        self.check_changes(api, "", &api.content.changes, whole);
        for (unknown, id) in std::mem::take(&mut self.erratum_refs) {
            if !erratum_ids.contains_key(&id) {
                self.out.push(unknown);
            }
        }
    }

    /// Hand-written modules: a free snake_case name with its file under
    /// `extras/src/`, a feature of its own, and needs the crate has; every
    /// extra file belongs to a module, an example or a test.
    fn check_modules(&mut self, spec: &RawSpec) {
        let api = &spec.api;
        // The crate's own top-level modules.
        const TAKEN: [&str; 7] = [
            "models",
            "operations",
            "prelude",
            "runtime",
            "versions",
            "client",
            "server",
        ];
        const CRATE_FEATURES: [&str; 4] = ["default", "client", "server", "websocket"];
        let features: Vec<String> = api
            .content
            .modules
            .iter()
            .map(|m| m.feature.clone().unwrap_or_else(|| m.name.clone()))
            .collect();
        let mut seen = BTreeSet::new();
        for (i, module) in api.content.modules.iter().enumerate() {
            let place = index_path("modules", i);
            let name = &module.name;
            let problem = snake_ident_problem(name)
                .or_else(|| {
                    (RESERVED_MODULES.contains(&name.as_str()) || TAKEN.contains(&name.as_str()))
                        .then(|| format!("`{name}` is a module the generated crate already has"))
                })
                .or_else(|| {
                    let file = format!("src/{name}.rs");
                    let dir = format!("src/{name}/mod.rs");
                    (!spec.extras.contains_key(&file) && !spec.extras.contains_key(&dir)).then(
                        || format!("module `{name}` needs extras/{file} or extras/{dir} beside api.yaml"),
                    )
                });
            if let Some(problem) = problem {
                self.out.push(api.at(&format!("{place}.name"), problem));
            }
            let feature = &features[i];
            if CRATE_FEATURES.contains(&feature.as_str()) || !seen.insert(feature.clone()) {
                self.out.push(api.at(
                    &format!("{place}.feature"),
                    format!("feature `{feature}` is already taken"),
                ));
            }
            for (j, need) in module.needs.iter().enumerate() {
                if !CRATE_FEATURES[1..].contains(&need.as_str()) && !features.contains(need) {
                    self.out.push(api.at(
                        &format!("{place}.needs[{j}]"),
                        format!("`{need}` is no feature of the crate (client, server, websocket or a module's)"),
                    ));
                }
            }
        }
        for path in spec.extras.keys() {
            let owned = match path.split_once('/') {
                Some(("src", rest)) => api.content.modules.iter().any(|m| {
                    rest == format!("{}.rs", m.name) || rest.starts_with(&format!("{}/", m.name))
                }),
                Some(("examples" | "tests", rest)) => rest.ends_with(".rs") || rest.contains('/'),
                _ => false,
            };
            if !owned {
                self.out.push(api.at(
                    "modules",
                    format!("extras/{path} belongs to no module (`modules:` in api.yaml), example or test"),
                ));
            }
        }
    }

    /// `version_report` names an operation whose `200` answer is a struct
    /// with the named keys, each an optional string the router can fill.
    fn check_version_report(&mut self, spec: &RawSpec, sites: &BTreeMap<&str, TypeSite<'_>>) {
        let api = &spec.api;
        let Some(report) = &api.content.version_report else {
            return;
        };
        let operation = spec
            .files
            .iter()
            .flat_map(|f| &f.content.operations)
            .find(|op| op.id == report.operation);
        let Some(operation) = operation else {
            self.out.push(api.at(
                "version_report.operation",
                format!("no operation `{}`", report.operation),
            ));
            return;
        };
        let answer = operation
            .responses
            .iter()
            .find(|(status, _)| status.0 == "200")
            .and_then(|(_, r)| r.ty.as_deref());
        let Some(fields) = answer
            .and_then(|ty| sites.get(ty))
            .and_then(|site| site.decl.fields.as_ref())
        else {
            self.out.push(api.at(
                "version_report.operation",
                format!(
                    "`{}` must answer 200 with a struct type that holds the versions",
                    report.operation
                ),
            ));
            return;
        };
        let keys = [
            ("newest", Some(&report.newest)),
            ("oldest", report.oldest.as_ref()),
        ];
        for (place, key) in keys {
            let Some(key) = key else { continue };
            let problem = match fields.get(key) {
                None => Some(format!(
                    "`{}` has no key `{key}`",
                    answer.unwrap_or_default()
                )),
                Some(f) if f.ty.as_deref() != Some("string") || f.required => Some(format!(
                    "`{key}` must be an optional `string` for the router to fill"
                )),
                Some(_) => None,
            };
            if let Some(problem) = problem {
                self.out
                    .push(api.at(&format!("version_report.{place}"), problem));
            }
        }
    }

    /// A filter set is a struct of term lists, none of them named like the
    /// field that keeps the other keys.
    fn check_filters(&mut self, name: &str, site: &TypeSite<'_>) {
        let file = site.file;
        let Some(fields) = &site.decl.fields else {
            self.out.push(file.at(
                &key_path(&site.path, "filters"),
                format!("`filters: true` needs `struct`: `{name}` is not a struct"),
            ));
            return;
        };
        for (json, field) in fields {
            let fpath = key_path(&key_path(&site.path, "struct"), json);
            let types: Vec<Option<&str>> = if field.versions.is_empty() {
                vec![field.ty.as_deref()]
            } else {
                field.versions.iter().map(|a| a.ty.as_deref()).collect()
            };
            if field.required || field.versions.iter().any(|a| a.required) {
                self.out.push(file.at_key(
                    &fpath,
                    format!("filter `{json}` of `{name}` cannot be `required`: a filter set sends only the filters set"),
                ));
            }
            if types.iter().any(|t| *t != Some("list<string>")) {
                self.out.push(file.at_key(
                    &fpath,
                    format!("filter `{json}` of `{name}` must be `list<string>`: every filter of a filter set is a list of terms"),
                ));
            }
            let rust = field
                .rust_name
                .clone()
                .unwrap_or_else(|| naming::snake(json));
            if rust == FILTERS_OTHER_FIELD {
                self.out.push(file.at_key(
                    &fpath,
                    format!("filter `{json}` of `{name}` would be the Rust field `{FILTERS_OTHER_FIELD}`, which keeps the keys the spec does not list; set `rust_name`"),
                ));
            }
        }
    }

    fn check_type<'a>(
        &mut self,
        name: &str,
        site: &TypeSite<'a>,
        names: &[&str],
        api_version: Option<ApiVersion>,
        erratum_ids: &mut HashMap<String, Site<'a>>,
    ) {
        let file = site.file;
        let path = &site.path;
        let decl = site.decl;
        if !(name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && name.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            self.out.push(file.at_key(
                path,
                format!("type name `{name}` must be UpperCamelCase letters and digits"),
            ));
        }
        let rust = decl.rust_name.as_deref().unwrap_or(name);
        if decl.rust_name.is_some() && !is_upper_camel(rust) {
            self.out.push(file.at(
                &key_path(path, "rust_name"),
                format!(
                    "rust_name `{rust}` of type `{name}` must be UpperCamelCase letters and digits"
                ),
            ));
        }
        if rust == self.client_type {
            self.out.push(file.at_key(
                path,
                format!("type `{rust}` is the client type (`client_type` in api.yaml); rename it or set `rust_name`"),
            ));
        }
        if RESERVED_TYPES.contains(&rust) {
            self.out.push(file.at_key(
                path,
                format!("type `{rust}` would shadow a name the generated code uses (`{}`); rename it or set `rust_name`", RESERVED_TYPES.join("`, `")),
            ));
        }
        for suffix in ["Request", "Options", "Outcome", "Reply"] {
            if rust.ends_with(suffix) && rust.len() > suffix.len() {
                let stem = naming::snake(&rust[..rust.len() - suffix.len()]);
                if self.operation_ids.contains(&stem) {
                    self.out.push(file.at_key(
                        path,
                        format!("type `{rust}` collides with the `{suffix}` type generated for operation `{stem}`; rename it or set `rust_name`"),
                    ));
                }
            }
        }
        let shapes = [
            decl.fields.is_some(),
            decl.values.is_some(),
            decl.alias.is_some(),
            decl.either.is_some(),
        ];
        let count = shapes.iter().filter(|s| **s).count();
        if count != 1 {
            self.out.push(file.at_key(
                path,
                format!("type `{name}` must have exactly one of `struct`, `enum`, `alias`, `either` (it has {count})"),
            ));
        }
        self.scope = None;
        let type_range = self.check_range(
            file,
            path,
            decl.since.as_deref(),
            decl.removed_in.as_deref(),
            decl.deprecated.as_ref(),
            api_version,
        );
        self.scope = type_range;
        self.check_changes(file, path, &decl.changes, type_range);
        self.check_errata(file, path, &decl.errata, erratum_ids);
        if decl.filters {
            self.check_filters(name, site);
        }
        if let Some(fields) = &decl.fields {
            let mut rust_names: HashMap<String, &str> = HashMap::new();
            for (json, field) in fields {
                let fpath = key_path(&key_path(path, "struct"), json);
                let parts: Vec<(String, &FieldDecl)> = if field.versions.is_empty() {
                    vec![(fpath.clone(), field)]
                } else {
                    self.check_alternatives_top(
                        file,
                        &fpath,
                        field.ty.is_some()
                            || field.required
                            || field.nullable
                            || field.secret
                            || field.send_null
                            || field.since.is_some()
                            || field.removed_in.is_some()
                            || field.deprecated.is_some(),
                    );
                    let tiles: Vec<_> = field
                        .versions
                        .iter()
                        .map(|a| (a.since.as_deref(), a.removed_in.as_deref()))
                        .collect();
                    self.check_tiling(file, &fpath, &tiles);
                    field
                        .versions
                        .iter()
                        .enumerate()
                        .map(|(i, a)| (index_path(&key_path(&fpath, "versions"), i), a))
                        .collect()
                };
                self.check_errata(file, &fpath, &field.errata, erratum_ids);
                for (apath, part) in &parts {
                    if !part.versions.is_empty() {
                        self.out.push(
                            file.at(
                                &key_path(apath, "versions"),
                                "versioned alternatives cannot have alternatives of their own"
                                    .to_string(),
                            ),
                        );
                    }
                    let range = self.check_range(
                        file,
                        apath,
                        part.since.as_deref(),
                        part.removed_in.as_deref(),
                        part.deprecated.as_ref(),
                        api_version,
                    );
                    self.check_changes(file, apath, &part.changes, range);
                    match &part.ty {
                        Some(ty) => {
                            self.check_type_expr(file, &key_path(apath, "type"), ty, names);
                            self.check_references_at(file, &key_path(apath, "type"), ty, range);
                        }
                        None => {
                            self.out.push(file.at_key(
                                apath,
                                format!("field `{json}` of `{name}` needs a `type`"),
                            ))
                        }
                    }
                    if !std::ptr::eq(*part, field) {
                        self.check_errata(file, apath, &part.errata, erratum_ids);
                    }
                    if part.send_null && (part.required || !part.nullable) {
                        self.out.push(file.at(
                            &key_path(apath, "send_null"),
                            format!("field `{json}` of `{name}` has `send_null` but is not optional and nullable; `send_null` needs `nullable: true` and no `required`"),
                        ));
                    }
                }
                match &field.rust_name {
                    None => self.lint_name(file, &fpath, json),
                    Some(r) => {
                        if let Some(problem) = snake_ident_problem(r) {
                            self.out.push(file.at(
                                &key_path(&fpath, "rust_name"),
                                format!("rust_name of field `{json}`: {problem}"),
                            ));
                        }
                    }
                }
                let rust = field
                    .rust_name
                    .clone()
                    .unwrap_or_else(|| naming::snake(json));
                if let Some(other) = rust_names.insert(rust.clone(), json) {
                    self.out.push(file.at_key(
                        &fpath,
                        format!("fields `{other}` and `{json}` of `{name}` both become `{rust}` in Rust; set `rust_name` on one"),
                    ));
                }
            }
        }
        if let Some(values) = &decl.values {
            let vpath = key_path(path, "enum");
            if values.is_empty() {
                self.out
                    .push(file.at(&vpath, format!("enum `{name}` lists no values")));
            }
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (i, value) in values.iter().enumerate() {
                let ipath = index_path(&vpath, i);
                match enum_value_text(value) {
                    Ok(text) => {
                        if let Some(first) = seen.insert(text.clone(), i) {
                            self.out.push(file.at(
                                &ipath,
                                format!("enum `{name}` lists the value `{text}` twice (first as item {})", first + 1),
                            ));
                        }
                    }
                    Err(e) => self.out.push(file.at(&ipath, e)),
                }
                if value.is_mapping() {
                    let text = |k: &str| value.get(k).and_then(|v| v.as_str());
                    let deprecated: Option<crate::model::DeprecatedDecl> =
                        match value.get("deprecated") {
                            None => None,
                            Some(d) => match serde_yaml::from_value(d.clone()) {
                                Ok(d) => Some(d),
                                Err(e) => {
                                    self.out.push(file.at(
                                        &key_path(&ipath, "deprecated"),
                                        format!("deprecated needs `version` and `reason`: {e}"),
                                    ));
                                    None
                                }
                            },
                        };
                    self.check_range(
                        file,
                        &ipath,
                        text("since"),
                        text("removed_in"),
                        deprecated.as_ref(),
                        api_version,
                    );
                }
            }
        }
        if let Some(alias) = &decl.alias {
            self.check_type_expr(file, &key_path(path, "alias"), alias, names);
            self.check_references_at(file, &key_path(path, "alias"), alias, type_range);
        }
        if let Some(variants) = &decl.either {
            let epath = key_path(path, "either");
            if variants.len() < 2 {
                self.out.push(file.at(
                    &epath,
                    format!("either `{name}` needs at least two variants"),
                ));
            }
            let mut seen = BTreeSet::new();
            for (i, variant) in variants.iter().enumerate() {
                let ipath = index_path(&epath, i);
                if !seen.insert(variant.name.as_str()) {
                    self.out.push(file.at(
                        &key_path(&ipath, "name"),
                        format!("either `{name}` has two variants named `{}`", variant.name),
                    ));
                }
                self.check_type_expr(file, &key_path(&ipath, "type"), &variant.ty, names);
                self.check_references_at(file, &key_path(&ipath, "type"), &variant.ty, type_range);
            }
        }
        self.scope = None;
    }

    /// A field, parameter or response written as versioned alternatives keeps
    /// its shape and range in the alternatives only.
    fn check_alternatives_top(&mut self, file: &dyn Locator, path: &str, top_has_shape: bool) {
        if top_has_shape {
            self.out.push(file.at(
                path,
                "an item with `versions` takes only `doc`, `rust_name`, `errata` (and its name) beside them; its type, flags and since/removed_in go in each alternative".to_string(),
            ));
        }
    }

    fn check_alias_cycles(&mut self, sites: &BTreeMap<&str, TypeSite>) {
        let alias_targets = |name: &str| -> Vec<String> {
            sites
                .get(name)
                .and_then(|s| s.decl.alias.as_deref())
                .and_then(|a| TypeExpr::parse(a).ok())
                .map(|e| e.names().into_iter().map(String::from).collect())
                .unwrap_or_default()
        };
        let mut reported = BTreeSet::new();
        for (name, site) in sites {
            if site.decl.alias.is_none() {
                continue;
            }
            // Depth-first walk over alias edges, looking for the start again.
            let mut stack = vec![(name.to_string(), vec![name.to_string()])];
            let mut visited = BTreeSet::new();
            while let Some((current, trail)) = stack.pop() {
                for next in alias_targets(&current) {
                    if next == *name {
                        let mut cycle = trail.clone();
                        cycle.push(next.clone());
                        let mut key: Vec<String> = cycle[..cycle.len() - 1].to_vec();
                        key.sort();
                        if reported.insert(key) {
                            self.out.push(site.file.at(
                                &key_path(&site.path, "alias"),
                                format!(
                                    "alias cycle: {} (an alias must end in a real type)",
                                    cycle.join(" -> ")
                                ),
                            ));
                        }
                    } else if visited.insert(next.clone()) {
                        let mut t = trail.clone();
                        t.push(next.clone());
                        stack.push((next, t));
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_operation<'a>(
        &mut self,
        file: &'a dyn Locator,
        path: &str,
        op: &OperationDecl,
        names: &[&str],
        api_version: Option<ApiVersion>,
        erratum_ids: &mut HashMap<String, Site<'a>>,
    ) {
        let id_ok = !op.id.is_empty()
            && op
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && op.id.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if !id_ok {
            self.out.push(file.at(
                &key_path(path, "id"),
                format!("operation id `{}` must be snake_case", op.id),
            ));
        } else if RUST_KEYWORDS.contains(&op.id.as_str()) {
            self.out.push(file.at(
                &key_path(path, "id"),
                format!(
                    "operation id `{}` is a Rust keyword and cannot name a method",
                    op.id
                ),
            ));
        } else if RESERVED_METHODS.contains(&op.id.as_str()) {
            self.out.push(file.at(
                &key_path(path, "id"),
                format!(
                    "operation id `{}` collides with a method the client type `{}` already has",
                    op.id, self.client_type
                ),
            ));
        }
        if let Err(e) = words::method(&op.method) {
            self.out.push(file.at(&key_path(path, "method"), e));
        }
        if !op.path.starts_with('/') {
            self.out.push(file.at(
                &key_path(path, "path"),
                format!("path `{}` must start with `/`", op.path),
            ));
        }
        self.scope = None;
        let op_range = self.check_range(
            file,
            path,
            op.since.as_deref(),
            op.removed_in.as_deref(),
            op.deprecated.as_ref(),
            api_version,
        );
        self.scope = op_range;
        self.check_changes(file, path, &op.changes, op_range);
        self.check_errata(file, path, &op.errata, erratum_ids);

        // Placeholders against path parameters, both ways.
        let placeholders = placeholders(&op.path);
        let declared: Vec<&str> = op.path_params.iter().map(|p| p.name.as_str()).collect();
        for ph in &placeholders {
            if !declared.contains(&ph.as_str()) {
                self.out.push(file.at(
                    &key_path(path, "path"),
                    format!("path `{}` has the placeholder `{{{ph}}}` but no path parameter named `{ph}`", op.path),
                ));
            }
        }
        for (i, p) in op.path_params.iter().enumerate() {
            if !placeholders.contains(&p.name) {
                self.out.push(file.at(
                    &key_path(&index_path(&key_path(path, "path_params"), i), "name"),
                    format!(
                        "path parameter `{}` does not appear in the path `{}` as `{{{}}}`",
                        p.name, op.path, p.name
                    ),
                ));
            }
        }

        for (group, params) in [
            ("path_params", &op.path_params),
            ("query", &op.query),
            ("headers", &op.headers),
        ] {
            let gpath = key_path(path, group);
            let mut seen = BTreeSet::new();
            for (i, p) in params.iter().enumerate() {
                let ppath = index_path(&gpath, i);
                if !seen.insert(p.name.to_lowercase()) {
                    self.out.push(file.at(
                        &key_path(&ppath, "name"),
                        format!("{group} lists `{}` twice", p.name),
                    ));
                }
                self.check_param(file, &ppath, group, p, names, api_version, erratum_ids);
            }
        }

        if let Some(body) = &op.body {
            let bpath = key_path(path, "body");
            match body.kind.as_str() {
                "json" => match &body.ty {
                    Some(t) => {
                        self.check_type_expr(file, &key_path(&bpath, "type"), t, names);
                        self.check_references_at(file, &key_path(&bpath, "type"), t, op_range);
                    }
                    None => self
                        .out
                        .push(file.at(&bpath, "a json body needs a `type`".to_string())),
                },
                "raw" => {
                    if body.content_type.is_none() {
                        self.out
                            .push(file.at(&bpath, "a raw body needs a `content_type`".to_string()));
                    }
                }
                other => self.out.push(file.at(
                    &key_path(&bpath, "kind"),
                    format!(
                        "body kind `{other}` is not one of {}",
                        BODY_KINDS.join(", ")
                    ),
                )),
            }
        }
        if let Err(e) = words::tty_source(op.tty_source.as_deref()) {
            self.out.push(file.at(&key_path(path, "tty_source"), e));
        }
        if let Err(e) = words::upgrade(op.upgrade.as_deref()) {
            self.out.push(file.at(&key_path(path, "upgrade"), e));
        }

        let rpath = key_path(path, "responses");
        if op.responses.is_empty() {
            self.out.push(file.at(
                path,
                format!("operation `{}` documents no responses", op.id),
            ));
        }
        let mut statuses = BTreeSet::new();
        let mut variants: HashMap<String, String> = HashMap::new();
        // Code -> where it is written: `0200` and `200` are two keys to YAML
        // (the loader refuses `200` and `"200"`), but one status.
        let mut status_sites: HashMap<u16, String> = HashMap::new();
        for (status, response) in &op.responses {
            let spath = key_path(&rpath, &status.0);
            if let Ok(code) = parse_status(&status.0) {
                if let Some(first) = status_sites.get(&code) {
                    self.out.push(file.at_key(
                        &spath,
                        format!(
                            "status {code} is given twice (as `{}`): it is already given at {}",
                            status.0,
                            file.place(first)
                        ),
                    ));
                    continue;
                }
                status_sites.insert(code, spath.clone());
            }
            let variant = match (&response.variant, parse_status(&status.0)) {
                (Some(v), _) => {
                    if !is_upper_camel(v) {
                        self.out.push(file.at(
                            &key_path(&spath, "variant"),
                            format!("variant `{v}` must be UpperCamelCase letters and digits"),
                        ));
                    }
                    Some(v.clone())
                }
                (None, Ok(code)) => Some(crate::ir::status_variant(code)),
                (None, Err(_)) => None,
            };
            if let Some(v) = variant {
                if let Some(other) = variants.insert(v.clone(), status.0.clone()) {
                    self.out.push(file.at(
                        &spath,
                        format!("statuses {other} and {} both get the variant `{v}`; name one with `variant`", status.0),
                    ));
                }
            }
            match parse_status(&status.0) {
                Ok(code) => {
                    statuses.insert(code);
                }
                Err(e) => self.out.push(file.at_key(&spath, e)),
            }
            let parts: Vec<(String, &ResponseDecl)> = if response.versions.is_empty() {
                vec![(spath.clone(), response)]
            } else {
                let has_shape = response.kind.is_some()
                    || response.ty.is_some()
                    || response.content_type.is_some()
                    || !response.headers.is_empty()
                    || response.since.is_some()
                    || response.removed_in.is_some()
                    || response.deprecated.is_some();
                self.check_alternatives_top(file, &spath, has_shape);
                let tiles: Vec<_> = response
                    .versions
                    .iter()
                    .map(|a| (a.since.as_deref(), a.removed_in.as_deref()))
                    .collect();
                self.check_tiling(file, &spath, &tiles);
                self.check_errata(file, &spath, &response.errata, erratum_ids);
                response
                    .versions
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (index_path(&key_path(&spath, "versions"), i), a))
                    .collect()
            };
            for (apath, part) in &parts {
                if !std::ptr::eq(*part, response) && !part.versions.is_empty() {
                    self.out.push(file.at(
                        &key_path(apath, "versions"),
                        "versioned alternatives cannot have alternatives of their own".to_string(),
                    ));
                }
                self.check_response_part(file, apath, part, names, api_version, erratum_ids);
            }
            self.scope = op_range;
        }

        let op_errata: BTreeSet<&str> = op.errata.iter().map(|e| e.id.as_str()).collect();
        for (i, ex) in op.examples.iter().enumerate() {
            let epath = index_path(&key_path(path, "examples"), i);
            if let Some(status) = &ex.status {
                match parse_status(&status.0) {
                    // An erratum may explain a status the daemon never answers.
                    Ok(code) if !statuses.contains(&code) && ex.erratum.is_none() => {
                        self.out.push(file.at(
                            &key_path(&epath, "status"),
                            format!(
                            "example answers {code}, which is not among the operation's responses"
                        ),
                        ))
                    }
                    Ok(_) => {}
                    Err(e) => self.out.push(file.at(&key_path(&epath, "status"), e)),
                }
            } else if ex.response.is_some() {
                self.out.push(file.at(
                    &epath,
                    "an example with a response body needs its `status`".to_string(),
                ));
            }
            if let Some(e) = &ex.erratum {
                if !op_errata.contains(e.as_str()) {
                    self.out.push(file.at(
                        &key_path(&epath, "erratum"),
                        format!("example names the erratum `{e}`, which is not among this operation's errata"),
                    ));
                }
            }
        }
    }

    /// One response, or one versioned alternative of it.
    fn check_response_part<'a>(
        &mut self,
        file: &'a dyn Locator,
        spath: &str,
        response: &ResponseDecl,
        names: &[&str],
        api_version: Option<ApiVersion>,
        erratum_ids: &mut HashMap<String, Site<'a>>,
    ) {
        let range = self.check_range(
            file,
            spath,
            response.since.as_deref(),
            response.removed_in.as_deref(),
            response.deprecated.as_ref(),
            api_version,
        );
        self.check_changes(file, spath, &response.changes, range);
        let kind = response.kind.as_deref().unwrap_or("none");
        if let Err(e) = words::response_kind(response.kind.as_deref()) {
            self.out.push(file.at(&key_path(spath, "kind"), e));
        }
        match (kind, &response.ty) {
            ("json" | "json_lines", None) => {
                self.out
                    .push(file.at(spath, format!("a `{kind}` response needs a `type`")));
            }
            ("json" | "json_lines", Some(t)) => {
                self.check_type_expr(file, &key_path(spath, "type"), t, names);
                self.check_references_at(file, &key_path(spath, "type"), t, range);
            }
            (_, Some(_)) => self.out.push(file.at(
                &key_path(spath, "type"),
                format!(
                    "a `{kind}` response carries no typed body; remove `type` or change `kind`"
                ),
            )),
            _ => {}
        }
        if kind == "raw" && response.content_type.is_none() {
            self.out
                .push(file.at(spath, "a raw response needs a `content_type`".to_string()));
        }
        if response.deferred && kind != "json" {
            self.out.push(file.at(
                &key_path(spath, "deferred"),
                format!("only a `json` response can be deferred, not `{kind}`"),
            ));
        }
        self.check_errata(file, spath, &response.errata, erratum_ids);
        let outer = self.scope;
        self.scope = range;
        let hpath = key_path(spath, "headers");
        for (i, h) in response.headers.iter().enumerate() {
            self.check_param(
                file,
                &index_path(&hpath, i),
                "headers",
                h,
                names,
                api_version,
                erratum_ids,
            );
        }
        self.scope = outer;
    }

    #[allow(clippy::too_many_arguments)]
    fn check_param<'a>(
        &mut self,
        file: &'a dyn Locator,
        ppath: &str,
        group: &str,
        p: &ParamDecl,
        names: &[&str],
        api_version: Option<ApiVersion>,
        erratum_ids: &mut HashMap<String, Site<'a>>,
    ) {
        match &p.rust_name {
            None => self.lint_name(file, ppath, &p.name),
            Some(r) => {
                if let Some(problem) = snake_ident_problem(r) {
                    self.out.push(file.at(
                        &key_path(ppath, "rust_name"),
                        format!("rust_name of `{}`: {problem}", p.name),
                    ));
                }
            }
        }
        self.check_errata(file, ppath, &p.errata, erratum_ids);
        if p.versions.is_empty() {
            self.check_param_part(
                file,
                ppath,
                group,
                p,
                names,
                api_version,
                erratum_ids,
                false,
            );
            return;
        }
        let has_shape = p.ty.is_some()
            || p.required
            || p.default.is_some()
            || p.encoding.is_some()
            || p.bool_format.is_some()
            || p.since.is_some()
            || p.removed_in.is_some()
            || p.deprecated.is_some();
        self.check_alternatives_top(file, ppath, has_shape);
        let tiles: Vec<_> = p
            .versions
            .iter()
            .map(|a| (a.since.as_deref(), a.removed_in.as_deref()))
            .collect();
        self.check_tiling(file, ppath, &tiles);
        for (i, alternative) in p.versions.iter().enumerate() {
            let apath = index_path(&key_path(ppath, "versions"), i);
            if !alternative.versions.is_empty() {
                self.out.push(file.at(
                    &key_path(&apath, "versions"),
                    "versioned alternatives cannot have alternatives of their own".to_string(),
                ));
            }
            self.check_param_part(
                file,
                &apath,
                group,
                alternative,
                names,
                api_version,
                erratum_ids,
                true,
            );
        }
    }

    /// One parameter, or one versioned alternative of it (`alternative`: its errata are its own).
    #[allow(clippy::too_many_arguments)]
    fn check_param_part<'a>(
        &mut self,
        file: &'a dyn Locator,
        ppath: &str,
        group: &str,
        p: &ParamDecl,
        names: &[&str],
        api_version: Option<ApiVersion>,
        erratum_ids: &mut HashMap<String, Site<'a>>,
        alternative: bool,
    ) {
        let range = self.check_range(
            file,
            ppath,
            p.since.as_deref(),
            p.removed_in.as_deref(),
            p.deprecated.as_ref(),
            api_version,
        );
        self.check_changes(file, ppath, &p.changes, range);
        match &p.ty {
            Some(t) => {
                self.check_type_expr(file, &key_path(ppath, "type"), t, names);
                self.check_references_at(file, &key_path(ppath, "type"), t, range);
            }
            None => self
                .out
                .push(file.at(ppath, format!("`{}` needs a `type`", p.name))),
        }
        if alternative {
            self.check_errata(file, ppath, &p.errata, erratum_ids);
        }
        if let Some(enc) = &p.encoding {
            let allowed: &[&str] = match group {
                "query" => &QUERY_ENCODINGS,
                "headers" => &HEADER_ENCODINGS,
                _ => &[],
            };
            if !allowed.contains(&enc.as_str()) {
                let msg = if allowed.is_empty() {
                    "path parameters take no `encoding`".to_string()
                } else {
                    format!("encoding `{enc}` is not one of {}", allowed.join(", "))
                };
                self.out.push(file.at(&key_path(ppath, "encoding"), msg));
            }
        }
        if group == "headers" && p.encoding.as_deref().unwrap_or("plain") == "plain" {
            if let Some(Ok(t)) = p.ty.as_deref().map(TypeExpr::parse) {
                if !matches!(t, TypeExpr::Scalar(_)) {
                    self.out.push(file.at(
                        &key_path(ppath, "type"),
                        format!("header `{}` of type `{t}` needs an encoding (base64_json or base64url_json)", p.name),
                    ));
                }
            }
        }
        if let Some(f) = &p.bool_format {
            if !BOOL_FORMATS.contains(&f.as_str()) {
                self.out.push(file.at(
                    &key_path(ppath, "bool_format"),
                    format!(
                        "bool_format `{f}` is not one of {}",
                        BOOL_FORMATS.join(", ")
                    ),
                ));
            }
        }
    }

    /// Warns when the name derived from `wire` has a single-letter segment.
    fn lint_name(&mut self, file: &dyn Locator, path: &str, wire: &str) {
        let derived = naming::snake(wire);
        if let Some(segment) = naming::single_letter_segment(&derived) {
            self.warnings.push(file.at_key(
                path,
                format!("`{wire}` becomes `{derived}` in Rust, with the one-letter word `{segment}`; set `rust_name` to a name that reads well"),
            ));
        }
    }

    fn check_type_expr(&mut self, file: &dyn Locator, path: &str, text: &str, names: &[&str]) {
        match TypeExpr::parse(text) {
            Err(e) => self.out.push(file.at(path, e)),
            Ok(expr) => {
                for name in expr.names() {
                    if !names.contains(&name) {
                        self.out
                            .push(file.at(path, undefined_type_message(name, names)));
                    }
                }
            }
        }
    }

    /// Checks an item's `since`, `removed_in` and `deprecated` against each
    /// other and the spec's range, and returns the versions it exists in
    /// (within the enclosing type or operation).
    fn check_range(
        &mut self,
        file: &dyn Locator,
        path: &str,
        since: Option<&str>,
        removed_in: Option<&str>,
        deprecated: Option<&crate::model::DeprecatedDecl>,
        api: Option<ApiVersion>,
    ) -> Option<Range> {
        let mut parse = |key: &str, text: Option<&str>| {
            text.and_then(|t| match ApiVersion::parse(t) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.out.push(file.at(&key_path(path, key), e));
                    None
                }
            })
        };
        let since_v = parse("since", since);
        let removed_v = parse("removed_in", removed_in);
        let deprecated_v = deprecated.and_then(|d| parse("deprecated", Some(d.version.as_str())));
        let oldest = self.oldest;
        if let (Some(s), Some(a)) = (since_v, api) {
            if s > a {
                self.out.push(file.at(
                    &key_path(path, "since"),
                    format!("since {s} is later than the spec's api_version {a}"),
                ));
            }
        }
        if let (Some(s), Some(o)) = (since_v, oldest) {
            if s < o {
                self.out.push(file.at(
                    &key_path(path, "since"),
                    format!("since {s} is before the spec's oldest_version {o}; leave `since` out for an item that exists from the oldest version on"),
                ));
            }
        }
        if let (Some(r), Some(a)) = (removed_v, api) {
            if r > a {
                self.out.push(file.at(
                    &key_path(path, "removed_in"),
                    format!("removed_in {r} is later than the spec's api_version {a}"),
                ));
            }
        }
        if let (Some(r), Some(o)) = (removed_v, oldest) {
            if r <= o {
                self.out.push(file.at(
                    &key_path(path, "removed_in"),
                    format!("removed_in {r} is not after the spec's oldest_version {o}: the item exists at no version the spec describes"),
                ));
            }
        }
        if let (Some(s), Some(r)) = (since_v, removed_v) {
            if r <= s {
                self.out.push(file.at(
                    &key_path(path, "removed_in"),
                    format!("removed_in {r} is not after since {s}"),
                ));
            }
        }
        if let Some(d) = deprecated_v {
            let before_since = since_v.is_some_and(|s| d < s);
            let after_removal = removed_v.is_some_and(|r| d >= r);
            let out_of_spec = api.is_some_and(|a| d > a) || oldest.is_some_and(|o| d < o);
            if before_since || after_removal || out_of_spec {
                self.out.push(file.at(
                    &key_path(path, "deprecated"),
                    format!("deprecated at {d}, a version at which the item does not exist or the spec does not describe"),
                ));
            }
            if deprecated.is_some_and(|d| d.reason.trim().is_empty()) {
                self.out.push(file.at(
                    &key_path(path, "deprecated"),
                    "a deprecation needs a `reason`".to_string(),
                ));
            }
        }
        let since = since_v.or(oldest)?;
        Some(
            Range {
                since,
                until: removed_v,
            }
            .within(self.scope),
        )
    }

    /// Checks `changes:` entries: a version the item has (and the spec
    /// describes), a note, and a known erratum where one is named.
    fn check_changes(
        &mut self,
        file: &dyn Locator,
        path: &str,
        changes: &[crate::model::ChangeDecl],
        range: Option<Range>,
    ) {
        for (i, change) in changes.iter().enumerate() {
            let cpath = index_path(&key_path(path, "changes"), i);
            match ApiVersion::parse(&change.version) {
                Err(e) => self.out.push(file.at(&key_path(&cpath, "version"), e)),
                Ok(v) => {
                    let inside =
                        range.is_some_and(|r| r.since <= v && r.until.is_none_or(|u| v < u));
                    let in_spec =
                        self.oldest.is_some_and(|o| o <= v) && self.newest.is_some_and(|n| v <= n);
                    if range.is_some() && (!inside || !in_spec) {
                        self.out.push(file.at(
                            &key_path(&cpath, "version"),
                            format!("a change at {v}, a version at which the item does not exist or the spec does not describe"),
                        ));
                    }
                }
            }
            if change.note.trim().is_empty() {
                self.out.push(file.at(
                    &cpath,
                    "a change needs a `note` saying what changed".to_string(),
                ));
            }
            if let Some(id) = &change.erratum {
                let unknown = file.at(
                    &key_path(&cpath, "erratum"),
                    format!("the change names the erratum `{id}`, which no item of the spec has"),
                );
                self.erratum_refs.push((unknown, id.clone()));
            }
        }
    }

    /// Checks that versioned alternatives tile the item's life: sorted, each
    /// starting where the one before it was removed, no overlap, no gap.
    fn check_tiling(
        &mut self,
        file: &dyn Locator,
        path: &str,
        parts: &[(Option<&str>, Option<&str>)],
    ) {
        let vpath = key_path(path, "versions");
        if parts.len() < 2 {
            self.out.push(file.at(
                &vpath,
                "versioned alternatives need at least two entries; write a single item with since/removed_in instead".to_string(),
            ));
            return;
        }
        let parse = |t: Option<&str>| t.and_then(|t| ApiVersion::parse(t).ok());
        for i in 1..parts.len() {
            let ipath = index_path(&vpath, i);
            let prev_end = parse(parts[i - 1].1);
            let start = parse(parts[i].0);
            match (prev_end, start) {
                (Some(end), Some(start)) if start < end => self.out.push(file.at(
                    &key_path(&ipath, "since"),
                    format!("alternative {i} starts at {start}, before alternative {} is removed in {end}: they overlap", i - 1),
                )),
                (Some(end), Some(start)) if start > end => self.out.push(file.at(
                    &key_path(&ipath, "since"),
                    format!("alternative {i} starts at {start}, but alternative {} is removed in {end}: versions {end} to {} have neither", i - 1, until_display(start)),
                )),
                (None, _) => self.out.push(file.at(
                    &index_path(&vpath, i - 1),
                    format!("alternative {} has no removed_in, yet alternative {i} follows it: they overlap", i - 1),
                )),
                (_, None) => self.out.push(file.at(
                    &ipath,
                    format!("alternative {i} has no since; every alternative after the first starts where the one before it was removed"),
                )),
                _ => {}
            }
        }
    }

    /// Checks that every type `text` names exists at every version of `range`.
    fn check_references_at(
        &mut self,
        file: &dyn Locator,
        path: &str,
        text: &str,
        range: Option<Range>,
    ) {
        let (Ok(expr), Some(range)) = (TypeExpr::parse(text), range) else {
            return;
        };
        for name in expr.names() {
            if let Some(type_range) = self.type_ranges.get(name).copied() {
                if !type_range.covers(&range) {
                    self.out.push(file.at(
                        path,
                        format!("`{name}` exists at {type_range}, but is used here at {range}"),
                    ));
                }
            }
        }
    }

    fn check_errata<'a>(
        &mut self,
        file: &'a dyn Locator,
        path: &str,
        errata: &[ErratumDecl],
        ids: &mut HashMap<String, Site<'a>>,
    ) {
        for (i, e) in errata.iter().enumerate() {
            let epath = index_path(&key_path(path, "errata"), i);
            let ok = !e.id.is_empty()
                && e.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                self.out.push(file.at(
                    &key_path(&epath, "id"),
                    format!("erratum id `{}` must be kebab-case", e.id),
                ));
            }
            let id_path = key_path(&epath, "id");
            match ids.get(&e.id) {
                Some(first) if !first.is(file, &id_path) => {
                    self.out.push(file.at(
                        &id_path,
                        format!("erratum id `{}` is already used at {}", e.id, first.place()),
                    ));
                }
                Some(_) => {}
                None => {
                    ids.insert(
                        e.id.clone(),
                        Site {
                            file,
                            path: id_path,
                        },
                    );
                }
            }
        }
    }
}

/// The text of an enum value: a string, or a mapping with `value` (and `doc`, `rust_name`).
pub fn enum_value_text(value: &serde_yaml::Value) -> Result<String, String> {
    match value {
        serde_yaml::Value::String(s) => Ok(s.clone()),
        serde_yaml::Value::Mapping(m) => {
            for key in m.keys() {
                let k = key.as_str().unwrap_or("?");
                if ![
                    "value",
                    "doc",
                    "rust_name",
                    "since",
                    "removed_in",
                    "deprecated",
                ]
                .contains(&k)
                {
                    return Err(format!(
                        "unknown key `{k}` in an enum value (it takes value, doc, rust_name, since, removed_in, deprecated)"
                    ));
                }
            }
            match m.get("value") {
                Some(serde_yaml::Value::String(s)) => Ok(s.clone()),
                _ => Err("an enum value written as a mapping needs a string `value`".into()),
            }
        }
        other => Err(format!(
            "an enum value must be a string (quote it), not {}",
            describe(other)
        )),
    }
}

fn describe(value: &serde_yaml::Value) -> &'static str {
    match value {
        serde_yaml::Value::Null => "null",
        serde_yaml::Value::Bool(_) => "a boolean",
        serde_yaml::Value::Number(_) => "a number",
        serde_yaml::Value::Sequence(_) => "a list",
        _ => "this",
    }
}

/// Parses a status code written in the spec.
pub fn parse_status(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(code) if (100..=599).contains(&code) => Ok(code),
        _ => Err(format!("status code `{text}` is not a number in 100..599")),
    }
}

/// The `{name}` placeholders of a path, in order.
pub fn placeholders(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(after[..end].to_string());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// A path with its placeholder names erased, so `/a/{id}` and `/a/{name}` collide.
fn normalize_route(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                out.push_str("{}");
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

fn undefined_type_message(name: &str, names: &[&str]) -> String {
    let mut candidates: Vec<&str> = names.to_vec();
    candidates.extend(BUILTIN_WORDS.iter().copied());
    let mut msg = format!("type `{name}` is not defined");
    if let Some(s) = suggest(name, &candidates) {
        msg.push_str(&format!("; did you mean `{s}`?"));
    }
    msg
}

/// The closest candidate, if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()),
                *c,
            )
        })
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[allow(dead_code)]
fn is_scalar(expr: &TypeExpr) -> Option<Scalar> {
    match expr {
        TypeExpr::Scalar(s) => Some(*s),
        _ => None,
    }
}
