//! [`Nullable`]: a field that is absent, `null`, or a value.
//!
//! Most optional fields read absent and `null` alike, so they are plain
//! `Option<T>`. The spec marks the few where a request must be able to send
//! `null` on purpose (`send_null: true`); those are `Nullable<T>`, which keeps
//! the three states apart both ways.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field that may be absent (the default), `null`, or a value.
///
/// Give such a field `#[serde(default, skip_serializing_if = "Nullable::is_absent")]`:
/// an absent key decodes as [`Nullable::Absent`] and is left out when encoding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Nullable<T> {
    /// The key is not there.
    #[default]
    Absent,
    /// The key is there with `null`.
    Null,
    /// The key is there with a value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the key is absent (what `skip_serializing_if` asks).
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// The value, if there is one: absent and `null` both give `None`.
    pub fn as_option(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if there is one, by value.
    pub fn into_option(self) -> Option<T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Value(v) => v.serialize(serializer),
            // Absent is skipped by the field's attribute; if it gets here, `null` is the honest spelling.
            Nullable::Absent | Nullable::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Only called for a key that is there: absence is the field's `default`.
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(v) => Nullable::Value(v),
            None => Nullable::Null,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Nullable;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Patch {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        limit: Nullable<i64>,
    }

    #[test]
    fn three_states_survive_a_round_trip() {
        for (text, state) in [
            ("{}", Nullable::Absent),
            (r#"{"limit":null}"#, Nullable::Null),
            (r#"{"limit":5}"#, Nullable::Value(5)),
        ] {
            let decoded: Patch = serde_json::from_str(text).unwrap();
            assert_eq!(decoded.limit, state, "{text}");
            assert_eq!(serde_json::to_string(&decoded).unwrap(), text);
        }
    }
}
