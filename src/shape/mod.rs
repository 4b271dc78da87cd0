//! Shapes: what the log lines an AWS account actually produces say, in the
//! Elastic Common Schema. One file per shape; this module detects which shape
//! a line has (from its first bytes and the log group name, so a plain line
//! costs a few byte comparisons) and hands it to that shape's parser. A parser
//! that does not recognise its input returns `None` and the line stays a plain
//! message: malformed look-alikes are never half-understood.
//!
//! The document stage calls [`understand`] (or [`Shaper::understand`] when
//! custom VPC flow log formats are configured) for each message and merges the
//! [`Shaped`] result into its document: [`Shaped::message`] replaces the
//! `message`, [`Shaped::level`] and [`Shaped::logger`] give `log.level` and
//! `log.logger`, [`Shaped::fields`] are ECS fields (nested objects, to be
//! deep-merged with the envelope's `aws`, `cloud`, `event`, `log` and `faas`
//! objects, see [`merge`]) and [`Shaped::app`] the line's own other keys
//! (top level or under a prefix, as configured). [`extracted`] maps the
//! `extractedFields` of a subscription payload the same way.
//!
//! # Fields and where they come from
//!
//! | field | shape | from |
//! |---|---|---|
//! | `message` | Lambda JSON app line, app JSON (pino, bunyan, winston, python-json-logger) | `message` or `msg` (an object is kept as its JSON text) |
//! | `message` | text frameworks, Python logging | the text after the layout's prefix (timestamp, level, thread, logger) |
//! | `message` | logfmt | `msg` or `message`; the whole line when it has neither |
//! | `message` | syslog | the MSG part |
//! | `message` | Lambda platform events | a text line like the text format's (`START RequestId: …`, `END …`, `REPORT …`) or `platform.<type>` with its main values |
//! | `message` | CloudTrail | `<eventSource> <eventName>` (and ` failed: <errorCode>`) |
//! | `message` | API Gateway | JSON: `<method> <path> <protocol> <status>`; CLF: the line |
//! | `message` | VPC flow logs | the line |
//! | `log.level` | all | the line's level, lowercase and normalized: `trace`, `debug`, `info`, `notice`, `warn`, `error`, `critical`, `alert`, `emergency`, `fatal`; `warning`→`warn`, `err`→`error`, `crit`→`critical`, `emerg`→`emergency`, `severe`→`error`, `fine`→`debug`, `finer`/`finest`/`verbose`→`trace`; numbers 0–7 are syslog severities, 10–60 pino/bunyan levels (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal); an unknown word is kept lowercase |
//! | `log.level` | syslog | from the severity of `<PRI>` |
//! | `log.level` | Lambda platform events | `warn` for `platform.logsDropped`, `error` for a `status` other than `success`, none otherwise |
//! | `log.logger` | text frameworks, Python, logfmt `logger`, JSON `logger`/`loggerName`/`logger_name`, bunyan `name` | the logger the layout names |
//! | `aws.lambda.request_id` | Lambda JSON app line, platform events | `requestId`, `AWSRequestId`, Powertools `function_request_id`, `record.requestId` |
//! | `aws.lambda.event` | platform events | `type` without `platform.`, snake case: `start`, `runtime_done`, `report`, `init_start`, `init_runtime_done`, `init_report`, `restore_start`, `restore_runtime_done`, `restore_report`, `extension`, `telemetry_subscription`, `logs_dropped` |
//! | `aws.lambda.report.{duration_ms, billed_duration_ms, memory_size_mb, max_memory_used_mb, init_duration_ms, restore_duration_ms, billed_restore_duration_ms}` | `platform.report` | `record.metrics.{durationMs, billedDurationMs, memorySizeMB, maxMemoryUsedMB, initDurationMs, restoreDurationMs, billedRestoreDurationMs}` |
//! | `aws.lambda.report.init_duration_ms` | `platform.initReport` | `record.metrics.durationMs` |
//! | `aws.lambda.report.restore_duration_ms` | `platform.restoreReport` | `record.metrics.durationMs` |
//! | `aws.lambda.runtime_done.{duration_ms, produced_bytes}` | `platform.runtimeDone` | `record.metrics` |
//! | `aws.lambda.{version, status, initialization_type, phase, runtime_version, runtime_version_arn, instance_id, instance_max_memory_mb}` | platform events | `record.{version, status, initializationType, phase, runtimeVersion, runtimeVersionArn, instanceId, instanceMaxMemory}` |
//! | `aws.lambda.logs_dropped.{reason, records, bytes}` | `platform.logsDropped` | `record.{reason, droppedRecords, droppedBytes}`; also [`Shaped::dropped`] for the metrics |
//! | `aws.lambda.extension.*`, `aws.lambda.telemetry_subscription.*`, `aws.lambda.spans` | platform events | `record.{name, state, events, types}`, `record.spans` (snake case keys) |
//! | `trace.id` | Lambda, Spring Boot 3.2 | Powertools `xray_trace_id`; `Root=` of `record.tracing.value`; the correlation id `[trace-span]` after the thread |
//! | `span.id` | Lambda platform events | `record.tracing.spanId` |
//! | `faas.coldstart` | Lambda (Powertools) | `cold_start` |
//! | `faas.name`, `faas.version`, `faas.id` | Lambda | Powertools `function_name`, `function_arn`; `record.functionName`, `record.functionVersion` |
//! | `service.name` | Lambda (Powertools), Spring Boot 3 | `service`; the application name in brackets |
//! | `error.type`, `error.message`, `error.stack_trace` | Lambda JSON, app JSON, logfmt | `errorType`/`exception_name`/`err.type`, `errorMessage`/`err.message`/logfmt `err`/`error`, `stackTrace` (lines joined)/`exception`/`err.stack` |
//! | `process.pid`, `process.thread.name` | text frameworks, app JSON | Spring's pid, the `[thread]`; `pid` |
//! | `host.hostname` | app JSON, syslog | `hostname`; the HOSTNAME |
//! | `source.ip`, `source.port`, `destination.ip`, `destination.port` | VPC flow logs | `srcaddr`, `srcport`, `dstaddr`, `dstport` |
//! | `network.iana_number`, `network.transport` | VPC flow logs | `protocol` (the number as text, and its name: `tcp`, `udp`, `icmp`, `ipv6-icmp`, …) |
//! | `network.packets`, `network.bytes` | VPC flow logs | `packets`, `bytes` |
//! | `network.type`, `network.direction` | VPC flow logs | `type` (lowercase), `flow-direction` (`ingress`/`egress`) |
//! | `event.start`, `event.end` | VPC flow logs | `start`, `end` (Unix seconds → RFC 3339) |
//! | `event.action`, `event.outcome` | VPC flow logs | `action` lowercase (`accept`/`reject`); `success`/`failure` |
//! | `aws.vpcflow.*` | VPC flow logs | every other field by its name in snake case (`version`, `account_id`, `interface_id`, `log_status`, `vpc_id`, `subnet_id`, `instance_id`, `tcp_flags`, `tcp_flags_array`, `pkt_srcaddr`, …); `-` values are left out |
//! | `event.action`, `event.provider`, `event.outcome` | CloudTrail | `eventName`, `eventSource`, `failure` when `errorCode` is set (or a failed `ConsoleLogin`), else `success` |
//! | `source.address`, `source.ip` | CloudTrail | `sourceIPAddress` (`source.ip` only when it is an IP address) |
//! | `user_agent.original` | CloudTrail, API Gateway | `userAgent` |
//! | `cloud.region`, `cloud.account.id` | CloudTrail | `awsRegion`, `recipientAccountId` |
//! | `user.name`, `user.id` | CloudTrail | `userIdentity.userName` (or the session issuer's), `userIdentity.principalId` |
//! | `aws.cloudtrail.user_identity.*` | CloudTrail | `userIdentity` in snake case, `sessionContext.attributes` flattened into `session_context` |
//! | `aws.cloudtrail.{error_code, error_message, event_version, event_type, event_category, event_id, event_time, request_id, read_only, management_event, recipient_account_id, shared_event_id, vpc_endpoint_id, api_version, resources, tls_details, …}` | CloudTrail | the other keys of the record, snake case |
//! | `aws.cloudtrail.{request_parameters, response_elements, additional_eventdata, service_event_details}` | CloudTrail | those objects as JSON text (as Elastic keeps them: no mapping explosion) |
//! | `http.request.method`, `http.request.id`, `http.response.status_code`, `http.response.body.bytes`, `http.version` | API Gateway | `httpMethod`, `requestId`, `status` (a number), `responseLength`, `protocol` |
//! | `url.path`, `url.original`, `url.domain` | API Gateway | `path` (or `resourcePath`), the CLF request target, `domainName` |
//! | `client.ip` | API Gateway | `ip`/`sourceIp` |
//! | `event.duration`, `aws.apigateway.{response_latency_ms, integration_latency_ms}` | API Gateway | `responseLatency` (ms; `event.duration` in ns), `integrationLatency` |
//! | `aws.apigateway.*` | API Gateway | every other key in snake case (`request_time`, `resource_path`, `route_key`, `stage`, `api_id`, `integration_status`, …), as text |
//! | `process.name`, `process.pid` | syslog | APP-NAME/TAG, PROCID when numeric |
//! | `log.syslog.{priority, facility.code, facility.name, severity.code, severity.name, version, appname, hostname, procid, msgid, structured_data}` | syslog | `<PRI>` and the RFC 5424 header |
//! | `cloud.account.id`, `cloud.region`, `aws.cloudwatch.source_log` | `extractedFields` | `@aws.account`, `@aws.region`, `@source.log` ([`extracted`]) |
//!
//! [`Shaped::dataset`] names the shape for routing by data stream:
//! `aws.lambda`, `aws.vpcflow`, `aws.cloudtrail`, `aws.apigateway`, and for
//! other lines the log group's ([`dataset_for_group`]), `aws.cloudwatch_logs`
//! by default.

use std::borrow::Cow;

use serde_json::{Map, Value};

mod apigateway;
mod cloudtrail;
mod extracted;
mod json;
mod lambda;
mod level;
mod logfmt;
mod names;
mod syslog;
mod text;
mod vpcflow;
mod written;

pub use extracted::extracted;
pub use level::normalize_level;
pub(crate) use names::{free_name, object_at, put_snake, snake_keys};
pub use names::{parse_object, undot};
pub use vpcflow::{FlowFormat, FlowFormatError};
pub use written::EcsJson;

/// Which parser understood a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// An application line of Lambda's JSON log format (and Powertools).
    LambdaJson,
    /// A Lambda platform event of the JSON log format (`platform.*`).
    LambdaPlatform,
    /// Another JSON application line with a message or a level (pino, bunyan, winston, …).
    AppJson,
    /// A text line of a common framework layout (logback/log4j, Spring Boot, Python, Go, Rust tracing).
    Text,
    /// A logfmt line (`level=warn msg="…" k=v`).
    Logfmt,
    /// A VPC flow log record.
    VpcFlow,
    /// A CloudTrail record delivered through CloudWatch Logs.
    CloudTrail,
    /// An API Gateway access log line (JSON or common log format).
    ApiGateway,
    /// A syslog line (RFC 3164 or RFC 5424).
    Syslog,
}

/// The counts of a `platform.logsDropped` event, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogsDropped {
    /// `droppedRecords`.
    pub records: u64,
    /// `droppedBytes`.
    pub bytes: u64,
}

/// What a line says, in ECS.
#[derive(Debug, Clone, PartialEq)]
pub struct Shaped<'a> {
    /// Which parser understood it.
    pub shape: Shape,
    /// The data set to route it by (`aws.lambda`, `aws.vpcflow`, …).
    pub dataset: &'static str,
    /// The human message: never empty when the line is not.
    pub message: Cow<'a, str>,
    /// `log.level`, normalized ([`normalize_level`]).
    pub level: Option<Cow<'static, str>>,
    /// `log.logger`.
    pub logger: Option<Cow<'a, str>>,
    /// ECS (and `aws.<source>.*`) fields, dotted names expanded into nested objects.
    pub fields: Map<String, Value>,
    /// The line's own keys that have no ECS name, as the line wrote them
    /// (JSON and logfmt lines only).
    pub app: Map<String, Value>,
    /// Set for `platform.logsDropped`.
    pub dropped: Option<LogsDropped>,
    /// The ECS fields already written as JSON, by the shapes that write them
    /// so ([`Group::understand_written`]); [`Shaped::fields`] is then empty.
    pub written: Option<EcsJson>,
}

impl<'a> Shaped<'a> {
    fn new(shape: Shape, dataset: &'static str, message: Cow<'a, str>) -> Shaped<'a> {
        Shaped {
            shape,
            dataset,
            message,
            level: None,
            logger: None,
            fields: Map::new(),
            app: Map::new(),
            dropped: None,
            written: None,
        }
    }

    /// Sets `path` (dotted) in [`Shaped::fields`].
    fn put(&mut self, path: &str, value: impl Into<Value>) {
        put(&mut self.fields, path, value.into());
    }

    /// Whether the dotted `path` is set in [`Shaped::fields`].
    fn has(&self, path: &str) -> bool {
        let mut parts = path.split('.');
        let Some(first) = parts.next() else {
            return false;
        };
        let mut at = self.fields.get(first);
        for part in parts {
            at = at.and_then(|v| v.get(part));
        }
        at.is_some()
    }

    /// Sets a line's `key` under `parents` as `name` (its ECS or snake-case
    /// name), or, when another key of the line took that name, as
    /// [`free_name`] says.
    fn put_named(&mut self, parents: &[&str], key: &str, name: &str, value: Value) {
        if let Some(at) = object_at(&mut self.fields, parents) {
            let name = free_name(at, key, name);
            at.insert(name, value);
        }
    }

    /// Sets `log.level` from a level as written, if it names one.
    fn set_level(&mut self, written: &str) {
        if self.level.is_none() {
            self.level = level::level_cow(written);
        }
    }

    /// The message, or the whole line when the message would be empty.
    fn or_line(mut self, line: &'a str) -> Shaped<'a> {
        if self.message.trim().is_empty() && !line.trim().is_empty() {
            self.message = Cow::Borrowed(line);
        }
        self
    }
}

/// Understands messages, with the custom VPC flow log formats of the configuration.
#[derive(Debug, Clone, Default)]
pub struct Shaper {
    /// (log group name or `prefix*`, format), first match wins.
    flows: Vec<(String, FlowFormat)>,
}

static DEFAULT: Shaper = Shaper::new();

/// [`Shaper::understand`] with no custom flow log format (the default version 2
/// format is still understood in any log group).
pub fn understand<'a>(log_group: &str, message: &'a str) -> Option<Shaped<'a>> {
    DEFAULT.understand(log_group, message)
}

impl Shaper {
    /// A shaper with no custom flow log format.
    pub const fn new() -> Shaper {
        Shaper { flows: Vec::new() }
    }

    /// Reads the lines of the log groups matching `log_groups` (a name, or a
    /// prefix ending in `*`) as flow log records of `format`.
    pub fn with_flow_format(mut self, log_groups: impl Into<String>, format: FlowFormat) -> Shaper {
        self.flows.push((log_groups.into(), format));
        self
    }

    fn flow_format(&self, log_group: &str) -> Option<&FlowFormat> {
        self.flows.iter().find_map(|(pattern, format)| {
            let hit = match pattern.strip_suffix('*') {
                Some(prefix) => log_group.starts_with(prefix),
                None => log_group == pattern,
            };
            hit.then_some(format)
        })
    }

    /// What `message` (one log event of `log_group`, trailing newline trimmed or
    /// not) says, or `None` when it has no shape this module knows: it then
    /// stays a plain message. Never panics.
    pub fn understand<'a>(&self, log_group: &str, message: &'a str) -> Option<Shaped<'a>> {
        self.group(log_group).understand(message)
    }

    /// What the shapes need to know of a log group, worked out once for all
    /// the events of a record.
    pub fn group(&self, log_group: &str) -> Group<'_> {
        Group {
            dataset: dataset_for_group(log_group),
            flow: self.flow_format(log_group),
        }
    }
}

/// A log group as the shapes see it: its data set and its custom flow log
/// format ([`Shaper::group`]).
#[derive(Debug, Clone, Copy)]
pub struct Group<'s> {
    dataset: &'static str,
    flow: Option<&'s FlowFormat>,
}

impl Group<'_> {
    /// [`Shaper::understand`] for a line of this group.
    pub fn understand<'a>(&self, message: &'a str) -> Option<Shaped<'a>> {
        let mut s = self.understand_written(message)?;
        if let Some(json) = s.written.take() {
            s.fields = json.into_map();
        }
        Some(s)
    }

    /// [`Group::understand`], with the ECS fields of the shapes that can
    /// write them directly (VPC flow records) in [`Shaped::written`].
    pub fn understand_written<'a>(&self, message: &'a str) -> Option<Shaped<'a>> {
        let line = message.trim_end_matches(['\n', '\r']);
        let dataset = self.dataset;
        if let Some(format) = self.flow {
            // The group's own format first; a default-format record still reads.
            return vpcflow::parse_written(line, format).or_else(|| {
                line.starts_with("2 ")
                    .then(|| vpcflow::parse_written(line, vpcflow::default_v2()))
                    .flatten()
            });
        }
        let first = *line.as_bytes().first()?;
        match first {
            b'{' => understand_json(dataset, line),
            b'<' => syslog::parse(line, dataset),
            b'0'..=b'9' => {
                if line.starts_with("2 ") {
                    return vpcflow::parse_written(line, vpcflow::default_v2());
                }
                text::parse_timestamped(line, dataset)
                    .or_else(|| syslog::parse(line, dataset))
                    .or_else(|| apigateway::parse_clf(line, dataset))
            }
            b'A'..=b'Z' => text::parse_python(line, dataset)
                .or_else(|| syslog::parse(line, dataset))
                .or_else(|| logfmt::parse(line, dataset)),
            b'a'..=b'f' => {
                logfmt::parse(line, dataset).or_else(|| apigateway::parse_clf(line, dataset))
            }
            b'g'..=b'z' | b'_' | b'@' => logfmt::parse(line, dataset),
            b':' => apigateway::parse_clf(line, dataset),
            // A JSON line after blank space (a newline before the object).
            b' ' | b'\t' | b'\n' | b'\r' if line.trim_ascii_start().starts_with('{') => {
                understand_json(dataset, line)
            }
            _ => None,
        }
    }
}

/// Datasets, in the order [`DATASETS`] lists them.
pub const DATASETS: [&str; 5] = [
    "aws.lambda",
    "aws.vpcflow",
    "aws.cloudtrail",
    "aws.apigateway",
    "aws.cloudwatch_logs",
];

/// The data set of a line of `log_group` that has no shape of its own (and
/// of a data stream's fallback):
/// - `aws.lambda`: `/aws/lambda/…` (Lambda and Lambda@Edge functions);
/// - `aws.apigateway`: `API-Gateway-Execution-Logs_…` (execution logs) and `/aws/apigateway/…`;
/// - `aws.vpcflow`: names under `/vpc/` or holding `vpc-flow`, `vpcflow`,
///   `flow-log` or `flowlog` (any case): flow log groups are named by their owner,
///   these are the usual spellings;
/// - `aws.cloudtrail`: names holding `cloudtrail` (any case): the console's
///   `aws-cloudtrail-logs-<account>-<id>`, the older `CloudTrail/DefaultLogGroup`;
/// - `aws.cloudwatch_logs`: everything else.
pub fn dataset_for_group(log_group: &str) -> &'static str {
    DATASETS
        .get(dataset_index(log_group))
        .copied()
        .unwrap_or("aws.cloudwatch_logs")
}

/// Index of [`dataset_for_group`] in [`DATASETS`].
pub(crate) fn dataset_index(log_group: &str) -> usize {
    if log_group.starts_with("/aws/lambda/") {
        0
    } else if log_group.starts_with("API-Gateway-Execution-Logs_")
        || log_group.starts_with("/aws/apigateway/")
    {
        3
    } else if log_group.starts_with("/vpc/")
        || [
            "vpc-flow", "vpcflow", "flow-log", "flowlog", "vpc_flow", "flow_log",
        ]
        .iter()
        .any(|hint| contains_ignore_case(log_group, hint))
    {
        1
    } else if contains_ignore_case(log_group, "cloudtrail") {
        2
    } else {
        4
    }
}

/// `hay` holds `needle` (ASCII lower-case) in any ASCII case.
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    !n.is_empty()
        && hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n))
}

/// Sets a dotted `path` in `map`, creating the objects on the way. A
/// non-object already on the way is left as it is (and the value dropped).
pub fn put(map: &mut Map<String, Value>, path: &str, value: Value) {
    let Some((objects, last)) = path.rsplit_once('.') else {
        map.insert(path.to_owned(), value);
        return;
    };
    let mut at = map;
    for key in objects.split('.') {
        // No key copy when the object is there already (the usual case).
        if !at.contains_key(key) {
            at.insert(key.to_owned(), Value::Object(Map::new()));
        }
        let Some(Value::Object(inner)) = at.get_mut(key) else {
            return;
        };
        at = inner;
    }
    at.insert(last.to_owned(), value);
}

/// [`put`] with the path already split (for names that hold dots themselves).
pub(crate) fn put_parts(map: &mut Map<String, Value>, parts: &[&str], value: Value) {
    let Some((last, objects)) = parts.split_last() else {
        return;
    };
    let mut at = map;
    for key in objects {
        let slot = at
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(inner) = slot else { return };
        at = inner;
    }
    at.insert((*last).to_owned(), value);
}

/// Deep-merges `from` into `into`: objects are merged key by key, anything
/// else in `from` replaces what `into` had.
pub fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// `camelCase`, `PascalCase`, `kebab-case` to `snake_case` (`sourceIPAddress` →
/// `source_ip_address`, `ARN` → `arn`, `log-status` → `log_status`).
pub(crate) fn snake(name: &str) -> String {
    snake_cow(name).into_owned()
}

/// [`snake`], borrowed when the name is snake case already.
pub(crate) fn snake_cow(name: &str) -> Cow<'_, str> {
    let b = name.as_bytes();
    if !b
        .iter()
        .any(|c| c.is_ascii_uppercase() || matches!(c, b'-' | b' ' | b'.'))
    {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 4);
    for (i, ch) in name.char_indices() {
        match ch {
            '-' | ' ' | '.' => out.push('_'),
            c if c.is_ascii_uppercase() => {
                let prev = i.checked_sub(1).and_then(|p| b.get(p)).copied();
                let next = b.get(i + 1).copied();
                let boundary = match prev {
                    Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                    Some(p) if p.is_ascii_uppercase() => {
                        next.is_some_and(|n| n.is_ascii_lowercase())
                    }
                    _ => false,
                };
                if boundary && !out.ends_with('_') {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A JSON value's text: a string as it is, anything else as JSON.
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(crate) use crate::time::{rfc3339_secs, rfc3339_secs_text};

/// A JSON line: parsed once, then recognised by its keys (CloudTrail, Lambda
/// platform events, Lambda's JSON log format, API Gateway access logs) or,
/// for any other object with a message or a level, read as a JSON logger's
/// application line.
fn understand_json<'a>(dataset: &'static str, line: &'a str) -> Option<Shaped<'a>> {
    let t = line.trim_ascii();
    if !t.ends_with('}') {
        return None;
    }
    let map = parse_object(t)?;
    // The log group decides first: an access log line may have a `message`
    // or a `level` key of its own.
    if dataset == "aws.apigateway" && apigateway::is_access_log_of_group(&map) {
        return apigateway::shape_json(map, line);
    }
    if cloudtrail::is_record(&map) {
        return cloudtrail::shape(map);
    }
    if lambda::is_platform(&map) {
        return lambda::platform(map);
    }
    if lambda::is_app_line(&map) {
        return Some(lambda::app_line(map, line));
    }
    if apigateway::is_access_log(&map) {
        return apigateway::shape_json(map, line);
    }
    json::app_line(map, dataset, line)
}

#[cfg(test)]
mod tests;
