//! Parsing and validation: the JSON of `LOGSHIP_RULES` (or the rules file)
//! into a [`RuleSet`], every problem reported with the rule's number and name.
//! Unknown keys get the closest known one as a hint; globs, index names,
//! levels, regexes and field names are checked here, once, at start-up.

use memchr::memmem::Finder;
use serde_json::{Map, Value};

use super::glob::Glob;
use super::matching::{Needles, level_rank};
use super::model::{Action, Contains, EventMatch, Expected, FieldCond, IndexPattern, Route, Rule};
use super::texts::Texts;
use super::{RuleError, RuleSet, check_index, rule_label};

impl RuleSet {
    /// Parses rules read from `origin` (a variable name or a path, for errors).
    pub fn parse_from(json: &str, origin: &str) -> Result<RuleSet, RuleError> {
        let value: Value = serde_json::from_str(json).map_err(|e| RuleError::Json {
            origin: origin.to_owned(),
            reason: format!("not valid JSON: {e}"),
        })?;
        let Value::Array(items) = value else {
            return Err(RuleError::Json {
                origin: origin.to_owned(),
                reason: "expected a JSON array of rules, `[{...}, ...]`".into(),
            });
        };
        let mut set = RuleSet::default();
        for (index, item) in items.iter().enumerate() {
            let fail = |problem: String| {
                let name = item.get("name").and_then(Value::as_str);
                RuleError::Rule {
                    origin: origin.to_owned(),
                    rule: rule_label(index, name),
                    index,
                    problem,
                }
            };
            let rule = parse_rule(item, &mut set.indexes).map_err(fail)?;
            if let Some(name) = &rule.name
                && let Some(first) = set
                    .rules
                    .iter()
                    .position(|r| r.name.as_deref() == Some(name.as_str()))
            {
                return Err(fail(format!(
                    "the name is already used by {}",
                    rule_label(first, Some(name))
                )));
            }
            set.rules.push(rule);
        }
        set.needles = Needles::build(&mut set.rules);
        Ok(set)
    }
}

const RULE_KEYS: &[&str] = &[
    "name",
    "comment",
    "match",
    "action",
    "keep_one_in",
    "index",
    "logzio_type",
];
const MATCH_KEYS: &[&str] = &[
    "log_group",
    "log_stream",
    "level_below",
    "contains",
    "regex",
    "field",
    "equals",
    "fields",
];
const ACTIONS: &[&str] = &["drop", "sample", "route"];

fn unknown_key(key: &str, place: &str, known: &[&str]) -> String {
    let mut s = format!("unknown key {key:?} in {place}");
    if let Some(near) = crate::settings::closest(key, known.iter().copied()) {
        s.push_str(&format!(" (did you mean {near:?}?)"));
    } else {
        s.push_str(&format!(" (known: {})", known.join(", ")));
    }
    s
}

fn parse_rule(item: &Value, indexes: &mut usize) -> Result<Rule, String> {
    let Value::Object(obj) = item else {
        return Err("a rule is a JSON object with \"match\" and \"action\"".into());
    };
    if let Some(k) = obj.keys().find(|k| !RULE_KEYS.contains(&k.as_str())) {
        return Err(unknown_key(k, "the rule", RULE_KEYS));
    }
    let name = match obj.get("name") {
        None => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(_) => return Err("\"name\" must be a non-empty string".into()),
    };
    let (groups, streams, event) = match obj.get("match") {
        Some(Value::Object(m)) => parse_match(m)?,
        Some(_) => return Err("\"match\" must be an object of conditions".into()),
        None => {
            return Err("no \"match\": to act on every event, match {\"log_group\": \"*\"}".into());
        }
    };
    let action = match obj.get("action") {
        Some(Value::String(a)) => a.as_str(),
        Some(_) => return Err("\"action\" must be one of drop, sample, route".into()),
        None => return Err("no \"action\" (drop, sample or route)".into()),
    };
    let route = parse_route(obj, indexes)?;
    let has_route = route.index.is_some() || route.logzio_type.is_some();
    let action = match action {
        "drop" => {
            if has_route {
                return Err("a drop rule takes no \"index\" or \"logzio_type\"".into());
            }
            if obj.contains_key("keep_one_in") {
                return Err("\"keep_one_in\" belongs to a sample rule, not drop".into());
            }
            Action::Drop
        }
        "sample" => {
            let n = match obj.get("keep_one_in") {
                None => {
                    return Err(
                        "a sample rule needs \"keep_one_in\": N (keep one event in N)".into(),
                    );
                }
                Some(v) => v.as_u64().filter(|n| *n >= 1).ok_or(
                    "\"keep_one_in\" must be a whole number of at least 1 (1 keeps every event)",
                )?,
            };
            Action::Sample {
                keep_one_in: n,
                route,
            }
        }
        "route" => {
            if !has_route {
                return Err("a route rule needs \"index\" and/or \"logzio_type\"".into());
            }
            if obj.contains_key("keep_one_in") {
                return Err("\"keep_one_in\" belongs to a sample rule, not route".into());
            }
            Action::Route(route)
        }
        other => {
            let mut s = format!("unknown action {other:?}: expected drop, sample or route");
            if let Some(near) = crate::settings::closest(other, ACTIONS.iter().copied()) {
                s = format!("unknown action {other:?} (did you mean {near:?}?)");
            }
            return Err(s);
        }
    };
    Ok(Rule {
        name,
        groups,
        streams,
        event,
        action,
    })
}

fn parse_route(obj: &Map<String, Value>, indexes: &mut usize) -> Result<Route, String> {
    let index = match obj.get("index") {
        None => None,
        Some(Value::String(s)) => {
            let s = s.trim();
            check_index(s).map_err(|p| format!("\"index\" {s:?}: {p}"))?;
            let id = *indexes;
            *indexes += 1;
            Some(IndexPattern {
                pattern: s.to_owned(),
                dated: s.contains('%'),
                id,
            })
        }
        Some(_) => return Err("\"index\" must be a string".into()),
    };
    let logzio_type = match obj.get("logzio_type") {
        None => None,
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.is_empty() || s.len() > 100 {
                return Err("\"logzio_type\" must be 1 to 100 characters".into());
            }
            if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(format!(
                    "\"logzio_type\" {s:?}: no spaces or control characters"
                ));
            }
            Some(s.to_owned())
        }
        Some(_) => return Err("\"logzio_type\" must be a string".into()),
    };
    Ok(Route { index, logzio_type })
}

/// A string or an array of strings (at least one).
fn strings<'v>(v: &'v Value, key: &str) -> Result<Vec<&'v str>, String> {
    match v {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| {
                i.as_str()
                    .ok_or_else(|| format!("{key:?} must be a string or an array of strings"))
            })
            .collect(),
        _ => Err(format!(
            "{key:?} must be a string or a non-empty array of strings"
        )),
    }
}

/// Characters a CloudWatch Logs log group name may hold (plus the glob's `*` and `?`).
fn group_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/' | '.' | '#' | '*' | '?')
}

fn parse_glob(text: &str, key: &str) -> Result<Glob, String> {
    if text.is_empty() {
        return Err(format!(
            "{key:?}: an empty glob matches nothing (use \"*\" for any)"
        ));
    }
    if text.len() > 512 {
        return Err(format!("{key:?}: a glob is at most 512 characters"));
    }
    if key == "log_group" {
        if let Some(c) = text.chars().find(|c| !group_char(*c)) {
            return Err(format!(
                "\"log_group\" glob {text:?}: `{c}` cannot appear in a log group name (globs take * and ?; use \"regex\" on the message for more)"
            ));
        }
    } else if text.contains(':') {
        return Err(format!(
            "\"log_stream\" glob {text:?}: `:` cannot appear in a log stream name"
        ));
    }
    Ok(Glob::new(text))
}

type MatchParts = (Vec<Glob>, Vec<Glob>, EventMatch);

fn parse_match(m: &Map<String, Value>) -> Result<MatchParts, String> {
    if m.is_empty() {
        return Err("empty \"match\": to act on every event, match {\"log_group\": \"*\"}".into());
    }
    if let Some(k) = m.keys().find(|k| !MATCH_KEYS.contains(&k.as_str())) {
        return Err(unknown_key(k, "\"match\"", MATCH_KEYS));
    }
    let globs = |key: &str| -> Result<Vec<Glob>, String> {
        match m.get(key) {
            None => Ok(Vec::new()),
            Some(v) => strings(v, key)?
                .into_iter()
                .map(|g| parse_glob(g, key))
                .collect(),
        }
    };
    let mut groups = globs("log_group")?;
    let mut streams = globs("log_stream")?;
    // `*` among the alternatives matches everything: no condition at all.
    if groups.iter().any(Glob::is_any) {
        groups.clear();
    }
    if streams.iter().any(Glob::is_any) {
        streams.clear();
    }
    let mut event = EventMatch::default();
    if let Some(v) = m.get("level_below") {
        let name = v.as_str().ok_or(
            "\"level_below\" must be a level name: trace, debug, info, warn, error or fatal",
        )?;
        let rank = level_rank(name.trim()).ok_or_else(|| {
            format!(
                "\"level_below\": unknown level {name:?} (trace, debug, info, warn, error, fatal)"
            )
        })?;
        if rank == 0 {
            return Err(format!(
                "\"level_below\": {name:?} is the lowest level, no event is below it"
            ));
        }
        event.level_below = Some(rank);
    }
    if let Some(v) = m.get("contains") {
        let needles = strings(v, "contains")?;
        if needles.iter().any(|n| n.is_empty()) {
            return Err("\"contains\": an empty string matches every message; remove it".into());
        }
        event.contains = Some(match needles.as_slice() {
            [one] => Contains::One(Box::new(Finder::new(one.as_bytes()).into_owned())),
            many => Contains::Many(
                Texts::new(many, false).ok_or("\"contains\": too many or too long texts")?,
            ),
        });
        event.needles = needles.iter().map(|n| (*n).to_owned()).collect();
    }
    if let Some(v) = m.get("regex") {
        let text = v.as_str().ok_or("\"regex\" must be a string")?;
        let re = regex::RegexBuilder::new(text)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| format!("\"regex\" is not a valid regular expression: {e}"))?;
        event.regex = Some(re);
        event.regex_prefix = literal_prefix(text);
    }
    match (m.get("field"), m.get("equals")) {
        (None, None) => {}
        (Some(Value::String(path)), Some(eq)) => {
            event.fields.push(field_cond(path, eq)?);
        }
        (Some(_), Some(_)) => return Err("\"field\" must be a dotted field name".into()),
        (Some(_), None) => {
            return Err("\"field\" needs \"equals\" (a value or an array of values)".into());
        }
        (None, Some(_)) => {
            return Err("\"equals\" needs \"field\" (the field's dotted name)".into());
        }
    }
    match m.get("fields") {
        None => {}
        Some(Value::Object(f)) if !f.is_empty() => {
            for (path, eq) in f {
                event.fields.push(field_cond(path, eq)?);
            }
        }
        Some(_) => {
            return Err("\"fields\" must be a non-empty object of field name to value".into());
        }
    }
    Ok((groups, streams, event))
}

fn field_cond(path: &str, eq: &Value) -> Result<FieldCond, String> {
    let path = path.trim();
    if path.is_empty() || path.starts_with('.') || path.ends_with('.') || path.contains("..") {
        return Err(format!(
            "field name {path:?}: expected a dotted name like aws.lambda.event"
        ));
    }
    let one = |v: &Value| -> Result<Expected, String> {
        match v {
            Value::String(s) => Ok(Expected::Str(s.clone(), s.trim().parse::<f64>().ok())),
            Value::Number(n) => n
                .as_f64()
                .map(Expected::Num)
                .ok_or_else(|| format!("field {path:?}: the number is out of range")),
            Value::Bool(b) => Ok(Expected::Bool(*b)),
            _ => Err(format!(
                "field {path:?}: compare with a string, a number, a boolean, or an array of them"
            )),
        }
    };
    let any_of = match eq {
        Value::Array(items) if !items.is_empty() => {
            items.iter().map(one).collect::<Result<Vec<_>, _>>()?
        }
        Value::Array(_) => return Err(format!("field {path:?}: an empty array matches nothing")),
        v => vec![one(v)?],
    };
    Ok(FieldCond {
        path: path.to_owned(),
        any_of,
    })
}

/// The literal every match of a regex starts with, read off the pattern when
/// it shows one plainly: no `|` anywhere, and at least three plain characters
/// (ASCII letters, digits, space and punctuation that is no regex syntax) at
/// its start; a character a quantifier follows is not part of it. Anything
/// else (flags such as `(?i)`, an escape, a class first) gives None, and the
/// regex alone decides, as always.
pub(super) fn literal_prefix(pattern: &str) -> Option<String> {
    if pattern.contains('|') {
        return None;
    }
    let plain = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '-'
                    | '_'
                    | ':'
                    | '/'
                    | '='
                    | ','
                    | '"'
                    | '\''
                    | '<'
                    | '>'
                    | '@'
                    | '%'
                    | '&'
                    | '!'
                    | '~'
                    | ';'
            )
    };
    let mut prefix: String = pattern.chars().take_while(|c| plain(*c)).collect();
    let next = pattern
        .get(prefix.len()..)
        .and_then(|rest| rest.chars().next());
    if matches!(next, Some('*' | '?' | '+' | '{')) {
        prefix.pop();
    }
    (prefix.len() >= 3).then_some(prefix)
}
