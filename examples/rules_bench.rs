//! Cost of the rule engine per event, beside the pipeline's own cost on the
//! same machine, so the overhead is a ratio measured in one run.
//!
//!   cargo run --release --example rules_bench [ITERATIONS [RULES_FILE]]
//!
//! The event is the benchmark's generated one (`logship::sample::generate`,
//! 400 records × 100 events = 40,000 events of Lambda, API Gateway, VPC flow
//! and ECS groups); the rules are the twenty typical ones below (or a file's),
//! with data streams on. Two measurements:
//! - in the pipeline: the pipeline's own per-record work (decode, build the
//!   record's documents, mask and encode them; bodies discarded), with the
//!   rules evaluated right after the documents are built (`for_record` per
//!   record, `decide` and a counter per event), where the pipeline will call
//!   them. The evaluation is timed per record and set against the pipeline
//!   without rules (alternating iterations); every event is still masked and
//!   encoded, so the rules' cost is the evaluation alone. This is the figure
//!   the 5 % budget is about;
//! - isolated: `decide` alone over documents built beforehand. Their 12 MB no
//!   longer sit in the cache, so each rule that reads an event pays the misses
//!   the pipeline does not (it has just built the document): an upper bound.

use std::borrow::Cow;
use std::hint::black_box;
use std::time::{Duration, Instant};

use logship::config::Config;
use logship::decode::{Decoder, LogEvent, MessageType};
use logship::document::{Document, Envelope, RecordDocs, Shaping};
use logship::encode::{Encoder, Format};
use logship::event::KinesisEvent;
use logship::mask::Masker;
use logship::mask::mask_document;
use logship::rules::{RuleCounters, RuleSet};
use logship::sample::{GenOptions, generate};

/// Twenty rules of the kind a typical account writes.
const RULES: &str = r#"[
  {"name":"drop-noisy","match":{"log_group":"/aws/lambda/noisy-*"},"action":"drop"},
  {"name":"drop-staging","match":{"log_group":"/aws/lambda/*-staging"},"action":"drop"},
  {"name":"drop-canaries","match":{"log_stream":"*canary*"},"action":"drop"},
  {"name":"drop-health","match":{"contains":["GET /health","ELB-HealthChecker","kube-probe"]},"action":"drop"},
  {"name":"drop-platform","match":{"log_group":"/aws/lambda/*","field":"aws.lambda.event","equals":["start","end"]},"action":"drop"},
  {"name":"lambda-reports","match":{"log_group":"/aws/lambda/*","field":"aws.lambda.event","equals":"report"},"action":"route","index":"lambda-reports-%Y.%m"},
  {"name":"debug-chatty","match":{"log_group":["/aws/lambda/image-resizer","/ecs/checkout"],"level_below":"info"},"action":"drop"},
  {"name":"trace-anywhere","match":{"level_below":"debug"},"action":"drop"},
  {"name":"timeouts","match":{"log_group":"/aws/lambda/*","regex":"Task timed out after \\d+(\\.\\d+)? seconds"},"action":"route","index":"alerts-%Y.%m.%d"},
  {"name":"payments","match":{"log_group":"/aws/lambda/payments-*","contains":"PAYMENT"},"action":"route","logzio_type":"payments"},
  {"name":"vpc-accept","match":{"log_group":"/vpc/*","contains":" ACCEPT "},"action":"sample","keep_one_in":10,"index":"logs-aws.vpcflow-default"},
  {"name":"vpc-rest","match":{"log_group":"/vpc/*"},"action":"route","index":"logs-aws.vpcflow-default"},
  {"name":"cloudtrail-reads","match":{"log_group":"aws-cloudtrail-logs-*","field":"readOnly","equals":true},"action":"sample","keep_one_in":20,"index":"logs-aws.cloudtrail-default"},
  {"name":"cloudtrail","match":{"log_group":["aws-cloudtrail-logs-*","CloudTrail/*"]},"action":"route","index":"logs-aws.cloudtrail-default"},
  {"name":"apigw-2xx","match":{"log_group":"/aws/apigateway/*","field":"status","equals":[200,201,204]},"action":"sample","keep_one_in":5},
  {"name":"ecs-2xx","match":{"log_group":"/ecs/*","field":"status","equals":200},"action":"sample","keep_one_in":4},
  {"name":"rds-checkpoints","match":{"log_group":"/aws/rds/*","contains":"checkpoint"},"action":"drop"},
  {"name":"eks-audit","match":{"log_group":"/aws/eks/*/cluster","log_stream":"kube-apiserver-audit-*"},"action":"route","index":"k8s-audit-%Y.%m.%d"},
  {"name":"errors","match":{"field":"log.level","equals":["error","fatal","critical"]},"action":"route","index":"errors-%Y.%m"},
  {"name":"codebuild","match":{"log_group":"/aws/codebuild/*"},"action":"sample","keep_one_in":2}
]"#;

struct Record {
    group: String,
    stream: String,
    docs: Vec<Document<'static>>,
}

/// The pipeline's per-record work over the whole event, with or without the
/// rules; returns the events seen, the filtered count and the time spent
/// deciding (timed per record, over documents just built: warm, as in the pipeline).
fn pipeline_pass(
    event: &KinesisEvent,
    decoder: &mut Decoder,
    masker: &Masker,
    format: &Format,
    rules: Option<(&RuleSet, &mut RuleCounters)>,
) -> anyhow::Result<(u64, u64, Duration)> {
    let mut encoder = Encoder::new(format.clone(), Default::default());
    let (mut events, mut filtered, mut deciding) = (0u64, 0u64, Duration::ZERO);
    let (set, mut counters) = match rules {
        Some((s, c)) => (Some(s), Some(c)),
        None => (None, None),
    };
    for (i, r) in event.records.iter().enumerate() {
        let p = decoder.decode(&r.kinesis.data)?;
        if p.message_type != MessageType::Data {
            continue;
        }
        let env = Envelope {
            owner: &p.owner,
            log_group: &p.log_group,
            log_stream: &p.log_stream,
            region: &r.aws_region,
        };
        let env_json = env.json();
        let shaping = Shaping::default();
        let maker = RecordDocs::new(env.log_group, env.log_stream, &shaping);
        let lossy = p.lossy_utf8;
        let mut docs: Vec<Document> = p
            .log_events
            .into_iter()
            .map(|e| maker.build(e, lossy))
            .collect();
        events += docs.len() as u64;
        if let (Some(set), Some(c)) = (set, counters.as_deref_mut()) {
            let t = Instant::now();
            let rec = set.for_record(env.log_group, env.log_stream);
            for doc in &docs {
                let d = rec.decide(doc);
                c.count(&d);
                filtered += u64::from(d.is_filtered());
                black_box(d);
            }
            deciding += t.elapsed();
        }
        for mut doc in docs.drain(..) {
            mask_document(masker, &mut doc, &mut Default::default());
            black_box(encoder.push(i as u32, &doc, &env_json));
        }
    }
    black_box(encoder.flush());
    Ok((events, filtered, deciding))
}

fn main() -> anyhow::Result<()> {
    let iterations: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(30);
    let generated = generate(&GenOptions {
        records: 400,
        events_per_record: 100,
        control_records: 2,
        secrets: true,
        seed: 1,
    });
    let event: KinesisEvent = serde_json::from_value(generated.event)?;
    let set = match std::env::args().nth(2) {
        Some(path) => RuleSet::from_file(&path)?,
        None => RuleSet::parse(RULES)?,
    }
    .with_data_streams("default")?;

    // The documents, built once, for the isolated measurement.
    let mut decoder = Decoder::new(64 << 20);
    let mut records = Vec::new();
    for r in &event.records {
        let p = decoder.decode(&r.kinesis.data)?;
        if p.message_type != MessageType::Data {
            continue;
        }
        let shaping = Shaping::default();
        let maker = RecordDocs::new(&p.log_group, &p.log_stream, &shaping);
        let docs = p
            .log_events
            .iter()
            .map(|e| {
                let owned = LogEvent {
                    id: Cow::Owned(e.id.to_string()),
                    timestamp: e.timestamp,
                    message: Cow::Owned(e.message.to_string()),
                    extracted_fields: None,
                };
                maker.build(owned, false)
            })
            .collect();
        records.push(Record {
            group: p.log_group.to_string(),
            stream: p.log_stream.to_string(),
            docs,
        });
    }
    let events: usize = records.iter().map(|r| r.docs.len()).sum();

    let cfg = Config::from_lookup(&|_| None)?;
    let masker = Masker::new(&cfg.mask)?;
    let format = Format::Bulk {
        index: cfg.index.clone(),
    };

    let (mut without, mut with, mut ratios, mut isolated, mut warm) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut last = set.counters();
    let mut filtered = 0;
    for i in 0..iterations {
        // Alternate which goes first, so neither gains from going second.
        let mut pair = [0.0f64; 2];
        for k in 0..2 {
            let with_rules = (k + i) % 2 == 1;
            let mut counters = set.counters();
            let t = Instant::now();
            let (n, f, deciding) = pipeline_pass(
                &event,
                &mut decoder,
                &masker,
                &format,
                with_rules.then_some((&set, &mut counters)),
            )?;
            let ns = t.elapsed().as_nanos() as f64 / n.max(1) as f64;
            pair[usize::from(with_rules)] = ns;
            if with_rules {
                warm.push(deciding.as_nanos() as f64 / n.max(1) as f64);
                filtered = f;
                last = counters;
            }
        }
        without.push(pair[0]);
        with.push(pair[1]);
        ratios.push(pair[1] / pair[0]);

        let t = Instant::now();
        let mut counters = set.counters();
        for r in &records {
            let rec = set.for_record(&r.group, &r.stream);
            for d in &r.docs {
                let decision = rec.decide(d);
                counters.count(&decision);
                black_box(decision);
            }
        }
        black_box(&counters);
        isolated.push(t.elapsed().as_nanos() as f64 / events as f64);
    }
    // The best iterations too: on a shared machine a preempted iteration only
    // ever adds time, so the least is the steadiest figure.
    let (best_a, best_w, best_iso) = (least(&without), least(&warm), least(&isolated));
    let (a, b, r, iso, w) = (
        median(without),
        median(with),
        median(ratios),
        median(isolated),
        median(warm),
    );
    println!(
        "{events} events in {} records, {} rules + data streams, {iterations} iterations",
        records.len(),
        set.len()
    );
    println!("pipeline without rules: median {a:.1} ns/event (decode, build, mask, encode)");
    println!(
        "pipeline with rules:    median {b:.1} ns/event (every event still masked and encoded)"
    );
    println!(
        "rules, timed inside the pipeline: median {w:.1} ns/event = {:.2} % of the pipeline without rules",
        w / a * 100.0
    );
    println!(
        "difference of the paired runs: {:+.2} % (noisy: two runs of the whole pipeline)",
        (r - 1.0) * 100.0
    );
    println!(
        "isolated, cold cache:   median {iso:.1} ns/event (decide alone over prebuilt documents)"
    );
    println!("filtered {filtered} of {events} per run; by rule:");
    for (i, c) in last.iter() {
        if c.kept + c.dropped + c.sampled_out > 0 {
            println!(
                "  {:<28} kept {:>6} dropped {:>6} sampled out {:>6}",
                set.label(i),
                c.kept,
                c.dropped,
                c.sampled_out
            );
        }
    }
    println!(
        "best iterations: rules {best_w:.1} ns/event = {:.2} % of the best pipeline without rules ({best_a:.1} ns/event); isolated {best_iso:.1} ns/event",
        best_w / best_a * 100.0
    );
    println!(
        "kv overhead_pct={:.2} rules_ns_per_event={w:.1} paired_overhead_pct={:.2} isolated_ns_per_event={iso:.1} pipeline_ns_per_event={a:.1} best_overhead_pct={:.2} best_rules_ns_per_event={best_w:.1} best_isolated_ns_per_event={best_iso:.1} best_pipeline_ns_per_event={best_a:.1}",
        w / a * 100.0,
        (r - 1.0) * 100.0,
        best_w / best_a * 100.0
    );
    Ok(())
}

fn least(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NAN, f64::min)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}
