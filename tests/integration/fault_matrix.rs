//! The fault-injection matrix, in one place: every destination fault × every
//! kind of input × the dead-letter queue up or down, each cell a full handler
//! run (`handler::handle`) against the bulk contract server and SQS (moto).
//!
//! | dimension | values |
//! |---|---|
//! | destination fault | none, 429, 5xx, timeout, reset, 413, 401, partial 429 items, partial 400 items |
//! | input | valid, not base64, not gzip, truncated gzip, gzip bomb, invalid JSON, missing fields, 1 MB line, invalid UTF-8, empty batch (+ valid to Logz.io) |
//! | DLQ | up (a moto queue), down (a queue URL moto does not know) |
//!
//! Every cell asserts: no panic; the accounting balances (events in =
//! delivered + dead-lettered + failed back to Kinesis) and matches what the
//! server and the queue really hold; no `_id` created twice; every DATA event
//! delivered, or in the DLQ, or its record in `batchItemFailures` (and every
//! undecodable record in the DLQ or failed back); and the known secret
//! (`password=hunter2hunter2`, put into the valid lines and the 1 MB line)
//! appears nowhere: not in the documents delivered, not in the DLQ.
//!
//! The results print as one table per DLQ state (`delivered/dead-lettered/failed`
//! per cell, `✗` marks a failed cell), whether the test passes or not. A `~`
//! marks a cell where a request timed out after the server had taken it, so a
//! document is both delivered and dead-lettered (or failed back): the
//! at-least-once ambiguity of any HTTP shipper, harmless for Elasticsearch
//! (a redrive gets 409), a duplicate line for Logz.io. Timeouts are generous so
//! this stays rare. A Logz.io 400 (some lines malformed) is the other case: the
//! listener keeps the good lines but does not say which, so the whole body is
//! dead-lettered (see `ship::logzio`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{b64, data_record, gzip, payload, record};
use crate::ops_support::*;
use aws_sdk_sqs::Client as Sqs;
use logship::document::DocId;
use logship::event::KinesisEvent;
use logship::handler::{Services, handle};
use logship::pipeline::Summary;
use serde_json::{Value, json};
use testkit::bulk::{BulkServer, Fault};
use testkit::moto_or_skip;
use tokio::sync::Semaphore;

const SECRET: &str = "hunter2hunter2";
const CAP: usize = 4 << 20;
const TOKEN: &str = "matrix-token";

/// A destination fault: what the server is scripted to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trouble {
    None,
    TooMany,
    ServerError,
    Timeout,
    Reset,
    TooLarge,
    BadToken,
    PartialRetry,
    PartialReject,
}

const TROUBLES: [(Trouble, &str); 9] = [
    (Trouble::None, "none"),
    (Trouble::TooMany, "429"),
    (Trouble::ServerError, "5xx"),
    (Trouble::Timeout, "timeout"),
    (Trouble::Reset, "reset"),
    (Trouble::TooLarge, "413"),
    (Trouble::BadToken, "401"),
    (Trouble::PartialRetry, "part 429"),
    (Trouble::PartialReject, "part 400"),
];

impl Trouble {
    /// Scripts the server; returns the token the shipper uses.
    fn script(self, server: &BulkServer) -> &'static str {
        server.set_token(TOKEN);
        let n = |f: Fault, k: usize| std::iter::repeat_n(f, k).collect::<Vec<_>>();
        let faults = match self {
            Trouble::None => Vec::new(),
            Trouble::TooMany => n(Fault::Status(429), 4),
            Trouble::ServerError => vec![
                Fault::Status(500),
                Fault::Status(502),
                Fault::Status(503),
                Fault::Status(504),
            ],
            Trouble::Timeout => n(Fault::Hang(Duration::from_millis(2500)), 4),
            Trouble::Reset => n(Fault::Reset, 4),
            Trouble::TooLarge => n(Fault::TooLarge { max_body: 1500 }, 10),
            // Refused for good: the shipper's token is not the server's.
            Trouble::BadToken => return "a-revoked-token",
            Trouble::PartialRetry => n(
                Fault::ItemStatus {
                    status: 429,
                    every_nth: 2,
                },
                4,
            ),
            Trouble::PartialReject => n(
                Fault::ItemStatus {
                    status: 400,
                    every_nth: 3,
                },
                3,
            ),
        };
        server.push_faults(faults);
        TOKEN
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dest {
    Elasticsearch,
    Logzio,
}

/// One input row: the records of the batch.
struct Input {
    name: &'static str,
    dest: Dest,
    records: Vec<Value>,
    /// Per record: sequence number and the `_id`s of its DATA events (None: undecodable).
    expected: Vec<(String, Option<Vec<String>>)>,
}

fn valid(seq: &str) -> Value {
    let messages = [
        "GET /health 200 3ms".to_owned(),
        format!("login ok user=alice password={SECRET} from 10.0.0.7"),
        "{\"level\":\"info\",\"msg\":\"order placed\",\"order\":1234}".to_owned(),
        format!("connecting with password={SECRET}"),
        "plain line".to_owned(),
    ];
    let refs: Vec<&str> = messages.iter().map(String::as_str).collect();
    data_record(
        seq,
        &payload(
            "/aws/lambda/orders",
            "2024/01/01/[$LATEST]abc",
            &format!("r{seq}"),
            &refs,
        ),
    )
}

fn control(seq: &str) -> Value {
    let p = json!({
        "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
        "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1_700_000_000_000i64,
        "message": "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]
    });
    data_record(seq, &p)
}

fn inputs() -> Vec<Input> {
    let good = payload("/aws/lambda/x", "s", "b", &["fine"]).to_string();
    let gz = gzip(good.as_bytes());
    let mut bad_utf8 = payload("/aws/lambda/x", "s", "u", &["caf\u{e9} au lait", "second"])
        .to_string()
        .into_bytes();
    if let Some(at) = bad_utf8.windows(2).position(|w| w == "\u{e9}".as_bytes()) {
        bad_utf8[at] = 0xff;
    }
    let missing = json!({"messageType": "DATA_MESSAGE", "owner": "1"}).to_string();
    let big = format!("password={SECRET} {}", "x".repeat(1 << 20));
    let broken: Vec<(&'static str, Value)> = vec![
        ("not base64", record("2", "@@@ not base64 @@@".to_owned())),
        ("not gzip", record("2", b64(b"\x00\x01\x02 plain bytes"))),
        ("truncated gzip", record("2", b64(&gz[..gz.len() / 2]))),
        (
            "gzip bomb",
            record("2", b64(&gzip(&vec![b'{'; CAP + (2 << 20)]))),
        ),
        (
            "invalid JSON",
            record("2", b64(&gzip(b"{\"messageType\": \"DATA_MESSAGE\", oops"))),
        ),
        (
            "missing fields",
            record("2", b64(&gzip(missing.as_bytes()))),
        ),
        (
            "1 MB line",
            data_record(
                "2",
                &payload("/aws/ecs/web", "web/1", "big", &[&big, "after"]),
            ),
        ),
        ("invalid UTF-8", record("2", b64(&gzip(&bad_utf8)))),
    ];
    let mut rows = vec![(
        "valid",
        Dest::Elasticsearch,
        vec![valid("1"), control("2"), valid("3"), valid("4")],
    )];
    for (name, r) in broken {
        rows.push((name, Dest::Elasticsearch, vec![valid("1"), r, valid("3")]));
    }
    rows.push(("empty batch", Dest::Elasticsearch, Vec::new()));
    rows.push((
        "valid → logzio",
        Dest::Logzio,
        vec![valid("1"), control("2"), valid("3"), valid("4")],
    ));
    rows.into_iter()
        .map(|(name, dest, records)| {
            let expected = records
                .iter()
                .map(|r| {
                    let seq = r["kinesis"]["sequenceNumber"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let data = r["kinesis"]["data"].as_str().unwrap_or_default();
                    (seq, record_ids(data, CAP))
                })
                .collect();
            Input {
                name,
                dest,
                records,
                expected,
            }
        })
        .collect()
}

/// What one cell came to.
struct Cell {
    input: &'static str,
    trouble: &'static str,
    dlq_up: bool,
    summary: Summary,
    ambiguous: bool,
    problems: Vec<String>,
}

async fn run_cell(
    sdk: aws_config::SdkConfig,
    input: Arc<Input>,
    trouble: (Trouble, &'static str),
    dlq_up: bool,
) -> Cell {
    let sqs = Sqs::new(&sdk);
    let server = BulkServer::start().await;
    let token = trouble.0.script(&server);
    let queue = if dlq_up {
        create_queue(&sqs, "matrix").await
    } else {
        missing_queue()
    };
    let url = server.url();
    let settings = [
        (
            "LOGSHIP_DESTINATION",
            if input.dest == Dest::Logzio {
                "logzio"
            } else {
                "elasticsearch"
            },
        ),
        ("LOGSHIP_ENDPOINT", url.as_str()),
        ("LOGSHIP_TOKEN", token),
        ("LOGSHIP_DLQ_URL", queue.as_str()),
        ("LOGSHIP_MAX_ATTEMPTS", "3"),
        ("LOGSHIP_BACKOFF_BASE_MS", "2"),
        ("LOGSHIP_BACKOFF_MAX_MS", "5"),
        ("LOGSHIP_REQUEST_TIMEOUT_MS", "2000"),
        ("LOGSHIP_CONNECT_TIMEOUT_MS", "300"),
        ("LOGSHIP_MAX_BODY_DOCS", "4"),
        ("LOGSHIP_CONCURRENCY", "2"),
        ("LOGSHIP_MAX_DECOMPRESSED_BYTES", "4194304"),
    ];
    let mut problems = Vec::new();
    let services = Services::new(config(&settings), Some(sdk.clone()))
        .await
        .expect("services");
    let event: KinesisEvent =
        serde_json::from_value(json!({ "Records": input.records })).expect("event");
    let outcome = handle(&services, &event, None).await;
    let s = outcome.summary.clone();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    check(s.balanced(), format!("unbalanced: {s:?}"));

    // What the destination holds.
    let delivered: Vec<(String, String)> = match input.dest {
        Dest::Elasticsearch => server
            .docs()
            .into_iter()
            .map(|(id, doc)| (id, doc.to_string()))
            .collect(),
        Dest::Logzio => server
            .logzio_lines()
            .into_iter()
            .map(|l| {
                let id = DocId::new(
                    l["aws"]["cloudwatch"]["log_group"]
                        .as_str()
                        .unwrap_or_default(),
                    l["aws"]["cloudwatch"]["log_stream"]
                        .as_str()
                        .unwrap_or_default(),
                    l["event"]["id"].as_str().unwrap_or_default(),
                );
                (id.to_string(), l.to_string())
            })
            .collect(),
    };
    let delivered_ids: BTreeSet<&str> = delivered.iter().map(|(id, _)| id.as_str()).collect();
    let twice: Vec<_> = server
        .create_attempts()
        .into_iter()
        .filter(|(_, n)| *n != 1)
        .collect();
    check(
        twice.is_empty(),
        format!("_id created more than once: {twice:?}"),
    );
    // Counted delivered but not there would be a loss. There but not counted
    // (a request that timed out after the server took it, then dead-lettered
    // or failed back) is the at-least-once ambiguity of any HTTP shipper: it
    // is shown as `~`; Elasticsearch answers a redrive of those with 409.
    let mut ambiguous = delivered_ids.len() != delivered.len();
    match input.dest {
        Dest::Elasticsearch => {
            check(
                s.delivered <= delivered.len() as u64,
                format!(
                    "{} counted delivered, the server has only {}",
                    s.delivered,
                    delivered.len()
                ),
            );
            ambiguous |= s.delivered < delivered.len() as u64;
        }
        Dest::Logzio => ambiguous |= s.delivered != delivered.len() as u64,
    }

    // What the dead-letter queue holds.
    let bodies = if dlq_up {
        queue_bodies(&sqs, &queue).await
    } else {
        Vec::new()
    };
    let (dead, raw) = dlq_contents(&bodies);
    let dead_ids: BTreeSet<&str> = dead.iter().map(|(id, _)| id.as_str()).collect();
    check(
        s.dead_lettered == dead.len() as u64,
        format!(
            "{} counted dead-lettered, the queue has {}",
            s.dead_lettered,
            dead.len()
        ),
    );
    if !dlq_up {
        check(
            s.dead_lettered == 0,
            "dead-lettered into a queue that does not exist".into(),
        );
    }

    // Every DATA event somewhere; every undecodable record somewhere.
    let failed: BTreeSet<&str> = outcome
        .failed_sequence_numbers
        .iter()
        .map(String::as_str)
        .collect();
    for (seq, ids) in &input.expected {
        let failed_back = failed.contains(seq.as_str());
        match ids {
            Some(ids) => {
                let lost: Vec<&String> = ids
                    .iter()
                    .filter(|id| {
                        !delivered_ids.contains(id.as_str()) && !dead_ids.contains(id.as_str())
                    })
                    .collect();
                check(
                    lost.is_empty() || failed_back,
                    format!(
                        "record {seq}: {} events neither delivered, dead-lettered nor failed back",
                        lost.len()
                    ),
                );
            }
            None => check(
                raw.contains(seq) || failed_back,
                format!("undecodable record {seq} neither dead-lettered nor failed back"),
            ),
        }
    }

    // batchItemFailures names those records and nothing else.
    for seq in &failed {
        let open = match input.expected.iter().find(|(s, _)| s == seq) {
            Some((_, Some(ids))) => ids
                .iter()
                .any(|id| !delivered_ids.contains(id.as_str()) && !dead_ids.contains(id.as_str())),
            Some((_, None)) => !raw.contains(*seq),
            None => false,
        };
        check(
            open || ambiguous,
            format!("record {seq} failed back although all of it is delivered or dead-lettered"),
        );
    }

    // No secret anywhere.
    let leaks = delivered.iter().filter(|(_, d)| d.contains(SECRET)).count()
        + bodies.iter().filter(|b| b.contains(SECRET)).count();
    check(
        leaks == 0,
        format!("the secret is unmasked in {leaks} documents or DLQ messages"),
    );

    Cell {
        input: input.name,
        trouble: trouble.1,
        dlq_up,
        summary: s,
        ambiguous,
        problems,
    }
}

fn table(cells: &[Cell], dlq_up: bool, rows: &[&'static str]) -> String {
    let mut out = format!(
        "\nfault matrix, DLQ {}: delivered/dead-lettered/failed per cell (✗ = an assertion failed; ~ = some documents both delivered and dead-lettered or failed back: a request timed out after the server took it, or a Logz.io 400 took some lines)\n",
        if dlq_up { "up" } else { "down" }
    );
    let by: BTreeMap<(&str, &str), &Cell> = cells
        .iter()
        .filter(|c| c.dlq_up == dlq_up)
        .map(|c| ((c.input, c.trouble), c))
        .collect();
    out.push_str(&format!("{:<16}", "input \\ fault"));
    for (_, name) in TROUBLES {
        out.push_str(&format!("│{name:^10}"));
    }
    out.push('\n');
    out.push_str(&"─".repeat(16));
    for _ in TROUBLES {
        out.push_str(&format!("┼{}", "─".repeat(10)));
    }
    out.push('\n');
    for row in rows {
        out.push_str(&format!("{row:<16}"));
        for (_, name) in TROUBLES {
            let text = match by.get(&(*row, name)) {
                Some(c) => {
                    let s = &c.summary;
                    let mark = match (c.problems.is_empty(), c.ambiguous) {
                        (false, _) => "✗",
                        (true, true) => "~",
                        (true, false) => "",
                    };
                    format!("{mark}{}/{}/{}", s.delivered, s.dead_lettered, s.failed)
                }
                None => "PANIC".to_owned(),
            };
            out.push_str(&format!("│{text:^10}"));
        }
        out.push('\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    let sdk = moto_or_skip!();
    let started = Instant::now();
    let inputs: Vec<Arc<Input>> = inputs().into_iter().map(Arc::new).collect();
    let rows: Vec<&'static str> = inputs.iter().map(|i| i.name).collect();
    let permits = Arc::new(Semaphore::new(16));
    let mut tasks = Vec::new();
    for dlq_up in [true, false] {
        for input in &inputs {
            for trouble in TROUBLES {
                let (sdk, input, permits) = (sdk.clone(), Arc::clone(input), Arc::clone(&permits));
                let name = (input.name, trouble.1, dlq_up);
                tasks.push((
                    name,
                    tokio::spawn(async move {
                        let _permit = permits.acquire_owned().await.expect("semaphore");
                        run_cell(sdk, input, trouble, dlq_up).await
                    }),
                ));
            }
        }
    }
    let total = tasks.len();
    let mut cells = Vec::new();
    let mut failures = Vec::new();
    for ((input, trouble, dlq_up), task) in tasks {
        match task.await {
            Ok(cell) => {
                for p in &cell.problems {
                    failures.push(format!(
                        "[{input} × {trouble} × DLQ {}] {p}",
                        if dlq_up { "up" } else { "down" }
                    ));
                }
                cells.push(cell);
            }
            Err(e) => failures.push(format!("[{input} × {trouble} × DLQ {dlq_up}] PANIC: {e}")),
        }
    }
    let mut report = String::new();
    report.push_str(&table(&cells, true, &rows));
    report.push_str(&table(&cells, false, &rows));
    report.push_str(&format!(
        "{total} cells in {:.1}s, {} failed assertions\n",
        started.elapsed().as_secs_f64(),
        failures.len()
    ));
    for f in &failures {
        report.push_str(&format!("  {f}\n"));
    }
    // Straight to stderr, past the test harness's capture: the table shows on every run.
    let _ = std::io::stderr().write_all(report.as_bytes());
    assert!(
        failures.is_empty(),
        "{} cells failed; see the table above",
        failures.len()
    );
}
