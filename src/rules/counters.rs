//! After the match: the sampling hash that picks the one event in N a
//! `sample` rule keeps, and the per-rule counters of what the rules decided
//! (the `Filtered` metrics, the `process` summary, `--explain`).

use super::model::Decision;

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
    /// Zeroed counters for `rules` rules.
    pub(super) fn with_rules(rules: usize) -> RuleCounters {
        RuleCounters {
            per_rule: vec![RuleCount::default(); rules],
        }
    }

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
