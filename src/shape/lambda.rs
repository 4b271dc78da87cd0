//! Lambda's JSON log format (advanced logging controls) and Powertools for
//! AWS Lambda: application lines (`{"timestamp","level","requestId","message",…}`)
//! and the platform events that replace START/END/REPORT in that format
//! (`{"time","type":"platform.report","record":{…}}`, as the Telemetry API
//! event schema defines them).

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::json::take_if;
use super::{LogsDropped, Shape, Shaped, json, snake, snake_keys, value_text};

const DATASET: &str = "aws.lambda";

/// Keys that carry the request id of an application line.
const REQUEST_ID_KEYS: &[&str] = &["requestId", "AWSRequestId", "function_request_id"];

/// `{"time":…,"type":"platform.…","record":{…}}`.
pub(super) fn is_platform(map: &Map<String, Value>) -> bool {
    map.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.starts_with("platform.") && t.len() > 9)
        && map.get("record").is_some_and(Value::is_object)
}

/// An application line of the JSON log format or of Powertools.
pub(super) fn is_app_line(map: &Map<String, Value>) -> bool {
    let has_request_id = REQUEST_ID_KEYS
        .iter()
        .any(|k| map.get(*k).is_some_and(Value::is_string));
    let powertools =
        map.get("cold_start").is_some_and(Value::is_boolean) && map.contains_key("function_name");
    let says_something =
        map.contains_key("message") || map.contains_key("msg") || map.contains_key("level");
    (has_request_id || powertools) && says_something
}

pub(super) fn app_line<'a>(mut map: Map<String, Value>, line: &'a str) -> Shaped<'a> {
    let mut s = Shaped::new(Shape::LambdaJson, DATASET, Cow::Borrowed(line));
    json::take_common(&mut s, &mut map);
    // The first request id key is the field; another (a second spelling
    // of it) stays one of the line's own fields.
    if let Some(key) = REQUEST_ID_KEYS
        .iter()
        .find(|k| map.get(**k).is_some_and(Value::is_string))
        && let Some(id) = map.remove(*key)
    {
        s.put("aws.lambda.request_id", id);
    }
    // Lambda's `timestamp` is the event's own time, which the document already has.
    if map.get("timestamp").is_some_and(Value::is_string) {
        map.remove("timestamp");
    }
    for (key, field) in [
        ("xray_trace_id", "trace.id"),
        ("service", "service.name"),
        ("function_name", "faas.name"),
        ("function_arn", "faas.id"),
    ] {
        if let Some(Value::String(v)) = map.get(key) {
            let v = v.clone();
            map.remove(key);
            s.put(field, v);
        }
    }
    if let Some(Value::Bool(cold)) = map.get("cold_start") {
        let cold = *cold;
        map.remove("cold_start");
        s.put("faas.coldstart", cold);
    }
    if let Some(size) = map.get("function_memory_size") {
        let n = match size {
            Value::Number(n) => n.as_u64(),
            Value::String(t) => t.parse::<u64>().ok(),
            _ => None,
        };
        if let Some(n) = n {
            map.remove("function_memory_size");
            s.put("aws.lambda.memory_size_mb", n);
        }
    }
    json::message_from_error(&mut s);
    s.app = map;
    s.or_line(line)
}

pub(super) fn platform<'a>(mut map: Map<String, Value>) -> Option<Shaped<'a>> {
    let kind = match map.remove("type") {
        Some(Value::String(t)) => t,
        _ => return None,
    };
    let Some(Value::Object(mut record)) = map.remove("record") else {
        return None;
    };
    map.remove("time");
    let name = kind.strip_prefix("platform.").unwrap_or(&kind);
    let event = snake(name);
    let mut s = Shaped::new(Shape::LambdaPlatform, DATASET, Cow::Borrowed(""));
    s.put("aws.lambda.event", event.as_str());
    // The object of the event's own keys: its name, unless that is one of
    // `aws.lambda`'s values (a future `platform.status` must not make
    // `aws.lambda.status` an object).
    let group = if SCALARS.contains(&event.as_str()) || COMMON_KEYS.contains(&event.as_str()) {
        format!("platform_{event}")
    } else {
        event.clone()
    };

    let text = |record: &Map<String, Value>, key: &str| {
        record.get(key).and_then(Value::as_str).map(str::to_owned)
    };
    let request_id = text(&record, "requestId");
    let status = text(&record, "status");
    if let Some(id) = &request_id {
        s.put("aws.lambda.request_id", id.as_str());
    }
    if let Some(st) = &status {
        s.put("aws.lambda.status", st.as_str());
        let ok = st == "success";
        s.put("event.outcome", if ok { "success" } else { "failure" });
        if !ok {
            s.level = Some(Cow::Borrowed("error"));
        }
    }
    // Taken only when they were text; anything else stays in the record.
    if request_id.is_some() {
        record.remove("requestId");
    }
    if status.is_some() {
        record.remove("status");
    }

    let metrics = match record.remove("metrics") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let metric = |key: &str| metrics.get(key).and_then(Value::as_f64);
    for (key, value) in &metrics {
        let path = match (event.as_str(), key.as_str()) {
            ("init_report", "durationMs") => "aws.lambda.report.init_duration_ms".to_owned(),
            ("restore_report", "durationMs") => "aws.lambda.report.restore_duration_ms".to_owned(),
            ("report", k) => format!("aws.lambda.report.{}", snake(k)),
            (_, k) => format!("aws.lambda.{group}.{}", snake(k)),
        };
        // Durations are fractional: always written as such, so the first
        // whole number an index sees does not make the field an integer.
        let value = match value.as_f64() {
            Some(n) if key.ends_with("Ms") && path.ends_with("duration_ms") => Value::from(n),
            Some(_) => value.clone(),
            // Not a number where numbers go: kept as text under its own name.
            None => {
                let name = snake(key);
                let text = Value::String(value_text(value));
                s.put_named(
                    &["aws", "lambda", &group, "invalid_metrics"],
                    key,
                    &name,
                    text,
                );
                continue;
            }
        };
        s.put(&path, value);
    }

    if let Some(Value::Object(tracing)) = take_if(&mut record, "tracing", Value::is_object) {
        if let Some(root) = tracing
            .get("value")
            .and_then(Value::as_str)
            .and_then(trace_root)
        {
            s.put("trace.id", root);
        }
        if let Some(Value::String(span)) = tracing.get("spanId") {
            s.put("span.id", span.as_str());
        }
        // The trace header as it came (`Parent=`, `Sampled=`), and any other key.
        let rest: Map<String, Value> = tracing
            .into_iter()
            .filter(|(k, v)| !(k == "spanId" && v.is_string()))
            .collect();
        if !rest.is_empty() {
            s.put_named(
                &["aws", "lambda"],
                "tracing",
                "tracing",
                snake_keys(Value::Object(rest)),
            );
        }
    }
    if let Some(spans) = take_if(&mut record, "spans", Value::is_array) {
        s.put("aws.lambda.spans", snake_keys(spans));
    }
    if let Some(t) = take_if(&mut record, "errorType", Value::is_string) {
        s.put("error.type", t);
    }

    let mut dropped = None;
    if event == "logs_dropped" {
        // Taken only as what they are (counts, a text); anything else
        // stays under `aws.lambda.logs_dropped` by its own name.
        let records = take_if(&mut record, "droppedRecords", Value::is_u64);
        let bytes = take_if(&mut record, "droppedBytes", Value::is_u64);
        let d = LogsDropped {
            records: records.as_ref().and_then(Value::as_u64).unwrap_or(0),
            bytes: bytes.as_ref().and_then(Value::as_u64).unwrap_or(0),
        };
        if let Some(n) = records {
            s.put("aws.lambda.logs_dropped.records", n);
        }
        if let Some(n) = bytes {
            s.put("aws.lambda.logs_dropped.bytes", n);
        }
        if let Some(reason) = take_if(&mut record, "reason", Value::is_string) {
            s.put("aws.lambda.logs_dropped.reason", reason);
        }
        s.level = Some(Cow::Borrowed("warn"));
        dropped = Some(d);
    }
    s.dropped = dropped;

    let grouped = matches!(event.as_str(), "extension" | "telemetry_subscription");
    let mut message = String::new();
    match event.as_str() {
        "start" => {
            let _ = write!(
                message,
                "START RequestId: {}",
                request_id.as_deref().unwrap_or("-")
            );
            if let Some(v) = text(&record, "version") {
                let _ = write!(message, " Version: {v}");
            }
        }
        "runtime_done" => {
            let _ = write!(
                message,
                "END RequestId: {}",
                request_id.as_deref().unwrap_or("-")
            );
        }
        "report" => {
            let _ = write!(
                message,
                "REPORT RequestId: {}",
                request_id.as_deref().unwrap_or("-")
            );
            for (label, key, unit) in [
                ("Duration", "durationMs", "ms"),
                ("Billed Duration", "billedDurationMs", "ms"),
                ("Memory Size", "memorySizeMB", "MB"),
                ("Max Memory Used", "maxMemoryUsedMB", "MB"),
                ("Init Duration", "initDurationMs", "ms"),
                ("Restore Duration", "restoreDurationMs", "ms"),
            ] {
                if let Some(v) = metric(key) {
                    let _ = write!(message, "\t{label}: {v} {unit}");
                }
            }
        }
        "init_start" | "restore_start" => {
            let head = if event == "init_start" {
                "INIT_START"
            } else {
                "RESTORE_START"
            };
            let _ = write!(message, "{head}");
            if let Some(v) = text(&record, "runtimeVersion") {
                let _ = write!(message, " Runtime Version: {v}");
            }
            if let Some(v) = text(&record, "runtimeVersionArn") {
                let _ = write!(message, "\tRuntime Version ARN: {v}");
            }
        }
        "init_report" => {
            let _ = write!(message, "INIT_REPORT");
            if let Some(v) = metric("durationMs") {
                let _ = write!(message, " Init Duration: {v} ms");
            }
            if let Some(v) = text(&record, "phase") {
                let _ = write!(message, "\tPhase: {v}");
            }
        }
        "restore_report" => {
            let _ = write!(message, "RESTORE_REPORT");
            if let Some(v) = metric("durationMs") {
                let _ = write!(message, " Restore Duration: {v} ms");
            }
        }
        "logs_dropped" => {
            let count = |field: &str| {
                s.fields
                    .get("aws")
                    .and_then(|a| a.pointer(&format!("/lambda/logs_dropped/{field}")))
                    .and_then(Value::as_u64)
                    .map_or_else(|| "?".to_owned(), |n| n.to_string())
            };
            let _ = write!(
                message,
                "{kind}: {} records ({} bytes) dropped",
                count("records"),
                count("bytes"),
            );
            if let Some(r) = s
                .fields
                .get("aws")
                .and_then(|a| a.pointer("/lambda/logs_dropped/reason"))
                .and_then(Value::as_str)
            {
                let _ = write!(message, ": {r}");
            }
        }
        _ => {
            let _ = write!(message, "{kind}");
            for key in ["name", "state"] {
                if let Some(v) = text(&record, key) {
                    let _ = write!(message, " {v}");
                }
            }
        }
    }
    if let Some(st) = status.as_deref().filter(|st| *st != "success") {
        let _ = write!(message, "\tStatus: {st}");
    }
    s.message = Cow::Owned(message);

    for (key, field, what) in [
        (
            "functionName",
            "faas.name",
            Value::is_string as fn(&Value) -> bool,
        ),
        ("functionVersion", "faas.version", Value::is_string),
        (
            "instanceMaxMemory",
            "aws.lambda.instance_max_memory_mb",
            Value::is_u64,
        ),
    ] {
        if let Some(v) = take_if(&mut record, key, what) {
            s.put(field, v);
        }
    }
    for (key, value) in record {
        let name = snake(&key);
        // Only the record keys the platform events document go straight
        // under `aws.lambda`, and only as text: anything else (a future
        // event's keys, an object where text is expected) goes under the
        // event's own name, so it never takes a name of another type.
        let common = !grouped && value.is_string() && COMMON_KEYS.contains(&name.as_str());
        let parents: &[&str] = if common {
            &["aws", "lambda"]
        } else {
            &["aws", "lambda", &group]
        };
        s.put_named(parents, &key, &name, snake_keys(value));
    }
    for (key, value) in map {
        s.app.insert(key, value);
    }
    if s.message.is_empty() {
        s.message = Cow::Owned(value_text(&Value::String(kind)));
    }
    Some(s)
}

/// Record keys of the platform events that are `aws.lambda.<key>` (text).
/// `aws.lambda`'s values (not objects): no event's keys go under these names.
const SCALARS: &[&str] = &[
    "request_id",
    "line_request_id",
    "event",
    "status",
    "spans",
    "tracing",
    "memory_size_mb",
    "instance_max_memory_mb",
];

const COMMON_KEYS: &[&str] = &[
    "version",
    "initialization_type",
    "phase",
    "runtime_version",
    "runtime_version_arn",
    "instance_id",
];

/// The `Root=` of an `X-Amzn-Trace-Id` value.
fn trace_root(value: &str) -> Option<&str> {
    value
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Root="))
        .filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::{LogsDropped, Shape, understand};
    use serde_json::json;

    const GROUP: &str = "/aws/lambda/orders";

    #[test]
    fn app_line_of_the_json_format() {
        let line = r#"{"timestamp":"2026-11-27T10:00:02.123Z","level":"ERROR","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","message":"payment failed","orderId":42}"#;
        let s = understand(GROUP, line).expect("shaped");
        assert_eq!(s.shape, Shape::LambdaJson);
        assert_eq!(s.dataset, "aws.lambda");
        assert_eq!(s.message, "payment failed");
        assert_eq!(s.level.as_deref(), Some("error"));
        assert_eq!(
            s.fields["aws"]["lambda"]["request_id"],
            "79b4f56e-95b1-4643-9700-2807f4e68189"
        );
        assert_eq!(s.app["orderId"], 42);
        assert!(s.app.get("timestamp").is_none());
        assert!(s.app.get("requestId").is_none());
    }

    #[test]
    fn python_error_line_with_stack_trace() {
        let line = r#"{"timestamp":"2026-11-27T10:00:02Z","level":"ERROR","message":"boom","logger":"root","requestId":"r-1","errorType":"ValueError","errorMessage":"bad order","stackTrace":["  File \"/var/task/app.py\", line 3, in handler\n","    raise ValueError(\"bad order\")\n"]}"#;
        let s = understand(GROUP, line).expect("shaped");
        assert_eq!(s.logger.as_deref(), Some("root"));
        assert_eq!(s.fields["error"]["type"], "ValueError");
        assert_eq!(s.fields["error"]["message"], "bad order");
        assert!(
            s.fields["error"]["stack_trace"]
                .as_str()
                .is_some_and(|t| t.contains("app.py"))
        );
        assert!(s.app.is_empty(), "{:?}", s.app);
    }

    #[test]
    fn powertools_keys() {
        let line = r#"{"level":"INFO","location":"handler:12","message":{"order":7},"timestamp":"2026-11-27 10:00:02,123+0000","service":"payments","cold_start":true,"function_name":"orders","function_memory_size":"256","function_arn":"arn:aws:lambda:eu-west-1:123456789012:function:orders","function_request_id":"r-2","xray_trace_id":"1-67a1b2c3-0123456789abcdef01234567","sampling_rate":0.1}"#;
        let s = understand(GROUP, line).expect("shaped");
        assert_eq!(s.shape, Shape::LambdaJson);
        assert_eq!(s.message, r#"{"order":7}"#);
        assert_eq!(s.level.as_deref(), Some("info"));
        assert_eq!(s.fields["aws"]["lambda"]["request_id"], "r-2");
        assert_eq!(s.fields["aws"]["lambda"]["memory_size_mb"], 256);
        assert_eq!(
            s.fields["trace"]["id"],
            "1-67a1b2c3-0123456789abcdef01234567"
        );
        assert_eq!(s.fields["faas"]["coldstart"], true);
        assert_eq!(s.fields["faas"]["name"], "orders");
        assert_eq!(
            s.fields["faas"]["id"],
            "arn:aws:lambda:eu-west-1:123456789012:function:orders"
        );
        assert_eq!(s.fields["service"]["name"], "payments");
        assert_eq!(s.app["location"], "handler:12");
        assert_eq!(s.app["sampling_rate"], 0.1);
    }

    #[test]
    fn platform_start_runtime_done_report() {
        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:02.000Z","type":"platform.start","record":{"requestId":"r-3","version":"$LATEST","tracing":{"spanId":"54565fb41ac79632","type":"X-Amzn-Trace-Id","value":"Root=1-67a1b2c3-0123456789abcdef01234567;Parent=54565fb41ac79632;Sampled=1"}}}"#,
        )
        .expect("start");
        assert_eq!(s.shape, Shape::LambdaPlatform);
        assert_eq!(s.message, "START RequestId: r-3 Version: $LATEST");
        assert_eq!(s.fields["aws"]["lambda"]["event"], "start");
        assert_eq!(s.fields["aws"]["lambda"]["request_id"], "r-3");
        assert_eq!(s.fields["aws"]["lambda"]["version"], "$LATEST");
        assert_eq!(
            s.fields["trace"]["id"],
            "1-67a1b2c3-0123456789abcdef01234567"
        );
        assert_eq!(s.fields["span"]["id"], "54565fb41ac79632");
        assert_eq!(s.level, None);

        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:02.100Z","type":"platform.runtimeDone","record":{"requestId":"r-3","status":"success","metrics":{"durationMs":98.5,"producedBytes":42},"spans":[{"name":"responseLatency","start":"2026-11-27T10:00:02.001Z","durationMs":98.0}]}}"#,
        )
        .expect("runtimeDone");
        assert_eq!(s.message, "END RequestId: r-3");
        assert_eq!(s.fields["aws"]["lambda"]["event"], "runtime_done");
        assert_eq!(
            s.fields["aws"]["lambda"]["runtime_done"]["duration_ms"],
            98.5
        );
        assert_eq!(
            s.fields["aws"]["lambda"]["runtime_done"]["produced_bytes"],
            42
        );
        assert_eq!(s.fields["aws"]["lambda"]["spans"][0]["duration_ms"], 98.0);
        assert_eq!(s.fields["event"]["outcome"], "success");

        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:02.200Z","type":"platform.report","record":{"requestId":"r-3","metrics":{"durationMs":102.25,"billedDurationMs":103,"memorySizeMB":128,"maxMemoryUsedMB":71,"initDurationMs":250.12},"status":"success"}}"#,
        )
        .expect("report");
        let r = &s.fields["aws"]["lambda"]["report"];
        assert_eq!(s.fields["aws"]["lambda"]["event"], "report");
        assert_eq!(r["duration_ms"], 102.25);
        assert_eq!(r["billed_duration_ms"], 103.0);
        assert_eq!(r["memory_size_mb"], 128);
        assert_eq!(r["max_memory_used_mb"], 71);
        assert_eq!(r["init_duration_ms"], 250.12);
        assert_eq!(
            s.message,
            "REPORT RequestId: r-3\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tInit Duration: 250.12 ms"
        );
    }

    #[test]
    fn platform_failed_report_is_an_error() {
        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:05Z","type":"platform.report","record":{"requestId":"r-4","metrics":{"durationMs":3000.0,"billedDurationMs":3000,"memorySizeMB":128,"maxMemoryUsedMB":90},"status":"timeout","errorType":"Sandbox.Timedout"}}"#,
        )
        .expect("report");
        assert_eq!(s.level.as_deref(), Some("error"));
        assert_eq!(s.fields["event"]["outcome"], "failure");
        assert_eq!(s.fields["aws"]["lambda"]["status"], "timeout");
        assert_eq!(s.fields["error"]["type"], "Sandbox.Timedout");
        assert!(s.message.ends_with("\tStatus: timeout"));
    }

    #[test]
    fn platform_init_and_restore() {
        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:01Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"python:3.12.v36","runtimeVersionArn":"arn:aws:lambda:eu-west-1::runtime:abc","functionName":"orders","functionVersion":"$LATEST","instanceMaxMemory":3008}}"#,
        )
        .expect("initStart");
        let l = &s.fields["aws"]["lambda"];
        assert_eq!(l["event"], "init_start");
        assert_eq!(l["initialization_type"], "on-demand");
        assert_eq!(l["phase"], "init");
        assert_eq!(l["runtime_version"], "python:3.12.v36");
        assert_eq!(
            l["runtime_version_arn"],
            "arn:aws:lambda:eu-west-1::runtime:abc"
        );
        assert_eq!(l["instance_max_memory_mb"], 3008);
        assert_eq!(s.fields["faas"]["name"], "orders");
        assert_eq!(s.fields["faas"]["version"], "$LATEST");
        assert!(
            s.message
                .starts_with("INIT_START Runtime Version: python:3.12.v36")
        );

        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:01.3Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init","status":"success","metrics":{"durationMs":250.12}}}"#,
        )
        .expect("initReport");
        assert_eq!(s.fields["aws"]["lambda"]["event"], "init_report");
        assert_eq!(
            s.fields["aws"]["lambda"]["report"]["init_duration_ms"],
            250.12
        );

        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:01.3Z","type":"platform.initRuntimeDone","record":{"initializationType":"snap-start","phase":"init","status":"success"}}"#,
        )
        .expect("initRuntimeDone");
        assert_eq!(s.fields["aws"]["lambda"]["event"], "init_runtime_done");
        assert_eq!(
            s.fields["aws"]["lambda"]["initialization_type"],
            "snap-start"
        );

        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:01Z","type":"platform.restoreReport","record":{"status":"success","metrics":{"durationMs":412.5}}}"#,
        )
        .expect("restoreReport");
        assert_eq!(s.fields["aws"]["lambda"]["event"], "restore_report");
        assert_eq!(
            s.fields["aws"]["lambda"]["report"]["restore_duration_ms"],
            412.5
        );
        assert_eq!(s.message, "RESTORE_REPORT Restore Duration: 412.5 ms");
    }

    #[test]
    fn platform_logs_dropped_is_counted() {
        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:03Z","type":"platform.logsDropped","record":{"reason":"Some logs were dropped because the downstream consumer is slower than the logs production rate","droppedRecords":123,"droppedBytes":12345}}"#,
        )
        .expect("logsDropped");
        assert_eq!(s.fields["aws"]["lambda"]["event"], "logs_dropped");
        assert_eq!(
            s.dropped,
            Some(LogsDropped {
                records: 123,
                bytes: 12345
            })
        );
        assert_eq!(s.fields["aws"]["lambda"]["logs_dropped"]["records"], 123);
        assert_eq!(s.fields["aws"]["lambda"]["logs_dropped"]["bytes"], 12345);
        assert_eq!(s.level.as_deref(), Some("warn"));
        assert!(
            s.message
                .starts_with("platform.logsDropped: 123 records (12345 bytes) dropped: Some logs")
        );
    }

    #[test]
    fn platform_extension_and_subscription() {
        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:01Z","type":"platform.extension","record":{"name":"otel","state":"Ready","events":["INVOKE","SHUTDOWN"]}}"#,
        )
        .expect("extension");
        assert_eq!(s.fields["aws"]["lambda"]["event"], "extension");
        assert_eq!(
            s.fields["aws"]["lambda"]["extension"]["events"],
            json!(["INVOKE", "SHUTDOWN"])
        );
        assert_eq!(s.message, "platform.extension otel Ready");
        let s = understand(
            GROUP,
            r#"{"time":"2026-11-27T10:00:01Z","type":"platform.telemetrySubscription","record":{"name":"otel","state":"Subscribed","types":["platform","function"]}}"#,
        )
        .expect("subscription");
        assert_eq!(s.fields["aws"]["lambda"]["event"], "telemetry_subscription");
        assert_eq!(
            s.fields["aws"]["lambda"]["telemetry_subscription"]["state"],
            "Subscribed"
        );
    }

    #[test]
    fn look_alikes_are_not_lambda() {
        // A platform type without a record, a record that is not an object.
        assert!(understand(GROUP, r#"{"type":"platform.report"}"#).is_none());
        let s = understand(
            GROUP,
            r#"{"type":"platform.report","record":"x","message":"m"}"#,
        )
        .expect("app json");
        assert_eq!(s.shape, Shape::AppJson);
        // A request id without anything said is not an app line.
        assert!(understand(GROUP, r#"{"requestId":"r-1","n":1}"#).is_none());
    }
}
