//! The invocation handlers of the two functions: classify the payload
//! ([`Trigger`]), do the work, answer CloudFormation when the invocation is a
//! custom resource request, and return a JSON report.
//!
//! A custom resource always gets an answer: a failed Create/Update is reported
//! FAILED (the deploy rolls back with the reason), while a failed clean-up on
//! Delete is logged and reported SUCCESS so a stack can always be deleted.

use aws_sdk_cloudwatchlogs::Client;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::Error;
use crate::cfn::{self, CfnRequest, CfnResponse, RequestType, Status};
use crate::config::{Mode, RetentionConfig, SubscribeConfig};
use crate::event::Trigger;
use crate::groups::Budget;
use crate::retention::RetentionSetter;
use crate::subscribe::Subscriber;

/// What the functions share across invocations.
pub struct Clients {
    /// CloudWatch Logs.
    pub logs: Client,
    /// For the CloudFormation responses.
    pub http: reqwest::Client,
}

impl Clients {
    /// Builds the clients from an SDK configuration (credentials, region,
    /// endpoint).
    pub fn new(sdk: &aws_config::SdkConfig) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| Error::CfnResponse(format!("HTTP client: {e}")))?;
        Ok(Clients {
            logs: Client::new(sdk),
            http,
        })
    }
}

/// Handles one auto-subscribe invocation.
pub async fn auto_subscribe(
    clients: &Clients,
    config: &SubscribeConfig,
    payload: &Value,
    budget: Budget,
) -> Result<Value, Error> {
    let subscriber = Subscriber::new(&clients.logs, config);
    match Trigger::parse(payload)? {
        Trigger::Sweep => Ok(json!(subscriber.sweep(budget).await?)),
        Trigger::LogGroup(name) => {
            let outcome = subscriber.handle_group(&name).await?;
            outcome.log_attention(&name);
            Ok(new_group_report(name, outcome))
        }
        Trigger::Ignore(why) => Ok(ignored_report(why)),
        Trigger::CustomResource(request) => {
            let result = match request.request_type {
                RequestType::Create | RequestType::Update => {
                    // Leaving account-policy mode: the old policy must go, or
                    // every event would be delivered twice.
                    if let Some(old) = previous_policy(&request, config) {
                        subscriber.delete_account_policy(&old).await?;
                    }
                    subscriber
                        .deploy_sweep(budget)
                        .await
                        .map(|r| (r.summary(), r.cfn_data()))
                }
                RequestType::Delete => subscriber
                    .remove_all(budget)
                    .await
                    .map(|r| (r.summary(), r.cfn_data())),
            };
            respond(clients, &request, result).await
        }
    }
}

/// The account policy a custom resource Update leaves behind, if any: the old
/// properties used account-policy mode and the new configuration does not
/// (or names another policy).
fn previous_policy(request: &CfnRequest, config: &SubscribeConfig) -> Option<String> {
    if request.request_type != RequestType::Update
        || request.old_property("Mode") != Some(Mode::AccountPolicy.as_str())
    {
        return None;
    }
    let old_name = request
        .old_property("PolicyName")
        .unwrap_or("logship")
        .to_owned();
    if config.mode == Mode::AccountPolicy && old_name == config.policy_name {
        return None;
    }
    Some(old_name)
}

/// Handles one set-retention invocation.
pub async fn set_retention(
    clients: &Clients,
    config: &RetentionConfig,
    payload: &Value,
    budget: Budget,
) -> Result<Value, Error> {
    let setter = RetentionSetter::new(&clients.logs, config);
    match Trigger::parse(payload)? {
        Trigger::Sweep => Ok(json!(setter.sweep(budget).await?)),
        Trigger::LogGroup(name) => {
            let outcome = setter.handle_group(&name).await?;
            Ok(new_group_report(name, outcome))
        }
        Trigger::Ignore(why) => Ok(ignored_report(why)),
        Trigger::CustomResource(request) => {
            let result = match request.request_type {
                RequestType::Create | RequestType::Update => setter
                    .sweep(budget)
                    .await
                    .map(|r| (r.summary(), r.cfn_data())),
                // Retentions are left as they are.
                RequestType::Delete => Ok(("retentions left unchanged".to_owned(), Map::new())),
            };
            respond(clients, &request, result).await
        }
    }
}

/// The report of a new log group handled by either function.
fn new_group_report<O: Serialize + std::fmt::Debug>(name: String, outcome: O) -> Value {
    tracing::info!(log_group = %name, ?outcome, "new log group");
    json!({"logGroupName": name, "result": outcome})
}

/// The report of an event neither function acts on.
fn ignored_report(why: String) -> Value {
    tracing::info!(reason = %why, "event ignored");
    json!({"ignored": why})
}

async fn respond(
    clients: &Clients,
    request: &CfnRequest,
    result: Result<(String, Map<String, Value>), Error>,
) -> Result<Value, Error> {
    let response = match result {
        Ok((summary, data)) => CfnResponse::new(request, Status::Success, &summary, data),
        Err(e) if request.request_type == RequestType::Delete => {
            tracing::error!(error = %e, "clean-up failed; reporting success so the stack can be deleted");
            CfnResponse::new(
                request,
                Status::Success,
                &format!("clean-up incomplete (see the function's log): {e}"),
                Map::new(),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "custom resource failed");
            CfnResponse::new(request, Status::Failed, &e.to_string(), Map::new())
        }
    };
    cfn::send(&clients.http, &request.response_url, &response).await?;
    tracing::info!(status = ?response.status, reason = %response.reason, "CloudFormation answered");
    Ok(json!({"Status": response.status, "Reason": response.reason, "Data": response.data}))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config(mode: &str) -> SubscribeConfig {
        let mode = mode.to_owned();
        SubscribeConfig::from_lookup(move |k| {
            Some(match k {
                "LOGSHIP_DESTINATION_ARN" => "arn:aws:kinesis:us-east-1:1:stream/s".to_owned(),
                "LOGSHIP_ROLE_ARN" => "arn:aws:iam::1:role/r".to_owned(),
                "LOGSHIP_SHIPPER_LOG_GROUP" => "/aws/lambda/logship".to_owned(),
                "LOGSHIP_SUBSCRIBE_MODE" => mode.clone(),
                _ => return None,
            })
        })
        .unwrap()
    }

    fn update(old_mode: &str) -> CfnRequest {
        serde_json::from_value(json!({
            "RequestType": "Update",
            "ResponseURL": "http://localhost/",
            "StackId": "arn:aws:cloudformation:us-east-1:1:stack/s/1",
            "RequestId": "r",
            "LogicalResourceId": "Sweep",
            "PhysicalResourceId": "Sweep-s",
            "ResourceProperties": {},
            "OldResourceProperties": {"Mode": old_mode, "PolicyName": "logship"}
        }))
        .unwrap()
    }

    #[test]
    fn leaving_account_policy_mode_deletes_the_old_policy() {
        assert_eq!(
            previous_policy(&update("account-policy"), &config("log-group")),
            Some("logship".into())
        );
        assert_eq!(
            previous_policy(&update("account-policy"), &config("account-policy")),
            None
        );
        assert_eq!(
            previous_policy(&update("log-group"), &config("log-group")),
            None
        );
    }
}
