//! Delivery end to end: the Lambda handler against the local bulk contract
//! server and a real AWS API emulator (moto) for SSM and SQS, through the real
//! SDK clients. Every scenario checks the invariant: each DATA event is
//! delivered exactly once by `_id`, or in the DLQ, or its record is reported in
//! `batchItemFailures`.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use common::*;
use logship::config::Config;
use logship::event::KinesisEvent;
use logship::handler::{Services, handle, response};
use logship::pipeline::Outcome;
use logship::sample::{GenOptions, Generated, generate};
use serde_json::Value;
use testkit::bulk::{BulkServer, Fault};

const TOKEN: &str = "tok-Zq8v1XkP2mN4";

fn settings(pairs: &[(&str, &str)]) -> Config {
    let mut map: HashMap<String, String> = [
        ("LOGSHIP_BACKOFF_BASE_MS", "5"),
        ("LOGSHIP_BACKOFF_MAX_MS", "50"),
        ("LOGSHIP_MAX_ATTEMPTS", "4"),
        ("LOGSHIP_REQUEST_TIMEOUT_MS", "2000"),
        ("LOGSHIP_DEADLINE_RESERVE_MS", "300"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in pairs {
        map.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(&move |k| map.get(k).cloned()).expect("valid test config")
}

fn sample(records: usize, events: usize) -> (KinesisEvent, Generated) {
    let g = generate(&GenOptions {
        records,
        events_per_record: events,
        control_records: 1,
        secrets: true,
        seed: records as u64 * 31 + events as u64,
    });
    let event = serde_json::from_value(g.event.clone()).expect("event");
    (event, g)
}

async fn queue(sdk: &aws_config::SdkConfig) -> (aws_sdk_sqs::Client, String) {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let url = common::create_queue(&sqs, "dlq").await;
    (sqs, url)
}

async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    common::receive_all(sqs, url, 300)
        .await
        .into_iter()
        .filter_map(|m| m.body)
        .collect()
}

/// The invariant, from the outside: server + DLQ + failed records account for every event once.
fn account(
    outcome: &Outcome,
    g: &Generated,
    server: &BulkServer,
    dlq: &[String],
    event: &KinesisEvent,
) {
    let s = &outcome.summary;
    assert!(s.balanced(), "unbalanced: {s:?}");
    assert_eq!(s.events_in as usize, g.data_events);
    let attempts = server.create_attempts();
    assert!(
        attempts.values().all(|&n| n == 1),
        "an _id was created twice"
    );
    let mut dead: HashSet<String> = HashSet::new();
    for body in dlq {
        let m = logship::dlq::parse(body).expect("DLQ message parses");
        assert_eq!(m.logship_dlq, 1);
        for d in m.documents {
            assert!(
                dead.insert(d.id.clone()),
                "a document was dead-lettered twice"
            );
            assert!(
                !attempts.contains_key(&d.id),
                "a document is both delivered and dead-lettered"
            );
        }
    }
    assert_eq!(
        attempts.len() + dead.len() + s.failed as usize,
        g.data_events,
        "{s:?}"
    );
    assert_eq!(
        s.delivered as usize,
        attempts.len().max(server.logzio_lines().len())
    );
    assert_eq!(s.dead_lettered as usize, dead.len());
    let failed: HashSet<&str> = outcome
        .failed_sequence_numbers
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(failed.len() as u64, s.records_failed);
    for seq in &failed {
        assert!(event.records.iter().any(|r| r.sequence_number() == *seq));
    }
    // Nothing leaves unmasked.
    let shipped: Vec<String> = server.docs().values().map(Value::to_string).collect();
    for secret in &g.secrets {
        for text in shipped.iter().chain(dlq) {
            assert!(!text.contains(secret.as_str()), "secret leaked");
        }
    }
}

#[tokio::test]
async fn elasticsearch_happy_path_delivers_each_event_once() {
    let server = BulkServer::start().await;
    server.set_token(TOKEN);
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", &server.url()),
        ("LOGSHIP_TOKEN", TOKEN),
        ("LOGSHIP_MAX_BODY_DOCS", "50"),
    ]);
    let services = Services::new(cfg, None).await.expect("services");
    let (event, g) = sample(12, 40);
    let outcome = handle(&services, &event, None).await;
    assert!(response(&outcome).batch_item_failures.is_empty());
    account(&outcome, &g, &server, &[], &event);
    assert_eq!(server.docs().len(), g.data_events);
    let reqs = server.requests();
    assert!(reqs.len() >= 10, "bodies cut at 50 documents");
    for r in &reqs {
        assert_eq!(r.header("content-encoding"), Some("gzip"));
        assert_eq!(
            r.header("authorization"),
            Some(format!("ApiKey {TOKEN}").as_str())
        );
    }
    // A second run of the same batch (a Kinesis retry) duplicates nothing.
    let again = handle(&services, &event, None).await;
    assert!(again.failed_sequence_numbers.is_empty());
    assert_eq!(again.summary.delivered as usize, g.data_events);
    assert!(server.create_attempts().values().all(|&n| n == 1));
}

#[tokio::test]
async fn logzio_gets_ndjson_with_token_and_type() {
    let server = BulkServer::start().await;
    server.set_token(TOKEN);
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "logzio"),
        ("LOGSHIP_ENDPOINT", &server.url()),
        ("LOGSHIP_TOKEN", TOKEN),
        ("LOGSHIP_LOGZIO_TYPE", "cloudwatch"),
    ]);
    let services = Services::new(cfg, None).await.expect("services");
    let (event, g) = sample(5, 30);
    let outcome = handle(&services, &event, None).await;
    assert!(outcome.failed_sequence_numbers.is_empty());
    assert!(outcome.summary.balanced());
    let lines = server.logzio_lines();
    assert_eq!(lines.len(), g.data_events);
    assert!(
        lines
            .iter()
            .all(|l| l["@timestamp"].is_string() && l["message"].is_string())
    );
    let r = &server.requests()[0];
    assert_eq!(r.query_param("type").as_deref(), Some("cloudwatch"));
    assert_eq!(r.query_param("token").as_deref(), Some(TOKEN));
}

#[tokio::test]
async fn transient_faults_are_retried_to_delivery() {
    for (name, faults) in [
        ("503 twice", vec![Fault::Status(503), Fault::Status(503)]),
        ("429", vec![Fault::Status(429)]),
        ("reset", vec![Fault::Reset]),
        (
            "hang past the timeout",
            vec![Fault::Hang(Duration::from_secs(3))],
        ),
        (
            "items 429",
            vec![Fault::ItemStatus {
                status: 429,
                every_nth: 3,
            }],
        ),
        (
            "items 503",
            vec![Fault::ItemStatus {
                status: 503,
                every_nth: 2,
            }],
        ),
        (
            "413 splits",
            vec![
                Fault::TooLarge { max_body: 20_000 },
                Fault::TooLarge { max_body: 20_000 },
            ],
        ),
    ] {
        let server = BulkServer::start().await;
        server.push_faults(faults);
        let cfg = settings(&[
            ("LOGSHIP_DESTINATION", "elasticsearch"),
            ("LOGSHIP_ENDPOINT", &server.url()),
            ("LOGSHIP_REQUEST_TIMEOUT_MS", "500"),
        ]);
        let services = Services::new(cfg, None).await.expect("services");
        let (event, g) = sample(3, 20);
        let outcome = handle(&services, &event, None).await;
        assert!(
            outcome.failed_sequence_numbers.is_empty(),
            "{name}: {:?}",
            outcome.summary
        );
        assert_eq!(server.docs().len(), g.data_events, "{name}");
        assert!(server.requests().len() > 1, "{name}: sent again");
        account(&outcome, &g, &server, &[], &event);
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = BulkServer::start().await;
    server.push_fault(Fault::StatusRetryAfter(429, 1));
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", &server.url()),
    ]);
    let services = Services::new(cfg, None).await.expect("services");
    let (event, _) = sample(1, 5);
    let started = Instant::now();
    let outcome = handle(&services, &event, None).await;
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(outcome.failed_sequence_numbers.is_empty());
}

#[tokio::test]
async fn rejected_documents_go_to_the_dlq_with_their_payload() {
    let sdk = testkit::moto_or_skip!();
    let (sqs, url) = queue(&sdk).await;
    let server = BulkServer::start().await;
    // The mapping refuses REPORT documents.
    server.set_persistent_reject(|doc| doc["aws"]["lambda"]["event"] == "report");
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", &server.url()),
        ("LOGSHIP_DLQ_URL", &url),
    ]);
    let services = Services::new(cfg, Some(sdk)).await.expect("services");
    let (event, g) = sample(10, 30);
    let outcome = handle(&services, &event, None).await;
    let dlq = drain(&sqs, &url).await;
    assert!(
        outcome.failed_sequence_numbers.is_empty(),
        "dead-lettered, not failed"
    );
    assert!(outcome.summary.dead_lettered > 0);
    assert_eq!(outcome.summary.rejected, outcome.summary.dead_lettered);
    account(&outcome, &g, &server, &dlq, &event);
    for body in &dlq {
        let m = logship::dlq::parse(body).expect("parses");
        assert_eq!(m.kind, "documents");
        assert!(m.rejected);
        assert!(
            m.reason.contains("mapper_parsing_exception"),
            "{}",
            m.reason
        );
        assert_eq!(m.destination, "elasticsearch");
        assert!(m.source.sequence_number.starts_with("49654"));
        assert_eq!(m.source.shard_id, "shardId-000000000000");
        assert!(m.source.event_source_arn.starts_with("arn:aws:kinesis:"));
        for d in &m.documents {
            let doc: Value = serde_json::from_str(d.doc.get()).expect("doc JSON");
            assert_eq!(doc["aws"]["lambda"]["event"], "report");
            assert_eq!(d.id.len(), 24);
        }
    }
}

#[tokio::test]
async fn a_dlq_outage_fails_the_records_back_to_kinesis() {
    let sdk = testkit::moto_or_skip!();
    let server = BulkServer::start().await;
    server.set_persistent_reject(|doc| doc["aws"]["lambda"]["event"] == "start");
    let (_, real) = queue(&sdk).await;
    let missing = real.replace(real.rsplit('/').next().unwrap_or(""), "no-such-queue-xyz");
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", &server.url()),
        ("LOGSHIP_DLQ_URL", &missing),
    ]);
    let services = Services::new(cfg, Some(sdk)).await.expect("services");
    let (event, g) = sample(10, 30);
    let outcome = handle(&services, &event, None).await;
    assert!(outcome.summary.failed > 0);
    assert_eq!(outcome.summary.dead_lettered, 0);
    assert!(!outcome.failed_sequence_numbers.is_empty());
    account(&outcome, &g, &server, &[], &event);
    // Exactly the records holding a refused START line are failed back.
    let failed: HashSet<_> = outcome.failed_sequence_numbers.iter().collect();
    assert_eq!(failed.len() as u64, outcome.summary.records_failed);
}

#[tokio::test]
async fn undecodable_records_are_dead_lettered_raw_and_flagged() {
    let sdk = testkit::moto_or_skip!();
    let (sqs, url) = queue(&sdk).await;
    let server = BulkServer::start().await;
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", &server.url()),
        ("LOGSHIP_DLQ_URL", &url),
    ]);
    let services = Services::new(cfg, Some(sdk)).await.expect("services");
    let mut records = vec![data_record(
        "1",
        &payload("/g", "s", "ok", &["fine", "also fine"]),
    )];
    let broken = broken_inputs();
    for (i, (_, data)) in broken.iter().enumerate() {
        records.push(record(&format!("{}", 100 + i), data.clone()));
    }
    let event: KinesisEvent = serde_json::from_value(event(records)).expect("event");
    let outcome = handle(&services, &event, None).await;
    let dlq = drain(&sqs, &url).await;
    assert!(outcome.summary.balanced());
    // Everything is accounted for: the gzip bomb's base64 is larger than a DLQ message and goes back to Kinesis.
    let raw: Vec<_> = dlq
        .iter()
        .map(|b| logship::dlq::parse(b).expect("parses"))
        .filter(|m| m.kind == "undecodable")
        .collect();
    assert_eq!(
        raw.len() + outcome.failed_sequence_numbers.len(),
        broken.len() - 1
    );
    for m in &raw {
        assert!(m.data.is_some());
        assert!(!m.reason.is_empty());
        let original = event
            .records
            .iter()
            .find(|r| r.sequence_number() == m.source.sequence_number)
            .expect("source record");
        assert_eq!(m.data.as_deref(), Some(original.kinesis.data.as_str()));
    }
    assert_eq!(
        server.docs().len(),
        3,
        "two good events plus the lossy UTF-8 one"
    );
}

#[tokio::test]
async fn token_rotation_in_ssm_is_picked_up_on_401() {
    let sdk = testkit::moto_or_skip!();
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let name = format!("/logship/{}", testkit::unique_name("token"));
    let put = |value: &'static str| {
        ssm.put_parameter()
            .name(&name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .overwrite(true)
            .send()
    };
    put("old-token-AAAA").await.expect("put v1");
    let server = BulkServer::start().await;
    server.set_token("old-token-AAAA");
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", &server.url()),
        ("LOGSHIP_TOKEN_PARAMETER", &name),
        ("LOGSHIP_TOKEN_TTL_SECS", "3600"),
    ]);
    let services = Services::new(cfg, Some(sdk)).await.expect("services");
    let (event, g) = sample(2, 10);
    assert!(
        handle(&services, &event, None)
            .await
            .failed_sequence_numbers
            .is_empty()
    );
    // Rotate: SSM gets v2, the destination only accepts v2. The cached v1 is refused once, then re-read.
    put("new-token-BBBB").await.expect("put v2");
    server.set_token("new-token-BBBB");
    let before = server.requests().len();
    let outcome = handle(&services, &event, None).await;
    assert!(
        outcome.failed_sequence_numbers.is_empty(),
        "{:?}",
        outcome.summary
    );
    assert_eq!(outcome.summary.delivered as usize, g.data_events);
    let statuses: Vec<u16> = server
        .requests()
        .iter()
        .skip(before)
        .filter_map(|r| r.status)
        .collect();
    assert_eq!(statuses.first(), Some(&401), "{statuses:?}");
    assert!(statuses.iter().skip(1).all(|s| *s == 200), "{statuses:?}");
    assert!(!format!("{services:?}").contains("new-token-BBBB"));
}

#[tokio::test]
async fn the_deadline_dead_letters_what_is_left() {
    let sdk = testkit::moto_or_skip!();
    let (sqs, url) = queue(&sdk).await;
    let server = BulkServer::start().await;
    server.push_faults(std::iter::repeat_n(Fault::Hang(Duration::from_secs(5)), 50));
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", &server.url()),
        ("LOGSHIP_DLQ_URL", &url),
        ("LOGSHIP_REQUEST_TIMEOUT_MS", "10000"),
        ("LOGSHIP_DEADLINE_RESERVE_MS", "2000"),
        ("LOGSHIP_MAX_ATTEMPTS", "10"),
    ]);
    let services = Services::new(cfg, Some(sdk)).await.expect("services");
    let (event, g) = sample(4, 25);
    let started = Instant::now();
    let deadline = started + Duration::from_millis(4000);
    let outcome = handle(&services, &event, Some(deadline)).await;
    assert!(
        Instant::now() < deadline + Duration::from_millis(500),
        "finished within the deadline"
    );
    let dlq = drain(&sqs, &url).await;
    assert!(
        outcome.failed_sequence_numbers.is_empty(),
        "{:?}",
        outcome.summary
    );
    assert_eq!(outcome.summary.dead_lettered as usize, g.data_events);
    account(&outcome, &g, &server, &dlq, &event);
    let m = logship::dlq::parse(&dlq[0]).expect("parses");
    assert!(
        m.reason.contains("deadline") || m.reason.contains("timed out"),
        "{}",
        m.reason
    );
}

#[tokio::test]
async fn no_dlq_means_undeliverable_records_go_back_to_kinesis() {
    let server = BulkServer::start().await;
    server.push_faults(std::iter::repeat_n(Fault::Status(500), 100));
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", &server.url()),
        ("LOGSHIP_MAX_ATTEMPTS", "2"),
    ]);
    let services = Services::new(cfg, None).await.expect("services");
    let (event, g) = sample(3, 10);
    let outcome = handle(&services, &event, None).await;
    assert_eq!(outcome.summary.failed as usize, g.data_events);
    assert_eq!(
        outcome.failed_sequence_numbers.len(),
        3,
        "the three DATA records, not the control one"
    );
    account(&outcome, &g, &server, &[], &event);
}
