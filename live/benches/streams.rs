//! In-memory throughput of the stream decoders: log demultiplexing and
//! JSON-lines progress decoding. `cargo bench -p live-tests --bench streams`.

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use docker_remote_api::prelude::*;
use docker_remote_api::Demuxer;

/// 64 MiB of frames as `docker logs` sends them: alternating stdout and
/// stderr, 32 KiB payloads, cut into 64 KiB reads that split frames anywhere.
fn log_wire() -> Vec<Bytes> {
    let payload = vec![b'x'; 32 * 1024];
    let mut wire = Vec::with_capacity(64 << 20);
    let mut kind = 1u8;
    while wire.len() < (64 << 20) {
        wire.extend_from_slice(&[kind, 0, 0, 0]);
        wire.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        wire.extend_from_slice(&payload);
        kind = 3 - kind;
    }
    let wire = Bytes::from(wire);
    (0..wire.len())
        .step_by(64 * 1024)
        .map(|i| wire.slice(i..(i + 64 * 1024).min(wire.len())))
        .collect()
}

fn demux(c: &mut Criterion) {
    let reads = log_wire();
    let total: usize = reads.iter().map(Bytes::len).sum();
    let mut group = c.benchmark_group("demux");
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("64MiB_in_64KiB_reads", |b| {
        b.iter(|| {
            let mut demuxer = Demuxer::new();
            let mut out: Vec<OutputChunk> = Vec::with_capacity(8);
            let mut bytes = 0usize;
            for read in &reads {
                let mut chunk = read.clone();
                demuxer.feed(&mut chunk, &mut out).expect("valid frames");
                bytes += out.drain(..).map(|c| c.bytes().len()).sum::<usize>();
            }
            assert!(bytes > 0);
            bytes
        })
    });
    // The same, with every payload byte copied out, as a consumer writing the logs somewhere would.
    group.bench_function("64MiB_in_64KiB_reads_copied_out", |b| {
        let mut sink = Vec::with_capacity(64 << 20);
        b.iter(|| {
            sink.clear();
            let mut demuxer = Demuxer::new();
            let mut out: Vec<OutputChunk> = Vec::with_capacity(8);
            for read in &reads {
                let mut chunk = read.clone();
                demuxer.feed(&mut chunk, &mut out).expect("valid frames");
                for c in out.drain(..) {
                    sink.extend_from_slice(c.bytes());
                }
            }
            sink.len()
        })
    });
    group.finish();
}

fn json_lines(c: &mut Criterion) {
    let line = br#"{"status":"Downloading","progressDetail":{"current":1048576,"total":52428800},"progress":"[=>      ] 1.049MB/52.43MB","id":"8dfafdbc3a40"}"#;
    let mut wire = Vec::new();
    while wire.len() < (16 << 20) {
        wire.extend_from_slice(line);
        wire.extend_from_slice(b"\r\n");
    }
    let wire = Bytes::from(wire);
    let reads: Vec<Bytes> = (0..wire.len())
        .step_by(16 * 1024)
        .map(|i| wire.slice(i..(i + 16 * 1024).min(wire.len())))
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("json_lines");
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.bench_function("16MiB_progress_in_16KiB_reads", |b| {
        b.iter(|| {
            let source: ByteStream = Box::pin(futures_util::stream::iter(
                reads.clone().into_iter().map(Ok),
            ));
            runtime.block_on(async {
                let mut items = JsonLines::<ProgressMessage>::new("bench", source);
                let mut n = 0;
                while let Some(item) = items.next().await {
                    item.expect("valid line");
                    n += 1;
                }
                n
            })
        })
    });
    group.finish();
}

/// One JSON line far longer than any the daemon sends, fed in 1 KiB reads as
/// a slow or hostile daemon would. Decoding must stay linear in the bytes
/// received: `to_the_limit` never ends its line and must meet the 64 MiB
/// limit error; `16MiB_line` ends its line and decodes into one value.
fn json_lines_long_line(c: &mut Criterion) {
    const LIMIT: usize = 64 * 1024 * 1024;
    let read = Bytes::from(vec![b'x'; 1024]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("json_lines_long_line");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(LIMIT as u64));
    group.bench_function("64MiB_line_in_1KiB_reads_to_the_limit", |b| {
        b.iter(|| {
            // One read past the limit, and a few more that must never be asked for.
            let reads = std::iter::repeat_n(read.clone(), LIMIT / 1024 + 8);
            let source: ByteStream = Box::pin(futures_util::stream::iter(reads.map(Ok)));
            runtime.block_on(async {
                let mut items = JsonLines::<ProgressMessage>::new("bench", source);
                let first = items.next().await.expect("an item");
                assert!(
                    first
                        .as_ref()
                        .is_err_and(|e| e.to_string().contains("longer than")),
                    "the limit error"
                );
                assert!(items.next().await.is_none(), "the stream ends after it");
            })
        })
    });
    let line_len = 16 * 1024 * 1024;
    group.throughput(Throughput::Bytes(line_len as u64));
    group.bench_function("16MiB_line_in_1KiB_reads", |b| {
        let mut line = br#"{"status":""#.to_vec();
        line.resize(line_len - 3, b'x');
        line.extend_from_slice(b"\"}\n");
        let line = Bytes::from(line);
        let reads: Vec<Bytes> = (0..line.len())
            .step_by(1024)
            .map(|i| line.slice(i..(i + 1024).min(line.len())))
            .collect();
        b.iter(|| {
            let source: ByteStream = Box::pin(futures_util::stream::iter(
                reads.clone().into_iter().map(Ok),
            ));
            runtime.block_on(async {
                let mut items = JsonLines::<ProgressMessage>::new("bench", source);
                let value = items.next().await.expect("an item").expect("a valid line");
                assert_eq!(value.status.map(|s| s.len()), Some(line_len - 14));
                assert!(items.next().await.is_none());
            })
        })
    });
    group.finish();
}

criterion_group!(benches, demux, json_lines, json_lines_long_line);
criterion_main!(benches);
