//! Warm, in-process throughput of the pipeline: what one invocation of an
//! already-running Lambda costs, without process start-up and with a steady heap.
//!
//!   cargo run --release --example pipeline_bench -- EVENT_FILE [ITERATIONS]
//!
//! Each iteration does what an invocation does with the event's bytes: parse the
//! Lambda Kinesis event, then decode, build, mask and encode every record. The
//! configuration comes from the same `LOGSHIP_*` variables as everywhere else.
//! With no destination, bulk bodies are discarded (the pipeline alone) and two
//! cases run alternately, masking off and masking on, so the masking overhead
//! is measured pairwise on the same machine state. With `elasticsearch` or
//! `logzio` and `LOGSHIP_ENDPOINT`, the one case ships through the handler
//! (gzip, HTTP). Prints, per case, the median and best iteration in MB/s of
//! decompressed input and in log events/s, then the same as `key=value` lines
//! for `scripts/bench.sh`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use logship::config::{Config, Destination};
use logship::encode::Format;
use logship::event::KinesisEvent;
use logship::handler::{Services, handle};
use logship::mask::Masker;
use logship::pipeline::{Outcome, Pipeline};

/// The binary's allocator, so the benchmark measures what the Lambda runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let parse = || -> anyhow::Result<KinesisEvent> { Ok(serde_json::from_slice(&raw)?) };
    let mut cases: Vec<Case> = Vec::new();
    if cfg.destination != Destination::Stdout {
        let services = rt.block_on(Services::new(cfg.clone(), None))?;
        cases.push(Case::new("ship", move |event| {
            Ok(rt.block_on(handle(&services, event, None)))
        }));
    } else {
        // Masking off and on, alternating iteration by iteration so both see
        // the same machine; the overhead is the median of the paired ratios.
        let mut off_cfg = cfg.mask.clone();
        off_cfg.enabled = false;
        for (name, mask) in [("off", off_cfg), ("on", cfg.mask.clone())] {
            let pipeline = Pipeline::new(
                Format::Bulk {
                    index: cfg.index.clone(),
                },
                &cfg,
                Arc::new(Masker::new(&mask)?),
            );
            cases.push(Case::new(name, move |event| {
                Ok(pipeline.run_to_writer(event, &mut std::io::sink())?)
            }));
        }
    }
    for case in &mut cases {
        let first = (case.run)(&parse()?)?;
        let s = checked(&first)?;
        case.bytes = s.bytes_decompressed;
        case.events = s.events_in;
    }
    for i in 0..iterations {
        // Alternate which case goes first, so neither gains from going second.
        let n = cases.len();
        for k in 0..n {
            let case = &mut cases[if i % 2 == 0 { k } else { n - 1 - k }];
            let t = Instant::now();
            let event = parse()?;
            let outcome = (case.run)(&event)?;
            case.times.push(t.elapsed());
            // A run that retried or dead-lettered is not a throughput figure.
            checked(&outcome)?;
        }
    }
    let ratios: Vec<f64> = match cases.as_slice() {
        [off, on] => off
            .times
            .iter()
            .zip(&on.times)
            .map(|(a, b)| b.as_secs_f64() / a.as_secs_f64())
            .collect(),
        _ => Vec::new(),
    };
    for case in &mut cases {
        case.report(iterations);
    }
    if !ratios.is_empty() {
        println!(
            "masking adds {:.1} % (median of {} paired iterations)",
            (median(ratios.clone()) - 1.0) * 100.0,
            ratios.len()
        );
        println!("kv overhead_pct={:.2}", (median(ratios) - 1.0) * 100.0);
    }
    Ok(())
}

type Run<'a> = Box<dyn FnMut(&KinesisEvent) -> anyhow::Result<Outcome> + 'a>;

/// One way of running the event, and its timings.
struct Case<'a> {
    name: &'static str,
    run: Run<'a>,
    times: Vec<Duration>,
    bytes: u64,
    events: u64,
}

impl<'a> Case<'a> {
    fn new(
        name: &'static str,
        run: impl FnMut(&KinesisEvent) -> anyhow::Result<Outcome> + 'a,
    ) -> Self {
        Case {
            name,
            run: Box::new(run),
            times: Vec::new(),
            bytes: 0,
            events: 0,
        }
    }

    fn report(&self, iterations: usize) {
        let secs: Vec<f64> = self.times.iter().map(Duration::as_secs_f64).collect();
        let best = secs.iter().copied().fold(f64::INFINITY, f64::min);
        let med = median(secs);
        let mb = self.bytes as f64 / 1e6;
        println!(
            "{}: warm, in-process ({iterations} runs): median {:.1} ms {:.1} MB/s {:.0}k events/s; best {:.1} ms {:.1} MB/s",
            self.name,
            med * 1e3,
            mb / med,
            self.events as f64 / med / 1e3,
            best * 1e3,
            mb / best,
        );
        // For scripts/bench.sh.
        println!(
            "kv case={} median_ms={:.3} best_ms={:.3} bytes={} events={}",
            self.name,
            med * 1e3,
            best * 1e3,
            self.bytes,
            self.events
        );
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The summary of a run that delivered everything at the first attempt.
fn checked(outcome: &Outcome) -> anyhow::Result<&logship::pipeline::Summary> {
    let s = &outcome.summary;
    anyhow::ensure!(
        s.balanced() && s.failed == 0 && s.dead_lettered == 0 && s.retries == 0,
        "a run did not deliver everything at the first attempt: {s:?}"
    );
    Ok(s)
}
