//! The JSON-lines decoder ([`docker_remote_api::JsonLines`]): the same input
//! in one chunk and in random chunks gives the same items, and where every
//! line is plain JSON (values that are not in-band errors, and nothing else)
//! the items are exactly the values serde_json reads from each line, in order:
//! nothing is dropped or invented.

use docker_remote_api::{Error, JsonLines};
use futures_util::StreamExt;
use serde_json::Value;

use crate::mutate::{chunks, json_value};
use crate::Target;

pub struct JsonLinesTarget {
    runtime: tokio::runtime::Runtime,
}

impl JsonLinesTarget {
    pub fn new() -> Self {
        JsonLinesTarget {
            runtime: tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a runtime"),
        }
    }

    fn decode(&self, parts: Vec<Vec<u8>>) -> Vec<Result<Value, String>> {
        let stream = futures_util::stream::iter(
            parts
                .into_iter()
                .map(|p| Ok::<_, Error>(bytes::Bytes::from(p))),
        );
        let lines: JsonLines<Value> = JsonLines::new("fuzz", Box::pin(stream));
        self.runtime
            .block_on(lines.map(|item| item.map_err(|e| e.to_string())).collect())
    }
}

/// What serde_json alone reads from `input`, when every line is plain JSON:
/// blank lines hold nothing, others one or more whole values, none of them
/// mentioning `"error` (in-band errors are the decoder's own business).
fn oracle(input: &[u8]) -> Option<Vec<Value>> {
    let mut values = Vec::new();
    for line in input.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        if line.windows(6).any(|w| w == b"\"error") {
            return None;
        }
        let mut reader = serde_json::Deserializer::from_slice(line).into_iter::<Value>();
        for value in reader.by_ref() {
            values.push(value.ok()?);
        }
    }
    Some(values)
}

impl Target for JsonLinesTarget {
    fn generate(&mut self, rng: &mut fastrand::Rng) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..rng.usize(..10) {
            for _ in 0..if rng.u8(..8) == 0 { 2 } else { 1 } {
                out.extend_from_slice(json_value(rng, 3).to_string().as_bytes());
                if rng.u8(..8) == 0 {
                    out.push(b' ');
                }
            }
            out.extend_from_slice(match rng.u8(..8) {
                0 => b"\r\n",
                1 => b"\n\n",
                _ => b"\n",
            });
        }
        if rng.bool() {
            out.pop();
        }
        out
    }

    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        let whole = self.decode(vec![input.to_vec()]);
        let chunked = self.decode(chunks(input));
        if whole != chunked {
            return Err(format!(
                "chunking changed the items: {} items in one piece, {} in chunks",
                whole.len(),
                chunked.len()
            ));
        }
        if let Some(values) = oracle(input) {
            let got: Vec<&Value> = whole.iter().filter_map(|i| i.as_ref().ok()).collect();
            if whole.iter().any(|i| i.is_err())
                || got.len() != values.len()
                || got.iter().zip(&values).any(|(a, b)| *a != b)
            {
                return Err(format!(
                    "plain JSON lines decoded differently: serde_json reads {} values, the decoder gave {:?}",
                    values.len(),
                    whole
                ));
            }
        }
        Ok(())
    }
}
