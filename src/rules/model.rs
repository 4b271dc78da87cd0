//! The rule model: what a parsed, validated rule is made of (its record
//! conditions, its event conditions, its action) and what deciding yields
//! (a [`Decision`], a [`Target`]). Parsing builds these ([`super::parse`]),
//! matching reads them ([`super::matching`]).

use memchr::memmem::Finder;
use regex::Regex;

use super::glob::Glob;
use super::texts::Texts;

/// An index or data stream name, `%Y`, `%m`, `%d` standing for the event's UTC date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPattern {
    pub(super) pattern: String,
    pub(super) dated: bool,
    pub(super) id: usize,
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

    /// A small number, distinct for every pattern of one [`super::RuleSet`] and below
    /// [`super::RuleSet::index_count`]: a cache key for the rendered name per day.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The name for an event at `timestamp_ms` (ms since the epoch, UTC),
    /// rendered by [`super::write_index`] (the one renderer, which the encoder uses too).
    pub fn render(&self, timestamp_ms: i64) -> String {
        if !self.dated {
            return self.pattern.clone();
        }
        let mut name = Vec::with_capacity(self.pattern.len() + 8);
        super::write_index(&self.pattern, timestamp_ms, &mut name);
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
pub(super) enum Action {
    Drop,
    Sample { keep_one_in: u64, route: Route },
    Route(Route),
}

/// A rule's `contains` texts, searched on their own (when the record has no
/// other `contains` rule to share a search with).
#[derive(Debug, Clone)]
pub(super) enum Contains {
    One(Box<Finder<'static>>),
    Many(Texts),
}

/// One accepted value of a field condition.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expected {
    /// A string: equal to a string field, or to a number field written the same way.
    Str(String, Option<f64>),
    /// A number: equal to a number field, or to a string field that parses to it.
    Num(f64),
    /// A boolean: equal to a boolean field.
    Bool(bool),
}

#[derive(Debug, Clone)]
pub(super) struct FieldCond {
    pub(super) path: String,
    pub(super) any_of: Vec<Expected>,
}

/// The conditions of a rule on the event itself (not its record).
#[derive(Debug, Clone, Default)]
pub(super) struct EventMatch {
    /// Rank the level must be below.
    pub(super) level_below: Option<u8>,
    pub(super) fields: Vec<FieldCond>,
    pub(super) contains: Option<Contains>,
    /// The rule's texts as written, for the rule set's combined search.
    pub(super) needles: Vec<String>,
    /// The rule's bit in the combined search's answer (see
    /// [`super::matching::Needles`]); None: searched on its own.
    pub(super) slot: Option<u64>,
    pub(super) regex: Option<Regex>,
    /// The literal every match of the regex starts with, when the pattern
    /// shows one plainly (see [`super::parse`]): a message without it cannot
    /// match, which the combined search tells without running the regex.
    pub(super) regex_prefix: Option<String>,
    /// The bit of `regex_prefix` in the combined search's answer.
    pub(super) regex_slot: Option<u64>,
}

impl EventMatch {
    pub(super) fn is_empty(&self) -> bool {
        self.level_below.is_none()
            && self.fields.is_empty()
            && self.contains.is_none()
            && self.regex.is_none()
    }
}

#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub(super) name: Option<String>,
    /// Any of these (empty: any group).
    pub(super) groups: Vec<Glob>,
    /// Any of these (empty: any stream).
    pub(super) streams: Vec<Glob>,
    pub(super) event: EventMatch,
    pub(super) action: Action,
}

impl Rule {
    pub(super) fn applies_to(&self, group: &str, stream: &str) -> bool {
        (self.groups.is_empty() || self.groups.iter().any(|g| g.matches(group)))
            && (self.streams.is_empty() || self.streams.iter().any(|g| g.matches(stream)))
    }
}
