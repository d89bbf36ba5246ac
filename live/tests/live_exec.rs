//! Exec instances against the test daemon.

mod common;

use common::*;
use docker_remote_api::prelude::*;
use tokio::io::AsyncWriteExt;

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn exec_with_stdin_then_inspect() {
    let docker = docker();
    let id = create(&docker, &config(&["sleep", "60"])).await;
    docker.container_start(&id).await.unwrap();

    let body = ExecCreateBody {
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        cmd: Some(vec![
            "sh".into(),
            "-c".into(),
            "cat; echo done >&2; exit 3".into(),
        ]),
        ..Default::default()
    };
    let exec = docker.exec_create(&id, &body).await.unwrap();
    let mut attached = docker
        .exec_start(
            &exec.id,
            &ExecStartBody {
                detach: Some(false),
                tty: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut input = attached.input.take().expect("upgraded");
    input.write_all(b"through exec\n").await.unwrap();
    input.shutdown().await.unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    while let Some(chunk) = attached.output.next().await {
        match chunk.unwrap() {
            OutputChunk::Stdout(b) => out.extend_from_slice(&b),
            OutputChunk::Stderr(b) => err.extend_from_slice(&b),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        (out.as_slice(), err.as_slice()),
        (&b"through exec\n"[..], &b"done\n"[..])
    );

    let inspect = docker.exec_inspect(&exec.id).await.unwrap();
    assert_eq!(inspect.exit_code, Some(3));
    assert_eq!(inspect.running, Some(false));
    remove(&docker, &id).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn exec_with_a_tty_is_raw_and_resizable() {
    let docker = docker();
    let id = create(&docker, &config(&["sleep", "60"])).await;
    docker.container_start(&id).await.unwrap();
    let body = ExecCreateBody {
        attach_stdout: Some(true),
        tty: Some(true),
        cmd: Some(vec!["sh".into(), "-c".into(), "sleep 1; stty size".into()]),
        ..Default::default()
    };
    let exec = docker.exec_create(&id, &body).await.unwrap();
    let attached = docker
        .exec_start(
            &exec.id,
            &ExecStartBody {
                detach: Some(false),
                tty: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    docker
        .exec_resize(&exec.id)
        .height(33)
        .width(77)
        .await
        .unwrap();
    // The typed client accepts any 2xx; the raw answer shows which one
    // (erratum `exec-resize-status-200`: the doc says 201).
    let (status, body) =
        raw_request("POST", &format!("/exec/{}/resize?h=33&w=77", exec.id), None).await;
    assert_eq!((status, body.as_str()), (200, ""));
    let mut console = Vec::new();
    let mut output = attached.output;
    while let Some(chunk) = output.next().await {
        match chunk.unwrap() {
            OutputChunk::Console(b) => console.extend_from_slice(&b),
            other => panic!("a TTY exec has no frames: {other:?}"),
        }
    }
    assert_eq!(String::from_utf8_lossy(&console).trim(), "33 77");
    remove(&docker, &id).await;
}

/// The doc lets `Cmd` be a string; the daemon decodes it as a list only
/// (erratum `exec-create-cmd-string`). The same request with a list works.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn exec_create_refuses_a_string_cmd() {
    let docker = docker();
    let id = create(&docker, &config(&["sleep", "60"])).await;
    docker.container_start(&id).await.unwrap();
    let path = format!("/containers/{id}/exec");
    let (status, text) =
        raw_request("POST", &path, Some(serde_json::json!({ "Cmd": "echo hi" }))).await;
    assert!((400..500).contains(&status), "{status} {text}");
    assert!(text.contains("unmarshal"), "{text}");
    let (status, text) = raw_request(
        "POST",
        &path,
        Some(serde_json::json!({ "Cmd": ["echo", "hi"] })),
    )
    .await;
    assert_eq!(status, 201, "{text}");
    remove(&docker, &id).await;
}
