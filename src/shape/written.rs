//! ECS fields written as JSON when the line is read: the typed shapes (VPC
//! flow records) write their fields straight from the slices of the line into
//! the JSON pieces the document writer copies, with no `serde_json` tree per
//! line. The tree ([`EcsJson::map`]) is made only when something asks for it
//! (a rule reading a field, masking that found something in the line, a
//! subscription's extracted fields to merge), by reading those pieces back:
//! it is the tree the pieces were written from, key for key.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::json::{write_str, write_value};

/// A shape's ECS fields as JSON pieces, in the order the document writes them.
///
/// Each piece is a run of `,"key":value` members (sorted by key, as a
/// `serde_json::Map` iterates): the members of the document's `event`
/// object, of its `aws` object, and its top-level members. The pieces never
/// hold a key the document writes itself (`event.id`, `aws.cloudwatch`,
/// `aws.lambda`) nor a top-level key the document owns.
#[derive(Debug, Clone, Default)]
pub struct EcsJson {
    buf: Vec<u8>,
    /// `buf[..event_end]`: members of `event`.
    event_end: usize,
    /// `buf[event_end..aws_end]`: members of `aws`; the rest: top-level members.
    aws_end: usize,
    /// The tree, once asked for.
    map: OnceLock<Map<String, Value>>,
}

impl PartialEq for EcsJson {
    fn eq(&self, other: &EcsJson) -> bool {
        self.buf == other.buf && self.event_end == other.event_end && self.aws_end == other.aws_end
    }
}

impl EcsJson {
    /// The pieces the document writer makes of a tree (for the tests that
    /// hold the pieces written directly to them).
    #[cfg(test)]
    pub(crate) fn from_tree(map: &Map<String, Value>) -> EcsJson {
        let mut buf = Vec::new();
        let members = |buf: &mut Vec<u8>, m: Option<&Value>| {
            for (k, v) in m.and_then(Value::as_object).into_iter().flatten() {
                buf.push(b',');
                write_str(k, buf);
                buf.push(b':');
                write_value(v, buf);
            }
        };
        members(&mut buf, map.get("event"));
        let event_end = buf.len();
        members(&mut buf, map.get("aws"));
        let aws_end = buf.len();
        for (k, v) in map {
            if k != "event" && k != "aws" {
                buf.push(b',');
                write_str(k, &mut buf);
                buf.push(b':');
                write_value(v, &mut buf);
            }
        }
        EcsJson {
            buf,
            event_end,
            aws_end,
            map: OnceLock::new(),
        }
    }

    /// The members of `event` (each with its leading comma).
    pub fn event(&self) -> &[u8] {
        self.buf.get(..self.event_end).unwrap_or_default()
    }

    /// The members of `aws` (each with its leading comma).
    pub fn aws(&self) -> &[u8] {
        self.buf
            .get(self.event_end..self.aws_end)
            .unwrap_or_default()
    }

    /// The top-level members (each with its leading comma).
    pub fn top(&self) -> &[u8] {
        self.buf.get(self.aws_end..).unwrap_or_default()
    }

    /// Whether there is no field at all.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The fields as the tree of nested objects the pieces were written from
    /// (read once, then kept).
    pub fn map(&self) -> &Map<String, Value> {
        self.map.get_or_init(|| self.read())
    }

    /// [`EcsJson::map`], taken.
    pub fn into_map(mut self) -> Map<String, Value> {
        match self.map.take() {
            Some(map) => map,
            None => self.read(),
        }
    }

    fn read(&self) -> Map<String, Value> {
        let mut text = Vec::with_capacity(self.buf.len() + 32);
        text.push(b'{');
        for (name, members) in [(&b"event"[..], self.event()), (b"aws", self.aws())] {
            if let Some(rest) = members.strip_prefix(b",") {
                text.extend_from_slice(b",\"");
                text.extend_from_slice(name);
                text.extend_from_slice(b"\":{");
                text.extend_from_slice(rest);
                text.push(b'}');
            }
        }
        text.extend_from_slice(self.top());
        // The first member's comma follows the opening brace.
        if text.get(1) == Some(&b',') {
            text.remove(1);
        }
        text.push(b'}');
        serde_json::from_slice(&text).unwrap_or_default()
    }
}

/// Writes an [`EcsJson`]: the `event` members, then the `aws` members, then
/// the top-level ones, each part in key order.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    json: EcsJson,
    /// Part: 0 event, 1 aws, 2 top level.
    part: u8,
    /// An object opened with [`Writer::open`] and no member yet.
    fresh: bool,
    depth: u8,
}

impl Writer {
    pub(crate) fn with_capacity(n: usize) -> Writer {
        Writer {
            json: EcsJson {
                buf: Vec::with_capacity(n),
                ..EcsJson::default()
            },
            ..Writer::default()
        }
    }

    /// Ends the `event` members: what follows is `aws`'s.
    pub(crate) fn end_event(&mut self) {
        debug_assert!(self.part == 0 && self.depth == 0);
        self.json.event_end = self.json.buf.len();
        self.part = 1;
    }

    /// Ends the `aws` members: what follows is top level.
    pub(crate) fn end_aws(&mut self) {
        debug_assert!(self.part == 1 && self.depth == 0);
        self.json.aws_end = self.json.buf.len();
        self.part = 2;
    }

    /// `,"key":` (or `"key":` as the first member of an object).
    pub(crate) fn key(&mut self, key: &str) {
        if !self.fresh {
            self.json.buf.push(b',');
        }
        self.fresh = false;
        let buf = &mut self.json.buf;
        // Keys are short and almost always plain: copied as they are.
        if key.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
            buf.push(b'"');
            buf.extend_from_slice(key.as_bytes());
            buf.extend_from_slice(b"\":");
        } else {
            write_str(key, buf);
            buf.push(b':');
        }
    }

    /// A member holding a string.
    pub(crate) fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        write_str(value, &mut self.json.buf);
    }

    /// A member holding a whole number, or `null` when it is none.
    pub(crate) fn uint(&mut self, key: &str, value: Option<u64>) {
        self.key(key);
        match value {
            Some(n) => self
                .json
                .buf
                .extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
            None => self.json.buf.extend_from_slice(b"null"),
        }
    }

    /// The buffer itself, after [`Writer::key`], for a value written in place.
    pub(crate) fn out(&mut self) -> &mut Vec<u8> {
        &mut self.json.buf
    }

    /// Opens an object member: its members follow, then [`Writer::close`].
    pub(crate) fn open(&mut self, key: &str) {
        self.key(key);
        self.json.buf.push(b'{');
        self.fresh = true;
        self.depth += 1;
    }

    pub(crate) fn close(&mut self) {
        self.json.buf.push(b'}');
        self.fresh = false;
        self.depth = self.depth.saturating_sub(1);
    }

    pub(crate) fn finish(mut self) -> EcsJson {
        debug_assert!(self.depth == 0);
        if self.part < 1 {
            self.end_event();
        }
        if self.part < 2 {
            self.end_aws();
        }
        self.json
    }
}

/// A value of [`Fields`]: borrowed from the parsed line, or made.
#[derive(Debug)]
pub(crate) enum Val<'v> {
    /// A value of the parsed line.
    Ref(&'v Value),
    /// A string (a part of one of the line's values, or a constant).
    Str(&'v str),
    /// A number or another value made from the line's.
    Own(Value),
}

/// ECS fields set one by one by their path (objects, then the key), each
/// path once; then written as an [`EcsJson`] in
/// the tree's key order, without making the tree.
#[derive(Debug, Default)]
pub(crate) struct Fields<'v> {
    /// Each item with its [`Rank`], which orders most pairs without comparing names.
    items: Vec<(Rank, Item<'v>)>,
    /// A key holds a zero byte: ranks are not used (they could then order
    /// two paths otherwise than [`cmp_path`]).
    zero: bool,
}

impl<'v> Fields<'v> {
    pub(crate) fn with_capacity(n: usize) -> Fields<'v> {
        Fields {
            items: Vec::with_capacity(n),
            zero: false,
        }
    }

    /// Sets `objects.key` (`objects` never empty, never a path another
    /// field's key ends).
    pub(crate) fn put(
        &mut self,
        objects: &'static [&'static str],
        key: impl Into<Cow<'v, str>>,
        value: Val<'v>,
    ) {
        let key = key.into();
        self.zero |= key.as_bytes().contains(&0);
        self.items
            .push((rank(objects, &key), (objects, key, value)));
    }

    /// The fields as JSON: `event.*` members, `aws.*` members, then the
    /// other top-level objects, each in key order. None when a number would
    /// not read back as the same number ([`EcsJson::map`] would differ from
    /// the tree), or when a path was set twice: the caller then makes the
    /// tree.
    pub(crate) fn write(mut self, capacity: usize) -> Option<EcsJson> {
        let exact = |v: &Val<'_>| match v {
            Val::Ref(v) => reads_back(v),
            Val::Own(v) => reads_back(v),
            Val::Str(_) => true,
        };
        if !self.items.iter().all(|(_, (_, _, v))| exact(v)) {
            return None;
        }
        if self.zero {
            for (r, _) in &mut self.items {
                *r = (0, 0);
            }
        }
        // Ranks order the
        // items as their paths do, except where they tie.
        self.items
            .sort_by(|(ra, a), (rb, b)| ra.cmp(rb).then_with(|| cmp_path(a, b)));
        let mut w = Writer::with_capacity(capacity);
        for part in 0..3 {
            let mut open: &[&str] = &[];
            for (i, (rank, item)) in self.items.iter().enumerate() {
                let (objects, key, value) = item;
                let head = objects.first().copied().unwrap_or_default();
                let in_part = match part {
                    0 => head == "event",
                    1 => head == "aws",
                    _ => head != "event" && head != "aws",
                };
                if !in_part {
                    continue;
                }
                // A path set twice (two keys of the line naming one field):
                // the caller makes the tree, which keeps both (asked only of
                // the part's own items: each item once, not once per part).
                let twice = self
                    .items
                    .get(i + 1)
                    .is_some_and(|(r, next)| r == rank && cmp_path(next, item).is_eq());
                if twice {
                    return None;
                }
                let objects = if part < 2 {
                    objects.get(1..).unwrap_or_default()
                } else {
                    objects
                };
                let common = open
                    .iter()
                    .zip(objects.iter())
                    .take_while(|(a, b)| std::ptr::eq(*a, *b) || a == b)
                    .count();
                for _ in common..open.len() {
                    w.close();
                }
                for name in objects.get(common..).unwrap_or_default() {
                    w.open(name);
                }
                open = objects;
                w.key(key);
                match value {
                    Val::Ref(v) => write_value(v, w.out()),
                    Val::Str(s) => write_str(s, w.out()),
                    Val::Own(v) => write_value(v, w.out()),
                }
            }
            for _ in 0..open.len() {
                w.close();
            }
            match part {
                0 => w.end_event(),
                1 => w.end_aws(),
                _ => {}
            }
        }
        Some(w.finish())
    }
}

type Item<'v> = (&'static [&'static str], Cow<'v, str>, Val<'v>);

/// The first 32 bytes of a path's names and key, each ended by a zero byte,
/// as two big-endian numbers: names hold no zero byte, so two paths whose
/// ranks differ compare as their ranks do ([`cmp_path`] is asked only on a
/// tie), and most pairs are ordered without comparing strings.
type Rank = (u128, u128);

fn rank(objects: &[&str], key: &str) -> Rank {
    let mut buf = [0u8; 32];
    let mut n = 0;
    for part in objects.iter().copied().chain([key]) {
        let part = part.as_bytes();
        let take = part.len().min(buf.len() - n);
        if let (Some(to), Some(from)) = (buf.get_mut(n..n + take), part.get(..take)) {
            to.copy_from_slice(from);
        }
        // The separator: the zero already there.
        n += take + 1;
        if n >= buf.len() {
            break;
        }
    }
    let (hi, lo) = buf.split_at(16);
    let word = |b: &[u8]| u128::from_be_bytes(b.try_into().unwrap_or([0; 16]));
    (word(hi), word(lo))
}

/// Paths in a tree's key order: object by object, then the key (as the
/// objects and the key one after the other compare).
fn cmp_path(a: &Item<'_>, b: &Item<'_>) -> Ordering {
    let (ao, bo) = (a.0, b.0);
    if std::ptr::eq(ao, bo) {
        return a.1.cmp(&b.1);
    }
    let n = ao.len().min(bo.len());
    let (Some(ah), Some(bh)) = (ao.get(..n), bo.get(..n)) else {
        return Ordering::Equal;
    };
    // Object names are mostly the same constants: equal by address before
    // their bytes are compared.
    for (x, y) in ah.iter().zip(bh) {
        if std::ptr::eq(*x, *y) {
            continue;
        }
        match x.cmp(y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    match (ao.get(n), bo.get(n)) {
        (None, None) => a.1.cmp(&b.1),
        // One path's key against the other's next object: a tie (never
        // seen: no key is also an object) puts the shorter path first.
        (None, Some(next)) => a.1.as_ref().cmp(next).then(Ordering::Less),
        (Some(next), None) => (*next).cmp(b.1.as_ref()).then(Ordering::Greater),
        (Some(_), Some(_)) => Ordering::Equal,
    }
}

/// Whether `v`, written as JSON and read back, is `v` again: serde_json
/// reads some long fractions one unit off in their last place.
fn reads_back(v: &Value) -> bool {
    match v {
        Value::Number(n) if n.is_f64() => {
            // A whole number below 2^53 is written `N.0` and read back exactly.
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0)
            {
                return true;
            }
            let text = n.to_string();
            serde_json::from_str::<Value>(&text).is_ok_and(|back| back == *v)
        }
        Value::Array(items) => items.iter().all(reads_back),
        Value::Object(map) => map.values().all(reads_back),
        _ => true,
    }
}
