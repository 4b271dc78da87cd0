//! Shared set-up of the SAR function tests: clients on the moto server, a
//! Kinesis stream to subscribe to, log group helpers, the functions'
//! configurations and invocations, and a tiny HTTP server standing in for
//! CloudFormation's pre-signed response URL.

#![allow(dead_code)]

pub mod fake_logs;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::Client as Logs;
use logship_sar::backoff::RetryPolicy;
use logship_sar::config::{RetentionConfig, SubscribeConfig};
use logship_sar::groups::Budget;
use logship_sar::handlers::{self, Clients};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Fast retries: moto does not throttle, and tests must not sleep long.
pub const FAST_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    base_delay: Duration::from_millis(5),
    max_delay: Duration::from_millis(20),
};

/// The role ARN CloudWatch Logs would assume (moto does not check it).
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/logship-cwl-to-kinesis";

pub struct Env {
    pub sdk: SdkConfig,
    pub logs: Logs,
    pub clients: Clients,
    /// A unique log group name prefix for this test, e.g. `/t-1a2b-0-ffff/`.
    pub prefix: String,
}

/// The moto-backed environment, or `None` to skip (never in CI).
pub async fn env() -> Option<Env> {
    let sdk = testkit::moto::sdk_config().await?;
    let clients = Clients::new(&sdk).expect("clients");
    Some(Env {
        logs: Logs::new(&sdk),
        clients,
        prefix: format!("/{}/", testkit::unique_name("t")),
        sdk,
    })
}

/// [`env`], or returns from the test (a skip) when moto is unavailable.
// Unused in the tests that do not use moto.
#[allow(unused_macros)]
macro_rules! env_or_skip {
    () => {
        match $crate::common::env().await {
            ::std::option::Option::Some(env) => env,
            ::std::option::Option::None => {
                ::std::eprintln!("SKIP: moto unavailable");
                return;
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use env_or_skip;

impl Env {
    pub fn name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// Creates a Kinesis stream and returns its ARN.
    pub async fn stream(&self, label: &str) -> String {
        let kinesis = aws_sdk_kinesis::Client::new(&self.sdk);
        let name = testkit::unique_name(label);
        kinesis
            .create_stream()
            .stream_name(&name)
            .shard_count(1)
            .send()
            .await
            .expect("create stream");
        let summary = kinesis
            .describe_stream_summary()
            .stream_name(&name)
            .send()
            .await
            .expect("describe stream");
        summary
            .stream_description_summary()
            .expect("summary")
            .stream_arn()
            .to_owned()
    }

    pub async fn group(&self, suffix: &str) -> String {
        let name = self.name(suffix);
        self.logs
            .create_log_group()
            .log_group_name(&name)
            .send()
            .await
            .expect("create log group");
        name
    }

    pub async fn group_with_retention(&self, suffix: &str, days: i32) -> String {
        let name = self.group(suffix).await;
        self.logs
            .put_retention_policy()
            .log_group_name(&name)
            .retention_in_days(days)
            .send()
            .await
            .expect("put retention");
        name
    }

    pub async fn add_filter(&self, group: &str, filter: &str, pattern: &str, destination: &str) {
        self.logs
            .put_subscription_filter()
            .log_group_name(group)
            .filter_name(filter)
            .filter_pattern(pattern)
            .destination_arn(destination)
            .role_arn(ROLE_ARN)
            .send()
            .await
            .expect("put subscription filter");
    }

    /// The group's filters: name → (destination, pattern).
    pub async fn filters(&self, group: &str) -> HashMap<String, (String, String)> {
        let out = self
            .logs
            .describe_subscription_filters()
            .log_group_name(group)
            .send()
            .await
            .expect("describe subscription filters");
        out.subscription_filters()
            .iter()
            .map(|f| {
                (
                    f.filter_name().unwrap_or_default().to_owned(),
                    (
                        f.destination_arn().unwrap_or_default().to_owned(),
                        f.filter_pattern().unwrap_or_default().to_owned(),
                    ),
                )
            })
            .collect()
    }

    pub async fn retention(&self, group: &str) -> Option<i32> {
        let out = self
            .logs
            .describe_log_groups()
            .log_group_name_prefix(group)
            .send()
            .await
            .expect("describe log groups");
        out.log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(group))
            .expect("group exists")
            .retention_in_days()
    }
}

/// Looks settings up in `pairs` only.
fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

/// auto-subscribe's configuration from `pairs`, with [`FAST_RETRY`] and no deadline margin.
pub fn subscribe_config(pairs: &[(&str, &str)]) -> SubscribeConfig {
    let mut config = SubscribeConfig::from_lookup(lookup(pairs)).expect("valid configuration");
    config.retry = FAST_RETRY;
    config.deadline_margin = Duration::ZERO;
    config
}

/// set-retention's configuration from `pairs`, with [`FAST_RETRY`] and no deadline margin.
pub fn retention_config(pairs: &[(&str, &str)]) -> RetentionConfig {
    let mut config = RetentionConfig::from_lookup(lookup(pairs)).expect("valid configuration");
    config.retry = FAST_RETRY;
    config.deadline_margin = Duration::ZERO;
    config
}

/// One auto-subscribe invocation with an unlimited budget: what it returned.
pub async fn auto_subscribe(clients: &Clients, config: &SubscribeConfig, payload: &Value) -> Value {
    handlers::auto_subscribe(clients, config, payload, Budget::unlimited())
        .await
        .unwrap_or_else(|e| panic!("auto-subscribe of {payload}: {e:?}"))
}

/// One set-retention invocation with an unlimited budget: what it returned.
pub async fn set_retention(clients: &Clients, config: &RetentionConfig, payload: &Value) -> Value {
    handlers::set_retention(clients, config, payload, Budget::unlimited())
        .await
        .unwrap_or_else(|e| panic!("set-retention of {payload}: {e:?}"))
}

/// Reads one request (a head, then `content-length` bytes of body) from `socket`, leaving what
/// follows in `buf`: the head lower-cased and the body. `None` when the peer leaves first.
pub async fn read_request(socket: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let body = buf[end + 4..end + 4 + len].to_vec();
                buf.drain(..end + 4 + len);
                return Some((head, body));
            }
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A CloudTrail `CreateLogGroup` event as EventBridge delivers it.
pub fn create_log_group_event(name: &str) -> Value {
    serde_json::json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.logs",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "eventSource": "logs.amazonaws.com",
            "eventName": "CreateLogGroup",
            "awsRegion": "us-east-1",
            "requestParameters": {"logGroupName": name},
            "responseElements": null
        }
    })
}

/// A CloudFormation custom resource request answering to `url`.
pub fn cfn_request(request_type: &str, url: &str, old: Option<Value>) -> Value {
    let mut request = serde_json::json!({
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:sweep",
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/logship-sar/0f0e",
        "RequestId": testkit::unique_name("req"),
        "LogicalResourceId": "Sweep",
        "ResourceType": "Custom::LogshipSweep",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:sweep"}
    });
    if request_type != "Create" {
        request["PhysicalResourceId"] = "Sweep-logship-sar".into();
    }
    if let Some(old) = old {
        request["OldResourceProperties"] = old;
    }
    request
}

/// Stands in for the pre-signed S3 URL CloudFormation gives custom resources:
/// accepts PUTs and records their JSON bodies.
pub struct CfnEndpoint {
    pub url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl CfnEndpoint {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!(
            "http://{}/cfn-response?X-Amz-Signature=test",
            listener.local_addr().expect("addr")
        );
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&bodies);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let sink = Arc::clone(&sink);
                tokio::spawn(async move {
                    let Some((head, body)) = read_request(&mut socket, &mut Vec::new()).await
                    else {
                        return;
                    };
                    assert!(
                        head.starts_with("put "),
                        "CloudFormation responses are PUTs: {head}"
                    );
                    let value: Value = serde_json::from_slice(&body).expect("JSON body");
                    sink.lock().expect("lock").push(value);
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                });
            }
        });
        CfnEndpoint { url, bodies }
    }

    /// A CloudFormation custom resource request of `request_type` answering here.
    pub fn request(&self, request_type: &str) -> Value {
        cfn_request(request_type, &self.url, None)
    }

    pub fn responses(&self) -> Vec<Value> {
        self.bodies.lock().expect("lock").clone()
    }
}
