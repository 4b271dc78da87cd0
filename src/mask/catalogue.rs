//! The vendor catalogue's checks: a per-first-byte index over the enabled
//! formats of `vendors.rs`, and the verifiers. Candidates come from the
//! token-run scan (runs of 16 or more `[A-Za-z0-9_-]` bytes, see `card.rs`):
//! the verifier backs up to the start of the token, looks its first byte up in
//! the index, and checks each format with that first byte exactly. A few
//! formats without a fixed prefix (Telegram and Discord bot tokens, Azure AD
//! client secrets, Mailchimp keys, `appid|secret` pairs, webhook URL paths)
//! have their own small verifiers. Nothing is allocated per call.

use super::Rule;
use super::class::url;
use super::random::{is_placeholder, looks_random};
use super::rules::{Range, at, before, run};
use super::vendors::{Check, SPECS};

/// Per-first-byte index over the enabled formats.
pub(crate) struct Catalogue {
    /// For each first byte, the range of `order` holding its formats.
    idx: [(u16, u16); 256],
    /// Indices into [`SPECS`], grouped by first byte, longer prefixes first.
    order: Vec<u16>,
    /// Rule families with a custom (prefix-less) verifier that are enabled.
    customs: u32,
    /// Bit per (first byte, second byte) pair that starts an enabled prefix:
    /// most tokens (UUIDs, hex ids) are rejected with one lookup.
    pairs: Box<[u64; 1024]>,
}

/// Families that have custom verifiers below.
const CUSTOM_RULES: [Rule; 5] = [
    Rule::ChatToken,
    Rule::CloudCredential,
    Rule::MessagingKey,
    Rule::SaasToken,
    Rule::PaymentKey,
];

impl Catalogue {
    pub(crate) fn new(enabled: impl Fn(Rule) -> bool) -> Catalogue {
        let mut ids: Vec<u16> = (0..SPECS.len())
            .filter(|&i| {
                SPECS
                    .get(i)
                    .is_some_and(|s| enabled(s.rule) && !s.prefix.is_empty())
            })
            .filter_map(|i| u16::try_from(i).ok())
            .collect();
        let key = |i: &u16| {
            let s = &SPECS[usize::from(*i)];
            (s.prefix[0], std::cmp::Reverse(s.prefix.len()))
        };
        ids.sort_by_key(key);
        let mut idx = [(0u16, 0u16); 256];
        let mut i = 0usize;
        while i < ids.len() {
            let first = SPECS[usize::from(ids[i])].prefix[0];
            let start = i;
            while i < ids.len() && SPECS[usize::from(ids[i])].prefix[0] == first {
                i += 1;
            }
            idx[usize::from(first)] = (start as u16, i as u16);
        }
        let mut pairs = Box::new([0u64; 1024]);
        for &i in &ids {
            let p = SPECS[usize::from(i)].prefix;
            let k = (usize::from(p[0]) << 8) | usize::from(p.get(1).copied().unwrap_or(0));
            pairs[k >> 6] |= 1 << (k & 63);
        }
        let mut customs = 0u32;
        for r in CUSTOM_RULES {
            if enabled(r) {
                customs |= r.bit();
            }
        }
        Catalogue {
            idx,
            order: ids,
            customs,
            pairs,
        }
    }

    /// Distinct provider names in the catalogue (for documentation and tests).
    #[cfg(test)]
    pub(crate) fn providers() -> Vec<&'static str> {
        let mut v: Vec<&str> = SPECS.iter().map(|s| s.provider).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.order.is_empty() && self.customs == 0
    }

    /// A catalogued token starting exactly at `ts`: its end and family.
    pub(crate) fn match_at(&self, b: &[u8], ts: usize) -> Option<(usize, Rule)> {
        let first = *b.get(ts)?;
        let k = (usize::from(first) << 8) | usize::from(at(b, ts + 1));
        if self
            .pairs
            .get(k >> 6)
            .is_none_or(|w| w & (1 << (k & 63)) == 0)
        {
            return None;
        }
        let (lo, hi) = self.idx[usize::from(first)];
        let ids = self.order.get(usize::from(lo)..usize::from(hi))?;
        for &i in ids {
            let Some(s) = SPECS.get(usize::from(i)) else {
                continue;
            };
            // Byte loop rather than a slice compare: prefixes are short and
            // most candidates differ in the second byte.
            let Some(head) = b.get(ts..ts + s.prefix.len()) else {
                continue;
            };
            if !head.iter().zip(s.prefix).all(|(x, y)| x == y) {
                continue;
            }
            let bs = ts + s.prefix.len();
            let be = run(b, bs, usize::from(s.max) + 1, |c| s.alpha.has(c));
            let n = be - bs;
            if n < usize::from(s.min) || n > usize::from(s.max) {
                continue;
            }
            let next = at(b, be);
            if next.is_ascii_alphanumeric() || next == b'_' {
                continue;
            }
            let body = &b[bs..be];
            let ok = match s.check {
                Check::Shape => !is_placeholder(body),
                Check::Random => looks_random(body, 8, false),
                Check::RandomPunct => {
                    body.iter().any(|&c| c == b'-' || c == b'_') && looks_random(body, 8, false)
                }
                Check::Base62Crc => {
                    base62_crc_ok(body) || (!is_placeholder(body) && looks_random(body, 16, false))
                }
            };
            if ok {
                return Some((be, s.rule));
            }
        }
        None
    }

    fn custom_on(&self, r: Rule) -> bool {
        self.customs & r.bit() != 0
    }

    /// Formats without a fixed prefix, around the token run starting at `rs`
    /// (whose token, backed up over `[A-Za-z0-9_.~-]`, starts at `ts`).
    pub(crate) fn custom(&self, b: &[u8], ts: usize, rs: usize) -> Option<(Range, Rule)> {
        let url = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        let prev = before(b, rs);
        // DataStax Astra: `AstraCS:` + 24 letters + ':' + 64 hex; the colon
        // splits it, so the run starts at the letters.
        if prev == b':'
            && rs >= 8
            && b.get(rs - 8..rs - 1) == Some(b"AstraCS")
            && self.custom_on(Rule::CloudCredential)
        {
            let le = run(b, rs, 25, |c| c.is_ascii_alphabetic());
            let he = run(b, le + 1, 65, |c| c.is_ascii_hexdigit());
            if le - rs == 24 && at(b, le) == b':' && he - le - 1 == 64 && !url(at(b, he)) {
                return Some(((rs - 8, he), Rule::CloudCredential));
            }
        }
        // Telegram bot token: 8-10 digits ':' "AA" + 33; the colon may be
        // URL-encoded (`/bot123456789%3AAA…/`), the run then starts at `3A`.
        let tg = if prev == b':' {
            Some((rs - 1, rs))
        } else if prev == b'%'
            && b.get(rs..rs + 2)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"3a"))
        {
            Some((rs - 1, rs + 2))
        } else {
            None
        };
        if let Some((colon, body)) = tg
            && self.custom_on(Rule::ChatToken)
            && b.get(body..body + 2) == Some(b"AA")
        {
            let mut ds = colon;
            while ds > 0 && colon - ds < 11 && b[ds - 1].is_ascii_digit() {
                ds -= 1;
            }
            let end = run(b, body, 40, url);
            // Also in the Bot API's URLs: `https://api.telegram.org/bot<token>/getMe`.
            let in_bot_path = ds >= 4 && b.get(ds - 4..ds) == Some(b"/bot");
            if (8..=10).contains(&(colon - ds))
                && (!before(b, ds).is_ascii_alphanumeric() || in_bot_path)
                && end - body == 35
            {
                return Some(((ds, end), Rule::ChatToken));
            }
        }
        // appid|secret (Facebook), also URL-encoded as %7C.
        if self.custom_on(Rule::SaasToken) {
            let (sep_start, secret_start) = if prev == b'|' {
                (rs - 1, rs)
            } else if prev == b'%'
                && b.get(rs..rs + 2)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"7c"))
            {
                (rs - 1, rs + 2)
            } else {
                (usize::MAX, 0)
            };
            if sep_start != usize::MAX {
                let mut ds = sep_start;
                while ds > 0 && sep_start - ds < 17 && b[ds - 1].is_ascii_digit() {
                    ds -= 1;
                }
                let end = run(b, secret_start, 41, url);
                if (15..=16).contains(&(sep_start - ds))
                    && (27..=40).contains(&(end - secret_start))
                    && looks_random(&b[secret_start..end], 16, false)
                {
                    return Some(((ds, end), Rule::SaasToken));
                }
            }
        }
        // Webhook URL paths: Discord `/api/webhooks/<id>/<token>`, Teams
        // `/IncomingWebhook/<hex>/<uuid>`.
        if prev == b'/' {
            let head = &b[..rs - 1];
            if self.custom_on(Rule::ChatToken) {
                let ds = head.len() - head.iter().rev().take_while(|c| c.is_ascii_digit()).count();
                let end = run(b, rs, 100, url);
                if ds < head.len() && head[..ds].ends_with(b"/webhooks/") && end - rs >= 60 {
                    return Some(((rs, end), Rule::ChatToken));
                }
                if head.ends_with(b"/IncomingWebhook") {
                    let end = run(b, rs, 120, |c| url(c) || c == b'/');
                    return Some(((rs, end), Rule::ChatToken));
                }
            }
            // Google OAuth refresh token: 1//0...
            if self.custom_on(Rule::CloudCredential)
                && head.ends_with(b"1/")
                && at(b, rs) == b'0'
                && !before(b, rs - 3).is_ascii_alphanumeric()
            {
                let end = run(b, rs, 512, url);
                if end - rs >= 40 {
                    return Some(((rs - 3, end), Rule::CloudCredential));
                }
            }
        }
        // The remaining formats are recognised by a byte at a fixed offset;
        // look at those first so that ordinary tokens cost a few compares.
        let terraform = b.get(ts + 14..ts + 23) == Some(b".atlasv1.");
        let discord = matches!(at(b, ts), b'M' | b'N' | b'O');
        let mailchimp = b.get(ts + 32..ts + 35) == Some(b"-us");
        let newrelic = b.get(ts + 36..ts + 40) == Some(b"NRAL");
        let maxmind = b.get(ts + 36..ts + 40) == Some(b"_mmk");
        let authress = b.get(ts..ts + 3) == Some(b"sc_")
            || b.get(ts..ts + 4) == Some(b"ext_")
            || b.get(ts..ts + 7) == Some(b"scauth_")
            || b.get(ts..ts + 9) == Some(b"authress_");
        let sidekiq = b
            .get(ts..ts + 7)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"bundle_"));
        if !(terraform || discord || mailchimp || newrelic || maxmind || authress || sidekiq) {
            return None;
        }
        let dot_tilde = |c: u8| url(c) || c == b'.' || c == b'~';
        // Authress keys end in base64 (`+`, `/`, `=`).
        let te = if authress {
            run(b, ts, 4096, |c| {
                dot_tilde(c) || matches!(c, b'+' | b'/' | b'=')
            })
        } else {
            run(b, ts, 4096, dot_tilde)
        };
        let tok = &b[ts..te];
        // Sidekiq Pro/Enterprise credentials, `hex8:hex8` under Bundler's
        // `BUNDLE_GEMS__CONTRIBSYS__COM` / `BUNDLE_ENTERPRISE__CONTRIBSYS__COM`.
        if sidekiq
            && self.custom_on(Rule::SaasToken)
            && tok.len() >= 24
            && tok[tok.len() - 17..].eq_ignore_ascii_case(b"__contribsys__com")
        {
            let vs = run(b, te, 8, |c| matches!(c, b' ' | b'=' | b':' | b'"' | b'\''));
            let hex = |c: u8| c.is_ascii_hexdigit();
            let h1 = run(b, vs, 9, hex);
            let h2 = run(b, h1 + 1, 9, hex);
            if h1 - vs == 8 && at(b, h1) == b':' && h2 - h1 - 1 == 8 && !url(at(b, h2)) {
                return Some(((vs, h2), Rule::SaasToken));
            }
        }
        // MaxMind license key: 6 alphanumerics, '_', 29, "_mmk".
        if maxmind
            && self.custom_on(Rule::SaasToken)
            && tok.len() == 40
            && tok.get(6) == Some(&b'_')
            && tok[..36].iter().filter(|&&c| c == b'_').count() == 1
            && looks_random(&tok[7..36], 16, false)
        {
            return Some(((ts, te), Rule::SaasToken));
        }
        // Authress service client access key:
        // `<sc|ext|scauth|authress>_<id>.<4-6>.acc_<id>.<30-120>`.
        if authress && self.custom_on(Rule::SaasToken) {
            let mut parts = tok.split(|&c| c == b'.');
            let (p1, p2, p3, p4, p5) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            );
            if let (Some(_), Some(p2), Some(p3), Some(p4), None) = (p1, p2, p3, p4, p5)
                && (4..=6).contains(&p2.len())
                && (p3.starts_with(b"acc_") || p3.starts_with(b"acc-"))
                && (30..=120).contains(&p4.len())
                && !is_placeholder(p4)
            {
                return Some(((ts, te), Rule::SaasToken));
            }
        }
        // Terraform Cloud / Enterprise: 14 `[a-z0-9]`, ".atlasv1.", 60-70.
        if self.custom_on(Rule::CloudCredential)
            && tok.len() >= 14 + 9 + 60
            && tok.get(14..23) == Some(b".atlasv1.")
        {
            return Some(((ts, te), Rule::CloudCredential));
        }
        // Discord bot token: [MNO] + 23-27, '.', 6-7, '.', 27-40.
        if self.custom_on(Rule::ChatToken) && matches!(tok.first(), Some(b'M' | b'N' | b'O')) {
            let mut parts = tok.split(|&c| c == b'.');
            let (p1, p2, p3, p4) = (parts.next(), parts.next(), parts.next(), parts.next());
            if let (Some(p1), Some(p2), Some(p3), None) = (p1, p2, p3, p4)
                && (24..=28).contains(&p1.len())
                && (6..=7).contains(&p2.len())
                && (27..=40).contains(&p3.len())
                && [p1, p2, p3].iter().all(|p| p.iter().all(|&c| url(c)))
                && !is_placeholder(p3)
            {
                return Some(((ts, te), Rule::ChatToken));
            }
        }
        // Mailchimp: 32 hex + "-us" + 1-2 digits.
        if self.custom_on(Rule::MessagingKey) {
            let he = run(b, ts, 33, |c| {
                c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
            });
            if he - ts == 32 && b.get(he..he + 3) == Some(b"-us") {
                let de = run(b, he + 3, 3, |c| c.is_ascii_digit());
                if (1..=2).contains(&(de - he - 3))
                    && !at(b, de).is_ascii_alphanumeric()
                    && !is_placeholder(&b[ts..he])
                {
                    return Some(((ts, de), Rule::MessagingKey));
                }
            }
        }
        // New Relic license key: 36 hex + "NRAL".
        if self.custom_on(Rule::SaasToken)
            && tok.len() == 40
            && tok.ends_with(b"NRAL")
            && tok[..36].iter().all(u8::is_ascii_hexdigit)
        {
            return Some(((ts, te), Rule::SaasToken));
        }
        None
    }
}

/// CRC-32 (IEEE 802.3, reflected, as in zlib) lookup table.
const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Whether the last 6 characters of `body` are the base62 (0-9A-Za-z,
/// zero-padded) CRC-32 of the characters before them.
pub(crate) fn base62_crc_ok(body: &[u8]) -> bool {
    if body.len() < 7 {
        return false;
    }
    let (data, sum) = body.split_at(body.len() - 6);
    let mut v = 0u64;
    for &c in sum {
        let Some(d) = BASE62.iter().position(|&x| x == c) else {
            return false;
        };
        v = v * 62 + d as u64;
    }
    v == u64::from(crc32(data))
}

/// Base62 CRC-32 checksum of `data`, 6 characters (for tests and examples).
#[cfg(test)]
pub(crate) fn base62_crc(data: &[u8]) -> String {
    let mut v = u64::from(crc32(data));
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(v % 62) as usize];
        v /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Azure AD (Entra ID) client secret around the `Q~` at `q`: 3 of
/// `[A-Za-z0-9_.~]`, a digit, `Q~`, then 31–34 of `[A-Za-z0-9_.~-]`, as a
/// whole token. Its
/// parts between dots and tildes may all be short, so no token run finds it:
/// the prefilter's `Q~` does.
pub(crate) fn azure_secret(b: &[u8], q: usize) -> Option<Range> {
    let dot_tilde = |c: u8| url(c) || c == b'.' || c == b'~';
    let ts = q.checked_sub(4)?;
    if b.get(q..q + 2) != Some(b"Q~")
        || !at(b, q - 1).is_ascii_digit()
        || !b.get(ts..q - 1)?.iter().all(|&c| dot_tilde(c))
        || dot_tilde(before(b, ts))
    {
        return None;
    }
    let te = run(b, ts, 64, dot_tilde);
    let boundary = !matches!(at(b, te), b'/' | b'+' | b'=' | b'@');
    let body = b.get(q + 2..te)?;
    // The marker is structure enough; a body with dots may read as a host
    // name to the randomness test, so only placeholders are kept.
    ((37..=40).contains(&(te - ts)) && boundary && !is_placeholder(body)).then_some((ts, te))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue::new(|_| true)
    }

    fn m(t: &str) -> Option<(String, Rule)> {
        cat()
            .match_at(t.as_bytes(), 0)
            .map(|(e, r)| (t[..e].to_string(), r))
    }

    #[test]
    fn crc() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        let body = "zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ";
        let tok = format!("{body}{}", base62_crc(body.as_bytes()));
        assert!(base62_crc_ok(tok.as_bytes()));
        assert!(!base62_crc_ok(b"zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ000000"));
    }

    #[test]
    fn prefixes() {
        let gl = "glpat-Zx8Qr2Lm4Nv7Tb1Yc9Wd";
        assert_eq!(m(gl).map(|x| x.1), Some(Rule::SourceControlToken));
        assert_eq!(m("glpat-xxxxxxxxxxxxxxxxxxxx"), None);
        assert_eq!(m("glpat-short"), None);
        let oa = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk";
        assert_eq!(m(oa).map(|x| x.1), Some(Rule::AiServiceKey));
        let tw = "SK0123456789abcdef0123456789abcdef";
        assert_eq!(m(tw).map(|x| x.1), Some(Rule::MessagingKey));
        assert_eq!(m("SK0123456789abcdef0123456789abcdefg"), None);
        // Upper-case hex too (scanners match the SID case-insensitively).
        let up = "SK0123456789ABCDEF0123456789ABCDEF";
        assert_eq!(m(up).map(|x| x.1), Some(Rule::MessagingKey));
    }

    #[test]
    fn catalogue_breadth() {
        assert!(
            Catalogue::providers().len() >= 120,
            "{:?}",
            Catalogue::providers()
        );
    }

    #[test]
    fn no_duplicate_formats() {
        for (i, a) in SPECS.iter().enumerate() {
            for b in &SPECS[i + 1..] {
                assert!(
                    !(a.prefix == b.prefix && a.alpha == b.alpha && a.min == b.min),
                    "duplicate {}",
                    String::from_utf8_lossy(a.prefix)
                );
            }
        }
    }
}
