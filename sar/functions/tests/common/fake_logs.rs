//! A scripted stand-in for the CloudWatch Logs API (JSON 1.1 protocol over
//! HTTP/1.1) for what moto does not implement: the account-level
//! subscription filter policy (`PutAccountPolicy`, `DescribeAccountPolicies`,
//! `DeleteAccountPolicy`), plus enough of `DescribeLogGroups` and the
//! subscription filter calls for a sweep. It records every call and can answer
//! the first calls of an operation with `ThrottlingException`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::read_request;

#[derive(Default)]
struct State {
    groups: Vec<String>,
    filters: BTreeMap<String, Vec<Value>>,
    policies: BTreeMap<String, Value>,
    calls: Vec<(String, Value)>,
    throttle: HashMap<String, usize>,
}

#[derive(Clone)]
pub struct FakeLogs {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeLogs {
    pub async fn start(groups: &[&str]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State {
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, Arc::clone(&shared)));
            }
        });
        FakeLogs { url, state }
    }

    pub fn add_group(&self, name: &str) {
        let mut s = self.state.lock().expect("lock");
        s.groups.push(name.to_owned());
    }

    /// Answer the next `n` calls of `operation` with ThrottlingException.
    pub fn throttle(&self, operation: &str, n: usize) {
        self.state
            .lock()
            .expect("lock")
            .throttle
            .insert(operation.to_owned(), n);
    }

    /// The bodies of the calls of `operation`, in order (throttled ones too).
    pub fn calls(&self, operation: &str) -> Vec<Value> {
        let s = self.state.lock().expect("lock");
        s.calls
            .iter()
            .filter(|(op, _)| op == operation)
            .map(|(_, b)| b.clone())
            .collect()
    }

    pub fn policy(&self, name: &str) -> Option<Value> {
        self.state.lock().expect("lock").policies.get(name).cloned()
    }

    pub fn put_policy(&self, name: &str) {
        self.state.lock().expect("lock").policies.insert(
            name.to_owned(),
            json!({"policyName": name, "policyType": "SUBSCRIPTION_FILTER_POLICY"}),
        );
    }

    pub fn filters(&self, group: &str) -> Vec<Value> {
        self.state
            .lock()
            .expect("lock")
            .filters
            .get(group)
            .cloned()
            .unwrap_or_default()
    }
}

async fn serve(mut socket: TcpStream, state: Arc<Mutex<State>>) {
    let mut buf: Vec<u8> = Vec::new();
    while let Some((head, body)) = read_request(&mut socket, &mut buf).await {
        let target = head
            .lines()
            .find_map(|l| l.strip_prefix("x-amz-target:"))
            .map(|v| v.trim().trim_start_matches("logs_20140328.").to_owned())
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let (status, reply) = handle(&state, &target, body);
        let reply = reply.to_string();
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nx-amzn-requestid: fake\r\n\r\n{reply}",
            reply.len()
        );
        if socket.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn handle(state: &Mutex<State>, target: &str, body: Value) -> (&'static str, Value) {
    let mut s = state.lock().expect("lock");
    // The target header was lower-cased: map back to the operation names.
    let op = match target {
        "putaccountpolicy" => "PutAccountPolicy",
        "describeaccountpolicies" => "DescribeAccountPolicies",
        "deleteaccountpolicy" => "DeleteAccountPolicy",
        "describeloggroups" => "DescribeLogGroups",
        "describesubscriptionfilters" => "DescribeSubscriptionFilters",
        "putsubscriptionfilter" => "PutSubscriptionFilter",
        "deletesubscriptionfilter" => "DeleteSubscriptionFilter",
        _ => "Unknown",
    };
    s.calls.push((op.to_owned(), body.clone()));
    if let Some(n) = s.throttle.get_mut(op).filter(|n| **n > 0) {
        *n -= 1;
        return (
            "400 Bad Request",
            json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
        );
    }
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match op {
        "DescribeLogGroups" => {
            let prefix = text("logGroupNamePrefix");
            let mut groups: Vec<&String> =
                s.groups.iter().filter(|g| g.starts_with(&prefix)).collect();
            groups.sort();
            let limit = body.get("limit").and_then(Value::as_u64).unwrap_or(50) as usize;
            let groups: Vec<Value> = groups
                .into_iter()
                .take(limit)
                .map(|g| json!({"logGroupName": g, "arn": format!("arn:aws:logs:us-east-1:123456789012:log-group:{g}:*")}))
                .collect();
            ("200 OK", json!({"logGroups": groups}))
        }
        "PutAccountPolicy" => {
            let name = text("policyName");
            let policy = json!({
                "policyName": name,
                "policyDocument": text("policyDocument"),
                "policyType": text("policyType"),
                "scope": text("scope"),
                "selectionCriteria": text("selectionCriteria"),
                "accountId": "123456789012"
            });
            s.policies.insert(name, policy.clone());
            ("200 OK", json!({"accountPolicy": policy}))
        }
        "DescribeAccountPolicies" => {
            let name = text("policyName");
            let found: Vec<Value> = s.policies.get(&name).cloned().into_iter().collect();
            ("200 OK", json!({"accountPolicies": found}))
        }
        "DeleteAccountPolicy" => {
            if s.policies.remove(&text("policyName")).is_some() {
                ("200 OK", json!({}))
            } else {
                (
                    "400 Bad Request",
                    json!({"__type": "ResourceNotFoundException", "message": "Policy not found"}),
                )
            }
        }
        "DescribeSubscriptionFilters" => {
            let filters = s
                .filters
                .get(&text("logGroupName"))
                .cloned()
                .unwrap_or_default();
            ("200 OK", json!({"subscriptionFilters": filters}))
        }
        "PutSubscriptionFilter" => {
            let group = text("logGroupName");
            let name = text("filterName");
            let entry = s.filters.entry(group.clone()).or_default();
            entry.retain(|f| f["filterName"] != name.as_str());
            entry.push(json!({
                "filterName": name,
                "logGroupName": group,
                "filterPattern": text("filterPattern"),
                "destinationArn": text("destinationArn"),
                "roleArn": text("roleArn"),
                "distribution": text("distribution"),
            }));
            ("200 OK", json!({}))
        }
        "DeleteSubscriptionFilter" => {
            let name = text("filterName");
            if let Some(entry) = s.filters.get_mut(&text("logGroupName")) {
                entry.retain(|f| f["filterName"] != name.as_str());
            }
            ("200 OK", json!({}))
        }
        _ => (
            "400 Bad Request",
            json!({"__type": "UnknownOperationException", "message": target}),
        ),
    }
}
