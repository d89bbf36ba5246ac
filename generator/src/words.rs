//! The words of the spec (methods, kinds, upgrades, encodings, ...) parsed
//! into types, once. Validation reports a word that does not parse, with its
//! place; lowering parses the same words again into the IR's types and treats
//! a failure as a bug in validation, never as a silent default.

use crate::ir::{Encoding, TtySource, Upgrade};

/// An HTTP method the spec may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Delete,
    Head,
}

impl HttpMethod {
    pub const ALL: [(&'static str, HttpMethod); 5] = [
        ("GET", HttpMethod::Get),
        ("POST", HttpMethod::Post),
        ("PUT", HttpMethod::Put),
        ("DELETE", HttpMethod::Delete),
        ("HEAD", HttpMethod::Head),
    ];

    /// The method as a request line writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a response carries, before its type is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseWord {
    None,
    Json,
    JsonLines,
    Multiplexed,
    Raw,
}

/// What a request body carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyWord {
    Json,
    Raw,
}

fn one_of<T: Copy>(word: &str, what: &str, table: &[(&str, T)]) -> Result<T, String> {
    table
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            let names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
            format!("{what} `{word}` is not one of {}", names.join(", "))
        })
}

pub fn method(word: &str) -> Result<HttpMethod, String> {
    one_of(word, "method", &HttpMethod::ALL)
}

pub fn response_kind(word: Option<&str>) -> Result<ResponseWord, String> {
    one_of(
        word.unwrap_or("none"),
        "response kind",
        &[
            ("none", ResponseWord::None),
            ("json", ResponseWord::Json),
            ("json_lines", ResponseWord::JsonLines),
            ("multiplexed", ResponseWord::Multiplexed),
            ("raw", ResponseWord::Raw),
        ],
    )
}

pub fn body_kind(word: &str) -> Result<BodyWord, String> {
    one_of(
        word,
        "body kind",
        &[("json", BodyWord::Json), ("raw", BodyWord::Raw)],
    )
}

pub fn upgrade(word: Option<&str>) -> Result<Option<Upgrade>, String> {
    word.map(|w| {
        one_of(
            w,
            "upgrade",
            &[
                ("tcp", Upgrade::Tcp),
                ("websocket", Upgrade::Websocket),
                ("h2c", Upgrade::H2c),
            ],
        )
    })
    .transpose()
}

pub fn tty_source(word: Option<&str>) -> Result<TtySource, String> {
    one_of(
        word.unwrap_or("container"),
        "tty_source",
        &[
            ("container", TtySource::Container),
            ("exec", TtySource::Exec),
            ("service", TtySource::Service),
            ("task", TtySource::Task),
        ],
    )
}

/// The encoding of a parameter of `group` (`path_params`, `query`, `headers`)
/// from its `encoding` and `bool_format` words.
pub fn encoding(
    group: &str,
    encoding: Option<&str>,
    bool_format: Option<&str>,
) -> Result<Encoding, String> {
    match group {
        "headers" => one_of(
            encoding.unwrap_or("plain"),
            "encoding",
            &[
                ("plain", Encoding::Plain),
                ("base64_json", Encoding::Base64Json),
                ("base64url_json", Encoding::Base64UrlJson),
            ],
        ),
        "query" | "path_params" => {
            let allowed: &[(&str, bool)] = if group == "query" {
                &[("form", false), ("json", true)]
            } else {
                &[("form", false)]
            };
            let json = match encoding {
                Some(word) => one_of(word, "encoding", allowed)?,
                None => false,
            };
            let word_bools = one_of(
                bool_format.unwrap_or("numeric"),
                "bool_format",
                &[("numeric", false), ("word", true)],
            )?;
            Ok(match (json, word_bools) {
                (true, _) => Encoding::Json,
                (false, true) => Encoding::FormWordBool,
                (false, false) => Encoding::FormNumericBool,
            })
        }
        other => Err(format!("`{other}` is not a parameter group")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parse_or_say_what_is_allowed() {
        assert_eq!(method("HEAD"), Ok(HttpMethod::Head));
        assert_eq!(
            method("PATCH").unwrap_err(),
            "method `PATCH` is not one of GET, POST, PUT, DELETE, HEAD"
        );
        assert_eq!(response_kind(None), Ok(ResponseWord::None));
        assert_eq!(tty_source(Some("exec")), Ok(TtySource::Exec));
        assert_eq!(upgrade(None), Ok(None));
        assert_eq!(encoding("query", Some("json"), None), Ok(Encoding::Json));
        assert_eq!(
            encoding("query", None, Some("word")),
            Ok(Encoding::FormWordBool)
        );
        assert_eq!(encoding("headers", None, None), Ok(Encoding::Plain));
        assert!(encoding("headers", Some("json"), None).is_err());
    }
}
