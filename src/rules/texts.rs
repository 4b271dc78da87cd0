//! Searching a message for several texts at once, as fast as the CPU allows:
//! the SIMD "Teddy" searcher of `aho_corasick::packed` straight away (it falls
//! back to Rabin-Karp by itself on messages shorter than it can take), else
//! an Aho-Corasick DFA. The `AhoCorasick` type alone would not do: for a
//! handful of texts it often prefers a scan for their first bytes, which in
//! log lines (`E`, `G`, space...) stops at almost every other byte.

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind, packed};

/// Texts to find; leftmost-first or leftmost-longest.
#[derive(Debug, Clone)]
pub(super) enum Texts {
    Packed(packed::Searcher),
    Dfa(AhoCorasick),
}

impl Texts {
    /// A searcher for `texts` (not empty); `longest`: at one start, the
    /// longest text is reported, else the first given. None only when no
    /// searcher can be built (absurd sizes).
    pub(super) fn new<T: AsRef<[u8]>>(texts: &[T], longest: bool) -> Option<Texts> {
        let (pk, ak) = if longest {
            (
                packed::MatchKind::LeftmostLongest,
                MatchKind::LeftmostLongest,
            )
        } else {
            (packed::MatchKind::LeftmostFirst, MatchKind::LeftmostFirst)
        };
        let mut builder = packed::Config::new().match_kind(pk).builder();
        builder.extend(texts);
        if let Some(s) = builder.build() {
            return Some(Texts::Packed(s));
        }
        AhoCorasick::builder()
            .match_kind(ak)
            .kind(Some(AhoCorasickKind::DFA))
            .build(texts)
            .ok()
            .map(Texts::Dfa)
    }

    /// Whether one of the texts is in `hay`.
    pub(super) fn is_in(&self, hay: &[u8]) -> bool {
        self.find_from(hay, 0).is_some()
    }

    /// The first match starting at or after `at`: (pattern, start).
    pub(super) fn find_from(&self, hay: &[u8], at: usize) -> Option<(usize, usize)> {
        if at >= hay.len() {
            return None;
        }
        match self {
            Texts::Packed(s) => s
                .find_in(hay, aho_corasick::Span::from(at..hay.len()))
                .map(|m| (m.pattern().as_usize(), m.start())),
            Texts::Dfa(ac) => ac
                .try_find(Input::new(hay).span(at..hay.len()))
                .ok()
                .flatten()
                .map(|m| (m.pattern().as_usize(), m.start())),
        }
    }
}
