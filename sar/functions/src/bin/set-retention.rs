//! Lambda entry point of set-retention: gives CloudWatch Logs log groups a retention (sweeps and new
//! groups; see `logship_sar::retention`).
//!
//! Start-up reads the configuration from the environment (an invalid one
//! fails the init, so a bad deploy shows at once), loads the AWS SDK
//! configuration and serves invocations with `lambda_runtime`.

use std::sync::Arc;

use anyhow::Context as _;
use aws_config::BehaviorVersion;
use lambda_runtime::{LambdaEvent, service_fn};
use logship_sar::config::RetentionConfig;
use logship_sar::groups::Budget;
use logship_sar::handlers::{self, Clients};
use serde_json::Value;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    logship_sar::logging::init();
    let config = RetentionConfig::from_env()
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))
        .context("set-retention configuration")?;
    let config = Arc::new(config);
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let clients = Arc::new(Clients::new(&sdk).context("AWS clients")?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let config = Arc::clone(&config);
        let clients = Arc::clone(&clients);
        async move {
            let budget =
                Budget::from_lambda_deadline(event.context.deadline, config.deadline_margin);
            handlers::set_retention(&clients, &config, &event.payload, budget).await
        }
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
