//! JSON loggers' lines (pino, bunyan, winston, python-json-logger, Powertools,
//! Rust `tracing`): an object with a message or a level, read as an
//! application line; and what every JSON layout shares (message, level,
//! logger, error), which Lambda's JSON log format takes too. Which shape a
//! JSON line is, is decided in [`super::understand_json`].

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{Shape, Shaped, value_text};

/// Keys that carry the level in the JSON loggers' layouts.
const LEVEL_KEYS: &[&str] = &[
    "level",
    "lvl",
    "severity",
    "levelname",
    "log_level",
    "loglevel",
    "log.level",
];

/// Keys that carry the human message.
const MESSAGE_KEYS: &[&str] = &["message", "msg"];

/// Keys that name the logger.
const LOGGER_KEYS: &[&str] = &["logger", "loggerName", "logger_name"];

/// An application JSON line with a message or a level; None otherwise (a JSON
/// object that says nothing about itself stays what the document makes of it).
pub(super) fn app_line<'a>(
    mut map: Map<String, Value>,
    dataset: &'static str,
    line: &'a str,
) -> Option<Shaped<'a>> {
    let has_level = LEVEL_KEYS.iter().any(|k| level_of(map.get(*k)).is_some());
    let has_message = MESSAGE_KEYS
        .iter()
        .any(|k| map.get(*k).is_some_and(is_message))
        || map
            .get("fields")
            .and_then(|f| f.get("message"))
            .is_some_and(is_message);
    if !has_level && !has_message {
        return container_record(map, dataset, line);
    }
    let mut s = Shaped::new(Shape::AppJson, dataset, Cow::Borrowed(line));
    take_common(&mut s, &mut map);
    // Rust `tracing`'s JSON layout: the message inside `fields`, the logger as `target`.
    if matches!(s.message, Cow::Borrowed(_))
        && let Some(Value::Object(fields)) = map.get_mut("fields")
        && fields.get("message").is_some_and(is_message)
    {
        if let Some(m) = fields.remove("message") {
            s.message = Cow::Owned(value_text(&m));
        }
        if fields.is_empty() {
            map.remove("fields");
        }
    }
    // Each key is taken only when it is what its field holds; anything
    // else stays one of the line's own fields.
    if s.logger.is_none()
        && map.contains_key("fields")
        && let Some(Value::String(target)) = take_if(&mut map, "target", Value::is_string)
    {
        s.logger = Some(Cow::Owned(target));
    }
    if let Some(pid) = take_if(&mut map, "pid", Value::is_u64) {
        s.put("process.pid", pid);
    }
    if let Some(host) = take_if(&mut map, "hostname", Value::is_string) {
        s.put("host.hostname", host);
    }
    // bunyan: `name` is the logger, `v` its format version.
    if map.get("v").is_some_and(Value::is_number)
        && s.logger.is_none()
        && let Some(Value::String(name)) = take_if(&mut map, "name", Value::is_string)
    {
        s.logger = Some(Cow::Owned(name));
    }
    message_from_error(&mut s);
    s.app = map;
    Some(s.or_line(line))
}

/// A container runtime's record as Fluent Bit, Fluentd and Docker's
/// json-file driver write it (EKS Container Insights, ECS FireLens):
/// `{"log":"…\n","stream":"stdout","kubernetes":{…}}`. `log` is the
/// message (its newline trimmed); the other keys stay the line's own.
fn container_record<'a>(
    mut map: Map<String, Value>,
    dataset: &'static str,
    line: &'a str,
) -> Option<Shaped<'a>> {
    let is_record = map.get("log").is_some_and(Value::is_string)
        && [
            "stream",
            "kubernetes",
            "docker",
            "container_id",
            "ecs_task_arn",
        ]
        .iter()
        .any(|k| map.contains_key(*k));
    if !is_record {
        return None;
    }
    let Some(Value::String(log)) = map.remove("log") else {
        return None;
    };
    // Kubernetes labels and annotations are named with dots
    // (`app.kubernetes.io/name` beside another pod's `app`): their dots
    // become `_`, as Filebeat's Kubernetes metadata does, so one pod's label
    // never makes another's an object.
    if let Some(Value::Object(k8s)) = map.get_mut("kubernetes") {
        for part in ["labels", "annotations"] {
            if let Some(Value::Object(names)) = k8s.get_mut(part)
                && names.keys().any(|k| k.contains('.'))
            {
                let mut dedotted = Map::new();
                for (k, v) in std::mem::take(names) {
                    let name = super::free_name(&dedotted, &k, &k.replace('.', "_"));
                    dedotted.insert(name, v);
                }
                *names = dedotted;
            }
        }
    }
    let mut s = Shaped::new(Shape::AppJson, dataset, Cow::Borrowed(line));
    s.message = Cow::Owned(log.trim_end_matches(['\n', '\r']).to_owned());
    s.app = map;
    Some(s.or_line(line))
}

/// A line with no message of its own but an error (the runtimes' uncaught
/// error: `errorType`, `errorMessage`, `stackTrace`): the error's message is
/// the message, not the whole object's text.
pub(super) fn message_from_error(s: &mut Shaped<'_>) {
    if matches!(s.message, Cow::Borrowed(_))
        && let Some(Value::String(m)) = s.fields.get("error").and_then(|e| e.get("message"))
        && !m.trim().is_empty()
    {
        s.message = Cow::Owned(m.clone());
    }
}

/// Removes `key` from `map` when its value is `what`.
pub(super) fn take_if(
    map: &mut Map<String, Value>,
    key: &str,
    what: fn(&Value) -> bool,
) -> Option<Value> {
    if map.get(key).is_some_and(what) {
        map.remove(key)
    } else {
        None
    }
}

/// Takes what every JSON layout shares: message, level, logger, error.
pub(super) fn take_common(s: &mut Shaped<'_>, map: &mut Map<String, Value>) {
    for key in MESSAGE_KEYS {
        if map.get(*key).is_some_and(is_message) {
            if let Some(v) = map.remove(*key) {
                s.message = Cow::Owned(value_text(&v));
            }
            break;
        }
    }
    for key in LEVEL_KEYS {
        if let Some(level) = level_of(map.get(*key)) {
            s.level = Some(level);
            map.remove(*key);
            break;
        }
    }
    for key in LOGGER_KEYS {
        if let Some(Value::String(_)) = map.get(*key) {
            if let Some(Value::String(logger)) = map.remove(*key) {
                s.logger = Some(Cow::Owned(logger));
            }
            break;
        }
    }
    take_error(s, map);
}

/// `errorType`/`errorMessage`/`stackTrace` (Lambda runtimes), Powertools'
/// `exception_name`/`exception`, pino's `err` object.
///
/// A field is set once: a second key naming it (`exception` and `err.stack`,
/// `errorType` and `exception_name`) stays one of the line's own fields.
fn take_error(s: &mut Shaped<'_>, map: &mut Map<String, Value>) {
    for (key, field) in [
        ("errorType", "error.type"),
        ("exception_name", "error.type"),
        ("errorMessage", "error.message"),
        ("exception", "error.stack_trace"),
    ] {
        // The line's key first: it is rarely there.
        if map.get(key).is_some_and(Value::is_string)
            && !s.has(field)
            && let Some(v) = map.remove(key)
        {
            s.put(field, v);
        }
    }
    if let Some(trace) = map.get("stackTrace")
        && !s.has("error.stack_trace")
    {
        let text = match trace {
            // Node's frames are lines, Python's end with their own newline.
            Value::Array(lines) => {
                let mut text = String::new();
                for line in lines {
                    if !text.is_empty() && !text.ends_with('\n') {
                        text.push('\n');
                    }
                    text.push_str(&value_text(line));
                }
                Some(text)
            }
            Value::String(t) => Some(t.clone()),
            _ => None,
        };
        if let Some(text) = text {
            map.remove("stackTrace");
            s.put("error.stack_trace", text);
        }
    }
    // pino's `err`: its text parts are the error's fields, the rest of it
    // (a code, a cause) stays under `err`.
    if let Some(Value::Object(err)) = map.get_mut("err")
        && (err.contains_key("message") || err.contains_key("stack"))
    {
        for (key, field) in [
            ("type", "error.type"),
            ("message", "error.message"),
            ("stack", "error.stack_trace"),
        ] {
            if !s.has(field)
                && let Some(v) = take_if(err, key, Value::is_string)
            {
                s.put(field, v);
            }
        }
        if err.is_empty() {
            map.remove("err");
        }
    }
}

/// A message value worth showing: a non-empty string, or an object/array.
fn is_message(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.trim().is_empty(),
        Value::Object(_) | Value::Array(_) => true,
        _ => false,
    }
}

/// A level written as a string or as a pino/bunyan/syslog number.
fn level_of(v: Option<&Value>) -> Option<Cow<'static, str>> {
    match v? {
        Value::String(s) => super::level::level_cow(s),
        Value::Number(n) => n
            .as_u64()
            .and_then(super::level::from_number)
            .map(Cow::Borrowed),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::understand;
    use serde_json::json;

    #[test]
    fn pino_numeric_level_and_msg() {
        let line = r#"{"level":40,"time":1795860002123,"pid":17,"hostname":"ip-10-0-1-5","msg":"cache miss ratio high","ratio":0.4}"#;
        let s = understand("/ecs/web", line).expect("pino");
        assert_eq!(s.shape, super::Shape::AppJson);
        assert_eq!(s.dataset, "aws.cloudwatch_logs");
        assert_eq!(s.message, "cache miss ratio high");
        assert_eq!(s.level.as_deref(), Some("warn"));
        assert_eq!(s.fields["process"]["pid"], 17);
        assert_eq!(s.fields["host"]["hostname"], "ip-10-0-1-5");
        assert_eq!(s.app["ratio"], 0.4);
        assert_eq!(s.app["time"], 1_795_860_002_123_u64);
        assert!(s.app.get("msg").is_none());
    }

    #[test]
    fn bunyan_name_is_the_logger_and_err_is_an_error() {
        let line = r#"{"name":"billing","hostname":"h1","pid":8,"level":50,"err":{"message":"card declined","type":"PaymentError","stack":"PaymentError: card declined\n    at charge (billing.js:10:5)"},"msg":"charge failed","time":"2026-11-27T10:00:02.123Z","v":0}"#;
        let s = understand("/ecs/billing", line).expect("bunyan");
        assert_eq!(s.level.as_deref(), Some("error"));
        assert_eq!(s.logger.as_deref(), Some("billing"));
        assert_eq!(s.message, "charge failed");
        assert_eq!(s.fields["error"]["type"], "PaymentError");
        assert_eq!(s.fields["error"]["message"], "card declined");
        assert!(
            s.fields["error"]["stack_trace"]
                .as_str()
                .is_some_and(|t| t.contains("billing.js"))
        );
        assert!(s.app.get("err").is_none());
    }

    #[test]
    fn winston_and_python_json_logger() {
        let s = understand(
            "/ecs/api",
            r#"{"level":"warning","message":"slow","service":"api","durationMs":812}"#,
        )
        .expect("winston");
        assert_eq!(s.level.as_deref(), Some("warn"));
        assert_eq!(s.message, "slow");
        assert_eq!(s.app["durationMs"], 812);
        let s = understand(
            "/ecs/api",
            r#"{"levelname":"CRITICAL","name":"x","message":{"order":42},"logger_name":"app.db"}"#,
        )
        .expect("python");
        assert_eq!(s.level.as_deref(), Some("critical"));
        assert_eq!(s.message, r#"{"order":42}"#);
        assert_eq!(s.logger.as_deref(), Some("app.db"));
        assert_eq!(s.app["name"], json!("x"));
    }

    #[test]
    fn a_container_record_s_log_is_the_message() {
        let s = understand(
            "/aws/containerinsights/c/application",
            r#"{"log":"hello from pod\n","stream":"stdout","kubernetes":{"pod_name":"p"}}"#,
        )
        .expect("container record");
        assert_eq!(s.message, "hello from pod");
        assert_eq!(s.app["stream"], "stdout");
        assert_eq!(s.app["kubernetes"]["pod_name"], "p");
        assert!(s.app.get("log").is_none());
        let s = understand(
            "/aws/containerinsights/c/application",
            r#"{"log":"b","stream":"stdout","kubernetes":{"labels":{"app.kubernetes.io/name":"api","app":"x"}}}"#,
        )
        .expect("container record");
        assert_eq!(
            s.app["kubernetes"]["labels"]["app_kubernetes_io/name"],
            "api"
        );
        assert_eq!(s.app["kubernetes"]["labels"]["app"], "x");
        // `log` alone is no container record.
        assert!(understand("/ecs/x", r#"{"log":"x","n":1}"#).is_none());
    }

    #[test]
    fn json_without_message_or_level_is_not_shaped() {
        assert!(understand("/ecs/api", r#"{"order":42,"total":"9.99"}"#).is_none());
        assert!(understand("/ecs/api", r#"{"message":"","n":1}"#).is_none());
        assert!(understand("/ecs/api", r#"{"level":true}"#).is_none());
        assert!(understand("/ecs/api", r#"{"level":"info","#).is_none());
        assert!(understand("/ecs/api", "{not json}").is_none());
    }
}
