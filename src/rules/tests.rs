//! Tests of the rule engine: every match kind and action, ordering, sampling,
//! validation errors, globs, data streams and the explain table.

use std::borrow::Cow;
use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::decode::LogEvent;
use crate::document::{Document, Envelope};

/// A hand-made event.
#[derive(Debug, Default)]
struct Ev {
    message: String,
    level: Option<String>,
    id: String,
    fields: serde_json::Map<String, Value>,
}

impl EventView for Ev {
    fn message(&self) -> &str {
        &self.message
    }
    fn level(&self) -> Option<&str> {
        self.level.as_deref()
    }
    fn event_id(&self) -> &str {
        &self.id
    }
    fn field(&self, path: &str) -> Option<FieldValue<'_>> {
        view::lookup(&self.fields, path).and_then(view::scalar)
    }
}

fn ev(message: &str) -> Ev {
    Ev {
        message: message.into(),
        id: "1".into(),
        ..Ev::default()
    }
}

fn leveled(level: &str) -> Ev {
    Ev {
        level: Some(level.into()),
        ..ev("m")
    }
}

fn rules(json: &str) -> RuleSet {
    match RuleSet::parse(json) {
        Ok(r) => r,
        Err(e) => panic!("rules should parse: {e}"),
    }
}

fn err(json: &str) -> String {
    match RuleSet::parse(json) {
        Ok(_) => panic!("should be refused: {json}"),
        Err(e) => e.to_string(),
    }
}

fn decide<'r>(set: &'r RuleSet, group: &str, stream: &str, e: &Ev) -> Decision<'r> {
    set.for_record(group, stream).decide(e)
}

fn dropped(set: &RuleSet, group: &str, e: &Ev) -> bool {
    matches!(decide(set, group, "s", e), Decision::Drop { .. })
}

fn index_of(d: Decision<'_>) -> Option<String> {
    match d {
        Decision::Keep { target, .. } => target.index.map(|i| i.as_str().to_owned()),
        _ => None,
    }
}

// ---- the two rules of the issue, verbatim ----------------------------------

#[test]
fn the_issues_drop_rule_works_as_written() {
    let set = rules(r#"[{"match":{"log_group":"/aws/lambda/noisy-*"},"action":"drop"}]"#);
    assert_eq!(
        decide(
            &set,
            "/aws/lambda/noisy-worker",
            "2024/01/01/[$LATEST]ab",
            &ev("x")
        ),
        Decision::Drop { rule: 0 }
    );
    assert!(dropped(&set, "/aws/lambda/noisy-", &ev("x")));
    let kept = decide(&set, "/aws/lambda/orders", "s", &ev("x"));
    assert_eq!(
        kept,
        Decision::Keep {
            target: Target::default(),
            rule: None
        }
    );
    assert!(!dropped(&set, "/aws/lambda/noisy", &ev("x")));
    assert!(set.for_record("/aws/lambda/orders", "s").keeps_all());
}

#[test]
fn the_issues_route_rule_works_as_written() {
    let set = rules(
        r#"[{"match":{"log_group":"/vpc/*"},"action":"route","index":"logs-aws.vpcflow-default"}]"#,
    );
    let d = decide(
        &set,
        "/vpc/flow-logs",
        "eni-0abc-all",
        &ev("2 123 eni-0abc ACCEPT OK"),
    );
    assert_eq!(index_of(d), Some("logs-aws.vpcflow-default".into()));
    assert!(matches!(d, Decision::Keep { rule: Some(0), target } if target.logzio_type.is_none()));
    assert_eq!(index_of(decide(&set, "/ecs/web", "s", &ev("x"))), None);
}

// ---- every match kind --------------------------------------------------------

#[test]
fn log_group_and_log_stream_globs_are_anded_and_arrays_are_any_of() {
    let set = rules(
        r#"[{"match":{"log_group":["/aws/lambda/a-*","/aws/lambda/b-?"],"log_stream":"*[$LATEST]*"},"action":"drop"}]"#,
    );
    assert!(
        !dropped(&set, "/aws/lambda/a-1", &ev("m")),
        "stream s does not match"
    );
    let on = |g, s| matches!(decide(&set, g, s, &ev("m")), Decision::Drop { .. });
    assert!(on("/aws/lambda/a-1", "2024/01/01/[$LATEST]ff"));
    assert!(on("/aws/lambda/b-x", "2024/01/01/[$LATEST]ff"));
    assert!(!on("/aws/lambda/b-xy", "2024/01/01/[$LATEST]ff"));
    assert!(!on("/aws/lambda/a-1", "2024/01/01/[7]ff"));
}

#[test]
fn level_below_is_a_threshold_and_no_level_never_matches() {
    let set = rules(r#"[{"match":{"log_group":"*","level_below":"info"},"action":"drop"}]"#);
    for l in ["trace", "debug", "DEBUG", "verbose"] {
        assert!(dropped(&set, "g", &leveled(l)), "{l}");
    }
    for l in [
        "info", "warn", "warning", "error", "fatal", "critical", "weird",
    ] {
        assert!(!dropped(&set, "g", &leveled(l)), "{l}");
    }
    assert!(!dropped(&set, "g", &ev("no level at all")));
    let set = rules(r#"[{"match":{"log_group":"*","level_below":"error"},"action":"drop"}]"#);
    assert!(dropped(&set, "g", &leveled("warning")));
    assert!(!dropped(&set, "g", &leveled("error")));
}

#[test]
fn contains_is_a_case_sensitive_substring_any_of_an_array() {
    let set = rules(r#"[{"match":{"log_group":"*","contains":"GET /health"},"action":"drop"}]"#);
    assert!(dropped(
        &set,
        "g",
        &ev("10.0.0.1 - - \"GET /health HTTP/1.1\" 200")
    ));
    assert!(!dropped(&set, "g", &ev("\"get /health\"")));
    let set =
        rules(r#"[{"match":{"contains":["ELB-HealthChecker","kube-probe"]},"action":"drop"}]"#);
    assert!(dropped(&set, "g", &ev("ua=ELB-HealthChecker/2.0")));
    assert!(dropped(&set, "g", &ev("ua=kube-probe/1.29")));
    assert!(!dropped(&set, "g", &ev("ua=curl/8")));
}

#[test]
fn regex_matches_the_message_and_is_compiled_once() {
    let set = rules(r#"[{"match":{"regex":"^\\S+ \\d+ eni-\\w+ .* ACCEPT OK$"},"action":"drop"}]"#);
    assert!(dropped(
        &set,
        "g",
        &ev("2 123456789012 eni-0a1b 10.0.0.1 10.0.0.2 443 5 6 1 40 1 2 ACCEPT OK")
    ));
    assert!(!dropped(
        &set,
        "g",
        &ev("2 123456789012 eni-0a1b 10.0.0.1 10.0.0.2 443 5 6 1 40 1 2 REJECT OK")
    ));
    let set = rules(r#"[{"match":{"regex":"(?i)timeout"},"action":"drop"}]"#);
    assert!(dropped(&set, "g", &ev("upstream TimeOut")));
}

#[test]
fn field_equality_takes_strings_numbers_booleans_and_any_of() {
    let mut e = ev("m");
    e.fields = json!({"http": {"status": 200, "method": "GET"}, "user.bot": true, "code": "404", "a": {"b.c": {"d": "deep"}}})
        .as_object()
        .cloned()
        .expect("object");
    let on = |json: &str, e: &Ev| dropped(&rules(json), "g", e);
    assert!(on(
        r#"[{"match":{"field":"http.status","equals":200},"action":"drop"}]"#,
        &e
    ));
    assert!(on(
        r#"[{"match":{"field":"http.status","equals":"200"},"action":"drop"}]"#,
        &e
    ));
    assert!(!on(
        r#"[{"match":{"field":"http.status","equals":500},"action":"drop"}]"#,
        &e
    ));
    assert!(on(
        r#"[{"match":{"field":"code","equals":404},"action":"drop"}]"#,
        &e
    ));
    assert!(on(
        r#"[{"match":{"field":"user.bot","equals":true},"action":"drop"}]"#,
        &e
    ));
    assert!(!on(
        r#"[{"match":{"field":"user.bot","equals":"yes"},"action":"drop"}]"#,
        &e
    ));
    assert!(on(
        r#"[{"match":{"field":"http.method","equals":["HEAD","GET"]},"action":"drop"}]"#,
        &e
    ));
    assert!(!on(
        r#"[{"match":{"field":"http.missing","equals":"GET"},"action":"drop"}]"#,
        &e
    ));
    assert!(!on(
        r#"[{"match":{"field":"http","equals":"GET"},"action":"drop"}]"#,
        &e
    ));
    // `fields`: several at once, all must hold.
    assert!(on(
        r#"[{"match":{"fields":{"http.status":200,"http.method":"GET"}},"action":"drop"}]"#,
        &e
    ));
    assert!(!on(
        r#"[{"match":{"fields":{"http.status":200,"http.method":"PUT"}},"action":"drop"}]"#,
        &e
    ));
}

#[test]
fn conditions_of_one_rule_are_anded() {
    let set = rules(
        r#"[{"match":{"log_group":"/aws/lambda/*","level_below":"warn","contains":"cache"},"action":"drop"}]"#,
    );
    let e = |m: &str, l: &str| Ev {
        level: Some(l.into()),
        ..ev(m)
    };
    assert!(dropped(&set, "/aws/lambda/f", &e("cache hit", "debug")));
    assert!(!dropped(&set, "/aws/lambda/f", &e("cache hit", "error")));
    assert!(!dropped(&set, "/aws/lambda/f", &e("db hit", "debug")));
    assert!(!dropped(&set, "/ecs/f", &e("cache hit", "debug")));
}

// ---- documents ---------------------------------------------------------------

const ENV: Envelope<'static> = Envelope {
    owner: "123456789012",
    log_group: "/aws/lambda/orders",
    log_stream: "2024/01/01/[$LATEST]abcdef",
    region: "eu-west-1",
};

fn doc(id: &str, message: &str) -> Document<'static> {
    Document::new(
        &ENV,
        LogEvent {
            id: Cow::Owned(id.to_owned()),
            timestamp: 1_704_067_200_123,
            message: Cow::Owned(message.to_owned()),
            extracted_fields: None,
        },
        false,
    )
}

#[test]
fn documents_are_views_with_their_derived_fields() {
    let set = rules(
        r#"[
        {"name":"no-platform-lines","match":{"field":"aws.lambda.event","equals":["start","end"]},"action":"drop"},
        {"name":"reports","match":{"field":"aws.lambda.event","equals":"report"},"action":"route","index":"lambda-reports-%Y.%m"},
        {"name":"debug","match":{"level_below":"info"},"action":"drop"},
        {"name":"slow","match":{"field":"latency_ms","equals":900},"action":"route","logzio_type":"slow"}
    ]"#,
    );
    let rec = set.for_record(ENV.log_group, ENV.log_stream);
    assert_eq!(
        rec.decide(&doc("1", "START RequestId: r-1 Version: $LATEST")),
        Decision::Drop { rule: 0 }
    );
    assert_eq!(
        rec.decide(&doc("2", "END RequestId: r-1")),
        Decision::Drop { rule: 0 }
    );
    let report = rec.decide(&doc(
        "3",
        "REPORT RequestId: r-1\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 7 MB\t",
    ));
    assert_eq!(index_of(report), Some("lambda-reports-%Y.%m".into()));
    assert_eq!(
        rec.decide(&doc(
            "4",
            "2024-01-01T00:00:00.123Z\treq-1\tDEBUG\tcache warm"
        )),
        Decision::Drop { rule: 2 }
    );
    let slow = rec.decide(&doc(
        "5",
        r#"{"level":"info","msg":"done","latency_ms":900}"#,
    ));
    assert!(
        matches!(slow, Decision::Keep { rule: Some(3), target } if target.logzio_type == Some("slow"))
    );
    let d = doc("6", r#"{"level":"info","msg":"done"}"#);
    assert_eq!(d.field("log.level"), Some(FieldValue::Str("info")));
    assert_eq!(d.field("event.id"), Some(FieldValue::Str("6")));
    // The JSON logger's `msg` is the document's `message`.
    assert_eq!(d.field("message"), Some(FieldValue::Str("done")));
    assert!(matches!(rec.decide(&d), Decision::Keep { rule: None, .. }));
    let r = doc("7", "REPORT RequestId: r-1\tDuration: 102.25 ms\t");
    assert_eq!(
        r.field("aws.lambda.report.duration_ms"),
        Some(FieldValue::Num(102.25))
    );
}

// ---- actions, ordering, sampling ---------------------------------------------

#[test]
fn the_first_matching_rule_wins() {
    let set = rules(
        r#"[
        {"name":"keep-errors","match":{"log_group":"/aws/lambda/*","level_below":"fatal","contains":"PAYMENT"},"action":"route","index":"payments"},
        {"name":"noisy","match":{"log_group":"/aws/lambda/noisy-*"},"action":"drop"},
        {"name":"all-lambda","match":{"log_group":"/aws/lambda/*"},"action":"route","index":"lambda"},
        {"name":"never","match":{"log_group":"/aws/lambda/noisy-*"},"action":"route","index":"unreachable"}
    ]"#,
    );
    let e = Ev {
        level: Some("error".into()),
        ..ev("PAYMENT failed")
    };
    assert_eq!(
        index_of(decide(&set, "/aws/lambda/noisy-x", "s", &e)),
        Some("payments".into())
    );
    assert_eq!(
        decide(&set, "/aws/lambda/noisy-x", "s", &ev("m")),
        Decision::Drop { rule: 1 }
    );
    assert_eq!(
        index_of(decide(&set, "/aws/lambda/orders", "s", &ev("m"))),
        Some("lambda".into())
    );
    // Rules after one that takes every event of the record are never looked at.
    assert_eq!(
        set.for_record("/aws/lambda/noisy-x", "s").candidates,
        vec![0, 1]
    );
}

#[test]
fn sample_keeps_one_in_n_from_the_event_id_and_routes_what_it_keeps() {
    let set = rules(
        r#"[{"name":"vpc-accept","match":{"log_group":"/vpc/*","contains":" ACCEPT "},"action":"sample","keep_one_in":10,"index":"logs-aws.vpcflow-default"}]"#,
    );
    let rec = set.for_record("/vpc/flow", "eni-1-all");
    let mut kept = 0;
    for i in 0..10_000u64 {
        let e = Ev {
            id: format!("3655849344096078742642622473823338661728372246353{i:07}"),
            ..ev("2 1 eni-1 a b 1 2 6 1 40 1 2 ACCEPT OK")
        };
        match rec.decide(&e) {
            Decision::Keep { target, rule } => {
                kept += 1;
                assert_eq!(rule, Some(0));
                assert_eq!(
                    target.index.map(IndexPattern::as_str),
                    Some("logs-aws.vpcflow-default")
                );
            }
            Decision::SampledOut { rule } => assert_eq!(rule, 0),
            Decision::Drop { .. } => panic!("never dropped"),
        }
        // The same event decides the same way again (a retry, a redrive).
        assert_eq!(rec.decide(&e), rec.decide(&e));
    }
    assert!((850..=1150).contains(&kept), "kept {kept} of 10000");
    // REJECTs do not match the rule: all kept.
    assert!(matches!(
        rec.decide(&ev("2 1 eni-1 a b 1 2 6 1 40 1 2 REJECT OK")),
        Decision::Keep { rule: None, .. }
    ));
    let one = rules(r#"[{"match":{"log_group":"*"},"action":"sample","keep_one_in":1}]"#);
    assert!(matches!(
        decide(&one, "g", "s", &ev("m")),
        Decision::Keep { rule: Some(0), .. }
    ));
}

#[test]
fn the_sampling_hash_is_pinned_so_every_process_decides_alike() {
    // Fixed values: a change of the hash would change which events a
    // deployed rule set keeps, between a first try and its retry.
    let a = sample_hash("36558493440960787426426224738233386617283722463537315840");
    let b = sample_hash("36558493440960787426426224738233386617283722463537315841");
    assert_ne!(a, b);
    assert_eq!(a, PINNED_A, "sample_hash changed: {a:#x}");
    assert_eq!(
        sample_hash("1"),
        PINNED_ONE,
        "sample_hash changed: {:#x}",
        sample_hash("1")
    );
}

const PINNED_A: u64 = 0xc34a_6f9a_f5fa_49a9;
const PINNED_ONE: u64 = 0x2945_4a04_9b73_aeff;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sampling_keeps_about_one_in_n(n in 2u64..50, seed in any::<u64>()) {
        let total = 20_000u64;
        let kept = (0..total)
            .filter(|i| sample_keeps(&format!("{}{:020}", seed, i), n))
            .count() as f64;
        let expected = total as f64 / n as f64;
        // Five standard deviations of a binomial count.
        let sd = (total as f64 * (1.0 / n as f64) * (1.0 - 1.0 / n as f64)).sqrt();
        prop_assert!((kept - expected).abs() <= 5.0 * sd + 1.0, "n={} kept={} expected={}", n, kept, expected);
    }

    #[test]
    fn sampling_is_a_function_of_the_id(id in ".{0,80}", n in 1u64..1000) {
        prop_assert_eq!(sample_keeps(&id, n), sample_keeps(&id.clone(), n));
    }
}

// ---- counters ------------------------------------------------------------------

#[test]
fn counters_count_per_rule_and_add_up_to_filtered() {
    let set = rules(
        r#"[{"name":"d","match":{"contains":"drop"},"action":"drop"},
            {"name":"s","match":{"contains":"sample"},"action":"sample","keep_one_in":1000000},
            {"name":"r","match":{"contains":"route"},"action":"route","logzio_type":"x"}]"#,
    );
    let rec = set.for_record("g", "s");
    let mut c = set.counters();
    for m in ["drop", "drop", "sample", "route", "other"] {
        c.count(&rec.decide(&Ev {
            id: "7".into(),
            ..ev(m)
        }));
    }
    assert_eq!(
        c.get(0),
        RuleCount {
            kept: 0,
            dropped: 2,
            sampled_out: 0
        }
    );
    assert_eq!(c.get(1).kept + c.get(1).sampled_out, 1);
    assert_eq!(
        c.get(2),
        RuleCount {
            kept: 1,
            dropped: 0,
            sampled_out: 0
        }
    );
    assert_eq!(c.filtered(), 2 + c.get(1).sampled_out);
    let mut total = set.counters();
    total.merge(&c);
    total.merge(&c);
    assert_eq!(total.get(0).dropped, 4);
    assert_eq!(set.metric_name(0), "d");
    assert_eq!(
        rules(r#"[{"match":{"log_group":"*"},"action":"drop"}]"#).metric_name(0),
        "rule1"
    );
}

// ---- validation ------------------------------------------------------------------

#[test]
fn invalid_rules_name_the_rule_and_the_problem() {
    let cases: &[(&str, &str)] = &[
        ("{}", "expected a JSON array of rules"),
        ("[", "not valid JSON"),
        (r#"[1]"#, "rule 1: a rule is a JSON object"),
        (
            r#"[{"match":{"log_group":"*"},"action":"drop","mtach":1}]"#,
            "rule 1: unknown key \"mtach\" in the rule (did you mean \"match\"?)",
        ),
        (
            r#"[{"match":{"log_gruop":"*"},"action":"drop"}]"#,
            "unknown key \"log_gruop\" in \"match\" (did you mean \"log_group\"?)",
        ),
        (
            r#"[{"name":"x","match":{},"action":"drop"}]"#,
            "rule 1 (\"x\"): empty \"match\"",
        ),
        (r#"[{"match":{"log_group":"*"}}]"#, "no \"action\""),
        (r#"[{"action":"drop"}]"#, "no \"match\""),
        (
            r#"[{"match":{"log_group":"*"},"action":"dorp"}]"#,
            "unknown action \"dorp\" (did you mean \"drop\"?)",
        ),
        (
            r#"[{"match":{"log_group":"/aws/(a|b)"},"action":"drop"}]"#,
            "`(` cannot appear in a log group name",
        ),
        (
            r#"[{"match":{"log_group":""},"action":"drop"}]"#,
            "an empty glob matches nothing",
        ),
        (
            r#"[{"match":{"log_stream":"a:b"},"action":"drop"}]"#,
            "`:` cannot appear in a log stream name",
        ),
        (
            r#"[{"match":{"regex":"(unclosed"},"action":"drop"}]"#,
            "\"regex\" is not a valid regular expression",
        ),
        (
            r#"[{"match":{"level_below":"loud"},"action":"drop"}]"#,
            "unknown level \"loud\"",
        ),
        (
            r#"[{"match":{"level_below":"trace"},"action":"drop"}]"#,
            "no event is below it",
        ),
        (
            r#"[{"match":{"contains":""},"action":"drop"}]"#,
            "an empty string matches every message",
        ),
        (
            r#"[{"match":{"field":"a.b"},"action":"drop"}]"#,
            "\"field\" needs \"equals\"",
        ),
        (
            r#"[{"match":{"equals":1},"action":"drop"}]"#,
            "\"equals\" needs \"field\"",
        ),
        (
            r#"[{"match":{"field":"a..b","equals":1},"action":"drop"}]"#,
            "expected a dotted name",
        ),
        (
            r#"[{"match":{"field":"a","equals":{"x":1}},"action":"drop"}]"#,
            "compare with a string",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"sample"}]"#,
            "needs \"keep_one_in\"",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"sample","keep_one_in":0}]"#,
            "at least 1",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"sample","keep_one_in":2.5}]"#,
            "at least 1",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"drop","keep_one_in":2}]"#,
            "belongs to a sample rule",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"drop","index":"x"}]"#,
            "a drop rule takes no",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route"}]"#,
            "a route rule needs \"index\" and/or \"logzio_type\"",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"Logs"}]"#,
            "must be lower-case",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"a b"}]"#,
            "cannot contain a space",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"a#b"}]"#,
            "cannot contain `#`",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"a,b"}]"#,
            "cannot contain `,`",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"a*"}]"#,
            "cannot contain `*`",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"_x"}]"#,
            "cannot start with",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"-x"}]"#,
            "cannot start with",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"x-%H"}]"#,
            "%Y, %m or %d",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"logs-app-%Y.%m.%d"}]"#,
            "takes no date placeholders",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"logs-my-app-default"}]"#,
            "dataset of logs-<dataset>-<namespace> cannot contain `-`",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","index":"logs--default"}]"#,
            "both non-empty",
        ),
        (
            r#"[{"match":{"log_group":"*"},"action":"route","logzio_type":"a b"}]"#,
            "no spaces",
        ),
        (
            r#"[{"name":"a","match":{"log_group":"*"},"action":"drop"},{"name":"a","match":{"log_group":"x"},"action":"drop"}]"#,
            "rule 2 (\"a\"): the name is already used by rule 1 (\"a\")",
        ),
    ];
    for (json, want) in cases {
        let got = err(json);
        assert!(got.starts_with("LOGSHIP_RULES"), "{got}");
        assert!(got.contains(want), "{json}\n  got:  {got}\n  want: {want}");
    }
    let long = format!(
        r#"[{{"match":{{"log_group":"*"}},"action":"route","index":"{}"}}]"#,
        "a".repeat(252) + "-%Y"
    );
    assert!(err(&long).contains("longer than 255 bytes"));
    // The second rule is named in the error, by number and name.
    let e = err(
        r#"[{"match":{"log_group":"*"},"action":"drop"},{"name":"health","match":{"log_group":"*"},"action":"sample","keep_one_in":-1}]"#,
    );
    assert!(e.starts_with("LOGSHIP_RULES rule 2 (\"health\"): "), "{e}");
}

#[test]
fn valid_index_names_pass() {
    for ok in [
        "logship-%Y.%m.%d",
        "logs-aws.vpcflow-default",
        "logs-aws.cloudtrail-prod",
        "app",
        "logs-app",
        ".hidden-logs",
        "cw-%Y-%m",
    ] {
        assert_eq!(check_index(ok), Ok(()), "{ok}");
    }
}

#[test]
fn rules_come_from_the_variable_or_a_file_not_both() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("rules.json");
    std::fs::write(
        &path,
        r#"[{"match":{"log_group":"/aws/lambda/noisy-*"},"action":"drop"}]"#,
    )
    .expect("write");
    let path = path.to_string_lossy().into_owned();
    let env = |pairs: &[(&str, &str)]| {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RuleSet::from_lookup(&move |k| map.get(k).cloned())
    };
    let set = env(&[("LOGSHIP_RULES_FILE", &path)]).expect("file");
    assert_eq!(set.len(), 1);
    assert!(env(&[]).expect("none").is_empty());
    assert!(env(&[("LOGSHIP_RULES", " ")]).expect("blank").is_empty());
    let e = env(&[("LOGSHIP_RULES", "[]"), ("LOGSHIP_RULES_FILE", &path)]).expect_err("both");
    assert!(e.to_string().contains("not both"));
    let e = env(&[("LOGSHIP_RULES_FILE", "/nonexistent/rules.json")]).expect_err("missing");
    assert!(
        e.to_string()
            .starts_with("LOGSHIP_RULES_FILE=/nonexistent/rules.json: "),
        "{e}"
    );
    std::fs::write(
        dir.path().join("bad.json"),
        r#"[{"match":{},"action":"drop"}]"#,
    )
    .expect("write");
    let bad = dir.path().join("bad.json").to_string_lossy().into_owned();
    let e = env(&[("LOGSHIP_RULES_FILE", &bad)]).expect_err("bad rule");
    assert!(
        e.to_string().starts_with(&format!("{bad} rule 1: empty")),
        "{e}"
    );
}

// ---- globs -----------------------------------------------------------------------

#[test]
fn glob_edge_cases() {
    let m = |g: &str, n: &str| Glob::new(g).matches(n);
    assert!(m("*", ""));
    assert!(m("*", "/anything/at/all"));
    assert!(m("**", "x"));
    assert!(m("", ""));
    assert!(!m("", "x"));
    assert!(m("?", "é"));
    assert!(!m("?", "ab"));
    assert!(!m("?", ""));
    assert!(m("a*b*c", "abc"));
    assert!(m("a*b*c", "a-b-b-c"));
    assert!(!m("a*b*c", "a-b-b-"));
    assert!(m("*.log", "x.log"));
    assert!(!m("*.log", "x.logs"));
    assert!(m("/aws/lambda/*", "/aws/lambda/"));
    assert!(m("*[$LATEST]*", "2024/01/01/[$LATEST]ab"));
    assert!(m("a?c", "a日c"));
    assert!(m("*日?", "x日本"));
    assert!(m("*?", "x"));
    assert!(!m("*?", ""));
    assert!(m("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaab"));
    assert!(!m("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaa"));
}

/// The reference: the glob translated to an anchored regex.
fn reference(glob: &str, name: &str) -> bool {
    let mut re = String::from("(?s)^");
    for c in glob.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).expect("regex").is_match(name)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn globs_agree_with_a_reference_matcher(
        glob in "[ab/*?é]{0,8}",
        name in "[ab/é]{0,12}",
    ) {
        prop_assert_eq!(Glob::new(&glob).matches(&name), reference(&glob, &name), "glob {:?} name {:?}", glob, name);
    }

    #[test]
    fn globs_match_names_built_from_them(
        parts in proptest::collection::vec("[a-z/._-]{0,5}", 1..5),
        fills in proptest::collection::vec("[a-zA-Z0-9/é]{0,6}", 4),
    ) {
        let glob = parts.join("*");
        let mut name = String::new();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                name.push_str(&fills[i - 1]);
            }
            name.push_str(p);
        }
        prop_assert!(Glob::new(&glob).matches(&name), "glob {:?} name {:?}", glob, name);
    }
}

// ---- data streams ------------------------------------------------------------------

#[test]
fn the_dataset_comes_from_the_log_group() {
    for (group, dataset) in [
        ("/aws/lambda/orders", "aws.lambda"),
        ("/aws/lambda/us-east-1.edge-fn", "aws.lambda"),
        ("/aws/lambda/cloudtrail-processor", "aws.lambda"),
        ("/vpc/flow-logs", "aws.vpcflow"),
        ("vpc-flow-logs-prod", "aws.vpcflow"),
        ("/custom/VPCFlowLogs", "aws.vpcflow"),
        ("my-flowlogs", "aws.vpcflow"),
        (
            "aws-cloudtrail-logs-123456789012-1a2b3c4d",
            "aws.cloudtrail",
        ),
        ("CloudTrail/DefaultLogGroup", "aws.cloudtrail"),
        ("/aws/cloudtrail/org", "aws.cloudtrail"),
        (
            "API-Gateway-Execution-Logs_a1b2c3d4e5/prod",
            "aws.apigateway",
        ),
        ("/aws/apigateway/welcome", "aws.apigateway"),
        ("/aws/apigateway/access-logs", "aws.apigateway"),
        ("/ecs/web", "aws.cloudwatch_logs"),
        ("/aws/rds/instance/db/postgresql", "aws.cloudwatch_logs"),
        ("", "aws.cloudwatch_logs"),
    ] {
        assert_eq!(dataset_for(group), dataset, "{group}");
    }
    assert_eq!(
        data_stream_name("aws.lambda", "default"),
        "logs-aws.lambda-default"
    );
    for d in DATASETS {
        assert_eq!(check_index(&data_stream_name(d, "prod")), Ok(()));
    }
}

#[test]
fn data_streams_are_the_default_index_and_rules_still_win() {
    let set = rules(
        r#"[{"match":{"log_group":"aws-cloudtrail-*"},"action":"route","index":"logs-aws.cloudtrail-audit"},
            {"match":{"log_group":"/aws/lambda/*","contains":"PAYMENT"},"action":"route","logzio_type":"payments"}]"#,
    )
    .with_data_streams("prod")
    .expect("namespace");
    assert_eq!(set.data_stream_namespace(), Some("prod"));
    assert_eq!(
        index_of(decide(&set, "/aws/lambda/f", "s", &ev("m"))),
        Some("logs-aws.lambda-prod".into())
    );
    assert_eq!(
        index_of(decide(&set, "/ecs/web", "s", &ev("m"))),
        Some("logs-aws.cloudwatch_logs-prod".into())
    );
    assert_eq!(
        index_of(decide(&set, "aws-cloudtrail-logs-1", "s", &ev("m"))),
        Some("logs-aws.cloudtrail-audit".into())
    );
    // A line's own shape names its data stream, whatever its group is called.
    let flow_env = Envelope {
        log_group: "/network/prod-traffic",
        ..ENV
    };
    let flow = Document::new(
        &flow_env,
        LogEvent {
            id: Cow::Borrowed("9"),
            timestamp: 1_704_067_200_123,
            message: Cow::Borrowed(
                "2 123456789012 eni-0a1b2c3d 10.0.1.5 10.0.2.9 443 49152 6 10 840 1732000000 1732000060 ACCEPT OK",
            ),
            extracted_fields: None,
        },
        false,
    );
    assert_eq!(
        index_of(set.for_record(flow_env.log_group, "s").decide(&flow)),
        Some("logs-aws.vpcflow-prod".into())
    );
    assert_eq!(
        index_of(decide(&set, flow_env.log_group, "s", &ev("plain"))),
        Some("logs-aws.cloudwatch_logs-prod".into())
    );
    // A rule that names only a type keeps the source's data stream.
    let d = decide(&set, "/aws/lambda/f", "s", &ev("PAYMENT ok"));
    assert_eq!(index_of(d), Some("logs-aws.lambda-prod".into()));
    assert!(matches!(d, Decision::Keep { target, .. } if target.logzio_type == Some("payments")));
    // Every pattern has its own id below index_count.
    let mut ids: Vec<usize> = [
        "/aws/lambda/f",
        "/vpc/x",
        "aws-cloudtrail-logs-1",
        "API-Gateway-Execution-Logs_x/p",
        "/ecs/w",
    ]
    .iter()
    .filter_map(|g| {
        set.for_record(g, "s")
            .default_target()
            .index
            .map(IndexPattern::id)
    })
    .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    assert!(ids.iter().all(|i| *i < set.index_count()));
    for bad in ["Prod", "a-b", "a b", "x/y", "%Y", &"n".repeat(101)] {
        let e = RuleSet::empty().with_data_streams(bad).expect_err(bad);
        assert!(
            e.to_string().starts_with("LOGSHIP_DATA_STREAM_NAMESPACE: "),
            "{e}"
        );
    }
}

#[test]
fn index_patterns_render_the_events_date() {
    let set = rules(r#"[{"match":{"log_group":"*"},"action":"route","index":"cw-%Y.%m.%d"}]"#);
    let rec = set.for_record("g", "s");
    let Decision::Keep { target, .. } = rec.decide(&ev("m")) else {
        panic!("kept");
    };
    let index = target.index.expect("index");
    assert!(index.is_dated());
    assert_eq!(index.render(1_704_067_200_123), "cw-2024.01.01");
    assert_eq!(index.render(1_700_000_000_000), "cw-2023.11.14");
}

// ---- explain ---------------------------------------------------------------------------

#[test]
fn explain_tallies_and_renders_a_table() {
    let set = rules(
        r#"[{"name":"drop-noisy","match":{"log_group":"/aws/lambda/noisy-*"},"action":"drop"},
            {"name":"sample-vpc","match":{"log_group":"/vpc/*"},"action":"sample","keep_one_in":2}]"#,
    )
    .with_data_streams("default")
    .expect("ns");
    let mut x = Explain::new(DestinationKind::Elasticsearch {
        default_index: "logship-%Y.%m.%d".into(),
    });
    for (group, n) in [
        ("/aws/lambda/noisy-a", 3),
        ("/aws/lambda/orders", 2),
        ("/vpc/flow", 100),
    ] {
        let rec = set.for_record(group, "s");
        for i in 0..n {
            let e = Ev {
                id: format!("id-{i}"),
                ..ev("m")
            };
            x.add(group, &rec.decide(&e), 1_704_067_200_000);
        }
    }
    let groups = x.groups();
    assert_eq!(groups.len(), 3);
    let vpc = groups
        .iter()
        .find(|g| g.log_group == "/vpc/flow")
        .expect("vpc");
    assert_eq!(vpc.kept + vpc.sampled_out, 100);
    assert_eq!(
        vpc.destinations.get("logs-aws.vpcflow-default"),
        Some(&vpc.kept)
    );
    let text = x.render(&set);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("log group"), "{text}");
    assert!(lines[1].starts_with("/aws/lambda/noisy-a"), "{text}");
    assert!(
        lines[1].contains(" 3     0        3            0  -"),
        "{text}"
    );
    assert!(lines[2].contains("logs-aws.lambda-default (2)"), "{text}");
    assert!(lines[4].starts_with("total"), "{text}");
    assert!(
        text.contains("rule 1 (\"drop-noisy\")  kept 0, dropped 3, sampled out 0"),
        "{text}"
    );
    let mut z = Explain::new(DestinationKind::Logzio {
        default_type: "cloudwatch".into(),
    });
    z.add(
        "/ecs/web",
        &set.for_record("/ecs/web", "s").decide(&ev("m")),
        0,
    );
    assert!(z.render(&set).contains("type=cloudwatch (1)"));
}

// ---- the documented rule set -------------------------------------------------------

/// The rule set of the README's "Routing and filtering" (the first ```json block after
/// "<!-- rules -->"), run over the benchmark's generated event. Run with
/// `--nocapture` to see the `--explain` table the documentation shows.
#[test]
fn the_documented_rule_set_parses_and_explains_the_sample_event() {
    use crate::decode::{Decoder, MessageType};
    use crate::sample::{GenOptions, generate};

    let doc_text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let after = doc_text.split("<!-- rules -->").nth(1).expect("marker");
    let json_block = after
        .split("```json")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a json block");
    let set = rules(json_block).with_data_streams("default").expect("ns");
    let generated = generate(&GenOptions {
        records: 40,
        events_per_record: 100,
        control_records: 0,
        secrets: false,
        seed: 1,
    });
    let event: crate::event::KinesisEvent = serde_json::from_value(generated.event).expect("event");
    let mut decoder = Decoder::new(64 << 20);
    let mut x = Explain::new(DestinationKind::Elasticsearch {
        default_index: "logship-%Y.%m.%d".into(),
    });
    for r in &event.records {
        let p = decoder.decode(&r.kinesis.data).expect("decodes");
        assert_eq!(p.message_type, MessageType::Data);
        let shaping = crate::document::Shaping::default();
        let docs = crate::document::RecordDocs::new(&p.log_group, &p.log_stream, &shaping);
        let rec = set.for_record(&p.log_group, &p.log_stream);
        let group = p.log_group.to_string();
        for e in p.log_events {
            let ts = e.timestamp;
            let d = docs.build(e, false);
            x.add(&group, &rec.decide(&d), ts);
        }
    }
    let table = x.render(&set);
    println!("{table}");
    let total: u64 = x.groups().iter().map(GroupTally::events).sum();
    assert_eq!(total, 4000);
    assert!(x.counters().filtered() > 0);
}

// ---- the fast matcher decides as the plain reading does -------------------------

/// One generated rule: its match object and its action keys.
fn gen_rule() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop::sample::select(vec!["g1", "g*", "h?", "*"])),
        prop::option::of(prop::sample::select(vec!["debug", "info", "error"])),
        prop::option::of(prop::collection::vec("[ab]{1,3}", 1..4)),
        prop::option::of(prop::sample::select(vec![
            json!("200"),
            json!(200),
            json!([500, "201"]),
        ])),
        prop::option::of(prop::sample::select(vec![
            "a+b", "^b", "ba$", "bab", "aab+", "abba?", "b ab", "ab{2}",
        ])),
        0u8..3,
    )
        .prop_map(|(group, level, contains, status, regex, action)| {
            let mut m = serde_json::Map::new();
            m.insert("log_group".into(), json!(group.unwrap_or("*")));
            if let Some(l) = level {
                m.insert("level_below".into(), json!(l));
            }
            if let Some(c) = contains {
                m.insert("contains".into(), json!(c));
            }
            if let Some(s) = status {
                m.insert("field".into(), json!("status"));
                m.insert("equals".into(), s);
            }
            if let Some(r) = regex {
                m.insert("regex".into(), json!(r));
            }
            match action {
                0 => json!({"match": m, "action": "drop"}),
                1 => json!({"match": m, "action": "sample", "keep_one_in": 2, "logzio_type": "s"}),
                _ => json!({"match": m, "action": "route", "index": "routed"}),
            }
        })
}

fn gen_event() -> impl Strategy<Value = (String, Ev)> {
    (
        prop::sample::select(vec!["g1", "g2", "h1"]),
        "[ab ]{0,14}",
        prop::option::of(prop::sample::select(vec![
            "DEBUG", "info", "Error", "trace", "x",
        ])),
        prop::option::of(prop::sample::select(vec![
            json!(200),
            json!("200"),
            json!(500),
            json!("201"),
        ])),
        "[0-9]{1,6}",
    )
        .prop_map(|(group, message, level, status, id)| {
            let mut fields = serde_json::Map::new();
            if let Some(s) = status {
                fields.insert("status".into(), s);
            }
            let e = Ev {
                message,
                level: level.map(str::to_owned),
                id,
                fields,
            };
            (group.to_owned(), e)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_fast_matcher_decides_as_the_plain_reading(
        rule_list in prop::collection::vec(gen_rule(), 1..9),
        events in prop::collection::vec(gen_event(), 1..12),
    ) {
        let set = RuleSet::parse(&Value::Array(rule_list).to_string())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (group, e) in &events {
            let fast = set.for_record(group, "s").decide(e);
            let plain = matching::decide_plainly(&set, group, "s", e);
            prop_assert_eq!(fast, plain, "group {} message {:?}", group, e.message);
        }
    }

    #[test]
    fn levels_rank_as_the_table_says(name in "(?i)(trace|verbose|debug|info|information|notice|warn|warning|error|err|fatal|critical|crit|alert|emerg|emergency|panic)|[a-zA-Z]{0,12}") {
        const LEVELS: &[(&str, u8)] = &[
            ("trace", 0), ("verbose", 0), ("debug", 1), ("info", 2), ("information", 2),
            ("notice", 2), ("warn", 3), ("warning", 3), ("error", 4), ("err", 4),
            ("fatal", 5), ("critical", 5), ("crit", 5), ("alert", 5), ("emerg", 5),
            ("emergency", 5), ("panic", 5),
        ];
        let want = LEVELS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
            .map(|(_, r)| *r);
        prop_assert_eq!(level_rank(&name), want);
    }
}

#[test]
fn one_search_answers_for_overlapping_and_shared_texts() {
    // "health" inside "GET /health", the same text in two rules, and a rule
    // whose text occurs only after another rule's: each rule sees its own.
    let set = rules(
        r#"[
        {"match":{"contains":"GET /health","level_below":"info"},"action":"drop"},
        {"match":{"contains":["health","zzz"]},"action":"route","index":"a"},
        {"match":{"contains":"probe"},"action":"route","index":"b"},
        {"match":{"contains":"probe"},"action":"route","index":"c"}
    ]"#,
    );
    assert!(set.needles.is_some());
    let rec = set.for_record("g", "s");
    assert_eq!(rec.shared.count_ones(), 4);
    let warn = |m: &str| Ev {
        level: Some("warn".into()),
        ..ev(m)
    };
    assert_eq!(
        index_of(rec.decide(&warn("GET /health 200"))),
        Some("a".into())
    );
    assert!(matches!(
        rec.decide(&Ev {
            level: Some("debug".into()),
            ..ev("GET /health 200")
        }),
        Decision::Drop { rule: 0 }
    ));
    assert_eq!(
        index_of(rec.decide(&warn("kube-probe then health"))),
        Some("a".into())
    );
    assert_eq!(index_of(rec.decide(&warn("kube-probe"))), Some("b".into()));
    assert_eq!(index_of(rec.decide(&warn("nothing"))), None);
}

#[test]
fn a_record_with_one_contains_rule_searches_alone_and_past_64_rules_each_does() {
    let set = rules(
        r#"[
        {"match":{"log_group":"/vpc/*","contains":" ACCEPT "},"action":"drop"},
        {"match":{"log_group":"/ecs/*","contains":"kube-probe"},"action":"drop"}
    ]"#,
    );
    let rec = set.for_record("/vpc/flows", "s");
    assert_eq!(rec.shared, 0, "one contains rule: its own finder");
    assert!(matches!(
        rec.decide(&ev("x ACCEPT OK")),
        Decision::Drop { rule: 0 }
    ));
    assert!(!rec.decide(&ev("x REJECT OK")).is_filtered());

    let many: Vec<Value> = (0..70)
        .map(|i| json!({"match": {"contains": format!("needle{i:02}!")}, "action": "route", "index": format!("i{i}")}))
        .collect();
    let set = rules(&Value::Array(many).to_string());
    let rec = set.for_record("g", "s");
    assert_eq!(rec.shared.count_ones(), 64);
    for i in [0, 5, 63, 64, 69] {
        let d = rec.decide(&ev(&format!("a needle{i:02}! here")));
        assert_eq!(index_of(d), Some(format!("i{i}")), "rule {i}");
    }
    assert_eq!(index_of(rec.decide(&ev("no needle"))), None);
}

#[test]
fn a_regex_shows_its_literal_prefix_only_plainly() {
    let p = |s: &str| parse::literal_prefix(s);
    assert_eq!(
        p("Task timed out after \\d+(\\.\\d+)? seconds").as_deref(),
        Some("Task timed out after ")
    );
    assert_eq!(
        p("abcd+").as_deref(),
        Some("abc"),
        "a quantified last character is left out"
    );
    assert_eq!(
        p("abc?").as_deref(),
        None,
        "too short once the optional c is left out"
    );
    assert_eq!(p("abc{0}x").as_deref(), None);
    for none in [
        "(?i)timeout",
        "^START",
        "a|bcd",
        "timeout|error",
        "\\btask",
        "[Tt]ask",
        "ab",
    ] {
        assert_eq!(p(none), None, "{none}");
    }
    // With a covering search, a regex is skipped when its prefix is absent,
    // and still decides when it is there.
    let set = rules(
        r#"[
        {"match":{"contains":"kube-probe"},"action":"drop"},
        {"match":{"regex":"Task timed out after \\d+ seconds"},"action":"route","index":"t"}
    ]"#,
    );
    let rec = set.for_record("g", "s");
    assert_eq!(rec.shared.count_ones(), 2);
    assert_eq!(
        index_of(rec.decide(&ev("x Task timed out after 3 seconds"))),
        Some("t".into())
    );
    assert_eq!(
        index_of(rec.decide(&ev("x Task timed out after many seconds"))),
        None
    );
    assert_eq!(index_of(rec.decide(&ev("nothing"))), None);
}
