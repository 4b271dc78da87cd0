//! Where a line's own fields go in its document: at the top level, except
//! the names the document owns (its envelope's, the ECS objects the shapes
//! write, names Elasticsearch reserves), which go under `json`; or all under
//! `LOGSHIP_FIELDS_PREFIX`. Names Elasticsearch would refuse, or expand into
//! a clash, are renamed first ([`crate::shape::undot`]).

use serde_json::{Map, Value};

use crate::shape::undot;

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
    // A data stream's own constant fields: a line cannot set them.
    "data_stream",
];

/// Whether a top-level name belongs to the document (the envelope's and the
/// shapes' ECS fields): a line's own field of that name goes under `json`,
/// and `LOGSHIP_FIELDS_PREFIX` cannot be one.
pub fn is_document_field(name: &str) -> bool {
    name.starts_with('_') || owner(name) != Owner::Line || name == "type"
}

/// Who owns a top-level name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// [`RESERVED`].
    Document,
    /// [`ECS_OBJECTS`].
    EcsSet,
    /// Nobody: the line's own.
    Line,
}

/// [`RESERVED`] and [`ECS_OBJECTS`] by length, then name: a few byte
/// compares per key (a test holds it to the lists).
fn owner(head: &str) -> Owner {
    match head.len() {
        2 if matches!(head, "as" | "os" | "pe") => Owner::EcsSet,
        3 if matches!(head, "aws" | "log") => Owner::Document,
        3 if matches!(head, "dll" | "dns" | "ecs" | "elf" | "geo" | "tls" | "url") => Owner::EcsSet,
        4 if matches!(head, "faas" | "json") => Owner::Document,
        4 if matches!(
            head,
            "file" | "hash" | "host" | "http" | "risk" | "rule" | "span" | "user" | "vlan" | "x509"
        ) =>
        {
            Owner::EcsSet
        }
        5 if matches!(head, "event" | "cloud") => Owner::Document,
        5 if matches!(
            head,
            "agent" | "email" | "error" | "group" | "macho" | "trace"
        ) =>
        {
            Owner::EcsSet
        }
        6 if matches!(
            head,
            "client" | "device" | "labels" | "server" | "source" | "threat"
        ) =>
        {
            Owner::EcsSet
        }
        7 if matches!(head, "message" | "logship") => Owner::Document,
        7 if matches!(
            head,
            "network" | "package" | "process" | "related" | "service"
        ) =>
        {
            Owner::EcsSet
        }
        8 if matches!(head, "observer" | "registry") => Owner::EcsSet,
        9 if matches!(head, "container" | "interface") => Owner::EcsSet,
        10 if head == "@timestamp" => Owner::Document,
        10 if head == "user_agent" => Owner::EcsSet,
        11 if head == "data_stream" => Owner::Document,
        11 if matches!(head, "destination" | "transaction") => Owner::EcsSet,
        12 if matches!(head, "orchestrator" | "organization") => Owner::EcsSet,
        13 if head == "vulnerability" => Owner::EcsSet,
        14 if head == "code_signature" => Owner::EcsSet,
        _ => Owner::Line,
    }
}

/// Top-level ECS field sets (those the shapes write, and the rest of ECS,
/// sorted). A line's own field of one of these names that is not an object
/// goes under `json`: a scalar where other documents of the index have an
/// object is a mapping conflict.
#[cfg_attr(not(test), allow(dead_code))]
const ECS_OBJECTS: &[&str] = &[
    "agent",
    "as",
    "client",
    "code_signature",
    "container",
    "destination",
    "device",
    "dll",
    "dns",
    "ecs",
    "elf",
    "email",
    "error",
    "file",
    "geo",
    "group",
    "hash",
    "host",
    "http",
    "interface",
    "labels",
    "macho",
    "network",
    "observer",
    "orchestrator",
    "organization",
    "os",
    "package",
    "pe",
    "process",
    "registry",
    "related",
    "risk",
    "rule",
    "server",
    "service",
    "source",
    "span",
    "threat",
    "tls",
    "trace",
    "transaction",
    "url",
    "user",
    "user_agent",
    "vlan",
    "vulnerability",
    "x509",
];

/// ECS fields the shapes write, each always with one type: a line's own
/// field at one of these paths with another type would fight their mapping.
const TYPED: &[(&str, Leaf)] = &[
    ("client.address", Leaf::Text),
    ("client.ip", Leaf::Ip),
    ("destination.ip", Leaf::Ip),
    ("destination.port", Leaf::Count),
    ("error.message", Leaf::Text),
    ("error.stack_trace", Leaf::Text),
    ("error.type", Leaf::Text),
    ("host.hostname", Leaf::Text),
    ("http.request.id", Leaf::Text),
    ("http.request.method", Leaf::Text),
    ("http.request.referrer", Leaf::Text),
    ("http.response.body.bytes", Leaf::Count),
    ("http.response.status_code", Leaf::Count),
    ("http.version", Leaf::Text),
    ("network.bytes", Leaf::Count),
    ("network.direction", Leaf::Text),
    ("network.iana_number", Leaf::Text),
    ("network.packets", Leaf::Count),
    ("network.protocol", Leaf::Text),
    ("network.transport", Leaf::Text),
    ("network.type", Leaf::Text),
    ("process.name", Leaf::Text),
    ("process.pid", Leaf::Count),
    ("process.thread.name", Leaf::Text),
    ("service.name", Leaf::Text),
    ("source.address", Leaf::Text),
    ("source.ip", Leaf::Ip),
    ("source.port", Leaf::Count),
    ("span.id", Leaf::Text),
    ("trace.id", Leaf::Text),
    ("url.domain", Leaf::Text),
    ("url.original", Leaf::Text),
    ("url.path", Leaf::Text),
    ("user.id", Leaf::Text),
    ("user.name", Leaf::Text),
    ("user_agent.original", Leaf::Text),
];

#[derive(Clone, Copy)]
enum Leaf {
    /// A string.
    Text,
    /// A string that is an IP address (Elasticsearch's `ip` type).
    Ip,
    /// A whole number, or a string of digits (which Elasticsearch reads as one).
    Count,
}

impl Leaf {
    fn fits(self, v: &Value) -> bool {
        match self {
            Leaf::Text => v.is_string(),
            Leaf::Ip => v
                .as_str()
                .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
            Leaf::Count => {
                v.is_u64()
                    || v.as_str()
                        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            }
        }
    }
}

/// Whether the line's own field `key` (maybe dotted) holds, at one of the
/// [`TYPED`] paths, a value of another type, or a value part-way down one.
fn mistyped(key: &str, v: &Value) -> bool {
    TYPED.iter().any(|(path, leaf)| {
        let Some(rest) = path.strip_prefix(key) else {
            return false;
        };
        if rest.is_empty() {
            return !leaf.fits(v);
        }
        let Some(rest) = rest.strip_prefix('.') else {
            return false;
        };
        // Down the path: a value where the path needs an object (`process:
        // {"thread": "main"}` against `process.thread.name`) is a clash too.
        let mut at = v;
        for part in rest.split('.') {
            let Value::Object(obj) = at else {
                return true;
            };
            match obj.get(part) {
                Some(next) => at = next,
                None => return false,
            }
        }
        !leaf.fits(at)
    })
}

/// The line's own `fields`, placed: under `prefix`, or at the top level
/// with the keys the document owns (and those naming an object of `ecs`,
/// the line's ECS fields) moved under `json`.
pub(super) fn place(
    mut fields: Map<String, Value>,
    prefix: Option<&str>,
    ecs: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    // Names Elasticsearch would refuse or expand into a clash are renamed
    // first (an empty key becomes `_empty`, and then goes under `json`).
    undot(&mut fields);
    if let Some(prefix) = prefix {
        let mut under = Map::new();
        under.insert(prefix.to_owned(), Value::Object(fields));
        return under;
    }
    // A dotted key (`log.level`) is the field its dots name: it clashes
    // by its first part.
    let clashes = |k: &str, v: &Value| {
        let head = k.split('.').next().unwrap_or(k);
        head.starts_with('_')
            || match owner(head) {
                Owner::Document => true,
                Owner::EcsSet => {
                    (!v.is_object() && head.len() == k.len())
                        || mistyped(k, v)
                        || ecs.is_some_and(|e| e.contains_key(head))
                }
                Owner::Line => ecs.is_some_and(|e| e.contains_key(head)),
            }
    };
    let keys: Vec<String> = fields
        .iter()
        .filter(|(k, v)| clashes(k, v))
        .map(|(k, _)| k.clone())
        .collect();
    if !keys.is_empty() {
        let mut moved = Map::new();
        for k in keys {
            if let Some(v) = fields.remove(&k) {
                moved.insert(k, v);
            }
        }
        fields.insert("json".to_owned(), Value::Object(moved));
    }
    fields
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
            placed(json!({"a..b": 1, ".c": 2, " ": 3, "x": {"": 4, "y. ": 5}})),
            json!({"a__b": 1, "json": {"_c": 2, "_blank": 3}, "x": {"_empty": 4, "y_ ": 5}})
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
    fn ecs_field_sets_are_sorted_and_a_scalar_named_like_one_moves() {
        use super::{ECS_OBJECTS, Owner, RESERVED, owner};
        assert!(ECS_OBJECTS.windows(2).all(|w| w[0] < w[1]));
        for name in RESERVED {
            assert_eq!(owner(name), Owner::Document, "{name}");
        }
        for name in ECS_OBJECTS {
            assert_eq!(owner(name), Owner::EcsSet, "{name}");
        }
        for name in ["", "a", "ass", "messages", "user_id", "Error"] {
            assert_eq!(owner(name), Owner::Line, "{name}");
        }
        assert_eq!(
            placed(
                json!({"ecs": "z", "labels": "x", "os": {"name": "linux"}, "data_stream": {"type": "logs"}})
            ),
            json!({"os": {"name": "linux"}, "json": {"ecs": "z", "labels": "x", "data_stream": {"type": "logs"}}})
        );
    }

    #[test]
    fn an_ecs_field_of_another_type_moves() {
        assert_eq!(
            placed(json!({
                "http": {"response": {"status_code": "abc"}},
                "span": {"id": 3, "name": "req"},
                "user": {"id": "u1", "name": "n"},
                "source.port": "n/a",
                "process": {"pid": "42"},
                "network": {"transport": {"x": 1}},
                "client": {"ip": "unknown"},
                "url": {"original": 5}
            })),
            json!({
                "user": {"id": "u1", "name": "n"},
                "process": {"pid": "42"},
                "json": {
                    "network": {"transport": {"x": 1}},
                    "client": {"ip": "unknown"},
                    "url": {"original": 5},
                    "http": {"response": {"status_code": "abc"}},
                    "span": {"id": 3, "name": "req"},
                    "source.port": "n/a"
                }
            })
        );
    }

    #[test]
    fn a_value_part_way_down_a_typed_path_moves() {
        assert_eq!(
            placed(
                json!({"process": {"thread": "main"}, "http": {"response": 200}, "http.request": "GET"})
            ),
            json!({"json": {"process": {"thread": "main"}, "http": {"response": 200}, "http.request": "GET"}})
        );
        // An object that only adds to the path stays.
        assert_eq!(
            placed(json!({"process": {"thread": {"name": "main", "id": 7}}})),
            json!({"process": {"thread": {"name": "main", "id": 7}}})
        );
    }

    #[test]
    fn json_and_json_dot_a_keep_both_values() {
        assert_eq!(
            placed(json!({"json": {"a": 1}, "json.a": 2, "k": 0})),
            json!({"k": 0, "json_a": 2, "json": {"json": {"a": 1}}})
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
