//! Random-input fuzzing on stable Rust: `cargo xtask fuzz [TARGET] [--seconds N]`.
//!
//! No coverage-guided fuzzer builds on stable here, so each target generates
//! structured inputs (frames, JSON lines, HTTP requests, spec files), mutates
//! some of them at the byte level, and checks properties that hold for every
//! input: nothing panics or hangs, and where an independent oracle exists
//! (a reference demultiplexer, serde_json's own reading of a line, chunking
//! that must not change the outcome) the result matches it.
//!
//! An input that breaks a property is written to
//! `target/fuzz-findings/<target>/<hash>` and replayed with
//! `drapi-fuzz <target> --replay <file>`. The run prints the executions, the
//! findings and the peak memory of the process, and fails on any finding.

mod demux;
mod hijack;
mod json_lines;
mod mutate;
mod server;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// One fuzz target: makes inputs and checks a property on each.
pub trait Target {
    /// A new input (structured, often mutated afterwards by the runner).
    fn generate(&mut self, rng: &mut fastrand::Rng) -> Vec<u8>;
    /// Runs one input; `Err` says which property it broke.
    fn run(&mut self, input: &[u8]) -> Result<(), String>;
}

const TARGETS: [&str; 5] = ["demux", "json-lines", "hijack", "server", "spec"];

fn target(name: &str, workspace: &Path) -> Result<Box<dyn Target>, String> {
    Ok(match name {
        "demux" => Box::new(demux::Demux),
        "json-lines" => Box::new(json_lines::JsonLinesTarget::new()),
        "hijack" => Box::new(hijack::Hijack::new()?),
        "server" => Box::new(server::Server::new()?),
        "spec" => Box::new(spec::Spec::new(workspace)?),
        other => {
            return Err(format!(
                "no fuzz target {other:?}; the targets are {}",
                TARGETS.join(", ")
            ))
        }
    })
}

struct Options {
    target: String,
    seconds: u64,
    seed: u64,
    replay: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        target: String::new(),
        seconds: 10,
        seed: fastrand::u64(..),
        replay: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--seconds" => {
                options.seconds = value("--seconds")?
                    .parse()
                    .map_err(|_| "--seconds takes a whole number".to_string())?
            }
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed takes a whole number".to_string())?
            }
            "--replay" => options.replay = Some(PathBuf::from(value("--replay")?)),
            name if !name.starts_with('-') && options.target.is_empty() => {
                options.target = name.to_string()
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.target.is_empty() {
        return Err(format!(
            "usage: drapi-fuzz <{}> [--seconds N] [--seed S] [--replay FILE]",
            TARGETS.join("|")
        ));
    }
    Ok(options)
}

/// The peak resident memory of this process, from `/proc/self/status`.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `input` through `target`, turning a panic into a finding.
fn check(target: &mut dyn Target, input: &[u8]) -> Result<(), String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target.run(input))) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into());
            Err(format!("panicked: {message}"))
        }
    }
}

fn fuzz(options: &Options, workspace: &Path) -> Result<bool, String> {
    let mut target = target(&options.target, workspace)?;
    if let Some(file) = &options.replay {
        let input = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        return match check(target.as_mut(), &input) {
            Ok(()) => {
                println!("{}: {} passes", options.target, file.display());
                Ok(true)
            }
            Err(finding) => {
                println!("{}: {}: {finding}", options.target, file.display());
                Ok(false)
            }
        };
    }
    let findings_dir = workspace.join("target/fuzz-findings").join(&options.target);
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let (mut executions, mut findings) = (0u64, 0u64);
    let mut largest = 0usize;
    while Instant::now() < deadline {
        let mut input = target.generate(&mut rng);
        if rng.u8(..) < 128 {
            mutate::mutate(&mut rng, &mut input);
        }
        largest = largest.max(input.len());
        executions += 1;
        if let Err(finding) = check(target.as_mut(), &input) {
            findings += 1;
            let name = format!("{:016x}", mutate::hash(&input));
            std::fs::create_dir_all(&findings_dir)
                .map_err(|e| format!("{}: {e}", findings_dir.display()))?;
            let file = findings_dir.join(&name);
            std::fs::write(&file, &input).map_err(|e| format!("{}: {e}", file.display()))?;
            if findings <= 5 {
                println!("{}: finding {}: {finding}", options.target, file.display());
            }
        }
    }
    println!(
        "{}: {executions} executions in {} s (seed {}), {findings} findings, largest input {largest} bytes, peak memory {} KiB",
        options.target,
        options.seconds,
        options.seed,
        peak_memory_kib().map_or("?".into(), |k| k.to_string()),
    );
    Ok(findings == 0)
}

fn main() -> ExitCode {
    // Panics are findings, reported once each by `check`, not printed as they happen.
    std::panic::set_hook(Box::new(|_| {}));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve-stubs") {
        // For request generators that run as their own process (schemathesis).
        let addr = args.get(1).map_or("127.0.0.1:0", String::as_str);
        return match server::serve_forever(addr) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("drapi-fuzz: {message}");
                ExitCode::from(2)
            }
        };
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("fuzz/ sits inside the workspace")
        .to_path_buf();
    match parse(&args).and_then(|options| fuzz(&options, &workspace)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("drapi-fuzz: {message}");
            ExitCode::from(2)
        }
    }
}
