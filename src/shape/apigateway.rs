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
use super::{Shape, Shaped, snake, snake_cow};

const DATASET: &str = "aws.apigateway";

pub(super) fn is_access_log(map: &Map<String, Value>) -> bool {
    map.get("requestId").is_some_and(Value::is_string)
        && (map.contains_key("httpMethod") || map.contains_key("routeKey"))
        && map.contains_key("status")
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
pub(super) fn shape_json<'a>(map: Map<String, Value>) -> Option<Shaped<'a>> {
    let mut s = Shaped::new(Shape::ApiGateway, DATASET, Cow::Borrowed(""));
    let mut f = Fields::with_capacity(map.len() + 4);
    let mut method = None;
    let mut path = None;
    let mut protocol = None;
    let mut status = None;
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
                None => f.put(APIGW, "status", Val::Ref(value)),
            },
            "protocol" => {
                protocol = value.as_str();
                if let Some(v) = value.as_str().and_then(|p| p.strip_prefix("HTTP/")) {
                    f.put(HTTP, "version", Val::Str(v));
                }
                f.put(NETWORK, "protocol", Val::Str("http"));
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
                None => f.put(APIGW, snake_cow(key), Val::Ref(value)),
            },
        }
    }
    if let Some(code) = status {
        let outcome = if code >= 400 { "failure" } else { "success" };
        f.put(EVENT, "outcome", Val::Str(outcome));
    }
    s.message = Cow::Owned(access_message(method, path, protocol, status));
    let Some(json) = f.write(bytes * 2 + 256) else {
        return shape_json_tree(map);
    };
    if !json.is_empty() {
        s.written = Some(json);
    }
    Some(s)
}

/// [`shape_json`] into [`Shaped::fields`] (the tree): the reference of the
/// JSON written directly, and the reader of the rare line whose numbers would
/// not read back as they were.
fn shape_json_tree<'a>(map: Map<String, Value>) -> Option<Shaped<'a>> {
    let mut s = Shaped::new(Shape::ApiGateway, DATASET, Cow::Borrowed(""));
    let mut method = None;
    let mut path = None;
    let mut protocol = None;
    let mut status = None;
    for (key, value) in map {
        if value.is_null() || value.as_str() == Some("-") || value.as_str() == Some("") {
            continue;
        }
        match key.as_str() {
            "requestId" => s.put("http.request.id", value),
            "ip" | "sourceIp" => {
                if let Some(ip) = value.as_str().filter(|ip| ip.parse::<IpAddr>().is_ok()) {
                    s.put("client.ip", ip);
                } else {
                    s.put("client.address", value);
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
                None => s.put("aws.apigateway.status", value),
            },
            "protocol" => {
                protocol = value.as_str().map(str::to_owned);
                if let Some(v) = value.as_str().and_then(|p| p.strip_prefix("HTTP/")) {
                    s.put("http.version", v);
                }
                s.put("network.protocol", "http");
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
            "errorMessage" | "error.message" => s.put("error.message", value),
            "user" => s.put("user.name", value),
            _ => s.put(&format!("aws.apigateway.{}", snake(&key)), value),
        }
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
    ));
    Some(s)
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

/// An access line's message: `METHOD path protocol status` (what is known of
/// it), or `... access` without a status.
fn access_message(
    method: Option<&str>,
    path: Option<&str>,
    protocol: Option<&str>,
    status: Option<u64>,
) -> String {
    let parts = [method, path, protocol];
    let len: usize = parts.iter().flatten().map(|p| p.len() + 1).sum();
    let mut message = String::with_capacity(len + 6);
    for part in parts.into_iter().flatten() {
        message.push_str(part);
        message.push(' ');
    }
    match status {
        Some(code) => message.push_str(itoa::Buffer::new().format(code)),
        None => message.push_str("access"),
    }
    message
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
            let tree = shape_json_tree(map.clone());
            let written = shape_json(map);
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
            assert_eq!(super::context_name(key), Some(super::snake(key).as_str()));
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
        ] {
            assert!(understand(G, line).is_none(), "{line}");
        }
        // JSON with requestId but no method/status is not an access log.
        assert!(understand(G, r#"{"requestId":"r","ip":"1.2.3.4"}"#).is_none());
    }
}
