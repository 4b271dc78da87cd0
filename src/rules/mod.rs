//! Rules: route and filter events per log group before they cost anything
//! downstream (issue #14).
//!
//! `LOGSHIP_RULES` (or the file named by `LOGSHIP_RULES_FILE`) holds a JSON
//! array of rules, evaluated in order; the first rule that matches an event
//! decides what happens to it: `drop`, `sample` (keep one in N, chosen from a
//! hash of the event id so a retry or a redrive decides the same way) or `route`
//! (an Elasticsearch index or data stream, a Logz.io `type`). An event no rule
//! matches is kept and goes where the configuration says.
//! `LOGSHIP_DATA_STREAM_NAMESPACE` sends every event that no rule routes to the
//! data stream of its source (`logs-aws.lambda-<namespace>`, see [`datastream`]).
//!
//! Evaluation is split so it costs little: [`RuleSet::for_record`] keeps, once
//! per record, the rules whose log group and log stream globs can match (most
//! records keep none), then [`RecordRules::decide`] runs only the event-level
//! conditions (level, field, substring, regex: cheapest first) of those rules.
//! Rules are validated once, at start-up; every error names the rule (number
//! and name) and the problem. The syntax is documented in the README's "Routing and filtering".

pub mod datastream;
pub mod explain;
pub mod glob;
pub mod view;

#[cfg(test)]
mod tests;

use aho_corasick::AhoCorasick;
use memchr::memmem::Finder;
use regex::Regex;
use serde_json::{Map, Value};

pub use datastream::{DATASETS, check_index, check_namespace, data_stream_name, dataset_for};
pub use explain::{DestinationKind, Explain, GroupTally, render_explain};
pub use glob::Glob;
pub use view::{EventView, FieldValue};

/// The variable holding the rules as JSON.
pub const VAR_RULES: &str = "LOGSHIP_RULES";
/// The variable naming a file (packaged with the function) holding the rules.
pub const VAR_RULES_FILE: &str = "LOGSHIP_RULES_FILE";
/// The variable that turns data streams on, with their namespace.
pub const VAR_DATA_STREAM_NAMESPACE: &str = "LOGSHIP_DATA_STREAM_NAMESPACE";

/// A rule set that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The text is not JSON, or not an array.
    #[error("{origin}: {reason}")]
    Json {
        /// `LOGSHIP_RULES` or the file's path.
        origin: String,
        /// What is wrong (serde_json's message, with line and column).
        reason: String,
    },
    /// One rule is invalid.
    #[error("{origin} {rule}: {problem}")]
    Rule {
        /// `LOGSHIP_RULES` or the file's path.
        origin: String,
        /// `rule 2 ("drop-health-checks")`: its number (from 1) and name.
        rule: String,
        /// The rule's position in the array, from 0.
        index: usize,
        /// What is wrong.
        problem: String,
    },
    /// The rules file cannot be read.
    #[error("{VAR_RULES_FILE}={path}: {reason}")]
    File {
        /// The path given.
        path: String,
        /// Why it cannot be read.
        reason: String,
    },
    /// A setting around the rules is invalid.
    #[error("{var}: {problem}")]
    Setting {
        /// The variable.
        var: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// An index or data stream name, `%Y`, `%m`, `%d` standing for the event's UTC date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPattern {
    pattern: String,
    dated: bool,
    id: usize,
}

impl IndexPattern {
    /// The pattern as configured.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether it has date placeholders (if not, it renders to itself).
    pub fn is_dated(&self) -> bool {
        self.dated
    }

    /// A small number, distinct for every pattern of one [`RuleSet`] and below
    /// [`RuleSet::index_count`]: a cache key for the rendered name per day.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The name for an event at `timestamp_ms` (ms since the epoch, UTC),
    /// rendered by the encoder's [`crate::encode::write_index`] (one renderer).
    pub fn render(&self, timestamp_ms: i64) -> String {
        if !self.dated {
            return self.pattern.clone();
        }
        let mut name = Vec::with_capacity(self.pattern.len() + 8);
        crate::encode::write_index(&self.pattern, timestamp_ms, &mut name);
        String::from_utf8_lossy(&name).into_owned()
    }
}

/// Where a `route` rule (or the kept events of a `sample` rule) sends events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The Elasticsearch index or data stream.
    pub index: Option<IndexPattern>,
    /// The Logz.io `type`.
    pub logzio_type: Option<String>,
}

/// Where one kept event goes; `None` parts mean "as configured"
/// (`LOGSHIP_INDEX`, `LOGSHIP_LOGZIO_TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Target<'r> {
    /// The index: the rule's, else the source's data stream, else None.
    pub index: Option<&'r IndexPattern>,
    /// The Logz.io type: the rule's, else None.
    pub logzio_type: Option<&'r str>,
}

/// What happens to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'r> {
    /// Shipped to `target`; `rule` is the rule that matched (a `route` rule, or
    /// a `sample` rule that kept it), None when no rule matched.
    Keep {
        /// Where it goes.
        target: Target<'r>,
        /// The matching rule's position, from 0.
        rule: Option<usize>,
    },
    /// Dropped by a `drop` rule.
    Drop {
        /// The rule's position, from 0.
        rule: usize,
    },
    /// Not among the one in N a `sample` rule keeps.
    SampledOut {
        /// The rule's position, from 0.
        rule: usize,
    },
}

impl Decision<'_> {
    /// Whether the event is filtered out (dropped or sampled out).
    pub fn is_filtered(&self) -> bool {
        !matches!(self, Decision::Keep { .. })
    }
}

#[derive(Debug, Clone)]
enum Action {
    Drop,
    Sample { keep_one_in: u64, route: Route },
    Route(Route),
}

#[derive(Debug, Clone)]
enum Contains {
    One(Box<Finder<'static>>),
    Many(AhoCorasick),
}

impl Contains {
    fn is_in(&self, message: &str) -> bool {
        match self {
            Contains::One(f) => f.find(message.as_bytes()).is_some(),
            Contains::Many(ac) => ac.is_match(message),
        }
    }
}

/// One accepted value of a field condition.
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    /// A string: equal to a string field, or to a number field written the same way.
    Str(String, Option<f64>),
    /// A number: equal to a number field, or to a string field that parses to it.
    Num(f64),
    /// A boolean: equal to a boolean field.
    Bool(bool),
}

impl Expected {
    fn matches(&self, v: FieldValue<'_>) -> bool {
        match (self, v) {
            (Expected::Str(s, _), FieldValue::Str(f)) => s == f,
            (Expected::Str(_, Some(n)), FieldValue::Num(f)) => *n == f,
            (Expected::Num(n), FieldValue::Num(f)) => *n == f,
            (Expected::Num(n), FieldValue::Str(f)) => f.trim().parse::<f64>().ok() == Some(*n),
            (Expected::Bool(b), FieldValue::Bool(f)) => *b == f,
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
struct FieldCond {
    path: String,
    any_of: Vec<Expected>,
}

/// The conditions of a rule on the event itself (not its record).
#[derive(Debug, Clone, Default)]
struct EventMatch {
    /// Rank the level must be below.
    level_below: Option<u8>,
    fields: Vec<FieldCond>,
    contains: Option<Contains>,
    regex: Option<Regex>,
}

impl EventMatch {
    fn is_empty(&self) -> bool {
        self.level_below.is_none()
            && self.fields.is_empty()
            && self.contains.is_none()
            && self.regex.is_none()
    }

    /// All conditions hold; the cheapest are tried first. `level` is the
    /// event's rank, computed once per event by the caller.
    fn matches<V: EventView + ?Sized>(&self, ev: &V, level: &mut Option<Option<u8>>) -> bool {
        if let Some(below) = self.level_below {
            let rank = *level.get_or_insert_with(|| ev.level().and_then(level_rank));
            if rank.is_none_or(|r| r >= below) {
                return false;
            }
        }
        for f in &self.fields {
            match ev.field(&f.path) {
                Some(v) if f.any_of.iter().any(|e| e.matches(v)) => {}
                _ => return false,
            }
        }
        if let Some(c) = &self.contains
            && !c.is_in(ev.message())
        {
            return false;
        }
        if let Some(re) = &self.regex
            && !re.is_match(ev.message())
        {
            return false;
        }
        true
    }
}

#[derive(Debug, Clone)]
struct Rule {
    name: Option<String>,
    /// Any of these (empty: any group).
    groups: Vec<Glob>,
    /// Any of these (empty: any stream).
    streams: Vec<Glob>,
    event: EventMatch,
    action: Action,
}

impl Rule {
    fn applies_to(&self, group: &str, stream: &str) -> bool {
        (self.groups.is_empty() || self.groups.iter().any(|g| g.matches(group)))
            && (self.streams.is_empty() || self.streams.iter().any(|g| g.matches(stream)))
    }
}

/// The level names a threshold knows, lower-case, with their rank:
/// trace < debug < info < warn < error < fatal (and the usual other spellings).
const LEVELS: &[(&str, u8)] = &[
    ("trace", 0),
    ("verbose", 0),
    ("debug", 1),
    ("info", 2),
    ("information", 2),
    ("notice", 2),
    ("warn", 3),
    ("warning", 3),
    ("error", 4),
    ("err", 4),
    ("fatal", 5),
    ("critical", 5),
    ("crit", 5),
    ("alert", 5),
    ("emerg", 5),
    ("emergency", 5),
    ("panic", 5),
];

/// The rank of a level name (any ASCII case); None for a name outside the known levels (trace, debug, info, warn, error, fatal).
pub fn level_rank(level: &str) -> Option<u8> {
    LEVELS
        .iter()
        .find(|(name, _)| *name == level)
        .or_else(|| {
            LEVELS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(level))
        })
        .map(|(_, rank)| *rank)
}

/// The sampling hash of an event id: stable across processes, platforms and
/// releases (no random seed; pinned by tests), well spread even for the
/// near-sequential ids CloudWatch assigns within a stream.
pub fn sample_hash(event_id: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = event_id.as_bytes();
    let mut h = K ^ (bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        if let Some(dst) = w.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    // splitmix64's finaliser.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Whether a `sample` rule keeping one in `keep_one_in` keeps this event.
pub fn sample_keeps(event_id: &str, keep_one_in: u64) -> bool {
    keep_one_in <= 1 || sample_hash(event_id).is_multiple_of(keep_one_in)
}

/// Parsed, validated rules, plus the data stream option.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// One route per dataset ([`DATASETS`] order) when data streams are on.
    streams: Vec<Route>,
    namespace: Option<String>,
    indexes: usize,
}

impl RuleSet {
    /// No rules and no data streams: every event kept, as configured.
    pub fn empty() -> RuleSet {
        RuleSet::default()
    }

    /// Parses `LOGSHIP_RULES`: a JSON array of rules.
    pub fn parse(json: &str) -> Result<RuleSet, RuleError> {
        RuleSet::parse_from(json, VAR_RULES)
    }

    /// Reads and parses a rules file (`LOGSHIP_RULES_FILE`), packaged with the
    /// function: a relative path is found as [`crate::config::read_packaged_file`] says.
    pub fn from_file(path: &str) -> Result<RuleSet, RuleError> {
        let text = crate::config::read_packaged_file(path).map_err(|e| RuleError::File {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        RuleSet::parse_from(&text, path)
    }

    /// Reads `LOGSHIP_RULES` or `LOGSHIP_RULES_FILE` (not both) and
    /// `LOGSHIP_DATA_STREAM_NAMESPACE` through `lookup`; empty values count as unset.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<RuleSet, RuleError> {
        let get = |k: &str| {
            lookup(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let set = match (get(VAR_RULES), get(VAR_RULES_FILE)) {
            (Some(_), Some(_)) => {
                return Err(RuleError::Setting {
                    var: VAR_RULES_FILE,
                    problem: format!("set {VAR_RULES} or {VAR_RULES_FILE}, not both"),
                });
            }
            (Some(json), None) => RuleSet::parse(&json)?,
            (None, Some(path)) => RuleSet::from_file(&path)?,
            (None, None) => RuleSet::empty(),
        };
        match get(VAR_DATA_STREAM_NAMESPACE) {
            Some(ns) => set.with_data_streams(&ns),
            None => Ok(set),
        }
    }

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
        Ok(set)
    }

    /// Turns data streams on: every event no rule gives an index goes to
    /// `logs-<dataset>-<namespace>`, the dataset from its log group ([`dataset_for`]).
    pub fn with_data_streams(mut self, namespace: &str) -> Result<RuleSet, RuleError> {
        check_namespace(namespace).map_err(|problem| RuleError::Setting {
            var: VAR_DATA_STREAM_NAMESPACE,
            problem,
        })?;
        let mut streams = Vec::with_capacity(DATASETS.len());
        for dataset in DATASETS {
            let name = data_stream_name(dataset, namespace);
            check_index(&name).map_err(|problem| RuleError::Setting {
                var: VAR_DATA_STREAM_NAMESPACE,
                problem,
            })?;
            streams.push(Route {
                index: Some(IndexPattern {
                    pattern: name,
                    dated: false,
                    id: self.indexes,
                }),
                logzio_type: None,
            });
            self.indexes += 1;
        }
        self.streams = streams;
        self.namespace = Some(namespace.to_owned());
        Ok(self)
    }

    /// No rules and no data streams: the pipeline can skip evaluation entirely.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.streams.is_empty()
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// The data stream namespace, when data streams are on.
    pub fn data_stream_namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// How many index patterns the set holds ([`IndexPattern::id`] is below it).
    pub fn index_count(&self) -> usize {
        self.indexes
    }

    /// `rule 2 ("drop-health-checks")`, for messages.
    pub fn label(&self, rule: usize) -> String {
        rule_label(rule, self.name(rule))
    }

    /// The rule's name, if it has one.
    pub fn name(&self, rule: usize) -> Option<&str> {
        self.rules.get(rule).and_then(|r| r.name.as_deref())
    }

    /// A metric dimension value for the rule: its name, else `rule<N>` (N from 1).
    pub fn metric_name(&self, rule: usize) -> String {
        match self.name(rule) {
            Some(n) => n.to_owned(),
            None => format!("rule{}", rule + 1),
        }
    }

    /// Fresh counters, one per rule.
    pub fn counters(&self) -> RuleCounters {
        RuleCounters {
            per_rule: vec![RuleCount::default(); self.rules.len()],
        }
    }

    /// The rules that can match events of this record (log group and stream),
    /// once per record. Rules after one that matches every event of the record
    /// are left out: they can never be reached.
    pub fn for_record<'r>(&'r self, log_group: &str, log_stream: &str) -> RecordRules<'r> {
        let mut candidates = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.applies_to(log_group, log_stream) {
                candidates.push(i);
                if rule.event.is_empty() {
                    break;
                }
            }
        }
        let fallback = self
            .streams
            .get(datastream::dataset_index(log_group))
            .and_then(|r| r.index.as_ref());
        RecordRules {
            set: self,
            candidates,
            fallback,
        }
    }
}

/// `rule 2 ("name")` or `rule 2`, numbered from 1.
fn rule_label(index: usize, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("rule {} ({n:?})", index + 1),
        None => format!("rule {}", index + 1),
    }
}

/// The rules of one record, ready to decide for each of its events.
#[derive(Debug, Clone)]
pub struct RecordRules<'r> {
    set: &'r RuleSet,
    candidates: Vec<usize>,
    fallback: Option<&'r IndexPattern>,
}

impl<'r> RecordRules<'r> {
    /// No rule can match any event of the record: every event is kept, to
    /// [`RecordRules::default_target`].
    pub fn keeps_all(&self) -> bool {
        self.candidates.is_empty()
    }

    /// Where an event no rule matches goes (its data stream, or as configured).
    pub fn default_target(&self) -> Target<'r> {
        Target {
            index: self.fallback,
            logzio_type: None,
        }
    }

    /// Decides for one event: the first rule whose conditions all hold.
    pub fn decide<V: EventView + ?Sized>(&self, event: &V) -> Decision<'r> {
        let mut level = None;
        for &i in &self.candidates {
            let Some(rule) = self.set.rules.get(i) else {
                continue;
            };
            if !rule.event.matches(event, &mut level) {
                continue;
            }
            return match &rule.action {
                Action::Drop => Decision::Drop { rule: i },
                Action::Sample { keep_one_in, route } => {
                    if sample_keeps(event.event_id(), *keep_one_in) {
                        Decision::Keep {
                            target: self.target(route),
                            rule: Some(i),
                        }
                    } else {
                        Decision::SampledOut { rule: i }
                    }
                }
                Action::Route(route) => Decision::Keep {
                    target: self.target(route),
                    rule: Some(i),
                },
            };
        }
        Decision::Keep {
            target: self.default_target(),
            rule: None,
        }
    }

    fn target(&self, route: &'r Route) -> Target<'r> {
        Target {
            index: route.index.as_ref().or(self.fallback),
            logzio_type: route.logzio_type.as_deref(),
        }
    }
}

/// What one rule did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleCount {
    /// Events it kept (routed, or kept by sampling).
    pub kept: u64,
    /// Events it dropped.
    pub dropped: u64,
    /// Events its sampling left out.
    pub sampled_out: u64,
}

/// Per-rule counts of one run, for the EMF line and the summary. Owned by the
/// run (no atomics on the hot path); [`RuleCounters::merge`] adds runs up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleCounters {
    per_rule: Vec<RuleCount>,
}

impl RuleCounters {
    /// Counts one decision.
    pub fn count(&mut self, decision: &Decision<'_>) {
        let (rule, f): (usize, fn(&mut RuleCount)) = match *decision {
            Decision::Keep { rule: None, .. } => return,
            Decision::Keep { rule: Some(r), .. } => (r, |c| c.kept += 1),
            Decision::Drop { rule } => (rule, |c| c.dropped += 1),
            Decision::SampledOut { rule } => (rule, |c| c.sampled_out += 1),
        };
        if self.per_rule.len() <= rule {
            self.per_rule.resize(rule + 1, RuleCount::default());
        }
        if let Some(c) = self.per_rule.get_mut(rule) {
            f(c);
        }
    }

    /// The counts of one rule.
    pub fn get(&self, rule: usize) -> RuleCount {
        self.per_rule.get(rule).copied().unwrap_or_default()
    }

    /// Every rule's counts, by position.
    pub fn iter(&self) -> impl Iterator<Item = (usize, RuleCount)> + '_ {
        self.per_rule.iter().copied().enumerate()
    }

    /// Events filtered out (dropped + sampled out) by all rules: the `Filtered` metric.
    pub fn filtered(&self) -> u64 {
        self.per_rule
            .iter()
            .map(|c| c.dropped + c.sampled_out)
            .sum()
    }

    /// Adds another run's counts.
    pub fn merge(&mut self, other: &RuleCounters) {
        if self.per_rule.len() < other.per_rule.len() {
            self.per_rule
                .resize(other.per_rule.len(), RuleCount::default());
        }
        for (mine, theirs) in self.per_rule.iter_mut().zip(&other.per_rule) {
            mine.kept += theirs.kept;
            mine.dropped += theirs.dropped;
            mine.sampled_out += theirs.sampled_out;
        }
    }
}

// ---- parsing -------------------------------------------------------------

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
            many => {
                Contains::Many(AhoCorasick::new(many).map_err(|e| format!("\"contains\": {e}"))?)
            }
        });
    }
    if let Some(v) = m.get("regex") {
        let text = v.as_str().ok_or("\"regex\" must be a string")?;
        let re = regex::RegexBuilder::new(text)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| format!("\"regex\" is not a valid regular expression: {e}"))?;
        event.regex = Some(re);
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
