//! Globs for log group and log stream names: `*` matches any run of
//! characters (`/` included), `?` exactly one character, everything else
//! itself. No character classes and no escapes: CloudWatch Logs names cannot
//! hold `*`, and `[`/`]` are common in stream names (`[$LATEST]`), so they are
//! plain characters here.

/// A compiled glob: its literal pieces between `*`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// `*`: everything.
    Any,
    /// No wildcard at all.
    Exact,
    /// `lit*` with no `?`.
    Prefix(String),
    /// `*lit` with no `?`.
    Suffix(String),
    /// Anything else: the general matcher.
    General,
}

impl Glob {
    /// Compiles a glob (already validated by the caller). Runs of `*` collapse.
    pub fn new(text: &str) -> Glob {
        let mut norm = String::with_capacity(text.len());
        for c in text.chars() {
            if c == '*' && norm.ends_with('*') {
                continue;
            }
            norm.push(c);
        }
        let stars = norm.matches('*').count();
        let kind = if norm == "*" {
            Kind::Any
        } else if stars == 0 && !norm.contains('?') {
            Kind::Exact
        } else if norm.contains('?') || stars > 1 {
            Kind::General
        } else if let Some(lit) = norm.strip_suffix('*') {
            Kind::Prefix(lit.to_owned())
        } else if let Some(lit) = norm.strip_prefix('*') {
            Kind::Suffix(lit.to_owned())
        } else {
            Kind::General
        };
        Glob { text: norm, kind }
    }

    /// The glob as written (runs of `*` collapsed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the glob matches every name.
    pub fn is_any(&self) -> bool {
        self.kind == Kind::Any
    }

    /// Whether `name` matches the whole glob.
    pub fn matches(&self, name: &str) -> bool {
        match &self.kind {
            Kind::Any => true,
            Kind::Exact => name == self.text,
            Kind::Prefix(p) => name.starts_with(p.as_str()),
            Kind::Suffix(s) => name.ends_with(s.as_str()),
            Kind::General => wildcard(self.text.as_bytes(), name.as_bytes()),
        }
    }
}

/// Length of the UTF-8 character starting with byte `b` (1 for a stray byte).
fn char_len(b: u8) -> usize {
    match b {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

/// The iterative wildcard match with one backtrack point (the last `*`):
/// linear for the usual globs, O(pattern × name) at worst, no recursion.
/// `?` takes one whole UTF-8 character; `*` gives back one character at a time.
fn wildcard(pat: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pat.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(b'?') => {
                p += 1;
                n += name.get(n).map_or(1, |b| char_len(*b));
            }
            Some(c) if name.get(n) == Some(c) => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    let next = sn + name.get(sn).map_or(1, |b| char_len(*b));
                    star = Some((sp, next));
                    p = sp + 1;
                    n = next;
                }
                None => return false,
            },
        }
    }
    // A `?` that stepped over a truncated character overshoots: no match.
    if n > name.len() {
        return false;
    }
    pat.get(p..)
        .is_some_and(|rest| rest.iter().all(|b| *b == b'*'))
}
