//! The names a line's keys take as fields: a key's snake-case name, unless
//! another key of the line took it ([`free_name`]), and, for keys kept as
//! they came, a name Elasticsearch takes without refusing the document or
//! expanding it into a clash ([`undot`]). No key of a line loses its value
//! to another.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::snake_cow;

/// A JSON object's text as a map whose repeated keys keep every value, as a
/// list in the line's order (Go's zap and others write a key twice; a map
/// would keep the last). Objects inside keep their last value, as JSON
/// readers do. None when the text is not one JSON object.
pub fn parse_object(text: &str) -> Option<Map<String, Value>> {
    serde_json::from_str::<Lossless>(text).ok().map(|l| l.0)
}

struct Lossless(Map<String, Value>);

impl<'de> serde::Deserialize<'de> for Lossless {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Lossless, D::Error> {
        d.deserialize_map(LosslessVisitor)
    }
}

struct LosslessVisitor;

impl<'de> serde::de::Visitor<'de> for LosslessVisitor {
    type Value = Lossless;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Lossless, A::Error> {
        let mut map = Map::new();
        // Keys made lists here (a value that was a list already is not one).
        let mut repeated: Vec<String> = Vec::new();
        while let Some((key, value)) = a.next_entry::<String, Value>()? {
            match map.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(mut slot) => {
                    let known = repeated.iter().any(|k| k == slot.key());
                    match slot.get_mut() {
                        Value::Array(values) if known => values.push(value),
                        first => {
                            let first = std::mem::take(first);
                            *slot.get_mut() = Value::Array(vec![first, value]);
                            repeated.push(slot.key().clone());
                        }
                    }
                }
            }
        }
        Ok(Lossless(map))
    }
}

/// A JSON value with every object key in snake case. Keys that snake-case
/// to the same name keep their values apart ([`free_name`]).
pub(crate) fn snake_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            put_snake(&mut out, m.into_iter().map(|(k, v)| (k, snake_keys(v))));
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(snake_keys).collect()),
        other => other,
    }
}

/// Puts each `(key, value)` in `into` by the key's snake-case name, the keys
/// already in snake case first so that they keep their own names; a key
/// whose name is taken gets [`free_name`]'s.
pub(crate) fn put_snake(
    into: &mut Map<String, Value>,
    pairs: impl Iterator<Item = (String, Value)>,
) {
    let mut later = Vec::new();
    for (key, value) in pairs {
        if matches!(snake_cow(&key), Cow::Borrowed(_))
            && !is_blank(&key)
            && !into.contains_key(&key)
        {
            into.insert(key, value);
        } else {
            later.push((key, value));
        }
    }
    for (key, value) in later {
        let name = free_name(into, &key, &snake_cow(&key));
        into.insert(name, value);
    }
}

/// The name a line's `key` takes in `at`: `name` (its ECS or snake-case
/// name) when no other key of the line took it, else the key as written
/// (dots as `_`, so it names no object), else that with `_2`, `_3`, …: two
/// keys never share a field, so no value of the line is lost.
pub(crate) fn free_name(at: &Map<String, Value>, key: &str, name: &str) -> String {
    // A name Elasticsearch refuses is never given: empty or blank names
    // are `_empty` and `_blank`.
    let blank = |n: &str| match n {
        "" => Some("_empty"),
        n if is_blank(n) => Some("_blank"),
        _ => None,
    };
    let name = blank(name).unwrap_or(name);
    if !at.contains_key(name) {
        return name.to_owned();
    }
    let own = match blank(key) {
        Some(b) => b.to_owned(),
        None => key.replace('.', "_"),
    };
    if !at.contains_key(&own) && !is_blank(&own) {
        return own;
    }
    let mut n = 2_u32;
    loop {
        let candidate = format!("{own}_{n}");
        if !at.contains_key(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// The object at `parents` in `map`, made on the way; None when a
/// non-object stands on the way.
pub(crate) fn object_at<'m>(
    map: &'m mut Map<String, Value>,
    parents: &[&str],
) -> Option<&'m mut Map<String, Value>> {
    let mut at = map;
    for key in parents {
        if !at.contains_key(*key) {
            at.insert((*key).to_owned(), Value::Object(Map::new()));
        }
        let Value::Object(inner) = at.get_mut(*key)? else {
            return None;
        };
        at = inner;
    }
    Some(at)
}

/// Renames, at any depth, the keys Elasticsearch would refuse or expand into
/// a clash:
/// - a dotted key that names a field another key of its object names too
///   once the dots are expanded (`a.b` beside `a: 1`, or beside
///   `a: {"b": 2}`, or `a.b.c` beside `a.b`), or that has an empty or blank
///   part (`a..b`, `.a`, `a. `): the dots become `_`;
/// - an empty key becomes `_empty`, a blank one (only whitespace) `_blank`;
///
/// each with [`free_name`]'s suffix if that is taken too.
pub fn undot(map: &mut Map<String, Value>) {
    for v in map.values_mut() {
        undot_value(v);
    }
    let odd = |k: &str| k.contains('.') || is_blank(k);
    if !map.keys().any(|k| odd(k)) {
        return;
    }
    let keys: Vec<String> = map.keys().filter(|k| odd(k)).cloned().collect();
    for key in keys {
        let name = if key.is_empty() {
            Cow::Borrowed("_empty")
        } else if is_blank(&key) {
            Cow::Borrowed("_blank")
        } else if clashes_dotted(map, &key) {
            Cow::Owned(key.replace('.', "_"))
        } else {
            continue;
        };
        if let Some(v) = map.remove(&key) {
            let name = free_name(map, &key, &name);
            map.insert(name, v);
        }
    }
}

/// Empty or only whitespace: a field name Elasticsearch refuses.
fn is_blank(name: &str) -> bool {
    name.trim().is_empty()
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
    if key.split('.').any(is_blank) {
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
    use serde_json::json;

    use super::parse_object;

    #[test]
    fn a_free_name_is_never_empty_or_blank() {
        let at = parse_object(r#"{"_empty":1,"_blank":2,"x":3}"#).expect("object");
        assert_eq!(super::free_name(&at, "", ""), "_empty_2");
        assert_eq!(super::free_name(&at, " ", " "), "_blank_2");
        assert_eq!(super::free_name(&at, ".", "_"), "_");
        assert_eq!(super::free_name(&at, "x", "x"), "x_2");
    }

    #[test]
    fn a_repeated_key_keeps_every_value() {
        let m = parse_object(r#"{"k":1,"a":[0],"k":2,"a":[1],"k":3}"#).expect("object");
        assert_eq!(m["k"], json!([1, 2, 3]));
        assert_eq!(m["a"], json!([[0], [1]]));
        assert!(parse_object("[1]").is_none());
        assert!(parse_object("{").is_none());
        assert_eq!(parse_object("{}").map(|m| m.len()), Some(0));
    }
}
