//! CloudFormation custom resource protocol: the request CloudFormation sends
//! and the response the function must PUT to the pre-signed `ResponseURL`
//! (otherwise the stack waits for an hour before failing).
//!
//! The response body is JSON without a `Content-Type` header, as the
//! pre-signed S3 URL expects; its size is limited to 4 KiB, so the reason is
//! truncated.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;

/// The request types of a custom resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum RequestType {
    /// The resource is created (stack creation).
    Create,
    /// Its properties changed (stack update).
    Update,
    /// It is deleted (stack deletion, or replaced).
    Delete,
}

/// A custom resource request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRequest {
    /// Create, Update or Delete.
    pub request_type: RequestType,
    /// Where to PUT the response.
    #[serde(rename = "ResponseURL")]
    pub response_url: String,
    /// The stack's ARN.
    pub stack_id: String,
    /// The request's ID.
    pub request_id: String,
    /// The resource's logical ID in the template.
    pub logical_resource_id: String,
    /// Present on Update and Delete.
    #[serde(default)]
    pub physical_resource_id: Option<String>,
    /// The resource's properties.
    #[serde(default)]
    pub resource_properties: Value,
    /// The previous properties (Update only).
    #[serde(default)]
    pub old_resource_properties: Option<Value>,
}

impl CfnRequest {
    /// A string property of the previous properties (Update only).
    pub fn old_property(&self, key: &str) -> Option<&str> {
        self.old_resource_properties
            .as_ref()
            .and_then(|p| p.get(key))
            .and_then(Value::as_str)
    }
}

/// SUCCESS or FAILED.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// The resource operation succeeded.
    Success,
    /// It failed; CloudFormation rolls back.
    Failed,
}

/// The response body.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnResponse {
    /// SUCCESS or FAILED.
    pub status: Status,
    /// Shown in the stack events.
    pub reason: String,
    /// Stable across updates so CloudFormation never "replaces" the resource.
    pub physical_resource_id: String,
    /// Echoed from the request.
    pub stack_id: String,
    /// Echoed from the request.
    pub request_id: String,
    /// Echoed from the request.
    pub logical_resource_id: String,
    /// Attributes for `Fn::GetAtt`.
    pub data: Map<String, Value>,
}

const MAX_REASON: usize = 1000;

impl CfnResponse {
    /// A response to `request`.
    pub fn new(
        request: &CfnRequest,
        status: Status,
        reason: &str,
        data: Map<String, Value>,
    ) -> Self {
        let physical_resource_id = request.physical_resource_id.clone().unwrap_or_else(|| {
            format!(
                "{}-{}",
                request.logical_resource_id,
                short_stack_name(&request.stack_id)
            )
        });
        CfnResponse {
            status,
            reason: truncate(reason, MAX_REASON),
            physical_resource_id,
            stack_id: request.stack_id.clone(),
            request_id: request.request_id.clone(),
            logical_resource_id: request.logical_resource_id.clone(),
            data,
        }
    }
}

/// PUTs `response` to `url`, retrying transient failures three times.
pub async fn send(http: &reqwest::Client, url: &str, response: &CfnResponse) -> Result<(), Error> {
    let body = serde_json::to_string(response).map_err(|e| Error::CfnResponse(e.to_string()))?;
    let mut last = String::new();
    for attempt in 1..=3u32 {
        match http.put(url).body(body.clone()).send().await {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            Ok(resp) => last = format!("HTTP {}", resp.status()),
            Err(e) => last = e.to_string(),
        }
        tracing::warn!(attempt, error = %last, "CloudFormation response not accepted, retrying");
        tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
    }
    Err(Error::CfnResponse(last))
}

fn short_stack_name(stack_id: &str) -> &str {
    // arn:aws:cloudformation:region:account:stack/NAME/uuid
    stack_id.split('/').nth(1).unwrap_or(stack_id)
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(physical: Option<&str>) -> CfnRequest {
        CfnRequest {
            request_type: RequestType::Create,
            response_url: "http://localhost/x".into(),
            stack_id: "arn:aws:cloudformation:us-east-1:1:stack/my-stack/abc".into(),
            request_id: "req".into(),
            logical_resource_id: "Sweep".into(),
            physical_resource_id: physical.map(str::to_owned),
            resource_properties: json!({}),
            old_resource_properties: None,
        }
    }

    #[test]
    fn response_shape() {
        let r = CfnResponse::new(&request(None), Status::Success, "ok", Map::new());
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["Status"], "SUCCESS");
        assert_eq!(v["PhysicalResourceId"], "Sweep-my-stack");
        assert_eq!(v["LogicalResourceId"], "Sweep");
        let r = CfnResponse::new(
            &request(Some("keep")),
            Status::Failed,
            &"é".repeat(900),
            Map::new(),
        );
        assert_eq!(r.physical_resource_id, "keep");
        assert!(r.reason.len() <= MAX_REASON + '…'.len_utf8());
        assert_eq!(serde_json::to_value(&r).unwrap()["Status"], "FAILED");
    }
}
