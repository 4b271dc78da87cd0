//! One document, one line: the document's JSON written straight into the
//! body, and, in this one place, what happens to a line over the line limit
//! (written again without what was parsed from the line, then with a shorter
//! message, never dropped).

use crate::document::{Document, EnvelopeJson, LineOptions};

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
