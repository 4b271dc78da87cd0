//! The syntax around a credential key and its value, for the text scan
//! (`text.rs`): which bytes make a key, which separate it from its value, and
//! where a value ends: at its matching (escape-aware) quote, its balanced
//! bracket, the end of a header line, the end of a scalar, or in a
//! percent-encoded or name/value-pair form.

use super::rules::{at, run};

#[inline]
pub(crate) fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// Number of consecutive backslashes immediately before position `i`.
#[inline]
pub(crate) fn count_bs(b: &[u8], i: usize) -> usize {
    let mut n = 0;
    while n < i && b[i - 1 - n] == b'\\' {
        n += 1;
    }
    n
}

/// Whether a quote preceded by `bs` backslashes closes a string opened at
/// escape level `level` (0 = plain JSON, 1 = JSON inside a JSON string, ...).
#[inline]
pub(crate) fn closes(bs: usize, level: usize) -> bool {
    bs % (2 * (level + 1)) == level
}

/// Whether the word at `v` is another command-line flag (`--verbose`,
/// `--log-level=debug`, `-v`) rather than the value of the preceding
/// `--password` flag. A word that merely starts with '-' (`-7jQ#in`,
/// `--iqzD-6/x`) is a value.
pub(crate) fn looks_like_flag(b: &[u8], v: usize) -> bool {
    match (at(b, v), at(b, v + 1), at(b, v + 2)) {
        (b' ' | 0, _, _) => true,
        (b'-', b'-', _) => {
            let end = run(b, v + 2, 64, |c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_'
            });
            end > v + 2 && matches!(at(b, end), b' ' | b'\t' | b'\n' | b'\r' | b'=' | 0)
        }
        (b'-', c, end) => {
            c.is_ascii_alphanumeric() && matches!(end, b' ' | b'\t' | b'\n' | b'\r' | 0)
        }
        _ => false,
    }
}

pub(crate) fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Authorization schemes kept in clear before the masked credential.
const SCHEMES: &[&[u8]] = &[
    b"bearer",
    b"basic",
    b"digest",
    b"token",
    b"negotiate",
    b"ntlm",
    b"aws4-hmac-sha256",
    b"hoba",
    b"mutual",
    b"vapid",
    b"dpop",
    b"apikey",
    b"sso",
];

/// A space or a tab.
pub(crate) fn blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// If `v` starts with an authorization scheme word followed by spaces or
/// tabs, the offset of the credential after it.
pub(crate) fn scheme_len(v: &[u8]) -> Option<usize> {
    let w = run(v, 0, 24, |c| c.is_ascii_alphanumeric() || c == b'-');
    if w == 0 || !blank(at(v, w)) {
        return None;
    }
    if !SCHEMES.iter().any(|s| v[..w].eq_ignore_ascii_case(s)) {
        return None;
    }
    let c = run(v, w, 8, blank);
    (c < v.len()).then_some(c)
}

/// The length of a string-literal prefix before an opening quote: one of
/// `@ $ b r u f` (any case; C#, bash, Python), a two-letter Python prefix
/// (`rb`, `br`, `fr`, `rf`), or Rust's `r#`/`br#`.
pub(crate) fn string_prefix(v: &[u8]) -> Option<usize> {
    let pre = |c: u8| matches!(c | 0x20, b'b' | b'r' | b'u' | b'f');
    let c0 = at(v, 0);
    if !(pre(c0) || c0 == b'@' || c0 == b'$') {
        return None;
    }
    let mut n = 1;
    if pre(c0) && pre(at(v, 1)) {
        n = 2;
    }
    if at(v, n) == b'#' && (at(v, n - 1) | 0x20) == b'r' {
        n += 1;
    }
    matches!(at(v, n), b'"' | b'\'').then_some(n)
}

/// A YAML block scalar starting at `v` (`|`, `>`, `|-`, `>+`): the first
/// line of its indented body, as `(start, end)`.
pub(crate) fn yaml_block(b: &[u8], v: usize) -> Option<(usize, usize)> {
    if !matches!(at(b, v), b'|' | b'>') {
        return None;
    }
    let mut p = v + 1;
    if matches!(at(b, p), b'-' | b'+') {
        p += 1;
    }
    p = run(b, p, 8, blank);
    if at(b, p) == b'\r' {
        p += 1;
    }
    if at(b, p) != b'\n' {
        return None;
    }
    let vs = run(b, p + 1, 64, blank);
    if vs == p + 1 {
        return None;
    }
    let ve = b
        .get(vs..)
        .and_then(|r| memchr::memchr2(b'\n', b'\r', r))
        .map_or(b.len(), |o| vs + o);
    let ve = vs + b.get(vs..ve)?.trim_ascii_end().len();
    (ve > vs).then_some((vs, ve))
}

/// End of an unquoted scalar value starting at `v`.
pub(crate) fn scalar_end(b: &[u8], v: usize) -> usize {
    let mut i = v;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b'&' | b';' | b',' | b'"' | b'\'' | b'`' | b')'
            | b']' | b'}' | b'<' | b'>' | b'|' => break,
            b'\\' => match at(b, i + 1) {
                b'n' | b'r' | b't' | b'"' | b'\'' => break,
                _ => i += 2,
            },
            _ => i += 1,
        }
    }
    i.min(b.len())
}

/// End of a header-style value (`Cookie: a=1; b=2`): the end of the line, a
/// quote that closes a JSON string, or an escaped line break; trailing
/// spaces excluded.
pub(crate) fn line_end(b: &[u8], v: usize) -> usize {
    // A quote ends the line only where it closes a JSON string (followed by
    // `,`, `}`, `]`, `:` or the end): `Cookie: a="x"; b=y` and Digest's
    // `response="..."` stay inside.
    let closes = |after: usize| {
        matches!(
            at(b, run(b, after, 16, is_space)),
            b',' | b'}' | b']' | b':' | 0
        )
    };
    // Inside a quoted parameter (`username="bob", response="…"`, opened
    // right after `=`) a quote closes the parameter, not the line.
    let mut in_param = false;
    let mut i = v;
    while i < b.len() {
        // Width of the quote at `i` (`"` or an escaped `\"`), if any.
        let q = match b[i] {
            b'\r' | b'\n' => break,
            b'"' => 1,
            b'\\' if matches!(at(b, i + 1), b'n' | b'r') => break,
            b'\\' if at(b, i + 1) == b'"' => 2,
            _ => {
                i += 1;
                continue;
            }
        };
        if in_param {
            in_param = false;
        } else if i > v && b[i - 1] == b'=' {
            in_param = true;
        } else if closes(i + q) {
            break;
        }
        i += q;
    }
    while i > v && is_space(b[i - 1]) {
        i -= 1;
    }
    i
}

/// End of the JSON object/array starting at `v` (exclusive), honouring strings
/// at escape level `level`; the end of the text if it is truncated.
pub(crate) fn balanced_end(b: &[u8], v: usize, level: usize) -> usize {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut i = v;
    while i < b.len() {
        match b[i] {
            b'"' if closes(count_bs(b, i), level) => in_str = !in_str,
            b'{' | b'[' if !in_str => depth += 1,
            b'}' | b']' if !in_str => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// End of the content of a quoted string whose content starts at `cs`,
/// opened by `quote` at escape level `level`. Unterminated strings run to the
/// end of the line.
pub(crate) fn quoted_end(b: &[u8], cs: usize, quote: u8, level: usize) -> usize {
    let mut i = cs;
    while let Some(off) = b.get(i..).and_then(|r| memchr::memchr(quote, r)) {
        let qp = i + off;
        let bs = count_bs(b, qp);
        if closes(bs, level) {
            return (qp - level).max(cs);
        }
        i = qp + 1;
    }
    b.get(cs..)
        .and_then(|r| memchr::memchr(b'\n', r))
        .map_or(b.len(), |o| cs + o)
}

pub(crate) fn is_json_number(v: &[u8]) -> bool {
    let v = v.strip_prefix(b"-").unwrap_or(v);
    !v.is_empty()
        && v[0].is_ascii_digit()
        && v.iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
}

/// Whether `b[i..]` is the percent-encoding of `c` (`%3D`, `%3d`, ...).
#[inline]
pub(crate) fn pct_is(b: &[u8], i: usize, c: u8) -> bool {
    at(b, i) == b'%' && pct_byte(b, i) == Some(c)
}

/// The byte encoded as `%XX` at `i`.
pub(crate) fn pct_byte(b: &[u8], i: usize) -> Option<u8> {
    let h = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    Some(h(at(b, i + 1))? << 4 | h(at(b, i + 2))?)
}

/// End of a URL-encoded value starting at `v`: an encoded delimiter (`%26`,
/// `%20`, `%22`, ...) or the end of the plain scalar, whichever is first.
pub(crate) fn pct_value_end(b: &[u8], v: usize, quoted: bool) -> usize {
    let end = scalar_end(b, v);
    let mut i = v;
    while let Some(off) = b.get(i..end).and_then(|r| memchr::memchr(b'%', r)) {
        let pos = i + off;
        match pct_byte(b, pos) {
            Some(b'"') => return pos,
            Some(
                b' ' | b'\t' | b'\r' | b'\n' | b'&' | b';' | b',' | b'\'' | b')' | b']' | b'}'
                | b'<' | b'>' | b'|' | b'#',
            ) if !quoted => return pos,
            _ => i = pos + 1,
        }
    }
    end
}

/// Skips JSON whitespace that includes line breaks at `p`: raw `\r`/`\n`
/// (and spaces/tabs around them) at level 0, escaped `\n`/`\r`/`\t` in JSON
/// nested in strings. Returns `p` unchanged when there is no line break.
/// After a quoted string at `p` (its closing quote read), the position
/// after `, "value":` (any case, quotes escaped `level` times), if that follows.
pub(crate) fn pair_value(b: &[u8], p: usize, level: usize) -> Option<usize> {
    let quote = |i: usize| -> Option<usize> {
        let e = run(b, i, level, |c| c == b'\\');
        (e - i == level && at(b, e) == b'"').then_some(e + 1)
    };
    let mut i = p;
    if at(b, i) != b',' {
        return None;
    }
    i = run(b, i + 1, 8, is_space);
    i = quote(i)?;
    if !b.get(i..i + 5)?.eq_ignore_ascii_case(b"value") {
        return None;
    }
    i = quote(i + 5)?;
    i = run(b, i, 8, is_space);
    (at(b, i) == b':').then_some(i + 1)
}

pub(crate) fn skip_json_space(b: &[u8], p: usize, level: usize) -> usize {
    let mut i = p;
    let mut broke = false;
    for _ in 0..64 {
        match at(b, i) {
            b' ' | b'\t' => i += 1,
            b'\r' | b'\n' => {
                broke = true;
                i += 1;
            }
            b'\\' if level > 0 => {
                let e = run(b, i, 8, |c| c == b'\\');
                if matches!(at(b, e), b'n' | b'r' | b't') {
                    broke |= at(b, e) != b't';
                    i = e + 1;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    if broke { i } else { p }
}
