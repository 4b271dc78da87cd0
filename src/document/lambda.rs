//! Lambda's text log format: the `START`/`END`/`REPORT` platform lines and the
//! runtime's `TIMESTAMP\tREQUEST_ID\tLEVEL\tmessage` application lines (the
//! JSON log format is a shape: see [`crate::shape`]).

/// What a Lambda platform line says.
#[derive(Debug, Clone, PartialEq)]
pub enum LambdaLine {
    /// Not a platform line.
    None,
    /// `START RequestId: ... Version: ...`.
    Start {
        /// The function version.
        version: Option<String>,
    },
    /// `END RequestId: ...`.
    End,
    /// `REPORT RequestId: ...` with its numbers.
    Report(Report),
}

/// The numbers of a REPORT line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// `Duration: 102.25 ms`.
    pub duration_ms: Option<f64>,
    /// `Billed Duration: 103 ms`.
    pub billed_duration_ms: Option<f64>,
    /// `Memory Size: 128 MB`.
    pub memory_size_mb: Option<f64>,
    /// `Max Memory Used: 71 MB`.
    pub max_memory_used_mb: Option<f64>,
    /// `Init Duration: 250.12 ms` (cold starts only).
    pub init_duration_ms: Option<f64>,
    /// `Restore Duration: ... ms` (SnapStart).
    pub restore_duration_ms: Option<f64>,
    /// `Status: timeout` (or `error`): the invocation failed.
    pub status: Option<String>,
}

/// A `START`/`END`/`REPORT` line of the text format: its request id and
/// what it says; None for any other line.
pub(super) fn platform_line(msg: &str) -> Option<(&str, LambdaLine)> {
    // The request id is one word (`START RequestId: Version: 1` is no START line).
    platform_line_any(msg).filter(|(id, _)| is_request_id(id))
}

fn platform_line_any(msg: &str) -> Option<(&str, LambdaLine)> {
    if let Some(rest) = msg.strip_prefix("START RequestId: ") {
        let (req, version) = match rest.split_once(" Version: ") {
            Some((r, v)) => (r, Some(v.trim().to_owned())),
            None => (rest, None),
        };
        Some((req.trim(), LambdaLine::Start { version }))
    } else if let Some(rest) = msg.strip_prefix("END RequestId: ") {
        Some((rest.trim(), LambdaLine::End))
    } else if let Some(rest) = msg.strip_prefix("REPORT RequestId: ") {
        let (request_id, report) = parse_report(rest);
        Some((request_id, LambdaLine::Report(report)))
    } else {
        None
    }
}

/// Parses `id\tDuration: 1.5 ms\tBilled Duration: 2 ms\t...`.
fn parse_report(rest: &str) -> (&str, Report) {
    let mut parts = rest.split('\t');
    let request_id = parts.next().unwrap_or_default().trim();
    let mut r = Report::default();
    for part in parts {
        let Some((key, value)) = part.split_once(": ") else {
            continue;
        };
        let number = value
            .split_ascii_whitespace()
            .next()
            .and_then(|n| n.parse::<f64>().ok());
        match key.trim() {
            "Duration" => r.duration_ms = number,
            "Billed Duration" => r.billed_duration_ms = number,
            "Memory Size" => r.memory_size_mb = number,
            "Max Memory Used" => r.max_memory_used_mb = number,
            "Init Duration" => r.init_duration_ms = number,
            "Restore Duration" => r.restore_duration_ms = number,
            "Status" if !value.trim().is_empty() => r.status = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    (request_id, r)
}

const LEVELS: &[&str] = &[
    "TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL",
    // .NET's runtime writes its levels in four letters.
    "TRCE", "DBUG", "FAIL", "CRIT",
];

/// `TIMESTAMP\tREQUEST_ID\tLEVEL\tmessage` (Node.js, Java, .NET) or
/// `[LEVEL]\tTIMESTAMP\tREQUEST_ID\tmessage` (Python; the request id empty
/// outside an invocation): (level, request id, message).
pub(super) fn text_line(msg: &str) -> Option<(&str, &str, &str)> {
    // Both shapes start with a digit or `[`; anything else is not worth a tab search.
    if !msg
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_digit() || *b == b'[')
    {
        return None;
    }
    // The first three tabs (what `splitn(4, '\t')` reads), found with memchr.
    let tab = |from: usize| {
        msg.as_bytes()
            .get(from..)
            .and_then(|rest| memchr::memchr(b'\t', rest))
            .map(|i| from + i)
    };
    let t1 = tab(0)?;
    let t2 = tab(t1 + 1)?;
    let a = msg.get(..t1)?;
    let b = msg.get(t1 + 1..t2)?;
    let (c, body) = match tab(t2 + 1) {
        Some(t3) => (msg.get(t2 + 1..t3)?, msg.get(t3 + 1..)?),
        None => (msg.get(t2 + 1..)?, ""),
    };
    let looks_like_time = is_lambda_time;
    let is_level = |s: &str| LEVELS.iter().any(|l| l.eq_ignore_ascii_case(s));
    if is_level(c) && looks_like_time(a) && is_request_id(b) {
        return Some((c, b, body));
    }
    let level = a.strip_prefix('[').and_then(|l| l.strip_suffix(']'));
    match level {
        // Python writes no request id outside an invocation (at start-up).
        Some(level)
            if is_level(level) && looks_like_time(b) && (c.is_empty() || is_request_id(c)) =>
        {
            Some((level, c, body))
        }
        _ => None,
    }
}

/// A request id: one word (a UUID in every runtime), never empty.
fn is_request_id(s: &str) -> bool {
    // Whitespace and control bytes are all at or below the space.
    !s.is_empty() && s.bytes().all(|b| b > b' ')
}

/// The runtimes' `YYYY-MM-DDThh:mm:ss…` (fraction and zone as they come),
/// each part in its range: `2024-13-45T99:…` is no time.
fn is_lambda_time(s: &str) -> bool {
    let b = s.as_bytes();
    let two = |i: usize, max: u8| match b.get(i..i + 2) {
        Some([x, y]) if x.is_ascii_digit() && y.is_ascii_digit() => {
            (x - b'0') * 10 + (y - b'0') <= max
        }
        _ => false,
    };
    let month_day = |i: usize| b.get(i..i + 2).is_some_and(|d| d != b"00");
    b.len() >= 19
        && b.get(..4).is_some_and(|y| y.iter().all(u8::is_ascii_digit))
        && b.get(4) == Some(&b'-')
        && two(5, 12)
        && month_day(5)
        && b.get(7) == Some(&b'-')
        && two(8, 31)
        && month_day(8)
        && b.get(10) == Some(&b'T')
        && two(11, 23)
        && b.get(13) == Some(&b':')
        && two(14, 59)
        && b.get(16) == Some(&b':')
        && two(17, 60)
}

#[cfg(test)]
mod tests {
    use super::{LEVELS, is_request_id, text_line};

    /// [`text_line`] as it read the line with `splitn` before its tab search.
    fn reference(msg: &str) -> Option<(&str, &str, &str)> {
        if !msg
            .as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_digit() || *b == b'[')
        {
            return None;
        }
        let mut parts = msg.splitn(4, '\t');
        let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
        let body = parts.next().unwrap_or_default();
        let time = super::is_lambda_time;
        let level = |s: &str| LEVELS.iter().any(|l| l.eq_ignore_ascii_case(s));
        if time(a) && level(c) && is_request_id(b) {
            return Some((c, b, body));
        }
        match a.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            Some(l) if level(l) && time(b) && (c.is_empty() || is_request_id(c)) => {
                Some((l, c, body))
            }
            _ => None,
        }
    }

    proptest::proptest! {
        #[test]
        fn the_tab_search_reads_as_splitn_did(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("2026-11-27T10:00:00.000Z".to_owned()),
                    proptest::strategy::Just("[ERROR]".to_owned()),
                    proptest::strategy::Just("INFO".to_owned()),
                    proptest::strategy::Just(String::new()),
                    "[ -~é]{0,12}",
                ],
                0..6,
            ),
            sep in "[\t ]",
        ) {
            let msg = parts.join(&sep);
            proptest::prop_assert_eq!(text_line(&msg), reference(&msg));
        }
    }
}
