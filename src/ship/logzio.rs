//! The Logz.io listener: `POST {endpoint}/?token=...&type=...` with NDJSON.
//!
//! The listener answers a body it accepted whole with 200 and an empty body
//! (its documentation's one success answer); only that counts as delivered.
//! Any other 2xx, or a 200 with a body, did not come from the listener (a proxy,
//! a captive portal) and is a failed attempt. 400 carries counters
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

/// Whether a 2xx answer is the listener's acknowledgement of every line:
/// `Err` says why not (never quoting the answer).
pub fn read_success(status: u16, body: &[u8]) -> Result<(), String> {
    if status != 200 {
        return Err(format!(
            "logz.io answered {status}, not the listener's 200 for accepted lines"
        ));
    }
    if !body.is_empty() {
        return Err(format!(
            "logz.io answered 200 with a {}-byte body; the listener answers accepted lines with an empty body",
            body.len()
        ));
    }
    Ok(())
}

/// The reason recorded for a 400 answer.
pub fn reason_for_400(body: &[u8], lines: usize) -> String {
    match serde_json::from_slice::<Counters>(body) {
        Ok(c) => format!(
            "logz.io refused lines: {} malformed, {} oversized, {} empty, {} of {lines} accepted (a redrive may duplicate the accepted ones)",
            c.malformed_lines, c.oversized_lines, c.empty_log_lines, c.successful_lines
        ),
        Err(_) => "logz.io answered 400 without its line counters".to_owned(),
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

/// Query-string encoding (RFC 3986 unreserved characters kept): how the token
/// travels, so the scrubber can look for that form too.
pub(crate) fn encode(s: &str) -> String {
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
    fn only_an_empty_200_is_success() {
        assert_eq!(read_success(200, b""), Ok(()));
        for (status, body) in [
            (200, &b"ok"[..]),
            (200, b" "),
            (200, br#"{"errors":false}"#),
            (201, b""),
            (202, b""),
            (204, b""),
        ] {
            assert!(read_success(status, body).is_err(), "{status}");
        }
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
