//! Small helpers of the fake daemon: clocks and timestamps in the daemon's
//! formats, IDs and generated names, reference normalisation, filters, and
//! answering at the API version a request asked for.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::models::ErrorResponse;
use crate::operations::{Holds, TypeVersions};

/// Nanoseconds since the Unix epoch, now.
pub(crate) fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Go's zero time as the daemon writes it (`0001-01-01T00:00:00Z`): a
/// container that never started or never finished.
pub(crate) const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// RFC 3339 with nanoseconds, trailing zeros cut, as Go's `RFC3339Nano`
/// writes it; `0` is Go's zero time.
pub(crate) fn rfc3339(nanos: i64) -> String {
    if nanos <= 0 {
        return ZERO_TIME.to_string();
    }
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let mut out = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    );
    if frac != 0 {
        let digits = format!("{frac:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// RFC 3339 to the second (`2024-01-02T03:04:05Z`), as volumes show `CreatedAt`.
pub(crate) fn rfc3339_seconds(nanos: i64) -> String {
    rfc3339(nanos - nanos.rem_euclid(1_000_000_000))
}

/// `HH:MM` of a time, as `ps` shows STIME.
pub(crate) fn clock(nanos: i64) -> String {
    let of_day = nanos.div_euclid(1_000_000_000).rem_euclid(86_400);
    format!("{:02}:{:02}", of_day / 3600, of_day % 3600 / 60)
}

/// Howard Hinnant's days-to-civil: (year, month, day) of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A duration in the words of the CLI and the daemon's `Status` column
/// (go-units' `HumanDuration`): `Less than a second`, `5 seconds`,
/// `About a minute`, `3 hours`...
pub(crate) fn human_duration(nanos: i64) -> String {
    let seconds = nanos.max(0) / 1_000_000_000;
    if seconds < 1 {
        return "Less than a second".into();
    }
    if seconds == 1 {
        return "1 second".into();
    }
    if seconds < 60 {
        return format!("{seconds} seconds");
    }
    let minutes = seconds / 60;
    if minutes == 1 {
        return "About a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours = (seconds + 1800) / 3600;
    if hours == 1 {
        return "About an hour".into();
    }
    if hours < 48 {
        return format!("{hours} hours");
    }
    if hours < 24 * 7 * 2 {
        return format!("{} days", hours / 24);
    }
    if hours < 24 * 30 * 2 {
        return format!("{} weeks", hours / 24 / 7);
    }
    if hours < 24 * 365 * 2 {
        return format!("{} months", hours / 24 / 30);
    }
    format!("{} years", hours / 24 / 365)
}

/// A Unix timestamp as the daemon takes it in `since` and `until`
/// (`1700000000` or `1700000000.123456789`), in nanoseconds; the daemon's
/// message when it is not one.
pub(crate) fn parse_timestamp(text: &str) -> Result<i64, String> {
    let bad = || format!("strconv.ParseInt: parsing {text:?}: invalid syntax");
    let (secs, frac) = match text.split_once('.') {
        Some((secs, frac)) => (secs, frac),
        None => (text, ""),
    };
    let secs: i64 = secs.parse().map_err(|_| bad())?;
    if !frac.chars().all(|c| c.is_ascii_digit()) || frac.len() > 9 {
        return Err(bad());
    }
    let nanos: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().map_err(|_| bad())?
    };
    Ok(secs.saturating_mul(1_000_000_000).saturating_add(nanos))
}

/// Random 64-bit numbers for IDs: std's randomly keyed SipHash over a counter.
#[derive(Debug)]
pub(crate) struct IdSource {
    keys: std::collections::hash_map::RandomState,
    counter: std::sync::atomic::AtomicU64,
}

impl IdSource {
    pub(crate) fn new() -> Self {
        IdSource {
            keys: std::collections::hash_map::RandomState::new(),
            counter: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub(crate) fn next_u64(&self) -> u64 {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut hasher = self.keys.build_hasher();
        hasher.write_u64(n);
        hasher.write_i64(now_nanos());
        hasher.finish()
    }

    /// A new 64-digit hexadecimal ID, like a container's or a network's.
    pub(crate) fn hex_id(&self) -> String {
        (0..4)
            .map(|_| format!("{:016x}", self.next_u64()))
            .collect()
    }
}

/// A 64-digit hexadecimal digest of `text` that is the same on every run,
/// for the IDs of seeded images.
pub(crate) fn stable_hex(text: &str) -> String {
    // FNV-1a, four lanes with different offsets: no cryptography, just a
    // stable spread of the input.
    (0u64..4)
        .map(|lane| {
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ lane.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for byte in text.bytes() {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
            format!("{hash:016x}")
        })
        .collect()
}

const ADJECTIVES: [&str; 16] = [
    "admiring", "brave", "clever", "dreamy", "eager", "festive", "gallant", "happy", "jolly",
    "keen", "loving", "modest", "nifty", "quirky", "serene", "vibrant",
];
const SURNAMES: [&str; 16] = [
    "babbage", "curie", "darwin", "euler", "fermi", "galois", "hopper", "joliot", "kepler",
    "lovelace", "meitner", "noether", "pascal", "ritchie", "turing", "wozniak",
];

/// A name in the daemon's style (`brave_turing`) for a container created without one.
pub(crate) fn generated_name(random: u64) -> String {
    let adjective = ADJECTIVES[(random % 16) as usize];
    let surname = SURNAMES[(random / 16 % 16) as usize];
    format!("{adjective}_{surname}")
}

/// Whether `name` is a container name the daemon takes: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub(crate) fn valid_container_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// An image reference in the daemon's familiar form: `busybox` →
/// `busybox:latest`, `docker.io/library/busybox` → `busybox:latest`; a
/// reference by digest keeps its digest.
pub(crate) fn normalize_reference(reference: &str) -> String {
    let mut name = reference.trim();
    for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            name = rest;
        }
    }
    let name = name.strip_prefix("library/").unwrap_or(name);
    if name.contains('@') {
        return name.to_string();
    }
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.contains(':') {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

/// Whether `reference` is a reference the daemon would take at all: lowercase
/// repository, a tag of `[A-Za-z0-9_.-]`.
pub(crate) fn valid_reference(reference: &str) -> bool {
    let normalized = normalize_reference(reference);
    let (repo, tag) = match normalized.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (normalized.as_str(), "latest"),
    };
    let repo = repo.split('@').next().unwrap_or(repo);
    !repo.is_empty()
        && !tag.is_empty()
        && tag.len() <= 128
        && repo.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '/' | '.' | '_' | '-' | ':')
        })
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Whether `text` matches a glob with `*` wildcards (the images' `reference` filter).
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(text) = text.strip_prefix(head) else {
                return false;
            };
            (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .any(|i| glob_match(rest, &text[i..]))
        }
    }
}

/// The daemon's name filter: a regular expression searched in the name. The
/// fake knows `^` and `$` anchors and plain text, which covers what clients send.
pub(crate) fn name_matches(pattern: &str, name: &str) -> bool {
    let (anchored_start, pattern) = match pattern.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    let (anchored_end, pattern) = match pattern.strip_suffix('$') {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    match (anchored_start, anchored_end) {
        (true, true) => name == pattern,
        (true, false) => name.starts_with(pattern),
        (false, true) => name.ends_with(pattern),
        (false, false) => name.contains(pattern),
    }
}

/// Whether labels match every `key` or `key=value` term of a label filter.
pub(crate) fn labels_match(terms: &[String], labels: &BTreeMap<String, String>) -> bool {
    terms.iter().all(|term| match term.split_once('=') {
        Some((key, value)) => labels.get(key).is_some_and(|v| v == value),
        None => labels.contains_key(term.as_str()),
    })
}

/// A boolean filter term as the daemon reads it (`true`/`1`, `false`/`0`).
pub(crate) fn filter_bool(name: &str, term: &str) -> Result<bool, String> {
    match term {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("invalid filter '{name}={term}'")),
    }
}

/// The daemon's answer to a filter it does not know.
pub(crate) fn unknown_filter(other: &BTreeMap<String, Vec<String>>) -> Option<String> {
    other
        .keys()
        .next()
        .map(|key| format!("invalid filter '{key}'"))
}

/// An error body.
pub(crate) fn error(message: impl Into<String>) -> ErrorResponse {
    ErrorResponse {
        message: message.into(),
    }
}

/// The API version of the request being served, as `(major, minor)`.
pub(crate) fn requested_version() -> Option<(u32, u32)> {
    crate::server::requested_api_version().and_then(|v| parse_version(&v))
}

pub(crate) fn parse_version(version: &str) -> Option<(u32, u32)> {
    let (major, minor) = version.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Whether the request being served asked for at least `version`.
pub(crate) fn at_least(version: (u32, u32)) -> bool {
    requested_version().is_none_or(|v| v >= version)
}

/// `value` as a daemon of the requested API version answers it: the fields
/// of `type_name` (and of the models inside it) that the spec says do not
/// exist at that version are left out. The fake fills every field it can;
/// this takes away what the version does not have.
pub(crate) fn at_version<T: Serialize + DeserializeOwned>(value: T, type_name: &'static str) -> T {
    let Some(at) = requested_version() else {
        return value;
    };
    let Ok(mut json) = serde_json::to_value(&value) else {
        return value;
    };
    prune(&mut json, Holds::Model(type_name), at);
    serde_json::from_value(json).unwrap_or(value)
}

fn prune(value: &mut serde_json::Value, holds: Holds, at: (u32, u32)) {
    match (holds, value) {
        (Holds::Model(name), serde_json::Value::Object(map)) => {
            let Some(TypeVersions { fields, .. }) = crate::versions::lookup(name) else {
                return;
            };
            for field in fields.iter() {
                let exists = field
                    .since
                    .and_then(parse_version)
                    .is_none_or(|since| since <= at)
                    && field
                        .removed_in
                        .and_then(parse_version)
                        .is_none_or(|removed| at < removed);
                if !exists {
                    map.remove(field.json);
                } else if let Some(inner) = map.get_mut(field.json) {
                    prune(inner, field.holds, at);
                }
            }
        }
        (Holds::List(inner), serde_json::Value::Array(items)) => {
            for item in items {
                prune(item, *inner, at);
            }
        }
        (Holds::Map(inner), serde_json::Value::Object(map)) => {
            for item in map.values_mut() {
                prune(item, *inner, at);
            }
        }
        _ => {}
    }
}

/// Splits a command line the way a shell splits words: whitespace separates,
/// single and double quotes group, a backslash escapes the next character.
pub(crate) fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(next) = chars.next() {
                                word.push(next);
                            }
                        }
                        _ => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// A command as the daemon shows it in lists: the words joined by spaces,
/// those with spaces or quotes in single quotes.
pub(crate) fn quote_command(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if !w.is_empty()
                && !w.chars().any(|c| {
                    c.is_whitespace() || matches!(c, '\'' | '"' | '\\' | '$' | ';' | '&' | '|')
                })
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_written_like_go() {
        assert_eq!(rfc3339(0), ZERO_TIME);
        assert_eq!(rfc3339(1_700_000_000_000_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(
            rfc3339(1_700_000_000_120_000_000),
            "2023-11-14T22:13:20.12Z"
        );
        assert_eq!(rfc3339(951_782_400_000_000_000), "2000-02-29T00:00:00Z");
        assert_eq!(parse_timestamp("12.5"), Ok(12_500_000_000));
        assert!(parse_timestamp("abc").is_err());
    }

    #[test]
    fn references_are_normalised() {
        assert_eq!(normalize_reference("busybox"), "busybox:latest");
        assert_eq!(
            normalize_reference("docker.io/library/busybox:1.36"),
            "busybox:1.36"
        );
        assert_eq!(
            normalize_reference("127.0.0.1:5000/app"),
            "127.0.0.1:5000/app:latest"
        );
        assert!(valid_reference("127.0.0.1:5000/app:v1"));
        assert!(!valid_reference("Busybox"));
        assert!(glob_match("busy*:*", "busybox:latest"));
        assert!(!glob_match("busy*", "alpine:latest"));
    }

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(
            shell_words(r#"echo 'a b' "c\"d" e\ f"#),
            vec!["echo", "a b", "c\"d", "e f"]
        );
        assert_eq!(
            quote_command(&["sh".into(), "-c".into(), "echo hi; sleep 30".into()]),
            "sh -c 'echo hi; sleep 30'"
        );
    }
}
