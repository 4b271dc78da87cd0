//! Dead-letter: what could not be delivered goes to an SQS queue, with the
//! payload itself, so an operator can redrive it.
//!
//! The caller hands [`DeadLetterQueue::send`] one [`Letter`] per source
//! record: its [`Source`] and either its undelivered documents or, for a
//! record that could not be decoded (and so cannot be masked), its raw base64
//! data with the decode error. The writer knows nothing of batches: what it
//! wrote and what it could not is reported per letter ([`Written`]), in the
//! order given. The message format is [`message`]'s.
//!
//! A message holds documents of one source and one reason, split across
//! messages at the size limit; messages go out with `SendMessageBatch` (10
//! entries and the size limit per call). Entries SQS refused are retried; a
//! call that failed as a whole is not, since the SDK's retry policy already
//! retried it. A single document too large for a message on its own travels
//! gzipped. What could not be written (a document larger than a message even
//! gzipped, a queue that stays down) is reported back as a [`DlqError`], so
//! its record is failed back instead of being lost.

use std::time::Duration;

use base64::Engine as _;
use serde_json::value::RawValue;

use crate::ship::Undelivered;
use crate::ship::retry::RetryPolicy;

pub mod message;

use message::BASE64;
pub use message::{
    Checked, DeadDoc, GZIP_PREFIX, Kind, Message, MessageError, Source, VERSION, parse, read,
};

/// The DLQ writer.
#[derive(Debug, Clone)]
pub struct DeadLetterQueue {
    client: aws_sdk_sqs::Client,
    url: String,
    max_message_bytes: usize,
}

/// What one source record leaves to the dead-letter queue.
#[derive(Debug)]
pub struct Letter<'a> {
    /// Where it came from.
    pub source: Source,
    /// What to write.
    pub content: Content<'a>,
}

/// The content of a [`Letter`].
#[derive(Debug)]
pub enum Content<'a> {
    /// Documents that could not be delivered (any reasons; one message per reason).
    Documents(Vec<Undelivered>),
    /// A record that could not be decoded, as it came.
    Undecodable {
        /// The record's data, base64.
        data: &'a str,
        /// The decode error.
        error: String,
    },
}

/// What could not be written; names the record and the document, never a value.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DlqError {
    /// An undecodable record's data is larger than a message.
    #[error(
        "record {sequence_number}: undecodable data is larger than a DLQ message ({limit} bytes)"
    )]
    DataTooLarge {
        /// The record's sequence number.
        sequence_number: String,
        /// The message size limit.
        limit: usize,
    },
    /// A document is larger than a message, even gzipped.
    #[error("record {sequence_number}: document {id} is larger than a DLQ message ({limit} bytes)")]
    DocumentTooLarge {
        /// The record's sequence number.
        sequence_number: String,
        /// The document's id.
        id: String,
        /// The message size limit.
        limit: usize,
    },
    /// SQS did not take the message.
    #[error(
        "dead-letter queue write failed after {attempts} attempts ({documents} documents of record {sequence_number}): {detail}"
    )]
    Write {
        /// The record's sequence number.
        sequence_number: String,
        /// Documents in the message (0 for an undecodable record).
        documents: u64,
        /// Attempts made.
        attempts: u32,
        /// The SQS error or the refused entry's code and message.
        detail: String,
    },
}

/// What was written, per letter in the order given.
#[derive(Debug, Default)]
pub struct Written {
    /// Documents written of each letter (for an undecodable record: 1 when its data was written).
    pub per_letter: Vec<u64>,
    /// What could not be written.
    pub errors: Vec<DlqError>,
}

impl Written {
    /// Documents written of letter `i` (or 1 for an undecodable record written).
    pub fn of(&self, i: usize) -> u64 {
        self.per_letter.get(i).copied().unwrap_or(0)
    }
}

struct Outgoing<'s> {
    letter: usize,
    source: &'s Source,
    docs: u64,
    raw: bool,
    body: String,
}

/// How the entries SQS refused are retried: four attempts in all, waits of
/// up to 400, 800 and 1,600 ms, jittered as the shipper's own are.
const RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base: Duration::from_millis(400),
    max: Duration::from_millis(1600),
    max_retry_after: Duration::ZERO,
};

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

    /// Writes the letters; `destination` names where their documents were going.
    pub async fn send(&self, destination: &str, letters: Vec<Letter<'_>>) -> Written {
        let mut written = Written {
            per_letter: vec![0; letters.len()],
            errors: Vec::new(),
        };
        let mut outgoing = Vec::new();
        for (i, letter) in letters.iter().enumerate() {
            match &letter.content {
                Content::Undecodable { data, error } => {
                    let msg: Message<&RawValue> = Message {
                        logship_dlq: VERSION,
                        kind: Kind::Undecodable,
                        reason: error.clone(),
                        destination: destination.to_owned(),
                        attempts: 0,
                        rejected: false,
                        source: letter.source.clone(),
                        documents: Vec::new(),
                        data: Some((*data).to_owned()),
                    };
                    match serde_json::to_string(&msg) {
                        Ok(body) if body.len() <= self.max_message_bytes => {
                            outgoing.push(Outgoing {
                                letter: i,
                                source: &letter.source,
                                docs: 0,
                                raw: true,
                                body,
                            })
                        }
                        _ => written.errors.push(DlqError::DataTooLarge {
                            sequence_number: letter.source.sequence_number.clone(),
                            limit: self.max_message_bytes,
                        }),
                    }
                }
                Content::Documents(docs) => self.pack_documents(
                    i,
                    &letter.source,
                    destination,
                    docs,
                    &mut outgoing,
                    &mut written,
                ),
            }
        }
        self.write(outgoing, &mut written).await;
        written
    }

    /// Groups a letter's documents by reason into messages under the size limit.
    fn pack_documents<'s>(
        &self,
        letter: usize,
        source: &'s Source,
        destination: &str,
        docs: &[Undelivered],
        outgoing: &mut Vec<Outgoing<'s>>,
        written: &mut Written,
    ) {
        let mut order: Vec<&Undelivered> = docs.iter().collect();
        order.sort_by(|a, b| a.reason.cmp(&b.reason));
        let mut rest = order.as_slice();
        while let Some(first) = rest.first() {
            let same = rest.iter().take_while(|u| u.reason == first.reason).count();
            let (group, tail) = rest.split_at(same);
            rest = tail;
            let mut start = 0;
            while start < group.len() {
                // Exact size arithmetic: a document element is
                // `{"_id":"<id>","doc":<doc>}` plus a comma, and `,"_index":"<index>"` when routed.
                let header = self
                    .message(source, destination, &group[start..=start])
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
                let mut body = self.message(source, destination, &group[start..end]);
                while body
                    .as_ref()
                    .is_some_and(|b| b.len() > self.max_message_bytes)
                    && end > start + 1
                {
                    end -= 1;
                    body = self.message(source, destination, &group[start..end]);
                }
                match body.filter(|b| b.len() <= self.max_message_bytes) {
                    Some(body) => {
                        outgoing.push(Outgoing {
                            letter,
                            source,
                            docs: (end - start) as u64,
                            raw: false,
                            body,
                        });
                        start = end;
                    }
                    None => {
                        written.errors.push(DlqError::DocumentTooLarge {
                            sequence_number: source.sequence_number.clone(),
                            id: group[start].id.to_string(),
                            limit: self.max_message_bytes,
                        });
                        start += 1;
                    }
                }
            }
        }
    }

    /// The message for `docs`; a single document too large for a message on
    /// its own travels gzipped (see `GZIP_PREFIX`). The decision is made on the
    /// size SQS counts, after the escapes SQS needs, not on the document's size.
    fn message(&self, source: &Source, destination: &str, docs: &[&Undelivered]) -> Option<String> {
        let plain = self.render(source, destination, docs, false)?;
        if plain.len() <= self.max_message_bytes || docs.len() != 1 {
            return Some(plain);
        }
        self.render(source, destination, docs, true)
    }

    fn render(
        &self,
        source: &Source,
        destination: &str,
        docs: &[&Undelivered],
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
            reason: first.reason.to_string(),
            destination: destination.to_owned(),
            attempts: docs.iter().map(|d| d.attempts).max().unwrap_or(0),
            rejected: first.rejected,
            source: source.clone(),
            documents,
            data: None,
        };
        serde_json::to_string(&msg).ok().map(sqs_safe)
    }

    /// Sends messages in batches of up to 10 and the size limit. Entries SQS
    /// refused are retried; a failed call is not (the SDK retried it already).
    async fn write(&self, outgoing: Vec<Outgoing<'_>>, written: &mut Written) {
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
            let mut attempts = 0;
            while attempts < RETRY.max_attempts && !pending.is_empty() {
                attempts += 1;
                if attempts > 1 {
                    tokio::time::sleep(RETRY.backoff(attempts - 1, None)).await;
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
                            if !ok.contains(format!("m{i}").as_str()) {
                                return true;
                            }
                            if let Some(n) = written.per_letter.get_mut(m.letter) {
                                *n += if m.raw { 1 } else { m.docs };
                            }
                            false
                        });
                    }
                    Err(e) => {
                        last_error = aws_sdk_sqs::error::DisplayErrorContext(e).to_string();
                        break;
                    }
                }
            }
            for (_, m) in pending {
                written.errors.push(DlqError::Write {
                    sequence_number: m.source.sequence_number.clone(),
                    documents: m.docs,
                    attempts,
                    detail: last_error.clone(),
                });
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
            reason: std::sync::Arc::new(crate::ship::Reason::Failed(crate::ship::Failure::Item(
                "r".into(),
            ))),
            attempts: 1,
            rejected: true,
            index: None,
        };
        let body = dlq
            .message(&Source::default(), "elasticsearch", &[&u])
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
            reason: std::sync::Arc::new(crate::ship::Reason::Failed(crate::ship::Failure::Item(
                "r".into(),
            ))),
            attempts: 1,
            rejected: false,
            index: None,
        };
        let body = dlq
            .message(&Source::default(), "elasticsearch", &[&u])
            .expect("message");
        assert!(body.len() <= limit, "{}", body.len());
        assert_eq!(parse(&body).expect("parses").documents[0].doc.get(), doc);
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
            reason: std::sync::Arc::new(crate::ship::Reason::Failed(crate::ship::Failure::Item(
                "r".into(),
            ))),
            attempts: 1,
            rejected: false,
            index: index.map(str::to_owned),
        };
        let body = dlq
            .message(
                &Source::default(),
                "elasticsearch",
                &[&u("1", Some("functions-2026.11")), &u("2", None)],
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
