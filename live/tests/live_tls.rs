//! TLS with client certificates, against the test daemon's `--tlsverify` TCP listener.

mod common;

use std::path::PathBuf;

use docker_remote_api::{Docker, Error, TlsConfig};

fn cert_dir() -> PathBuf {
    PathBuf::from(std::env::var("DRAPI_TEST_CERT_PATH").expect("run with `cargo xtask test`"))
}

fn port() -> u16 {
    std::env::var("DRAPI_TEST_TLS_PORT")
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn verified_tls_with_a_client_certificate() {
    let docker =
        Docker::connect_tls("localhost", port(), &TlsConfig::from_cert_dir(&cert_dir())).unwrap();
    docker
        .set_api_version(&common::docker().api_version())
        .unwrap();
    assert_eq!(docker.system_ping().await.unwrap(), "OK");
    let version = docker.system_version().await.unwrap();
    assert!(version.api_version.is_some());
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn a_server_signed_by_another_ca_is_refused() {
    let dir = cert_dir();
    let tls = TlsConfig {
        ca: Some(dir.join("other-ca.pem")),
        client_cert: Some((dir.join("cert.pem"), dir.join("key.pem"))),
        danger_accept_invalid_certs: false,
    };
    let docker = Docker::connect_tls("localhost", port(), &tls).unwrap();
    let err = docker.system_ping().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(
        format!("{err:?}").to_lowercase().contains("certificate"),
        "{err:?}"
    );
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn without_a_client_certificate_the_daemon_refuses() {
    let tls = TlsConfig {
        ca: Some(cert_dir().join("ca.pem")),
        client_cert: None,
        danger_accept_invalid_certs: false,
    };
    let docker = Docker::connect_tls("localhost", port(), &tls).unwrap();
    assert!(docker.system_ping().await.is_err());
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn from_env_follows_the_docker_cli_variables() {
    std::env::set_var("DOCKER_HOST", format!("tcp://localhost:{}", port()));
    std::env::set_var("DOCKER_TLS_VERIFY", "1");
    std::env::set_var("DOCKER_CERT_PATH", cert_dir());
    // Neither the crate's version nor a pass's, and one both test daemons speak
    // (dockerd 28.5 refuses anything below 1.24).
    std::env::set_var("DOCKER_API_VERSION", "1.25");
    let docker = Docker::from_env().unwrap();
    assert_eq!(docker.api_version(), "1.25");
    assert_eq!(docker.system_ping().await.unwrap(), "OK");
    for var in [
        "DOCKER_HOST",
        "DOCKER_TLS_VERIFY",
        "DOCKER_CERT_PATH",
        "DOCKER_API_VERSION",
    ] {
        std::env::remove_var(var);
    }
}
