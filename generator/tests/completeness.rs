//! The spec against the checklist of facts extracted from the upstream doc
//! (`spec/checklist/v1.24.yaml`, written by `cargo xtask checklist`): every
//! documented endpoint, query parameter, request header, status code and JSON
//! parameter name must be in the spec.

use std::path::Path;

use docker_codegen::{checklist, LowerOptions};

#[test]
fn the_spec_covers_every_fact_of_the_doc() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("spec/checklist/v1.24.yaml")).unwrap();
    let list = checklist::from_yaml(&text).unwrap();
    assert!(
        !list.endpoints.is_empty(),
        "the checklist claims no section"
    );
    // The doc describes v1.24: the spec is checked as it is at that version.
    let ir = docker_codegen::build_ir(
        &root.join("spec"),
        &LowerOptions {
            api_version: Some("1.24".into()),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let missing = checklist::check(&ir, &list);
    assert!(
        missing.is_empty(),
        "{} facts of the doc are missing from the spec:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// The spec against Docker's swagger file of every version it reaches
/// (`spec/checklist/swagger/v1.XX.yaml`, written by `cargo xtask
/// swagger-checklist`): at each version, every operation, query parameter,
/// header, status code and body name of that file is in the spec lowered at
/// that version, or an erratum of the operation quotes it.
#[test]
fn the_spec_covers_every_fact_of_the_swagger_files_it_reaches() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = docker_codegen::load_spec(&root.join("spec")).unwrap_or_else(|e| panic!("{e}"));
    let newest = docker_codegen::types::ApiVersion::parse(&spec.api.content.api_version).unwrap();
    let dir = root.join("spec/checklist/swagger");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 27,
        "the swagger checklists of v1.25 to v1.51 are missing"
    );
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let list =
            checklist::from_yaml(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            !list.endpoints.is_empty(),
            "{} lists no operation",
            file.display()
        );
        let version = list.endpoints[0]
            .section
            .trim_start_matches('v')
            .to_string();
        if docker_codegen::types::ApiVersion::parse(&version).unwrap() > newest {
            continue;
        }
        checked += 1;
        let ir = docker_codegen::build_ir(
            &root.join("spec"),
            &LowerOptions {
                api_version: Some(version.clone()),
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        missing.extend(checklist::check(&ir, &list));
    }
    eprintln!("swagger checklists checked: {checked} (versions up to {newest})");
    assert!(
        missing.is_empty(),
        "{} facts of the swagger files are missing from the spec:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
