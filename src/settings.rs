//! Settings: the one list of every `LOGSHIP_*` variable the shipper (Lambda
//! and CLI) reads, and the check that turns a typo into a warning naming the
//! closest known name (`LOGSHIP_DESTINATON` → `LOGSHIP_DESTINATION`), or an
//! error when `LOGSHIP_STRICT_SETTINGS` is on.
//!
//! Only variable names are looked at, never values, so nothing secret can
//! leak into the warning. A variable added to [`crate::config`],
//! [`crate::mask`], [`crate::tls`] or the CLI must be added to [`KNOWN`]
//! too (a test greps the sources for `"LOGSHIP_…"` literals and fails on one
//! missing here).

/// The variable that makes an unknown setting an error instead of a warning.
pub const VAR_STRICT: &str = "LOGSHIP_STRICT_SETTINGS";

/// Every `LOGSHIP_*` variable the shipper reads, sorted.
pub const KNOWN: &[&str] = &[
    "LOGSHIP_BACKOFF_BASE_MS",
    "LOGSHIP_BACKOFF_MAX_MS",
    "LOGSHIP_CA_BUNDLE",
    "LOGSHIP_CA_BUNDLE_PARAM",
    "LOGSHIP_CONCURRENCY",
    "LOGSHIP_CONNECT_TIMEOUT_MS",
    "LOGSHIP_DATA_STREAM_NAMESPACE",
    "LOGSHIP_DEADLINE_RESERVE_MS",
    "LOGSHIP_DESTINATION",
    "LOGSHIP_DLQ_MAX_MESSAGE_BYTES",
    "LOGSHIP_DLQ_URL",
    "LOGSHIP_ENDPOINT",
    "LOGSHIP_ES_AUTH",
    "LOGSHIP_FIELDS_PREFIX",
    "LOGSHIP_GZIP",
    "LOGSHIP_INDEX",
    "LOGSHIP_KEEP_ORIGINAL",
    "LOGSHIP_LOG",
    "LOGSHIP_LOGZIO_TYPE",
    "LOGSHIP_MASK",
    "LOGSHIP_MASK_DISABLE",
    "LOGSHIP_MASK_ENABLE",
    "LOGSHIP_MASK_EXTRA_KEYS",
    "LOGSHIP_MASK_EXTRA_PATTERNS",
    "LOGSHIP_MASK_MARKER",
    "LOGSHIP_MASK_SALT",
    "LOGSHIP_MASK_STYLE",
    "LOGSHIP_MAX_ATTEMPTS",
    "LOGSHIP_MAX_BODY_BYTES",
    "LOGSHIP_MAX_BODY_DOCS",
    "LOGSHIP_MAX_DECOMPRESSED_BYTES",
    "LOGSHIP_MAX_LINE_BYTES",
    "LOGSHIP_MAX_RETRY_AFTER_MS",
    "LOGSHIP_REQUEST_TIMEOUT_MS",
    "LOGSHIP_RULES",
    "LOGSHIP_RULES_FILE",
    "LOGSHIP_SHAPES",
    "LOGSHIP_SIGV4_SERVICE",
    "LOGSHIP_STRICT_SETTINGS",
    "LOGSHIP_TOKEN",
    "LOGSHIP_TOKEN_PARAMETER",
    "LOGSHIP_TOKEN_TTL_SECS",
    "LOGSHIP_VPC_FLOW_FORMATS",
];

/// A variable that looks like a logship setting but is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The variable as set.
    pub name: String,
    /// The known name it most likely meant.
    pub closest: Option<&'static str>,
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown setting {}", self.name)?;
        match self.closest {
            Some(c) => write!(f, " (did you mean {c}?)"),
            None => write!(f, " (not a logship setting; it is ignored)"),
        }
    }
}

/// Unknown settings under `LOGSHIP_STRICT_SETTINGS`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{VAR_STRICT} is on and {}", list(.0))]
pub struct UnknownSettings(pub Vec<Unknown>);

fn list(unknown: &[Unknown]) -> String {
    unknown
        .iter()
        .map(Unknown::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The variables among `names` that look like logship settings and are not:
/// names starting with `LOGSHIP_` in any case, or with a misspelt prefix
/// (`LOGSHP_`, `LOGSIHP_`), that are not in [`KNOWN`]. Each comes with the
/// closest known name, if one is close enough. Sorted by name.
pub fn unknown_settings<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Unknown> {
    let mut out: Vec<Unknown> = names
        .into_iter()
        .filter(|n| looks_like_ours(n) && !KNOWN.contains(n))
        .map(|n| Unknown {
            name: n.to_owned(),
            closest: closest_setting(n),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup();
    out
}

/// A lookup of settings by variable name.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The names of the process environment's variables (names only, never values).
pub fn env_names() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .collect()
}

/// Reads a file packaged with the function (`LOGSHIP_RULES_FILE`,
/// `LOGSHIP_CA_BUNDLE`). A relative path is relative to the working directory,
/// which in Lambda is the function's code (`/var/task`), so a packaged file is
/// found by its name; locally it is relative to where the CLI runs.
pub fn read_packaged_file(path: &str) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

/// The start-up check: the unknown settings to warn about, or an error when
/// `strict` (`LOGSHIP_STRICT_SETTINGS` on) and there are any.
pub fn check<'a>(
    names: impl IntoIterator<Item = &'a str>,
    strict: bool,
) -> Result<Vec<Unknown>, UnknownSettings> {
    let unknown = unknown_settings(names);
    if strict && !unknown.is_empty() {
        return Err(UnknownSettings(unknown));
    }
    Ok(unknown)
}

/// Whether a name is meant for logship: its part before the first `_` is
/// `LOGSHIP` (any case) or one edit away from it.
fn looks_like_ours(name: &str) -> bool {
    let Some((prefix, rest)) = name.split_once('_') else {
        return false;
    };
    !rest.is_empty() && edit_distance(&prefix.to_ascii_uppercase(), "LOGSHIP") <= 1
}

/// The known setting closest to `name`, if close enough to be the one meant.
pub fn closest_setting(name: &str) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    // A wrong case or a misspelt prefix: compare what follows the prefix.
    let tail = upper.split_once('_').map_or(upper.as_str(), |(_, t)| t);
    let fixed = format!("LOGSHIP_{tail}");
    if let Some(k) = KNOWN.iter().find(|k| **k == fixed) {
        return Some(k);
    }
    closest(&fixed, KNOWN.iter().copied())
}

/// The candidate closest to `word` by Damerau–Levenshtein distance (optimal
/// string alignment), if within the threshold: 1 edit for words up to 4
/// characters, 2 up to 12, 3 beyond (counted on the part that differs from a
/// shared `LOGSHIP_` prefix). Ties go to the first candidate.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let core = word.strip_prefix("LOGSHIP_").unwrap_or(word);
    let limit = match core.chars().count() {
        0..=4 => 1,
        5..=12 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(word, c);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Damerau–Levenshtein distance (optimal string alignment: insertions,
/// deletions, substitutions and transpositions of adjacent characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    // Three rolling rows: two back (for transpositions), one back, current.
    let mut prev2 = vec![0usize; w];
    let mut prev: Vec<usize> = (0..w).collect();
    let mut cur = vec![0usize; w];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..w {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[w - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_names_the_setting_meant() {
        let u = unknown_settings(["LOGSHIP_DESTINATON", "LOGSHIP_DESTINATION", "PATH"]);
        assert_eq!(
            u,
            [Unknown {
                name: "LOGSHIP_DESTINATON".into(),
                closest: Some("LOGSHIP_DESTINATION")
            }]
        );
        assert_eq!(
            u[0].to_string(),
            "unknown setting LOGSHIP_DESTINATON (did you mean LOGSHIP_DESTINATION?)"
        );
        for (typo, meant) in [
            ("LOGSHIP_INDX", "LOGSHIP_INDEX"),
            ("LOGSHIP_TOKEN_PARAMETR", "LOGSHIP_TOKEN_PARAMETER"),
            ("LOGSHIP_MASK_SLAT", "LOGSHIP_MASK_SALT"),
            ("LOGSHIP_RULE", "LOGSHIP_RULES"),
            (
                "LOGSHIP_DATASTREAM_NAMESPACE",
                "LOGSHIP_DATA_STREAM_NAMESPACE",
            ),
            ("logship_index", "LOGSHIP_INDEX"),
            ("LOGSHP_ENDPOINT", "LOGSHIP_ENDPOINT"),
            ("LOGSIHP_GZIP", "LOGSHIP_GZIP"),
            ("LOGSHIP_CONCURENCY", "LOGSHIP_CONCURRENCY"),
        ] {
            let u = unknown_settings([typo]);
            assert_eq!(u.len(), 1, "{typo}");
            assert_eq!(u[0].closest, Some(meant), "{typo}");
        }
    }

    #[test]
    fn far_names_get_no_suggestion_and_others_are_ignored() {
        let u = unknown_settings(["LOGSHIP_KAFKA_BROKERS"]);
        assert_eq!(u[0].closest, None);
        assert!(u[0].to_string().contains("not a logship setting"));
        assert!(
            unknown_settings([
                "AWS_REGION",
                "PATH",
                "LOGSHIPPER",
                "LOGGING_LEVEL",
                "LAMBDA_TASK_ROOT"
            ])
            .is_empty()
        );
        assert!(unknown_settings(KNOWN.iter().copied()).is_empty());
    }

    #[test]
    fn strict_turns_the_warning_into_an_error() {
        assert_eq!(check(["LOGSHIP_INDEX"], true), Ok(vec![]));
        let warn = check(["LOGSHIP_DESTINATON"], false).expect("a warning only");
        assert_eq!(warn.len(), 1);
        let e = check(["LOGSHIP_DESTINATON"], true).expect_err("strict");
        assert!(e.to_string().contains("LOGSHIP_STRICT_SETTINGS"));
        assert!(e.to_string().contains("did you mean LOGSHIP_DESTINATION?"));
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("abc", "acb"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("DESTINATON", "DESTINATION"), 1);
        assert_eq!(edit_distance("ca", "abc"), 3);
    }

    #[test]
    fn known_is_sorted_and_holds_every_variable_the_sources_read() {
        let mut sorted = KNOWN.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, KNOWN);
        let root = env!("CARGO_MANIFEST_DIR");
        let mut missing = Vec::new();
        // Every source file, so a setting read in a new room is not missed.
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(format!("{root}/src"))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 50, "the sources were found");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source");
            // Tests hold typos on purpose.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (at, _) in text.match_indices("\"LOGSHIP_") {
                let name: String = text[at + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                // `LOGSHIP_` alone is the CLI's prefix for --set, not a variable.
                if name != "LOGSHIP_" && !KNOWN.contains(&name.as_str()) {
                    missing.push(format!("{}: {name}", file.display()));
                }
            }
        }
        assert!(missing.is_empty(), "not in settings::KNOWN: {missing:?}");
    }
}
