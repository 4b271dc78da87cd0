//! CloudTrail records delivered through CloudWatch Logs (one JSON record per
//! log event, with `eventVersion`, `eventSource` and `eventName`). ECS where it
//! has a name, and `aws.cloudtrail.*` as Elastic's AWS integration names the
//! rest; every key of the record is kept. `requestParameters`,
//! `responseElements`, `additionalEventData` and `serviceEventDetails` are kept
//! as JSON text, as Elastic does, so their thousands of service-specific keys
//! never reach the index mapping.

use std::borrow::Cow;
use std::net::IpAddr;

use serde_json::{Map, Value};

use super::{Shape, Shaped, put_snake, snake, snake_keys, value_text};

const DATASET: &str = "aws.cloudtrail";

/// Keys whose values CloudTrail writes as text (read into ECS fields).
const TEXT_KEYS: &[&str] = &[
    "awsRegion",
    "recipientAccountId",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestID",
    "eventID",
    "sharedEventID",
];

pub(super) fn is_record(map: &Map<String, Value>) -> bool {
    ["eventVersion", "eventSource", "eventName"]
        .iter()
        .all(|k| map.get(*k).is_some_and(Value::is_string))
}

pub(super) fn shape<'a>(mut map: Map<String, Value>) -> Option<Shaped<'a>> {
    let text = |map: &Map<String, Value>, key: &str| {
        map.get(key).and_then(Value::as_str).map(str::to_owned)
    };
    let source = text(&map, "eventSource")?;
    let name = text(&map, "eventName")?;
    let error_code = text(&map, "errorCode").filter(|c| !c.trim().is_empty());
    let mut s = Shaped::new(Shape::CloudTrail, DATASET, Cow::Borrowed(""));
    s.message = Cow::Owned(match &error_code {
        Some(code) => format!("{source} {name} failed: {code}"),
        None => format!("{source} {name}"),
    });
    s.put("event.action", name.as_str());
    s.put("event.provider", source.as_str());
    s.put("event.kind", "event");

    let console_failure = map
        .get("responseElements")
        .and_then(|r| r.get("ConsoleLogin"))
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("failure"));
    // An error code that is not text (a look-alike's object) still says failure.
    let odd_code = map
        .get("errorCode")
        .is_some_and(|c| !c.is_null() && !c.is_string());
    let failed = error_code.is_some() || odd_code || console_failure;
    s.put("event.outcome", if failed { "failure" } else { "success" });

    if let Some(identity) = map.remove("userIdentity") {
        user_identity(&mut s, identity);
    }
    for key in ["eventSource", "eventName"] {
        map.remove(key);
    }
    let mut other = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "awsRegion" if value.is_string() => s.put("cloud.region", value),
            "recipientAccountId" if value.is_string() => {
                s.put("cloud.account.id", value.clone());
                s.put("aws.cloudtrail.recipient_account_id", value);
            }
            "sourceIPAddress" if value.is_string() => {
                if let Value::String(addr) = &value
                    && addr.parse::<IpAddr>().is_ok()
                {
                    s.put("source.ip", addr.as_str());
                }
                s.put("source.address", value);
            }
            "userAgent" if value.is_string() => s.put("user_agent.original", value),
            "errorCode" if value.is_string() => s.put("aws.cloudtrail.error_code", value),
            "errorMessage" if value.is_string() => s.put("aws.cloudtrail.error_message", value),
            "requestID" if value.is_string() => s.put("aws.cloudtrail.request_id", value),
            "eventID" if value.is_string() => s.put("aws.cloudtrail.event_id", value),
            "sharedEventID" if value.is_string() => s.put("aws.cloudtrail.shared_event_id", value),
            "additionalEventData" => s.put("aws.cloudtrail.additional_eventdata", as_text(value)),
            "requestParameters" | "responseElements" | "serviceEventDetails" => {
                if !value.is_null() {
                    s.put(&format!("aws.cloudtrail.{}", snake(&key)), as_text(value));
                }
            }
            // A key read as text elsewhere, here not text: kept as its JSON
            // text, so the field has one type in every document.
            _ if TEXT_KEYS.contains(&key.as_str()) => {
                other.push((key, Value::String(value_text(&value))))
            }
            _ => other.push((key, snake_keys(value))),
        }
    }
    // The other keys by their snake-case names, those already in snake case
    // first; a key whose name another took keeps its own (`aws_region` and
    // `AwsRegion` are two fields).
    if let Some(at) = super::object_at(&mut s.fields, &["aws", "cloudtrail"]) {
        put_snake(at, other.into_iter());
    }
    Some(s)
}

/// `userIdentity` → `user.*` and `aws.cloudtrail.user_identity.*`.
fn user_identity(s: &mut Shaped<'_>, identity: Value) {
    let Value::Object(mut id) = identity else {
        // Not the object CloudTrail writes: its text, beside where the object goes.
        s.put("aws.cloudtrail.user_identity_text", value_text(&identity));
        return;
    };
    let issuer_name = id
        .get("sessionContext")
        .and_then(|c| c.get("sessionIssuer"))
        .and_then(|i| i.get("userName"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let user_name = id
        .get("userName")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or(issuer_name);
    if let Some(name) = user_name {
        s.put("user.name", name);
    }
    if let Some(Value::String(pid)) = id.get("principalId") {
        s.put("user.id", pid.as_str());
    }
    // Elastic flattens `sessionContext.attributes` into `session_context`.
    if let Some(Value::Object(ctx)) = id.get_mut("sessionContext")
        && let Some(Value::Object(attrs)) = ctx.remove("attributes")
    {
        for (k, v) in attrs {
            ctx.insert(k, v);
        }
    }
    s.put(
        "aws.cloudtrail.user_identity",
        snake_keys(Value::Object(id)),
    );
}

fn as_text(v: Value) -> Value {
    match v {
        Value::String(_) | Value::Null => v,
        other => Value::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Shape, understand};
    use serde_json::json;

    const G: &str = "aws-cloudtrail-logs-123456789012-a1b2c3d4";

    #[test]
    fn keys_that_snake_case_alike_keep_every_value() {
        let line = r#"{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"x","aws_region":"y","AwsRegion":"z","errorCode":"E","error_code":"e","userIdentity":{"userName":"u","fooBar":1,"foo_bar":2}}"#;
        let s = understand(G, line).expect("cloudtrail");
        let c = &s.fields["aws"]["cloudtrail"];
        assert_eq!(s.fields["cloud"]["region"], "x");
        assert_eq!(c["aws_region"], "y");
        assert_eq!(c["AwsRegion"], "z");
        assert_eq!(c["error_code"], "E");
        assert_eq!(c["error_code_2"], "e");
        assert_eq!(c["user_identity"]["foo_bar"], 2);
        assert_eq!(c["user_identity"]["fooBar"], 1);
    }

    #[test]
    fn assumed_role_call() {
        let line = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEID:alice","arn":"arn:aws:sts::111122223333:assumed-role/Admin/alice","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEKEY","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEID","arn":"arn:aws:iam::111122223333:role/Admin","accountId":"111122223333","userName":"Admin"},"attributes":{"creationDate":"2026-11-27T09:58:00Z","mfaAuthenticated":"true"}}},"eventTime":"2026-11-27T10:00:02Z","eventSource":"ec2.amazonaws.com","eventName":"StartInstances","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0 Python/3.11","requestParameters":{"instancesSet":{"items":[{"instanceId":"i-0123456789abcdef0"}]}},"responseElements":{"instancesSet":{"items":[{"instanceId":"i-0123456789abcdef0","currentState":{"code":0,"name":"pending"}}]}},"requestID":"11111111-2222-3333-4444-555555555555","eventID":"66666666-7777-8888-9999-000000000000","readOnly":false,"resources":[{"accountId":"111122223333","type":"AWS::EC2::Instance","ARN":"arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"ec2.eu-west-1.amazonaws.com"}}"#;
        let s = understand(G, line).expect("cloudtrail");
        assert_eq!(s.shape, Shape::CloudTrail);
        assert_eq!(s.dataset, "aws.cloudtrail");
        assert_eq!(s.message, "ec2.amazonaws.com StartInstances");
        let f = &s.fields;
        assert_eq!(f["event"]["action"], "StartInstances");
        assert_eq!(f["event"]["provider"], "ec2.amazonaws.com");
        assert_eq!(f["event"]["outcome"], "success");
        assert_eq!(f["source"]["ip"], "198.51.100.7");
        assert_eq!(f["user_agent"]["original"], "aws-cli/2.15.0 Python/3.11");
        assert_eq!(f["cloud"]["region"], "eu-west-1");
        assert_eq!(f["cloud"]["account"]["id"], "111122223333");
        assert_eq!(f["user"]["name"], "Admin");
        assert_eq!(f["user"]["id"], "AROAEXAMPLEID:alice");
        let ct = &f["aws"]["cloudtrail"];
        let ui = &ct["user_identity"];
        assert_eq!(ui["type"], "AssumedRole");
        assert_eq!(ui["access_key_id"], "ASIAEXAMPLEKEY");
        assert_eq!(ui["session_context"]["mfa_authenticated"], "true");
        assert_eq!(
            ui["session_context"]["creation_date"],
            "2026-11-27T09:58:00Z"
        );
        assert_eq!(
            ui["session_context"]["session_issuer"]["arn"],
            "arn:aws:iam::111122223333:role/Admin"
        );
        assert_eq!(ct["event_version"], "1.09");
        assert_eq!(ct["event_time"], "2026-11-27T10:00:02Z");
        assert_eq!(ct["request_id"], "11111111-2222-3333-4444-555555555555");
        assert_eq!(ct["event_id"], "66666666-7777-8888-9999-000000000000");
        assert_eq!(ct["read_only"], false);
        assert_eq!(ct["management_event"], true);
        assert_eq!(ct["event_type"], "AwsApiCall");
        assert_eq!(ct["event_category"], "Management");
        assert_eq!(
            ct["resources"][0]["arn"],
            "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0"
        );
        assert_eq!(ct["tls_details"]["tls_version"], "TLSv1.3");
        let params: serde_json::Value =
            serde_json::from_str(ct["request_parameters"].as_str().expect("text")).expect("json");
        assert_eq!(
            params["instancesSet"]["items"][0]["instanceId"],
            "i-0123456789abcdef0"
        );
        assert!(ct["response_elements"].is_string());
        assert!(s.app.is_empty());
    }

    #[test]
    fn denied_call_and_service_caller() {
        let line = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333","userName":"bob"},"eventTime":"2026-11-27T10:00:02Z","eventSource":"s3.amazonaws.com","eventName":"GetBucketPolicy","awsRegion":"us-east-1","sourceIPAddress":"cloudformation.amazonaws.com","userAgent":"cloudformation.amazonaws.com","errorCode":"AccessDenied","errorMessage":"Access Denied","requestParameters":{"bucketName":"logs","policy":""},"responseElements":null,"recipientAccountId":"111122223333"}"#;
        let s = understand(G, line).expect("cloudtrail");
        assert_eq!(
            s.message,
            "s3.amazonaws.com GetBucketPolicy failed: AccessDenied"
        );
        assert_eq!(s.fields["event"]["outcome"], "failure");
        assert_eq!(s.fields["aws"]["cloudtrail"]["error_code"], "AccessDenied");
        assert_eq!(
            s.fields["aws"]["cloudtrail"]["error_message"],
            "Access Denied"
        );
        assert_eq!(s.fields["user"]["name"], "bob");
        assert_eq!(
            s.fields["source"]["address"],
            "cloudformation.amazonaws.com"
        );
        assert!(s.fields["source"].get("ip").is_none());
        assert!(
            s.fields["aws"]["cloudtrail"]
                .get("response_elements")
                .is_none()
        );
        assert_eq!(s.level, None);
    }

    #[test]
    fn failed_console_login() {
        let line = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","accountId":"111122223333","userName":"carol"},"eventTime":"2026-11-27T10:00:02Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"MFAUsed":"No","LoginTo":"https://console.aws.amazon.com/"},"eventType":"AwsConsoleSignIn","recipientAccountId":"111122223333"}"#;
        let s = understand(G, line).expect("cloudtrail");
        assert_eq!(s.fields["event"]["outcome"], "failure");
        let extra: serde_json::Value = serde_json::from_str(
            s.fields["aws"]["cloudtrail"]["additional_eventdata"]
                .as_str()
                .expect("text"),
        )
        .expect("json");
        assert_eq!(extra["MFAUsed"], json!("No"));
    }

    #[test]
    fn json_that_is_not_cloudtrail() {
        // eventName alone, or a non-string eventVersion: not a record.
        let s = understand(G, r#"{"eventName":"x","message":"hello"}"#).expect("app json");
        assert_eq!(s.shape, Shape::AppJson);
        assert!(
            understand(
                G,
                r#"{"eventVersion":1,"eventSource":"s3","eventName":"x"}"#
            )
            .is_none()
        );
    }
}
