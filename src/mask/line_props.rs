//! Property tests of the clean-line shortcut of document masking: a document
//! whose line the text rules leave alone is not read field by field
//! ([`crate::mask::mask_document`]); the general path reads the line and
//! the tree of its fields as one. For arbitrary lines of the shapes whose
//! fields are slices of the line (VPC flow records, API Gateway's common log
//! format, syslog) and others (JSON, API Gateway's JSON layout, Lambda's text
//! format), with and without
//! secrets, both must give the same document, byte for byte, and the same
//! counts; and a document whose fields were written as JSON directly must be
//! written as the same bytes as from its tree.

use std::borrow::Cow;

use proptest::prelude::*;

use super::*;
use crate::decode::LogEvent;
use crate::document::{Document, Envelope, LineOptions, RecordDocs, Shaping};
use crate::mask::{mask_document, mask_document_general};
use crate::shape::{FlowFormat, Shaper};

const CUSTOM: &str = "${version} ${vpc-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status} ${flow-direction}";

fn maskers() -> &'static [Masker] {
    static MASKERS: std::sync::OnceLock<Vec<Masker>> = std::sync::OnceLock::new();
    MASKERS.get_or_init(|| {
        let configs = [
            MaskConfig::default(),
            MaskConfig {
                enabled_opt_in: vec![Rule::Email, Rule::Ip],
                ..MaskConfig::default()
            },
            MaskConfig {
                extra_keys: vec!["eni".into()],
                extra_patterns: vec![("acct".into(), "^[0-9]{12}$".into())],
                ..MaskConfig::default()
            },
        ];
        configs
            .iter()
            .map(|c| Masker::new(c).expect("config"))
            .collect()
    })
}

fn shaping() -> &'static Shaping {
    static SHAPING: std::sync::OnceLock<Shaping> = std::sync::OnceLock::new();
    SHAPING.get_or_init(|| Shaping {
        shaper: Shaper::new()
            .with_flow_format("/vpc/custom*", FlowFormat::parse(CUSTOM).expect("format")),
        ..Shaping::default()
    })
}

/// A token: plain, a secret, or anything without white space.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9-]{1,14}",
        1 => "[!-~]{1,20}",
        1 => Just("AKIAIOSFODNN7EXAMPLE".to_owned()),
        1 => Just("password=hunter2hunter2".to_owned()),
        1 => Just("https://admin:s3cretPassw0rd@db.example.com/x".to_owned()),
        1 => Just("4111111111111111".to_owned()),
        1 => Just("ghp_16C7e42F292c6912E7710c838347Ae178B4a".to_owned()),
        1 => Just("token=0123456789abcdef0123456789abcdef".to_owned()),
        1 => Just("pass\\u0077ord=hunter2hunter2".to_owned()),
        1 => Just("x\\nAKIAQ7ZK3MWR5BV4NX2T".to_owned()),
        1 => Just("password\\t=\\tKq3Wz8Rt5Yp2Lm7N".to_owned()),
        1 => Just("ops@example.com".to_owned()),
        1 => Just("eni-4111111111111111".to_owned()),
    ]
}

fn digits() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,5}",
        Just("123456789012".to_owned()),
        Just("4111111111111111".to_owned()),
    ]
}

/// (log group, line).
fn line() -> impl Strategy<Value = (&'static str, String)> {
    prop_oneof![
        (digits(), token(), digits(), digits(), digits()).prop_map(|(acct, eni, port, n, b)| (
            "/vpc/flow-logs",
            format!(
                "2 {acct} {eni} 10.0.1.5 10.0.2.9 {port} 443 6 {n} {b} 1732000000 1732000060 ACCEPT OK"
            )
        )),
        (token(), token(), digits(), digits()).prop_map(|(vpc, eni, acct, flags)| (
            "/vpc/custom-prod",
            format!(
                "5 {vpc} {eni} {acct} IPv4 10.0.1.5 52.95.110.1 49152 443 6 5210 12 1795860000 1795860060 REJECT {flags} OK egress"
            )
        )),
        (token(), token(), token()).prop_map(|(user, path, id)| (
            "/aws/apigateway/orders-api-access",
            format!(
                "203.0.113.7 - {user} [19/Nov/2024:07:06:40 +0000] \"GET /orders/{path} HTTP/1.1\" 200 27 {id}"
            )
        )),
        (token(), token()).prop_map(|(app, msg)| (
            "/ec2/var/log/messages",
            format!("<34>Oct 11 22:14:15 host {app}[123]: login {msg}")
        )),
        (token(), token()).prop_map(|(app, msg)| (
            "/ec2/var/log/messages",
            format!("<165>1 2003-10-11T22:14:15.003Z host {app} 123 ID47 - got {msg}")
        )),
        (token(), token(), digits()).prop_map(|(msg, v, n)| (
            "/aws/lambda/orders",
            format!(
                "{{\"level\":\"info\",\"msg\":\"done {}\",\"secret\":\"{}\",\"n\":{n}}}",
                msg.replace(['"', '\\'], "_"),
                v.replace(['"', '\\'], "_")
            )
        )),
        (token(), token(), digits()).prop_map(|(path, agent, n)| (
            "/aws/apigateway/orders-api-access",
            format!(
                "{{\"requestId\":\"r-{n}\",\"ip\":\"198.51.100.7\",\"httpMethod\":\"GET\",\"path\":\"/orders/{}\",\"status\":\"{n}\",\"protocol\":\"HTTP/1.1\",\"responseLength\":\"{n}\",\"responseLatency\":\"3{n}\",\"userAgent\":\"{}\",\"stage\":\"prod\"}}",
                path.replace('"', "_"),
                agent.replace('"', "_")
            )
        )),
        (token(), token()).prop_map(|(id, msg)| (
            "/aws/lambda/orders",
            format!("2024-01-01T00:00:00.123Z\treq-{id}\tINFO\tcharged {msg}")
        )),
    ]
}

fn doc<'a>(group: &'a str, line: &'a str) -> Document<'a> {
    RecordDocs::new(group, "stream", shaping()).build(
        LogEvent {
            id: Cow::Borrowed("38640559361766155428823815460346476376307409016000364544"),
            timestamp: 1_732_000_000_123,
            message: Cow::Borrowed(line),
            extracted_fields: None,
        },
        false,
    )
}

fn bytes(group: &str, d: &Document<'_>) -> String {
    let env = Envelope {
        owner: "123456789012",
        log_group: group,
        log_stream: "stream",
        region: "eu-west-1",
    };
    let mut out = Vec::new();
    let opts = LineOptions {
        with_id: true,
        keep_original: true,
        ..LineOptions::default()
    };
    d.write_line(&env.json(), &mut out, &opts);
    String::from_utf8(out).unwrap_or_else(|e| format!("not UTF-8: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn clean_line_shortcut_gives_the_general_document((group, line) in line()) {
        let plain = doc(group, &line);
        // Fields written as JSON directly, and the same fields from their tree.
        let mut tree = plain.clone();
        tree.materialize_ecs();
        prop_assert!(tree.ecs_json.is_none());
        prop_assert_eq!(
            bytes(group, &plain),
            bytes(group, &tree)
        );
        for m in maskers() {
            let (mut fast, mut general) = (doc(group, &line), doc(group, &line));
            let (mut c1, mut c2) = (MaskCounts::default(), MaskCounts::default());
            let n1 = mask_document(m, &mut fast, &mut c1);
            let n2 = mask_document_general(m, &mut general, &mut c2);
            prop_assert_eq!(n1, n2);
            prop_assert_eq!(c1, c2);
            prop_assert_eq!(
                bytes(group, &fast),
                bytes(group, &general)
            );
        }
    }
}

#[test]
fn a_secret_in_a_flow_record_is_masked_in_the_message_and_the_fields() {
    let line = "2 4111111111111111 eni-0a1b2c3d 10.0.1.5 10.0.2.9 443 49152 6 10 840 1732000000 1732000060 ACCEPT OK";
    let mut d = doc("/vpc/flow-logs", line);
    assert!(d.ecs_json.is_some() && d.ecs.is_none());
    let n = mask_document(&maskers()[0], &mut d, &mut MaskCounts::default());
    assert_eq!(n, 1);
    let out = bytes("/vpc/flow-logs", &d);
    assert!(!out.contains("4111111111111111"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_ne!(v["aws"]["vpcflow"]["account_id"], "4111111111111111");
    assert_eq!(v["source"]["ip"], "10.0.1.5");
    // A clean record keeps its fields as written.
    let clean = line.replace("4111111111111111", "123456789012");
    let mut d = doc("/vpc/flow-logs", &clean);
    assert_eq!(
        mask_document(&maskers()[0], &mut d, &mut MaskCounts::default()),
        0
    );
    assert!(d.ecs_json.is_some());
}

#[test]
fn a_value_masked_in_the_line_is_masked_in_the_logger_and_the_request_id() {
    let value = "Vb7Qm2Kx9Lr4Tw8Z";
    for line in [
        format!(r#"{{"level":"info","msg":"login","password":"{value}","logger":"{value}"}}"#),
        format!("2026-11-27 10:00:02,123 ERROR [main] {value} - db_password={value}"),
        format!("2024-01-01T00:00:00.123Z\t{value}\tINFO\tpassword={value}"),
    ] {
        let mut d = doc("/aws/lambda/orders", &line);
        let n = mask_document(&maskers()[0], &mut d, &mut MaskCounts::default());
        assert!(n >= 1, "{line}");
        let out = bytes("/aws/lambda/orders", &d);
        assert!(!out.contains(value), "{line} -> {out}");
    }
}
