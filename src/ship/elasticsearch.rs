//! Elasticsearch/OpenSearch `_bulk`: authentication and the per-item answer.
//!
//! A 200 answer may still say `"errors": true`; then every item is read:
//! 200/201 delivered, 409 on `create` already delivered (a retry or a redrive of
//! the same deterministic `_id`), 429/5xx retried alone, any other status
//! refused for good with its error (dead-lettered). Authentication is an API key
//! (`Authorization: ApiKey`), basic auth (the token is `user:password`), none, or
//! AWS SigV4 with the function's own credentials (Amazon OpenSearch Service).

use std::time::SystemTime;

use base64::Engine as _;
use serde::Deserialize;

use crate::config::EsAuth;
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

#[derive(Deserialize)]
struct BulkResponse {
    #[serde(default)]
    errors: bool,
    #[serde(default)]
    items: Vec<std::collections::HashMap<String, BulkItem>>,
}

#[derive(Deserialize)]
struct BulkItem {
    status: u16,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

/// Reads a 2xx `_bulk` answer: None when every item is delivered, else one
/// result per item; Err when the answer does not match the request.
pub fn read_bulk_response(body: &[u8], items: usize) -> Result<Option<Vec<ItemResult>>, String> {
    let resp: BulkResponse =
        serde_json::from_slice(body).map_err(|e| format!("unreadable bulk response: {e}"))?;
    if !resp.errors {
        return Ok(None);
    }
    if resp.items.len() != items {
        return Err(format!(
            "bulk response has {} items for {} documents",
            resp.items.len(),
            items
        ));
    }
    Ok(Some(
        resp.items
            .into_iter()
            .map(|m| match m.into_values().next() {
                None => ItemResult::Retry("empty bulk item".into()),
                Some(item) => classify_item(item),
            })
            .collect(),
    ))
}

fn classify_item(item: BulkItem) -> ItemResult {
    let describe = |item: &BulkItem| {
        let error = item.error.as_ref();
        let kind = error
            .and_then(|e| e.get("type"))
            .and_then(|t| t.as_str())
            .unwrap_or("error");
        let reason = error
            .and_then(|e| e.get("reason"))
            .and_then(|t| t.as_str())
            .unwrap_or("");
        let reason: String = reason.chars().take(300).collect();
        format!("item status {}: {kind}: {reason}", item.status)
    };
    match item.status {
        200..=299 | 409 => ItemResult::Delivered,
        429 | 500..=599 => ItemResult::Retry(describe(&item)),
        _ => ItemResult::Reject(describe(&item)),
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

    #[test]
    fn no_errors_means_all_delivered() {
        let body = br#"{"took":3,"errors":false,"items":[{"create":{"status":201}}]}"#;
        assert_eq!(read_bulk_response(body, 1), Ok(None));
    }

    #[test]
    fn items_are_classified() {
        let body = br#"{"took":3,"errors":true,"items":[
            {"create":{"_id":"a","status":201,"result":"created"}},
            {"create":{"_id":"b","status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}},
            {"create":{"_id":"c","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}},
            {"create":{"_id":"d","status":503,"error":{"type":"unavailable_shards_exception","reason":"x"}}},
            {"create":{"_id":"e","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [n]"}}}]}"#;
        let r = read_bulk_response(body, 5)
            .expect("readable")
            .expect("items");
        assert_eq!(r[0], ItemResult::Delivered);
        assert_eq!(r[1], ItemResult::Delivered);
        assert!(matches!(&r[2], ItemResult::Retry(m) if m.contains("429")));
        assert!(matches!(&r[3], ItemResult::Retry(_)));
        assert!(matches!(&r[4], ItemResult::Reject(m) if m.contains("mapper_parsing_exception")));
    }

    #[test]
    fn mismatched_or_garbage_answers_are_errors() {
        let body = br#"{"errors":true,"items":[{"create":{"status":201}}]}"#;
        assert!(read_bulk_response(body, 2).is_err());
        assert!(read_bulk_response(b"<html>", 2).is_err());
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
