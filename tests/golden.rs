//! Golden documents: one per message shape, compared with `tests/golden/*.json`.
//! Run with `UPDATE_GOLDEN=1` to rewrite them after an intended change, and review the diff.

use std::borrow::Cow;

use logship::decode::LogEvent;
use logship::document::{Document, Envelope};
use serde_json::Value;

const CASES: &[(&str, &str, &str)] = &[
    (
        "plain_text",
        "/ecs/checkout",
        "2024-11-19 07:06:40 INFO cart 42 updated\n",
    ),
    (
        "lambda_text_info",
        "/aws/lambda/orders",
        "2024-11-19T07:06:40.123Z\t6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\tINFO\tprocessed order 42\n",
    ),
    (
        "lambda_text_python",
        "/aws/lambda/orders",
        "[ERROR]\t2024-11-19T07:06:40.123Z\t6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\tKeyError: 'id'\n",
    ),
    (
        "lambda_text_json_body",
        "/aws/lambda/orders",
        "2024-11-19T07:06:40.123Z\treq-9\tWARN\t{\"order\":42,\"retry\":true}\n",
    ),
    (
        "lambda_start",
        "/aws/lambda/orders",
        "START RequestId: 6f1c2a4e-8b1d-4c3e-9f00-1234567890ab Version: $LATEST\n",
    ),
    (
        "lambda_end",
        "/aws/lambda/orders",
        "END RequestId: 6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\n",
    ),
    (
        "lambda_report_cold",
        "/aws/lambda/orders",
        "REPORT RequestId: 6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tInit Duration: 250.12 ms\t\n",
    ),
    (
        "lambda_report_warm",
        "/aws/lambda/orders",
        "REPORT RequestId: 6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 72 MB\t\n",
    ),
    (
        "json_app_log",
        "/aws/lambda/payments",
        "{\"level\":\"INFO\",\"message\":\"payment captured\",\"service\":\"payments\",\"amount\":1250,\"customer\":{\"id\":\"c-1\",\"tier\":\"gold\"},\"_routing\":\"x\"}\n",
    ),
    (
        "apigw_access",
        "/aws/apigateway/orders-api-access",
        "{\"requestId\":\"c3a1f0de-0b8e-4c9a-8f1e-1e2d3c4b5a69\",\"ip\":\"10.1.2.3\",\"httpMethod\":\"GET\",\"routeKey\":\"/orders/{id}\",\"status\":\"200\",\"responseLength\":\"512\"}",
    ),
    (
        "vpc_flow",
        "/vpc/flow-logs",
        "2 123456789012 eni-0a1b2c3d4e5f67890 10.0.1.5 10.0.2.9 443 49152 6 10 840 1732000000 1732000060 ACCEPT OK",
    ),
    (
        "stack_trace",
        "/ecs/checkout",
        "2024-11-19 07:06:40 ERROR payment failed\njava.net.SocketTimeoutException: Read timed out\n\tat com.acme.PaymentClient.charge(PaymentClient.java:88)\n",
    ),
    ("json_array_stays_text", "/ecs/checkout", "[1,2,3]"),
];

#[test]
fn documents_match_the_golden_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for (name, group, message) in CASES {
        let env = Envelope {
            owner: "123456789012",
            log_group: group,
            log_stream: "2024/11/19/[$LATEST]0123456789abcdef",
            region: "eu-west-1",
        };
        let doc = Document::new(
            &env,
            LogEvent {
                id: Cow::Borrowed("38640559361766155428823815460346476376307409016000364544"),
                timestamp: 1_732_000_000_123,
                message: Cow::Borrowed(message),
            },
            false,
        );
        let mut out = Vec::new();
        doc.write_json(&env, &mut out, true, None);
        let got: Value = serde_json::from_slice(&out).expect("valid JSON");
        let path = dir.join(format!("{name}.json"));
        if update {
            let pretty = serde_json::to_string_pretty(&got).expect("json") + "\n";
            std::fs::write(&path, pretty).expect("write golden");
            continue;
        }
        let want: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
            .unwrap_or(Value::Null);
        if got != want {
            mismatches.push(format!("{name}:\n got  {got}\n want {want}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "golden mismatches (UPDATE_GOLDEN=1 to rewrite):\n{}",
        mismatches.join("\n")
    );
}
