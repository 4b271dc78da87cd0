//! The `--explain` preview: what the rules would decide for every event of a
//! batch, with nothing masked, encoded or shipped.

use crate::config::Config;
use crate::decode::{Decoder, MessageType};
use crate::document::RecordDocs;
use crate::event::KinesisEvent;
use crate::rules::Explain;

/// The `--explain` preview of a batch: the configured rules decide for every
/// event of its DATA records, nothing is masked, encoded or shipped. Returns
/// the tallies (per log group and per rule) and the number of records that
/// could not be decoded (left out of the tallies).
pub fn explain(cfg: &Config, event: &KinesisEvent) -> (Explain, u64) {
    let mut explain = Explain::new(cfg.explain_destination());
    let mut undecodable = 0;
    let mut decoder = Decoder::new(cfg.max_decompressed_bytes);
    for record in &event.records {
        let Ok(payload) = decoder.decode(&record.kinesis.data) else {
            undecodable += 1;
            continue;
        };
        if payload.message_type == MessageType::Control {
            continue;
        }
        let docs = RecordDocs::new(&payload.log_group, &payload.log_stream, &cfg.shaping);
        let rules = cfg
            .rules
            .for_record(&payload.log_group, &payload.log_stream);
        let lossy = payload.lossy_utf8;
        for log_event in payload.log_events {
            let doc = docs.build(log_event, lossy);
            explain.add(&payload.log_group, &rules.decide(&doc), doc.timestamp_ms);
        }
    }
    (explain, undecodable)
}
