//! `generated/` is exactly what `spec/` produces, checked by a plain
//! `cargo test` as well as by `cargo xtask codegen --check`, so a spec or
//! generator change without `cargo xtask codegen` fails wherever tests run.
//! Nothing is written: run `cargo xtask codegen` to bring it up to date.

use std::path::Path;

use docker_codegen::{output, LowerOptions};

#[test]
fn generated_crate_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = docker_codegen::generate(&root.join("spec"), &LowerOptions::default())
        .unwrap_or_else(|e| panic!("spec/ does not generate: {e}"));
    let drift = output::check(&root.join("generated"), &files).unwrap();
    assert!(
        drift.is_empty(),
        "generated/ is stale; run `cargo xtask codegen`:\n{}",
        drift
            .iter()
            .map(|d| format!("  {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_spec_lints_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = docker_codegen::load_spec(&root.join("spec")).unwrap();
    let warnings = docker_codegen::validate::lint(&spec);
    assert!(warnings.is_empty(), "{warnings}");
}

#[test]
fn every_version_of_the_spec_generates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = docker_codegen::load_spec(&root.join("spec")).unwrap();
    let oldest =
        docker_codegen::types::ApiVersion::parse(&spec.api.content.oldest_version).unwrap();
    let newest = docker_codegen::types::ApiVersion::parse(&spec.api.content.api_version).unwrap();
    assert_eq!(
        oldest.major, newest.major,
        "the range stays within one major version"
    );
    for minor in oldest.minor..=newest.minor {
        let version = format!("{}.{minor}", oldest.major);
        let options = LowerOptions {
            api_version: Some(version.clone()),
        };
        let ir = docker_codegen::build_ir(&root.join("spec"), &options)
            .unwrap_or_else(|e| panic!("API {version}: {e}"));
        assert_eq!(ir.meta.version_prefix, format!("/v{version}"));
        assert!(!ir.operations.is_empty());
        let files = docker_codegen::generate(&root.join("spec"), &options)
            .unwrap_or_else(|e| panic!("API {version}: {e}"));
        assert!(files["src/lib.rs"].contains(&format!("API_VERSION: &str = \"{version}\"")));
    }
}
