//! The start-up both Lambda binaries share: JSON logging, the configuration
//! from the environment (an invalid one fails the init, so a bad deploy shows
//! at once), the AWS SDK configuration and clients, and then every invocation
//! served with `lambda_runtime`, each with the time budget left before the
//! Lambda deadline.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use aws_config::BehaviorVersion;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

use crate::Error;
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
    let config = from_env()
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))
        .with_context(|| format!("{name} configuration"))?;
    let config = Arc::new(config);
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
