//! Ship: bodies to the destination, retried, until each document is delivered
//! or handed back as undeliverable.
//!
//! [`Shipper::ship`] takes one body and answers, for every document in it,
//! delivered or undelivered-with-a-reason; it never drops one. Bodies are sent
//! gzipped over one shared HTTP client (rustls, connect and request timeouts).
//! Answers are read as [`retry`] classifies them: retryable failures wait with
//! backoff, bulk items are retried alone, a 413 splits the body in halves, a
//! 401/403 re-reads the token once ([`token`]). Nothing waits past the cut-off
//! (the Lambda deadline minus a reserve): what is still undelivered then is
//! returned for the dead-letter stage. Error texts never contain the URL (the
//! Logz.io token is in its query string) nor the token.
//!
//! The operator tools reuse its pieces: `Target` (every destination request:
//! URL, auth header, SigV4), [`http_client`] (with a private CA's roots,
//! [`tls`]) and [`error_chain`].

pub mod elasticsearch;
pub mod logzio;
pub mod retry;
pub mod scrub;
mod target;
pub mod token;

use std::collections::VecDeque;
use std::io::Write as _;
use std::time::{Duration, Instant};

use std::sync::Arc;

use crate::config::{Config, EsAuth};
use crate::document::DocId;
use crate::encode::{Body, Item};
use crate::mask::Masker;
pub use retry::{Failure, Reason};
use retry::{RetryPolicy, StatusClass, classify, parse_retry_after};
use scrub::Scrubber;
pub(crate) use target::{Target, connect};
pub use target::{error_chain, http_client};
use token::TokenSource;

/// A document that could not be delivered.
#[derive(Debug, Clone)]
pub struct Undelivered {
    /// Where it came from, as the encoder was told ([`crate::encode::Item::record`]):
    /// the Kinesis record's index in the batch for the pipeline, the document's
    /// position among those re-shipped for the redrive.
    pub record: u32,
    /// Its id.
    pub id: DocId,
    /// The masked document JSON.
    pub doc: Vec<u8>,
    /// Why (shared by the documents of one request).
    pub reason: Arc<Reason>,
    /// Attempts made.
    pub attempts: u32,
    /// Refused for good by the destination (as opposed to not reached in time).
    pub rejected: bool,
    /// The index a rule or a data stream routed it to (None: the configured
    /// one), so the DLQ message records it and a redrive sends it back there.
    pub index: Option<String>,
}

/// What became of one body.
#[derive(Debug, Default)]
pub struct ShipReport {
    /// Record index of every delivered document.
    pub delivered: Vec<u32>,
    /// Every document not delivered.
    pub undelivered: Vec<Undelivered>,
    /// Requests sent again.
    pub retries: u64,
    /// Uncompressed body bytes sent, retries included.
    pub bytes_out: u64,
}

impl ShipReport {
    fn give_up<'a>(
        &mut self,
        body: &Body,
        items: impl IntoIterator<Item = &'a Item>,
        reason: Reason,
        attempts: u32,
        rejected: bool,
    ) {
        let reason = Arc::new(reason);
        for item in items {
            self.undelivered.push(Undelivered {
                record: item.record,
                id: item.id,
                doc: body.doc(item).to_vec(),
                reason: Arc::clone(&reason),
                attempts,
                rejected,
                index: body.routed_index(item),
            });
        }
    }
}

/// When to stop trying: the cut-off before the Lambda deadline, and a flag an
/// operator's Ctrl-C sets. Either ends a body's attempts; what is undelivered
/// then comes back as such (a request in flight is answered first).
#[derive(Debug, Clone, Default)]
pub struct Until {
    /// No attempt starts, and no backoff waits, past this instant.
    pub cutoff: Option<Instant>,
    /// Set: no new attempt, and a backoff in progress ends at once.
    pub stop: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl Until {
    /// Until `cutoff` (if any), with no stop flag.
    pub fn cutoff(cutoff: Option<Instant>) -> Until {
        Until { cutoff, stop: None }
    }

    fn stopped(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// Sleeps `wait`, waking early when the stop flag is set: false then.
    async fn sleep(&self, wait: Duration) -> bool {
        let Some(_) = &self.stop else {
            tokio::time::sleep(wait).await;
            return true;
        };
        let end = Instant::now() + wait;
        loop {
            if self.stopped() {
                return false;
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            tokio::time::sleep(left.min(Duration::from_millis(100))).await;
        }
    }
}

/// The answer to one request.
enum Answer {
    Delivered,
    Items(Vec<elasticsearch::ItemResult>),
    Retry {
        failure: Failure,
        after: Option<Duration>,
    },
    Unauthorized {
        status: u16,
        token: Option<crate::secret::Secret>,
    },
    TooLarge,
    Reject(Failure),
}

/// Sends bodies to one destination.
#[derive(Debug)]
pub struct Shipper {
    client: reqwest::Client,
    target: Target,
    token: TokenSource,
    policy: RetryPolicy,
    request_timeout: Duration,
    gzip: bool,
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    scrubber: Scrubber,
}

/// The shipper cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    /// The configured destination is not an HTTP one.
    #[error("destination {0} does not ship over HTTP")]
    NotHttp(&'static str),
    /// The HTTP client could not be built.
    #[error("building the HTTP client: {0}")]
    Client(String),
    /// SigV4 was asked for but no AWS credentials are configured.
    #[error("LOGSHIP_ES_AUTH=sigv4 needs AWS credentials, and none are configured")]
    NoCredentials,
    /// The private CA's roots are not usable, or were not read first.
    #[error("{0}")]
    Ca(#[from] crate::tls::CaError),
}

impl Shipper {
    /// Builds the shipper: one HTTP client for the life of the function.
    /// `masker` cleans what the destination answers before it is logged.
    pub fn new(
        cfg: &Config,
        token: TokenSource,
        credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
        masker: Arc<Masker>,
    ) -> Result<Shipper, ShipError> {
        let (target, client) = connect(cfg)?;
        if matches!(cfg.es_auth, EsAuth::SigV4 { .. })
            && matches!(target, Target::Elasticsearch { .. })
            && credentials.is_none()
        {
            return Err(ShipError::NoCredentials);
        }
        Ok(Shipper {
            client,
            target,
            token,
            policy: RetryPolicy {
                max_attempts: cfg.max_attempts,
                base: cfg.backoff_base,
                max: cfg.backoff_max,
                max_retry_after: cfg.max_retry_after,
            },
            request_timeout: cfg.request_timeout,
            gzip: cfg.gzip,
            credentials,
            scrubber: Scrubber::new(masker),
        })
    }

    /// An outside text (an answer, a header) cut, masked and scrubbed of the
    /// tokens in use: safe for a log line, a DLQ reason or a summary.
    pub fn clean(&self, text: &[u8]) -> String {
        self.scrubber.clean_bytes(text, &self.token.known())
    }

    /// What an error answer says, safe to log: the destination's own error
    /// (Elasticsearch's `error.type: error.reason`, a JSON `message`),
    /// cleaned; any other body (an HTML page, a proxy's echo of the request and
    /// its documents) only by its size, never its text.
    fn describe(&self, answer: &[u8]) -> String {
        match scrub::error_of(answer) {
            Some(error) => self.clean(error.as_bytes()),
            None if answer.is_empty() => "(empty body)".to_owned(),
            None => format!("(a {}-byte body, not shown)", answer.len()),
        }
    }

    /// `logzio` or `elasticsearch`.
    pub fn destination(&self) -> &'static str {
        self.target.name()
    }

    /// The token source (for `token check`).
    pub fn token(&self) -> &TokenSource {
        &self.token
    }

    /// Ships one body; every document comes back delivered or undelivered.
    pub async fn ship(&self, body: Body, until: &Until) -> ShipReport {
        let cutoff = until.cutoff;
        let mut report = ShipReport::default();
        let mut queue = VecDeque::from([(body, 1u32)]);
        let mut token_reread = false;
        while let Some((body, attempt)) = queue.pop_front() {
            if body.is_empty() {
                continue;
            }
            if until.stopped() {
                report.give_up(
                    &body,
                    &body.items,
                    Reason::InterruptedBeforeDelivery,
                    attempt - 1,
                    false,
                );
                continue;
            }
            let remaining = cutoff.map(|c| c.saturating_duration_since(Instant::now()));
            if remaining == Some(Duration::ZERO) {
                report.give_up(
                    &body,
                    &body.items,
                    Reason::DeadlineBeforeDelivery,
                    attempt - 1,
                    false,
                );
                continue;
            }
            let timeout = remaining.map_or(self.request_timeout, |r| r.min(self.request_timeout));
            report.bytes_out += body.bytes.len() as u64;
            match self.send(&body, timeout).await {
                Answer::Delivered => report.delivered.extend(body.items.iter().map(|i| i.record)),
                Answer::Items(results) => {
                    let mut again = Vec::new();
                    let mut why = None;
                    let mut refused = 0usize;
                    let tokens = self.token.known();
                    for (item, result) in body.items.iter().zip(results) {
                        match result {
                            elasticsearch::ItemResult::Delivered => {
                                report.delivered.push(item.record)
                            }
                            elasticsearch::ItemResult::Reject(reason) => {
                                // An item's reason may quote the document's value.
                                let reason = Reason::Failed(Failure::Item(
                                    self.scrubber.clean(&reason, &tokens),
                                ));
                                if refused == 0 {
                                    tracing::warn!(destination = self.destination(), documents = body.len(), attempt, reason = %reason, "bulk items refused for good; they are not delivered");
                                }
                                refused += 1;
                                report.give_up(&body, [item], reason, attempt, true)
                            }
                            elasticsearch::ItemResult::Retry(reason) => {
                                why = Some(reason);
                                again.push(item);
                            }
                        }
                    }
                    if !again.is_empty() {
                        let why = Failure::Item(
                            self.scrubber
                                .clean(why.as_deref().unwrap_or_default(), &tokens),
                        );
                        let rest = body.subset(again);
                        self.again(&mut queue, &mut report, rest, attempt, why, None, until)
                            .await;
                    }
                }
                Answer::Retry { failure, after } => {
                    self.again(
                        &mut queue,
                        &mut report,
                        body,
                        attempt,
                        failure,
                        after,
                        until,
                    )
                    .await
                }
                Answer::Unauthorized { status, token } if !token_reread => {
                    token_reread = true;
                    match self.token.refresh(token.as_ref()).await {
                        Ok(_) => {
                            report.retries += 1;
                            queue.push_front((body, attempt + 1));
                        }
                        Err(e) => {
                            let reason = Reason::Failed(Failure::TokenReread {
                                status,
                                detail: e.to_string(),
                            });
                            self.warn_given_up(&body, attempt, &reason);
                            report.give_up(&body, &body.items, reason, attempt, false)
                        }
                    }
                }
                Answer::Unauthorized { status, .. } => {
                    let reason = Reason::Failed(Failure::TokenRefused(status));
                    self.warn_given_up(&body, attempt, &reason);
                    report.give_up(&body, &body.items, reason, attempt, false)
                }
                Answer::TooLarge => match body.halves() {
                    Some((a, b)) => {
                        queue.push_front((b, attempt));
                        queue.push_front((a, attempt));
                    }
                    None => {
                        let reason = Reason::Failed(Failure::TooLarge);
                        self.warn_given_up(&body, attempt, &reason);
                        report.give_up(&body, &body.items, reason, attempt, true)
                    }
                },
                Answer::Reject(failure) => {
                    let reason = Reason::Failed(failure);
                    self.warn_given_up(&body, attempt, &reason);
                    report.give_up(&body, &body.items, reason, attempt, true)
                }
            }
        }
        report
    }

    /// Queues a body for another attempt after a backoff, or gives up on it.
    #[allow(clippy::too_many_arguments)]
    async fn again(
        &self,
        queue: &mut VecDeque<(Body, u32)>,
        report: &mut ShipReport,
        body: Body,
        attempt: u32,
        failure: Failure,
        after: Option<Duration>,
        until: &Until,
    ) {
        if attempt >= self.policy.max_attempts {
            let reason = Reason::GaveUp(failure, attempt);
            self.warn_given_up(&body, attempt, &reason);
            report.give_up(&body, &body.items, reason, attempt, false);
            return;
        }
        let wait = self.policy.backoff(attempt, after);
        if let Some(cutoff) = until.cutoff
            && Instant::now() + wait >= cutoff
        {
            let reason = Reason::Deadline(failure, attempt);
            self.warn_given_up(&body, attempt, &reason);
            report.give_up(&body, &body.items, reason, attempt, false);
            return;
        }
        tracing::warn!(
            destination = self.destination(),
            documents = body.len(),
            attempt,
            retry_in_ms = wait.as_millis() as u64,
            reason = %failure,
            "bulk request failed; it will be retried"
        );
        if !until.sleep(wait).await {
            let reason = Reason::Interrupted(failure, attempt);
            self.warn_given_up(&body, attempt, &reason);
            report.give_up(&body, &body.items, reason, attempt, false);
            return;
        }
        report.retries += 1;
        queue.push_back((body, attempt + 1));
    }

    /// The one warning for a request whose documents are given up on.
    fn warn_given_up(&self, body: &Body, attempt: u32, reason: &Reason) {
        tracing::warn!(
            destination = self.destination(),
            documents = body.len(),
            attempt,
            reason = %reason,
            "bulk request failed; its documents are not delivered"
        );
    }

    /// One request and what its answer means.
    async fn send(&self, body: &Body, timeout: Duration) -> Answer {
        let token = match self.token.get().await {
            Ok(t) => t,
            Err(e) => {
                return Answer::Retry {
                    failure: Failure::TokenUnavailable(e.to_string()),
                    after: None,
                };
            }
        };
        let payload = if self.gzip {
            gzip(&body.bytes)
        } else {
            body.bytes.clone()
        };
        let request = match self
            .target
            .request(
                &self.client,
                token.as_ref(),
                self.credentials.as_ref(),
                payload,
                self.gzip,
            )
            .await
        {
            Ok(r) => r.timeout(timeout),
            Err(reason) => {
                return Answer::Retry {
                    failure: Failure::Request(reason),
                    after: None,
                };
            }
        };
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return transport_error(e),
        };
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let after = header("retry-after").as_deref().and_then(parse_retry_after);
        let location = header("location");
        let answer = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return transport_error(e),
        };
        match classify(status) {
            StatusClass::Success => {
                let read = match &self.target {
                    Target::Logzio { .. } => {
                        logzio::read_success(status, &answer).map(|()| Answer::Delivered)
                    }
                    Target::Elasticsearch { .. } => {
                        elasticsearch::read_bulk_response(&answer, body.items.iter().map(|i| &i.id))
                            .map(|a| match a {
                                elasticsearch::BulkAnswer::AllDelivered => Answer::Delivered,
                                elasticsearch::BulkAnswer::Items(items) => Answer::Items(items),
                            })
                    }
                };
                // A 2xx that does not acknowledge every document delivered nothing.
                read.unwrap_or_else(|detail| Answer::Retry {
                    failure: Failure::Unacknowledged { status, detail },
                    after: None,
                })
            }
            StatusClass::Unauthorized => Answer::Unauthorized { status, token },
            StatusClass::TooLarge => Answer::TooLarge,
            StatusClass::Redirect => Answer::Reject(Failure::Redirect {
                status,
                to: location.map_or_else(
                    || "nowhere (no Location header)".to_owned(),
                    |l| self.clean(crate::secret::url_without_secrets(&l).as_bytes()),
                ),
            }),
            StatusClass::Retry => Answer::Retry {
                failure: Failure::Status {
                    status,
                    detail: self.describe(&answer),
                },
                after,
            },
            StatusClass::Reject => Answer::Reject(match &self.target {
                Target::Logzio { .. } if status == 400 => {
                    Failure::LogzioLines(logzio::reason_for_400(&answer, body.len()))
                }
                _ => Failure::Status {
                    status,
                    detail: self.describe(&answer),
                },
            }),
        }
    }
}

fn transport_error(e: reqwest::Error) -> Answer {
    Answer::Retry {
        failure: Failure::Transport(error_chain(e)),
        after: None,
    }
}

/// Gzips a body (fast level: logs compress well even so, and CPU is the budget).
/// Compresses straight into the output, without a writer's staging buffer.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::Compress::new_gzip(flate2::Compression::fast(), 15);
    let mut out = Vec::with_capacity(bytes.len() / 8 + 1024);
    loop {
        let rest = bytes.get(z.total_in() as usize..).unwrap_or_default();
        match z.compress_vec(rest, &mut out, flate2::FlushCompress::Finish) {
            Ok(flate2::Status::StreamEnd) => return out,
            // Out of room: grow (compress_vec writes only into spare capacity).
            Ok(_) => out.reserve(out.capacity().max(4096)),
            // Not expected from an in-memory deflate; the writer path reports the same way.
            Err(_) => break,
        }
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn gzip_round_trips_whatever_the_ratio() {
        // Incompressible bytes outgrow the first output guess; empty is a valid stream too.
        let mut noise = Vec::with_capacity(1 << 20);
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        while noise.len() < 1 << 20 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            noise.extend_from_slice(&x.to_le_bytes());
        }
        let text = b"{\"message\":\"hello\"}\n".repeat(10_000);
        for input in [Vec::new(), b"x".to_vec(), text, noise] {
            let packed = super::gzip(&input);
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(packed.as_slice())
                .read_to_end(&mut back)
                .expect("valid gzip");
            assert_eq!(back, input);
        }
    }
}
