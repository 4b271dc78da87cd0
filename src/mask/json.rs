//! Masking of parsed JSON trees. Walks objects and arrays at any depth:
//! a value under a credential key is replaced as a whole (see
//! [`super::keys::KeyClass`] for exactly which keys and value types), every
//! other string leaf goes through the text rules (which also understand JSON
//! nested inside the string, escaped or not, and keep its formatting), integer
//! leaves are checked for card numbers, and object keys that themselves
//! contain a secret are renamed. Null and booleans are never masked.

use std::borrow::Cow;

use serde_json::Value;

use super::card;
use super::keys::{Flavor, KeyClass};
use super::rules;
use super::text::scheme_len;
use super::{Masker, Rule};

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

pub(crate) fn walk(m: &Masker, v: &mut Value, count: &mut u64) {
    match v {
        Value::String(s) => {
            if m.short_and_clean(s) {
                return;
            }
            if let Cow::Owned(n) = m.mask_text(s, count) {
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
                    *count += 1;
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(m, item, count);
            }
        }
        Value::Object(map) => {
            let mut renames: Vec<(String, String)> = Vec::new();
            for (k, val) in map.iter_mut() {
                // Keys are scanned by the shape rules only when long enough to
                // hold a token or card number (>= 13 bytes); short keys such as
                // `user` or `status` cannot.
                if k.len() >= 13
                    && let Cow::Owned(nk) = m.mask_text(k, count)
                {
                    renames.push((k.clone(), nk));
                }
                match m.classify_key(k.as_bytes()) {
                    KeyClass::Strong(flavor) => mask_whole(m, val, flavor, count),
                    KeyClass::Plural => match val {
                        Value::String(_) | Value::Array(_) | Value::Object(_) => {
                            mask_whole(m, val, Flavor::Plain, count)
                        }
                        _ => walk(m, val, count),
                    },
                    KeyClass::None => {
                        let aws = m.has(Rule::AwsSecretKey)
                            && matches!(val, Value::String(s) if rules::is_aws_secret_value(s.as_bytes()))
                            && super::keys::is_aws_secret_name(k.as_bytes());
                        if aws {
                            mask_whole(m, val, Flavor::Plain, count);
                        } else {
                            walk(m, val, count);
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
fn mask_whole(m: &Masker, v: &mut Value, flavor: Flavor, count: &mut u64) {
    let replacement = match v {
        Value::Null | Value::Bool(_) => return,
        Value::String(s) => {
            if s.is_empty() || m.rep.is_marker(s.as_bytes()) {
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
                let mut out = scheme.to_string();
                out.push_str(&m.rep.token(cred.as_bytes()));
                out
            } else {
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
    *count += 1;
}
