//! Labelled corpus generator for the masking tests: deterministic (seeded
//! SplitMix64, no external files), producing log messages in many shapes
//! (flat/nested JSON, escaped and double-escaped JSON inside strings, text
//! `key=value`, quoted values, YAML-ish lines, HTTP header dumps, URL query
//! strings, Python/Node object dumps, XML, env dumps, multi-line text, PEM
//! blocks) around every secret kind the masker must remove, surrounded by
//! must-keep values and deliberate look-alikes. Each sample carries the secret
//! values that must not survive and the values that must survive verbatim.

#![allow(dead_code)]

use serde_json::{Value, json};

/// One labelled log message.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Generator label, e.g. `password/json_nested`.
    pub label: String,
    /// The raw message text (JSON text for JSON shapes).
    pub text: String,
    /// The parsed message when it is a JSON object.
    pub json: Option<Value>,
    /// Values that must not survive, in any form (nor any 8+ byte piece).
    pub secrets: Vec<String>,
    /// Values that must survive verbatim.
    pub keep: Vec<String>,
}

/// SplitMix64: tiny, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(alphabet[self.below(alphabet.len())]))
            .collect()
    }

    /// `lo..=hi` random characters of `alphabet`.
    pub fn chars_n(&mut self, alphabet: &[u8], lo: usize, hi: usize) -> String {
        let n = self.range(lo, hi);
        self.chars(alphabet, n)
    }

    pub fn digits(&mut self, n: usize) -> String {
        self.chars(DIGITS, n)
    }

    pub fn hex(&mut self, n: usize) -> String {
        self.chars(b"0123456789abcdef", n)
    }

    pub fn uuid(&mut self) -> String {
        format!(
            "{}-{}-4{}-{}{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            self.pick(&["8", "9", "a", "b"]),
            self.hex(3),
            self.hex(12)
        )
    }
}

const DIGITS: &[u8] = b"0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGIT: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// Characters a password may hold when it is written unquoted (`k=v`): no
/// whitespace and none of the delimiters `& ; , " ' ` ) ] } < > | \`.
const UNQUOTED_PW: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%*+-./:=?@^_~";
/// Characters a password may hold when it is quoted: anything printable,
/// including spaces, delimiters, quotes and backslashes (escaped as needed).
const QUOTED_PW: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 !#$%&()*+,-./:;<=>?@[]^_{|}~\"\\'";
/// Characters of a connection-string password (no `/ ? # @` or whitespace).
const URL_PW: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!$%*+-._~=";

const USERS: &[&str] = &[
    "alice",
    "bob",
    "carol.smith",
    "deploy-bot",
    "svc_orders",
    "j.doe",
];
const HOSTS: &[&str] = &[
    "db.internal",
    "orders-db.cluster-abc123.us-east-1.rds.amazonaws.com",
    "cache-01.prod.example.net",
    "api.example.com",
];

/// A random value of a must-keep kind (ids, hashes, ARNs, numbers, ...).
pub fn keep_value(r: &mut Rng) -> (String, String) {
    match r.below(14) {
        0 => ("requestId".into(), r.uuid()),
        1 => ("traceId".into(), format!("1-{}-{}", r.hex(8), r.hex(24))),
        2 => ("commit".into(), r.hex(40)),
        3 => ("imageDigest".into(), format!("sha256:{}", r.hex(64))),
        4 => (
            "secretArn".into(),
            format!(
                "arn:aws:secretsmanager:us-east-1:{}:secret:prod/db-{}",
                r.digits(12),
                r.chars(ALNUM, 6)
            ),
        ),
        5 => (
            "functionArn".into(),
            format!(
                "arn:aws:lambda:eu-west-1:{}:function:orders-{}",
                r.digits(12),
                r.hex(6)
            ),
        ),
        6 => ("host".into(), r.pick(HOSTS).to_string()),
        7 => ("client_id".into(), format!("app-{}", r.chars(ALNUM, 10))),
        8 => ("tokens_used".into(), format!("{}", r.range(1, 99_999))),
        9 => (
            "password_changed_at".into(),
            format!(
                "2024-0{}-1{}T10:{}:00Z",
                r.range(1, 9),
                r.below(9),
                r.range(10, 59)
            ),
        ),
        10 => ("timestamp".into(), format!("17{}", r.digits(11))),
        11 => ("eventId".into(), format!("3{}", r.digits(55))),
        12 => ("user".into(), r.pick(USERS).to_string()),
        _ => (
            "secret_name".into(),
            format!("prod/{}/db", r.pick(&["orders", "billing", "auth"])),
        ),
    }
}

/// The kinds of secrets generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Password,
    Token,
    ApiKey,
    ClientSecret,
    AwsKeyId,
    AwsSecret,
    Jwt,
    Pem,
    Github,
    Slack,
    SlackHook,
    Stripe,
    Google,
    Card,
    UrlPassword,
    BasicAuth,
    Bearer,
    Cookie,
    AzureKey,
}

pub const KINDS: &[Kind] = &[
    Kind::Password,
    Kind::Token,
    Kind::ApiKey,
    Kind::ClientSecret,
    Kind::AwsKeyId,
    Kind::AwsSecret,
    Kind::Jwt,
    Kind::Pem,
    Kind::Github,
    Kind::Slack,
    Kind::SlackHook,
    Kind::Stripe,
    Kind::Google,
    Kind::Card,
    Kind::UrlPassword,
    Kind::BasicAuth,
    Kind::Bearer,
    Kind::Cookie,
    Kind::AzureKey,
];

fn luhn_complete(prefix_and_body: &str) -> String {
    // Append the check digit that makes the number pass Luhn.
    let digits: Vec<u32> = prefix_and_body
        .bytes()
        .map(|c| u32::from(c - b'0'))
        .collect();
    let mut sum = 0;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut d = *d;
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    format!("{prefix_and_body}{}", (10 - sum % 10) % 10)
}

/// A Luhn-valid card number with a real issuer prefix.
pub fn card_digits(r: &mut Rng) -> String {
    let (prefix, len) = match r.below(8) {
        0 => ("4".to_string(), 16),
        1 => (format!("5{}", r.range(1, 5)), 16),
        2 => (format!("2{}", r.range(221, 720)), 16),
        3 => (r.pick(&["34", "37"]).to_string(), 15),
        4 => ("6011".to_string(), 16),
        5 => (format!("35{}", r.range(28, 89)), 16),
        6 => ("62".to_string(), r.range(16, 19)),
        _ => ("4".to_string(), *r.pick(&[13, 19])),
    };
    let body = r.digits(len - prefix.len() - 1);
    luhn_complete(&format!("{prefix}{body}"))
}

/// A card number as printed: plain, or grouped with spaces or dashes.
pub fn card_formatted(r: &mut Rng, digits: &str) -> String {
    let sep = match r.below(3) {
        0 => return digits.to_string(),
        1 => " ",
        _ => "-",
    };
    let groups: Vec<&str> = if digits.len() == 15 {
        vec![&digits[..4], &digits[4..10], &digits[10..]]
    } else {
        digits
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect()
    };
    groups.join(sep)
}

fn pem_block(r: &mut Rng) -> (String, Vec<String>) {
    let label = *r.pick(&[
        "RSA PRIVATE KEY",
        "PRIVATE KEY",
        "EC PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
    ]);
    let lines: Vec<String> = (0..r.range(3, 8)).map(|_| r.chars(B64, 64)).collect();
    let last = r.chars_n(B64, 12, 60) + "==";
    let mut body = lines.clone();
    body.push(last);
    (
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----",
            body.join("\n")
        ),
        body,
    )
}

/// A secret of `kind`: (the value as written, the pieces that must not
/// survive, a natural key name for it). Parts of the value that must survive
/// (user and host of a connection string) are pushed to `keep`.
fn secret(
    r: &mut Rng,
    kind: Kind,
    quoted: bool,
    keep: &mut Vec<String>,
) -> (String, Vec<String>, String) {
    let pw_alpha = if quoted { QUOTED_PW } else { UNQUOTED_PW };
    match kind {
        Kind::Password => {
            let v = r.chars_n(pw_alpha, 10, 28);
            let key = r.pick(&[
                "password",
                "db_password",
                "Password",
                "PASSWD",
                "pwd",
                "userPassword",
                "passphrase",
                "DB_PASS_WORD",
            ]);
            (v.clone(), vec![v], key.to_string())
        }
        Kind::Token => {
            let v = r.chars_n(B64URL, 24, 64);
            let key = r.pick(&[
                "access_token",
                "refresh_token",
                "id_token",
                "session_token",
                "token",
                "X-Auth-Token",
                "csrfToken",
                "accessToken",
                "SessionToken",
                "X-Amz-Security-Token",
            ]);
            (v.clone(), vec![v], key.to_string())
        }
        Kind::ApiKey => {
            let v = r.chars_n(ALNUM, 20, 48);
            let key = r.pick(&[
                "api_key",
                "apikey",
                "x-api-key",
                "X-API-KEY",
                "apiKey",
                "Api-Key",
            ]);
            (v.clone(), vec![v], key.to_string())
        }
        Kind::ClientSecret => {
            let v = r.chars_n(pw_alpha, 16, 40);
            let key = r.pick(&[
                "client_secret",
                "clientSecret",
                "secret",
                "app_secret",
                "secret_key",
                "SECRET_VALUE",
            ]);
            (v.clone(), vec![v], key.to_string())
        }
        Kind::AwsKeyId => {
            let v = format!("{}{}", r.pick(&["AKIA", "ASIA"]), r.chars(UPPER_DIGIT, 16));
            (v.clone(), vec![v], "aws_access_key_id".to_string())
        }
        Kind::AwsSecret => {
            let v = r.chars(B64, 40);
            let key = r.pick(&[
                "aws_secret_access_key",
                "SecretAccessKey",
                "AWS_SECRET_ACCESS_KEY",
                "secretAccessKey",
            ]);
            (v.clone(), vec![v], key.to_string())
        }
        Kind::Jwt => {
            let v = format!(
                "eyJ{}.eyJ{}.{}",
                r.chars_n(B64URL, 17, 40),
                r.chars_n(B64URL, 30, 120),
                r.chars(B64URL, 43)
            );
            (v.clone(), vec![v], "jwt".to_string())
        }
        Kind::Pem => {
            let (block, body) = pem_block(r);
            (block, body, "private_key".to_string())
        }
        Kind::Github => {
            let v = match r.below(6) {
                0 => format!("github_pat_{}_{}", r.chars(ALNUM, 22), r.chars(ALNUM, 59)),
                k => format!(
                    "{}{}",
                    ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"][k - 1],
                    r.chars(ALNUM, 36)
                ),
            };
            (v.clone(), vec![v], "github_token".to_string())
        }
        Kind::Slack => {
            let v = format!(
                "xox{}-{}-{}-{}",
                r.pick(&["b", "p", "a", "s", "r", "o"]),
                r.digits(12),
                r.digits(13),
                r.chars(ALNUM, 24)
            );
            (v.clone(), vec![v], "slack_token".to_string())
        }
        Kind::SlackHook => {
            let path = format!(
                "T{}/B{}/{}",
                r.chars(UPPER_DIGIT, 8),
                r.chars(UPPER_DIGIT, 8),
                r.chars(ALNUM, 24)
            );
            (
                format!("https://hooks.slack.com/services/{path}"),
                vec![path],
                "webhook_url".to_string(),
            )
        }
        Kind::Stripe => {
            let v = match r.below(5) {
                0 => format!("whsec_{}", r.chars(ALNUM, 32)),
                k => format!(
                    "{}{}",
                    ["sk_live_", "rk_live_", "sk_test_", "rk_test_"][k - 1],
                    r.chars_n(ALNUM, 24, 99)
                ),
            };
            (v.clone(), vec![v], "stripe_key".to_string())
        }
        Kind::Google => {
            let v = format!("AIza{}", r.chars(B64URL, 35));
            (v.clone(), vec![v], "maps_key".to_string())
        }
        Kind::Card => {
            let d = card_digits(r);
            let f = card_formatted(r, &d);
            (f.clone(), vec![d, f], "card".to_string())
        }
        Kind::UrlPassword => {
            let pw = r.chars_n(URL_PW, 10, 24);
            let user = r
                .pick(&["app", "admin", "svc_orders", "reader"])
                .to_string();
            let host = r.pick(HOSTS).to_string();
            let scheme = r.pick(&[
                "postgres",
                "postgresql",
                "mysql",
                "mongodb+srv",
                "redis",
                "amqps",
                "https",
            ]);
            keep.push(format!("{scheme}://{user}:"));
            keep.push(format!("@{host}:5432/app"));
            (
                format!("{scheme}://{user}:{pw}@{host}:5432/app"),
                vec![pw],
                "dsn".to_string(),
            )
        }
        Kind::BasicAuth => {
            let user = r.pick(USERS).to_string();
            let pw = r.chars_n(ALNUM, 10, 20);
            let b64 = base64(format!("{user}:{pw}").as_bytes());
            (
                format!("Basic {b64}"),
                vec![b64, pw],
                "Authorization".to_string(),
            )
        }
        Kind::Bearer => {
            let tok = r.chars_n(ALNUM, 24, 64);
            (
                format!("Bearer {tok}"),
                vec![tok],
                "Authorization".to_string(),
            )
        }
        Kind::Cookie => {
            let sid = r.chars_n(ALNUM, 20, 40);
            let csrf = r.chars(ALNUM, 16);
            (
                format!("sid={sid}; csrf={csrf}"),
                vec![sid, csrf],
                "Cookie".to_string(),
            )
        }
        Kind::AzureKey => {
            let k = r.chars(B64, 86) + "==";
            (
                format!(
                    "DefaultEndpointsProtocol=https;AccountName=prodstore;AccountKey={k};EndpointSuffix=core.windows.net"
                ),
                vec![k],
                "connection_string".to_string(),
            )
        }
    }
}

/// Standard base64 with padding.
pub fn base64(input: &[u8]) -> String {
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether a kind is recognisable by its shape alone (no key needed).
fn is_shape(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::AwsKeyId
            | Kind::Jwt
            | Kind::Pem
            | Kind::Github
            | Kind::Slack
            | Kind::SlackHook
            | Kind::Stripe
            | Kind::Google
            | Kind::Card
            | Kind::UrlPassword
            | Kind::BasicAuth
            | Kind::Bearer
            | Kind::AzureKey
    )
}

/// Whether a kind's value contains characters that need the quoted contexts.
fn needs_line_value(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::BasicAuth | Kind::Bearer | Kind::Cookie | Kind::Pem | Kind::AzureKey
    ) || matches!(kind, Kind::Card)
}

fn json_escape(s: &str) -> String {
    let q = serde_json::to_string(s).unwrap_or_default();
    q[1..q.len() - 1].to_string()
}

/// The forms in which a secret could appear in raw text: as is, and JSON-escaped
/// once, twice and three times (JSON inside JSON inside JSON).
pub fn forms(secret: &str) -> Vec<String> {
    let mut v = vec![secret.to_string()];
    let mut cur = secret.to_string();
    for _ in 0..3 {
        cur = json_escape(&cur);
        if !v.contains(&cur) {
            v.push(cur.clone());
        }
    }
    v
}

struct Ctx {
    ts: String,
    req: String,
    user: String,
    keeps: Vec<(String, String)>,
}

fn ctx(r: &mut Rng) -> Ctx {
    let n = r.range(1, 3);
    Ctx {
        ts: format!(
            "2024-03-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            r.range(1, 28),
            r.below(24),
            r.below(60),
            r.below(60),
            r.below(1000)
        ),
        req: r.uuid(),
        user: r.pick(USERS).to_string(),
        keeps: (0..n).map(|_| keep_value(r)).collect(),
    }
}

fn keep_list(c: &Ctx) -> Vec<String> {
    let mut v = vec![c.req.clone(), c.user.clone()];
    v.extend(c.keeps.iter().map(|(_, val)| val.clone()));
    v
}

fn keeps_json(c: &Ctx, obj: &mut serde_json::Map<String, Value>) {
    for (k, v) in &c.keeps {
        let val = match k.as_str() {
            "tokens_used" | "timestamp" => v
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(v.clone())),
            _ => Value::from(v.clone()),
        };
        obj.entry(k.clone()).or_insert(val);
    }
}

fn keeps_text(c: &Ctx) -> String {
    c.keeps
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Generates `per_kind` samples for every secret kind, plus clean and
/// look-alike samples.
pub fn corpus(seed: u64, per_kind: usize) -> Vec<Sample> {
    let mut r = Rng::new(seed);
    let mut out = Vec::new();
    for &kind in KINDS {
        for i in 0..per_kind {
            out.push(sample(&mut r, kind, i));
        }
    }
    for _ in 0..per_kind * 4 {
        out.push(lookalike(&mut r));
    }
    out
}

fn obj(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

fn json_sample(label: String, v: Value, secrets: Vec<String>, keep: Vec<String>) -> Sample {
    text_sample(label, v.to_string(), secrets, keep)
}

/// Builds a sample; the must-keep list is narrowed to the values the shape
/// actually put into the message.
fn text_sample(label: String, text: String, secrets: Vec<String>, mut keep: Vec<String>) -> Sample {
    let json = serde_json::from_str::<Value>(&text)
        .ok()
        .filter(Value::is_object);
    keep.retain(|k| text.contains(k.as_str()));
    keep.sort();
    keep.dedup();
    Sample {
        label,
        text,
        json,
        secrets,
        keep,
    }
}

/// One sample of `kind`, in a shape chosen by `i`.
fn sample(r: &mut Rng, kind: Kind, i: usize) -> Sample {
    let c = ctx(r);
    let mut keep = keep_list(&c);
    let shapes: &[&str] = if is_shape(kind) {
        &[
            "json_flat",
            "json_nested",
            "json_escaped",
            "json_double_escaped",
            "text_kv",
            "text_quoted",
            "prose",
            "multiline",
            "json_array",
            "python",
            "node",
        ]
    } else {
        &[
            "json_flat",
            "json_nested",
            "json_escaped",
            "json_double_escaped",
            "text_kv",
            "text_quoted",
            "yaml",
            "header",
            "url_query",
            "python",
            "node",
            "xml",
            "env",
            "cli",
            "json_array",
            "multiline",
            "json_number",
        ]
    };
    let shape = shapes[i % shapes.len()];
    let quoted = matches!(
        shape,
        "json_flat"
            | "json_nested"
            | "json_escaped"
            | "json_double_escaped"
            | "text_quoted"
            | "python"
            | "node"
            | "json_array"
    );
    let (value, secrets, mut key) = secret(r, kind, quoted, &mut keep);
    if is_shape(kind) && r.below(2) == 0 {
        // A neutral key: the shape rule alone must catch it.
        key = r
            .pick(&["note", "detail", "value", "data", "cfg"])
            .to_string();
    }
    if matches!(kind, Kind::Card) {
        key = r.pick(&["card", "pan", "note", "payment_info"]).to_string();
    }
    let label = format!("{kind:?}/{shape}");
    let line_value = needs_line_value(kind) || value.contains(' ');
    match shape {
        "json_flat" => {
            let mut m = obj(json!({"level": "info", "requestId": c.req, "user": c.user}));
            let v = match value.parse::<u64>() {
                // A card number as a JSON number, half of the time.
                Ok(n) if kind == Kind::Card && r.below(2) == 0 => Value::from(n),
                _ => Value::from(value),
            };
            m.insert(key, v);
            keeps_json(&c, &mut m);
            json_sample(label, Value::Object(m), secrets, keep)
        }
        "json_nested" => {
            let mut inner = serde_json::Map::new();
            inner.insert(key, Value::from(value));
            inner.insert("user".into(), Value::from(c.user.clone()));
            let mut m = obj(
                json!({"requestId": c.req, "request": {"method": "POST", "body": {"auth": inner, "items": [1, 2, 3]}}}),
            );
            keeps_json(&c, &mut m);
            json_sample(label, Value::Object(m), secrets, keep)
        }
        "json_array" => {
            let mut e = serde_json::Map::new();
            e.insert(key, Value::from(value));
            let mut m = obj(
                json!({"requestId": c.req, "user": c.user, "attempts": [{"n": 1}, Value::Object(e)]}),
            );
            keeps_json(&c, &mut m);
            json_sample(label, Value::Object(m), secrets, keep)
        }
        "json_number" => {
            // Numeric credential under a credential key (a PIN-like password).
            let pin = r.chars_n(DIGITS, 8, 12);
            let pin = format!("{}{}", r.range(1, 9), &pin[1..]);
            let mut m = obj(json!({"requestId": c.req, "user": c.user}));
            m.insert(
                if kind == Kind::Password {
                    key
                } else {
                    "password".into()
                },
                Value::from(pin.parse::<u64>().unwrap_or(1)),
            );
            keeps_json(&c, &mut m);
            json_sample(label, Value::Object(m), vec![pin], keep)
        }
        "json_escaped" => {
            let mut inner = obj(json!({"user": c.user, "action": "login"}));
            inner.insert(key, Value::from(value));
            let inner_text = Value::Object(inner).to_string();
            let mut m = obj(json!({"requestId": c.req, "level": "debug", "message": inner_text}));
            keeps_json(&c, &mut m);
            json_sample(label, Value::Object(m), secrets, keep)
        }
        "json_double_escaped" => {
            let mut inner = obj(json!({"user": c.user}));
            inner.insert(key, Value::from(value));
            let mid =
                json!({"payload": Value::Object(inner).to_string(), "source": "sqs"}).to_string();
            let mut m = obj(json!({"requestId": c.req, "event": mid}));
            keeps_json(&c, &mut m);
            json_sample(label, Value::Object(m), secrets, keep)
        }
        "text_kv" => {
            let v = if line_value {
                format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                value
            };
            text_sample(
                label,
                format!(
                    "{}\t{}\tINFO\tlogin user={} {key}={v} {} status=ok",
                    c.ts,
                    c.req,
                    c.user,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
        "text_quoted" => {
            let v = value.replace('\\', "\\\\").replace('"', "\\\"");
            text_sample(
                label,
                format!(
                    "{} level=info user={} {key}=\"{v}\" {} msg=\"done\"",
                    c.ts,
                    c.user,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
        "yaml" => {
            let v = if line_value || value.contains(' ') {
                format!("\"{}\"", value.replace('"', "\\\""))
            } else {
                value
            };
            text_sample(
                label,
                format!(
                    "config:\n  user: {}\n  {key}: {v}\n  requestId: {}\n  {}",
                    c.user,
                    c.req,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
        "header" => {
            let (hname, hval) = match kind {
                Kind::BasicAuth | Kind::Bearer => ("Authorization".to_string(), value),
                Kind::Cookie => (
                    r.pick(&["Cookie", "Set-Cookie", "cookie"]).to_string(),
                    value,
                ),
                _ => {
                    let h = if key.contains('_') {
                        r.pick(&[
                            "X-Api-Key",
                            "X-Auth-Token",
                            "Proxy-Authorization",
                            "x-amz-security-token",
                        ])
                        .to_string()
                    } else {
                        key
                    };
                    (h, value.replace(['\r', '\n'], ""))
                }
            };
            let host = r.pick(HOSTS);
            keep.push(host.to_string());
            text_sample(
                label,
                format!(
                    "POST /v1/orders HTTP/1.1\r\nHost: {host}\r\n{hname}: {hval}\r\nX-Request-Id: {}\r\nUser-Agent: curl/8.0\r\n\r\n{}",
                    c.req,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
        "url_query" => {
            let v = if line_value {
                url_encode(&value)
            } else {
                value
            };
            text_sample(
                label,
                format!(
                    "{} {} GET /oauth/callback?code=abc123&{key}={v}&user={}&state=xyz HTTP/1.1 200 {}",
                    c.ts,
                    c.req,
                    c.user,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
        "python" => {
            let v = value.replace('\\', "\\\\").replace('\'', "\\'");
            text_sample(
                label,
                format!(
                    "{}\t{}\tDEBUG\tpayload={{'user': '{}', '{key}': '{v}', 'requestId': '{}'}} {}",
                    c.ts,
                    c.req,
                    c.user,
                    c.req,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
        "node" => {
            let v = value.replace('\\', "\\\\").replace('\'', "\\'");
            let k = if key.contains('-') {
                format!("'{key}'")
            } else {
                key
            };
            text_sample(
                label,
                format!(
                    "{}\t{}\tINFO\theaders: {{ host: 'api.example.com', {k}: '{v}', 'x-user': '{}' }} {}",
                    c.ts,
                    c.req,
                    c.user,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
        "xml" => {
            let v = value.replace('<', "&lt;");
            text_sample(
                label,
                format!(
                    "<request><user>{}</user><{key}>{v}</{key}><id>{}</id></request> {}",
                    c.user,
                    c.req,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
        "env" => {
            let k = key.to_uppercase().replace('-', "_");
            let v = if line_value {
                format!("'{}'", value.replace('\'', ""))
            } else {
                value
            };
            text_sample(
                label,
                format!(
                    "environment:\nUSER={}\n{k}={v}\nREQUEST_ID={}\n{}",
                    c.user,
                    c.req,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
        "cli" => {
            let v = if line_value {
                format!("\"{}\"", value.replace('"', "\\\""))
            } else {
                value
            };
            let k = key.to_lowercase().replace('_', "-");
            // `--password --abc` is ambiguous with a following flag; documented.
            let v = if v.starts_with("--")
                && v[2..]
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
            {
                format!("x{v}")
            } else {
                v
            };
            text_sample(
                label,
                format!(
                    "{}\t{}\tINFO\texec: tool --user {} --{k} {v} --verbose {}",
                    c.ts,
                    c.req,
                    c.user,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
        "prose" => text_sample(
            label,
            format!(
                "{}\t{}\tWARN\tuser {} used {} to call the API ({})",
                c.ts,
                c.req,
                c.user,
                value,
                keeps_text(&c)
            ),
            secrets,
            keep,
        ),
        _ => {
            // "multiline": a message whose secret is on a later line.
            let v = if is_shape(kind) {
                value
            } else if line_value {
                format!("{key}=\"{}\"", value.replace('"', "\\\""))
            } else {
                format!("{key}={value}")
            };
            text_sample(
                label,
                format!(
                    "{}\t{}\tERROR\tretry failed for {}\n  at step 2\n  context: {v}\n  {}\n",
                    c.ts,
                    c.req,
                    c.user,
                    keeps_text(&c)
                ),
                secrets,
                keep,
            )
        }
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A message with no secret at all, full of values that resemble secrets.
fn lookalike(r: &mut Rng) -> Sample {
    let c = ctx(r);
    let mut keep = keep_list(&c);
    let card = card_digits(r);
    let bad_luhn = {
        let last = card.as_bytes()[card.len() - 1] - b'0';
        format!("{}{}", &card[..card.len() - 1], (last + 1) % 10)
    };
    let (label, text) = match r.below(12) {
        0 => ("lookalike/luhn_fail", format!("{} order {} card {} declined", c.ts, c.req, bad_luhn)),
        1 => ("lookalike/card_in_id", format!("{} ids order_{} eni-{} x{}", c.ts, card, card, card)),
        2 => ("lookalike/aws_like", format!("{} key AKIA{} akia{} Asia/Tokyo", c.ts, r.chars(UPPER_DIGIT, 15), r.chars(UPPER_DIGIT, 16).to_lowercase())),
        3 => ("lookalike/jwt_like", format!("{} cursor=eyJ{} page=2", c.ts, r.chars(B64URL, 30))),
        4 => ("lookalike/vendor_like", format!("{} ghp_{} sk_test_{} pk_live_{} xoxq-{}", c.ts, r.chars(ALNUM, 10), r.chars(ALNUM, 5), r.chars(ALNUM, 24), r.digits(12))),
        5 => ("lookalike/words", format!("{} the bearer token expired; Basic authentication required; password reset for {}", c.ts, c.user)),
        6 => ("lookalike/cert", format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----", r.chars(B64, 64))),
        7 => (
            "lookalike/json_keys",
            json!({"tokens_used": r.range(1, 9999), "max_tokens": 4096, "token_type": "Bearer", "password_changed_at": "2024-01-01T00:00:00Z",
                   "has_password": true, "secret_name": "prod/db", "api_key_id": "key-123", "tokenizer": "cl100k", "password": null, "requestId": c.req, "user": c.user})
            .to_string(),
        ),
        8 => ("lookalike/urls", format!("{} https://{}:8443/v1/@scope/pkg ssh://git@github.com/org/repo.git arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf", c.ts, r.pick(HOSTS))),
        9 => ("lookalike/vpc", format!("2 {} eni-{} 10.0.{}.{} 10.0.{}.{} 443 {} 6 10 840 {} {} ACCEPT OK", r.digits(12), r.hex(17), r.below(255), r.below(255), r.below(255), r.below(255), r.range(1024, 65535), 1_700_000_000 + r.below(1000), 1_700_000_060 + r.below(1000))),
        10 => ("lookalike/report", format!("REPORT RequestId: {}\tDuration: {}.{} ms\tBilled Duration: {} ms\tMemory Size: 512 MB\tMax Memory Used: 87 MB", c.req, r.below(900), r.below(100), r.below(900))),
        _ => ("lookalike/numbers", format!("{} ts=17{} us=17{} event=3{} ratio=0.{}", c.ts, r.digits(11), r.digits(14), r.digits(55), card)),
    };
    // Every token of a look-alike message must survive.
    keep.retain(|k| text.contains(k.as_str()));
    for tok in text.split(|c: char| {
        c.is_whitespace() || c == ',' || c == ';' || c == '"' || c == '(' || c == ')'
    }) {
        if tok.len() >= 4 {
            keep.push(tok.to_string());
        }
    }
    text_sample(label.to_string(), text, Vec::new(), keep)
}
