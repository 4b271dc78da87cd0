//! Scrub: texts that come from outside the function made safe to log.
//!
//! A destination's answer (an error page, a bulk item's reason, a redirect's
//! `Location`) can echo the request: its `Authorization` header, the Logz.io
//! `?token=` query, a document's values. Before such a text goes into a log
//! line, a DLQ `reason`, the CLI summary or a metric, [`Scrubber::clean`] cuts it
//! to a bounded length, runs it through the masker (with the default rules even
//! when document masking is off) and replaces every form of the current and the
//! previous destination token (as is, percent-encoded, base64 as in basic auth,
//! and the password half of `user:password`) and any SigV4 signature.

use std::borrow::Cow;
use std::sync::Arc;

use crate::mask::{MaskConfig, Masker};
use crate::secret::Secret;

/// What replaces a token value in a scrubbed text.
pub const REDACTED: &str = "[REDACTED]";

/// The longest outside text kept, in characters.
pub const MAX_CHARS: usize = 300;

/// Cleans outside texts: masked, and scrubbed of token values.
#[derive(Debug, Clone)]
pub struct Scrubber {
    masker: Arc<Masker>,
}

impl Scrubber {
    /// A scrubber masking with `masker`, or with the default rules when that
    /// masker is disabled (`LOGSHIP_MASK=off` keeps documents as they are, not
    /// the function's own logs).
    pub fn new(masker: Arc<Masker>) -> Scrubber {
        if masker.enabled() {
            return Scrubber { masker };
        }
        match Masker::new(&MaskConfig::default()) {
            Ok(m) => Scrubber {
                masker: Arc::new(m),
            },
            Err(_) => Scrubber { masker },
        }
    }

    /// `text` (at most [`MAX_CHARS`] characters of it) masked and without any
    /// form of the `tokens`.
    pub fn clean(&self, text: &str, tokens: &[Secret]) -> String {
        let cut = match text.char_indices().nth(MAX_CHARS) {
            Some((at, _)) => text.get(..at).unwrap_or(text),
            None => text,
        };
        // Tokens first: masking may rewrite the text around a token (a key=value
        // pair), after which a literal search would no longer find it.
        let unscrubbed = scrub_tokens(cut, tokens);
        let mut count = 0;
        let masked = self.masker.mask_text(&unscrubbed, &mut count);
        let out = scrub_signatures(&masked);
        // Masking never brings a token back, but a cut may have split one whose
        // tail no longer matches: drop a trailing fragment of any token too.
        strip_token_prefix_at_end(out.into_owned(), tokens)
    }

    /// [`Scrubber::clean`] of bytes (lossy UTF-8).
    pub fn clean_bytes(&self, bytes: &[u8], tokens: &[Secret]) -> String {
        let limit = bytes.len().min(MAX_CHARS * 4);
        let head = bytes.get(..limit).unwrap_or(bytes);
        self.clean(&String::from_utf8_lossy(head), tokens)
    }
}

/// Every form in which a token may come back in an echo of the request: as
/// is, percent-encoded (once and twice), `+` for spaces, base64 (standard and
/// URL-safe, with and without padding, as basic auth sends `user:password`),
/// JSON-escaped (with and without `\/`), HTML-escaped; and the same for the
/// password half of `user:password`. Matched without regard to ASCII case, so
/// `%2f` and `%2F` alike.
fn forms(token: &Secret) -> Vec<String> {
    let t = token.expose();
    let mut out = Vec::new();
    variants(t, &mut out);
    if let Some((_, password)) = t.split_once(':') {
        variants(password, &mut out);
    }
    out.retain(|f| f.len() >= 4);
    out.sort();
    out.dedup();
    // Longest first, so a form that contains another is replaced whole.
    out.sort_by_key(|f| std::cmp::Reverse(f.len()));
    out
}

fn variants(t: &str, out: &mut Vec<String>) {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    out.push(t.to_owned());
    let once = super::logzio::encode(t);
    out.push(super::logzio::encode(&once));
    out.push(once.replace("%20", "+"));
    out.push(once);
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        out.push(engine.encode(t));
    }
    let json = serde_json::to_string(t).unwrap_or_default();
    if let Some(inner) = json.get(1..json.len().saturating_sub(1)) {
        out.push(inner.replace('/', "\\/"));
        out.push(inner.to_owned());
    }
    out.push(
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;"),
    );
}

/// `text` with every form of the `tokens` replaced (no masking, no cut): for
/// texts the function composed itself around an outside error (an SDK error).
pub fn scrub_tokens<'a>(text: &'a str, tokens: &[Secret]) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for token in tokens {
        for form in forms(token) {
            if let Some(replaced) = replace_ignoring_case(&out, &form) {
                out = Cow::Owned(replaced);
            }
        }
    }
    out
}

/// `text` with every ASCII-case-insensitive occurrence of `needle` replaced,
/// or None when there is none.
fn replace_ignoring_case(text: &str, needle: &str) -> Option<String> {
    let hay = text.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    if needle.is_empty() || !hay.contains(&needle) {
        return None;
    }
    // Lowercasing ASCII keeps every byte offset, so positions carry over.
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in hay.match_indices(&needle) {
        out.push_str(text.get(last..at)?);
        out.push_str(REDACTED);
        last = at + needle.len();
    }
    out.push_str(text.get(last..)?);
    Some(out)
}

/// The destination's own error text in an answer body, when it has one:
/// Elasticsearch's `{"error":{"type":..,"reason":..}}` (or `{"error":".."}`)
/// or a JSON `message`. None for anything else (HTML, plain text, a proxy's
/// echo of the request), whose text is not to be logged.
pub fn error_of(answer: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(answer).ok()?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    match v.get("error") {
        Some(e @ serde_json::Value::Object(_)) => {
            let kind = e.get("type").and_then(|t| t.as_str()).unwrap_or("error");
            let reason = e.get("reason").and_then(|r| r.as_str()).unwrap_or("");
            Some(format!("{kind}: {reason}"))
        }
        Some(e) => text(e),
        None => v.get("message").and_then(text),
    }
}

/// `Signature=<hex>` (SigV4 headers and presigned URLs) and
/// `X-Amz-Security-Token=...` values.
fn scrub_signatures(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("signature=") && !lower.contains("security-token") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut lower_rest = lower.as_str();
    loop {
        let found = [
            "signature=",
            "x-amz-security-token=",
            "x-amz-security-token: ",
        ]
        .iter()
        .filter_map(|k| lower_rest.find(k).map(|at| (at, k.len())))
        .min();
        let Some((at, len)) = found else {
            out.push_str(rest);
            return Cow::Owned(out);
        };
        let value_start = at + len;
        let value_len = rest
            .get(value_start..)
            .unwrap_or_default()
            .find(|c: char| !(c.is_ascii_alphanumeric() || "%+/=-_".contains(c)))
            .unwrap_or(rest.len().saturating_sub(value_start));
        out.push_str(rest.get(..value_start).unwrap_or_default());
        if value_len > 0 {
            out.push_str(REDACTED);
        }
        let next = value_start + value_len;
        rest = rest.get(next..).unwrap_or_default();
        lower_rest = lower_rest.get(next..).unwrap_or_default();
    }
}

/// A text cut at [`MAX_CHARS`] may end in the first characters of a token.
fn strip_token_prefix_at_end(mut text: String, tokens: &[Secret]) -> String {
    for token in tokens {
        for form in forms(token) {
            for keep in (4..form.len()).rev() {
                if let Some(prefix) = form.get(..keep)
                    && text.ends_with(prefix)
                {
                    text.truncate(text.len() - prefix.len());
                    text.push_str(REDACTED);
                    break;
                }
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrubber() -> Scrubber {
        Scrubber::new(Arc::new(
            Masker::new(&MaskConfig::default()).expect("default rules"),
        ))
    }

    #[test]
    fn removes_every_form_of_the_tokens() {
        let old = Secret::new("old-token/with+chars");
        let new = Secret::new("elastic:n3w-passw0rd");
        let echo = "POST /_bulk?token=old-token%2Fwith%2Bchars HTTP/1.1\r\n\
                    Authorization: Basic ZWxhc3RpYzpuM3ctcGFzc3cwcmQ=\r\n\
                    X-Debug: n3w-passw0rd old-token/with+chars";
        let out = scrubber().clean(echo, &[old, new]);
        for leak in [
            "old-token",
            "n3w-passw0rd",
            "ZWxhc3RpYzpuM3ctcGFzc3cwcmQ",
            "with%2Bchars",
        ] {
            assert!(!out.contains(leak), "{leak} in {out}");
        }
    }

    #[test]
    fn masks_what_the_masker_knows_and_signatures() {
        let out = scrubber().clean(
            "error: Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261127/us-east-1/es/aws4_request, SignedHeaders=host, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef password=hunter2hunter2",
            &[],
        );
        assert!(!out.contains("0123456789abcdef"), "{out}");
        assert!(!out.contains("hunter2hunter2"), "{out}");
        assert!(!out.contains("AKIAIOSFODNN7EXAMPLE"), "{out}");
    }

    #[test]
    fn bounded_and_no_token_fragment_at_the_cut() {
        let token = Secret::new("abcdefghijklmnopqrstuvwxyz0123456789");
        let text = format!("{}{}", "x ".repeat(MAX_CHARS / 2 - 5), token.expose());
        let out = scrubber().clean(&text, std::slice::from_ref(&token));
        assert!(!out.contains("abcdefghij"), "{out}");
        assert!(out.chars().count() <= MAX_CHARS + REDACTED.len());
    }

    #[test]
    fn every_echoed_form_is_scrubbed() {
        use base64::Engine as _;
        let token = Secret::new("tk_Sup3r/Secr3t+Key=42");
        let basic = Secret::new("elastic:pa ss/w0rd&more");
        let echoes = [
            "tk_Sup3r\\/Secr3t+Key=42".to_owned(),
            "tk_sup3r%2fsecr3t%2bkey%3d42".to_owned(),
            "tk_Sup3r%252FSecr3t%252BKey%253D42".to_owned(),
            "TK_SUP3R/SECR3T+KEY=42".to_owned(),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("tk_Sup3r/Secr3t+Key=42"),
            "pa+ss%2Fw0rd%26more".to_owned(),
            base64::engine::general_purpose::STANDARD.encode("pa ss/w0rd&more"),
            "pa ss/w0rd&amp;more".to_owned(),
        ];
        for echo in echoes {
            let out = scrubber().clean(
                &format!("echo: {echo} end"),
                &[token.clone(), basic.clone()],
            );
            assert!(
                out.contains(REDACTED) && !out.contains(&echo),
                "{echo} -> {out}"
            );
        }
    }

    #[test]
    fn only_the_destinations_own_error_is_read_from_an_answer() {
        assert_eq!(
            error_of(br#"{"error":{"type":"x_exception","reason":"why"},"status":500}"#).as_deref(),
            Some("x_exception: why")
        );
        assert_eq!(error_of(br#"{"message":"busy"}"#).as_deref(), Some("busy"));
        assert_eq!(error_of(b"<html>echo of the documents</html>"), None);
        assert_eq!(error_of(br#"{"took":1}"#), None);
    }

    #[test]
    fn short_tokens_are_not_searched() {
        // A one-letter "token" would redact every `a` of every message.
        assert_eq!(scrubber().clean("a b c", &[Secret::new("a")]), "a b c");
    }
}
