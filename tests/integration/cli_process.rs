//! `logship process` driven as a user runs it: the binary, an event file, stdout and stderr.

use std::collections::HashSet;
use std::process::{Command, Output};

use crate::common::*;
use logship::sample::{GenOptions, generate};
use serde_json::{Value, json};

fn logship(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logship"));
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("LOGSHIP_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(envs.iter().copied());
    cmd.output().expect("runs")
}

fn write_event(dir: &tempfile::TempDir, name: &str, event: &Value) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, event.to_string()).expect("write");
    path.to_string_lossy().into_owned()
}

fn lines(out: &[u8]) -> Vec<Value> {
    out.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("each stdout line is a JSON document"))
        .collect()
}

#[test]
fn a_400_by_100_event_gives_one_document_per_data_event() {
    let dir = tempfile::tempdir().expect("tmp");
    let g = generate(&GenOptions {
        records: 400,
        events_per_record: 100,
        control_records: 3,
        secrets: true,
        seed: 7,
    });
    let path = write_event(&dir, "big.json", &g.event);
    let out = logship(&["process", &path], &[]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = lines(&out.stdout);
    assert_eq!(docs.len(), 40_000);
    assert_eq!(g.data_events, 40_000);
    let ids: HashSet<&str> = docs.iter().filter_map(|d| d["_id"].as_str()).collect();
    assert_eq!(ids.len(), 40_000, "every _id distinct");
    for d in &docs {
        assert!(
            !d["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("CWL CONTROL MESSAGE")
        );
        let ts = d["@timestamp"].as_str().expect("timestamp");
        assert_eq!(ts.len(), 24);
        assert!(ts.starts_with("2024-11-") && ts.ends_with('Z'), "{ts}");
        assert_eq!(d["cloud"]["provider"], "aws");
        assert_eq!(d["cloud"]["account"]["id"], "123456789012");
        assert_eq!(d["cloud"]["region"], "us-east-1");
        assert!(d["aws"]["cloudwatch"]["log_group"].is_string());
        assert!(d["event"]["id"].as_str().is_some_and(|id| id.len() == 56));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "403 records (3 control skipped, 0 undecodable), 40000 events in: 40000 delivered"
        ),
        "{stderr}"
    );
}

#[test]
fn ids_and_timestamps_are_those_of_the_event() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = payload(
        "/aws/lambda/orders",
        "2024/01/01/[$LATEST]x",
        "ev",
        &["hello\n", "world"],
    );
    let path = write_event(&dir, "e.json", &event(vec![data_record("1", &p)]));
    let out = logship(&["process", &path], &[]);
    assert!(out.status.success());
    let docs = lines(&out.stdout);
    assert_eq!(docs[0]["@timestamp"], "2023-11-14T22:13:20.000Z");
    assert_eq!(docs[1]["@timestamp"], "2023-11-14T22:13:20.001Z");
    assert_eq!(docs[0]["message"], "hello");
    assert_eq!(docs[0]["cloud"]["region"], "eu-west-1");
    let id = logship::document::DocId::new("/aws/lambda/orders", "2024/01/01/[$LATEST]x", "ev-0");
    assert_eq!(docs[0]["_id"], id.as_str());
    // Same input, same ids: a rerun never duplicates.
    let again = lines(&logship(&["process", &path], &[]).stdout);
    assert_eq!(docs, again);
}

#[test]
fn broken_records_are_named_and_the_others_still_processed() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut records = vec![data_record("100", &payload("/g", "s", "ok1", &["a", "b"]))];
    let broken = broken_inputs();
    for (i, (_, data)) in broken.iter().enumerate() {
        records.push(record(&format!("{}", 200 + i), data.clone()));
    }
    records.push(data_record("999", &payload("/g", "s", "ok2", &["c"])));
    let path = write_event(&dir, "broken.json", &event(records));
    let out = logship(&["process", &path], &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "non-zero when a record could not be processed"
    );
    let docs = lines(&out.stdout);
    let messages: Vec<&str> = docs.iter().filter_map(|d| d["message"].as_str()).collect();
    // The good records, plus the invalid UTF-8 one decoded lossily.
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(messages.contains(&"a") && messages.contains(&"b") && messages.contains(&"c"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for (i, (name, _)) in broken.iter().enumerate() {
        if name.starts_with("invalid UTF-8") {
            continue;
        }
        assert!(
            stderr.contains(&format!("record {}:", 200 + i)),
            "{name} not reported: {stderr}"
        );
    }
    assert!(stderr.contains("exceeds the cap"), "{stderr}");
    assert!(stderr.contains("not base64"), "{stderr}");
    assert!(stderr.contains("11 undecodable"), "{stderr}");
    // Errors name the record and the field, never the value.
    assert!(
        stderr.contains("after the end of its gzip member"),
        "{stderr}"
    );
    assert!(stderr.contains("field logEvents[0].timestamp"), "{stderr}");
    for secret in [
        "eyJwYXNzd29yZCI6MX0",
        "hunter2",
        "Bearer",
        "payload of the other",
    ] {
        assert!(!stderr.contains(secret), "{secret} in {stderr}");
    }
}

#[test]
fn stdin_flags_and_formats() {
    let p = payload("/aws/lambda/f", "s", "x", &["m1", "m2"]);
    let ev = event(vec![data_record("1", &p)]).to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_logship"))
        .args(["process", "--format", "bulk", "--set", "INDEX=logs-%Y"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(ev.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let l = lines(&out.stdout);
    assert_eq!(l.len(), 4);
    assert_eq!(l[0]["create"]["_index"], "logs-2023");
    assert!(l[0]["create"]["_id"].is_string());
    assert_eq!(l[1]["message"], "m1");
}

#[test]
fn bad_configuration_and_bad_event_exit_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = write_event(&dir, "e.json", &event(vec![]));
    let out = logship(&["process", &path], &[("LOGSHIP_CONCURRENCY", "lots")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("LOGSHIP_CONCURRENCY"));
    let garbage = dir.path().join("g.json");
    std::fs::write(&garbage, "not json").expect("write");
    let out = logship(&["process", &garbage.to_string_lossy()], &[]);
    assert_eq!(out.status.code(), Some(2));
    // An empty batch is fine and ships nothing.
    let out = logship(&["process", &path], &[]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    // Input that is not a Kinesis event: exit 2, named, no value quoted, the
    // configuration error said once.
    for (input, says) in [
        ("{}", "without Records"),
        (
            r#"{"detail-type":"Scheduled Event","detail":{}}"#,
            "EventBridge",
        ),
        (r#"{"awslogs":{"data":7}}"#, "field awslogs.data"),
        (
            r#"{"Records":[{"eventSource":"aws:sqs","body":"x"}]}"#,
            "SQS",
        ),
        (r#"{"Records":"password=hunter2-hunter2"}"#, "field Records"),
    ] {
        let file = dir.path().join("other.json");
        std::fs::write(&file, input).expect("write");
        let out = logship(&["process", &file.to_string_lossy()], &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{input}: {stderr}");
        assert!(stderr.contains(says), "{input}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
    let out = logship(&["process", &path], &[("LOGSHIP_CONCURRENCY", "lots")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("LOGSHIP_CONCURRENCY").count(), 1, "{stderr}");
}

#[test]
fn a_reader_that_goes_away_stops_output_quietly_and_logs_have_no_colour() {
    // `logship process EVENT | head -1`: the reader closes the pipe early.
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-event.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_logship"))
        .args(["process", sample])
        .env("LOGSHIP_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("some output");
    drop(stdout);
    let out = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(
        stderr.contains("200 events in"),
        "the summary is kept: {stderr}"
    );
    // stderr is a pipe here, not a terminal: no colour escapes.
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}

#[test]
fn the_bundled_sample_event_processes_cleanly() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-event.json");
    let out = logship(&["process", sample], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = lines(&out.stdout);
    assert!(!docs.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("control skipped"), "{stderr}");
}

#[test]
fn operator_tools_without_aws_credentials_say_so() {
    for args in [
        vec![
            "token",
            "check",
            "--parameter",
            "/logship/t",
            "--destination",
            "elasticsearch",
            "--endpoint",
            "http://127.0.0.1:9",
        ],
        vec![
            "redrive",
            "--queue-url",
            "http://127.0.0.1:9/123456789012/q",
            "--destination",
            "elasticsearch",
            "--endpoint",
            "http://127.0.0.1:9",
            "--dry-run",
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_logship"))
            .args(&args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", "/nonexistent")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("no AWS credentials were found"), "{stderr}");
        assert!(!stderr.contains("not allowed"), "{stderr}");
    }
}

// ---- rules (issue #14) ---------------------------------------------------------

fn rules_event(dir: &tempfile::TempDir) -> String {
    let event = crate::common::event(vec![
        data_record(
            "1",
            &payload(
                "/aws/lambda/noisy-poller",
                "s",
                "n",
                &["GET /health", "GET /health", "GET /health"],
            ),
        ),
        data_record(
            "2",
            &payload(
                "/vpc/flow-logs",
                "eni-1",
                "v",
                &[
                    "2 123 eni-1 10.0.0.1 10.0.0.2 443 5000 6 1 40 1 2 ACCEPT OK",
                    "2 123 eni-1 10.0.0.3 10.0.0.2 443 5001 6 1 40 1 2 REJECT OK",
                ],
            ),
        ),
        data_record("3", &payload("/ecs/web", "web/1", "w", &["served"])),
    ]);
    write_event(dir, "rules.json", &event)
}

const ISSUE_RULES: &str = r#"[{"match":{"log_group":"/aws/lambda/noisy-*"},"action":"drop"},{"match":{"log_group":"/vpc/*"},"action":"route","index":"logs-aws.vpcflow-default"}]"#;

#[test]
fn process_counts_filtered_events_in_its_summary() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = rules_event(&dir);
    let out = logship(
        &["process", &path, "--format", "bulk"],
        &[("LOGSHIP_RULES", ISSUE_RULES)],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(
        stderr.contains("6 events in: 3 delivered, 0 dead-lettered, 0 failed, 3 filtered;"),
        "{stderr}"
    );
    let l = lines(&out.stdout);
    assert_eq!(l.len(), 6);
    let indexes: Vec<&str> = l
        .iter()
        .step_by(2)
        .filter_map(|a| a["create"]["_index"].as_str())
        .collect();
    assert_eq!(
        indexes,
        [
            "logs-aws.vpcflow-default",
            "logs-aws.vpcflow-default",
            "logship-2023.11.14"
        ]
    );
}

#[test]
fn explain_prints_what_the_rules_do_and_ships_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = rules_event(&dir);
    let out = logship(
        &[
            "process",
            &path,
            "--explain",
            "--destination",
            "elasticsearch",
            "--endpoint",
            "http://127.0.0.1:9",
        ],
        &[("LOGSHIP_RULES", ISSUE_RULES)],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = "\
log group                 events  kept  dropped  sampled out  kept events go to
/aws/lambda/noisy-poller       3     0        3            0  -
/ecs/web                       1     1        0            0  logship-2023.11.14 (1)
/vpc/flow-logs                 2     2        0            0  logs-aws.vpcflow-default (2)
total                          6     3        3            0

by rule:
  rule 1  kept 0, dropped 3, sampled out 0
  rule 2  kept 2, dropped 0, sampled out 0
";
    assert_eq!(stdout, expected);
}

#[test]
fn an_invalid_rule_fails_start_up_naming_the_rule() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = rules_event(&dir);
    let rules = r#"[{"name":"drop-noisy","match":{"log_group":"/aws/lambda/noisy-*"},"action":"drop"},
                    {"name":"vpc","match":{"log_group":"/vpc/*"},"action":"route","index":"Logs-VPC"}]"#;
    let out = logship(&["process", &path], &[("LOGSHIP_RULES", rules)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("LOGSHIP_RULES rule 2 (\"vpc\")"),
        "{stderr}"
    );
    assert!(stderr.contains("must be lower-case"), "{stderr}");
    assert_eq!(stderr.matches("rule 2").count(), 1, "said once: {stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn an_unknown_setting_is_a_warning_or_under_strict_an_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = rules_event(&dir);
    let out = logship(
        &["process", &path, "--quiet", "--set", "MASK_SLAT=x"],
        &[("LOGSHIP_DESTINATON", "logzio")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "warning: unknown setting LOGSHIP_DESTINATON (did you mean LOGSHIP_DESTINATION?)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "warning: unknown setting LOGSHIP_MASK_SLAT (did you mean LOGSHIP_MASK_SALT?)"
        ),
        "{stderr}"
    );
    let out = logship(
        &["process", &path, "--quiet"],
        &[
            ("LOGSHIP_DESTINATON", "logzio"),
            ("LOGSHIP_STRICT_SETTINGS", "on"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("LOGSHIP_STRICT_SETTINGS is on and unknown setting LOGSHIP_DESTINATON"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("logzio"),
        "values are never quoted: {stderr}"
    );
}

/// `process` takes what an operator has at hand: a Kinesis event, a direct
/// subscription's `awslogs` event, or the bare payload (gzip, or its JSON, as a
/// console or a dead letter shows it). All give the same documents.
#[test]
fn awslogs_events_and_bare_payloads_give_the_same_documents() {
    let dir = tempfile::tempdir().expect("tmp");
    let payload = json!({
        "messageType": "DATA_MESSAGE", "owner": "123456789012",
        "logGroup": "/aws/lambda/orders", "logStream": "2024/01/01/[$LATEST]x",
        "subscriptionFilters": ["all"],
        "logEvents": [
            {"id": "ev-0", "timestamp": 1_704_067_200_000i64, "message": "level=warn msg=\"disk almost full\" disk=/dev/xvda1"},
            {"id": "ev-1", "timestamp": 1_704_067_200_001i64, "message": "plain"},
            {"id": "ev-2", "timestamp": 1_704_067_200_002i64, "message": "{\"time\":\"2024-01-01T00:00:00.002Z\",\"type\":\"platform.logsDropped\",\"record\":{\"reason\":\"consumer too slow\",\"droppedRecords\":7,\"droppedBytes\":2048}}"}
        ]
    });
    let text = payload.to_string();
    let gz = gzip(text.as_bytes());
    let data = b64(&gz);
    let kinesis = json!({"Records": [{
        "kinesis": {"sequenceNumber": "1", "data": data, "partitionKey": "p"},
        "eventSource": "aws:kinesis", "awsRegion": "eu-west-1", "eventID": "shardId-0:1"
    }]});
    let awslogs = json!({"awslogs": {"data": data}});
    let region = [("AWS_REGION", "eu-west-1")];
    let run = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let out = logship(&["process", &path.to_string_lossy()], &region);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        lines(&out.stdout)
    };
    let want = run("kinesis.json", kinesis.to_string().as_bytes());
    assert_eq!(want.len(), 3);
    assert_eq!(want[2]["aws"]["lambda"]["event"], "logs_dropped");
    assert_eq!(want[0]["message"], "disk almost full");
    assert_eq!(want[0]["log"]["level"], "warn");
    assert_eq!(want[0]["cloud"]["region"], "eu-west-1");
    for (name, bytes) in [
        ("awslogs.json", awslogs.to_string().into_bytes()),
        ("payload.json", text.clone().into_bytes()),
        ("payload.gz", gz.clone()),
    ] {
        assert_eq!(run(name, &bytes), want, "{name}");
    }
}
