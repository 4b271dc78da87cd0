//! Keyword proximity: a random-looking value that stands shortly after a
//! credential word (`key`, `secret`, `token`, `pass`, `auth`, `credential`,
//! `api`, `access`, ...) or a vendor name, in any common syntax (`k=v`,
//! `k: v`, `"k": "v"`, `k => v`, `k - v`, `k is v`, `--k v`, `k v`,
//! `X-Api-Key: v`), is a credential. This module reads the key before a value
//! and decides whether it names a credential; the value's own plausibility is
//! judged by `random.rs`, and the token runs come from `tokens.rs`.

use super::Masker;
use super::class::key_char;
use super::keys::KeyClass;
use super::random::{is_dashed_hex_id, looks_random};
use super::rules::{before, run};
use super::syntax::{is_key_char, quoted_end};
use super::vendor_names::{VendorKey, is_whole_vendor_key, vendor_key};

/// Credential words: a key containing one of these names a credential.
pub(crate) const CRED_WORDS: &[&[u8]] = &[
    b"key", b"secret", b"token", b"pass", b"pwd", b"auth", b"cred", b"api", b"access", b"sig",
    b"session", b"cookie", b"bearer", b"private", b"jwt", b"hmac", b"salt",
];

/// Last words of a key that make it metadata about a credential, not one.
const META_WORDS: &[&[u8]] = &[
    b"id",
    b"ids",
    b"name",
    b"names",
    b"arn",
    b"type",
    b"count",
    b"length",
    b"len",
    b"size",
    b"url",
    b"uri",
    b"path",
    b"file",
    b"filename",
    b"version",
    b"at",
    b"time",
    b"date",
    b"prefix",
    b"suffix",
    b"hint",
    b"policy",
    b"format",
    b"region",
    b"user",
    b"username",
    b"email",
    b"host",
    b"kind",
    b"index",
    b"status",
    b"expiry",
    b"expires",
    b"expiration",
    b"ttl",
    b"timeout",
    b"enabled",
    b"required",
    b"provider",
    b"source",
    b"label",
    b"field",
    b"mode",
    b"scope",
    b"scopes",
    b"algorithm",
    b"alg",
    b"method",
    b"fingerprint",
    b"used",
    b"number",
    b"no",
    b"level",
    b"group",
    b"endpoint",
    b"location",
    b"ref",
    b"arns",
];

/// Last words of a key that name a digest of something, not a secret.
const HASH_WORDS: &[&[u8]] = &[
    b"hash",
    b"hashed",
    b"sha",
    b"sha1",
    b"sha256",
    b"sha512",
    b"md5",
    b"digest",
    b"checksum",
];

/// Squashed keys ending in a credential word that are not credentials.
const NOT_SECRET_KEYS: &[&[u8]] = &[
    b"publickey",
    b"pubkey",
    b"partitionkey",
    b"sortkey",
    b"primarykey",
    b"hashkey",
    b"rangekey",
    b"idempotencykey",
    b"cachekey",
    b"objectkey",
    b"s3key",
    b"routingkey",
    b"foreignkey",
    b"sitekey",
    b"publishablekey",
    b"dedupkey",
    b"deduplicationkey",
    b"lockkey",
    b"statekey",
    b"bucketkey",
    b"messagekey",
    b"sessionid",
    b"accesskeyid",
    b"keyid",
    b"tokentype",
    b"apiversion",
    b"apigateway",
    b"accesslog",
    b"authtype",
    b"authmethod",
];

/// Credential words that make a UUID-shaped value a secret when the key ends with them.
const TIGHT_WORDS: &[&[u8]] = &[
    b"key",
    b"token",
    b"secret",
    b"password",
    b"pass",
    b"passwd",
    b"pwd",
    b"credential",
    b"credentials",
    b"auth",
    b"sig",
    b"signature",
    b"apikey",
    b"accesskey",
    b"secretkey",
];

/// The key a value starting at `vs` is assigned to, if any: `Some((tight,
/// min_len))` when the key names a credential (a credential word or a vendor
/// name), with `tight` true when it ends with a credential word (so a UUID
/// counts) and `min_len` the shortest value that counts. `uuid` says the
/// caller already knows the value is a UUID (only a credential word counts).
pub(crate) fn keyword_before(
    m: &Masker,
    b: &[u8],
    vs: usize,
    value: &[u8],
    uuid: bool,
) -> Option<(bool, usize)> {
    let mut i = vs;
    // Opening quotes of the value (possibly escaped).
    let mut n = 0;
    while i > 0 && n < 6 && matches!(b[i - 1], b'"' | b'\'' | b'`' | b'\\') {
        i -= 1;
        n += 1;
    }
    let spaces = |i: &mut usize| {
        let mut k = 0;
        while *i > 0 && k < 8 && matches!(b[*i - 1], b' ' | b'\t') {
            *i -= 1;
            k += 1;
        }
        k
    };
    let sp1 = spaces(&mut i);
    // Separator: = : => := == , | or the words `is`/`-`, or nothing (space only).
    let mut sep = 0;
    while i > 0 && sep < 3 && matches!(b[i - 1], b'=' | b':' | b'>' | b',' | b'|') {
        i -= 1;
        sep += 1;
    }
    // `KEY -> v`, `KEY ?= v`, a call or an index: `setToken(v)`, `token[v]`.
    if i > 0
        && ((sep == 0 && sp1 == 0 && matches!(b[i - 1], b'(' | b'['))
            || (sep == 1 && matches!((b[i - 1], b[i]), (b'-', b'>') | (b'?', b'='))))
    {
        i -= 1;
        sep += 1;
    }
    if sep == 0 {
        if sp1 == 0 {
            return None;
        }
        if i >= 2 && b[i - 1] == b'-' && matches!(before(b, i - 1), b' ' | b'\t') {
            i -= 1;
            sep = 1;
        } else if i >= 3 && b[i - 2..i].eq_ignore_ascii_case(b"is") && before(b, i - 2) == b' ' {
            i -= 2;
            sep = 1;
        }
    }
    spaces(&mut i);
    // Closing quote of the key.
    let mut n = 0;
    while i > 0 && n < 6 && matches!(b[i - 1], b'"' | b'\'' | b'`' | b'\\' | b']') {
        i -= 1;
        n += 1;
    }
    let ke = i;
    while i > 0 && ke - i < 64 && key_char(b[i - 1]) {
        i -= 1;
    }
    let ks = i;
    if ks == ke {
        return None;
    }
    let key = &b[ks..ke];
    // Fast path first: most keys before a long value (`requestId`, `xray`,
    // `commit`) hold no credential word.
    let cred = has_cred_word(key);
    // `sshpass -p v`, `docker login -u bob -p v`: a password flag.
    if sep == 0 && key == b"-p" && before(b, ks) == b' ' {
        return Some((false, 16));
    }
    if !cred {
        return vendor_before(m, key, sep != 0, value, uuid);
    }
    let mut squashed = [0u8; 64];
    let mut sl = 0;
    for &c in key.iter().take(64) {
        if c.is_ascii_alphanumeric() {
            squashed[sl] = c.to_ascii_lowercase();
            sl += 1;
        }
    }
    let sq = &squashed[..sl];
    let mut last = last_word(key);
    // A hash of something (`session_id_hash`, `token_sha256`, `body_digest`)
    // names a digest, not a credential: a hex value under it stays, and the
    // word before the suffix decides otherwise.
    if is_one_of(HASH_WORDS, last) {
        if value.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let head = key.len() - last.len();
        let head = key[..head].trim_ascii_end();
        let head = head.strip_suffix(b"_").or_else(|| head.strip_suffix(b"-"));
        last = last_word(head.unwrap_or(b""));
    }
    if is_one_of(META_WORDS, last)
        || NOT_SECRET_KEYS
            .iter()
            .any(|w| sq.ends_with(w) && word_starts_at(key, w.len()))
    {
        return None;
    }
    // A vendor name that holds a credential word (`privateai`, `coinapi`,
    // `ipapi`) is the vendor's key as a whole: UUIDs and `k v` count.
    let tight = TIGHT_WORDS.iter().any(|w| sq.ends_with(w))
        || m.vendor_words.is_some() && is_whole_vendor_key(key);
    if sep == 0 {
        // `token value` without a separator needs a strong credential word;
        // after a bare `key` only a long value counts. A flag
        // (`--access_key V`, `--key V`) or a compound key (`signing_key V`)
        // is an assignment, so the ordinary length applies.
        let min = if sq == b"key" && !key.starts_with(b"-") {
            20
        } else {
            16
        };
        return tight.then_some((true, min));
    }
    Some((tight, 16))
}

/// A short quoted value under a camelCase or snake_case `...Key` assignment
/// (`const debounceKey = "a8ndUbU8H1lsr"`), found by the `key = ` trigger
/// at `s`: values of 10 to 15 characters are shorter than the token runs the
/// keyword rule sees, so they are judged here. The key must end with the
/// word `key` after another word, not be a known non-secret key
/// (`partitionKey`, `cacheKey`) nor a credential key the sensitive-key rule
/// handles, and the value must mix letters and digits at high entropy.
pub(crate) fn short_key_value(m: &Masker, b: &[u8], s: usize) -> Option<(usize, usize)> {
    let ke = s + 3;
    let mut ks = s;
    while ks > 0 && s - ks < 64 && is_key_char(b[ks - 1]) {
        ks -= 1;
    }
    let key = b.get(ks..ke)?;
    if !last_word(key).eq_ignore_ascii_case(b"key")
        || key.len() < 5
        || NOT_SECRET_KEYS
            .iter()
            .any(|w| ends_with_squashed(key, w) && word_starts_at(key, w.len()))
        || m.classify_key(key) != KeyClass::None
    {
        return None;
    }
    let q0 = ke + 3;
    let qv = run(b, q0, 8, |c| c == b'\\');
    let q = *b.get(qv)?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let cs = qv + 1;
    let ce = quoted_end(b, cs, q, qv - q0);
    let v = b.get(cs..ce)?;
    let ok = (10..16).contains(&v.len())
        && v.iter().all(u8::is_ascii_alphanumeric)
        && v.iter().any(u8::is_ascii_digit)
        && v.iter().any(u8::is_ascii_alphabetic)
        && looks_random(v, 10, false);
    ok.then_some((cs, ce))
}

/// Whether the letters and digits of `key`, lower-cased, end with `w`.
fn ends_with_squashed(key: &[u8], w: &[u8]) -> bool {
    let mut it = key.iter().rev().filter(|c| c.is_ascii_alphanumeric());
    w.iter()
        .rev()
        .all(|&x| it.next().is_some_and(|c| c.to_ascii_lowercase() == x))
}

/// The keyword rule for a key without a credential word: a vendor name.
/// When the whole key is a vendor name (`HEROKU`, `todoist`, `SUMO_LOGIC`)
/// any random-looking value of 16 or more characters counts, a UUID or a
/// 40-character hex value too, in any syntax (`k=v`, `k: v`, `k v`). A key
/// that only holds a vendor name among other words (`ADAFRUIT_IO_FEED`) needs
/// a separator and a random value of 20 or more that is not a UUID or a
/// dashed hex id, and a key ending in a metadata word
/// (`datadog_trace_id`, `heroku_request`, `sentry_sha`) never counts.
fn vendor_before(
    m: &Masker,
    key: &[u8],
    sep: bool,
    value: &[u8],
    uuid: bool,
) -> Option<(bool, usize)> {
    let ac = m.vendor_words.as_ref()?;
    if value.len() < 16 {
        return None;
    }
    // Where only a whole vendor key can count, its words are not looked up.
    if uuid || value.len() < 20 || value.contains(&b'-') && is_dashed_hex_id(value) {
        return is_whole_vendor_key(key).then_some((true, 16));
    }
    let hit = vendor_key(key);
    if hit == Some(VendorKey::Whole) {
        return Some((true, 16));
    }
    // Most keys name no vendor: the word lists below are read only for one
    // that does.
    if !(hit.is_some() || sep && ac.is_match(key)) {
        return None;
    }
    let last = last_word(key);
    if [VENDOR_META_WORDS, META_WORDS, HASH_WORDS]
        .iter()
        .any(|list| is_one_of(list, last))
    {
        return None;
    }
    looks_random(value, 20, false).then_some((false, 20))
}

/// Last words of a key that name something other than a credential of the
/// vendor it mentions (`datadog_trace`, `stripe_event`, `github_commit`).
const VENDOR_META_WORDS: &[&[u8]] = &[
    b"trace",
    b"traceid",
    b"span",
    b"spanid",
    b"request",
    b"requestid",
    b"event",
    b"eventid",
    b"commit",
    b"build",
    b"run",
    b"job",
    b"release",
    b"message",
    b"msg",
    b"org",
    b"project",
    b"account",
    b"team",
    b"channel",
    b"workspace",
    b"site",
    b"env",
    b"slug",
    b"cursor",
    b"etag",
];

/// Bit `j` of entry `i` set when some credential word starts with the
/// lower-case letters `i` and `'a' + j`: a key position whose two bytes are no
/// such pair cannot start one, so one lookup rejects most positions.
static CRED_PAIRS: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut k = 0;
    while k < CRED_WORDS.len() {
        let w = CRED_WORDS[k];
        t[w[0] as usize] |= 1 << (w[1] - b'a');
        k += 1;
    }
    t
};

/// Whether a key holds a credential word, ASCII case-insensitively. Every
/// credential word is at least three lower-case letters long; only positions
/// whose first two bytes start one ([`CRED_PAIRS`]) are compared in full.
pub(crate) fn has_cred_word(key: &[u8]) -> bool {
    let mut i = 0;
    while i + 2 < key.len() {
        let a = key[i].to_ascii_lowercase();
        let b = key[i + 1].to_ascii_lowercase().wrapping_sub(b'a');
        if b < 26 && CRED_PAIRS[usize::from(a)] & (1 << b) != 0 && cred_word_at(&key[i..]) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether `word` is one of `list` (ASCII case-insensitive).
fn is_one_of(list: &[&[u8]], word: &[u8]) -> bool {
    list.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// Whether `rest` starts with a credential word (ASCII case-insensitive).
fn cred_word_at(rest: &[u8]) -> bool {
    CRED_WORDS.iter().any(|w| {
        w.len() <= rest.len()
            && w.iter()
                .zip(rest)
                .all(|(a, b)| *a == b.to_ascii_lowercase())
    })
}

/// [`has_cred_word`] the plain way: every position against every word (the
/// reference the fast version is tested against).
#[cfg(test)]
pub(crate) fn has_cred_word_slow(key: &[u8]) -> bool {
    (0..key.len()).any(|i| cred_word_at(&key[i..]))
}

/// Whether the last `n` letters and digits of `key` start a word of it
/// (`s3ObjectKey`, `object_key`), so a squashed suffix such as `bucketkey`
/// matches `bucketKey` but not the vendor name in `bitbucketKey`.
fn word_starts_at(key: &[u8], n: usize) -> bool {
    let mut left = n;
    let mut p = key.len();
    while p > 0 && left > 0 {
        p -= 1;
        if key[p].is_ascii_alphanumeric() {
            left -= 1;
        }
    }
    let Some(&c) = key.get(p) else { return true };
    match p.checked_sub(1).and_then(|q| key.get(q)) {
        None => true,
        Some(&prev) => {
            !prev.is_ascii_alphanumeric()
                || (c.is_ascii_uppercase() && !prev.is_ascii_uppercase())
                || (c.is_ascii_alphabetic() && prev.is_ascii_digit())
        }
    }
}

/// The last word of a key (`db_password` -> `password`, `apiKeyId` -> `Id`).
fn last_word(key: &[u8]) -> &[u8] {
    let mut e = key.len();
    while e > 0 && !key[e - 1].is_ascii_alphanumeric() {
        e -= 1;
    }
    let mut s = e;
    while s > 0 {
        let c = key[s - 1];
        if !c.is_ascii_alphanumeric() {
            break;
        }
        if c.is_ascii_uppercase() {
            // camelCase boundary: an upper-case letter after lower-case ones starts the word.
            if s < e && key[s].is_ascii_lowercase() {
                s -= 1;
                break;
            }
        }
        s -= 1;
    }
    &key[s..e]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_words() {
        assert_eq!(last_word(b"db_password"), b"password");
        assert_eq!(last_word(b"apiKeyId"), b"Id");
        assert_eq!(last_word(b"X-Api-Key"), b"Key");
        assert_eq!(last_word(b"token"), b"token");
    }
}
