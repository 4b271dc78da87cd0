//! Writing a document as one JSON object, straight into a request body: the
//! envelope's pieces are encoded once per record ([`EnvelopeJson`]), and the
//! ECS fields of a line's shape are merged into the envelope's objects
//! (`event`, `cloud`, `aws`, `log`, `faas`) key by key, so no key is ever
//! written twice (Elasticsearch refuses a document with a duplicate key).

use serde_json::{Map, Value};

use super::{Document, Envelope, LambdaLine, RESERVED};
use crate::json::{write_str, write_value};
use crate::time::write_rfc3339_ms;

/// The JSON pieces every document of a record shares, encoded once.
#[derive(Debug, Clone, Default)]
pub struct EnvelopeJson {
    /// The owner account and the region, as text (to compare with a line's own).
    raw: (String, String),
    /// The owner account, quoted.
    owner: Vec<u8>,
    /// The region, quoted.
    region: Vec<u8>,
    /// `"log_group":…,"log_stream":…`.
    cloudwatch: Vec<u8>,
    /// The function name, quoted (Lambda log groups).
    faas_name: Option<Vec<u8>>,
}

impl Envelope<'_> {
    /// The envelope's JSON, written once per record and copied into each document.
    pub fn json(&self) -> EnvelopeJson {
        let quoted = |s: &str| {
            let mut v = Vec::with_capacity(s.len() + 2);
            write_str(s, &mut v);
            v
        };
        let mut cloudwatch = Vec::with_capacity(32 + self.log_group.len() + self.log_stream.len());
        cloudwatch.extend_from_slice(b"\"log_group\":");
        write_str(self.log_group, &mut cloudwatch);
        cloudwatch.extend_from_slice(b",\"log_stream\":");
        write_str(self.log_stream, &mut cloudwatch);
        EnvelopeJson {
            raw: (self.owner.to_owned(), self.region.to_owned()),
            owner: quoted(self.owner),
            region: quoted(self.region),
            cloudwatch,
            faas_name: self.function_name().map(quoted),
        }
    }
}

/// How one document line is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineOptions<'o> {
    /// `_id` first (the stdout format; never sent to Elasticsearch, which
    /// refuses `_id` inside a document).
    pub with_id: bool,
    /// The line is too long: leave everything parsed from it out, set
    /// `logship.truncated`, and make `message` the line as it came
    /// ([`Document::original`] when there is one), cut to this many bytes
    /// with a visible marker when longer.
    pub max_message: Option<usize>,
    /// A Logz.io `type` first (a rule routed the event to that type: the
    /// listener takes a `type` in the log over the one of the URL). A parsed
    /// `type` key of the line then gives way.
    pub log_type: Option<&'o str>,
    /// Write the line as it came as `event.original` (`LOGSHIP_KEEP_ORIGINAL`).
    pub keep_original: bool,
}

/// Writes the keys of an object one by one, with the commas between them.
struct Obj {
    empty: bool,
}

impl Obj {
    /// Opens `"name":{` (after a comma).
    fn open(out: &mut Vec<u8>, name: &str) -> Obj {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":{");
        Obj { empty: true }
    }

    fn key(&mut self, out: &mut Vec<u8>, k: &str) {
        if !self.empty {
            out.push(b',');
        }
        self.empty = false;
        write_str(k, out);
        out.push(b':');
    }

    /// Every key of `extra` not in `skip`.
    fn rest(&mut self, out: &mut Vec<u8>, extra: Option<&Map<String, Value>>, skip: &[&str]) {
        for (k, v) in extra.into_iter().flatten() {
            if !skip.contains(&k.as_str()) {
                self.key(out, k);
                write_value(v, out);
            }
        }
    }
}

/// The object under `key` in `map`, if there is one.
fn object<'m>(map: Option<&'m Map<String, Value>>, key: &str) -> Option<&'m Map<String, Value>> {
    map.and_then(|m| m.get(key)).and_then(Value::as_object)
}

impl Document<'_> {
    /// Writes the document as one JSON object (no newline); see [`LineOptions`].
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
        let opts = LineOptions {
            with_id,
            max_message,
            ..LineOptions::default()
        };
        self.write_line(env, out, &opts);
    }

    /// Writes the document as one JSON object (no newline), as `opts` say.
    pub fn write_line(&self, env: &EnvelopeJson, out: &mut Vec<u8>, opts: &LineOptions<'_>) {
        out.push(b'{');
        if opts.with_id {
            out.extend_from_slice(b"\"_id\":\"");
            out.extend_from_slice(self.id.as_str().as_bytes());
            out.extend_from_slice(b"\",");
        }
        if let Some(t) = opts.log_type {
            out.extend_from_slice(b"\"type\":");
            write_str(t, out);
            out.push(b',');
        }
        out.extend_from_slice(b"\"@timestamp\":\"");
        write_rfc3339_ms(self.timestamp_ms, out);
        out.extend_from_slice(b"\",\"message\":");
        let truncated = self.write_message(out, opts.max_message);
        // A truncated document keeps its envelope only: what was parsed from
        // the line is left out with the rest of the line.
        let ecs = if truncated { None } else { self.ecs.as_ref() };
        let written = if truncated {
            None
        } else {
            self.ecs_json.as_ref()
        };

        let mut event = Obj::open(out, "event");
        event.key(out, "id");
        write_str(&self.event_id, out);
        if let (true, false, Some(original)) = (opts.keep_original, truncated, &self.original) {
            event.key(out, "original");
            write_str(original, out);
        }
        event.rest(out, object(ecs, "event"), &["id", "original"]);
        if let Some(w) = written {
            out.extend_from_slice(w.event());
        }
        out.push(b'}');

        let cloud = object(ecs, "cloud");
        self.write_cloud(out, env, cloud);
        let another = cloud.is_some_and(|c| {
            let differs = |v: Option<&Value>, own: &str| v.is_some_and(|v| v.as_str() != Some(own));
            differs(
                object(Some(c), "account").and_then(|a| a.get("id")),
                &env.raw.0,
            ) || differs(c.get("region"), &env.raw.1)
        });
        let aws_written = written.map(|w| w.aws()).unwrap_or_default();
        self.write_aws(out, env, object(ecs, "aws"), aws_written, another);

        let log = object(ecs, "log");
        let (level, logger) = match truncated {
            true => (None, None),
            false => (self.level.as_ref(), self.logger.as_ref()),
        };
        if level.is_some() || logger.is_some() || log.is_some() {
            let mut o = Obj::open(out, "log");
            if let Some(level) = level {
                o.key(out, "level");
                write_str(level, out);
            }
            if let Some(logger) = logger {
                o.key(out, "logger");
                write_str(logger, out);
            }
            o.rest(out, log, &["level", "logger"]);
            out.push(b'}');
        }

        let faas = object(ecs, "faas");
        if faas.is_some() || env.faas_name.is_some() {
            let mut o = Obj::open(out, "faas");
            match (faas.and_then(|f| f.get("name")), &env.faas_name) {
                (Some(name), _) => {
                    o.key(out, "name");
                    write_value(name, out);
                }
                (None, Some(name)) => {
                    o.key(out, "name");
                    out.extend_from_slice(name);
                }
                (None, None) => {}
            }
            o.rest(out, faas, &["name"]);
            out.push(b'}');
        }

        if truncated || self.lossy_utf8 || self.bad_timestamp {
            let mut o = Obj::open(out, "logship");
            for (set, name) in [
                (truncated, "truncated"),
                (self.lossy_utf8, "invalid_utf8"),
                (self.bad_timestamp, "invalid_timestamp"),
            ] {
                if set {
                    o.key(out, name);
                    out.extend_from_slice(b"true");
                }
            }
            out.push(b'}');
        }

        let skip_type = |k: &str| opts.log_type.is_some() && k == "type";
        for (k, v) in ecs.into_iter().flatten() {
            if !RESERVED.contains(&k.as_str()) && !skip_type(k) {
                out.push(b',');
                write_str(k, out);
                out.push(b':');
                write_value(v, out);
            }
        }
        if let Some(w) = written {
            out.extend_from_slice(w.top());
        }
        if let (Some(fields), false) = (&self.fields, truncated) {
            for (k, v) in fields {
                if !skip_type(k) {
                    out.push(b',');
                    write_str(k, out);
                    out.push(b':');
                    write_value(v, out);
                }
            }
        }
        out.push(b'}');
    }

    /// The message; with `max`, the whole line cut to `max` bytes with a
    /// marker when longer. True with `max` (the document is truncated: what
    /// was parsed from the line is left out, the line itself is the message).
    fn write_message(&self, out: &mut Vec<u8>, max: Option<usize>) -> bool {
        let Some(max) = max else {
            write_str(&self.message, out);
            return false;
        };
        let text = self.full_text();
        if text.len() <= max {
            write_str(text, out);
            return true;
        }
        let cut = floor_char_boundary(text, max);
        let marker = format!(
            "…[truncated by logship: {cut} of {} bytes kept]",
            text.len()
        );
        let mut s = String::with_capacity(cut + marker.len());
        s.push_str(text.get(..cut).unwrap_or_default());
        s.push_str(&marker);
        write_str(&s, out);
        true
    }

    /// The line as it came: [`Document::original`], or the message when it is the line.
    pub fn full_text(&self) -> &str {
        self.original.as_deref().unwrap_or(&self.message)
    }

    /// `cloud`: the envelope's account and region, unless the line names its
    /// own (a CloudTrail record's recipient, a centralized subscription's
    /// `@aws.account`/`@aws.region`).
    fn write_cloud(
        &self,
        out: &mut Vec<u8>,
        env: &EnvelopeJson,
        cloud: Option<&Map<String, Value>>,
    ) {
        let mut o = Obj::open(out, "cloud");
        o.key(out, "provider");
        out.extend_from_slice(b"\"aws\"");
        let account = object(cloud, "account");
        let mut a = Obj::open(out, "account");
        a.key(out, "id");
        match account.and_then(|a| a.get("id")) {
            Some(id) => write_value(id, out),
            None => out.extend_from_slice(&env.owner),
        }
        a.rest(out, account, &["id"]);
        out.push(b'}');
        // A bare subscription payload names no region: none is written.
        match cloud.and_then(|c| c.get("region")) {
            Some(region) => {
                o.key(out, "region");
                write_value(region, out);
            }
            None if env.raw.1.is_empty() => {}
            None => {
                o.key(out, "region");
                out.extend_from_slice(&env.region);
            }
        }
        o.rest(out, cloud, &["provider", "account", "region"]);
        out.push(b'}');
    }

    /// `aws`: `cloudwatch` (group, stream; with the envelope's own account and
    /// region as `owner`/`region` when `cloud` names another), `lambda`, and
    /// the shape's `aws.<source>` objects (from its tree, then `written`: the
    /// members of an [`crate::shape::EcsJson`]).
    fn write_aws(
        &self,
        out: &mut Vec<u8>,
        env: &EnvelopeJson,
        aws: Option<&Map<String, Value>>,
        written: &[u8],
        cloud_overridden: bool,
    ) {
        let mut o = Obj::open(out, "aws");
        o.key(out, "cloudwatch");
        out.push(b'{');
        out.extend_from_slice(&env.cloudwatch);
        let mut cw = Obj { empty: false };
        if cloud_overridden {
            cw.key(out, "owner");
            out.extend_from_slice(&env.owner);
            cw.key(out, "region");
            out.extend_from_slice(&env.region);
        }
        cw.rest(
            out,
            object(aws, "cloudwatch"),
            &["log_group", "log_stream", "owner", "region"],
        );
        out.push(b'}');
        self.write_lambda(out, object(aws, "lambda"));
        o.rest(out, aws, &["cloudwatch", "lambda"]);
        out.extend_from_slice(written);
        out.push(b'}');
    }

    /// `aws.lambda`: what the text format's lines said, and the shape's fields.
    fn write_lambda(&self, out: &mut Vec<u8>, extra: Option<&Map<String, Value>>) {
        let event = match &self.lambda {
            LambdaLine::None => None,
            LambdaLine::Start { .. } => Some("start"),
            LambdaLine::End => Some("end"),
            LambdaLine::Report(_) => Some("report"),
        };
        if event.is_none() && self.request_id.is_none() && extra.is_none() {
            return;
        }
        let mut o = Obj::open(out, "lambda");
        let mut written: [&str; 4] = [""; 4];
        if let Some(req) = &self.request_id {
            o.key(out, "request_id");
            write_str(req, out);
            written[0] = "request_id";
        }
        if let Some(event) = event {
            o.key(out, "event");
            write_str(event, out);
            written[1] = "event";
        }
        match &self.lambda {
            LambdaLine::Start {
                version: Some(version),
            } => {
                o.key(out, "version");
                write_str(version, out);
                written[2] = "version";
            }
            LambdaLine::Report(r) => {
                let mut report = Obj::open(out, "report");
                // `Obj::open` wrote a comma; the lambda object is never empty here.
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
                    report.key(out, name);
                    // Durations stay fractional (`3000.0`), so the first whole
                    // number an index sees does not make the field an integer.
                    if v.fract() == 0.0 && v.abs() < 1e15 && !name.ends_with("duration_ms") {
                        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
                    } else {
                        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
                    }
                }
                out.push(b'}');
                written[3] = "report";
            }
            _ => {}
        }
        o.rest(out, extra, &written);
        out.push(b'}');
    }
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    let mut at = max.min(s.len());
    while at > 0 && !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}
