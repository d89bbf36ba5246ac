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
    let ir = docker_codegen::build_ir(&root.join("spec"), &LowerOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let missing = checklist::check(&ir, &list);
    assert!(
        missing.is_empty(),
        "{} facts of the doc are missing from the spec:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
