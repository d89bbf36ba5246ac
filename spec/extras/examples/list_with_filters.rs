//! Lists containers, running or not, that match `key=value` filters: a small
//! `docker ps -a --filter key=value ...`.
//!
//! ```text
//! cargo run -p docker-remote-api --example list_with_filters -- [KEY=VALUE...]
//! cargo run -p docker-remote-api --example list_with_filters -- status=running label=app=web
//! ```
//!
//! The daemon is the one `DOCKER_HOST` names (default `unix:///var/run/docker.sock`).
//! Keys: `status`, `label`, `ancestor`, `exited`, `before`, `since`, `volume`,
//! `network`, `isolation`. A key given twice matches either value; different
//! keys must all match.

use std::process::ExitCode;

use docker_remote_api::prelude::*;

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters = match parse_filters(&args) {
        Ok(filters) => filters,
        Err(message) => {
            eprintln!("list_with_filters: {message}");
            eprintln!(
                "usage: list_with_filters [KEY=VALUE...]   e.g. status=running label=app=web"
            );
            return ExitCode::from(2);
        }
    };
    match list(filters).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("list_with_filters: {error}");
            if let Some(Error::Transport { .. } | Error::Timeout { .. }) = error.downcast_ref() {
                let host = std::env::var("DOCKER_HOST");
                let host = host
                    .as_deref()
                    .unwrap_or(docker_remote_api::DEFAULT_ENDPOINT);
                eprintln!("is a Docker daemon listening at {host}? DOCKER_HOST says where to look");
            }
            ExitCode::FAILURE
        }
    }
}

/// The filters of `status=running label=app=web`: the text up to the first `=`
/// is the key, so label values can hold `=` themselves.
fn parse_filters(args: &[String]) -> Result<ContainerListFilters, String> {
    let mut filters = ContainerListFilters::default();
    for arg in args {
        let (key, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("`{arg}` is not KEY=VALUE"))?;
        let values = match key {
            "status" => &mut filters.status,
            "label" => &mut filters.label,
            "ancestor" => &mut filters.ancestor,
            "exited" => &mut filters.exited,
            "before" => &mut filters.before,
            "since" => &mut filters.since,
            "volume" => &mut filters.volume,
            "network" => &mut filters.network,
            "isolation" => &mut filters.isolation,
            // The typed filters have a field per key the API documents; no other
            // key can be sent.
            other => {
                return Err(format!(
                    "unknown filter key `{other}`: use status, label, ancestor, exited, \
                     before, since, volume, network or isolation"
                ))
            }
        };
        values.get_or_insert_with(Vec::new).push(value.to_string());
    }
    Ok(filters)
}

async fn list(filters: ContainerListFilters) -> Result<(), BoxError> {
    let docker = Docker::from_env()?;
    // `all`: stopped containers too, or `status=exited` could never match.
    let containers = docker.container_list().all(true).filters(filters).await?;
    // Columns as wide as their longest value, so long image names do not shift the rest.
    let width = |header: &str, value: fn(&ContainerSummary) -> Option<&str>| {
        containers
            .iter()
            .filter_map(value)
            .map(str::len)
            .fold(header.len(), usize::max)
    };
    let image_width = width("IMAGE", |c| c.image.as_deref());
    let status_width = width("STATUS", |c| c.status.as_deref());
    println!(
        "{:<12}  {:<image_width$}  {:<status_width$}  NAMES",
        "ID", "IMAGE", "STATUS"
    );
    for container in &containers {
        let id: String = container.id.chars().take(12).collect();
        // Names are reported with a leading `/` (the root of the link hierarchy).
        let names: Vec<&str> = container
            .names
            .iter()
            .flatten()
            .map(|name| name.trim_start_matches('/'))
            .collect();
        println!(
            "{id:<12}  {:<image_width$}  {:<status_width$}  {}",
            container.image.as_deref().unwrap_or("-"),
            container.status.as_deref().unwrap_or("-"),
            names.join(",")
        );
    }
    if containers.is_empty() {
        eprintln!("(no container matches)");
    }
    Ok(())
}
