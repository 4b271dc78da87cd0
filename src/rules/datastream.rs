//! Data streams: each source to its own Elastic-style data stream
//! `logs-<dataset>-<namespace>`, the dataset of the line's shape or of its log
//! group (one home: [`crate::shape::dataset_for_group`]), so
//! Kibana shows one stream per source and fields of different sources never
//! fight over one mapping. Also the name checks Elasticsearch applies to index
//! and data stream names, used to validate rules before anything is sent.

pub(crate) use crate::shape::dataset_index;
pub use crate::shape::{DATASETS, dataset_for_group as dataset_for};

/// `logs-<dataset>-<namespace>`.
pub fn data_stream_name(dataset: &str, namespace: &str) -> String {
    format!("logs-{dataset}-{namespace}")
}

/// Checks a data stream namespace (`default`, `production`): what Elasticsearch
/// refuses in any index name, plus the naming scheme's own rules (no `-`, at
/// most 100 bytes). Returns the problem.
pub fn check_namespace(namespace: &str) -> Result<(), String> {
    if namespace.is_empty() {
        return Err("the namespace is empty".into());
    }
    if namespace.len() > 100 {
        return Err("the namespace is longer than 100 bytes".into());
    }
    if namespace.contains('-') {
        return Err(
            "a namespace cannot contain `-` (it separates the parts of logs-<dataset>-<namespace>)"
                .into(),
        );
    }
    if namespace.contains('%') {
        return Err(
            "a namespace takes no date placeholders (data streams roll over by themselves)".into(),
        );
    }
    check_chars(namespace, "the namespace")
}

/// Characters Elasticsearch refuses anywhere in an index or data stream name.
const FORBIDDEN: &[char] = &['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':'];

fn check_chars(name: &str, what: &str) -> Result<(), String> {
    if let Some(c) = name.chars().find(|c| c.is_uppercase()) {
        return Err(format!("{what} must be lower-case (`{c}`)"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| FORBIDDEN.contains(c) || c.is_control())
    {
        return Err(format!(
            "{what} cannot contain {}",
            match c {
                ' ' => "a space".to_owned(),
                c if c.is_control() => "a control character".to_owned(),
                c => format!("`{c}`"),
            }
        ));
    }
    Ok(())
}

/// Checks an index or data stream name pattern (`%Y`, `%m`, `%d` allowed) the
/// way Elasticsearch will check the rendered name: lower-case; none of
/// `\ / * ? " < > |`, space, `,`, `#`, `:`; not starting with `-`, `_` or `+`;
/// not `.` or `..`; at most 255 bytes once rendered. A name of the data stream
/// scheme (`logs-<dataset>-<namespace>`, which Elasticsearch's built-in
/// `logs-*-*` template turns into a data stream) must also follow that scheme:
/// no date placeholders, and dataset and namespace of at most 100 bytes.
pub fn check_index(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("the index name is empty".into());
    }
    let mut rendered_len = 0usize;
    let mut chars = pattern.char_indices();
    while let Some((_, c)) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some((_, 'Y')) => rendered_len += 4,
                Some((_, 'm' | 'd')) => rendered_len += 2,
                _ => {
                    return Err("`%` must start a date placeholder: %Y, %m or %d".into());
                }
            }
        } else {
            rendered_len += c.len_utf8();
        }
    }
    let bare = pattern
        .replace("%Y", "")
        .replace("%m", "")
        .replace("%d", "");
    check_chars(&bare, "an index name")?;
    if pattern.starts_with(['-', '_', '+']) {
        return Err("an index name cannot start with `-`, `_` or `+`".into());
    }
    if pattern == "." || pattern == ".." {
        return Err("an index name cannot be `.` or `..`".into());
    }
    if rendered_len > 255 {
        return Err("the index name is longer than 255 bytes".into());
    }
    if let Some(rest) = pattern.strip_prefix("logs-")
        && let Some((dataset, namespace)) = rest.rsplit_once('-')
    {
        if pattern.contains('%') {
            return Err(
                "logs-<dataset>-<namespace> names a data stream (Elasticsearch's built-in logs-*-* template), which takes no date placeholders: data streams roll over by themselves".into(),
            );
        }
        if dataset.is_empty() || namespace.is_empty() {
            return Err("a data stream name is logs-<dataset>-<namespace>, both non-empty".into());
        }
        if dataset.contains('-') {
            return Err("the dataset of logs-<dataset>-<namespace> cannot contain `-`".into());
        }
        if dataset.len() > 100 || namespace.len() > 100 {
            return Err(
                "the dataset and the namespace of a data stream name are at most 100 bytes each"
                    .into(),
            );
        }
    }
    Ok(())
}

/// Writes the index name for an event at `timestamp_ms` (UTC), `%Y`, `%m` and
/// `%d` replaced by its date; anything else is copied. The one renderer of
/// index patterns: the encoder JSON-quotes what it writes for the
/// action lines, and [`IndexPattern::render`](super::IndexPattern::render) uses it.
pub fn write_index(pattern: &str, timestamp_ms: i64, out: &mut Vec<u8>) {
    if !pattern.contains('%') {
        out.extend_from_slice(pattern.as_bytes());
        return;
    }
    let mut date = Vec::with_capacity(24);
    crate::time::write_rfc3339_ms(timestamp_ms, &mut date);
    let part = |r: std::ops::Range<usize>| date.get(r).unwrap_or_default();
    let mut rest = pattern.as_bytes();
    while let Some(at) = rest.iter().position(|b| *b == b'%') {
        let (head, tail) = rest.split_at(at);
        out.extend_from_slice(head);
        let field = match tail.get(1) {
            Some(b'Y') => Some(part(0..4)),
            Some(b'm') => Some(part(5..7)),
            Some(b'd') => Some(part(8..10)),
            _ => None,
        };
        match field {
            Some(f) => {
                out.extend_from_slice(f);
                rest = tail.get(2..).unwrap_or_default();
            }
            None => {
                out.push(b'%');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.extend_from_slice(rest);
}
