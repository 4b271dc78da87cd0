//! Recognises what an invocation asks for from its JSON payload.
//!
//! * a CloudFormation custom resource request (deploy-time sweep, clean-up on
//!   delete): it has `RequestType` and `ResponseURL`;
//! * an EventBridge scheduled event (`detail-type: Scheduled Event`): a sweep;
//! * an EventBridge CloudTrail event for `CreateLogGroup`: one new group
//!   (events of failed calls, which carry an `errorCode`, are ignored);
//! * a manual invocation: `{"action": "sweep"}` or
//!   `{"action": "log-group", "logGroupName": "..."}`.

use serde_json::Value;

use crate::Error;
use crate::cfn::CfnRequest;

/// What an invocation asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// A CloudFormation custom resource request.
    CustomResource(Box<CfnRequest>),
    /// Process every log group.
    Sweep,
    /// Process this one (new) log group.
    LogGroup(String),
    /// Nothing to do, with the reason.
    Ignore(String),
}

impl Trigger {
    /// Classifies `payload`.
    pub fn parse(payload: &Value) -> Result<Trigger, Error> {
        if payload.get("RequestType").is_some() && payload.get("ResponseURL").is_some() {
            let request: CfnRequest = serde_json::from_value(payload.clone()).map_err(|e| {
                Error::UnrecognisedEvent(format!("malformed custom resource request: {e}"))
            })?;
            return Ok(Trigger::CustomResource(Box::new(request)));
        }
        if let Some(detail_type) = payload.get("detail-type").and_then(Value::as_str) {
            return match detail_type {
                "Scheduled Event" => Ok(Trigger::Sweep),
                "AWS API Call via CloudTrail" => Ok(cloudtrail(payload)),
                other => Ok(Trigger::Ignore(format!("event type {other:?}"))),
            };
        }
        match payload.get("action").and_then(Value::as_str) {
            Some("sweep") => Ok(Trigger::Sweep),
            Some("log-group") => payload
                .get("logGroupName")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .map(|n| Trigger::LogGroup(n.to_owned()))
                .ok_or_else(|| {
                    Error::UnrecognisedEvent("action log-group needs a logGroupName".into())
                }),
            _ => Err(Error::UnrecognisedEvent(
                "expected a CloudFormation request, an EventBridge event, {\"action\":\"sweep\"} \
                 or {\"action\":\"log-group\",\"logGroupName\":\"...\"}"
                    .into(),
            )),
        }
    }
}

fn cloudtrail(payload: &Value) -> Trigger {
    let detail = payload.get("detail").unwrap_or(&Value::Null);
    let event_name = detail
        .get("eventName")
        .and_then(Value::as_str)
        .unwrap_or("");
    if event_name != "CreateLogGroup" {
        return Trigger::Ignore(format!("CloudTrail event {event_name:?}"));
    }
    if let Some(code) = detail.get("errorCode").and_then(Value::as_str) {
        return Trigger::Ignore(format!("CreateLogGroup failed with {code}"));
    }
    match detail
        .get("requestParameters")
        .and_then(|p| p.get("logGroupName"))
        .and_then(Value::as_str)
    {
        Some(name) if !name.is_empty() => Trigger::LogGroup(name.to_owned()),
        _ => Trigger::Ignore("CreateLogGroup event without requestParameters.logGroupName".into()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cloudtrail_create_log_group() {
        let event = json!({
            "version": "0",
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.logs",
            "detail": {
                "eventSource": "logs.amazonaws.com",
                "eventName": "CreateLogGroup",
                "requestParameters": {"logGroupName": "/aws/lambda/new"}
            }
        });
        assert_eq!(
            Trigger::parse(&event).unwrap(),
            Trigger::LogGroup("/aws/lambda/new".into())
        );
    }

    #[test]
    fn failed_calls_and_other_events_are_ignored() {
        let failed = json!({
            "detail-type": "AWS API Call via CloudTrail",
            "detail": {"eventName": "CreateLogGroup", "errorCode": "ResourceAlreadyExistsException",
                       "requestParameters": {"logGroupName": "/x"}}
        });
        assert!(matches!(
            Trigger::parse(&failed).unwrap(),
            Trigger::Ignore(_)
        ));
        let other = json!({"detail-type": "AWS API Call via CloudTrail",
                           "detail": {"eventName": "DeleteLogGroup"}});
        assert!(matches!(
            Trigger::parse(&other).unwrap(),
            Trigger::Ignore(_)
        ));
    }

    #[test]
    fn schedule_and_manual() {
        let scheduled = json!({"detail-type": "Scheduled Event", "source": "aws.events"});
        assert_eq!(Trigger::parse(&scheduled).unwrap(), Trigger::Sweep);
        assert_eq!(
            Trigger::parse(&json!({"action": "sweep"})).unwrap(),
            Trigger::Sweep
        );
        assert_eq!(
            Trigger::parse(&json!({"action": "log-group", "logGroupName": "/a"})).unwrap(),
            Trigger::LogGroup("/a".into())
        );
        assert!(Trigger::parse(&json!({"action": "log-group"})).is_err());
        assert!(Trigger::parse(&json!({"hello": 1})).is_err());
    }

    #[test]
    fn custom_resource() {
        let event = json!({
            "RequestType": "Create",
            "ResponseURL": "https://example.invalid/response",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
            "RequestId": "r-1",
            "LogicalResourceId": "Sweep",
            "ResourceType": "Custom::LogshipSweep",
            "ResourceProperties": {"ServiceToken": "arn:x", "Mode": "log-group"}
        });
        match Trigger::parse(&event).unwrap() {
            Trigger::CustomResource(r) => {
                assert_eq!(r.request_type, crate::cfn::RequestType::Create);
                assert_eq!(r.logical_resource_id, "Sweep");
            }
            other => panic!("{other:?}"),
        }
    }
}
