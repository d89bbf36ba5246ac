//! Plugins at API v1.25 to v1.41 against the test daemon: the operations the
//! swagger files added (`plugin_create`, `plugin_set`, `plugin_privileges`,
//! `plugin_upgrade`), the list filters, and the errata where dockerd 20.10
//! differs from the swagger. The plugin is built here, as in `live_plugins.rs`
//! (a static listener on the plugin socket), but installed through
//! `POST /plugins/create` rather than the docker CLI.
//!
//! Every test pins the client to API 1.41: the operations are newer than the
//! v1.24 pass of `cargo xtask test`, and what is tested is the v1.41 behaviour.

mod common;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use docker_remote_api::prelude::*;

/// A client of the test daemon speaking API 1.41.
fn docker41() -> Docker {
    let docker = docker();
    docker.set_api_version("1.41").expect("1.41 is in range");
    docker
}

/// Where scratch files go: the test directory of `cargo xtask test`, or the system's.
fn scratch_dir() -> PathBuf {
    std::env::var("DRAPI_TEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir())
}

/// The plugin's listener (live/fixtures/plugin/listener.c), built once per test binary with gcc, static.
fn listener() -> &'static [u8] {
    static BUILT: OnceLock<Vec<u8>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = scratch_dir().join(unique("t5-listener"));
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plugin/listener.c");
        let status = Command::new("gcc")
            .args(["-static", "-O2", "-o"])
            .arg(&out)
            .arg(&source)
            .status()
            .expect("gcc");
        assert!(status.success(), "building the plugin listener");
        let bytes = std::fs::read(&out).unwrap();
        let _ = std::fs::remove_file(&out);
        bytes
    })
}

/// The manifest of the test plugin: a volume driver on `drapi.sock`, host
/// network, a settable `DEBUG` variable; `interface` and `extra` add keys to
/// the interface and to the manifest (each starting with a comma).
fn manifest(description: &str, interface: &str, extra: &str) -> String {
    format!(
        r#"{{"description":"{description}","documentation":"https://example.invalid/drapi","entrypoint":["/bin/listener","/run/docker/plugins/drapi.sock"],"interface":{{"types":["docker.volumedriver/1.0"],"socket":"drapi.sock"{interface}}},"network":{{"type":"host"}},"env":[{{"name":"DEBUG","description":"debug output","settable":["value"],"value":"0"}}]{extra}}}"#
    )
}

/// The body of `POST /plugins/create`: `config.json` and `rootfs/`. The rootfs
/// holds `marker`: dockerd 20.10 refuses a plugin whose layer an installed
/// plugin already has (erratum `plugin-create-conflict`).
fn plugin_tar(config: &str, marker: &str) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for dir in [
        "rootfs/",
        "rootfs/bin/",
        "rootfs/etc/",
        "rootfs/run/",
        "rootfs/run/docker/",
        "rootfs/run/docker/plugins/",
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_size(0);
        header.set_mode(0o755);
        header.set_cksum();
        builder
            .append_data(&mut header, dir, std::io::empty())
            .unwrap();
    }
    let files: [(&str, u32, &[u8]); 3] = [
        ("config.json", 0o644, config.as_bytes()),
        ("rootfs/bin/listener", 0o755, listener()),
        ("rootfs/etc/drapi-plugin", 0o644, marker.as_bytes()),
    ];
    for (path, mode, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(mode);
        header.set_cksum();
        builder.append_data(&mut header, path, content).unwrap();
    }
    builder.into_inner().unwrap()
}

/// What the test plugin asks for, as the daemon describes it.
fn host_network() -> Vec<PluginPrivilege> {
    vec![PluginPrivilege {
        name: Some("network".into()),
        description: Some("permissions to access a network".into()),
        value: Some(vec!["host".into()]),
    }]
}

/// Standard base64 with URL-safe letters, as `X-Registry-Auth` wants it.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `X-Registry-Auth` value of the local registry's credentials.
fn registry_auth_header() -> String {
    let auth = registry_auth();
    let json = serde_json::json!({
        "username": auth.username,
        "password": auth.password,
        "serveraddress": auth.serveraddress,
    });
    base64url(json.to_string().as_bytes())
}

/// `filters` of a URL, JSON then percent-encoded.
fn filters_query(json: &str) -> String {
    json.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Plugin tests run one at a time (see `live_plugins.rs`: dockerd 20.10 panics
/// when a plugin push overlaps other plugin work).
static ONE_PLUGIN_TEST_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `body`, then force-removes the named plugins, also when `body` panics.
async fn removing_plugins<F>(names: Vec<String>, body: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let _serial = ONE_PLUGIN_TEST_AT_A_TIME.lock().await;
    let outcome = tokio::spawn(body).await;
    let docker = docker41();
    for name in &names {
        let _ = docker.plugin_delete(name).force(true).await;
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn names_of(plugins: &[Plugin]) -> Vec<String> {
    plugins.iter().filter_map(|p| p.name.clone()).collect()
}

/// `plugin_create`, `plugin_set`, the list filters, enable and disable, and
/// delete at v1.41, with the errata `plugin-create-conflict`, `plugin-set-statuses`,
/// `plugin-list-filter-enabled`, `plugin-list-interface-types`,
/// `plugin-inspect-interface-types`, `plugin-enable-timeout-default` and
/// `plugin-delete-no-body`; and the keys the swagger documents late, which
/// dockerd 20.10 sends at /v1.24 too.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn create_set_enable_filter_and_remove() {
    let a = format!("{}:v1", unique("t5-create"));
    let b = format!("{}:latest", unique("t5-scheme"));
    let c = format!("{}:latest", unique("t5-same-layer"));
    removing_plugins(vec![a.clone(), b.clone(), c.clone()], async move {
        let docker = docker41();

        // Create: the typed call, then the raw one for its status (204).
        docker
            .plugin_create(
                &a,
                RequestBody::from_bytes(plugin_tar(&manifest("drapi t5 plugin", "", ""), &a)),
            )
            .await
            .unwrap();
        let b_tar = plugin_tar(
            &manifest(
                "drapi t5 scheme",
                r#","protocolscheme":"moby.plugins.http/v1""#,
                r#","ipchost":true,"propagatedmount":"/mnt""#,
            ),
            &b,
        );
        let created = raw_exchange(
            "POST",
            &format!("/v1.41/plugins/create?name={b}"),
            &[],
            Some(("application/x-tar", b_tar.clone())),
        )
        .await;
        assert_eq!(created.status, 204, "{}", created.text());

        // Conflicts are 409 (erratum `plugin-create-conflict`): the same name, and the
        // same root filesystem under another name (500 from dockerd 28.5).
        let taken = docker
            .plugin_create(
                &a,
                RequestBody::from_bytes(plugin_tar(&manifest("drapi t5 plugin", "", ""), "other")),
            )
            .await
            .unwrap_err();
        assert_eq!(taken.status(), Some(409), "{taken}");
        assert!(taken.to_string().contains("already exists"), "{taken}");
        let same_layer = docker
            .plugin_create(&c, RequestBody::from_bytes(b_tar))
            .await
            .unwrap_err();
        assert_eq!(
            same_layer.status(),
            Some(per_daemon(409, 500)),
            "{same_layer}"
        );
        assert!(
            same_layer.to_string().contains("content sha256:"),
            "{same_layer}"
        );
        // ... and a missing name or an archive that is no tar are 500.
        let no_name = raw_exchange(
            "POST",
            "/v1.41/plugins/create",
            &[],
            Some((
                "application/x-tar",
                plugin_tar(&manifest("x", "", ""), "no-name"),
            )),
        )
        .await;
        assert_eq!(no_name.status, 500, "{}", no_name.text());
        assert!(
            no_name.text().contains("invalid reference format"),
            "{}",
            no_name.text()
        );
        let garbage = docker
            .plugin_create(
                &unique("t5-garbage"),
                RequestBody::from_bytes(b"not a tar".to_vec()),
            )
            .await
            .unwrap_err();
        assert_eq!(garbage.status(), Some(500), "{garbage}");

        // Interface types are strings, not the swagger's objects
        // (errata `plugin-list-interface-types`, `plugin-inspect-interface-types`).
        let inspected = raw_exchange("GET", &format!("/v1.41/plugins/{a}/json"), &[], None).await;
        assert_eq!(inspected.status, 200, "{}", inspected.text());
        let json: serde_json::Value = serde_json::from_str(&inspected.text()).unwrap();
        assert_eq!(
            json["Config"]["Interface"]["Types"],
            serde_json::json!(["docker.volumedriver/1.0"]),
            "{json}"
        );
        let listed = raw_exchange("GET", "/v1.41/plugins", &[], None).await;
        let list: serde_json::Value = serde_json::from_str(&listed.text()).unwrap();
        let mine = list
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["Name"] == a.as_str())
            .expect("listed");
        assert!(
            mine["Config"]["Interface"]["Types"][0].is_string(),
            "{mine}"
        );
        let typed = docker.plugin_inspect(&a).await.unwrap();
        let config = typed.config.clone().unwrap();
        assert_eq!(
            config.interface.unwrap().types.unwrap_or_default(),
            ["docker.volumedriver/1.0"]
        );
        assert!(typed.plugin_reference.is_some(), "{typed:?}");
        assert!(config.docker_version.is_some(), "{typed:?}");

        // Set: 204; unknown keys, keys that are not settable and enabled plugins are 500,
        // a missing body 400 (dockerd 28.5: 204, nothing set), an unknown plugin 404
        // (erratum `plugin-set-statuses`).
        docker
            .plugin_set(&a, &["DEBUG=1".to_string()])
            .await
            .unwrap();
        let set = raw_exchange(
            "POST",
            &format!("/v1.41/plugins/{a}/set"),
            &[],
            Some(("application/json", br#"["DEBUG=2"]"#.to_vec())),
        )
        .await;
        assert_eq!(set.status, 204, "{}", set.text());
        let settings = docker.plugin_inspect(&a).await.unwrap().settings.unwrap();
        assert_eq!(settings.env.unwrap_or_default(), ["DEBUG=2"]);
        let unknown = docker
            .plugin_set(&a, &["NOPE=1".to_string()])
            .await
            .unwrap_err();
        assert_eq!(unknown.status(), Some(500), "{unknown}");
        assert!(
            unknown
                .to_string()
                .contains("not found in the plugin configuration"),
            "{unknown}"
        );
        let not_settable = docker
            .plugin_set(&a, &["DEBUG.source=/x".to_string()])
            .await
            .unwrap_err();
        assert_eq!(not_settable.status(), Some(500), "{not_settable}");
        assert!(
            not_settable.to_string().contains("is not settable"),
            "{not_settable}"
        );
        let no_body = raw_exchange("POST", &format!("/v1.41/plugins/{a}/set"), &[], None).await;
        assert_eq!(no_body.status, per_daemon(400, 204), "{}", no_body.text());
        let settings = docker.plugin_inspect(&a).await.unwrap().settings.unwrap();
        assert_eq!(settings.env.unwrap_or_default(), ["DEBUG=2"]);
        let missing = docker
            .plugin_set(&unique("t5-missing"), &["DEBUG=1".to_string()])
            .await
            .unwrap_err();
        assert!(missing.is_not_found(), "{missing}");

        // Enable still needs `timeout` at v1.41 (erratum `plugin-enable-timeout-default`).
        let no_timeout =
            raw_exchange("POST", &format!("/v1.41/plugins/{a}/enable"), &[], None).await;
        assert_eq!(no_timeout.status, 500, "{}", no_timeout.text());
        assert!(
            no_timeout.text().contains("strconv.Atoi"),
            "{}",
            no_timeout.text()
        );
        docker.plugin_enable(&a).timeout(30).await.unwrap();
        let enabled_set = docker
            .plugin_set(&a, &["DEBUG=3".to_string()])
            .await
            .unwrap_err();
        assert_eq!(enabled_set.status(), Some(500), "{enabled_set}");
        assert!(
            enabled_set
                .to_string()
                .contains("cannot set on an active plugin"),
            "{enabled_set}"
        );

        // Filters: `enabled` and `capability` (erratum `plugin-list-filter-enabled`).
        let filter = |enabled: Option<&str>, capability: Option<&str>| PluginListFilters {
            enabled: enabled.map(|v| vec![v.to_string()]),
            capability: capability.map(|v| vec![v.to_string()]),
            ..Default::default()
        };
        let on = names_of(
            &docker
                .plugin_list()
                .filters(filter(Some("true"), None))
                .await
                .unwrap(),
        );
        assert!(on.contains(&a) && !on.contains(&b), "{on:?}");
        let off = names_of(
            &docker
                .plugin_list()
                .filters(filter(Some("false"), None))
                .await
                .unwrap(),
        );
        assert!(!off.contains(&a) && off.contains(&b), "{off:?}");
        let volume = names_of(
            &docker
                .plugin_list()
                .filters(filter(None, Some("volumedriver")))
                .await
                .unwrap(),
        );
        assert!(volume.contains(&a) && volume.contains(&b), "{volume:?}");
        let whole_type = names_of(
            &docker
                .plugin_list()
                .filters(filter(None, Some("docker.volumedriver/1.0")))
                .await
                .unwrap(),
        );
        assert!(
            !whole_type.contains(&a),
            "the capability is the middle part: {whole_type:?}"
        );
        let bad_value = docker
            .plugin_list()
            .filters(filter(Some("maybe"), None))
            .await
            .unwrap_err();
        assert_eq!(bad_value.status(), Some(400), "{bad_value}");
        let swagger_key = raw_exchange(
            "GET",
            &format!(
                "/v1.41/plugins?filters={}",
                filters_query(r#"{"enable":["true"]}"#)
            ),
            &[],
            None,
        )
        .await;
        assert_eq!(swagger_key.status, 400, "{}", swagger_key.text());
        assert!(
            swagger_key.text().contains(per_daemon(
                "Invalid filter 'enable'",
                "invalid filter 'enable'"
            )),
            "{}",
            swagger_key.text()
        );
        let not_json = raw_exchange("GET", "/v1.41/plugins?filters=nojson", &[], None).await;
        assert_eq!(not_json.status, per_daemon(500, 400), "{}", not_json.text());

        // Disable takes `force` (since 1.28).
        docker.plugin_disable(&a).force(true).await.unwrap();
        assert_eq!(
            docker.plugin_inspect(&a).await.unwrap().enabled,
            Some(false)
        );

        // Delete answers 200 with no body, not the swagger's plugin
        // (erratum `plugin-delete-no-body`).
        let deleted = raw_exchange("DELETE", &format!("/v1.41/plugins/{a}"), &[], None).await;
        assert_eq!(deleted.status, 200, "{}", deleted.text());
        assert_eq!(deleted.text(), "", "no body");
        assert!(docker.plugin_inspect(&a).await.unwrap_err().is_not_found());

        // Keys documented late (PluginReference 1.26, DockerVersion/IpcHost/PidHost 1.29,
        // ProtocolScheme 1.38) are sent at /v1.24 too: the spec keeps them at every version.
        let old = raw_exchange("GET", &format!("/v1.24/plugins/{b}/json"), &[], None).await;
        assert_eq!(old.status, 200, "{}", old.text());
        let old: serde_json::Value = serde_json::from_str(&old.text()).unwrap();
        assert_eq!(old["PluginReference"], b.as_str(), "{old}");
        assert!(old["Config"]["DockerVersion"].is_string(), "{old}");
        assert_eq!(old["Config"]["IpcHost"], true, "{old}");
        assert_eq!(old["Config"]["PidHost"], false, "{old}");
        assert_eq!(
            old["Config"]["Interface"]["ProtocolScheme"], "moby.plugins.http/v1",
            "{old}"
        );
        let typed = docker.plugin_inspect(&b).await.unwrap().config.unwrap();
        assert_eq!(
            typed.interface.unwrap().protocol_scheme,
            Some(PluginProtocolScheme::MobyPluginsHttpV1)
        );
        assert_eq!(typed.ipc_host, Some(true));
        assert_eq!(typed.propagated_mount.as_deref(), Some("/mnt"));
    })
    .await;
}

/// `plugin_privileges`, `plugin_pull` and `plugin_upgrade` against the local
/// registry, with the errata `plugin-push-progress`, `plugin-privileges-name`,
/// `plugin-privileges-header-and-failures`, `plugin-pull-status` and
/// `plugin-upgrade-status`. Pushes two plugins (one at a time).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn privileges_pull_upgrade() {
    let repo = format!("{}/{}", registry(), unique("t5-upgrade"));
    let v1 = format!("{repo}:v1");
    let v2 = format!("{repo}:v2");
    let local = format!("{}:latest", unique("t5-local"));
    removing_plugins(vec![v1.clone(), v2.clone(), local.clone()], async move {
        let docker = docker41();
        let auth = registry_auth();
        for (name, description) in [(&v1, "drapi t5 v1"), (&v2, "drapi t5 v2")] {
            docker
                .plugin_create(
                    name,
                    RequestBody::from_bytes(plugin_tar(&manifest(description, "", ""), name)),
                )
                .await
                .unwrap();
            // The push streams progress and ends with the digest; it reads
            // `X-Registry-Auth` (erratum `plugin-push-progress`). dockerd
            // 20.10 once asked the loopback registry for a blob over HTTPS in
            // the middle of a push (a CI run of this stop); that daemon-side
            // hiccup gets one more try, any other error fails at once.
            let mut pushed = Vec::new();
            for attempt in 0..2 {
                let mut progress = docker
                    .plugin_push(name)
                    .registry_auth(auth.clone())
                    .await
                    .unwrap();
                pushed.clear();
                let mut failure = None;
                while let Some(item) = progress.next().await {
                    match item {
                        Ok(item) => pushed.push(item),
                        Err(e) => failure = Some(e.to_string()),
                    }
                }
                match failure {
                    None => break,
                    Some(e) if attempt == 0 && e.contains("HTTP response to HTTPS client") => {
                        eprintln!("the push met dockerd's HTTPS hiccup, trying once more: {e}");
                    }
                    Some(e) => panic!("the push reports an error: {e}"),
                }
            }
            assert!(pushed.iter().any(|p| p.aux.is_some()), "{pushed:?}");
            docker.plugin_delete(name).force(true).await.unwrap();
        }
        let missing = docker
            .plugin_push(&unique("t5-nosuch"))
            .await
            .err()
            .expect("no such plugin");
        assert!(missing.is_not_found(), "{missing}");

        // Privileges: what the plugin asks for, with the credentials...
        let asked = docker
            .plugin_privileges(&v1)
            .registry_auth(auth.clone())
            .await
            .unwrap();
        assert_eq!(asked, host_network());
        // ... and an empty list, not an error, when the daemon cannot fetch it
        // (erratum `plugin-privileges-header-and-failures`).
        let no_credentials = docker.plugin_privileges(&v1).await.unwrap();
        assert_eq!(no_credentials, Vec::<PluginPrivilege>::new());
        let unreachable = docker
            .plugin_privileges("127.0.0.1:5999/drapi-nowhere:v1")
            .await
            .unwrap();
        assert_eq!(unreachable, Vec::<PluginPrivilege>::new());
        let invalid = docker
            .plugin_privileges("NOT a reference")
            .await
            .unwrap_err();
        assert_eq!(invalid.status(), Some(500), "{invalid}");
        // At /v1.25 the swagger's `name` is ignored; `remote` is read
        // (erratum `plugin-privileges-name`).
        let auth_headers = [("X-Registry-Auth", registry_auth_header())];
        let by_name = raw_exchange(
            "GET",
            &format!("/v1.25/plugins/privileges?name={v1}"),
            &auth_headers,
            None,
        )
        .await;
        assert_eq!(by_name.status, 500, "{}", by_name.text());
        assert!(
            by_name.text().contains("invalid reference format"),
            "{}",
            by_name.text()
        );
        let by_remote = raw_exchange(
            "GET",
            &format!("/v1.25/plugins/privileges?remote={v1}"),
            &auth_headers,
            None,
        )
        .await;
        assert_eq!(by_remote.status, 200, "{}", by_remote.text());
        let privileges: Vec<PluginPrivilege> = serde_json::from_str(&by_remote.text()).unwrap();
        assert_eq!(privileges, host_network());

        // Pull answers 200 with progress, not the swagger's 204 (erratum `plugin-pull-status`).
        let privileges_json = serde_json::to_vec(&host_network()).unwrap();
        let pulled = raw_exchange(
            "POST",
            &format!("/v1.41/plugins/pull?remote={v1}&name={local}"),
            &auth_headers,
            Some(("application/json", privileges_json.clone())),
        )
        .await;
        assert_eq!(pulled.status, 200, "{}", pulled.text());
        assert_eq!(
            pulled
                .headers
                .get("docker-plugin-name")
                .and_then(|v| v.to_str().ok()),
            Some(local.as_str())
        );
        assert!(
            pulled.text().contains(r#""status""#),
            "progress: {}",
            pulled.text()
        );
        assert!(!pulled.text().contains(r#""error""#), "{}", pulled.text());
        assert_eq!(
            docker
                .plugin_inspect(&local)
                .await
                .unwrap()
                .plugin_reference
                .as_deref(),
            Some(v1.as_str())
        );

        // Upgrade: an enabled plugin is a 409 (erratum `plugin-upgrade-status`).
        docker.plugin_enable(&local).timeout(30).await.unwrap();
        let enabled = docker
            .plugin_upgrade(&local, &v2, &host_network())
            .registry_auth(auth.clone())
            .await
            .err()
            .expect("an enabled plugin is not upgraded");
        assert_eq!(enabled.status(), Some(409), "{enabled}");
        docker.plugin_disable(&local).await.unwrap();
        let not_installed = docker
            .plugin_upgrade(&unique("t5-nosuch"), &v2, &host_network())
            .registry_auth(auth.clone())
            .await
            .err()
            .expect("no such plugin");
        assert!(not_installed.is_not_found(), "{not_installed}");

        // Privileges that do not match: 200, and the failure comes in-band at the end.
        let wrong = raw_exchange(
            "POST",
            &format!("/v1.41/plugins/{local}/upgrade?remote={v2}"),
            &auth_headers,
            Some(("application/json", b"[]".to_vec())),
        )
        .await;
        assert_eq!(wrong.status, 200, "{}", wrong.text());
        assert!(
            wrong.text().contains("incorrect privileges"),
            "{}",
            wrong.text()
        );
        let mut stream = docker
            .plugin_upgrade(&local, &v2, &[])
            .registry_auth(auth.clone())
            .await
            .unwrap();
        let mut in_band = None;
        while let Some(item) = stream.next().await {
            if let Err(e) = item {
                in_band = Some(e);
                break;
            }
        }
        let in_band = in_band.expect("the stream ends with an error");
        assert!(
            in_band.to_string().contains("incorrect privileges"),
            "{in_band}"
        );
        assert_eq!(
            docker
                .plugin_inspect(&local)
                .await
                .unwrap()
                .plugin_reference
                .as_deref(),
            Some(v1.as_str()),
            "a failed upgrade changes nothing"
        );

        // The privileges it asks for: upgraded, the name and settings kept.
        docker
            .plugin_set(&local, &["DEBUG=1".to_string()])
            .await
            .unwrap();
        let progress = drain(
            "the upgrade",
            docker
                .plugin_upgrade(&local, &v2, &host_network())
                .registry_auth(auth.clone())
                .await
                .unwrap(),
        )
        .await;
        assert!(!progress.is_empty(), "the upgrade reports progress");
        let upgraded = docker.plugin_inspect(&local).await.unwrap();
        assert_eq!(upgraded.name.as_deref(), Some(local.as_str()));
        assert_eq!(upgraded.plugin_reference.as_deref(), Some(v2.as_str()));
        assert_eq!(
            upgraded.config.unwrap().description.as_deref(),
            Some("drapi t5 v2")
        );
        assert_eq!(
            upgraded.settings.unwrap().env.unwrap_or_default(),
            ["DEBUG=1"]
        );
        docker.plugin_delete(&local).await.unwrap();
    })
    .await;
}
