//! Payment card numbers: a branch-free SWAR pre-scan flags 64-byte windows
//! that hold a run of at least 13 digits (single spaces or dashes allowed
//! between digits); only those windows are examined exactly. A number is masked
//! when it has 13-19 digits, an issuer prefix (2-6, see [`plausible`]), passes
//! the Luhn check, and is a whole token: not part of a longer digit run, a
//! decimal fraction, or an identifier such as `eni-...`/`order_...`. Grouped
//! forms (`4111 1111 1111 1111`, `3782-822463-10005`) are recognised even inside
//! a longer space-separated list of numbers.

/// Luhn checksum over ASCII digits.
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &c) in digits.iter().rev().enumerate() {
        let mut d = u32::from(c.wrapping_sub(b'0'));
        if d > 9 {
            return false;
        }
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// Length and issuer-prefix plausibility. Numbers starting with 0, 1, 7, 8 or 9
/// are never treated as cards, which keeps epoch timestamps (`1700000000000`)
/// and most counters out.
pub(crate) fn plausible(digits: &[u8]) -> bool {
    let n = digits.len();
    if !(13..=19).contains(&n) {
        return false;
    }
    let d0 = digits[0];
    let d1 = digits[1];
    match d0 {
        b'4' | b'5' | b'6' => true,
        b'2' => n == 16 && (b'2'..=b'7').contains(&d1),
        b'3' => n >= 14 && matches!(d1, b'0' | b'4' | b'5' | b'6' | b'7' | b'8' | b'9'),
        _ => false,
    }
}

/// Full check on a digit string (no separators).
pub(crate) fn is_card(digits: &[u8]) -> bool {
    plausible(digits) && luhn(digits)
}

/// True when the key just before a digit run at `s` names a trace, span or
/// parent id (`dd.trace_id=`, `x-datadog-parent-id: `, `"span_id": `,
/// `traceId=`): Datadog's decimal ids are not card numbers even when they
/// pass Luhn. Runs only once a card candidate was found.
pub(crate) fn trace_id_key_before(text: &[u8], s: usize) -> bool {
    // Separator: spaces, quotes, backslashes and one `=` or `:`.
    let mut i = s;
    let mut seps = 0;
    let mut sep_seen = false;
    while i > 0 && seps < 12 {
        match text[i - 1] {
            b'=' | b':' if !sep_seen => sep_seen = true,
            b' ' | b'\t' | b'"' | b'\'' | b'\\' => {}
            _ => break,
        }
        i -= 1;
        seps += 1;
    }
    if !sep_seen {
        return false;
    }
    let key_end = i;
    while i > 0
        && key_end - i < 64
        && (text[i - 1].is_ascii_alphanumeric()
            || text[i - 1] == b'_'
            || text[i - 1] == b'-'
            || text[i - 1] == b'.')
    {
        i -= 1;
    }
    is_trace_id_key(&text[i..key_end])
}

/// True for a key whose last word is `trace`, `span` or `parent`, with or
/// without an `id` word (`dd.trace_id`, `x-datadog-parent-id`, `spanId`).
pub(crate) fn is_trace_id_key(mut key: &[u8]) -> bool {
    // An `id` word ends the key: `trace_id`, `traceId`, `x-datadog-trace-id`.
    if key.len() >= 2 && key[key.len() - 2..].eq_ignore_ascii_case(b"id") {
        key = &key[..key.len() - 2];
        if matches!(key.last(), Some(b'_' | b'-' | b'.')) {
            key = &key[..key.len() - 1];
        }
    }
    [&b"trace"[..], b"span", b"parent"].iter().any(|w| {
        key.len() >= w.len() && {
            let (head, tail) = key.split_at(key.len() - w.len());
            tail.eq_ignore_ascii_case(w)
                && head
                    .last()
                    .is_none_or(|&c| !c.is_ascii_alphabetic() || tail[0].is_ascii_uppercase())
        }
    })
}

const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HI: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

/// High bit of each byte set where the byte equals `c`.
#[inline(always)]
fn eq_bytes(x: u64, c: u8) -> u64 {
    let y = x ^ (ONES * u64::from(c));
    !(((y & LO7) + LO7) | y) & HI
}

/// Compresses per-byte high bits into an 8-bit mask (bit i = byte i).
#[inline(always)]
fn gather(r: u64) -> u64 {
    ((r >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Digit, separator and token-character masks of 64 bytes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks(block: &[u8; 64]) -> (u64, u64, u64) {
    // SAFETY: SSE2 is part of the x86_64 baseline; every x86_64 CPU has it,
    // so calling a function that requires it is always sound here.
    unsafe { masks_sse2(block) }
}

/// SSE2 version of [`masks`]: 16 bytes per compare, `movemask` to bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn masks_sse2(block: &[u8; 64]) -> (u64, u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut d = 0u64;
    let mut s = 0u64;
    let mut t = 0u64;
    let lo = _mm_set1_epi8(b'0' as i8 - 1);
    let hi = _mm_set1_epi8(b'9' as i8 + 1);
    let alo = _mm_set1_epi8(b'a' as i8 - 1);
    let ahi = _mm_set1_epi8(b'z' as i8 + 1);
    let case = _mm_set1_epi8(0x20);
    let space = _mm_set1_epi8(b' ' as i8);
    let dash = _mm_set1_epi8(b'-' as i8);
    let under = _mm_set1_epi8(b'_' as i8);
    for (k, lane) in block.chunks_exact(16).enumerate() {
        // SAFETY: `lane` is exactly 16 readable bytes (`chunks_exact(16)`),
        // and `_mm_loadu_si128` has no alignment requirement.
        let x = unsafe { _mm_loadu_si128(lane.as_ptr().cast::<__m128i>()) };
        let dig = _mm_and_si128(_mm_cmpgt_epi8(x, lo), _mm_cmplt_epi8(x, hi));
        let is_dash = _mm_cmpeq_epi8(x, dash);
        let sep = _mm_or_si128(_mm_cmpeq_epi8(x, space), is_dash);
        let folded = _mm_or_si128(x, case);
        let alpha = _mm_and_si128(_mm_cmpgt_epi8(folded, alo), _mm_cmplt_epi8(folded, ahi));
        let tok = _mm_or_si128(
            _mm_or_si128(dig, alpha),
            _mm_or_si128(is_dash, _mm_cmpeq_epi8(x, under)),
        );
        d |= u64::from(_mm_movemask_epi8(dig) as u16) << (16 * k);
        s |= u64::from(_mm_movemask_epi8(sep) as u16) << (16 * k);
        t |= u64::from(_mm_movemask_epi8(tok) as u16) << (16 * k);
    }
    (d, s, t)
}

/// Digit, separator and token-character masks of 64 bytes (portable SWAR).
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn masks(block: &[u8; 64]) -> (u64, u64, u64) {
    masks_swar(block)
}

/// High bit of each byte set where `lo <= byte <= hi` (ASCII bytes only).
#[inline(always)]
fn in_range(x: u64, lo: u8, hi: u8) -> u64 {
    let low7 = x & LO7;
    let above_hi = low7 + ONES * u64::from(0x7f - hi);
    let at_least_lo = low7 + ONES * u64::from(0x80 - lo);
    at_least_lo & !above_hi & !x & HI
}

/// Portable SWAR version of [`masks`]: 8 bytes per step in a `u64`.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn masks_swar(block: &[u8; 64]) -> (u64, u64, u64) {
    let mut d = 0u64;
    let mut s = 0u64;
    let mut t = 0u64;
    for (k, word) in block.chunks_exact(8).enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w);
        let dig = in_range(x, b'0', b'9');
        let dash = eq_bytes(x, b'-');
        let sep = eq_bytes(x, b' ') | dash;
        let alpha = in_range(x | (ONES * 0x20), b'a', b'z');
        let tok = dig | alpha | dash | eq_bytes(x, b'_');
        d |= gather(dig) << (8 * k);
        s |= gather(sep) << (8 * k);
        t |= gather(tok) << (8 * k);
    }
    (d, s, t)
}

/// Length of the token runs reported by [`scan`].
pub(crate) const RUN_MIN: usize = 16;

#[inline]
fn is_digit(c: u8) -> bool {
    c.is_ascii_digit()
}

#[inline]
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// [`scan_from`] over the whole text.
#[cfg(test)]
pub(crate) fn scan(
    text: &[u8],
    cards: bool,
    runs: Option<&mut dyn FnMut(usize, usize) -> usize>,
    f: &mut dyn FnMut(usize, usize),
) {
    scan_from(text, 0, cards, runs, f);
}

/// Calls `f(start, end)` for every card number in `text`.
///
/// The pre-scan walks 64-byte blocks. Per block it computes `v`: bytes that
/// are digits, or a single space/dash between two digits (the neighbour across
/// the block end is assumed to be a digit, which can only add candidates). A
/// run of 13 set bits, inside the block or continuing from the previous one,
/// flags the block, and the exact check walks the digit sequences from the
/// start of that run.
///
/// The scan starts at `from`: the caller knows the bytes before it hold
/// nothing to report and that the byte before it is neither a digit, a
/// space or dash, nor a token byte (so no run crosses it); the checks still
/// read the bytes before `from`.
pub(crate) fn scan_from(
    text: &[u8],
    from: usize,
    cards: bool,
    runs: Option<&mut dyn FnMut(usize, usize) -> usize>,
    f: &mut dyn FnMut(usize, usize),
) {
    let len = text.len();
    if len.saturating_sub(from) < 13 {
        return;
    }
    let mut runs = runs;
    let mut resume_t = from;
    let mut carry_t = 0usize;
    let mut resume = from;
    let mut carry = 0usize; // length of the v-run ending the previous block
    let mut prev_top = 0u64; // whether the previous block's last byte is a digit
    let mut pos = from;
    while pos < len {
        let n = (len - pos).min(64);
        let (d, s, t) = match <&[u8; 64]>::try_from(text.get(pos..pos + 64).unwrap_or(&[])) {
            Ok(block) => masks(block),
            Err(_) => {
                let mut block = [0u8; 64];
                block[..n].copy_from_slice(&text[pos..]);
                masks(&block)
            }
        };
        // Token runs of RUN_MIN or more `[A-Za-z0-9_-]` bytes: one call per
        // run (the callback returns where it stopped looking).
        if let Some(g) = runs.as_deref_mut() {
            let t = if n < 64 { t & ((1u64 << n) - 1) } else { t };
            let lead = t.trailing_ones() as usize;
            if carry_t > 0 && carry_t + lead >= RUN_MIN && pos - carry_t >= resume_t {
                resume_t = g(pos - carry_t, pos + lead).max(pos + lead);
            }
            let mut r = t & (t >> 1);
            r &= r >> 2;
            r &= r >> 4;
            r &= r >> 8;
            // Bits below `resume_t` are skipped; each call clears the bits of
            // the run it looked at, so a long token costs one iteration.
            r &= skip_below(resume_t, pos);
            while r != 0 {
                let off = r.trailing_zeros() as usize;
                let p = pos + off;
                // Back to the start of this run (inside this block, not
                // before `resume_t`): just after the last 0 bit below `off`.
                let zeros_below = !t & ((1u64 << off) - 1);
                let run_start = if zeros_below == 0 {
                    pos
                } else {
                    pos + 64 - zeros_below.leading_zeros() as usize
                };
                // The run holds at least the set bits from `off` up.
                let known_end = p + (t >> off).trailing_ones() as usize;
                resume_t = g(run_start.max(resume_t), known_end).max(p + RUN_MIN);
                r &= skip_below(resume_t, pos);
            }
            carry_t = if t == u64::MAX {
                carry_t + 64
            } else {
                t.leading_ones() as usize
            };
        }
        if !cards {
            pos += n;
            continue;
        }
        let v = d | (s & ((d << 1) | prev_top) & ((d >> 1) | (1 << 63)));
        let mut r = v & (v >> 1);
        r &= r >> 2;
        r &= r >> 4;
        r &= r >> 5;
        let lead = v.trailing_ones() as usize;
        if carry > 0 && carry + lead >= 13 && pos - carry >= resume {
            resume = from_run(text, pos - carry, resume, f);
        }
        // Each set bit of `r` starts 13 valid bytes; walk the sequence holding
        // it once, then skip the bits it covered.
        let mut bits = r & skip_below(resume, pos);
        while bits != 0 {
            let p = pos + bits.trailing_zeros() as usize;
            resume = from_run(text, p, resume, f);
            bits &= bits - 1;
            bits &= skip_below(resume, pos);
        }
        carry = if v == u64::MAX {
            carry + 64
        } else {
            v.leading_ones() as usize
        };
        prev_top = d >> 63;
        pos += n;
    }
}

/// Mask of the bits of a block starting at `pos` that stand at or after
/// `resume`.
#[inline(always)]
fn skip_below(resume: usize, pos: usize) -> u64 {
    match resume.saturating_sub(pos) {
        0 => u64::MAX,
        k if k >= 64 => 0,
        k => u64::MAX << k,
    }
}

/// Maximum number of digit groups kept while walking a separated sequence.
const RING: usize = 5;

#[derive(Clone, Copy, Default)]
struct Group {
    start: usize,
    end: usize,
    /// Separator before this group (0 for the first group of a sequence).
    sep: u8,
}

/// Backs up from `p` (inside a run of digits and single separators) to the
/// run's first digit, not before `floor`, and examines the sequence there.
/// Returns the sequence end.
fn from_run(text: &[u8], p: usize, floor: usize, f: &mut dyn FnMut(usize, usize)) -> usize {
    let mut st = p.min(text.len());
    while st > floor {
        let c = text[st - 1];
        let sep_between =
            matches!(c, b' ' | b'-') && st >= 2 && is_digit(text[st - 2]) && is_digit(at(text, st));
        if is_digit(c) || sep_between {
            st -= 1;
        } else {
            break;
        }
    }
    while st < text.len() && !is_digit(text[st]) {
        st += 1;
    }
    if st >= text.len() || (st > 0 && is_digit(text[st - 1])) {
        // Only reachable when `floor` cut the run: already examined.
        return st.max(p);
    }
    sequence(text, st, f).max(p)
}

#[inline]
fn at(text: &[u8], i: usize) -> u8 {
    text.get(i).copied().unwrap_or(0)
}

/// Walks the sequence of digit groups starting at `start` (a digit not preceded
/// by a digit) and reports card numbers in it. Returns the sequence end.
fn sequence(text: &[u8], start: usize, f: &mut dyn FnMut(usize, usize)) -> usize {
    let len = text.len();
    // Identifier context before the sequence: `abc123...`, `eni-123...`, `x_123`, `1.234`.
    let before_ok = match start {
        0 => true,
        _ => {
            let p = text[start - 1];
            if is_word(p) {
                false
            } else if matches!(p, b'-' | b'.') && start >= 2 {
                !text[start - 2].is_ascii_alphanumeric()
            } else {
                true
            }
        }
    };
    let mut ring = [Group::default(); RING];
    let mut n = 0usize; // groups seen in this sequence
    let mut i = start;
    let mut sep = 0u8;
    loop {
        let gs = i;
        while i < len && is_digit(text[i]) {
            i += 1;
        }
        let g = Group {
            start: gs,
            end: i,
            sep,
        };
        ring[n % RING] = g;
        n += 1;
        // Is there another group? A single separator followed by a digit.
        let more = i + 1 < len && matches!(text[i], b' ' | b'-') && is_digit(text[i + 1]);
        let after_ok = more || after_ok(text, i);
        evaluate(text, &ring, n, before_ok, after_ok, f);
        if !more {
            return i;
        }
        sep = text[i];
        i += 1;
    }
}

fn after_ok(text: &[u8], end: usize) -> bool {
    let len = text.len();
    if end >= len {
        return true;
    }
    let c = text[end];
    if is_word(c) {
        return false;
    }
    if matches!(c, b'.' | b'-') && end + 1 < len && text[end + 1].is_ascii_alphanumeric() {
        return false;
    }
    true
}

/// Checks the windows of groups that end with the newest group.
fn evaluate(
    text: &[u8],
    ring: &[Group; RING],
    n: usize,
    before_ok: bool,
    after_ok: bool,
    f: &mut dyn FnMut(usize, usize),
) {
    let newest = ring[(n - 1) % RING];
    // A window that starts at the first group of the sequence needs the
    // sequence's left context to be clean; later windows start after a separator.
    let left_ok = |first_index: usize| first_index > 0 || before_ok;
    if !after_ok {
        return;
    }
    // Single group, no separators.
    let glen = newest.end - newest.start;
    if (13..=19).contains(&glen) && left_ok(n - 1) && is_card(&text[newest.start..newest.end]) {
        f(newest.start, newest.end);
        return;
    }
    // Grouped forms: windows of 3..=5 groups ending at the newest one. Every
    // layout ends with a group of 1..=5 digits, which rejects most sequences.
    if glen > 5 || n < 3 {
        return;
    }
    let len_back = |k: usize| {
        let g = ring[(n - 1 - k) % RING];
        g.end - g.start
    };
    for size in 3..=5 {
        let shape = match size {
            3 => len_back(1) == 6 && len_back(2) == 4 && (glen == 4 || glen == 5),
            4 => n >= 4 && (1..=3).all(|k| len_back(k) == 4) && glen <= 4,
            _ => n >= 5 && (1..=4).all(|k| len_back(k) == 4) && glen <= 3,
        };
        let first = n.saturating_sub(size);
        if !shape || !left_ok(first) {
            continue;
        }
        let mut digits = [0u8; 19];
        let mut dn = 0;
        let mut same_sep = true;
        for k in 0..size {
            let g = ring[(first + k) % RING];
            same_sep &= k == 0 || g.sep == newest.sep;
            for &c in &text[g.start..g.end] {
                if dn < digits.len() {
                    digits[dn] = c;
                    dn += 1;
                }
            }
        }
        if same_sep && is_card(&digits[..dn]) {
            f(ring[first % RING].start, newest.end);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        let mut v = Vec::new();
        scan(text.as_bytes(), true, None, &mut |s, e| v.push(&text[s..e]));
        v
    }

    #[test]
    fn luhn_positive_and_negative() {
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"5555555555554444"));
        assert!(luhn(b"378282246310005"));
        assert!(!luhn(b"4111111111111112"));
        assert!(!luhn(b"1234567812345678"));
        assert!(!luhn(b"12a4"));
    }

    #[test]
    fn finds_plain_and_grouped_cards() {
        assert_eq!(found("card 4111111111111111 ok"), vec!["4111111111111111"]);
        assert_eq!(found("4111 1111 1111 1111"), vec!["4111 1111 1111 1111"]);
        assert_eq!(
            found("pan=4111-1111-1111-1111;"),
            vec!["4111-1111-1111-1111"]
        );
        assert_eq!(found("amex 3782 822463 10005."), vec!["3782 822463 10005"]);
        assert_eq!(
            found("{\"pan\":5555555555554444}"),
            vec!["5555555555554444"]
        );
        assert_eq!(
            found("/cards/6011111111111117/charge"),
            vec!["6011111111111117"]
        );
        assert_eq!(
            found("at 1700000000 4111 1111 1111 1111 2024"),
            vec!["4111 1111 1111 1111"]
        );
        // 19-digit grouped.
        assert_eq!(
            found("4000 0000 0000 0000 006"),
            vec!["4000 0000 0000 0000 006"]
        );
    }

    #[test]
    fn luhn_and_shape_negatives_survive() {
        for t in [
            "4111111111111112",                                         // Luhn fails
            "1700000000000 epoch ms",                                   // prefix 1
            "12345678901234567890123456789012345678901234567890123456", // event id
            "41111111111111111111",                                     // 20 digits: longer run
            "x4111111111111111",                                        // part of an identifier
            "eni-4111111111111111",                                     // id with dash
            "order_4111111111111111",                                   // id with underscore
            "0.4111111111111111",                                       // decimal fraction
            "4111111111111111.25",                                      // decimal number
            "4111111111111111abc",                                      // followed by letters
            "2 123456789012 eni-0a1b2c3d 10.0.1.5 10.0.2.9 443 49152 6 10 840 1600000000 1600000060 ACCEPT OK",
            "2024-01-01T00:00:00.000Z",
            "411 1111 1111 1111",     // wrong grouping
            "4111  1111  1111  1111", // double separators
            "4111 1111-1111 1111",    // mixed separators
            "7111111111111114",       // prefix 7
        ] {
            assert!(found(t).is_empty(), "{t}: {:?}", found(t));
        }
    }

    #[test]
    fn simd_and_swar_masks_agree() {
        let mut x = 0x1234_5678_9abc_def0u64;
        for _ in 0..2000 {
            let mut block = [0u8; 64];
            for b in block.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = match x % 4 {
                    0 => b'0' + (x >> 8) as u8 % 10,
                    1 => b" -/:9@"[((x >> 8) % 6) as usize],
                    _ => (x >> 16) as u8,
                };
            }
            assert_eq!(masks(&block), masks_swar(&block));
        }
    }

    #[test]
    fn long_inputs_and_window_edges() {
        for off in 0..80 {
            let text = format!("{}4111111111111111{}", "a ".repeat(off), " z".repeat(40));
            assert_eq!(found(&text), vec!["4111111111111111"], "offset {off}");
        }
        let digits = "9".repeat(10_000);
        assert!(found(&digits).is_empty());
        let spaced = "1234 ".repeat(5000);
        assert!(found(&spaced).is_empty());
    }
}
