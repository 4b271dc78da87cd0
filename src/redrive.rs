//! Redrive: documents from the dead-letter queue back to the destination,
//! without losing one and without duplicating one.
//!
//! [`Redrive::run`] receives DLQ messages (long polling, up to 10 at a time),
//! and for each [`dlq::Message`] of kind `documents`
//! re-ships its documents as they are, with their `_id` (an Elasticsearch
//! `create` of an `_id` that is already there answers 409, which counts as
//! delivered, so a redrive after a partial success creates no duplicate), with
//! the index named from the document's `@timestamp`, through the same
//! [`Shipper`](crate::ship::Shipper) and retry rules as the Lambda.
//!
//! The rules that keep every document somewhere:
//! - a message is deleted only after every one of its documents is delivered;
//! - a message whose documents are partly delivered is **rewritten**: a new
//!   message holding only the undelivered documents (with the new reason and
//!   the attempts added up) is sent first, and the original is deleted only
//!   once that send succeeded; if it fails, the original stays as it was (a
//!   later redrive re-ships the delivered ones again, which Elasticsearch
//!   answers 409; Logz.io, which has no `_id`, would see those lines twice);
//! - a message that cannot be parsed (not JSON, unknown version or kind, a bad
//!   `_id`) stays and is reported; so does a record dead-lettered as
//!   `undecodable`, unless `include_undecodable` runs its raw data through the
//!   whole pipeline again (decode, documents, mask, encode, ship); what of it is
//!   still undelivered then is written back to the queue as a `documents`
//!   message before the raw message is deleted;
//! - messages left in the queue are made visible again at the end of the run
//!   (and, if the run is killed, after the visibility timeout), so nothing is
//!   lost however the run ends; a message already handled in this run is never
//!   handled twice in the same run;
//! - when nothing of a batch could be delivered and nothing was refused for
//!   good, the destination is down: the run stops ([`Report::stopped`]) instead
//!   of churning through the whole queue.
//!
//! Two modes deliver nothing and delete nothing: dry run (report what would be
//! re-shipped) and file (write the documents as NDJSON, `_id` first, for
//! inspection).

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_sqs::error::ProvideErrorMetadata;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::aws::{AwsError, AwsErrorKind};
use crate::config::Config;
use crate::decode::Decoder;
use crate::dlq::{self, DeadLetterQueue, Source};
use crate::document::DocId;
use crate::encode::{Body, Encoder, Format};
use crate::event::{KinesisData, KinesisEvent, KinesisRecord};
use crate::handler::Services;
use crate::mask::Masker;
use crate::pipeline::{FanOut, Pipeline};
use crate::ship::Undelivered;

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Stop after receiving this many messages (None: until the queue is empty).
    pub max_messages: Option<u64>,
    /// Long-polling wait of each receive, 0–20 seconds; a receive that stays
    /// empty this long ends the run.
    pub wait_seconds: i32,
    /// How long received messages stay hidden from other consumers while they
    /// are handled; messages left are made visible again at the end of the run.
    pub visibility_timeout: i32,
    /// Run `undecodable` records through the whole pipeline again.
    pub include_undecodable: bool,
    /// Set (e.g. by Ctrl-C) to stop after the request in flight: backoff waits
    /// end at once, and what is not delivered stays in the queue.
    pub stop: Option<Arc<AtomicBool>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_messages: None,
            wait_seconds: 5,
            visibility_timeout: 300,
            include_undecodable: false,
            stop: None,
        }
    }
}

/// What happens to the documents.
pub enum Mode<'a> {
    /// Re-ship to the configured destination; delete what is delivered.
    Ship(&'a Services),
    /// Report what would be re-shipped; deliver and delete nothing.
    DryRun,
    /// Write the documents as NDJSON (`_id` first); deliver and delete nothing.
    ToFile(&'a mut (dyn Write + Send)),
}

/// Counts so far; handed to the progress callback after every batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Messages received (each counted once).
    pub messages: u64,
    /// Messages deleted (all their documents delivered, or rewritten).
    pub deleted: u64,
    /// Messages rewritten with only their undelivered documents.
    pub rewritten: u64,
    /// Messages left in the queue.
    pub left: u64,
    /// Documents found in the messages.
    pub documents: u64,
    /// Documents delivered (or already there).
    pub delivered: u64,
    /// Documents still in the queue (left or rewritten messages).
    pub undelivered: u64,
    /// Documents written to the file.
    pub written: u64,
    /// Time since the run started.
    pub elapsed: Duration,
}

impl Progress {
    /// Documents handled per second.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            (self.delivered + self.written) as f64 / secs
        } else {
            0.0
        }
    }

    /// One line for the operator.
    pub fn line(&self) -> String {
        format!(
            "{} messages ({} deleted, {} rewritten, {} left), {} documents: {} delivered, {} left{}; {:.0} docs/s, {:.1}s",
            self.messages,
            self.deleted,
            self.rewritten,
            self.left,
            self.documents,
            self.delivered,
            self.undelivered,
            if self.written > 0 {
                format!(", {} written to file", self.written)
            } else {
                String::new()
            },
            self.rate(),
            self.elapsed.as_secs_f64()
        )
    }
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Every document delivered; the message is deleted.
    Delivered,
    /// Partly delivered: the undelivered documents are in a new message and the original is deleted.
    Rewritten {
        /// Documents delivered.
        delivered: usize,
        /// Documents written back to the queue.
        left: usize,
        /// Why they are still undelivered.
        reason: String,
    },
    /// Left in the queue as it was.
    Left {
        /// Documents delivered (a later redrive re-ships them; Elasticsearch answers 409).
        delivered: usize,
        /// Why.
        reason: String,
    },
    /// Not a logship DLQ message this version understands; left in the queue.
    Unparseable {
        /// What is wrong with it.
        error: String,
    },
    /// A record dead-lettered undecodable; left in the queue.
    Undecodable {
        /// The decode error (from the message, or from decoding it again).
        error: String,
    },
    /// Dry run: this many documents would be re-shipped (for an undecodable
    /// record run through the pipeline: the events it decodes to).
    WouldShip,
    /// Written to the file.
    Written,
}

/// One message of the run.
#[derive(Debug, Clone)]
pub struct MessageReport {
    /// The SQS message id.
    pub message_id: String,
    /// `documents`, `undecodable`, or empty when it could not be parsed.
    pub kind: String,
    /// The reason recorded when it was dead-lettered.
    pub reason: String,
    /// Where its record came from.
    pub source: Option<Source>,
    /// Documents in it (events, for an undecodable record that decodes now).
    pub documents: usize,
    /// What happened.
    pub outcome: MessageOutcome,
}

impl MessageReport {
    /// Whether the message is still in the queue after the run.
    pub fn left_in_queue(&self) -> bool {
        matches!(
            self.outcome,
            MessageOutcome::Left { .. }
                | MessageOutcome::Unparseable { .. }
                | MessageOutcome::Undecodable { .. }
                | MessageOutcome::WouldShip
                | MessageOutcome::Written
        )
    }
}

impl MessageReport {
    /// Whether the message needs a later run or an operator: left undelivered, unparseable or undecodable.
    pub fn needs_attention(&self) -> bool {
        matches!(
            self.outcome,
            MessageOutcome::Left { .. }
                | MessageOutcome::Unparseable { .. }
                | MessageOutcome::Undecodable { .. }
        )
    }
}

/// The whole run.
#[derive(Debug, Default)]
pub struct Report {
    /// Final counts.
    pub progress: Progress,
    /// Every message received, in order.
    pub messages: Vec<MessageReport>,
    /// Why the run stopped before the queue was empty (destination down, SQS failing, interrupted).
    pub stopped: Option<RedriveError>,
    /// Non-fatal problems (messages that could not be made visible again: they reappear after the visibility timeout).
    pub warnings: Vec<String>,
}

impl Report {
    /// Whether anything is left to do: a message that needs attention, or a run that stopped early.
    pub fn incomplete(&self) -> bool {
        self.stopped.is_some() || self.messages.iter().any(MessageReport::needs_attention)
    }
}

/// A redrive that cannot start or go on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RedriveError {
    /// The queue does not exist (or is in another account or region).
    #[error("the queue {url} does not exist (check the URL, the region and the account): {detail}")]
    QueueMissing {
        /// The queue URL.
        url: String,
        /// The AWS error.
        detail: String,
    },
    /// The caller may not use the queue.
    #[error(
        "not allowed to {operation} on {url} (needs sqs:ReceiveMessage, sqs:DeleteMessage, sqs:SendMessage and sqs:ChangeMessageVisibility, and kms:Decrypt for an encrypted queue): {detail}"
    )]
    AccessDenied {
        /// The SQS operation.
        operation: &'static str,
        /// The queue URL.
        url: String,
        /// The AWS error.
        detail: String,
    },
    /// Another SQS failure (network, throttling that outlasted the SDK's retries, ...).
    #[error("SQS {operation} on {url} failed: {detail}")]
    Sqs {
        /// The SQS operation.
        operation: &'static str,
        /// The queue URL.
        url: String,
        /// The AWS error.
        detail: String,
    },
    /// Nothing of a batch could be delivered and nothing was refused for good.
    #[error("the destination is down, nothing of the last batch could be delivered: {reason}")]
    DestinationDown {
        /// The last failure.
        reason: String,
    },
    /// Writing the file failed.
    #[error("writing the documents: {0}")]
    Write(String),
    /// Interrupted; what was received and not handled is left in the queue.
    #[error("interrupted")]
    Interrupted,
    /// The masking rules do not compile (needed to run undecodable records through the pipeline).
    #[error("masking rules: {0}")]
    Mask(String),
}

impl RedriveError {
    /// A problem of configuration or permission (as opposed to something that may pass by itself).
    pub fn is_setup(&self) -> bool {
        matches!(
            self,
            RedriveError::QueueMissing { .. }
                | RedriveError::AccessDenied { .. }
                | RedriveError::Mask(_)
        )
    }
}

/// Classifies an SQS error.
fn sqs_error<E>(
    operation: &'static str,
    url: &str,
    e: aws_sdk_sqs::error::SdkError<E>,
) -> RedriveError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let AwsError { kind, detail } = AwsError::from_sdk(&e);
    let url = url.to_owned();
    match kind {
        AwsErrorKind::NotFound => RedriveError::QueueMissing { url, detail },
        AwsErrorKind::AccessDenied => RedriveError::AccessDenied {
            operation,
            url,
            detail,
        },
        AwsErrorKind::Other => RedriveError::Sqs {
            operation,
            url,
            detail,
        },
    }
}

/// A message as received.
struct Received {
    message_id: String,
    receipt: String,
    body: String,
}

/// A message understood.
enum Parsed {
    Documents {
        source: Source,
        reason: String,
        attempts: u32,
        docs: Vec<(DocId, Box<RawValue>)>,
    },
    Undecodable {
        source: Source,
        reason: String,
        data: String,
    },
    Unparseable(String),
}

fn parse(body: &str) -> Parsed {
    let msg = match dlq::parse(body) {
        Ok(m) => m,
        Err(e) => return Parsed::Unparseable(format!("not a logship DLQ message: {e}")),
    };
    if msg.logship_dlq != dlq::VERSION {
        return Parsed::Unparseable(format!(
            "logship_dlq version {} (this logship reads version {})",
            msg.logship_dlq,
            dlq::VERSION
        ));
    }
    match msg.kind.as_str() {
        "documents" => {
            let mut docs = Vec::with_capacity(msg.documents.len());
            for (i, d) in msg.documents.into_iter().enumerate() {
                let Some(id) = DocId::parse(&d.id) else {
                    return Parsed::Unparseable(format!(
                        "document {i} has an invalid _id {:?}",
                        d.id
                    ));
                };
                if !d.doc.get().trim_start().starts_with('{') {
                    return Parsed::Unparseable(format!(
                        "document {i} ({}) is not a JSON object",
                        d.id
                    ));
                }
                docs.push((id, d.doc));
            }
            Parsed::Documents {
                source: msg.source,
                reason: msg.reason,
                attempts: msg.attempts,
                docs,
            }
        }
        "undecodable" => match msg.data {
            Some(data) => Parsed::Undecodable {
                source: msg.source,
                reason: msg.reason,
                data,
            },
            None => Parsed::Unparseable("an undecodable message without data".into()),
        },
        other => Parsed::Unparseable(format!("unknown kind {other:?}")),
    }
}

/// A document of the batch being shipped.
struct Pending {
    message: usize,
    id: DocId,
    doc: Box<RawValue>,
}

/// The redrive of one queue.
pub struct Redrive {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    config: Config,
    /// Undecodable records for the file and the dry run (NDJSON with `_id`).
    local: Pipeline,
    options: Options,
}

impl std::fmt::Debug for Redrive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redrive")
            .field("queue_url", &self.queue_url)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The state of one run.
#[derive(Default)]
struct RunState {
    report: Report,
    seen: HashSet<String>,
    /// Receipt handles of messages left, to make visible again at the end.
    release: Vec<String>,
    /// Documents written back to the queue in this run (already counted, and
    /// counted undelivered until a later batch of the run delivers them).
    requeued: HashSet<DocId>,
}

impl Redrive {
    /// A redrive of `queue_url`; `config` gives the body limits, the index,
    /// the decode cap, the masking rules and the DLQ message size.
    pub fn new(
        sqs: aws_sdk_sqs::Client,
        queue_url: impl Into<String>,
        config: &Config,
        options: Options,
    ) -> Result<Redrive, RedriveError> {
        let masker = Masker::new(&config.mask).map_err(|e| RedriveError::Mask(e.to_string()))?;
        Ok(Redrive {
            sqs,
            queue_url: queue_url.into(),
            local: Pipeline::new(Format::Ndjson { with_id: true }, config, Arc::new(masker)),
            config: config.clone(),
            options,
        })
    }

    /// The queue URL.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Runs until the queue is empty, `max_messages` were received, the stop
    /// flag is set, or the destination is down. An error before anything was
    /// received (queue missing, access denied) is returned as `Err`; a later
    /// one ends the run with [`Report::stopped`].
    pub async fn run(
        &self,
        mut mode: Mode<'_>,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<Report, RedriveError> {
        let started = Instant::now();
        let mut state = RunState::default();
        let result = self.batches(&mut mode, progress, &mut state, started).await;
        self.release(&mut state).await;
        state.report.progress.elapsed = started.elapsed();
        match result {
            Err(e)
                if state.report.progress.messages == 0
                    && !matches!(e, RedriveError::Interrupted) =>
            {
                Err(e)
            }
            Err(e) => {
                state.report.stopped = Some(e);
                Ok(state.report)
            }
            Ok(()) => Ok(state.report),
        }
    }

    async fn batches(
        &self,
        mode: &mut Mode<'_>,
        progress: &mut (dyn FnMut(&Progress) + Send),
        state: &mut RunState,
        started: Instant,
    ) -> Result<(), RedriveError> {
        loop {
            if self
                .options
                .stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::SeqCst))
            {
                return Err(RedriveError::Interrupted);
            }
            let want = match self.options.max_messages {
                Some(max) => max.saturating_sub(state.report.progress.messages).min(10),
                None => 10,
            };
            if want == 0 {
                return Ok(());
            }
            let received = self.receive(want as i32).await?;
            if received.is_empty() {
                return Ok(());
            }
            let mut fresh = Vec::with_capacity(received.len());
            for m in received {
                if state.seen.insert(m.message_id.clone()) {
                    fresh.push(m);
                } else {
                    // Handled already in this run: seen again after its visibility timeout, or an SQS duplicate.
                    state.release.push(m.receipt);
                }
            }
            if fresh.is_empty() {
                return Ok(());
            }
            state.report.progress.messages += fresh.len() as u64;
            let outcome = self.batch(mode, fresh, state).await;
            state.report.progress.elapsed = started.elapsed();
            progress(&state.report.progress);
            outcome?;
        }
    }

    async fn receive(&self, max: i32) -> Result<Vec<Received>, RedriveError> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(self.options.wait_seconds.clamp(0, 20))
            .visibility_timeout(self.options.visibility_timeout.clamp(0, 43_200))
            .send()
            .await
            .map_err(|e| sqs_error("ReceiveMessage", &self.queue_url, e))?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                Some(Received {
                    message_id: m.message_id?,
                    receipt: m.receipt_handle?,
                    body: m.body.unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Handles one batch of fresh messages.
    async fn batch(
        &self,
        mode: &mut Mode<'_>,
        messages: Vec<Received>,
        state: &mut RunState,
    ) -> Result<(), RedriveError> {
        let mut reports = Vec::with_capacity(messages.len());
        let mut pending = Vec::new();
        let mut raw = Vec::new();
        let mut attempts = vec![0u32; messages.len()];
        for (i, m) in messages.iter().enumerate() {
            let mut report = MessageReport {
                message_id: m.message_id.clone(),
                kind: String::new(),
                reason: String::new(),
                source: None,
                documents: 0,
                outcome: MessageOutcome::Left {
                    delivered: 0,
                    reason: "not handled".into(),
                },
            };
            match parse(&m.body) {
                Parsed::Unparseable(error) => {
                    report.outcome = MessageOutcome::Unparseable { error }
                }
                Parsed::Documents {
                    source,
                    reason,
                    attempts: before,
                    docs,
                } => {
                    attempts[i] = before;
                    report.kind = "documents".into();
                    report.reason = reason;
                    report.source = Some(source);
                    report.documents = docs.len();
                    pending.extend(docs.into_iter().map(|(id, doc)| Pending {
                        message: i,
                        id,
                        doc,
                    }));
                }
                Parsed::Undecodable {
                    source,
                    reason,
                    data,
                } => {
                    report.kind = "undecodable".into();
                    report.outcome = MessageOutcome::Undecodable {
                        error: reason.clone(),
                    };
                    report.reason = reason;
                    report.source = Some(source);
                    if self.options.include_undecodable {
                        raw.push((i, data));
                    }
                }
            }
            reports.push(report);
        }
        state.report.progress.documents += pending
            .iter()
            .filter(|p| !state.requeued.contains(&p.id))
            .count() as u64;
        let mut stop = None;
        match mode {
            Mode::DryRun => {
                for r in reports.iter_mut().filter(|r| r.kind == "documents") {
                    r.outcome = MessageOutcome::WouldShip;
                }
                for (i, data) in &raw {
                    self.dry_decode(&mut reports[*i], data, state);
                }
            }
            Mode::ToFile(out) => {
                if let Err(e) = write_docs(&pending, out) {
                    stop = Some(e);
                } else {
                    state.report.progress.written += pending.len() as u64;
                    for r in reports.iter_mut().filter(|r| r.kind == "documents") {
                        r.outcome = MessageOutcome::Written;
                    }
                    for (i, data) in &raw {
                        if let Err(e) = self.write_decoded(&mut reports[*i], data, out, state) {
                            stop = Some(e);
                            break;
                        }
                    }
                }
            }
            Mode::Ship(services) => {
                stop = self
                    .ship_documents(services, &messages, &attempts, pending, &mut reports, state)
                    .await;
                for (i, data) in &raw {
                    self.ship_undecodable(services, &messages[*i], &mut reports[*i], data, state)
                        .await;
                }
            }
        }
        for (m, r) in messages.iter().zip(&reports) {
            if r.left_in_queue() {
                state.report.progress.left += 1;
                state.release.push(m.receipt.clone());
            }
        }
        state.report.messages.extend(reports);
        match stop {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Ships the documents of a batch; deletes or rewrites each message by its outcome.
    async fn ship_documents(
        &self,
        services: &Services,
        messages: &[Received],
        attempts: &[u32],
        pending: Vec<Pending>,
        reports: &mut [MessageReport],
        state: &mut RunState,
    ) -> Option<RedriveError> {
        if pending.is_empty() {
            // Document messages without documents: nothing to lose by deleting them.
            for (m, r) in messages.iter().zip(reports.iter_mut()) {
                if r.kind == "documents" {
                    self.delete(m, r, 0, state).await;
                }
            }
            return None;
        }
        let (delivered, undelivered) = self.ship(services, &pending).await;
        let delivered_total = delivered.iter().filter(|d| **d).count();
        state.report.progress.delivered += delivered_total as u64;
        let mut still_requeued = 0u64;
        for (p, ok) in pending.iter().zip(&delivered) {
            if state.requeued.contains(&p.id) {
                if *ok {
                    state.requeued.remove(&p.id);
                    state.report.progress.undelivered =
                        state.report.progress.undelivered.saturating_sub(1);
                } else {
                    still_requeued += 1;
                }
            }
        }
        // Documents written back earlier in this run and failing again are counted undelivered once.
        state.report.progress.undelivered = state
            .report
            .progress
            .undelivered
            .saturating_sub(still_requeued);
        let any_rejected = undelivered.iter().flatten().any(|u| u.rejected);
        let destination = services.shipper.destination();
        for (mi, (m, r)) in messages.iter().zip(reports.iter_mut()).enumerate() {
            if r.kind != "documents" {
                continue;
            }
            let mine: Vec<usize> = (0..pending.len())
                .filter(|&d| pending[d].message == mi)
                .collect();
            let ok = mine.iter().filter(|&&d| delivered[d]).count();
            let rest: Vec<Undelivered> = mine
                .iter()
                .filter(|&&d| !delivered[d])
                .map(|&d| {
                    undelivered[d].clone().unwrap_or_else(|| Undelivered {
                        record: 0,
                        id: pending[d].id,
                        doc: pending[d].doc.get().as_bytes().to_vec(),
                        reason: "the ship task failed".into(),
                        attempts: 0,
                        rejected: false,
                    })
                })
                .collect();
            if rest.is_empty() {
                self.delete(m, r, ok, state).await;
                continue;
            }
            let reason = rest.first().map(|u| u.reason.clone()).unwrap_or_default();
            state.report.progress.undelivered += rest.len() as u64;
            if ok == 0 {
                r.outcome = MessageOutcome::Left {
                    delivered: 0,
                    reason,
                };
                continue;
            }
            // Partly delivered: write the rest back as a new message, then delete the original.
            let source = r.source.clone().unwrap_or_default();
            let before = attempts.get(mi).copied().unwrap_or(0);
            let left = rest.len();
            let ids: Vec<DocId> = rest.iter().map(|u| u.id).collect();
            let rest: Vec<Undelivered> = rest
                .into_iter()
                .map(|mut u| {
                    u.record = 0;
                    u.attempts = u.attempts.saturating_add(before);
                    u
                })
                .collect();
            let queue = DeadLetterQueue::new(
                self.sqs.clone(),
                &self.queue_url,
                self.config.dlq_max_message_bytes,
            );
            let written = queue
                .send(&[record_of(&source, "")], destination, rest, Vec::new())
                .await;
            let all_written = written.documents.get(&0).copied().unwrap_or(0) == left as u64
                && written.errors.is_empty();
            if !all_written {
                // Some of them may be in a new message now: a duplicate in the queue, never a loss.
                let why = written.errors.first().cloned().unwrap_or_default();
                r.outcome = MessageOutcome::Left {
                    delivered: ok,
                    reason: format!("{reason} (rewriting the message failed: {why})"),
                };
                continue;
            }
            match self.delete_receipt(&m.receipt).await {
                Ok(()) => {
                    state.requeued.extend(ids);
                    state.report.progress.deleted += 1;
                    state.report.progress.rewritten += 1;
                    r.outcome = MessageOutcome::Rewritten {
                        delivered: ok,
                        left,
                        reason,
                    };
                }
                Err(e) => {
                    r.outcome = MessageOutcome::Left {
                        delivered: ok,
                        reason: format!(
                            "{reason} (the undelivered documents were rewritten, but deleting the original failed: {e})"
                        ),
                    }
                }
            }
        }
        let documents_here = pending.len();
        if delivered_total == 0 && documents_here > 0 && !any_rejected {
            let reason = undelivered
                .iter()
                .flatten()
                .map(|u| u.reason.clone())
                .next()
                .unwrap_or_else(|| "nothing delivered".into());
            return Some(RedriveError::DestinationDown { reason });
        }
        None
    }

    /// No cut-off, and the stop flag: a Ctrl-C ends the backoff waits at once,
    /// after the request in flight; what is undelivered stays in the queue.
    fn until(&self) -> crate::ship::Until {
        crate::ship::Until {
            cutoff: None,
            stop: self.options.stop.clone(),
        }
    }

    /// Ships documents as they are; per document: delivered, or why not.
    async fn ship(
        &self,
        services: &Services,
        pending: &[Pending],
    ) -> (Vec<bool>, Vec<Option<Undelivered>>) {
        let mut encoder = Encoder::new(self.config.format(), self.config.limits);
        let mut bodies: Vec<Body> = Vec::new();
        let now = now_ms();
        for (i, p) in pending.iter().enumerate() {
            let ts = timestamp_ms(&p.doc).unwrap_or(now);
            if let Some(body) = encoder.push_encoded(i as u32, p.id, p.doc.get().as_bytes(), ts) {
                bodies.push(body);
            }
        }
        bodies.extend(encoder.flush());
        let mut delivered = vec![false; pending.len()];
        let mut undelivered: Vec<Option<Undelivered>> = vec![None; pending.len()];
        let mut reports = Vec::new();
        let mut fan_out = FanOut::new(self.config.concurrency);
        let until = self.until();
        for body in bodies {
            if !fan_out.ship(body, &services.shipper, &until).await {
                break;
            }
            while let Some(done) = fan_out.finished() {
                reports.push(done);
            }
        }
        while let Some(done) = fan_out.next().await {
            reports.push(done);
        }
        for done in reports {
            let Ok(report) = done else { continue };
            for r in report.delivered {
                if let Some(d) = delivered.get_mut(r as usize) {
                    *d = true;
                }
            }
            for u in report.undelivered {
                let at = u.record as usize;
                if let Some(slot) = undelivered.get_mut(at) {
                    *slot = Some(u);
                }
            }
        }
        (delivered, undelivered)
    }

    async fn delete(
        &self,
        m: &Received,
        r: &mut MessageReport,
        delivered: usize,
        state: &mut RunState,
    ) {
        match self.delete_receipt(&m.receipt).await {
            Ok(()) => {
                state.report.progress.deleted += 1;
                r.outcome = MessageOutcome::Delivered;
            }
            Err(e) => {
                r.outcome = MessageOutcome::Left {
                    delivered,
                    reason: format!(
                        "delivered, but deleting the message failed (a later redrive re-ships it harmlessly to Elasticsearch): {e}"
                    ),
                }
            }
        }
    }

    async fn delete_receipt(&self, receipt: &str) -> Result<(), RedriveError> {
        self.sqs
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sqs_error("DeleteMessage", &self.queue_url, e))
    }

    /// Dry run of an undecodable record: does it decode now, and to how many events?
    fn dry_decode(&self, r: &mut MessageReport, data: &str, state: &mut RunState) {
        let mut decoder = Decoder::new(self.config.max_decompressed_bytes);
        match decoder.decode(data) {
            Ok(payload) => {
                r.documents = payload.log_events.len();
                state.report.progress.documents += r.documents as u64;
                r.outcome = MessageOutcome::WouldShip;
            }
            Err(e) => {
                r.outcome = MessageOutcome::Undecodable {
                    error: e.to_string(),
                }
            }
        }
    }

    /// An undecodable record through the pipeline into the file.
    fn write_decoded(
        &self,
        r: &mut MessageReport,
        data: &str,
        out: &mut (dyn Write + Send),
        state: &mut RunState,
    ) -> Result<(), RedriveError> {
        let event = event_of(r.source.as_ref(), data);
        let mut buffer = Vec::new();
        let outcome = self
            .local
            .run_to_writer(&event, &mut buffer)
            .map_err(|e| RedriveError::Write(e.to_string()))?;
        if outcome.summary.undecodable_records > 0 {
            let error = outcome
                .errors
                .first()
                .map(|e| e.error.clone())
                .unwrap_or_default();
            r.outcome = MessageOutcome::Undecodable { error };
            return Ok(());
        }
        out.write_all(&buffer)
            .map_err(|e| RedriveError::Write(e.to_string()))?;
        r.documents = outcome.summary.events_in as usize;
        state.report.progress.documents += outcome.summary.events_in;
        state.report.progress.written += outcome.summary.delivered;
        r.outcome = MessageOutcome::Written;
        Ok(())
    }

    /// An undecodable record through the whole pipeline to the destination
    /// (decode, documents, mask, encode, ship); the raw message is deleted when
    /// every event of it is delivered, and otherwise stays as it is (a later
    /// run re-ships it; Elasticsearch answers 409 for what is already there).
    async fn ship_undecodable(
        &self,
        services: &Services,
        m: &Received,
        r: &mut MessageReport,
        data: &str,
        state: &mut RunState,
    ) {
        // Decode first: a record that still fails stays as it is.
        let mut decoder = Decoder::new(self.config.max_decompressed_bytes);
        if let Err(e) = decoder.decode(data) {
            r.outcome = MessageOutcome::Undecodable {
                error: e.to_string(),
            };
            return;
        }
        drop(decoder);
        let event = event_of(r.source.as_ref(), data);
        let outcome = services
            .pipeline
            .run(
                &event,
                &services.shipper,
                None,
                &self.until(),
                self.config.concurrency,
                &crate::pipeline::Progress::default(),
            )
            .await;
        let s = &outcome.summary;
        r.documents = s.events_in as usize;
        state.report.progress.documents += s.events_in;
        state.report.progress.delivered += s.delivered;
        if !outcome.failed_sequence_numbers.is_empty() || s.undecodable_records > 0 {
            state.report.progress.undelivered += s.events_in.saturating_sub(s.delivered);
            r.outcome = MessageOutcome::Left {
                delivered: s.delivered as usize,
                reason: format!(
                    "{} of {} events delivered; the record stays for a later run",
                    s.delivered, s.events_in
                ),
            };
            return;
        }
        self.delete(m, r, s.delivered as usize, state).await;
    }

    /// Makes every message left visible again, so the next run (or consumer) sees it at once.
    async fn release(&self, state: &mut RunState) {
        let receipts = std::mem::take(&mut state.release);
        for chunk in receipts.chunks(10) {
            let entries: Vec<_> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, receipt)| {
                    aws_sdk_sqs::types::ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(format!("r{i}"))
                        .receipt_handle(receipt)
                        .visibility_timeout(0)
                        .build()
                        .ok()
                })
                .collect();
            let result = self
                .sqs
                .change_message_visibility_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await;
            match result {
                Ok(out) if out.failed.is_empty() => {}
                Ok(out) => state.report.warnings.push(format!(
                    "{} messages could not be made visible again; they reappear after the visibility timeout",
                    out.failed.len()
                )),
                Err(e) => state.report.warnings.push(format!(
                    "messages could not be made visible again (they reappear after the visibility timeout): {}",
                    sqs_error("ChangeMessageVisibilityBatch", &self.queue_url, e)
                )),
            }
        }
    }
}

/// A Kinesis record standing for the record a message came from.
fn record_of(source: &Source, data: &str) -> KinesisRecord {
    KinesisRecord {
        event_id: format!("{}:{}", source.shard_id, source.sequence_number),
        event_source_arn: source.event_source_arn.clone(),
        aws_region: source
            .event_source_arn
            .split(':')
            .nth(3)
            .unwrap_or_default()
            .to_owned(),
        kinesis: KinesisData {
            sequence_number: source.sequence_number.clone(),
            partition_key: source.partition_key.clone(),
            data: data.to_owned(),
            approximate_arrival_timestamp: None,
        },
    }
}

/// A one-record event holding an undecodable record's data again.
fn event_of(source: Option<&Source>, data: &str) -> KinesisEvent {
    let source = source.cloned().unwrap_or_default();
    KinesisEvent {
        records: vec![record_of(&source, data)],
    }
}

/// Writes documents as NDJSON, `_id` first.
fn write_docs(pending: &[Pending], out: &mut (dyn Write + Send)) -> Result<(), RedriveError> {
    let mut line = Vec::new();
    for p in pending {
        line.clear();
        line.extend_from_slice(b"{\"_id\":\"");
        line.extend_from_slice(p.id.as_str().as_bytes());
        line.push(b'"');
        // The document is a JSON object (checked when parsing): splice its members in.
        let doc = p.doc.get().trim();
        let inner = doc.strip_prefix('{').unwrap_or(doc).trim_start();
        if !inner.starts_with('}') {
            line.push(b',');
        }
        line.extend_from_slice(inner.as_bytes());
        line.push(b'\n');
        out.write_all(&line)
            .map_err(|e| RedriveError::Write(e.to_string()))?;
    }
    out.flush().map_err(|e| RedriveError::Write(e.to_string()))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The document's `@timestamp` in milliseconds (it names the index).
fn timestamp_ms(doc: &RawValue) -> Option<i64> {
    #[derive(Deserialize)]
    struct Stamp<'a> {
        #[serde(rename = "@timestamp", borrow)]
        timestamp: Option<std::borrow::Cow<'a, str>>,
    }
    let stamp: Stamp<'_> = serde_json::from_str(doc.get()).ok()?;
    crate::time::parse_rfc3339_ms(&stamp.timestamp?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let doc = RawValue::from_string(
            r#"{"@timestamp":"2023-11-14T22:13:20.000Z","message":"m"}"#.into(),
        )
        .expect("raw");
        assert_eq!(timestamp_ms(&doc), Some(1_700_000_000_000));
        let doc = RawValue::from_string(r#"{"message":"m"}"#.into()).expect("raw");
        assert_eq!(timestamp_ms(&doc), None);
    }

    #[test]
    fn messages_are_understood_or_refused() {
        let id = DocId::new("g", "s", "e");
        let good = format!(
            r#"{{"logship_dlq":1,"kind":"documents","reason":"r","destination":"elasticsearch","attempts":2,"source":{{"event_source_arn":"arn:aws:kinesis:eu-west-1:1:stream/s","shard_id":"shardId-1","sequence_number":"9","partition_key":"pk"}},"documents":[{{"_id":"{id}","doc":{{"message":"m"}}}}]}}"#
        );
        match parse(&good) {
            Parsed::Documents { docs, attempts, .. } => {
                assert_eq!(docs.len(), 1);
                assert_eq!(docs[0].0, id);
                assert_eq!(attempts, 2);
            }
            _ => panic!("documents expected"),
        }
        for bad in [
            "not json".to_owned(),
            "{}".to_owned(),
            good.replace("\"logship_dlq\":1", "\"logship_dlq\":2"),
            good.replace("\"documents\",", "\"other\","),
            good.replace(id.as_str(), "short"),
            good.replace(r#"{"message":"m"}"#, "[1]"),
            r#"{"logship_dlq":1,"kind":"undecodable","reason":"r","destination":"d","attempts":0,"source":{"event_source_arn":"","shard_id":"","sequence_number":"","partition_key":""}}"#.to_owned(),
        ] {
            assert!(matches!(parse(&bad), Parsed::Unparseable(_)), "{bad}");
        }
    }

    #[test]
    fn records_stand_for_their_source() {
        let source = Source {
            event_source_arn: "arn:aws:kinesis:eu-west-1:123:stream/logs".into(),
            shard_id: "shardId-000000000003".into(),
            sequence_number: "4959".into(),
            partition_key: "pk".into(),
        };
        let r = record_of(&source, "ZGF0YQ==");
        assert_eq!(Source::of(&r), source);
        assert_eq!(r.aws_region, "eu-west-1");
        assert_eq!(r.kinesis.data, "ZGF0YQ==");
        assert_eq!(
            Source::of(&record_of(&Source::default(), "")),
            Source::default()
        );
    }

    #[test]
    fn file_lines_put_the_id_first() {
        let id = DocId::new("g", "s", "e");
        let pending = vec![
            Pending {
                message: 0,
                id,
                doc: RawValue::from_string(r#"{"message":"m","n":1}"#.into()).expect("raw"),
            },
            Pending {
                message: 0,
                id,
                doc: RawValue::from_string("{ }".into()).expect("raw"),
            },
        ];
        let mut out = Vec::new();
        write_docs(&pending, &mut out).expect("written");
        let lines: Vec<serde_json::Value> = out
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("JSON"))
            .collect();
        assert_eq!(lines[0]["_id"], id.as_str());
        assert_eq!(lines[0]["n"], 1);
        assert_eq!(lines[1], serde_json::json!({"_id": id.as_str()}));
    }

    #[test]
    fn progress_line() {
        let p = Progress {
            messages: 3,
            deleted: 2,
            left: 1,
            documents: 30,
            delivered: 20,
            undelivered: 10,
            elapsed: Duration::from_secs(2),
            ..Progress::default()
        };
        let line = p.line();
        assert!(
            line.contains(
                "3 messages (2 deleted, 0 rewritten, 1 left), 30 documents: 20 delivered, 10 left"
            ),
            "{line}"
        );
        assert!(line.contains("10 docs/s"), "{line}");
    }
}
