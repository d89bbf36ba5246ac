//! `docker-codegen`: turns a hand-written API spec (the Docker Engine API's
//! in `spec/`, or any other in the same format) into a Rust crate.
//!
//! The pipeline runs one way, one module per stage:
//! [`load`] (YAML → [`model`]) → [`validate`] (every problem, with its place)
//! → [`ir`] (plain ordered data for one API version) → [`emit`] (files in
//! memory) → [`output`] (write or check a directory).

pub mod checklist;
pub mod diagnostics;
pub mod emit;
pub mod history;
pub mod ir;
pub mod load;
pub mod model;
pub mod naming;
pub mod output;
pub mod swagger;
pub mod types;
pub mod validate;
pub mod versioned;
pub mod words;

use std::fmt;
use std::path::Path;

pub use diagnostics::{Diagnostic, Diagnostics};
pub use emit::FileSet;
pub use ir::{Ir, LowerOptions};

/// Why generation failed.
#[derive(Debug)]
pub enum Error {
    /// The spec has problems; every one is listed.
    Spec(Diagnostics),
    /// The requested API version cannot be produced.
    Version(String),
    /// The generator itself produced something unusable (a bug in the generator).
    Emit(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(d) => write!(f, "{d}"),
            Error::Version(m) => write!(f, "{m}"),
            Error::Emit(m) => write!(f, "internal generator error: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Loads and validates the spec in `dir`.
pub fn load_spec(dir: &Path) -> Result<load::RawSpec, Diagnostics> {
    let spec = load::load_dir(dir)?;
    let problems = validate::validate(&spec);
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(problems)
    }
}

/// Loads, validates and lowers the spec in `dir`.
pub fn build_ir(dir: &Path, options: &LowerOptions) -> Result<Ir, Error> {
    let spec = load_spec(dir).map_err(Error::Spec)?;
    ir::lower(&spec, options).map_err(Error::Version)
}

/// Runs the whole pipeline and returns the generated files, in memory.
pub fn generate(dir: &Path, options: &LowerOptions) -> Result<FileSet, Error> {
    let ir = build_ir(dir, options)?;
    emit::emit(&ir).map_err(Error::Emit)
}
