//! Keys written twice in one YAML mapping.
//!
//! serde keeps the last value of a key repeated in a map (`types`, `struct`,
//! `responses`), and refuses one repeated in a struct without saying where
//! the first one is. So the serde pass that reads a file goes through
//! [`Tracked`], which notes the text of every mapping key as serde reads it
//! and, where one repeats, which entries of which mapping. Keys are compared
//! as serde reads them, so `200` and `"200"` of `responses` are the same key.
//!
//! Only a file with a repeat is walked again, with yaml-rust2's events
//! ([`places`]), to learn where both entries are written: a second parse of
//! every file would cost as much as the serde pass itself.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Visitor};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::{index_path, key_path, Pos};

/// A key given a second time in one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    /// Where the mapping is: the entry or item index at every level from the
    /// document down.
    pub mapping: Vec<usize>,
    /// The key as serde read it.
    pub key: String,
    /// Entry indices of the first and the second occurrence.
    pub first: usize,
    pub second: usize,
}

/// What a [`Tracked`] pass shares between its levels.
#[derive(Default)]
pub struct Keys {
    /// Index path of the node being read.
    path: RefCell<Vec<usize>>,
    /// A mapping key is being read: the next scalar visited is its text.
    capturing: Cell<bool>,
    captured: RefCell<Option<String>>,
    repeats: RefCell<Vec<Repeat>>,
}

impl Keys {
    /// The repeats found, in reading order.
    pub fn into_repeats(self) -> Vec<Repeat> {
        self.repeats.into_inner()
    }

    fn scalar(&self, text: impl FnOnce() -> String) {
        if self.capturing.replace(false) {
            *self.captured.borrow_mut() = Some(text());
        }
    }

    fn not_scalar(&self) {
        self.capturing.set(false);
    }
}

/// A serde `Deserializer` that hands everything to `de` and notes every
/// mapping key on the way (see [`Keys`]).
pub struct Tracked<'s, D> {
    pub de: D,
    pub keys: &'s Keys,
}

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method($($arg,)* Watch { visitor, keys: self.keys })
        }
    )*};
}

impl<'de, D: de::Deserializer<'de>> de::Deserializer<'de> for Tracked<'_, D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// The visitor side of [`Tracked`]: scalars may be a key's text, mappings
/// and sequences are followed.
struct Watch<'s, V> {
    visitor: V,
    keys: &'s Keys,
}

macro_rules! forward_scalar {
    ($($method:ident($ty:ty) $text:expr;)*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.keys.scalar(|| $text(&v));
            self.visitor.$method(v)
        }
    )*};
}

fn display<T: fmt::Display>(v: &T) -> String {
    v.to_string()
}

/// `200.0` stays apart from `200`, as serde_yaml's numbers keep them.
fn float<T: fmt::Debug>(v: &T) -> String {
    format!("{v:?}")
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Watch<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_scalar! {
        visit_bool(bool) display;
        visit_i8(i8) display;
        visit_i16(i16) display;
        visit_i32(i32) display;
        visit_i64(i64) display;
        visit_i128(i128) display;
        visit_u8(u8) display;
        visit_u16(u16) display;
        visit_u32(u32) display;
        visit_u64(u64) display;
        visit_u128(u128) display;
        visit_f32(f32) float;
        visit_f64(f64) float;
        visit_char(char) display;
        visit_str(&str) display;
        visit_borrowed_str(&'de str) display;
        visit_string(String) display;
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        self.keys.not_scalar();
        self.visitor.visit_bytes(v)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
        self.keys.not_scalar();
        self.visitor.visit_borrowed_bytes(v)
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
        self.keys.not_scalar();
        self.visitor.visit_byte_buf(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.keys.not_scalar();
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.keys.not_scalar();
        self.visitor.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Tracked {
            de,
            keys: self.keys,
        })
    }

    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(Tracked {
            de,
            keys: self.keys,
        })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, access: A) -> Result<V::Value, A::Error> {
        self.keys.not_scalar();
        self.visitor.visit_seq(Items {
            access,
            keys: self.keys,
            next: 0,
        })
    }

    fn visit_map<A: de::MapAccess<'de>>(self, access: A) -> Result<V::Value, A::Error> {
        self.keys.not_scalar();
        self.visitor.visit_map(Entries {
            access,
            keys: self.keys,
            seen: Vec::new(),
        })
    }

    /// A tagged value (`!Name ...`): the spec writes none, and what is
    /// inside one is not followed.
    fn visit_enum<A: de::EnumAccess<'de>>(self, access: A) -> Result<V::Value, A::Error> {
        self.keys.not_scalar();
        self.visitor.visit_enum(access)
    }
}

/// Hands a value's deserializer over wrapped in [`Tracked`].
struct Seed<'s, T> {
    seed: T,
    keys: &'s Keys,
}

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, T> {
    type Value = T::Value;

    fn deserialize<D: de::Deserializer<'de>>(self, de: D) -> Result<T::Value, D::Error> {
        self.seed.deserialize(Tracked {
            de,
            keys: self.keys,
        })
    }
}

struct Items<'s, A> {
    access: A,
    keys: &'s Keys,
    next: usize,
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Items<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.keys.path.borrow_mut().push(self.next);
        self.next += 1;
        let item = self.access.next_element_seed(Seed {
            seed,
            keys: self.keys,
        });
        self.keys.path.borrow_mut().pop();
        item
    }

    fn size_hint(&self) -> Option<usize> {
        self.access.size_hint()
    }
}

struct Entries<'s, A> {
    access: A,
    keys: &'s Keys,
    /// The text of every key read so far (`None`: not a scalar).
    seen: Vec<Option<String>>,
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Entries<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.keys.capturing.set(true);
        let key = self.access.next_key_seed(Seed {
            seed,
            keys: self.keys,
        });
        self.keys.capturing.set(false);
        let text = self.keys.captured.borrow_mut().take();
        if let Ok(Some(_)) = key {
            if let Some(text) = &text {
                let first = self.seen.iter().position(|k| k.as_ref() == Some(text));
                if let Some(first) = first {
                    self.keys.repeats.borrow_mut().push(Repeat {
                        mapping: self.keys.path.borrow().clone(),
                        key: text.clone(),
                        first,
                        second: self.seen.len(),
                    });
                }
            }
            self.seen.push(text);
        }
        key
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        let entry = self.seen.len().saturating_sub(1);
        self.keys.path.borrow_mut().push(entry);
        let value = self.access.next_value_seed(Seed {
            seed,
            keys: self.keys,
        });
        self.keys.path.borrow_mut().pop();
        value
    }

    fn size_hint(&self) -> Option<usize> {
        self.access.size_hint()
    }
}

/// Where a repeated key is written, both times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepeatPlaces {
    /// The mapping, as a path such as `operations[0].responses` (empty at
    /// the top level); `None` where the events do not have it.
    pub mapping: Option<String>,
    /// `None` where the events do not have the entry: serde reads an alias
    /// (`*name`) as the node it names, the events do not.
    pub first: Option<Pos>,
    pub second: Option<Pos>,
}

/// Walks the events of `text` for the places of `repeats`, in their order.
pub fn places(text: &str, repeats: &[Repeat]) -> Vec<RepeatPlaces> {
    let mut finder = Finder::default();
    for (i, r) in repeats.iter().enumerate() {
        for (entry, second) in [(r.first, false), (r.second, true)] {
            let mut key = r.mapping.clone();
            key.push(entry);
            finder.wanted.entry(key).or_default().push((i, second));
        }
    }
    finder.found = vec![RepeatPlaces::default(); repeats.len()];
    let mut parser = Parser::new_from_str(text);
    let _ = parser.load(&mut finder, false);
    finder.found
}

/// One open collection while walking the events.
enum Level {
    Mapping {
        path: String,
        /// Keys started so far; the current entry is `entries - 1`.
        entries: usize,
        /// The next node is a key.
        at_key: bool,
        key: String,
    },
    Sequence {
        path: String,
        items: usize,
    },
}

#[derive(Default)]
struct Finder {
    /// Index path of a key (its mapping's, then its entry) -> which repeats
    /// want it, and whether as their second occurrence.
    wanted: HashMap<Vec<usize>, Vec<(usize, bool)>>,
    found: Vec<RepeatPlaces>,
    levels: Vec<Level>,
}

impl Finder {
    /// The index path of the entry or item each open level is at.
    fn indices(&self) -> Vec<usize> {
        self.levels
            .iter()
            .map(|l| match l {
                Level::Mapping { entries, .. } => entries.saturating_sub(1),
                Level::Sequence { items, .. } => items.saturating_sub(1),
            })
            .collect()
    }

    /// A node starts: returns its text path (for a value or an item; a key
    /// gets an empty one), and notes its place if it is a wanted key.
    fn start(&mut self, scalar: Option<&str>, pos: Pos) -> String {
        match self.levels.last_mut() {
            None => String::new(),
            Some(Level::Sequence { path, items }) => {
                *items += 1;
                index_path(path, *items - 1)
            }
            Some(Level::Mapping {
                path, at_key, key, ..
            }) if !*at_key => {
                *at_key = true;
                key_path(path, key)
            }
            Some(Level::Mapping {
                entries,
                at_key,
                key,
                ..
            }) => {
                *entries += 1;
                *at_key = false;
                *key = scalar.unwrap_or("?").to_string();
                self.note_key(pos);
                String::new()
            }
        }
    }

    /// The key just started is at `pos`: records it for every repeat that wants it.
    fn note_key(&mut self, pos: Pos) {
        let Some(wants) = self.wanted.get(&self.indices()) else {
            return;
        };
        let Some(Level::Mapping { path, .. }) = self.levels.last() else {
            return;
        };
        for &(i, second) in wants {
            let found = &mut self.found[i];
            found.mapping = Some(path.clone());
            if second {
                found.second = Some(pos);
            } else {
                found.first = Some(pos);
            }
        }
    }
}

impl MarkedEventReceiver for Finder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let pos = Pos {
            line: mark.line(),
            column: mark.col() + 1,
        };
        match event {
            Event::Scalar(value, ..) => {
                self.start(Some(&value), pos);
            }
            Event::Alias(_) => {
                self.start(Some("*alias"), pos);
            }
            Event::MappingStart(..) => {
                let path = self.start(None, pos);
                self.levels.push(Level::Mapping {
                    path,
                    entries: 0,
                    at_key: true,
                    key: String::new(),
                });
            }
            Event::SequenceStart(..) => {
                let path = self.start(None, pos);
                self.levels.push(Level::Sequence { path, items: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.levels.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn repeats_of<T: for<'de> Deserialize<'de>>(text: &str) -> Vec<Repeat> {
        let keys = Keys::default();
        let de = serde_yaml::Deserializer::from_str(text);
        let _ = T::deserialize(Tracked { de, keys: &keys });
        keys.into_repeats()
    }

    #[test]
    fn keys_compare_as_serde_reads_them() {
        type Statuses = indexmap::IndexMap<crate::model::StatusKey, String>;
        let found = repeats_of::<Vec<Statuses>>("- { 200: a, 204: b, \"200\": c, 0xC8: d }\n");
        let pairs: Vec<_> = found
            .iter()
            .map(|r| (r.mapping.clone(), r.key.as_str(), r.first, r.second))
            .collect();
        assert_eq!(pairs, [(vec![0], "200", 0, 2), (vec![0], "200", 0, 3)]);
        // An alias is the node it names, not a repeat of it.
        assert_eq!(repeats_of::<Vec<Statuses>>("- &a { 200: a }\n- *a\n"), []);
    }

    #[test]
    fn places_follow_index_paths() {
        let text = "a: 1\nb:\n  - x\n  - { k: 1, j: 2, k: 3 }\n";
        let found = repeats_of::<serde_yaml::Value>(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].mapping, [1, 1]);
        let places = places(text, &found);
        assert_eq!(places[0].mapping.as_deref(), Some("b[1]"));
        assert_eq!(places[0].first, Some(Pos { line: 4, column: 7 }));
        assert_eq!(
            places[0].second,
            Some(Pos {
                line: 4,
                column: 19
            })
        );
    }
}
