//! The dispatcher: plain lines stay plain, every shape is reached, nothing panics.

use std::time::Instant;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;

#[test]
fn plain_lines_are_not_shaped() {
    for line in [
        "",
        "\n",
        "Processing order 42 for customer 7",
        "hello world",
        "[ERROR]\t2024-01-01T00:00:00.123Z\treq-1\tLambda's Python text format",
        "START RequestId: r-1 Version: $LATEST",
        "END RequestId: r-1",
        "REPORT RequestId: r-1\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 7 MB\t",
        "2024-01-01T00:00:00.123Z\treq-1\tINFO\tLambda's Node.js text format",
        "   indented text",
        "{}",
        "[1,2,3]",
        "é accented start",
        "🎉 party",
    ] {
        assert!(understand("/aws/lambda/orders", line).is_none(), "{line:?}");
    }
}

#[test]
fn trailing_newline_is_ignored() {
    let s = understand("/ecs/x", "ERROR:root:boom\n").expect("python");
    assert_eq!(s.message, "boom");
}

#[test]
fn datasets_by_group() {
    assert_eq!(dataset_for_group("/aws/lambda/orders"), "aws.lambda");
    assert_eq!(
        dataset_for_group("API-Gateway-Execution-Logs_a1b2/prod"),
        "aws.apigateway"
    );
    assert_eq!(
        dataset_for_group("aws-cloudtrail-logs-1234"),
        "aws.cloudtrail"
    );
    assert_eq!(dataset_for_group("/ecs/web"), "aws.cloudwatch_logs");
    let s = understand("/aws/lambda/orders", "WARNING:root:x").expect("python");
    assert_eq!(s.dataset, "aws.lambda");
}

#[test]
fn put_and_merge_nest_dotted_names() {
    let mut m = Map::new();
    put(&mut m, "source.ip", json!("10.0.0.1"));
    put(&mut m, "source.port", json!(22));
    put(&mut m, "top", json!(1));
    put(&mut m, "top.below", json!(2)); // `top` is not an object: left alone
    assert_eq!(
        Value::Object(m.clone()),
        json!({"source":{"ip":"10.0.0.1","port":22},"top":1})
    );
    let mut envelope = json!({"cloud":{"provider":"aws","region":"eu-west-1"},"aws":{"cloudwatch":{"log_group":"g"}}});
    let Value::Object(env) = &mut envelope else {
        unreachable!()
    };
    merge(
        env,
        json!({"cloud":{"region":"us-east-1"},"aws":{"vpcflow":{"version":"2"}}})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    assert_eq!(
        envelope,
        json!({"cloud":{"provider":"aws","region":"us-east-1"},"aws":{"cloudwatch":{"log_group":"g"},"vpcflow":{"version":"2"}}})
    );
}

#[test]
fn snake_case_names() {
    for (from, to) in [
        ("sourceIPAddress", "source_ip_address"),
        ("ARN", "arn"),
        ("log-status", "log_status"),
        ("memorySizeMB", "memory_size_mb"),
        ("maxMemoryUsedMB", "max_memory_used_mb"),
        ("requestID", "request_id"),
        ("already_snake", "already_snake"),
        ("pkt-src-aws-service", "pkt_src_aws_service"),
    ] {
        assert_eq!(snake(from), to);
    }
}

#[test]
fn rfc3339_seconds() {
    assert_eq!(rfc3339_secs(0).as_deref(), Some("1970-01-01T00:00:00Z"));
    assert_eq!(
        rfc3339_secs(951_782_400).as_deref(),
        Some("2000-02-29T00:00:00Z")
    );
    assert_eq!(rfc3339_secs(i64::MAX), None);
}

/// Lines of every shape, for the property tests to mutate.
const SEEDS: &[&str] = &[
    r#"{"timestamp":"2026-11-27T10:00:02.123Z","level":"ERROR","requestId":"r","message":"m"}"#,
    r#"{"time":"t","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":1.5}}}"#,
    r#"{"eventVersion":"1.09","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"Root"}}"#,
    r#"{"requestId":"r","ip":"1.2.3.4","httpMethod":"GET","status":"200"}"#,
    "2 123456789010 eni-1 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
    "<165>1 2026-11-27T10:00:02.003Z host app 1 ID47 [id a=\"b\"] msg",
    "<38>Nov  7 10:00:02 host sshd[1234]: msg",
    "2026-11-27 10:00:02,123 ERROR [main] com.acme.App - boom",
    "2026-11-27T10:00:02.123Z  WARN 1 --- [main] c.a.App : msg",
    "ERROR:root:msg",
    r#"level=warn msg="disk almost full" disk=/dev/xvda1"#,
    r#"1.2.3.4 - - [27/Nov/2026:10:00:02 +0000] "GET / HTTP/1.1" 200 12 id"#,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(line in "\\PC{0,200}", group in "[/a-zA-Z_-]{0,30}") {
        if let Some(s) = understand(&group, &line) {
            prop_assert!(!s.message.is_empty(), "empty message for {line:?}");
        }
    }

    #[test]
    fn cut_and_spliced_seeds_never_panic(seed in 0..SEEDS.len(), cut in 0usize..200, insert in "\\PC{0,8}") {
        let s = SEEDS[seed];
        let mut at = cut.min(s.len());
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        for line in [s[..at].to_owned(), format!("{}{insert}{}", &s[..at], &s[at..])] {
            if let Some(shaped) = understand("/aws/lambda/x", &line) {
                prop_assert!(!shaped.message.is_empty(), "empty message for {line:?}");
            }
        }
    }

    #[test]
    fn arbitrary_bytes_of_structure_never_panic(line in "[<>0-9 \\[\\]\"=:{}a-zA-Z.,\\\\-]{0,120}") {
        if let Some(s) = understand("/g", &line) {
            prop_assert!(!s.message.is_empty());
        }
    }
}

#[test]
fn seeds_are_all_shaped() {
    for seed in SEEDS {
        assert!(understand("/aws/lambda/x", seed).is_some(), "{seed}");
    }
}

/// `cargo test --lib shape::tests::cost -- --ignored --nocapture`: the cost of
/// `understand` per line, plain and shaped.
#[test]
#[ignore]
fn cost() {
    let plain = "Processing order 42 for customer 7 took 18 ms and wrote 3 rows";
    let digits = "42 orders processed in the last minute by worker-3";
    // Baseline: what every document pays anyway, writing its message as a JSON string.
    let n = 200_000;
    let mut out = Vec::with_capacity(256);
    let start = Instant::now();
    for _ in 0..n {
        out.clear();
        let _ = serde_json::to_writer(&mut out, std::hint::black_box(plain));
    }
    let per = start.elapsed().as_nanos() as f64 / f64::from(n);
    println!("{:>30}: {per:8.1} ns/line", "baseline: message to JSON");
    for (name, line) in [
        ("plain text", plain),
        ("plain starting with a digit", digits),
    ]
    .into_iter()
    .chain(SEEDS.iter().map(|s| ("shaped", *s)))
    {
        let n = 200_000;
        let start = Instant::now();
        let mut hits = 0;
        for _ in 0..n {
            hits += usize::from(
                understand(std::hint::black_box("/ecs/web"), std::hint::black_box(line)).is_some(),
            );
        }
        let per = start.elapsed().as_nanos() as f64 / f64::from(n);
        println!(
            "{name:>30}: {per:8.1} ns/line ({hits} shaped) {}",
            &line[..line.len().min(40)]
        );
    }
}

/// Two keys of a line that name one field keep both values.
#[test]
fn no_value_of_a_line_is_lost() {
    // logfmt: `err` and `error`; a key written twice.
    let s = understand("/ecs/x", "level=error err=boom error=bang msg=n a=1 a=2").expect("logfmt");
    assert_eq!(s.fields["error"]["message"], "boom");
    assert_eq!(s.app["error"], "bang");
    assert_eq!(s.app["a"], json!(["1", "2"]));
    // JSON: a `hostname`, `pid`, `name` or `target` that is not what the field holds.
    let s = understand(
        "/ecs/x",
        r#"{"level":"info","message":"x","hostname":{"a":1},"pid":"p","v":0,"name":{"n":1}}"#,
    )
    .expect("json");
    assert_eq!(s.app["hostname"], json!({"a": 1}));
    assert_eq!(s.app["pid"], "p");
    assert_eq!(s.app["name"], json!({"n": 1}));
    assert!(s.fields.get("host").is_none());
    // `exception` and pino's `err.stack`: the first is the stack trace, the
    // other stays the line's own; the rest of `err` stays under `err`.
    let s = understand(
        "/ecs/x",
        r#"{"level":"error","message":"x","exception":"E1","err":{"message":"m","stack":"E2","code":"ECONN"},"errorType":"T1","exception_name":"T2"}"#,
    )
    .expect("json");
    assert_eq!(s.fields["error"]["stack_trace"], "E1");
    assert_eq!(s.fields["error"]["message"], "m");
    assert_eq!(s.fields["error"]["type"], "T1");
    assert_eq!(s.app["err"], json!({"stack": "E2", "code": "ECONN"}));
    assert_eq!(s.app["exception_name"], "T2");
}

/// What an outside check of the shapes found, each held.
#[test]
fn outside_check_findings_hold() {
    // Lambda: a second request id key stays the line's own; an error with
    // no message gives the message; Python's frames are not doubled.
    let s = understand(
        "/aws/lambda/f",
        r#"{"level":"error","requestId":"r1","function_request_id":"r2","errorType":"TypeError","errorMessage":"x is not a function","stackTrace":["  File \"a.py\", line 3\n","  File \"b.py\", line 1\n"]}"#,
    )
    .expect("lambda json");
    assert_eq!(s.fields["aws"]["lambda"]["request_id"], "r1");
    assert_eq!(s.app["function_request_id"], "r2");
    assert_eq!(s.message, "x is not a function");
    assert_eq!(
        s.fields["error"]["stack_trace"],
        "  File \"a.py\", line 3\n  File \"b.py\", line 1\n"
    );
    // Platform events: the trace header kept, a metric that is no number kept as text.
    let s = understand(
        "/aws/lambda/f",
        r#"{"time":"2026-11-27T10:00:00Z","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":"fast","billedDurationMs":2},"tracing":{"spanId":"s1","type":"X-Amzn-Trace-Id","value":"Root=1-a-b;Parent=p1;Sampled=1"}}}"#,
    )
    .expect("platform");
    let l = &s.fields["aws"]["lambda"];
    assert_eq!(l["report"]["invalid_metrics"]["duration_ms"], "fast");
    assert!(l["report"].get("duration_ms").is_none());
    assert_eq!(l["tracing"]["value"], "Root=1-a-b;Parent=p1;Sampled=1");
    // CloudTrail: an empty errorCode is no failure.
    let s = understand(
        "CloudTrail/x",
        r#"{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":""}"#,
    )
    .expect("cloudtrail");
    assert_eq!(s.fields["event"]["outcome"], "success");
    // A JSON line after a newline is still a JSON line.
    let s = understand("/ecs/x", "\n{\"level\":\"warn\",\"msg\":\"leading nl\"}").expect("json");
    assert_eq!(s.level.as_deref(), Some("warn"));
    assert_eq!(s.message, "leading nl");
    // A repeated JSON key keeps both values.
    let s = understand("/ecs/x", r#"{"level":"info","msg":"a","k":1,"k":2}"#).expect("json");
    assert_eq!(s.app["k"], json!([1, 2]));
    // API Gateway: a field kept as it came is text whatever the template wrote.
    let s = understand(
        "/aws/apigateway/x",
        r#"{"requestId":"a","httpMethod":"GET","status":"200","responseLength":-1,"stage":7}"#,
    )
    .expect("access");
    assert_eq!(s.fields["aws"]["apigateway"]["response_length"], "-1");
    assert_eq!(s.fields["aws"]["apigateway"]["stage"], "7");
    // VPC: a byte count over 64 bits is no flow record.
    let line = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 99999999999999999999 1418530010 1418530070 ACCEPT OK";
    assert!(understand("/vpc/x", line).is_none());
    // Floats are read as written.
    let s = understand(
        "/ecs/x",
        r#"{"level":"info","msg":"t","created":1764269564.1263897}"#,
    )
    .expect("json");
    assert_eq!(s.app["created"].to_string(), "1764269564.1263897");
}

/// What a second outside check found, each held.
#[test]
fn second_outside_check_findings_hold() {
    // Platform events: a future event named like a value of `aws.lambda`
    // stays apart; values of the wrong type stay under the event.
    let s = understand(
        "/aws/lambda/f",
        r#"{"type":"platform.status","record":{"x":1}}"#,
    )
    .expect("platform");
    assert_eq!(s.fields["aws"]["lambda"]["event"], "status");
    assert_eq!(s.fields["aws"]["lambda"]["platform_status"]["x"], 1);
    let s = understand(
        "/aws/lambda/f",
        r#"{"type":"platform.initStart","record":{"functionName":{"x":1},"instanceMaxMemory":"big"}}"#,
    )
    .expect("platform");
    assert!(s.fields.get("faas").is_none());
    assert_eq!(
        s.fields["aws"]["lambda"]["init_start"]["function_name"]["x"],
        1
    );
    assert_eq!(
        s.fields["aws"]["lambda"]["init_start"]["instance_max_memory"],
        "big"
    );
    let s = understand(
        "/aws/lambda/f",
        r#"{"type":"platform.logsDropped","record":{"reason":"r","droppedRecords":"many","droppedBytes":-1}}"#,
    )
    .expect("platform");
    let d = &s.fields["aws"]["lambda"]["logs_dropped"];
    assert_eq!(d["dropped_records"], "many");
    assert_eq!(d["dropped_bytes"], -1);
    assert!(d.get("records").is_none());
    assert_eq!(
        s.message,
        "platform.logsDropped: ? records (? bytes) dropped: r"
    );
    // CloudTrail look-alike: no object reaches cloud.* or user_agent.
    let s = understand(
        "/ecs/app",
        r#"{"eventVersion":"1.08","eventSource":"myapp","eventName":"Click","awsRegion":{"zone":"a"},"userAgent":{"b":"x"},"errorCode":{"c":1}}"#,
    )
    .expect("cloudtrail");
    assert!(s.fields.get("cloud").is_none());
    assert!(s.fields.get("user_agent").is_none());
    assert_eq!(
        s.fields["aws"]["cloudtrail"]["aws_region"],
        r#"{"zone":"a"}"#
    );
    assert_eq!(s.fields["event"]["outcome"], "failure");
    // logfmt: a level that names none stays a field.
    let s = understand("/ecs/x", r#"level="" msg=x"#).expect("logfmt");
    assert_eq!(s.app["level"], "");
    // Syslog: a priority with a leading zero is none.
    assert!(
        understand(
            "/var/log/messages",
            "<034>1 2026-11-27T10:00:00Z h a - - - m"
        )
        .is_none()
    );
    // Empty keys get a name Elasticsearch takes, even when `_empty` is taken.
    let s = understand(
        "CloudTrail/x",
        r#"{"eventVersion":"1.08","eventSource":"s","eventName":"n","":"top","_empty":"t2"}"#,
    )
    .expect("cloudtrail");
    assert_eq!(s.fields["aws"]["cloudtrail"]["_empty"], "t2");
    assert_eq!(s.fields["aws"]["cloudtrail"]["_empty_2"], "top");
}
