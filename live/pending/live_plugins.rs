//! Plugins against the test daemon. The fixture plugin is made here: a
//! busybox rootfs with a static listener on the plugin socket, turned into a
//! plugin by the `docker plugin create` command of docker.io, and pushed to
//! the local registry. Everything after that goes through the client.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use docker_remote_api::operations::plugins::*;

fn docker_cli(config_dir: &Path, args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .env("DOCKER_HOST", std::env::var("DRAPI_TEST_DOCKER_HOST").unwrap())
        .env("DOCKER_CONFIG", config_dir)
        .output()
        .expect("the docker CLI of docker.io is installed");
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the plugin directory (rootfs + config.json) under the test directory.
fn plugin_dir() -> PathBuf {
    let dir = PathBuf::from(std::env::var("DRAPI_TEST_DIR").unwrap()).join(unique("plugin-src"));
    let bin = dir.join("rootfs/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(dir.join("rootfs/run/docker/plugins")).unwrap();
    std::fs::copy(std::env::var("DRAPI_TEST_BUSYBOX").unwrap(), bin.join("busybox")).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plugin/listener.c");
    let status = Command::new("gcc").args(["-static", "-O2", "-o"]).arg(bin.join("listener")).arg(&source).status().expect("gcc");
    assert!(status.success(), "building the plugin listener");
    let config = r#"{"description":"drapi test plugin","documentation":"https://example.invalid/drapi","entrypoint":["/bin/listener","/run/docker/plugins/drapi.sock"],"interface":{"types":["docker.volumedriver/1.0"],"socket":"drapi.sock"},"network":{"type":"host"}}"#;
    std::fs::write(dir.join("config.json"), config).unwrap();
    dir
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn plugin_fixture_list_inspect_remove_pull_enable_disable() {
    let docker = docker();
    let name = format!("{}/{}:v1", registry(), unique("plugin"));
    let config_dir = PathBuf::from(std::env::var("DRAPI_TEST_DIR").unwrap()).join(unique("cli-config"));
    std::fs::create_dir_all(&config_dir).unwrap();
    let src = plugin_dir();
    docker_cli(&config_dir, &["plugin", "create", &name, src.to_str().unwrap()]);
    let auth = registry_auth();
    let password = auth.password.clone().unwrap();
    let login = Command::new("docker")
        .args(["login", "-u", auth.username.as_deref().unwrap(), "--password-stdin", &registry()])
        .env("DOCKER_HOST", std::env::var("DRAPI_TEST_DOCKER_HOST").unwrap())
        .env("DOCKER_CONFIG", &config_dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(password.as_bytes())?;
            child.wait()
        })
        .unwrap();
    assert!(login.success());
    docker_cli(&config_dir, &["plugin", "push", &name]);

    let listed = docker.plugin_list().await.unwrap();
    assert!(listed.iter().any(|p| p.name.as_deref() == Some(name.as_str())), "{listed:?}");
    let inspected = docker.plugin_inspect(&name).await.unwrap();
    assert_eq!(inspected.enabled, Some(false));

    docker.plugin_delete(&name, &PluginDeleteQuery { force: Some(true) }).await.unwrap();
    assert!(docker.plugin_inspect(&name).await.unwrap_err().is_not_found());

    let privileges = Vec::new();
    docker
        .plugin_pull(&PluginPullQuery { remote: Some(name.clone()), name: Some(name.clone()) }, Some(&auth), &privileges)
        .await
        .unwrap();
    docker.plugin_enable(&name, &PluginEnableQuery { timeout: Some(30) }).await.unwrap();
    assert_eq!(docker.plugin_inspect(&name).await.unwrap().enabled, Some(true));
    docker.plugin_disable(&name).await.unwrap();
    assert_eq!(docker.plugin_inspect(&name).await.unwrap().enabled, Some(false));
    docker.plugin_delete(&name, &PluginDeleteQuery::default()).await.unwrap();
}

/// The doc's `GET /plugins/(plugin name)` is not what the daemon serves: the
/// spec uses `/plugins/{name}/json` (erratum `plugin-inspect-path`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn inspect_uses_json_suffix() {
    let name = format!("{}:v1", unique("inspect-probe"));
    let config_dir = PathBuf::from(std::env::var("DRAPI_TEST_DIR").unwrap()).join(unique("cli-config"));
    std::fs::create_dir_all(&config_dir).unwrap();
    docker_cli(&config_dir, &["plugin", "create", &name, plugin_dir().to_str().unwrap()]);
    let host = std::env::var("DRAPI_TEST_DOCKER_HOST").unwrap();
    let socket = host.strip_prefix("unix://").unwrap().to_string();
    let status_of = |path: String| {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", &socket])
            .arg(format!("http://localhost/v1.24{path}"))
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(status_of(format!("/plugins/{name}")), "404", "the doc's path is not served");
    assert_eq!(status_of(format!("/plugins/{name}/json")), "200", "the daemon's path is");
    let inspected = docker().plugin_inspect(&name).await.unwrap();
    let base = name.split(':').next().unwrap();
    assert!(inspected.name.as_deref().is_some_and(|n| n.starts_with(base)), "{:?}", inspected.name);
    docker().plugin_delete(&name, &PluginDeleteQuery { force: Some(true) }).await.unwrap();
}
