//! The calls both benchmarks make, through each client.

use bollard::query_parameters::{InspectContainerOptions, ListContainersOptionsBuilder};
use docker_remote_api::prelude::*;
use drapi_bench::{API, CONTAINERS};

/// One of the three benchmarked calls.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// `GET /_ping`.
    Ping,
    /// `GET /containers/{id}/json`.
    Inspect,
    /// `GET /containers/json?all=1`.
    List,
}

/// The call through this crate's client.
pub async fn ours(docker: &Docker, op: Op, id: &str) {
    match op {
        Op::Ping => {
            docker.system_ping().await.unwrap();
        }
        Op::Inspect => {
            docker.container_inspect(id).await.unwrap();
        }
        Op::List => {
            let listed = docker.container_list().all(true).await.unwrap();
            assert_eq!(listed.len(), CONTAINERS);
        }
    }
}

/// The same call through bollard.
pub async fn theirs(docker: &bollard::Docker, op: Op, id: &str) {
    match op {
        Op::Ping => {
            docker.ping().await.unwrap();
        }
        Op::Inspect => {
            docker
                .inspect_container(id, None::<InspectContainerOptions>)
                .await
                .unwrap();
        }
        Op::List => {
            let options = ListContainersOptionsBuilder::default().all(true).build();
            let listed = docker.list_containers(Some(options)).await.unwrap();
            assert_eq!(listed.len(), CONTAINERS);
        }
    }
}

/// bollard at the API version this crate speaks (its default is newer than
/// dockerd 28.5's).
pub fn bollard_client(socket: &str) -> bollard::Docker {
    let (major, minor) = API.split_once('.').unwrap();
    let version = bollard::ClientVersion {
        major_version: major.parse().unwrap(),
        minor_version: minor.parse().unwrap(),
    };
    bollard::Docker::connect_with_unix(socket, 120, &version).unwrap()
}
