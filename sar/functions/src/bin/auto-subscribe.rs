//! Lambda entry point of auto-subscribe: subscribes CloudWatch Logs log groups to logship's Kinesis stream
//! (sweeps, new groups, the account-level policy; see `logship_sar::subscribe`).
//!
//! Start-up ([`logship_sar::lambda::run`]) reads the configuration from the
//! environment (an invalid one fails every invocation and answers the
//! deploy-time custom resource `FAILED`, so a bad deploy shows at once), loads
//! the AWS SDK configuration and serves invocations with `lambda_runtime`.

use logship_sar::config::SubscribeConfig;
use logship_sar::handlers;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    logship_sar::lambda::run(
        "auto-subscribe",
        SubscribeConfig::from_env,
        |config| config.deadline_margin,
        |clients, config, payload, budget| async move {
            handlers::auto_subscribe(&clients, &config, &payload, budget).await
        },
    )
    .await
}
