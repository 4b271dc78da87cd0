//! Redrive: documents from the dead-letter queue back to the destination,
//! without losing one and without duplicating one.
//!
//! [`Redrive::run`] receives DLQ messages (long polling, up to 10 at a time),
//! and for each [`dlq::Message`] of kind `documents`
//! re-ships its documents as they are, with their `_id` (an Elasticsearch
//! `create` of an `_id` that is already there answers 409, which counts as
//! delivered, so a redrive after a partial success creates no duplicate), to
//! the index a rule or data stream routed it to (the message's `_index`), else
//! the configured index named from the document's `@timestamp`, through the
//! same [`Shipper`](crate::ship::Shipper) and retry rules as the Lambda. The
//! rules are not applied again: a document goes where the failed run sent it.
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
use std::time::Instant;

use serde_json::value::RawValue;

use crate::config::Config;
use crate::dlq::{self, Checked, Content, DeadLetterQueue, Kind, Letter};
use crate::document::DocId;
use crate::handler::Services;
use crate::mask::Masker;
use crate::pipeline::Pipeline;
use crate::ship::{Reason, Undelivered};

mod queue;
mod report;
mod reship;

use reship::write_docs;

pub use report::{MessageOutcome, MessageReport, Progress, Report};

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
    /// The SDK found no AWS credentials.
    #[error("{}", crate::aws::NO_CREDENTIALS)]
    NoCredentials,
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
    Write(Arc<std::io::Error>),
    /// Interrupted; what was received and not handled is left in the queue.
    #[error("interrupted")]
    Interrupted,
    /// The masking rules do not compile (needed to run undecodable records through the pipeline).
    #[error("masking rules: {0}")]
    Mask(Arc<crate::mask::MaskError>),
}

impl RedriveError {
    /// A problem of configuration or permission (as opposed to something that may pass by itself).
    pub fn is_setup(&self) -> bool {
        matches!(
            self,
            RedriveError::QueueMissing { .. }
                | RedriveError::AccessDenied { .. }
                | RedriveError::NoCredentials
                | RedriveError::Mask(_)
        )
    }
}

/// A message as received.
struct Received {
    message_id: String,
    receipt: String,
    body: String,
}

/// A document of the batch being shipped.
struct Pending {
    message: usize,
    id: DocId,
    doc: Box<RawValue>,
    /// The index it was routed to (None: the configured one).
    index: Option<String>,
}

/// The redrive of one queue.
pub struct Redrive {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    /// The same queue, to write the undelivered rest of a message back to.
    requeue: DeadLetterQueue,
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
        let masker = Masker::new(&config.mask).map_err(|e| RedriveError::Mask(Arc::new(e)))?;
        let queue_url = queue_url.into();
        Ok(Redrive {
            requeue: DeadLetterQueue::new(sqs.clone(), &queue_url, config.dlq_max_message_bytes),
            sqs,
            queue_url,
            // Written locally as the stdout destination writes: NDJSON, `_id` first.
            local: Pipeline::new(
                crate::config::Destination::Stdout.format(&config.index),
                config,
                Arc::new(masker),
            ),
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
                kind: None,
                reason: String::new(),
                source: None,
                documents: 0,
                outcome: MessageOutcome::Left {
                    delivered: 0,
                    reason: "not handled".into(),
                },
            };
            match dlq::read(&m.body) {
                Err(e) => {
                    report.outcome = MessageOutcome::Unparseable {
                        error: e.to_string(),
                    }
                }
                Ok(Checked::Documents {
                    source,
                    reason,
                    attempts: before,
                    docs,
                }) => {
                    attempts[i] = before;
                    report.kind = Some(Kind::Documents);
                    report.reason = reason;
                    report.source = Some(source);
                    report.documents = docs.len();
                    pending.extend(docs.into_iter().map(|d| Pending {
                        message: i,
                        id: d.id,
                        doc: d.doc,
                        index: d.index,
                    }));
                }
                Ok(Checked::Undecodable {
                    source,
                    reason,
                    data,
                }) => {
                    report.kind = Some(Kind::Undecodable);
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
                for r in reports
                    .iter_mut()
                    .filter(|r| r.kind == Some(Kind::Documents))
                {
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
                    for r in reports
                        .iter_mut()
                        .filter(|r| r.kind == Some(Kind::Documents))
                    {
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
                if r.kind == Some(Kind::Documents) {
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
        let destination = services.shipper().destination();
        for (mi, (m, r)) in messages.iter().zip(reports.iter_mut()).enumerate() {
            if r.kind != Some(Kind::Documents) {
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
                        reason: Arc::new(Reason::TaskFailed),
                        attempts: 0,
                        rejected: false,
                        index: pending[d].index.clone(),
                    })
                })
                .collect();
            if rest.is_empty() {
                self.delete(m, r, ok, state).await;
                continue;
            }
            let reason = rest
                .first()
                .map(|u| u.reason.to_string())
                .unwrap_or_default();
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
                    u.attempts = u.attempts.saturating_add(before);
                    u
                })
                .collect();
            let written = self
                .requeue
                .send(
                    destination,
                    vec![Letter {
                        source,
                        content: Content::Documents(rest),
                    }],
                )
                .await;
            let all_written = written.of(0) == left as u64 && written.errors.is_empty();
            if !all_written {
                // Some of them may be in a new message now: a duplicate in the queue, never a loss.
                let why = written
                    .errors
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
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
                .map(|u| u.reason.to_string())
                .next()
                .unwrap_or_else(|| "nothing delivered".into());
            return Some(RedriveError::DestinationDown { reason });
        }
        None
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_understood_or_refused() {
        let id = DocId::new("g", "s", "e");
        let good = format!(
            r#"{{"logship_dlq":1,"kind":"documents","reason":"r","destination":"elasticsearch","attempts":2,"source":{{"event_source_arn":"arn:aws:kinesis:eu-west-1:1:stream/s","shard_id":"shardId-1","sequence_number":"9","partition_key":"pk"}},"documents":[{{"_id":"{id}","doc":{{"message":"m"}}}}]}}"#
        );
        match dlq::read(&good) {
            Ok(Checked::Documents { docs, attempts, .. }) => {
                assert_eq!(docs.len(), 1);
                assert_eq!(docs[0].id, id);
                assert_eq!(docs[0].index, None, "a message without _index");
                assert_eq!(attempts, 2);
            }
            _ => panic!("documents expected"),
        }
        let routed = good.replace(r#","doc":"#, r#","_index":"functions-2026.11","doc":"#);
        match dlq::read(&routed) {
            Ok(Checked::Documents { docs, .. }) => {
                assert_eq!(docs[0].index.as_deref(), Some("functions-2026.11"))
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
            good.replace(r#","doc":"#, r#","_index":"Bad Index","doc":"#),
            r#"{"logship_dlq":1,"kind":"undecodable","reason":"r","destination":"d","attempts":0,"source":{"event_source_arn":"","shard_id":"","sequence_number":"","partition_key":""}}"#.to_owned(),
        ] {
            assert!(dlq::read(&bad).is_err(), "{bad}");
        }
    }
}
