//! Items that exist for a range of API versions, and items whose shape
//! changed at a version (versioned alternatives).
//!
//! Every item of the spec may carry `since` (the first version that has it;
//! without it, the spec's oldest version), `removed_in` (the first version
//! without it) and `deprecated`. A field, parameter or response whose shape
//! changed is written once, with `versions:`, a list of complete alternatives
//! that tile its lifetime: each starts where the previous one was removed.
//! Validation checks the tiling; lowering for one version picks the
//! alternative that version has.

use crate::ir::{Change, Deprecation, Versions};
use crate::model::{
    ChangeDecl, DeprecatedDecl, FieldDecl, OperationDecl, ParamDecl, ResponseDecl, TypeDecl,
};
use crate::types::ApiVersion;

/// Whether an item with `since`/`removed_in` (as written) exists at `at`.
/// Validation has refused words that are not versions.
pub fn in_range(since: Option<&str>, removed_in: Option<&str>, at: ApiVersion) -> bool {
    let since = since.and_then(|s| ApiVersion::parse(s).ok());
    let removed = removed_in.and_then(|r| ApiVersion::parse(r).ok());
    since.is_none_or(|s| s <= at) && removed.is_none_or(|r| at < r)
}

/// An item of the spec with a version range.
pub trait Versioned {
    fn since(&self) -> Option<&str>;
    fn removed_in(&self) -> Option<&str>;
    fn deprecated(&self) -> Option<&DeprecatedDecl>;
    fn changes(&self) -> &[ChangeDecl];

    /// Whether the item exists at `at`.
    fn present_at(&self, at: ApiVersion) -> bool {
        in_range(self.since(), self.removed_in(), at)
    }

    /// The IR's record of the range.
    fn versions(&self) -> Versions {
        Versions {
            since: self.since().map(str::to_string),
            removed_in: self.removed_in().map(str::to_string),
            deprecated: self.deprecated().map(|d| Deprecation {
                version: d.version.clone(),
                reason: d.reason.trim().to_string(),
            }),
            changes: self
                .changes()
                .iter()
                .map(|c| Change {
                    version: c.version.clone(),
                    note: c.note.trim().to_string(),
                })
                .collect(),
        }
    }
}

/// An item that may be written as versioned alternatives.
pub trait Alternatives: Versioned + Sized {
    fn alternatives(&self) -> &[Self];

    /// What the item is at `at`: itself, or its alternative for that version;
    /// `None` where it does not exist.
    fn active(&self, at: ApiVersion) -> Option<&Self> {
        if self.alternatives().is_empty() {
            self.present_at(at).then_some(self)
        } else {
            self.alternatives().iter().find(|a| a.present_at(at))
        }
    }

    /// Itself, or its versioned alternatives when it has them.
    fn parts(&self) -> Vec<&Self> {
        if self.alternatives().is_empty() {
            vec![self]
        } else {
            self.alternatives().iter().collect()
        }
    }

    /// What the item was last, when it existed at some version of
    /// `from..to` but no longer does at `to`: the shape a client speaking an
    /// older version still receives.
    fn last_before(&self, from: ApiVersion, to: ApiVersion) -> Option<&Self> {
        self.parts()
            .into_iter()
            .filter_map(|a| {
                let removed = a.removed_in().and_then(|r| ApiVersion::parse(r).ok())?;
                (removed <= to && overlaps(a.since(), a.removed_in(), from, to))
                    .then_some((removed, a))
            })
            .max_by_key(|(removed, _)| *removed)
            .map(|(_, a)| a)
    }

    /// Whether it exists at any version of `from..=to`.
    fn exists_between(&self, from: ApiVersion, to: ApiVersion) -> bool {
        self.parts()
            .iter()
            .any(|a| overlaps(a.since(), a.removed_in(), from, to))
    }
}

/// Whether an item with `since`/`removed_in` (as written) exists at some
/// version of `from..=to`.
pub fn overlaps(
    since: Option<&str>,
    removed_in: Option<&str>,
    from: ApiVersion,
    to: ApiVersion,
) -> bool {
    let since = since.and_then(|s| ApiVersion::parse(s).ok());
    let removed = removed_in.and_then(|r| ApiVersion::parse(r).ok());
    since.is_none_or(|s| s <= to) && removed.is_none_or(|r| from < r)
}

macro_rules! versioned {
    ($($t:ty),*) => {$(
        impl Versioned for $t {
            fn since(&self) -> Option<&str> {
                self.since.as_deref()
            }
            fn removed_in(&self) -> Option<&str> {
                self.removed_in.as_deref()
            }
            fn deprecated(&self) -> Option<&DeprecatedDecl> {
                self.deprecated.as_ref()
            }
            fn changes(&self) -> &[ChangeDecl] {
                &self.changes
            }
        }
    )*};
}

versioned!(OperationDecl, ParamDecl, FieldDecl, TypeDecl, ResponseDecl);

impl Alternatives for ParamDecl {
    fn alternatives(&self) -> &[Self] {
        &self.versions
    }
}

impl Alternatives for FieldDecl {
    fn alternatives(&self) -> &[Self] {
        &self.versions
    }
}

impl Alternatives for ResponseDecl {
    fn alternatives(&self) -> &[Self] {
        &self.versions
    }
}

/// The range of an enum value written as a mapping (`since`, `removed_in`, `deprecated`).
pub struct EnumValueRange<'a>(pub &'a serde_yaml::Value);

impl EnumValueRange<'_> {
    fn text(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.as_str())
    }

    pub fn present_at(&self, at: ApiVersion) -> bool {
        in_range(self.text("since"), self.text("removed_in"), at)
    }

    pub fn versions(&self) -> Versions {
        let deprecated = self.0.get("deprecated").and_then(|d| {
            Some(Deprecation {
                version: d.get("version")?.as_str()?.to_string(),
                reason: d.get("reason")?.as_str()?.trim().to_string(),
            })
        });
        Versions {
            since: self.text("since").map(str::to_string),
            removed_in: self.text("removed_in").map(str::to_string),
            deprecated,
            changes: Vec::new(),
        }
    }
}
