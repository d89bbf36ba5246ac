//! Serde support for fields that may be absent, `null`, or a value.
//!
//! A field typed `Option<Option<T>>` with `#[serde(default)]` decodes an
//! absent key as `None`, `null` as `Some(None)` and a value as
//! `Some(Some(v))`, so re-encoding gives back exactly what was received.

use serde::{Deserialize, Deserializer};

/// Deserializes a present key (value or `null`) into `Some(..)`.
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
