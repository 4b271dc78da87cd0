//! Metrics: one CloudWatch Embedded Metric Format line per invocation.
//!
//! CloudWatch turns the line into metrics in the `logship` namespace with the
//! function name as dimension, so dashboards and alarms need no extra calls
//! (alarm on `Failed` and `DeadLettered`; an invocation that ran out of time
//! counts every event it read as `Failed` and sets `TimedOut`). `Balanced` is 1 when events in =
//! delivered + dead-lettered + failed.

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::pipeline::Summary;

/// The EMF line for one invocation.
pub fn emf_line(summary: &Summary, function: &str, elapsed: Duration, timestamp_ms: u64) -> String {
    let counts: [(&str, u64, &str); 17] = [
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
    ];
    let mut root = Map::new();
    let mut defs = Vec::with_capacity(counts.len() + 1);
    for (name, value, unit) in counts {
        defs.push(json!({"Name": name, "Unit": unit}));
        root.insert(name.to_owned(), json!(value));
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
        assert_eq!(names, Some(18));
    }
}
