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
//! The invariant, checked by [`Summary::balanced`]: events in = delivered +
//! dead-lettered + failed back to Kinesis.

use std::borrow::Cow;
use std::io::Write;

use serde_json::Value;

use crate::config::Config;
use crate::decode::{Decoder, MessageType};
use crate::document::{Document, Envelope};
use crate::encode::{Body, Encoder, Format, Limits};
use crate::event::KinesisEvent;
use crate::mask::Masker;

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
    /// Documents truncated to the line limit.
    pub truncated: u64,
}

impl Summary {
    /// events in = delivered + dead-lettered + failed.
    pub fn balanced(&self) -> bool {
        self.events_in == self.delivered + self.dead_lettered + self.failed
    }
}

/// A record that could not be fully processed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// Its sequence number.
    pub sequence_number: String,
    /// What went wrong.
    pub error: String,
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
}

/// The stages, configured once.
#[derive(Debug)]
pub struct Pipeline {
    max_decompressed: usize,
    format: Format,
    limits: Limits,
    masker: std::sync::Arc<Masker>,
}

/// Per-record tallies.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tally {
    events: u64,
    delivered: u64,
    dead_lettered: u64,
    undecodable: bool,
}

impl Pipeline {
    /// Builds the stages from the configuration.
    pub fn new(format: Format, cfg: &Config, masker: std::sync::Arc<Masker>) -> Pipeline {
        Pipeline {
            max_decompressed: cfg.max_decompressed_bytes,
            format,
            limits: cfg.limits,
            masker,
        }
    }

    /// Runs a batch, writing every body to `out` (the stdout destination).
    pub fn run_to_writer(&self, event: &KinesisEvent, out: &mut dyn Write) -> std::io::Result<Outcome> {
        let mut tallies = vec![Tally::default(); event.records.len()];
        let mut errors = Vec::new();
        let mut summary = Summary::default();
        let mut write_err = None;
        let mut sink = |body: Body, tallies: &mut [Tally], summary: &mut Summary| {
            if write_err.is_some() {
                return;
            }
            match out.write_all(&body.bytes) {
                Ok(()) => {
                    summary.bytes_out += body.bytes.len() as u64;
                    for item in &body.items {
                        if let Some(t) = tallies.get_mut(item.record as usize) {
                            t.delivered += 1;
                        }
                    }
                }
                Err(e) => write_err = Some(e),
            }
        };
        self.encode_all(event, &mut tallies, &mut errors, &mut summary, &mut sink);
        if let Some(e) = write_err {
            return Err(e);
        }
        out.flush()?;
        Ok(settle(event, tallies, errors, summary))
    }

    /// Decodes, builds, masks and encodes every record, handing each full body to `sink`.
    pub(crate) fn encode_all(
        &self,
        event: &KinesisEvent,
        tallies: &mut [Tally],
        errors: &mut Vec<RecordError>,
        summary: &mut Summary,
        sink: &mut dyn FnMut(Body, &mut [Tally], &mut Summary),
    ) {
        let mut decoder = Decoder::new(self.max_decompressed);
        let mut encoder = Encoder::new(self.format.clone(), self.limits);
        summary.records = event.records.len() as u64;
        for (index, record) in event.records.iter().enumerate() {
            summary.bytes_in += record.kinesis.data.len() as u64;
            let payload = match decoder.decode(&record.kinesis.data) {
                Ok(p) => p,
                Err(e) => {
                    summary.undecodable_records += 1;
                    if let Some(t) = tallies.get_mut(index) {
                        t.undecodable = true;
                    }
                    errors.push(RecordError {
                        sequence_number: record.sequence_number().to_owned(),
                        error: e.to_string(),
                    });
                    continue;
                }
            };
            if payload.message_type == MessageType::Control {
                summary.control_messages += 1;
                continue;
            }
            let env = Envelope {
                owner: &payload.owner,
                log_group: &payload.log_group,
                log_stream: &payload.log_stream,
                region: &record.aws_region,
            };
            let lossy = payload.lossy_utf8;
            if let Some(t) = tallies.get_mut(index) {
                t.events = payload.log_events.len() as u64;
            }
            summary.events_in += payload.log_events.len() as u64;
            for log_event in payload.log_events {
                let mut doc = Document::new(&env, log_event, lossy);
                summary.masked += mask_document(&self.masker, &mut doc);
                if let Some(body) = encoder.push(index as u32, &doc, &env) {
                    sink(body, tallies, summary);
                }
            }
        }
        if let Some(body) = encoder.flush() {
            sink(body, tallies, summary);
        }
        summary.bytes_decompressed = decoder.decompressed_bytes();
        summary.truncated = encoder.truncated();
    }
}

/// Masks the message, the parsed fields and what was derived from the message.
pub fn mask_document(masker: &Masker, doc: &mut Document) -> u64 {
    if !masker.enabled() {
        return 0;
    }
    let mut count = 0;
    if let Cow::Owned(masked) = masker.mask_text(&doc.message, &mut count) {
        doc.message = masked;
    }
    for derived in [doc.request_id.as_mut(), doc.level.as_mut()].into_iter().flatten() {
        if let Cow::Owned(masked) = masker.mask_text(derived, &mut count) {
            *derived = masked;
        }
    }
    if let Some(fields) = doc.fields.as_mut() {
        let mut tree = Value::Object(std::mem::take(fields));
        masker.mask_json(&mut tree, &mut count);
        if let Value::Object(map) = tree {
            *fields = map;
        }
    }
    count
}

/// Turns tallies into the outcome: a record fails when any of its events is
/// neither delivered nor dead-lettered, or when it could not be decoded and
/// was not dead-lettered.
pub(crate) fn settle(
    event: &KinesisEvent,
    tallies: Vec<Tally>,
    errors: Vec<RecordError>,
    mut summary: Summary,
) -> Outcome {
    let mut failed = Vec::new();
    for (record, t) in event.records.iter().zip(&tallies) {
        summary.delivered += t.delivered;
        summary.dead_lettered += t.dead_lettered;
        let open = t.events.saturating_sub(t.delivered + t.dead_lettered);
        summary.failed += open;
        let undecodable_open = t.undecodable && t.dead_lettered == 0;
        if open > 0 || undecodable_open {
            failed.push(record.sequence_number().to_owned());
        }
    }
    summary.records_failed = failed.len() as u64;
    Outcome {
        summary,
        failed_sequence_numbers: failed,
        errors,
    }
}
