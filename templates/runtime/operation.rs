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

#[cfg(test)]
mod tests {
    use super::parse_api_version;

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_api_version("1.9") < parse_api_version("1.24"));
        assert_eq!(parse_api_version(" 1.24 "), Some((1, 24)));
        assert_eq!(parse_api_version("x"), None);
    }
}
