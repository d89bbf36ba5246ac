//! Swarm, nodes, services and tasks against the test daemon. One test, in
//! order: the daemon joins a one-node swarm and leaves it at the end.

mod common;

use common::*;
use docker_remote_api::models::*;
use docker_remote_api::operations::nodes::*;
use docker_remote_api::operations::services::*;
use docker_remote_api::operations::swarm::*;
use docker_remote_api::operations::tasks::*;

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn swarm_nodes_services_tasks() {
    let docker = docker();
    busybox().await;
    let init = SwarmInitBody {
        listen_addr: Some("127.0.0.1:2377".into()),
        advertise_addr: Some("127.0.0.1:2377".into()),
        force_new_cluster: Some(false),
        spec: Some(SwarmSpec::default()),
    };
    let node_id = docker.swarm_init(&init).await.unwrap();
    let result = exercise(&docker, &node_id).await;
    docker.swarm_leave(&SwarmLeaveQuery { force: Some(true) }).await.unwrap();
    result.unwrap();
    assert_eq!(docker.swarm_inspect().await.unwrap_err().status(), Some(503), "no swarm after leaving");
}

async fn exercise(docker: &docker_remote_api::Docker, node_id: &str) -> Result<(), String> {
    let swarm = docker.swarm_inspect().await.map_err(|e| e.to_string())?;
    let version = swarm.version.and_then(|v| v.index).ok_or("swarm has a version")?;
    let mut spec = swarm.spec.ok_or("swarm has a spec")?;
    spec.labels = Some([("drapi".to_string(), "yes".to_string())].into());
    docker
        .swarm_update(&SwarmUpdateQuery { version: version as i64, rotate_worker_token: Some(true), ..Default::default() }, &spec)
        .await
        .map_err(|e| e.to_string())?;
    let updated = docker.swarm_inspect().await.map_err(|e| e.to_string())?;
    assert_eq!(updated.spec.and_then(|s| s.labels).and_then(|l| l.get("drapi").cloned()).as_deref(), Some("yes"));

    let nodes = docker.node_list(&NodeListQuery::default()).await.map_err(|e| e.to_string())?;
    assert_eq!(nodes.len(), 1);
    let node = docker.node_inspect(node_id).await.map_err(|e| e.to_string())?;
    assert_eq!(node.id.as_deref(), Some(node_id));
    let mut node_spec = node.spec.clone().ok_or("node has a spec")?;
    node_spec.labels = Some([("role".to_string(), "test".to_string())].into());
    let node_version = node.version.and_then(|v| v.index).ok_or("node version")?;
    docker.node_update(node_id, &NodeUpdateQuery { version: node_version as i64 }, &node_spec).await.map_err(|e| e.to_string())?;

    let name = unique("svc");
    let service_spec = ServiceSpec {
        name: Some(name.clone()),
        task_template: Some(TaskSpec {
            container_spec: Some(ContainerSpec { image: Some(BUSYBOX.into()), args: Some(vec!["sleep".into(), "300".into()]), ..Default::default() }),
            ..Default::default()
        }),
        mode: Some(ServiceMode { replicated: Some(ServiceModeReplicated { replicas: Some(1) }), ..Default::default() }),
        ..Default::default()
    };
    let created = docker.service_create(&service_spec, None).await.map_err(|e| e.to_string())?;
    let service_id = created.id.ok_or("service id")?;
    let services = docker.service_list(&ServiceListQuery::default()).await.map_err(|e| e.to_string())?;
    assert!(services.iter().any(|s| s.id.as_deref() == Some(service_id.as_str())));
    let service = docker.service_inspect(&service_id).await.map_err(|e| e.to_string())?;
    let svc_version = service.version.and_then(|v| v.index).ok_or("service version")?;
    let mut new_spec = service.spec.ok_or("service spec")?;
    new_spec.labels = Some([("updated".to_string(), "1".to_string())].into());
    docker.service_update(&service_id, &ServiceUpdateQuery { version: svc_version as i64 }, &new_spec, None).await.map_err(|e| e.to_string())?;

    let filters = TaskListFilters { service: Some(vec![service_id.clone()]), ..Default::default() };
    let mut tasks = Vec::new();
    for _ in 0..50 {
        tasks = docker.task_list(&TaskListQuery { filters: Some(filters.clone()) }).await.map_err(|e| e.to_string())?;
        if !tasks.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let task_id = tasks.first().and_then(|t| t.id.clone()).ok_or("the service gets a task")?;
    let task = docker.task_inspect(&task_id).await.map_err(|e| e.to_string())?;
    assert_eq!(task.service_id.as_deref(), Some(service_id.as_str()));

    docker.service_delete(&service_id).await.map_err(|e| e.to_string())?;
    let err = docker.node_delete(node_id, &NodeDeleteQuery { force: Some(false) }).await.unwrap_err();
    assert!(err.status().is_some_and(|s| s >= 400), "a manager cannot remove itself: {err}");
    Ok(())
}
