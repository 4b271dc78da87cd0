//! JSON output without a serializer in the way: a string literal and a
//! `serde_json::Value`, byte for byte what serde_json writes, on the hot path
//! of every document and index name.

use serde_json::Value;

/// Writes a JSON string literal, byte for byte what serde_json writes.
///
/// Hot: every document writes its message through here. Sixteen bytes at a
/// time are tested for anything needing an escape (`"`, `\\`, control
/// characters) with exact per-byte masks, so a clean run costs a few
/// instructions per eight bytes and each escape is found without a byte loop;
/// clean runs are copied whole. On x86-64, a string of sixteen bytes or more
/// is tested with SSE2 (part of the x86-64 baseline, no run-time detection),
/// sixteen bytes in a handful of instructions; elsewhere (Graviton) the
/// portable words do the same.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    let len = bytes.len();
    out.reserve(len + 2);
    out.push(b'"');
    let mut start = 0;
    let mut at = 0;
    #[cfg(target_arch = "x86_64")]
    if len >= 16 {
        // SAFETY: SSE2 is part of the x86_64 baseline; every x86_64 CPU has it,
        // so calling a function that requires it is always sound here.
        unsafe { sse2::escape_all(bytes, &mut start, out) };
        at = len;
    }
    while at + 16 <= len {
        escape_word(bytes, at, 0, &mut start, out);
        escape_word(bytes, at + 8, 0, &mut start, out);
        at += 16;
    }
    // The tail is read as whole words that overlap what was already done
    // (skipping those bytes), never copied out byte by byte.
    if at < len {
        if len >= 16 {
            let base = len - 16;
            let skip = at - base;
            escape_word(bytes, base, skip, &mut start, out);
            escape_word(bytes, base + 8, skip.saturating_sub(8), &mut start, out);
        } else if len >= 8 {
            escape_word(bytes, 0, 0, &mut start, out);
            escape_word(bytes, len - 8, 16 - len, &mut start, out);
        } else {
            for (j, &b) in bytes.iter().enumerate() {
                if b < 0x20 || b == b'"' || b == b'\\' {
                    escape_at(bytes, &mut start, j, out);
                }
            }
        }
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// SSE2 scanning: sixteen bytes compared at once, one mask bit per byte.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x,
        _mm_set1_epi8,
    };

    use super::{escape_at, word};

    /// Escapes all of `bytes` (at least sixteen long): whole blocks, then the
    /// last sixteen bytes read again, skipping those already done.
    #[target_feature(enable = "sse2")]
    pub(super) fn escape_all(bytes: &[u8], start: &mut usize, out: &mut Vec<u8>) {
        let len = bytes.len();
        let mut at = 0;
        while at + 16 <= len {
            let m = escapes16(bytes, at);
            if m != 0 {
                escape_mask(bytes, at, m, start, out);
            }
            at += 16;
        }
        if at < len {
            let base = len - 16;
            let m = escapes16(bytes, base) & (u32::MAX << (at - base));
            if m != 0 {
                escape_mask(bytes, base, m, start, out);
            }
        }
    }

    #[inline(never)]
    fn escape_mask(bytes: &[u8], base: usize, mut m: u32, start: &mut usize, out: &mut Vec<u8>) {
        while m != 0 {
            escape_at(bytes, start, base + m.trailing_zeros() as usize, out);
            m &= m - 1;
        }
    }

    /// Bit `i` set when `bytes[base + i]` needs an escape (0 past the end).
    #[target_feature(enable = "sse2")]
    #[inline]
    fn escapes16(bytes: &[u8], base: usize) -> u32 {
        let (Some(lo), Some(hi)) = (bytes.get(base..base + 8), bytes.get(base + 8..base + 16))
        else {
            return 0;
        };
        let v: __m128i = _mm_set_epi64x(word(hi) as i64, word(lo) as i64);
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        // Unsigned min: equal to the byte itself exactly when it is below 0x20.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
        (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32) & 0xffff
    }
}

/// Escapes whatever needs it in `bytes[base..base + 8]`, but for its first
/// `skip` bytes (already done).
#[inline(always)]
fn escape_word(bytes: &[u8], base: usize, skip: usize, start: &mut usize, out: &mut Vec<u8>) {
    let Some(eight) = bytes.get(base..base + 8) else {
        return;
    };
    if skip >= 8 {
        return;
    }
    let mut m = escapes(word(eight)) & (u64::MAX << (8 * skip));
    while m != 0 {
        let j = base + (m.trailing_zeros() / 8) as usize;
        escape_at(bytes, start, j, out);
        m &= m - 1;
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HI: u64 = 0x8080_8080_8080_8080;

#[inline(always)]
fn word(eight: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(eight);
    u64::from_le_bytes(w)
}

/// The high bit of each byte of `w` that needs an escape. Exact per byte: no
/// carry crosses a byte, so every set bit is a real escape.
#[inline(always)]
fn escapes(w: u64) -> u64 {
    let eq = |c: u8| {
        let y = w ^ (ONES * u64::from(c));
        !(((y & LO7) + LO7) | y) & HI
    };
    // (b & 0x7f) + 0x60 reaches 0x80 exactly when b & 0x7f >= 0x20; `| w` keeps bytes >= 0x80 out.
    let control = !(((w & LO7) + ONES * 0x60) | w) & HI;
    eq(b'"') | eq(b'\\') | control
}

/// Copies the clean run before `j`, then the escape of the byte at `j`.
#[inline(always)]
fn escape_at(bytes: &[u8], start: &mut usize, j: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(bytes.get(*start..j).unwrap_or_default());
    let b = bytes.get(j).copied().unwrap_or_default();
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        }
    }
    *start = j + 1;
}

/// Writes a JSON value, byte for byte what serde_json writes, with strings
/// through [`write_str`].
pub fn write_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(k, out);
                out.push(b':');
                write_value(item, out);
            }
            out.push(b'}');
        }
        // Writing a scalar into a Vec cannot fail.
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_str_matches_serde_json() {
        let mut cases: Vec<String> = vec![
            String::new(),
            "plain ascii text that is long enough for words".into(),
            "tab\there \"quoted\" back\\slash\nnew\r\u{1}\u{8}\u{c}\u{1f}\u{7f} é 日本 🎉".into(),
        ];
        // Every ASCII character and a few wider ones at every offset of four
        // 16-byte blocks, alone and next to a second escape.
        let specials = (0u8..0x80)
            .map(char::from)
            .chain(['é', '日', '🎉', '\u{7ff}']);
        for special in specials {
            for at in 0..72 {
                let mut t: String = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                    .chars()
                    .cycle()
                    .take(at)
                    .collect();
                t.push(special);
                cases.push(t.clone());
                t.push_str("xyz0123456789");
                cases.push(t.clone());
                t.push('"');
                t.push(special);
                cases.push(t);
            }
        }
        for case in cases {
            let mut ours = Vec::new();
            write_str(&case, &mut ours);
            let theirs = serde_json::to_vec(&case).expect("json");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{case:?}"
            );
        }
    }

    #[test]
    fn write_value_matches_serde_json() {
        let v: Value = serde_json::from_str(
            r#"{"a":[1,-2,3.5,1e300,true,false,null,"x\"y\n"],"b":{"c\t":{},"d":[]},"e":"é\u0001","f":18446744073709551615}"#,
        )
        .expect("json");
        let mut ours = Vec::new();
        write_value(&v, &mut ours);
        assert_eq!(ours, serde_json::to_vec(&v).expect("json"));
    }
}
