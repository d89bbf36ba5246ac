//! What a real daemon sends survives a trip through the crate's models, at
//! the version of the pass: read into the model, written back out, nothing is
//! lost or changed. That is what a fake daemon built on the stubs needs to
//! answer like the real one (and what a client needs to see it all), also
//! when an old version is asked for and the daemon sends newer fields anyway.

mod common;

use docker_remote_api::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The paths of `raw` that `back` lacks or holds differently. A `null` in
/// `raw` may be left out: the models write an absent optional field by
/// leaving it out.
fn differences(raw: &Value, back: Option<&Value>, path: &str, found: &mut Vec<String>) {
    match (raw, back) {
        (Value::Null, None | Some(Value::Null)) => {}
        (_, None) => found.push(format!("{path}: lost")),
        (Value::Object(fields), Some(Value::Object(back_fields))) => {
            for (key, value) in fields {
                differences(value, back_fields.get(key), &format!("{path}.{key}"), found);
            }
        }
        (Value::Array(items), Some(Value::Array(back_items)))
            if items.len() == back_items.len() =>
        {
            for (index, (item, back_item)) in items.iter().zip(back_items).enumerate() {
                differences(item, Some(back_item), &format!("{path}[{index}]"), found);
            }
        }
        (Value::Number(a), Some(Value::Number(b))) if a.as_f64() == b.as_f64() => {}
        (a, Some(b)) if a == b => {}
        (a, Some(b)) => found.push(format!("{path}: sent {a}, written back as {b}")),
    }
}

/// Reads `uri` of the daemon (at the pass's version) into `T` and back.
async fn round_trip<T: DeserializeOwned + Serialize>(uri: &str, found: &mut Vec<String>) {
    let version = common::docker().api_version();
    let answer = common::raw_exchange("GET", &format!("/v{version}{uri}"), &[], None).await;
    assert_eq!(answer.status, 200, "{uri}: {}", answer.text());
    let raw = answer.json();
    let model: T =
        serde_json::from_value(raw.clone()).unwrap_or_else(|e| panic!("{uri} at {version}: {e}"));
    let back = serde_json::to_value(&model).unwrap();
    let before = found.len();
    differences(&raw, Some(&back), &format!("GET {uri}"), found);
    if found.len() == before {
        eprintln!("{uri}: all kept");
    }
}

#[tokio::test]
#[ignore = "needs the private test daemon: cargo xtask test"]
async fn every_field_the_daemon_sends_survives_the_models() {
    let docker = common::docker();
    let image = common::busybox().await;
    let mut body = common::config(&["sh", "-c", "echo hi; sleep 30"]);
    body.labels = Some([("drapi.test".to_string(), "models".to_string())].into());
    let id = common::create(&docker, &body).await;
    docker.container_start(&id).await.unwrap();
    let volume = common::unique("models-volume");
    let volume_body = VolumeCreateBody {
        name: Some(volume.clone()),
        ..Default::default()
    };
    docker.volume_create().body(&volume_body).await.unwrap();

    let mut found = Vec::new();
    round_trip::<SystemVersion>("/version", &mut found).await;
    round_trip::<SystemInfo>("/info", &mut found).await;
    round_trip::<Vec<ContainerSummary>>("/containers/json?all=1", &mut found).await;
    round_trip::<ContainerInspectResponse>(&format!("/containers/{id}/json"), &mut found).await;
    round_trip::<ContainerInspectResponse>(&format!("/containers/{id}/json?size=1"), &mut found)
        .await;
    round_trip::<ContainerStats>(&format!("/containers/{id}/stats?stream=0"), &mut found).await;
    round_trip::<ContainerTopResponse>(&format!("/containers/{id}/top"), &mut found).await;
    // An untouched container's changes are `null` on the wire.
    round_trip::<Option<Vec<FilesystemChange>>>(&format!("/containers/{id}/changes"), &mut found)
        .await;
    let changes = docker.container_changes(&id).await.unwrap();
    assert!(changes.is_empty(), "{changes:?}");
    round_trip::<Vec<ImageSummary>>("/images/json", &mut found).await;
    round_trip::<ImageInspect>(&format!("/images/{image}/json"), &mut found).await;
    round_trip::<Vec<ImageHistoryItem>>(&format!("/images/{image}/history"), &mut found).await;
    round_trip::<VolumeListResponse>("/volumes", &mut found).await;
    round_trip::<Volume>(&format!("/volumes/{volume}"), &mut found).await;
    round_trip::<Vec<Network>>("/networks", &mut found).await;
    round_trip::<Network>("/networks/none", &mut found).await;

    common::remove(&docker, &id).await;
    let _ = docker.volume_delete(&volume).await;
    assert!(
        found.is_empty(),
        "{} differences between what the daemon sent and what the models keep:\n{}",
        found.len(),
        found.join("\n")
    );
}
