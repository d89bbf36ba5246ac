//! Images: seeded ones, tags, removal with the daemon's conflicts, pulls of
//! pullable references; and the `distribution` tag.

use std::collections::BTreeMap;

use super::containers::overlay;
use super::util::{
    at_version, error, filter_bool, glob_match, labels_match, normalize_reference, now_nanos,
    parse_timestamp, rfc3339, stable_hex, unknown_filter, valid_reference,
};
use super::{FakeDaemon, Shared, State, ENGINE_VERSION};
use crate::models::{
    AuthConfig, BuildPruneResponse, ContainerConfig, ErrorDetail, EventType, GraphDriverData,
    ImageConfig, ImageDeleteItem, ImageHistoryItem, ImageInspect, ImageMetadata,
    ImagePruneResponse, ImageRootFs, ImageSummary, ProgressMessage, StringOrList,
};
use crate::operations::distribution::DistributionInspectOptions;
use crate::operations::images::{
    BuildPruneOptions, ImageBuildOptions, ImageCommitOptions, ImageCreateOptions,
    ImageDeleteOptions, ImageGetAllOptions, ImageGetOptions, ImageHistoryOptions,
    ImageInspectOptions, ImageListOptions, ImageLoadOptions, ImagePruneOptions, ImagePushOptions,
    ImageSearchOptions, ImageTagOptions,
};
use crate::server::distribution::DistributionInspectReply;
use crate::server::images::{
    BuildPruneReply, ImageBuildReply, ImageCommitReply, ImageCreateReply, ImageDeleteReply,
    ImageGetAllReply, ImageGetReply, ImageHistoryReply, ImageInspectReply, ImageListReply,
    ImageLoadReply, ImagePruneReply, ImagePushReply, ImageSearchReply, ImageTagReply,
};
use crate::server::{BodyStream, DistributionApi, ImagesApi, ServerError};

/// The size every fake image claims, in bytes (busybox's, near enough).
const IMAGE_SIZE: i64 = 4_261_550;

/// An image as the daemon holds it.
#[derive(Debug, Clone)]
pub(crate) struct Image {
    pub(crate) id: String,
    pub(crate) tags: Vec<String>,
    pub(crate) created: i64,
    pub(crate) last_tagged: i64,
    pub(crate) config: ImageConfig,
    pub(crate) comment: String,
}

fn no_such_image(reference: &str) -> crate::models::ErrorResponse {
    error(format!("No such image: {}", shown_reference(reference)))
}

/// A reference as the daemon's messages show it: an ID as given, a name with its tag.
fn shown_reference(reference: &str) -> String {
    if looks_like_id(reference) {
        reference.to_string()
    } else {
        normalize_reference(reference)
    }
}

fn looks_like_id(reference: &str) -> bool {
    let hex = reference.strip_prefix("sha256:").unwrap_or(reference);
    reference.starts_with("sha256:")
        || (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The configuration of a seeded image: busybox's.
fn seeded_config() -> ImageConfig {
    ImageConfig {
        hostname: Some(String::new()),
        domainname: Some(String::new()),
        user: Some(String::new()),
        attach_stdin: Some(false),
        attach_stdout: Some(false),
        attach_stderr: Some(false),
        tty: Some(false),
        open_stdin: Some(false),
        stdin_once: Some(false),
        env: Some(vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        ]),
        cmd: Some(StringOrList::List(vec!["sh".into()])),
        image: Some(String::new()),
        working_dir: Some(String::new()),
        ..Default::default()
    }
}

impl State {
    /// Adds an image, or a tag to it: the ID follows from the reference.
    pub(crate) fn add_image(&mut self, _shared: &Shared, reference: &str) -> String {
        let tag = normalize_reference(reference);
        if let Some(i) = self.find_image(&tag) {
            return self.images[i].id.clone();
        }
        let id = format!("sha256:{}", stable_hex(&format!("image {tag}")));
        let now = now_nanos();
        match self.images.iter_mut().find(|image| image.id == id) {
            Some(image) => image.tags.push(tag.clone()),
            None => self.images.push(Image {
                id: id.clone(),
                tags: vec![tag.clone()],
                created: now,
                last_tagged: now,
                config: seeded_config(),
                comment: String::new(),
            }),
        }
        let mut attributes = BTreeMap::new();
        attributes.insert("name".to_string(), tag);
        self.emit(EventType::Image, "tag", &id, attributes);
        id
    }

    /// The index of an image by reference (`busybox`, `busybox:latest`),
    /// full ID or unique ID prefix.
    pub(crate) fn find_image(&self, reference: &str) -> Option<usize> {
        if reference.is_empty() {
            return None;
        }
        let tag = normalize_reference(reference);
        if let Some(i) = self
            .images
            .iter()
            .position(|image| image.tags.contains(&tag))
        {
            return Some(i);
        }
        let hex = reference.strip_prefix("sha256:").unwrap_or(reference);
        if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let mut matches = self
            .images
            .iter()
            .enumerate()
            .filter(|(_, image)| image.id["sha256:".len()..].starts_with(hex));
        match (matches.next(), matches.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    /// An image's size; every fake image is as big.
    pub(crate) fn image_size(&self, _id: &str) -> i64 {
        IMAGE_SIZE
    }

    fn image_summary(&self, image: &Image) -> ImageSummary {
        ImageSummary {
            id: image.id.clone(),
            parent_id: Some(String::new()),
            repo_tags: Some(image.tags.clone()),
            repo_digests: Some(Vec::new()),
            created: Some(image.created.div_euclid(1_000_000_000)),
            size: Some(IMAGE_SIZE),
            virtual_size: Some(IMAGE_SIZE),
            labels: image.config.labels.clone(),
            shared_size: Some(-1),
            containers: Some(
                self.containers
                    .iter()
                    .filter(|c| c.image_id == image.id)
                    .count() as i64,
            ),
            ..Default::default()
        }
    }

    fn image_inspect(&self, image: &Image) -> ImageInspect {
        let config: ContainerConfig = overlay(ContainerConfig::default(), &image.config);
        ImageInspect {
            id: Some(image.id.clone()),
            repo_tags: Some(image.tags.clone()),
            repo_digests: Some(Vec::new()),
            parent: Some(String::new()),
            comment: Some(image.comment.clone()),
            created: Some(rfc3339(image.created)),
            container: Some(String::new()),
            container_config: Some(config),
            docker_version: Some(ENGINE_VERSION.into()),
            author: Some(String::new()),
            config: Some(image.config.clone()),
            architecture: Some(super::system::go_arch().into()),
            os: Some("linux".into()),
            size: Some(IMAGE_SIZE),
            virtual_size: Some(IMAGE_SIZE),
            graph_driver: Some(GraphDriverData {
                name: Some("vfs".into()),
                data: None,
            }),
            root_fs: Some(ImageRootFs {
                r#type: Some("layers".into()),
                layers: Some(vec![format!(
                    "sha256:{}",
                    stable_hex(&format!("layer {}", image.id))
                )]),
                base_layer: None,
            }),
            metadata: Some(ImageMetadata {
                last_tag_time: Some(rfc3339(image.last_tagged)),
            }),
            ..Default::default()
        }
    }

    /// Removes tag or image `name` as `DELETE /images/{name}` does.
    fn delete_image(
        &mut self,
        name: &str,
        force: bool,
    ) -> Result<Vec<ImageDeleteItem>, ImageDeleteReply> {
        let Some(index) = self.find_image(name) else {
            return Err(ImageDeleteReply::NotFound(no_such_image(name)));
        };
        let by_tag =
            !looks_like_id(name) && self.images[index].tags.contains(&normalize_reference(name));
        let id = self.images[index].id.clone();
        let short = id["sha256:".len()..][..12].to_string();
        let users: Vec<(String, bool)> = self
            .containers
            .iter()
            .filter(|c| c.image_id == id)
            .map(|c| (c.id.clone(), c.running()))
            .collect();
        let mut items = Vec::new();
        if by_tag && self.images[index].tags.len() > 1 {
            let tag = normalize_reference(name);
            self.images[index].tags.retain(|t| *t != tag);
            self.untag_event(&id, &tag);
            items.push(ImageDeleteItem {
                untagged: Some(tag),
                deleted: None,
            });
            return Ok(items);
        }
        if let Some((container, _)) = users.iter().find(|(_, running)| *running) {
            let container = &container[..12];
            return Err(ImageDeleteReply::Conflict(error(if by_tag && !force {
                format!("conflict: unable to remove repository reference \"{name}\" (must force) - container {container} is using its referenced image {short}")
            } else {
                format!("conflict: unable to delete {short} (cannot be forced) - image is being used by running container {container}")
            })));
        }
        if !force {
            if let Some((container, _)) = users.first() {
                let container = &container[..12];
                return Err(ImageDeleteReply::Conflict(error(if by_tag {
                    format!("conflict: unable to remove repository reference \"{name}\" (must force) - container {container} is using its referenced image {short}")
                } else {
                    format!("conflict: unable to delete {short} (must be forced) - image is being used by stopped container {container}")
                })));
            }
            if !by_tag && self.images[index].tags.len() > 1 {
                return Err(ImageDeleteReply::Conflict(error(format!(
                    "conflict: unable to delete {short} (must be forced) - image is referenced in multiple repositories"
                ))));
            }
        }
        let image = self.images.remove(index);
        for tag in image.tags {
            self.untag_event(&id, &tag);
            items.push(ImageDeleteItem {
                untagged: Some(tag),
                deleted: None,
            });
        }
        let mut attributes = BTreeMap::new();
        attributes.insert("name".to_string(), id.clone());
        self.emit(EventType::Image, "delete", &id, attributes);
        items.push(ImageDeleteItem {
            untagged: None,
            deleted: Some(id),
        });
        Ok(items)
    }

    fn untag_event(&mut self, id: &str, tag: &str) {
        let mut attributes = BTreeMap::new();
        attributes.insert("name".to_string(), tag.to_string());
        self.emit(EventType::Image, "untag", id, attributes);
    }
}

fn progress(status: &str) -> ProgressMessage {
    ProgressMessage {
        status: Some(status.to_string()),
        ..Default::default()
    }
}

fn in_band_error(message: String) -> ProgressMessage {
    ProgressMessage {
        error: Some(message.clone()),
        error_detail: Some(ErrorDetail {
            code: None,
            message: Some(message),
        }),
        ..Default::default()
    }
}

fn not_modelled(what: &str) -> ServerError {
    ServerError::new(501, format!("the fake daemon does not model {what}"))
}

impl ImagesApi for FakeDaemon {
    async fn build_prune(
        &self,
        options: BuildPruneOptions,
    ) -> Result<BuildPruneReply, ServerError> {
        if let Some(problem) = options
            .filters
            .as_ref()
            .and_then(|f| unknown_filter(&f.other))
        {
            return Ok(BuildPruneReply::BadRequest(error(problem)));
        }
        Ok(BuildPruneReply::Ok(Box::new(BuildPruneResponse {
            caches_deleted: Some(Vec::new()),
            space_reclaimed: Some(0),
        })))
    }

    async fn image_build(
        &self,
        _options: ImageBuildOptions,
        _body: BodyStream,
    ) -> Result<ImageBuildReply, ServerError> {
        Err(not_modelled(
            "builds: seed images with FakeDaemonBuilder::image or FakeDaemon::add_image",
        ))
    }

    async fn image_commit(
        &self,
        options: ImageCommitOptions,
        _body: ContainerConfig,
    ) -> Result<ImageCommitReply, ServerError> {
        let container = options.container.unwrap_or_default();
        let state = self.shared.lock();
        if state.find_container(&container).is_none() {
            return Ok(ImageCommitReply::NotFound(error(format!(
                "No such container: {container}"
            ))));
        }
        Err(not_modelled(
            "container filesystems: there is nothing to commit",
        ))
    }

    async fn image_create(
        &self,
        options: ImageCreateOptions,
        _body: BodyStream,
    ) -> Result<ImageCreateReply, ServerError> {
        let Some(from_image) = options.from_image.filter(|f| !f.is_empty()) else {
            return Err(not_modelled("image imports (fromSrc)"));
        };
        let reference = match options.tag.filter(|t| !t.is_empty()) {
            Some(tag) if tag.starts_with("sha256:") => format!("{from_image}@{tag}"),
            Some(tag) => format!("{from_image}:{tag}"),
            None => from_image,
        };
        if !valid_reference(&reference) {
            return Ok(ImageCreateReply::BadRequest(error(format!(
                "invalid reference format: repository name ({reference}) must be lowercase"
            ))));
        }
        let tag = normalize_reference(&reference);
        let repository = tag
            .rsplit_once(':')
            .map(|(r, _)| r)
            .unwrap_or(&tag)
            .to_string();
        // Docker Hub's official images live under `library/`.
        let remote = if repository.contains('/') {
            repository.clone()
        } else {
            format!("library/{repository}")
        };
        let local = self.shared.lock().find_image(&tag).is_some();
        if !local && !self.shared.pullable.contains(&tag) {
            return Ok(ImageCreateReply::NotFound(error(format!(
                "pull access denied for {repository}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"
            ))));
        }
        let id = self.add_image(&tag);
        let mut attributes = BTreeMap::new();
        attributes.insert("name".to_string(), tag.clone());
        self.shared
            .mutate(|state, _| state.emit(EventType::Image, "pull", &tag, attributes));
        let digest = format!("sha256:{}", stable_hex(&format!("digest {id}")));
        let short_tag = tag.rsplit_once(':').map(|(_, t)| t).unwrap_or("latest");
        let messages = vec![
            ProgressMessage {
                id: Some(short_tag.to_string()),
                ..progress(&format!("Pulling from {remote}"))
            },
            progress(&format!("Digest: {digest}")),
            progress(&if local {
                format!("Status: Image is up to date for {tag}")
            } else {
                format!("Status: Downloaded newer image for {tag}")
            }),
        ];
        Ok(ImageCreateReply::Ok(Box::pin(futures_util::stream::iter(
            messages,
        ))))
    }

    async fn image_delete(
        &self,
        name: String,
        options: ImageDeleteOptions,
    ) -> Result<ImageDeleteReply, ServerError> {
        Ok(self.shared.mutate(|state, _| {
            match state.delete_image(&name, options.force.unwrap_or(false)) {
                Ok(items) => ImageDeleteReply::Ok(items),
                Err(reply) => reply,
            }
        }))
    }

    async fn image_get(
        &self,
        _name: String,
        _options: ImageGetOptions,
    ) -> Result<ImageGetReply, ServerError> {
        Err(not_modelled("image tarballs (save)"))
    }

    async fn image_get_all(
        &self,
        _options: ImageGetAllOptions,
    ) -> Result<ImageGetAllReply, ServerError> {
        Err(not_modelled("image tarballs (save)"))
    }

    async fn image_history(
        &self,
        name: String,
        _options: ImageHistoryOptions,
    ) -> Result<ImageHistoryReply, ServerError> {
        let state = self.shared.lock();
        let Some(index) = state.find_image(&name) else {
            return Ok(ImageHistoryReply::NotFound(no_such_image(&name)));
        };
        let image = &state.images[index];
        Ok(ImageHistoryReply::Ok(vec![
            ImageHistoryItem {
                id: Some(image.id.clone()),
                created: Some(image.created.div_euclid(1_000_000_000)),
                created_by: Some("/bin/sh -c #(nop)  CMD [\"sh\"]".into()),
                tags: Some(image.tags.clone()),
                size: Some(0),
                comment: Some(String::new()),
            },
            ImageHistoryItem {
                id: Some("<missing>".into()),
                created: Some(image.created.div_euclid(1_000_000_000)),
                created_by: Some(format!(
                    "/bin/sh -c #(nop) ADD file:{} in / ",
                    stable_hex(&format!("layer {}", image.id))
                )),
                tags: None,
                size: Some(IMAGE_SIZE),
                comment: Some(String::new()),
            },
        ]))
    }

    async fn image_inspect(
        &self,
        name: String,
        _options: ImageInspectOptions,
    ) -> Result<ImageInspectReply, ServerError> {
        let state = self.shared.lock();
        Ok(match state.find_image(&name) {
            None => ImageInspectReply::NotFound(no_such_image(&name)),
            Some(i) => ImageInspectReply::Ok(Box::new(at_version(
                state.image_inspect(&state.images[i]),
                "ImageInspect",
            ))),
        })
    }

    async fn image_list(&self, options: ImageListOptions) -> Result<ImageListReply, ServerError> {
        let filters = options.filters.unwrap_or_default();
        if let Some(problem) = unknown_filter(&filters.other) {
            return Err(ServerError::bad_request(problem));
        }
        let state = self.shared.lock();
        let position = |reference: &String| -> Result<usize, ServerError> {
            state
                .find_image(reference)
                .ok_or_else(|| ServerError::new(404, no_such_image(reference).message))
        };
        let before = filters
            .before
            .as_ref()
            .and_then(|v| v.first())
            .map(position)
            .transpose()?;
        let since = filters
            .since
            .as_ref()
            .and_then(|v| v.first())
            .map(position)
            .transpose()?;
        let until = match filters.until.as_ref().and_then(|v| v.first()) {
            Some(text) => Some(parse_timestamp(text).map_err(ServerError::bad_request)?),
            None => None,
        };
        let dangling = match filters.dangling.as_ref().and_then(|v| v.first()) {
            Some(term) => Some(filter_bool("dangling", term).map_err(ServerError::bad_request)?),
            None => None,
        };
        let mut out = Vec::new();
        for (index, image) in state.images.iter().enumerate().rev() {
            if before.is_some_and(|b| index >= b) || since.is_some_and(|s| index <= s) {
                continue;
            }
            if until.is_some_and(|u| image.created >= u) {
                continue;
            }
            if dangling.is_some_and(|d| d != image.tags.is_empty()) {
                continue;
            }
            let labels = image.config.labels.clone().unwrap_or_default();
            if !labels_match(filters.label.as_deref().unwrap_or(&[]), &labels) {
                continue;
            }
            let mut summary = state.image_summary(image);
            if let Some(patterns) = &filters.reference {
                let tags: Vec<String> = image
                    .tags
                    .iter()
                    .filter(|tag| {
                        patterns.iter().any(|p| {
                            glob_match(p, tag)
                                || glob_match(
                                    p,
                                    tag.rsplit_once(':').map_or(tag.as_str(), |(r, _)| r),
                                )
                                || glob_match(&normalize_reference(p), tag)
                        })
                    })
                    .cloned()
                    .collect();
                if tags.is_empty() {
                    continue;
                }
                summary.repo_tags = Some(tags);
            }
            out.push(at_version(summary, "ImageSummary"));
        }
        Ok(ImageListReply::Ok(out))
    }

    async fn image_load(
        &self,
        _options: ImageLoadOptions,
        _body: BodyStream,
    ) -> Result<ImageLoadReply, ServerError> {
        Err(not_modelled("image tarballs (load)"))
    }

    async fn image_prune(
        &self,
        options: ImagePruneOptions,
    ) -> Result<ImagePruneReply, ServerError> {
        let filters = options.filters.unwrap_or_default();
        if let Some(problem) = unknown_filter(&filters.other) {
            return Ok(ImagePruneReply::BadRequest(error(problem)));
        }
        let dangling_only = match filters.dangling.as_ref().and_then(|v| v.first()) {
            Some(term) => match filter_bool("dangling", term) {
                Ok(only) => only,
                Err(problem) => return Ok(ImagePruneReply::BadRequest(error(problem))),
            },
            None => true,
        };
        Ok(self.shared.mutate(|state, _| {
            let mut deleted = Vec::new();
            let mut reclaimed = 0;
            let candidates: Vec<String> = state
                .images
                .iter()
                .filter(|image| !dangling_only || image.tags.is_empty())
                .filter(|image| !state.containers.iter().any(|c| c.image_id == image.id))
                .filter(|image| {
                    labels_match(
                        filters.label.as_deref().unwrap_or(&[]),
                        &image.config.labels.clone().unwrap_or_default(),
                    )
                })
                .map(|image| image.id.clone())
                .collect();
            for id in candidates {
                if let Ok(items) = state.delete_image(&id, true) {
                    reclaimed += IMAGE_SIZE;
                    deleted.extend(items);
                }
            }
            let mut attributes = BTreeMap::new();
            attributes.insert("reclaimed".to_string(), reclaimed.to_string());
            state.emit(EventType::Image, "prune", "", attributes);
            ImagePruneReply::Ok(Box::new(ImagePruneResponse {
                images_deleted: Some(deleted),
                space_reclaimed: Some(reclaimed),
            }))
        }))
    }

    async fn image_push(
        &self,
        name: String,
        _registry_auth: AuthConfig,
        options: ImagePushOptions,
    ) -> Result<ImagePushReply, ServerError> {
        let reference = match options.tag.filter(|t| !t.is_empty()) {
            Some(tag) => format!("{name}:{tag}"),
            None => name.clone(),
        };
        if self.shared.lock().find_image(&reference).is_none() {
            return Ok(ImagePushReply::NotFound(error(format!(
                "An image does not exist locally with the tag: {name}"
            ))));
        }
        let tag = normalize_reference(&reference);
        let registry = match tag.split_once('/') {
            Some((host, _)) if host.contains('.') || host.contains(':') => host.to_string(),
            _ => "registry-1.docker.io".to_string(),
        };
        let messages = vec![
            progress(&format!(
                "The push refers to repository [{}]",
                tag.rsplit_once(':').map(|(r, _)| r).unwrap_or(&tag)
            )),
            in_band_error(format!(
                "Get \"https://{registry}/v2/\": the fake daemon reaches no registry"
            )),
        ];
        Ok(ImagePushReply::Ok(Box::pin(futures_util::stream::iter(
            messages,
        ))))
    }

    async fn image_search(
        &self,
        _term: String,
        _options: ImageSearchOptions,
    ) -> Result<ImageSearchReply, ServerError> {
        Ok(ImageSearchReply::Ok(Vec::new()))
    }

    async fn image_tag(
        &self,
        name: String,
        options: ImageTagOptions,
    ) -> Result<ImageTagReply, ServerError> {
        let Some(repo) = options.repo.filter(|r| !r.is_empty()) else {
            return Ok(ImageTagReply::BadRequest(error(
                "repository name must have at least one component",
            )));
        };
        let reference = match options.tag.filter(|t| !t.is_empty()) {
            Some(tag) => format!("{repo}:{tag}"),
            None => repo,
        };
        if !valid_reference(&reference) {
            return Ok(ImageTagReply::BadRequest(error(format!(
                "invalid reference format: repository name ({reference}) must be lowercase"
            ))));
        }
        Ok(self.shared.mutate(|state, _| {
            let Some(index) = state.find_image(&name) else {
                return ImageTagReply::NotFound(no_such_image(&name));
            };
            let tag = normalize_reference(&reference);
            let id = state.images[index].id.clone();
            for image in state.images.iter_mut() {
                image.tags.retain(|t| *t != tag);
            }
            let image = &mut state.images[index];
            image.tags.push(tag.clone());
            image.last_tagged = now_nanos();
            let mut attributes = BTreeMap::new();
            attributes.insert("name".to_string(), tag);
            state.emit(EventType::Image, "tag", &id, attributes);
            ImageTagReply::Created
        }))
    }
}

impl DistributionApi for FakeDaemon {
    async fn distribution_inspect(
        &self,
        name: String,
        _options: DistributionInspectOptions,
    ) -> Result<DistributionInspectReply, ServerError> {
        Ok(DistributionInspectReply::Unauthorized(error(format!(
            "{name}: the fake daemon reaches no registry"
        ))))
    }
}
