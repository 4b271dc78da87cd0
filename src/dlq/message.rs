//! The DLQ message format, in one place: what a message holds ([`Message`],
//! [`Kind`], [`Source`], [`DeadDoc`]), how it is read back ([`parse`]) and
//! checked before anything acts on it ([`read`]), and how a dead-lettered
//! record's source becomes a record again ([`Source::record`]).
//!
//! Every message is self-describing JSON (`logship_dlq` = [`VERSION`]): the
//! masked documents ready to re-ship (each with its `_id`, and the `_index` a
//! rule or data stream routed it to), the reason, the destination, the
//! attempts, and the source (stream ARN, shard, sequence number, partition
//! key). A record that could not be decoded goes as its raw base64 data,
//! `kind: "undecodable"`. A single document too large for a message on its own
//! travels gzipped ([`GZIP_PREFIX`]).

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::document::DocId;
use crate::event::{KinesisData, KinesisRecord};

/// The version written in every message.
pub const VERSION: u32 = 1;

/// A document too large for a message in plain form is written as a JSON
/// string: this prefix, then base64 of its gzipped JSON. [`parse`] restores it.
pub const GZIP_PREFIX: &str = "gzip+base64:";

pub(super) const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

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

    /// The record this source names, holding `data` again (the inverse of
    /// [`Source::of`]): how a redrive runs an undecodable record's data
    /// through the pipeline once more, under its own source.
    pub fn record(&self, data: &str) -> KinesisRecord {
        KinesisRecord {
            event_id: format!("{}:{}", self.shard_id, self.sequence_number),
            event_source_arn: self.event_source_arn.clone(),
            aws_region: self
                .event_source_arn
                .split(':')
                .nth(3)
                .unwrap_or_default()
                .to_owned(),
            kinesis: KinesisData {
                sequence_number: self.sequence_number.clone(),
                partition_key: self.partition_key.clone(),
                data: data.to_owned(),
                approximate_arrival_timestamp: None,
            },
            event_source: None,
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

/// Parses a DLQ message, restoring gzipped documents to plain JSON. Nothing is
/// checked beyond the JSON's shape: [`read`] checks what a redrive acts on.
pub fn parse(body: &str) -> Result<Message<Box<RawValue>>, serde_json::Error> {
    use serde::de::Error as _;
    use std::io::Read as _;
    let mut msg: Message<Box<RawValue>> = serde_json::from_str(body)?;
    for (i, d) in msg.documents.iter_mut().enumerate() {
        let Ok(text) = serde_json::from_str::<String>(d.doc.get()) else {
            continue;
        };
        let Some(packed) = text.strip_prefix(GZIP_PREFIX) else {
            continue;
        };
        let gz = BASE64
            .decode(packed)
            .map_err(|e| serde_json::Error::custom(format!("documents[{i}].doc: {e}")))?;
        let mut json = String::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .take(64 << 20)
            .read_to_string(&mut json)
            .map_err(|e| serde_json::Error::custom(format!("documents[{i}].doc: {e}")))?;
        d.doc = RawValue::from_string(json)?;
    }
    Ok(msg)
}

/// A message checked and ready to act on.
#[derive(Debug)]
pub enum Checked {
    /// Documents to re-ship.
    Documents {
        /// Where they came from.
        source: Source,
        /// Why they were dead-lettered.
        reason: String,
        /// Attempts made so far.
        attempts: u32,
        /// The documents, each a JSON object with a valid id (and index).
        docs: Vec<Doc>,
    },
    /// A record that could not be decoded, as it came.
    Undecodable {
        /// Where it came from.
        source: Source,
        /// The decode error.
        reason: String,
        /// The record's data, base64.
        data: String,
    },
}

/// A dead-lettered document, checked.
#[derive(Debug)]
pub struct Doc {
    /// Its id.
    pub id: DocId,
    /// The masked document (a JSON object).
    pub doc: Box<RawValue>,
    /// The index it was routed to (None: the configured one).
    pub index: Option<String>,
}

/// A message that cannot be acted on; it names the field, never quotes a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Not JSON, or not the message's shape.
    #[error("not a logship DLQ message: {0}")]
    NotAMessage(String),
    /// A version this logship does not read.
    #[error("logship_dlq version {0} (this logship reads version {VERSION})")]
    Version(u32),
    /// A kind this logship does not know.
    #[error("a kind this logship does not know")]
    UnknownKind,
    /// An `undecodable` message without its data.
    #[error("an undecodable message without data")]
    NoData,
    /// A document's `_id` is not a logship id.
    #[error("documents[{0}]._id is not a logship document id")]
    BadId(usize),
    /// A document is not a JSON object.
    #[error("documents[{0}].doc is not a JSON object")]
    NotAnObject(usize),
    /// A document's `_index` is not a valid index name.
    #[error("documents[{index}]._index is not a valid index name: {problem}")]
    BadIndex {
        /// The document's position in the message.
        index: usize,
        /// What is wrong with it.
        problem: String,
    },
}

/// Parses and checks a message: the version, the kind, and every document's
/// id, JSON and index. One bad document makes the whole message unreadable,
/// so it stays in the queue as it is.
pub fn read(body: &str) -> Result<Checked, MessageError> {
    let msg = parse(body).map_err(|e| {
        // serde_json's own text may quote a value (`invalid type: string "..."`):
        // name the field and the position instead. A gzipped document that does
        // not restore is named by `parse` itself, without its content.
        match serde_json::from_str::<Message<Box<RawValue>>>(body) {
            Err(first) => MessageError::NotAMessage(
                crate::event::JsonProblem::of::<Message<Box<RawValue>>>(body, &first).to_string(),
            ),
            Ok(_) => MessageError::NotAMessage(e.to_string()),
        }
    })?;
    if msg.logship_dlq != VERSION {
        return Err(MessageError::Version(msg.logship_dlq));
    }
    match msg.kind {
        Kind::Documents => {
            let mut docs = Vec::with_capacity(msg.documents.len());
            for (i, d) in msg.documents.into_iter().enumerate() {
                let id = DocId::parse(&d.id).ok_or(MessageError::BadId(i))?;
                if !d.doc.get().trim_start().starts_with('{') {
                    return Err(MessageError::NotAnObject(i));
                }
                if let Some(index) = &d.index {
                    crate::rules::check_index(index).map_err(|problem| MessageError::BadIndex {
                        index: i,
                        problem: problem.to_string(),
                    })?;
                }
                docs.push(Doc {
                    id,
                    doc: d.doc,
                    index: d.index,
                });
            }
            Ok(Checked::Documents {
                source: msg.source,
                reason: msg.reason,
                attempts: msg.attempts,
                docs,
            })
        }
        Kind::Undecodable => match msg.data {
            Some(data) => Ok(Checked::Undecodable {
                source: msg.source,
                reason: msg.reason,
                data,
            }),
            None => Err(MessageError::NoData),
        },
        Kind::Unknown => Err(MessageError::UnknownKind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_source_becomes_its_record_again() {
        let source = Source {
            event_source_arn: "arn:aws:kinesis:eu-west-1:123456789012:stream/logs".into(),
            shard_id: "shardId-000000000003".into(),
            sequence_number: "4959".into(),
            partition_key: "pk".into(),
        };
        let record = source.record("ZGF0YQ==");
        assert_eq!(record.aws_region, "eu-west-1");
        assert_eq!(record.kinesis.data, "ZGF0YQ==");
        assert_eq!(Source::of(&record), source);
        assert_eq!(Source::of(&Source::default().record("")), Source::default());
    }

    fn documents_message(id: &str, doc: &str, index: Option<&str>) -> String {
        let index = index.map_or(String::new(), |i| format!(",\"_index\":\"{i}\""));
        format!(
            r#"{{"logship_dlq":1,"kind":"documents","reason":"r","destination":"elasticsearch","attempts":2,"source":{{"event_source_arn":"","shard_id":"","sequence_number":"9","partition_key":""}},"documents":[{{"_id":"{id}","doc":{doc}{index}}}]}}"#
        )
    }

    #[test]
    fn read_checks_what_a_redrive_acts_on_and_quotes_nothing() {
        let id = DocId::new("g", "s", "1").to_string();
        let Ok(Checked::Documents { docs, attempts, .. }) =
            read(&documents_message(&id, "{\"m\":1}", Some("logs-x")))
        else {
            panic!("a good message reads");
        };
        assert_eq!((docs.len(), attempts), (1, 2));
        assert_eq!(docs[0].index.as_deref(), Some("logs-x"));

        let secret = "sk_live_notarealkey0000000000";
        let bad = [
            (documents_message(secret, "{}", None), MessageError::BadId(0)),
            (
                documents_message(&id, &format!("\"{secret}\""), None),
                MessageError::NotAnObject(0),
            ),
            (
                documents_message(&id, "{}", None).replace("\"logship_dlq\":1", "\"logship_dlq\":2"),
                MessageError::Version(2),
            ),
            (
                documents_message(&id, "{}", None).replace("\"documents\",", "\"future\","),
                MessageError::UnknownKind,
            ),
            (
                r#"{"logship_dlq":1,"kind":"undecodable","reason":"r","destination":"d","attempts":0,"source":{"event_source_arn":"","shard_id":"","sequence_number":"","partition_key":""}}"#.to_owned(),
                MessageError::NoData,
            ),
        ];
        for (body, want) in bad {
            let err = read(&body).expect_err("refused");
            assert_eq!(err, want);
            assert!(!err.to_string().contains(secret), "{err}");
        }
        let err = read(&documents_message(&id, "{}", Some("UPPER CASE"))).expect_err("refused");
        assert!(
            matches!(err, MessageError::BadIndex { index: 0, .. }),
            "{err}"
        );
        assert!(matches!(
            read("not json"),
            Err(MessageError::NotAMessage(_))
        ));
    }
}
