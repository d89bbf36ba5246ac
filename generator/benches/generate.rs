//! Load + validate + lower + emit of the whole spec, in memory.
//! Run with `cargo bench -p docker-codegen`.
//!
//! Measured with the allocator the `docker-codegen` CLI uses (mimalloc), so
//! the figure is what a user of the CLI sees, minus process start and disk.

use std::path::Path;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion};
use docker_codegen::LowerOptions;

fn whole_spec(c: &mut Criterion) {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    c.bench_function("generate_full_spec", |b| {
        b.iter(|| {
            docker_codegen::generate(&spec, &LowerOptions::default()).expect("the spec is valid")
        })
    });
    c.bench_function("load_and_validate_full_spec", |b| {
        b.iter(|| docker_codegen::load_spec(&spec).expect("the spec is valid"))
    });
}

criterion_group!(benches, whole_spec);
criterion_main!(benches);
