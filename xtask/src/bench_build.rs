//! `cargo xtask bench-build [--rounds N] [--debug-only]`: how long a clean
//! build of a small program takes on the generated crate and on bollard.
//!
//! Two probe programs that list containers, one per client, are written under
//! `target/bench-build/`, their dependencies fetched once, then each is built
//! from an empty target directory, alternating between the two so a busy
//! machine slows both alike: debug first, then release. The medians and their
//! ratio are printed. Build times are measured here, never in a test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The bollard release compared against (its newest when written).
const BOLLARD: &str = "0.21.1";

const OURS_MAIN: &str = r#"//! Lists containers with the generated crate.
use docker_remote_api::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let docker = Docker::from_env()?;
    for container in docker.container_list().all(true).await? {
        println!("{} {:?}", container.id, container.names);
    }
    Ok(())
}
"#;

const BOLLARD_MAIN: &str = r#"//! Lists containers with bollard.
use bollard::query_parameters::ListContainersOptions;
use bollard::Docker;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), bollard::errors::Error> {
    let docker = Docker::connect_with_local_defaults()?;
    let options = ListContainersOptions {
        all: true,
        ..Default::default()
    };
    for container in docker.list_containers(Some(options)).await? {
        println!("{:?} {:?}", container.id, container.names);
    }
    Ok(())
}
"#;

struct Probe {
    name: &'static str,
    dir: PathBuf,
}

pub fn bench_build(root: &Path, args: &[String]) -> Result<(), String> {
    let mut rounds = 3usize;
    let mut profiles = vec!["debug", "release"];
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--rounds needs a positive number")?;
            }
            "--debug-only" => profiles = vec!["debug"],
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let work = root.join("target/bench-build");
    let generated = root.join("generated").display().to_string();
    let ours = write_probe(
        &work,
        "ours",
        &format!("docker-remote-api = {{ path = {generated:?} }}"),
        OURS_MAIN,
    )?;
    // The generated crate's versions, so both sides build what users get.
    std::fs::copy(root.join("Cargo.lock"), ours.dir.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let bollard = write_probe(
        &work,
        "bollard",
        &format!("bollard = \"={BOLLARD}\""),
        BOLLARD_MAIN,
    )?;
    for probe in [&ours, &bollard] {
        run_quiet(&cargo, &["fetch"], &probe.dir)?;
    }
    println!(
        "xtask: clean builds of two programs that list containers, {rounds} rounds, alternating"
    );
    for profile in profiles {
        let mut times: Vec<(Vec<Duration>, &Probe)> =
            vec![(Vec::new(), &ours), (Vec::new(), &bollard)];
        for round in 0..rounds {
            // Alternate which one goes first, so neither always gets a cold cache.
            let order: Vec<usize> = if round % 2 == 0 {
                vec![0, 1]
            } else {
                vec![1, 0]
            };
            for i in order {
                let probe = times[i].1;
                let took = clean_build(&cargo, probe, profile)?;
                println!(
                    "  {profile} {:<8} round {}: {:.1} s",
                    probe.name,
                    round + 1,
                    took.as_secs_f64()
                );
                times[i].0.push(took);
            }
        }
        let ours_median = median(&mut times[0].0);
        let bollard_median = median(&mut times[1].0);
        println!(
            "xtask: {profile}: ours {:.1} s, bollard {BOLLARD} {:.1} s (medians): ratio {:.2}",
            ours_median.as_secs_f64(),
            bollard_median.as_secs_f64(),
            ours_median.as_secs_f64() / bollard_median.as_secs_f64()
        );
    }
    Ok(())
}

fn write_probe(
    work: &Path,
    name: &'static str,
    dependency: &str,
    main: &str,
) -> Result<Probe, String> {
    let dir = work.join(name);
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let manifest = format!(
        "[package]\nname = \"probe-{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{dependency}\ntokio = {{ version = \"1\", features = [\"rt\", \"macros\"] }}\n\n\
         # Outside the workspace: a workspace of its own.\n[workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("src/main.rs"), main).map_err(|e| e.to_string())?;
    Ok(Probe { name, dir })
}

/// Builds `probe` from an empty target directory and returns the wall time.
fn clean_build(cargo: &str, probe: &Probe, profile: &str) -> Result<Duration, String> {
    let target = probe.dir.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    let mut args = vec!["build", "--offline", "--quiet"];
    if profile == "release" {
        args.push("--release");
    }
    let started = Instant::now();
    run_quiet(cargo, &args, &probe.dir)?;
    Ok(started.elapsed())
}

fn run_quiet(program: &str, args: &[&str], dir: &Path) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` in {} failed:\n{}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The middle time, or the mean of the two middle ones for an even count.
fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    let middle = times.len() / 2;
    if times.len().is_multiple_of(2) {
        (times[middle - 1] + times[middle]) / 2
    } else {
        times[middle]
    }
}
