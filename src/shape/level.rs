//! Log levels as written by frameworks, syslog and pino, normalized to one
//! lowercase vocabulary for `log.level`.

use std::borrow::Cow;

/// (as written, lowercase; normalized).
const WORDS: &[(&str, &str)] = &[
    ("trace", "trace"),
    ("trce", "trace"),
    ("finest", "trace"),
    ("finer", "trace"),
    ("verbose", "trace"),
    ("silly", "trace"),
    ("debug", "debug"),
    ("dbg", "debug"),
    ("dbug", "debug"),
    // winston's `http`: between `info` and `verbose`.
    ("http", "debug"),
    ("fine", "debug"),
    ("info", "info"),
    ("inf", "info"),
    ("information", "info"),
    ("informational", "info"),
    ("notice", "notice"),
    ("warn", "warn"),
    ("warning", "warn"),
    ("wrn", "warn"),
    ("error", "error"),
    ("err", "error"),
    ("eror", "error"),
    ("erro", "error"),
    ("severe", "error"),
    // .NET's `fail`.
    ("fail", "error"),
    ("critical", "critical"),
    ("crit", "critical"),
    // zap's development panic.
    ("dpanic", "critical"),
    ("fatal", "fatal"),
    ("panic", "fatal"),
    ("alert", "alert"),
    ("emergency", "emergency"),
    ("emerg", "emergency"),
    // One letter: glog/klog (`I`, `W`, `E`, `F`) and Android (`V`, `D`).
    ("v", "trace"),
    ("d", "debug"),
    ("i", "info"),
    ("w", "warn"),
    ("e", "error"),
    ("f", "fatal"),
];

/// The normalized level a level as written names: a word (any case), a syslog
/// severity `0`–`7`, or a pino/bunyan level `10`–`60`. None for anything else.
pub fn normalize_level(written: &str) -> Option<&'static str> {
    let t = written.trim();
    if t.is_empty() || t.len() > 13 {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<u64>().ok().and_then(from_number);
    }
    WORDS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(t))
        .map(|(_, n)| *n)
}

/// A syslog severity (0–7) or a pino/bunyan level (10–60).
pub(crate) fn from_number(n: u64) -> Option<&'static str> {
    Some(match n {
        0..=7 => severity_level(n as u8),
        10 => "trace",
        11..=20 => "debug",
        21..=30 => "info",
        31..=40 => "warn",
        41..=50 => "error",
        51..=60 => "fatal",
        _ => return None,
    })
}

/// `log.level` of a syslog severity (0–7).
pub(crate) fn severity_level(severity: u8) -> &'static str {
    match severity {
        0 => "emergency",
        1 => "alert",
        2 => "critical",
        3 => "error",
        4 => "warn",
        5 => "notice",
        6 => "info",
        _ => "debug",
    }
}

/// `log.level` for a level as written in a JSON or text field: the normalized
/// name when known, else the word lowercased (a short word only).
pub(crate) fn level_cow(written: &str) -> Option<Cow<'static, str>> {
    if let Some(known) = normalize_level(written) {
        return Some(Cow::Borrowed(known));
    }
    let t = written.trim();
    // Go slog's levels between the named ones: `ERROR+2`, `DEBUG-4`.
    if let Some(at) = t.find(['+', '-'])
        && let (Some(word), Some(offset)) = (t.get(..at), t.get(at + 1..))
        && !offset.is_empty()
        && offset.len() <= 2
        && offset.bytes().all(|b| b.is_ascii_digit())
        && let Some(known) = normalize_level(word).filter(|_| word.len() >= 4)
    {
        return Some(Cow::Borrowed(known));
    }
    let word =
        !t.is_empty() && t.len() <= 16 && t.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_');
    word.then(|| Cow::Owned(t.to_ascii_lowercase()))
}

/// A level word at the start of `s` that text layouts write (a known name only):
/// (normalized, its length).
pub(crate) fn leading_word(s: &str) -> Option<(&'static str, usize)> {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(s.len());
    let word = s.get(..end)?;
    if word.len() < 3 {
        return None;
    }
    normalize_level(word).map(|l| (l, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_numbers_and_unknowns() {
        for (w, n) in [
            ("WARNING", "warn"),
            ("warn", "warn"),
            ("Error", "error"),
            ("CRITICAL", "critical"),
            ("FATAL", "fatal"),
            ("emerg", "emergency"),
            ("SEVERE", "error"),
            ("FINEST", "trace"),
            ("Verbose", "trace"),
            ("notice", "notice"),
            ("10", "trace"),
            ("20", "debug"),
            ("30", "info"),
            ("40", "warn"),
            ("50", "error"),
            ("60", "fatal"),
            ("0", "emergency"),
            ("3", "error"),
            ("4", "warn"),
            ("7", "debug"),
        ] {
            assert_eq!(normalize_level(w), Some(n), "{w}");
        }
        for w in ["", "8", "61", "1000", "banana", "99999999999999999999999"] {
            assert_eq!(normalize_level(w), None, "{w}");
        }
        assert_eq!(level_cow("Audit").as_deref(), Some("audit"));
        assert_eq!(level_cow("ERROR+2").as_deref(), Some("error"));
        assert_eq!(level_cow("DEBUG-4").as_deref(), Some("debug"));
        assert_eq!(level_cow("silly").as_deref(), Some("trace"));
        assert_eq!(level_cow("dpanic").as_deref(), Some("critical"));
        assert_eq!(level_cow("10-4"), None);
        assert_eq!(level_cow("not a level"), None);
    }
}
