//! The one error type of the client.
//!
//! Every failure says which operation it happened in. A non-2xx answer keeps
//! the status, the daemon's message and what the spec says that status
//! means; a decoding failure keeps the JSON path of the offending value.
//!
//! Messages from the daemon are cut to their first [`MAX_ERROR_MESSAGE`]
//! bytes, the cut said at their end: `… (61440 bytes more)`. Of an error
//! body, only its first 64 KiB are ever kept in memory.

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
        /// The daemon's message: the `message` of its JSON body, or its plain
        /// text; longer than 4 KiB, its first 4 KiB and `… (N bytes more)`.
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
        /// The daemon's message (cut like [`Error::Api`]'s).
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
    /// A body that is read whole (not streamed) is longer than the client's
    /// body limit (`Client::with_body_limit`, 64 MiB by default). Reading
    /// stopped at the limit, or before reading when the daemon declared a
    /// longer `Content-Length`.
    BodyTooLarge {
        /// The operation id.
        operation: &'static str,
        /// The limit, in bytes.
        limit: usize,
        /// The length the daemon declared (`Content-Length`), when it did.
        declared: Option<u64>,
    },
    /// The connect or request timeout ran out.
    Timeout {
        /// The operation id.
        operation: &'static str,
        /// Which deadline: `connect` (opening the connection) or `request`
        /// (the rest of the call, see `Client::with_request_timeout`).
        phase: &'static str,
    },
    /// The client's configuration is unusable (a bad `<ENV_PREFIX>_HOST` address, missing certificates, ...).
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
    /// `Client::with_version_check`). The daemon would silently ignore it.
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
            Error::BodyTooLarge { operation, limit, declared } => {
                write!(f, "{operation}: the answer's body is longer than the body limit of {limit} bytes")?;
                if let Some(n) = declared {
                    write!(f, " (it declares {n} bytes)")?;
                }
                write!(f, "; raise the limit with `Client::with_body_limit`")
            }
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

/// Decodes JSON `bytes` as `T`, naming the JSON path on failure. `bytes`
/// must hold one value: anything but whitespace after it is an error.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    bytes: &[u8],
) -> Result<T, Error> {
    // The fast path pays nothing for paths; only a failure is decoded again to find one.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
        operation,
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })?;
    // The value decoded, so what failed the fast path comes after it.
    de.end().map_err(|e| Error::Decode {
        operation,
        path: ".".into(),
        message: format!("data after the JSON value: {e}"),
    })?;
    Ok(value)
}

/// The longest daemon message an error keeps, in bytes; the rest is cut and
/// its length said.
pub(crate) const MAX_ERROR_MESSAGE: usize = 4096;

/// What follows the bytes a message was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unread {
    /// Nothing: the message's source was read whole.
    Nothing,
    /// This many bytes, never read.
    Exactly(u64),
    /// More than this many bytes, never read.
    MoreThan(u64),
}

/// Cuts `message` to [`MAX_ERROR_MESSAGE`] bytes (at a character boundary),
/// saying how many bytes are not shown: those cut here plus the `unread` ones.
pub(crate) fn truncate_message(mut message: String, unread: Unread) -> String {
    if message.len() <= MAX_ERROR_MESSAGE && matches!(unread, Unread::Nothing | Unread::Exactly(0))
    {
        return message;
    }
    let mut cut = MAX_ERROR_MESSAGE.min(message.len());
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    let here = (message.len() - cut) as u64;
    message.truncate(cut);
    match unread {
        Unread::Nothing => format!("{message}… ({here} bytes more)"),
        Unread::Exactly(n) => format!("{message}… ({} bytes more)", here + n),
        Unread::MoreThan(n) => format!("{message}… (more than {} bytes more)", here + n),
    }
}

/// The daemon's message from the first bytes of an error body, `kept`,
/// followed by `unread` bytes: `{"message": ...}` of a whole JSON body, else
/// the text, cut to [`MAX_ERROR_MESSAGE`] bytes.
pub(crate) fn error_message_of(kept: &[u8], unread: Unread) -> String {
    #[derive(serde::Deserialize)]
    struct Body {
        message: String,
    }
    let whole = unread == Unread::Nothing;
    if whole {
        if let Ok(b) = serde_json::from_slice::<Body>(kept) {
            return truncate_message(b.message, Unread::Nothing);
        }
    }
    let text = String::from_utf8_lossy(kept);
    let text = if whole {
        text.trim()
    } else {
        text.trim_start()
    };
    truncate_message(text.to_string(), unread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_after_a_whole_body_value_is_an_error_naming_the_operation() {
        let err = decode_json::<Vec<u8>>("image_list", b"[] xyz").unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(
            text.contains("image_list") && text.contains("after the JSON value"),
            "{text}"
        );
        let err = decode_json::<serde_json::Value>("op", b"{\"a\":1}{\"b\":2}").unwrap_err();
        assert!(err.to_string().contains("after the JSON value"), "{err}");
        // Whitespace after the value is fine.
        assert_eq!(decode_json::<Vec<u8>>("op", b" [1] \r\n").unwrap(), [1]);
    }

    fn error_message(body: &[u8]) -> String {
        error_message_of(body, Unread::Nothing)
    }

    #[test]
    fn long_messages_are_cut_saying_how_much_is_not_shown() {
        let page = format!("<html>{}</html>", "x".repeat(65536));
        let message = error_message(page.as_bytes());
        let (shown, said) = message.split_at(MAX_ERROR_MESSAGE);
        assert!(page.starts_with(shown));
        assert_eq!(
            said,
            format!("… ({} bytes more)", page.len() - MAX_ERROR_MESSAGE)
        );
        let json = serde_json::json!({ "message": "é".repeat(3000) }).to_string();
        let message = error_message(json.as_bytes());
        assert!(message.ends_with("… (1904 bytes more)"), "{message}");
        assert_eq!(error_message(b"{\"message\":\"short\"}"), "short");
        assert_eq!(error_message(b" plain \n"), "plain");
        assert_eq!(
            error_message_of(b"partial", Unread::MoreThan(10)),
            "partial… (more than 10 bytes more)"
        );
        assert_eq!(
            error_message_of(b"partial", Unread::Exactly(10)),
            "partial… (10 bytes more)"
        );
    }
}
