//! Static descriptions of the API's operations: method, path, parameters and
//! responses, as the spec states them. The generated `operations` module has
//! one [`OperationInfo`] per operation; the client and the server stubs are
//! built on them.

/// `1.24` as `(1, 24)`, so versions compare numerically (`1.9 < 1.24`);
/// `None` for anything else. Shared by the client's negotiation and the
/// server's version check.
pub fn parse_api_version(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
}

impl Method {
    /// The method as written in a request line.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// A `{placeholder}` of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

/// How a parameter's value is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamEncoding {
    /// Text; booleans as `1`/`0`, lists as a repeated key.
    Form,
    /// Text; booleans as `true`/`false`.
    FormWordBool,
    /// The value as JSON text (filters).
    Json,
    /// A header's text as is.
    Plain,
    /// Standard base64 of the JSON of the value.
    Base64Json,
    /// URL-safe base64 of the JSON of the value (`X-Registry-Auth`).
    Base64UrlJson,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamInfo {
    /// The wire name.
    pub name: &'static str,
    /// Where it travels.
    pub location: ParamLocation,
    /// The spec's type expression, e.g. `bool` or `ContainerListFilters`.
    pub type_name: &'static str,
    /// How its value is written.
    pub encoding: ParamEncoding,
    /// Whether every request must carry it.
    pub required: bool,
    /// What it means.
    pub description: &'static str,
    /// The API version that introduced it, when later than the crate's oldest.
    pub since: Option<&'static str>,
    /// The API version that removed it, if any.
    pub removed_in: Option<&'static str>,
}

/// What the body of a request or response holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// No body.
    None,
    /// One JSON value.
    Json,
    /// A stream of JSON values, one after another.
    JsonLines,
    /// stdout/stderr frames, or raw bytes when the container has a TTY.
    Multiplexed,
    /// Bytes of `content_type`.
    Raw,
}

/// A request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestBodyInfo {
    /// JSON or raw bytes.
    pub kind: BodyKind,
    /// The spec's type expression for JSON bodies.
    pub type_name: Option<&'static str>,
    /// The `Content-Type` the daemon expects.
    pub content_type: &'static str,
    /// Whether the body must be sent.
    pub required: bool,
    /// What a JSON body holds, for the client's version check.
    pub holds: Holds,
}

/// One documented status code of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseInfo {
    /// The HTTP status code.
    pub status: u16,
    /// What the status means for this operation.
    pub description: &'static str,
    /// What the body holds.
    pub kind: BodyKind,
    /// The spec's type expression of the body (of one item, for JSON lines).
    pub type_name: Option<&'static str>,
    /// The `Content-Type` of the body, when it has one.
    pub content_type: Option<&'static str>,
    /// Response headers the spec documents.
    pub headers: &'static [ParamInfo],
}

/// A connection upgrade after the response head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Upgrade {
    /// `Upgrade: tcp`: the connection becomes a raw duplex stream.
    Tcp,
    /// RFC 6455 websocket.
    Websocket,
    /// `Upgrade: h2c`: the connection becomes an HTTP/2 link the caller drives.
    H2c,
}

/// Everything the spec says about one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// Stable snake_case id, e.g. `container_list`.
    pub id: &'static str,
    /// The group it belongs to, e.g. `containers`.
    pub tag: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// Path without the version prefix, with `{placeholders}`.
    pub path: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Path, query and header parameters, in spec order.
    pub params: &'static [ParamInfo],
    /// The request body, if it takes one.
    pub request_body: Option<RequestBodyInfo>,
    /// Every documented status code.
    pub responses: &'static [ResponseInfo],
    /// The connection upgrade it performs, if any.
    pub upgrade: Option<Upgrade>,
    /// The API version that introduced it, when later than the crate's oldest.
    pub since: Option<&'static str>,
    /// The API version that removed it, if any.
    pub removed_in: Option<&'static str>,
    /// The API version from which it is deprecated, if it is.
    pub deprecated: Option<&'static str>,
}

impl OperationInfo {
    /// The documented response for `status`, if any.
    pub fn response(&self, status: u16) -> Option<&'static ResponseInfo> {
        self.responses.iter().find(|r| r.status == status)
    }

    /// Parameters at one location, in spec order.
    pub fn params_in(&self, location: ParamLocation) -> impl Iterator<Item = &'static ParamInfo> {
        self.params.iter().filter(move |p| p.location == location)
    }
}

/// When each field of a struct model exists, for the client's version check
/// of request bodies (see [`crate::versions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeVersions {
    /// The spec's type name, e.g. `HostConfig`.
    pub name: &'static str,
    /// Its fields, in spec order.
    pub fields: &'static [FieldVersions],
}

/// When one field of a struct model exists, and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldVersions {
    /// The JSON key.
    pub json: &'static str,
    /// The API version that introduced it, when later than the crate's oldest.
    pub since: Option<&'static str>,
    /// The API version that removed it, if any.
    pub removed_in: Option<&'static str>,
    /// What its value holds, so the check can look inside it.
    pub holds: Holds,
}

/// What a value holds, as far as the version check looks into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// A scalar, free-form JSON, an enum or a value of several shapes: nothing to look into.
    Leaf,
    /// A struct model, by spec name.
    Model(&'static str),
    /// A JSON array of these.
    List(&'static Holds),
    /// A JSON object of these.
    Map(&'static Holds),
}

/// Whether an item with `since`/`removed_in` exists at `at` (`major.minor`).
pub fn exists_at(since: Option<&str>, removed_in: Option<&str>, at: (u32, u32)) -> bool {
    since.and_then(parse_api_version).is_none_or(|s| s <= at)
        && removed_in
            .and_then(parse_api_version)
            .is_none_or(|r| at < r)
}

/// The first body field (and its holder's path) that does not exist at `at`,
/// looking into `value` as a `holds` value. `lookup` finds a model's versions.
pub fn first_absent_field(
    value: &serde_json::Value,
    holds: Holds,
    at: (u32, u32),
    lookup: &dyn Fn(&str) -> Option<&'static TypeVersions>,
) -> Option<(String, &'static FieldVersions)> {
    match (holds, value) {
        (Holds::Model(name), serde_json::Value::Object(object)) => {
            let model = lookup(name)?;
            for field in model.fields {
                let Some(inner) = object.get(field.json) else {
                    continue;
                };
                if inner.is_null() {
                    continue;
                }
                if !exists_at(field.since, field.removed_in, at) {
                    return Some((format!("{}.{}", model.name, field.json), field));
                }
                if let Some(found) = first_absent_field(inner, field.holds, at, lookup) {
                    return Some(found);
                }
            }
            None
        }
        (Holds::List(item), serde_json::Value::Array(items)) => items
            .iter()
            .find_map(|v| first_absent_field(v, *item, at, lookup)),
        (Holds::Map(item), serde_json::Value::Object(object)) => object
            .values()
            .find_map(|v| first_absent_field(v, *item, at, lookup)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_api_version;

    #[test]
    fn a_field_newer_than_the_version_in_use_is_found_inside_lists() {
        use super::{first_absent_field, FieldVersions, Holds, TypeVersions};
        static INNER: TypeVersions = TypeVersions {
            name: "Mount",
            fields: &[FieldVersions {
                json: "Since41",
                since: Some("1.41"),
                removed_in: None,
                holds: Holds::Leaf,
            }],
        };
        static OUTER: TypeVersions = TypeVersions {
            name: "Body",
            fields: &[FieldVersions {
                json: "Mounts",
                since: None,
                removed_in: None,
                holds: Holds::List(&Holds::Model("Mount")),
            }],
        };
        let lookup = |name: &str| [&INNER, &OUTER].into_iter().find(|t| t.name == name);
        let body = serde_json::json!({"Mounts": [{"Other": 1}, {"Since41": "x"}]});
        let found =
            first_absent_field(&body, Holds::Model("Body"), (1, 40), &lookup).map(|(item, _)| item);
        assert_eq!(found.as_deref(), Some("Mount.Since41"));
        assert!(first_absent_field(&body, Holds::Model("Body"), (1, 41), &lookup).is_none());
        let unset = serde_json::json!({"Mounts": [{"Since41": null}]});
        assert!(first_absent_field(&unset, Holds::Model("Body"), (1, 40), &lookup).is_none());
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_api_version("1.9") < parse_api_version("1.24"));
        assert_eq!(parse_api_version(" 1.24 "), Some((1, 24)));
        assert_eq!(parse_api_version("x"), None);
    }
}
