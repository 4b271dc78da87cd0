//! `logship process` driven as a user runs it: the binary, an event file, stdout and stderr.

mod common;

use std::collections::HashSet;
use std::process::{Command, Output};

use common::*;
use logship::sample::{GenOptions, generate};
use serde_json::Value;

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
        (r#"{"awslogs":{"data":"H4sI"}}"#, "awslogs"),
        (r#"{"Records":[{"eventSource":"aws:sqs","body":"x"}]}"#, "SQS"),
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
    assert!(stderr.contains("200 events in"), "the summary is kept: {stderr}");
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
