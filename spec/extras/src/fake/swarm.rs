//! What the fake does not model answers as a daemon with nothing in it:
//! outside a swarm (nodes, services, tasks, secrets, configs, the swarm
//! itself) and without plugins.

use super::util::{error, unknown_filter};
use super::FakeDaemon;
use crate::models::{
    ConfigSpec, ErrorResponse, NodeSpec, PluginPrivilege, SecretSpec, ServiceSpec, SwarmInitBody,
    SwarmJoinBody, SwarmSpec, SwarmUnlockBody,
};
use crate::operations::configs::ConfigListOptions;
use crate::operations::nodes::{NodeDeleteOptions, NodeListOptions};
use crate::operations::plugins::{
    PluginDeleteOptions, PluginDisableOptions, PluginEnableOptions, PluginListOptions,
    PluginPrivilegesOptions, PluginPullOptions, PluginPushOptions, PluginUpgradeOptions,
};
use crate::operations::secrets::SecretListOptions;
use crate::operations::services::{
    ServiceCreateOptions, ServiceInspectOptions, ServiceListOptions, ServiceLogsOptions,
    ServiceUpdateOptions,
};
use crate::operations::swarm::{SwarmLeaveOptions, SwarmUpdateOptions};
use crate::operations::tasks::{TaskListOptions, TaskLogsOptions};
use crate::server::configs::{
    ConfigCreateReply, ConfigDeleteReply, ConfigInspectReply, ConfigListReply, ConfigUpdateReply,
};
use crate::server::nodes::{NodeDeleteReply, NodeInspectReply, NodeListReply, NodeUpdateReply};
use crate::server::plugins::{
    PluginCreateReply, PluginDeleteReply, PluginDisableReply, PluginEnableReply,
    PluginInspectReply, PluginListReply, PluginPrivilegesReply, PluginPullReply, PluginPushReply,
    PluginSetReply, PluginUpgradeReply,
};
use crate::server::secrets::{
    SecretCreateReply, SecretDeleteReply, SecretInspectReply, SecretListReply, SecretUpdateReply,
};
use crate::server::services::{
    ServiceCreateReply, ServiceDeleteReply, ServiceInspectReply, ServiceListReply,
    ServiceLogsReply, ServiceUpdateReply,
};
use crate::server::swarm::{
    SwarmInitReply, SwarmInspectReply, SwarmJoinReply, SwarmLeaveReply, SwarmUnlockKeyReply,
    SwarmUnlockReply, SwarmUpdateReply,
};
use crate::server::tasks::{TaskInspectReply, TaskListReply, TaskLogsReply};
use crate::server::{
    BodyStream, ConfigsApi, NodesApi, PluginsApi, SecretsApi, ServerError, ServicesApi, SwarmApi,
    TasksApi,
};

/// What a daemon outside a swarm answers to the calls of a swarm manager (503).
pub(crate) const NOT_A_MANAGER: &str = "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.";

/// What a daemon outside a swarm answers to leaving or unlocking one (503).
const NOT_IN_A_SWARM: &str = "This node is not part of a swarm";

fn not_a_manager() -> ErrorResponse {
    error(NOT_A_MANAGER)
}

fn no_such_plugin(name: &str) -> ErrorResponse {
    error(format!("plugin \"{name}\" not found"))
}

fn no_swarm_mode() -> ServerError {
    ServerError::new(501, "the fake daemon does not model swarm mode")
}

impl SwarmApi for FakeDaemon {
    async fn swarm_init(&self, _body: SwarmInitBody) -> Result<SwarmInitReply, ServerError> {
        Err(no_swarm_mode())
    }

    async fn swarm_inspect(&self) -> Result<SwarmInspectReply, ServerError> {
        Ok(SwarmInspectReply::ServiceUnavailable(not_a_manager()))
    }

    async fn swarm_join(&self, _body: SwarmJoinBody) -> Result<SwarmJoinReply, ServerError> {
        Err(no_swarm_mode())
    }

    async fn swarm_leave(
        &self,
        _options: SwarmLeaveOptions,
    ) -> Result<SwarmLeaveReply, ServerError> {
        Ok(SwarmLeaveReply::ServiceUnavailable(error(NOT_IN_A_SWARM)))
    }

    async fn swarm_unlock(&self, _body: SwarmUnlockBody) -> Result<SwarmUnlockReply, ServerError> {
        Ok(SwarmUnlockReply::ServiceUnavailable(error(NOT_IN_A_SWARM)))
    }

    async fn swarm_unlock_key(&self) -> Result<SwarmUnlockKeyReply, ServerError> {
        Ok(SwarmUnlockKeyReply::ServiceUnavailable(not_a_manager()))
    }

    async fn swarm_update(
        &self,
        _version: i64,
        _options: SwarmUpdateOptions,
        _body: SwarmSpec,
    ) -> Result<SwarmUpdateReply, ServerError> {
        Ok(SwarmUpdateReply::ServiceUnavailable(not_a_manager()))
    }
}

impl NodesApi for FakeDaemon {
    async fn node_delete(
        &self,
        _id: String,
        _options: NodeDeleteOptions,
    ) -> Result<NodeDeleteReply, ServerError> {
        Ok(NodeDeleteReply::ServiceUnavailable(not_a_manager()))
    }

    async fn node_inspect(&self, _id: String) -> Result<NodeInspectReply, ServerError> {
        Ok(NodeInspectReply::ServiceUnavailable(not_a_manager()))
    }

    async fn node_list(&self, _options: NodeListOptions) -> Result<NodeListReply, ServerError> {
        Ok(NodeListReply::ServiceUnavailable(not_a_manager()))
    }

    async fn node_update(
        &self,
        _id: String,
        _version: i64,
        _body: NodeSpec,
    ) -> Result<NodeUpdateReply, ServerError> {
        Ok(NodeUpdateReply::ServiceUnavailable(not_a_manager()))
    }
}

impl ServicesApi for FakeDaemon {
    async fn service_create(
        &self,
        _options: ServiceCreateOptions,
        _body: ServiceSpec,
    ) -> Result<ServiceCreateReply, ServerError> {
        Ok(ServiceCreateReply::ServiceUnavailable(not_a_manager()))
    }

    async fn service_delete(&self, _id: String) -> Result<ServiceDeleteReply, ServerError> {
        Ok(ServiceDeleteReply::ServiceUnavailable(not_a_manager()))
    }

    async fn service_inspect(
        &self,
        _id: String,
        _options: ServiceInspectOptions,
    ) -> Result<ServiceInspectReply, ServerError> {
        Ok(ServiceInspectReply::ServiceUnavailable(not_a_manager()))
    }

    async fn service_list(
        &self,
        _options: ServiceListOptions,
    ) -> Result<ServiceListReply, ServerError> {
        Ok(ServiceListReply::ServiceUnavailable(not_a_manager()))
    }

    async fn service_logs(
        &self,
        _id: String,
        _options: ServiceLogsOptions,
    ) -> Result<ServiceLogsReply, ServerError> {
        Ok(ServiceLogsReply::ServiceUnavailable(not_a_manager()))
    }

    async fn service_update(
        &self,
        _id: String,
        _version: i64,
        _options: ServiceUpdateOptions,
        _body: ServiceSpec,
    ) -> Result<ServiceUpdateReply, ServerError> {
        Ok(ServiceUpdateReply::ServiceUnavailable(not_a_manager()))
    }
}

impl TasksApi for FakeDaemon {
    async fn task_inspect(&self, _id: String) -> Result<TaskInspectReply, ServerError> {
        Ok(TaskInspectReply::ServiceUnavailable(not_a_manager()))
    }

    async fn task_list(&self, _options: TaskListOptions) -> Result<TaskListReply, ServerError> {
        Ok(TaskListReply::ServiceUnavailable(not_a_manager()))
    }

    async fn task_logs(
        &self,
        _id: String,
        _options: TaskLogsOptions,
    ) -> Result<TaskLogsReply, ServerError> {
        Ok(TaskLogsReply::ServiceUnavailable(not_a_manager()))
    }
}

impl SecretsApi for FakeDaemon {
    async fn secret_create(&self, _body: SecretSpec) -> Result<SecretCreateReply, ServerError> {
        Ok(SecretCreateReply::ServiceUnavailable(not_a_manager()))
    }

    async fn secret_delete(&self, _id: String) -> Result<SecretDeleteReply, ServerError> {
        Ok(SecretDeleteReply::ServiceUnavailable(not_a_manager()))
    }

    async fn secret_inspect(&self, _id: String) -> Result<SecretInspectReply, ServerError> {
        Ok(SecretInspectReply::ServiceUnavailable(not_a_manager()))
    }

    async fn secret_list(
        &self,
        _options: SecretListOptions,
    ) -> Result<SecretListReply, ServerError> {
        Ok(SecretListReply::ServiceUnavailable(not_a_manager()))
    }

    async fn secret_update(
        &self,
        _id: String,
        _version: i64,
        _body: SecretSpec,
    ) -> Result<SecretUpdateReply, ServerError> {
        Ok(SecretUpdateReply::ServiceUnavailable(not_a_manager()))
    }
}

impl ConfigsApi for FakeDaemon {
    async fn config_create(&self, _body: ConfigSpec) -> Result<ConfigCreateReply, ServerError> {
        Ok(ConfigCreateReply::ServiceUnavailable(not_a_manager()))
    }

    async fn config_delete(&self, _id: String) -> Result<ConfigDeleteReply, ServerError> {
        Ok(ConfigDeleteReply::ServiceUnavailable(not_a_manager()))
    }

    async fn config_inspect(&self, _id: String) -> Result<ConfigInspectReply, ServerError> {
        Ok(ConfigInspectReply::ServiceUnavailable(not_a_manager()))
    }

    async fn config_list(
        &self,
        _options: ConfigListOptions,
    ) -> Result<ConfigListReply, ServerError> {
        Ok(ConfigListReply::ServiceUnavailable(not_a_manager()))
    }

    async fn config_update(
        &self,
        _id: String,
        _version: i64,
        _body: ConfigSpec,
    ) -> Result<ConfigUpdateReply, ServerError> {
        Ok(ConfigUpdateReply::ServiceUnavailable(not_a_manager()))
    }
}

impl PluginsApi for FakeDaemon {
    async fn plugin_create(
        &self,
        _name: String,
        _body: BodyStream,
    ) -> Result<PluginCreateReply, ServerError> {
        Err(ServerError::new(
            501,
            "the fake daemon does not model plugins",
        ))
    }

    async fn plugin_delete(
        &self,
        name: String,
        _options: PluginDeleteOptions,
    ) -> Result<PluginDeleteReply, ServerError> {
        Ok(PluginDeleteReply::NotFound(no_such_plugin(&name)))
    }

    async fn plugin_disable(
        &self,
        name: String,
        _options: PluginDisableOptions,
    ) -> Result<PluginDisableReply, ServerError> {
        Ok(PluginDisableReply::NotFound(no_such_plugin(&name)))
    }

    async fn plugin_enable(
        &self,
        name: String,
        _options: PluginEnableOptions,
    ) -> Result<PluginEnableReply, ServerError> {
        Ok(PluginEnableReply::NotFound(no_such_plugin(&name)))
    }

    async fn plugin_inspect(&self, name: String) -> Result<PluginInspectReply, ServerError> {
        Ok(PluginInspectReply::NotFound(no_such_plugin(&name)))
    }

    async fn plugin_list(
        &self,
        options: PluginListOptions,
    ) -> Result<PluginListReply, ServerError> {
        if let Some(problem) = options
            .filters
            .as_ref()
            .and_then(|f| unknown_filter(&f.other))
        {
            return Ok(PluginListReply::BadRequest(error(problem)));
        }
        Ok(PluginListReply::Ok(Vec::new()))
    }

    async fn plugin_privileges(
        &self,
        remote: String,
        _options: PluginPrivilegesOptions,
    ) -> Result<PluginPrivilegesReply, ServerError> {
        Ok(PluginPrivilegesReply::InternalServerError(error(format!(
            "{remote}: the fake daemon reaches no registry"
        ))))
    }

    async fn plugin_pull(
        &self,
        options: PluginPullOptions,
        _body: Vec<PluginPrivilege>,
    ) -> Result<PluginPullReply, ServerError> {
        Ok(PluginPullReply::InternalServerError(error(format!(
            "{}: the fake daemon reaches no registry",
            options.remote.unwrap_or_default()
        ))))
    }

    async fn plugin_push(
        &self,
        name: String,
        _options: PluginPushOptions,
    ) -> Result<PluginPushReply, ServerError> {
        Ok(PluginPushReply::NotFound(no_such_plugin(&name)))
    }

    async fn plugin_set(
        &self,
        name: String,
        _body: Vec<String>,
    ) -> Result<PluginSetReply, ServerError> {
        Ok(PluginSetReply::NotFound(no_such_plugin(&name)))
    }

    async fn plugin_upgrade(
        &self,
        name: String,
        _remote: String,
        _options: PluginUpgradeOptions,
        _body: Vec<PluginPrivilege>,
    ) -> Result<PluginUpgradeReply, ServerError> {
        Ok(PluginUpgradeReply::NotFound(no_such_plugin(&name)))
    }
}
