//! Document ids: deterministic, from the log group, the log stream and the
//! CloudWatch event id, so a retry or a redrive of the same event never makes
//! a second document (Elasticsearch answers `409` to a `create` of an id it has).

use std::cell::RefCell;

use base64::Engine as _;
use ring::digest::{Context, SHA256};

/// The deterministic document id: 24 characters of URL-safe base64 of
/// SHA-256(log group, log stream, event id).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId([u8; 24]);

impl DocId {
    /// Computes the id of an event.
    pub fn new(log_group: &str, log_stream: &str, event_id: &str) -> DocId {
        IdHasher::new(log_group, log_stream).id(event_id)
    }

    /// An id read back (from a DLQ message): exactly 24 URL-safe base64 characters.
    pub fn parse(text: &str) -> Option<DocId> {
        let bytes: [u8; 24] = text.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .then_some(DocId(bytes))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The id hash with a record's log group and log stream already taken in, so
/// each event of the record hashes only its own id.
///
/// SHA-256 is ring's: its assembly (SHA-NI, AVX or SSSE3, picked at run
/// time) hashes an id in about half the time of `sha2`'s portable code on CPUs
/// without SHA-NI; the digest is the same.
///
/// When the shared part leaves so little room in its last block that only
/// the first digits of an event id complete it, those digits are the same
/// for the events of a record (CloudWatch ids start with the time): the
/// state after that block is kept and reused while they stay the same, and
/// each of those events hashes one block instead of two. SHA-256 reads its
/// input as a stream, so the digest is the same whichever way it is split.
#[derive(Clone)]
pub struct IdHasher {
    base: Context,
    /// Bytes of an event's input (length, then id) that complete `base`'s
    /// last block.
    head: usize,
    /// The state after the block completed by (id length, first id bytes).
    done: RefCell<Option<Done>>,
}

#[derive(Clone)]
struct Done {
    id_len: usize,
    id_head: Vec<u8>,
    state: Context,
}

const LEN_BYTES: usize = 8;
const BLOCK: usize = 64;
/// The most id digits worth keeping a block's state for: further in, ids
/// of one record differ (the time's milliseconds, then a sequence).
const MAX_SHARED_DIGITS: usize = 16;

impl IdHasher {
    /// Hashes the parts every event of a record shares.
    pub fn new(log_group: &str, log_stream: &str) -> IdHasher {
        let mut h = Context::new(&SHA256);
        let mut taken = 0;
        for part in [log_group, log_stream] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
            taken += LEN_BYTES + part.len();
        }
        IdHasher {
            base: h,
            head: BLOCK - taken % BLOCK,
            done: RefCell::new(None),
        }
    }

    /// The id of one event: SHA-256(len, group, len, stream, len, event id).
    pub fn id(&self, event_id: &str) -> DocId {
        let len = (event_id.len() as u64).to_le_bytes();
        let id = event_id.as_bytes();
        let digest = match self
            .head
            .checked_sub(LEN_BYTES)
            .filter(|k| *k <= MAX_SHARED_DIGITS)
            .and_then(|k| Some((id.get(..k)?, id.get(k..)?)))
        {
            // The length and the first id bytes complete the block: its
            // state is the one kept when they are the same.
            Some((first, rest)) => {
                let mut done = self.done.borrow_mut();
                let mut h = match done.as_mut() {
                    Some(d) if d.id_len == id.len() && d.id_head == first => d.state.clone(),
                    kept => {
                        let mut h = self.base.clone();
                        h.update(&len);
                        h.update(first);
                        match kept {
                            Some(d) => {
                                d.id_len = id.len();
                                d.id_head.clear();
                                d.id_head.extend_from_slice(first);
                                d.state = h.clone();
                            }
                            None => {
                                *done = Some(Done {
                                    id_len: id.len(),
                                    id_head: first.to_vec(),
                                    state: h.clone(),
                                })
                            }
                        }
                        h
                    }
                };
                h.update(rest);
                h.finish()
            }
            None => {
                let mut h = self.base.clone();
                h.update(&len);
                h.update(id);
                h.finish()
            }
        };
        let mut out = [0u8; 24];
        // 18 bytes encode to exactly 24 characters (SHA-256 gives 32).
        let head = digest.as_ref().get(..18).unwrap_or_default();
        let _ = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_slice(head, &mut out);
        DocId(out)
    }
}

impl std::fmt::Debug for IdHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdHasher")
    }
}

impl std::fmt::Debug for DocId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for DocId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};

    use super::{DocId, IdHasher};

    /// The formula itself, hashed in one go by another SHA-256.
    fn reference(group: &str, stream: &str, id: &str) -> String {
        let mut h = Sha256::new();
        for part in [group, stream, id] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let digest = h.finalize();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18])
    }

    #[test]
    fn ids_are_the_formula_however_the_blocks_fall() {
        let ids = [
            "37012345678901234567890123456789012345678901234567890100",
            "37012345678901234567890123456789012345678901234567890101",
            "37012345678901234567890123456789012345678901234567890102",
            "37099999999999999999999999999999999999999999999999999999",
            "37012345678901234567890123456789012345678901234567890103",
            "1",
            "",
            "370123456789012",
            "3701234567890123",
            "37012345678901234",
            "é漢🎉",
        ];
        // Every place the shared part can end in its last block.
        for group_len in 0..70 {
            let group = "g".repeat(group_len);
            let stream = "2024/01/01/[$LATEST]abc";
            let hasher = IdHasher::new(&group, stream);
            for round in 0..2 {
                for id in ids {
                    assert_eq!(
                        hasher.id(id).as_str(),
                        reference(&group, stream, id),
                        "group of {group_len}, round {round}, id {id:?}"
                    );
                    assert_eq!(hasher.id(id), DocId::new(&group, stream, id));
                }
            }
        }
    }
}
