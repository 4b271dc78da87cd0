//! The real `auto-subscribe` and `set-retention` binaries in Lambda mode,
//! served by the Runtime API stand-in of `testkit`:
//!
//! * with an invalid setting the process does not exit at start-up (a
//!   custom-resource request would get no answer and the stack would wait an
//!   hour): a Create or Update is answered `FAILED` with a reason naming the
//!   variable and its template parameter, a Delete `SUCCESS` (so the stack can
//!   roll back), and every invocation fails with the configuration error;
//! * a log group whose two subscription filter slots are taken by foreign
//!   filters is logged as a warning on every path: sweep, CloudTrail new-group
//!   event and manual invocation (against moto).

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use common::{CfnEndpoint, ROLE_ARN, create_log_group_event, env_or_skip};
use serde_json::{Value, json};
use testkit::runtime_api::{Outcome, RuntimeApi};

/// What an invocation may take, the start-up of the process included.
const WAIT: Duration = Duration::from_secs(30);

/// A SAR binary in Lambda mode; killed when dropped.
struct Lambda {
    child: Child,
    stdout: Option<JoinHandle<Vec<String>>>,
    stderr: Option<JoinHandle<Vec<String>>>,
}

fn read_lines(pipe: impl Read + Send + 'static) -> JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        BufReader::new(pipe)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    })
}

impl Lambda {
    fn start(binary: &str, api: &RuntimeApi, settings: &[(&str, &str)]) -> Lambda {
        let mut cmd = Command::new(binary);
        // Only what this test sets: nothing from the developer's or CI's environment.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("LOGSHIP_") || k.starts_with("AWS_") || k == "RUST_LOG" {
                cmd.env_remove(k.as_ref());
            }
        }
        cmd.env("AWS_LAMBDA_RUNTIME_API", api.addr())
            .env("AWS_LAMBDA_FUNCTION_NAME", "sar-binary-test")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
            .env("AWS_REGION", testkit::moto::REGION)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .envs(settings.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the binary starts");
        let stdout = child.stdout.take().map(read_lines);
        let stderr = child.stderr.take().map(read_lines);
        Lambda {
            child,
            stdout,
            stderr,
        }
    }

    /// Asserts the process is still serving, kills it and returns its JSON log lines.
    fn stop(mut self) -> Vec<Value> {
        let still_running = matches!(self.child.try_wait(), Ok(None));
        let _ = self.child.kill();
        let _ = self.child.wait();
        let join = |h: Option<JoinHandle<Vec<String>>>| {
            h.map(|h| h.join().expect("reader thread"))
                .unwrap_or_default()
        };
        let lines: Vec<String> = join(self.stdout.take())
            .into_iter()
            .chain(join(self.stderr.take()))
            .collect();
        assert!(
            still_running,
            "the process exited on its own:\n{}",
            lines.join("\n")
        );
        lines
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for Lambda {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn invoke(api: &RuntimeApi, event: &Value) -> Outcome {
    let id = api.invoke(&event.to_string(), 60_000);
    api.outcome(&id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("no answer to {event}: {e}"))
}

/// Waits until CloudFormation's stand-in holds `n` responses.
async fn responses(cfn: &CfnEndpoint, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let got = cfn.responses();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("CloudFormation got {:?}", cfn.responses());
}

const STREAM: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/logship-dev";

#[tokio::test]
async fn a_blank_setting_fails_the_custom_resource_instead_of_leaving_it_waiting() {
    let api = RuntimeApi::start().await;
    let cfn = CfnEndpoint::start().await;
    let lambda = Lambda::start(
        env!("CARGO_BIN_EXE_auto-subscribe"),
        &api,
        &[
            ("LOGSHIP_DESTINATION_ARN", STREAM),
            ("LOGSHIP_ROLE_ARN", ROLE_ARN),
            ("LOGSHIP_SHIPPER_LOG_GROUP", " "),
        ],
    );

    // Create: FAILED, naming the variable and the template parameter.
    let create = invoke(&api, &cfn.request("Create")).await;
    assert!(!create.is_response(), "{}", create.body_text());
    let error = create.json().expect("a JSON error");
    assert_eq!(error["errorType"], "logship_sar::Config", "{error}");
    assert_eq!(
        error["errorMessage"],
        "configuration: auto-subscribe: LOGSHIP_SHIPPER_LOG_GROUP is required \
         (template parameter ShipperLogGroupName)"
    );
    let answered = responses(&cfn, 1).await;
    let first = &answered[0];
    assert_eq!(first["Status"], "FAILED", "{first}");
    let reason = first["Reason"].as_str().expect("a reason");
    assert_eq!(
        reason,
        "invalid configuration: auto-subscribe: LOGSHIP_SHIPPER_LOG_GROUP is required \
         (template parameter ShipperLogGroupName)"
    );
    assert_eq!(first["LogicalResourceId"], "Sweep");

    // Update: FAILED too. Delete (the rollback): SUCCESS, or the stack could
    // never be deleted.
    invoke(&api, &cfn.request("Update")).await;
    let delete = invoke(&api, &cfn.request("Delete")).await;
    assert!(!delete.is_response());
    let answered = responses(&cfn, 3).await;
    assert_eq!(answered[1]["Status"], "FAILED");
    assert_eq!(answered[2]["Status"], "SUCCESS", "{}", answered[2]);
    assert!(
        answered[2]["Reason"]
            .as_str()
            .is_some_and(|r| r.contains("ShipperLogGroupName")),
        "{}",
        answered[2]
    );

    // Any other invocation fails with the same error, and nothing is answered.
    let sweep = invoke(&api, &json!({"action": "sweep"})).await;
    assert!(
        !sweep.is_response() && sweep.body_text().contains("ShipperLogGroupName"),
        "{}",
        sweep.body_text()
    );
    assert_eq!(cfn.responses().len(), 3);
    assert!(api.init_errors().is_empty());

    let logs = lambda.stop();
    assert!(
        logs.iter().any(|l| l["level"] == "ERROR"
            && l["error"]
                .as_str()
                .is_some_and(|e| e.contains("ShipperLogGroupName"))),
        "{logs:?}"
    );
}

#[tokio::test]
async fn set_retention_with_a_bad_retention_fails_the_custom_resource() {
    let api = RuntimeApi::start().await;
    let cfn = CfnEndpoint::start().await;
    let lambda = Lambda::start(
        env!("CARGO_BIN_EXE_set-retention"),
        &api,
        &[("LOGSHIP_RETENTION_DAYS", "8")],
    );
    invoke(&api, &cfn.request("Create")).await;
    let answered = responses(&cfn, 1).await;
    assert_eq!(answered[0]["Status"], "FAILED");
    let reason = answered[0]["Reason"].as_str().expect("a reason");
    assert!(
        reason.contains("LOGSHIP_RETENTION_DAYS") && reason.contains("RetentionInDays"),
        "{reason}"
    );
    lambda.stop();
}

#[tokio::test]
async fn a_full_group_is_warned_on_every_path() {
    let env = env_or_skip!();
    let endpoint = testkit::moto::endpoint().expect("moto is up");
    let stream = env.stream("logship").await;
    let other = env.stream("other").await;
    let third = env.stream("third").await;
    let full = env.group("app/full").await;
    env.add_filter(&full, "datadog", "", &other).await;
    env.add_filter(&full, "splunk", "", &third).await;

    let api = RuntimeApi::start().await;
    let lambda = Lambda::start(
        env!("CARGO_BIN_EXE_auto-subscribe"),
        &api,
        &[
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("LOGSHIP_DESTINATION_ARN", stream.as_str()),
            ("LOGSHIP_ROLE_ARN", ROLE_ARN),
            ("LOGSHIP_SHIPPER_LOG_GROUP", &env.name("shipper")),
            ("LOGSHIP_INCLUDE_PREFIXES", &env.prefix),
            ("LOGSHIP_DISTRIBUTION", "ByLogStream"),
        ],
    );
    for event in [
        json!({"action": "sweep"}),
        create_log_group_event(&full),
        json!({"action": "log-group", "logGroupName": full}),
    ] {
        let outcome = invoke(&api, &event).await;
        assert!(outcome.is_response(), "{event}: {}", outcome.body_text());
    }
    let logs = lambda.stop();
    let warnings: Vec<&Value> = logs
        .iter()
        .filter(|l| {
            l["level"] == "WARN"
                && l["log_group"] == full.as_str()
                && l["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("two foreign subscription filters"))
        })
        .collect();
    assert_eq!(warnings.len(), 3, "one per path: {logs:#?}");
    assert_eq!(
        env.filters(&full).await.len(),
        2,
        "foreign filters untouched"
    );
}
