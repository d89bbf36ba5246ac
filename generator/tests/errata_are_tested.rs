//! Every erratum in `spec/` names the test that proves the daemon differs from
//! the doc, and that test exists: a live test (`live_x::name`, in
//! `live/tests/live_x.rs`) or a generated example test (`examples::name`, in
//! `generated/tests/examples.rs`). An erratum without a test is a claim nobody
//! checks; a renamed or deleted test would leave one behind silently. The
//! few that no daemon here can show say so in `untested`, with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use docker_codegen::load::load_dir;
use docker_codegen::model::{ErratumDecl, TypeDecl};

/// Each erratum of a spec file, as (where in the file, erratum).
fn errata_of_types<'a>(
    types: impl Iterator<Item = (&'a String, &'a TypeDecl)>,
    out: &mut Vec<(String, &'a ErratumDecl)>,
) {
    for (name, decl) in types {
        out.extend(decl.errata.iter().map(|e| (format!("types.{name}"), e)));
        for (field, f) in decl.fields.iter().flatten() {
            out.extend(
                f.errata
                    .iter()
                    .map(|e| (format!("types.{name}.{field}"), e)),
            );
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The file a test reference points into.
fn test_file(reference: &str) -> Option<(PathBuf, &str)> {
    let (module, name) = reference.split_once("::")?;
    let file = if module == "examples" {
        root().join("generated/tests/examples.rs")
    } else if module.starts_with("live_") {
        root().join("live/tests").join(format!("{module}.rs"))
    } else {
        return None;
    };
    Some((file, name))
}

/// Whether `source` defines a test function `name`: `fn name(` with a test
/// attribute among the lines right above it.
fn defines_test(source: &str, name: &str) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    lines.iter().enumerate().any(|(i, line)| {
        let line = line.trim_start();
        let defines = line.starts_with(&format!("fn {name}("))
            || line.starts_with(&format!("async fn {name}("));
        defines
            && lines[i.saturating_sub(4)..i]
                .iter()
                .any(|l| l.trim_start().starts_with("#[tokio::test") || l.trim() == "#[test]")
    })
}

#[test]
fn every_erratum_names_a_test_that_exists() {
    let spec = load_dir(&root().join("spec")).unwrap_or_else(|e| panic!("{e}"));
    let mut errata: Vec<(String, String, &ErratumDecl)> = Vec::new();
    let mut found = Vec::new();
    errata_of_types(spec.api.content.types.iter(), &mut found);
    let api_file = spec.api.file.display().to_string();
    errata.extend(found.drain(..).map(|(at, e)| (api_file.clone(), at, e)));
    for file in &spec.files {
        let name = file.file.display().to_string();
        let tag = &file.content;
        errata_of_types(tag.types.iter(), &mut found);
        for op in &tag.operations {
            let at = format!("operations.{}", op.id);
            found.extend(op.errata.iter().map(|e| (at.clone(), e)));
            for p in op.path_params.iter().chain(&op.query).chain(&op.headers) {
                found.extend(p.errata.iter().map(|e| (format!("{at}.{}", p.name), e)));
            }
            for (status, r) in &op.responses {
                found.extend(
                    r.errata
                        .iter()
                        .map(|e| (format!("{at}.responses.{}", status.0), e)),
                );
            }
        }
        errata.extend(found.drain(..).map(|(at, e)| (name.clone(), at, e)));
    }
    assert!(errata.len() > 20, "the spec's errata were not found");

    let mut sources: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for (file, at, erratum) in &errata {
        let place = format!("{file}: {at}: erratum `{}`", erratum.id);
        let reference = match (&erratum.test, &erratum.untested) {
            (Some(_), Some(_)) => {
                problems.push(format!("{place} has both `test` and `untested`"));
                continue;
            }
            (None, Some(reason)) if reason.trim().len() >= 20 => continue,
            (None, Some(_)) => {
                problems.push(format!("{place}: `untested` must say why"));
                continue;
            }
            (None, None) => {
                problems.push(format!(
                    "{place} names no test (or, where none can exist here, `untested` with the reason)"
                ));
                continue;
            }
            (Some(reference), None) => reference,
        };
        let Some((path, name)) = test_file(reference) else {
            problems.push(format!(
                "{place}: `{reference}` is neither `live_<file>::<test>` nor `examples::<test>`"
            ));
            continue;
        };
        let source = sources
            .entry(path.clone())
            .or_insert_with(|| std::fs::read_to_string(&path).unwrap_or_default());
        if !defines_test(source, name) {
            problems.push(format!("{place}: no test `{name}` in {}", path.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} errata are not backed by a test:\n{}",
        problems.len(),
        errata.len(),
        problems.join("\n")
    );
}

#[test]
fn parameter_and_response_errata_reach_the_operation() {
    let ir = docker_codegen::build_ir(
        &root().join("spec"),
        &docker_codegen::LowerOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ids = |op: &str| -> Vec<String> {
        ir.operations[op]
            .errata
            .iter()
            .map(|e| e.id.clone())
            .collect()
    };
    // A query parameter's erratum and a response's, each shown on its operation.
    assert!(ids("image_load").contains(&"image-load-quiet-default".to_string()));
    assert!(ids("exec_resize").contains(&"exec-resize-status-200".to_string()));
}
