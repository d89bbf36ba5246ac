//! Filter sets (what a `filters` query parameter holds). A filter's terms
//! arrive as a list, `{"status":["running"]}` (the documented form), or as
//! a map of terms to booleans, `{"status":{"running":true}}` (the form
//! Docker's Go client sends); both read as the list of terms. Like the
//! daemon, the map form keeps every term whatever its boolean says.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// One filter's terms, in either form.
struct Terms(Vec<String>);

impl<'de> Deserialize<'de> for Terms {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TermsVisitor;
        impl<'de> Visitor<'de> for TermsVisitor {
            type Value = Terms;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of terms, or a map of terms to booleans")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Terms, A::Error> {
                let mut terms = Vec::new();
                while let Some(term) = seq.next_element::<String>()? {
                    terms.push(term);
                }
                Ok(Terms(terms))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Terms, A::Error> {
                let mut terms = Vec::new();
                while let Some((term, _)) = map.next_entry::<String, bool>()? {
                    terms.push(term);
                }
                Ok(Terms(terms))
            }
        }
        deserializer.deserialize_any(TermsVisitor)
    }
}

/// A listed filter of a filter set: absent, `null`, a list or a map of terms.
#[allow(
    dead_code,
    reason = "only models of a spec with filter sets use it; a spec may have none"
)]
pub(crate) fn terms<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    Ok(Option::<Terms>::deserialize(deserializer)?.map(|t| t.0))
}

/// The filters a set does not list, each in either form.
#[allow(
    dead_code,
    reason = "only models of a spec with filter sets use it; a spec may have none"
)]
pub(crate) fn other_terms<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    Ok(BTreeMap::<String, Terms>::deserialize(deserializer)?
        .into_iter()
        .map(|(name, terms)| (name, terms.0))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Set {
        #[serde(default, deserialize_with = "terms")]
        status: Option<Vec<String>>,
        #[serde(flatten, deserialize_with = "other_terms")]
        other: BTreeMap<String, Vec<String>>,
    }

    #[test]
    fn both_forms_read_as_lists_and_unknown_filters_stay() {
        let listed: Set = serde_json::from_str(r#"{"status":["running"],"name":["web"]}"#).unwrap();
        let mapped: Set =
            serde_json::from_str(r#"{"status":{"running":true},"name":{"web":true}}"#).unwrap();
        assert_eq!(listed, mapped);
        assert_eq!(listed.status, Some(vec!["running".to_string()]));
        assert_eq!(listed.other["name"], vec!["web".to_string()]);
        let none: Set = serde_json::from_str(r#"{"status":null}"#).unwrap();
        assert_eq!(none.status, None);
        let wrong = serde_json::from_str::<Set>(r#"{"status":"running"}"#).unwrap_err();
        assert!(
            wrong
                .to_string()
                .contains("a list of terms, or a map of terms to booleans"),
            "{wrong}"
        );
    }
}
