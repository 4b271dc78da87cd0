//! Encode: documents into the request bodies a destination takes.
//!
//! Two formats: Elasticsearch/OpenSearch `_bulk` NDJSON (a `create` action with
//! `_index` and the deterministic `_id`, then the document) and plain NDJSON
//! (one document per line: the Logz.io listener's format, and the stdout format,
//! which puts `_id` first in each document). Bodies are cut by a byte limit and a
//! count limit. A document line over the line limit is re-written with its
//! message truncated and a visible marker (`logship.truncated: true`), never
//! dropped.
//!
//! A document may carry its own [`Target`] (a rule's index or data stream, a
//! Logz.io `type`): the `_bulk` action names that index (rendered once per
//! pattern and UTC day), and a Logz.io line gets a `type` field.
//!
//! A [`Body`] remembers, for every item, the record it came from and where its
//! lines are, so the ship stage can resend a subset (items a bulk response asked
//! to retry, or halves after a 413) and dead-letter single documents.
//!
//! Files: `mod.rs` the [`Encoder`] (formats, limits, action lines, cutting
//! bodies), `body.rs` the [`Body`], `line.rs` one document's line and its
//! truncation. Index names are rendered by [`crate::rules::write_index`].

mod body;
mod line;

pub use body::{Body, Item};

use crate::document::{DocId, Document, EnvelopeJson, LineOptions};
use crate::json::write_str;
use crate::rules::{IndexPattern, Target, write_index};

/// The shape of the lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Elasticsearch/OpenSearch `_bulk`: action line + document line.
    Bulk {
        /// The index name; `%Y`, `%m`, `%d` are replaced by the event's UTC date.
        index: String,
    },
    /// One document per line (Logz.io listener); `with_id` puts `_id` first (stdout).
    Ndjson {
        /// Whether each document starts with its `_id`.
        with_id: bool,
    },
}

/// Limits of one body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one body (uncompressed).
    pub max_body_bytes: usize,
    /// Documents in one body.
    pub max_docs: usize,
    /// Bytes of one document line; longer ones are truncated.
    pub max_line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 4 << 20,
            max_docs: 10_000,
            max_line_bytes: 500_000,
        }
    }
}

/// An index of a document's own: a rule's pattern, or a name already rendered
/// (read back from a DLQ message).
#[derive(Clone, Copy)]
enum Index<'a> {
    Pattern(&'a IndexPattern),
    Name(&'a str),
}

/// Builds bodies document by document.
#[derive(Debug)]
pub struct Encoder {
    format: Format,
    limits: Limits,
    body: Body,
    line: Vec<u8>,
    truncated: u64,
    /// The last rendered `_index` JSON string and the UTC day it is for.
    index_cache: Option<(i64, Vec<u8>)>,
    /// The same per rule index pattern ([`IndexPattern::id`]).
    pattern_cache: Vec<Option<(i64, Vec<u8>)>>,
    /// Write `event.original` (`LOGSHIP_KEEP_ORIGINAL`).
    keep_original: bool,
}

impl Encoder {
    /// An encoder for a format and limits.
    pub fn new(format: Format, limits: Limits) -> Self {
        Encoder {
            format,
            limits,
            body: Body::default(),
            line: Vec::new(),
            truncated: 0,
            index_cache: None,
            pattern_cache: Vec::new(),
            keep_original: false,
        }
    }

    /// Writes each document's line as it came as `event.original` when its
    /// `message` is only a part of it (`LOGSHIP_KEEP_ORIGINAL`).
    pub fn with_keep_original(mut self, keep: bool) -> Self {
        self.keep_original = keep;
        self
    }

    /// Sizes the per-pattern cache for a rule set's
    /// [`index_count`](crate::rules::RuleSet::index_count).
    pub fn with_index_count(mut self, patterns: usize) -> Self {
        self.pattern_cache = vec![None; patterns];
        self
    }

    /// Documents truncated so far.
    pub fn truncated(&self) -> u64 {
        self.truncated
    }

    /// Adds a document; returns the previous body when this one did not fit in it.
    pub fn push(&mut self, record: u32, doc: &Document, env: &EnvelopeJson) -> Option<Body> {
        self.push_to(record, doc, env, Target::default())
    }

    /// [`Encoder::push`] to a target: its index (`_bulk`) or its Logz.io type
    /// (NDJSON) when set, else as configured.
    pub fn push_to(
        &mut self,
        record: u32,
        doc: &Document,
        env: &EnvelopeJson,
        target: Target<'_>,
    ) -> Option<Body> {
        let with_id = matches!(self.format, Format::Ndjson { with_id: true });
        let log_type = match self.format {
            Format::Ndjson { .. } => target.logzio_type,
            Format::Bulk { .. } => None,
        };
        self.reserve();
        let start = self.body.bytes.len();
        let routed = self.write_action(doc.id, doc.timestamp_ms, target.index.map(Index::Pattern));
        let doc_start = self.body.bytes.len();
        let opts = LineOptions {
            with_id,
            max_message: None,
            log_type,
            keep_original: self.keep_original,
        };
        if line::write(
            doc,
            env,
            opts,
            self.limits.max_line_bytes,
            &mut self.body.bytes,
            &mut self.line,
        ) {
            self.truncated += 1;
        }
        self.close_item(record, doc.id, start, doc_start, routed)
    }

    /// Adds an already-encoded document (a redrive of a dead-lettered one), as is.
    /// `timestamp_ms` names the index for date patterns; `index`, when given,
    /// is the index the document was routed to, used as it is (`_bulk` only).
    pub fn push_encoded(
        &mut self,
        record: u32,
        id: DocId,
        doc_json: &[u8],
        timestamp_ms: i64,
        index: Option<&str>,
    ) -> Option<Body> {
        self.reserve();
        let start = self.body.bytes.len();
        let routed = self.write_action(id, timestamp_ms, index.map(Index::Name));
        let doc_start = self.body.bytes.len();
        self.body.bytes.extend_from_slice(doc_json);
        self.close_item(record, id, start, doc_start, routed)
    }

    fn reserve(&mut self) {
        if self.body.bytes.capacity() == 0 {
            self.body.bytes.reserve(self.limits.max_body_bytes + 4096);
        }
    }

    /// Writes the `_bulk` action line (nothing in the NDJSON formats); true
    /// when it names an index of the document's own.
    fn write_action(&mut self, id: DocId, timestamp_ms: i64, own: Option<Index<'_>>) -> bool {
        let Format::Bulk { index } = &self.format else {
            return false;
        };
        let routed = own.is_some();
        {
            // An index name is rendered once per pattern and UTC day, not per document.
            let day = timestamp_ms.div_euclid(86_400_000);
            let (cache, pattern) = match own {
                None => (&mut self.index_cache, index.as_str()),
                Some(Index::Name(name)) => {
                    let out = &mut self.body.bytes;
                    out.extend_from_slice(b"{\"create\":{\"_index\":");
                    write_str(name, out);
                    out.extend_from_slice(b",\"_id\":\"");
                    out.extend_from_slice(id.as_str().as_bytes());
                    out.extend_from_slice(b"\"}}\n");
                    return routed;
                }
                Some(Index::Pattern(p)) => {
                    if self.pattern_cache.len() <= p.id() {
                        self.pattern_cache.resize(p.id() + 1, None);
                    }
                    match self.pattern_cache.get_mut(p.id()) {
                        Some(slot) => (slot, p.as_str()),
                        None => (&mut self.index_cache, index.as_str()),
                    }
                }
            };
            if cache.as_ref().is_none_or(|(d, _)| *d != day) {
                let mut name = Vec::new();
                write_index(pattern, timestamp_ms, &mut name);
                let mut quoted = Vec::with_capacity(name.len() + 2);
                write_str(&String::from_utf8_lossy(&name), &mut quoted);
                *cache = Some((day, quoted));
            }
            let out = &mut self.body.bytes;
            out.extend_from_slice(b"{\"create\":{\"_index\":");
            if let Some((_, name)) = cache {
                out.extend_from_slice(name);
            }
            out.extend_from_slice(b",\"_id\":\"");
            out.extend_from_slice(id.as_str().as_bytes());
            out.extend_from_slice(b"\"}}\n");
        }
        routed
    }

    /// Ends the item just written at `start..`; when it overflows the body, it
    /// moves to a new body and the full one is returned.
    fn close_item(
        &mut self,
        record: u32,
        id: DocId,
        start: usize,
        doc_start: usize,
        routed: bool,
    ) -> Option<Body> {
        let doc_end = self.body.bytes.len();
        self.body.bytes.push(b'\n');
        let full = !self.body.items.is_empty()
            && (self.body.bytes.len() > self.limits.max_body_bytes
                || self.body.items.len() >= self.limits.max_docs);
        let (done, shift) = if full {
            let mut next = Vec::with_capacity(self.limits.max_body_bytes + 4096);
            next.extend_from_slice(self.body.bytes.get(start..).unwrap_or_default());
            self.body.bytes.truncate(start);
            let done = std::mem::replace(
                &mut self.body,
                Body {
                    bytes: next,
                    items: Vec::new(),
                },
            );
            (Some(done), start)
        } else {
            (None, 0)
        };
        self.body.items.push(Item {
            record,
            id,
            lines: start - shift..self.body.bytes.len(),
            doc: doc_start - shift..doc_end - shift,
            routed,
        });
        done
    }

    /// The body being built, if it holds anything.
    pub fn flush(&mut self) -> Option<Body> {
        (!self.body.is_empty()).then(|| std::mem::take(&mut self.body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::LogEvent;
    use crate::document::Envelope;
    use serde_json::Value;
    use std::borrow::Cow;

    const ENV: Envelope<'static> = Envelope {
        owner: "123456789012",
        log_group: "/ecs/web",
        log_stream: "web/1",
        region: "us-east-1",
    };

    fn doc(i: usize, message: &str) -> Document<'_> {
        Document::new(
            &ENV,
            LogEvent {
                id: Cow::Owned(i.to_string()),
                timestamp: 1_700_000_000_000,
                message: Cow::Owned(message.to_owned()),
                extracted_fields: None,
            },
            false,
        )
    }

    fn lines(body: &Body) -> Vec<Value> {
        body.bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("each line is JSON"))
            .collect()
    }

    #[test]
    fn bulk_has_create_actions_with_index_and_id() {
        let mut enc = Encoder::new(
            Format::Bulk {
                index: "logs-%Y.%m.%d".into(),
            },
            Limits::default(),
        );
        for i in 0..3 {
            assert!(enc.push(0, &doc(i, "m"), &ENV.json()).is_none());
        }
        let body = enc.flush().expect("a body");
        let l = lines(&body);
        assert_eq!(l.len(), 6);
        assert_eq!(l[0]["create"]["_index"], "logs-2023.11.14");
        assert_eq!(l[0]["create"]["_id"], doc(0, "m").id.as_str());
        assert_eq!(l[1]["message"], "m");
        assert!(l[1].get("_id").is_none());
        assert!(body.bytes.ends_with(b"\n"));
        let item = &body.items[1];
        let d: Value = serde_json::from_slice(body.doc(item)).expect("doc JSON");
        assert_eq!(d["event"]["id"], "1");
    }

    #[test]
    fn the_index_follows_each_documents_day() {
        let mut enc = Encoder::new(
            Format::Bulk {
                index: "logs-%Y.%m.%d".into(),
            },
            Limits::default(),
        );
        let mut late = doc(1, "m");
        late.timestamp_ms += 86_400_000;
        let mut early = doc(2, "m");
        early.timestamp_ms -= 86_400_000 * 40;
        for d in [doc(0, "m"), late, early, doc(3, "m")] {
            enc.push(0, &d, &ENV.json());
        }
        let body = enc.flush().expect("body");
        let names: Vec<Value> = lines(&body)
            .iter()
            .step_by(2)
            .map(|l| l["create"]["_index"].clone())
            .collect();
        assert_eq!(
            names,
            [
                "logs-2023.11.14",
                "logs-2023.11.15",
                "logs-2023.10.05",
                "logs-2023.11.14"
            ]
        );
    }

    #[test]
    fn rule_targets_name_the_index_or_the_logzio_type_per_document() {
        let rules = crate::rules::RuleSet::parse(
            r#"[{"match":{"log_group":"/vpc/*"},"action":"route","index":"logs-aws.vpcflow-default"},
                {"match":{"log_group":"/ecs/*"},"action":"route","index":"ecs-%Y.%m","logzio_type":"ecs"}]"#,
        )
        .expect("rules");
        let vpc = rules.for_record("/vpc/flow", "s").default_target();
        assert_eq!(vpc.index, None);
        let d = doc(0, "m");
        let vpc = rules.for_record("/vpc/flow", "s").decide(&d);
        let ecs = rules.for_record("/ecs/web", "s").decide(&d);
        let (
            crate::rules::Decision::Keep { target: vpc, .. },
            crate::rules::Decision::Keep { target: ecs, .. },
        ) = (vpc, ecs)
        else {
            panic!("kept");
        };
        let mut enc = Encoder::new(
            Format::Bulk {
                index: "logship-%Y".into(),
            },
            Limits::default(),
        )
        .with_index_count(rules.index_count());
        for t in [vpc, ecs, Target::default(), vpc, ecs] {
            enc.push_to(0, &d, &ENV.json(), t);
        }
        let body = enc.flush().expect("body");
        let names: Vec<Value> = lines(&body)
            .iter()
            .step_by(2)
            .map(|l| l["create"]["_index"].clone())
            .collect();
        assert_eq!(
            names,
            [
                "logs-aws.vpcflow-default",
                "ecs-2023.11",
                "logship-2023",
                "logs-aws.vpcflow-default",
                "ecs-2023.11"
            ]
        );
        assert!(lines(&body)[1].get("type").is_none());
        // A routed item's index is read back for the DLQ (in a subset too);
        // an item for the configured index has none.
        let indexes: Vec<Option<String>> =
            body.items.iter().map(|i| body.routed_index(i)).collect();
        assert_eq!(
            indexes,
            [
                Some("logs-aws.vpcflow-default".to_owned()),
                Some("ecs-2023.11".to_owned()),
                None,
                Some("logs-aws.vpcflow-default".to_owned()),
                Some("ecs-2023.11".to_owned()),
            ]
        );
        let part = body.subset(body.items.iter().skip(1));
        assert_eq!(
            part.routed_index(&part.items[0]).as_deref(),
            Some("ecs-2023.11")
        );
        assert_eq!(part.routed_index(&part.items[1]), None);
        let mut enc = Encoder::new(Format::Ndjson { with_id: false }, Limits::default());
        let json = Document::new(
            &ENV,
            LogEvent {
                id: Cow::Borrowed("9"),
                timestamp: 1_700_000_000_000,
                message: Cow::Borrowed(r#"{"type":"mine","a":1}"#),
                extracted_fields: None,
            },
            false,
        );
        enc.push_to(0, &json, &ENV.json(), ecs);
        enc.push_to(0, &json, &ENV.json(), vpc);
        let l = lines(&enc.flush().expect("body"));
        assert_eq!(l[0]["type"], "ecs");
        assert_eq!(l[0]["a"], 1);
        assert_eq!(l[1]["type"], "mine");
    }

    #[test]
    fn index_patterns_render_through_the_one_renderer() {
        let mut out = Vec::new();
        write_index("a-%Y.%m.%d-%%-%x", 1_700_000_000_000, &mut out);
        assert_eq!(out, b"a-2023.11.14-%%-%x");
        let rules = crate::rules::RuleSet::parse(
            r#"[{"match":{"log_group":"*"},"action":"route","index":"x-%Y.%m.%d"}]"#,
        )
        .expect("rules");
        let d = doc(0, "m");
        let crate::rules::Decision::Keep { target, .. } = rules.for_record("g", "s").decide(&d)
        else {
            panic!("kept");
        };
        assert_eq!(
            target.index.map(|p| p.render(1_700_000_000_000)).as_deref(),
            Some("x-2023.11.14")
        );
    }

    #[test]
    fn a_redriven_document_goes_to_its_recorded_index() {
        let d = doc(0, "m");
        let json = {
            let mut out = Vec::new();
            d.write_json_with(&ENV.json(), &mut out, false, None);
            out
        };
        let mut enc = Encoder::new(
            Format::Bulk {
                index: "logship-%Y".into(),
            },
            Limits::default(),
        );
        enc.push_encoded(0, d.id, &json, d.timestamp_ms, Some("functions-2023.11"));
        enc.push_encoded(1, d.id, &json, d.timestamp_ms, None);
        let body = enc.flush().expect("body");
        let l = lines(&body);
        assert_eq!(l[0]["create"]["_index"], "functions-2023.11");
        assert_eq!(l[2]["create"]["_index"], "logship-2023");
        assert_eq!(
            body.routed_index(&body.items[0]).as_deref(),
            Some("functions-2023.11")
        );
        assert_eq!(body.routed_index(&body.items[1]), None);
        // Logz.io lines have no action: the index is not theirs to keep.
        let mut enc = Encoder::new(Format::Ndjson { with_id: false }, Limits::default());
        enc.push_encoded(0, d.id, &json, d.timestamp_ms, Some("functions-2023.11"));
        let body = enc.flush().expect("body");
        assert_eq!(body.bytes, [json.as_slice(), b"\n"].concat());
        assert_eq!(body.routed_index(&body.items[0]), None);
    }

    #[test]
    fn splits_by_count_and_bytes() {
        let limits = Limits {
            max_body_bytes: 2_000,
            max_docs: 4,
            max_line_bytes: 10_000,
        };
        let mut enc = Encoder::new(Format::Ndjson { with_id: false }, limits);
        let mut bodies = Vec::new();
        for i in 0..10 {
            bodies.extend(enc.push(0, &doc(i, "short"), &ENV.json()));
        }
        bodies.extend(enc.flush());
        assert_eq!(
            bodies.iter().map(Body::len).collect::<Vec<_>>(),
            vec![4, 4, 2]
        );
        let mut enc = Encoder::new(Format::Ndjson { with_id: false }, limits);
        let mut bodies = Vec::new();
        for i in 0..10 {
            bodies.extend(enc.push(0, &doc(i, &"x".repeat(700)), &ENV.json()));
        }
        bodies.extend(enc.flush());
        assert!(bodies.iter().all(|b| b.bytes.len() <= 2_000));
        assert_eq!(bodies.iter().map(Body::len).sum::<usize>(), 10);
    }

    #[test]
    fn long_lines_are_truncated_not_dropped() {
        let limits = Limits {
            max_body_bytes: 10 << 20,
            max_docs: 100,
            max_line_bytes: 500_000,
        };
        let mut enc = Encoder::new(Format::Ndjson { with_id: true }, limits);
        let quotes = "\"\u{1}".repeat(400_000);
        for (i, m) in ["y".repeat(1 << 20), quotes].iter().enumerate() {
            assert!(enc.push(0, &doc(i, m), &ENV.json()).is_none());
        }
        let body = enc.flush().expect("body");
        for (item, v) in body.items.iter().zip(lines(&body)) {
            assert!(item.lines.len() <= 500_001);
            assert_eq!(v["logship"]["truncated"], true);
            assert_eq!(v["_id"], item.id.as_str());
        }
        assert_eq!(enc.truncated(), 2);
    }

    #[test]
    fn subset_and_halves_keep_items_consistent() {
        let mut enc = Encoder::new(Format::Bulk { index: "i".into() }, Limits::default());
        for i in 0..5 {
            enc.push(i as u32, &doc(i, &format!("m{i}")), &ENV.json());
        }
        let body = enc.flush().expect("body");
        let sub = body.subset([&body.items[1], &body.items[3]]);
        assert_eq!(sub.len(), 2);
        let l = lines(&sub);
        assert_eq!(l[1]["message"], "m1");
        assert_eq!(l[3]["message"], "m3");
        assert_eq!(sub.items[1].record, 3);
        let d: Value = serde_json::from_slice(sub.doc(&sub.items[1])).expect("doc");
        assert_eq!(d["message"], "m3");
        let (a, b) = body.halves().expect("two halves");
        assert_eq!((a.len(), b.len()), (2, 3));
        assert!(a.subset(&a.items[..1]).halves().is_none());
    }
}
