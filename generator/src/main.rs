//! The `docker-codegen` command line: validate the spec, generate the crate,
//! or export OpenAPI.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use docker_codegen::{output, LowerOptions};

/// Rendering is mostly small token allocations; see the generator's Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "docker-codegen",
    version,
    about = "Generate a Rust crate (models, async client, server stubs) from an API spec"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the spec and list every problem with its file, line and column.
    Validate {
        /// The spec directory.
        #[arg(long, default_value = "spec")]
        spec: PathBuf,
    },
    /// Generate the crate into a directory (only changed files are written).
    Generate {
        #[arg(long, default_value = "spec")]
        spec: PathBuf,
        /// The output directory.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        /// Generate for an older API version (drops what came later).
        #[arg(long)]
        api_version: Option<String>,
        /// Change nothing; fail if the output directory is not up to date.
        #[arg(long)]
        check: bool,
    },
    /// Print the OpenAPI 3.1 document of the spec.
    Openapi {
        #[arg(long, default_value = "spec")]
        spec: PathBuf,
        #[arg(long)]
        api_version: Option<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Validate { spec } => {
            let loaded = docker_codegen::load_spec(&spec).map_err(|d| d.to_string())?;
            let ops: usize = loaded
                .files
                .iter()
                .map(|f| f.content.operations.len())
                .sum();
            for warning in docker_codegen::validate::lint(&loaded).iter() {
                eprintln!("warning: {warning}");
            }
            println!(
                "spec is valid: {} files, {ops} operations",
                loaded.files.len() + 1
            );
            Ok(())
        }
        Command::Generate {
            spec,
            out,
            api_version,
            check,
        } => {
            let files = docker_codegen::generate(&spec, &LowerOptions { api_version })
                .map_err(|e| e.to_string())?;
            if check {
                let drift =
                    output::check(&out, &files).map_err(|e| format!("{}: {e}", out.display()))?;
                if drift.is_empty() {
                    println!("{} is up to date ({} files)", out.display(), files.len());
                    return Ok(());
                }
                let lines: Vec<String> = drift.iter().map(|d| format!("  {d}")).collect();
                return Err(format!(
                    "{} is not what spec/ produces:\n{}",
                    out.display(),
                    lines.join("\n")
                ));
            }
            let summary =
                output::write(&out, &files).map_err(|e| format!("{}: {e}", out.display()))?;
            println!(
                "{}: {} written, {} removed, {} unchanged",
                out.display(),
                summary.written.len(),
                summary.removed.len(),
                summary.unchanged
            );
            Ok(())
        }
        Command::Openapi { spec, api_version } => {
            let ir = docker_codegen::build_ir(&spec, &LowerOptions { api_version })
                .map_err(|e| e.to_string())?;
            println!("{}", docker_codegen::emit::openapi_document(&ir)?);
            Ok(())
        }
    }
}
