//! Property tests of the masker's fast paths: each shortcut must give exactly
//! what the full scan gives. Inputs are drawn from alphabets heavy in
//! trigger letters, digits and delimiters, so the full scan has every chance
//! to find something the shortcut would miss.

use proptest::prelude::*;

use super::*;

/// The default masker and one with the opt-in rules, built once.
fn maskers() -> &'static [Masker] {
    static MASKERS: std::sync::OnceLock<Vec<Masker>> = std::sync::OnceLock::new();
    MASKERS.get_or_init(|| {
        let opt = MaskConfig {
            enabled_opt_in: vec![Rule::Email, Rule::Ip],
            ..MaskConfig::default()
        };
        vec![
            Masker::new(&MaskConfig::default()).expect("default config"),
            Masker::new(&opt).expect("opt-in config"),
        ]
    })
}

/// Spans the full scan finds in `s`.
fn full_scan(m: &Masker, s: &str) -> usize {
    let mut spans = Vec::new();
    text::collect(m, s, &mut spans);
    spans.len()
}

/// A 36-byte 8-4-4-4-12 string of hex digits, mostly decimal digits (the
/// card scan's material), in either case.
fn uuid_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(b"0123456789012345678901234567890123456789abcdefABCDEF".to_vec()),
        32,
    )
    .prop_map(|h| {
        let mut s = String::with_capacity(36);
        for (i, c) in h.into_iter().enumerate() {
            if matches!(i, 8 | 12 | 16 | 20) {
                s.push('-');
            }
            s.push(char::from(c));
        }
        s
    })
}

/// A Lambda runtime START, END or REPORT line with random ids and numbers
/// (up to the longest the shortcut accepts).
fn platform_line() -> impl Strategy<Value = String> {
    let num = "[0-9]{1,8}(\\.[0-9]{1,3})?";
    (
        0..3u8,
        uuid_like(),
        "\\$LATEST|[0-9]{1,6}",
        num,
        "[0-9]{1,8}",
        "[0-9]{1,8}",
        "[0-9]{1,8}",
        prop::option::of(num),
        prop::bool::ANY,
    )
        .prop_map(|(kind, id, version, d, billed, size, used, init, lf)| {
            let mut s = match kind {
                0 => format!("START RequestId: {id} Version: {version}"),
                1 => format!("END RequestId: {id}"),
                _ => {
                    let init = init.map_or(String::new(), |i| format!("Init Duration: {i} ms\t"));
                    format!(
                        "REPORT RequestId: {id}\tDuration: {d} ms\tBilled Duration: {billed} ms\tMemory Size: {size} MB\tMax Memory Used: {used} MB\t{init}"
                    )
                }
            };
            if lf {
                s.push('\n');
            }
            s
        })
}

/// A Lambda application line: the runtime's prefix (random time, request
/// id and level) and a message that starts with a value, a key or a number
/// and is heavy in trigger words, key syntaxes and token characters.
fn app_line() -> impl Strategy<Value = (String, String)> {
    (
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z",
        uuid_like(),
        prop::sample::select(platform::LEVELS.to_vec()),
        "([A-Za-z0-9+/=_.-]{8,44}|4[0-9]{12,18}|[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{4}|AKIA[A-Z0-9]{16}|eyJ[A-Za-z0-9]{10,20}\\.[A-Za-z0-9]{10,20}\\.[A-Za-z0-9]{10,20}|xoxb-[0-9]{12}-[A-Za-z0-9]{24}|password|token|secret|key|api_key|Bearer|Basic|-u|sig|://|[ =:\"'\t,-]){1,8}",
    )
        .prop_map(|(ts, id, level, msg)| {
            let level = String::from_utf8_lossy(level).into_owned();
            (format!("{ts}\t{id}\t{level}\t{msg}"), msg)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Scanning an application line from after the runtime's prefix finds
    /// exactly what scanning it all finds.
    #[test]
    fn app_line_scanned_after_its_prefix_as_in_full((line, msg) in app_line()) {
        let from = platform::app_prefix_len(line.as_bytes());
        prop_assert_eq!(from, Some(line.len() - msg.len()));
        for m in maskers() {
            let mut spans = Vec::new();
            text::collect(m, &line, &mut spans);
            let mut whole = Vec::new();
            text::collect_from(m, &line, 0, &mut whole);
            let key = |v: &mut Vec<replace::Span>| {
                let mut k: Vec<(usize, usize, u8, Option<u8>)> =
                    v.iter().map(|s| (s.start, s.end, s.rule, s.quote_bs)).collect();
                k.sort_unstable();
                k
            };
            prop_assert_eq!(key(&mut spans), key(&mut whole), "{:?}", line);
        }
    }

    #[test]
    fn platform_lines_skipped_only_when_the_scan_finds_nothing(s in platform_line()) {
        for m in maskers() {
            prop_assert!(m.nothing_to_find(&s), "{:?}", s);
            prop_assert_eq!(full_scan(m, &s), 0, "{:?}", s);
        }
    }

    /// A platform line with something spliced in: skipped only when the
    /// full scan finds nothing either.
    #[test]
    fn altered_platform_lines_are_scanned(
        s in platform_line(),
        at in 0usize..200,
        ins in "[ =:\t]?(password=[A-Za-z0-9]{8,20}|4111111111111111|AKIA[A-Z0-9]{16}|[0-9]{9,20}|token [a-zA-Z0-9]{20}|x)",
    ) {
        let mut t = s.clone();
        let mut at = at.min(t.len());
        while !t.is_char_boundary(at) {
            at -= 1;
        }
        t.insert_str(at, &ins);
        for m in maskers() {
            if m.nothing_to_find(&t) {
                prop_assert_eq!(full_scan(m, &t), 0, "{:?}", t);
            }
        }
    }

    #[test]
    fn short_strings_skipped_only_when_the_scan_finds_nothing(
        s in "[a-zA-Z0-9_./@#%+~!?$&*()\\[\\]{}|-]{5,12}|(pwd|eyJ|xox|sig|AKIA|ghp_|4111|pass|auth|token){1,3}[a-z0-9_.-]{0,3}"
    ) {
        for m in maskers() {
            if m.nothing_to_find(&s) {
                prop_assert_eq!(full_scan(m, &s), 0, "{:?}", s);
            }
        }
    }

    #[test]
    fn bare_uuids_skipped_only_when_the_scan_finds_nothing(s in uuid_like()) {
        for m in maskers() {
            prop_assert!(m.nothing_to_find(&s));
            prop_assert_eq!(full_scan(m, &s), 0, "{:?}", s);
        }
    }
}

#[test]
fn uuid_shortcut_is_off_with_extra_rules() {
    let extra = MaskConfig {
        extra_keys: vec!["cafe".into()],
        ..MaskConfig::default()
    };
    let m = Masker::new(&extra).expect("config");
    assert!(!m.nothing_to_find("3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c"));
    assert!(!m.nothing_to_find("END RequestId: 3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c\n"));
    assert!(
        Masker::new(&MaskConfig::default())
            .expect("config")
            .nothing_to_find("END RequestId: 3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c\n")
    );
    let pat = MaskConfig {
        extra_patterns: vec![("uuid_rule".into(), "[0-9a-f-]{36}".into())],
        ..MaskConfig::default()
    };
    let m = Masker::new(&pat).expect("config");
    assert!(!m.nothing_to_find("3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c"));
    let mut n = 0;
    assert_ne!(
        m.mask_text("3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c", &mut n),
        "3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c"
    );
}

fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Starts of the maximal runs of 16 or more token bytes, the slow way.
fn naive_runs(b: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !is_token_byte(b[i]) {
            i += 1;
            continue;
        }
        let s = i;
        while i < b.len() && is_token_byte(b[i]) {
            i += 1;
        }
        if i - s >= card::RUN_MIN {
            out.push(s);
        }
    }
    out
}

/// Text made of token runs of any length between single delimiters, so
/// runs start and end at every offset of the 64-byte blocks.
fn runs_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (1usize..90, prop::sample::select(b" .:/=\"\xc3".to_vec())),
        0..20,
    )
    .prop_map(|parts| {
        let mut v = Vec::new();
        for (i, (len, delim)) in parts.into_iter().enumerate() {
            v.extend((0..len).map(|k| b"aZ9_-x0Q"[(i + k) % 8]));
            v.push(delim);
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn token_run_scan_reports_every_run_once_with_a_true_hint(b in runs_text()) {
        let mut seen = Vec::new();
        let mut hints_ok = true;
        let mut g = |st: usize, known_end: usize| {
            hints_ok &= st < known_end
                && known_end <= b.len()
                && b[st..known_end].iter().all(|&c| is_token_byte(c));
            seen.push(st);
            let mut e = st;
            while e < b.len() && is_token_byte(b[e]) {
                e += 1;
            }
            e
        };
        card::scan(&b, false, Some(&mut g), &mut |_, _| {});
        prop_assert!(hints_ok);
        prop_assert_eq!(seen, naive_runs(&b));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn credential_word_test_agrees_with_the_plain_search(
        key in "([kKsStTpPaAcCbBjJhH]|key|KEY|sec|ret|tok|en|pas|s|pw|d|au|th|cr|ed|ap|i|ac|ce|ss|ig|se|ion|co|ok|ie|be|ar|er|pr|iv|at|e|jw|t|hm|ac|sa|lt|[a-z0-9_.\\-]|\u{e9}){0,24}"
    ) {
        let k = key.as_bytes();
        prop_assert_eq!(keyword::has_cred_word(k), keyword::has_cred_word_slow(k), "{:?}", key);
    }
}

#[test]
fn credential_words_are_three_lower_case_letters_or_more() {
    // The pair table of `has_cred_word` relies on it.
    for w in keyword::CRED_WORDS {
        assert!(
            w.len() >= 3 && w.iter().all(u8::is_ascii_lowercase),
            "{w:?}"
        );
    }
    for key in [
        "X-Api-Key",
        "SESSION_ID",
        "dbPass",
        "tokens_used",
        "hmac",
        "Jwt",
        "salt",
    ] {
        assert!(keyword::has_cred_word(key.as_bytes()), "{key}");
    }
    for key in ["requestId", "xray_trace_id", "40.123Z", "ke", "", "deploy"] {
        assert!(!keyword::has_cred_word(key.as_bytes()), "{key}");
    }
}
