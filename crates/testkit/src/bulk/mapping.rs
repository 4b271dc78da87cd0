//! Dynamic mapping, as Elasticsearch 8 applies it to an index without explicit
//! mappings: the first value seen for a field fixes its type, and a later
//! document whose value cannot be read as that type is refused per item with a
//! `document_parsing_exception` that, like the real one, quotes a preview of the
//! offending value.
//!
//! Types: JSON strings are `text` (with a `keyword` sub-field), or `date` when
//! the first one seen looks like `strict_date_optional_time` (date detection);
//! integers `long`; other numbers `float`; booleans `boolean`; objects `object`;
//! arrays take the type of their elements; `null` maps nothing. Coercion as
//! Elasticsearch does it: a number into `text` is fine, a numeric string into
//! `long`/`float` is fine, `"true"`/`"false"` into `boolean` is fine; a concrete
//! value where an object is mapped (or the reverse) is refused.

use std::collections::HashMap;

use serde_json::Value;

/// A field's mapped type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FieldType {
    Text,
    Date,
    Long,
    Float,
    Boolean,
    Object,
}

impl FieldType {
    fn name(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Date => "date",
            FieldType::Long => "long",
            FieldType::Float => "float",
            FieldType::Boolean => "boolean",
            FieldType::Object => "object",
        }
    }
}

/// The mappings of every index: field path → type.
#[derive(Default)]
pub(super) struct Mappings {
    by_index: HashMap<String, HashMap<String, FieldType>>,
}

impl Mappings {
    /// Checks `doc` against `index`'s mapping and, when it fits, adds the new fields.
    /// Err: `(type, reason)` of the item error.
    pub(super) fn apply(
        &mut self,
        index: &str,
        id: &str,
        doc: &Value,
    ) -> Result<(), (String, String)> {
        let mapping = self.by_index.entry(index.to_owned()).or_default();
        let mut added = Vec::new();
        check(mapping, &mut added, "", id, doc)?;
        mapping.extend(added);
        Ok(())
    }
}

fn check(
    mapping: &HashMap<String, FieldType>,
    added: &mut Vec<(String, FieldType)>,
    prefix: &str,
    id: &str,
    value: &Value,
) -> Result<(), (String, String)> {
    let Value::Object(map) = value else {
        return Ok(());
    };
    for (key, v) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let values: Vec<&Value> = match v {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for v in values {
            if v.is_null() {
                continue;
            }
            let known = mapping
                .get(&path)
                .copied()
                .or_else(|| added.iter().find(|(p, _)| *p == path).map(|(_, t)| *t));
            match known {
                None => {
                    let t = infer(v);
                    added.push((path.clone(), t));
                    if t == FieldType::Object {
                        check(mapping, added, &path, id, v)?;
                    }
                }
                Some(FieldType::Object) => match v {
                    Value::Object(_) => check(mapping, added, &path, id, v)?,
                    _ => {
                        return Err((
                            "document_parsing_exception".into(),
                            format!(
                                "[1:1] object mapping for [{path}] tried to parse field [{key}] as object, but found a concrete value"
                            ),
                        ));
                    }
                },
                Some(t) if !fits(t, v) => {
                    return Err((
                        "document_parsing_exception".into(),
                        format!(
                            "[1:1] failed to parse field [{path}] of type [{}] in document with id '{id}'. Preview of field's value: '{}'",
                            t.name(),
                            preview(v)
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

fn infer(v: &Value) -> FieldType {
    match v {
        Value::Bool(_) => FieldType::Boolean,
        Value::Number(n) if n.is_i64() || n.is_u64() => FieldType::Long,
        Value::Number(_) => FieldType::Float,
        Value::String(s) if looks_like_date(s) => FieldType::Date,
        Value::Object(_) => FieldType::Object,
        _ => FieldType::Text,
    }
}

fn fits(t: FieldType, v: &Value) -> bool {
    match (t, v) {
        (_, Value::Object(_)) => t == FieldType::Object,
        (FieldType::Text, _) => true,
        (FieldType::Long | FieldType::Float, Value::Number(_)) => true,
        (FieldType::Long | FieldType::Float, Value::String(s)) => s.trim().parse::<f64>().is_ok(),
        (FieldType::Boolean, Value::Bool(_)) => true,
        (FieldType::Boolean, Value::String(s)) => s == "true" || s == "false" || s.is_empty(),
        (FieldType::Date, Value::String(s)) => looks_like_date(s),
        (FieldType::Date, Value::Number(n)) => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

/// The whole string is `yyyy-MM-dd`, optionally followed by `T` and a time
/// (digits, `:`, `.`, a zone): Elasticsearch's default date detection
/// (`strict_date_optional_time`). A message that merely starts with a date is text.
fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10
            || (b[10] == b'T'
                && b.len() > 11
                && b[11..]
                    .iter()
                    .all(|c| c.is_ascii_digit() || b":.+-Z".contains(c))))
}

fn preview(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn first_type_wins_and_conflicts_quote_a_preview() {
        let mut m = Mappings::default();
        assert!(
            m.apply(
                "i",
                "1",
                &json!({"status": 200, "at": "2026-11-27T10:00:00Z", "o": {"a": 1}})
            )
            .is_ok()
        );
        assert!(
            m.apply("i", "2", &json!({"status": "404", "o": {"a": 2.5}}))
                .is_ok()
        );
        let (kind, reason) = m
            .apply("i", "3", &json!({"status": "secret-value"}))
            .expect_err("conflict");
        assert_eq!(kind, "document_parsing_exception");
        assert!(
            reason.contains("[status] of type [long]") && reason.contains("secret-value"),
            "{reason}"
        );
        assert!(m.apply("i", "4", &json!({"o": "flat"})).is_err());
        assert!(m.apply("i", "5", &json!({"at": "yesterday"})).is_err());
        // A message that starts with a date is text, not a date.
        assert!(
            m.apply(
                "k",
                "7",
                &json!({"message": "2026-11-27T10:00:00Z INFO boot"})
            )
            .is_ok()
        );
        assert!(m.apply("k", "8", &json!({"message": "plain"})).is_ok());
        // Another index has its own mapping.
        assert!(m.apply("j", "6", &json!({"status": "text here"})).is_ok());
    }
}
