//! Byte-level mutations shared by every target, after structured generation.

/// Tokens that matter to the formats under test: JSON, HTTP, YAML, frame headers.
const TOKENS: [&[u8]; 24] = [
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b":",
    b",",
    b"\n",
    b"\r\n",
    b"\r\n\r\n",
    b" ",
    b"null",
    b"\"error\"",
    b"%",
    b"%2F",
    b"/",
    b"?",
    b"&",
    b"=",
    b"\x00",
    b"\xff\xff\xff\xff",
    b"- ",
    b"  ",
];

/// Applies one to eight random edits to `input`.
pub fn mutate(rng: &mut fastrand::Rng, input: &mut Vec<u8>) {
    for _ in 0..rng.usize(1..=8) {
        let len = input.len();
        match rng.u8(..8) {
            0 if len > 0 => {
                let i = rng.usize(..len);
                input[i] ^= 1 << rng.u8(..8);
            }
            1 if len > 0 => {
                let i = rng.usize(..len);
                input[i] = rng.u8(..);
            }
            2 => {
                let at = rng.usize(..=len);
                let token = TOKENS[rng.usize(..TOKENS.len())];
                input.splice(at..at, token.iter().copied());
            }
            3 if len > 0 => {
                let start = rng.usize(..len);
                let end = (start + rng.usize(1..=16)).min(len);
                input.drain(start..end);
            }
            4 if len > 0 => {
                // Repeat a slice: long lines, many frames, deep nesting.
                let start = rng.usize(..len);
                let end = (start + rng.usize(1..=64)).min(len);
                let piece: Vec<u8> = input[start..end].to_vec();
                let times = rng.usize(1..=32);
                let at = rng.usize(..=input.len());
                for _ in 0..times {
                    input.splice(at..at, piece.iter().copied());
                }
            }
            5 if len > 0 => input.truncate(rng.usize(..len)),
            6 => {
                let at = rng.usize(..=len);
                let bytes: Vec<u8> = (0..rng.usize(1..=8)).map(|_| rng.u8(..)).collect();
                input.splice(at..at, bytes);
            }
            _ if len > 1 => {
                let (a, b) = (rng.usize(..len), rng.usize(..len));
                input.swap(a, b);
            }
            _ => input.push(rng.u8(..)),
        }
    }
}

/// FNV-1a: a stable name for a finding, and a seed derived from an input so
/// that replaying it takes the same choices.
pub fn hash(input: &[u8]) -> u64 {
    input.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Cuts `input` into random chunks (chosen from the input itself, so a replay
/// cuts the same way), the way a socket may deliver it.
pub fn chunks(input: &[u8]) -> Vec<Vec<u8>> {
    let mut rng = fastrand::Rng::with_seed(hash(input));
    let mut out = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let take = match rng.u8(..4) {
            0 => 1,
            1 => rng.usize(1..=8),
            _ => rng.usize(1..=rest.len().min(4096)),
        }
        .min(rest.len());
        out.push(rest[..take].to_vec());
        rest = &rest[take..];
    }
    out
}

/// A random JSON value, nested up to `depth`, leaning towards what Docker sends.
pub fn json_value(rng: &mut fastrand::Rng, depth: u32) -> serde_json::Value {
    use serde_json::Value;
    const KEYS: [&str; 12] = [
        "status",
        "id",
        "progress",
        "progressDetail",
        "current",
        "total",
        "stream",
        "aux",
        "error",
        "errorDetail",
        "message",
        "Id",
    ];
    match rng.u8(..if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.bool()),
        2 => Value::from(rng.i64(..)),
        3 => serde_json::Number::from_f64(rng.f64() * 1e6).map_or(Value::Null, Value::Number),
        4 => {
            let text: String = (0..rng.usize(..12))
                .map(|_| match rng.u8(..10) {
                    0 => '"',
                    1 => '\\',
                    2 => '\n',
                    3 => char::from_u32(rng.u32(0x80..0x2_0000)).unwrap_or('é'),
                    _ => rng.alphanumeric(),
                })
                .collect();
            Value::String(text)
        }
        5 => Value::Array(
            (0..rng.usize(..4))
                .map(|_| json_value(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.usize(..5))
                .map(|_| {
                    (
                        KEYS[rng.usize(..KEYS.len())].to_string(),
                        json_value(rng, depth - 1),
                    )
                })
                .collect(),
        ),
    }
}
