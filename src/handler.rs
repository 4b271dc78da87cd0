//! The Lambda handler: a Kinesis batch in, a partial batch response out.
//!
//! [`Services`] is built once per container from the validated configuration:
//! the masker, the HTTP shipper (trusting a private CA's certificates when
//! configured), the SSM token source and the SQS dead-letter queue. [`handle`]
//! runs one batch and answers `batchItemFailures` with the sequence number of
//! every record that has an event neither delivered nor dead-lettered, and
//! nothing else. The same function serves `logship process` with a
//! destination configured, so the handler runs locally end to end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::streams::{KinesisBatchItemFailure, KinesisEventResponse};

use crate::config::{Config, Destination, EsAuth, TokenSetting};
use crate::dlq::DeadLetterQueue;
use crate::event::KinesisEvent;
use crate::mask::Masker;
use crate::pipeline::{Outcome, Pipeline, Progress};
use crate::ship::token::TokenSource;
use crate::ship::{ShipError, Shipper};

/// What the function needs, built once.
#[derive(Debug)]
pub struct Services {
    config: Config,
    pipeline: Pipeline,
    shipper: Arc<Shipper>,
    dlq: Option<DeadLetterQueue>,
}

/// The services cannot be built: an invocation-wide fault.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Bad configuration.
    #[error("configuration: {0}")]
    Config(#[from] crate::config::ConfigError),
    /// The masking rules do not compile.
    #[error("masking rules: {0}")]
    Mask(#[from] crate::mask::MaskError),
    /// The shipper cannot be built.
    #[error("{0}")]
    Ship(#[from] ShipError),
    /// The private CA's parameter cannot be read or used.
    #[error("{0}")]
    Ca(#[from] crate::tls::CaError),
    /// The Lambda needs a destination.
    #[error(
        "LOGSHIP_DESTINATION must be logzio or elasticsearch for the Lambda (stdout is for local runs)"
    )]
    NoDestination,
}

impl Services {
    /// The configuration they were built from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The stages.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// The shipper (its destination, its token).
    pub fn shipper(&self) -> &Arc<Shipper> {
        &self.shipper
    }

    /// The dead-letter queue, when one is configured.
    pub fn dlq(&self) -> Option<&DeadLetterQueue> {
        self.dlq.as_ref()
    }

    /// Builds everything from a configuration; `sdk` is loaded only when needed.
    /// A CA bundle in SSM (`LOGSHIP_CA_BUNDLE_PARAM`) is read here, once.
    pub async fn new(
        mut config: Config,
        sdk: Option<aws_config::SdkConfig>,
    ) -> Result<Services, SetupError> {
        if config.destination == Destination::Stdout {
            return Err(SetupError::NoDestination);
        }
        let needs_aws = matches!(config.token, TokenSetting::Parameter(_))
            || config.dlq_url.is_some()
            || matches!(config.es_auth, EsAuth::SigV4 { .. })
            || config.ca.parameter().is_some();
        let sdk = match sdk {
            Some(s) => Some(s),
            None if needs_aws => Some(crate::aws::sdk_config().await),
            None => None,
        };
        let token = match &config.token {
            TokenSetting::None => TokenSource::none(),
            TokenSetting::Plain(t) => TokenSource::fixed(t.clone()),
            TokenSetting::Parameter(name) => match &sdk {
                Some(sdk) => {
                    TokenSource::ssm(aws_sdk_ssm::Client::new(sdk), name, config.token_ttl)
                }
                None => TokenSource::none(),
            },
        };
        config.ca.resolve(sdk.as_ref()).await?;
        let credentials = sdk.as_ref().and_then(|s| s.credentials_provider());
        let masker = Arc::new(Masker::new(&config.mask)?);
        let shipper = Shipper::new(&config, token, credentials, Arc::clone(&masker))?;
        let dlq = match (&config.dlq_url, &sdk) {
            (Some(url), Some(sdk)) => Some(DeadLetterQueue::new(
                aws_sdk_sqs::Client::new(sdk),
                url,
                config.dlq_max_message_bytes,
            )),
            _ => None,
        };
        Ok(Services {
            pipeline: Pipeline::new(config.format(), &config, masker),
            shipper: Arc::new(shipper),
            dlq,
            config,
        })
    }
}

/// Runs one batch. `deadline` is the Lambda deadline; shipping stops
/// `LOGSHIP_DEADLINE_RESERVE_MS` before it so the rest can be dead-lettered,
/// but the reserve never takes more than half of the time left: a function
/// with a timeout shorter than the reserve (Lambda's default is 3 s) still
/// ships rather than failing every record back.
pub async fn handle(
    services: &Services,
    event: &KinesisEvent,
    deadline: Option<Instant>,
) -> Outcome {
    let cutoff = deadline.map(|d| cutoff(d, Instant::now(), services.config.deadline_reserve));
    let progress = Progress::default();
    let until = crate::ship::Until::cutoff(cutoff);
    let run = services.pipeline.run(
        event,
        &services.shipper,
        services.dlq.as_ref(),
        &until,
        services.config.concurrency,
        &progress,
    );
    // Shipping stops at the cut-off, but the dead-letter writes after it have no
    // bound of their own: rather than let Lambda time the invocation out, answer
    // just before the deadline with the whole batch failed back to Kinesis
    // (nothing is lost; Elasticsearch absorbs the retry through the `_id`).
    let Some(deadline) = deadline else {
        return run.await;
    };
    let limit = deadline
        .saturating_duration_since(Instant::now())
        .saturating_sub(Duration::from_millis(200));
    match tokio::time::timeout(limit, run).await {
        Ok(outcome) => outcome,
        Err(_) => {
            tracing::error!(
                "the batch did not finish before the deadline; every record goes back to Kinesis"
            );
            whole_batch_failed(event, progress.events_in())
        }
    }
}

/// When shipping stops: `reserve` before the deadline, or halfway there from
/// `now` when the reserve is longer than half of the time left.
fn cutoff(deadline: Instant, now: Instant, reserve: Duration) -> Instant {
    let left = deadline.saturating_duration_since(now);
    deadline.checked_sub(reserve.min(left / 2)).unwrap_or(now)
}

/// An outcome that sends every record of the batch back to Kinesis: the
/// `events_in` read so far all count as failed (some may have been delivered
/// or dead-lettered before time ran out; Kinesis sends them again), and the
/// invocation counts as timed out.
fn whole_batch_failed(event: &KinesisEvent, events_in: u64) -> Outcome {
    let mut outcome = Outcome::default();
    outcome.summary.records = event.records.len() as u64;
    outcome.summary.events_in = events_in;
    outcome.summary.failed = events_in;
    outcome.summary.timed_out = 1;
    for record in &event.records {
        outcome
            .failed_sequence_numbers
            .push(record.sequence_number().to_owned());
        outcome.errors.push(crate::pipeline::RecordError {
            sequence_number: record.sequence_number().to_owned(),
            error: crate::pipeline::RecordFault::OutOfTime,
        });
    }
    outcome.summary.records_failed = outcome.failed_sequence_numbers.len() as u64;
    outcome
}

/// The partial batch response: the records Kinesis must retry.
pub fn response(outcome: &Outcome) -> KinesisEventResponse {
    let mut r = KinesisEventResponse::default();
    r.batch_item_failures = outcome
        .failed_sequence_numbers
        .iter()
        .map(|seq| {
            let mut f = KinesisBatchItemFailure::default();
            f.item_identifier = Some(seq.clone());
            f
        })
        .collect();
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_out_of_time_fails_every_record() {
        let event: KinesisEvent = serde_json::from_str(
            r#"{"Records":[{"kinesis":{"sequenceNumber":"1","data":""}},{"kinesis":{"sequenceNumber":"2","data":""}}]}"#,
        )
        .expect("event");
        let outcome = whole_batch_failed(&event, 7);
        assert_eq!(outcome.failed_sequence_numbers, ["1", "2"]);
        assert_eq!(response(&outcome).batch_item_failures.len(), 2);
        assert!(outcome.summary.balanced());
        assert_eq!(outcome.summary.events_in, 7);
        assert_eq!(outcome.summary.failed, 7);
        assert_eq!(outcome.summary.timed_out, 1);
    }

    #[test]
    fn the_reserve_takes_at_most_half_of_the_time_left() {
        let now = Instant::now();
        let s = Duration::from_secs;
        // A 60 s function keeps the whole 5 s reserve.
        assert_eq!(cutoff(now + s(60), now, s(5)), now + s(55));
        // A 3 s function (Lambda's default) ships for 1.5 s instead of not at all.
        assert_eq!(
            cutoff(now + s(3), now, s(5)),
            now + Duration::from_millis(1500)
        );
        // A deadline already past stops at once.
        assert_eq!(cutoff(now, now + s(1), s(5)), now);
    }
}
