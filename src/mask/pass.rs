//! What masking carries from one pass over a document's text to the next:
//! the result of the text pass over a line ([`TextPass`], made once and used
//! again when the line turns out to need masking with its fields) and the
//! values masked so far ([`Seen`]), so that a value masked anywhere is masked
//! wherever else it occurs.

use super::MaskCounts;

/// The text pass over a message: its masked form (None when unchanged),
/// what it masked, and the values seen.
#[derive(Default)]
pub(crate) struct TextPass {
    pub(crate) masked: Option<String>,
    pub(crate) counts: MaskCounts,
    pub(crate) seen: Seen,
}

impl TextPass {
    /// Nothing found: the line and what is parsed from it stay as they are.
    pub(crate) fn is_clean(&self) -> bool {
        self.masked.is_none() && self.counts.total() == 0
    }
}

/// Values masked so far in one document, for "same value everywhere": each
/// with its audit slot, in raw and JSON-escaped/unescaped forms.
#[derive(Default)]
pub(crate) struct Seen {
    vals: Vec<(Vec<u8>, u8)>,
}

impl Seen {
    pub(crate) fn is_empty(&self) -> bool {
        self.vals.is_empty()
    }

    pub(crate) fn add(&mut self, v: &[u8], slot: u8) {
        if self.vals.len() >= 64 || self.vals.iter().any(|(x, _)| x == v) {
            return;
        }
        self.vals.push((v.to_vec(), slot));
        if v.contains(&b'\\') {
            let mut u = Vec::with_capacity(v.len());
            let mut i = 0;
            while i < v.len() {
                if v[i] == b'\\' && i + 1 < v.len() {
                    u.push(v[i + 1]);
                    i += 2;
                } else {
                    u.push(v[i]);
                    i += 1;
                }
            }
            if u.len() >= 6 && !self.vals.iter().any(|(x, _)| *x == u) {
                self.vals.push((u, slot));
            }
        } else if v.contains(&b'"') {
            let mut e = Vec::with_capacity(v.len() + 4);
            for &c in v {
                if c == b'"' {
                    e.push(b'\\');
                }
                e.push(c);
            }
            if !self.vals.iter().any(|(x, _)| *x == e) {
                self.vals.push((e, slot));
            }
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], u8)> {
        self.vals.iter().map(|(v, s)| (v.as_slice(), *s))
    }
}
