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
}

/// A `START`/`END`/`REPORT` line of the text format: its request id and
/// what it says; None for any other line.
pub(super) fn platform_line(msg: &str) -> Option<(&str, LambdaLine)> {
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
            _ => {}
        }
    }
    (request_id, r)
}

const LEVELS: &[&str] = &[
    "TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL",
];

/// `TIMESTAMP\tREQUEST_ID\tLEVEL\tmessage` (Node.js, Java, .NET) or
/// `[LEVEL]\tTIMESTAMP\tREQUEST_ID\tmessage` (Python): (level, request id, message).
pub(super) fn text_line(msg: &str) -> Option<(&str, &str, &str)> {
    // Both shapes start with a digit or `[`; anything else is not worth a tab search.
    if !msg
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_digit() || *b == b'[')
    {
        return None;
    }
    let mut parts = msg.splitn(4, '\t');
    let a = parts.next()?;
    let b = parts.next()?;
    let c = parts.next()?;
    let body = parts.next().unwrap_or_default();
    let looks_like_time = |s: &str| {
        s.len() >= 19 && s.as_bytes().first().is_some_and(u8::is_ascii_digit) && s.contains('T')
    };
    let is_level = |s: &str| LEVELS.iter().any(|l| l.eq_ignore_ascii_case(s));
    if looks_like_time(a) && is_level(c) && !b.is_empty() {
        return Some((c, b, body));
    }
    let level = a.strip_prefix('[').and_then(|l| l.strip_suffix(']'));
    match level {
        Some(level) if is_level(level) && looks_like_time(b) && !c.is_empty() => {
            Some((level, c, body))
        }
        _ => None,
    }
}
