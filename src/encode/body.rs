//! A request body and what is in it: the NDJSON bytes and, for every
//! document, the record it came from and where its lines are, so the ship
//! stage can resend a subset (items a bulk response asked to retry, or halves
//! after a 413) and dead-letter single documents.

use std::ops::Range;

use crate::document::DocId;

/// One document of a body.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where the document came from, a number the caller chose when it
    /// pushed it: the Kinesis record's index in the batch for the pipeline,
    /// the document's position among those re-shipped for the redrive. Each
    /// document's fate is reported under it.
    pub record: u32,
    /// The document id.
    pub id: DocId,
    /// The item's lines in the body, action line included, newline-terminated.
    pub lines: Range<usize>,
    /// The document JSON alone (no newline).
    pub doc: Range<usize>,
    /// The `_bulk` action names an index of the document's own (a rule's or a
    /// data stream's) rather than the configured one: see [`Body::routed_index`].
    pub routed: bool,
}

/// A request body and what is in it.
#[derive(Debug, Clone, Default)]
pub struct Body {
    /// The NDJSON bytes.
    pub bytes: Vec<u8>,
    /// The documents, in order.
    pub items: Vec<Item>,
}

impl Body {
    /// The document JSON of item `i`.
    pub fn doc(&self, item: &Item) -> &[u8] {
        self.bytes.get(item.doc.clone()).unwrap_or_default()
    }

    /// The index a routed item's action line names (None for an item that
    /// goes to the configured index, and in the NDJSON formats). Read back
    /// from the body, so an item costs no more than a flag until it is
    /// dead-lettered: the DLQ message records it, and a redrive sends it there.
    pub fn routed_index(&self, item: &Item) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Action {
            create: Create,
        }
        #[derive(serde::Deserialize)]
        struct Create {
            #[serde(rename = "_index")]
            index: String,
        }
        if !item.routed {
            return None;
        }
        let action = self.bytes.get(item.lines.start..item.doc.start)?;
        serde_json::from_slice::<Action>(action)
            .ok()
            .map(|a| a.create.index)
    }

    /// A new body holding only the chosen items, in the same format.
    pub fn subset<'a>(&self, items: impl IntoIterator<Item = &'a Item>) -> Body {
        let mut out = Body::default();
        for item in items {
            let Some(lines) = self.bytes.get(item.lines.clone()) else {
                continue;
            };
            let start = out.bytes.len();
            out.bytes.extend_from_slice(lines);
            let shift = |r: &Range<usize>| {
                r.start - item.lines.start + start..r.end - item.lines.start + start
            };
            out.items.push(Item {
                record: item.record,
                id: item.id,
                lines: start..out.bytes.len(),
                doc: shift(&item.doc),
                routed: item.routed,
            });
        }
        out
    }

    /// Splits into two halves by items (for a 413); None when it holds one item.
    pub fn halves(&self) -> Option<(Body, Body)> {
        if self.items.len() < 2 {
            return None;
        }
        let (a, b) = self.items.split_at(self.items.len() / 2);
        Some((self.subset(a), self.subset(b)))
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// No documents.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
