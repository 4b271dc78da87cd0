//! Value plausibility: decides whether a candidate value looks like a random
//! credential (length, character classes, Shannon entropy) or like something
//! ordinary that must stay readable: a word, a number, a path, a host name, an
//! ARN, a version, a date, a UUID-shaped id, or a placeholder such as `xxxx`,
//! `****`, `<your-token>`, `${TOKEN}`, `#{token}`, `{{ token }}`, `%s`,
//! `REDACTED`, a SOPS-encrypted `ENC[...]`, `%VAR%`, `@VAR@`, `$(command)`,
//! `null`/`none`/`undefined` or a value of one repeated character. Pure
//! functions over bytes; no allocation.

/// True for placeholder values that stand for a secret without being one.
pub(crate) fn is_placeholder(v: &[u8]) -> bool {
    let v = trim_quotes(v);
    if v.is_empty() {
        return true;
    }
    if v.len() > 256 {
        return false;
    }
    let first = v[0];
    let last = v[v.len() - 1];
    // The inside of `<your-token>`, `{TOKEN}`, `[REDACTED]`, `(hidden)`: words only.
    let wordy = |inner: &[u8]| {
        !inner.is_empty()
            && inner.iter().all(|&c| {
                c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b' ' | b'.' | b':')
            })
    };
    let inner = if v.len() >= 2 {
        &v[1..v.len() - 1]
    } else {
        &[][..]
    };
    // <your-token>, ${TOKEN}, #{token}, {{ token }}, %s, $TOKEN, [REDACTED],
    // (hidden), ENC[...] (SOPS: encrypted, not a secret in the clear)
    if (first == b'<' && last == b'>' && wordy(inner))
        || (first == b'{' && last == b'}' && wordy(inner))
        || (first == b'[' && last == b']' && wordy(inner))
        || (first == b'(' && last == b')' && wordy(inner))
        || (v.starts_with(b"{{") && v.ends_with(b"}}"))
        || v.starts_with(b"${")
        || v.starts_with(b"#{")
        || v.starts_with(b"{{")
        || v.starts_with(b"ENC[")
        || v.starts_with(b"%(")
        || v.starts_with(b"$(")
        || (first == b'%' && last == b'%' && v.len() > 2 && env_name(inner))
        || (first == b'@' && last == b'@' && v.len() > 2 && env_name(inner))
        || (first == b'$' && v[1..].iter().all(|&c| c.is_ascii_uppercase() || c == b'_'))
        || matches!(v, b"%s" | b"%v" | b"%d" | b"{}" | b"?" | b"...")
    {
        return true;
    }
    // One repeated character (after any leading vendor prefix such as `ghp_`).
    let body = strip_prefix_word(v);
    if body.len() >= 3 && body.iter().all(|&c| c == body[0] || is_sep(c)) {
        return true;
    }
    if distinct_alnum(body) <= 2 && body.iter().filter(|c| c.is_ascii_alphanumeric()).count() >= 6 {
        return true;
    }
    let mut low = [0u8; 12];
    let n = v.len().min(12);
    for (d, c) in low.iter_mut().zip(v) {
        *d = c.to_ascii_lowercase();
    }
    let low = &low[..n];
    if v.len() <= 12
        && matches!(
            low,
            b"null"
                | b"none"
                | b"nil"
                | b"undefined"
                | b"redacted"
                | b"masked"
                | b"hidden"
                | b"secret"
                | b"password"
                | b"changeme"
                | b"empty"
                | b"n/a"
                | b"na"
                | b"true"
                | b"false"
                | b"***"
                | b"todo"
                | b"tbd"
                | b"example"
                | b"placeholder"
                | b"sample"
                | b"dummy"
                | b"test"
        )
    {
        return true;
    }
    // Runs of x/X/*/# (`ghp_xxxxxxxx...`, `xoxb-xxxxxxxxx-...`), and the
    // usual placeholder words inside a value.
    if placeholder_runs(v) {
        return true;
    }
    has_placeholder_word(v) || is_code_reference(v)
}

/// A variable name between `%...%` (Windows) or `@...@` (autoconf): letters,
/// digits and `_`, starting with a letter or `_`.
fn env_name(v: &[u8]) -> bool {
    v.first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        && v.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// Placeholder words inside a value (`your_api_key_here`, `CHANGEME`).
const PLACEHOLDER_WORDS: &[&[u8]] = &[
    b"redacted",
    b"your_",
    b"your-",
    b"yourkey",
    b"yourtoken",
    b"placeholder",
    b"replace_me",
    b"replaceme",
    b"changeme",
    b"insert_",
    b"dummy",
    b"[masked",
];

/// One pass over `v`: only positions holding the first letter of a
/// placeholder word are compared.
fn has_placeholder_word(v: &[u8]) -> bool {
    for i in 0..v.len() {
        let c = v[i].to_ascii_lowercase();
        if !matches!(c, b'r' | b'y' | b'p' | b'c' | b'i' | b'd' | b'[') {
            continue;
        }
        let rest = &v[i..];
        if PLACEHOLDER_WORDS.iter().any(|w| {
            w[0] == c
                && w.len() <= rest.len()
                && rest
                    .iter()
                    .zip(w.iter())
                    .all(|(a, b)| a.to_ascii_lowercase() == *b)
        }) {
            return true;
        }
    }
    false
}

/// References to where a secret is kept rather than the secret:
/// `process.env.API_KEY`, `os.environ['X']`, `System.getenv("X")`,
/// `secrets.GITHUB_TOKEN`, `vault:secret/data/x`.
fn is_code_reference(v: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[
        b"process.env",
        b"os.environ",
        b"os.getenv",
        b"system.getenv",
        b"getenv(",
        b"env(",
        b"secrets.",
        b"vault:",
        b"ssm:",
        b"arn:aws:secretsmanager",
        b"{{",
        b"%(",
    ];
    let first = v.first().map_or(0, u8::to_ascii_lowercase);
    matches!(
        first,
        b'p' | b'o' | b's' | b'g' | b'e' | b'v' | b'a' | b'{' | b'%'
    ) && PREFIXES
        .iter()
        .any(|p| v.len() >= p.len() && v[..p.len()].eq_ignore_ascii_case(p))
}

fn is_sep(c: u8) -> bool {
    matches!(c, b'-' | b'_' | b'.')
}

fn trim_quotes(v: &[u8]) -> &[u8] {
    let mut v = v;
    while let [q, rest @ ..] = v {
        if matches!(q, b'"' | b'\'' | b'`' | b' ') {
            v = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., q] = v {
        if matches!(q, b'"' | b'\'' | b'`' | b' ') {
            v = rest;
        } else {
            break;
        }
    }
    v
}

/// `ghp_abc` -> `abc`: drops a short alphanumeric leading word that ends in
/// `_`/`-`/`.`.
fn strip_prefix_word(v: &[u8]) -> &[u8] {
    let n = v.iter().take(12).position(|&c| is_sep(c));
    match n {
        Some(i) if i > 0 && i + 1 < v.len() && v[..i].iter().all(u8::is_ascii_alphanumeric) => {
            &v[i + 1..]
        }
        _ => v,
    }
}

fn distinct_alnum(v: &[u8]) -> usize {
    let mut seen = 0u128;
    for &c in v {
        if c.is_ascii_alphanumeric() {
            seen |= 1u128 << (c & 0x7f);
        }
    }
    seen.count_ones() as usize
}

/// Runs of `x`/`X` (6), `*` (3), `#` (4), `.` (3) or `0` (10), in one pass.
fn placeholder_runs(v: &[u8]) -> bool {
    let mut prev = 0u8;
    let mut run = 0usize;
    for &c in v {
        let k = if c == b'X' { b'x' } else { c };
        if k == prev {
            run += 1;
        } else {
            prev = k;
            run = 1;
        }
        let need = match k {
            b'x' => 6,
            b'*' | b'.' => 3,
            b'#' => 4,
            b'0' => 10,
            _ => usize::MAX,
        };
        if run >= need {
            return true;
        }
    }
    false
}

/// Shannon entropy in bits per byte (over the byte values present).
pub(crate) fn entropy(v: &[u8]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut counts = [0u16; 256];
    for &c in v {
        counts[usize::from(c)] = counts[usize::from(c)].saturating_add(1);
    }
    let n = v.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Hex digits, one table lookup per byte.
static HEX: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0usize;
    while c < 256 {
        t[c] = (c as u8).is_ascii_hexdigit();
        c += 1;
    }
    t
};

#[inline]
fn all_hex(v: &[u8]) -> bool {
    v.iter().all(|&c| HEX[usize::from(c)])
}

/// 8-4-4-4-12 hex. The dash positions are checked first: most tokens fail
/// there.
pub(crate) fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v[8] == b'-'
        && v[13] == b'-'
        && v[18] == b'-'
        && v[23] == b'-'
        && all_hex(&v[..8])
        && all_hex(&v[9..13])
        && all_hex(&v[14..18])
        && all_hex(&v[19..23])
        && all_hex(&v[24..])
}

/// Ids made of hex groups joined by `-` (X-Ray `1-5f84c7a1-...`, UUIDs):
/// at least one dash, every group 1 to 24 hex digits. One pass.
pub(crate) fn is_dashed_hex_id(v: &[u8]) -> bool {
    let mut group = 0usize;
    let mut dash = false;
    for &c in v {
        if c == b'-' {
            if group == 0 {
                return false;
            }
            dash = true;
            group = 0;
        } else if HEX[usize::from(c)] {
            group += 1;
            if group > 24 {
                return false;
            }
        } else {
            return false;
        }
    }
    dash && group > 0
}

/// Ordinary values that stay readable even next to a credential word.
pub(crate) fn is_ordinary(v: &[u8]) -> bool {
    if v.is_empty() {
        return true;
    }
    // Numbers, dates, times, versions: digits and . - : + / only.
    if v.iter()
        .all(|&c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b':' | b'+' | b'/' | b'T' | b'Z'))
    {
        return true;
    }
    // v1.2.3
    if (v[0] == b'v' || v[0] == b'V')
        && v.len() > 1
        && v[1..].iter().all(|&c| c.is_ascii_digit() || c == b'.')
    {
        return true;
    }
    // Paths, ARNs, URLs without credentials, e-mail-ish and host names.
    if (v[0] == b'/' && !is_slashed_base64(v))
        || v.starts_with(b"arn:")
        || v.starts_with(b"./")
        || v.starts_with(b"~/")
    {
        return true;
    }
    if memchr::memmem::find(v, b"://").is_some() {
        return true;
    }
    if is_object_path(v) || is_hostname(v) {
        return true;
    }
    // Words: letters only (with - _ separators), snake/camel/kebab case; a
    // long run of letters whose case flips all the time is random, not a word.
    if v.iter()
        .all(|&c| c.is_ascii_alphabetic() || matches!(c, b'-' | b'_' | b'.' | b' '))
    {
        let flips = v
            .windows(2)
            .filter(|w| w[0].is_ascii_uppercase() != w[1].is_ascii_uppercase())
            .count();
        return v.len() < 20 || flips < v.len() / 4;
    }
    false
}

/// Base64 that happens to start with `/` (`/n0OJg/E+TFu...`), not a path:
/// only base64 characters, no `.`, `-` or `_`, and a `+`, or a segment of 16
/// or more characters mixing upper case, lower case and digits.
fn is_slashed_base64(v: &[u8]) -> bool {
    if !v
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b'='))
    {
        return false;
    }
    v.contains(&b'+')
        || v.split(|&c| c == b'/').any(|seg| {
            seg.len() >= 16
                && seg.iter().any(u8::is_ascii_uppercase)
                && seg.iter().any(u8::is_ascii_lowercase)
                && seg.iter().any(u8::is_ascii_digit)
        })
}

/// An object key or relative file path: two or more `/`-separated segments
/// of `[A-Za-z0-9._-]` ending in a file extension of 1-5 characters with a
/// letter (`uploads/2026/11/27/3f0a….png`). Base64 has no `.`, so a secret
/// never takes this shape.
fn is_object_path(v: &[u8]) -> bool {
    let slashes = v.iter().filter(|&&c| c == b'/').count();
    if slashes < 2 || v.windows(2).any(|w| w == b"//") {
        return false;
    }
    let last = v.rsplit(|&c| c == b'/').next().unwrap_or(&[]);
    let Some(dot) = last.iter().rposition(|&c| c == b'.') else {
        return false;
    };
    let ext = &last[dot + 1..];
    dot > 0
        && (1..=5).contains(&ext.len())
        && ext.iter().all(u8::is_ascii_alphanumeric)
        && ext.iter().any(u8::is_ascii_alphabetic)
        && v.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'.' | b'_' | b'-'))
}

/// `api.example.com`, `db-01.internal`: dot-separated labels, last one alphabetic.
fn is_hostname(v: &[u8]) -> bool {
    let dots = v.iter().filter(|&&c| c == b'.').count();
    if dots == 0 || v.len() > 253 {
        return false;
    }
    let ok_chars = v
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b':');
    let tld = v.rsplit(|&c| c == b'.').next().unwrap_or(&[]);
    let tld = tld.split(|&c| c == b':').next().unwrap_or(&[]);
    ok_chars && tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic)
}

/// Whether `v` looks like a machine-generated secret: long enough, mixed
/// character classes, high entropy, and neither ordinary nor a placeholder.
/// UUIDs and dashed hex ids are accepted only when `uuid_ok` (the value stands
/// right after a credential word).
pub(crate) fn looks_random(v: &[u8], min_len: usize, uuid_ok: bool) -> bool {
    if v.len() < min_len || v.len() > 4096 {
        return false;
    }
    if is_uuid(v) || is_dashed_hex_id(v) {
        return uuid_ok && !is_placeholder(v);
    }
    if is_ordinary(v) || is_placeholder(v) {
        return false;
    }
    let (mut up, mut low, mut dig, mut other) = (0usize, 0usize, 0usize, 0usize);
    for &c in v {
        match c {
            b'A'..=b'Z' => up += 1,
            b'a'..=b'z' => low += 1,
            b'0'..=b'9' => dig += 1,
            b' ' | b'\t' => return false,
            _ => other += 1,
        }
    }
    let classes = usize::from(up > 0) + usize::from(low > 0) + usize::from(dig > 0);
    let hex = v.iter().all(u8::is_ascii_hexdigit);
    let e = entropy(v);
    let len = v.len();
    if hex {
        // Hash-like hex: random enough, but it must contain digits and
        // letters. A short random hex string rarely reaches 3 bits per
        // character (16 draws from 16 symbols repeat some).
        let min_e = if len < 24 { 2.5 } else { 3.0 };
        return len >= 16 && dig > 0 && (up + low) > 0 && e >= min_e;
    }
    if dig == 0 && len < 24 {
        // camelCase words without digits (`handleRequest`) are not secrets.
        return false;
    }
    let threshold = if len >= 32 {
        3.5
    } else if len >= 20 {
        3.3
    } else {
        3.0
    };
    (classes >= 2 || other > 0 && classes >= 1) && e >= threshold
}

/// A password-like value (shorter, less random than a token): has letters and
/// digits or symbols and is neither ordinary nor a placeholder.
pub(crate) fn looks_like_password(v: &[u8]) -> bool {
    if v.len() < 6 || v.len() > 256 || is_ordinary(v) || is_placeholder(v) || is_uuid(v) {
        return false;
    }
    let letters = v.iter().any(u8::is_ascii_alphabetic);
    let digits = v.iter().any(u8::is_ascii_digit);
    let symbols = v
        .iter()
        .any(|&c| c.is_ascii_punctuation() && !matches!(c, b'.' | b'-' | b'_'));
    letters && (digits || symbols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            "xxxxxxxxxxxxxxxx",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "xoxb-xxxxxxxxx-xxxxxxxxxx",
            "****",
            "<your-token>",
            "${TOKEN}",
            "#{api_token}",
            "ENC[AES256_GCM,data:Zq8L,iv:Xv9R,tag:Wp7K,type:str]",
            "{{ token }}",
            "%s",
            "REDACTED",
            "[REDACTED]",
            "aaaaaaaaaaaa",
            "null",
            "None",
            "undefined",
            "[MASKED]",
            "your_api_key_here",
            "sk-proj-XXXXXXXXXXXXXXXXXXXX",
            "process.env.API_KEY",
            "os.environ['DB_PASSWORD']",
            "%API_KEY%",
            "@API_KEY@",
            "$(cat /run/secrets/token)",
            "$(vault kv get -field=token secret/app)",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for s in [
            "hunter2",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "a1b2c3d4e5",
        ] {
            assert!(!is_placeholder(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn randomness() {
        assert!(looks_random(b"q8Zr2LmN4vT7yBx1Kd9Wc3Hs", 16, false));
        assert!(looks_random(b"4f9a1c2e7b3d8a6f0e5c4b3a2d1f0e9c", 16, false));
        assert!(!looks_random(
            b"3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c",
            16,
            false
        ));
        assert!(looks_random(
            b"3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c",
            16,
            true
        ));
        for ordinary in [
            "handleRequestCompleted",
            "/var/task/index.js",
            "api.example.com",
            "arn:aws:iam::123456789012:role/x",
            "2026-11-27T10:00:00Z",
            "1234567890123456",
            "v1.2.3",
            "xxxxxxxxxxxxxxxxxxxxxxxx",
        ] {
            assert!(!looks_random(ordinary.as_bytes(), 8, true), "{ordinary}");
        }
    }
}
