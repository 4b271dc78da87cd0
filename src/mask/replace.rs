//! Replacement: turns the byte ranges found by the rules into the output
//! string. Overlapping ranges are merged so each secret becomes exactly one
//! marker. The marker is either fixed (`[MASKED]`) or a keyed hash
//! (`[MASKED:sha256:<12 hex of HMAC-SHA256(salt, value)>]`) that lets equal
//! values be correlated without revealing them. Unquoted JSON scalars that
//! are masked are wrapped in quotes so JSON text stays valid.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::config::{MIN_SALT_LEN, MaskCounts, MaskError, MaskStyle, Rule, VAR_MARKER, VAR_SALT};

/// A byte range of the input to replace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    /// When set, the replacement is wrapped in `\`×n + `"` quotes (n = value),
    /// because an unquoted JSON scalar is being replaced by a string.
    pub quote_bs: Option<u8>,
    /// Audit slot: the [`Rule::index`] of the rule that found it, or
    /// [`Rule::COUNT`] for an extra pattern.
    pub rule: u8,
}

impl Span {
    pub(crate) fn new(start: usize, end: usize, rule: Rule) -> Span {
        Span {
            start,
            end,
            quote_bs: None,
            rule: rule.index() as u8,
        }
    }

    /// A span found by an extra (user) pattern.
    pub(crate) fn extra(start: usize, end: usize) -> Span {
        Span {
            start,
            end,
            quote_bs: None,
            rule: Rule::COUNT as u8,
        }
    }
}

/// Produces replacement text.
#[derive(Clone)]
pub(crate) struct Replacer {
    marker: String,
    hash: Option<Hashing>,
}

#[derive(Clone)]
struct Hashing {
    mac: Hmac<Sha256>,
    /// Text before the 12 hex digits, e.g. `[MASKED:sha256:`.
    prefix: String,
    /// Text after them, e.g. `]`.
    suffix: String,
}

impl Replacer {
    pub(crate) fn new(
        style: MaskStyle,
        marker: &str,
        salt: Option<&str>,
    ) -> Result<Replacer, MaskError> {
        if marker.is_empty()
            || marker.len() > 64
            || marker
                .chars()
                .any(|c| c == '"' || c == '\\' || c.is_control())
        {
            return Err(MaskError::InvalidValue {
                var: VAR_MARKER.to_string(),
                value: marker.to_string(),
                expected: "1-64 characters without quotes, backslashes or control characters"
                    .to_string(),
            });
        }
        let hash = match style {
            MaskStyle::Marker => None,
            MaskStyle::Hash => {
                let salt = salt.ok_or_else(|| MaskError::Salt {
                    var: VAR_SALT.to_string(),
                    reason: "required when LOGSHIP_MASK_STYLE=hash".to_string(),
                })?;
                if salt.len() < MIN_SALT_LEN {
                    return Err(MaskError::Salt {
                        var: VAR_SALT.to_string(),
                        reason: format!("must be at least {MIN_SALT_LEN} bytes long"),
                    });
                }
                let mac = Hmac::<Sha256>::new_from_slice(salt.as_bytes()).map_err(|_| {
                    MaskError::Salt {
                        var: VAR_SALT.to_string(),
                        reason: "cannot be used as an HMAC key".to_string(),
                    }
                })?;
                let (prefix, suffix) = match marker.strip_suffix(']') {
                    Some(stem) if marker.starts_with('[') => {
                        (format!("{stem}:sha256:"), "]".to_string())
                    }
                    _ => (format!("{marker}:sha256:"), String::new()),
                };
                Some(Hashing {
                    mac,
                    prefix,
                    suffix,
                })
            }
        };
        Ok(Replacer {
            marker: marker.to_string(),
            hash,
        })
    }

    /// Appends the replacement for `secret` to `out`.
    pub(crate) fn write(&self, out: &mut String, secret: &[u8]) {
        match &self.hash {
            None => out.push_str(&self.marker),
            Some(h) => {
                let mut mac = h.mac.clone();
                mac.update(secret);
                let digest = mac.finalize().into_bytes();
                out.push_str(&h.prefix);
                out.push_str(&hex::encode(&digest[..6]));
                out.push_str(&h.suffix);
            }
        }
    }

    /// The replacement for `secret` as a new string.
    pub(crate) fn token(&self, secret: &[u8]) -> String {
        let mut s = String::with_capacity(self.marker.len() + 24);
        self.write(&mut s, secret);
        s
    }

    /// True when the replacement depends on the value (hash style).
    pub(crate) fn needs_input(&self) -> bool {
        self.hash.is_some()
    }

    /// Length of the replacement that starts at `b[i..]`, if one does.
    pub(crate) fn marker_len_at(&self, b: &[u8], i: usize) -> Option<usize> {
        let rest = b.get(i..)?;
        match &self.hash {
            None => rest
                .starts_with(self.marker.as_bytes())
                .then_some(self.marker.len()),
            Some(h) => {
                let n = h.prefix.len() + 12 + h.suffix.len();
                let cand = rest.get(..n)?;
                self.is_marker(cand).then_some(n)
            }
        }
    }

    /// True when `v` is already a replacement (so masking is idempotent).
    pub(crate) fn is_marker(&self, v: &[u8]) -> bool {
        match &self.hash {
            None => v == self.marker.as_bytes(),
            Some(h) => {
                let (p, s) = (h.prefix.as_bytes(), h.suffix.as_bytes());
                v.len() == p.len() + 12 + s.len()
                    && v.starts_with(p)
                    && v.ends_with(s)
                    && v[p.len()..p.len() + 12].iter().all(u8::is_ascii_hexdigit)
            }
        }
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Merges `spans` (any order, may overlap) and builds the masked text. Counts
/// each merged span once, for the rule of its first span.
pub(crate) fn apply(
    text: &str,
    spans: &mut [Span],
    rep: &Replacer,
    count: &mut MaskCounts,
) -> String {
    spans.sort_unstable_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::with_capacity(text.len() + spans.len() * 16);
    let mut pos = 0usize;
    let mut i = 0usize;
    while i < spans.len() {
        let first = spans[i];
        let mut end = first.end;
        i += 1;
        while i < spans.len() && spans[i].start < end {
            end = end.max(spans[i].end);
            i += 1;
        }
        let start = floor_boundary(text, first.start.max(pos));
        let end = ceil_boundary(text, end);
        if start >= end {
            continue;
        }
        out.push_str(&text[pos..start]);
        let secret = &text.as_bytes()[start..end];
        match first.quote_bs {
            Some(n) => {
                let q = "\\".repeat(usize::from(n)) + "\"";
                out.push_str(&q);
                rep.write(&mut out, secret);
                out.push_str(&q);
            }
            None => rep.write(&mut out, secret),
        }
        count.add_slot(first.rule, 1);
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_overlaps_and_counts() {
        let r = Replacer::new(MaskStyle::Marker, "[MASKED]", None).expect("valid");
        let k = Rule::SensitiveKey;
        let mut spans = [
            Span::new(6, 10, k),
            Span::new(0, 3, Rule::Jwt),
            Span::new(8, 12, k),
            Span::new(13, 14, k),
        ];
        let mut n = MaskCounts::default();
        let out = apply("abc = secretXYZ!", &mut spans, &r, &mut n);
        assert_eq!(out, "[MASKED] = [MASKED]X[MASKED]Z!");
        assert_eq!(n.total(), 3);
        assert_eq!(n.get(Rule::Jwt), 1);
    }

    #[test]
    fn hash_marker_shape_and_idempotence() {
        let r =
            Replacer::new(MaskStyle::Hash, "[MASKED]", Some("0123456789abcdef!")).expect("valid");
        let t = r.token(b"hunter2");
        assert!(
            t.starts_with("[MASKED:sha256:") && t.ends_with(']') && t.len() == 28,
            "{t}"
        );
        assert!(r.is_marker(t.as_bytes()));
        assert!(!r.is_marker(b"[MASKED]"));
        let r2 = Replacer::new(MaskStyle::Hash, "***", Some("0123456789abcdef!")).expect("valid");
        assert!(r2.token(b"x").starts_with("***:sha256:"));
    }

    #[test]
    fn rejects_bad_marker_and_salt() {
        assert!(Replacer::new(MaskStyle::Marker, "", None).is_err());
        assert!(Replacer::new(MaskStyle::Marker, "a\"b", None).is_err());
        assert!(Replacer::new(MaskStyle::Hash, "[MASKED]", None).is_err());
        assert!(Replacer::new(MaskStyle::Hash, "[MASKED]", Some("short")).is_err());
    }

    #[test]
    fn non_boundary_spans_are_widened_not_panicking() {
        let r = Replacer::new(MaskStyle::Marker, "#", None).expect("valid");
        let text = "aé€b";
        let mut spans = [Span::new(2, 3, Rule::Jwt)];
        let mut n = MaskCounts::default();
        let out = apply(text, &mut spans, &r, &mut n);
        assert_eq!(out, "a#€b");
    }
}
