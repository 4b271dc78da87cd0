//! Lambda mode: the start-up and one invocation.
//!
//! [`serve`] is what the binary runs when Lambda starts it: JSON logs at
//! `AWS_LAMBDA_LOG_LEVEL`, the configuration read once (a bad one fails every
//! invocation with a `logship.ConfigurationError` rather than the init, so the
//! error shows in the function's answers), and every invocation served by
//! `lambda_runtime` in a span carrying its request id. [`invoke`] is one
//! invocation, testable without the runtime: the time left before the Lambda
//! deadline, the batch handled, the partial batch response and the one EMF
//! metrics line.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::streams::KinesisEventResponse;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use tracing::Instrument;

use crate::config::{Config, ConfigError};
use crate::event::{Input, KinesisEvent, Source};
use crate::handler::{Services, SetupError, handle, response};
use crate::metrics::emf_line_with_rules;

/// The `errorType` of an invocation that cannot run because the configuration is bad.
pub const CONFIGURATION_ERROR: &str = "logship.ConfigurationError";

/// One invocation's answer: the partial batch response and the EMF line to print.
#[derive(Debug)]
pub struct Invocation {
    /// The records Kinesis must retry.
    pub response: KinesisEventResponse,
    /// The CloudWatch Embedded Metric Format line of the invocation.
    pub emf: String,
}

/// Handles one batch: `deadline_ms` is the Lambda deadline in milliseconds
/// since the Unix epoch (as the runtime announces it), `function` the
/// dimension of the metrics.
pub async fn invoke(
    services: &Services,
    event: &KinesisEvent,
    deadline_ms: u64,
    function: &str,
) -> Invocation {
    let started = Instant::now();
    let now_ms = crate::time::now_ms();
    let remaining = Duration::from_millis(deadline_ms.saturating_sub(now_ms));
    let outcome = handle(services, event, Some(started + remaining)).await;
    let s = &outcome.summary;
    let rules = &services.config().rules;
    let per_rule: Vec<(String, u64)> = (0..rules.len())
        .map(|i| {
            let c = outcome.rules.get(i);
            (rules.metric_name(i), c.dropped + c.sampled_out)
        })
        .collect();
    let emf = emf_line_with_rules(s, &per_rule, function, started.elapsed(), now_ms);
    tracing::info!(
        records = s.records,
        events_in = s.events_in,
        delivered = s.delivered,
        dead_lettered = s.dead_lettered,
        failed = s.failed,
        filtered = s.filtered,
        control = s.control_messages,
        undecodable = s.undecodable_records,
        retries = s.retries,
        masked = s.masked,
        balanced = s.balanced(),
        "batch done"
    );
    Invocation {
        response: response(&outcome),
        emf,
    }
}

/// The services, or the error every invocation answers when they cannot be built.
pub async fn services_from(config: Result<Config, ConfigError>) -> Result<Services, SetupError> {
    Services::new(config?, None).await
}

/// The start-up configuration: the unknown-settings check over the
/// environment's variable names (a warning each, or the configuration error
/// under `LOGSHIP_STRICT_SETTINGS=on`), then the validated [`Config`].
pub fn config_from_env() -> Result<Config, ConfigError> {
    let names = crate::settings::env_names();
    config_from(names.iter().map(String::as_str), &|k| std::env::var(k).ok())
}

/// [`config_from_env`] over any variable names and lookup (for tests).
pub fn config_from<'a>(
    names: impl IntoIterator<Item = &'a str>,
    lookup: crate::settings::Lookup<'_>,
) -> Result<Config, ConfigError> {
    crate::config::checked(names, lookup, &mut |u| {
        tracing::warn!(setting = %u.name, closest = u.closest.unwrap_or("-"), "{u}");
    })
}

/// What an invocation answers when the services could not be built.
pub fn configuration_error(error: &SetupError) -> Diagnostic {
    Diagnostic {
        error_type: CONFIGURATION_ERROR.to_owned(),
        error_message: error.to_string(),
    }
}

/// The `errorType` of an invocation whose event cannot be read.
pub const INVALID_EVENT: &str = "logship.InvalidEvent";

/// One invocation from its raw event, as the runtime hands it over: the
/// services (or why there are none), the event read (a Kinesis batch or an
/// `awslogs` event of `region`; one that cannot be read is named by field and
/// position, never quoting a value), the batch handled, and the answer. The
/// EMF line is printed to stdout, where Lambda's log agent takes it.
pub async fn on_event(
    services: &Result<Services, SetupError>,
    payload: &str,
    region: &str,
    deadline_ms: u64,
    function: &str,
) -> Result<KinesisEventResponse, Diagnostic> {
    let services = services.as_ref().map_err(configuration_error)?;
    let input = Input::parse_event(payload, region).map_err(|e| {
        tracing::error!(error = %e, "the invocation's event cannot be read");
        Diagnostic {
            error_type: INVALID_EVENT.to_owned(),
            error_message: e.to_string(),
        }
    })?;
    let done = invoke(services, &input.event, deadline_ms, function).await;
    println!("{}", done.emf);
    answer(input.source, done)
}

/// Lambda logs: JSON on stderr, `AWS_LAMBDA_LOG_LEVEL` for logship, warnings for the rest.
fn init_tracing() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .map(|l| l.to_ascii_lowercase().replace("fatal", "error"))
        .unwrap_or_else(|_| "info".to_owned());
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "warn,logship={level}"
        )))
        .with_current_span(true)
        .with_span_list(false)
        .with_ansi(false)
        .without_time()
        .try_init();
}

/// Serves the Lambda invocations until the runtime stops.
pub fn serve() -> ExitCode {
    init_tracing();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("logship: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: Result<(), lambda_runtime::Error> = rt.block_on(async {
        // A bad configuration fails every invocation with a clear error, rather than the init.
        let services = services_from(config_from_env()).await;
        if let Err(e) = &services {
            tracing::error!(error = %e, "logship cannot run");
        }
        let services = Arc::new(services);
        let function =
            std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "logship".to_owned());
        // The region of an `awslogs` event's log groups: a subscription
        // delivers within its region, to a function of the same region.
        let region = std::env::var("AWS_REGION").unwrap_or_default();
        // The event is read here rather than by the runtime, so that a bad one is
        // reported by field and position, never quoting a value.
        lambda_runtime::run(service_fn(
            move |event: LambdaEvent<Box<serde_json::value::RawValue>>| {
                let services = Arc::clone(&services);
                let function = function.clone();
                let region = region.clone();
                // Every log line of the invocation carries its request id.
                let span = tracing::info_span!(
                    "invocation",
                    request_id = %event.context.request_id
                );
                async move {
                    on_event(
                        &services,
                        event.payload.get(),
                        &region,
                        event.context.deadline,
                        &function,
                    )
                    .await
                }
                .instrument(span)
            },
        ))
        .await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}

/// The `errorType` of an `awslogs` invocation that left events neither
/// delivered nor dead-lettered: Lambda retries it (twice), then hands it to
/// the function's on-failure destination.
pub const UNDELIVERED: &str = "logship.Undelivered";

/// What Lambda is answered: a Kinesis batch gets its partial batch response;
/// an asynchronous `awslogs` invocation has no such answer, so one that left
/// anything undelivered and not dead-lettered fails as a whole (a retry
/// sends every event again under the same ids: nothing is duplicated).
pub fn answer(source: Source, done: Invocation) -> Result<KinesisEventResponse, Diagnostic> {
    match source {
        Source::AwsLogs if !done.response.batch_item_failures.is_empty() => Err(Diagnostic {
            error_type: UNDELIVERED.to_owned(),
            error_message:
                "some log events were neither delivered nor dead-lettered; retry the invocation"
                    .to_owned(),
        }),
        _ => Ok(done.response),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::Config;

    /// Services shipping to Logz.io at an address where nothing listens.
    async fn services() -> Services {
        let vars = [
            ("LOGSHIP_DESTINATION", "logzio"),
            ("LOGSHIP_ENDPOINT", "http://127.0.0.1:9"),
            ("LOGSHIP_TOKEN", "tok-Qm4Zx8Lp2Vb7Rk1W"),
        ];
        let lookup = |k: &str| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_owned())
        };
        let cfg = Config::from_lookup(&lookup).expect("configuration");
        Services::new(cfg, None).await.expect("services")
    }

    use crate::time::now_ms;

    #[tokio::test]
    async fn an_empty_batch_answers_no_failure_and_one_metrics_line() {
        let services = services().await;
        let event: KinesisEvent = serde_json::from_str(r#"{"Records":[]}"#).expect("event");
        let done = invoke(&services, &event, now_ms() + 60_000, "fn-under-test").await;
        assert!(done.response.batch_item_failures.is_empty());
        let emf: serde_json::Value = serde_json::from_str(&done.emf).expect("EMF is JSON");
        assert_eq!(emf["Records"], 0);
        assert_eq!(emf["Balanced"], 1);
        assert!(emf["_aws"].is_object());
        assert!(done.emf.contains("fn-under-test"));
    }

    #[tokio::test]
    async fn a_record_out_of_time_goes_back_to_kinesis() {
        let services = services().await;
        let generated = crate::sample::generate(&crate::sample::GenOptions {
            records: 1,
            events_per_record: 3,
            control_records: 0,
            secrets: false,
            seed: 7,
        });
        let event: KinesisEvent = serde_json::from_value(generated.event).expect("event");
        // A deadline already past: nothing can ship, the record is failed back.
        let done = invoke(&services, &event, now_ms().saturating_sub(1_000), "f").await;
        assert_eq!(done.response.batch_item_failures.len(), 1);
        let emf: serde_json::Value = serde_json::from_str(&done.emf).expect("EMF is JSON");
        assert_eq!(emf["Records"], 1);
        assert_eq!(emf["Balanced"], 1);
    }

    #[test]
    fn start_up_warns_of_unknown_settings_and_fails_under_strict() {
        let names = ["LOGSHIP_DESTINATON", "PATH"];
        assert!(config_from(names, &|_| None).is_ok());
        let strict = |k: &str| (k == "LOGSHIP_STRICT_SETTINGS").then(|| "on".to_owned());
        let e = config_from(names, &strict).expect_err("strict").to_string();
        assert!(
            e.contains("LOGSHIP_DESTINATON (did you mean LOGSHIP_DESTINATION?)"),
            "{e}"
        );
        let rules = |k: &str| {
            (k == "LOGSHIP_RULES")
                .then(|| r#"[{"match":{"log_group":"*"},"action":"dorp"}]"#.to_owned())
        };
        let e = config_from(names, &rules)
            .expect_err("invalid rule")
            .to_string();
        assert!(
            e.contains("rule 1") && e.contains("did you mean \"drop\""),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_bad_configuration_becomes_a_configuration_error() {
        let bad = Config::from_lookup(&|k: &str| {
            (k == "LOGSHIP_DESTINATION").then(|| "elastic".to_owned())
        });
        let services = services_from(bad).await;
        let e = services.as_ref().expect_err("no services");
        assert!(e.to_string().starts_with("configuration: "), "{e}");
        let d = configuration_error(e);
        assert_eq!(d.error_type, CONFIGURATION_ERROR);
        assert_eq!(d.error_message, e.to_string());
        // Every invocation then answers it, whatever its event.
        let answered = on_event(&services, r#"{"Records":[]}"#, "us-east-1", now_ms(), "f").await;
        let d = answered.expect_err("configuration error");
        assert_eq!(d.error_type, CONFIGURATION_ERROR);
    }

    #[tokio::test]
    async fn an_unreadable_event_is_named_by_field_never_quoted() {
        let services = Ok(services().await);
        let secret = "tok-Zq8Lm2Xv9Rb4Wp7K";
        for payload in [
            format!(r#"{{"Records":[{{"kinesis":{{"data":5,"sequenceNumber":"{secret}"}}}}]}}"#),
            format!(r#"{{"awslogs":{{"data":["{secret}"]}}}}"#),
            format!(r#"{{"Records":[{{"body":"{secret}","eventSource":"aws:sqs"}}]}}"#),
            "{}".to_owned(),
        ] {
            let d = on_event(&services, &payload, "us-east-1", now_ms() + 60_000, "f")
                .await
                .expect_err("an invalid event");
            assert_eq!(d.error_type, INVALID_EVENT, "{payload}");
            assert!(!d.error_message.contains(secret), "{}", d.error_message);
            assert!(!d.error_message.is_empty());
        }
    }

    #[tokio::test]
    async fn an_empty_kinesis_batch_answers_no_failures() {
        let services = Ok(services().await);
        let answered = on_event(
            &services,
            r#"{"Records":[]}"#,
            "us-east-1",
            now_ms() + 60_000,
            "f",
        )
        .await;
        assert!(answered.expect("answer").batch_item_failures.is_empty());
    }

    fn undelivered() -> Invocation {
        let mut response = KinesisEventResponse::default();
        response.batch_item_failures.push(Default::default());
        Invocation {
            response,
            emf: String::new(),
        }
    }

    #[test]
    fn an_awslogs_invocation_with_anything_left_fails_as_a_whole() {
        let d = answer(Source::AwsLogs, undelivered()).expect_err("retried by Lambda");
        assert_eq!(d.error_type, UNDELIVERED);
        let r = answer(Source::Kinesis, undelivered()).expect("partial batch response");
        assert_eq!(r.batch_item_failures.len(), 1);
        let none = Invocation {
            response: KinesisEventResponse::default(),
            emf: String::new(),
        };
        assert!(answer(Source::AwsLogs, none).is_ok());
    }
}
