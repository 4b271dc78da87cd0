//! Masking of parsed JSON trees. Walks objects and arrays at any depth:
//! a value under a credential key is replaced as a whole (see
//! [`super::keys::KeyClass`] for exactly which keys and value types), every
//! other string leaf goes through the text rules (which also understand JSON
//! nested inside the string, escaped or not, and keep its formatting), integer
//! leaves are checked for card numbers, and object keys that themselves
//! contain a secret are renamed. Null and booleans are never masked.
//! Kubernetes Secret objects have every `data`/`stringData` value masked, a
//! Docker config `auth` value is masked when it is base64 of `user:password`,
//! and [`scrub`] masks every other occurrence of a value already masked.

use std::borrow::Cow;

use serde_json::Value;

use super::card;
use super::config::MaskCounts;
use super::keys::{Flavor, KeyClass};
use super::random::is_placeholder;
use super::rules;
use super::syntax::scheme_len;
use super::{Masker, Rule, Seen};

/// Decimal digits of `n` into `buf`; returns the used tail.
fn digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    &buf[i..]
}

pub(crate) fn walk(m: &Masker, v: &mut Value, count: &mut MaskCounts, seen: &mut Seen) {
    match v {
        Value::String(s) => {
            if m.short_and_clean(s) {
                return;
            }
            if let Cow::Owned(n) = m.mask_text_inner(s, count, Some(seen)) {
                *s = n;
            }
        }
        Value::Number(n) => {
            if m.has(Rule::CardNumber)
                && let Some(u) = n.as_u64()
                && u >= 1_000_000_000_000
            {
                let mut buf = [0u8; 20];
                let d = digits(u, &mut buf);
                if card::is_card(d) {
                    *v = Value::String(m.rep.token(d));
                    count.add(Rule::CardNumber, 1);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(m, item, count, seen);
            }
        }
        Value::Object(map) => {
            let mut renames: Vec<(String, String)> = Vec::new();
            let k8s_secret = m.has(Rule::ConfigSecret)
                && map.get("kind").and_then(Value::as_str) == Some("Secret");
            for (k, val) in map.iter_mut() {
                if k8s_secret && (k == "data" || k == "stringData") {
                    if let Value::Object(data) = val {
                        for item in data.values_mut() {
                            mask_whole(m, item, Flavor::Plain, Rule::ConfigSecret, count, seen);
                        }
                    }
                    continue;
                }
                // Keys are scanned by the shape rules only when long enough to
                // hold a token or card number (>= 13 bytes); short keys such as
                // `user` or `status` cannot.
                if k.len() >= 13
                    && let Cow::Owned(nk) = m.mask_text_inner(k, count, None)
                {
                    renames.push((k.clone(), nk));
                }
                let sk = Rule::SensitiveKey;
                match m.classify_key(k.as_bytes()) {
                    KeyClass::Strong(flavor) => mask_whole(m, val, flavor, sk, count, seen),
                    KeyClass::Plural => match val {
                        Value::String(_) | Value::Array(_) | Value::Object(_) => {
                            mask_whole(m, val, Flavor::Plain, sk, count, seen)
                        }
                        _ => walk(m, val, count, seen),
                    },
                    // Datadog's decimal trace and span ids are not cards.
                    KeyClass::None
                        if matches!(val, Value::Number(n) if n.as_u64().is_some_and(|u| u >= 1_000_000_000_000))
                            && card::is_trace_id_key(k.as_bytes()) => {}
                    KeyClass::None => {
                        let aws = m.has(Rule::AwsSecretKey)
                            && matches!(val, Value::String(s) if rules::is_aws_secret_value(s.as_bytes()))
                            && super::keys::is_aws_secret_name(k.as_bytes());
                        let docker = m.has(Rule::ConfigSecret)
                            && k.eq_ignore_ascii_case("auth")
                            && matches!(val, Value::String(s) if rules::is_basic_credential(s.as_bytes()));
                        if aws {
                            mask_whole(m, val, Flavor::Plain, Rule::AwsSecretKey, count, seen);
                        } else if docker {
                            mask_whole(m, val, Flavor::Plain, Rule::ConfigSecret, count, seen);
                        } else {
                            walk(m, val, count, seen);
                        }
                    }
                }
            }
            for (old, new) in renames {
                if let Some(val) = map.remove(&old) {
                    map.insert(new, val);
                }
            }
        }
        Value::Null | Value::Bool(_) => {}
    }
}

/// Replaces a credential value as a whole.
fn mask_whole(
    m: &Masker,
    v: &mut Value,
    flavor: Flavor,
    rule: Rule,
    count: &mut MaskCounts,
    seen: &mut Seen,
) {
    let replacement = match v {
        Value::Null | Value::Bool(_) => return,
        Value::String(s) => {
            if s.is_empty() || m.rep.is_marker(s.as_bytes()) || is_placeholder(s.as_bytes()) {
                return;
            }
            if flavor == Flavor::Auth
                && let Some(off) = scheme_len(s.as_bytes())
                && s.is_char_boundary(off)
            {
                let (scheme, cred) = s.split_at(off);
                if m.rep.is_marker(cred.as_bytes()) {
                    return;
                }
                if super::tokens::propagatable(m, cred.as_bytes()) {
                    seen.add(cred.as_bytes(), rule.index() as u8);
                }
                let mut out = scheme.to_string();
                out.push_str(&m.rep.token(cred.as_bytes()));
                out
            } else {
                if super::tokens::propagatable(m, s.as_bytes()) {
                    seen.add(s.as_bytes(), rule.index() as u8);
                }
                m.rep.token(s.as_bytes())
            }
        }
        Value::Number(n) => m.rep.token(n.to_string().as_bytes()),
        Value::Array(a) if a.is_empty() => return,
        Value::Object(o) if o.is_empty() => return,
        Value::Array(_) | Value::Object(_) => {
            if m.rep.needs_input() {
                m.rep.token(v.to_string().as_bytes())
            } else {
                m.rep.token(b"")
            }
        }
    };
    *v = Value::String(replacement);
    count.add(rule, 1);
}

/// Masks, in every string leaf of `v`, each occurrence of a value in `seen`.
pub(crate) fn scrub(m: &Masker, v: &mut Value, seen: &Seen, count: &mut MaskCounts) {
    match v {
        Value::String(s) => {
            if let Some(n) = scrub_str(m, s, seen, count) {
                *s = n;
            }
        }
        Value::Array(items) => {
            for item in items {
                scrub(m, item, seen, count);
            }
        }
        Value::Object(map) => {
            // A masked value used as an object key (`{"m":{"<PW>":1}}`) is
            // masked there too.
            let mut renames: Vec<(String, String)> = Vec::new();
            for (k, val) in map.iter_mut() {
                if let Some(nk) = scrub_str(m, k, seen, count) {
                    renames.push((k.clone(), nk));
                }
                scrub(m, val, seen, count);
            }
            for (old, new) in renames {
                if let Some(val) = map.remove(&old) {
                    map.insert(new, val);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// `s` with every occurrence of a value in `seen` masked, or `None` when
/// there is none.
pub(crate) fn scrub_str(
    m: &Masker,
    s: &str,
    seen: &Seen,
    count: &mut MaskCounts,
) -> Option<String> {
    let mut out: Option<String> = None;
    for (val, slot) in seen.iter() {
        let cur = out.as_deref().unwrap_or(s);
        let Ok(needle) = std::str::from_utf8(val) else {
            continue;
        };
        if !cur.contains(needle) {
            continue;
        }
        let token = m.rep.token(val);
        let n = cur.matches(needle).count() as u64;
        let next = cur.replace(needle, &token);
        count.add_slot(slot, n);
        out = Some(next);
    }
    out
}
