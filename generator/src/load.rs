//! Stage 1: read `spec/*.yaml` into the `model` types.
//!
//! serde_yaml does the typed reading. It keeps no positions, so a file with
//! something to report is also walked with yaml-rust2's event parser to build
//! a [`SourceMap`]: the line and column of every key and value, addressed by a
//! path such as `operations[3].responses.200.type`. Later stages report
//! problems by path and the map turns them into places.
//!
//! A key written twice in one mapping is an error too: serde would keep one
//! of the values without a word. The serde pass notes every key as it reads
//! (see [`repeats`]), so finding repeats costs no second parse; only a file
//! that has one is walked again for the places of both.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{ApiFile, TagFile};

mod repeats;

/// A place in a file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Positions of the nodes of one YAML file, by path.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
}

impl SourceMap {
    /// Builds the map; a file that does not parse yields an empty map
    /// (serde_yaml reports the syntax error with its own position).
    pub fn build(text: &str) -> Self {
        let mut builder = MapBuilder::default();
        let mut parser = Parser::new_from_str(text);
        let _ = parser.load(&mut builder, false);
        builder.map
    }

    /// Where the value at `path` starts, or where its key is, or the nearest
    /// enclosing node that has a place.
    pub fn locate(&self, path: &str) -> Pos {
        let mut current = path.to_string();
        loop {
            if let Some(p) = self
                .values
                .get(&current)
                .or_else(|| self.keys.get(&current))
            {
                return *p;
            }
            match parent_path(&current) {
                Some(parent) => current = parent,
                None => {
                    return self
                        .values
                        .get("")
                        .copied()
                        .unwrap_or(Pos { line: 1, column: 1 })
                }
            }
        }
    }

    /// Where the key of the entry at `path` is written (falls back to `locate`).
    pub fn locate_key(&self, path: &str) -> Pos {
        self.keys
            .get(path)
            .copied()
            .unwrap_or_else(|| self.locate(path))
    }
}

fn parent_path(path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(path[..cut].to_string())
}

/// Joins a path and a mapping key.
pub fn key_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Joins a path and a sequence index.
pub fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

enum Frame {
    Mapping {
        path: String,
        pending_key: Option<String>,
    },
    Sequence {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct MapBuilder {
    map: SourceMap,
    stack: Vec<Frame>,
}

impl MapBuilder {
    /// Decides the path of a node that starts now; `None` when the node is a mapping key.
    fn place_node(&mut self, scalar: Option<&str>, pos: Pos) -> Option<String> {
        match self.stack.last_mut() {
            None => {
                self.map.values.insert(String::new(), pos);
                Some(String::new())
            }
            Some(Frame::Sequence { path, next }) => {
                let p = index_path(path, *next);
                *next += 1;
                self.map.values.insert(p.clone(), pos);
                Some(p)
            }
            Some(Frame::Mapping { path, pending_key }) => match pending_key.take() {
                None => {
                    let key = scalar.unwrap_or("?").to_string();
                    let p = key_path(path, &key);
                    self.map.keys.insert(p, pos);
                    *pending_key = Some(key);
                    None
                }
                Some(key) => {
                    let p = key_path(path, &key);
                    self.map.values.insert(p.clone(), pos);
                    Some(p)
                }
            },
        }
    }
}

impl MarkedEventReceiver for MapBuilder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        // yaml-rust2 counts lines from 1 and columns from 0.
        let pos = Pos {
            line: mark.line(),
            column: mark.col() + 1,
        };
        match event {
            Event::Scalar(value, ..) => {
                self.place_node(Some(&value), pos);
            }
            Event::Alias(_) => {
                self.place_node(Some("*alias"), pos);
            }
            Event::MappingStart(..) => {
                let path = self.place_node(None, pos).unwrap_or_default();
                self.stack.push(Frame::Mapping {
                    path,
                    pending_key: None,
                });
            }
            Event::SequenceStart(..) => {
                let path = self.place_node(None, pos).unwrap_or_default();
                self.stack.push(Frame::Sequence { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

/// One loaded file: its parsed content, and its text for finding positions.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub file: PathBuf,
    pub content: T,
    text: String,
    /// Built on the first diagnostic: a valid spec never needs positions,
    /// and the extra parse they take is a third of loading.
    map: OnceLock<SourceMap>,
}

impl<T> Loaded<T> {
    /// Line and column of every value and key of the file.
    pub fn map(&self) -> &SourceMap {
        self.map.get_or_init(|| SourceMap::build(&self.text))
    }

    /// A diagnostic at the value found at `path`.
    pub fn at(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        let pos = self.map().locate(path);
        Diagnostic {
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    /// A diagnostic at the key of the entry at `path`.
    pub fn at_key(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        let pos = self.map().locate_key(path);
        Diagnostic {
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }
}

/// Everything under `spec/`, parsed but not yet checked.
#[derive(Debug, Clone)]
pub struct RawSpec {
    pub api: Loaded<ApiFile>,
    /// Tag files in file-name order, so every later stage is deterministic.
    pub files: Vec<Loaded<TagFile>>,
    /// Hand-written files of `extras/`, by their path in the generated crate
    /// (`src/fake.rs`, `examples/x.rs`, `tests/y.rs`): what only this API has.
    pub extras: BTreeMap<String, String>,
}

/// The directory of a spec's hand-written files, copied into its crate.
pub const EXTRAS_DIR: &str = "extras";

/// Reads every file under `dir/extras/`, keyed by its path relative to it
/// (with `/` separators). No such directory is no extras.
fn load_extras(dir: &Path, problems: &mut Diagnostics) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let root = dir.join(EXTRAS_DIR);
    let mut pending = vec![root.clone()];
    while let Some(current) = pending.pop() {
        let entries = match fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && current == root => break,
            Err(e) => {
                problems.push(Diagnostic {
                    file: current.clone(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read the extras directory: {e}"),
                });
                continue;
            }
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            match fs::read_to_string(&path) {
                Ok(text) => {
                    found.insert(relative, text);
                }
                Err(e) => problems.push(Diagnostic {
                    file: path.clone(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read this extra file: {e}"),
                }),
            }
        }
    }
    found
}

/// The name of the metadata file inside the spec directory.
pub const API_FILE: &str = "api.yaml";

/// Reads and parses every `*.yaml` file of `dir`. Unknown keys, YAML errors
/// and type errors are all collected; the spec is returned only when there
/// were none.
pub fn load_dir(dir: &Path) -> Result<RawSpec, Diagnostics> {
    let mut problems = Diagnostics::default();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(Diagnostic {
                file: dir.to_path_buf(),
                line: 0,
                column: 0,
                message: format!("cannot read the spec directory: {e}"),
            });
            return Err(problems);
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();

    let api_path = dir.join(API_FILE);
    let api = if paths.contains(&api_path) {
        load_file::<ApiFile>(&api_path, &mut problems)
    } else {
        problems.push(Diagnostic {
            file: api_path.clone(),
            line: 0,
            column: 0,
            message: format!("missing {API_FILE}: the API metadata (title, api_version, version_prefix, ...) lives there"),
        });
        None
    };
    // Tag files parse independently, so each gets a thread; results and
    // problems are taken back in file order, which keeps both deterministic.
    let tag_paths: Vec<&PathBuf> = paths.iter().filter(|p| **p != api_path).collect();
    let parsed: Vec<(Option<Loaded<TagFile>>, Diagnostics)> = std::thread::scope(|scope| {
        let running: Vec<_> = tag_paths
            .iter()
            .map(|&path| {
                scope.spawn(move || {
                    let mut found = Diagnostics::default();
                    let file = load_file::<TagFile>(path, &mut found);
                    (file, found)
                })
            })
            .collect();
        running
            .into_iter()
            .zip(&tag_paths)
            .map(|(handle, path)| {
                handle.join().unwrap_or_else(|_| {
                    let mut found = Diagnostics::default();
                    found.push(Diagnostic {
                        file: path.to_path_buf(),
                        line: 0,
                        column: 0,
                        message: "the loader panicked on this file".into(),
                    });
                    (None, found)
                })
            })
            .collect()
    });
    let mut files = Vec::new();
    for (file, found) in parsed {
        for diagnostic in found.iter() {
            problems.push(diagnostic.clone());
        }
        files.extend(file);
    }

    let extras = load_extras(dir, &mut problems);
    match api {
        Some(api) if problems.is_empty() => Ok(RawSpec { api, files, extras }),
        _ => Err(problems.finish()),
    }
}

/// Parses one file, recording every problem; `None` when there was any.
pub fn load_file<T: DeserializeOwned>(
    path: &Path,
    problems: &mut Diagnostics,
) -> Option<Loaded<T>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(Diagnostic {
                file: path.to_path_buf(),
                line: 0,
                column: 0,
                message: format!("cannot read file: {e}"),
            });
            return None;
        }
    };
    parse_text(path, &text, problems)
}

/// Parses YAML text that claims to come from `path`.
pub fn parse_text<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    problems: &mut Diagnostics,
) -> Option<Loaded<T>> {
    let before = problems.len();
    let deserializer = serde_yaml::Deserializer::from_str(text);
    let keys = repeats::Keys::default();
    let tracked = repeats::Tracked {
        de: deserializer,
        keys: &keys,
    };
    let mut unknown = Vec::new();
    let result: Result<T, _> =
        serde_ignored::deserialize(tracked, |p| unknown.push((ignored_path(&p), last_key(&p))));
    let repeats = keys.into_repeats();
    if !repeats.is_empty() {
        report_repeats(path, text, &repeats, problems);
    }
    let content = match result {
        Ok(content) => content,
        Err(e) => {
            let message = strip_location(&e.to_string());
            // serde refuses a key repeated in a struct; that repeat is reported above.
            let reported = repeats
                .last()
                .is_some_and(|r| message.contains("duplicate") && message.contains(&r.key));
            if !reported {
                let (line, column) = e
                    .location()
                    .map(|l| (l.line(), l.column()))
                    .unwrap_or((0, 0));
                problems.push(Diagnostic {
                    file: path.to_path_buf(),
                    line,
                    column,
                    message,
                });
            }
            return None;
        }
    };
    // Unknown keys are the one problem found here that needs positions.
    let map = (!unknown.is_empty()).then(|| SourceMap::build(text));
    for (path_text, key) in unknown {
        let pos = map
            .as_ref()
            .map(|m| m.locate_key(&path_text))
            .unwrap_or_default();
        let within = path_text
            .strip_suffix(&key)
            .map(|p| p.trim_end_matches('.'))
            .filter(|p| !p.is_empty())
            .unwrap_or("the top level");
        problems.push(Diagnostic {
            file: path.to_path_buf(),
            line: pos.line,
            column: pos.column,
            message: format!(
                "unknown key `{key}` in {within} (spec/README.md lists the keys each place takes)"
            ),
        });
    }
    if problems.len() > before {
        return None;
    }
    Some(Loaded {
        file: path.to_path_buf(),
        content,
        text: text.to_string(),
        map: OnceLock::new(),
    })
}

/// One problem per repeated key, at its second place, naming the first.
fn report_repeats(
    path: &Path,
    text: &str,
    repeats: &[repeats::Repeat],
    problems: &mut Diagnostics,
) {
    let found = repeats::places(text, repeats);
    let place = |p: Pos| format!("{}:{}:{}", path.display(), p.line, p.column);
    for (repeat, places) in repeats.iter().zip(&found) {
        let Some(mapping) = &places.mapping else {
            // Read through an alias: reported where the aliased node is
            // written, unless that was not read.
            let elsewhere = repeats
                .iter()
                .zip(&found)
                .any(|(r, p)| r.key == repeat.key && p.mapping.is_some());
            if !elsewhere {
                problems.push(Diagnostic {
                    file: path.to_path_buf(),
                    line: 0,
                    column: 0,
                    message: format!(
                        "key `{}` is given twice in a mapping reached through an alias",
                        repeat.key
                    ),
                });
            }
            continue;
        };
        let within = if mapping.is_empty() {
            "the top level"
        } else {
            mapping
        };
        let second = places.second.unwrap_or_default();
        let first = places
            .first
            .map(place)
            .unwrap_or_else(|| format!("entry {} of the mapping", repeat.first + 1));
        problems.push(Diagnostic {
            file: path.to_path_buf(),
            line: second.line,
            column: second.column,
            message: format!(
                "key `{}` is given twice in {within}: it is already given at {first}",
                repeat.key
            ),
        });
    }
}

/// The key an ignored path ends in.
fn last_key(path: &serde_ignored::Path<'_>) -> String {
    match path {
        serde_ignored::Path::Map { key, .. } => key.clone(),
        serde_ignored::Path::Seq { index, .. } => index.to_string(),
        _ => String::new(),
    }
}

/// Turns serde_ignored's path into our `a.b[3].c` form.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path as P;
    match path {
        P::Root => String::new(),
        P::Seq { parent, index } => index_path(&ignored_path(parent), *index),
        P::Map { parent, key } => key_path(&ignored_path(parent), key),
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            ignored_path(parent)
        }
    }
}

/// serde_yaml appends " at line X column Y"; we print the place up front instead.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
