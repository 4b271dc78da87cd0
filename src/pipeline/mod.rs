//! Pipeline: one Kinesis batch through every stage, with the accounting that
//! proves nothing was lost.
//!
//! Record by record: decode → documents → mask → encode; full bodies go to the
//! sink as soon as they are cut, so memory holds the input plus the bodies in
//! flight, never all documents of the batch. What comes back from the sink
//! (delivered, or to be dead-lettered) and what could not be decoded is tallied
//! per record; the [`Outcome`] lists the records that are neither delivered nor
//! dead-lettered, which is exactly what Kinesis must retry.
//!
//! The rules ([`crate::rules`]) decide per event, after the document is built
//! and before it is masked: a filtered event (dropped or sampled out) is
//! counted and goes no further; a kept one is encoded for its target.
//!
//! The invariant, checked by [`Summary::balanced`]: events in = delivered +
//! dead-lettered + failed back to Kinesis + filtered by the rules.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Arc;

mod explain;
mod fan_out;

pub use explain::explain;
pub use fan_out::{Done, ship_all};

use crate::config::Config;
use crate::decode::{DecodeError, Decoder, MessageType};
use crate::dlq::{Content, DeadLetterQueue, Letter, Source};
use crate::document::{Envelope, RecordDocs, Shaping};
use crate::encode::{Body, Encoder, Format, Limits};
use crate::event::KinesisEvent;
use crate::mask::{Masker, mask_document};
use crate::rules::{Decision, RuleCounters, RuleSet, Target};
use crate::ship::{Shipper, Undelivered, Until};

/// Counts of one run (one invocation, or one `logship process`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Kinesis records in the batch.
    pub records: u64,
    /// CONTROL_MESSAGE records skipped.
    pub control_messages: u64,
    /// Records that could not be decoded.
    pub undecodable_records: u64,
    /// Log events in DATA records.
    pub events_in: u64,
    /// Documents the destination accepted (or already had).
    pub delivered: u64,
    /// Documents the destination refused for good (they are dead-lettered or failed).
    pub rejected: u64,
    /// Documents written to the dead-letter queue.
    pub dead_lettered: u64,
    /// Documents in records reported back to Kinesis and not otherwise accounted.
    pub failed: u64,
    /// Records reported in `batchItemFailures`.
    pub records_failed: u64,
    /// base64 bytes of record data.
    pub bytes_in: u64,
    /// Decompressed payload bytes.
    pub bytes_decompressed: u64,
    /// Body bytes sent (before gzip).
    pub bytes_out: u64,
    /// Retried requests.
    pub retries: u64,
    /// Values masked.
    pub masked: u64,
    /// Values masked, per rule family (the audit trail: counts, never values).
    pub masked_by_rule: crate::mask::MaskCounts,
    /// Documents truncated to the line limit.
    pub truncated: u64,
    /// 1 when the invocation ran out of time and failed the whole batch back.
    pub timed_out: u64,
    /// Events the rules dropped or sampled out (never shipped, dead-lettered or failed).
    pub filtered: u64,
    /// Log records Lambda dropped before they reached CloudWatch (the
    /// `droppedRecords` of `platform.logsDropped` events): lost at the source.
    pub lambda_logs_dropped: u64,
}

impl Summary {
    /// events in = delivered + dead-lettered + failed + filtered.
    pub fn balanced(&self) -> bool {
        self.events_in == self.delivered + self.dead_lettered + self.failed + self.filtered
    }
}

/// A record that could not be fully processed, and why.
#[derive(Debug, Clone)]
pub struct RecordError {
    /// Its sequence number.
    pub sequence_number: String,
    /// What went wrong.
    pub error: RecordFault,
}

/// Why a record could not be fully processed. The texts name the field and
/// the position, never a value.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RecordFault {
    /// Its data could not be decoded (it is dead-lettered as it came).
    #[error("{0}")]
    Undecodable(Arc<DecodeError>),
    /// The batch did not finish before the Lambda deadline; Kinesis sends the record again.
    #[error("the batch did not finish before the Lambda deadline")]
    OutOfTime,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The counts.
    pub summary: Summary,
    /// Sequence numbers for `batchItemFailures`, in batch order.
    pub failed_sequence_numbers: Vec<String>,
    /// Every record-level problem, for the operator.
    pub errors: Vec<RecordError>,
    /// What each rule did (kept, dropped, sampled out), by rule position.
    pub rules: RuleCounters,
}

/// What a run has read so far, readable after the run was cut short (the
/// handler answers before the Lambda deadline even when the run has not ended).
#[derive(Debug, Default)]
pub struct Progress {
    events_in: std::sync::atomic::AtomicU64,
}

impl Progress {
    /// Log events in the DATA records read so far.
    pub fn events_in(&self) -> u64 {
        self.events_in.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The stages, configured once.
#[derive(Debug)]
pub struct Pipeline {
    max_decompressed: usize,
    format: Format,
    limits: Limits,
    masker: Arc<Masker>,
    rules: Arc<RuleSet>,
    shaping: Arc<Shaping>,
    keep_original: bool,
}

/// Per-record tallies.
#[derive(Debug, Default, Clone)]
struct Tally {
    events: u64,
    delivered: u64,
    dead_lettered: u64,
    filtered: u64,
    undecodable: bool,
    raw_dead_lettered: bool,
}

impl Pipeline {
    /// Builds the stages from the configuration.
    pub fn new(format: Format, cfg: &Config, masker: Arc<Masker>) -> Pipeline {
        Pipeline {
            max_decompressed: cfg.max_decompressed_bytes,
            format,
            limits: cfg.limits,
            masker,
            rules: Arc::new(cfg.rules.clone()),
            shaping: Arc::new(cfg.shaping.clone()),
            keep_original: cfg.keep_original,
        }
    }

    /// Runs a batch, writing every body to `out` (the stdout destination).
    pub fn run_to_writer(
        &self,
        event: &KinesisEvent,
        out: &mut dyn Write,
    ) -> std::io::Result<Outcome> {
        let mut run = Run::new(self, event);
        while let Some(body) = run.next_body() {
            out.write_all(&body.bytes)?;
            run.summary.bytes_out += body.bytes.len() as u64;
            run.delivered(body.items.iter().map(|i| i.record));
        }
        out.flush()?;
        Ok(run.settle())
    }

    /// Runs a batch through the shipper and the dead-letter queue.
    ///
    /// Bodies are shipped as they are cut, at most `concurrency` at once; what
    /// is undelivered and what could not be decoded goes to the DLQ (when there
    /// is one); the rest is failed back to Kinesis.
    pub async fn run(
        &self,
        event: &KinesisEvent,
        shipper: &Arc<Shipper>,
        dlq: Option<&DeadLetterQueue>,
        until: &Until,
        concurrency: usize,
        progress: &Progress,
    ) -> Outcome {
        let mut run = Run::new(self, event);
        run.progress = Some(progress);
        let mut state = (run, Vec::new());
        ship_all(
            &mut state,
            concurrency,
            shipper,
            until,
            |(run, _)| run.next_body(),
            |(run, undelivered), done| run.absorb(done, undelivered),
        )
        .await;
        let (mut run, undelivered) = state;
        run.summary.rejected = undelivered.iter().filter(|u| u.rejected).count() as u64;
        let undecodable = std::mem::take(&mut run.undecodable);
        match dlq {
            Some(dlq) if !undelivered.is_empty() || !undecodable.is_empty() => {
                // The shipper warned once per failed request; here one line for the lot.
                if !undelivered.is_empty() {
                    tracing::warn!(
                        documents = undelivered.len(),
                        "undelivered documents go to the dead-letter queue"
                    );
                }
                // One letter per record, under the record's own source.
                let mut by_record: std::collections::BTreeMap<u32, Vec<Undelivered>> =
                    std::collections::BTreeMap::new();
                for u in undelivered {
                    by_record.entry(u.record).or_default().push(u);
                }
                let mut owners = Vec::new();
                let mut letters = Vec::new();
                for u in undecodable {
                    if let Some(record) = event.records.get(u.record as usize) {
                        owners.push((u.record, true));
                        letters.push(Letter {
                            source: Source::of(record),
                            content: Content::Undecodable {
                                data: &record.kinesis.data,
                                error: u.error.to_string(),
                            },
                        });
                    }
                }
                for (index, docs) in by_record {
                    if let Some(record) = event.records.get(index as usize) {
                        owners.push((index, false));
                        letters.push(Letter {
                            source: Source::of(record),
                            content: Content::Documents(docs),
                        });
                    }
                }
                let written = dlq.send(shipper.destination(), letters).await;
                for e in &written.errors {
                    tracing::error!(error = %e, "dead-letter write failed; the record goes back to Kinesis");
                }
                for (i, (record, raw)) in owners.into_iter().enumerate() {
                    let n = written.of(i);
                    if let Some(t) = run.tallies.get_mut(record as usize) {
                        if raw {
                            t.raw_dead_lettered = n > 0;
                        } else {
                            t.dead_lettered += n;
                        }
                    }
                }
            }
            _ if !undelivered.is_empty() => {
                tracing::warn!(
                    documents = undelivered.len(),
                    "undelivered documents and no dead-letter queue: their records go back to Kinesis"
                );
            }
            _ => {}
        }
        run.settle()
    }
}

/// A record that could not be decoded, to dead-letter as it came.
struct Undecodable {
    /// Index of the record in the batch.
    record: u32,
    /// The decode error.
    error: Arc<DecodeError>,
}

/// One batch going through the stages, pulled body by body.
struct Run<'a> {
    pipeline: &'a Pipeline,
    event: &'a KinesisEvent,
    next_record: usize,
    decoder: Decoder,
    encoder: Encoder,
    ready: VecDeque<Body>,
    flushed: bool,
    tallies: Vec<Tally>,
    errors: Vec<RecordError>,
    undecodable: Vec<Undecodable>,
    summary: Summary,
    progress: Option<&'a Progress>,
    counters: RuleCounters,
}

impl<'a> Run<'a> {
    fn new(pipeline: &'a Pipeline, event: &'a KinesisEvent) -> Self {
        Run {
            pipeline,
            event,
            next_record: 0,
            decoder: Decoder::new(pipeline.max_decompressed),
            encoder: Encoder::new(pipeline.format.clone(), pipeline.limits)
                .with_index_count(pipeline.rules.index_count())
                .with_keep_original(pipeline.keep_original),
            ready: VecDeque::new(),
            flushed: false,
            tallies: vec![Tally::default(); event.records.len()],
            errors: Vec::new(),
            undecodable: Vec::new(),
            summary: Summary {
                records: event.records.len() as u64,
                ..Summary::default()
            },
            progress: None,
            counters: pipeline.rules.counters(),
        }
    }

    /// The next full body, processing records until one is cut.
    fn next_body(&mut self) -> Option<Body> {
        loop {
            if let Some(body) = self.ready.pop_front() {
                return Some(body);
            }
            match self.event.records.get(self.next_record) {
                Some(_) => {
                    self.record(self.next_record);
                    self.next_record += 1;
                }
                None if !self.flushed => {
                    self.flushed = true;
                    self.summary.bytes_decompressed = self.decoder.decompressed_bytes();
                    self.summary.truncated = self.encoder.truncated();
                    return self.encoder.flush();
                }
                None => return None,
            }
        }
    }

    /// Decodes, builds, masks and encodes one record.
    fn record(&mut self, index: usize) {
        let Some(record) = self.event.records.get(index) else {
            return;
        };
        self.summary.bytes_in += record.kinesis.data.len() as u64;
        let payload = match self.decoder.decode(&record.kinesis.data) {
            Ok(p) => p,
            Err(e) => {
                self.summary.undecodable_records += 1;
                if let Some(t) = self.tallies.get_mut(index) {
                    t.undecodable = true;
                }
                tracing::warn!(sequence_number = record.sequence_number(), error = %e, "record could not be decoded");
                let e = Arc::new(e);
                self.errors.push(RecordError {
                    sequence_number: record.sequence_number().to_owned(),
                    error: RecordFault::Undecodable(Arc::clone(&e)),
                });
                self.undecodable.push(Undecodable {
                    record: index as u32,
                    error: e,
                });
                return;
            }
        };
        if payload.message_type == MessageType::Control {
            self.summary.control_messages += 1;
            return;
        }
        let env = Envelope {
            owner: &payload.owner,
            log_group: &payload.log_group,
            log_stream: &payload.log_stream,
            region: &record.aws_region,
        };
        let env_json = env.json();
        let docs = RecordDocs::new(env.log_group, env.log_stream, &self.pipeline.shaping);
        let lossy = payload.lossy_utf8;
        let n = payload.log_events.len() as u64;
        if let Some(t) = self.tallies.get_mut(index) {
            t.events = n;
        }
        self.summary.events_in += n;
        if let Some(progress) = self.progress {
            progress
                .events_in
                .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        }
        let pipeline = self.pipeline;
        // Once per record: the rules that can apply to its group and stream.
        let rules = (!pipeline.rules.is_empty())
            .then(|| pipeline.rules.for_record(env.log_group, env.log_stream));
        for log_event in payload.log_events {
            let mut doc = docs.build(log_event, lossy);
            if let Some(dropped) = doc.dropped {
                self.summary.lambda_logs_dropped += dropped.records;
            }
            let target = match &rules {
                None => Target::default(),
                Some(rules) => {
                    let decision = rules.decide(&doc);
                    self.counters.count(&decision);
                    match decision {
                        Decision::Keep { target, .. } => target,
                        Decision::Drop { .. } | Decision::SampledOut { .. } => {
                            if let Some(t) = self.tallies.get_mut(index) {
                                t.filtered += 1;
                            }
                            continue;
                        }
                    }
                }
            };
            self.summary.masked +=
                mask_document(&pipeline.masker, &mut doc, &mut self.summary.masked_by_rule);
            if let Some(body) = self.encoder.push_to(index as u32, &doc, &env_json, target) {
                self.ready.push_back(body);
            }
        }
    }

    fn delivered(&mut self, records: impl Iterator<Item = u32>) {
        for r in records {
            if let Some(t) = self.tallies.get_mut(r as usize) {
                t.delivered += 1;
            }
        }
    }

    /// Takes in what a ship task reports; a task that died reports nothing, so its
    /// documents stay unaccounted and their records are failed back to Kinesis.
    fn absorb(&mut self, done: Done, undelivered: &mut Vec<Undelivered>) {
        match done {
            Ok(report) => {
                self.summary.retries += report.retries;
                self.summary.bytes_out += report.bytes_out;
                self.delivered(report.delivered.into_iter());
                undelivered.extend(report.undelivered);
            }
            Err(e) => {
                tracing::error!(error = %e, "a ship task failed; its records go back to Kinesis")
            }
        }
    }

    fn settle(self) -> Outcome {
        let mut outcome = settle(self.event, self.tallies, self.errors, self.summary);
        outcome.rules = self.counters;
        outcome
    }
}

/// Turns tallies into the outcome: a record fails when any of its events is
/// neither delivered, dead-lettered nor filtered by the rules, or when it
/// could not be decoded and was not dead-lettered. A record whose events
/// were all filtered is done.
fn settle(
    event: &KinesisEvent,
    tallies: Vec<Tally>,
    errors: Vec<RecordError>,
    mut summary: Summary,
) -> Outcome {
    let mut failed = Vec::new();
    for (record, t) in event.records.iter().zip(&tallies) {
        summary.delivered += t.delivered;
        summary.dead_lettered += t.dead_lettered;
        summary.filtered += t.filtered;
        let open = t
            .events
            .saturating_sub(t.delivered + t.dead_lettered + t.filtered);
        summary.failed += open;
        let undecodable_open = t.undecodable && !t.raw_dead_lettered;
        if open > 0 || undecodable_open {
            failed.push(record.sequence_number().to_owned());
        }
    }
    summary.records_failed = failed.len() as u64;
    Outcome {
        summary,
        failed_sequence_numbers: failed,
        errors,
        rules: RuleCounters::default(),
    }
}
