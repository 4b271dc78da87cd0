//! Cost of the rule engine per event, beside the pipeline's own cost on the
//! same machine, so the overhead is a ratio measured in one run.
//!
//!   cargo run --release --example rules_bench [ITERATIONS]
//!
//! The event is the benchmark's generated one (`logship::sample::generate`,
//! 400 records × 100 events = 40,000 events of Lambda, API Gateway, VPC flow
//! and ECS groups). Its documents are built once; each iteration then does what
//! the pipeline would add per record and per event: `for_record` for each
//! record, `decide` and a counter update for each event, with the twenty
//! typical rules below and with data streams on. The pipeline (decode, build,
//! mask, encode, bodies discarded) runs on the same event, alternating with the
//! rules, and the report gives both in ns/event and their ratio.

use std::borrow::Cow;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use logship::config::Config;
use logship::decode::{Decoder, LogEvent, MessageType};
use logship::document::{Document, IdHasher};
use logship::encode::Format;
use logship::event::KinesisEvent;
use logship::mask::Masker;
use logship::pipeline::Pipeline;
use logship::rules::{Decision, RuleSet};
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
    let set = RuleSet::parse(RULES)?.with_data_streams("default")?;
    assert_eq!(set.len(), 20);

    // The documents, built once (the pipeline builds them anyway).
    let mut decoder = Decoder::new(64 << 20);
    let mut records = Vec::new();
    for r in &event.records {
        let p = decoder.decode(&r.kinesis.data)?;
        if p.message_type != MessageType::Data {
            continue;
        }
        let ids = IdHasher::new(&p.log_group, &p.log_stream);
        let docs = p
            .log_events
            .iter()
            .map(|e| {
                let owned = LogEvent {
                    id: Cow::Owned(e.id.to_string()),
                    timestamp: e.timestamp,
                    message: Cow::Owned(e.message.to_string()),
                };
                Document::build(&ids, owned, false)
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
    let pipeline = Pipeline::new(
        Format::Bulk {
            index: cfg.index.clone(),
        },
        &cfg,
        Arc::new(Masker::new(&cfg.mask)?),
    );

    let mut rule_ns = Vec::new();
    let mut pipe_ns = Vec::new();
    let mut last = set.counters();
    for _ in 0..iterations {
        let t = Instant::now();
        let mut counters = set.counters();
        let mut kept = 0u64;
        for r in &records {
            let rec = set.for_record(&r.group, &r.stream);
            for d in &r.docs {
                let decision = rec.decide(d);
                counters.count(&decision);
                kept += u64::from(matches!(decision, Decision::Keep { .. }));
            }
        }
        black_box(kept);
        rule_ns.push(t.elapsed().as_nanos() as f64 / events as f64);
        last = counters;

        let t = Instant::now();
        let outcome = pipeline.run_to_writer(&event, &mut std::io::sink())?;
        pipe_ns.push(t.elapsed().as_nanos() as f64 / outcome.summary.events_in.max(1) as f64);
    }
    let rules = median(rule_ns.clone());
    let pipe = median(pipe_ns.clone());
    println!(
        "{events} events in {} records, 20 rules + data streams, {iterations} iterations",
        records.len()
    );
    println!(
        "rules:    median {rules:.1} ns/event (best {:.1})",
        rule_ns.iter().copied().fold(f64::INFINITY, f64::min)
    );
    println!(
        "pipeline: median {pipe:.1} ns/event (best {:.1}), masking on, bodies discarded",
        pipe_ns.iter().copied().fold(f64::INFINITY, f64::min)
    );
    println!("rules add {:.2} % to the pipeline", rules / pipe * 100.0);
    println!("filtered {} of {events} per run; by rule:", last.filtered());
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
    println!("kv rules_ns_per_event={rules:.1} pipeline_ns_per_event={pipe:.1}");
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}
