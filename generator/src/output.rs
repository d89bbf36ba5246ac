//! Stage 5: bring a directory in line with a generated [`FileSet`], or check it.
//!
//! Writing happens only after everything was generated in memory, each file
//! through a temporary sibling and a rename, and only files whose content
//! changed are touched.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::emit::FileSet;

/// What a write changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteSummary {
    pub written: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: usize,
}

/// A way `dir` differs from what the spec produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The file's content is not what the generator produces.
    Stale(String),
    /// The generator produces it; the directory lacks it.
    Missing(String),
    /// The directory has it; the generator does not produce it.
    Extra(String),
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Stale(p) => write!(f, "stale:   {p}"),
            Drift::Missing(p) => write!(f, "missing: {p}"),
            Drift::Extra(p) => write!(f, "extra:   {p}"),
        }
    }
}

/// Every file under `dir`, as `/`-separated relative paths, sorted.
pub fn existing_files(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
    }
    Ok(())
}

/// Compares `dir` with `files` without changing anything.
pub fn check(dir: &Path, files: &FileSet) -> io::Result<Vec<Drift>> {
    let mut drift = Vec::new();
    for (rel, content) in files {
        match fs::read(dir.join(rel)) {
            Ok(bytes) if bytes == content.as_bytes() => {}
            Ok(_) => drift.push(Drift::Stale(rel.clone())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                drift.push(Drift::Missing(rel.clone()))
            }
            Err(e) => return Err(e),
        }
    }
    for rel in existing_files(dir)? {
        if !files.contains_key(&rel) {
            drift.push(Drift::Extra(rel));
        }
    }
    Ok(drift)
}

/// Writes changed files and removes files no longer produced.
pub fn write(dir: &Path, files: &FileSet) -> io::Result<WriteSummary> {
    let mut summary = WriteSummary::default();
    for (rel, content) in files {
        let path = dir.join(rel);
        if fs::read(&path).is_ok_and(|b| b == content.as_bytes()) {
            summary.unchanged += 1;
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let tmp = temp_sibling(&path);
        fs::write(&tmp, content)?;
        fs::rename(&tmp, &path)?;
        summary.written.push(rel.clone());
    }
    for rel in existing_files(dir)? {
        if !files.contains_key(&rel) {
            fs::remove_file(dir.join(&rel))?;
            summary.removed.push(rel);
        }
    }
    remove_empty_dirs(dir)?;
    Ok(summary)
}

fn temp_sibling(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".codegen-tmp");
    path.with_file_name(name)
}

fn remove_empty_dirs(dir: &Path) -> io::Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            remove_empty_dirs(&path)?;
            if fs::read_dir(&path)?.next().is_none() {
                fs::remove_dir(&path)?;
            }
        }
    }
    Ok(())
}
