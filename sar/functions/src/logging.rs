//! JSON logging to stdout for the Lambda functions: one flat JSON object per
//! line (`level`, `message` and the fields at the top), which CloudWatch Logs
//! Insights queries directly and Lambda's JSON log format filters by `level`.
//!
//! The level comes from `AWS_LAMBDA_LOG_LEVEL` (set by Lambda's advanced
//! logging controls), else `RUST_LOG`, else `info`.

use tracing_subscriber::EnvFilter;

/// Installs the global JSON subscriber; call once at start-up.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned())
        .to_ascii_lowercase();
    // Lambda's levels include FATAL, which tracing calls error.
    let level = if level == "fatal" {
        "error".to_owned()
    } else {
        level
    };
    let filter = EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_env_filter(filter)
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .try_init();
}
