//! `redrive` against the real SQS API (moto) and the bulk contract server: a
//! dead-letter queue filled by a failing delivery run is drained once the
//! destination recovers, with every document present exactly once by `_id`;
//! partly delivered messages are rewritten; poison and undecodable messages
//! stay; dry runs and file runs delete nothing; a missing queue and a down
//! destination are clear errors with their exit codes.

use std::collections::BTreeSet;

use crate::ops_support::*;
use aws_config::SdkConfig;
use aws_sdk_sqs::Client as Sqs;
use logship::event::KinesisEvent;
use logship::handler::{Services, handle};
use logship::ops::redrive::{MessageOutcome, Mode, Options, Redrive, RedriveError, Report};
use logship::sample::{GenOptions, generate};
use testkit::bulk::{BulkServer, Fault};
use testkit::moto_or_skip;

fn options() -> Options {
    Options {
        wait_seconds: 1,
        visibility_timeout: 30,
        ..Options::default()
    }
}

fn sample(records: usize, events: usize, seed: u64) -> KinesisEvent {
    let g = generate(&GenOptions {
        records,
        events_per_record: events,
        control_records: 1,
        secrets: true,
        seed,
    });
    serde_json::from_value(g.event).expect("a Kinesis event")
}

fn es_settings<'a>(server: &'a str, queue: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", server),
        ("LOGSHIP_DLQ_URL", queue),
        ("LOGSHIP_MAX_BODY_DOCS", "10"),
        ("LOGSHIP_CONCURRENCY", "1"),
        ("LOGSHIP_MAX_ATTEMPTS", "2"),
        ("LOGSHIP_BACKOFF_BASE_MS", "1"),
        ("LOGSHIP_BACKOFF_MAX_MS", "5"),
        ("LOGSHIP_REQUEST_TIMEOUT_MS", "3000"),
    ]
}

/// A fresh queue in moto (named from `prefix`) and a bulk server: `(sqs, queue, server, url)`.
async fn rig(sdk: &SdkConfig, prefix: &str) -> (Sqs, String, BulkServer, String) {
    let sqs = Sqs::new(sdk);
    let queue = create_queue(&sqs, prefix).await;
    let server = BulkServer::start().await;
    let url = server.url();
    (sqs, queue, server, url)
}

/// Services shipping to `server` with [`es_settings`], then `extra` (which wins).
async fn es_services(
    sdk: &SdkConfig,
    server: &str,
    queue: &str,
    extra: &[(&str, &str)],
) -> Services {
    let mut settings = es_settings(server, queue);
    settings.extend_from_slice(extra);
    services(&settings, sdk).await
}

fn redriver(sqs: &Sqs, queue: &str, services: &Services, options: Options) -> Redrive {
    Redrive::new(sqs.clone(), queue, services.config(), options).expect("redrive")
}

async fn redrive(sqs: &Sqs, queue: &str, services: &Services, options: Options) -> Report {
    let r = redriver(sqs, queue, services, options);
    let mut lines = Vec::new();
    let report = r
        .run(Mode::Ship(services), &mut |p| lines.push(p.line()))
        .await
        .expect("the redrive runs");
    assert!(!lines.is_empty(), "progress is reported");
    report
}

fn assert_exactly_once(server: &BulkServer, expected: &BTreeSet<String>) {
    let docs: BTreeSet<String> = server.docs().into_keys().collect();
    let missing: Vec<_> = expected.difference(&docs).collect();
    assert!(
        missing.is_empty(),
        "{} documents missing, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    assert_eq!(
        docs.len(),
        expected.len(),
        "nothing but the expected documents"
    );
    let dups: Vec<_> = server
        .create_attempts()
        .into_iter()
        .filter(|(_, n)| *n != 1)
        .collect();
    assert!(dups.is_empty(), "duplicates by _id: {dups:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_redriven_to_completion_without_duplicates() {
    let sdk = moto_or_skip!();
    let (sqs, queue, server, url) = rig(&sdk, "redrive-full").await;
    let services = es_services(&sdk, &url, &queue, &[]).await;

    let mut event = sample(8, 25, 5);
    let expected = event_ids(&event);
    assert_eq!(expected.len(), 200);
    event.records.push(
        serde_json::from_value(crate::common::record(
            "999",
            crate::common::b64(b"plain bytes, not gzip"),
        ))
        .expect("record"),
    );

    // The failing run: bodies of 10, one at a time, two attempts each. The first
    // body loses half its items to 503s, the next two are answered 503 and 502
    // twice, and the mapping refuses every document whose event id ends in 7.
    server.push_faults([
        Fault::ItemStatus {
            status: 503,
            every_nth: 2,
        },
        Fault::ItemStatus {
            status: 503,
            every_nth: 1,
        },
        Fault::Status(503),
        Fault::Status(503),
        Fault::Status(502),
        Fault::Status(502),
    ]);
    server.set_persistent_reject(|doc| {
        doc["event"]["id"]
            .as_str()
            .is_some_and(|id| id.ends_with('7'))
    });
    let outcome = handle(&services, &event, None).await;
    let s = &outcome.summary;
    assert!(s.balanced(), "{s:?}");
    assert_eq!(s.events_in, 200);
    assert_eq!(s.failed, 0, "{s:?}");
    assert!(
        outcome.failed_sequence_numbers.is_empty(),
        "everything delivered or dead-lettered"
    );
    assert!(s.dead_lettered >= 25 && s.delivered >= 100, "{s:?}");
    assert_eq!(server.pending_faults(), 0);
    let delivered_first: BTreeSet<String> = server.docs().into_keys().collect();
    assert_eq!(delivered_first.len() as u64, s.delivered);

    // A poison message sits in the queue too.
    sqs.send_message()
        .queue_url(&queue)
        .message_body("this is not a logship message")
        .send()
        .await
        .expect("send poison");

    // The destination recovers (mapping fixed), but the first redrive still meets
    // a partial failure: its first request loses every third item, twice.
    server.clear_persistent_reject();
    server.push_faults([
        Fault::ItemStatus {
            status: 503,
            every_nth: 3,
        },
        Fault::ItemStatus {
            status: 503,
            every_nth: 1,
        },
    ]);
    let first = redrive(&sqs, &queue, &services, options()).await;
    assert!(first.stopped.is_none(), "{:?}", first.stopped);
    assert!(first.incomplete());
    let outcomes: Vec<&MessageOutcome> = first.messages.iter().map(|m| &m.outcome).collect();
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, MessageOutcome::Rewritten { .. })),
        "partly delivered messages are rewritten with the rest: {outcomes:?}"
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, MessageOutcome::Unparseable { .. }))
            .count(),
        1,
        "the poison message is reported"
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, MessageOutcome::Undecodable { .. }))
            .count(),
        1
    );
    // The rewritten messages come round again in the same run and are delivered;
    // every document is counted once.
    let p = &first.progress;
    assert_eq!(p.documents, s.dead_lettered, "{p:?}");
    assert_eq!((p.delivered, p.undelivered), (p.documents, 0), "{p:?}");
    assert!(p.rewritten >= 1 && p.left == 2, "{p:?}");
    assert_exactly_once(&server, &expected);

    // A second redrive delivers nothing new and leaves the two stuck messages.
    let second = redrive(&sqs, &queue, &services, options()).await;
    assert!(second.stopped.is_none(), "{:?}", second.stopped);
    assert_eq!(
        (
            second.progress.messages,
            second.progress.left,
            second.progress.documents
        ),
        (2, 2, 0)
    );
    assert_exactly_once(&server, &expected);

    // Only the poison message and the undecodable record are left.
    let left = queue_bodies(&sqs, &queue).await;
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().any(|b| b == "this is not a logship message"));
    let (docs, raw) = dlq_contents(&left);
    assert!(docs.is_empty());
    assert_eq!(raw, BTreeSet::from(["999".to_owned()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_and_to_file_delete_nothing_and_the_cli_drains_the_queue() {
    let sdk = moto_or_skip!();
    let (sqs, queue, server, url) = rig(&sdk, "redrive-cli").await;
    let services = es_services(&sdk, &url, &queue, &[("LOGSHIP_MAX_ATTEMPTS", "1")]).await;
    let event = sample(4, 15, 9);
    let expected = event_ids(&event);
    server.push_faults(std::iter::repeat_n(Fault::Status(503), 6));
    let outcome = handle(&services, &event, None).await;
    assert_eq!(outcome.summary.dead_lettered, 60, "{:?}", outcome.summary);
    let before = queue_bodies(&sqs, &queue).await;
    assert!(!before.is_empty());
    server.reset();

    let common = ["--queue-url", queue.as_str(), "--wait-seconds", "1"];
    // Dry run: prints every message, delivers and deletes nothing.
    let out = cli(
        &[&["redrive", "--dry-run"][..], &common].concat(),
        &[],
        None,
    )
    .await;
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("would re-ship"))
            .count(),
        before.len(),
        "{stdout}"
    );
    assert!(stderr.contains("dry run"), "{stderr}");
    assert_eq!(queue_bodies(&sqs, &queue).await.len(), before.len());
    assert!(server.requests().is_empty(), "a dry run sends nothing");

    // To file: every document once, `_id` first, nothing deleted.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("docs.ndjson");
    let path_text = path.to_string_lossy().into_owned();
    let out = cli(
        &[&["redrive", "--to-file", &path_text][..], &common].concat(),
        &[],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    let written = std::fs::read_to_string(&path).expect("file");
    let ids: BTreeSet<String> = written
        .lines()
        .map(|l| {
            assert!(l.starts_with("{\"_id\":\""), "{l}");
            let v: serde_json::Value = serde_json::from_str(l).expect("NDJSON");
            v["_id"].as_str().expect("_id").to_owned()
        })
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(written.lines().count(), expected.len());
    assert_eq!(queue_bodies(&sqs, &queue).await.len(), before.len());
    assert!(server.requests().is_empty());

    // The destination down: the pre-flight sees it, nothing is received, exit 1.
    server.push_fault(Fault::Status(503));
    let ship = [
        &[
            "redrive",
            "--destination",
            "elasticsearch",
            "--endpoint",
            url.as_str(),
        ][..],
        &common,
    ]
    .concat();
    let out = cli(&ship, &[("LOGSHIP_BACKOFF_BASE_MS", "1")], None).await;
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is down"), "{stderr}");
    assert_eq!(queue_bodies(&sqs, &queue).await.len(), before.len());

    // The real thing: exit 0, the queue empty, every document once.
    let out = cli(&ship, &[], None).await;
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("60 delivered, 0 left"), "{stderr}");
    assert!(queue_bodies(&sqs, &queue).await.is_empty());
    assert_exactly_once(&server, &expected);

    // A poison message: reported, left, exit 1.
    sqs.send_message()
        .queue_url(&queue)
        .message_body("{\"hello\":1}")
        .send()
        .await
        .expect("send");
    let out = cli(&ship, &[], None).await;
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot be parsed, left in the queue"),
        "{stderr}"
    );
    assert_eq!(queue_bodies(&sqs, &queue).await, ["{\"hello\":1}"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_records_stay_unless_included_and_then_go_through_the_pipeline() {
    let sdk = moto_or_skip!();
    let (sqs, queue, server, url) = rig(&sdk, "redrive-raw").await;
    // A decode cap far too small: every record is dead-lettered undecodable.
    let cap = [("LOGSHIP_MAX_DECOMPRESSED_BYTES", "1024")];
    let small = es_services(&sdk, &url, &queue, &cap).await;
    let event = sample(3, 20, 11);
    let expected = event_ids(&event);
    let outcome = handle(&small, &event, None).await;
    let raw = outcome.summary.undecodable_records;
    assert!(raw >= 3, "{:?}", outcome.summary);
    assert!(outcome.failed_sequence_numbers.is_empty());
    assert_eq!(queue_bodies(&sqs, &queue).await.len() as u64, raw);

    // The cap raised again; without --include-undecodable they stay.
    let services = es_services(&sdk, &url, &queue, &[]).await;
    let report = redrive(&sqs, &queue, &services, options()).await;
    assert!(
        report
            .messages
            .iter()
            .all(|m| matches!(m.outcome, MessageOutcome::Undecodable { .. }))
    );
    assert!(report.incomplete());
    assert!(server.docs().is_empty());

    // Dry run with it: they decode now.
    let r = redriver(
        &sqs,
        &queue,
        &services,
        Options {
            include_undecodable: true,
            ..options()
        },
    );
    let dry = r.run(Mode::DryRun, &mut |_| {}).await.expect("dry run");
    assert!(
        dry.messages
            .iter()
            .all(|m| m.outcome == MessageOutcome::WouldShip),
        "{:?}",
        dry.messages
    );
    assert_eq!(dry.progress.documents, 60);
    // To a file with it: the events decoded, masked and written as NDJSON.
    let mut file = Vec::new();
    let written = r
        .run(Mode::ToFile(&mut file), &mut |_| {})
        .await
        .expect("to file");
    assert_eq!(written.progress.written, 60);
    let ids: BTreeSet<String> = String::from_utf8_lossy(&file)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("NDJSON")["_id"]
                .as_str()
                .expect("_id")
                .to_owned()
        })
        .collect();
    assert_eq!(ids, expected);

    // With it: through the pipeline. The first body fails twice, so its record
    // stays raw (partly delivered); the next run re-ships it and Elasticsearch
    // answers 409 for the documents it already has: no duplicate.
    server.push_faults([Fault::Status(503), Fault::Status(503)]);
    let include = Options {
        include_undecodable: true,
        ..options()
    };
    let report = redrive(&sqs, &queue, &services, include.clone()).await;
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    assert_eq!(report.progress.undelivered, 10, "{:?}", report.progress);
    assert_eq!(
        report
            .messages
            .iter()
            .filter(|m| matches!(m.outcome, MessageOutcome::Left { delivered: 10, .. }))
            .count(),
        1
    );
    let (docs, raw_left) = dlq_contents(&queue_bodies(&sqs, &queue).await);
    assert!(docs.is_empty());
    assert_eq!(raw_left.len(), 1);
    let report = redrive(&sqs, &queue, &services, include).await;
    assert!(!report.incomplete(), "{:?}", report.messages);
    assert!(queue_bodies(&sqs, &queue).await.is_empty());
    assert_exactly_once(&server, &expected);
    assert_eq!(
        server.item_log().iter().filter(|i| i.status == 409).count(),
        10
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_that_stays_down_stops_the_run_and_loses_nothing() {
    let sdk = moto_or_skip!();
    let (sqs, queue, server, url) = rig(&sdk, "redrive-down").await;
    let extra = [
        ("LOGSHIP_MAX_ATTEMPTS", "1"),
        ("LOGSHIP_MAX_BODY_DOCS", "200"),
    ];
    let services = es_services(&sdk, &url, &queue, &extra).await;
    // 12 records: more messages than one receive.
    let event = sample(12, 5, 3);
    server.push_faults(std::iter::repeat_n(Fault::Status(500), 1));
    let outcome = handle(&services, &event, None).await;
    assert_eq!(outcome.summary.dead_lettered, 60);
    let before = queue_bodies(&sqs, &queue).await.len();
    assert_eq!(before, 12);

    server.push_faults(std::iter::repeat_n(Fault::Status(503), 50));
    let report = redrive(&sqs, &queue, &services, options()).await;
    assert!(
        matches!(report.stopped, Some(RedriveError::DestinationDown { .. })),
        "{:?}",
        report.stopped
    );
    assert_eq!(
        report.progress.messages, 10,
        "stopped after the first batch"
    );
    assert_eq!(report.progress.deleted, 0);
    // Released at the end: visible again at once.
    assert_eq!(queue_bodies(&sqs, &queue).await.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_queue_is_a_setup_error() {
    let sdk = moto_or_skip!();
    let sqs = Sqs::new(&sdk);
    let queue = missing_queue();
    let server = BulkServer::start().await;
    let url = server.url();
    let services = es_services(&sdk, &url, &queue, &[]).await;
    let r = redriver(&sqs, &queue, &services, options());
    let e = r
        .run(Mode::Ship(&services), &mut |_| {})
        .await
        .expect_err("no such queue");
    assert!(matches!(e, RedriveError::QueueMissing { .. }), "{e:?}");
    assert!(e.is_setup());
    assert!(e.to_string().contains("does not exist"), "{e}");

    let args = ["redrive", "--queue-url", &queue, "--wait-seconds", "0"];
    let out = cli(&to_destination(&args, "elasticsearch", &url), &[], None).await;
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");

    // No queue at all, and no destination: usage errors.
    let out = cli(
        &to_destination(&["redrive"], "elasticsearch", &url),
        &[],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(texts(&out).1.contains("--queue-url"));
    let out = cli(&["redrive", "--queue-url", &queue], &[], None).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(texts(&out).1.contains("--dry-run"), "{}", texts(&out).1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logzio_redrive_delivers_every_line_once() {
    let sdk = moto_or_skip!();
    let (sqs, queue, server, url) = rig(&sdk, "redrive-logzio").await;
    server.set_token("shipping-token");
    let settings = [
        ("LOGSHIP_DESTINATION", "logzio"),
        ("LOGSHIP_ENDPOINT", url.as_str()),
        ("LOGSHIP_TOKEN", "shipping-token"),
        ("LOGSHIP_DLQ_URL", queue.as_str()),
        ("LOGSHIP_MAX_BODY_DOCS", "10"),
        ("LOGSHIP_CONCURRENCY", "1"),
        ("LOGSHIP_MAX_ATTEMPTS", "2"),
        ("LOGSHIP_BACKOFF_BASE_MS", "1"),
    ];
    let services = services(&settings, &sdk).await;
    let event = sample(3, 20, 21);
    server.push_faults([
        Fault::Status(503),
        Fault::Reset,
        Fault::Status(429),
        Fault::Status(500),
    ]);
    let outcome = handle(&services, &event, None).await;
    assert_eq!(outcome.summary.dead_lettered, 20, "{:?}", outcome.summary);
    let report = redrive(&sqs, &queue, &services, options()).await;
    assert!(!report.incomplete(), "{:?}", report.messages);
    let lines = server.logzio_lines();
    assert_eq!(lines.len(), 60);
    let events: BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l["event"]["id"].as_str())
        .collect();
    assert_eq!(events.len(), 60, "every line once");
    assert!(
        lines.iter().all(|l| l.get("_id").is_none()),
        "no _id inside Logz.io lines"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_redrive_loses_nothing() {
    let sdk = moto_or_skip!();
    let (sqs, queue, server, url) = rig(&sdk, "redrive-int").await;
    let extra = [
        ("LOGSHIP_MAX_ATTEMPTS", "1"),
        ("LOGSHIP_MAX_BODY_DOCS", "1000"),
    ];
    let services = es_services(&sdk, &url, &queue, &extra).await;
    let event = sample(30, 3, 17);
    let expected = event_ids(&event);
    server.push_fault(Fault::Status(503));
    assert_eq!(
        handle(&services, &event, None).await.summary.dead_lettered,
        90
    );
    assert_eq!(queue_bodies(&sqs, &queue).await.len(), 30);

    // The pre-flight passes (a fault that changes nothing), then the first bulk
    // request hangs for a while: Ctrl-C arrives during it.
    server.push_faults([
        Fault::TooLarge {
            max_body: usize::MAX,
        },
        Fault::Hang(std::time::Duration::from_millis(1500)),
    ]);
    let mut envs = aws_env();
    envs.push(("LOGSHIP_BACKOFF_BASE_MS".into(), "1".into()));
    let args = ["redrive", "--queue-url", &queue, "--wait-seconds", "1"];
    let args: Vec<String> = to_destination(&args, "elasticsearch", &url)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let out = tokio::task::spawn_blocking(move || {
        let child = logship_command(&args, &envs).spawn().expect("starts");
        std::thread::sleep(std::time::Duration::from_millis(800));
        let status = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        child.wait_with_output().expect("runs")
    })
    .await
    .expect("task");
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");

    // Every document is delivered or still in the queue; none twice.
    let delivered: BTreeSet<String> = server.docs().into_keys().collect();
    let (queued, _) = dlq_contents(&queue_bodies(&sqs, &queue).await);
    let queued: BTreeSet<String> = queued.into_iter().map(|(id, _)| id).collect();
    // The first Ctrl-C stops after the request in flight (here: the hanging
    // one) instead of going on with backoffs and the rest of the batch.
    assert!(!queued.is_empty(), "stopped part-way: {stderr}");
    assert!(delivered.is_disjoint(&queued));
    let all: BTreeSet<String> = delivered.union(&queued).cloned().collect();
    assert_eq!(all, expected);
}

/// The index a document of the routing test belongs in: the rule's for Lambda
/// groups, the configured one for the rest (both dated from `@timestamp`).
fn routed_index(doc: &serde_json::Value) -> String {
    let ts = doc["@timestamp"].as_str().expect("@timestamp");
    let (y, m, d) = (&ts[0..4], &ts[5..7], &ts[8..10]);
    let group = doc["aws"]["cloudwatch"]["log_group"]
        .as_str()
        .expect("log group");
    if group.starts_with("/aws/lambda/") {
        format!("functions-{y}.{m}")
    } else {
        format!("logship-{y}.{m}.{d}")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routed_document_is_redriven_to_the_index_its_rule_chose() {
    let sdk = moto_or_skip!();
    let (sqs, queue, server, url) = rig(&sdk, "redrive-routed").await;
    let rules = r#"[{"name":"functions","match":{"log_group":"/aws/lambda/*"},"action":"route","index":"functions-%Y.%m"}]"#;
    let services = es_services(&sdk, &url, &queue, &[("LOGSHIP_RULES", rules)]).await;
    let event = sample(8, 10, 33);
    let expected = event_ids(&event);

    // The mapping refuses everything: every document is dead-lettered.
    server.set_persistent_reject(|_| true);
    let outcome = handle(&services, &event, None).await;
    let s = &outcome.summary;
    assert!(s.balanced(), "{s:?}");
    assert_eq!((s.delivered, s.dead_lettered), (0, 80), "{s:?}");

    // Each routed document's message names its index; the others name none
    // (they go where the configuration says, as before).
    let bodies = queue_bodies(&sqs, &queue).await;
    let (mut routed, mut plain) = (0, 0);
    for b in &bodies {
        let m = logship::dlq::parse(b).expect("a DLQ message");
        for d in &m.documents {
            let doc: serde_json::Value = serde_json::from_str(d.doc.get()).expect("doc");
            let want = routed_index(&doc);
            if want.starts_with("functions-") {
                assert_eq!(d.index.as_deref(), Some(want.as_str()), "{}", d.id);
                routed += 1;
            } else {
                assert_eq!(d.index, None, "{}", d.id);
                plain += 1;
            }
        }
    }
    assert!(
        routed > 0 && plain > 0,
        "both kinds: {routed} routed, {plain} not"
    );

    // The mapping is fixed; the first redrive request loses every other item,
    // twice, so messages are rewritten and come round again: the rewritten
    // messages keep their documents' index too.
    server.clear_persistent_reject();
    server.push_faults([
        Fault::ItemStatus {
            status: 503,
            every_nth: 2,
        },
        Fault::ItemStatus {
            status: 503,
            every_nth: 1,
        },
    ]);
    let report = redrive(&sqs, &queue, &services, options()).await;
    assert!(!report.incomplete(), "{:?}", report.messages);
    assert!(report.progress.rewritten >= 1, "{:?}", report.progress);
    assert_exactly_once(&server, &expected);
    let by_index = server.docs_by_index();
    assert_eq!(by_index.len(), 80);
    for ((index, id), doc) in &by_index {
        assert_eq!(index, &routed_index(doc), "document {id}");
    }
    assert!(queue_bodies(&sqs, &queue).await.is_empty());
}
