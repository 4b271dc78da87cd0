//! The binary in Lambda mode, end to end: the real `logship` process started the way Lambda
//! starts it (no arguments, `AWS_LAMBDA_RUNTIME_API` and the `AWS_LAMBDA_*` variables set), its
//! invocations served by the Runtime API stand-in, its documents shipped to the `_bulk` contract
//! server, and its stdout/stderr (EMF metrics and JSON logs) read to the end.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::common::*;
use logship::document::DocId;
use serde_json::{Value, json};
use testkit::bulk::{BulkServer, Fault};
use testkit::runtime_api::{Outcome, OutcomeKind, RuntimeApi};

const FUNCTION: &str = "logship-lambda-mode-test";
const TOKEN: &str = "tok-Lm7Qx2Vb9Rk4Zp1W";
const PASSWORD: &str = "hunter2hunter2";
const ACCESS_KEY: &str = "AKIAQ3EGZ7LXN2T5WPRB";
/// What an invocation may take, start-up of the process included.
const WAIT: Duration = Duration::from_secs(20);
/// The deadline announced to the function (the shipper keeps 5 s of it in
/// reserve, at most half of the time left).
const DEADLINE_MS: u64 = 15_000;

/// The binary running in Lambda mode; killed when dropped.
struct Lambda {
    child: Child,
    stdout: Option<JoinHandle<Vec<String>>>,
    stderr: Option<JoinHandle<Vec<String>>>,
}

/// Everything the process wrote, read to the end after it was killed.
struct Output {
    stdout: Vec<String>,
    stderr: Vec<String>,
}

impl Output {
    fn all_lines(&self) -> impl Iterator<Item = &String> {
        self.stdout.iter().chain(&self.stderr)
    }

    /// The EMF lines: JSON objects with an `_aws` key.
    fn emf(&self) -> Vec<Value> {
        self.stdout
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v.get("_aws").is_some())
            .collect()
    }

    /// The log lines (everything but EMF), each parsed; panics on a line that is not JSON.
    fn logs(&self) -> Vec<Value> {
        self.all_lines()
            .map(|l| {
                serde_json::from_str::<Value>(l)
                    .unwrap_or_else(|e| panic!("a line that is not JSON ({e}): {l}"))
            })
            .filter(|v| v.get("_aws").is_none())
            .collect()
    }

    fn dump(&self) -> String {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            self.stdout.join("\n"),
            self.stderr.join("\n")
        )
    }
}

fn read_lines(pipe: impl Read + Send + 'static) -> JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut lines = Vec::new();
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            let text = String::from_utf8_lossy(&line);
            lines.push(text.trim_end_matches(['\n', '\r']).to_owned());
            line.clear();
        }
        lines
    })
}

impl Lambda {
    /// Starts the binary against `api` with the Lambda environment and `settings`.
    fn start(api: &RuntimeApi, settings: &[(&str, &str)]) -> Lambda {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_logship"));
        // Only what this test sets: nothing from the developer's or CI's environment.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("LOGSHIP_") || k.starts_with("AWS_") || k.starts_with("_X_AMZN") {
                cmd.env_remove(k.as_ref());
            }
        }
        cmd.env("AWS_LAMBDA_RUNTIME_API", api.addr())
            .env("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_LEVEL", "info")
            .env("AWS_REGION", "us-east-1")
            .envs(settings.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the logship binary starts");
        let stdout = child.stdout.take().map(read_lines);
        let stderr = child.stderr.take().map(read_lines);
        Lambda {
            child,
            stdout,
            stderr,
        }
    }

    /// Asserts the process is still serving, kills it and returns all it wrote.
    fn stop(mut self) -> Output {
        let still_running = matches!(self.child.try_wait(), Ok(None));
        let _ = self.child.kill();
        let _ = self.child.wait();
        let join = |h: Option<JoinHandle<Vec<String>>>| {
            h.map(|h| h.join().expect("reader thread"))
                .unwrap_or_default()
        };
        let output = Output {
            stdout: join(self.stdout.take()),
            stderr: join(self.stderr.take()),
        };
        assert!(
            still_running,
            "the process exited on its own\n{}",
            output.dump()
        );
        output
    }
}

impl Drop for Lambda {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Awaits an invocation's outcome; on a timeout, fails with what the process wrote.
async fn outcome(api: &RuntimeApi, lambda: &mut Option<Lambda>, id: &str) -> Outcome {
    match api.outcome(id, WAIT).await {
        Ok(o) => o,
        Err(e) => {
            let output = lambda.take().map(Lambda::stop);
            panic!("{e}\n{}", output.map(|o| o.dump()).unwrap_or_default());
        }
    }
}

struct Batch {
    event: String,
    /// `_id` of every DATA event.
    ids: BTreeSet<String>,
    undecodable_seq: &'static str,
    records: u64,
}

/// Two DATA records (secrets planted in some messages), a CONTROL_MESSAGE and a record whose gzip
/// is truncated (it carries a secret too, which must not surface in any error or log).
fn batch() -> Batch {
    let orders = (
        "/aws/lambda/orders",
        "2024/11/02/[$LATEST]0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    );
    let orders_messages = [
        "START RequestId: 6b1f Version: $LATEST",
        &format!("db login ok password={PASSWORD} user=svc-orders"),
        "order 4711 created",
        &format!("uploading with key {ACCESS_KEY} to s3://orders-archive"),
    ];
    let api = ("/aws/apigateway/access", "shop-prod");
    let api_messages = [
        r#"{"requestId":"c0ffee","status":200,"path":"/orders"}"#,
        r#"{"requestId":"decade","status":500,"path":"/pay"}"#,
    ];
    let p1 = payload(orders.0, orders.1, "o", &orders_messages);
    let p2 = payload(api.0, api.1, "a", &api_messages);
    let control = json!({
        "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "",
        "logStream": "", "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": 1_700_000_000_000i64,
                       "message": "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]
    });
    let secret_payload = payload(
        "/aws/lambda/broken",
        "s",
        "x",
        &[&format!("password={PASSWORD} {ACCESS_KEY}")],
    );
    let gz = gzip(secret_payload.to_string().as_bytes());
    let truncated = b64(&gz[..gz.len() / 2]);

    let mut ids = BTreeSet::new();
    for i in 0..orders_messages.len() {
        ids.insert(
            DocId::new(orders.0, orders.1, &format!("o-{i}"))
                .as_str()
                .to_owned(),
        );
    }
    for i in 0..api_messages.len() {
        ids.insert(
            DocId::new(api.0, api.1, &format!("a-{i}"))
                .as_str()
                .to_owned(),
        );
    }
    let records = vec![
        data_record(
            "49590338271490256608559692538361571095921575989136588801",
            &p1,
        ),
        data_record(
            "49590338271490256608559692538361571095921575989136588802",
            &control,
        ),
        record(
            "49590338271490256608559692538361571095921575989136588803",
            truncated,
        ),
        data_record(
            "49590338271490256608559692538361571095921575989136588804",
            &p2,
        ),
    ];
    Batch {
        records: records.len() as u64,
        event: event(records).to_string(),
        ids,
        undecodable_seq: "49590338271490256608559692538361571095921575989136588803",
    }
}

fn u64_of(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a count in {v}"))
}

/// One process, the same batch invoked twice: partial batch responses, exactly-once delivery by
/// `_id` (the redelivery is answered 409 and counts as delivered), masking, one balanced EMF line
/// per invocation, JSON logs free of the token and of the planted secrets.
#[tokio::test]
async fn serves_invocations_until_killed() {
    let server = BulkServer::start().await;
    server.set_token(TOKEN);
    let api = RuntimeApi::start().await;
    api.set_function_arn(&format!(
        "arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"
    ));
    let endpoint = server.url();
    let mut lambda = Some(Lambda::start(
        &api,
        &[
            ("LOGSHIP_DESTINATION", "elasticsearch"),
            ("LOGSHIP_ENDPOINT", &endpoint),
            ("LOGSHIP_TOKEN", TOKEN),
        ],
    ));
    let batch = batch();
    let n = batch.ids.len() as u64;
    let expected_response =
        json!({"batchItemFailures": [{"itemIdentifier": batch.undecodable_seq}]});

    let mut request_ids = Vec::new();
    for round in 1..=2u64 {
        // The second round has Lambda's default 3 s timeout, shorter than the
        // 5 s reserve: the shipper must still ship, not fail everything back.
        let deadline = if round == 1 { DEADLINE_MS } else { 3_000 };
        let id = api.invoke(&batch.event, deadline);
        request_ids.push(id.clone());
        let o = outcome(&api, &mut lambda, &id).await;
        assert_eq!(
            o.kind,
            OutcomeKind::Response,
            "round {round}: {}",
            o.body_text()
        );
        assert_eq!(o.json(), Some(expected_response.clone()), "round {round}");
        assert!(!o.late, "round {round}: answered after the deadline");
        assert_eq!(o.deliveries, 1);
        // Every DATA event is in the index exactly once, after either round.
        let docs = server.docs();
        assert_eq!(
            docs.keys().cloned().collect::<BTreeSet<_>>(),
            batch.ids,
            "round {round}"
        );
        let attempts = server.create_attempts();
        assert_eq!(attempts.len() as u64, n);
        assert!(attempts.values().all(|&c| c == 1), "{attempts:?}");
        let items = server.item_log();
        assert_eq!(
            items.len() as u64,
            n * round,
            "one create per event per round"
        );
        let conflicts = items.iter().filter(|i| i.status == 409).count() as u64;
        assert_eq!(conflicts, n * (round - 1), "the redelivery is answered 409");
    }
    // The runtime loop goes on polling after the second invocation.
    assert!(
        api.wait_for_poll(WAIT).await,
        "no /next after the second invocation"
    );
    assert!(api.init_errors().is_empty());

    // The token went on the wire (the server requires it), and only there.
    for r in server.requests() {
        assert_eq!(r.status, Some(200), "{} {}", r.method, r.target);
        assert_eq!(
            r.header("authorization"),
            Some(format!("ApiKey {TOKEN}").as_str())
        );
    }
    // Masked before shipping.
    let shipped: Vec<String> = server.docs().values().map(Value::to_string).collect();
    for text in &shipped {
        assert!(
            !text.contains(PASSWORD) && !text.contains(ACCESS_KEY),
            "{text}"
        );
    }
    let masked = shipped.iter().filter(|t| t.contains("[MASKED]")).count();
    assert_eq!(
        masked, 2,
        "the password line and the access-key line: {shipped:?}"
    );

    let Some(lambda) = lambda.take() else {
        unreachable!("the process is stopped only here")
    };
    let output = lambda.stop();
    let dump = output.dump();

    // One EMF line per invocation, each balanced.
    let emf = output.emf();
    assert_eq!(emf.len(), 2, "{dump}");
    for m in &emf {
        assert_eq!(m["FunctionName"], FUNCTION);
        assert_eq!(m["_aws"]["CloudWatchMetrics"][0]["Namespace"], "logship");
        assert_eq!(u64_of(m, "Records"), batch.records);
        assert_eq!(u64_of(m, "ControlMessages"), 1);
        assert_eq!(u64_of(m, "UndecodableRecords"), 1);
        assert_eq!(u64_of(m, "RecordsFailed"), 1);
        assert_eq!(u64_of(m, "EventsIn"), n);
        assert_eq!(
            u64_of(m, "EventsIn"),
            u64_of(m, "Delivered") + u64_of(m, "DeadLettered") + u64_of(m, "Failed"),
            "{m}"
        );
        assert_eq!(u64_of(m, "Delivered"), n, "409 counts as delivered: {m}");
        assert_eq!(u64_of(m, "Balanced"), 1);
        assert!(u64_of(m, "Masked") >= 2, "{m}");
    }

    // Every other line is a JSON log record; none carries the token or a planted secret.
    let logs = output.logs();
    for line in output.all_lines() {
        assert!(!line.contains(TOKEN), "the token is in the output: {line}");
        assert!(
            !line.contains(PASSWORD) && !line.contains(ACCESS_KEY),
            "a secret is in the output: {line}"
        );
    }
    for l in &logs {
        assert!(l["level"].is_string(), "not a tracing record: {l}");
    }
    let message = |l: &Value| l["fields"]["message"].as_str().unwrap_or("").to_owned();
    let done: Vec<&Value> = logs.iter().filter(|l| message(l) == "batch done").collect();
    assert_eq!(done.len(), 2, "{dump}");
    for (d, id) in done.iter().zip(&request_ids) {
        assert_eq!(d["fields"]["balanced"], true, "{d}");
        assert_eq!(d["fields"]["delivered"], n, "{d}");
        // The invocation's log lines carry its request id.
        assert_eq!(d["span"]["request_id"], id.as_str(), "{d}");
    }
    assert!(
        logs.iter()
            .any(|l| message(l) == "record could not be decoded"
                && l["fields"]["sequence_number"] == batch.undecodable_seq),
        "{dump}"
    );
}

/// A configuration the shipper cannot run with fails every invocation through
/// `/invocation/{id}/error` with the reason, while the process keeps serving (no init error, no
/// crash loop, no metrics for work not done).
#[tokio::test]
async fn a_bad_configuration_fails_each_invocation_with_the_reason() {
    let cases: [(&[(&str, &str)], &str); 2] = [
        (
            &[
                ("LOGSHIP_DESTINATION", "elasticsearch"),
                ("LOGSHIP_TOKEN", TOKEN),
            ],
            "LOGSHIP_ENDPOINT is required when LOGSHIP_DESTINATION=elasticsearch",
        ),
        (
            &[
                ("LOGSHIP_DESTINATION", "elasticsearch"),
                ("LOGSHIP_ENDPOINT", "ftp://127.0.0.1:9"),
                ("LOGSHIP_TOKEN", TOKEN),
            ],
            "expected an http:// or https:// URL",
        ),
    ];
    // Both processes at once: each has its own Runtime API.
    let mut running = Vec::new();
    for (settings, reason) in cases {
        let api = RuntimeApi::start().await;
        let lambda = Lambda::start(&api, settings);
        running.push((api, Some(lambda), reason));
    }
    let batch = batch();
    for (api, lambda, reason) in &mut running {
        for round in 1..=2 {
            let id = api.invoke(&batch.event, DEADLINE_MS);
            let o = outcome(api, lambda, &id).await;
            assert_eq!(
                o.kind,
                OutcomeKind::Error,
                "round {round}: a success for a broken configuration: {}",
                o.body_text()
            );
            let body = o
                .json()
                .unwrap_or_else(|| panic!("error body: {}", o.body_text()));
            let error_message = body["errorMessage"].as_str().unwrap_or("");
            assert!(error_message.starts_with("configuration: "), "{body}");
            assert!(error_message.contains(*reason), "{body}");
            assert_eq!(body["errorType"], "logship.ConfigurationError", "{body}");
            assert!(
                o.error_type.is_some(),
                "no Lambda-Runtime-Function-Error-Type"
            );
            assert!(!o.body_text().contains(TOKEN));
        }
        assert!(
            api.wait_for_poll(WAIT).await,
            "no /next after the failed invocations"
        );
        assert!(api.init_errors().is_empty(), "reported as an init error");
    }
    for (_, lambda, reason) in &mut running {
        let Some(lambda) = lambda.take() else {
            unreachable!("stopped only here")
        };
        let output = lambda.stop();
        let dump = output.dump();
        assert!(
            output.emf().is_empty(),
            "metrics for a batch not processed: {dump}"
        );
        let logs = output.logs();
        assert!(
            logs.iter().any(|l| l["level"] == "ERROR"
                && l["fields"]["error"]
                    .as_str()
                    .is_some_and(|e| e.contains(*reason))),
            "the reason is not logged: {dump}"
        );
        assert!(
            output.all_lines().all(|l| !l.contains(TOKEN)),
            "the token is in the output: {dump}"
        );
    }
}

/// The same binary as a direct CloudWatch Logs subscription target: an
/// `awslogs` event ships the same documents as the Kinesis route, and an
/// invocation that leaves events neither delivered nor dead-lettered fails as
/// a whole, so Lambda's asynchronous retries and on-failure destination take
/// over (a retry is answered 409 per document: nothing is duplicated).
#[tokio::test]
async fn awslogs_events_ship_and_fail_as_a_whole() {
    let server = BulkServer::start().await;
    server.set_token(TOKEN);
    let api = RuntimeApi::start().await;
    let endpoint = server.url();
    let mut lambda = Some(Lambda::start(
        &api,
        &[
            ("LOGSHIP_DESTINATION", "elasticsearch"),
            ("LOGSHIP_ENDPOINT", &endpoint),
            ("LOGSHIP_TOKEN", TOKEN),
            ("LOGSHIP_MAX_ATTEMPTS", "1"),
        ],
    ));
    let group = "/aws/lambda/checkout";
    let stream = "2024/11/02/[$LATEST]aa";
    let messages = [
        "START RequestId: 7c2d Version: $LATEST",
        r#"{"timestamp":"2024-11-02T10:00:00Z","level":"ERROR","requestId":"7c2d","message":"card declined"}"#,
    ];
    let p = payload(group, stream, "c", &messages);
    let event = json!({"awslogs": {"data": b64(&gzip(p.to_string().as_bytes()))}}).to_string();

    let id = api.invoke(&event, DEADLINE_MS);
    let o = outcome(&api, &mut lambda, &id).await;
    assert_eq!(o.kind, OutcomeKind::Response, "{}", o.body_text());
    let docs = server.docs();
    assert_eq!(docs.len(), messages.len());
    let doc = &docs[DocId::new(group, stream, "c-1").as_str()];
    assert_eq!(doc["message"], "card declined");
    assert_eq!(doc["log"]["level"], "error");
    assert_eq!(doc["aws"]["lambda"]["request_id"], "7c2d");

    // The destination is down: nothing delivered, no DLQ: the invocation fails.
    server.push_faults([Fault::Status(503)]);
    let id = api.invoke(&event, DEADLINE_MS);
    let o = outcome(&api, &mut lambda, &id).await;
    assert_eq!(o.kind, OutcomeKind::Error, "{}", o.body_text());
    let body = o.json().unwrap_or_default();
    assert_eq!(body["errorType"], "logship.Undelivered", "{body}");

    let Some(lambda) = lambda.take() else {
        unreachable!("stopped only here")
    };
    let output = lambda.stop();
    let emf = output.emf();
    assert_eq!(emf.len(), 2, "{}", output.dump());
    assert_eq!(u64_of(&emf[1], "Failed"), messages.len() as u64);
    assert_eq!(u64_of(&emf[1], "Balanced"), 1);
}
