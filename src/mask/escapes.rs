//! Backslash escapes, as JSON text and log lines carry them. A secret may sit
//! right after one (`"failed\nghp_..."`, `password\t= ...`), where the
//! escape's letter would glue onto it for a scan of the raw bytes: the text
//! rules scan an [opened](opened) view instead, of the same length, so what
//! they find is masked at the same place in the text itself. A `\uXXXX`
//! escape can spell a key word or a value (`"pass\u0077ord"`): JSON text
//! holding one is scanned [decoded](decode_escapes).

/// `text` with every `\n`, `\t`, `\r` escape, every `\u0009`, `\u000a`,
/// `\u000d` and `\u0020`, and the other C escapes (`\b`, `\f`, `\v`, `\a`,
/// `\e`, `\0`, `\xHH`) replaced by spaces and the character it stands for (a
/// space for the others): the same length, lines and tabs where the escapes
/// stood. None when there is no such escape. The
/// whole run of backslashes before the letter goes: `\\n` in JSON text is a
/// `\n` in the value (and a line break in JSON nested in it), which is
/// opened when the value is masked, so the line must be read the same way.
#[cfg(test)]
pub(crate) fn opened(text: &str) -> Option<String> {
    opened_and_u(text).0
}

/// [`opened`], and whether the text holds a `\u` escape at all (which may
/// spell a key word: `pass\u0077ord`), found in the same walk over its
/// backslashes.
pub(crate) fn opened_and_u(text: &str) -> (Option<String>, bool) {
    let b = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut has_u = false;
    let mut i = 0usize;
    while let Some(off) = b.get(i..).and_then(|r| memchr::memchr(b'\\', r)) {
        let start = i + off;
        let mut end = start;
        while b.get(end) == Some(&b'\\') {
            end += 1;
        }
        let (c, len) = match b.get(end) {
            Some(b'n') => (b'\n', 1),
            Some(b't') => (b'\t', 1),
            Some(b'r') => (b'\r', 1),
            Some(b'b' | b'f' | b'v' | b'a' | b'e' | b'0') => (b' ', 1),
            Some(b'x')
                if b.get(end + 1..end + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
            {
                (b' ', 3)
            }
            Some(b'u') => match b.get(end + 1..end + 5).inspect(|_| has_u = true) {
                Some(b"0009") => (b'\t', 5),
                Some(b"000a" | b"000A") => (b'\n', 5),
                Some(b"000d" | b"000D") => (b'\r', 5),
                Some(b"0020") => (b' ', 5),
                _ => (0, 0),
            },
            _ => (0, 0),
        };
        if len > 0 {
            let o = out.get_or_insert_with(|| b.to_vec());
            let last = end + len - 1;
            if let Some(escape) = o.get_mut(start..=last) {
                escape.fill(b' ');
            }
            if let Some(x) = o.get_mut(last) {
                *x = c;
            }
        }
        i = end + len.max(1);
    }
    // Only ASCII bytes were replaced by ASCII bytes: still UTF-8.
    (out.and_then(|o| String::from_utf8(o).ok()), has_u)
}

/// `raw` with each `\uXXXX` escape of a printable ASCII
/// character other than `"` and `\` decoded, or `None` when there is none.
/// Escaped backslashes (`\\u0077`) are left alone, so the result is the
/// same JSON.
pub(crate) fn decode_escapes(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out: Vec<u8> = Vec::new();
    let mut copied = 0usize;
    let mut any = false;
    let mut i = 0usize;
    while let Some(off) = b.get(i..).and_then(|r| memchr::memchr(b'\\', r)) {
        let p = i + off;
        let (ch, len) = match b.get(p + 1) {
            Some(b'u') => {
                let code = b
                    .get(p + 2..p + 6)
                    .and_then(|h| h.iter().try_fold(0u32, |acc, &c| Some(acc * 16 + hex(c)?)));
                match code {
                    Some(c) if (0x20..0x7f).contains(&c) && c != 0x22 && c != 0x5c => {
                        (u8::try_from(c).ok(), 6)
                    }
                    _ => (None, 2),
                }
            }
            _ => (None, 2),
        };
        if let Some(c) = ch {
            out.extend_from_slice(b.get(copied..p)?);
            out.push(c);
            copied = p + len;
            any = true;
        }
        i = p + len;
    }
    if !any {
        return None;
    }
    out.extend_from_slice(b.get(copied..)?);
    String::from_utf8(out).ok()
}

/// Whether JSON text contains a `\u` or `\/` escape.
pub(crate) fn hides_triggers(raw: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', raw).any(|i| matches!(raw.get(i + 1), Some(b'u' | b'/')))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::opened;
    use crate::mask::{MaskConfig, Masker};

    fn masker() -> &'static Masker {
        static MASKER: std::sync::OnceLock<Masker> = std::sync::OnceLock::new();
        MASKER.get_or_init(|| Masker::new(&MaskConfig::default()).expect("default rules"))
    }

    #[test]
    fn only_odd_escapes_of_control_letters_are_opened() {
        assert_eq!(opened("plain"), None);
        assert_eq!(opened(r"a\nb\tc").as_deref(), Some("a \nb \tc"));
        assert_eq!(opened(r"a\rb\bc\fd").as_deref(), Some("a \rb  c  d"));
        // An escaped backslash before the letter: a `\n` in the value, opened too.
        assert_eq!(opened(r"C:\\new").as_deref(), Some("C:  \new"));
        assert_eq!(opened(r"C:\\\new").as_deref(), Some("C:   \new"));
        assert_eq!(
            opened(r"a\u000Ab\\u0009c").as_deref(),
            Some("a     \nb      \tc")
        );
        assert_eq!(opened(r"a\u0041b"), None);
        assert_eq!(opened(r"a\x0ab\0c\vd").as_deref(), Some("a    b  c  d"));
        assert_eq!(opened(r"a\xZZ"), None);
        assert_eq!(opened(r#"quote \" and \u0041 and \/"#), None);
        assert_eq!(opened("ends with \\"), None);
    }

    /// Credentials made from vendors' published formats (not real ones).
    fn secret() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "AKIAQ7ZK3MWR5BV4NX2T",
            "sk_live_Hq4Lrj9Wt1zd7pDc3eC8yKbN",
            "xoxb-40213958812-518273645091-Zq8RkW2mTn5VbX9cLp3HsJ7d",
            "glpat-Vx7Rk2Lq9Zm4Tn8Wb3Hc",
            "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",
            "password\\t= Kq3Wz8Rt5Yp2Lm7N",
        ])
        .prop_map(str::to_owned)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn the_view_keeps_every_position(s in "[a-z\\\\nt\"ru0-9aAdD ]{0,40}") {
            if let Some(view) = opened(&s) {
                prop_assert_eq!(view.len(), s.len());
                for (a, b) in s.bytes().zip(view.bytes()) {
                    prop_assert!(a == b || a.is_ascii_hexdigit() || b"\\ntrbfvaexu".contains(&a));
                }
            }
        }

        /// A secret glued to an escape is masked in text, in a JSON line's
        /// text and in the field parsed from that line, like one after a space.
        #[test]
        fn a_secret_right_after_an_escape_is_masked(
            before in "[a-z]{0,8}( [a-z]{1,8}){0,2}",
            escape in prop::sample::select(vec!["n", "t", "r", "b", "f", "v", "0", "x0a", "u000a"]),
            secret in secret(),
            double in any::<bool>(),
        ) {
            let value = secret.rsplit(' ').next().unwrap_or(&secret).to_owned();
            let m = masker();
            let text = format!("{before}\\{escape}{secret}");
            let masked = m.mask_text(&text, &mut 0);
            prop_assert!(!masked.contains(&value), "{text} -> {masked}");
            // JSON has no `\v`, `\0` or `\x` escape: in a JSON line they are text.
            let json_escape = matches!(escape, "n" | "t" | "r" | "b" | "f" | "u000a");
            let slashes = if double || !json_escape { r"\\" } else { r"\" };
            let line = format!(r#"{{"level":"info","msg":"{before}{slashes}{escape}{secret}","n":1}}"#);
            let mut tree: serde_json::Value = serde_json::from_str(&line).expect("JSON");
            let mut counts = crate::mask::MaskCounts::default();
            let masked = m.mask_message_counted(&line, Some(&mut tree), &mut counts);
            prop_assert!(!masked.contains(&value), "{line} -> {masked}");
            prop_assert!(!tree.to_string().contains(&value), "{tree}");
            prop_assert!(!m.line_is_clean(&line), "{line}");
        }
    }
}
