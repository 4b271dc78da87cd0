//! Documents: one per CloudWatch log event, enriched with the envelope and
//! with what the message itself says.
//!
//! Field names follow the Elastic Common Schema where it has one. The original
//! `message` is always kept (trailing newline trimmed); what is understood of it
//! is added beside it:
//! - a message that is a JSON object: its keys become top-level fields, except
//!   keys the envelope owns (`@timestamp`, `message`, `event`, `cloud`, `aws`,
//!   `log`, `faas`, `logship`, `json`) and keys starting with `_` (Elasticsearch
//!   metadata), which go under `json.<key>` so a parsed field never overwrites an
//!   envelope field; a string `level`/`severity`/`levelname`/`log_level` gives `log.level`;
//! - the Lambda text format (`TIMESTAMP\tREQUEST_ID\tLEVEL\tmessage`, and Python's
//!   `[LEVEL]\tTIMESTAMP\tREQUEST_ID\tmessage`) gives `log.level` and
//!   `aws.lambda.request_id`, and a JSON object after it is parsed as above;
//! - Lambda `START`/`END`/`REPORT` lines give `aws.lambda.event`, the request id and,
//!   for REPORT, numbers under `aws.lambda.report`.
//!
//! The document id is deterministic (log group, log stream, event id), so a retry
//! or a redrive of the same event never creates a second document.

use std::borrow::Cow;

use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::decode::LogEvent;
use crate::json::{write_str, write_value};
use crate::time::{self, write_rfc3339_ms};

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

    /// The envelope's JSON, written once per record and copied into each document.
    pub fn json(&self) -> EnvelopeJson {
        let mut head = Vec::with_capacity(160 + self.log_group.len() + self.log_stream.len());
        head.extend_from_slice(b",\"cloud\":{\"provider\":\"aws\",\"account\":{\"id\":");
        write_str(self.owner, &mut head);
        head.extend_from_slice(b"},\"region\":");
        write_str(self.region, &mut head);
        head.extend_from_slice(b"},\"aws\":{\"cloudwatch\":{\"log_group\":");
        write_str(self.log_group, &mut head);
        head.extend_from_slice(b",\"log_stream\":");
        write_str(self.log_stream, &mut head);
        head.push(b'}');
        let mut faas = Vec::new();
        if let Some(name) = self.function_name() {
            faas.extend_from_slice(b",\"faas\":{\"name\":");
            write_str(name, &mut faas);
            faas.push(b'}');
        }
        EnvelopeJson { head, faas }
    }
}

/// The JSON fragments every document of a record shares: `cloud`, the start of
/// `aws` (left open for `aws.lambda`), and `faas`.
#[derive(Debug, Clone, Default)]
pub struct EnvelopeJson {
    head: Vec<u8>,
    faas: Vec<u8>,
}

/// The deterministic document id: 24 characters of URL-safe base64 of
/// SHA-256(log group, log stream, event id).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId([u8; 24]);

impl DocId {
    /// Computes the id of an event.
    pub fn new(log_group: &str, log_stream: &str, event_id: &str) -> DocId {
        IdHasher::new(log_group, log_stream).id(event_id)
    }

    /// An id read back (from a DLQ message): exactly 24 URL-safe base64 characters.
    pub fn parse(text: &str) -> Option<DocId> {
        let bytes: [u8; 24] = text.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .then_some(DocId(bytes))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The id hash with a record's log group and log stream already taken in, so
/// each event of the record hashes only its own id.
#[derive(Clone)]
pub struct IdHasher(Sha256);

impl IdHasher {
    /// Hashes the parts every event of a record shares.
    pub fn new(log_group: &str, log_stream: &str) -> IdHasher {
        let mut h = Sha256::new();
        for part in [log_group, log_stream] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        IdHasher(h)
    }

    /// The id of one event: SHA-256(len, group, len, stream, len, event id).
    pub fn id(&self, event_id: &str) -> DocId {
        let mut h = self.0.clone();
        h.update((event_id.len() as u64).to_le_bytes());
        h.update(event_id.as_bytes());
        let digest = h.finalize();
        let mut out = [0u8; 24];
        // 18 bytes encode to exactly 24 characters; the slice lengths are constants.
        let _ =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_slice(&digest[..18], &mut out);
        DocId(out)
    }
}

impl std::fmt::Debug for IdHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdHasher")
    }
}

impl std::fmt::Debug for DocId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for DocId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a Lambda platform line says.
#[derive(Debug, Clone, PartialEq)]
pub enum LambdaLine {
    /// Not a platform line.
    None,
    /// `START RequestId: ... Version: ...`.
    Start {
        /// The function version.
        version: Option<String>,
    },
    /// `END RequestId: ...`.
    End,
    /// `REPORT RequestId: ...` with its numbers.
    Report(Report),
}

/// The numbers of a REPORT line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// `Duration: 102.25 ms`.
    pub duration_ms: Option<f64>,
    /// `Billed Duration: 103 ms`.
    pub billed_duration_ms: Option<f64>,
    /// `Memory Size: 128 MB`.
    pub memory_size_mb: Option<f64>,
    /// `Max Memory Used: 71 MB`.
    pub max_memory_used_mb: Option<f64>,
    /// `Init Duration: 250.12 ms` (cold starts only).
    pub init_duration_ms: Option<f64>,
    /// `Restore Duration: ... ms` (SnapStart).
    pub restore_duration_ms: Option<f64>,
}

/// One log event as a document, before masking and encoding. It borrows from
/// the decoded payload wherever it can: most documents allocate nothing of
/// their own but parsed JSON fields.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    /// The deterministic id.
    pub id: DocId,
    /// Event time in milliseconds since the epoch (clamped to years 0000–9999).
    pub timestamp_ms: i64,
    /// The CloudWatch event id: `event.id`.
    pub event_id: Cow<'a, str>,
    /// The message, trailing newline trimmed: `message`.
    pub message: Cow<'a, str>,
    /// Fields parsed from a JSON message, already split from reserved keys.
    pub fields: Option<Map<String, Value>>,
    /// `log.level`, lowercase.
    pub level: Option<Cow<'a, str>>,
    /// `aws.lambda.request_id`.
    pub request_id: Option<Cow<'a, str>>,
    /// `aws.lambda.event` and friends.
    pub lambda: LambdaLine,
    /// The payload held invalid UTF-8 (replaced by U+FFFD).
    pub lossy_utf8: bool,
    /// The event time was outside years 0000–9999 and was clamped.
    pub bad_timestamp: bool,
}

/// Top-level keys the envelope owns; parsed JSON keys with these names go under `json`.
const RESERVED: &[&str] = &[
    "@timestamp",
    "message",
    "event",
    "cloud",
    "aws",
    "log",
    "faas",
    "logship",
    "json",
];

impl<'a> Document<'a> {
    /// Builds the document of one log event.
    pub fn new(env: &Envelope<'_>, event: LogEvent<'a>, lossy_utf8: bool) -> Document<'a> {
        Document::build(
            &IdHasher::new(env.log_group, env.log_stream),
            event,
            lossy_utf8,
        )
    }

    /// [`Document::new`] with the record's id hasher made once for all its events.
    pub fn build(ids: &IdHasher, event: LogEvent<'a>, lossy_utf8: bool) -> Document<'a> {
        let id = ids.id(&event.id);
        let message = match event.message {
            Cow::Borrowed(m) => Cow::Borrowed(m.trim_end_matches(['\n', '\r'])),
            Cow::Owned(mut m) => {
                let trimmed = m.trim_end_matches(['\n', '\r']).len();
                m.truncate(trimmed);
                Cow::Owned(m)
            }
        };
        let timestamp_ms = event.timestamp.clamp(time::MIN_MS, time::MAX_MS);
        let mut doc = Document {
            id,
            timestamp_ms,
            event_id: event.id,
            message,
            fields: None,
            level: None,
            request_id: None,
            lambda: LambdaLine::None,
            lossy_utf8,
            bad_timestamp: timestamp_ms != event.timestamp,
        };
        doc.understand();
        doc
    }

    /// Adds what the message says about itself. What it takes from a borrowed
    /// message is borrowed too; from an owned one (a message that had escapes), copied.
    fn understand(&mut self) {
        match self.message {
            Cow::Borrowed(msg) => self.take(understand(msg), Cow::Borrowed),
            Cow::Owned(ref msg) => {
                let said = understand(msg);
                let said = Understood {
                    request_id: said.request_id.map(|s| Cow::Owned(s.to_owned())),
                    level: said.level.map(|s| match known_level(s) {
                        Some(known) => Cow::Borrowed(known),
                        None => Cow::Owned(s.to_owned()),
                    }),
                    lambda: said.lambda,
                    fields: said.fields,
                };
                self.take(said, |s| s);
            }
        }
    }

    fn take<S>(&mut self, said: Understood<S>, cow: impl Fn(S) -> Cow<'a, str>) {
        self.request_id = said.request_id.map(&cow);
        self.level = said.level.map(|l| lowercase(cow(l)));
        self.lambda = said.lambda;
        self.set_fields(said.fields);
    }

    fn set_fields(&mut self, fields: Option<Map<String, Value>>) {
        let Some(mut fields) = fields else { return };
        if self.level.is_none() {
            self.level = ["level", "log_level", "severity", "levelname", "log.level"]
                .iter()
                .find_map(|k| fields.get(*k).and_then(Value::as_str))
                .map(|l| match known_level(l) {
                    Some(known) => Cow::Borrowed(known),
                    None => Cow::Owned(l.to_ascii_lowercase()),
                });
        }
        if fields
            .keys()
            .any(|k| k.starts_with('_') || RESERVED.contains(&k.as_str()))
        {
            let mut moved = Map::new();
            let keys: Vec<String> = fields
                .keys()
                .filter(|k| k.starts_with('_') || RESERVED.contains(&k.as_str()))
                .cloned()
                .collect();
            for k in keys {
                if let Some(v) = fields.remove(&k) {
                    moved.insert(k, v);
                }
            }
            fields.insert("json".to_owned(), Value::Object(moved));
        }
        self.fields = Some(fields);
    }

    /// Writes the document as one JSON object (no newline). With `with_id`, `_id`
    /// comes first (the stdout format; never sent to Elasticsearch, which refuses
    /// `_id` inside a document). With `max_message`, the message is cut to that
    /// many bytes with a visible marker, parsed fields are dropped and
    /// `logship.truncated` is set.
    pub fn write_json(
        &self,
        env: &Envelope<'_>,
        out: &mut Vec<u8>,
        with_id: bool,
        max_message: Option<usize>,
    ) {
        self.write_json_with(&env.json(), out, with_id, max_message);
    }

    /// [`Document::write_json`] with the envelope already encoded (once per record).
    pub fn write_json_with(
        &self,
        env: &EnvelopeJson,
        out: &mut Vec<u8>,
        with_id: bool,
        max_message: Option<usize>,
    ) {
        self.write_json_typed(env, out, with_id, max_message, None);
    }

    /// [`Document::write_json_with`] with a Logz.io `type` field first (a rule
    /// routed the event to that type: the listener takes a `type` in the log
    /// over the one of the URL). A parsed `type` key of the message then gives
    /// way (the message still holds it).
    pub fn write_json_typed(
        &self,
        env: &EnvelopeJson,
        out: &mut Vec<u8>,
        with_id: bool,
        max_message: Option<usize>,
        log_type: Option<&str>,
    ) {
        out.push(b'{');
        if with_id {
            out.extend_from_slice(b"\"_id\":\"");
            out.extend_from_slice(&self.id.0);
            out.extend_from_slice(b"\",");
        }
        if let Some(t) = log_type {
            out.extend_from_slice(b"\"type\":");
            write_str(t, out);
            out.push(b',');
        }
        out.extend_from_slice(b"\"@timestamp\":\"");
        write_rfc3339_ms(self.timestamp_ms, out);
        out.extend_from_slice(b"\",\"message\":");
        let truncated = match max_message {
            Some(max) if self.message.len() > max => {
                let cut = floor_char_boundary(&self.message, max);
                let marker = format!(
                    "…[truncated by logship: {} of {} bytes kept]",
                    cut,
                    self.message.len()
                );
                let mut s = String::with_capacity(cut + marker.len());
                s.push_str(&self.message[..cut]);
                s.push_str(&marker);
                write_str(&s, out);
                true
            }
            _ => {
                write_str(&self.message, out);
                false
            }
        };
        out.extend_from_slice(b",\"event\":{\"id\":");
        write_str(&self.event_id, out);
        out.push(b'}');
        out.extend_from_slice(&env.head);
        self.write_lambda(out);
        out.push(b'}');
        if let Some(level) = &self.level {
            out.extend_from_slice(b",\"log\":{\"level\":");
            write_str(level, out);
            out.push(b'}');
        }
        out.extend_from_slice(&env.faas);
        if truncated || self.lossy_utf8 || self.bad_timestamp {
            out.extend_from_slice(b",\"logship\":{");
            let mut first = true;
            for (set, name) in [
                (truncated, "truncated"),
                (self.lossy_utf8, "invalid_utf8"),
                (self.bad_timestamp, "invalid_timestamp"),
            ] {
                if set {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.push(b'"');
                    out.extend_from_slice(name.as_bytes());
                    out.extend_from_slice(b"\":true");
                }
            }
            out.push(b'}');
        }
        if let (Some(fields), false) = (&self.fields, truncated) {
            for (k, v) in fields {
                if log_type.is_some() && k == "type" {
                    continue;
                }
                out.push(b',');
                write_str(k, out);
                out.push(b':');
                write_value(v, out);
            }
        }
        out.push(b'}');
    }

    fn write_lambda(&self, out: &mut Vec<u8>) {
        let event = match &self.lambda {
            LambdaLine::None if self.request_id.is_none() => return,
            LambdaLine::None => None,
            LambdaLine::Start { .. } => Some("start"),
            LambdaLine::End => Some("end"),
            LambdaLine::Report(_) => Some("report"),
        };
        out.extend_from_slice(b",\"lambda\":{");
        let mut sep = "";
        if let Some(req) = &self.request_id {
            out.extend_from_slice(b"\"request_id\":");
            write_str(req, out);
            sep = ",";
        }
        if let Some(event) = event {
            out.extend_from_slice(sep.as_bytes());
            out.extend_from_slice(b"\"event\":\"");
            out.extend_from_slice(event.as_bytes());
            out.push(b'"');
        }
        match &self.lambda {
            LambdaLine::Start {
                version: Some(version),
            } => {
                out.extend_from_slice(b",\"version\":");
                write_str(version, out);
            }
            LambdaLine::Report(r) => {
                out.extend_from_slice(b",\"report\":{");
                let mut first = true;
                for (name, value) in [
                    ("duration_ms", r.duration_ms),
                    ("billed_duration_ms", r.billed_duration_ms),
                    ("memory_size_mb", r.memory_size_mb),
                    ("max_memory_used_mb", r.max_memory_used_mb),
                    ("init_duration_ms", r.init_duration_ms),
                    ("restore_duration_ms", r.restore_duration_ms),
                ] {
                    let Some(v) = value.filter(|v| v.is_finite()) else {
                        continue;
                    };
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.push(b'"');
                    out.extend_from_slice(name.as_bytes());
                    out.extend_from_slice(b"\":");
                    if v.fract() == 0.0 && v.abs() < 1e15 {
                        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
                    } else {
                        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
                    }
                }
                out.push(b'}');
            }
            _ => {}
        }
        out.push(b'}');
    }
}

/// What a message says about itself, as pieces of it.
struct Understood<S> {
    request_id: Option<S>,
    /// As written; lower-cased when taken.
    level: Option<S>,
    lambda: LambdaLine,
    fields: Option<Map<String, Value>>,
}

fn understand(msg: &str) -> Understood<&str> {
    let mut said = Understood {
        request_id: None,
        level: None,
        lambda: LambdaLine::None,
        fields: None,
    };
    if let Some(rest) = msg.strip_prefix("START RequestId: ") {
        let (req, version) = match rest.split_once(" Version: ") {
            Some((r, v)) => (r, Some(v.trim().to_owned())),
            None => (rest, None),
        };
        said.request_id = Some(req.trim());
        said.lambda = LambdaLine::Start { version };
    } else if let Some(rest) = msg.strip_prefix("END RequestId: ") {
        said.request_id = Some(rest.trim());
        said.lambda = LambdaLine::End;
    } else if let Some(rest) = msg.strip_prefix("REPORT RequestId: ") {
        let (request_id, report) = parse_report(rest);
        said.request_id = Some(request_id);
        said.lambda = LambdaLine::Report(report);
    } else if let Some((level, request_id, body)) = parse_lambda_text(msg) {
        said.level = Some(level);
        said.request_id = Some(request_id);
        said.fields = parse_object(body);
    } else {
        said.fields = parse_object(msg);
    }
    said
}

/// The usual level names, lower-case, to borrow instead of allocating.
fn known_level(s: &str) -> Option<&'static str> {
    const KNOWN: &[&str] = &[
        "trace", "debug", "info", "warn", "warning", "error", "fatal", "critical",
    ];
    KNOWN.iter().find(|k| k.eq_ignore_ascii_case(s)).copied()
}

/// Lower-cases ASCII, allocating only for a level name outside the usual ones.
fn lowercase(s: Cow<'_, str>) -> Cow<'_, str> {
    if let Some(known) = known_level(&s) {
        return Cow::Borrowed(known);
    }
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        s
    }
}

/// Parses `id\tDuration: 1.5 ms\tBilled Duration: 2 ms\t...`.
fn parse_report(rest: &str) -> (&str, Report) {
    let mut parts = rest.split('\t');
    let request_id = parts.next().unwrap_or_default().trim();
    let mut r = Report::default();
    for part in parts {
        let Some((key, value)) = part.split_once(": ") else {
            continue;
        };
        let number = value
            .split_ascii_whitespace()
            .next()
            .and_then(|n| n.parse::<f64>().ok());
        match key.trim() {
            "Duration" => r.duration_ms = number,
            "Billed Duration" => r.billed_duration_ms = number,
            "Memory Size" => r.memory_size_mb = number,
            "Max Memory Used" => r.max_memory_used_mb = number,
            "Init Duration" => r.init_duration_ms = number,
            "Restore Duration" => r.restore_duration_ms = number,
            _ => {}
        }
    }
    (request_id, r)
}

const LEVELS: &[&str] = &[
    "TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL",
];

/// `TIMESTAMP\tREQUEST_ID\tLEVEL\tmessage` (Node.js, Java, .NET) or
/// `[LEVEL]\tTIMESTAMP\tREQUEST_ID\tmessage` (Python): (level, request id, message).
fn parse_lambda_text(msg: &str) -> Option<(&str, &str, &str)> {
    // Both shapes start with a digit or `[`; anything else is not worth a tab search.
    if !msg
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_digit() || *b == b'[')
    {
        return None;
    }
    let mut parts = msg.splitn(4, '\t');
    let a = parts.next()?;
    let b = parts.next()?;
    let c = parts.next()?;
    let body = parts.next().unwrap_or_default();
    let looks_like_time =
        |s: &str| s.len() >= 19 && s.as_bytes()[0].is_ascii_digit() && s.contains('T');
    if looks_like_time(a) && LEVELS.contains(&c) && !b.is_empty() {
        return Some((c, b, body));
    }
    let level = a.strip_prefix('[').and_then(|l| l.strip_suffix(']'));
    match level {
        Some(level) if LEVELS.contains(&level) && looks_like_time(b) && !c.is_empty() => {
            Some((level, c, body))
        }
        _ => None,
    }
}

/// A JSON object message, or None (the common case costs one byte check).
fn parse_object(text: &str) -> Option<Map<String, Value>> {
    let t = text.trim_ascii();
    if !(t.starts_with('{') && t.ends_with('}')) {
        return None;
    }
    serde_json::from_str::<Map<String, Value>>(t).ok()
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    let mut at = max.min(s.len());
    while at > 0 && !s.is_char_boundary(at) {
        at -= 1;
    }
    at
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
        let m = r#"{"level":"ERROR","msg":"boom","user":{"id":7},"message":"inner","cloud":"x","_id":"evil"}"#;
        let v = json(&doc(m));
        assert_eq!(v["message"], m);
        assert_eq!(v["msg"], "boom");
        assert_eq!(v["user"]["id"], 7);
        assert_eq!(v["log"]["level"], "error");
        assert_eq!(v["cloud"]["provider"], "aws");
        assert_eq!(v["json"]["message"], "inner");
        assert_eq!(v["json"]["cloud"], "x");
        assert_eq!(v["json"]["_id"], "evil");
        assert!(v.get("_id").is_none());
    }

    #[test]
    fn lambda_text_format() {
        let v = json(&doc(
            "2024-01-01T00:00:00.123Z\t6f1c2a4e-8b1d-4c3e-9f00-1234567890ab\tERROR\tInvoke Error \t{\"x\":1}\n    at f (index.js:1:1)\n",
        ));
        assert_eq!(v["log"]["level"], "error");
        assert_eq!(
            v["aws"]["lambda"]["request_id"],
            "6f1c2a4e-8b1d-4c3e-9f00-1234567890ab"
        );
        assert!(
            v["message"]
                .as_str()
                .is_some_and(|m| m.ends_with("(index.js:1:1)"))
        );
        let v = json(&doc(
            "[WARNING]\t2024-01-01T00:00:00.123Z\treq-1\t{\"order\":42}",
        ));
        assert_eq!(v["log"]["level"], "warning");
        assert_eq!(v["aws"]["lambda"]["request_id"], "req-1");
        assert_eq!(v["order"], 42);
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
        assert_eq!(r["billed_duration_ms"], 103);
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
