//! The Lambda runtime's own lines, one per invocation each:
//! `START RequestId: <id> Version: <version>`, `END RequestId: <id>` and
//! `REPORT RequestId: <id>\tDuration: … ms\tBilled Duration: … ms\tMemory
//! Size: … MB\tMax Memory Used: … MB\t` (with `Init Duration: … ms\t` after
//! a cold start). In exactly that shape such a line holds nothing any
//! built-in rule masks: its fixed words hold no trigger literal, the request
//! id is a UUID after the key `RequestId` (no credential word, no vendor
//! name), and every number is at most 8 digits long, too short for a card
//! number. So the masker skips it without a scan; any other byte in the line
//! (an X-Ray trace id, a longer number, text after the fields) sends it
//! through the full scan.
//!
//! Also the prefix the runtime puts before an application's log line,
//! `2024-11-19T07:12:01.062Z\t<request id>\tINFO\t`: it holds no trigger
//! literal, no digit run long enough for a card, and one token run, the
//! request id, which the keyword rule keeps (the key before it is the
//! time's `SS.mmmZ`, no credential word or vendor name); and no trigger or
//! run crosses the tab after it. So the text scans start after it (the
//! rules still read the whole line). The property tests in
//! `fastpath_tests.rs` hold both shortcuts to the full scan.

use super::random::is_uuid;

/// What is left of a line while its fields are read, front to back.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    /// Consumes `lit` if the line continues with it.
    fn lit(&mut self, lit: &[u8]) -> bool {
        match self.0.strip_prefix(lit) {
            Some(rest) => {
                self.0 = rest;
                true
            }
            None => false,
        }
    }

    /// Consumes a UUID.
    fn uuid(&mut self) -> bool {
        match self.0.split_at_checked(36) {
            Some((id, rest)) if is_uuid(id) => {
                self.0 = rest;
                true
            }
            _ => false,
        }
    }

    /// Consumes 1 to `max` ASCII digits (and fails on more).
    fn digits(&mut self, max: usize) -> bool {
        let n = self.0.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > max {
            return false;
        }
        self.0 = self.0.get(n..).unwrap_or_default();
        true
    }

    /// Consumes a duration: up to 8 digits, optionally `.` and 1 to 3 more.
    fn number(&mut self) -> bool {
        self.digits(8) && (!self.lit(b".") || self.digits(3))
    }

    /// Whether the line is fully read (a final line feed may remain).
    fn done(&self) -> bool {
        matches!(self.0, b"" | b"\n")
    }
}

/// Whether `line` is exactly a START, END or REPORT line of the Lambda
/// runtime in its usual shape (see the module documentation).
pub(crate) fn is_platform_line(line: &[u8]) -> bool {
    let mut c = Cursor(line);
    if c.lit(b"END RequestId: ") {
        return c.uuid() && c.done();
    }
    if c.lit(b"START RequestId: ") {
        return c.uuid() && c.lit(b" Version: ") && (c.lit(b"$LATEST") || c.digits(6)) && c.done();
    }
    c.lit(b"REPORT RequestId: ")
        && c.uuid()
        && c.lit(b"\tDuration: ")
        && c.number()
        && c.lit(b" ms\tBilled Duration: ")
        && c.digits(8)
        && c.lit(b" ms\tMemory Size: ")
        && c.digits(8)
        && c.lit(b" MB\tMax Memory Used: ")
        && c.digits(8)
        && c.lit(b" MB\t")
        && (!c.lit(b"Init Duration: ") || c.number() && c.lit(b" ms\t"))
        && c.done()
}

/// The level words the runtime writes after the request id.
pub(crate) const LEVELS: [&[u8]; 6] = [b"INFO", b"WARN", b"ERROR", b"DEBUG", b"TRACE", b"FATAL"];

/// The time before the request id: `d` stands for a digit.
const TIME: &[u8; 25] = b"dddd-dd-ddTdd:dd:dd.dddZ\t";

/// Length of the runtime's prefix of an application line
/// (`2024-11-19T07:12:01.062Z\t<uuid>\tINFO\t`), when `line` starts with it.
/// The fixed bytes are compared first, so other lines cost a compare or two.
pub(crate) fn app_prefix_len(line: &[u8]) -> Option<usize> {
    let (time, rest) = line.split_at_checked(TIME.len())?;
    let time_ok = TIME.iter().zip(time).all(|(&p, &c)| {
        if p == b'd' {
            c.is_ascii_digit()
        } else {
            c == p
        }
    });
    if !time_ok {
        return None;
    }
    let (id, rest) = rest.split_at_checked(36)?;
    let rest = rest.strip_prefix(b"\t")?;
    if !is_uuid(id) {
        return None;
    }
    let level = LEVELS
        .iter()
        .find(|l| rest.starts_with(l) && rest.get(l.len()) == Some(&b'\t'))?;
    Some(TIME.len() + 36 + 1 + level.len() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = "cfb3acb0-0333-4e8f-a960-4cf3338a8df1";
        for ok in [
            format!("START RequestId: {id} Version: $LATEST\n"),
            format!("START RequestId: {id} Version: 12"),
            format!("END RequestId: {id}\n"),
            format!(
                "REPORT RequestId: {id}\tDuration: 188.05 ms\tBilled Duration: 189 ms\tMemory Size: 128 MB\tMax Memory Used: 95 MB\t\n"
            ),
            format!(
                "REPORT RequestId: {id}\tDuration: 1 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 95 MB\tInit Duration: 131.07 ms\t"
            ),
        ] {
            assert!(is_platform_line(ok.as_bytes()), "{ok}");
        }
        for bad in [
            format!("START RequestId: {id} Version: $LATEST password=hunter22\n"),
            format!("START RequestId: {id} Version: 1234567"),
            format!("END RequestId: {id}x"),
            format!("END RequestId: {id}\n\n"),
            format!("END RequestId: {}", &id[1..]),
            format!(
                "REPORT RequestId: {id}\tDuration: 1234567890123 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 95 MB\t"
            ),
            format!(
                "REPORT RequestId: {id}\tDuration: 1 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 95 MB\t\nXRAY TraceId: 1-5e1b4151-5ac6c58f5b5daa6532e4f2e8"
            ),
            "END RequestId: ".to_string(),
            String::new(),
        ] {
            assert!(!is_platform_line(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn app_prefixes() {
        let id = "cfb3acb0-0333-4e8f-a960-4cf3338a8df1";
        let line = format!("2024-11-19T07:12:01.062Z\t{id}\tERROR\tboom");
        assert_eq!(app_prefix_len(line.as_bytes()), Some(line.len() - 4));
        for bad in [
            format!("2024-11-19T07:12:01.062Z\t{id}\tNOTICE\tboom"),
            format!("2024-11-19T07:12:01.0620Z\t{id}\tINFO\tboom"),
            format!("2024-11-19 07:12:01.062Z\t{id}\tINFO\tboom"),
            format!("2024-11-19T07:12:01.062Z\t{id}\tINFO boom"),
            format!("2024-11-19T07:12:01.062Z {id}\tINFO\tboom"),
            "2024-11-19T07:12:01.062Z\t".to_string(),
        ] {
            assert_eq!(app_prefix_len(bad.as_bytes()), None, "{bad}");
        }
        // The key before the request id is the time's `SS.mmmZ`: no
        // credential word, and no vendor name whatever its digits.
        for n in 0..100_000u32 {
            let key = format!("{:02}.{:03}Z", n / 1000, n % 1000);
            assert!(!super::super::keyword::has_cred_word(key.as_bytes()));
            assert!(
                !super::super::vendor_names::is_whole_vendor_key(key.as_bytes()),
                "{key}"
            );
        }
    }
}
