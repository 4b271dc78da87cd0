//! The start-up both Lambda binaries share: JSON logging, the configuration
//! from the environment, the AWS SDK configuration and clients, and then every
//! invocation served with `lambda_runtime`, each with the time budget left
//! before the Lambda deadline.
//!
//! An invalid configuration does not end the process at start-up: a function
//! that exits before it reads its invocation leaves a CloudFormation
//! custom-resource request unanswered, and the stack waits about an hour. The
//! function serves its invocations instead, each failing with the
//! configuration error, and a custom-resource request is answered `FAILED`
//! with a reason naming the setting and its template parameter (`SUCCESS` for a
//! Delete, so that the failed stack can be rolled back and deleted).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use aws_config::BehaviorVersion;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Map, Value};

use crate::Error;
use crate::cfn::{self, CfnResponse, RequestType, Status};
use crate::config::describe_config_error;
use crate::event::Trigger;
use crate::groups::Budget;
use crate::handlers::Clients;

/// Starts the function `name` and serves its invocations until the runtime
/// stops: `from_env` reads its configuration, `margin` says how long before
/// the deadline its work must stop, and `handler` handles one invocation.
pub async fn run<C, H, F>(
    name: &str,
    from_env: fn() -> Result<C, Error>,
    margin: fn(&C) -> Duration,
    handler: H,
) -> anyhow::Result<()>
where
    C: Send + Sync + 'static,
    H: Fn(Arc<Clients>, Arc<C>, Value, Budget) -> F + Send + Sync + 'static,
    F: Future<Output = Result<Value, Error>> + Send,
{
    crate::logging::init();
    let config = match from_env() {
        Ok(config) => Arc::new(config),
        Err(e) => return serve_config_error(name, &e).await,
    };
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let clients = Arc::new(Clients::new(&sdk).context("AWS clients")?);
    // Boxed: the runtime's future is deep enough to overflow the compiler's
    // layout depth limit when nested in this one unboxed.
    Box::pin(lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Value>| {
            let config = Arc::clone(&config);
            let clients = Arc::clone(&clients);
            let budget = Budget::from_lambda_deadline(event.context.deadline, margin(&config));
            handler(clients, config, event.payload, budget)
        },
    )))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}

/// Serves every invocation with the configuration error `error`: a
/// custom-resource request is answered first (FAILED, or SUCCESS for a
/// Delete), then the invocation fails with the error.
async fn serve_config_error(name: &str, error: &Error) -> anyhow::Result<()> {
    let reason = format!("{name}: {}", describe_config_error(error));
    tracing::error!(error = %reason, "invalid configuration: every invocation fails until it is fixed");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("HTTP client")?;
    let reason: Arc<str> = Arc::from(reason);
    Box::pin(lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Value>| {
            let http = http.clone();
            let reason = Arc::clone(&reason);
            async move { answer_config_error(&http, &reason, &event.payload).await }
        },
    )))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}

/// One invocation under an invalid configuration: answers a pending
/// custom-resource request, and fails with `reason` in any case.
pub async fn answer_config_error(
    http: &reqwest::Client,
    reason: &str,
    payload: &Value,
) -> Result<Value, Error> {
    if let Ok(Trigger::CustomResource(request)) = Trigger::parse(payload) {
        let response = if request.request_type == RequestType::Delete {
            // Nothing can be cleaned up without a configuration; the stack
            // must still be deletable (a failed Create rolls back this way).
            CfnResponse::new(
                &request,
                Status::Success,
                &format!("nothing removed, the configuration is invalid: {reason}"),
                Map::new(),
            )
        } else {
            CfnResponse::new(
                &request,
                Status::Failed,
                &format!("invalid configuration: {reason}"),
                Map::new(),
            )
        };
        cfn::send(http, &request.response_url, &response).await?;
        tracing::info!(status = ?response.status, reason = %response.reason, "CloudFormation answered");
    }
    Err(Error::Config(reason.to_owned()))
}
