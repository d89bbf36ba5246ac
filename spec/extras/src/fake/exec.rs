//! Exec instances: extra programs in running containers.

use tokio::io::AsyncWriteExt;

use super::containers::{append_output, LogEntry};
use super::util::{error, now_nanos};
use super::{FakeDaemon, Invocation};
use crate::models::{
    EventType, ExecCreateBody, ExecCreateResponse, ExecInspectResponse, ExecProcessConfig,
    ExecStartBody,
};
use crate::operations::exec::ExecResizeOptions;
use crate::server::exec::{ExecCreateReply, ExecInspectReply, ExecResizeReply, ExecStartReply};
use crate::server::{ExecApi, Hijack, OutputFrame, ServerError};

/// An exec instance as the daemon holds it.
#[derive(Debug, Clone)]
pub(crate) struct ExecRecord {
    pub(crate) id: String,
    pub(crate) container_id: String,
    pub(crate) argv: Vec<String>,
    pub(crate) env: Vec<String>,
    pub(crate) tty: bool,
    pub(crate) user: String,
    pub(crate) privileged: bool,
    pub(crate) attach_stdin: bool,
    pub(crate) attach_stdout: bool,
    pub(crate) attach_stderr: bool,
    pub(crate) detach_keys: String,
    pub(crate) started: bool,
    pub(crate) running: bool,
    pub(crate) exit_code: Option<i64>,
    pub(crate) pid: i64,
}

fn no_such_exec(id: &str) -> crate::models::ErrorResponse {
    error(format!("No such exec instance: {id}"))
}

impl ExecApi for FakeDaemon {
    async fn exec_create(
        &self,
        id: String,
        body: ExecCreateBody,
    ) -> Result<ExecCreateReply, ServerError> {
        let argv = body.cmd.clone().unwrap_or_default();
        if argv.is_empty() {
            return Err(ServerError::bad_request("No exec command specified"));
        }
        Ok(self.shared.mutate(|state, shared| {
            let Some(index) = state.find_container(&id) else {
                return ExecCreateReply::NotFound(error(format!("No such container: {id}")));
            };
            let container = &state.containers[index];
            match container.status {
                crate::models::ContainerStatus::Running => {}
                crate::models::ContainerStatus::Paused => {
                    return ExecCreateReply::Conflict(error(format!(
                        "container {} is paused, unpause the container before exec",
                        container.id
                    )))
                }
                _ => {
                    return ExecCreateReply::Conflict(error(format!(
                        "container {} is not running",
                        container.id
                    )))
                }
            }
            let exec_id = shared.ids.hex_id();
            let mut env = container.config.env.clone().unwrap_or_default();
            env.extend(body.env.clone().unwrap_or_default());
            let record = ExecRecord {
                id: exec_id.clone(),
                container_id: container.id.clone(),
                argv: argv.clone(),
                env,
                tty: body.tty.unwrap_or(false),
                user: body.user.clone().unwrap_or_default(),
                privileged: body.privileged.unwrap_or(false),
                attach_stdin: body.attach_stdin.unwrap_or(false),
                attach_stdout: body.attach_stdout.unwrap_or(false),
                attach_stderr: body.attach_stderr.unwrap_or(false),
                detach_keys: body.detach_keys.clone().unwrap_or_default(),
                started: false,
                running: false,
                exit_code: None,
                pid: 0,
            };
            let (container_id, mut attributes) = (container.id.clone(), container.attributes());
            attributes.insert("execID".into(), exec_id.clone());
            state.containers[index].exec_ids.push(exec_id.clone());
            state.execs.insert(exec_id.clone(), record);
            state.emit(
                EventType::Container,
                &format!("exec_create: {}", argv.join(" ")),
                &container_id,
                attributes,
            );
            ExecCreateReply::Created(Box::new(ExecCreateResponse {
                id: exec_id,
                warnings: None,
            }))
        }))
    }

    async fn exec_inspect(&self, id: String) -> Result<ExecInspectReply, ServerError> {
        let state = self.shared.lock();
        let Some(exec) = state.execs.get(&id) else {
            return Ok(ExecInspectReply::NotFound(no_such_exec(&id)));
        };
        let (entrypoint, arguments) = match exec.argv.split_first() {
            Some((first, rest)) => (first.clone(), rest.to_vec()),
            None => (String::new(), Vec::new()),
        };
        Ok(ExecInspectReply::Ok(Box::new(ExecInspectResponse {
            can_remove: Some(false),
            container_id: Some(exec.container_id.clone()),
            detach_keys: Some(exec.detach_keys.clone()),
            exit_code: exec.exit_code,
            id: Some(exec.id.clone()),
            open_stderr: Some(exec.attach_stderr),
            open_stdin: Some(exec.attach_stdin),
            open_stdout: Some(exec.attach_stdout),
            process_config: Some(ExecProcessConfig {
                arguments: Some(arguments),
                entrypoint: Some(entrypoint),
                privileged: Some(exec.privileged),
                tty: Some(exec.tty),
                user: (!exec.user.is_empty()).then(|| exec.user.clone()),
            }),
            running: Some(exec.running),
            pid: Some(exec.pid),
        })))
    }

    async fn exec_resize(
        &self,
        id: String,
        _options: ExecResizeOptions,
    ) -> Result<ExecResizeReply, ServerError> {
        let state = self.shared.lock();
        Ok(match state.execs.get(&id) {
            Some(exec) if exec.running => ExecResizeReply::Ok,
            Some(_) => ExecResizeReply::NotFound(error(format!(
                "cannot resize exec {id}: its process is not running"
            ))),
            None => ExecResizeReply::NotFound(no_such_exec(&id)),
        })
    }

    async fn exec_start(
        &self,
        id: String,
        body: ExecStartBody,
    ) -> Result<ExecStartReply, ServerError> {
        let started = self.shared.mutate(|state, _| {
            let pid = state.pid();
            let Some(exec) = state.execs.get(&id) else {
                return Err(ExecStartReply::NotFound(no_such_exec(&id)));
            };
            if exec.started {
                return Err(ExecStartReply::Conflict(error(format!(
                    "Error: Exec command {id} has already run"
                ))));
            }
            let container_id = exec.container_id.clone();
            let Some(container) = state.containers.iter().find(|c| c.id == container_id) else {
                return Err(ExecStartReply::NotFound(no_such_exec(&id)));
            };
            if container.status != crate::models::ContainerStatus::Running {
                return Err(ExecStartReply::Conflict(error(format!(
                    "container {container_id} is not running"
                ))));
            }
            let (container_name, image, exits) = (
                container.name.clone(),
                container.image.clone(),
                container.exits,
            );
            let mut attributes = container.attributes();
            let Some(exec) = state.execs.get_mut(&id) else {
                return Err(ExecStartReply::NotFound(no_such_exec(&id)));
            };
            exec.started = true;
            exec.running = true;
            exec.pid = pid;
            let invocation = Invocation {
                argv: exec.argv.clone(),
                env: exec.env.clone(),
                tty: body.tty.unwrap_or(exec.tty),
                container_id: container_id.clone(),
                container_name,
                image,
                exec: true,
            };
            attributes.insert("execID".into(), id.clone());
            state.emit(
                EventType::Container,
                &format!("exec_start: {}", invocation.argv.join(" ")),
                &container_id,
                attributes,
            );
            Ok((invocation, exits))
        });
        let (invocation, container_exits) = match started {
            Ok(started) => started,
            Err(reply) => return Ok(reply),
        };
        let outcome = self.shared.run(&invocation);
        let tty = invocation.tty;
        let mut output = Vec::new();
        append_output(
            &mut output,
            tty,
            now_nanos(),
            &outcome.stdout,
            &outcome.stderr,
        );
        let exits = outcome.exit_code.is_some();
        self.shared.mutate(|state, _| {
            let Some(exec) = state.execs.get_mut(&id) else {
                return;
            };
            if let Some(code) = outcome.exit_code {
                exec.running = false;
                exec.exit_code = Some(code);
                let container_id = exec.container_id.clone();
                if let Some(container) = state.containers.iter().find(|c| c.id == container_id) {
                    let mut attributes = container.attributes();
                    attributes.insert("execID".into(), id.clone());
                    attributes.insert("exitCode".into(), code.to_string());
                    state.emit(EventType::Container, "exec_die", &container_id, attributes);
                }
            }
        });
        let detach = body.detach.unwrap_or(false);
        let (wants_stdout, wants_stderr) = {
            let state = self.shared.lock();
            state
                .execs
                .get(&id)
                .map(|e| (e.attach_stdout, e.attach_stderr))
                .unwrap_or((true, true))
        };
        let shared = self.shared.clone();
        let container_id = invocation.container_id.clone();
        Ok(ExecStartReply::Attached(Hijack::new(
            move |mut io| async move {
                if !detach {
                    for LogEntry { stderr, bytes, .. } in output {
                        if (stderr && !wants_stderr) || (!stderr && !wants_stdout) {
                            continue;
                        }
                        let wire = if tty {
                            bytes::Bytes::from(bytes)
                        } else if stderr {
                            OutputFrame::Stderr(bytes.into()).encode()
                        } else {
                            OutputFrame::Stdout(bytes.into()).encode()
                        };
                        if io.write_all(&wire).await.is_err() {
                            return;
                        }
                    }
                    let _ = io.flush().await;
                    if !exits {
                        // A command that keeps running holds the connection
                        // until its container stops.
                        let mut changes = shared.changes.subscribe();
                        loop {
                            let over = {
                                let state = shared.lock();
                                state
                                    .containers
                                    .iter()
                                    .find(|c| c.id == container_id)
                                    .is_none_or(|c| c.exits != container_exits)
                            };
                            if over || changes.changed().await.is_err() {
                                break;
                            }
                        }
                    }
                }
                let _ = io.shutdown().await;
            },
        )))
    }
}
