//! Delivery end to end: the Lambda handler against the local bulk contract
//! server and a real AWS API emulator (moto) for SSM and SQS, through the real
//! SDK clients. Every scenario checks the invariant: each DATA event is
//! delivered exactly once by `_id`, or in the DLQ, or its record is reported in
//! `batchItemFailures`.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::common::*;
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
    let url = crate::common::create_queue(&sqs, "dlq").await;
    (sqs, url)
}

async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    crate::common::receive_all(sqs, url, 300)
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
    // Elasticsearch documents by `_id`, or Logz.io lines.
    let stored = attempts.len().max(server.logzio_lines().len());
    assert_eq!(
        stored + dead.len() + s.failed as usize,
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
        assert_eq!(m.kind, logship::dlq::Kind::Documents);
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
        .filter(|m| m.kind == logship::dlq::Kind::Undecodable)
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
    let first = handle(&services, &event, None).await;
    assert!(
        first.failed_sequence_numbers.is_empty(),
        "{:?} {:?}",
        first.summary,
        first.errors
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

/// The function's own log lines while `f` runs (the test's runtime is
/// single-threaded, so every task of the run logs through this subscriber).
async fn logs_of<F: std::future::Future>(f: F) -> (F::Output, String) {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let out = f.await;
    drop(guard);
    let text = String::from_utf8_lossy(&buf.0.lock().expect("log buffer")).into_owned();
    (out, text)
}

/// Delivery truth: a redirect is never followed, and dead-letters (or fails
/// back) every document with a reason naming the status and where it points,
/// without the token that rode along in its query.
#[tokio::test]
async fn redirects_are_never_followed() {
    let sdk = testkit::moto_or_skip!();
    for (destination, status) in [
        ("elasticsearch", 301),
        ("elasticsearch", 302),
        ("logzio", 303),
        ("logzio", 307),
        ("elasticsearch", 308),
    ] {
        let (sqs, url) = queue(&sdk).await;
        let server = BulkServer::start().await;
        server.set_token(TOKEN);
        let location = format!(
            "{}{}?token={TOKEN}&type=cloudwatch",
            server.url(),
            testkit::bulk::MOVED_PATH
        );
        server.push_faults(std::iter::repeat_n(
            Fault::Redirect {
                status,
                location: location.clone(),
            },
            100,
        ));
        let cfg = settings(&[
            ("LOGSHIP_DESTINATION", destination),
            ("LOGSHIP_ENDPOINT", &server.url()),
            ("LOGSHIP_TOKEN", TOKEN),
            ("LOGSHIP_DLQ_URL", &url),
        ]);
        let services = Services::new(cfg, Some(sdk.clone()))
            .await
            .expect("services");
        let (event, g) = sample(3, 20);
        let (outcome, logs) = logs_of(handle(&services, &event, None)).await;
        let dlq = drain(&sqs, &url).await;
        let name = format!("{destination} {status}");
        assert_eq!(outcome.summary.delivered, 0, "{name}");
        assert_eq!(
            outcome.summary.dead_lettered as usize, g.data_events,
            "{name}"
        );
        assert!(outcome.failed_sequence_numbers.is_empty(), "{name}");
        account(&outcome, &g, &server, &dlq, &event);
        assert!(server.docs().is_empty() && server.logzio_lines().is_empty());
        // Nothing followed the redirect: every request was a POST to the endpoint.
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.method == "POST" && r.path() != testkit::bulk::MOVED_PATH),
            "{name}"
        );
        for body in &dlq {
            let m = logship::dlq::parse(body).expect("parses");
            assert!(m.reason.contains(&status.to_string()), "{}", m.reason);
            assert!(m.reason.contains("/__moved"), "{}", m.reason);
            assert!(m.rejected, "refused for good: the endpoint needs fixing");
        }
        for text in dlq.iter().chain([&logs]) {
            assert!(!text.contains(TOKEN), "{name}: token in {text}");
        }
    }
}

/// Delivery truth: a 2xx that does not acknowledge every document sent is a
/// failed attempt, never delivery.
#[tokio::test]
async fn two_hundreds_that_do_not_acknowledge_the_documents_deliver_nothing() {
    let sdk = testkit::moto_or_skip!();
    let root = r#"{"name":"node-1","cluster_name":"c","version":{"number":"8.15.0"},"tagline":"You Know, for Search"}"#;
    let cases: Vec<(&str, Fault)> = vec![
        (
            "elasticsearch",
            Fault::Answer {
                status: 200,
                body: r#"{"took":1,"errors":false,"items":[]}"#.into(),
            },
        ),
        (
            "elasticsearch",
            Fault::Answer {
                status: 200,
                body: root.into(),
            },
        ),
        (
            "elasticsearch",
            Fault::Answer {
                status: 200,
                body: "<html>OK</html>".into(),
            },
        ),
        (
            "elasticsearch",
            Fault::Answer {
                status: 204,
                body: String::new(),
            },
        ),
        (
            "logzio",
            Fault::Answer {
                status: 202,
                body: String::new(),
            },
        ),
        (
            "logzio",
            Fault::Answer {
                status: 200,
                body: "OK".into(),
            },
        ),
        (
            "logzio",
            Fault::Answer {
                status: 204,
                body: String::new(),
            },
        ),
    ];
    for (destination, fault) in cases {
        let name = format!("{destination} {fault:?}");
        // Every attempt gets the bad answer: the documents are dead-lettered.
        let (sqs, url) = queue(&sdk).await;
        let server = BulkServer::start().await;
        server.push_faults(std::iter::repeat_n(fault.clone(), 100));
        let cfg = settings(&[
            ("LOGSHIP_DESTINATION", destination),
            ("LOGSHIP_ENDPOINT", &server.url()),
            ("LOGSHIP_TOKEN", TOKEN),
            ("LOGSHIP_DLQ_URL", &url),
            ("LOGSHIP_MAX_ATTEMPTS", "2"),
        ]);
        let services = Services::new(cfg, Some(sdk.clone()))
            .await
            .expect("services");
        let (event, g) = sample(2, 15);
        let outcome = handle(&services, &event, None).await;
        let dlq = drain(&sqs, &url).await;
        assert_eq!(outcome.summary.delivered, 0, "{name}");
        assert_eq!(
            outcome.summary.dead_lettered as usize, g.data_events,
            "{name}"
        );
        account(&outcome, &g, &server, &dlq, &event);
        let m = logship::dlq::parse(&dlq[0]).expect("parses");
        assert!(
            m.reason.contains("without acknowledging"),
            "{name}: {}",
            m.reason
        );
        assert!(
            !m.reason.contains("tagline") && !m.reason.contains("html"),
            "{}",
            m.reason
        );

        // One bad answer, then the real one: retried to delivery, no duplicate.
        let server = BulkServer::start().await;
        server.push_fault(fault);
        let cfg = settings(&[
            ("LOGSHIP_DESTINATION", destination),
            ("LOGSHIP_ENDPOINT", &server.url()),
            ("LOGSHIP_TOKEN", TOKEN),
        ]);
        let services = Services::new(cfg, None).await.expect("services");
        let outcome = handle(&services, &event, None).await;
        assert!(outcome.failed_sequence_numbers.is_empty(), "{name}");
        assert_eq!(outcome.summary.delivered as usize, g.data_events, "{name}");
        account(&outcome, &g, &server, &[], &event);
    }
}

/// No secret from an echoed request: an error page that echoes the request
/// (Authorization header, `?token=`, the body) reaches neither the logs nor
/// the DLQ, and there is one warning per failed request, not per document.
#[tokio::test]
async fn answers_that_echo_the_request_leak_no_token() {
    let sdk = testkit::moto_or_skip!();
    let basic = "elastic:S3cr3t-Passw0rd-77";
    for (destination, auth, token, status) in [
        ("elasticsearch", "apikey", TOKEN, 500),
        ("elasticsearch", "apikey", TOKEN, 400),
        ("elasticsearch", "basic", basic, 503),
        ("logzio", "apikey", TOKEN, 502),
        ("logzio", "apikey", TOKEN, 404),
    ] {
        let name = format!("{destination} {auth} {status}");
        let (sqs, url) = queue(&sdk).await;
        let server = BulkServer::start().await;
        server.push_faults(std::iter::repeat_n(Fault::Echo(status), 100));
        let cfg = settings(&[
            ("LOGSHIP_DESTINATION", destination),
            ("LOGSHIP_ENDPOINT", &server.url()),
            ("LOGSHIP_TOKEN", token),
            ("LOGSHIP_ES_AUTH", auth),
            ("LOGSHIP_DLQ_URL", &url),
            ("LOGSHIP_MAX_ATTEMPTS", "3"),
            ("LOGSHIP_MAX_BODY_DOCS", "40"),
        ]);
        let services = Services::new(cfg, Some(sdk.clone()))
            .await
            .expect("services");
        let (event, g) = sample(4, 30);
        let (outcome, logs) = logs_of(handle(&services, &event, None)).await;
        let dlq = drain(&sqs, &url).await;
        assert_eq!(
            outcome.summary.dead_lettered as usize, g.data_events,
            "{name}"
        );
        account(&outcome, &g, &server, &dlq, &event);
        let password = basic.split_once(':').map_or("", |(_, p)| p);
        let encoded = b64(basic.as_bytes());
        for text in dlq.iter().chain([&logs]) {
            for leak in [token, password, encoded.as_str()] {
                assert!(!text.contains(leak), "{name}: {leak} in {text}");
            }
            for secret in &g.secrets {
                assert!(!text.contains(secret.as_str()), "{name}: a payload secret");
            }
        }
        // The echo held the documents: their text is not the function's to log.
        assert!(
            !logs.contains("@timestamp"),
            "{name}: document text in the logs"
        );
        // One warning per failed request: never one per document.
        let requests = server.requests().len();
        let warnings = logs.lines().filter(|l| l.contains("\"WARN\"")).count();
        assert!(
            warnings <= requests + 2,
            "{name}: {warnings} warnings for {requests} requests"
        );
        assert!(warnings < g.data_events, "{name}");
    }
}

/// An invocation that runs out of time (the DLQ hangs) answers before the
/// deadline with every record failed back, and its counts say so truthfully:
/// every event it read is failed, balanced, and `TimedOut` is set.
#[tokio::test]
async fn an_invocation_out_of_time_counts_every_event_as_failed() {
    // A "queue" that accepts connections and never answers.
    let hole = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = hole.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = hole.accept().await {
            held.push(conn);
        }
    });
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(format!("http://{addr}"))
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "AKIDTEST", "secret", None, None, "test",
        ))
        .load()
        .await;
    let server = BulkServer::start().await;
    server.set_persistent_reject(|_| true);
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", &server.url()),
        (
            "LOGSHIP_DLQ_URL",
            &format!("http://{addr}/123456789012/hole"),
        ),
    ]);
    let services = Services::new(cfg, Some(sdk)).await.expect("services");
    let (event, g) = sample(3, 10);
    let deadline = Instant::now() + Duration::from_millis(1500);
    let outcome = handle(&services, &event, Some(deadline)).await;
    assert!(Instant::now() < deadline, "answered before the deadline");
    let s = &outcome.summary;
    assert_eq!(s.timed_out, 1);
    assert_eq!(s.events_in as usize, g.data_events);
    assert_eq!(s.failed, s.events_in);
    assert!(s.balanced());
    assert_eq!(outcome.failed_sequence_numbers.len(), event.records.len());
    let emf = logship::metrics::emf_line(s, "f", Duration::from_millis(1), 0);
    let v: Value = serde_json::from_str(&emf).expect("emf");
    assert_eq!(v["TimedOut"], 1);
    assert_eq!(v["Failed"], g.data_events);
}

/// A mapping conflict refused per item: Elasticsearch's reason quotes a
/// preview of the offending value; the reason kept in the DLQ and the logs is
/// scrubbed of the token even when the value was the token itself.
#[tokio::test]
async fn mapping_conflicts_are_dead_lettered_with_a_scrubbed_reason() {
    let sdk = testkit::moto_or_skip!();
    let (sqs, url) = queue(&sdk).await;
    let server = BulkServer::start().await;
    server.set_token(TOKEN);
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", &server.url()),
        ("LOGSHIP_TOKEN", TOKEN),
        ("LOGSHIP_DLQ_URL", &url),
        ("LOGSHIP_INDEX", "logs-conflict"),
    ]);
    let services = Services::new(cfg, Some(sdk)).await.expect("services");
    let first = r#"{"status":200,"msg":"ok"}"#.to_owned();
    let second = format!(r#"{{"status":"{TOKEN}","msg":"echoed"}}"#);
    let event: KinesisEvent = serde_json::from_value(event(vec![
        data_record("1", &payload("/app", "s", "a", &[first.as_str()])),
        data_record("2", &payload("/app", "s", "b", &[second.as_str()])),
    ]))
    .expect("event");
    let (outcome, logs) = logs_of(handle(&services, &event, None)).await;
    let dlq = drain(&sqs, &url).await;
    assert_eq!(outcome.summary.delivered, 1);
    assert_eq!(outcome.summary.dead_lettered, 1);
    assert!(outcome.failed_sequence_numbers.is_empty());
    let m = logship::dlq::parse(&dlq[0]).expect("parses");
    assert!(m.rejected);
    assert!(
        m.reason.contains("document_parsing_exception"),
        "{}",
        m.reason
    );
    assert!(m.reason.contains("[status] of type [long]"), "{}", m.reason);
    assert!(!m.reason.contains(TOKEN), "{}", m.reason);
    assert!(!logs.contains(TOKEN), "{logs}");
}

// ---- rules (issue #14) ---------------------------------------------------------

/// A batch over three sources: a noisy Lambda, VPC flow logs and an ECS service.
fn rules_batch() -> (KinesisEvent, u64) {
    let noisy: Vec<String> = (0..5).map(|i| format!("GET /health {i}")).collect();
    let vpc: Vec<String> = (0..4)
        .map(|i| format!("2 123456789012 eni-0a1b 10.0.0.{i} 10.0.1.9 443 49152 6 10 840 1700000000 1700000060 ACCEPT OK"))
        .collect();
    let web: Vec<String> = (0..3).map(|i| format!("served request {i}")).collect();
    fn refs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let event = crate::common::event(vec![
        data_record(
            "1",
            &payload(
                "/aws/lambda/noisy-poller",
                "2024/01/01/[$LATEST]a",
                "n",
                &refs(&noisy),
            ),
        ),
        data_record(
            "2",
            &payload("/vpc/flow-logs", "eni-0a1b-all", "v", &refs(&vpc)),
        ),
        data_record("3", &payload("/ecs/web", "web/1", "w", &refs(&web))),
    ]);
    (serde_json::from_value(event).expect("event"), 12)
}

fn es_rules(server: &BulkServer, rules: &str, extra: &[(&str, &str)]) -> Config {
    let url = server.url();
    let mut pairs = vec![
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", url.as_str()),
        ("LOGSHIP_TOKEN", TOKEN),
        ("LOGSHIP_RULES", rules),
    ];
    pairs.extend_from_slice(extra);
    settings(&pairs)
}

#[tokio::test]
async fn the_issue_drop_rule_keeps_noisy_lambdas_out_of_the_destination() {
    let server = BulkServer::start().await;
    server.set_token(TOKEN);
    let cfg = es_rules(
        &server,
        r#"[{"match":{"log_group":"/aws/lambda/noisy-*"},"action":"drop"}]"#,
        &[],
    );
    let services = Services::new(cfg, None).await.expect("services");
    let (event, n) = rules_batch();
    let outcome = handle(&services, &event, None).await;
    let s = &outcome.summary;
    assert!(outcome.failed_sequence_numbers.is_empty(), "{outcome:?}");
    assert!(s.balanced(), "{s:?}");
    assert_eq!(
        (
            s.events_in,
            s.delivered,
            s.filtered,
            s.failed,
            s.dead_lettered
        ),
        (n, 7, 5, 0, 0)
    );
    assert_eq!(outcome.rules.get(0).dropped, 5);
    let docs = server.docs();
    assert_eq!(docs.len(), 7);
    assert!(docs.values().all(|d| {
        !d["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("GET /health")
    }));
    assert!(
        docs.values()
            .all(|d| d["aws"]["cloudwatch"]["log_group"] != "/aws/lambda/noisy-poller")
    );
}

#[tokio::test]
async fn the_issue_route_rule_sends_vpc_flow_logs_to_their_data_stream() {
    let server = BulkServer::start().await;
    server.set_token(TOKEN);
    let cfg = es_rules(
        &server,
        r#"[{"match":{"log_group":"/vpc/*"},"action":"route","index":"logs-aws.vpcflow-default"}]"#,
        &[("LOGSHIP_INDEX", "logship-%Y.%m.%d")],
    );
    let services = Services::new(cfg, None).await.expect("services");
    let (event, n) = rules_batch();
    let outcome = handle(&services, &event, None).await;
    let s = &outcome.summary;
    assert!(outcome.failed_sequence_numbers.is_empty(), "{outcome:?}");
    assert!(s.balanced(), "{s:?}");
    assert_eq!((s.events_in, s.delivered, s.filtered), (n, n, 0));
    assert_eq!(outcome.rules.get(0).kept, 4);
    let mut per_index: HashMap<String, usize> = HashMap::new();
    for ((index, _), doc) in server.docs_by_index() {
        let from_vpc = doc["message"].as_str().unwrap_or("").contains("ACCEPT");
        assert_eq!(
            index == "logs-aws.vpcflow-default",
            from_vpc,
            "{index}: {doc}"
        );
        *per_index.entry(index).or_default() += 1;
    }
    assert_eq!(per_index.get("logs-aws.vpcflow-default"), Some(&4));
    assert_eq!(per_index.get("logship-2023.11.14"), Some(&8));
}

#[tokio::test]
async fn sampling_keeps_the_same_events_across_a_retry() {
    let server = BulkServer::start().await;
    server.set_token(TOKEN);
    let cfg = es_rules(
        &server,
        r#"[{"name":"sample-all","match":{"log_group":"*"},"action":"sample","keep_one_in":3}]"#,
        &[],
    );
    let services = Services::new(cfg, None).await.expect("services");
    let (event, g) = sample(6, 50);
    let first = handle(&services, &event, None).await;
    assert!(first.failed_sequence_numbers.is_empty());
    assert!(first.summary.balanced(), "{:?}", first.summary);
    let kept: HashSet<String> = server.docs().into_keys().collect();
    assert_eq!(kept.len() as u64, first.summary.delivered);
    assert_eq!(
        first.summary.filtered + first.summary.delivered,
        g.data_events as u64
    );
    // Roughly one in three, not all and not none.
    assert!(
        kept.len() > g.data_events / 5 && kept.len() < g.data_events / 2,
        "{}",
        kept.len()
    );
    // The same batch again (a Kinesis retry), to an empty destination: the same events.
    server.reset();
    server.set_token(TOKEN);
    let again = handle(&services, &event, None).await;
    assert_eq!(again.summary, first.summary);
    let kept_again: HashSet<String> = server.docs().into_keys().collect();
    assert_eq!(kept_again, kept);
    assert_eq!(again.rules, first.rules);
}

#[tokio::test]
async fn filtered_events_are_never_failed_back_nor_dead_lettered() {
    let server = BulkServer::start().await;
    server.set_token(TOKEN);
    // Every document is refused for good, and there is no DLQ: kept events go back to Kinesis.
    server.set_persistent_reject(|_| true);
    let cfg = es_rules(
        &server,
        r#"[{"match":{"log_group":"/aws/lambda/noisy-*"},"action":"drop"},
            {"match":{"log_group":"/vpc/*","contains":"10.0.0.1 "},"action":"drop"}]"#,
        &[],
    );
    let services = Services::new(cfg, None).await.expect("services");
    let (event, n) = rules_batch();
    let outcome = handle(&services, &event, None).await;
    let s = &outcome.summary;
    assert!(s.balanced(), "{s:?}");
    assert_eq!(
        (
            s.events_in,
            s.filtered,
            s.delivered,
            s.dead_lettered,
            s.failed
        ),
        (n, 6, 0, 0, 6)
    );
    // The all-dropped record is done; the two with kept events are retried.
    assert_eq!(outcome.failed_sequence_numbers, ["2", "3"]);
    assert_eq!(
        (outcome.rules.get(0).dropped, outcome.rules.get(1).dropped),
        (5, 1)
    );
}

#[tokio::test]
async fn a_rule_routes_a_logzio_type_inside_the_document() {
    let server = BulkServer::start().await;
    server.set_token(TOKEN);
    let url = server.url();
    let cfg = settings(&[
        ("LOGSHIP_DESTINATION", "logzio"),
        ("LOGSHIP_ENDPOINT", url.as_str()),
        ("LOGSHIP_TOKEN", TOKEN),
        ("LOGSHIP_LOGZIO_TYPE", "cloudwatch"),
        (
            "LOGSHIP_RULES",
            r#"[{"match":{"log_group":"/vpc/*"},"action":"route","logzio_type":"vpcflow"}]"#,
        ),
    ]);
    let services = Services::new(cfg, None).await.expect("services");
    let (event, n) = rules_batch();
    let outcome = handle(&services, &event, None).await;
    assert!(outcome.failed_sequence_numbers.is_empty());
    assert!(outcome.summary.balanced());
    let lines = server.logzio_lines();
    assert_eq!(lines.len() as u64, n);
    for l in &lines {
        let from_vpc = l["message"].as_str().unwrap_or("").contains("ACCEPT");
        assert_eq!(
            l.get("type").and_then(Value::as_str),
            from_vpc.then_some("vpcflow"),
            "{l}"
        );
    }
    assert_eq!(
        server.requests()[0].query_param("type").as_deref(),
        Some("cloudwatch")
    );
}

/// The settings of an Elasticsearch behind a private CA: the TLS bulk server at `url`.
fn private_ca_settings<'a>(url: &'a str, more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![
        ("LOGSHIP_DESTINATION", "elasticsearch"),
        ("LOGSHIP_ENDPOINT", url),
        ("LOGSHIP_TOKEN", TOKEN),
    ];
    pairs.extend_from_slice(more);
    pairs
}

/// Every data event acknowledged once by the TLS server's items.
fn all_delivered(outcome: &Outcome, g: &Generated, server: &BulkServer) {
    assert!(
        outcome.failed_sequence_numbers.is_empty(),
        "{:?}",
        outcome.summary
    );
    assert_eq!(outcome.summary.delivered as usize, g.data_events);
    let attempts = server.create_attempts();
    assert_eq!(attempts.len(), g.data_events);
    assert!(attempts.values().all(|&n| n == 1));
    assert_eq!(server.docs().len(), g.data_events);
}

#[tokio::test]
async fn a_private_ca_is_trusted_from_a_file_or_ssm_and_only_then() {
    let sdk = testkit::moto_or_skip!();
    let ca = testkit::tls::TestCa::new();
    let (event, g) = sample(3, 6);

    // Without the setting the certificate's issuer is unknown: nothing is delivered, and the
    // dead-letter reason says what to set. The refusal is retried like any connection error.
    let server = BulkServer::start_tls(&ca).await;
    server.set_token(TOKEN);
    let url = server.url();
    assert!(url.starts_with("https://127.0.0.1:"));
    let (sqs, dlq_url) = queue(&sdk).await;
    let cfg = settings(&private_ca_settings(
        &url,
        &[("LOGSHIP_DLQ_URL", &dlq_url), ("LOGSHIP_MAX_ATTEMPTS", "2")],
    ));
    let services = Services::new(cfg, Some(sdk.clone()))
        .await
        .expect("services");
    let outcome = handle(&services, &event, None).await;
    let dead = drain(&sqs, &dlq_url).await;
    assert_eq!(outcome.summary.delivered, 0);
    assert!(server.docs().is_empty() && !dead.is_empty());
    account(&outcome, &g, &server, &dead, &event);
    for body in &dead {
        let m = logship::dlq::parse(body).expect("DLQ message");
        assert!(
            m.reason.contains("UnknownIssuer")
                && m.reason.contains(
                    "set LOGSHIP_CA_BUNDLE or LOGSHIP_CA_BUNDLE_PARAM to the CA that signed"
                ),
            "{}",
            m.reason
        );
        assert_eq!((m.attempts, m.rejected), (2, false));
    }

    // LOGSHIP_CA_BUNDLE: a PEM file (a relative path is relative to the working directory).
    let dir = tempfile::tempdir().expect("tempdir");
    let pem = dir.path().join("private-ca.pem");
    std::fs::write(&pem, ca.ca_pem()).expect("write the CA");
    let server = BulkServer::start_tls(&ca).await;
    server.set_token(TOKEN);
    let url = server.url();
    let path = pem.to_str().expect("UTF-8 path");
    let cfg = settings(&private_ca_settings(&url, &[("LOGSHIP_CA_BUNDLE", path)]));
    let services = Services::new(cfg, None).await.expect("services");
    all_delivered(&handle(&services, &event, None).await, &g, &server);

    // `token check` goes through the same client: accepted with the bundle.
    let probe = logship::ops::token::Probe::new(services.config(), None).expect("probe");
    assert!(matches!(
        probe
            .check(Some(&logship::secret::Secret::new(TOKEN)))
            .await,
        logship::ops::token::Verdict::Accepted { .. }
    ));

    // LOGSHIP_CA_BUNDLE_PARAM: the PEM in SSM (a plain String parameter), read at start-up.
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let name = format!("/logship/{}", testkit::unique_name("ca"));
    ssm.put_parameter()
        .name(&name)
        .value(ca.ca_pem())
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .expect("put the CA");
    let server = BulkServer::start_tls(&ca).await;
    server.set_token(TOKEN);
    let url = server.url();
    let cfg = settings(&private_ca_settings(
        &url,
        &[("LOGSHIP_CA_BUNDLE_PARAM", &name)],
    ));
    let services = Services::new(cfg, Some(sdk.clone()))
        .await
        .expect("services");
    all_delivered(&handle(&services, &event, None).await, &g, &server);

    // A parameter holding no certificate, or none at all: the start-up error names the setting.
    let junk = format!("/logship/{}", testkit::unique_name("ca-junk"));
    ssm.put_parameter()
        .name(&junk)
        .value("SeCrEt-not-a-certificate")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("put junk");
    for (param, expected) in [
        (junk.as_str(), "LOGSHIP_CA_BUNDLE_PARAM: no certificate"),
        (
            "/logship/no-such-ca",
            "LOGSHIP_CA_BUNDLE_PARAM=/logship/no-such-ca: ",
        ),
    ] {
        let cfg = settings(&private_ca_settings(
            &url,
            &[("LOGSHIP_CA_BUNDLE_PARAM", param)],
        ));
        let e = Services::new(cfg, Some(sdk.clone()))
            .await
            .expect_err("unusable CA parameter")
            .to_string();
        assert!(e.starts_with(expected), "{e}");
        assert!(!e.contains("SeCrEt"), "{e}");
    }
}

#[test]
fn ca_bundle_settings_that_cannot_be_used_are_start_up_errors_naming_the_setting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let no_cert = dir.path().join("no-cert.pem");
    std::fs::write(&no_cert, "SeCrEt: this file holds no certificate\n").expect("write");
    let no_cert = no_cert.to_str().expect("UTF-8 path");
    let config = |pairs: &[(&str, &str)]| {
        let pairs = private_ca_settings("https://127.0.0.1:9200", pairs);
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let names: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
        logship::lambda::config_from(names, &move |k| map.get(k).cloned())
            .expect_err("unusable CA bundle")
            .to_string()
    };
    let e = config(&[
        ("LOGSHIP_CA_BUNDLE", no_cert),
        ("LOGSHIP_CA_BUNDLE_PARAM", "/logship/ca"),
    ]);
    assert_eq!(
        e,
        "set LOGSHIP_CA_BUNDLE or LOGSHIP_CA_BUNDLE_PARAM, not both"
    );
    let e = config(&[("LOGSHIP_CA_BUNDLE", "/nonexistent/private-ca.pem")]);
    assert!(
        e.starts_with("LOGSHIP_CA_BUNDLE=/nonexistent/private-ca.pem: cannot be read"),
        "{e}"
    );
    let e = config(&[("LOGSHIP_CA_BUNDLE", no_cert)]);
    assert!(e.starts_with("LOGSHIP_CA_BUNDLE: no certificate"), "{e}");
    assert!(!e.contains("SeCrEt"), "{e}");
    // Neither is an unknown setting.
    assert!(
        logship::settings::unknown_settings(["LOGSHIP_CA_BUNDLE", "LOGSHIP_CA_BUNDLE_PARAM"])
            .is_empty()
    );
}
