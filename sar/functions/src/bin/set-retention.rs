//! Lambda entry point of set-retention: gives CloudWatch Logs log groups a retention (sweeps and new
//! groups; see `logship_sar::retention`).
//!
//! Start-up ([`logship_sar::lambda::run`]) reads the configuration from the
//! environment (an invalid one fails every invocation and answers the
//! deploy-time custom resource `FAILED`, so a bad deploy shows at once), loads
//! the AWS SDK configuration and serves invocations with `lambda_runtime`.

use logship_sar::config::RetentionConfig;
use logship_sar::handlers;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    logship_sar::lambda::run(
        "set-retention",
        RetentionConfig::from_env,
        |config| config.deadline_margin,
        |clients, config, payload, budget| async move {
            handlers::set_retention(&clients, &config, &payload, budget).await
        },
    )
    .await
}
