//! The server stubs' request handling (hyper's parsing under
//! [`Dispatcher::serve`], path matching, query, headers, JSON bodies), over
//! loopback TCP: requests built from the operations' own descriptors, then
//! often mutated at the byte level. Every answer must come within 10 s, never
//! be a `500` (the router turns a panic into one), and every error answer must
//! be Docker's JSON `{"message": ...}`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use docker_remote_api::operations::{ParamLocation, ALL};
use docker_remote_api::server::*;

use crate::mutate::json_value;
use crate::Target;

/// Implements nothing: every matched operation answers `501`.
struct Nothing;
impl ContainersApi for Nothing {}
impl ImagesApi for Nothing {}
impl SystemApi for Nothing {}
impl ExecApi for Nothing {}
impl VolumesApi for Nothing {}
impl NetworksApi for Nothing {}
impl PluginsApi for Nothing {}
impl NodesApi for Nothing {}
impl SwarmApi for Nothing {}
impl ServicesApi for Nothing {}
impl TasksApi for Nothing {}
impl SecretsApi for Nothing {}
impl ConfigsApi for Nothing {}
impl DistributionApi for Nothing {}

pub struct Server {
    _runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
}

/// The router over [`Nothing`], as the fuzz target serves it.
fn dispatcher() -> Dispatcher {
    ServerBuilder::new()
        .header_read_timeout(Some(Duration::from_secs(2)))
        .body_read_timeout(Some(Duration::from_secs(2)))
        .all(Arc::new(Nothing))
        .build()
}

/// Serves the stubs on `addr` (loopback) until killed, printing the address first.
pub fn serve_forever(addr: &str) -> Result<(), String> {
    if !addr.starts_with("127.0.0.1:") {
        return Err(format!(
            "{addr}: the stubs serve on loopback only (127.0.0.1:PORT)"
        ));
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("binding {addr}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        println!("serving the stubs on http://{bound}");
        dispatcher().serve(listener).await;
        Ok(())
    })
}

impl Server {
    pub fn new() -> Result<Server, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .map_err(|e| format!("binding a loopback port: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        runtime.spawn(dispatcher().serve(listener));
        Ok(Server {
            _runtime: runtime,
            addr,
        })
    }
}

fn segment(rng: &mut fastrand::Rng) -> String {
    match rng.u8(..10) {
        0 => "%2F..%2F".into(),
        1 => "a".repeat(rng.usize(..3000)),
        2 => "%".into(),
        3 => "%ff%fe".into(),
        4 => "..".into(),
        5 => "%E2%9C%93".into(),
        _ => (0..rng.usize(1..16)).map(|_| rng.alphanumeric()).collect(),
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn query_value(rng: &mut fastrand::Rng, type_name: &str) -> String {
    let text = match (type_name, rng.u8(..6)) {
        (_, 0) => json_value(rng, 3).to_string(),
        ("bool", _) => ["1", "0", "true", "false", "yes", ""][rng.usize(..6)].to_string(),
        ("integer" | "i64" | "i32" | "u64", _) => {
            ["-1", "0", "99999999999999999999", "1.5", "x"][rng.usize(..5)].to_string()
        }
        (t, _) if t.ends_with("Filters") || t.contains("map") => [
            r#"{"status":["running"]}"#,
            r#"{"status":{"running":true}}"#,
            r#"{"label":["a=b"],"unknown-key":["x"]}"#,
            r#"{"status":"running"}"#,
            r#"["x"]"#,
            "{",
        ][rng.usize(..6)]
        .to_string(),
        _ => segment(rng),
    };
    if rng.u8(..8) == 0 {
        text
    } else {
        encode(&text)
    }
}

impl Target for Server {
    fn generate(&mut self, rng: &mut fastrand::Rng) -> Vec<u8> {
        let op = ALL[rng.usize(..ALL.len())];
        let prefix = [
            "/v1.51",
            "/v1.41",
            "/v1.24",
            "/v1.18",
            "/v1.17",
            "/v9.99",
            "",
            "/v1.x",
            "/v1.24/v1.24",
        ][rng.usize(..9)];
        let mut path = String::from(prefix);
        for part in op.path.split('/').skip(1) {
            path.push('/');
            if part.starts_with('{') {
                path.push_str(&segment(rng));
            } else {
                path.push_str(part);
            }
        }
        let mut query = Vec::new();
        let mut headers = Vec::new();
        for param in op.params {
            if !param.required && rng.bool() {
                continue;
            }
            match param.location {
                ParamLocation::Query => query.push(format!(
                    "{}={}",
                    param.name,
                    query_value(rng, param.type_name)
                )),
                ParamLocation::Header => {
                    let value = match rng.u8(..4) {
                        0 => String::new(),
                        1 => "not base64!".into(),
                        2 => "eyJ1c2VybmFtZSI6ImEiLCJwYXNzd29yZCI6InNlY3JldCJ9".into(),
                        _ => "e30=".into(),
                    };
                    headers.push(format!("{}: {value}", param.name));
                }
                _ => {}
            }
        }
        if rng.u8(..8) == 0 {
            query.push(format!("{}={}", segment(rng), segment(rng)));
        }
        let body = match op.request_body {
            Some(info) if rng.u8(..8) != 0 => {
                headers.push(format!("Content-Type: {}", info.content_type));
                let mut text = match rng.u8(..6) {
                    0 => "[\"busybox\"]".to_string(),
                    1 => "{\"Image\":\"x\"}{\"Image\":5}".to_string(),
                    2 => "{}".to_string(),
                    _ => json_value(rng, 4).to_string(),
                };
                if rng.u8(..16) == 0 {
                    text.push_str(" trailing");
                }
                text.into_bytes()
            }
            _ => Vec::new(),
        };
        let method = if rng.u8(..16) == 0 {
            ["OPTIONS", "PATCH", "HEAD", "BREW", "GET"][rng.usize(..5)]
        } else {
            op.method.as_str()
        };
        let target = if query.is_empty() {
            path
        } else {
            format!("{path}?{}", query.join("&"))
        };
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\n");
        for header in headers {
            request.push_str(&header);
            request.push_str("\r\n");
        }
        request.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(&body);
        bytes
    }

    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        let mut stream =
            TcpStream::connect(self.addr).map_err(|e| format!("connecting to the router: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        // The router may answer and close before reading everything: that is fine.
        let _ = stream.write_all(input);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut answer = Vec::new();
        if let Err(e) = stream.read_to_end(&mut answer) {
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) {
                return Err("no complete answer within 10 s".into());
            }
        }
        if answer.is_empty() {
            // A request cut short before its head ended gets no answer, as with dockerd.
            return Ok(());
        }
        let head_request = input.starts_with(b"HEAD ");
        let mut rest = answer.as_slice();
        let mut first = true;
        while !rest.is_empty() {
            let (status, body, after) = next_answer(rest, first && head_request)?;
            if status == 500 {
                return Err(format!(
                    "a 500 (a panic in the router?): {}",
                    String::from_utf8_lossy(body)
                ));
            }
            // Only the answer to a well-formed HEAD request may leave its body out.
            let body_left_out = first && head_request && body.is_empty();
            if status >= 400 && status != 501 && !body_left_out {
                let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
                if !json
                    .as_ref()
                    .is_some_and(|v| v.get("message").is_some_and(|m| m.is_string()))
                {
                    return Err(format!(
                        "error answer {status} without a JSON message: {}",
                        String::from_utf8_lossy(&answer)
                    ));
                }
            }
            first = false;
            rest = after;
        }
        Ok(())
    }
}

/// Splits the first HTTP/1.1 answer off `bytes`: its status, its body
/// (de-chunked) and what follows it.
fn next_answer(bytes: &[u8], bodiless: bool) -> Result<(u16, &[u8], &[u8]), String> {
    let shown = || String::from_utf8_lossy(&bytes[..bytes.len().min(120)]).into_owned();
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("an answer without a complete head: {:?}", shown()))?;
    let head = std::str::from_utf8(&bytes[..end])
        .map_err(|_| format!("a head that is not UTF-8: {:?}", shown()))?;
    let status: u16 = head
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| head.strip_prefix("HTTP/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP/1.x answer: {:?}", shown()))?;
    let body_start = end + 4;
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    };
    // A HEAD answer has no body, but a request too malformed to parse is
    // answered as if it were not HEAD: look at what follows the head.
    let bodiless = bodiless && !bytes[body_start..].starts_with(b"{");
    if bodiless || status == 101 || status == 204 || status == 304 {
        return Ok((status, &[], &bytes[body_start..]));
    }
    if let Some(length) = header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| format!("a bad Content-Length: {length}"))?;
        let body_end = (body_start + length).min(bytes.len());
        return Ok((status, &bytes[body_start..body_end], &bytes[body_end..]));
    }
    // Chunked or until the end: the fuzzed requests are small, so the whole rest.
    Ok((status, &bytes[body_start..], &[]))
}
