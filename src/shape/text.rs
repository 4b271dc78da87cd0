//! Text layouts of common logging frameworks: logback/log4j
//! (`2026-11-27 10:00:02,123 ERROR [main] com.acme.App - boom`, logback's
//! default `10:00:02.123 [main] ERROR com.acme.App - boom`), Spring Boot
//! (`… WARN 1 --- [app] [main] c.a.App : msg`), Python logging (`ERROR:root:msg`
//! and `… - name - LEVEL - msg`), Go `log/slog`'s default handler
//! (`2026/11/27 10:00:02 WARN msg`) and Rust `tracing`'s fmt layer
//! (`2026-11-27T10:00:02.123456Z  WARN my_crate::db: msg`). Hand-written
//! scanners: no regex, and a line that does not start with a timestamp or an
//! upper-case level costs a byte comparison.

use std::borrow::Cow;

use super::level::{leading_word, normalize_level};
use super::{Shape, Shaped};

/// The length of a timestamp at the start of `b`: `YYYY-MM-DD[ T]HH:MM:SS`,
/// `YYYY/MM/DD HH:MM:SS` or `HH:MM:SS`, each with optional fractions
/// (`.123`, `,123`) and zone (`Z`, `+01:00`, `+0100`).
pub(super) fn timestamp_len(b: &[u8]) -> Option<usize> {
    let digits = |at: usize, n: usize| {
        b.get(at..at + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize| b.get(i).copied();
    // Two digits at `i` making a number in `range`.
    let two = |i: usize, range: std::ops::RangeInclusive<u8>| {
        digits(i, 2)
            && matches!(b.get(i..i + 2), Some([x, y])
                if range.contains(&((x - b'0') * 10 + (y - b'0'))))
    };
    let time_at = |i: usize| {
        two(i, 0..=23)
            && at(i + 2) == Some(b':')
            && two(i + 3, 0..=59)
            && at(i + 5) == Some(b':')
            && two(i + 6, 0..=60)
    };
    let mut i = if digits(0, 4)
        && matches!(at(4), Some(b'-' | b'/'))
        && two(5, 1..=12)
        && at(7) == at(4)
        && two(8, 1..=31)
        && matches!(at(10), Some(b' ' | b'T'))
        && time_at(11)
    {
        19
    } else if time_at(0) {
        8
    } else {
        return None;
    };
    if matches!(at(i), Some(b'.' | b',')) && at(i + 1).is_some_and(|c| c.is_ascii_digit()) {
        i += 1;
        while at(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
    }
    match at(i) {
        Some(b'Z') => i += 1,
        Some(b'+' | b'-') if digits(i + 1, 2) => {
            if at(i + 3) == Some(b':') && digits(i + 4, 2) {
                i += 6;
            } else if digits(i + 3, 2) {
                i += 5;
            }
        }
        _ => {}
    }
    Some(i)
}

/// A line that starts with a timestamp and then a level.
pub(super) fn parse_timestamped<'a>(line: &'a str, dataset: &'static str) -> Option<Shaped<'a>> {
    let ts = timestamp_len(line.as_bytes())?;
    let rest = line.get(ts..)?;
    if !rest.starts_with(' ') {
        return None;
    }
    let rest = rest.trim_start_matches(' ');
    let mut s = Shaped::new(Shape::Text, dataset, Cow::Borrowed(""));

    // Python: `%(asctime)s - %(name)s - %(levelname)s - %(message)s`.
    if let Some(after) = rest.strip_prefix("- ") {
        let (name, after) = after.split_once(" - ")?;
        let (level, len) = leading_word(after)?;
        let msg = after.get(len..)?.strip_prefix(" - ")?;
        s.level = Some(Cow::Borrowed(level));
        s.logger = Some(Cow::Borrowed(name.trim()));
        s.message = Cow::Borrowed(msg);
        return Some(s.or_line(line));
    }

    // `[LEVEL] msg`, or logback's `[thread] LEVEL logger - msg`.
    let mut rest = rest;
    if let Some((inside, after)) = bracketed(rest) {
        if let Some(level) = normalize_level(inside).filter(|_| !is_number(inside)) {
            s.level = Some(Cow::Borrowed(level));
            s.message = Cow::Borrowed(after);
            return Some(s.or_line(line));
        }
        s.put("process.thread.name", inside);
        rest = after;
    }

    let (level, len) = leading_word(rest)?;
    let after = rest.get(len..)?;
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    let after = after.trim_start_matches(' ');
    s.level = Some(Cow::Borrowed(level));

    // Spring Boot: `<pid> --- [app] [thread] logger : msg`.
    if let Some((pid, tail)) = after.split_once(" --- ")
        && is_number(pid)
    {
        if let Ok(pid) = pid.parse::<u64>() {
            s.put("process.pid", pid);
        }
        let mut tail = tail.trim_start();
        let mut names = Vec::new();
        while let Some((inside, after)) = bracketed(tail) {
            names.push(inside);
            tail = after;
        }
        // Spring Boot 3: `[app] [group]? [thread] [trace-span]?`. The
        // correlation after the thread is blank when the line has none.
        // (`[thread] [trace-span]` when the application has no name.)
        if names.len() >= 2
            && let Some(last) = names.last()
        {
            let ids = last
                .split_once('-')
                .filter(|(t, sp)| is_hex_id(t) && (sp.is_empty() || is_hex_id(sp)));
            if let Some((trace, span)) = ids {
                s.put("trace.id", trace);
                if !span.is_empty() {
                    s.put("span.id", span);
                }
                names.pop();
            } else if names.len() >= 3 && last.trim().is_empty() {
                names.pop();
            }
        }
        if let Some(thread) = names.pop() {
            s.put("process.thread.name", thread);
        }
        if let Some(app) = names.first().filter(|a| !a.is_empty()) {
            s.put("service.name", *app);
        }
        // Brackets between the application and the thread (an application
        // group, an MDC value): kept in front of the message.
        let middle = names.get(1..).unwrap_or_default();
        match tail.split_once(" : ") {
            Some((logger, msg)) if !logger.trim().is_empty() => {
                s.logger = Some(Cow::Borrowed(logger.trim()));
                s.message = Cow::Borrowed(msg);
            }
            _ => s.message = Cow::Borrowed(tail),
        }
        if !middle.is_empty() {
            let mut m = String::new();
            for part in middle {
                m.push('[');
                m.push_str(part);
                m.push_str("] ");
            }
            m.push_str(&s.message);
            s.message = Cow::Owned(m);
        }
        return Some(s.or_line(line));
    }

    // log4j: `LEVEL [thread] logger - msg`.
    let mut after = after;
    if let Some((inside, rest)) = bracketed(after) {
        s.put("process.thread.name", inside);
        after = rest;
    }
    let (logger, msg) = logger_then_message(after);
    s.logger = logger.map(Cow::Borrowed);
    s.message = Cow::Borrowed(msg);
    Some(s.or_line(line))
}

/// A trace or span id as Spring's correlation writes it: 16 or 32 hex digits.
fn is_hex_id(s: &str) -> bool {
    matches!(s.len(), 16 | 32) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Python's default `basicConfig` layout: `LEVEL:logger:message`.
pub(super) fn parse_python<'a>(line: &'a str, dataset: &'static str) -> Option<Shaped<'a>> {
    // The level word is at most 8 upper-case letters: look no further for the colon.
    let colon = line.bytes().take(9).position(|b| b == b':')?;
    let (word, rest) = (line.get(..colon)?, line.get(colon + 1..)?);
    if !word.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let level = normalize_level(word)?;
    let (logger, msg) = rest.split_once(':')?;
    if logger.is_empty() || !logger.bytes().all(is_logger_byte) {
        return None;
    }
    let mut s = Shaped::new(Shape::Text, dataset, Cow::Borrowed(msg));
    s.level = Some(Cow::Borrowed(level));
    s.logger = Some(Cow::Borrowed(logger));
    Some(s.or_line(line))
}

/// `[inside] after`: (trimmed inside, after with leading spaces trimmed).
fn bracketed(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix('[')?;
    let close = inner.find(']')?;
    let inside = inner.get(..close)?.trim();
    let after = inner.get(close + 1..)?.trim_start_matches(' ');
    Some((inside, after))
}

/// `logger - msg` (log4j, logback), `target: msg` and `span{…}: target: msg`
/// (Rust tracing), or just the message.
fn logger_then_message(s: &str) -> (Option<&str>, &str) {
    let mut rest = s;
    let mut logger = None;
    // tracing: colon-terminated tokens (spans, then the target).
    loop {
        let end = rest.find(' ').unwrap_or(rest.len());
        let Some(token) = rest.get(..end) else { break };
        let Some(name) = token.strip_suffix(':') else {
            break;
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| is_logger_byte(b) || b"{}=\"".contains(&b))
        {
            break;
        }
        if !name.contains('{') {
            logger = Some(name);
        }
        rest = rest.get(end..).unwrap_or_default().trim_start_matches(' ');
    }
    if logger.is_some() {
        return (logger, rest);
    }
    let end = s.find(' ').unwrap_or(s.len());
    if let (Some(token), Some(msg)) = (
        s.get(..end),
        s.get(end..).and_then(|r| r.strip_prefix(" - ")),
    ) && !token.is_empty()
        && token.bytes().all(is_logger_byte)
    {
        return (Some(token), msg);
    }
    (None, s)
}

fn is_logger_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'$' | b'-' | b'/' | b'<' | b'>')
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::super::{Shape, understand};

    const G: &str = "/ecs/orders";

    fn check(
        line: &str,
        level: &str,
        logger: Option<&str>,
        message: &str,
    ) -> serde_json::Map<String, serde_json::Value> {
        let s = understand(G, line).unwrap_or_else(|| panic!("not shaped: {line}"));
        assert_eq!(s.shape, Shape::Text, "{line}");
        assert_eq!(s.level.as_deref(), Some(level), "{line}");
        assert_eq!(s.logger.as_deref(), logger, "{line}");
        assert_eq!(s.message, message, "{line}");
        s.fields
    }

    #[test]
    fn logback_and_log4j() {
        let f = check(
            "2026-11-27 10:00:02,123 ERROR [main] com.acme.App - boom",
            "error",
            Some("com.acme.App"),
            "boom",
        );
        assert_eq!(f["process"]["thread"]["name"], "main");
        let f = check(
            "10:00:02.123 [http-nio-8080-exec-1] WARN  c.a.web.Controller - slow request took 812 ms",
            "warn",
            Some("c.a.web.Controller"),
            "slow request took 812 ms",
        );
        assert_eq!(f["process"]["thread"]["name"], "http-nio-8080-exec-1");
        check(
            "2026-11-27T10:00:02.123+01:00 INFO com.acme.Jobs - started 3 jobs\n\tat next line",
            "info",
            Some("com.acme.Jobs"),
            "started 3 jobs\n\tat next line",
        );
        check(
            "2026-11-27 10:00:02 [WARNING] disk almost full",
            "warn",
            None,
            "disk almost full",
        );
    }

    #[test]
    fn spring_boot() {
        let f = check(
            "2026-11-27T10:00:02.123Z  WARN 1 --- [           main] o.s.b.a.OrdersApplication                : cache disabled",
            "warn",
            Some("o.s.b.a.OrdersApplication"),
            "cache disabled",
        );
        assert_eq!(f["process"]["pid"], 1);
        assert_eq!(f["process"]["thread"]["name"], "main");
        let f = check(
            "2026-11-27T10:00:02.123+00:00 ERROR 4242 --- [orders] [nio-8080-exec-3] c.a.o.PaymentClient : payment timed out",
            "error",
            Some("c.a.o.PaymentClient"),
            "payment timed out",
        );
        assert_eq!(f["service"]["name"], "orders");
        assert_eq!(f["process"]["thread"]["name"], "nio-8080-exec-3");
        // Spring Boot 3.2's correlation id after the thread, and blank.
        let f = check(
            "2026-11-27T10:00:00.123Z ERROR 1 --- [myapp] [nio-8080-exec-1] [4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7] o.a.c.c.C.[dispatcherServlet]    : Servlet.service() threw exception",
            "error",
            Some("o.a.c.c.C.[dispatcherServlet]"),
            "Servlet.service() threw exception",
        );
        assert_eq!(f["process"]["thread"]["name"], "nio-8080-exec-1");
        assert_eq!(f["trace"]["id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(f["span"]["id"], "00f067aa0ba902b7");
        let f = check(
            "2026-11-27T10:00:00.123Z  INFO 1 --- [myapp] [main] [                                                 ] c.a.App : started",
            "info",
            Some("c.a.App"),
            "started",
        );
        assert_eq!(f["process"]["thread"]["name"], "main");
        // An MDC bracket between the application and the thread stays in the message.
        let f = check(
            "2024-01-15T10:00:02.123Z  INFO 1 --- [myapp] [main] [tenant-42] c.e.X : custom MDC bracket",
            "info",
            Some("c.e.X"),
            "[main] custom MDC bracket",
        );
        assert_eq!(f["process"]["thread"]["name"], "tenant-42");
        // No application name: the thread, then the correlation id.
        let f = check(
            "2026-11-27T10:00:02.123Z  INFO 1 --- [main] [6529bd6c2b1b4b7e8f4d1c2b3a4f5e6d-1a2b3c4d5e6f7a8b] c.e.Demo : msg",
            "info",
            Some("c.e.Demo"),
            "msg",
        );
        assert_eq!(f["process"]["thread"]["name"], "main");
        assert_eq!(f["trace"]["id"], "6529bd6c2b1b4b7e8f4d1c2b3a4f5e6d");
        assert!(f.get("service").is_none());
    }

    #[test]
    fn python_logging() {
        check(
            "ERROR:root:something broke",
            "error",
            Some("root"),
            "something broke",
        );
        check(
            "WARNING:botocore.credentials:Refreshing temporary credentials",
            "warn",
            Some("botocore.credentials"),
            "Refreshing temporary credentials",
        );
        check(
            "CRITICAL:app.db:pool exhausted: 0 of 10 free",
            "critical",
            Some("app.db"),
            "pool exhausted: 0 of 10 free",
        );
        check(
            "2026-11-27 10:00:02,123 - orders.worker - INFO - picked job 7",
            "info",
            Some("orders.worker"),
            "picked job 7",
        );
    }

    #[test]
    fn go_slog_and_rust_tracing() {
        check(
            "2026/11/27 10:00:02 WARN disk almost full disk=/dev/xvda1",
            "warn",
            None,
            "disk almost full disk=/dev/xvda1",
        );
        check(
            "2026-11-27T10:00:02.123456Z  WARN orders::db: slow query took_ms=1200",
            "warn",
            Some("orders::db"),
            "slow query took_ms=1200",
        );
        check(
            "2026-11-27T10:00:02.123456Z ERROR request{id=7}: orders::api: handler failed",
            "error",
            Some("orders::api"),
            "handler failed",
        );
        check(
            "2026-11-27T10:00:02.123456Z DEBUG hyper: connecting",
            "debug",
            Some("hyper"),
            "connecting",
        );
    }

    #[test]
    fn look_alikes_stay_plain() {
        for line in [
            "2026-11-27 10:00:02,123 something happened",
            "2026-11-27 released version 3",
            "10:00 meeting",
            "ERROR something without a logger",
            "ERROR: disk full",
            "Error:root:mixed case is not Python's layout",
            "INFO:has space:x",
            "2024-01-01T00:00:00.123Z\t6f1c2a4e\tERROR\tLambda's text format is the document's",
            "1234567890",
        ] {
            assert!(understand(G, line).is_none(), "{line}");
        }
    }
}
