//! Elasticsearch/OpenSearch `_bulk`: authentication and the per-item answer.
//!
//! A 2xx answer counts only when it acknowledges what was sent: exactly one
//! `create` item per document, in order, each with the `_id` that was sent.
//! Then every item is read: 200/201 delivered, 409 already delivered (a retry
//! or a redrive of the same deterministic `_id`), 429/5xx retried alone, any
//! other status refused for good with its error (dead-lettered). Any other
//! 2xx (no items, too few, another id, a proxy's page) is a failed attempt. Authentication is an API key
//! (`Authorization: ApiKey`), basic auth (the token is `user:password`), none, or
//! AWS SigV4 with the function's own credentials (Amazon OpenSearch Service).

use std::borrow::Cow;
use std::time::SystemTime;

use base64::Engine as _;
use serde::Deserialize;

use crate::config::EsAuth;
use crate::document::DocId;
use crate::secret::Secret;

/// What one bulk item came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemResult {
    /// Created, or already there (409 on create).
    Delivered,
    /// 429/5xx: try this item again.
    Retry(String),
    /// Refused for good.
    Reject(String),
}

/// A `_bulk` answer that acknowledges the documents sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAnswer {
    /// One item per document, in order, each with its `_id`, all created or
    /// already there.
    AllDelivered,
    /// One result per document sent, in order.
    Items(Vec<ItemResult>),
}

#[derive(Deserialize)]
struct BulkResponse<'a> {
    #[serde(borrow, default)]
    items: Option<Vec<ItemEnvelope<'a>>>,
}

/// One item of the answer: the action logship sent is always `create`.
#[derive(Deserialize)]
struct ItemEnvelope<'a> {
    #[serde(borrow, default)]
    create: Option<BulkItem<'a>>,
}

#[derive(Deserialize)]
struct BulkItem<'a> {
    #[serde(rename = "_id", borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

/// Reads a 2xx `_bulk` answer to the documents `sent` (their ids, in order).
///
/// It counts only when it has exactly one `create` item per document, in
/// order, each with the `_id` that was sent and a status; then each item is
/// classified (delivered, retry, refused). Anything else (no `items`, too few
/// or too many, another id, another action: a proxy's page, the cluster's root
/// JSON, `{"errors":false,"items":[]}`) is an Err naming what is wrong, never
/// quoting the answer: the documents were not acknowledged.
pub fn read_bulk_response<'s>(
    body: &[u8],
    sent: impl ExactSizeIterator<Item = &'s DocId>,
) -> Result<BulkAnswer, String> {
    let resp: BulkResponse<'_> = serde_json::from_slice(body).map_err(|e| {
        format!(
            "the bulk answer is not JSON of the _bulk API (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    let Some(items) = resp.items else {
        return Err(format!(
            "the bulk answer has no items for the {} documents sent",
            sent.len()
        ));
    };
    if items.len() != sent.len() {
        return Err(format!(
            "the bulk answer has {} items for the {} documents sent",
            items.len(),
            sent.len()
        ));
    }
    let mut results = Vec::new();
    let mut all_delivered = true;
    let count = sent.len();
    for (n, (item, id)) in items.into_iter().zip(sent).enumerate() {
        let Some(item) = item.create else {
            return Err(format!("bulk answer item {n} is not a create result"));
        };
        if item.id.as_deref() != Some(id.as_str()) {
            return Err(format!(
                "bulk answer item {n} does not carry the _id of the document sent in its place"
            ));
        }
        let Some(status) = item.status else {
            return Err(format!("bulk answer item {n} has no status"));
        };
        let result = classify_item(status, item.error.as_ref());
        if result != ItemResult::Delivered && all_delivered {
            all_delivered = false;
            results.reserve(count);
            results.extend(std::iter::repeat_n(ItemResult::Delivered, n));
        }
        if !all_delivered {
            results.push(result);
        }
    }
    Ok(if all_delivered {
        BulkAnswer::AllDelivered
    } else {
        BulkAnswer::Items(results)
    })
}

fn classify_item(status: u16, error: Option<&serde_json::Value>) -> ItemResult {
    let describe = || {
        let kind = error
            .and_then(|e| e.get("type"))
            .and_then(|t| t.as_str())
            .unwrap_or("error");
        let reason = error
            .and_then(|e| e.get("reason"))
            .and_then(|t| t.as_str())
            .unwrap_or("");
        // Elasticsearch quotes the document's value in a mapping error
        // (`Preview of field's value: '...'`): message text, never logged.
        let reason = reason
            .split_once("Preview of field's value")
            .map_or(reason, |(head, _)| head.trim_end_matches([' ', '.']));
        let reason: String = reason.chars().take(300).collect();
        format!("item status {status}: {kind}: {reason}")
    };
    match status {
        200..=299 | 409 => ItemResult::Delivered,
        429 | 500..=599 => ItemResult::Retry(describe()),
        _ => ItemResult::Reject(describe()),
    }
}

/// The Authorization header for token-based auth; None for none/SigV4.
pub fn auth_header(auth: &EsAuth, token: Option<&Secret>) -> Option<String> {
    let token = token?;
    match auth {
        EsAuth::ApiKey => Some(format!("ApiKey {}", token.expose())),
        EsAuth::Basic => Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(token.expose())
        )),
        EsAuth::None | EsAuth::SigV4 { .. } => None,
    }
}

/// SigV4 headers for a request (Amazon OpenSearch Service / Serverless).
pub fn sigv4_headers(
    credentials: &aws_credential_types::Credentials,
    service: &str,
    region: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<(String, String)>, String> {
    use aws_sigv4::http_request::{
        PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
    };
    let identity = credentials.clone().into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .map_err(|e| format!("sigv4 parameters: {e}"))?
        .into();
    let request = SignableRequest::new(
        "POST",
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| format!("sigv4 request: {e}"))?;
    let (instructions, _) = sign(request, &params)
        .map_err(|e| format!("sigv4 signing: {e}"))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<DocId> {
        (0..n)
            .map(|i| DocId::new("g", "s", &i.to_string()))
            .collect()
    }

    fn answer(items: &[(&DocId, &str)]) -> Vec<u8> {
        let items: Vec<String> = items
            .iter()
            .map(|(id, rest)| format!(r#"{{"create":{{"_index":"i","_id":"{id}",{rest}}}}}"#))
            .collect();
        format!(
            r#"{{"took":3,"errors":false,"items":[{}]}}"#,
            items.join(",")
        )
        .into_bytes()
    }

    #[test]
    fn one_item_per_document_with_its_id_means_all_delivered() {
        let sent = ids(2);
        let body = answer(&[(&sent[0], r#""status":201"#), (&sent[1], r#""status":201"#)]);
        assert_eq!(
            read_bulk_response(&body, sent.iter()),
            Ok(BulkAnswer::AllDelivered)
        );
    }

    #[test]
    fn items_are_classified() {
        let sent = ids(5);
        let body = answer(&[
            (&sent[0], r#""status":201,"result":"created""#),
            (
                &sent[1],
                r#""status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}"#,
            ),
            (
                &sent[2],
                r#""status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}"#,
            ),
            (
                &sent[3],
                r#""status":503,"error":{"type":"unavailable_shards_exception","reason":"x"}"#,
            ),
            (
                &sent[4],
                r#""status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [n]"}"#,
            ),
        ]);
        let BulkAnswer::Items(r) = read_bulk_response(&body, sent.iter()).expect("readable") else {
            panic!("items expected");
        };
        assert_eq!(r.len(), 5);
        assert_eq!(r[0], ItemResult::Delivered);
        assert_eq!(r[1], ItemResult::Delivered);
        assert!(matches!(&r[2], ItemResult::Retry(m) if m.contains("429")));
        assert!(matches!(&r[3], ItemResult::Retry(_)));
        assert!(matches!(&r[4], ItemResult::Reject(m) if m.contains("mapper_parsing_exception")));
    }

    #[test]
    fn answers_that_do_not_acknowledge_every_document_are_errors() {
        let sent = ids(2);
        let ok = r#""status":201"#;
        let cases: Vec<Vec<u8>> = vec![
            // Too few, none, or no items at all.
            answer(&[(&sent[0], ok)]),
            br#"{"errors":false,"items":[]}"#.to_vec(),
            br#"{"errors":false}"#.to_vec(),
            // The cluster's root JSON, a proxy's page.
            br#"{"name":"n","cluster_name":"c","version":{"number":"8.15.0"},"tagline":"You Know, for Search"}"#.to_vec(),
            b"<html>ok</html>".to_vec(),
            b"".to_vec(),
            // Another order, another id, another action, no status.
            answer(&[(&sent[1], ok), (&sent[0], ok)]),
            answer(&[(&sent[0], ok), (&ids(3)[2], ok)]),
            format!(r#"{{"items":[{{"index":{{"_id":"{}","status":201}}}},{{"create":{{"_id":"{}","status":201}}}}]}}"#, sent[0], sent[1]).into_bytes(),
            answer(&[(&sent[0], ok), (&sent[1], r#""result":"created""#)]),
            // Too many.
            answer(&[(&sent[0], ok), (&sent[1], ok), (&sent[1], ok)]),
        ];
        for body in cases {
            let text = String::from_utf8_lossy(&body).into_owned();
            let e = read_bulk_response(&body, sent.iter()).expect_err(&text);
            assert!(!e.contains("cluster_name") && !e.contains("html"), "{e}");
        }
    }

    #[test]
    fn auth_headers() {
        let t = Secret::new("elastic:changeme");
        assert_eq!(
            auth_header(&EsAuth::Basic, Some(&t)).as_deref(),
            Some("Basic ZWxhc3RpYzpjaGFuZ2VtZQ==")
        );
        assert_eq!(
            auth_header(&EsAuth::ApiKey, Some(&t)).as_deref(),
            Some("ApiKey elastic:changeme")
        );
        assert_eq!(auth_header(&EsAuth::None, Some(&t)), None);
    }

    #[test]
    fn sigv4_signs() {
        let creds =
            aws_credential_types::Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let headers = sigv4_headers(
            &creds,
            "es",
            "us-east-1",
            "https://search-x.us-east-1.es.amazonaws.com/_bulk",
            &[("content-type", "application/x-ndjson")],
            b"{}\n",
        )
        .expect("signed");
        let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
        assert!(names.contains(&"authorization"));
        assert!(names.contains(&"x-amz-date"));
        assert!(names.contains(&"x-amz-content-sha256"));
    }
}
