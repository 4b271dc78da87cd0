//! Sample events: realistic Lambda Kinesis events for tests, the benchmark and users.
//!
//! Records hold gzipped CloudWatch Logs subscription payloads from the log groups
//! a platform team really subscribes: Lambda functions (the text format with
//! START/END/REPORT and multi-line stack traces, and the JSON format with its
//! platform events), API Gateway access logs, VPC flow logs, CloudTrail, syslog
//! from the CloudWatch agent and an ECS service (logback, logfmt, JSON),
//! plus CONTROL_MESSAGE health probes: every shape [`crate::shape`] reads. With
//! `secrets`, some lines carry credentials the mask stage must remove; the
//! [`Generated`] manifest lists them and values that must survive.
//!
//! Deterministic for a seed (a small SplitMix64, no external randomness).

use std::io::Write;

use base64::Engine as _;
use flate2::{Compression, write::GzEncoder};
use serde_json::{Value, json};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenOptions {
    /// Kinesis records with DATA_MESSAGE payloads.
    pub records: usize,
    /// Log events per DATA record.
    pub events_per_record: usize,
    /// CONTROL_MESSAGE records mixed in.
    pub control_records: usize,
    /// Put credentials into some lines.
    pub secrets: bool,
    /// The seed.
    pub seed: u64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            records: 10,
            events_per_record: 20,
            control_records: 1,
            secrets: true,
            seed: 42,
        }
    }
}

/// A generated event and its manifest.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The Lambda Kinesis event.
    pub event: Value,
    /// Log events in DATA records (each must be shipped exactly once).
    pub data_events: usize,
    /// Decompressed payload bytes of all records.
    pub decompressed_bytes: usize,
    /// Values that must not appear in any output.
    pub secrets: Vec<String>,
    /// Values that must appear in the output verbatim.
    pub keep: Vec<String>,
}

/// The account of generated events.
pub const ACCOUNT: &str = "123456789012";
/// The region of generated events.
pub const REGION: &str = "us-east-1";

/// A small deterministic PRNG (SplitMix64) for generated data: the same seed
/// gives the same events, in tests and benchmarks alike.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    /// `n` characters drawn from `alphabet`.
    pub fn chars(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize] as char)
            .collect()
    }
    /// `n` lower-case hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        self.chars(n, b"0123456789abcdef")
    }
    /// A version-4-shaped UUID.
    pub fn uuid(&mut self) -> String {
        format!(
            "{}-{}-4{}-a{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            self.hex(3),
            self.hex(12)
        )
    }
    /// A private IPv4 address.
    pub fn ip(&mut self) -> String {
        format!(
            "10.{}.{}.{}",
            self.below(256),
            self.below(256),
            1 + self.below(254)
        )
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

struct Ctx {
    rng: Rng,
    secrets: Vec<String>,
    keep: Vec<String>,
    with_secrets: bool,
}

impl Ctx {
    fn secret(&mut self, v: String) -> String {
        self.secrets.push(v.clone());
        v
    }
    fn kept(&mut self, v: String) -> String {
        if self.keep.len() < 2_000 {
            self.keep.push(v.clone());
        }
        v
    }
    /// A line carrying a credential, in one of several shapes.
    fn secret_line(&mut self) -> String {
        let user = format!("user-{}", self.rng.hex(6));
        let user = self.kept(user);
        match self.rng.below(6) {
            0 => {
                let pw = self.rng.chars(14, ALNUM);
                let pw = self.secret(pw);
                format!("login attempt user={user} password={pw} result=ok")
            }
            1 => {
                let jwt = format!(
                    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI{}.{}",
                    self.rng.chars(20, ALNUM),
                    self.rng.chars(43, ALNUM)
                );
                let jwt = self.secret(jwt);
                format!("incoming request headers: Authorization: Bearer {jwt}")
            }
            2 => {
                let key = format!(
                    "AKIA{}",
                    self.rng.chars(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                );
                let key = self.secret(key);
                format!(
                    "{{\"msg\":\"assumed role\",\"user\":\"{user}\",\"accessKeyId\":\"{key}\"}}"
                )
            }
            3 => {
                let pw = self.rng.chars(16, ALNUM);
                let pw = self.secret(pw);
                format!("connecting to postgres://{user}:{pw}@db.internal:5432/orders")
            }
            4 => {
                let tok = format!("ghp_{}", self.rng.chars(36, ALNUM));
                let tok = self.secret(tok);
                format!(
                    "{{\"level\":\"debug\",\"config\":{{\"github_token\":\"{tok}\",\"repo\":\"acme/app\"}}}}"
                )
            }
            _ => {
                let key = self.rng.chars(32, ALNUM);
                let key = self.secret(key);
                format!("GET /v1/orders?id=42&api_key={key} HTTP/1.1")
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Source {
    Lambda(&'static str),
    /// A function with Lambda's JSON log format.
    LambdaJson(&'static str),
    ApiGateway,
    VpcFlow,
    Ecs,
    CloudTrail,
    Syslog,
}

const SOURCES: &[Source] = &[
    Source::Lambda("orders-api"),
    Source::Lambda("payments-worker"),
    Source::Lambda("auth-service"),
    Source::Lambda("image-resizer"),
    Source::LambdaJson("checkout-api"),
    Source::ApiGateway,
    Source::VpcFlow,
    Source::Ecs,
    Source::CloudTrail,
    Source::Syslog,
];

/// Generates an event.
pub fn generate(opts: &GenOptions) -> Generated {
    let mut ctx = Ctx {
        rng: Rng::new(opts.seed),
        secrets: Vec::new(),
        keep: Vec::new(),
        with_secrets: opts.secrets,
    };
    let mut records = Vec::with_capacity(opts.records + opts.control_records);
    let mut decompressed = 0usize;
    // Control records are spread evenly through the batch.
    let mut kinds = vec![false; opts.records];
    for k in 0..opts.control_records {
        let at = (k + 1) * kinds.len() / (opts.control_records + 1);
        kinds.insert(at.min(kinds.len()), true);
    }
    let base_ts: i64 = 1_732_000_000_000;
    let mut data_records = 0usize;
    for (i, control) in kinds.into_iter().enumerate() {
        let payload = if control {
            control_payload(base_ts + i as i64)
        } else {
            // Round robin, so that even a small event holds every source.
            let source = SOURCES[data_records % SOURCES.len()];
            data_records += 1;
            data_payload(
                &mut ctx,
                source,
                base_ts + (i as i64) * 1000,
                opts.events_per_record,
            )
        };
        let bytes = serde_json::to_vec(&payload).unwrap_or_default();
        decompressed += bytes.len();
        let mut enc = GzEncoder::new(Vec::new(), Compression::new(6));
        // Writing into a Vec cannot fail.
        let _ = enc.write_all(&bytes);
        let gz = enc.finish().unwrap_or_default();
        records.push(kinesis_record(
            &mut ctx.rng,
            &base64::engine::general_purpose::STANDARD.encode(gz),
            i,
        ));
    }
    Generated {
        event: json!({ "Records": records }),
        data_events: opts.records * opts.events_per_record,
        decompressed_bytes: decompressed,
        secrets: ctx.secrets,
        keep: ctx.keep,
    }
}

/// Sequence number of the i-th generated record (56 digits, increasing).
pub fn sequence_number(i: usize) -> String {
    format!("49654{:051}", 1_000_000 + i)
}

fn kinesis_record(rng: &mut Rng, data: &str, i: usize) -> Value {
    let seq = sequence_number(i);
    json!({
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": rng.hex(32),
            "sequenceNumber": seq,
            "data": data,
            "approximateArrivalTimestamp": 1_732_000_000.123 + i as f64
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("shardId-000000000000:{seq}"),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": format!("arn:aws:iam::{ACCOUNT}:role/logship"),
        "awsRegion": REGION,
        "eventSourceARN": format!("arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/logship")
    })
}

fn control_payload(ts: i64) -> Value {
    json!({
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [{
            "id": "",
            "timestamp": ts,
            "message": "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."
        }]
    })
}

fn data_payload(ctx: &mut Ctx, source: Source, ts: i64, n: usize) -> Value {
    let (group, stream) = match source {
        Source::Lambda(name) => (
            format!("/aws/lambda/{name}"),
            format!("2024/11/19/[$LATEST]{}", ctx.rng.hex(32)),
        ),
        Source::ApiGateway => (
            "/aws/apigateway/orders-api-access".to_owned(),
            ctx.rng.hex(32),
        ),
        Source::VpcFlow => (
            "/vpc/flow-logs".to_owned(),
            format!("eni-{}-all", ctx.rng.hex(17)),
        ),
        Source::LambdaJson(name) => (
            format!("/aws/lambda/{name}"),
            format!("2024/11/19/[$LATEST]{}", ctx.rng.hex(32)),
        ),
        Source::Ecs => (
            "/ecs/checkout".to_owned(),
            format!("checkout/app/{}", ctx.rng.hex(32)),
        ),
        Source::CloudTrail => (
            format!("aws-cloudtrail-logs-{ACCOUNT}-{}", ctx.rng.hex(8)),
            format!("{ACCOUNT}_CloudTrail_{REGION}"),
        ),
        Source::Syslog => (
            "/ec2/var/log/messages".to_owned(),
            format!("i-{}", ctx.rng.hex(17)),
        ),
    };
    let mut events = Vec::with_capacity(n);
    let mut request = ctx.rng.uuid();
    for j in 0..n {
        let t = ts + j as i64;
        let message = match source {
            Source::Lambda(_) => lambda_line(ctx, &mut request, j, n, t),
            Source::LambdaJson(_) => lambda_json_line(ctx, &mut request, j, n, t),
            Source::ApiGateway => apigw_line(ctx, t),
            Source::VpcFlow => vpc_line(ctx, t),
            Source::Ecs => ecs_line(ctx, t),
            Source::CloudTrail => cloudtrail_line(ctx, t),
            Source::Syslog => syslog_line(ctx, t),
        };
        // CloudWatch event ids: 56 digits.
        let id = format!(
            "{:020}{:036}",
            t,
            ctx.rng.next_u64() as u128 * 1_000_000 + j as u128
        );
        events.push(json!({ "id": id, "timestamp": t, "message": message }));
    }
    json!({
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": group,
        "logStream": stream,
        "subscriptionFilters": ["logship"],
        "logEvents": events
    })
}

fn iso(ms: i64) -> String {
    let mut v = Vec::with_capacity(24);
    crate::time::write_rfc3339_ms(ms, &mut v);
    String::from_utf8(v).unwrap_or_default()
}

fn lambda_line(ctx: &mut Ctx, request: &mut String, j: usize, n: usize, t: i64) -> String {
    let position = j % 10;
    if position == 0 {
        *request = ctx.rng.uuid();
        return format!("START RequestId: {request} Version: $LATEST\n");
    }
    if position == 8 || j + 2 == n {
        return format!("END RequestId: {request}\n");
    }
    if position == 9 || j + 1 == n {
        let init = if ctx.rng.below(5) == 0 {
            format!(
                "\tInit Duration: {}.{:02} ms",
                100 + ctx.rng.below(400),
                ctx.rng.below(100)
            )
        } else {
            String::new()
        };
        return format!(
            "REPORT RequestId: {request}\tDuration: {}.{:02} ms\tBilled Duration: {} ms\tMemory Size: 128 MB\tMax Memory Used: {} MB{init}\t\n",
            ctx.rng.below(900),
            ctx.rng.below(100),
            1 + ctx.rng.below(900),
            40 + ctx.rng.below(80)
        );
    }
    let req = request.clone();
    let req = ctx.kept(req);
    if ctx.with_secrets && ctx.rng.below(25) == 0 {
        let body = ctx.secret_line();
        return format!("{}\t{req}\tINFO\t{body}\n", iso(t));
    }
    match ctx.rng.below(6) {
        0 | 1 => format!(
            "{}\t{req}\tINFO\tprocessed order {} for customer {} in {} ms (items={}, total={}.{:02} USD)\n",
            iso(t),
            ctx.rng.below(1_000_000),
            ctx.rng.hex(12),
            ctx.rng.below(500),
            1 + ctx.rng.below(9),
            ctx.rng.below(900),
            ctx.rng.below(100)
        ),
        2 => {
            let trace = format!("1-{}-{}", ctx.rng.hex(8), ctx.rng.hex(24));
            let trace = ctx.kept(trace);
            format!(
                "{{\"level\":\"INFO\",\"message\":\"payment captured\",\"service\":\"payments\",\"timestamp\":\"{}\",\"xray_trace_id\":\"{trace}\",\"amount\":{},\"currency\":\"EUR\",\"tokens_used\":{},\"cold_start\":false}}\n",
                iso(t),
                ctx.rng.below(100_000),
                ctx.rng.below(5000)
            )
        }
        3 => format!(
            "{}\t{req}\tWARN\tretrying downstream call to https://inventory.internal/api/v2/items/{} (attempt {})\n",
            iso(t),
            ctx.rng.below(100_000),
            1 + ctx.rng.below(3)
        ),
        4 => format!(
            "{}\t{req}\tERROR\tInvoke Error \t{{\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'id')\",\"stack\":[\"TypeError: Cannot read properties of undefined (reading 'id')\",\"    at handler (/var/task/index.js:{}:17)\",\"    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\"]}}\n    at handler (/var/task/index.js:42:17)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n",
            iso(t),
            10 + ctx.rng.below(200)
        ),
        _ => {
            let sha = ctx.rng.hex(40);
            let sha = ctx.kept(sha);
            format!(
                "{}\t{req}\tDEBUG\tcache miss for key sku:{} (deploy {sha}, image sha256:{})\n",
                iso(t),
                ctx.rng.below(1_000_000),
                ctx.rng.hex(64)
            )
        }
    }
}

fn apigw_line(ctx: &mut Ctx, t: i64) -> String {
    let methods = ["GET", "POST", "PUT", "DELETE"];
    let routes = [
        "/orders",
        "/orders/{id}",
        "/payments",
        "/health",
        "/users/{id}",
    ];
    let statuses = ["200", "200", "200", "201", "204", "400", "404", "500"];
    let request_id = ctx.rng.uuid();
    let request_id = ctx.kept(request_id);
    format!(
        "{{\"requestId\":\"{request_id}\",\"ip\":\"{}\",\"requestTime\":\"{}\",\"httpMethod\":\"{}\",\"routeKey\":\"{}\",\"status\":\"{}\",\"protocol\":\"HTTP/1.1\",\"responseLength\":\"{}\",\"integrationLatency\":\"{}\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\"}}",
        ctx.rng.ip(),
        iso(t),
        ctx.rng.pick(&methods),
        ctx.rng.pick(&routes),
        ctx.rng.pick(&statuses),
        ctx.rng.below(20_000),
        ctx.rng.below(800)
    )
}

fn vpc_line(ctx: &mut Ctx, t: i64) -> String {
    let secs = t / 1000;
    let eni = format!("eni-{}", ctx.rng.hex(17));
    let eni = ctx.kept(eni);
    format!(
        "2 {ACCOUNT} {eni} {} {} {} {} 6 {} {} {} {} {} OK",
        ctx.rng.ip(),
        ctx.rng.ip(),
        ctx.rng.below(65_535),
        ctx.rng.pick(&["443", "80", "5432", "6379"]),
        1 + ctx.rng.below(100),
        40 + ctx.rng.below(100_000),
        secs - 60,
        secs,
        ctx.rng.pick(&["ACCEPT", "ACCEPT", "REJECT"])
    )
}

fn ecs_line(ctx: &mut Ctx, t: i64) -> String {
    if ctx.with_secrets && ctx.rng.below(30) == 0 {
        return ctx.secret_line();
    }
    let arn = format!(
        "arn:aws:ecs:{REGION}:{ACCOUNT}:task/checkout/{}",
        ctx.rng.hex(32)
    );
    let arn = ctx.kept(arn);
    match ctx.rng.below(5) {
        3 => format!(
            "level=warn ts={} msg=\"slow checkout\" cart={} duration_ms={} task={arn}",
            iso(t),
            ctx.rng.hex(10),
            500 + ctx.rng.below(4000)
        ),
        4 => format!(
            "{}  WARN 1 --- [checkout] [nio-8080-exec-{}] c.a.checkout.web.CartController       : cart {} is stale task={arn}",
            iso(t),
            ctx.rng.below(20),
            ctx.rng.hex(10)
        ),
        0 => format!(
            "{} INFO [http-nio-8080-exec-{}] c.a.checkout.CartController - cart {} updated task={arn}",
            iso(t),
            ctx.rng.below(20),
            ctx.rng.hex(10)
        ),
        1 => format!(
            "{{\"ts\":\"{}\",\"level\":\"info\",\"logger\":\"checkout\",\"msg\":\"order placed\",\"order_id\":{},\"task\":\"{arn}\",\"duration_ms\":{}}}",
            iso(t),
            ctx.rng.below(10_000_000),
            ctx.rng.below(2000)
        ),
        _ => format!(
            "{} ERROR [main] c.a.checkout.PaymentClient - payment failed\njava.net.SocketTimeoutException: Read timed out\n\tat java.base/java.net.SocketInputStream.socketRead0(Native Method)\n\tat com.acme.checkout.PaymentClient.charge(PaymentClient.java:{})",
            iso(t),
            ctx.rng.below(400)
        ),
    }
}

/// Lambda's JSON log format: platform events instead of START/END/REPORT,
/// application lines with `requestId`.
fn lambda_json_line(ctx: &mut Ctx, request: &mut String, j: usize, n: usize, t: i64) -> String {
    let position = j % 10;
    if position == 0 {
        *request = ctx.rng.uuid();
        return format!(
            "{{\"time\":\"{}\",\"type\":\"platform.start\",\"record\":{{\"requestId\":\"{request}\",\"version\":\"$LATEST\"}}}}",
            iso(t)
        );
    }
    if position == 9 || j + 1 == n {
        return format!(
            "{{\"time\":\"{}\",\"type\":\"platform.report\",\"record\":{{\"requestId\":\"{request}\",\"metrics\":{{\"durationMs\":{}.{:02},\"billedDurationMs\":{},\"memorySizeMB\":256,\"maxMemoryUsedMB\":{}}},\"status\":\"success\"}}}}",
            iso(t),
            ctx.rng.below(900),
            ctx.rng.below(100),
            1 + ctx.rng.below(900),
            60 + ctx.rng.below(100)
        );
    }
    let req = request.clone();
    let req = ctx.kept(req);
    if ctx.with_secrets && ctx.rng.below(25) == 0 {
        let body = ctx.secret_line();
        let body = serde_json::to_string(&body).unwrap_or_default();
        return format!(
            "{{\"timestamp\":\"{}\",\"level\":\"INFO\",\"requestId\":\"{req}\",\"message\":{body}}}",
            iso(t)
        );
    }
    let (level, message) = match ctx.rng.below(4) {
        0 => (
            "WARN",
            format!("inventory low for sku {}", ctx.rng.below(100_000)),
        ),
        1 => ("ERROR", "payment provider answered 502".to_owned()),
        _ => ("INFO", format!("checkout {} completed", ctx.rng.hex(12))),
    };
    format!(
        "{{\"timestamp\":\"{}\",\"level\":\"{level}\",\"requestId\":\"{req}\",\"message\":\"{message}\",\"cart_items\":{}}}",
        iso(t),
        1 + ctx.rng.below(9)
    )
}

/// A CloudTrail record as CloudTrail delivers it to CloudWatch Logs.
fn cloudtrail_line(ctx: &mut Ctx, t: i64) -> String {
    let (source, name, read_only) = match ctx.rng.below(4) {
        0 => ("s3.amazonaws.com", "GetObject", true),
        1 => ("ec2.amazonaws.com", "DescribeInstances", true),
        2 => ("iam.amazonaws.com", "CreateAccessKey", false),
        _ => ("sts.amazonaws.com", "AssumeRole", false),
    };
    let denied = ctx.rng.below(8) == 0;
    let error = if denied {
        ",\"errorCode\":\"AccessDenied\",\"errorMessage\":\"not authorized\""
    } else {
        ""
    };
    let event_id = ctx.rng.uuid();
    let event_id = ctx.kept(event_id);
    format!(
        "{{\"eventVersion\":\"1.09\",\"userIdentity\":{{\"type\":\"AssumedRole\",\"principalId\":\"AROA{}:deploy\",\"arn\":\"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/deploy\",\"accountId\":\"{ACCOUNT}\",\"sessionContext\":{{\"sessionIssuer\":{{\"type\":\"Role\",\"userName\":\"Deploy\"}}}}}},\"eventTime\":\"{}\",\"eventSource\":\"{source}\",\"eventName\":\"{name}\",\"awsRegion\":\"{REGION}\",\"sourceIPAddress\":\"{}\",\"userAgent\":\"aws-cli/2.15.0\"{error},\"requestParameters\":{{\"maxResults\":{}}},\"responseElements\":null,\"requestID\":\"{}\",\"eventID\":\"{event_id}\",\"readOnly\":{read_only},\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\"recipientAccountId\":\"{ACCOUNT}\",\"eventCategory\":\"Management\"}}",
        ctx.rng.chars(17, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
        iso(t),
        ctx.rng.ip(),
        1 + ctx.rng.below(100),
        ctx.rng.uuid()
    )
}

/// Syslog as the CloudWatch agent ships `/var/log/messages` (RFC 3164, no PRI).
fn syslog_line(ctx: &mut Ctx, t: i64) -> String {
    let mut stamp = Vec::with_capacity(24);
    crate::time::write_rfc3339_ms(t, &mut stamp);
    // `2024-11-19T07:06:40.123Z` → `Nov 19 07:06:40`.
    let day = stamp
        .get(8..10)
        .map(|d| String::from_utf8_lossy(d).into_owned());
    let time = stamp
        .get(11..19)
        .map(|d| String::from_utf8_lossy(d).into_owned());
    let host = format!("ip-10-0-{}-{}", ctx.rng.below(255), ctx.rng.below(255));
    let head = format!(
        "Nov {} {} {host}",
        day.unwrap_or_default(),
        time.unwrap_or_default()
    );
    match ctx.rng.below(3) {
        0 => format!(
            "{head} systemd[1]: Started Session {} of User ec2-user.",
            ctx.rng.below(10_000)
        ),
        1 => format!(
            "{head} sshd[{}]: Accepted publickey for ec2-user from {} port {} ssh2",
            1000 + ctx.rng.below(60_000),
            ctx.rng.ip(),
            1024 + ctx.rng.below(60_000)
        ),
        _ => format!(
            "{head} kernel: [{}.{:06}] eth0: link up",
            ctx.rng.below(100_000),
            ctx.rng.below(1_000_000)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_counts_right() {
        let opts = GenOptions {
            records: 5,
            events_per_record: 7,
            control_records: 2,
            secrets: true,
            seed: 1,
        };
        let a = generate(&opts);
        let b = generate(&opts);
        assert_eq!(a.event, b.event);
        assert_eq!(a.data_events, 35);
        let records = a.event["Records"].as_array().map(Vec::len);
        assert_eq!(records, Some(7));
    }
}
