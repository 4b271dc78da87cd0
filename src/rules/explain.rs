//! The `--explain` preview: per log group, how many events a rule set keeps,
//! drops and samples out, and where the kept ones go, as a text table. Pure:
//! [`Explain`] tallies decisions, [`render_explain`] formats the tallies; the
//! CLI feeds it a real event and prints the text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Decision, RuleCounters, RuleSet, Target};

/// What the kept events' destination is named by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DestinationKind {
    /// Elasticsearch: the index (`LOGSHIP_INDEX` when no rule or data stream names one).
    Elasticsearch {
        /// The configured index pattern.
        default_index: String,
    },
    /// Logz.io: the `type` (`LOGSHIP_LOGZIO_TYPE` when no rule names one).
    Logzio {
        /// The configured type.
        default_type: String,
    },
}

/// The counts of one log group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupTally {
    /// The log group.
    pub log_group: String,
    /// Events kept.
    pub kept: u64,
    /// Events dropped.
    pub dropped: u64,
    /// Events sampled out.
    pub sampled_out: u64,
    /// Kept events per destination (rendered index name, or `type=…`).
    pub destinations: BTreeMap<String, u64>,
}

impl GroupTally {
    /// All events of the group.
    pub fn events(&self) -> u64 {
        self.kept + self.dropped + self.sampled_out
    }
}

/// Tallies decisions per log group, and per rule.
#[derive(Debug, Clone)]
pub struct Explain {
    kind: DestinationKind,
    groups: BTreeMap<String, GroupTally>,
    counters: RuleCounters,
}

impl Explain {
    /// An empty tally for a destination.
    pub fn new(kind: DestinationKind) -> Explain {
        Explain {
            kind,
            groups: BTreeMap::new(),
            counters: RuleCounters::default(),
        }
    }

    /// Counts one event's decision; `timestamp_ms` names dated indexes.
    pub fn add(&mut self, log_group: &str, decision: &Decision<'_>, timestamp_ms: i64) {
        self.counters.count(decision);
        let g = self
            .groups
            .entry(log_group.to_owned())
            .or_insert_with(|| GroupTally {
                log_group: log_group.to_owned(),
                ..GroupTally::default()
            });
        match decision {
            Decision::Keep { target, .. } => {
                g.kept += 1;
                let dest = describe(&self.kind, target, timestamp_ms);
                *g.destinations.entry(dest).or_default() += 1;
            }
            Decision::Drop { .. } => g.dropped += 1,
            Decision::SampledOut { .. } => g.sampled_out += 1,
        }
    }

    /// The tallies, by log group.
    pub fn groups(&self) -> Vec<GroupTally> {
        self.groups.values().cloned().collect()
    }

    /// The per-rule counts.
    pub fn counters(&self) -> &RuleCounters {
        &self.counters
    }

    /// The table for these tallies, with a line per rule of `rules`.
    pub fn render(&self, rules: &RuleSet) -> String {
        let per_rule: Vec<(String, super::RuleCount)> = (0..rules.len())
            .map(|i| (rules.label(i), self.counters.get(i)))
            .collect();
        render_explain(&self.groups(), &per_rule)
    }
}

/// The destination of a kept event, as the table shows it.
fn describe(kind: &DestinationKind, target: &Target<'_>, timestamp_ms: i64) -> String {
    match kind {
        DestinationKind::Elasticsearch { default_index } => match target.index {
            Some(i) => i.render(timestamp_ms),
            None => super::IndexPattern {
                pattern: default_index.clone(),
                dated: default_index.contains('%'),
                id: 0,
            }
            .render(timestamp_ms),
        },
        DestinationKind::Logzio { default_type } => {
            format!("type={}", target.logzio_type.unwrap_or(default_type))
        }
    }
}

/// Renders the `--explain` table: one line per log group (events, kept,
/// dropped, sampled out, and where the kept ones go, with counts), a total,
/// then one line per rule with what it did.
pub fn render_explain(groups: &[GroupTally], rules: &[(String, super::RuleCount)]) -> String {
    let head = [
        "log group",
        "events",
        "kept",
        "dropped",
        "sampled out",
        "kept events go to",
    ];
    let mut rows: Vec<[String; 6]> = groups
        .iter()
        .map(|g| {
            let dest = if g.destinations.is_empty() {
                "-".to_owned()
            } else {
                g.destinations
                    .iter()
                    .map(|(d, n)| format!("{d} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            [
                g.log_group.clone(),
                g.events().to_string(),
                g.kept.to_string(),
                g.dropped.to_string(),
                g.sampled_out.to_string(),
                dest,
            ]
        })
        .collect();
    let sum = |f: fn(&GroupTally) -> u64| groups.iter().map(f).sum::<u64>().to_string();
    rows.push([
        "total".to_owned(),
        sum(GroupTally::events),
        sum(|g| g.kept),
        sum(|g| g.dropped),
        sum(|g| g.sampled_out),
        String::new(),
    ]);
    let mut width = head.map(str::len);
    for row in &rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 6]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(width).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            match i {
                0 => {
                    l.push_str(cell);
                    l.push_str(&" ".repeat(pad));
                }
                5 => l.push_str(cell),
                _ => {
                    l.push_str(&" ".repeat(pad));
                    l.push_str(cell);
                }
            }
            if i < 5 {
                l.push_str("  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut out, head);
    for row in &rows {
        line(&mut out, row.each_ref().map(String::as_str));
    }
    if !rules.is_empty() {
        out.push_str("\nby rule:\n");
        let w = rules
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        for (label, c) in rules {
            let _ = writeln!(
                out,
                "  {label:<w$}  kept {}, dropped {}, sampled out {}",
                c.kept, c.dropped, c.sampled_out
            );
        }
    }
    out
}
