//! The Logz.io listener side of the contract server.
//!
//! `POST /?token=...&type=...` (any path) with an NDJSON body, optionally gzip-compressed.
//! A missing or wrong token is a 401, an uncompressed body over 10 MB a 413. Each line is
//! checked like the listener does: an empty line counts in `emptyLogLines`, a line over
//! 500,000 bytes in `oversizedLines`, a line that is not a JSON object in `malformedLines`,
//! anything else is accepted. All good: 200 with an empty body; any bad line: 400 with the
//! counters — the good lines of that request are accepted all the same.

use serde_json::Value;

use super::{Ctx, LOGZIO_MAX_BODY, LOGZIO_MAX_LINE};
use crate::http::Response;

fn message(status: u16, text: &str) -> Response {
    Response::new(
        status,
        "application/json",
        format!(
            r#"{{"message":{}}}"#,
            serde_json::to_string(text).expect("string")
        ),
    )
}

/// The whole-request answer for a [`Fault::Status`](super::Fault::Status).
pub(super) fn fault_response(status: u16) -> Response {
    let text = match status {
        401 => "Unauthorized: the token is missing or invalid",
        413 => "Request Entity Too Large",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "simulated failure",
    };
    message(status, text)
}

pub(super) fn handle(ctx: &mut Ctx<'_>, query: &[(String, String)]) -> Response {
    if ctx.request.method != "POST" {
        return message(405, "Method Not Allowed");
    }
    let given = query
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.as_str());
    let (expected, reject) = {
        let state = ctx.shared.lock();
        (state.token.clone(), state.reject.clone())
    };
    let token_ok = match (given, expected.as_deref()) {
        (None, _) => false,
        (Some(given), Some(expected)) => given == expected,
        (Some(given), None) => !given.is_empty(),
    };
    if !token_ok {
        return fault_response(401);
    }
    let body = match &ctx.body {
        Ok(body) => body.as_ref(),
        Err(reason) => return message(400, reason),
    };
    let limit = ctx.max_body.unwrap_or(LOGZIO_MAX_BODY).min(LOGZIO_MAX_BODY);
    if body.len() > limit {
        return fault_response(413);
    }

    // A final newline terminates the last line rather than starting an empty one.
    let body = body.strip_suffix(b"\n").unwrap_or(body);
    let mut accepted = Vec::new();
    let (mut empty, mut oversized, mut malformed) = (0usize, 0usize, 0usize);
    let mut lines = 0usize;
    if !body.is_empty() {
        for (n, line) in body.split(|&b| b == b'\n').enumerate() {
            lines += 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.trim_ascii().is_empty() {
                empty += 1;
            } else if line.len() > LOGZIO_MAX_LINE {
                oversized += 1;
            } else if ctx.item_fault.is_some_and(|(_, nth)| (n + 1) % nth == 0) {
                malformed += 1;
            } else {
                if ctx.light {
                    if line.trim_ascii().starts_with(b"{") && line.trim_ascii().ends_with(b"}") {
                        accepted.push(Value::Null);
                    } else {
                        malformed += 1;
                    }
                    continue;
                }
                match serde_json::from_slice::<Value>(line) {
                    Ok(value @ Value::Object(_))
                        if !reject.as_ref().is_some_and(|pred| pred(&value)) =>
                    {
                        accepted.push(value)
                    }
                    _ => malformed += 1,
                }
            }
        }
    }
    ctx.items = lines;
    let successful = accepted.len();
    {
        let mut state = ctx.shared.lock();
        if state.generation == ctx.generation {
            state.logzio_lines.extend(accepted);
        }
    }
    if empty + oversized + malformed == 0 {
        Response::new(200, "application/json", "")
    } else {
        Response::new(
            400,
            "application/json",
            format!(
                r#"{{"malformedLines":{malformed},"successfulLines":{successful},"oversizedLines":{oversized},"emptyLogLines":{empty}}}"#
            ),
        )
    }
}
