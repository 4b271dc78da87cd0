//! Helpers shared by the integration tests: building Kinesis events with
//! chosen payloads (good, broken, control) without any file from outside the
//! repo, and SQS queues in moto (created, read to the end).

use std::io::Write;

use base64::Engine as _;
use flate2::{Compression, write::GzEncoder};
use serde_json::{Value, json};

/// A fresh queue in moto, named from `prefix`.
pub async fn create_queue(sqs: &aws_sdk_sqs::Client, prefix: &str) -> String {
    sqs.create_queue()
        .queue_name(testkit::unique_name(prefix))
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url")
}

/// Every message in the queue, each received once and left invisible for
/// `visibility` seconds.
pub async fn receive_all(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    visibility: i32,
) -> Vec<aws_sdk_sqs::types::Message> {
    let mut messages = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(visibility)
            .send()
            .await
            .expect("receive");
        let batch = out.messages.unwrap_or_default();
        if batch.is_empty() {
            return messages;
        }
        messages.extend(batch);
    }
}

/// gzip of bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).expect("write to vec");
    enc.finish().expect("finish")
}

/// base64 of bytes.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A DATA_MESSAGE payload with the given messages (ids "<prefix>-<i>").
pub fn payload(group: &str, stream: &str, prefix: &str, messages: &[&str]) -> Value {
    let events: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"id": format!("{prefix}-{i}"), "timestamp": 1_700_000_000_000i64 + i as i64, "message": m}))
        .collect();
    json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": group,
        "logStream": stream,
        "subscriptionFilters": ["logship"],
        "logEvents": events
    })
}

/// A Kinesis record around already-encoded data.
pub fn record(seq: &str, data: String) -> Value {
    json!({
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "pk", "sequenceNumber": seq,
                     "data": data, "approximateArrivalTimestamp": 1_700_000_000.5},
        "eventSource": "aws:kinesis", "eventVersion": "1.0",
        "eventID": format!("shardId-000000000003:{seq}"), "eventName": "aws:kinesis:record",
        "awsRegion": "eu-west-1",
        "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/logs"
    })
}

/// A record holding a gzipped payload.
pub fn data_record(seq: &str, payload: &Value) -> Value {
    record(seq, b64(&gzip(payload.to_string().as_bytes())))
}

/// The broken inputs every stage must survive, by name, as record data.
pub fn broken_inputs() -> Vec<(&'static str, String)> {
    let good = payload("/aws/lambda/x", "s", "b", &["fine"]).to_string();
    let gz = gzip(good.as_bytes());
    let bomb = gzip(&vec![b'{'; 64 << 20]);
    let mut bad_utf8 = payload("/aws/lambda/x", "s", "u", &["caf\u{e9}"])
        .to_string()
        .into_bytes();
    if let Some(at) = bad_utf8.windows(2).position(|w| w == "\u{e9}".as_bytes()) {
        bad_utf8[at] = 0xff;
    }
    let missing = json!({"messageType": "DATA_MESSAGE", "owner": "1"}).to_string();
    let other = gzip(
        payload("/aws/lambda/x", "s", "c", &["payload of the other member"])
            .to_string()
            .as_bytes(),
    );
    let wrong_type = good.replace(
        "\"timestamp\":",
        "\"timestamp\":\"Bearer eyJwYXNzd29yZCI6MX0.e30.c2ln\",\"was\":",
    );
    let odd_type = json!({"messageType": "password=hunter2-hunter2", "owner": "1", "logGroup": "g", "logStream": "s", "logEvents": []}).to_string();
    vec![
        ("not base64", "@@@ not base64 @@@".to_owned()),
        ("not gzip", b64(b"\x00\x01\x02 plain bytes")),
        ("truncated gzip", b64(&gz[..gz.len() / 2])),
        ("gzip bomb", b64(&bomb)),
        (
            "invalid JSON",
            b64(&gzip(b"{\"messageType\": \"DATA_MESSAGE\", oops")),
        ),
        ("missing fields", b64(&gzip(missing.as_bytes()))),
        ("empty data", String::new()),
        ("two gzip members", b64(&[gz.clone(), other].concat())),
        (
            "gzip then garbage",
            b64(&[gz.clone(), b"trailing garbage".to_vec()].concat()),
        ),
        (
            "wrong type holding a secret",
            b64(&gzip(wrong_type.as_bytes())),
        ),
        (
            "unknown messageType holding a secret",
            b64(&gzip(odd_type.as_bytes())),
        ),
        ("invalid UTF-8 (decodes lossily)", b64(&gzip(&bad_utf8))),
    ]
}

/// A Lambda Kinesis event from records.
pub fn event(records: Vec<Value>) -> Value {
    json!({ "Records": records })
}
