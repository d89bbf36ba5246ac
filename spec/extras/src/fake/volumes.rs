//! Volumes of the `local` driver: named and anonymous, with reference counts.

use std::collections::BTreeMap;

use super::containers::ROOT_DIR;
use super::util::{
    at_version, error, filter_bool, labels_match, now_nanos, rfc3339_seconds, unknown_filter,
};
use super::{FakeDaemon, Shared, State};
use crate::models::{
    EventType, Volume, VolumeCreateBody, VolumeListResponse, VolumePruneResponse, VolumeUpdateBody,
    VolumeUsageData,
};
use crate::operations::volumes::{VolumeDeleteOptions, VolumeListOptions, VolumePruneOptions};
use crate::server::volumes::{
    VolumeCreateReply, VolumeDeleteReply, VolumeInspectReply, VolumeListReply, VolumePruneReply,
    VolumeUpdateReply,
};
use crate::server::{ServerError, VolumesApi};

/// The label the daemon puts on the volumes it makes for a container.
const ANONYMOUS_LABEL: &str = "com.docker.volume.anonymous";

/// A volume as the daemon holds it.
#[derive(Debug, Clone)]
pub(crate) struct VolumeRecord {
    pub(crate) name: String,
    pub(crate) driver: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) options: BTreeMap<String, String>,
    pub(crate) created: i64,
    pub(crate) anonymous: bool,
}

fn no_such_volume(name: &str) -> crate::models::ErrorResponse {
    error(format!("get {name}: no such volume"))
}

impl State {
    /// Makes volume `name` unless it exists.
    pub(crate) fn ensure_volume(
        &mut self,
        _shared: &Shared,
        name: &str,
        anonymous: bool,
        labels: BTreeMap<String, String>,
    ) {
        if self.volumes.contains_key(name) {
            return;
        }
        let mut labels = labels;
        if anonymous {
            labels.insert(ANONYMOUS_LABEL.to_string(), String::new());
        }
        self.volumes.insert(
            name.to_string(),
            VolumeRecord {
                name: name.to_string(),
                driver: "local".into(),
                labels,
                options: BTreeMap::new(),
                created: now_nanos(),
                anonymous,
            },
        );
        let mut attributes = BTreeMap::new();
        attributes.insert("driver".to_string(), "local".to_string());
        self.emit(EventType::Volume, "create", name, attributes);
    }

    fn volume(&self, record: &VolumeRecord, usage: bool) -> Volume {
        Volume {
            name: record.name.clone(),
            driver: Some(record.driver.clone()),
            mountpoint: Some(format!("{ROOT_DIR}/volumes/{}/_data", record.name)),
            created_at: Some(rfc3339_seconds(record.created)),
            labels: Some(record.labels.clone()),
            scope: Some("local".into()),
            options: Some(record.options.clone()),
            usage_data: usage.then(|| VolumeUsageData {
                size: 0,
                ref_count: self.volume_users(&record.name).len() as i64,
            }),
            ..Default::default()
        }
    }

    /// The volumes as `GET /system/df` lists them, with their usage.
    pub(crate) fn volumes_with_usage(&self) -> Vec<Volume> {
        self.volumes
            .values()
            .map(|record| at_version(self.volume(record, true), "Volume"))
            .collect()
    }
}

impl VolumesApi for FakeDaemon {
    async fn volume_create(
        &self,
        body: Option<VolumeCreateBody>,
    ) -> Result<VolumeCreateReply, ServerError> {
        let body = body.unwrap_or_default();
        if body.cluster_volume_spec.is_some() {
            return Ok(VolumeCreateReply::ServiceUnavailable(error(
                super::swarm::NOT_A_MANAGER,
            )));
        }
        let driver = body
            .driver
            .clone()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "local".into());
        if driver != "local" {
            return Ok(VolumeCreateReply::InternalServerError(error(format!(
                "error looking up volume plugin {driver}: plugin \"{driver}\" not found"
            ))));
        }
        Ok(self.shared.mutate(|state, shared| {
            let (name, anonymous) = match body.name.clone().filter(|n| !n.is_empty()) {
                Some(name) => (name, false),
                None => (shared.ids.hex_id(), true),
            };
            state.ensure_volume(
                shared,
                &name,
                anonymous,
                body.labels.clone().unwrap_or_default(),
            );
            if let Some(record) = state.volumes.get_mut(&name) {
                if record.options.is_empty() {
                    record.options = body.driver_opts.clone().unwrap_or_default();
                }
            }
            let Some(record) = state.volumes.get(&name) else {
                return VolumeCreateReply::InternalServerError(error("the volume vanished"));
            };
            VolumeCreateReply::Created(Box::new(at_version(state.volume(record, false), "Volume")))
        }))
    }

    async fn volume_delete(
        &self,
        name: String,
        options: VolumeDeleteOptions,
    ) -> Result<VolumeDeleteReply, ServerError> {
        Ok(self.shared.mutate(|state, _| {
            if !state.volumes.contains_key(&name) {
                return if options.force == Some(true) {
                    VolumeDeleteReply::NoContent
                } else {
                    VolumeDeleteReply::NotFound(no_such_volume(&name))
                };
            }
            let users = state.volume_users(&name);
            if !users.is_empty() {
                return VolumeDeleteReply::Conflict(error(format!(
                    "remove {name}: volume is in use - [{}]",
                    users.join(", ")
                )));
            }
            state.volumes.remove(&name);
            let mut attributes = BTreeMap::new();
            attributes.insert("driver".to_string(), "local".to_string());
            state.emit(EventType::Volume, "destroy", &name, attributes);
            VolumeDeleteReply::NoContent
        }))
    }

    async fn volume_inspect(&self, name: String) -> Result<VolumeInspectReply, ServerError> {
        let state = self.shared.lock();
        Ok(match state.volumes.get(&name) {
            None => VolumeInspectReply::NotFound(no_such_volume(&name)),
            Some(record) => {
                VolumeInspectReply::Ok(Box::new(at_version(state.volume(record, false), "Volume")))
            }
        })
    }

    async fn volume_list(
        &self,
        options: VolumeListOptions,
    ) -> Result<VolumeListReply, ServerError> {
        let filters = options.filters.unwrap_or_default();
        if let Some(problem) = unknown_filter(&filters.other) {
            return Err(ServerError::bad_request(problem));
        }
        let dangling = match filters.dangling.as_ref().and_then(|v| v.first()) {
            Some(term) => Some(filter_bool("dangling", term).map_err(ServerError::bad_request)?),
            None => None,
        };
        let state = self.shared.lock();
        let volumes = state
            .volumes
            .values()
            .filter(|v| {
                filters
                    .name
                    .as_ref()
                    .is_none_or(|names| names.iter().any(|n| v.name.contains(n.as_str())))
            })
            .filter(|v| {
                filters
                    .driver
                    .as_ref()
                    .is_none_or(|drivers| drivers.contains(&v.driver))
            })
            .filter(|v| labels_match(filters.label.as_deref().unwrap_or(&[]), &v.labels))
            .filter(|v| dangling.is_none_or(|d| d == state.volume_users(&v.name).is_empty()))
            .map(|v| at_version(state.volume(v, false), "Volume"))
            .collect();
        Ok(VolumeListReply::Ok(Box::new(VolumeListResponse {
            volumes: Some(volumes),
            warnings: None,
        })))
    }

    async fn volume_prune(
        &self,
        options: VolumePruneOptions,
    ) -> Result<VolumePruneReply, ServerError> {
        let filters = options.filters.unwrap_or_default();
        if let Some(problem) = unknown_filter(&filters.other) {
            return Err(ServerError::bad_request(problem));
        }
        let all = match filters.all.as_ref().and_then(|v| v.first()) {
            Some(term) => filter_bool("all", term).map_err(ServerError::bad_request)?,
            None => false,
        };
        // From 1.42 only anonymous volumes go, unless `all`.
        let anonymous_only = !all && super::util::at_least((1, 42));
        Ok(self.shared.mutate(|state, _| {
            let doomed: Vec<String> = state
                .volumes
                .values()
                .filter(|v| !anonymous_only || v.anonymous)
                .filter(|v| state.volume_users(&v.name).is_empty())
                .filter(|v| labels_match(filters.label.as_deref().unwrap_or(&[]), &v.labels))
                .filter(|v| {
                    !filters
                        .label_not
                        .iter()
                        .flatten()
                        .any(|term| labels_match(std::slice::from_ref(term), &v.labels))
                })
                .map(|v| v.name.clone())
                .collect();
            for name in &doomed {
                state.volumes.remove(name);
                let mut attributes = BTreeMap::new();
                attributes.insert("driver".to_string(), "local".to_string());
                state.emit(EventType::Volume, "destroy", name, attributes);
            }
            let mut attributes = BTreeMap::new();
            attributes.insert("reclaimed".to_string(), "0".to_string());
            state.emit(EventType::Volume, "prune", "", attributes);
            VolumePruneReply::Ok(Box::new(VolumePruneResponse {
                volumes_deleted: Some(doomed),
                space_reclaimed: Some(0),
            }))
        }))
    }

    async fn volume_update(
        &self,
        _name: String,
        _version: i64,
        _body: VolumeUpdateBody,
    ) -> Result<VolumeUpdateReply, ServerError> {
        Ok(VolumeUpdateReply::ServiceUnavailable(error(
            super::swarm::NOT_A_MANAGER,
        )))
    }
}
