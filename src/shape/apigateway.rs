//! API Gateway access logs: the JSON layout with the usual `$context`
//! variable names (`requestId`, `ip`, `httpMethod`, `path`/`resourcePath`,
//! `status`, `protocol`, `responseLength`, `requestTime`, `integrationLatency`,
//! `responseLatency`, `userAgent`, …) and the common log format
//! (`$context.identity.sourceIp $context.identity.caller $context.identity.user
//! [$context.requestTime] "$context.httpMethod $context.resourcePath
//! $context.protocol" $context.status $context.responseLength $context.requestId`).
//! API Gateway writes `-` for a value it does not have: such keys are left out.

use std::borrow::Cow;
use std::net::IpAddr;

use serde_json::{Map, Value};

use super::written::{Fields, Val};
use super::{Shape, Shaped, snake_cow};

const DATASET: &str = "aws.apigateway";

pub(super) fn is_access_log(map: &Map<String, Value>) -> bool {
    map.get("requestId").is_some_and(Value::is_string)
        && (map.contains_key("httpMethod") || map.contains_key("routeKey"))
        && map.contains_key("status")
}

/// [`is_access_log`] for a line of an API Gateway log group, where the
/// group already says what the line is: a request id, a status and any
/// other usual `$context` name (a template need not log the method).
pub(super) fn is_access_log_of_group(map: &Map<String, Value>) -> bool {
    const USUAL: &[&str] = &[
        "httpMethod",
        "routeKey",
        "ip",
        "sourceIp",
        "requestTime",
        "requestTimeEpoch",
        "protocol",
        "responseLength",
        "responseLatency",
        "integrationLatency",
        "path",
        "resourcePath",
        "domainName",
        "userAgent",
    ];
    map.get("requestId").is_some_and(Value::is_string)
        && map.contains_key("status")
        && USUAL.iter().any(|k| map.contains_key(*k))
}

/// Every value as text (a template writes `$context.status` quoted or not):
/// the numbers are read from it, and a field kept as it came is a string in
/// every document, never a number in one and text in another.
fn all_text(map: &mut Map<String, Value>) {
    for v in map.values_mut() {
        if !v.is_string() && !v.is_null() {
            *v = Value::String(v.to_string());
        }
    }
}

/// A number from a JSON number or a string of one.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn integer(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

const HTTP: &[&str] = &["http"];
const HTTP_REQUEST: &[&str] = &["http", "request"];
const HTTP_RESPONSE: &[&str] = &["http", "response"];
const HTTP_RESPONSE_BODY: &[&str] = &["http", "response", "body"];
const CLIENT: &[&str] = &["client"];
const URL: &[&str] = &["url"];
const NETWORK: &[&str] = &["network"];
const USER_AGENT: &[&str] = &["user_agent"];
const USER: &[&str] = &["user"];
const ERROR: &[&str] = &["error"];
const EVENT: &[&str] = &["event"];
const APIGW: &[&str] = &["aws", "apigateway"];

/// An access log line of the JSON layout: its ECS fields written as JSON
/// ([`Shaped::written`]) straight from the parsed line.
pub(super) fn shape_json<'a>(mut map: Map<String, Value>, line: &'a str) -> Option<Shaped<'a>> {
    all_text(&mut map);
    let mut s = Shaped::new(Shape::ApiGateway, DATASET, Cow::Borrowed(""));
    let mut f = Fields::with_capacity(map.len() + 4);
    let mut method = None;
    let mut path = None;
    let mut protocol = None;
    let mut status = None;
    let mut status_text = None;
    let mut bytes = 0;
    for (key, value) in &map {
        if value.is_null() || value.as_str() == Some("-") || value.as_str() == Some("") {
            continue;
        }
        bytes += key.len() + value.as_str().map_or(8, str::len);
        match key.as_str() {
            "requestId" => f.put(HTTP_REQUEST, "id", Val::Ref(value)),
            "ip" | "sourceIp" => {
                if let Some(ip) = value.as_str().filter(|ip| ip.parse::<IpAddr>().is_ok()) {
                    f.put(CLIENT, "ip", Val::Str(ip));
                } else {
                    f.put(CLIENT, "address", Val::Ref(value));
                }
            }
            "httpMethod" => {
                method = value.as_str();
                f.put(HTTP_REQUEST, "method", Val::Ref(value));
            }
            "path" => {
                path = value.as_str();
                f.put(URL, "path", Val::Ref(value));
            }
            "resourcePath" => {
                if path.is_none() {
                    path = value.as_str();
                }
                f.put(APIGW, "resource_path", Val::Ref(value));
            }
            "status" => match integer(value) {
                Some(code) => {
                    status = Some(code);
                    f.put(HTTP_RESPONSE, "status_code", Val::Own(code.into()));
                }
                None => {
                    status_text = Some(value);
                    f.put(APIGW, "status", Val::Ref(value));
                }
            },
            "protocol" => {
                protocol = value.as_str();
                match value.as_str().and_then(|p| p.strip_prefix("HTTP/")) {
                    Some(v) => {
                        f.put(HTTP, "version", Val::Str(v));
                        f.put(NETWORK, "protocol", Val::Str("http"));
                    }
                    None => f.put(APIGW, "protocol", Val::Ref(value)),
                }
            }
            "responseLength" => match integer(value) {
                Some(n) => f.put(HTTP_RESPONSE_BODY, "bytes", Val::Own(n.into())),
                None => f.put(APIGW, "response_length", Val::Ref(value)),
            },
            "userAgent" => f.put(USER_AGENT, "original", Val::Ref(value)),
            "domainName" => f.put(URL, "domain", Val::Ref(value)),
            "responseLatency" => match number(value) {
                Some(ms) => {
                    f.put(APIGW, "response_latency_ms", Val::Own(ms.into()));
                    let ns = (ms * 1_000_000.0) as u64;
                    f.put(EVENT, "duration", Val::Own(ns.into()));
                }
                None => f.put(APIGW, "response_latency", Val::Ref(value)),
            },
            "integrationLatency" => match number(value) {
                Some(ms) => f.put(APIGW, "integration_latency_ms", Val::Own(ms.into())),
                None => f.put(APIGW, "integration_latency", Val::Ref(value)),
            },
            "errorMessage" | "error.message" => f.put(ERROR, "message", Val::Ref(value)),
            "user" => f.put(USER, "name", Val::Ref(value)),
            _ => match context_name(key) {
                Some(name) => f.put(APIGW, name, Val::Ref(value)),
                // A name Elasticsearch refuses is never written (as the tree's free names).
                None => match snake_cow(key) {
                    name if name.is_empty() => f.put(APIGW, "_empty", Val::Ref(value)),
                    name if name.trim().is_empty() => f.put(APIGW, "_blank", Val::Ref(value)),
                    name => f.put(APIGW, name, Val::Ref(value)),
                },
            },
        }
    }
    if let Some(code) = status {
        let outcome = if code >= 400 { "failure" } else { "success" };
        f.put(EVENT, "outcome", Val::Str(outcome));
    }
    s.message = Cow::Owned(access_message(method, path, protocol, status, status_text));
    // None also when two keys set one field: the tree then keeps both.
    let Some(json) = f.write(bytes * 2 + 256) else {
        return shape_json_tree(map, line);
    };
    if !json.is_empty() {
        s.written = Some(json);
    }
    Some(s.or_line(line))
}

/// [`shape_json`] into [`Shaped::fields`] (the tree): the reference of the
/// JSON written directly, the reader of the rare line whose numbers would not
/// read back as they were, and of the line two of whose keys name one field
/// (`fooBar` and `foo_bar`, `integrationLatency` and
/// `integration_latency_ms`): the known keys take their ECS names first, then
/// each other key its snake-case name if still free, else its own
/// ([`super::free_name`]), so no value is lost.
fn shape_json_tree<'a>(mut map: Map<String, Value>, line: &'a str) -> Option<Shaped<'a>> {
    all_text(&mut map);
    let mut s = Shaped::new(Shape::ApiGateway, DATASET, Cow::Borrowed(""));
    let mut method = None;
    let mut path = None;
    let mut protocol = None;
    let mut status = None;
    let mut status_text = None;
    let mut other = Vec::new();
    for (key, value) in map {
        if value.is_null() || value.as_str() == Some("-") || value.as_str() == Some("") {
            continue;
        }
        match key.as_str() {
            "requestId" => s.put("http.request.id", value),
            "ip" | "sourceIp" => {
                let ip = value
                    .as_str()
                    .is_some_and(|ip| ip.parse::<IpAddr>().is_ok());
                let field = if ip { "client.ip" } else { "client.address" };
                if s.has(field) {
                    other.push((key, value));
                } else {
                    s.put(field, value);
                }
            }
            "httpMethod" => {
                method = value.as_str().map(str::to_owned);
                s.put("http.request.method", value);
            }
            "path" => {
                path = value.as_str().map(str::to_owned);
                s.put("url.path", value);
            }
            "resourcePath" => {
                if path.is_none() {
                    path = value.as_str().map(str::to_owned);
                }
                s.put("aws.apigateway.resource_path", value);
            }
            "status" => match integer(&value) {
                Some(code) => {
                    status = Some(code);
                    s.put("http.response.status_code", code);
                }
                None => {
                    status_text = Some(value.clone());
                    s.put("aws.apigateway.status", value);
                }
            },
            "protocol" => {
                protocol = value.as_str().map(str::to_owned);
                match value.as_str().and_then(|p| p.strip_prefix("HTTP/")) {
                    Some(v) => {
                        s.put("http.version", v);
                        s.put("network.protocol", "http");
                    }
                    None => s.put("aws.apigateway.protocol", value),
                }
            }
            "responseLength" => match integer(&value) {
                Some(n) => s.put("http.response.body.bytes", n),
                None => s.put("aws.apigateway.response_length", value),
            },
            "userAgent" => s.put("user_agent.original", value),
            "domainName" => s.put("url.domain", value),
            "responseLatency" => match number(&value) {
                Some(ms) => {
                    s.put("aws.apigateway.response_latency_ms", ms);
                    s.put("event.duration", (ms * 1_000_000.0) as u64);
                }
                None => s.put("aws.apigateway.response_latency", value),
            },
            "integrationLatency" => match number(&value) {
                Some(ms) => s.put("aws.apigateway.integration_latency_ms", ms),
                None => s.put("aws.apigateway.integration_latency", value),
            },
            "errorMessage" | "error.message" if !s.has("error.message") => {
                s.put("error.message", value)
            }
            "user" => s.put("user.name", value),
            _ => other.push((key, value)),
        }
    }
    // The usual variables and the keys already in snake case first: they
    // keep their names whatever else snake-cases to them.
    other.sort_by_key(|(key, _)| {
        context_name(key).is_none() && matches!(snake_cow(key), Cow::Owned(_))
    });
    for (key, value) in other {
        let name = context_name(&key).map_or_else(|| snake_cow(&key), Cow::Borrowed);
        s.put_named(APIGW, &key, &name, value);
    }
    if let Some(code) = status {
        s.put(
            "event.outcome",
            if code >= 400 { "failure" } else { "success" },
        );
    }
    s.message = Cow::Owned(access_message(
        method.as_deref(),
        path.as_deref(),
        protocol.as_deref(),
        status,
        status_text.as_ref(),
    ));
    Some(s.or_line(line))
}

/// The snake case name of a usual `$context` variable of the access log
/// templates, without making it (what [`snake_cow`] would make of it).
fn context_name(key: &str) -> Option<&'static str> {
    Some(match key {
        "requestTime" => "request_time",
        "requestTimeEpoch" => "request_time_epoch",
        "routeKey" => "route_key",
        "apiId" => "api_id",
        "domainPrefix" => "domain_prefix",
        "integrationStatus" => "integration_status",
        "integrationErrorMessage" => "integration_error_message",
        "extendedRequestId" => "extended_request_id",
        "resourceId" => "resource_id",
        "accountId" => "account_id",
        "wafResponseCode" => "waf_response_code",
        _ => return None,
    })
}

/// An access line's message: `METHOD path protocol status`, what is known
/// of it (the status as written when it is not a number).
fn access_message(
    method: Option<&str>,
    path: Option<&str>,
    protocol: Option<&str>,
    status: Option<u64>,
    status_text: Option<&Value>,
) -> String {
    let mut code = itoa::Buffer::new();
    let status = match (status, status_text) {
        (Some(n), _) => Some(Cow::Borrowed(code.format(n))),
        (None, Some(Value::String(t))) => Some(Cow::Borrowed(t.as_str())),
        (None, Some(other)) => Some(Cow::Owned(other.to_string())),
        (None, None) => None,
    };
    let parts = [method, path, protocol, status.as_deref()];
    let len: usize = parts.iter().flatten().map(|p| p.len() + 1).sum();
    let mut message = String::with_capacity(len);
    for part in parts.into_iter().flatten() {
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(part);
    }
    message
}

/// `dd/Mon/yyyy:hh:mm:ss +zzzz`, each part in its range.
fn is_clf_time(t: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let b = t.as_bytes();
    let num = |i: usize, n: usize, max: u32| {
        t.get(i..i + n)
            .filter(|d| d.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|d| d.parse::<u32>().ok())
            .is_some_and(|v| v <= max)
    };
    b.len() == 26
        && num(0, 2, 31)
        && b.get(2) == Some(&b'/')
        && t.get(3..6).is_some_and(|m| MONTHS.contains(&m))
        && b.get(6) == Some(&b'/')
        && num(7, 4, 9999)
        && b.get(11) == Some(&b':')
        && num(12, 2, 23)
        && b.get(14) == Some(&b':')
        && num(15, 2, 59)
        && b.get(17) == Some(&b':')
        && num(18, 2, 60)
        && b.get(20) == Some(&b' ')
        && matches!(b.get(21), Some(b'+' | b'-'))
        && num(22, 4, 2359)
}

/// The common log format, as API Gateway's console template writes it (the
/// request id last), or Apache's combined format (referer and user agent).
pub(super) fn parse_clf<'a>(line: &'a str, dataset: &'static str) -> Option<Shaped<'a>> {
    let (ip, rest) = line.split_once(' ')?;
    if ip.len() > 45 || ip.parse::<IpAddr>().is_err() {
        return None;
    }
    let (caller, rest) = rest.split_once(' ')?;
    let (user, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix('[')?;
    let (time, rest) = rest.split_once("] ")?;
    if !is_clf_time(time) {
        return None;
    }
    let rest = rest.strip_prefix('"')?;
    let (request, rest) = rest.split_once("\" ")?;
    let mut tail = rest.split(' ');
    let status = tail.next()?;
    let length = tail.next()?;
    let code = status
        .parse::<u16>()
        .ok()
        .filter(|c| (100..=599).contains(c))?;
    if length != "-" && length.parse::<u64>().is_err() {
        return None;
    }
    let after: Vec<&str> = tail.collect();
    let trailer = after.join(" ");
    let request_id = match after.as_slice() {
        [id] if !id.starts_with('"') && !id.is_empty() => Some(*id),
        _ => None,
    };
    let dataset = if request_id.is_some() {
        DATASET
    } else {
        dataset
    };
    let mut s = Shaped::new(Shape::ApiGateway, dataset, Cow::Borrowed(line));
    s.put("client.ip", ip);
    if caller != "-" {
        s.put("aws.apigateway.caller", caller);
    }
    if user != "-" {
        s.put("user.name", user);
    }
    s.put("aws.apigateway.request_time", time);
    let mut parts = request.split(' ');
    if let (Some(method), Some(target)) = (parts.next(), parts.next()) {
        s.put("http.request.method", method);
        s.put("url.original", target);
        s.put("url.path", target.split('?').next().unwrap_or(target));
        if let Some(v) = parts.next().and_then(|p| p.strip_prefix("HTTP/")) {
            s.put("http.version", v);
        }
    }
    s.put("http.response.status_code", code);
    s.put(
        "event.outcome",
        if code >= 400 { "failure" } else { "success" },
    );
    if let Ok(n) = length.parse::<u64>() {
        s.put("http.response.body.bytes", n);
    }
    match request_id {
        Some(id) => s.put("http.request.id", id),
        None => {
            // Combined: `"referer" "user agent"`.
            let quoted: Vec<&str> = trailer
                .split('"')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            if let [referrer, agent] = quoted.as_slice() {
                if *referrer != "-" {
                    s.put("http.request.referrer", *referrer);
                }
                if *agent != "-" {
                    s.put("user_agent.original", *agent);
                }
            }
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use super::super::{EcsJson, Shape, understand};
    use super::{shape_json, shape_json_tree};

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => prop::sample::select(vec![
                "requestId", "ip", "sourceIp", "httpMethod", "path", "resourcePath", "status",
                "protocol", "responseLength", "userAgent", "domainName", "responseLatency",
                "integrationLatency", "errorMessage", "error.message", "user", "caller",
                "requestTime", "routeKey", "stage", "apiId", "integrationStatus",
                "resource_path", "response_latency_ms", "status_code", "Path", "x-amzn-trace",
                "a.b", "", "integration latency",
            ])
            .prop_map(str::to_owned),
            1 => "[a-zA-Z_. \\-\"]{0,10}",
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            "[ -~]{0,12}".prop_map(Value::from),
            Just(json!("-")),
            Just(json!("")),
            Just(Value::Null),
            Just(json!("HTTP/1.1")),
            Just(json!("198.51.100.7")),
            "[0-9]{1,4}".prop_map(Value::from),
            " ?[0-9]{1,3}\\.[0-9]{1,2} ?".prop_map(Value::from),
            (0u64..100_000).prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            Just(json!(true)),
            Just(json!({"k": [1, "v"]})),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        #[test]
        fn written_fields_are_the_tree(pairs in prop::collection::vec((key(), value()), 0..14)) {
            let map: Map<String, Value> = pairs.into_iter().collect();
            let tree = shape_json_tree(map.clone(), "{}");
            let written = shape_json(map, "{}");
            prop_assert_eq!(tree.is_some(), written.is_some());
            if let (Some(tree), Some(mut written)) = (tree, written) {
                // The rare line whose numbers would not read back is read into the tree.
                if let Some(w) = written.written.take() {
                    prop_assert!(written.fields.is_empty());
                    // Byte for byte what the document writer makes of the tree.
                    prop_assert_eq!(&w, &EcsJson::from_tree(&tree.fields));
                    written.fields = w.into_map();
                }
                prop_assert_eq!(written, tree);
            }
        }
    }

    /// Every leaf of `v`, as text (numbers as JSON writes them).
    fn leaves(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m.values().for_each(|v| leaves(v, out)),
            Value::String(s) => out.push(s.clone()),
            other => out.push(other.to_string()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(800))]

        /// No value of the line is lost: each key that says something
        /// (not `-`, empty or null) is a field of its own, found by its
        /// value (as written, as the number it says, or the version after
        /// `HTTP/`), however many keys snake-case to one name.
        #[test]
        fn every_value_is_kept(pairs in prop::collection::vec((key(), value()), 0..14)) {
            let map: Map<String, Value> = pairs.into_iter().collect();
            let said: Vec<&Value> = map
                .values()
                .filter(|v| !v.is_null() && v.as_str() != Some("-") && v.as_str() != Some(""))
                .collect();
            let Some(s) = shape_json(map.clone(), "{}") else {
                return Err(TestCaseError::fail("an access line"));
            };
            let fields = match s.written {
                Some(w) => w.into_map(),
                None => s.fields,
            };
            let mut out = Vec::new();
            leaves(&Value::Object(fields), &mut out);
            for v in said {
                let text = match v {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                let number = text.trim().parse::<f64>().ok();
                let found = out.iter().any(|o| {
                    *o == text
                        || text.strip_prefix("HTTP/") == Some(o.as_str())
                        || number.is_some_and(|n| o.parse::<f64>().ok() == Some(n))
                        // a JSON object kept as it is, each leaf inside
                        || v.is_object()
                });
                prop_assert!(found, "{} lost from {:?}", text, map);
            }
        }
    }

    #[test]
    fn keys_that_snake_case_alike_keep_every_value() {
        let line = r#"{"requestId":"r1","httpMethod":"GET","status":"200","path":"/p","protocol":"HTTP/1.1","integrationLatency":"10","integration_latency_ms":"6","fooBar":"1","foo_bar":"2","FooBar":"3","foo-bar":"4","foo.bar":"5","Status":"s1","STATUS":"s2","ip":"198.51.100.7","sourceIp":"203.0.113.9"}"#;
        let s = understand(G, line).expect("access log");
        let a = &s.fields["aws"]["apigateway"];
        assert_eq!(a["integration_latency_ms"], 10.0);
        assert_eq!(a["integration_latency_ms_2"], "6");
        assert_eq!(a["foo_bar"], "2");
        assert_eq!(a["FooBar"], "3");
        assert_eq!(a["foo-bar"], "4");
        assert_eq!(a["foo_bar_2"], "5");
        assert_eq!(a["fooBar"], "1");
        assert_eq!(a["status"], "s2");
        assert_eq!(a["Status"], "s1");
        assert_eq!(s.fields["client"]["ip"], "198.51.100.7");
        assert_eq!(a["source_ip"], "203.0.113.9");
        assert_eq!(s.fields["http"]["response"]["status_code"], 200);
    }

    #[test]
    fn a_status_that_is_no_number_is_in_the_message() {
        let line = r#"{"requestId":"r1","httpMethod":"GET","status":"20x","path":"/p","protocol":"HTTP/1.1"}"#;
        let s = understand(G, line).expect("access log");
        assert_eq!(s.message, "GET /p HTTP/1.1 20x");
        assert_eq!(s.fields["aws"]["apigateway"]["status"], "20x");
        // Nothing known but the id: the message is the line.
        let line = r#"{"requestId":"r1","httpMethod":"-","status":"-"}"#;
        let s = understand(G, line).expect("access log");
        assert_eq!(s.message, line);
    }

    #[test]
    fn an_access_line_without_a_method_in_its_group() {
        let line = r#"{"requestId":"a","ip":"1.2.3.4","status":"200","responseLatency":"5"}"#;
        let s = understand("/aws/apigateway/access", line).expect("access log");
        assert_eq!(s.fields["http"]["response"]["status_code"], 200);
        assert_eq!(s.fields["client"]["ip"], "1.2.3.4");
        // Elsewhere the method (or route) is still asked for.
        assert!(understand("/ecs/x", line).is_none());
    }

    #[test]
    fn a_message_or_level_key_does_not_hide_an_access_line_of_its_group() {
        let line = r#"{"requestId":"r1","httpMethod":"GET","status":"200","path":"/p","message":"hello","level":"info"}"#;
        let s = understand("/aws/apigateway/orders", line).expect("access log");
        assert_eq!(s.shape, Shape::ApiGateway);
        assert_eq!(s.fields["http"]["response"]["status_code"], 200);
        assert_eq!(s.fields["aws"]["apigateway"]["message"], "hello");
    }

    const G: &str = "API-Gateway-Access-Logs_orders/prod";

    #[test]
    fn context_names_are_their_snake_case() {
        for key in [
            "requestTime",
            "requestTimeEpoch",
            "routeKey",
            "apiId",
            "domainPrefix",
            "integrationStatus",
            "integrationErrorMessage",
            "extendedRequestId",
            "resourceId",
            "accountId",
            "wafResponseCode",
        ] {
            assert_eq!(
                super::context_name(key),
                Some(super::super::snake(key).as_str())
            );
        }
        assert_eq!(super::context_name("stage"), None);
    }

    #[test]
    fn rest_api_json_template() {
        let line = r#"{"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","ip":"198.51.100.7","caller":"-","user":"-","requestTime":"27/Nov/2026:10:00:02 +0000","httpMethod":"POST","resourcePath":"/orders/{id}","path":"/prod/orders/42","status":"502","protocol":"HTTP/1.1","responseLength":"36","integrationLatency":"28","responseLatency":"31","userAgent":"curl/8.5.0","stage":"prod","apiId":"a1b2c3d4e5","integrationStatus":"500","errorMessage":"Internal server error"}"#;
        let s = understand(G, line).expect("apigw");
        assert_eq!(s.shape, Shape::ApiGateway);
        assert_eq!(s.dataset, "aws.apigateway");
        assert_eq!(s.message, "POST /prod/orders/42 HTTP/1.1 502");
        let f = &s.fields;
        assert_eq!(f["http"]["request"]["method"], "POST");
        assert_eq!(
            f["http"]["request"]["id"],
            "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
        );
        assert_eq!(f["http"]["response"]["status_code"], 502);
        assert_eq!(f["http"]["response"]["body"]["bytes"], 36);
        assert_eq!(f["http"]["version"], "1.1");
        assert_eq!(f["url"]["path"], "/prod/orders/42");
        assert_eq!(f["client"]["ip"], "198.51.100.7");
        assert_eq!(f["user_agent"]["original"], "curl/8.5.0");
        assert_eq!(f["event"]["outcome"], "failure");
        assert_eq!(f["event"]["duration"], 31_000_000);
        assert_eq!(f["error"]["message"], "Internal server error");
        let a = &f["aws"]["apigateway"];
        assert_eq!(a["resource_path"], "/orders/{id}");
        assert_eq!(a["request_time"], "27/Nov/2026:10:00:02 +0000");
        assert_eq!(a["integration_latency_ms"], 28.0);
        assert_eq!(a["response_latency_ms"], 31.0);
        assert_eq!(a["stage"], "prod");
        assert_eq!(a["api_id"], "a1b2c3d4e5");
        assert_eq!(a["integration_status"], "500");
        assert!(a.get("caller").is_none());
    }

    #[test]
    fn http_api_default_template() {
        let line = r#"{"requestId":"Ab1CdEfGhIjKlMn=","ip":"203.0.113.5","requestTime":"27/Nov/2026:10:00:02 +0000","httpMethod":"GET","routeKey":"GET /pets","status":"200","protocol":"HTTP/1.1","responseLength":"1024"}"#;
        let s = understand(G, line).expect("apigw");
        assert_eq!(s.message, "GET HTTP/1.1 200");
        assert_eq!(s.fields["aws"]["apigateway"]["route_key"], "GET /pets");
        assert_eq!(s.fields["event"]["outcome"], "success");
    }

    #[test]
    fn common_log_format() {
        let line = r#"198.51.100.7 - - [27/Nov/2026:10:00:02 +0000] "GET /prod/pets?limit=10 HTTP/1.1" 200 1024 c6af9ac6-7b61-11e6-9a41-93e8deadbeef"#;
        let s = understand(G, line).expect("clf");
        assert_eq!(s.shape, Shape::ApiGateway);
        assert_eq!(s.dataset, "aws.apigateway");
        assert_eq!(s.message, line);
        let f = &s.fields;
        assert_eq!(f["client"]["ip"], "198.51.100.7");
        assert_eq!(f["http"]["request"]["method"], "GET");
        assert_eq!(f["url"]["original"], "/prod/pets?limit=10");
        assert_eq!(f["url"]["path"], "/prod/pets");
        assert_eq!(f["http"]["version"], "1.1");
        assert_eq!(f["http"]["response"]["status_code"], 200);
        assert_eq!(f["http"]["response"]["body"]["bytes"], 1024);
        assert_eq!(
            f["http"]["request"]["id"],
            "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
        );
        assert_eq!(
            f["aws"]["apigateway"]["request_time"],
            "27/Nov/2026:10:00:02 +0000"
        );

        let s = understand("/ecs/nginx", r#"2001:db8::7 - alice [27/Nov/2026:10:00:02 +0000] "POST /login HTTP/2.0" 401 - "https://example.com/" "Mozilla/5.0 (X11)""#).expect("combined");
        assert_eq!(s.dataset, "aws.cloudwatch_logs");
        assert_eq!(s.fields["user"]["name"], "alice");
        assert_eq!(s.fields["user_agent"]["original"], "Mozilla/5.0 (X11)");
        assert_eq!(
            s.fields["http"]["request"]["referrer"],
            "https://example.com/"
        );
        assert_eq!(s.fields["event"]["outcome"], "failure");
    }

    #[test]
    fn look_alikes_stay_plain() {
        for line in [
            r#"198.51.100.7 - - [27/Nov/2026:10:00:02 +0000] "GET / HTTP/1.1" 999 12 id"#,
            r#"198.51.100.7 - - 27/Nov/2026:10:00:02 "GET / HTTP/1.1" 200 12"#,
            "198.51.100.7 connected",
            "10.0.0.1 - - [x] \"GET /\" 200 abc",
            "10.0.0.1 - - [x] \"GET /\" 200 12",
            r#"203.0.113.1 - - [99/Xyz/2026:10:00:00 +0000] "GET /pets HTTP/1.1" 200 123 id"#,
            r#"203.0.113.1 - - [27/Nov/2026:25:00:00 +0000] "GET /pets HTTP/1.1" 200 123 id"#,
        ] {
            assert!(understand(G, line).is_none(), "{line}");
        }
        // JSON with requestId but no method/status is not an access log.
        assert!(understand(G, r#"{"requestId":"r","ip":"1.2.3.4"}"#).is_none());
    }
}
