//! The frame demultiplexer ([`docker_remote_api::Demuxer`]) against a
//! reference reading of the whole input at once: fed in random chunks, it
//! must yield the same bytes per stream, fail on the same header, and agree
//! on whether the input ends between frames.

use bytes::Bytes;
use docker_remote_api::{Demuxer, OutputChunk};

use crate::mutate::chunks;
use crate::Target;

pub struct Demux;

/// What a framed input holds: per-stream runs of bytes, whether a bad header
/// stopped it, and whether it ended between frames.
#[derive(Debug, PartialEq, Eq)]
pub struct Framed {
    pub runs: Vec<(u8, Vec<u8>)>,
    pub bad_header: bool,
    pub at_boundary: bool,
}

fn push(runs: &mut Vec<(u8, Vec<u8>)>, kind: u8, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    match runs.last_mut() {
        Some((last, run)) if *last == kind => run.extend_from_slice(bytes),
        _ => runs.push((kind, bytes.to_vec())),
    }
}

/// Reads frames the simple way: the whole input in one piece.
pub fn reference(input: &[u8]) -> Framed {
    let mut runs = Vec::new();
    let mut at = 0;
    loop {
        if at == input.len() {
            return Framed {
                runs,
                bad_header: false,
                at_boundary: true,
            };
        }
        if input.len() - at < 8 {
            return Framed {
                runs,
                bad_header: false,
                at_boundary: false,
            };
        }
        let kind = input[at];
        if kind > 2 {
            return Framed {
                runs,
                bad_header: true,
                at_boundary: false,
            };
        }
        let size = u32::from_be_bytes([input[at + 4], input[at + 5], input[at + 6], input[at + 7]])
            as usize;
        let start = at + 8;
        let end = start.saturating_add(size).min(input.len());
        push(&mut runs, kind, &input[start..end]);
        if start + size > input.len() {
            return Framed {
                runs,
                bad_header: false,
                at_boundary: false,
            };
        }
        at = end;
    }
}

pub fn kind_of(chunk: &OutputChunk) -> u8 {
    match chunk {
        OutputChunk::Stdin(_) => 0,
        OutputChunk::Stdout(_) => 1,
        OutputChunk::Stderr(_) => 2,
        OutputChunk::Console(_) => 3,
    }
}

/// Framed output as the decoder under test sees it.
pub fn frames(rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.usize(..12) {
        let kind = if rng.u8(..16) == 0 {
            rng.u8(..)
        } else {
            rng.u8(..3)
        };
        let payload: Vec<u8> = (0..rng.usize(..64)).map(|_| rng.u8(..)).collect();
        let declared = match rng.u8(..16) {
            0 => rng.u32(..),
            1 => payload.len() as u32 + rng.u32(..4),
            _ => payload.len() as u32,
        };
        out.extend_from_slice(&[kind, 0, 0, 0]);
        out.extend_from_slice(&declared.to_be_bytes());
        out.extend_from_slice(&payload);
    }
    out
}

impl Target for Demux {
    fn generate(&mut self, rng: &mut fastrand::Rng) -> Vec<u8> {
        frames(rng)
    }

    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        let expected = reference(input);
        let mut demuxer = Demuxer::new();
        let mut runs = Vec::new();
        let mut bad_header = false;
        let mut out = Vec::new();
        for chunk in chunks(input) {
            let mut bytes = Bytes::from(chunk);
            let result = demuxer.feed(&mut bytes, &mut out);
            for piece in out.drain(..) {
                if piece.bytes().is_empty() {
                    return Err("the demuxer yielded an empty piece".into());
                }
                push(&mut runs, kind_of(&piece), piece.bytes());
            }
            if result.is_err() {
                bad_header = true;
                break;
            }
        }
        let got = Framed {
            runs,
            bad_header,
            at_boundary: !bad_header && demuxer.at_boundary(),
        };
        if got != expected {
            return Err(format!(
                "chunked demuxing differs from the reference: got {} runs (bad header {}, boundary {}), expected {} runs (bad header {}, boundary {})",
                got.runs.len(), got.bad_header, got.at_boundary,
                expected.runs.len(), expected.bad_header, expected.at_boundary
            ));
        }
        Ok(())
    }
}
