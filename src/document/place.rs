//! Where a line's own fields go in its document: at the top level, except
//! the names the document owns (its envelope's, the ECS objects the shapes
//! write, names Elasticsearch reserves), which go under `json`; or all under
//! `LOGSHIP_FIELDS_PREFIX`. And, at any depth, a dotted key that would name
//! the same field as another key once Elasticsearch expands its dots (`a.b`
//! beside `a`) is renamed with `_` for its dots, so the document is neither
//! refused nor loses a value.

use serde_json::{Map, Value};

use crate::shape::free_name;

/// Top-level keys the document owns: a line's own keys with these names go
/// under `json`, and a shape's ECS fields under them are merged into the
/// envelope's objects (or never written).
pub(super) const RESERVED: &[&str] = &[
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

/// Whether a top-level name belongs to the document (the envelope's and the
/// shapes' ECS fields): a line's own field of that name goes under `json`,
/// and `LOGSHIP_FIELDS_PREFIX` cannot be one.
pub fn is_document_field(name: &str) -> bool {
    name.starts_with('_')
        || RESERVED.contains(&name)
        || ECS_OBJECTS.contains(&name)
        || name == "type"
}

/// Top-level ECS objects the shapes write. A line's own field of one of these
/// names that is not an object goes under `json`: a scalar where other
/// documents of the index have an object is a mapping conflict.
const ECS_OBJECTS: &[&str] = &[
    "source",
    "destination",
    "network",
    "http",
    "url",
    "client",
    "user",
    "user_agent",
    "trace",
    "span",
    "service",
    "error",
    "process",
    "host",
];

/// The line's own `fields`, placed: under `prefix`, or at the top level
/// with the keys the document owns (and those naming an object of `ecs`,
/// the line's ECS fields) moved under `json`.
pub(super) fn place(
    mut fields: Map<String, Value>,
    prefix: Option<&str>,
    ecs: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    if let Some(prefix) = prefix {
        undot(&mut fields);
        let mut under = Map::new();
        under.insert(prefix.to_owned(), Value::Object(fields));
        return under;
    }
    // Elasticsearch refuses an empty field name: kept under a name it takes.
    if let Some(v) = fields.remove("") {
        let name = free_name(&fields, "_empty", "_empty");
        fields.insert(name, v);
    }
    // A dotted key (`log.level`) is the field its dots name: it clashes
    // by its first part.
    let clashes = |k: &str, v: &Value| {
        let head = k.split('.').next().unwrap_or(k);
        head.starts_with('_')
            || RESERVED.contains(&head)
            || ecs.is_some_and(|e| e.contains_key(head))
            || (!v.is_object() && ECS_OBJECTS.contains(&k))
    };
    if fields.iter().any(|(k, v)| clashes(k, v)) {
        let keys: Vec<String> = fields
            .iter()
            .filter(|(k, v)| clashes(k, v))
            .map(|(k, _)| k.clone())
            .collect();
        let mut moved = Map::new();
        for k in keys {
            if let Some(v) = fields.remove(&k) {
                moved.insert(k, v);
            }
        }
        fields.insert("json".to_owned(), Value::Object(moved));
    }
    // `json.a` beside `json` are now `json` and `a` beside each other under `json`.
    undot(&mut fields);
    fields
}

/// Renames, at any depth, each dotted key that names a field another key of
/// its object names too once the dots are expanded (`a.b` beside `a: 1`, or
/// beside `a: {"b": 2}`, or `a.b.c` beside `a.b`), or that has an empty part
/// (`a..b`, `.a`): the dots become `_` ([`free_name`] if that is taken too).
fn undot(map: &mut Map<String, Value>) {
    for v in map.values_mut() {
        undot_value(v);
    }
    if !map.keys().any(|k| k.contains('.')) {
        return;
    }
    let dotted: Vec<String> = map.keys().filter(|k| k.contains('.')).cloned().collect();
    for key in dotted {
        if clashes_dotted(map, &key)
            && let Some(v) = map.remove(&key)
        {
            let name = free_name(map, &key, &key.replace('.', "_"));
            map.insert(name, v);
        }
    }
}

fn undot_value(v: &mut Value) {
    match v {
        Value::Object(m) => undot(m),
        Value::Array(items) => items.iter_mut().for_each(undot_value),
        _ => {}
    }
}

/// Whether the dotted `key` of `map`, once its dots (and those of the keys
/// inside its value) are expanded, names a field another key of `map` with
/// the same first part names too, or sets a value where the other has an
/// object (or the other way round). Objects merge; only values clash.
fn clashes_dotted(map: &Map<String, Value>, key: &str) -> bool {
    if key.split('.').any(str::is_empty) {
        return true;
    }
    let head = key.split('.').next().unwrap_or(key);
    let Some(value) = map.get(key) else {
        return false;
    };
    let mut mine = Vec::new();
    expand(key, value, &mut mine);
    map.iter()
        .filter(|(other, _)| {
            other.as_str() != key && other.split('.').next().unwrap_or(other) == head
        })
        .any(|(other, v)| {
            let mut theirs = Vec::new();
            expand(other, v, &mut theirs);
            mine.iter().any(|(a, a_value)| {
                theirs.iter().any(|(b, b_value)| {
                    (a == b && (*a_value || *b_value))
                        || (*a_value && is_under(b, a))
                        || (*b_value && is_under(a, b))
                })
            })
        })
}

/// The paths `v` sets under `at`, each with whether it is a value (else an object).
fn expand(at: &str, v: &Value, out: &mut Vec<(String, bool)>) {
    match v {
        Value::Object(m) => {
            out.push((at.to_owned(), false));
            for (k, v) in m {
                expand(&format!("{at}.{k}"), v, out);
            }
        }
        // Elasticsearch reads a list as its items at the same path.
        Value::Array(items) => {
            for item in items {
                expand(at, item, out);
            }
        }
        _ => out.push((at.to_owned(), true)),
    }
}

/// `path` is below `parent` (`a.b` below `a`).
fn is_under(path: &str, parent: &str) -> bool {
    path.strip_prefix(parent)
        .is_some_and(|rest| rest.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use super::place;

    fn placed(v: Value) -> Value {
        let Value::Object(m) = v else {
            return Value::Null;
        };
        Value::Object(place(m, None, None))
    }

    #[test]
    fn a_dotted_key_beside_its_parent_is_renamed() {
        assert_eq!(placed(json!({"a.b": 1, "a": 2})), json!({"a_b": 1, "a": 2}));
        assert_eq!(
            placed(json!({"a.b": 1, "a": {"b": 2, "c": 3}})),
            json!({"a_b": 1, "a": {"b": 2, "c": 3}})
        );
        assert_eq!(
            placed(json!({"a.b": 1, "a.b.c": 2})),
            json!({"a_b": 1, "a.b.c": 2})
        );
        assert_eq!(
            placed(json!({"a..b": 1, ".c": 2})),
            json!({"a__b": 1, "_c": 2})
        );
        // No clash: Elasticsearch merges `a.b` into the object `a`.
        assert_eq!(
            placed(json!({"a.b": 1, "a": {"c": 3}, "user.id": "u"})),
            json!({"a.b": 1, "a": {"c": 3}, "user.id": "u"})
        );
        // At any depth, and `a_b` taken already.
        assert_eq!(
            placed(json!({"x": {"a.b": 1, "a": 2, "a_b": 3}})),
            json!({"x": {"a_b_2": 1, "a": 2, "a_b": 3}})
        );
    }

    #[test]
    fn json_and_json_dot_a_keep_both_values() {
        assert_eq!(
            placed(json!({"json": {"a": 1}, "json.a": 2, "k": 0})),
            json!({"k": 0, "json": {"json": {"a": 1}, "json_a": 2}})
        );
    }

    /// The paths of every leaf once dots are expanded, as Elasticsearch reads them.
    fn paths(v: &Value, at: &str, out: &mut Vec<String>, ok: &mut bool) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if k.split('.').any(str::is_empty) {
                        *ok = false;
                    }
                    let p = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    paths(v, &p, out, ok);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| paths(v, at, out, ok)),
            _ => out.push(at.to_owned()),
        }
    }

    fn key() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "a", "b", "a.b", "a.b.c", "b.c", "a_b", "json", "json.a", "message", "a.", "x",
        ])
        .prop_map(str::to_owned)
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![Just(json!(1)), Just(json!("s"))];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>()))
        })
    }

    proptest! {
        /// However keys and dotted keys mix, no two leaves name one field,
        /// no leaf is a prefix of another (a value where an object is), and
        /// no leaf is lost.
        #[test]
        fn expanded_paths_never_clash(pairs in prop::collection::vec((key(), value()), 0..8)) {
            let map: Map<String, Value> = pairs.into_iter().collect();
            let mut before = Vec::new();
            let mut ok = true;
            paths(&Value::Object(map.clone()), "", &mut before, &mut ok);
            let out = place(map, None, None);
            let mut after = Vec::new();
            let mut ok = true;
            paths(&Value::Object(out), "", &mut after, &mut ok);
            prop_assert!(ok, "an empty part left");
            prop_assert_eq!(before.len(), after.len());
            after.sort();
            for w in after.windows(2) {
                if let [a, b] = w {
                    prop_assert!(a != b, "{} twice", a);
                    prop_assert!(!b.starts_with(&format!("{a}.")), "{} under {}", b, a);
                }
            }
        }
    }
}
