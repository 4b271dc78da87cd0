//! Dead-letter: what could not be delivered goes to an SQS queue, with the
//! payload itself, so an operator can redrive it.
//!
//! Every message is self-describing JSON ([`Message`], `logship_dlq` = 1): the
//! masked documents ready to re-ship (each with its `_id`, and the `_index` a
//! rule or data stream routed it to), the reason, the
//! destination, the attempts, and the source (stream ARN, shard, sequence
//! number, partition key). A record that could not be decoded cannot be masked;
//! it goes as its raw base64 data with the decode error, flagged
//! `kind: "undecodable"`. A message holds documents of one record and one
//! reason, split across messages at the size limit; messages go out with
//! `SendMessageBatch` (10 entries and the size limit per call), and failed
//! entries are retried. A single document too large for a message on its own
//! travels gzipped. What could not be written (a document larger than a
//! message even gzipped, a queue that stays down) is reported back, so its record is
//! failed to Kinesis instead of being lost.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::event::KinesisRecord;
use crate::ship::Undelivered;

/// The version written in every message.
pub const VERSION: u32 = 1;

/// Where a dead letter came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Source {
    /// The stream ARN.
    pub event_source_arn: String,
    /// The shard id.
    pub shard_id: String,
    /// The record's sequence number.
    pub sequence_number: String,
    /// The record's partition key.
    pub partition_key: String,
}

impl Source {
    /// The source of a Kinesis record.
    pub fn of(record: &KinesisRecord) -> Source {
        Source {
            event_source_arn: record.event_source_arn.clone(),
            shard_id: record.shard_id().to_owned(),
            sequence_number: record.sequence_number().to_owned(),
            partition_key: record.kinesis.partition_key.clone(),
        }
    }
}

/// One dead-lettered document.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeadDoc<D> {
    /// The deterministic id (a redrive re-ships with the same id: no duplicates).
    #[serde(rename = "_id")]
    pub id: String,
    /// The masked document; one too large for a message in plain form is a
    /// string, [`GZIP_PREFIX`] and base64 of its gzipped JSON ([`parse`] restores it).
    pub doc: D,
    /// The index (or data stream) a rule or `LOGSHIP_DATA_STREAM_NAMESPACE`
    /// routed the document to, as sent; absent for one that went to the
    /// configured index (and in messages written before routing existed).
    #[serde(rename = "_index", default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
}

/// What a DLQ message holds (`kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Masked documents, ready to ship again.
    Documents,
    /// A record that could not be decoded, as it came.
    Undecodable,
    /// A kind this logship does not know (a newer writer): left in the queue.
    #[serde(other)]
    Unknown,
}

/// A DLQ message. `D` is `Box<RawValue>` when reading and `&RawValue` when writing.
#[derive(Debug, Serialize, Deserialize)]
pub struct Message<D> {
    /// [`VERSION`].
    pub logship_dlq: u32,
    /// What it holds.
    pub kind: Kind,
    /// Why it is here.
    pub reason: String,
    /// `logzio` or `elasticsearch`.
    pub destination: String,
    /// Attempts made.
    pub attempts: u32,
    /// The destination refused it for good (a redrive will likely need a fix first).
    #[serde(default)]
    pub rejected: bool,
    /// Where it came from.
    pub source: Source,
    /// The documents (kind `documents`).
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DeadDoc<D>>,
    /// The record data as received, base64 (kind `undecodable`): never masked, since it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// The DLQ writer.
#[derive(Debug, Clone)]
pub struct DeadLetterQueue {
    client: aws_sdk_sqs::Client,
    url: String,
    max_message_bytes: usize,
}

/// A record that could not be decoded, to dead-letter as it came.
#[derive(Debug, Clone)]
pub struct Undecodable {
    /// Index of the record in the batch.
    pub record: u32,
    /// The decode error.
    pub error: String,
}

/// What was written.
#[derive(Debug, Default)]
pub struct DlqOutcome {
    /// Documents dead-lettered, per record index.
    pub documents: BTreeMap<u32, u64>,
    /// Undecodable records dead-lettered.
    pub raw: Vec<u32>,
    /// Problems (entries that could not be written), for the log.
    pub errors: Vec<String>,
}

struct Outgoing {
    record: u32,
    docs: u64,
    raw: bool,
    body: String,
}

const ATTEMPTS: u32 = 4;

impl DeadLetterQueue {
    /// A writer to `url`; messages stay under `max_message_bytes`.
    pub fn new(
        client: aws_sdk_sqs::Client,
        url: impl Into<String>,
        max_message_bytes: usize,
    ) -> Self {
        DeadLetterQueue {
            client,
            url: url.into(),
            max_message_bytes,
        }
    }

    /// The queue URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SQS client.
    pub fn client(&self) -> &aws_sdk_sqs::Client {
        &self.client
    }

    /// Writes undelivered documents and undecodable records of a batch.
    pub async fn send(
        &self,
        records: &[KinesisRecord],
        destination: &str,
        undelivered: Vec<Undelivered>,
        undecodable: Vec<Undecodable>,
    ) -> DlqOutcome {
        let mut outcome = DlqOutcome::default();
        let mut outgoing = Vec::new();
        for u in undecodable {
            let Some(record) = records.get(u.record as usize) else {
                continue;
            };
            let msg: Message<&RawValue> = Message {
                logship_dlq: VERSION,
                kind: Kind::Undecodable,
                reason: u.error,
                destination: destination.to_owned(),
                attempts: 0,
                rejected: false,
                source: Source::of(record),
                documents: Vec::new(),
                data: Some(record.kinesis.data.clone()),
            };
            match serde_json::to_string(&msg) {
                Ok(body) if body.len() <= self.max_message_bytes => outgoing.push(Outgoing {
                    record: u.record,
                    docs: 0,
                    raw: true,
                    body,
                }),
                _ => outcome.errors.push(format!(
                    "record {}: undecodable data is larger than a DLQ message ({} bytes)",
                    record.sequence_number(),
                    self.max_message_bytes
                )),
            }
        }
        self.pack_documents(
            records,
            destination,
            undelivered,
            &mut outgoing,
            &mut outcome,
        );
        self.write(outgoing, &mut outcome).await;
        outcome
    }

    /// Groups documents by record and reason into messages under the size limit.
    fn pack_documents(
        &self,
        records: &[KinesisRecord],
        destination: &str,
        mut undelivered: Vec<Undelivered>,
        outgoing: &mut Vec<Outgoing>,
        outcome: &mut DlqOutcome,
    ) {
        undelivered.sort_by(|a, b| (a.record, &a.reason).cmp(&(b.record, &b.reason)));
        let mut rest = undelivered.as_slice();
        while let Some(first) = rest.first() {
            let same = rest
                .iter()
                .take_while(|u| u.record == first.record && u.reason == first.reason)
                .count();
            let (group, tail) = rest.split_at(same);
            rest = tail;
            let Some(record) = records.get(first.record as usize) else {
                continue;
            };
            let mut start = 0;
            while start < group.len() {
                // Exact size arithmetic: a document element is
                // `{"_id":"<id>","doc":<doc>}` plus a comma, and `,"_index":"<index>"` when routed.
                let header = self
                    .message(record, destination, &group[start..=start])
                    .map_or(0, |m| m.len().saturating_sub(group[start].doc.len()));
                let mut size = header;
                let mut end = start;
                while end < group.len() {
                    let element = group[end].doc.len()
                        + 42
                        + group[end].index.as_ref().map_or(0, |i| i.len() + 12);
                    if end > start && size + element > self.max_message_bytes {
                        break;
                    }
                    size += element;
                    end += 1;
                }
                // Escapes added for SQS can make it longer than computed: shrink until it fits.
                let mut body = self.message(record, destination, &group[start..end]);
                while body
                    .as_ref()
                    .is_some_and(|b| b.len() > self.max_message_bytes)
                    && end > start + 1
                {
                    end -= 1;
                    body = self.message(record, destination, &group[start..end]);
                }
                match body.filter(|b| b.len() <= self.max_message_bytes) {
                    Some(body) => {
                        outgoing.push(Outgoing {
                            record: first.record,
                            docs: (end - start) as u64,
                            raw: false,
                            body,
                        });
                        start = end;
                    }
                    None => {
                        outcome.errors.push(format!(
                            "record {}: document {} is larger than a DLQ message ({} bytes)",
                            record.sequence_number(),
                            group[start].id,
                            self.max_message_bytes
                        ));
                        start += 1;
                    }
                }
            }
        }
    }

    /// The message for `docs`; a single document too large for a message on
    /// its own travels gzipped (see `GZIP_PREFIX`). The decision is made on the
    /// size SQS counts, after the escapes SQS needs, not on the document's size.
    fn message(
        &self,
        record: &KinesisRecord,
        destination: &str,
        docs: &[Undelivered],
    ) -> Option<String> {
        let plain = self.render(record, destination, docs, false)?;
        if plain.len() <= self.max_message_bytes || docs.len() != 1 {
            return Some(plain);
        }
        self.render(record, destination, docs, true)
    }

    fn render(
        &self,
        record: &KinesisRecord,
        destination: &str,
        docs: &[Undelivered],
        squeeze: bool,
    ) -> Option<String> {
        let first = docs.first()?;
        let packed: Vec<Box<RawValue>> = if squeeze {
            let text = format!(
                "{GZIP_PREFIX}{}",
                BASE64.encode(crate::ship::gzip(&first.doc))
            );
            vec![serde_json::value::to_raw_value(&text).ok()?]
        } else {
            Vec::new()
        };
        let mut documents = Vec::with_capacity(docs.len());
        for d in docs {
            let raw: &RawValue = match packed.first() {
                Some(p) => p,
                None => serde_json::from_slice(&d.doc).ok()?,
            };
            documents.push(DeadDoc {
                id: d.id.to_string(),
                doc: raw,
                index: d.index.clone(),
            });
        }
        let msg = Message {
            logship_dlq: VERSION,
            kind: Kind::Documents,
            reason: first.reason.clone(),
            destination: destination.to_owned(),
            attempts: docs.iter().map(|d| d.attempts).max().unwrap_or(0),
            rejected: first.rejected,
            source: Source::of(record),
            documents,
            data: None,
        };
        serde_json::to_string(&msg).ok().map(sqs_safe)
    }

    /// Sends messages in batches of up to 10 and the size limit, retrying failed entries.
    async fn write(&self, outgoing: Vec<Outgoing>, outcome: &mut DlqOutcome) {
        let mut batch: Vec<&Outgoing> = Vec::new();
        let mut size = 0;
        let mut batches = Vec::new();
        for m in &outgoing {
            if !batch.is_empty()
                && (batch.len() == 10 || size + m.body.len() > self.max_message_bytes)
            {
                batches.push(std::mem::take(&mut batch));
                size = 0;
            }
            size += m.body.len();
            batch.push(m);
        }
        if !batch.is_empty() {
            batches.push(batch);
        }
        for batch in batches {
            let mut pending: Vec<(usize, &Outgoing)> = batch.into_iter().enumerate().collect();
            let mut last_error = String::new();
            for attempt in 1..=ATTEMPTS {
                if pending.is_empty() {
                    break;
                }
                if attempt > 1 {
                    let ceiling = 100u64 << attempt;
                    tokio::time::sleep(Duration::from_millis(fastrand::u64(ceiling / 2..=ceiling)))
                        .await;
                }
                let entries: Vec<_> = pending
                    .iter()
                    .filter_map(|(i, m)| {
                        aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                            .id(format!("m{i}"))
                            .message_body(&m.body)
                            .build()
                            .ok()
                    })
                    .collect();
                match self
                    .client
                    .send_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                {
                    Ok(out) => {
                        let ok: std::collections::HashSet<&str> =
                            out.successful.iter().map(|s| s.id.as_str()).collect();
                        for f in &out.failed {
                            last_error =
                                format!("{}: {}", f.code, f.message.as_deref().unwrap_or(""));
                        }
                        pending.retain(|(i, m)| {
                            if ok.contains(format!("m{i}").as_str()) {
                                if m.raw {
                                    outcome.raw.push(m.record);
                                } else {
                                    *outcome.documents.entry(m.record).or_default() += m.docs;
                                }
                                false
                            } else {
                                true
                            }
                        });
                    }
                    Err(e) => last_error = aws_sdk_sqs::error::DisplayErrorContext(e).to_string(),
                }
            }
            for (_, m) in pending {
                outcome.errors.push(format!(
                    "dead-letter queue write failed after {ATTEMPTS} attempts ({} documents of record index {}): {last_error}",
                    m.docs, m.record
                ));
            }
        }
    }
}

/// SQS refuses U+FFFE and U+FFFF, which JSON writers leave unescaped: escape them.
fn sqs_safe(body: String) -> String {
    if !body.contains(['\u{fffe}', '\u{ffff}']) {
        return body;
    }
    body.replace('\u{fffe}', "\\ufffe")
        .replace('\u{ffff}', "\\uffff")
}

/// A document too large for a message in plain form is written as a JSON
/// string: this prefix, then base64 of its gzipped JSON. [`parse`] restores it.
pub const GZIP_PREFIX: &str = "gzip+base64:";

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Parses a DLQ message, restoring gzipped documents to plain JSON.
pub fn parse(body: &str) -> Result<Message<Box<RawValue>>, serde_json::Error> {
    use base64::Engine as _;
    use serde::de::Error as _;
    use std::io::Read as _;
    let mut msg: Message<Box<RawValue>> = serde_json::from_str(body)?;
    for d in &mut msg.documents {
        let Ok(text) = serde_json::from_str::<String>(d.doc.get()) else {
            continue;
        };
        let Some(packed) = text.strip_prefix(GZIP_PREFIX) else {
            continue;
        };
        let gz = BASE64
            .decode(packed)
            .map_err(|e| serde_json::Error::custom(format!("document {}: {e}", d.id)))?;
        let mut json = String::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .take(64 << 20)
            .read_to_string(&mut json)
            .map_err(|e| serde_json::Error::custom(format!("document {}: {e}", d.id)))?;
        d.doc = RawValue::from_string(json)?;
    }
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_sqs_refuses() {
        let s = sqs_safe("{\"m\":\"a\u{ffff}b\"}".to_owned());
        assert_eq!(s, "{\"m\":\"a\\uffffb\"}");
        let v: serde_json::Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(v["m"], "a\u{ffff}b");
    }

    #[test]
    fn oversized_documents_travel_gzipped() {
        let client = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::Config::builder()
                .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
                .build(),
        );
        let dlq = DeadLetterQueue::new(client, "http://unused", 8_192);
        let big = format!("{{\"message\":\"{}\"}}", "compressible ".repeat(2_000));
        let u = Undelivered {
            record: 0,
            id: crate::document::DocId::new("g", "s", "1"),
            doc: big.clone().into_bytes(),
            reason: "r".into(),
            attempts: 1,
            rejected: true,
            index: None,
        };
        let record = KinesisRecord::default();
        let body = dlq
            .message(&record, "elasticsearch", &[u])
            .expect("message");
        assert!(body.len() < 8_192, "{}", body.len());
        assert!(body.contains(GZIP_PREFIX));
        let back = parse(&body).expect("parses");
        assert_eq!(back.documents[0].doc.get(), big);
    }

    #[test]
    fn the_gzip_decision_is_made_on_the_size_sqs_counts() {
        // U+FFFF is 3 bytes in the document and 6 once escaped for SQS: a
        // document under the limit unescaped is over it escaped, and must
        // travel gzipped rather than fail its record back.
        let client = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::Config::builder()
                .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
                .build(),
        );
        let limit = 8_192;
        let dlq = DeadLetterQueue::new(client, "http://unused", limit);
        let doc = format!("{{\"message\":\"{}\"}}", "\u{ffff}".repeat(2_000));
        assert!(doc.len() + 1024 < limit);
        let u = Undelivered {
            record: 0,
            id: crate::document::DocId::new("g", "s", "1"),
            doc: doc.clone().into_bytes(),
            reason: "r".into(),
            attempts: 1,
            rejected: false,
            index: None,
        };
        let body = dlq
            .message(&KinesisRecord::default(), "elasticsearch", &[u])
            .expect("message");
        assert!(body.len() <= limit, "{}", body.len());
        assert_eq!(parse(&body).expect("parses").documents[0].doc.get(), doc);
    }

    #[test]
    fn messages_round_trip() {
        let doc = RawValue::from_string("{\"message\":\"x\"}".to_owned()).expect("raw");
        let m: Message<&RawValue> = Message {
            logship_dlq: VERSION,
            kind: Kind::Documents,
            reason: "r".into(),
            destination: "elasticsearch".into(),
            attempts: 3,
            rejected: true,
            source: Source::default(),
            documents: vec![DeadDoc {
                id: "abc".into(),
                doc: &doc,
                index: None,
            }],
            data: None,
        };
        let text = serde_json::to_string(&m).expect("json");
        assert!(
            !text.contains("_index"),
            "no index written for the configured one"
        );
        let back = parse(&text).expect("parses");
        assert_eq!(back.documents[0].index, None);
        assert_eq!(back.documents[0].id, "abc");
        assert_eq!(back.documents[0].doc.get(), "{\"message\":\"x\"}");
        assert!(back.data.is_none());
    }

    #[test]
    fn a_routed_document_keeps_its_index_in_the_message() {
        let client = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::Config::builder()
                .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
                .build(),
        );
        let dlq = DeadLetterQueue::new(client, "http://unused", 262_144);
        let u = |event: &str, index: Option<&str>| Undelivered {
            record: 0,
            id: crate::document::DocId::new("g", "s", event),
            doc: b"{\"message\":\"m\"}".to_vec(),
            reason: "r".into(),
            attempts: 1,
            rejected: false,
            index: index.map(str::to_owned),
        };
        let body = dlq
            .message(
                &KinesisRecord::default(),
                "elasticsearch",
                &[u("1", Some("functions-2026.11")), u("2", None)],
            )
            .expect("message");
        let back = parse(&body).expect("parses");
        assert_eq!(
            back.logship_dlq, 1,
            "still version 1: old readers skip the new key"
        );
        assert_eq!(
            back.documents[0].index.as_deref(),
            Some("functions-2026.11")
        );
        assert_eq!(back.documents[1].index, None);
    }
}
