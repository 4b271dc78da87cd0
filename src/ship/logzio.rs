//! The Logz.io listener: `POST {endpoint}/?token=...&type=...` with NDJSON.
//!
//! 200 means every line was accepted. 400 carries counters
//! (`malformedLines`, `successfulLines`, `oversizedLines`, `emptyLogLines`) but
//! not which lines failed; logship's own lines are JSON objects under the line
//! limit, so a 400 is unexpected: the whole body is dead-lettered with the
//! counters in the reason (a redrive may then duplicate the lines that were
//! accepted, which the reason says). The token travels in the query string, so
//! the URL is never logged or put into an error.

use serde::Deserialize;

use crate::secret::Secret;

/// Counters of a 400 answer.
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    /// Lines that were not JSON.
    #[serde(default)]
    pub malformed_lines: u64,
    /// Lines accepted.
    #[serde(default)]
    pub successful_lines: u64,
    /// Lines over the size limit.
    #[serde(default)]
    pub oversized_lines: u64,
    /// Empty lines.
    #[serde(default)]
    pub empty_log_lines: u64,
}

/// The reason recorded for a 400 answer.
pub fn reason_for_400(body: &[u8], lines: usize) -> String {
    match serde_json::from_slice::<Counters>(body) {
        Ok(c) => format!(
            "logz.io refused lines: {} malformed, {} oversized, {} empty, {} of {lines} accepted (a redrive may duplicate the accepted ones)",
            c.malformed_lines, c.oversized_lines, c.empty_log_lines, c.successful_lines
        ),
        Err(_) => format!(
            "logz.io answered 400: {}",
            String::from_utf8_lossy(body)
                .chars()
                .take(300)
                .collect::<String>()
        ),
    }
}

/// The listener URL with token and type.
pub fn url(endpoint: &str, token: Option<&Secret>, log_type: &str) -> String {
    let mut u = format!("{endpoint}/?type={}", encode(log_type));
    if let Some(t) = token {
        u.push_str("&token=");
        u.push_str(&encode(t.expose()));
    }
    u
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_counters() {
        let r = reason_for_400(
            br#"{"malformedLines":2,"successfulLines":8,"oversizedLines":1,"emptyLogLines":0}"#,
            11,
        );
        assert!(r.contains("2 malformed"));
        assert!(r.contains("8 of 11 accepted"));
        assert!(reason_for_400(b"nope", 3).contains("400"));
    }

    #[test]
    fn url_escapes() {
        let t = Secret::new("ab c&d");
        assert_eq!(
            url("https://listener.logz.io:8071", Some(&t), "cloud watch"),
            "https://listener.logz.io:8071/?type=cloud%20watch&token=ab%20c%26d"
        );
    }
}
