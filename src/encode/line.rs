//! One document, one line: the document's JSON written straight into the
//! body, and, in this one place, what happens to a line over the line limit
//! (written again without what was parsed from the line, then with a shorter
//! message, never dropped); and the `_index` names of the action lines
//! ([`write_index`]).

use crate::document::{Document, EnvelopeJson, LineOptions};
use crate::time::write_rfc3339_ms;

/// Writes `doc`'s line at the end of `out`; a line over `limit` bytes is
/// written again, cut, with `scratch` as room. True when it was cut.
pub(super) fn write(
    doc: &Document,
    env: &EnvelopeJson,
    opts: LineOptions<'_>,
    limit: usize,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> bool {
    let start = out.len();
    // Written straight into the body; only an oversized line takes the slow path.
    doc.write_line(env, out, &opts);
    if out.len() - start <= limit {
        return false;
    }
    out.truncate(start);
    cut(doc, env, opts, limit, scratch);
    out.extend_from_slice(scratch);
    true
}

/// Writes the line into `line` with a shorter message until it fits in `limit`.
fn cut(
    doc: &Document,
    env: &EnvelopeJson,
    opts: LineOptions<'_>,
    limit: usize,
    line: &mut Vec<u8>,
) {
    // First without what was parsed from the line: the line itself may fit.
    let mut keep = doc.full_text().len();
    let whole = LineOptions {
        max_message: Some(keep),
        ..opts
    };
    line.clear();
    doc.write_line(env, line, &whole);
    if line.len() <= limit {
        return;
    }
    for _ in 0..8 {
        let over = line.len().saturating_sub(limit);
        // Escaping can make a byte of message up to six bytes of JSON.
        keep = keep
            .saturating_sub(over.max(1) + 256)
            .min(keep * limit / line.len().max(1));
        line.clear();
        let cut = LineOptions {
            max_message: Some(keep),
            ..opts
        };
        doc.write_line(env, line, &cut);
        if line.len() <= limit {
            return;
        }
    }
    line.clear();
    let cut = LineOptions {
        max_message: Some(0),
        ..opts
    };
    doc.write_line(env, line, &cut);
}

/// Writes the index name for an event at `timestamp_ms` (UTC), `%Y`, `%m` and
/// `%d` replaced by its date; anything else is copied. The one renderer of
/// index patterns: the encoder JSON-quotes what it writes, and
/// [`IndexPattern::render`](crate::rules::IndexPattern::render) reuses it.
pub fn write_index(pattern: &str, timestamp_ms: i64, out: &mut Vec<u8>) {
    if !pattern.contains('%') {
        out.extend_from_slice(pattern.as_bytes());
        return;
    }
    let mut date = Vec::with_capacity(24);
    write_rfc3339_ms(timestamp_ms, &mut date);
    let part = |r: std::ops::Range<usize>| date.get(r).unwrap_or_default();
    let mut rest = pattern.as_bytes();
    while let Some(at) = rest.iter().position(|b| *b == b'%') {
        let (head, tail) = rest.split_at(at);
        out.extend_from_slice(head);
        let field = match tail.get(1) {
            Some(b'Y') => Some(part(0..4)),
            Some(b'm') => Some(part(5..7)),
            Some(b'd') => Some(part(8..10)),
            _ => None,
        };
        match field {
            Some(f) => {
                out.extend_from_slice(f);
                rest = tail.get(2..).unwrap_or_default();
            }
            None => {
                out.push(b'%');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.extend_from_slice(rest);
}
