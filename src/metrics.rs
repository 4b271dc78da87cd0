//! Metrics: one CloudWatch Embedded Metric Format line per invocation.
//!
//! CloudWatch turns the line into metrics in the `logship` namespace with the
//! function name as dimension, so dashboards and alarms need no extra calls
//! (alarm on `Failed` and `DeadLettered`; an invocation that ran out of time
//! counts every event it read as `Failed` and sets `TimedOut`). `Balanced` is 1 when events in =
//! delivered + dead-lettered + failed + filtered. `Filtered` counts the events
//! the rules dropped or sampled out, and `Filtered_<rule>` what each rule did
//! (its name, else `rule<N>`).

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::pipeline::Summary;

/// At most this many per-rule metrics (an EMF directive holds at most 100 metrics).
pub const MAX_RULE_METRICS: usize = 50;

/// The EMF line for one invocation.
pub fn emf_line(summary: &Summary, function: &str, elapsed: Duration, timestamp_ms: u64) -> String {
    emf_line_with_rules(summary, &[], function, elapsed, timestamp_ms)
}

/// [`emf_line`] with what each rule filtered out: `(metric name, dropped +
/// sampled out)` per rule, written as `Filtered_<name>` (the first
/// [`MAX_RULE_METRICS`] rules).
pub fn emf_line_with_rules(
    summary: &Summary,
    per_rule: &[(String, u64)],
    function: &str,
    elapsed: Duration,
    timestamp_ms: u64,
) -> String {
    let counts: [(&str, u64, &str); 19] = [
        ("Records", summary.records, "Count"),
        ("EventsIn", summary.events_in, "Count"),
        ("ControlMessages", summary.control_messages, "Count"),
        ("UndecodableRecords", summary.undecodable_records, "Count"),
        ("Delivered", summary.delivered, "Count"),
        ("Rejected", summary.rejected, "Count"),
        ("DeadLettered", summary.dead_lettered, "Count"),
        ("Failed", summary.failed, "Count"),
        ("RecordsFailed", summary.records_failed, "Count"),
        ("BytesIn", summary.bytes_in, "Bytes"),
        ("BytesDecompressed", summary.bytes_decompressed, "Bytes"),
        ("BytesOut", summary.bytes_out, "Bytes"),
        ("Retries", summary.retries, "Count"),
        ("Masked", summary.masked, "Count"),
        ("Truncated", summary.truncated, "Count"),
        ("Balanced", u64::from(summary.balanced()), "None"),
        ("TimedOut", summary.timed_out, "Count"),
        ("Filtered", summary.filtered, "Count"),
        ("LambdaLogsDropped", summary.lambda_logs_dropped, "Count"),
    ];
    let mut root = Map::new();
    let mut defs = Vec::with_capacity(counts.len() + 1);
    for (name, value, unit) in counts {
        defs.push(json!({"Name": name, "Unit": unit}));
        root.insert(name.to_owned(), json!(value));
    }
    // The masking audit trail: values masked per rule family (counts only).
    for (rule, n) in summary.masked_by_rule.nonzero() {
        let name = format!("Masked_{}", rule.name());
        defs.push(json!({"Name": name, "Unit": "Count"}));
        root.insert(name, json!(n));
    }
    if summary.masked_by_rule.extra > 0 {
        defs.push(json!({"Name": "Masked_extra_patterns", "Unit": "Count"}));
        root.insert(
            "Masked_extra_patterns".to_owned(),
            json!(summary.masked_by_rule.extra),
        );
    }
    for (rule, filtered) in per_rule.iter().take(MAX_RULE_METRICS) {
        let name = format!("Filtered_{rule}");
        defs.push(json!({"Name": name, "Unit": "Count"}));
        root.insert(name, json!(filtered));
    }
    defs.push(json!({"Name": "DurationMs", "Unit": "Milliseconds"}));
    root.insert("DurationMs".to_owned(), json!(elapsed.as_millis() as u64));
    root.insert("FunctionName".to_owned(), json!(function));
    root.insert(
        "_aws".to_owned(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": "logship",
                "Dimensions": [["FunctionName"]],
                "Metrics": defs,
            }]
        }),
    );
    Value::Object(root).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_with_every_metric() {
        let s = Summary {
            records: 3,
            events_in: 10,
            delivered: 8,
            dead_lettered: 1,
            failed: 1,
            ..Summary::default()
        };
        let line = emf_line_with_rules(
            &Summary {
                events_in: 12,
                filtered: 2,
                ..s.clone()
            },
            &[("drop-noisy".into(), 2), ("rule2".into(), 0)],
            "f",
            Duration::from_millis(1),
            0,
        );
        let v: Value = serde_json::from_str(&line).expect("json");
        assert_eq!(v["Filtered"], 2);
        let mut masked = Summary::default();
        masked.masked_by_rule.add(crate::mask::Rule::Jwt, 3);
        let line = emf_line_with_rules(&masked, &[], "f", Duration::from_millis(1), 0);
        let m: Value = serde_json::from_str(&line).expect("json");
        assert_eq!(m["Masked_jwt"], 3);
        assert!(
            m.get("Masked_aws_key").is_none(),
            "only families that masked something"
        );
        assert_eq!(v["Balanced"], 1);
        assert_eq!(v["Filtered_drop-noisy"], 2);
        assert_eq!(v["Filtered_rule2"], 0);
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .map(Vec::len),
            Some(22)
        );
        let line = emf_line(
            &s,
            "logship-prod",
            Duration::from_millis(42),
            1_700_000_000_000,
        );
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).expect("json");
        assert_eq!(v["EventsIn"], 10);
        assert_eq!(v["Balanced"], 1);
        assert_eq!(v["DurationMs"], 42);
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], "logship");
        let names = v["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .map(Vec::len);
        assert_eq!(names, Some(20));
        assert_eq!(v["Filtered"], 0);
        assert_eq!(v["LambdaLogsDropped"], 0);
    }
}
