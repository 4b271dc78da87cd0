//! Long tokens. The token-run scan (`card.rs`) reports every run of 16 or
//! more `[A-Za-z0-9_-]` bytes; here each run is checked against the vendor
//! catalogue (`catalogue.rs`) and, when no format matches, against the
//! keyword-proximity rule (`keyword.rs`): a random-looking value shortly
//! after a credential word or vendor name is masked; an ordinary value (word,
//! number, path, host, ARN, version, date) is kept, and a UUID only counts
//! right after a credential word. Also here: "same value everywhere", which
//! masks every other occurrence of a value once it has been masked anywhere
//! in the text.

use super::Masker;
use super::class::{back, broad, narrow, url, value_char};
use super::config::Rule;
use super::keyword::keyword_before;
use super::random::{is_placeholder, is_uuid, looks_random};
use super::replace::Span;
use super::rules::{before, escape_before, is_aws_secret_value, run};

/// Handles the token run starting at `rs`; returns the position up to which
/// later runs need not be looked at. The scan already knows that the bytes
/// from `rs` to `known_end` are token bytes.
pub(crate) fn on_run(
    m: &Masker,
    b: &[u8],
    rs: usize,
    known_end: usize,
    spans: &mut Vec<Span>,
) -> usize {
    let run_end = run(b, known_end.clamp(rs, b.len()), usize::MAX, url);
    let mut ts = rs;
    while ts > 0 && rs - ts < 256 && narrow(b[ts - 1]) {
        ts -= 1;
    }
    let mut bs = ts;
    while bs > 0 && ts - bs < 256 && broad(b[bs - 1]) {
        bs -= 1;
    }
    // A bare UUID (`requestId`, Lambda request ids): no catalogued format
    // has this shape, so only the keyword rule (right after a credential
    // word) can apply.
    if bs == rs
        && run_end - rs == 36
        && before(b, rs) != b'/'
        && !b.get(run_end).is_some_and(|&c| broad(c))
        && let Some(v) = b.get(rs..run_end)
        && is_uuid(v)
    {
        if m.has(Rule::KeywordSecret)
            && let Some((true, _)) = keyword_before(m, b, rs, v, true)
            && !is_placeholder(v)
        {
            spans.push(Span::new(rs, run_end, Rule::KeywordSecret));
        }
        return run_end;
    }
    let cat = &m.catalogue;
    // A run that starts inside an escape (`%2Fghp_...`, `\u000aghp_...`):
    // the token may start right after it. The run's own bytes are token
    // bytes, so the escape's `%` or `\` stands before the run (one byte
    // before it, or four for a `\u` escape ending two bytes into it).
    let escaped =
        if matches!(before(b, rs), b'%' | b'\\') || before(b, rs.saturating_sub(3)) == b'\\' {
            [2, 5]
                .into_iter()
                .map(|n| rs + n)
                .find(|&e| e < run_end && escape_before(b, e))
        } else {
            None
        };
    let mut starts = [bs, ts, rs, rs];
    let mut k = 1;
    for c in [Some(ts), Some(rs), escaped].into_iter().flatten() {
        if starts[k - 1] != c {
            starts[k] = c;
            k += 1;
        }
    }
    for &start in &starts[..k] {
        if let Some((end, rule)) = cat.match_at(b, start)
            && end > rs
        {
            spans.push(Span::new(start, end, rule));
            if rule == Rule::AwsAccessKeyId
                && m.has(Rule::AwsSecretKey)
                && let Some((s, e)) = aws_secret_after(b, end)
            {
                spans.push(Span::new(s, e, Rule::AwsSecretKey));
                return e;
            }
            return end.max(run_end);
        }
    }
    if let Some(((s, e), rule)) = cat.custom(b, ts, rs) {
        spans.push(Span::new(s, e, rule));
        return e.max(run_end);
    }
    if m.has(Rule::ConfigSecret)
        && let Some((s, e)) = ansible_vault_body(b, rs)
    {
        spans.push(Span::new(s, e, Rule::ConfigSecret));
        return e.max(run_end);
    }
    if m.has(Rule::KeywordSecret) {
        let mut vs = rs;
        while vs > 0 && rs - vs < 256 && back(b[vs - 1]) {
            vs -= 1;
        }
        // Base64 with `=` inside (`9a/k2m+x7q=w3z...`): a chunk holding `/`
        // or `+` before an `=` is part of the value, a key name is not.
        while vs > 1 && rs - vs < 256 && b[vs - 1] == b'=' {
            let mut c = vs - 1;
            while c > 0 && vs - c < 256 && back(b[c - 1]) {
                c -= 1;
            }
            if !b[c..vs - 1].iter().any(|&x| x == b'/' || x == b'+') {
                break;
            }
            vs = c;
        }
        let mut ve = run(b, run_end, 4096, value_char);
        while ve > vs && b[ve - 1] == b'.' {
            ve -= 1;
        }
        // The secret half of an AWS key pair after its id, whatever the key
        // before the id (`access_key_id=AKIA... <secret>`).
        if m.has(Rule::AwsSecretKey)
            && let Some(v) = b.get(vs..ve)
            && is_aws_secret_value(v)
            && aws_id_before(b, vs)
            && !is_placeholder(v)
        {
            spans.push(Span::new(vs, ve, Rule::AwsSecretKey));
            return ve.max(run_end);
        }
        // A token as the user part of a URL (`https://<token>@github.com/`).
        if rs >= 3
            && b.get(rs - 3..rs) == Some(b"://")
            && m.has(Rule::UrlPassword)
            && b.get(ve) == Some(&b'@')
            && let Some(v) = b.get(rs..ve)
            && looks_random(v, 20, false)
            && !is_placeholder(v)
        {
            spans.push(Span::new(rs, ve, Rule::UrlPassword));
            return ve.max(run_end);
        }
        // An `id|secret` token (Laravel Sanctum `90|<40+>`): the id belongs
        // to the value.
        vs = id_pipe_start(b, vs);
        // `a=b` inside the value means it is a key=value pair, not a value.
        let inner_eq = b.get(vs..ve).is_some_and(has_inner_pair);
        if !inner_eq
            && let Some(v) = b.get(vs..ve)
            && !m.rep.is_marker(v)
            && v.len() >= 16
            && let Some((tight, min_len)) = keyword_before(m, b, vs, v, false)
            && looks_random(v, min_len, tight)
        {
            spans.push(Span::new(vs, ve, Rule::KeywordSecret));
            return ve.max(run_end);
        }
    }
    run_end
}

/// A bare 40-character AWS secret access key standing shortly after an
/// access key id (`AKIA... wJalr...`, CSV `AKIA...,wJalr...`, JSON
/// `"ASIA...","k":"wJalr..."`): the first run of exactly 40 base64
/// characters that starts within 48 bytes after `end` and mixes upper case,
/// lower case and digits.
fn aws_secret_after(b: &[u8], end: usize) -> Option<(usize, usize)> {
    let b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let limit = end.saturating_add(48).min(b.len());
    let mut i = end;
    while i < limit {
        if !b64(b[i]) {
            i += 1;
            continue;
        }
        let e = run(b, i, 64, b64);
        let v = &b[i..e];
        if v.len() == 40
            && at_boundary(b, e)
            && v.iter().any(u8::is_ascii_uppercase)
            && v.iter().any(u8::is_ascii_lowercase)
            && v.iter().any(u8::is_ascii_digit)
            && !is_placeholder(v)
        {
            return Some((i, e));
        }
        i = e;
    }
    None
}

/// Line breaks, real or escaped in a JSON string.
const LINE_BREAKS: [&[u8]; 4] = [b"\r\n", b"\n", b"\\r\\n", b"\\n"];

/// An Ansible Vault body: hex lines after a `$ANSIBLE_VAULT;1.1;AES256`
/// header line (a real line break or an escaped `\n`). Returns the end of
/// the body when the run at `rs` is its first line.
fn ansible_vault_body(b: &[u8], rs: usize) -> Option<(usize, usize)> {
    let hex = |c: u8| c.is_ascii_hexdigit();
    // In JSON text the run starts at the `n` of an escaped `\n`.
    let rs = if b.get(rs) == Some(&b'n') && before(b, rs) == b'\\' {
        rs + 1
    } else {
        rs
    };
    if !b.get(rs).copied().is_some_and(hex) {
        return None;
    }
    let break_len = |i: usize| -> usize {
        LINE_BREAKS
            .into_iter()
            .find(|l| b.get(i.wrapping_sub(l.len())..i) == Some(*l))
            .map_or(0, <[u8]>::len)
    };
    let h = rs.checked_sub(break_len(rs)).filter(|&h| h < rs)?;
    let from = h.saturating_sub(96);
    let line = b.get(from..h)?;
    let at = memchr::memmem::rfind(line, b"$ANSIBLE_VAULT;")?;
    // The text rules read escapes opened: `\n` stands there as ` ` + line feed.
    let header = line[at..].trim_ascii_end();
    if !header
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'$' | b';' | b'.' | b'_' | b'-'))
    {
        return None;
    }
    let mut e = run(b, rs, 4096, hex);
    loop {
        let mut n = 0;
        let sp = run(b, e, 2, |c| c == b' ');
        for l in LINE_BREAKS {
            if b.get(sp..sp + l.len()) == Some(l) {
                n = sp - e + l.len();
                break;
            }
        }
        if n == 0 || !b.get(e + n).copied().is_some_and(hex) {
            return Some((rs, e));
        }
        e = run(b, e + n, 4096, hex);
    }
}

/// Whether an AWS access key id (`AKIA`/`ASIA`/`ABIA`/`ACCA` and 16 upper
/// case letters or digits) ends within a few separator bytes before `vs`.
fn aws_id_before(b: &[u8], vs: usize) -> bool {
    let mut i = vs;
    while i > 0
        && vs - i < 8
        && matches!(
            b[i - 1],
            b' ' | b'\t' | b',' | b'"' | b'\'' | b':' | b'=' | b';' | b'\\'
        )
    {
        i -= 1;
    }
    if i == vs || i < 20 {
        return false;
    }
    let id = &b[i - 20..i];
    matches!(&id[..4], b"AKIA" | b"ASIA" | b"ABIA" | b"ACCA")
        && id[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && !before(b, i - 20).is_ascii_alphanumeric()
}

/// Start of an `id|secret` value whose secret part starts at `vs`: 1 to 6
/// digits and `|` right before it, after a non-word byte; else `vs`.
fn id_pipe_start(b: &[u8], vs: usize) -> usize {
    if vs < 2 || b[vs - 1] != b'|' {
        return vs;
    }
    let mut i = vs - 1;
    while i > 0 && vs - 1 - i < 7 && b[i - 1].is_ascii_digit() {
        i -= 1;
    }
    let digits = vs - 1 - i;
    if (1..=6).contains(&digits) && !before(b, i).is_ascii_alphanumeric() {
        i
    } else {
        vs
    }
}

/// Whether a value holds a `name=value` pair (`a=b&c=d`, `x=1`): an `=`
/// followed by more than padding, after a name made only of letters, `_`,
/// `.` or `-` (base64 with `/`, `+` or digits before its `=` is a value).
fn has_inner_pair(v: &[u8]) -> bool {
    let Some(p) = memchr::memchr(b'=', v) else {
        return false;
    };
    if !v[p..].iter().any(|&c| c != b'=') {
        return false;
    }
    let name_start = v[..p]
        .iter()
        .rposition(|&c| matches!(c, b'&' | b';' | b',' | b'?'))
        .map_or(0, |i| i + 1);
    let name = &v[name_start..p];
    !name.is_empty()
        && name
            .iter()
            .all(|&c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'.' | b'-'))
}

/// Whether a base64 run ending at `e` ends a token (not followed by `=`
/// padding or another word character).
fn at_boundary(b: &[u8], e: usize) -> bool {
    !matches!(b.get(e), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'=' | b'_' | b'-'))
}

/// The regions covered by `spans`, merged and sorted.
pub(crate) fn merged(spans: &[Span]) -> Vec<(usize, usize)> {
    let mut v: Vec<(usize, usize)> = spans.iter().map(|s| (s.start, s.end)).collect();
    v.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Masks every other occurrence of each masked value in the text ("same
/// value everywhere"): `token = 'abc...' | 'abc...'` masks both copies.
pub(crate) fn propagate(m: &Masker, b: &[u8], spans: &mut Vec<Span>) {
    let mut vals: Vec<(&[u8], u8)> = Vec::new();
    for sp in spans.iter() {
        let Some(v) = b.get(sp.start..sp.end) else {
            continue;
        };
        if vals.iter().any(|(x, _)| *x == v) || !propagatable(m, v) {
            continue;
        }
        vals.push((v, sp.rule));
        if vals.len() >= 16 {
            break;
        }
    }
    if vals.is_empty() {
        return;
    }
    let done = merged(spans);
    let mut added: Vec<Span> = Vec::new();
    for (v, rule) in vals {
        let Some(&first) = v.first() else { continue };
        for occ in memchr::memchr_iter(first, b) {
            if b.get(occ..occ + v.len()) != Some(v) {
                continue;
            }
            let end = occ + v.len();
            // First merged region ending after `occ`: overlap if it starts before `end`.
            let i = done.partition_point(|&(_, e)| e <= occ);
            if done.get(i).is_some_and(|&(s, _)| s < end) {
                continue;
            }
            added.push(Span {
                start: occ,
                end,
                quote_bs: None,
                rule,
            });
            if added.len() > 4096 {
                break;
            }
        }
    }
    spans.extend(added);
}

/// Whether a masked value is distinctive enough to be masked wherever else
/// it appears.
pub(crate) fn propagatable(m: &Masker, v: &[u8]) -> bool {
    v.len() >= 6
        && v.len() <= 1024
        && !matches!(v.first(), Some(b'{' | b'['))
        && !m.rep.is_marker(v)
        && !is_placeholder(v)
        && !v.iter().all(u8::is_ascii_digit)
        && (v.len() >= 8 || v.iter().any(|c| !c.is_ascii_alphabetic()))
        && !is_uuid_like_plain(v)
}

/// Short all-letter words are too common to propagate.
fn is_uuid_like_plain(v: &[u8]) -> bool {
    v.iter().all(u8::is_ascii_alphabetic) && v.len() < 12 && !is_uuid(v)
}
