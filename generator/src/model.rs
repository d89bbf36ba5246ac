//! The spec as written: serde mirrors of the YAML files under `spec/`.
//!
//! These types hold exactly what the files say, with no interpretation; the
//! `validate` stage checks them and the `ir` stage lowers them. Every field
//! that may be left out is an `Option` or has a default, and unknown keys are
//! collected by the loader (see `load`), not silently dropped.

use indexmap::IndexMap;
use serde::Deserialize;

/// `spec/api.yaml`: metadata of the whole API.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiFile {
    pub title: String,
    /// The generated crate's package name; the title in kebab-case when
    /// left out.
    #[serde(default)]
    pub crate_name: Option<String>,
    /// The client type's name; the title in UpperCamelCase and `Client`
    /// when left out.
    #[serde(default)]
    pub client_type: Option<String>,
    /// What the client's environment variables start with (`<PREFIX>_HOST`,
    /// `<PREFIX>_CERT_PATH`, ...); the title in SHOUTY_SNAKE_CASE when left out.
    #[serde(default)]
    pub env_prefix: Option<String>,
    /// The newest version the spec describes; `cargo xtask codegen` generates it.
    pub api_version: String,
    /// The oldest version the spec describes: an item without `since` exists from it on.
    pub oldest_version: String,
    pub version_prefix: String,
    pub default_endpoint: String,
    pub error_body: String,
    /// Markdown for the generated README (an example, say); its Rust code blocks are doctests.
    #[serde(default)]
    pub readme: Option<String>,
    #[serde(default)]
    pub tags: Vec<TagDecl>,
    #[serde(default)]
    pub types: IndexMap<String, TypeDecl>,
    /// API-wide changes per version (error bodies became JSON, say).
    #[serde(default)]
    pub changes: Vec<ChangeDecl>,
    /// The answer in which a server states the API versions it speaks.
    #[serde(default)]
    pub version_report: Option<VersionReportDecl>,
    /// Hand-written modules of `extras/src/`, each behind a feature.
    #[serde(default)]
    pub modules: Vec<ModuleDecl>,
}

/// A module of the crate written by hand in `extras/src/<name>.rs` (or
/// `extras/src/<name>/mod.rs`), compiled with its own Cargo feature.
#[derive(Debug, Clone, Deserialize)]
pub struct ModuleDecl {
    pub name: String,
    /// The feature that compiles it (its name when left out).
    #[serde(default)]
    pub feature: Option<String>,
    /// Features it turns on (`server`, `client`, ...).
    #[serde(default)]
    pub needs: Vec<String>,
    /// One line for Cargo.toml and the crate's front page.
    pub doc: String,
}

/// `version_report:` of `api.yaml`: the operation whose success answer names
/// the newest (and oldest) API version the server speaks, and those fields.
/// The stubs' router fills them from the range it serves.
#[derive(Debug, Clone, Deserialize)]
pub struct VersionReportDecl {
    pub operation: String,
    /// The JSON key of the newest version, e.g. `ApiVersion`.
    pub newest: String,
    /// The JSON key of the oldest version, e.g. `MinAPIVersion`.
    #[serde(default)]
    pub oldest: Option<String>,
}

impl ApiFile {
    /// The crate's package name, given or derived from the title.
    pub fn crate_name(&self) -> String {
        self.crate_name
            .clone()
            .unwrap_or_else(|| heck::ToKebabCase::to_kebab_case(self.title.as_str()))
    }

    /// The client type's name, given or derived from the title.
    pub fn client_type(&self) -> String {
        self.client_type.clone().unwrap_or_else(|| {
            format!(
                "{}Client",
                heck::ToUpperCamelCase::to_upper_camel_case(self.title.as_str())
            )
        })
    }

    /// The prefix of the client's environment variables, given or derived.
    pub fn env_prefix(&self) -> String {
        self.env_prefix
            .clone()
            .unwrap_or_else(|| heck::ToShoutySnakeCase::to_shouty_snake_case(self.title.as_str()))
    }
}

/// A tag of `api.yaml`: the group an operation belongs to.
#[derive(Debug, Clone, Deserialize)]
pub struct TagDecl {
    pub name: String,
    #[serde(default)]
    pub doc: String,
}

/// Any other `spec/*.yaml`: operations and types of one tag.
#[derive(Debug, Clone, Deserialize)]
pub struct TagFile {
    pub tag: String,
    #[serde(default)]
    pub operations: Vec<OperationDecl>,
    #[serde(default)]
    pub types: IndexMap<String, TypeDecl>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OperationDecl {
    pub id: String,
    pub summary: String,
    #[serde(default)]
    pub description: Option<String>,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub path_params: Vec<ParamDecl>,
    #[serde(default)]
    pub query: Vec<ParamDecl>,
    #[serde(default)]
    pub headers: Vec<ParamDecl>,
    #[serde(default)]
    pub body: Option<BodyDecl>,
    #[serde(default)]
    pub upgrade: Option<String>,
    /// Whose configuration says whether output has a TTY: `container` (default) or `exec`.
    #[serde(default)]
    pub tty_source: Option<String>,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub removed_in: Option<String>,
    #[serde(default)]
    pub deprecated: Option<DeprecatedDecl>,
    /// What changed about it at later versions, short of its shape.
    #[serde(default)]
    pub changes: Vec<ChangeDecl>,
    #[serde(default)]
    pub responses: IndexMap<StatusKey, ResponseDecl>,
    #[serde(default)]
    pub examples: Vec<ExampleDecl>,
    #[serde(default)]
    pub errata: Vec<ErratumDecl>,
}

/// A path parameter, query parameter or header.
#[derive(Debug, Clone, Deserialize)]
pub struct ParamDecl {
    pub name: String,
    /// Required unless `versions` gives the shape per version.
    #[serde(rename = "type", default)]
    pub ty: Option<String>,
    #[serde(default)]
    pub doc: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<serde_yaml::Value>,
    #[serde(default)]
    pub rust_name: Option<String>,
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub bool_format: Option<String>,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub removed_in: Option<String>,
    #[serde(default)]
    pub deprecated: Option<DeprecatedDecl>,
    /// What changed about it at later versions, short of its shape.
    #[serde(default)]
    pub changes: Vec<ChangeDecl>,
    #[serde(default)]
    pub errata: Vec<ErratumDecl>,
    /// Versioned alternatives: the parameter's shape per version range.
    #[serde(default)]
    pub versions: Vec<ParamDecl>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BodyDecl {
    pub kind: String,
    #[serde(rename = "type", default)]
    pub ty: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub doc: String,
}

/// A status code as written: a YAML number or a string, checked later.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusKey(pub String);

impl<'de> Deserialize<'de> for StatusKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_yaml::Value::deserialize(d)?;
        let text = match value {
            serde_yaml::Value::Number(n) => n.to_string(),
            serde_yaml::Value::String(s) => s,
            other => format!("{other:?}"),
        };
        Ok(StatusKey(text))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResponseDecl {
    #[serde(default)]
    pub doc: String,
    /// The name of this status's variant in outcome and reply enums.
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(rename = "type", default)]
    pub ty: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// A JSON answer whose head goes out at once and whose body follows when
    /// the server has it (the daemon's wait).
    #[serde(default)]
    pub deferred: bool,
    #[serde(default)]
    pub headers: Vec<ParamDecl>,
    #[serde(default)]
    pub errata: Vec<ErratumDecl>,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub removed_in: Option<String>,
    #[serde(default)]
    pub deprecated: Option<DeprecatedDecl>,
    /// What changed about it at later versions, short of its shape.
    #[serde(default)]
    pub changes: Vec<ChangeDecl>,
    /// Versioned alternatives: what the status carries per version range.
    #[serde(default)]
    pub versions: Vec<ResponseDecl>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ExampleDecl {
    pub request: String,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub removed_in: Option<String>,
    #[serde(default)]
    pub request_body: Option<String>,
    pub status: Option<StatusKey>,
    #[serde(default)]
    pub response: Option<String>,
    #[serde(default)]
    pub erratum: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErratumDecl {
    pub id: String,
    pub doc_says: String,
    pub actual: String,
    /// The test that shows the daemon as `actual` says.
    #[serde(default)]
    pub test: Option<String>,
    /// Why no test here can show it, where none can.
    #[serde(default)]
    pub untested: Option<String>,
}

/// A named type: exactly one of `struct`, `enum`, `alias`, `either`.
#[derive(Debug, Clone, Deserialize)]
pub struct TypeDecl {
    #[serde(default)]
    pub doc: String,
    #[serde(default)]
    pub rust_name: Option<String>,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub removed_in: Option<String>,
    #[serde(default)]
    pub deprecated: Option<DeprecatedDecl>,
    /// What changed about it at later versions, short of its shape.
    #[serde(default)]
    pub changes: Vec<ChangeDecl>,
    #[serde(default)]
    pub errata: Vec<ErratumDecl>,
    #[serde(rename = "struct", default)]
    pub fields: Option<IndexMap<String, FieldDecl>>,
    /// A filter set (what a `filters` query parameter holds): a struct whose
    /// fields are all lists of terms. Keys it does not list are kept, and
    /// each list may also arrive as `{"term": true}`, the form Docker's Go
    /// client sends.
    #[serde(default)]
    pub filters: bool,
    /// Kept as raw YAML: each value is a string or a mapping, read by `validate`.
    #[serde(rename = "enum", default)]
    pub values: Option<Vec<serde_yaml::Value>>,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub either: Option<Vec<VariantDecl>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FieldDecl {
    /// Required unless `versions` gives the shape per version.
    #[serde(rename = "type", default)]
    pub ty: Option<String>,
    #[serde(default)]
    pub doc: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub nullable: bool,
    /// A credential: `Debug` prints it as `<redacted>`.
    #[serde(default)]
    pub secret: bool,
    /// A request must be able to send `null` on purpose: three states in Rust.
    #[serde(default)]
    pub send_null: bool,
    #[serde(default)]
    pub rust_name: Option<String>,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub removed_in: Option<String>,
    #[serde(default)]
    pub deprecated: Option<DeprecatedDecl>,
    /// What changed about it at later versions, short of its shape.
    #[serde(default)]
    pub changes: Vec<ChangeDecl>,
    #[serde(default)]
    pub errata: Vec<ErratumDecl>,
    /// Versioned alternatives: the field's shape per version range.
    #[serde(default)]
    pub versions: Vec<FieldDecl>,
}

/// `changes: [{ version: "1.22", note: ... }]`: a change of behaviour at a
/// version that since/removed_in and alternatives cannot say (a new default,
/// a new validation, events it now emits).
#[derive(Debug, Clone, Deserialize)]
pub struct ChangeDecl {
    pub version: String,
    pub note: String,
    /// For an API-wide change in `api.yaml`: the id of the history bullet it records (`v1.24#11`).
    #[serde(default)]
    pub bullet: Option<String>,
    /// The erratum explaining why the spec does not follow the history bullet.
    #[serde(default)]
    pub erratum: Option<String>,
}

/// `deprecated: { version: "1.44", reason: ... }`: still served, on its way out.
#[derive(Debug, Clone, Deserialize)]
pub struct DeprecatedDecl {
    /// The API version from which it is deprecated.
    pub version: String,
    /// Why, and what to use instead, in a short sentence.
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VariantDecl {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub doc: String,
}
