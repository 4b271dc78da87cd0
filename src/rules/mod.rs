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
//! conditions (level, field, substring, regex: cheapest first) of those rules,
//! with one search of the message for all their `contains` texts.
//! Rules are validated once, at start-up; every error names the rule (number
//! and name) and the problem. The syntax is documented in the README's "Routing and filtering".
//!
//! Layout: this file holds the [`RuleSet`] and its settings; `model` what a
//! rule is made of and what deciding yields, `parse` the JSON and its checks,
//! `matching` the per-record and per-event evaluation, `counters` sampling
//! and the per-rule counts; [`glob`], [`datastream`], [`view`] and [`explain`]
//! as their own docs say.

pub mod datastream;
pub mod explain;
pub mod glob;
pub mod view;

mod counters;
mod matching;
mod model;
mod parse;
mod texts;

#[cfg(test)]
mod tests;

pub use counters::{RuleCount, RuleCounters, sample_hash, sample_keeps};
pub use datastream::{
    DATASETS, check_index, check_namespace, data_stream_name, dataset_for, write_index,
};
pub use explain::{DestinationKind, Explain, GroupTally, render_explain};
pub use glob::Glob;
pub use matching::{RecordRules, level_rank};
pub use model::{Decision, IndexPattern, Route, Target};
pub use view::{EventView, FieldValue};

use matching::Needles;
use model::Rule;

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

/// Parsed, validated rules, plus the data stream option.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// One route per dataset ([`DATASETS`] order) when data streams are on.
    streams: Vec<Route>,
    namespace: Option<String>,
    indexes: usize,
    /// Every rule's `contains` texts in one automaton (two rules or more).
    needles: Option<Needles>,
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
    /// function: a relative path is found as [`crate::settings::read_packaged_file`] says.
    pub fn from_file(path: &str) -> Result<RuleSet, RuleError> {
        let text = crate::settings::read_packaged_file(path).map_err(|e| RuleError::File {
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
        RuleCounters::with_rules(self.rules.len())
    }
}

/// `rule 2 ("name")` or `rule 2`, numbered from 1.
fn rule_label(index: usize, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("rule {} ({n:?})", index + 1),
        None => format!("rule {}", index + 1),
    }
}
