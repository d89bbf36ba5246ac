//! The Remote API v1.1 spec tree (`fixtures/remote-api-v1.1`) against the
//! checklist of its doc (`fixtures/remote-api-v1.1/checklist/v1.1.yaml`,
//! written by `cargo xtask checklist --doc ../shared/seeds/remote-api-v1.1.rst
//! --out ...`): every documented endpoint, query parameter, request header,
//! status code and JSON parameter name must be in the tree. The checklist
//! lives in a subdirectory because every `*.yaml` beside `api.yaml` is read as
//! a tag file.

use std::path::{Path, PathBuf};

use docker_codegen::{checklist, LowerOptions};

fn tree() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/remote-api-v1.1")
}

fn the_checklist() -> checklist::Checklist {
    let text = std::fs::read_to_string(tree().join("checklist/v1.1.yaml")).unwrap();
    checklist::from_yaml(&text).unwrap()
}

#[test]
fn the_checklist_lists_the_27_endpoints_of_the_doc() {
    let list = the_checklist();
    assert_eq!(list.source, "remote-api-v1.1.rst");
    assert_eq!(
        list.endpoints.len(),
        27,
        "the doc has 27 `.. http:` directives"
    );
    let per_section = |s: &str| list.endpoints.iter().filter(|e| e.section == s).count();
    assert_eq!(
        (
            per_section("3.1 Containers"),
            per_section("3.2 Images"),
            per_section("3.3 Misc")
        ),
        (12, 9, 6)
    );
}

#[test]
fn the_v1_1_tree_covers_every_fact_of_its_doc() {
    let list = the_checklist();
    // The doc describes v1.1: the tree is checked as it is at that version.
    let ir = docker_codegen::build_ir(
        &tree(),
        &LowerOptions {
            api_version: Some("1.1".into()),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let missing = checklist::check(&ir, &list);
    assert!(
        missing.is_empty(),
        "{} facts of the v1.1 doc are missing from the tree:\n{}",
        missing.len(),
        missing.join("\n")
    );
    // Each endpoint is transcribed by an operation of its own, except that
    // `GET /images/(format)` is two (`image_list`, `image_viz`).
    let found: std::collections::BTreeSet<&str> = list
        .endpoints
        .iter()
        .map(|e| checklist::find_operation(&ir, e).unwrap().id.as_str())
        .collect();
    assert_eq!(found.len(), 27);
    assert_eq!(ir.operations.len(), 28);
}

#[test]
fn the_v1_1_tree_lowers_at_v1_0_too() {
    let ir = docker_codegen::build_ir(
        &tree(),
        &LowerOptions {
            api_version: Some("1.0".into()),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Deleting an image answered 204 only, before the v1.1 list of what went.
    let delete = &ir.operations["image_delete"];
    assert!(!delete.responses.contains_key(&200));
    assert!(delete.responses.contains_key(&204));
}
