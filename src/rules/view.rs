//! What a rule may look at in one event: the [`EventView`] trait, and its
//! implementation for [`Document`] (so the pipeline evaluates rules on the
//! document it already built, before masking and encoding).

use serde_json::{Map, Value};

use crate::document::{Document, LambdaLine};

/// A field value as a rule compares it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    /// A string.
    Str(&'a str),
    /// A number.
    Num(f64),
    /// `true` or `false`.
    Bool(bool),
}

/// One event as the rules see it. Everything is borrowed: a view costs nothing
/// to build and a rule that does not ask for a part never computes it.
pub trait EventView {
    /// The message (`message`), as the destination would receive it.
    fn message(&self) -> &str;
    /// `log.level`, if the event has one (any case; unknown names never match a threshold).
    fn level(&self) -> Option<&str>;
    /// The CloudWatch event id (`event.id`): the sampling key.
    fn event_id(&self) -> &str;
    /// A field by its dotted path (`aws.lambda.event`, `http.status`), or None
    /// when the event has no such field or it is an object, an array or null.
    fn field(&self, path: &str) -> Option<FieldValue<'_>>;
    /// The data set of the event's shape (`aws.vpcflow`, …), when it has one:
    /// it chooses the event's data stream over its log group's.
    fn dataset(&self) -> Option<&'static str> {
        None
    }
}

impl EventView for Document<'_> {
    fn message(&self) -> &str {
        &self.message
    }

    fn dataset(&self) -> Option<&'static str> {
        self.dataset
    }

    fn level(&self) -> Option<&str> {
        self.level.as_deref()
    }

    fn event_id(&self) -> &str {
        &self.event_id
    }

    fn field(&self, path: &str) -> Option<FieldValue<'_>> {
        // The fields the document derives itself first; they are what the
        // destination shows under these names (parsed JSON keys never shadow them).
        match path {
            "message" => return Some(FieldValue::Str(&self.message)),
            "event.id" => return Some(FieldValue::Str(&self.event_id)),
            "log.level" => return self.level.as_deref().map(FieldValue::Str),
            "log.logger" => return self.logger.as_deref().map(FieldValue::Str),
            "aws.lambda.request_id" if self.request_id.is_some() => {
                return self.request_id.as_deref().map(FieldValue::Str);
            }
            "aws.lambda.event" if self.lambda != LambdaLine::None => {
                return match self.lambda {
                    LambdaLine::None => None,
                    LambdaLine::Start { .. } => Some(FieldValue::Str("start")),
                    LambdaLine::End => Some(FieldValue::Str("end")),
                    LambdaLine::Report(_) => Some(FieldValue::Str("report")),
                };
            }
            "aws.lambda.version" if matches!(self.lambda, LambdaLine::Start { .. }) => {
                return match &self.lambda {
                    LambdaLine::Start {
                        version: Some(v), ..
                    } => Some(FieldValue::Str(v)),
                    _ => None,
                };
            }
            _ => {}
        }
        if let (Some(key), LambdaLine::Report(r)) =
            (path.strip_prefix("aws.lambda.report."), &self.lambda)
        {
            let n = match key {
                "duration_ms" => r.duration_ms,
                "billed_duration_ms" => r.billed_duration_ms,
                "memory_size_mb" => r.memory_size_mb,
                "max_memory_used_mb" => r.max_memory_used_mb,
                "init_duration_ms" => r.init_duration_ms,
                "restore_duration_ms" => r.restore_duration_ms,
                _ => None,
            };
            return n.map(FieldValue::Num);
        }
        // Then the ECS fields of the line's shape, then the line's own fields.
        self.ecs_fields()
            .and_then(|f| lookup(f, path))
            .and_then(scalar)
            .or_else(|| {
                self.fields
                    .as_ref()
                    .and_then(|f| lookup(f, path))
                    .and_then(scalar)
            })
    }
}

/// A value by dotted path in parsed JSON: `a.b.c` is the key `a.b.c`, or `b.c`
/// inside `a`, or `c` inside `a.b`, and so on (the first that exists wins, the
/// longest key first), so both `{"http":{"status":500}}` and `{"http.status":500}`
/// answer `http.status`.
pub fn lookup<'v>(map: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    if let Some(v) = map.get(path) {
        return Some(v);
    }
    for (i, _) in path.rmatch_indices('.') {
        let (head, rest) = (path.get(..i)?, path.get(i + 1..)?);
        if let Some(Value::Object(inner)) = map.get(head)
            && let Some(v) = lookup(inner, rest)
        {
            return Some(v);
        }
    }
    None
}

/// A JSON scalar as a [`FieldValue`].
pub fn scalar(v: &Value) -> Option<FieldValue<'_>> {
    match v {
        Value::String(s) => Some(FieldValue::Str(s)),
        Value::Number(n) => n.as_f64().map(FieldValue::Num),
        Value::Bool(b) => Some(FieldValue::Bool(*b)),
        _ => None,
    }
}
