//! Property tests of the masker: masking is idempotent, a value masked once
//! is masked everywhere in the document, and ordinary ASCII text without
//! credential words, vendor prefixes or long random tokens comes back
//! unchanged.

use logship::mask::{MaskConfig, Masker};
use proptest::prelude::*;

fn masker() -> Masker {
    Masker::new(&MaskConfig::default()).expect("default config")
}

/// Words that cannot trigger any rule.
const WORDS: &[&str] = &[
    "order",
    "created",
    "for",
    "customer",
    "items",
    "shipped",
    "retry",
    "after",
    "ms",
    "GET",
    "POST",
    "/api/v1/orders",
    "status",
    "200",
    "404",
    "user",
    "alice",
    "bob",
    "region",
    "us-east-1",
    "duration",
    "12.5",
    "cache",
    "hit",
    "miss",
    "queue",
    "depth",
    "worker",
    "started",
    "stopped",
    "job",
    "done",
    "level=info",
    "count=3",
    "ok",
    "error",
    "timeout",
    "2026-11-27T10:00:00Z",
    "v1.2.3",
    "host=db.internal",
    "latency_ms=42",
];

fn plain_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 1..30).prop_map(|w| w.join(" "))
}

fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{30}".prop_filter("mixed classes", |s| {
        s.bytes().any(|c| c.is_ascii_digit())
            && s.bytes().any(|c| c.is_ascii_uppercase())
            && s.bytes().any(|c| c.is_ascii_lowercase())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ordinary_text_is_unchanged(text in plain_text()) {
        let m = masker();
        let mut n = 0;
        let out = m.mask_text(&text, &mut n);
        prop_assert_eq!(out.as_ref(), text.as_str());
        prop_assert_eq!(n, 0);
    }

    #[test]
    fn masking_is_idempotent(pre in plain_text(), s in secret(), post in plain_text(), form in 0usize..5) {
        let m = masker();
        let text = match form {
            0 => format!("{pre} password={s} {post}"),
            1 => format!("{pre} ghp_{s}123456 {post}"),
            2 => format!("{{\"msg\":\"{pre}\",\"api_key\":\"{s}\",\"note\":\"{post}\"}}"),
            3 => format!("{pre} token - '{s}' | '{s}' {post}"),
            _ => format!("{pre} glpat-{} {post}", &s[..20]),
        };
        let mut n = 0;
        let once = m.mask_text(&text, &mut n).into_owned();
        let mut n2 = 0;
        let twice = m.mask_text(&once, &mut n2);
        prop_assert_eq!(twice.as_ref(), once.as_str());
        prop_assert_eq!(n2, 0);
    }

    #[test]
    fn a_value_masked_once_is_masked_everywhere(pre in plain_text(), s in secret(), post in plain_text()) {
        let m = masker();
        // The second copy stands where no rule would find it on its own.
        let text = format!("{pre} client_secret={s} {post} echo {s} done");
        let mut n = 0;
        let out = m.mask_text(&text, &mut n);
        prop_assert!(!out.contains(&s), "{}", out);
        // Across the message and its parsed fields, at any depth.
        let raw = format!("{{\"auth\":{{\"password\":\"{s}\"}},\"log\":[\"{pre} {s}\"]}}");
        let mut v: serde_json::Value = serde_json::from_str(&raw).expect("json");
        let t = m.mask_message(&raw, Some(&mut v), &mut n);
        prop_assert!(!t.contains(&s), "{}", t);
        prop_assert!(!v.to_string().contains(&s), "{}", v);
    }
}
