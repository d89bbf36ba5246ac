//! Strict round-trip checks for the documented examples.
//!
//! A body must decode into its declared model and encode back to the same
//! JSON: no key lost (a field the model lacks) and none added (a field the
//! model invents). A key whose value is `null` may come back absent: optional
//! fields read `null` and absence alike (see spec/README.md). The models themselves ignore unknown keys; only these
//! tests are strict, so that a gap in the spec fails here first.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Decodes `text` as `T`, encodes it again and compares the two JSON trees.
pub fn round_trip<T: DeserializeOwned + Serialize>(what: &str, text: &str) {
    let original: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{what}: the example is not JSON: {e}"));
    check_value::<T>(what, original);
}

/// Like [`round_trip`] for a body of JSON values one after another (JSON lines).
#[allow(
    dead_code,
    reason = "a spec without JSON-lines examples leaves it unused"
)]
pub fn round_trip_lines<T: DeserializeOwned + Serialize>(what: &str, text: &str) {
    let mut count = 0;
    for (i, item) in serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .enumerate()
    {
        let item = item.unwrap_or_else(|e| panic!("{what}: item {i} is not JSON: {e}"));
        check_value::<T>(&format!("{what}, item {i}"), item);
        count += 1;
    }
    assert!(count > 0, "{what}: the example holds no JSON value");
}

/// The example is known to be wrong (an erratum says so): it must not come
/// through a round trip intact, whether it is not JSON, does not decode, or
/// loses or gains a key. An example that round-trips means the erratum is stale.
pub fn expect_mismatch<T: DeserializeOwned + Serialize>(what: &str, text: &str) {
    let values: Result<Vec<Value>, _> = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect();
    let Ok(values) = values else { return };
    let intact = !values.is_empty()
        && values
            .iter()
            .all(|v| match serde_json::from_value::<T>(v.clone()) {
                Ok(model) => serde_json::to_value(&model)
                    .is_ok_and(|again| difference("$", v, &again).is_none()),
                Err(_) => false,
            });
    assert!(
        !intact,
        "{what}: an erratum says this example is wrong, yet it round-trips; drop the erratum"
    );
}

fn check_value<T: DeserializeOwned + Serialize>(what: &str, original: Value) {
    let model: T = serde_path_to_error::deserialize(original.clone())
        .unwrap_or_else(|e| panic!("{what}: does not decode at `{}`: {}", e.path(), e.inner()));
    let again =
        serde_json::to_value(&model).unwrap_or_else(|e| panic!("{what}: does not encode: {e}"));
    if let Some(diff) = difference("$", &original, &again) {
        panic!("{what}: the round trip changed the JSON: {diff}");
    }
}

/// The first place where `a` and `b` differ, if any. Numbers compare by value,
/// so `1` and `1.0` are the same.
fn difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    None if v.is_null() => {}
                    None => {
                        return Some(format!(
                            "key `{path}.{k}` was lost (the model has no such field)"
                        ))
                    }
                    Some(w) => {
                        if let Some(d) = difference(&format!("{path}.{k}"), v, w) {
                            return Some(d);
                        }
                    }
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("key `{path}.{k}` was added by the model"))
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!("`{path}` had {} items, now {}", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (v, w))| difference(&format!("{path}[{i}]"), v, w))
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        _ if a == b => None,
        _ => Some(format!("`{path}` was {a}, now {b}")),
    }
}
