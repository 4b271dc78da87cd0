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
    (
        "container_record",
        "/aws/containerinsights/prod/application",
        "{\"log\":\"GET /healthz 200\\n\",\"stream\":\"stdout\",\"time\":\"2024-11-19T07:06:40.123Z\",\"kubernetes\":{\"pod_name\":\"web-7d4b9\",\"namespace_name\":\"shop\",\"labels\":{\"app\":\"web\",\"app.kubernetes.io/name\":\"web\"}}}",
    ),
    (
        "keys_that_name_one_field",
        "/ecs/checkout",
        "{\"level\":\"info\",\"msg\":\"cart\",\"a\":1,\"a.b\":2,\"k\":1,\"k\":2,\"exception\":\"E1\",\"err\":{\"stack\":\"E2\",\"message\":\"m\"},\"http\":{\"response\":200},\"\":\"empty\"}",
    ),
    (
        "apigw_colliding_keys",
        "/aws/apigateway/orders-api-access",
        "{\"requestId\":\"r1\",\"httpMethod\":\"GET\",\"status\":\"200\",\"integrationLatency\":\"10\",\"integration_latency_ms\":\"6\",\"stage\":7,\"Stage\":\"prod\"}",
    ),
    (
        "lambda_report_timeout",
        "/aws/lambda/orders",
        "REPORT RequestId: 6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 72 MB\tStatus: timeout\n",
    ),
    (
        "spring_boot_correlation",
        "/ecs/checkout",
        "2024-11-19T07:06:40.123Z ERROR 1 --- [checkout] [nio-8080-exec-1] [4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7] c.a.c.PaymentClient : payment timed out",
    ),
    // Lambda's JSON log format (advanced logging controls) and Powertools.
    (
        "lambda_json_app",
        "/aws/lambda/orders",
        "{\"timestamp\":\"2024-11-19T07:06:40.123Z\",\"level\":\"INFO\",\"requestId\":\"6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\",\"message\":\"order 42 accepted\"}\n",
    ),
    (
        "lambda_powertools",
        "/aws/lambda/payments",
        "{\"level\":\"WARN\",\"location\":\"handler:17\",\"message\":\"retrying payment\",\"timestamp\":\"2024-11-19 07:06:40,123+0000\",\"service\":\"payments\",\"cold_start\":true,\"function_name\":\"payments\",\"function_memory_size\":256,\"function_arn\":\"arn:aws:lambda:eu-west-1:123456789012:function:payments\",\"function_request_id\":\"0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6\",\"xray_trace_id\":\"1-673c3a10-5f4e3d2c1b0a998877665544\",\"attempt\":2}",
    ),
    (
        "lambda_platform_report",
        "/aws/lambda/orders",
        "{\"time\":\"2024-11-19T07:06:40.123Z\",\"type\":\"platform.report\",\"record\":{\"requestId\":\"6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\",\"metrics\":{\"durationMs\":102.25,\"billedDurationMs\":103,\"memorySizeMB\":128,\"maxMemoryUsedMB\":71,\"initDurationMs\":250.12},\"status\":\"success\"}}",
    ),
    (
        "lambda_platform_start",
        "/aws/lambda/orders",
        "{\"time\":\"2024-11-19T07:06:40.000Z\",\"type\":\"platform.start\",\"record\":{\"requestId\":\"6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\",\"version\":\"$LATEST\"}}",
    ),
    (
        "lambda_platform_init_report",
        "/aws/lambda/orders",
        "{\"time\":\"2024-11-19T07:06:39.800Z\",\"type\":\"platform.initReport\",\"record\":{\"initializationType\":\"on-demand\",\"phase\":\"init\",\"status\":\"success\",\"metrics\":{\"durationMs\":250.12}}}",
    ),
    (
        "lambda_platform_logs_dropped",
        "/aws/lambda/orders",
        "{\"time\":\"2024-11-19T07:06:41.000Z\",\"type\":\"platform.logsDropped\",\"record\":{\"reason\":\"consumer could not keep up\",\"droppedRecords\":12,\"droppedBytes\":4096}}",
    ),
    // Text layouts of common frameworks, and logfmt.
    (
        "logback",
        "/ecs/orders",
        "2024-11-19 07:06:40,123 ERROR [main] com.acme.orders.OrderService - payment gateway timed out",
    ),
    (
        "spring_boot",
        "/ecs/orders",
        "2024-11-19T07:06:40.123Z  WARN 1 --- [orders] [nio-8080-exec-3] c.a.orders.web.OrderController          : slow request 1840 ms",
    ),
    (
        "python_logging",
        "/ecs/payments",
        "ERROR:payments.worker:charge failed for order 42",
    ),
    (
        "go_slog_text",
        "/ecs/disk-agent",
        "time=2024-11-19T07:06:40.123Z level=WARN msg=\"disk almost full\" disk=/dev/xvda1 used_pct=91",
    ),
    (
        "logfmt",
        "/ecs/disk-agent",
        "level=warn msg=\"disk almost full\" disk=/dev/xvda1",
    ),
    (
        "rust_tracing",
        "/ecs/orders-api",
        "2024-11-19T07:06:40.123456Z  INFO orders::api: request served status=200 latency_ms=12",
    ),
    (
        "pino",
        "/ecs/gateway",
        "{\"level\":50,\"time\":1732000000123,\"pid\":8,\"hostname\":\"ip-10-0-1-5\",\"msg\":\"upstream refused\",\"err\":{\"type\":\"Error\",\"message\":\"connect ECONNREFUSED\",\"stack\":\"Error: connect ECONNREFUSED\\n    at connect (net.js:1:1)\"}}",
    ),
    // VPC flow logs: a record without data, and a malformed look-alike.
    (
        "vpc_flow_nodata",
        "/vpc/flow-logs",
        "2 123456789012 eni-0a1b2c3d4e5f67890 - - - - - - - 1732000000 1732000060 - NODATA",
    ),
    (
        "vpc_flow_wrong_count_stays_text",
        "/vpc/flow-logs",
        "2 123456789012 eni-0a1b2c3d4e5f67890 10.0.1.5 10.0.2.9 443",
    ),
    // CloudTrail through CloudWatch Logs.
    (
        "cloudtrail_denied",
        "aws-cloudtrail-logs-123456789012-0a1b2c3d",
        "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":\"AROAEXAMPLEROLEID:alice\",\"arn\":\"arn:aws:sts::123456789012:assumed-role/Admin/alice\",\"accountId\":\"123456789012\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"userName\":\"Admin\"},\"attributes\":{\"creationDate\":\"2024-11-19T06:00:00Z\",\"mfaAuthenticated\":\"true\"}}},\"eventTime\":\"2024-11-19T07:06:40Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"DeleteBucket\",\"awsRegion\":\"eu-west-1\",\"sourceIPAddress\":\"203.0.113.7\",\"userAgent\":\"aws-cli/2.15.0\",\"errorCode\":\"AccessDenied\",\"errorMessage\":\"Access Denied\",\"requestParameters\":{\"bucketName\":\"orders-archive\"},\"responseElements\":null,\"requestID\":\"EXAMPLE123\",\"eventID\":\"0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5\",\"readOnly\":false,\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\"recipientAccountId\":\"444455556666\",\"eventCategory\":\"Management\"}",
    ),
    // API Gateway access log in the common log format.
    (
        "apigw_clf",
        "/aws/apigateway/orders-api-access",
        "203.0.113.7 - - [19/Nov/2024:07:06:40 +0000] \"GET /orders/42 HTTP/1.1\" 404 27 c3a1f0de-0b8e-4c9a-8f1e-1e2d3c4b5a69",
    ),
    // Syslog from the CloudWatch agent.
    (
        "syslog_3164",
        "/ec2/var/log/secure",
        "<34>Nov 19 07:06:40 web-1 sshd[4242]: Failed password for invalid user admin from 203.0.113.7 port 52211 ssh2",
    ),
    (
        "syslog_5424",
        "/onprem/syslog",
        "<165>1 2024-11-19T07:06:40.123Z web-1.example.com orders 4242 ID47 [origin@32473 ip=\"10.0.1.5\"] order 42 shipped",
    ),
    (
        "syslog_without_pri",
        "/ec2/var/log/messages",
        "Nov 19 07:06:40 ip-10-0-1-5 systemd[1]: Started Session 42 of user ec2-user.",
    ),
    // Keys and events that must not take a document field's name or type.
    (
        "json_dotted_keys_go_under_json",
        "/ecs/orders",
        "{\"level\":\"info\",\"msg\":\"dotted\",\"log.level\":\"bogus\",\"cloud.region\":\"moon\",\"event.id\":\"evil\",\"\":\"empty\",\"http.route\":\"/x\"}",
    ),
    (
        "lambda_platform_unknown_event",
        "/aws/lambda/orders",
        "{\"time\":\"2024-11-19T07:06:41.000Z\",\"type\":\"platform.futureThing\",\"record\":{\"status\":{\"code\":1},\"event\":{\"a\":1},\"report\":\"str\",\"request_id\":5,\"version\":\"3\"}}",
    ),
    (
        "rust_tracing_json",
        "/ecs/orders-api",
        "{\"timestamp\":\"2024-11-19T07:06:40.123456Z\",\"level\":\"INFO\",\"fields\":{\"message\":\"listening\",\"port\":8080},\"target\":\"orders::server\"}",
    ),
    (
        "logfmt_heroku_router",
        "/ecs/router",
        "at=info method=GET path=/ host=orders.example.com status=200 bytes=1234",
    ),
    (
        "lambda_text_lowercase_level",
        "/aws/lambda/orders",
        "2024-11-19T07:06:40.123Z\t6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\tinfo\tprocessed order 42",
    ),
    (
        "syslog_lookalike_stays_text",
        "/ec2/var/log/messages",
        "<not a priority> hello",
    ),
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
                extracted_fields: None,
            },
            false,
        );
        let mut out = Vec::new();
        doc.write_json(&env, &mut out, true, None);
        if let Err(e) = unique_keys(&out) {
            mismatches.push(format!("{name}: {e}"));
        }
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

/// Fails on an object with a key written twice: `serde_json::Value` keeps the
/// last silently, Elasticsearch refuses the whole document.
fn unique_keys(json: &[u8]) -> Result<(), String> {
    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    struct Check;
    impl<'de> Deserialize<'de> for Check {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Check)
        }
    }
    impl<'de> Visitor<'de> for Check {
        type Value = Check;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Check, A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(k) = m.next_key::<String>()? {
                if !seen.insert(k.clone()) {
                    return Err(de::Error::custom(format!("duplicate key {k:?}")));
                }
                m.next_value::<Check>()?;
            }
            Ok(Check)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Check, A::Error> {
            while s.next_element::<Check>()?.is_some() {}
            Ok(Check)
        }
        fn visit_str<E>(self, _: &str) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_unit<E>(self) -> Result<Check, E> {
            Ok(Check)
        }
    }
    serde_json::from_slice::<Check>(json)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A centralized account's subscription filter emits the source account and
/// region per event (`emitSystemFields`): they become `cloud.*`, the
/// subscription's own are kept under `aws.cloudwatch`, nothing is written twice.
#[test]
fn system_fields_name_the_source_account_and_region() {
    let env = Envelope {
        owner: "999988887777",
        log_group: "/aws/lambda/orders",
        log_stream: "2024/11/19/[$LATEST]0123456789abcdef",
        region: "eu-west-1",
    };
    let extracted: serde_json::Map<String, Value> = serde_json::from_str(
        r#"{"@aws.account":"444455556666","@aws.region":"ap-southeast-2","@source.log":"444455556666:/aws/lambda/orders","user":"c-1"}"#,
    )
    .expect("json");
    let doc = Document::new(
        &env,
        LogEvent {
            id: Cow::Borrowed("7"),
            timestamp: 1_732_000_000_123,
            message: Cow::Borrowed(
                "{\"level\":\"info\",\"message\":\"hello\",\"requestId\":\"r-1\"}",
            ),
            extracted_fields: Some(Box::new(extracted)),
        },
        false,
    );
    let mut out = Vec::new();
    doc.write_json(&env, &mut out, false, None);
    unique_keys(&out).expect("no key twice");
    let v: Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(v["cloud"]["account"]["id"], "444455556666");
    assert_eq!(v["cloud"]["region"], "ap-southeast-2");
    assert_eq!(v["cloud"]["provider"], "aws");
    assert_eq!(v["aws"]["cloudwatch"]["owner"], "999988887777");
    assert_eq!(v["aws"]["cloudwatch"]["region"], "eu-west-1");
    assert_eq!(v["aws"]["cloudwatch"]["log_group"], "/aws/lambda/orders");
    assert_eq!(
        v["aws"]["cloudwatch"]["source_log"],
        "444455556666:/aws/lambda/orders"
    );
    assert_eq!(v["aws"]["cloudwatch"]["extracted_fields"]["user"], "c-1");
    assert_eq!(v["aws"]["lambda"]["request_id"], "r-1");
    assert_eq!(v["faas"]["name"], "orders");
    assert_eq!(v["message"], "hello");
}

/// A subscription filter's extracted fields come from outside the line: they
/// are masked whatever the line holds.
#[test]
fn extracted_fields_are_masked() {
    let env = Envelope {
        owner: "123456789012",
        log_group: "/ecs/orders",
        log_stream: "s",
        region: "eu-west-1",
    };
    let extracted: serde_json::Map<String, Value> =
        serde_json::from_str(r#"{"password":"Xf7S3cretPassw0rd","user":"svc"}"#).expect("json");
    let mut doc = Document::new(
        &env,
        LogEvent {
            id: Cow::Borrowed("1"),
            timestamp: 1_732_000_000_123,
            message: Cow::Borrowed("user svc logged in with Xf7S3cretPassw0rd"),
            extracted_fields: Some(Box::new(extracted)),
        },
        false,
    );
    let masker = logship::mask::Masker::new(&logship::mask::MaskConfig::default()).expect("masker");
    let masked =
        logship::mask::mask_document(&masker, &mut doc, &mut logship::mask::MaskCounts::default());
    assert_eq!(masked, 1);
    let mut out = Vec::new();
    doc.write_json(&env, &mut out, false, None);
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains("Xf7S3cretPassw0rd"), "{text}");
    assert!(text.contains("\"user\":\"svc\""), "{text}");
}

/// A document over the line limit keeps the line as it came (its message,
/// cut if it must be), with `event.original` asked for or not.
#[test]
fn an_oversized_document_keeps_its_line() {
    use logship::encode::{Encoder, Format, Limits};
    let env = Envelope {
        owner: "123456789012",
        log_group: "/ecs/orders",
        log_stream: "s",
        region: "eu-west-1",
    };
    let line = format!(
        r#"{{"level":"info","msg":"big","blob":"{}"}}"#,
        "y".repeat(6000)
    );
    for keep_original in [false, true] {
        let doc = Document::new(
            &env,
            LogEvent {
                id: Cow::Borrowed("1"),
                timestamp: 1_732_000_000_123,
                message: Cow::Borrowed(&line),
                extracted_fields: None,
            },
            false,
        );
        let limits = Limits {
            max_line_bytes: 10_000,
            ..Limits::default()
        };
        let mut enc = Encoder::new(Format::Ndjson { with_id: false }, limits)
            .with_keep_original(keep_original);
        assert!(enc.push(0, &doc, &env.json()).is_none());
        let body = enc.flush().expect("a body");
        let v: Value = serde_json::from_slice(body.bytes.trim_ascii_end()).expect("json");
        if keep_original {
            // With event.original the line no longer fits: it becomes the message.
            assert_eq!(v["message"], line.as_str(), "{keep_original}");
            assert_eq!(v["logship"]["truncated"], true);
            assert!(v.get("blob").is_none());
        } else {
            assert_eq!(v["message"], "big");
            assert_eq!(v["blob"].as_str().map(str::len), Some(6000));
        }
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Lines that start like the shapes do, then go anywhere.
    fn line() -> impl Strategy<Value = String> {
        let tail = "[ -~\\t\\n\"\\\\{}=:<>\\[\\]é]{0,120}";
        prop_oneof![
            any::<String>(),
            tail.prop_map(|t| t),
            (0u16..200, tail).prop_map(|(p, t)| format!("<{p}>{t}")),
            (0u16..200, tail)
                .prop_map(|(p, t)| format!("<{p}>1 2024-11-19T07:06:40Z h a 1 - - {t}")),
            tail.prop_map(|t| format!("2 123456789012 eni-1 {t}")),
            tail.prop_map(|t| format!("{{\"level\":\"info\",\"msg\":{t}")),
            (tail, tail).prop_map(|(a, b)| format!(
                "{{\"{a}\":\"{b}\",\"message\":\"m\",\"log.level\":1}}"
            )),
            tail.prop_map(|t| format!("{{\"type\":\"platform.report\",\"record\":{t}}}")),
            tail.prop_map(|t| format!(
                "{{\"eventVersion\":\"1.09\",\"eventSource\":\"s\",\"eventName\":\"n\",{t}}}"
            )),
            tail.prop_map(|t| format!("2024-11-19T07:06:40.123Z\treq\tINFO\t{t}")),
            tail.prop_map(|t| format!("2024-11-19 07:06:40,123 ERROR [main] a.B - {t}")),
            tail.prop_map(|t| format!("level=warn msg={t}")),
            tail.prop_map(|t| format!("Nov 19 07:06:40 host app[1]: {t}")),
            tail.prop_map(|t| format!("1.2.3.4 - - [19/Nov/2024:07:06:40 +0000] \"GET {t}")),
        ]
    }

    fn group() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("/aws/lambda/orders"),
            Just("/vpc/flow-logs"),
            Just("aws-cloudtrail-logs-1"),
            Just("/aws/apigateway/a"),
            Just("/ec2/var/log/messages"),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        /// Any line of any group gives one document that is valid JSON with
        /// no key twice, a message that is never empty for a non-empty line,
        /// and survives masking and a tight line limit.
        #[test]
        fn every_line_gives_one_well_formed_document(
            line in line(),
            group in group(),
            keep_original in any::<bool>(),
            max_line in 1024usize..4096,
        ) {
            let env = Envelope {
                owner: "123456789012",
                log_group: group,
                log_stream: "s",
                region: "eu-west-1",
            };
            let mut doc = Document::new(
                &env,
                LogEvent {
                    id: Cow::Borrowed("1"),
                    timestamp: 1_732_000_000_123,
                    message: Cow::Borrowed(&line),
                    extracted_fields: None,
                },
                false,
            );
            let trimmed = line.trim_end_matches(['\n', '\r']);
            prop_assert!(trimmed.is_empty() || !doc.message.trim().is_empty() || trimmed.trim().is_empty());
            prop_assert_eq!(doc.full_text(), trimmed);
            let masker = logship::mask::Masker::new(&logship::mask::MaskConfig::default())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            logship::mask::mask_document(&masker, &mut doc, &mut logship::mask::MaskCounts::default());
            let limits = logship::encode::Limits { max_line_bytes: max_line, ..logship::encode::Limits::default() };
            let mut enc = logship::encode::Encoder::new(logship::encode::Format::Ndjson { with_id: false }, limits)
                .with_keep_original(keep_original);
            prop_assert!(enc.push(0, &doc, &env.json()).is_none());
            let body = enc.flush().ok_or_else(|| TestCaseError::fail("no body"))?;
            let text = body.bytes.trim_ascii_end();
            prop_assert!(text.len() <= max_line + 1, "line of {} bytes over {}", text.len(), max_line);
            if let Err(e) = unique_keys(text) {
                return Err(TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(text))));
            }
        }
    }
}
