//! Follows the daemon's events as they happen, one line each, optionally only
//! those about one type of object: a small `docker events`.
//!
//! ```text
//! cargo run -p docker-remote-api --example follow_events -- [TYPE]
//! cargo run -p docker-remote-api --example follow_events -- container
//! ```
//!
//! The daemon is the one `DOCKER_HOST` names (default `unix:///var/run/docker.sock`).
//! TYPE is `container`, `image`, `volume`, `network` or `daemon`. Runs until
//! interrupted (Ctrl-C) or until the daemon stops.

use std::process::ExitCode;

use docker_remote_api::prelude::*;

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = match args.as_slice() {
        [] => None,
        [kind] => Some(EventType::from(kind.as_str())),
        _ => {
            eprintln!("usage: follow_events [container|image|volume|network|daemon]");
            return ExitCode::from(2);
        }
    };
    if let Some(EventType::Other(unknown)) = &kind {
        eprintln!("follow_events: `{unknown}` is not an event type: use container, image, volume, network or daemon");
        return ExitCode::from(2);
    }
    match follow(kind).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("follow_events: {error}");
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

async fn follow(kind: Option<EventType>) -> Result<(), BoxError> {
    let docker = Docker::from_env()?;
    // The daemon filters, so events of other types never cross the connection.
    let filters = EventFilters {
        r#type: kind.map(|k| vec![k.to_string()]),
        ..Default::default()
    };
    // Without `since` or `until` the stream stays open and carries only new events.
    let mut events = docker.system_events().filters(filters).await?;
    while let Some(event) = events.next().await {
        println!("{}", describe(&event?));
    }
    Ok(())
}

/// `12:34:56 container start 3f2a9c1b7d4e (web)`: time (UTC), type, action, object.
fn describe(event: &EventMessage) -> String {
    let seconds = event.time.unwrap_or_default();
    let clock = format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60
    );
    let kind = event.r#type.as_ref().map_or("-", EventType::as_str);
    // Older daemons send only the legacy `status`; newer ones send both.
    let action = event.action.as_deref().or(event.status.as_deref());
    let actor = event.actor.as_ref();
    let id = actor.and_then(|a| a.id.as_deref()).or(event.id.as_deref());
    let id = id.map_or("-", short_id);
    let name = actor
        .and_then(|a| a.attributes.as_ref())
        .and_then(|attributes| attributes.get("name"))
        .map(|name| format!(" ({name})"))
        .unwrap_or_default();
    format!("{clock} {kind} {} {id}{name}", action.unwrap_or("-"))
}

/// The first 12 digits of a 64-digit ID (image IDs start with `sha256:`),
/// enough to tell objects apart, as in `docker ps`. Anything else (an image
/// name, for one) is kept whole.
fn short_id(id: &str) -> &str {
    let digits = id.strip_prefix("sha256:").unwrap_or(id);
    if digits.len() == 64 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        &digits[..12]
    } else {
        id
    }
}
