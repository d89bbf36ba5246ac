//! The spec against the version history of the upstream doc
//! (`spec/checklist/history.yaml`, written by `cargo xtask history`): every
//! bullet up to the spec's `api_version` must be recorded, by an item
//! annotated at its version or by a `changes:` entry of `api.yaml` naming it
//! (see `docker_codegen::history` for the matching rule).

use std::path::Path;

use docker_codegen::history;

#[test]
fn the_spec_records_every_bullet_of_the_version_history() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("spec/checklist/history.yaml")).unwrap();
    let list = history::from_yaml(&text).unwrap();
    assert!(!list.bullets.is_empty(), "the history checklist is empty");
    // The raw spec: every version's items, not one lowered version.
    let spec = docker_codegen::load_spec(&root.join("spec")).unwrap_or_else(|e| panic!("{e}"));
    let report = history::check(&spec, &list);
    eprintln!(
        "history: {} bullets matched, {} unmatched, {} skipped (after API {})",
        report.matched.len(),
        report.unmatched.len(),
        report.skipped.len(),
        spec.api.content.api_version
    );
    // How each bullet is recorded, for spotting a match by a name that means something else.
    for (bullet, how) in &report.matched {
        eprintln!("  {}: {how:?}", bullet.id);
    }
    let unmatched: Vec<String> = report.unmatched.iter().map(|b| b.describe()).collect();
    assert!(
        unmatched.is_empty(),
        "{} bullets of the version history are not recorded in the spec \
         (annotate the item at the bullet's version, or add an `api.yaml` change naming the bullet):\n{}",
        unmatched.len(),
        unmatched.join("\n")
    );
}
