//! Stage 3: the intermediate representation, plain ordered data.
//!
//! `lower` turns a validated spec into an [`Ir`] for one API version: items
//! whose `since`/`removed_in` exclude that version are dropped, names are
//! resolved to their Rust spellings, and everything is sorted so that emission
//! is deterministic. The emitters read only the IR, never the YAML model.

use std::collections::BTreeMap;

use heck::{ToShoutySnakeCase, ToUpperCamelCase};

use crate::load::RawSpec;
use crate::model::{ErratumDecl, FieldDecl, OperationDecl, ParamDecl, ResponseDecl, TypeDecl};
use crate::types::{ApiVersion, TypeExpr};
use crate::validate::{enum_value_text, parse_status};
use crate::versioned::{in_range, overlaps, Alternatives, EnumValueRange, Versioned};
use crate::words::{self, BodyWord, HttpMethod, ResponseWord};

/// The whole API at one version.
#[derive(Debug, Clone, PartialEq)]
pub struct Ir {
    pub meta: Meta,
    /// Tags in the order `api.yaml` declares them.
    pub tags: Vec<Tag>,
    /// Every type, by spec name.
    pub types: BTreeMap<String, TypeDef>,
    /// Every operation, by id.
    pub operations: BTreeMap<String, Operation>,
    /// Hand-written files of the spec's `extras/`, by their path in the crate.
    pub extras: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub title: String,
    /// The package name, from `api.yaml`.
    pub crate_name: String,
    /// How Rust code names the crate: the package name with `_` for `-`.
    pub crate_ident: String,
    /// The client type's name, from `api.yaml`.
    pub client_type: String,
    /// The prefix of the client's environment variables, from `api.yaml`.
    pub env_prefix: String,
    pub api_version: String,
    /// The oldest version the spec describes: the oldest a client negotiates
    /// down to and a server accepts.
    pub min_api_version: String,
    /// The version the spec was written for (may be above `api_version` when filtered).
    pub spec_version: String,
    pub version_prefix: String,
    pub default_endpoint: String,
    pub error_type: String,
    /// Extra Markdown for the generated README.
    pub readme: String,
    /// Where a server states the versions it speaks, for the router to fill.
    pub version_report: Option<VersionReport>,
    /// Hand-written modules of `extras/src/`, each behind its feature.
    pub modules: Vec<ExtraModule>,
}

/// A hand-written module and the Cargo feature that compiles it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraModule {
    pub name: String,
    pub feature: String,
    /// Features it turns on.
    pub needs: Vec<String>,
    pub doc: String,
}

/// The fields of an operation's success answer that state the API versions
/// a server speaks; the stubs' router sets them to the range it serves, so
/// the answer, the `/vX.Y` prefixes accepted and `Api-Version` agree.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionReport {
    pub operation: String,
    pub status: u16,
    /// The Rust field of the newest version (`api_version`).
    pub newest_field: String,
    /// The Rust field of the oldest version (`min_api_version`), if any.
    pub oldest_field: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub name: String,
    pub doc: String,
    /// Rust module name.
    pub module: String,
}

/// The module of types declared in `api.yaml`, outside any tag.
pub const COMMON_MODULE: &str = "common";

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    pub rust_name: String,
    /// The models module it is emitted in.
    pub module: String,
    pub doc: String,
    pub versions: Versions,
    pub errata: Vec<Erratum>,
    pub kind: TypeKind,
    /// For a filter set (`filters: true`), the Rust field that keeps the
    /// filters the spec does not list.
    pub filters_other: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Vec<Field>),
    Enum(Vec<EnumValue>),
    Alias(TypeExpr),
    Either(Vec<Variant>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub json_name: String,
    pub rust_name: String,
    pub ty: TypeExpr,
    pub required: bool,
    pub nullable: bool,
    /// How presence and `null` map to Rust.
    pub shape: FieldShape,
    /// Never printed by `Debug`.
    pub secret: bool,
    pub doc: String,
    pub versions: Versions,
    pub errata: Vec<Erratum>,
}

/// How a field's presence and nullability are spelled in Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FieldShape {
    /// Always present, never `null`: `T`.
    Required,
    /// Always present, may be `null`: `Option<T>`, `None` sent as `null`.
    RequiredNullable,
    /// May be absent (and, when nullable, `null`; both read as `None`):
    /// `Option<T>`, omitted when `None`.
    Optional,
    /// Absent, `null` or a value, and a request must be able to send `null`
    /// on purpose: `Nullable<T>`.
    ThreeState,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub value: String,
    pub rust_name: String,
    pub doc: String,
    pub versions: Versions,
}

/// When an item exists: the versions that introduced and removed it, and
/// whether it is deprecated. Lowered for one version, `since` and
/// `removed_in` bound the item (or the alternative of it) that version sees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    pub since: Option<String>,
    pub removed_in: Option<String>,
    pub deprecated: Option<Deprecation>,
    /// Changes of behaviour at later versions, oldest first.
    pub changes: Vec<Change>,
}

/// A change of behaviour at a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub version: String,
    pub note: String,
}

/// A deprecation: from which version, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    pub version: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: String,
    pub ty: TypeExpr,
    pub doc: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Erratum {
    pub id: String,
    pub doc_says: String,
    pub actual: String,
    pub test: Option<String>,
    pub untested: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub id: String,
    pub tag: String,
    /// The Rust names of the operation's generated items.
    pub names: OperationNames,
    pub summary: String,
    pub description: String,
    pub method: HttpMethod,
    /// Path without the version prefix, with `{placeholders}`.
    pub path: String,
    pub path_params: Vec<Param>,
    pub query: Vec<Param>,
    pub headers: Vec<Param>,
    pub body: Option<Body>,
    pub upgrade: Option<Upgrade>,
    pub versions: Versions,
    pub responses: BTreeMap<u16, Response>,
    /// Whether the successful answers are one type or one variant per status.
    pub success: SuccessShape,
    /// Which object's configuration says whether multiplexed output has a TTY.
    pub tty_source: TtySource,
    pub examples: Vec<Example>,
    /// Its own errata, then those of its parameters and responses.
    pub errata: Vec<Erratum>,
}

/// The names of an operation's generated items.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationNames {
    /// The client method and server trait method: `container_list`.
    pub method: String,
    /// The `OperationInfo` constant: `CONTAINER_LIST`.
    pub descriptor: String,
    /// The pending client call, awaited to send it: `ContainerListRequest`.
    pub request: String,
    /// The optional query parameters and headers: `ContainerListOptions`.
    pub options: String,
    /// What a successful client call yields, when it needs a type of its own: `ContainerStartOutcome`.
    pub outcome: String,
    /// What a server implementation answers: `ContainerListReply`.
    pub reply: String,
}

/// How the successful answers of an operation reach the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SuccessShape {
    /// One type whatever the success status (or a hijacked connection).
    Single,
    /// An outcome enum with a variant per success status: they mean different
    /// things (`204` started, `304` already started) or carry different bodies.
    PerStatus,
}

/// Which object's configuration says whether output is multiplexed or raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TtySource {
    /// The container's `Config.Tty` (`GET /containers/{id}/json`).
    Container,
    /// The exec instance's `ProcessConfig.tty` (`GET /exec/{id}/json`).
    Exec,
    /// The service's `Spec.TaskTemplate.ContainerSpec.TTY` (`GET /services/{id}`).
    Service,
    /// The task's `Spec.ContainerSpec.TTY` (`GET /tasks/{id}`).
    Task,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Upgrade {
    /// `Upgrade: tcp`: attach and exec start; output framed as the TTY decides.
    Tcp,
    /// An RFC 6455 websocket.
    Websocket,
    /// `Upgrade: h2c`: the connection becomes an HTTP/2 link the caller drives (`/session`).
    H2c,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub rust_name: String,
    /// The setter on the client's pending call (optional parameters only):
    /// `rust_name`, unless that collides with the call's own methods.
    pub setter: String,
    pub ty: TypeExpr,
    pub doc: String,
    pub required: bool,
    /// The daemon's default, as text, for documentation.
    pub default: Option<String>,
    pub encoding: Encoding,
    pub versions: Versions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Encoding {
    /// Path segment or query text; booleans as `1`/`0`.
    FormNumericBool,
    /// Query text; booleans as `true`/`false`.
    FormWordBool,
    /// JSON text in the query string.
    Json,
    /// A header holding the text itself.
    Plain,
    Base64Json,
    Base64UrlJson,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Json {
        ty: TypeExpr,
        required: bool,
        doc: String,
    },
    Raw {
        content_type: String,
        required: bool,
        doc: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// The name of its variant in outcome and reply enums: the spec's
    /// `variant`, else the status's name (`NotFound`).
    pub variant: String,
    pub doc: String,
    pub kind: ResponseKind,
    /// A JSON list answer that reads `null` as empty: Go's encoder writes an
    /// empty slice the daemon never filled as `null` (the changes of an
    /// untouched container, say).
    pub null_reads_as_empty: bool,
    /// The head goes out at once, the JSON body when the implementation's
    /// future resolves.
    pub deferred: bool,
    pub headers: Vec<Param>,
    pub versions: Versions,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResponseKind {
    None,
    Json(TypeExpr),
    JsonLines(TypeExpr),
    Multiplexed,
    Raw { content_type: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub request: String,
    pub request_body: Option<String>,
    pub status: Option<u16>,
    pub response: Option<String>,
    pub erratum: Option<String>,
}

/// Options of the lowering.
#[derive(Debug, Clone, Default)]
pub struct LowerOptions {
    /// Keep only what exists at this version; `None` keeps the spec's own version.
    pub api_version: Option<String>,
}

/// Rust keywords that cannot be used as plain identifiers.
pub const KEYWORDS: [&str; 51] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// A Rust identifier for `name`: keywords get an `r#` prefix, or a `_`
/// suffix where raw identifiers are not allowed.
pub fn escape_ident(name: &str) -> String {
    if ["self", "Self", "super", "crate"].contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else if name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name.to_string()
    }
}

/// snake_case field or parameter name from a wire name, acronyms kept whole.
pub fn snake(name: &str) -> String {
    crate::naming::snake(name)
}

/// Methods of a pending client call; a setter of the same name gets a suffix.
pub const REQUEST_METHODS: [&str; 4] = ["send", "options", "body", "into_future"];

/// The variant name for a status code that the spec does not name.
pub fn status_variant(status: u16) -> String {
    match status {
        100 => "Continue".into(),
        101 => "Upgraded".into(),
        200 => "Ok".into(),
        201 => "Created".into(),
        202 => "Accepted".into(),
        204 => "NoContent".into(),
        301 => "MovedPermanently".into(),
        302 => "Found".into(),
        304 => "NotModified".into(),
        400 => "BadRequest".into(),
        401 => "Unauthorized".into(),
        403 => "Forbidden".into(),
        404 => "NotFound".into(),
        406 => "NotAcceptable".into(),
        409 => "Conflict".into(),
        413 => "PayloadTooLarge".into(),
        500 => "InternalServerError".into(),
        501 => "NotImplemented".into(),
        503 => "ServiceUnavailable".into(),
        other => format!("Status{other}"),
    }
}

/// UpperCamelCase variant name from a wire value.
pub fn camel(value: &str) -> String {
    let s = value
        .replace(['-', '.', ' ', '/', ':'], "_")
        .to_upper_camel_case();
    if s.is_empty() {
        "Empty".into()
    } else if s.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("V{s}")
    } else {
        s
    }
}

fn erratum(e: &ErratumDecl) -> Erratum {
    Erratum {
        id: e.id.clone(),
        doc_says: e.doc_says.clone(),
        actual: e.actual.clone(),
        test: e.test.clone(),
        untested: e.untested.clone(),
    }
}

/// What lowering says when the spec has something validation should have refused.
fn unvalidated(what: impl std::fmt::Display) -> String {
    format!("the spec was not validated before lowering: {what}")
}

fn parse(t: &str) -> Result<TypeExpr, String> {
    TypeExpr::parse(t).map_err(unvalidated)
}

fn yaml_scalar_text(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Null => "null".into(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// The type of a field or parameter alternative; validation has made sure it has one.
fn declared_type(ty: Option<&str>) -> Result<TypeExpr, String> {
    parse(ty.ok_or_else(|| unvalidated("an item without a type"))?)
}

/// Lowers parameter `top` as it is at `at` (`p`, the active alternative, may be `top` itself).
fn lower_param(top: &ParamDecl, p: &ParamDecl, group: &str) -> Result<Param, String> {
    let encoding = words::encoding(group, p.encoding.as_deref(), p.bool_format.as_deref())
        .map_err(unvalidated)?;
    let rust_name = escape_ident(
        &p.rust_name
            .clone()
            .or_else(|| top.rust_name.clone())
            .unwrap_or_else(|| snake(&top.name)),
    );
    let setter = if REQUEST_METHODS.contains(&rust_name.as_str()) {
        format!("{rust_name}_param")
    } else {
        rust_name.clone()
    };
    let doc = if p.doc.trim().is_empty() {
        &top.doc
    } else {
        &p.doc
    };
    Ok(Param {
        name: top.name.clone(),
        rust_name,
        setter,
        ty: declared_type(p.ty.as_deref())?,
        doc: doc.trim().to_string(),
        required: p.required || group == "path_params",
        default: p.default.as_ref().map(yaml_scalar_text),
        encoding,
        versions: p.versions(),
    })
}

/// Lowers the parameters of one group present at `at`.
fn lower_params(params: &[ParamDecl], group: &str, at: ApiVersion) -> Result<Vec<Param>, String> {
    params
        .iter()
        .filter_map(|top| top.active(at).map(|p| lower_param(top, p, group)))
        .collect()
}

/// Lowers field `top` as alternative `f`. A field that not every version of
/// the spec has is optional in Rust whatever the spec says of it at its own
/// versions: the client negotiates down to the oldest version, whose daemon
/// does not send it, and must not send it to one either.
fn lower_field(
    json: &str,
    top: &FieldDecl,
    f: &FieldDecl,
    oldest: ApiVersion,
) -> Result<Field, String> {
    let doc = if f.doc.trim().is_empty() {
        &top.doc
    } else {
        &f.doc
    };
    let later = |v: Option<&str>| {
        v.and_then(|v| ApiVersion::parse(v).ok())
            .is_some_and(|v| v > oldest)
    };
    let required = f.required && !later(f.since.as_deref()) && f.removed_in.is_none();
    Ok(Field {
        json_name: json.to_string(),
        rust_name: escape_ident(
            &f.rust_name
                .clone()
                .or_else(|| top.rust_name.clone())
                .unwrap_or_else(|| snake(json)),
        ),
        ty: declared_type(f.ty.as_deref())?,
        required,
        nullable: f.nullable,
        shape: match (required, f.nullable, f.send_null) {
            (true, false, _) => FieldShape::Required,
            (true, true, _) => FieldShape::RequiredNullable,
            (false, _, true) => FieldShape::ThreeState,
            (false, _, false) => FieldShape::Optional,
        },
        secret: f.secret,
        doc: doc.trim().to_string(),
        versions: f.versions(),
        errata: if std::ptr::eq(top, f) {
            top.errata.iter().map(erratum).collect()
        } else {
            top.errata.iter().chain(&f.errata).map(erratum).collect()
        },
    })
}

fn lower_type(
    name: &str,
    module: &str,
    decl: &TypeDecl,
    at: ApiVersion,
    oldest: ApiVersion,
) -> Result<TypeDef, String> {
    let kind = if let Some(fields) = &decl.fields {
        TypeKind::Struct(
            fields
                .iter()
                // A field removed before `at` stays (optional, its removal
                // documented) so clients of older daemons still receive it.
                .filter_map(|(json, top)| {
                    top.active(at)
                        .or_else(|| top.last_before(oldest, at))
                        .map(|f| lower_field(json, top, f, oldest))
                })
                .collect::<Result<_, _>>()?,
        )
    } else if let Some(values) = &decl.values {
        TypeKind::Enum(
            values
                .iter()
                .filter(|v| EnumValueRange(v).present_at(at))
                .map(|v| {
                    let value = enum_value_text(v).map_err(unvalidated)?;
                    let get = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
                    Ok(EnumValue {
                        rust_name: get("rust_name").unwrap_or_else(|| camel(&value)),
                        doc: get("doc").unwrap_or_default(),
                        versions: EnumValueRange(v).versions(),
                        value,
                    })
                })
                .collect::<Result<_, String>>()?,
        )
    } else if let Some(alias) = &decl.alias {
        TypeKind::Alias(parse(alias)?)
    } else if let Some(variants) = &decl.either {
        TypeKind::Either(
            variants
                .iter()
                .map(|v| {
                    Ok(Variant {
                        name: v.name.clone(),
                        ty: parse(&v.ty)?,
                        doc: v.doc.trim().to_string(),
                    })
                })
                .collect::<Result<_, String>>()?,
        )
    } else {
        return Err(unvalidated(format!("type `{name}` has no shape")));
    };
    Ok(TypeDef {
        name: name.to_string(),
        rust_name: decl.rust_name.clone().unwrap_or_else(|| name.to_string()),
        module: module.to_string(),
        doc: decl.doc.trim().to_string(),
        versions: decl.versions(),
        errata: decl.errata.iter().map(erratum).collect(),
        kind,
        filters_other: decl
            .filters
            .then(|| crate::validate::FILTERS_OTHER_FIELD.to_string()),
    })
}

/// The report's fields by their Rust names, when the operation exists at
/// this version (validation made sure of the rest).
fn lower_version_report(
    api: &crate::model::ApiFile,
    types: &BTreeMap<String, TypeDef>,
    operations: &BTreeMap<String, Operation>,
) -> Option<VersionReport> {
    let report = api.version_report.as_ref()?;
    let operation = operations.get(&report.operation)?;
    let response = operation.responses.get(&200)?;
    let ResponseKind::Json(TypeExpr::Named(type_name)) = &response.kind else {
        return None;
    };
    let TypeKind::Struct(fields) = &types.get(type_name)?.kind else {
        return None;
    };
    let rust_name = |json: &str| {
        fields
            .iter()
            .find(|f| f.json_name == json)
            .map(|f| f.rust_name.clone())
    };
    Some(VersionReport {
        operation: report.operation.clone(),
        status: 200,
        newest_field: rust_name(&report.newest)?,
        oldest_field: report.oldest.as_deref().and_then(rust_name),
    })
}

fn lower_operation(tag: &str, op: &OperationDecl, at: ApiVersion) -> Result<Operation, String> {
    let mut responses = BTreeMap::new();
    for (status, top) in &op.responses {
        let status = parse_status(&status.0).map_err(unvalidated)?;
        let Some(r) = top.active(at) else { continue };
        let content_type = || {
            r.content_type
                .clone()
                .ok_or_else(|| unvalidated("a raw response without a content type"))
        };
        let kind = match words::response_kind(r.kind.as_deref()).map_err(unvalidated)? {
            ResponseWord::None => ResponseKind::None,
            ResponseWord::Json => ResponseKind::Json(declared_type(r.ty.as_deref())?),
            ResponseWord::JsonLines => ResponseKind::JsonLines(declared_type(r.ty.as_deref())?),
            ResponseWord::Multiplexed => ResponseKind::Multiplexed,
            ResponseWord::Raw => ResponseKind::Raw {
                content_type: content_type()?,
            },
        };
        let doc = if r.doc.trim().is_empty() {
            &top.doc
        } else {
            &r.doc
        };
        let variant = r.variant.clone().or_else(|| top.variant.clone());
        let null_reads_as_empty = matches!(kind, ResponseKind::Json(TypeExpr::List(_)));
        responses.insert(
            status,
            Response {
                status,
                variant: variant.unwrap_or_else(|| status_variant(status)),
                doc: doc.trim().to_string(),
                kind,
                null_reads_as_empty,
                deferred: r.deferred,
                headers: lower_params(&r.headers, "headers", at)?,
                versions: r.versions(),
            },
        );
    }
    let upgrade = words::upgrade(op.upgrade.as_deref()).map_err(unvalidated)?;
    let success = success_shape(&responses, upgrade.is_some());
    let camel = op.id.to_upper_camel_case();
    let body = match &op.body {
        None => None,
        Some(b) => Some(match words::body_kind(&b.kind).map_err(unvalidated)? {
            BodyWord::Json => Body::Json {
                ty: declared_type(b.ty.as_deref())?,
                required: b.required,
                doc: b.doc.trim().to_string(),
            },
            BodyWord::Raw => Body::Raw {
                content_type: b
                    .content_type
                    .clone()
                    .ok_or_else(|| unvalidated("a raw body without a content type"))?,
                required: b.required,
                doc: b.doc.trim().to_string(),
            },
        }),
    };
    let examples = op
        .examples
        .iter()
        .filter(|e| in_range(e.since.as_deref(), e.removed_in.as_deref(), at))
        .map(|e| {
            Ok(Example {
                request: e.request.clone(),
                request_body: e.request_body.clone(),
                status: e
                    .status
                    .as_ref()
                    .map(|s| parse_status(&s.0).map_err(unvalidated))
                    .transpose()?,
                response: e.response.clone(),
                erratum: e.erratum.clone(),
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(Operation {
        id: op.id.clone(),
        tag: tag.to_string(),
        names: OperationNames {
            method: escape_ident(&op.id),
            descriptor: op.id.to_shouty_snake_case(),
            request: format!("{camel}Request"),
            options: format!("{camel}Options"),
            outcome: format!("{camel}Outcome"),
            reply: format!("{camel}Reply"),
        },
        summary: op.summary.trim().to_string(),
        description: op
            .description
            .clone()
            .unwrap_or_default()
            .trim()
            .to_string(),
        method: words::method(&op.method).map_err(unvalidated)?,
        path: op.path.clone(),
        path_params: lower_params(&op.path_params, "path_params", at)?,
        query: lower_params(&op.query, "query", at)?,
        headers: lower_params(&op.headers, "headers", at)?,
        body,
        upgrade,
        versions: op.versions(),
        responses,
        success,
        tty_source: words::tty_source(op.tty_source.as_deref()).map_err(unvalidated)?,
        examples,
        errata: operation_errata(op, at),
    })
}

/// One type for every success, or a variant per status: statuses of
/// different classes (`204` and `304`) mean different things even when they
/// look alike, and different bodies need different types.
fn success_shape(responses: &BTreeMap<u16, Response>, upgrades: bool) -> SuccessShape {
    let success: Vec<&Response> = responses.values().filter(|r| r.status < 400).collect();
    let Some(first) = success.first() else {
        return SuccessShape::Single;
    };
    let alike = success.iter().all(|r| {
        r.kind == first.kind
            && r.headers
                .iter()
                .map(|h| (&h.name, &h.ty))
                .eq(first.headers.iter().map(|h| (&h.name, &h.ty)))
    });
    let two = success.iter().any(|r| (200..300).contains(&r.status));
    let three = success.iter().any(|r| (300..400).contains(&r.status));
    if upgrades || (alike && !(two && three)) {
        SuccessShape::Single
    } else {
        SuccessShape::PerStatus
    }
}

/// The errata of an operation, then of its parameters, responses and
/// response headers at `at`: the rustdoc shows them all on the operation.
fn operation_errata(op: &OperationDecl, at: ApiVersion) -> Vec<Erratum> {
    let params = op.path_params.iter().chain(&op.query).chain(&op.headers);
    let responses: Vec<&ResponseDecl> =
        op.responses.values().filter_map(|r| r.active(at)).collect();
    let response_headers = responses.iter().flat_map(|r| &r.headers);
    let param_errata = params.chain(response_headers).flat_map(|top| {
        let active = top.active(at);
        active.into_iter().flat_map(move |p| {
            top.errata.iter().chain(if std::ptr::eq(p, top) {
                &[][..]
            } else {
                &p.errata[..]
            })
        })
    });
    op.errata
        .iter()
        .chain(param_errata)
        .chain(responses.iter().flat_map(|r| &r.errata))
        .map(erratum)
        .collect()
}

/// Lowers a validated spec. `Err` only for a bad `--api-version`.
pub fn lower(spec: &RawSpec, options: &LowerOptions) -> Result<Ir, String> {
    let api = &spec.api.content;
    let spec_version = ApiVersion::parse(&api.api_version)?;
    let at = match &options.api_version {
        Some(v) => ApiVersion::parse(v)?,
        None => spec_version,
    };
    if at > spec_version {
        return Err(format!(
            "--api-version {at} is later than the spec's api_version {spec_version}"
        ));
    }
    let oldest = ApiVersion::parse(&api.oldest_version)?;
    if at < oldest {
        return Err(format!(
            "--api-version {at} is older than the spec's oldest_version {oldest}"
        ));
    }

    // Types stay while any version from the oldest on has them: fields
    // removed before `at` are kept, and so are the types they hold.
    let ever_present = |decl: &TypeDecl| {
        overlaps(
            decl.since.as_deref(),
            decl.removed_in.as_deref(),
            oldest,
            at,
        )
    };
    let mut types = BTreeMap::new();
    for (name, decl) in &api.types {
        if ever_present(decl) {
            types.insert(
                name.clone(),
                lower_type(name, COMMON_MODULE, decl, at, oldest)?,
            );
        }
    }
    let mut operations = BTreeMap::new();
    for file in &spec.files {
        let tag = &file.content.tag;
        let module = snake(tag);
        for (name, decl) in &file.content.types {
            if ever_present(decl) {
                types.insert(name.clone(), lower_type(name, &module, decl, at, oldest)?);
            }
        }
        for op in &file.content.operations {
            if op.present_at(at) {
                operations.insert(op.id.clone(), lower_operation(tag, op, at)?);
            }
        }
    }
    let version_report = lower_version_report(api, &types, &operations);
    // Hand-written files are written against the spec's newest version; a
    // crate for an older one goes without them rather than fail to compile.
    let newest = at == spec_version;
    let modules = if newest {
        api.modules
            .iter()
            .map(|m| ExtraModule {
                name: m.name.clone(),
                feature: m.feature.clone().unwrap_or_else(|| m.name.clone()),
                needs: m.needs.clone(),
                doc: m.doc.trim().to_string(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let extras = if newest {
        spec.extras.clone()
    } else {
        BTreeMap::new()
    };
    Ok(Ir {
        meta: Meta {
            title: api.title.clone(),
            crate_name: api.crate_name(),
            crate_ident: api.crate_name().replace('-', "_"),
            client_type: api.client_type(),
            env_prefix: api.env_prefix(),
            api_version: at.to_string(),
            min_api_version: oldest.to_string(),
            spec_version: spec_version.to_string(),
            version_prefix: format!("/v{at}"),
            default_endpoint: api.default_endpoint.clone(),
            error_type: api.error_body.clone(),
            readme: api.readme.clone().unwrap_or_default().trim().to_string(),
            version_report,
            modules,
        },
        tags: api
            .tags
            .iter()
            .map(|t| Tag {
                name: t.name.clone(),
                doc: t.doc.trim().to_string(),
                module: snake(&t.name),
            })
            .collect(),
        types,
        operations,
        extras,
    })
}

impl Ir {
    /// Operations of one tag, ordered by id.
    pub fn operations_of<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Operation> + 'a {
        self.operations.values().filter(move |o| o.tag == tag)
    }

    /// Types emitted in one module, ordered by name.
    pub fn types_in<'a>(&'a self, module: &'a str) -> impl Iterator<Item = &'a TypeDef> + 'a {
        self.types.values().filter(move |t| t.module == module)
    }
}
