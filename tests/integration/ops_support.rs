//! Helpers for the operator-tool tests (redrive, tokens, fault matrix): a
//! configuration from pairs, SQS queue helpers against moto, the `logship`
//! binary run with the moto endpoint, and the ids every event must end up as.
//! The queue helpers build on [`crate::common`].

use std::collections::{BTreeSet, HashMap};
use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use aws_config::SdkConfig;
use aws_sdk_sqs::Client as Sqs;
use logship::config::Config;
use logship::decode::{Decoder, MessageType};
use logship::document::DocId;
use logship::event::KinesisEvent;
use logship::handler::Services;

/// A configuration from pairs only (the process environment is not read); of pairs naming the
/// same setting, the last one counts.
pub fn config(pairs: &[(&str, &str)]) -> Config {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(&move |k| map.get(k).cloned()).expect("valid test configuration")
}

/// The handler's services for a configuration from pairs, with AWS (SSM, SQS) in moto.
pub async fn services(pairs: &[(&str, &str)], sdk: &SdkConfig) -> Services {
    Services::new(config(pairs), Some(sdk.clone()))
        .await
        .expect("services")
}

// Re-exported for the `use crate::ops_support::*` of the tests; unused in some.
#[allow(unused_imports)]
pub use crate::common::create_queue;

/// A queue URL that does not exist in moto (a DLQ that is down).
pub fn missing_queue() -> String {
    let endpoint = testkit::moto::endpoint().unwrap_or_else(|| "http://127.0.0.1:9".into());
    format!(
        "{endpoint}/{}/{}",
        testkit::moto::ACCOUNT_ID,
        testkit::unique_name("no-such-queue")
    )
}

/// Every message body in the queue, leaving them all there (visible again).
pub async fn queue_bodies(sqs: &Sqs, url: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    let mut receipts = Vec::new();
    for m in crate::common::receive_all(sqs, url, 60).await {
        bodies.push(m.body.unwrap_or_default());
        receipts.extend(m.receipt_handle);
    }
    for r in receipts {
        sqs.change_message_visibility()
            .queue_url(url)
            .receipt_handle(r)
            .visibility_timeout(0)
            .send()
            .await
            .expect("release");
    }
    bodies
}

/// The documents (`_id` → doc) in DLQ message bodies, and the sequence numbers of undecodable records.
pub fn dlq_contents(bodies: &[String]) -> (Vec<(String, serde_json::Value)>, BTreeSet<String>) {
    let mut docs = Vec::new();
    let mut raw = BTreeSet::new();
    for b in bodies {
        let Ok(m) = logship::dlq::parse(b) else {
            continue;
        };
        if m.kind == logship::dlq::Kind::Undecodable {
            raw.insert(m.source.sequence_number.clone());
        }
        for d in m.documents {
            docs.push((
                d.id.clone(),
                serde_json::from_str(d.doc.get()).expect("doc JSON"),
            ));
        }
    }
    (docs, raw)
}

/// The `_id` of every DATA event of a record (None: it does not decode with this cap).
pub fn record_ids(data: &str, cap: usize) -> Option<Vec<String>> {
    let mut decoder = Decoder::new(cap);
    let payload = decoder.decode(data).ok()?;
    if payload.message_type == MessageType::Control {
        return Some(Vec::new());
    }
    Some(
        payload
            .log_events
            .iter()
            .map(|e| DocId::new(&payload.log_group, &payload.log_stream, &e.id).to_string())
            .collect(),
    )
}

/// The `_id` of every DATA event of a batch that decodes with a generous cap.
pub fn event_ids(event: &KinesisEvent) -> BTreeSet<String> {
    event
        .records
        .iter()
        .filter_map(|r| record_ids(&r.kinesis.data, 1 << 30))
        .flatten()
        .collect()
}

/// Environment for the binary: the moto endpoint, dummy credentials, no LOGSHIP_* from outside.
pub fn aws_env() -> Vec<(String, String)> {
    let endpoint = testkit::moto::endpoint().expect("moto is running");
    [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIATESTKITMOTO00000"),
        ("AWS_SECRET_ACCESS_KEY", "testkit-moto-dummy-secret"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The `logship` binary with `args` and `envs` (and no LOGSHIP_* or AWS_* variable of the test
/// process), stdout and stderr piped.
pub fn logship_command(args: &[String], envs: &[(String, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logship"));
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("LOGSHIP_") || k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(envs.iter().map(|(k, v)| (k, v)));
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

/// Runs `logship` (blocking: call through [`cli`] from async tests).
pub fn logship(args: &[String], envs: &[(String, String)], stdin: Option<&str>) -> Output {
    let mut cmd = logship_command(args, envs);
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("logship starts");
    if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
        pipe.write_all(text.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("logship runs")
}

/// Runs `logship` from an async test (the test's servers keep running meanwhile).
pub async fn cli(args: &[&str], envs: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut all = aws_env();
    all.extend(envs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let stdin = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || logship(&args, &all, stdin.as_deref()))
        .await
        .expect("cli task")
}

/// `args` followed by `--destination <destination> --endpoint <endpoint>`.
pub fn to_destination<'a>(
    args: &[&'a str],
    destination: &'a str,
    endpoint: &'a str,
) -> Vec<&'a str> {
    [
        args,
        &["--destination", destination, "--endpoint", endpoint],
    ]
    .concat()
}

/// stdout and stderr as text.
pub fn texts(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
