//! Masking a whole document: the line (its `message`, or `original` when the
//! message is only a part of it), the fields parsed from it and everything
//! derived from it, as one, so a value masked anywhere is masked everywhere.
//! A line the masker finds clean, with nothing else that could hide a secret,
//! costs one scan of the line and no field walk.

use std::borrow::Cow;

use serde_json::Value;

use super::{MaskCounts, Masker, TextPass};
use crate::document::Document;

/// Masks a document: the line (its `message`, or `original` when the message
/// is only a part of it), the fields parsed from it and everything derived
/// from it, adding to `counts` per rule family; returns the number of values
/// masked. All of it is masked as one: a value masked anywhere is masked
/// everywhere, and each secret counts once even when it shows in the text and
/// in a field.
pub fn mask_document(masker: &Masker, doc: &mut Document, counts: &mut MaskCounts) -> u64 {
    if !masker.enabled() {
        return 0;
    }
    let before = counts.total();
    // A clean line: masking it with its fields would change nothing, so the
    // tree is not made (the general path below gives the same document).
    // The line is scanned once: a dirty line's pass is used again below.
    let raw = doc.original.as_deref().unwrap_or(&doc.message);
    let pass = if doc.outside_fields {
        None
    } else {
        masker.line_pass(raw)
    };
    if !pass.as_ref().is_some_and(TextPass::is_clean) {
        mask_line_and_fields(masker, doc, counts, pass);
    }
    mask_derived(masker, doc, counts);
    counts.total() - before
}

/// [`mask_document`] without the clean-line shortcut: the tests hold the two equal.
#[cfg(test)]
pub(crate) fn mask_document_general(
    masker: &Masker,
    doc: &mut Document,
    counts: &mut MaskCounts,
) -> u64 {
    let before = counts.total();
    if masker.enabled() {
        mask_line_and_fields(masker, doc, counts, None);
        mask_derived(masker, doc, counts);
    }
    counts.total() - before
}

/// The line and the tree of its fields, masked as one; `pass` is the text
/// pass over the line when it was made already ([`Masker::line_pass`]).
fn mask_line_and_fields(
    masker: &Masker,
    doc: &mut Document,
    counts: &mut MaskCounts,
    pass: Option<TextPass>,
) {
    doc.materialize_ecs();
    // Where the message sits in the line, when it is a slice of it: its
    // masked form is then cut from the masked line, at no extra cost.
    let slice = doc
        .original
        .as_deref()
        .and_then(|line| slice_of(line, &doc.message));
    let own_message = doc.original.is_some() && slice.is_none();
    let mut tree = derived_tree(doc, own_message);
    let raw = doc.original.as_deref().unwrap_or(&doc.message);
    // Fields from outside the line (extracted fields) are read in full: the
    // line cannot say whether they hold a secret.
    let masked = match (tree.as_mut(), pass) {
        (Some(tree), _) if doc.outside_fields => masker.mask_message_and_outside(raw, tree, counts),
        (tree, Some(pass)) => masker.mask_message_passed(raw, tree, counts, pass),
        (tree, None) => masker.mask_message_counted(raw, tree, counts),
    };
    let masked_line = match masked {
        Cow::Owned(masked) => Some(masked),
        Cow::Borrowed(_) => None,
    };
    let mut redo = false;
    if let (Some(masked), Some(line)) = (&masked_line, doc.original.as_deref()) {
        match slice.and_then(|(a, b)| cut_like(line, masked, a, b)) {
            Some(message) => doc.message = Cow::Owned(message.to_owned()),
            // Masking reached past the message in the line: mask the message
            // with the line again (counted once already).
            None => redo = slice.is_some(),
        }
    }
    if redo {
        put_back(doc, tree.take());
        tree = derived_tree(doc, true);
        if let Some(line) = doc.original.as_deref() {
            let _ = masker.mask_message_counted(line, tree.as_mut(), &mut MaskCounts::default());
        }
    }
    if let Some(masked) = masked_line {
        match doc.original {
            Some(_) => doc.original = Some(Cow::Owned(masked)),
            None => doc.message = Cow::Owned(masked),
        }
    }
    put_back(doc, tree);
}

/// What is derived from the line (request id, level, logger, version).
fn mask_derived(masker: &Masker, doc: &mut Document, counts: &mut MaskCounts) {
    let version = match &mut doc.lambda {
        crate::document::LambdaLine::Start { version } => version.as_mut(),
        _ => None,
    };
    if let Some(v) = version
        && let Cow::Owned(masked) = masker.mask_text_counted(v, counts)
    {
        *v = masked;
    }
    for derived in [
        doc.request_id.as_mut(),
        doc.level.as_mut(),
        doc.logger.as_mut(),
    ]
    .into_iter()
    .flatten()
    {
        if let Cow::Owned(masked) = masker.mask_text_counted(derived, counts) {
            *derived = Cow::Owned(masked);
        }
    }
}

/// The document's parsed and derived fields as one tree for the masker
/// (`f`: the line's own fields, `e`: the ECS fields, `m`: the message when
/// `with_message`, `r` and `g`: the request id and the logger read from the
/// line), taken out of the document; None when it has none.
fn derived_tree(doc: &mut Document, with_message: bool) -> Option<Value> {
    if doc.fields.is_none()
        && doc.ecs.is_none()
        && doc.request_id.is_none()
        && doc.logger.is_none()
        && !with_message
    {
        return None;
    }
    let mut tree = serde_json::Map::new();
    for (key, derived) in [("r", &doc.request_id), ("g", &doc.logger)] {
        if let Some(value) = derived {
            tree.insert(key.to_owned(), Value::String(value.to_string()));
        }
    }
    if let Some(fields) = doc.fields.as_mut() {
        tree.insert("f".to_owned(), Value::Object(std::mem::take(fields)));
    }
    if let Some(ecs) = doc.ecs.as_mut() {
        tree.insert("e".to_owned(), Value::Object(std::mem::take(ecs)));
    }
    if with_message {
        tree.insert("m".to_owned(), Value::String(doc.message.to_string()));
    }
    Some(Value::Object(tree))
}

/// Puts what [`derived_tree`] took back into the document.
fn put_back(doc: &mut Document, tree: Option<Value>) {
    let Some(Value::Object(mut tree)) = tree else {
        return;
    };
    if let (Some(fields), Some(Value::Object(f))) = (doc.fields.as_mut(), tree.remove("f")) {
        *fields = f;
    }
    if let (Some(ecs), Some(Value::Object(e))) = (doc.ecs.as_mut(), tree.remove("e")) {
        *ecs = e;
    }
    if let Some(Value::String(m)) = tree.remove("m")
        && m != *doc.message
    {
        doc.message = Cow::Owned(m);
    }
    for (key, derived) in [("r", &mut doc.request_id), ("g", &mut doc.logger)] {
        if let (Some(Value::String(masked)), Some(value)) = (tree.remove(key), derived.as_mut())
            && masked != **value
        {
            *value = Cow::Owned(masked);
        }
    }
}

/// Byte range of `part` inside `whole`, when `part` is a slice of it.
fn slice_of(whole: &str, part: &str) -> Option<(usize, usize)> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= whole.len()).then_some((start, end))
}

/// The part of `masked` (the masked `line`) that stands where `line[a..b]`
/// stood, when masking left everything before `a` and after `b` unchanged.
fn cut_like<'m>(line: &str, masked: &'m str, a: usize, b: usize) -> Option<&'m str> {
    let head = line.get(..a)?;
    let tail = line.get(b..)?;
    if masked.len() < head.len() + tail.len()
        || !masked.starts_with(head)
        || !masked.ends_with(tail)
    {
        return None;
    }
    masked.get(head.len()..masked.len() - tail.len())
}
