//! Project automation: `cargo xtask <command>`.
//!
//! - `codegen [--check]`: regenerate `generated/` from `spec/`, or fail when it is stale.
//! - `checklist`: extract the completeness checklist from the upstream doc into `spec/checklist/`.
//! - `history`: extract the version-history checklist into `spec/checklist/history.yaml`.
//! - `swagger-checklist`: extract the facts of Docker's swagger files v1.25 to v1.51 into `spec/checklist/swagger/`.
//! - `fuzz [TARGET] [--seconds N] [--release]`: run the fuzz targets of `fuzz/` (all five when no
//!   target is named), N seconds each (default 60).
//! - `dockerd [--daemon 20.10|28.5]`: start the private test daemons and registry, print their environment, stop on Enter.
//! - `bench-build [--rounds N] [--debug-only]`: clean builds of a program that lists containers,
//!   on the generated crate and on bollard, alternating; prints the ratio.
//! - `test [--daemon 20.10|28.5] [--live | --static]`: everything CI runs: fmt, clippy, the codegen
//!   check, the workspace tests and the live passes against both daemons (`--daemon` keeps one of
//!   them, `--live` skips everything before the live passes, `--static` stops before them).

mod bench_build;
mod daemon;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use docker_codegen::{output, LowerOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen(args[1..].iter().any(|a| a == "--check")),
        Some("checklist") => checklist(&args[1..]),
        Some("history") => history(),
        Some("swagger-checklist") => swagger_checklist(),
        Some("fuzz") => fuzz(&args[1..]),
        Some("bench-build") => bench_build::bench_build(&root(), &args[1..]),
        Some("test") => TestOptions::parse(&args[1..]).and_then(|o| test(&o)),
        Some("dockerd") => TestOptions::parse(&args[1..]).and_then(|o| dockerd(&o)),
        _ => Err(
            "usage: cargo xtask <codegen [--check] | checklist [--doc DOC.md|DOC.rst] [--out FILE] [SECTION...] | history | swagger-checklist | fuzz [TARGET] [--seconds N] [--release] | bench-build [--rounds N] [--debug-only] | dockerd [--daemon 20.10|28.5] | test [--daemon 20.10|28.5] [--live | --static]>"
                .to_string(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}

fn codegen(check: bool) -> Result<(), String> {
    let root = root();
    let spec = root.join("spec");
    let out = root.join("generated");
    let files =
        docker_codegen::generate(&spec, &LowerOptions::default()).map_err(|e| e.to_string())?;
    if check {
        let drift = output::check(&out, &files).map_err(|e| e.to_string())?;
        if drift.is_empty() {
            println!("codegen: generated/ is up to date ({} files)", files.len());
            return Ok(());
        }
        let lines: Vec<String> = drift.iter().map(|d| format!("  {d}")).collect();
        return Err(format!(
            "generated/ is not what spec/ produces; run `cargo xtask codegen`:\n{}",
            lines.join("\n")
        ));
    }
    let summary = output::write(&out, &files).map_err(|e| e.to_string())?;
    println!(
        "codegen: {} files written, {} removed, {} unchanged",
        summary.written.len(),
        summary.removed.len(),
        summary.unchanged
    );
    Ok(())
}

/// The upstream doc the checklist is read from.
const DOC: &str = "../shared/seeds/engine-api-v1.24.md";
/// Where the checklist is committed.
pub const CHECKLIST: &str = "spec/checklist/v1.24.yaml";

/// `checklist [--doc DOC] [--out FILE] [3.1 3.2 ...]`: the sections whose
/// facts the spec claims to cover (all of them when none are named).
/// Transcription issues add their sections. Without `--doc` it reads the
/// v1.24 Markdown doc into `spec/checklist/v1.24.yaml`; a doc ending in `.rst`
/// (Remote API v1.1, say) is read as reStructuredText. Relative paths are
/// taken from the workspace root; `--out` defaults to `spec/checklist/`
/// and the doc's file name.
fn checklist(args: &[String]) -> Result<(), String> {
    let root = root();
    let mut doc: Option<String> = None;
    let mut out: Option<String> = None;
    let mut sections: Vec<&String> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--doc" | "--out" => {
                let value = rest
                    .next()
                    .ok_or_else(|| format!("checklist: {arg} needs a path"))?
                    .clone();
                if arg == "--doc" {
                    doc = Some(value);
                } else {
                    out = Some(value);
                }
            }
            _ => sections.push(arg),
        }
    }
    let doc_rel = doc.as_deref().unwrap_or(DOC);
    let doc_path = root.join(doc_rel);
    let text =
        std::fs::read_to_string(&doc_path).map_err(|e| format!("{}: {e}", doc_path.display()))?;
    let doc_name = doc_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut list = match doc {
        None => docker_codegen::checklist::extract(&text, "engine-api-v1.24.md"),
        Some(_) if doc_name.ends_with(".rst") => {
            docker_codegen::checklist::extract_rst(&text, &doc_name)
        }
        Some(_) => docker_codegen::checklist::extract(&text, &doc_name),
    };
    if !sections.is_empty() {
        list.endpoints.retain(|e| {
            sections
                .iter()
                .any(|s| e.section.starts_with(&format!("{s} ")))
        });
    }
    let out_rel = match (&out, &doc) {
        (Some(o), _) => o.clone(),
        (None, None) => CHECKLIST.to_string(),
        (None, Some(_)) => format!(
            "spec/checklist/{}.yaml",
            doc_name
                .rsplit_once('.')
                .map_or(doc_name.as_str(), |(stem, _)| stem)
        ),
    };
    let yaml = serde_yaml_text(&list)?;
    let out_path = root.join(&out_rel);
    std::fs::create_dir_all(out_path.parent().unwrap_or(&root)).map_err(|e| e.to_string())?;
    std::fs::write(&out_path, yaml).map_err(|e| e.to_string())?;
    println!(
        "checklist: {} endpoints written to {out_rel}",
        list.endpoints.len()
    );
    Ok(())
}

fn serde_yaml_text(list: &docker_codegen::checklist::Checklist) -> Result<String, String> {
    let header = "# Facts of the upstream doc, extracted by `cargo xtask checklist`; the completeness test checks spec/ against them.\n";
    Ok(format!(
        "{header}{}",
        docker_codegen::checklist::to_yaml(list)?
    ))
}

/// The version history of the seed: its sections v1.25 down to v1.18.
const HISTORY_SEED: &str = "../shared/seeds/remote-api-version-history.md";
/// The reference copy of the version history: only its sections v1.18 to v1.24 are read.
const HISTORY_REFERENCE: &str = "../shared/reference/docker-engine-api/version-history.md";
/// Where the version-history checklist is committed.
pub const HISTORY: &str = "spec/checklist/history.yaml";

/// `history`: the facts of every version-history bullet (no prose), for
/// `generator/tests/history.rs`.
fn history() -> Result<(), String> {
    use docker_codegen::history::{self, Doc};
    use docker_codegen::types::ApiVersion;

    let root = root();
    let read = |rel: &str| {
        let path = root.join(rel);
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let version = |v: &str| ApiVersion::parse(v);
    let seed_text = read(HISTORY_SEED)?;
    let reference_text = read(HISTORY_REFERENCE)?;
    let seed = Doc {
        file: HISTORY_SEED,
        text: &seed_text,
        oldest: version("1.18")?,
        newest: version("1.25")?,
    };
    let reference = Doc {
        file: HISTORY_REFERENCE,
        text: &reference_text,
        oldest: version("1.18")?,
        newest: version("1.51")?,
    };
    let list = history::extract(&seed, &reference);
    let header = "# Facts of the version-history bullets of the upstream doc, extracted by `cargo xtask history`; generator/tests/history.rs checks spec/ records each.\n";
    let out = root.join(HISTORY);
    std::fs::create_dir_all(out.parent().unwrap_or(&root)).map_err(|e| e.to_string())?;
    std::fs::write(&out, format!("{header}{}", history::to_yaml(&list)?))
        .map_err(|e| e.to_string())?;
    println!(
        "history: {} bullets written to {HISTORY}",
        list.bullets.len()
    );
    Ok(())
}

/// Where Docker's swagger files are, and where their checklists go.
const SWAGGER_DIR: &str = "../shared/reference/docker-engine-api";
const SWAGGER_CHECKLISTS: &str = "spec/checklist/swagger";

/// `swagger-checklist`: extracts the facts of Docker's swagger file of every
/// version from v1.25 to v1.51 into `spec/checklist/swagger/v1.XX.yaml`. The
/// completeness test checks the spec against those up to its newest version.
fn swagger_checklist() -> Result<(), String> {
    let root = root();
    let out_dir = root.join(SWAGGER_CHECKLISTS);
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    for minor in 25..=51 {
        let version = format!("1.{minor}");
        let name = format!("v{version}.yaml");
        let path = root.join(SWAGGER_DIR).join(&name);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let list = docker_codegen::swagger::extract(&text, &name, &version)?;
        let header = format!("# Facts of Docker's swagger file {name}, extracted by `cargo xtask swagger-checklist`; the completeness test checks spec/ against them at API {version}.\n");
        let yaml = docker_codegen::checklist::to_yaml(&list)?;
        std::fs::write(out_dir.join(&name), format!("{header}{yaml}"))
            .map_err(|e| e.to_string())?;
        println!(
            "swagger-checklist: {} operations of {name} written",
            list.endpoints.len()
        );
    }
    Ok(())
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_with_env(program, args, &[])
}

/// What `cargo xtask test` and `cargo xtask dockerd` were asked for.
struct TestOptions {
    /// The daemons to run; both unless `--daemon` names one.
    engines: Vec<daemon::Engine>,
    /// Only the live passes (and the examples), not the static checks before them.
    live_only: bool,
    /// Only the static checks, no daemon.
    static_only: bool,
}

impl TestOptions {
    fn parse(args: &[String]) -> Result<TestOptions, String> {
        let mut options = TestOptions {
            engines: daemon::Engine::ALL.to_vec(),
            live_only: false,
            static_only: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--live" => options.live_only = true,
                "--static" => options.static_only = true,
                "--daemon" => {
                    let name = args.next().ok_or("--daemon needs a name: 20.10 or 28.5")?;
                    let engine = daemon::Engine::from_name(name).ok_or_else(|| {
                        format!("no test daemon named {name:?}; the daemons are 20.10 and 28.5")
                    })?;
                    options.engines = vec![engine];
                }
                other => return Err(format!("unknown option {other:?}")),
            }
        }
        Ok(options)
    }
}

fn test(options: &TestOptions) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if options.live_only && options.static_only {
        return Err("--live and --static exclude each other".into());
    }
    if !options.live_only {
        static_checks(&cargo)?;
    }
    if options.static_only {
        return Ok(());
    }
    live_passes(&cargo, &options.engines)
}

/// Everything that needs no daemon.
fn static_checks(cargo: &str) -> Result<(), String> {
    // generated/ is formatted by prettyplease and checked by codegen --check instead.
    run(
        cargo,
        &[
            "fmt",
            "--check",
            "-p",
            "docker-codegen",
            "-p",
            "xtask",
            "-p",
            "live-tests",
            "-p",
            "drapi-fuzz",
            "-p",
            "drapi-bench",
        ],
    )?;
    check_template_formatting()?;
    codegen(true)?;
    validate_openapi()?;
    run(
        cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // Rustdoc of the generated crate: every public item documented, every link resolved.
    run_with_env(
        cargo,
        &[
            "doc",
            "-p",
            "docker-remote-api",
            "--all-features",
            "--no-deps",
        ],
        &[("RUSTDOCFLAGS".into(), "-D warnings".into())],
    )?;
    run(cargo, &["test", "--workspace", "--all-features"])?;
    // The default features leave TLS out; the unit tests of that build say how.
    run(cargo, &["test", "-p", "docker-remote-api", "--lib"])?;
    check_other_versions(cargo)?;
    check_other_specs(cargo)?;
    // A short run of every fuzz target; `cargo xtask fuzz` runs them longer.
    fuzz(&["--seconds".into(), "5".into()])?;
    schemathesis()
}

/// The docker-py the compatibility suite drives (`live/tests/compat_clients.rs`):
/// PyPI's `docker`, pinned, installed into a private venv under `target/` when
/// that pin is not there yet. Answers the venv's Python, which the live passes
/// get as `DRAPI_TEST_DOCKER_PY`.
fn docker_py() -> Result<PathBuf, String> {
    const PIN: &str = "docker==7.1.0";
    let venv = root().join("target/docker-py-venv");
    let python = venv.join("bin/python");
    let installed = venv.join(format!(".installed-{PIN}"));
    if !installed.exists() {
        let path = venv.display().to_string();
        run("python3", &["-m", "venv", &path])
            .map_err(|e| format!("{e}; docker-py needs Python 3 with its venv module"))?;
        let pip = venv.join("bin/pip").display().to_string();
        run_with_env(
            &pip,
            &["install", "--quiet", PIN],
            &[("PIP_DISABLE_PIP_VERSION_CHECK".into(), "1".into())],
        )
        .map_err(|e| format!("{e}; delete target/docker-py-venv to start over"))?;
        std::fs::write(&installed, "").map_err(|e| format!("{}: {e}", installed.display()))?;
    }
    Ok(python)
}

/// Schemathesis (PyPI, installed into a private venv under `target/` on first
/// use) generates requests from the OpenAPI export and sends them to the
/// stubs' router on loopback (`drapi-fuzz serve-stubs`, implementing
/// nothing): every answer must be 501 or a status the export documents for
/// the operation (`xtask/assets/schemathesis_hooks.py`). Bounded in examples
/// per operation and in time.
fn schemathesis() -> Result<(), String> {
    let root = root();
    let venv = root.join("target/schemathesis-venv");
    let st = venv.join("bin/st");
    if !st.exists() {
        let path = venv.display().to_string();
        run("python3", &["-m", "venv", &path])
            .map_err(|e| format!("{e}; schemathesis needs Python 3 with its venv module"))?;
        let pip = venv.join("bin/pip").display().to_string();
        run_with_env(
            &pip,
            &["install", "--quiet", "schemathesis==4.32.5"],
            &[("PIP_DISABLE_PIP_VERSION_CHECK".into(), "1".into())],
        )
        .map_err(|e| format!("{e}; delete target/schemathesis-venv to start over"))?;
    }
    // validate_openapi wrote the newest export here.
    let export = root.join("target/openapi-check/openapi-newest.json");
    let mut stubs = Command::new(root.join("target/debug/drapi-fuzz"))
        .args(["serve-stubs", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the stubs (drapi-fuzz serve-stubs): {e}"))?;
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut line = String::new();
    if let Some(out) = stubs.stdout.take() {
        use std::io::BufRead;
        let _ = std::io::BufReader::new(out).read_line(&mut line);
    }
    let _stop = Stop(stubs);
    let url = line
        .trim()
        .strip_prefix("serving the stubs on ")
        .ok_or_else(|| format!("the stubs did not say where they listen: {line:?}"))?
        .to_string();
    let assets = root.join("xtask/assets").display().to_string();
    run_with_env(
        &st.display().to_string(),
        &[
            "run",
            &export.display().to_string(),
            "--url",
            &url,
            "--checks",
            "documented_status_or_501",
            // Its coverage phase, and more than one worker, crashed inside
            // schemathesis 4.32.5 on this export (an AST recursion error of
            // Python 3.11 under threads, "inconsistent results" of its own
            // generator): the fuzzing phase alone, in one worker, still sends
            // positive and negative cases to every operation.
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            "5",
            "--max-time",
            "90",
            "--workers",
            "1",
            "--no-shrink",
        ],
        &[
            ("PYTHONPATH".into(), assets),
            ("SCHEMATHESIS_HOOKS".into(), "schemathesis_hooks".into()),
        ],
    )
}

/// The fuzz targets of `fuzz/` (see its `main.rs`), one process each so
/// that each reports its own peak memory.
const FUZZ_TARGETS: [&str; 5] = ["demux", "json-lines", "hijack", "server", "spec"];

fn fuzz(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut targets = Vec::new();
    let mut seconds = "60".to_string();
    let mut release = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .filter(|n| n.parse::<u64>().is_ok())
                    .ok_or("--seconds takes a whole number")?
                    .clone()
            }
            "--release" => release = true,
            name if FUZZ_TARGETS.contains(&name) => targets.push(name.to_string()),
            other => {
                return Err(format!(
                    "unknown fuzz argument {other:?}; the targets are {}",
                    FUZZ_TARGETS.join(", ")
                ))
            }
        }
    }
    if targets.is_empty() {
        targets = FUZZ_TARGETS.map(String::from).to_vec();
    }
    let mut build = vec!["build", "-q", "-p", "drapi-fuzz"];
    if release {
        build.push("--release");
    }
    run(&cargo, &build)?;
    let binary = root()
        .join("target")
        .join(if release { "release" } else { "debug" })
        .join("drapi-fuzz");
    let binary = binary.display().to_string();
    let mut failed = Vec::new();
    for target in &targets {
        if run(&binary, &[target, "--seconds", &seconds]).is_err() {
            failed.push(target.clone());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzz targets with findings: {} (inputs under target/fuzz-findings/; replay one with `{binary} TARGET --replay FILE`)",
            failed.join(", ")
        ))
    }
}

/// The live suite (`live/tests/`, `#[ignore]`d without a daemon) at every
/// pass of every daemon asked for: the daemons run side by side, each pass
/// of one daemon after the other. Each pass's output goes to
/// `target/live-logs/<daemon>-v<version>.log` and is printed when it ends.
/// Then the examples run against the newest daemon.
fn live_passes(cargo: &str, engines: &[daemon::Engine]) -> Result<(), String> {
    // Built once, so the parallel passes do not wait on each other's build.
    run(cargo, &["test", "-p", "live-tests", "--no-run"])?;
    let docker_py = docker_py()?;
    let targets = live_test_targets()?;
    let registry = daemon::TestRegistry::start()?;
    let mut daemons = Vec::new();
    for &engine in engines {
        let daemon = daemon::TestDaemon::start(engine)?;
        println!(
            "xtask: dockerd {} at {}",
            engine.name(),
            daemon.socket.display()
        );
        daemons.push(daemon);
    }
    let logs = root().join("target/live-logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let started = std::time::Instant::now();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = daemons
            .iter()
            .map(|daemon| {
                let (targets, logs, docker_py) = (&targets, &logs, &docker_py);
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for version in daemon.engine.passes() {
                        if let Err(e) = live_pass(cargo, daemon, version, targets, logs, docker_py)
                        {
                            failures.push(e);
                        }
                    }
                    failures
                })
            })
            .collect();
        runs.into_iter()
            .flat_map(|run| {
                run.join()
                    .unwrap_or_else(|_| vec!["a live pass panicked".into()])
            })
            .collect()
    });
    println!("xtask: live passes took {} s", started.elapsed().as_secs());
    if !failures.is_empty() {
        return Err(failures.join("\n"));
    }
    // The examples speak the crate's newest version: the newest daemon runs them.
    if let Some(newest) = daemons
        .iter()
        .find(|d| d.engine == daemon::Engine::Docker28)
    {
        run_examples(newest)?;
    }
    drop(daemons);
    drop(registry);
    Ok(())
}

/// The live test files (`live/tests/*.rs`), by target name.
fn live_test_targets() -> Result<Vec<String>, String> {
    let dir = root().join("live/tests");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    Ok(names)
}

/// Whether a live test file belongs in a pass: `live_v151_*` tests the
/// operations and fields newer than v1.41, pinned to v1.51, so it runs once,
/// in the v1.51 pass of the daemon that speaks it.
fn runs_in_pass(target: &str, version: &str) -> bool {
    !target.starts_with("live_v151_") || version == "1.51"
}

fn live_pass(
    cargo: &str,
    daemon: &daemon::TestDaemon,
    version: &str,
    targets: &[String],
    logs: &Path,
    docker_py: &Path,
) -> Result<(), String> {
    let name = daemon.engine.name();
    let log_path = logs.join(format!("{name}-v{version}.log"));
    println!(
        "xtask: live pass: dockerd {name} at API {version} (log: {})",
        log_path.display()
    );
    let mut args = vec![
        "test".to_string(),
        "--no-fail-fast".into(),
        "-p".into(),
        "live-tests".into(),
    ];
    for target in targets.iter().filter(|t| runs_in_pass(t, version)) {
        args.push("--test".into());
        args.push(target.clone());
    }
    args.extend(["--", "--include-ignored", "--test-threads", "4"].map(String::from));
    let mut env = daemon.env();
    env.push(("DRAPI_TEST_API_VERSION".into(), version.to_string()));
    env.push((
        "DRAPI_TEST_DOCKER_PY".into(),
        docker_py.display().to_string(),
    ));
    let started = std::time::Instant::now();
    let out = Command::new(cargo)
        .args(&args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&log_path, &text).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let (passed, failed, ignored) = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("test result: "))
        .fold((0, 0, 0), |(p, f, i), line| {
            let count = |word: &str| -> u32 {
                line.split("; ")
                    .find_map(|part| {
                        part.trim_start_matches(|c: char| !c.is_ascii_digit())
                            .strip_suffix(word)
                    })
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap_or(0)
            };
            (
                p + count(" passed"),
                f + count(" failed"),
                i + count(" ignored"),
            )
        });
    let summary = format!(
        "dockerd {name} at API {version}: {passed} passed, {failed} failed, {ignored} ignored in {} s",
        started.elapsed().as_secs()
    );
    if out.status.success() {
        println!("xtask: live pass {summary}");
        Ok(())
    } else {
        println!(
            "===== live pass {summary}: output =====\n{text}\n===== end of {name} v{version} ====="
        );
        Err(format!("live pass {summary} (log: {})", log_path.display()))
    }
}

/// The OpenAPI export, checked by a real OpenAPI 3.1 validator (PyPI's
/// `openapi-spec-validator`, installed into a private venv under `target/` on
/// first use) at the spec's newest version, at v1.24 and at its oldest.
fn validate_openapi() -> Result<(), String> {
    let root = root();
    let venv = root.join("target/openapi-venv");
    let python = venv.join("bin/python");
    let validator = venv.join("bin/openapi-spec-validator");
    if !python.exists() {
        let path = venv.display().to_string();
        run("python3", &["-m", "venv", &path])
            .map_err(|e| format!("{e}; the OpenAPI check needs Python 3 with its venv module"))?;
    }
    if !validator.exists() {
        let python = python.display().to_string();
        run_with_env(
            &python,
            &["-m", "pip", "install", "--quiet", "openapi-spec-validator"],
            &[("PIP_DISABLE_PIP_VERSION_CHECK".into(), "1".into())],
        )
        .map_err(|e| format!("{e}; delete target/openapi-venv to start over"))?;
    }
    let spec = root.join("spec");
    let out = root.join("target/openapi-check");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let newest =
        docker_codegen::build_ir(&spec, &LowerOptions::default()).map_err(|e| e.to_string())?;
    let oldest = newest.meta.min_api_version.clone();
    for (name, api_version) in [
        ("newest", None),
        ("1.24", Some("1.24".to_string())),
        ("oldest", Some(oldest)),
    ] {
        let ir = docker_codegen::build_ir(&spec, &LowerOptions { api_version })
            .map_err(|e| e.to_string())?;
        let label = format!("{name} (v{})", ir.meta.api_version);
        let file = out.join(format!("openapi-{name}.json"));
        let text = docker_codegen::emit::openapi_document(&ir)?;
        std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
        let result = Command::new(&validator)
            .arg(&file)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", validator.display()))?;
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        if !result.status.success() {
            return Err(format!(
                "the OpenAPI export at {label} is not valid OpenAPI 3.1 ({}):\n{}",
                result.status,
                said.trim_end()
            ));
        }
        println!("xtask: openapi {label}: {}", said.trim_end());
    }
    Ok(())
}

/// Runs the first examples of the generated crate against the test daemon and
/// checks what they print, not only how they exit: a build from a directory (and
/// a broken one), a run with known output and exit code, and a pull from the
/// local registry without and with credentials.
fn run_examples(daemon: &daemon::TestDaemon) -> Result<(), String> {
    let env = daemon.env();
    let var = |name: &str| {
        env.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("the test daemon's environment has no {name}"))
    };
    let host = var("DRAPI_TEST_DOCKER_HOST")?;
    let registry = var("DRAPI_TEST_REGISTRY")?;
    let user = var("DRAPI_TEST_REGISTRY_USER")?;
    let password = var("DRAPI_TEST_REGISTRY_PASSWORD")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // `docker login` writes its credentials here, not to the user's ~/.docker.
    let cli_config = daemon.dir.join("examples-cli-config");

    struct Run {
        code: Option<i32>,
        stdout: String,
        stderr: String,
    }
    // The examples see only the test daemon and the variables they are given.
    let example = |name: &str, args: &[&str], extra: &[(&str, &str)]| -> Result<Run, String> {
        println!("xtask: example {name} {}", args.join(" "));
        let out = Command::new(&cargo)
            .args([
                "run",
                "-q",
                "-p",
                "docker-remote-api",
                "--example",
                name,
                "--",
            ])
            .args(args)
            .current_dir(root())
            .env("DOCKER_HOST", &host)
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .env_remove("DOCKER_API_VERSION")
            .env_remove("REGISTRY_USERNAME")
            .env_remove("REGISTRY_PASSWORD")
            .envs(extra.iter().copied())
            .output()
            .map_err(|e| format!("cannot run {cargo}: {e}"))?;
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        print!("{}", run.stdout);
        eprint!("{}", run.stderr);
        Ok(run)
    };
    let docker_cli = |args: &[&str], stdin: &str| -> Result<(), String> {
        use std::io::Write;
        println!("xtask: docker {}", args.join(" "));
        let mut child = Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", &host)
            .env("DOCKER_CONFIG", &cli_config)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run docker: {e}"))?;
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.as_bytes())
                .map_err(|e| e.to_string())?;
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`docker {}` failed ({status})", args.join(" ")))
        }
    };
    let check = |ok: bool, what: &str| {
        if ok {
            Ok(())
        } else {
            Err(format!("examples: {what}"))
        }
    };

    // The same base image as the live tests': Debian's static busybox, FROM scratch.
    let context = daemon.dir.join("examples-context");
    let broken = daemon.dir.join("examples-broken-context");
    for dir in [&context, &broken] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::copy(var("DRAPI_TEST_BUSYBOX")?, context.join("busybox"))
        .map_err(|e| format!("copying busybox: {e}"))?;
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(
        context.join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\n",
    )?;
    write(
        broken.join("Dockerfile"),
        "FROM scratch\nCOPY not-in-the-context /\n",
    )?;

    let image = "drapi-example:latest";
    let built = example(
        "build_from_directory",
        &[&context.display().to_string(), image],
        &[],
    )?;
    check(
        built.code == Some(0)
            && built
                .stdout
                .contains("Successfully tagged drapi-example:latest"),
        "build_from_directory did not build and tag the image",
    )?;
    let failed = example(
        "build_from_directory",
        &[&broken.display().to_string(), "drapi-example-broken"],
        &[],
    )?;
    check(
        failed.code == Some(1)
            && failed.stderr.contains("the build failed")
            && failed.stderr.contains("not-in-the-context"),
        "build_from_directory did not fail clearly on a broken Dockerfile",
    )?;

    let script = "echo drapi-example-stdout; echo drapi-example-stderr >&2; exit 3";
    let ran = example(
        "run_and_follow_logs",
        &[image, "/bin/busybox", "sh", "-c", script],
        &[],
    )?;
    check(
        ran.code == Some(3)
            && ran.stdout.contains("drapi-example-stdout")
            && ran.stderr.contains("drapi-example-stderr")
            && !ran.stdout.contains("drapi-example-stderr"),
        "run_and_follow_logs did not pass on the output, its streams and the exit code",
    )?;

    // Only loopback names: the registry is the test's own.
    let remote = format!("{registry}/drapi-example:latest");
    docker_cli(
        &["login", &registry, "--username", &user, "--password-stdin"],
        &password,
    )?;
    docker_cli(&["tag", image, &remote], "")?;
    docker_cli(&["push", &remote], "")?;
    // Nothing of the image stays behind, so the pull has every layer to fetch.
    docker_cli(&["rmi", &remote, image], "")?;
    let refused = example("pull_with_progress", &[&remote], &[])?;
    check(
        refused.code == Some(1) && refused.stderr.contains("image_create"),
        "pull_with_progress without credentials did not fail with the daemon's error",
    )?;
    let pulled = example(
        "pull_with_progress",
        &[&remote],
        &[
            ("REGISTRY_USERNAME", &user),
            ("REGISTRY_PASSWORD", &password),
        ],
    )?;
    check(
        pulled.code == Some(0)
            && pulled.stdout.contains("Pull complete")
            && pulled
                .stdout
                .contains(&format!("Downloaded newer image for {remote}")),
        "pull_with_progress with credentials did not show the layers and the pulled image",
    )?;
    Ok(())
}

/// Generates the crate for the spec's oldest version and for v1.24 (where
/// those differ from the newest, which is generated/ and tested above) and
/// compiles each with its tests and examples; the v1.24 crate also runs its
/// example and round-trip tests. A version that no longer generates or
/// compiles fails here.
fn check_other_versions(cargo: &str) -> Result<(), String> {
    let root = root();
    let spec = docker_codegen::load_spec(&root.join("spec")).map_err(|e| e.to_string())?;
    let newest = spec.api.content.api_version.clone();
    let oldest = spec.api.content.oldest_version.clone();
    let mut versions = vec![oldest, "1.24".to_string()];
    versions.dedup();
    let work = root.join("target").join("version-crates");
    for version in versions.into_iter().filter(|v| *v != newest) {
        let options = LowerOptions {
            api_version: Some(version.clone()),
        };
        let mut files = docker_codegen::generate(&root.join("spec"), &options)
            .map_err(|e| format!("API {version}: {e}"))?;
        // Outside the workspace, the crate is a workspace of its own.
        if let Some(manifest) = files.get_mut("Cargo.toml") {
            manifest.push_str("\n[workspace]\n");
        }
        let dir = work.join(format!("v{version}"));
        output::write(&dir, &files).map_err(|e| e.to_string())?;
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
            .map_err(|e| format!("Cargo.lock: {e}"))?;
        let target = work.join("target").display().to_string();
        let manifest = dir.join("Cargo.toml").display().to_string();
        // Warnings fail the older crates as they fail the newest (clippy -D warnings above).
        let env = [
            ("CARGO_TARGET_DIR".to_string(), target),
            ("RUSTFLAGS".to_string(), "-D warnings".to_string()),
        ];
        println!("xtask: the crate for API {version}");
        run_with_env(
            cargo,
            &[
                "check",
                "--manifest-path",
                &manifest,
                "--all-features",
                "--all-targets",
            ],
            &env,
        )?;
        if version == "1.24" {
            run_with_env(
                cargo,
                &[
                    "test",
                    "--manifest-path",
                    &manifest,
                    "--all-features",
                    "--test",
                    "examples",
                    "--test",
                    "roundtrip",
                ],
                &env,
            )?;
        }
    }
    Ok(())
}

/// The spec trees beside the Docker one: each generates a crate of its own
/// names, which must build without warnings and pass its example and
/// round-trip tests.
const OTHER_SPECS: [&str; 2] = [
    "generator/tests/fixtures/remote-api-v1.1",
    "generator/tests/fixtures/petstore",
];

fn check_other_specs(cargo: &str) -> Result<(), String> {
    let root = root();
    let work = root.join("target").join("spec-crates");
    for tree in OTHER_SPECS {
        let mut files = docker_codegen::generate(&root.join(tree), &LowerOptions::default())
            .map_err(|e| format!("{tree}: {e}"))?;
        if let Some(manifest) = files.get_mut("Cargo.toml") {
            manifest.push_str("\n[workspace]\n");
        }
        let name = tree.rsplit('/').next().unwrap_or(tree);
        let dir = work.join(name);
        output::write(&dir, &files).map_err(|e| e.to_string())?;
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
            .map_err(|e| format!("Cargo.lock: {e}"))?;
        let manifest = dir.join("Cargo.toml").display().to_string();
        let env = [
            (
                "CARGO_TARGET_DIR".to_string(),
                work.join("target").display().to_string(),
            ),
            ("RUSTFLAGS".to_string(), "-D warnings".to_string()),
        ];
        println!("xtask: the crate of {tree}");
        // `test --all-targets` builds every target, so a `check` first would compile it twice.
        run_with_env(
            cargo,
            &[
                "test",
                "--manifest-path",
                &manifest,
                "--all-features",
                "--all-targets",
            ],
            &env,
        )?;
    }
    Ok(())
}

/// The hand-written Rust under templates/ (runtime, tests, examples) and
/// spec/extras/ is copied into generated/ verbatim, so rustfmt checks it
/// here, at its source.
fn check_template_formatting() -> Result<(), String> {
    let mut files = Vec::new();
    let mut dirs = vec![root().join("templates"), root().join("spec/extras")];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path.display().to_string());
            }
        }
    }
    files.sort();
    let mut args = vec!["--check", "--edition", "2021"];
    args.extend(files.iter().map(String::as_str));
    run("rustfmt", &args)
}

fn run_with_env(program: &str, args: &[&str], env: &[(String, String)]) -> Result<(), String> {
    println!("xtask: {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn dockerd(options: &TestOptions) -> Result<(), String> {
    let registry = daemon::TestRegistry::start()?;
    let mut daemons = Vec::new();
    for &engine in &options.engines {
        let daemon = daemon::TestDaemon::start(engine)?;
        println!(
            "# dockerd {} (API up to {})",
            engine.name(),
            engine.newest_api()
        );
        for (k, v) in daemon.env() {
            println!("export {k}={v}");
        }
        daemons.push(daemon);
    }
    println!("# test daemons and registry are up; press Enter to stop them and clean up");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(daemons);
    drop(registry);
    Ok(())
}
