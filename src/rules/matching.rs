//! Matching: which rules can apply to a record ([`RuleSet::for_record`], once
//! per record, on its log group and stream), and which of those decides for
//! each of its events ([`RecordRules::decide`]).
//!
//! Per event the work is kept small: conditions are tried cheapest first
//! (level, fields, substrings, regex); the level is ranked once per event, as a
//! small integer, without allocating; and when two or more rules of a record
//! have `contains` texts, one search of the message ([`Needles`]: every text of
//! the rule set in one Aho-Corasick automaton) answers for all of them, run only when the first of them is reached. A record with
//! a single `contains` rule searches with that rule's own finder. Nothing
//! allocates per event.

use super::counters::sample_keeps;
use super::model::{Action, Contains, EventMatch, Expected, IndexPattern, Route, Rule, Target};
use super::texts::Texts;
use super::view::{EventView, FieldValue};
use super::{Decision, RuleSet, datastream};

/// The rank of a level name (any ASCII case): trace (and verbose) 0, debug 1,
/// info (information, notice) 2, warn (warning) 3, error (err) 4, fatal
/// (critical, crit, alert, emerg, emergency, panic) 5; None for any other name.
pub fn level_rank(level: &str) -> Option<u8> {
    let bytes = level.as_bytes();
    // "information", the longest name, has 11 bytes.
    let mut buf = [0u8; 11];
    let lower = buf.get_mut(..bytes.len())?;
    for (d, s) in lower.iter_mut().zip(bytes) {
        *d = s.to_ascii_lowercase();
    }
    Some(match &*lower {
        b"trace" | b"verbose" => 0,
        b"debug" => 1,
        b"info" | b"information" | b"notice" => 2,
        b"warn" | b"warning" => 3,
        b"error" | b"err" => 4,
        b"fatal" | b"critical" | b"crit" | b"alert" | b"emerg" | b"emergency" | b"panic" => 5,
        _ => return None,
    })
}

impl Contains {
    fn is_in(&self, message: &str) -> bool {
        match self {
            Contains::One(f) => f.find(message.as_bytes()).is_some(),
            Contains::Many(t) => t.is_in(message.as_bytes()),
        }
    }
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

/// Most rules a combined search answers for (one bit each); rules past it
/// search on their own.
const MAX_SLOTS: usize = 64;

/// Every `contains` text of the rule set in one automaton: one pass over a
/// message tells, for every rule with `contains`, whether one of its texts is
/// in it.
///
/// The search is leftmost-longest (so the automaton's SIMD prefilter does
/// the scanning, as in a single rule's search) and starts again one byte
/// after each match; a match stands for every text inside it. That finds
/// every rule's text: a text occurring at `t` is either inside the match
/// found at or before `t`, or found by a later search, which starts at or
/// before `t`. Matches are rare, so the restarts cost little.
#[derive(Debug, Clone)]
pub(super) struct Needles {
    texts: Texts,
    /// Per pattern, the bits of the rules with a text inside it (its own included).
    implied: Vec<u64>,
}

impl Needles {
    /// Gives the first [`MAX_SLOTS`] rules with `contains` their bit and
    /// builds the automaton of their texts; None when fewer than two rules
    /// have `contains` (nothing to share) or the automaton cannot be built.
    pub(super) fn build(rules: &mut [Rule]) -> Option<Needles> {
        // Each distinct text once, with the bits of the conditions that have
        // it; a condition is a rule's `contains` texts or its regex's prefix.
        let mut texts: Vec<String> = Vec::new();
        let mut bits: Vec<u64> = Vec::new();
        let mut slot = 0usize;
        for rule in rules.iter_mut() {
            let e = &mut rule.event;
            let prefix = e.regex_prefix.iter().cloned().collect::<Vec<_>>();
            for (set, which) in [(e.needles.clone(), 0), (prefix, 1)] {
                if set.is_empty() || slot == MAX_SLOTS {
                    continue;
                }
                let bit = 1u64 << slot;
                slot += 1;
                for n in set {
                    match texts.iter().position(|t| *t == n) {
                        Some(at) => {
                            if let Some(b) = bits.get_mut(at) {
                                *b |= bit;
                            }
                        }
                        None => {
                            texts.push(n);
                            bits.push(bit);
                        }
                    }
                }
                if which == 0 {
                    e.slot = Some(bit);
                } else {
                    e.regex_slot = Some(bit);
                }
            }
        }
        let implied = texts
            .iter()
            .map(|outer| {
                texts
                    .iter()
                    .zip(&bits)
                    .filter(|(inner, _)| outer.contains(inner.as_str()))
                    .fold(0u64, |acc, (_, b)| acc | b)
            })
            .collect();
        let searcher = (slot >= 2).then(|| Texts::new(&texts, true)).flatten();
        if searcher.is_none() {
            for rule in rules.iter_mut() {
                rule.event.slot = None;
                rule.event.regex_slot = None;
            }
        }
        Some(Needles {
            texts: searcher?,
            implied,
        })
    }

    /// The bits, among `wanted`, of the rules one of whose texts is in `message`.
    fn scan(&self, message: &str, wanted: u64) -> u64 {
        let hay = message.as_bytes();
        let mut hits = 0u64;
        let mut at = 0usize;
        while let Some((pattern, start)) = self.texts.find_from(hay, at) {
            hits |= self.implied.get(pattern).copied().unwrap_or(0) & wanted;
            if hits == wanted {
                break;
            }
            at = start + 1;
        }
        hits
    }
}

/// What one event's evaluation computed once and reuses across rules.
#[derive(Default)]
struct Memo {
    /// The level's rank (outer None: not computed yet).
    level: Option<Option<u8>>,
    /// The combined search's answer (None: not run yet).
    hits: Option<u64>,
}

impl RuleSet {
    /// The rules that can match events of this record (log group and stream),
    /// once per record. Rules after one that matches every event of the record
    /// are left out: they can never be reached.
    pub fn for_record<'r>(&'r self, log_group: &str, log_stream: &str) -> RecordRules<'r> {
        let mut candidates = Vec::new();
        let mut shared = 0u64;
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.applies_to(log_group, log_stream) {
                candidates.push(i);
                shared |= rule.event.slot.unwrap_or(0) | rule.event.regex_slot.unwrap_or(0);
                if rule.event.is_empty() {
                    break;
                }
            }
        }
        if shared.count_ones() < 2 {
            shared = 0;
        }
        let fallback = self
            .streams
            .get(datastream::dataset_index(log_group))
            .and_then(|r| r.index.as_ref());
        RecordRules {
            set: self,
            candidates,
            fallback,
            shared,
        }
    }
}

/// The rules of one record, ready to decide for each of its events.
#[derive(Debug, Clone)]
pub struct RecordRules<'r> {
    set: &'r RuleSet,
    pub(super) candidates: Vec<usize>,
    fallback: Option<&'r IndexPattern>,
    /// The bits of the candidates whose `contains` one combined search
    /// answers for (0 when fewer than two have one: each searches alone).
    pub(super) shared: u64,
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
        let fallback = self.fallback_for(event);
        let mut memo = Memo::default();
        for &i in &self.candidates {
            let Some(rule) = self.set.rules.get(i) else {
                continue;
            };
            if !self.holds(&rule.event, event, &mut memo) {
                continue;
            }
            return match &rule.action {
                Action::Drop => Decision::Drop { rule: i },
                Action::Sample { keep_one_in, route } => {
                    if sample_keeps(event.event_id(), *keep_one_in) {
                        Decision::Keep {
                            target: target(route, fallback),
                            rule: Some(i),
                        }
                    } else {
                        Decision::SampledOut { rule: i }
                    }
                }
                Action::Route(route) => Decision::Keep {
                    target: target(route, fallback),
                    rule: Some(i),
                },
            };
        }
        Decision::Keep {
            target: Target {
                index: fallback,
                logzio_type: None,
            },
            rule: None,
        }
    }

    /// The data stream of an event: its shape's data set when it has one
    /// (a flow log line in a group named otherwise), else its group's.
    fn fallback_for<V: EventView + ?Sized>(&self, event: &V) -> Option<&'r IndexPattern> {
        match event.dataset() {
            Some(dataset) if !self.set.streams.is_empty() => {
                data_stream_of(self.set, dataset).or(self.fallback)
            }
            _ => self.fallback,
        }
    }

    /// Whether every event condition of a rule holds; the cheapest are tried first.
    fn holds<V: EventView + ?Sized>(&self, m: &EventMatch, ev: &V, memo: &mut Memo) -> bool {
        if let Some(below) = m.level_below {
            let rank = *memo
                .level
                .get_or_insert_with(|| ev.level().and_then(level_rank));
            if rank.is_none_or(|r| r >= below) {
                return false;
            }
        }
        for f in &m.fields {
            match ev.field(&f.path) {
                Some(v) if f.any_of.iter().any(|e| e.matches(v)) => {}
                _ => return false,
            }
        }
        if let Some(c) = &m.contains
            && !self.contains(c, m.slot, ev.message(), memo)
        {
            return false;
        }
        if let Some(re) = &m.regex {
            // A message without the regex's prefix cannot match: when the
            // record's combined search covers the prefix, its answer decides that.
            if let (Some(bit), Some(needles)) = (m.regex_slot, &self.set.needles)
                && self.shared & bit != 0
                && *memo
                    .hits
                    .get_or_insert_with(|| needles.scan(ev.message(), self.shared))
                    & bit
                    == 0
            {
                return false;
            }
            if !re.is_match(ev.message()) {
                return false;
            }
        }
        true
    }

    /// Whether one of a rule's texts is in the message: from the combined
    /// search when the record shares one (run at the first rule that asks),
    /// else with the rule's own finder.
    fn contains(&self, c: &Contains, slot: Option<u64>, message: &str, memo: &mut Memo) -> bool {
        if let (Some(bit), Some(needles)) = (slot, &self.set.needles)
            && self.shared & bit != 0
        {
            let hits = *memo
                .hits
                .get_or_insert_with(|| needles.scan(message, self.shared));
            return hits & bit != 0;
        }
        c.is_in(message)
    }
}

/// A route's target: its index, else the event's data stream (or none).
fn target<'r>(route: &'r Route, fallback: Option<&'r IndexPattern>) -> Target<'r> {
    Target {
        index: route.index.as_ref().or(fallback),
        logzio_type: route.logzio_type.as_deref(),
    }
}

/// The data stream of a data set, when data streams are on.
fn data_stream_of<'r>(set: &'r RuleSet, dataset: &str) -> Option<&'r IndexPattern> {
    let at = datastream::DATASETS.iter().position(|d| *d == dataset)?;
    set.streams.get(at).and_then(|r| r.index.as_ref())
}

/// The straightforward evaluation, for tests: every rule in order, its record
/// and event conditions read as the README words them (`contains`: the
/// message holds one of the texts), no candidate list, no shared search.
#[cfg(test)]
pub(super) fn decide_plainly<'r, V: EventView + ?Sized>(
    set: &'r RuleSet,
    group: &str,
    stream: &str,
    ev: &V,
) -> Decision<'r> {
    let fallback = ev
        .dataset()
        .and_then(|d| data_stream_of(set, d))
        .or_else(|| {
            set.streams
                .get(datastream::dataset_index(group))
                .and_then(|r| r.index.as_ref())
        });
    let target = |route: &'r Route| Target {
        index: route.index.as_ref().or(fallback),
        logzio_type: route.logzio_type.as_deref(),
    };
    for (i, rule) in set.rules.iter().enumerate() {
        let m = &rule.event;
        let holds = rule.applies_to(group, stream)
            && m.level_below
                .is_none_or(|below| ev.level().and_then(level_rank).is_some_and(|r| r < below))
            && m.fields.iter().all(|f| {
                ev.field(&f.path)
                    .is_some_and(|v| f.any_of.iter().any(|e| e.matches(v)))
            })
            && (m.needles.is_empty()
                || m.needles.iter().any(|n| ev.message().contains(n.as_str())))
            && m.regex.as_ref().is_none_or(|re| re.is_match(ev.message()));
        if !holds {
            continue;
        }
        return match &rule.action {
            Action::Drop => Decision::Drop { rule: i },
            Action::Sample { keep_one_in, route } => {
                if sample_keeps(ev.event_id(), *keep_one_in) {
                    Decision::Keep {
                        target: target(route),
                        rule: Some(i),
                    }
                } else {
                    Decision::SampledOut { rule: i }
                }
            }
            Action::Route(route) => Decision::Keep {
                target: target(route),
                rule: Some(i),
            },
        };
    }
    Decision::Keep {
        target: Target {
            index: fallback,
            logzio_type: None,
        },
        rule: None,
    }
}
