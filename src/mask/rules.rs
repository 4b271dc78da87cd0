//! Shape rules: exact verifiers for secrets that are recognisable by their
//! form wherever they appear (JWTs, AWS access key ids, PEM private key blocks,
//! connection-string passwords, vendor tokens, `Bearer`/`Basic` credentials,
//! opt-in e-mail and IP addresses). Each verifier starts from a candidate
//! position reported by the prefilter and looks only at the bytes around it;
//! it returns the byte range to mask, or `None` for a look-alike. All indexing
//! is bounds-checked; no verifier can panic on any input.

use std::net::{Ipv4Addr, Ipv6Addr};

pub(crate) type Range = (usize, usize);

#[inline]
pub(crate) fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

#[inline]
pub(crate) fn before(b: &[u8], i: usize) -> u8 {
    if i == 0 { 0 } else { at(b, i - 1) }
}

#[inline]
pub(crate) fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

#[inline]
fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='
}

/// Advances while `pred` holds, up to `max` bytes; returns the end position.
#[inline]
pub(crate) fn run(b: &[u8], from: usize, max: usize, pred: impl Fn(u8) -> bool) -> usize {
    let limit = b.len().min(from.saturating_add(max));
    let mut i = from;
    while i < limit && pred(b[i]) {
        i += 1;
    }
    i
}

fn starts_with_at(b: &[u8], i: usize, lit: &[u8]) -> bool {
    b.get(i..i + lit.len()) == Some(lit)
}

/// JWT / JWE: `eyJ` header, at least three dot-separated base64url segments.
pub(crate) fn jwt(b: &[u8], s: usize) -> Option<Range> {
    if !starts_with_at(b, s, b"eyJ") || (is_b64url(before(b, s)) && !escape_before(b, s)) {
        return None;
    }
    let seg1 = run(b, s, 8192, is_b64url);
    if seg1 - s < 10 || at(b, seg1) != b'.' {
        return None;
    }
    let seg2 = run(b, seg1 + 1, 1 << 16, is_b64url);
    if seg2 - (seg1 + 1) < 2 || at(b, seg2) != b'.' {
        return None;
    }
    let mut end = run(b, seg2 + 1, 1 << 16, is_b64url);
    // JWE has five segments; take any further ones too.
    while at(b, end) == b'.' && is_b64url(at(b, end + 1)) {
        end = run(b, end + 1, 1 << 16, is_b64url);
    }
    Some((s, end))
}

/// 40-character AWS secret access key value.
pub(crate) fn is_aws_secret_value(v: &[u8]) -> bool {
    v.len() == 40 && v.iter().all(|&c| is_b64(c))
}

/// PEM private key block from `-----BEGIN ... PRIVATE KEY-----` through the
/// matching `-----END ...-----`; to the end of the text when truncated.
pub(crate) fn pem(b: &[u8], s: usize) -> Option<Range> {
    if !starts_with_at(b, s, b"-----BEGIN ") {
        return None;
    }
    let label_start = s + 11;
    let label_end = run(b, label_start, 48, |c| {
        c.is_ascii_uppercase() || c == b' ' || c.is_ascii_digit()
    });
    let label = &b[label_start..label_end];
    let is_private = label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK");
    if !is_private || !starts_with_at(b, label_end, b"-----") {
        return None;
    }
    let body = label_end + 5;
    let rest = b.get(body..).unwrap_or(&[]);
    match memchr::memmem::find(rest, b"-----END") {
        Some(off) => {
            let end_label = body + off + 8;
            // Closing dashes of the END line.
            let close = b
                .get(end_label..)
                .and_then(|r| memchr::memmem::find(&r[..r.len().min(64)], b"-----"))
                .map(|o| end_label + o + 5)
                .unwrap_or_else(|| run(b, end_label, 64, |c| c != b'\n' && c != b'"'));
            Some((s, close))
        }
        None => Some((s, b.len())),
    }
}

/// `scheme://user:PASSWORD@host`: the password only (user and host are kept).
pub(crate) fn url_password(b: &[u8], s: usize) -> Option<Range> {
    // `s` points at "://".
    let mut scheme = s;
    while scheme > 0
        && s - scheme < 32
        && (b[scheme - 1].is_ascii_alphanumeric() || matches!(b[scheme - 1], b'+' | b'.' | b'-'))
    {
        scheme -= 1;
    }
    if s - scheme < 2 || !at(b, scheme).is_ascii_alphabetic() {
        return None;
    }
    let auth_start = s + 3;
    let auth_end = run(b, auth_start, 1024, |c| {
        !matches!(
            c,
            b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`' | b'|'
        ) && !c.is_ascii_whitespace()
            && c >= 0x20
    });
    let authority = &b[auth_start..auth_end];
    let at_pos = memchr::memrchr(b'@', authority)?;
    let userinfo = &authority[..at_pos];
    let colon = memchr::memchr(b':', userinfo)?;
    let (pw_start, pw_end) = (auth_start + colon + 1, auth_start + at_pos);
    if pw_start >= pw_end {
        return None;
    }
    // The part after '@' must look like a host.
    let host = at(b, pw_end + 1);
    if !(host.is_ascii_alphanumeric() || host == b'[' || host == b'_') {
        return None;
    }
    // Sidekiq's gem server takes `user:password` as one credential.
    let host_name = &authority[at_pos + 1..];
    if host_name.len() >= 14
        && host_name[host_name.len() - 14..].eq_ignore_ascii_case(b"contribsys.com")
        && colon > 0
    {
        return Some((auth_start, pw_end));
    }
    Some((pw_start, pw_end))
}

fn prefix_boundary_ok(b: &[u8], s: usize) -> bool {
    let p = before(b, s);
    !(p.is_ascii_alphanumeric() || p == b'_') || escape_before(b, s)
}

/// Whether an escape ends right before `s`: a `%XX` percent-encoding or a
/// `\uXXXX` escape (with its backslash), whose last letters would otherwise
/// glue onto what follows (`state=x%2Fghp_...`, `failed\u000aghp_...`).
pub(crate) fn escape_before(b: &[u8], s: usize) -> bool {
    let hex = |i: usize| at(b, i).is_ascii_hexdigit();
    (s >= 3 && at(b, s - 3) == b'%' && hex(s - 2) && hex(s - 1))
        || (s >= 6 && at(b, s - 6) == b'\\' && at(b, s - 5) == b'u' && (1..=4).all(|k| hex(s - k)))
}

/// Slack: `xox[abpors]-` + 10.. of `[A-Za-z0-9-]`.
pub(crate) fn slack(b: &[u8], s: usize) -> Option<Range> {
    if !prefix_boundary_ok(b, s) || !starts_with_at(b, s, b"xox") {
        return None;
    }
    if !matches!(at(b, s + 3), b'a' | b'b' | b'p' | b'o' | b'r' | b's') || at(b, s + 4) != b'-' {
        return None;
    }
    let end = run(b, s + 5, 255, |c| c.is_ascii_alphanumeric() || c == b'-');
    (end - (s + 5) >= 10).then_some((s, end))
}

/// Slack incoming-webhook URL: the path after `hooks.slack.com/services/`.
pub(crate) fn slack_hook(b: &[u8], s: usize) -> Option<Range> {
    // Incoming webhooks (`services/`) and Workflow Builder webhooks
    // (`workflows/`, `triggers/`).
    let lit = [
        &b"hooks.slack.com/services/"[..],
        b"hooks.slack.com/workflows/",
        b"hooks.slack.com/triggers/",
    ]
    .into_iter()
    .find(|l| starts_with_at(b, s, l))?;
    let from = s + lit.len();
    let end = run(b, from, 255, |c| c.is_ascii_alphanumeric() || c == b'/');
    (end - from >= 10).then_some((from, end))
}

fn is_token68(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-')
}

/// Position after the scheme word and its separator (spaces or tabs, a
/// no-break space, `%20`, `%09` or `+`), if the scheme at `s..e` is a whole word followed by one.
fn after_scheme(b: &[u8], s: usize, e: usize) -> Option<usize> {
    if before(b, s).is_ascii_alphanumeric() || at(b, e).is_ascii_alphanumeric() {
        return None;
    }
    let c = at(b, e);
    if c == b' ' || c == b'\t' {
        Some(run(b, e, 8, |c| c == b' ' || c == b'\t'))
    } else if starts_with_at(b, e, b"%20") || starts_with_at(b, e, b"%09") {
        Some(e + 3)
    } else if starts_with_at(b, e, b"\xC2\xA0") {
        // A no-break space (U+00A0 in UTF-8).
        Some(e + 2)
    } else if c == b'+' {
        Some(e + 1)
    } else {
        None
    }
}

/// `Bearer <token>` anywhere: the token (the scheme word is kept).
pub(crate) fn bearer(b: &[u8], s: usize, e: usize) -> Option<Range> {
    if !b.get(s..e)?.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    let from = after_scheme(b, s, e)?;
    let end = run(b, from, 1 << 16, is_token68);
    let tok = &b[from..end];
    if tok.len() < 8 {
        return None;
    }
    // `Bearer realm="x", error="y"` are parameters, not a credential: '=' is only
    // allowed as trailing padding.
    if let Some(eq) = memchr::memchr(b'=', tok)
        && tok[eq..].iter().any(|&c| c != b'=')
    {
        return None;
    }
    let has_digit = tok.iter().any(u8::is_ascii_digit);
    let has_punct = tok.iter().any(|&c| !c.is_ascii_alphanumeric());
    let inner_upper =
        tok[1..].iter().any(u8::is_ascii_uppercase) && tok.iter().any(u8::is_ascii_lowercase);
    if has_digit || has_punct || inner_upper || tok.len() >= 20 {
        Some((from, end))
    } else {
        None
    }
}

/// `Basic <base64(user:password)>` anywhere: the credential, only if it
/// decodes to printable text containing ':'.
pub(crate) fn basic(b: &[u8], s: usize, e: usize) -> Option<Range> {
    if !b.get(s..e)?.eq_ignore_ascii_case(b"basic") {
        return None;
    }
    let from = after_scheme(b, s, e)?;
    let end = run(b, from, 4096, is_b64);
    let tok = &b[from..end];
    if tok.len() < 4 || is_token68(at(b, end)) {
        return None;
    }
    let mut buf = [0u8; 3072];
    let n = b64_decode(tok, &mut buf)?;
    let dec = &buf[..n];
    let printable = dec.iter().all(|&c| c >= 0x20 && c != 0x7f);
    (printable && dec.contains(&b':') && std::str::from_utf8(dec).is_ok()).then_some((from, end))
}

/// Whether `tok` is base64 of printable `user:password` text (Docker
/// config `auth`, HTTP Basic credentials).
pub(crate) fn is_basic_credential(tok: &[u8]) -> bool {
    if tok.len() < 8 || tok.len() > 4096 || !tok.iter().all(|&c| is_b64(c)) {
        return false;
    }
    let mut buf = [0u8; 3072];
    let Some(n) = b64_decode(tok, &mut buf) else {
        return false;
    };
    let dec = &buf[..n];
    dec.iter().all(|&c| c >= 0x20 && c != 0x7f)
        && memchr::memchr(b':', dec).is_some_and(|p| p > 0 && p + 1 < dec.len())
        && std::str::from_utf8(dec).is_ok()
}

/// Standard base64 decode (padding optional) into `out`; `None` if invalid.
fn b64_decode(input: &[u8], out: &mut [u8]) -> Option<usize> {
    let input = match memchr::memchr(b'=', input) {
        Some(p) => {
            if input[p..].iter().any(|&c| c != b'=') || input.len() - p > 2 {
                return None;
            }
            &input[..p]
        }
        None => input,
    };
    if input.len() % 4 == 1 {
        return None;
    }
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut n = 0usize;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(n)? = (acc >> bits) as u8;
            n += 1;
        }
    }
    Some(n)
}

fn is_email_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// E-mail address around the '@' at `s` (opt-in rule).
pub(crate) fn email(b: &[u8], s: usize) -> Option<Range> {
    if at(b, s) != b'@' {
        return None;
    }
    let mut ls = s;
    while ls > 0 && s - ls < 64 && is_email_local(b[ls - 1]) {
        ls -= 1;
    }
    while ls < s && !b[ls].is_ascii_alphanumeric() {
        ls += 1;
    }
    if ls == s || matches!(before(b, ls), b':' | b'/') {
        return None;
    }
    let de = run(b, s + 1, 253, |c| {
        c.is_ascii_alphanumeric() || c == b'-' || c == b'.'
    });
    let mut domain = &b[s + 1..de];
    while domain.last() == Some(&b'.') || domain.last() == Some(&b'-') {
        domain = &domain[..domain.len() - 1];
    }
    let dot = memchr::memrchr(b'.', domain)?;
    let tld = &domain[dot + 1..];
    if dot == 0 || tld.len() < 2 || !tld.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    Some((ls, s + 1 + domain.len()))
}

/// Opt-in IP rule: calls `f(start, end)` for every IPv4/IPv6 address. IPv4
/// candidates are found from each '.', IPv6 candidates from each ':'; both
/// are grown over the characters an address can hold and then validated by
/// the standard library parsers, so timestamps (`12:30:45`), MAC addresses,
/// `::` paths and version numbers with more than four parts are left alone.
pub(crate) fn ips(b: &[u8], f: &mut dyn FnMut(usize, usize)) {
    let is_v6 = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
    let mut done = 0usize;
    for colon in memchr::memchr_iter(b':', b) {
        if colon < done {
            continue;
        }
        let mut s = colon;
        while s > done && colon - s < 40 && is_v6(b[s - 1]) {
            s -= 1;
        }
        let mut e = run(b, colon, 48, is_v6);
        while e > s && b[e - 1] == b'.' {
            e -= 1;
        }
        done = e.max(colon + 1);
        let cand = &b[s..e];
        let colons = cand.iter().filter(|&&c| c == b':').count();
        let double = memchr::memmem::find(cand, b"::").is_some();
        if colons >= 2 && (double || colons == 7) && ip_ok(b, s, e) {
            f(s, e);
        }
    }
    let mut done = 0usize;
    for dot in memchr::memchr_iter(b'.', b) {
        if dot < done {
            continue;
        }
        let mut s = dot;
        while s > done && dot - s < 3 && b[s - 1].is_ascii_digit() {
            s -= 1;
        }
        if s == dot {
            continue;
        }
        let e = run(b, s, 15, |c| c.is_ascii_digit() || c == b'.');
        let mut e2 = e;
        while e2 > s && b[e2 - 1] == b'.' {
            e2 -= 1;
        }
        done = e.max(dot + 1);
        if b[s..e2].iter().filter(|&&c| c == b'.').count() == 3 && ip_ok(b, s, e2) {
            f(s, e2);
        }
    }
}

/// Validates an IP candidate: a real IPv4/IPv6 address standing as its own
/// token.
pub(crate) fn ip_ok(b: &[u8], s: usize, e: usize) -> bool {
    let Some(cand) = b.get(s..e).and_then(|c| std::str::from_utf8(c).ok()) else {
        return false;
    };
    let p = before(b, s);
    let n = at(b, e);
    if p.is_ascii_alphanumeric() || p == b'.' || p == b':' || p == b'_' {
        return false;
    }
    if n.is_ascii_alphanumeric() || n == b'_' || (n == b'.' && at(b, e + 1).is_ascii_digit()) {
        return false;
    }
    if cand.contains(':') {
        cand.parse::<Ipv6Addr>().is_ok() && cand.len() > 2
    } else {
        cand.parse::<Ipv4Addr>().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(f: impl Fn(&[u8], usize) -> Option<Range>, text: &str, lit: &str) -> Option<String> {
        let s = text.find(lit)?;
        f(text.as_bytes(), s).map(|(a, b)| text[a..b].to_string())
    }

    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn jwt_rule() {
        assert_eq!(
            find(jwt, &format!("t={JWT} x"), "eyJ").as_deref(),
            Some(JWT)
        );
        assert_eq!(
            find(jwt, "eyJhbGciOiJub25lIn0.e30.", "eyJ").as_deref(),
            Some("eyJhbGciOiJub25lIn0.e30.")
        );
        // Look-alikes: no dots, embedded in a longer token, too short.
        assert_eq!(find(jwt, "cursor=eyJvZmZzZXQiOjEwMH0", "eyJ"), None);
        assert_eq!(find(jwt, &format!("x{JWT}"), "eyJ"), None);
        assert_eq!(find(jwt, "eyJ.a.b", "eyJ"), None);
    }

    #[test]
    fn pem_rule() {
        let block =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            find(pem, &format!("k: {block}\nnext"), "-----").as_deref(),
            Some(block)
        );
        let esc = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----";
        assert_eq!(
            find(pem, &format!("{{\"k\":\"{esc}\\n\"}}"), "-----").as_deref(),
            Some(esc)
        );
        let cut = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA";
        assert_eq!(find(pem, cut, "-----").as_deref(), Some(cut));
        assert_eq!(
            find(
                pem,
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
                "-----"
            ),
            None
        );
        assert_eq!(find(pem, "-----BEGIN PUBLIC KEY-----", "-----"), None);
    }

    #[test]
    fn url_password_rule() {
        let f = |t: &str| find(url_password, t, "://");
        assert_eq!(
            f("postgres://app:s3cr3t@db.internal:5432/x").as_deref(),
            Some("s3cr3t")
        );
        assert_eq!(
            f("mongodb+srv://u:p@ss:w0rd@cluster0.x.net/db").as_deref(),
            Some("p@ss:w0rd")
        );
        assert_eq!(
            f("redis://:hunter22@cache:6379").as_deref(),
            Some("hunter22")
        );
        assert_eq!(f("https://host:8443/path@foo"), None);
        assert_eq!(f("ssh://git@github.com/org/repo"), None);
        assert_eq!(f("https://registry.npmjs.org/@scope/pkg"), None);
        assert_eq!(f("x ://a:b@c"), None);
    }

    fn scheme(
        f: fn(&[u8], usize, usize) -> Option<Range>,
        text: &str,
        word: &str,
    ) -> Option<String> {
        let s = text.to_ascii_lowercase().find(word)?;
        f(text.as_bytes(), s, s + word.len()).map(|(a, b)| text[a..b].to_string())
    }

    #[test]
    fn bearer_and_basic() {
        assert_eq!(
            scheme(bearer, "Authorization: Bearer abc.def-123_XYZ", "bearer").as_deref(),
            Some("abc.def-123_XYZ")
        );
        assert_eq!(
            scheme(bearer, "BEARER  mF_9.B5f-4.1JqM", "bearer").as_deref(),
            Some("mF_9.B5f-4.1JqM")
        );
        assert_eq!(
            scheme(bearer, "Bearer\tmF_9.B5f-4.1JqM", "bearer").as_deref(),
            Some("mF_9.B5f-4.1JqM")
        );
        assert_eq!(
            scheme(bearer, "Bearer%20mF_9.B5f-4.1JqM", "bearer").as_deref(),
            Some("mF_9.B5f-4.1JqM")
        );
        assert_eq!(scheme(bearer, "the bearer token expired", "bearer"), None);
        assert_eq!(
            scheme(bearer, "Bearer authentication failed", "bearer"),
            None
        );
        assert_eq!(
            scheme(
                bearer,
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\"",
                "bearer"
            ),
            None
        );
        assert_eq!(scheme(bearer, "Bearer error=invalid_token", "bearer"), None);
        assert_eq!(scheme(bearer, "xbearer abcdefgh1234", "bearer"), None);
        // base64("aladdin:opensesame")
        assert_eq!(
            scheme(
                basic,
                "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l",
                "basic"
            )
            .as_deref(),
            Some("YWxhZGRpbjpvcGVuc2VzYW1l")
        );
        assert_eq!(scheme(basic, "basic auth failed for user", "basic"), None);
        assert_eq!(
            scheme(basic, "Basic authentication required", "basic"),
            None
        );
        // base64("no colon here") decodes fine but has no ':'.
        assert_eq!(scheme(basic, "Basic bm8gY29sb24gaGVyZQ==", "basic"), None);
    }

    #[test]
    fn email_and_ip() {
        let f = |t: &str| {
            let s = t.find('@')?;
            email(t.as_bytes(), s).map(|(a, b)| t[a..b].to_string())
        };
        assert_eq!(
            f("to: jane.doe+x@example.co.uk.").as_deref(),
            Some("jane.doe+x@example.co.uk")
        );
        assert_eq!(f("repo@sha256:abcdef"), None);
        assert_eq!(f("@scope/pkg"), None);
        assert_eq!(f("user:pass@host.example.com"), None);
        let ip = |t: &str, c: &str| {
            let s = t.find(c).unwrap_or(0);
            ip_ok(t.as_bytes(), s, s + c.len())
        };
        assert!(ip("src 10.0.1.5 dst", "10.0.1.5"));
        assert!(ip("[2001:db8::1]", "2001:db8::1"));
        assert!(!ip("v1.2.3.4.5", "1.2.3.4"));
        assert!(!ip("999.1.1.1", "999.1.1.1"));
        assert!(!ip("12:30:45", "12:30:45"));
        assert!(!ip("std::fmt", "d::f"));
    }

    #[test]
    fn b64() {
        let mut out = [0u8; 64];
        let n = b64_decode(b"YWxhZGRpbjpvcGVuc2VzYW1l", &mut out);
        assert_eq!(n.map(|n| &out[..n]), Some(&b"aladdin:opensesame"[..]));
        assert_eq!(b64_decode(b"a", &mut out), None);
        assert_eq!(b64_decode(b"ab=c", &mut out), None);
    }
}
