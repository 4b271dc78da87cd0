//! Long tokens and keyword proximity. The token-run scan (`card.rs`) reports
//! every run of 16 or more `[A-Za-z0-9_-]` bytes; here each run is checked
//! against the vendor catalogue (`vendors.rs`) and, when no format matches,
//! against the keyword-proximity rule: a random-looking value that stands
//! shortly after a credential word (`key`, `secret`, `token`, `pass`, `auth`,
//! `credential`, `api`, `access`, ...) or a vendor name, in any common syntax
//! (`k=v`, `k: v`, `"k": "v"`, `k => v`, `k - v`, `k is v`, `--k v`, `k v`,
//! `X-Api-Key: v`), is masked; an ordinary value (word, number, path, host,
//! ARN, version, date) is kept, and a UUID only counts right after a credential
//! word. Also here: "same value everywhere", which masks every other
//! occurrence of a value once it has been masked anywhere in the text.

use super::Masker;
use super::config::Rule;
use super::random::{is_dashed_hex_id, is_placeholder, is_uuid, looks_random};
use super::replace::Span;
use super::rules::{before, run};

const URL: u8 = 1;
const NARROW: u8 = 2;
const BROAD: u8 = 4;
const VALUE: u8 = 8;
const BACK: u8 = 16;

/// Character classes of token bytes, one table lookup per byte.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        let url = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        let narrow = url || b == b'.' || b == b'~';
        let value = narrow || b == b'+' || b == b'/' || b == b'=';
        let broad = value || b == b'$' || b == b'!';
        let back = narrow || b == b'+' || b == b'/';
        t[c] = ((url as u8) * URL)
            | ((narrow as u8) * NARROW)
            | ((broad as u8) * BROAD)
            | ((value as u8) * VALUE)
            | ((back as u8) * BACK);
        c += 1;
    }
    t
};

#[inline]
fn is(c: u8, class: u8) -> bool {
    CLASS[usize::from(c)] & class != 0
}

#[inline]
fn url(c: u8) -> bool {
    is(c, URL)
}

#[inline]
fn narrow(c: u8) -> bool {
    is(c, NARROW)
}

#[inline]
fn broad(c: u8) -> bool {
    is(c, BROAD)
}

#[inline]
fn value_char(c: u8) -> bool {
    is(c, VALUE)
}

/// Handles the token run starting at `rs`; returns the position up to which
/// later runs need not be looked at.
pub(crate) fn on_run(m: &Masker, b: &[u8], rs: usize, spans: &mut Vec<Span>) -> usize {
    let run_end = run(b, rs, usize::MAX, url);
    let mut ts = rs;
    while ts > 0 && rs - ts < 256 && narrow(b[ts - 1]) {
        ts -= 1;
    }
    let mut bs = ts;
    while bs > 0 && ts - bs < 256 && broad(b[bs - 1]) {
        bs -= 1;
    }
    // A bare UUID (`requestId`, Lambda request ids): no catalogued format
    // has this shape, so only the keyword rule (right after a credential
    // word) can apply.
    if bs == rs
        && run_end - rs == 36
        && before(b, rs) != b'/'
        && !b.get(run_end).is_some_and(|&c| is(c, VALUE | BROAD))
        && let Some(v) = b.get(rs..run_end)
        && is_uuid(v)
    {
        if m.has(Rule::KeywordSecret)
            && let Some((true, _)) = keyword_before(m, b, rs, v, true)
            && !is_placeholder(v)
        {
            spans.push(Span::new(rs, run_end, Rule::KeywordSecret));
        }
        return run_end;
    }
    let cat = &m.catalogue;
    let mut starts = [bs, ts, rs];
    let mut k = 1;
    for c in [ts, rs] {
        if starts[k - 1] != c {
            starts[k] = c;
            k += 1;
        }
    }
    for &start in &starts[..k] {
        if let Some((end, rule)) = cat.match_at(b, start)
            && end > rs
        {
            spans.push(Span::new(start, end, rule));
            if rule == Rule::AwsAccessKeyId
                && m.has(Rule::AwsSecretKey)
                && let Some((s, e)) = aws_secret_after(b, end)
            {
                spans.push(Span::new(s, e, Rule::AwsSecretKey));
                return e;
            }
            return end.max(run_end);
        }
    }
    if let Some(((s, e), rule)) = cat.custom(b, ts, rs) {
        spans.push(Span::new(s, e, rule));
        return e.max(run_end);
    }
    if m.has(Rule::KeywordSecret) {
        let mut vs = rs;
        while vs > 0 && rs - vs < 256 && is(b[vs - 1], BACK) {
            vs -= 1;
        }
        let mut ve = run(b, run_end, 4096, value_char);
        while ve > vs && b[ve - 1] == b'.' {
            ve -= 1;
        }
        // `a=b` inside the value means it is a key=value pair, not a value.
        let inner_eq = b
            .get(vs..ve)
            .and_then(|v| memchr::memchr(b'=', v).map(|p| v[p..].iter().any(|&c| c != b'=')))
            .unwrap_or(false);
        if !inner_eq
            && let Some(v) = b.get(vs..ve)
            && !m.rep.is_marker(v)
            && v.len() >= 16
            && let Some((tight, min_len)) = keyword_before(m, b, vs, v, false)
            && looks_random(v, min_len, tight)
        {
            spans.push(Span::new(vs, ve, Rule::KeywordSecret));
            return ve.max(run_end);
        }
    }
    run_end
}

/// A bare 40-character AWS secret access key standing shortly after an
/// access key id (`AKIA... wJalr...`, CSV `AKIA...,wJalr...`, JSON
/// `"ASIA...","k":"wJalr..."`): the first run of exactly 40 base64
/// characters that starts within 48 bytes after `end` and mixes upper case,
/// lower case and digits.
fn aws_secret_after(b: &[u8], end: usize) -> Option<(usize, usize)> {
    let b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let limit = end.saturating_add(48).min(b.len());
    let mut i = end;
    while i < limit {
        if !b64(b[i]) {
            i += 1;
            continue;
        }
        let e = run(b, i, 64, b64);
        let v = &b[i..e];
        if v.len() == 40
            && at_boundary(b, e)
            && v.iter().any(u8::is_ascii_uppercase)
            && v.iter().any(u8::is_ascii_lowercase)
            && v.iter().any(u8::is_ascii_digit)
            && !is_placeholder(v)
        {
            return Some((i, e));
        }
        i = e;
    }
    None
}

/// Whether a base64 run ending at `e` ends a token (not followed by `=`
/// padding or another word character).
fn at_boundary(b: &[u8], e: usize) -> bool {
    !matches!(b.get(e), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'=' | b'_' | b'-'))
}

/// Credential words: a key containing one of these names a credential.
const CRED_WORDS: &[&[u8]] = &[
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
    while i > 0 && ke - i < 64 && (url(b[i - 1]) || b[i - 1] == b'.') {
        i -= 1;
    }
    let ks = i;
    if ks == ke {
        return None;
    }
    let key = &b[ks..ke];
    let mut low = [0u8; 64];
    let kl = key.len().min(64);
    for (d, &c) in low.iter_mut().zip(key) {
        *d = c.to_ascii_lowercase();
    }
    let low = &low[..kl];
    // Fast path first: most keys before a long value (`requestId`, `xray`,
    // `commit`) hold no credential word.
    let cred = has_cred_word(low);
    if !cred {
        // A vendor name in the key (`ADAFRUIT_IO`, `sentry_dsn`), checked on
        // the short key before the costlier randomness test of the value.
        // UUIDs and dashed hex ids (`requestId`, X-Ray) never count here.
        let vendor = sep != 0
            && !uuid
            && value.len() >= 20
            && !is_dashed_hex_id(value)
            && m.vendor_words.as_ref().is_some_and(|ac| ac.is_match(key));
        return (vendor && looks_random(value, 20, false)).then_some((false, 20));
    }
    let mut squashed = [0u8; 64];
    let mut sl = 0;
    for &c in low {
        if c.is_ascii_alphanumeric() {
            squashed[sl] = c;
            sl += 1;
        }
    }
    let sq = &squashed[..sl];
    let last = last_word(key);
    if META_WORDS.iter().any(|w| w.eq_ignore_ascii_case(last))
        || NOT_SECRET_KEYS.iter().any(|w| sq.ends_with(w))
    {
        return None;
    }
    let tight = TIGHT_WORDS.iter().any(|w| sq.ends_with(w));
    if sep == 0 {
        // `token value` without a separator needs a strong credential word;
        // after a bare `key` only a long value counts.
        let min = if sq.ends_with(b"key") { 24 } else { 16 };
        return tight.then_some((true, min));
    }
    Some((tight, 16))
}

/// Whether a lower-case key holds a credential word (first-letter filtered).
fn has_cred_word(low: &[u8]) -> bool {
    for i in 0..low.len() {
        if !matches!(
            low[i],
            b'k' | b's' | b't' | b'p' | b'a' | b'c' | b'b' | b'j' | b'h'
        ) {
            continue;
        }
        let rest = &low[i..];
        if CRED_WORDS
            .iter()
            .any(|w| w.len() <= rest.len() && w.iter().zip(rest).all(|(a, b)| a == b))
        {
            return true;
        }
    }
    false
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

/// Vendor and product names that mark a nearby value as a credential, for
/// keys without a generic credential word (`ADAFRUIT_IO=...`).
pub(crate) const VENDOR_WORDS: &[&str] = &[
    "adafruit",
    "adobe",
    "airtable",
    "algolia",
    "alibaba",
    "asana",
    "atlassian",
    "auth0",
    "azure",
    "beamer",
    "bitbucket",
    "bittrex",
    "cloudflare",
    "clojars",
    "codecov",
    "coinbase",
    "confluent",
    "contentful",
    "databricks",
    "datadog",
    "digitalocean",
    "discord",
    "doppler",
    "dropbox",
    "droneci",
    "duffel",
    "dynatrace",
    "easypost",
    "etsy",
    "facebook",
    "fastly",
    "finicity",
    "finnhub",
    "flickr",
    "flutterwave",
    "frameio",
    "freshbooks",
    "gitter",
    "gocardless",
    "grafana",
    "harness",
    "hashicorp",
    "heroku",
    "hubspot",
    "huggingface",
    "intercom",
    "jfrog",
    "artifactory",
    "kraken",
    "kucoin",
    "launchdarkly",
    "linear",
    "linkedin",
    "mailchimp",
    "mailgun",
    "mapbox",
    "mattermost",
    "messagebird",
    "netlify",
    "newrelic",
    "new_relic",
    "nytimes",
    "okta",
    "openai",
    "anthropic",
    "plaid",
    "planetscale",
    "postman",
    "prefect",
    "pulumi",
    "rapidapi",
    "readme",
    "rubygems",
    "scalingo",
    "sendbird",
    "sendgrid",
    "sendinblue",
    "sentry",
    "shippo",
    "shopify",
    "sidekiq",
    "slack",
    "snyk",
    "sonar",
    "sourcegraph",
    "squarespace",
    "sumologic",
    "telegram",
    "travis",
    "trello",
    "twilio",
    "twitch",
    "twitter",
    "typeform",
    "vault",
    "yandex",
    "zendesk",
    "pagerduty",
    "opsgenie",
    "honeycomb",
    "rollbar",
    "bugsnag",
    "logzio",
    "splunk",
    "mongodb",
    "atlas",
    "firebase",
    "supabase",
    "vercel",
    "render",
    "railway",
    "fly",
    "circleci",
    "jenkins",
    "bitrise",
    "buildkite",
    "gitlab",
    "github",
    "stripe",
    "paypal",
    "braintree",
    "square",
    "razorpay",
    "adyen",
    "mollie",
    "klarna",
    "zapier",
    "notion",
    "figma",
    "miro",
    "clickup",
    "monday",
    "jira",
    "confluence",
    "webex",
    "zoom",
    "pusher",
    "ably",
    "mux",
    "cloudinary",
    "imgix",
    "segment",
    "mixpanel",
    "amplitude",
    "posthog",
    "heap",
    "hotjar",
    "optimizely",
    "lokalise",
    "crowdin",
    "deepl",
    "cohere",
    "mistral",
    "replicate",
    "groq",
    "perplexity",
    "pinecone",
    "weaviate",
    "qdrant",
    "langchain",
    "langsmith",
    "wandb",
    "comet",
    "nvidia",
    "elevenlabs",
    "assemblyai",
    "deepgram",
    "rev",
    "pganalyze",
    "rootly",
    "fivetran",
    "snowflake",
    "looker",
    "tableau",
    "metabase",
    "hasura",
    "apollo",
    "contentstack",
    "sanity",
    "storyblok",
    "prismic",
    "strapi",
    "ghost",
    "wordpress",
    "mailjet",
    "postmark",
    "sparkpost",
    "mandrill",
    "brevo",
    "resend",
    "vonage",
    "nexmo",
    "plivo",
    "telnyx",
    "bandwidth",
    "sinch",
    "infobip",
    "onesignal",
    "expo",
    "apns",
    "fcm",
    "yelp",
    "foursquare",
    "here",
    "tomtom",
    "openweather",
    "weatherstack",
    "ipinfo",
    "ipstack",
    "abstract",
    "scrapingbee",
    "scraperapi",
    "browserless",
    "apify",
    "serpapi",
    "rapid",
    "lob",
    "shipstation",
    "easyship",
    "aftership",
    "dwolla",
    "wise",
    "revolut",
    "plaid",
    "gemini",
    "binance",
    "bitfinex",
    "huobi",
    "okx",
    "bybit",
    "coinmarketcap",
    "etherscan",
    "infura",
    "alchemy",
    "moralis",
    "tenderly",
    "chainstack",
    "quicknode",
    "ngrok",
    "tailscale",
    "teleport",
    "zerotier",
    "cloudsmith",
    "packagecloud",
    "gemfury",
    "bintray",
    "npm",
    "pypi",
    "nuget",
    "docker",
    "quay",
    "harbor",
    "octopus",
    "sonarqube",
    "sonarcloud",
    "snyk",
    "veracode",
    "checkmarx",
    "mend",
    "whitesource",
    "fossa",
    "deepsource",
    "codacy",
    "codeclimate",
    "coveralls",
    "percy",
    "browserstack",
    "saucelabs",
    "lambdatest",
    "cypress",
    "heroku",
];

/// The regions covered by `spans`, merged and sorted.
pub(crate) fn merged(spans: &[Span]) -> Vec<(usize, usize)> {
    let mut v: Vec<(usize, usize)> = spans.iter().map(|s| (s.start, s.end)).collect();
    v.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Masks every other occurrence of each masked value in the text ("same
/// value everywhere"): `token = 'abc...' | 'abc...'` masks both copies.
pub(crate) fn propagate(m: &Masker, b: &[u8], spans: &mut Vec<Span>) {
    let mut vals: Vec<(&[u8], u8)> = Vec::new();
    for sp in spans.iter() {
        let Some(v) = b.get(sp.start..sp.end) else {
            continue;
        };
        if vals.iter().any(|(x, _)| *x == v) || !propagatable(m, v) {
            continue;
        }
        vals.push((v, sp.rule));
        if vals.len() >= 16 {
            break;
        }
    }
    if vals.is_empty() {
        return;
    }
    let done = merged(spans);
    let mut added: Vec<Span> = Vec::new();
    for (v, rule) in vals {
        let Some(&first) = v.first() else { continue };
        for occ in memchr::memchr_iter(first, b) {
            if b.get(occ..occ + v.len()) != Some(v) {
                continue;
            }
            let end = occ + v.len();
            // First merged region ending after `occ`: overlap if it starts before `end`.
            let i = done.partition_point(|&(_, e)| e <= occ);
            if done.get(i).is_some_and(|&(s, _)| s < end) {
                continue;
            }
            added.push(Span {
                start: occ,
                end,
                quote_bs: None,
                rule,
            });
            if added.len() > 4096 {
                break;
            }
        }
    }
    spans.extend(added);
}

/// Whether a masked value is distinctive enough to be masked wherever else
/// it appears.
pub(crate) fn propagatable(m: &Masker, v: &[u8]) -> bool {
    v.len() >= 6
        && v.len() <= 1024
        && !matches!(v.first(), Some(b'{' | b'['))
        && !m.rep.is_marker(v)
        && !is_placeholder(v)
        && !v.iter().all(u8::is_ascii_digit)
        && (v.len() >= 8 || v.iter().any(|c| !c.is_ascii_alphabetic()))
        && !is_uuid_like_plain(v)
}

/// Short all-letter words are too common to propagate.
fn is_uuid_like_plain(v: &[u8]) -> bool {
    v.iter().all(u8::is_ascii_alphabetic) && v.len() < 12 && !is_uuid(v)
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
