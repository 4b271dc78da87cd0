//! Warm, in-process throughput of the pipeline: what one invocation of an
//! already-running Lambda costs, without process start-up and with a steady heap.
//!
//!   cargo run --release --example pipeline_bench -- EVENT_FILE [ITERATIONS]
//!
//! Each iteration does what an invocation does with the event's bytes: parse the
//! Lambda Kinesis event, then decode, build, mask and encode every record. The
//! destination comes from the same `LOGSHIP_*` variables as everywhere else:
//! unset, bodies are discarded (the pipeline alone); `elasticsearch` or `logzio`
//! with `LOGSHIP_ENDPOINT`, they are gzipped and shipped through the handler.
//! Prints the median and best iteration in MB/s of decompressed input and in
//! log events/s, one line, for `scripts/bench.sh`.

use std::time::{Duration, Instant};

use anyhow::Context;
use logship::config::{Config, Destination};
use logship::encode::Format;
use logship::event::KinesisEvent;
use logship::handler::{Services, handle};
use logship::mask::Masker;
use logship::pipeline::{Outcome, Pipeline};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .context("usage: pipeline_bench EVENT_FILE [ITERATIONS]")?;
    let iterations: usize = match args.next() {
        Some(n) => n.parse().context("ITERATIONS")?,
        None => 20,
    };
    let raw = std::fs::read(&path).with_context(|| format!("reading {path}"))?;
    let cfg = Config::from_env().context("configuration")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let shipping = cfg.destination != Destination::Stdout;
    let services = if shipping {
        Some(rt.block_on(Services::new(cfg.clone(), None))?)
    } else {
        None
    };
    let pipeline = Pipeline::new(
        Format::Bulk {
            index: cfg.index.clone(),
        },
        &cfg,
        std::sync::Arc::new(Masker::new(&cfg.mask)?),
    );
    let once = || -> anyhow::Result<Outcome> {
        let event: KinesisEvent = serde_json::from_slice(&raw)?;
        Ok(match &services {
            Some(s) => rt.block_on(handle(s, &event, None)),
            None => pipeline.run_to_writer(&event, &mut std::io::sink())?,
        })
    };
    let first = once()?;
    let s = &first.summary;
    anyhow::ensure!(
        s.balanced() && s.failed == 0 && s.dead_lettered == 0,
        "the warm-up run did not deliver everything: {s:?}"
    );
    let mut times: Vec<Duration> = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        std::hint::black_box(once()?);
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2].as_secs_f64();
    let best = times[0].as_secs_f64();
    let mb = s.bytes_decompressed as f64 / 1e6;
    let events = s.events_in as f64;
    println!(
        "warm, in-process ({iterations} runs): median {:.1} ms {:.1} MB/s {:.0}k events/s; best {:.1} ms {:.1} MB/s",
        median * 1e3,
        mb / median,
        events / median / 1e3,
        best * 1e3,
        mb / best,
    );
    Ok(())
}
