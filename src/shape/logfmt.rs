//! logfmt lines (`level=warn msg="disk almost full" disk=/dev/xvda1`, Go
//! `log/slog`'s TextHandler, Heroku-style loggers): every token must be a
//! `key=value` pair, values bare or double-quoted with `\"`, `\\`, `\n`, `\t`
//! escapes; two pairs with a known key, or three of any. `msg`/`message` is
//! the message, `level`/`lvl`/`severity` (or Heroku's `at`) the level, `logger` the logger, `err`/`error` `error.message` (the first of them); the other pairs
//! are the line's own fields (strings, as written; a key written twice, a list).

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::level::level_cow;
use super::{Shape, Shaped};

/// Keys one of which a logfmt line must have (to tell it from `a=b c=d` prose).
const KNOWN: &[&str] = &[
    "level", "lvl", "msg", "message", "time", "ts", "t", "severity", "logger",
];

pub(super) fn parse<'a>(line: &'a str, dataset: &'static str) -> Option<Shaped<'a>> {
    // Cheap rejection: the first token must be `key=`.
    let first_end = line
        .bytes()
        .position(|b| b == b'=' || b == b' ' || b == b'"')?;
    if line.as_bytes().get(first_end) != Some(&b'=') || first_end == 0 {
        return None;
    }
    let pairs = pairs(line)?;
    // Two pairs with a known key, or three pairs of any keys (Heroku's
    // router: `at=info method=GET path=/ status=200`): prose rarely is that.
    let known = pairs.iter().any(|(k, _)| KNOWN.contains(k));
    if pairs.len() < 2 || (!known && pairs.len() < 3) {
        return None;
    }
    let mut s = Shaped::new(Shape::Logfmt, dataset, Cow::Borrowed(line));
    let mut message = None;
    for (key, value) in pairs {
        match key {
            "msg" | "message" if message.is_none() && !value.trim().is_empty() => {
                message = Some(value);
            }
            "level" | "lvl" | "severity" if s.level.is_none() && level_cow(&value).is_some() => {
                s.set_level(&value)
            }
            "at" if s.level.is_none() && super::normalize_level(&value).is_some() => {
                s.set_level(&value)
            }
            "logger" if s.logger.is_none() => s.logger = Some(value),
            "err" | "error" if !s.has("error.message") => {
                s.put("error.message", value.into_owned())
            }
            _ => keep(&mut s.app, key, value.into_owned()),
        }
    }
    if let Some(m) = message {
        s.message = m;
    }
    Some(s.or_line(line))
}

/// Keeps a pair as one of the line's own fields; a key written again makes
/// the field a list of its values, in the line's order.
fn keep(app: &mut Map<String, Value>, key: &str, value: String) {
    match app.get_mut(key) {
        None => {
            app.insert(key.to_owned(), Value::String(value));
        }
        Some(Value::Array(values)) => values.push(Value::String(value)),
        Some(first) => {
            let first = std::mem::take(first);
            app.insert(
                key.to_owned(),
                Value::Array(vec![first, Value::String(value)]),
            );
        }
    }
}

/// All `key=value` pairs of the line, or None if any token is not one.
fn pairs(line: &str) -> Option<Vec<(&str, Cow<'_, str>)>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b.get(i) == Some(&b' ') {
            i += 1;
            continue;
        }
        let key_start = i;
        while b
            .get(i)
            .is_some_and(|c| !matches!(c, b'=' | b' ' | b'"') && !c.is_ascii_control())
        {
            i += 1;
        }
        if b.get(i) != Some(&b'=') || i == key_start {
            return None;
        }
        let key = line.get(key_start..i)?;
        i += 1;
        if b.get(i) == Some(&b'"') {
            i += 1;
            let start = i;
            let mut escaped = false;
            loop {
                match b.get(i)? {
                    b'\\' => {
                        escaped = true;
                        i += 2;
                    }
                    b'"' => break,
                    _ => i += 1,
                }
            }
            let raw = line.get(start..i)?;
            i += 1;
            if b.get(i).is_some_and(|c| *c != b' ') {
                return None;
            }
            let value = if escaped {
                Cow::Owned(unescape(raw))
            } else {
                Cow::Borrowed(raw)
            };
            out.push((key, value));
        } else {
            let start = i;
            while b.get(i).is_some_and(|c| *c != b' ') {
                if b.get(i) == Some(&b'"') {
                    return None;
                }
                i += 1;
            }
            out.push((key, Cow::Borrowed(line.get(start..i)?)));
        }
    }
    Some(out)
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Shape, understand};

    #[test]
    fn logfmt_with_message_and_fields() {
        let s = understand(
            "/ecs/agent",
            r#"level=warn msg="disk almost full" disk=/dev/xvda1"#,
        )
        .expect("logfmt");
        assert_eq!(s.shape, Shape::Logfmt);
        assert_eq!(s.level.as_deref(), Some("warn"));
        assert_eq!(s.message, "disk almost full");
        assert_eq!(s.app["disk"], "/dev/xvda1");
        assert!(s.app.get("level").is_none());
    }

    #[test]
    fn slog_text_handler_with_escapes_and_error() {
        let s = understand(
            "/ecs/agent",
            r#"time=2026-11-27T10:00:02.123Z level=ERROR source=main.go:42 msg="upload \"a.txt\" failed" err="connection reset" attempt=3 logger=uploader"#,
        )
        .expect("slog");
        assert_eq!(s.level.as_deref(), Some("error"));
        assert_eq!(s.message, r#"upload "a.txt" failed"#);
        assert_eq!(s.fields["error"]["message"], "connection reset");
        assert_eq!(s.logger.as_deref(), Some("uploader"));
        assert_eq!(s.app["time"], "2026-11-27T10:00:02.123Z");
        assert_eq!(s.app["attempt"], "3");
        assert_eq!(s.app["source"], "main.go:42");
    }

    #[test]
    fn logfmt_without_message_keeps_the_line() {
        let line = "ts=1795860002 lvl=info component=compactor blocks=12";
        let s = understand("/ecs/agent", line).expect("logfmt");
        assert_eq!(s.message, line);
        assert_eq!(s.level.as_deref(), Some("info"));
    }

    #[test]
    fn look_alikes_stay_plain() {
        for line in [
            "a=b c=d",
            "retrying x=1 later",
            "level=warn but then prose",
            r#"level=warn msg="unterminated"#,
            "level=warn msg=\"x\"y",
            "=oops level=warn",
            "user = admin, level = 3",
        ] {
            assert!(understand("/ecs/agent", line).is_none(), "{line}");
        }
    }
}
