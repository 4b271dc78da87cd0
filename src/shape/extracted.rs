//! `extractedFields` of a subscription payload's log events: the system
//! fields a subscription filter emits with `emitSystemFields` (`@aws.account`,
//! `@aws.region`, `@source.log`), which say where a centralized log event came
//! from, and the fields a filter pattern extracted.

use serde_json::{Map, Value};

use super::{put, put_parts};

/// The ECS fields of a log event's `extractedFields`:
/// - `@aws.account` → `cloud.account.id`, `@aws.region` → `cloud.region` (the
///   source account and region: they replace the stream's in the document,
///   which keeps the stream's under `aws.kinesis.*` or similar);
/// - `@source.log` → `aws.cloudwatch.source_log`;
/// - any other `@name` system field → `aws.cloudwatch.system.<name>` (dots kept in the name);
/// - any other key → `aws.cloudwatch.extracted_fields.<key>`.
///
/// Empty values are skipped; names Elasticsearch would refuse or expand
/// into a clash are renamed ([`super::undot`]).
pub fn extracted<K, V, I>(pairs: I) -> Map<String, Value>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut out = Map::new();
    for (key, value) in pairs {
        let (key, value) = (key.as_ref(), value.as_ref());
        // An empty value says nothing; an empty key is kept (as `_empty`).
        if value.is_empty() {
            continue;
        }
        let v = Value::String(value.to_owned());
        match key {
            "@aws.account" => put(&mut out, "cloud.account.id", v),
            "@aws.region" => put(&mut out, "cloud.region", v),
            "@source.log" => put(&mut out, "aws.cloudwatch.source_log", v),
            _ => {
                let (group, name) = match key.strip_prefix('@') {
                    Some(name) => ("system", name),
                    None => ("extracted_fields", key),
                };
                put_parts(&mut out, &["aws", "cloudwatch", group, name], v);
            }
        }
    }
    // Keys as the filter named them: renamed where Elasticsearch would
    // refuse them or expand them into a clash (`a.b` beside `a`).
    if let Some(Value::Object(cw)) = out.get_mut("aws").and_then(|a| a.get_mut("cloudwatch")) {
        for group in ["system", "extracted_fields"] {
            if let Some(Value::Object(m)) = cw.get_mut(group) {
                super::undot(m);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_fields_and_others() {
        let f = extracted([
            ("@aws.account", "444455556666"),
            ("@aws.region", "ap-southeast-2"),
            ("@source.log", "444455556666:/aws/lambda/orders"),
            ("@aws.future", "x"),
            ("user", "alice"),
            ("$.status", "500"),
            ("empty", ""),
        ]);
        assert_eq!(f["cloud"]["account"]["id"], "444455556666");
        assert_eq!(f["cloud"]["region"], "ap-southeast-2");
        let cw = &f["aws"]["cloudwatch"];
        assert_eq!(cw["source_log"], "444455556666:/aws/lambda/orders");
        assert_eq!(cw["system"]["aws.future"], "x");
        assert_eq!(cw["extracted_fields"]["user"], "alice");
        assert_eq!(cw["extracted_fields"]["$.status"], "500");
        assert!(cw["extracted_fields"].get("empty").is_none());
        let none: [(&str, &str); 0] = [];
        assert!(extracted(none).is_empty());
        // `a.b` beside `a`, and a bare `@`.
        let f = extracted([("a", "2"), ("a.b", "1"), ("@", "x"), ("", "5")]);
        let cw = &f["aws"]["cloudwatch"];
        assert_eq!(cw["extracted_fields"]["a"], "2");
        assert_eq!(cw["extracted_fields"]["a_b"], "1");
        assert_eq!(cw["system"]["_empty"], "x");
        assert_eq!(cw["extracted_fields"]["_empty"], "5");
        // Owned pairs too, as a decoder holding `String`s would pass them.
        let owned = vec![("@aws.region".to_owned(), "eu-west-1".to_owned())];
        assert_eq!(extracted(owned)["cloud"]["region"], "eu-west-1");
    }
}
