//! Documents: one per CloudWatch log event, enriched with the envelope (where
//! the event came from) and with what the message itself says.
//!
//! Field names follow the Elastic Common Schema where it has one, and
//! `aws.<source>.*` like Elastic's AWS integration where it has none. What a
//! message says is read by [`crate::shape`] (Lambda's JSON log format and
//! platform events, JSON loggers, text frameworks, logfmt, syslog, VPC flow
//! logs, CloudTrail, API Gateway access logs) and, for Lambda's text format,
//! by its `lambda` module here:
//! - `START`/`END`/`REPORT` lines give `aws.lambda.event`, the request id and,
//!   for REPORT, numbers under `aws.lambda.report`; their `message` is the line;
//! - `TIMESTAMP\tREQUEST_ID\tLEVEL\tbody` (and Python's `[LEVEL]\t…`) give
//!   `log.level` and `aws.lambda.request_id`, and the body is read like any
//!   other line (a JSON logger's object, a framework's text line);
//! - a line with a shape: `message` is its human message, its ECS fields are
//!   merged into the document, its own other keys become fields;
//! - a JSON object with no message or level of its own: its keys become fields,
//!   `message` is the object's text.
//!
//! When `message` is only a part of the line, the line as it came is kept in
//! [`Document::original`] for masking, and written as `event.original` only
//! when asked (`LOGSHIP_KEEP_ORIGINAL`). The line's own fields go to the top
//! level, except keys the document owns (`@timestamp`, `message`, `event`,
//! `cloud`, `aws`, `log`, `faas`, `logship`, `json`, an ECS field the line's
//! shape set, and keys starting with `_`, which Elasticsearch reserves), which
//! go under `json.<key>`; or, with `LOGSHIP_FIELDS_PREFIX`, all under that key.
//!
//! The document id is deterministic (log group, log stream, event id), so a retry
//! or a redrive of the same event never creates a second document ([`DocId`]).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::decode::LogEvent;
use crate::shape::{self, EcsJson, Group, LogsDropped, Shaped, Shaper};
use crate::time;

mod id;
mod lambda;
mod place;
mod write;

pub use id::{DocId, IdHasher};
pub use lambda::{LambdaLine, Report};
use place::RESERVED;
pub use place::is_document_field;
pub use write::{EnvelopeJson, LineOptions};

/// What every document of one record shares.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// `cloud.account.id`.
    pub owner: &'a str,
    /// `aws.cloudwatch.log_group`.
    pub log_group: &'a str,
    /// `aws.cloudwatch.log_stream`.
    pub log_stream: &'a str,
    /// `cloud.region`, from the Kinesis record.
    pub region: &'a str,
}

impl Envelope<'_> {
    /// `faas.name` for Lambda log groups (`/aws/lambda/NAME`).
    fn function_name(&self) -> Option<&str> {
        self.log_group
            .strip_prefix("/aws/lambda/")
            .filter(|n| !n.is_empty())
    }
}

/// How documents are made, as configured: which lines have which shape, and
/// where a line's own fields go.
#[derive(Debug, Clone, Default)]
pub struct Shaping {
    /// Understands the lines (with the configured custom VPC flow log formats).
    pub shaper: Shaper,
    /// `LOGSHIP_FIELDS_PREFIX`: a line's own fields go under this key instead
    /// of the top level (validated by the configuration: a plain name that no
    /// document field uses).
    pub fields_prefix: Option<String>,
    /// `LOGSHIP_SHAPES=off`: only Lambda's text format and JSON objects are
    /// read (the cheaper documents of earlier versions).
    pub shapes_off: bool,
}

impl Shaping {
    /// The default: every known shape, fields at the top level.
    pub const fn new() -> Shaping {
        Shaping {
            shaper: Shaper::new(),
            fields_prefix: None,
            shapes_off: false,
        }
    }
}

static DEFAULT_SHAPING: Shaping = Shaping::new();

/// Makes the documents of one record: the id hash of its log group and log
/// stream is taken once, each event then hashes only its own id.
#[derive(Debug, Clone)]
pub struct RecordDocs<'r> {
    ids: IdHasher,
    /// None with `LOGSHIP_SHAPES=off`.
    group: Option<Group<'r>>,
    shaping: &'r Shaping,
}

impl<'r> RecordDocs<'r> {
    /// The document maker of the record of `log_group` and `log_stream`.
    pub fn new(log_group: &'r str, log_stream: &str, shaping: &'r Shaping) -> RecordDocs<'r> {
        RecordDocs {
            ids: IdHasher::new(log_group, log_stream),
            group: (!shaping.shapes_off).then(|| shaping.shaper.group(log_group)),
            shaping,
        }
    }

    /// Builds the document of one log event. What it takes from a borrowed
    /// message is borrowed too; from an owned one (a message that had JSON
    /// escapes), copied.
    pub fn build<'a>(&self, event: LogEvent<'a>, lossy_utf8: bool) -> Document<'a> {
        let id = self.ids.id(&event.id);
        let line = match event.message {
            Cow::Borrowed(m) => Cow::Borrowed(m.trim_end_matches(['\n', '\r'])),
            Cow::Owned(mut m) => {
                let trimmed = m.trim_end_matches(['\n', '\r']).len();
                m.truncate(trimmed);
                Cow::Owned(m)
            }
        };
        let timestamp_ms = event.timestamp.clamp(time::MIN_MS, time::MAX_MS);
        let (said, message, original) = match line {
            Cow::Borrowed(line) => {
                let mut said = understand(self.group.as_ref(), line);
                match said.message.take() {
                    Some(m) if !same_text(&m, line) => (said, m, Some(Cow::Borrowed(line))),
                    _ => (said, Cow::Borrowed(line), None),
                }
            }
            Cow::Owned(line) => {
                let mut said = understand(self.group.as_ref(), &line).into_owned();
                match said.message.take() {
                    Some(m) if m != line.as_str() => (said, m, Some(Cow::Owned(line))),
                    _ => (said, Cow::Owned(line), None),
                }
            }
        };
        let mut doc = Document {
            id,
            timestamp_ms,
            event_id: event.id,
            message,
            original,
            fields: said.app,
            ecs: said.ecs,
            ecs_json: said.written,
            level: said.level,
            logger: said.logger,
            request_id: said.request_id,
            lambda: said.lambda,
            dataset: said.dataset,
            dropped: said.dropped,
            outside_fields: false,
            lossy_utf8,
            bad_timestamp: timestamp_ms != event.timestamp,
        };
        if doc.fields.is_some() {
            // Placing the line's own fields reads the ECS ones.
            doc.materialize_ecs();
        }
        if let Some(extracted) = event.extracted_fields {
            doc.outside_fields = true;
            doc.materialize_ecs();
            let from = shape::extracted(
                extracted
                    .iter()
                    .map(|(k, v)| (k.as_str(), shape::value_text(v))),
            );
            if !from.is_empty() {
                shape::merge(doc.ecs.get_or_insert_with(Map::new), from);
            }
        }
        if let Some(fields) = doc.fields.take().filter(|f| !f.is_empty()) {
            let prefix = self.shaping.fields_prefix.as_deref();
            doc.fields = Some(place::place(fields, prefix, doc.ecs.as_ref()));
        }
        doc
    }
}

/// Whether `part` is `whole` itself (the same bytes at the same place).
fn same_text(part: &str, whole: &str) -> bool {
    part.len() == whole.len() && std::ptr::eq(part.as_ptr(), whole.as_ptr())
}

/// One log event as a document, before masking and encoding. It borrows from
/// the decoded payload wherever it can: most documents allocate nothing of
/// their own but parsed fields.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    /// The deterministic id.
    pub id: DocId,
    /// Event time in milliseconds since the epoch (clamped to years 0000–9999).
    pub timestamp_ms: i64,
    /// The CloudWatch event id: `event.id`.
    pub event_id: Cow<'a, str>,
    /// The human message: `message`. The line itself (trailing newline
    /// trimmed) unless its shape names a message of its own.
    pub message: Cow<'a, str>,
    /// The line as it came, when `message` is not the whole of it:
    /// `event.original` when `LOGSHIP_KEEP_ORIGINAL` is on. Masked like the rest.
    pub original: Option<Cow<'a, str>>,
    /// The line's own fields (a JSON object's keys, logfmt pairs), already
    /// placed: clashing keys under `json`, or all under the configured prefix.
    pub fields: Option<Map<String, Value>>,
    /// ECS (and `aws.<source>.*`) fields the line's shape gives, as nested
    /// objects; merged with the envelope's objects when written.
    pub ecs: Option<Map<String, Value>>,
    /// The ECS fields of a shape that writes them as JSON directly (VPC flow
    /// records), when [`Document::ecs`] is None: copied into the document as
    /// they are, read into a tree only when asked ([`Document::ecs_fields`],
    /// [`Document::materialize_ecs`]).
    pub ecs_json: Option<EcsJson>,
    /// `log.level`, lowercase and normalized (`warning` → `warn`).
    pub level: Option<Cow<'a, str>>,
    /// `log.logger`.
    pub logger: Option<Cow<'a, str>>,
    /// `aws.lambda.request_id` of Lambda's text format.
    pub request_id: Option<Cow<'a, str>>,
    /// `aws.lambda.event` and friends of Lambda's text format.
    pub lambda: LambdaLine,
    /// The data set of the line's shape (`aws.vpcflow`, …), if it has one.
    pub dataset: Option<&'static str>,
    /// Set for Lambda's `platform.logsDropped` event (counted in the metrics).
    pub dropped: Option<LogsDropped>,
    /// [`Document::ecs`] holds values that are not in the line (a
    /// subscription filter's `extractedFields`): the masker must read them
    /// whatever it finds in the line.
    pub outside_fields: bool,
    /// The payload held invalid UTF-8 (replaced by U+FFFD).
    pub lossy_utf8: bool,
    /// The event time was outside years 0000–9999 and was clamped.
    pub bad_timestamp: bool,
}

impl<'a> Document<'a> {
    /// The ECS fields the line's shape gives, as a tree ([`Document::ecs`],
    /// or [`Document::ecs_json`] read once).
    pub fn ecs_fields(&self) -> Option<&Map<String, Value>> {
        match (&self.ecs, &self.ecs_json) {
            (Some(map), _) => Some(map),
            (None, Some(json)) => Some(json.map()),
            (None, None) => None,
        }
    }

    /// Moves [`Document::ecs_json`], read into a tree, to [`Document::ecs`]
    /// (to change a field: masking, merging).
    pub fn materialize_ecs(&mut self) {
        if let Some(json) = self.ecs_json.take() {
            let map = json.into_map();
            match self.ecs.as_mut() {
                Some(ecs) => shape::merge(ecs, map),
                None => self.ecs = Some(map),
            }
        }
    }

    /// Builds the document of one log event with the default [`Shaping`].
    pub fn new(env: &Envelope<'_>, event: LogEvent<'a>, lossy_utf8: bool) -> Document<'a> {
        RecordDocs::new(env.log_group, env.log_stream, &DEFAULT_SHAPING).build(event, lossy_utf8)
    }
}

/// What a line says about itself, borrowing from it where it can.
struct Understood<'m> {
    /// The human message, when the line names one.
    message: Option<Cow<'m, str>>,
    /// Normalized: a name of the shared vocabulary, or a lower-cased copy.
    level: Option<Cow<'static, str>>,
    logger: Option<Cow<'m, str>>,
    request_id: Option<Cow<'m, str>>,
    lambda: LambdaLine,
    ecs: Option<Map<String, Value>>,
    written: Option<EcsJson>,
    app: Option<Map<String, Value>>,
    dataset: Option<&'static str>,
    dropped: Option<LogsDropped>,
}

impl<'m> Understood<'m> {
    fn nothing() -> Understood<'m> {
        Understood {
            message: None,
            level: None,
            logger: None,
            request_id: None,
            lambda: LambdaLine::None,
            ecs: None,
            written: None,
            app: None,
            dataset: None,
            dropped: None,
        }
    }

    /// Takes in what a shape read (the shape's level wins over one already set:
    /// a JSON logger's own level is more precise than the runtime's).
    fn absorb(&mut self, mut s: Shaped<'m>) {
        // The text format's request id is the invocation's; a body that
        // names another (an upstream call's) keeps it beside it.
        if self.request_id.is_some()
            && let Some(Value::Object(lambda)) =
                s.fields.get_mut("aws").and_then(|a| a.get_mut("lambda"))
            && let Some(inner) = lambda.remove("request_id")
            && inner.as_str() != self.request_id.as_deref()
        {
            lambda.insert("line_request_id".to_owned(), inner);
        }
        self.message = Some(s.message);
        if s.level.is_some() {
            self.level = s.level;
        }
        self.logger = s.logger;
        if !s.fields.is_empty() {
            self.ecs = Some(s.fields);
        }
        self.written = s.written;
        if !s.app.is_empty() {
            self.app = Some(s.app);
        }
        self.dataset = Some(s.dataset);
        self.dropped = s.dropped;
    }

    fn into_owned(self) -> Understood<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        Understood {
            message: self.message.map(own),
            level: self.level,
            logger: self.logger.map(own),
            request_id: self.request_id.map(own),
            lambda: self.lambda,
            ecs: self.ecs,
            written: self.written,
            app: self.app,
            dataset: self.dataset,
            dropped: self.dropped,
        }
    }
}

/// Reads a line (trailing newline trimmed) of `log_group`.
fn understand<'m>(group: Option<&Group<'_>>, line: &'m str) -> Understood<'m> {
    let mut said = Understood::nothing();
    if let Some((request_id, what)) = lambda::platform_line(line) {
        said.request_id = Some(Cow::Borrowed(request_id));
        // `REPORT … Status: timeout`: the invocation failed, as the JSON
        // format's `platform.report` says with its `status`.
        if let LambdaLine::Report(Report {
            status: Some(status),
            ..
        }) = &what
        {
            let mut ecs = Map::new();
            shape::put(&mut ecs, "aws.lambda.status", Value::from(status.as_str()));
            if status != "success" {
                shape::put(&mut ecs, "event.outcome", Value::from("failure"));
                said.level = Some(Cow::Borrowed("error"));
            }
            said.ecs = Some(ecs);
        }
        said.lambda = what;
        return said;
    }
    let body = match lambda::text_line(line) {
        Some((level, request_id, body)) => {
            if !request_id.is_empty() {
                said.request_id = Some(Cow::Borrowed(request_id));
            }
            said.level = Some(level_of(level));
            if !body.trim().is_empty() {
                said.message = Some(Cow::Borrowed(body));
            }
            body
        }
        None => line,
    };
    match group.and_then(|g| g.understand_written(body)) {
        Some(shaped) => said.absorb(shaped),
        None => said.app = parse_object(body),
    }
    said
}

/// A level as written, normalized (borrowed for the usual names).
fn level_of(written: &str) -> Cow<'static, str> {
    match shape::normalize_level(written) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(written.to_ascii_lowercase()),
    }
}

/// A JSON object message, or None (the common case costs one byte check).
fn parse_object(text: &str) -> Option<Map<String, Value>> {
    let t = text.trim_ascii();
    if !(t.starts_with('{') && t.ends_with('}')) {
        return None;
    }
    shape::parse_object(t).filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    const ENV: Envelope<'static> = Envelope {
        owner: "123456789012",
        log_group: "/aws/lambda/orders",
        log_stream: "2024/01/01/[$LATEST]abcdef",
        region: "eu-west-1",
    };

    fn doc(message: &str) -> Document<'_> {
        Document::new(
            &ENV,
            LogEvent {
                id: Cow::Borrowed("36558493440960787426426224738233386617283722463537315840"),
                timestamp: 1_704_067_200_123,
                message: Cow::Owned(message.to_owned()),
                extracted_fields: None,
            },
            false,
        )
    }

    fn json(d: &Document) -> Value {
        let mut out = Vec::new();
        d.write_json(&ENV, &mut out, false, None);
        serde_json::from_slice(&out).expect("valid JSON")
    }

    #[test]
    fn plain_text_gets_the_envelope() {
        let v = json(&doc("plain text line\n"));
        assert_eq!(v["@timestamp"], "2024-01-01T00:00:00.123Z");
        assert_eq!(v["message"], "plain text line");
        assert_eq!(v["event"]["id"].as_str().map(str::len), Some(56));
        assert_eq!(v["cloud"]["provider"], "aws");
        assert_eq!(v["cloud"]["account"]["id"], "123456789012");
        assert_eq!(v["cloud"]["region"], "eu-west-1");
        assert_eq!(v["aws"]["cloudwatch"]["log_group"], "/aws/lambda/orders");
        assert_eq!(
            v["aws"]["cloudwatch"]["log_stream"],
            "2024/01/01/[$LATEST]abcdef"
        );
        assert_eq!(v["faas"]["name"], "orders");
        assert!(v.get("log").is_none());
    }

    #[test]
    fn no_region_no_cloud_region() {
        let env = Envelope { region: "", ..ENV };
        let d = Document::new(
            &env,
            LogEvent {
                id: Cow::Borrowed("1"),
                timestamp: 1_704_067_200_123,
                message: Cow::Borrowed("line"),
                extracted_fields: None,
            },
            false,
        );
        let mut out = Vec::new();
        d.write_json(&env, &mut out, false, None);
        let v: Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(v["cloud"]["provider"], "aws");
        assert!(v["cloud"].get("region").is_none());
    }

    #[test]
    fn a_body_request_id_beside_the_invocation_s_is_kept() {
        let v = json(&doc(
            "2024-01-01T00:00:00.123Z\tr-1\tINFO\t{\"level\":\"info\",\"msg\":\"up\",\"requestId\":\"upstream-123\"}",
        ));
        assert_eq!(v["aws"]["lambda"]["request_id"], "r-1");
        assert_eq!(v["aws"]["lambda"]["line_request_id"], "upstream-123");
        let v = json(&doc(
            "2024-01-01T00:00:00.123Z\tr-1\tINFO\t{\"level\":\"info\",\"msg\":\"up\",\"requestId\":\"r-1\"}",
        ));
        assert!(v["aws"]["lambda"].get("line_request_id").is_none());
    }

    #[test]
    fn dotnet_levels_python_start_up_lines_and_bad_look_alikes() {
        let v = json(&doc("2024-01-15T10:00:00.123Z\tr-1\tfail\tOrder failed"));
        assert_eq!(v["log"]["level"], "error");
        assert_eq!(v["message"], "Order failed");
        let v = json(&doc("2024-01-15T10:00:00.123Z\tr-1\ttrce\tdetail"));
        assert_eq!(v["log"]["level"], "trace");
        let v = json(&doc(
            "[INFO]\t2024-01-15T10:00:00.803Z\t\tFound credentials in environment variables.",
        ));
        assert_eq!(v["log"]["level"], "info");
        assert_eq!(v["message"], "Found credentials in environment variables.");
        assert!(v["aws"].get("lambda").is_none());
        // A timestamp out of range, a START line without an id: plain.
        let v = json(&doc("2024-13-45T99:00:00.123Z\tr-1\tINFO\tx"));
        assert!(v.get("log").is_none());
        let v = json(&doc("START RequestId: Version: 1"));
        assert!(v["aws"].get("lambda").is_none());
    }

    #[test]
    fn a_report_with_a_status_is_a_failure() {
        let v = json(&doc(
            "REPORT RequestId: r-1\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 67 MB\tStatus: timeout",
        ));
        assert_eq!(v["aws"]["lambda"]["status"], "timeout");
        assert_eq!(v["aws"]["lambda"]["report"]["duration_ms"], 3000.0);
        assert_eq!(v["event"]["outcome"], "failure");
        assert_eq!(v["log"]["level"], "error");
        let v = json(&doc("REPORT RequestId: r-1\tDuration: 3.00 ms\t"));
        assert!(v["aws"]["lambda"].get("status").is_none());
        assert!(v.get("log").is_none());
    }

    #[test]
    fn a_request_id_is_one_word() {
        let v = json(&doc("2024-01-01T00:00:00.123Z\tr-1 extra\tINFO\thello"));
        assert!(v.get("log").is_none());
        assert_eq!(
            v["message"],
            "2024-01-01T00:00:00.123Z\tr-1 extra\tINFO\thello"
        );
    }

    #[test]
    fn ids_are_deterministic_and_distinct() {
        let a = DocId::new("g", "s", "1");
        assert_eq!(a, DocId::new("g", "s", "1"));
        // Pinned: ids already stored must stay the ids of their events.
        assert_eq!(a.as_str(), "ZU6HIwudMLSj2EMeRkc_yaaQ");
        assert_ne!(a, DocId::new("g", "s", "2"));
        assert_ne!(DocId::new("ab", "c", "1"), DocId::new("a", "bc", "1"));
        assert_eq!(a.as_str().len(), 24);
    }

    #[test]
    fn json_message_becomes_fields_without_overwriting_the_envelope() {
        // A JSON logger's line: `msg` is the message, the rest are fields.
        let m = r#"{"level":"ERROR","msg":"boom","user":{"id":"u7"},"message2":"inner","cloud":"x","_id":"evil"}"#;
        let d = doc(m);
        assert_eq!(d.original.as_deref(), Some(m));
        let v = json(&d);
        assert_eq!(v["message"], "boom");
        assert_eq!(v["user"]["id"], "u7");
        assert_eq!(v["log"]["level"], "error");
        assert_eq!(v["cloud"]["provider"], "aws");
        assert_eq!(v["json"]["cloud"], "x");
        assert_eq!(v["json"]["_id"], "evil");
        assert!(v.get("_id").is_none());
        assert!(v["event"].get("original").is_none(), "only when asked");
        // With event.original asked for, the line is there as it came.
        let mut out = Vec::new();
        let opts = LineOptions {
            keep_original: true,
            ..LineOptions::default()
        };
        d.write_line(&ENV.json(), &mut out, &opts);
        let v: Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(v["event"]["original"], m);
        // A JSON object that says nothing about itself keeps its text as the message.
        let plain = r#"{"order":42,"_private":{"nested":true},"event":"x"}"#;
        let v = json(&doc(plain));
        assert_eq!(v["message"], plain);
        assert_eq!(v["order"], 42);
        assert_eq!(v["json"]["event"], "x");
        assert_eq!(v["json"]["_private"]["nested"], true);
    }

    #[test]
    fn shapes_off_reads_only_the_lambda_text_format_and_json_objects() {
        let shaping = Shaping {
            shapes_off: true,
            ..Shaping::default()
        };
        let docs = RecordDocs::new("/vpc/flow-logs", "s", &shaping);
        let event = |m: &'static str| LogEvent {
            id: Cow::Borrowed("1"),
            timestamp: 1_704_067_200_123,
            message: Cow::Borrowed(m),
            extracted_fields: None,
        };
        let flow = "2 123456789012 eni-1 10.0.1.5 10.0.2.9 443 49152 6 10 840 1732000000 1732000060 ACCEPT OK";
        let d = docs.build(event(flow), false);
        assert!(d.ecs.is_none() && d.original.is_none());
        assert_eq!(d.message, flow);
        let d = docs.build(event(r#"{"level":"warn","msg":"m","n":1}"#), false);
        assert!(d.ecs.is_none());
        assert_eq!(d.fields.as_ref().map(|f| f.len()), Some(3));
        let d = docs.build(event("2024-01-01T00:00:00.123Z\treq-1\tERROR\tboom"), false);
        assert_eq!(d.message, "boom");
        assert_eq!(d.level.as_deref(), Some("error"));
    }

    #[test]
    fn lambda_text_format() {
        let line = "2024-01-01T00:00:00.123Z\t6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\tERROR\tInvoke Error \t{\"x\":1}\n    at f (index.js:1:1)\n";
        let v = json(&doc(line));
        assert_eq!(v["log"]["level"], "error");
        assert_eq!(
            v["aws"]["lambda"]["request_id"],
            "6f1c2a4e-8b1d-4c3e-9f00-1234567890ab"
        );
        assert_eq!(
            v["message"],
            "Invoke Error \t{\"x\":1}\n    at f (index.js:1:1)"
        );
        let v = json(&doc(
            "[WARNING]\t2024-01-01T00:00:00.123Z\treq-1\t{\"order\":42}",
        ));
        assert_eq!(v["log"]["level"], "warn");
        assert_eq!(v["aws"]["lambda"]["request_id"], "req-1");
        assert_eq!(v["order"], 42);
        assert_eq!(v["message"], "{\"order\":42}");
        // A JSON logger's object in the text format: its own level wins.
        let v = json(&doc(
            "2024-01-01T00:00:00.123Z\treq-2\tINFO\t{\"level\":\"debug\",\"msg\":\"cache warm\",\"size\":3}",
        ));
        assert_eq!(v["log"]["level"], "debug");
        assert_eq!(v["message"], "cache warm");
        assert_eq!(v["size"], 3);
        assert_eq!(v["aws"]["lambda"]["request_id"], "req-2");
    }

    #[test]
    fn start_end_report() {
        let v = json(&doc("START RequestId: r-1 Version: $LATEST\n"));
        assert_eq!(v["aws"]["lambda"]["event"], "start");
        assert_eq!(v["aws"]["lambda"]["request_id"], "r-1");
        assert_eq!(v["aws"]["lambda"]["version"], "$LATEST");
        let v = json(&doc("END RequestId: r-1\n"));
        assert_eq!(v["aws"]["lambda"]["event"], "end");
        let v = json(&doc(
            "REPORT RequestId: r-1\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tInit Duration: 250.12 ms\t\n",
        ));
        let r = &v["aws"]["lambda"]["report"];
        assert_eq!(v["aws"]["lambda"]["request_id"], "r-1");
        assert_eq!(r["duration_ms"], 102.25);
        // Durations are always fractional numbers (a mapping never turns integer).
        assert_eq!(r["billed_duration_ms"], 103.0);
        assert_eq!(r["memory_size_mb"], 128);
        assert_eq!(r["max_memory_used_mb"], 71);
        assert_eq!(r["init_duration_ms"], 250.12);
        let v = json(&doc(
            "REPORT RequestId: r-2\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 7 MB\t",
        ));
        assert!(
            v["aws"]["lambda"]["report"]
                .get("init_duration_ms")
                .is_none()
        );
    }

    #[test]
    fn truncation_is_visible_and_keeps_valid_utf8() {
        let big = format!("{{\"k\":\"{}\"}}", "é".repeat(1000));
        let d = doc(&big);
        let mut out = Vec::new();
        d.write_json(&ENV, &mut out, true, Some(101));
        let v: Value = serde_json::from_slice(&out).expect("valid");
        assert_eq!(v["logship"]["truncated"], true);
        assert!(
            v["message"]
                .as_str()
                .is_some_and(|m| m.contains("[truncated by logship"))
        );
        assert!(v.get("k").is_none());
        assert_eq!(v["_id"], d.id.as_str());
    }

    #[test]
    fn clamped_timestamp_and_lossy_utf8_are_flagged() {
        let mut d = doc("x");
        d.lossy_utf8 = true;
        d.bad_timestamp = true;
        let v = json(&d);
        assert_eq!(v["logship"]["invalid_utf8"], true);
        assert_eq!(v["logship"]["invalid_timestamp"], true);
    }
}
