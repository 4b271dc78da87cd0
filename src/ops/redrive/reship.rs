//! Re-shipping: documents of a message encoded as they are (with their `_id`,
//! to their recorded `_index` or the configured index named from their
//! `@timestamp`) and shipped through the pipeline's
//! bounded fan-out; undecodable records run through the whole pipeline again;
//! documents written to a file instead (NDJSON, `_id` first).

use std::io::Write;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::decode::Decoder;
use crate::dlq::Source;
use crate::encode::{Body, Encoder};
use crate::event::KinesisEvent;
use crate::handler::Services;
use crate::pipeline::ship_all;
use crate::ship::Undelivered;

use super::*;

impl Redrive {
    /// No cut-off, and the stop flag: a Ctrl-C ends the backoff waits at once,
    /// after the request in flight; what is undelivered stays in the queue.
    pub(super) fn until(&self) -> crate::ship::Until {
        crate::ship::Until {
            cutoff: None,
            stop: self.options.stop.clone(),
        }
    }

    /// Ships documents as they are; per document: delivered, or why not.
    pub(super) async fn ship(
        &self,
        services: &Services,
        pending: &[Pending],
    ) -> (Vec<bool>, Vec<Option<Undelivered>>) {
        let mut encoder = Encoder::new(self.config.format(), self.config.limits);
        let mut bodies: Vec<Body> = Vec::new();
        let now = crate::time::now_ms() as i64;
        for (i, p) in pending.iter().enumerate() {
            let ts = timestamp_ms(&p.doc).unwrap_or(now);
            let doc = p.doc.get().as_bytes();
            if let Some(body) = encoder.push_encoded(i as u32, p.id, doc, ts, p.index.as_deref()) {
                bodies.push(body);
            }
        }
        bodies.extend(encoder.flush());
        let mut delivered = vec![false; pending.len()];
        let mut undelivered: Vec<Option<Undelivered>> = vec![None; pending.len()];
        let mut bodies = bodies.into_iter();
        ship_all(
            &mut bodies,
            self.config.concurrency,
            services.shipper(),
            &self.until(),
            Iterator::next,
            |_, done| {
                let Ok(report) = done else { return };
                for r in report.delivered {
                    if let Some(d) = delivered.get_mut(r as usize) {
                        *d = true;
                    }
                }
                for u in report.undelivered {
                    if let Some(slot) = undelivered.get_mut(u.record as usize) {
                        *slot = Some(u);
                    }
                }
            },
        )
        .await;
        (delivered, undelivered)
    }

    /// Dry run of an undecodable record: does it decode now, and to how many events?
    pub(super) fn dry_decode(&self, r: &mut MessageReport, data: &str, state: &mut RunState) {
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
    pub(super) fn write_decoded(
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
            .map_err(|e| RedriveError::Write(Arc::new(e)))?;
        if outcome.summary.undecodable_records > 0 {
            let error = outcome
                .errors
                .first()
                .map(|e| e.error.to_string())
                .unwrap_or_default();
            r.outcome = MessageOutcome::Undecodable { error };
            return Ok(());
        }
        out.write_all(&buffer)
            .map_err(|e| RedriveError::Write(Arc::new(e)))?;
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
    pub(super) async fn ship_undecodable(
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
            .pipeline()
            .run(
                &event,
                services.shipper(),
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
}

/// A one-record event holding an undecodable record's data again, under its source.
pub(super) fn event_of(source: Option<&Source>, data: &str) -> KinesisEvent {
    let record = match source {
        Some(source) => source.record(data),
        None => Source::default().record(data),
    };
    KinesisEvent {
        records: vec![record],
    }
}

/// Writes documents as NDJSON, `_id` first.
pub(super) fn write_docs(
    pending: &[Pending],
    out: &mut (dyn Write + Send),
) -> Result<(), RedriveError> {
    let mut line = Vec::new();
    for p in pending {
        line.clear();
        line.extend_from_slice(b"{\"_id\":\"");
        line.extend_from_slice(p.id.as_str().as_bytes());
        line.push(b'"');
        if let Some(index) = &p.index {
            line.extend_from_slice(b",\"_index\":");
            crate::json::write_str(index, &mut line);
        }
        // The document is a JSON object (checked when parsing): splice its members in.
        let doc = p.doc.get().trim();
        let inner = doc.strip_prefix('{').unwrap_or(doc).trim_start();
        if !inner.starts_with('}') {
            line.push(b',');
        }
        line.extend_from_slice(inner.as_bytes());
        line.push(b'\n');
        out.write_all(&line)
            .map_err(|e| RedriveError::Write(Arc::new(e)))?;
    }
    out.flush().map_err(|e| RedriveError::Write(Arc::new(e)))
}

/// The document's `@timestamp` in milliseconds (it names the index).
pub(super) fn timestamp_ms(doc: &RawValue) -> Option<i64> {
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
    fn file_lines_put_the_id_first() {
        let id = DocId::new("g", "s", "e");
        let pending = vec![
            Pending {
                message: 0,
                id,
                doc: RawValue::from_string(r#"{"message":"m","n":1}"#.into()).expect("raw"),
                index: Some("functions-2026.11".into()),
            },
            Pending {
                message: 0,
                id,
                doc: RawValue::from_string("{ }".into()).expect("raw"),
                index: None,
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
        assert_eq!(lines[0]["_index"], "functions-2026.11");
        assert_eq!(lines[1], serde_json::json!({"_id": id.as_str()}));
    }
}
