//! The one error type of the client.
//!
//! Every failure says which operation it happened in. A non-2xx answer keeps
//! the status, the daemon's message and what the spec says that status
//! means; a decoding failure keeps the JSON path of the offending value.

use std::fmt;

/// Why a call to the daemon failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The daemon answered with a status the operation treats as a failure.
    Api {
        /// The operation id, e.g. `container_inspect`.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// The daemon's message: the `message` of its JSON body, or its plain text.
        message: String,
        /// What the spec says this status means for this operation, when documented.
        documented: Option<&'static str>,
    },
    /// A body or header did not decode into the type the spec declares.
    Decode {
        /// The operation id.
        operation: &'static str,
        /// Where in the JSON, e.g. `NetworkSettings.Networks.bridge.IPPrefixLen`.
        path: String,
        /// What serde said.
        message: String,
    },
    /// A streamed response carried an error in-band (`{"error": ...}`), e.g. a failed pull.
    Stream {
        /// The operation id.
        operation: &'static str,
        /// The daemon's message.
        message: String,
        /// `errorDetail.code`, when the daemon sent one.
        code: Option<i64>,
    },
    /// Multiplexed output broke the frame format.
    Frame {
        /// The operation id.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// Connecting or talking to the daemon failed.
    Transport {
        /// The operation id, or `connect`.
        operation: &'static str,
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The connect or request timeout ran out.
    Timeout {
        /// The operation id.
        operation: &'static str,
        /// Which deadline: `connect` or `request`.
        phase: &'static str,
    },
    /// The client's configuration is unusable (bad DOCKER_HOST, missing certificates, ...).
    Config(String),
    /// The daemon's API version is below what this crate can speak.
    UnsupportedVersion {
        /// The daemon's maximum API version.
        daemon: String,
        /// The oldest version this crate supports.
        minimum: &'static str,
    },
    /// The request uses an operation, parameter or body field that the API
    /// version in use does not have (checked before sending; see
    /// `Docker::with_version_check`). The daemon would silently ignore it.
    Version {
        /// The operation id.
        operation: &'static str,
        /// What is used, e.g. `HostConfig.CgroupnsMode` or `query parameter \`since\``.
        item: String,
        /// The version that introduced it, when it is too new.
        since: Option<&'static str>,
        /// The version that removed it, when it is gone.
        removed_in: Option<&'static str>,
        /// The API version in use.
        in_use: String,
    },
    /// A request could not be built from the given arguments.
    Request {
        /// The operation id.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
}

impl Error {
    /// The HTTP status of an API error, if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the daemon said the object does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    pub(crate) fn transport(
        operation: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Transport {
            operation,
            source: source.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { operation, status, message, documented } => {
                write!(f, "{operation}: the daemon answered {status}")?;
                if let Some(d) = documented {
                    write!(f, " ({d})")?;
                }
                write!(f, ": {message}")
            }
            Error::Decode { operation, path, message } => {
                write!(f, "{operation}: cannot decode the answer at `{path}`: {message}")
            }
            Error::Stream { operation, message, code } => match code {
                Some(c) => write!(f, "{operation}: the daemon reported an error in the stream (code {c}): {message}"),
                None => write!(f, "{operation}: the daemon reported an error in the stream: {message}"),
            },
            Error::Frame { operation, message } => write!(f, "{operation}: broken output stream: {message}"),
            Error::Transport { operation, source } => write!(f, "{operation}: {source}"),
            Error::Timeout { operation, phase } => write!(f, "{operation}: the {phase} timeout ran out"),
            Error::Config(m) => write!(f, "client configuration: {m}"),
            Error::UnsupportedVersion { daemon, minimum } => write!(
                f,
                "the daemon speaks API {daemon} at most, below the oldest version this crate supports ({minimum})"
            ),
            Error::Version { operation, item, since, removed_in, in_use } => match (since, removed_in) {
                (_, Some(removed)) => write!(
                    f,
                    "{operation}: {item} was removed in API {removed}; this daemon speaks {in_use}"
                ),
                (Some(since), None) => write!(
                    f,
                    "{operation}: {item} needs API {since}; this daemon speaks {in_use}"
                ),
                (None, None) => write!(f, "{operation}: {item} is not in API {in_use}"),
            },
            Error::Request { operation, message } => write!(f, "{operation}: cannot build the request: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// Decodes JSON `bytes` as `T`, naming the JSON path on failure.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    bytes: &[u8],
) -> Result<T, Error> {
    // The fast path pays nothing for paths; only a failure is decoded again to find one.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
        operation,
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// The daemon's message from an error body: `{"message": ...}` or plain text.
pub(crate) fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Body {
        message: String,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(b) => b.message,
        Err(_) => String::from_utf8_lossy(body).trim().to_string(),
    }
}
