//! The masking stage: removes credentials and card numbers from log messages
//! and from the JSON fields parsed out of them, before anything is encoded,
//! logged or dead-lettered. Rules are compiled once ([`Masker::new`]) and shared
//! (the [`Masker`] is `Send + Sync`). Per text, one SIMD multi-literal scan over
//! trigger words and one branch-free digit-run scan select the few places where
//! a rule can apply; only those are verified exactly, so clean text costs about
//! two passes over its bytes and allocates nothing. See `MASKING.md` for the
//! rule catalogue and configuration.

mod card;
mod catalogue;
mod class;
mod config;
mod document;
mod escapes;
mod json;
mod keys;
mod keyword;
mod pass;
mod platform;
mod prefilter;
mod random;
mod replace;
mod rules;
mod structured;
mod syntax;
mod text;
mod tokens;
mod vendor_names;
mod vendors;

use std::borrow::Cow;
use std::fmt;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde_json::Value;

pub use config::{
    DEFAULT_MARKER, MIN_SALT_LEN, MaskConfig, MaskCounts, MaskError, MaskStyle, Rule,
};
pub use document::mask_document;
#[cfg(test)]
pub(crate) use document::mask_document_general;

use catalogue::Catalogue;
use config::{VAR_DISABLE, VAR_ENABLE, VAR_EXTRA_KEYS, VAR_EXTRA_PATTERNS};
use escapes::{decode_escapes, hides_triggers};
use keys::{KeyClass, KeyMatcher};
pub(crate) use pass::{Seen, TextPass};
use prefilter::{Prefilter, Trigger};
use replace::{Replacer, Span};

/// User-supplied regex rules.
struct Extra {
    set: RegexSet,
    rules: Vec<ExtraRule>,
}

struct ExtraRule {
    re: Regex,
    /// Index of the capture group named `secret`, if any.
    secret_group: Option<usize>,
}

impl Extra {
    fn collect(&self, text: &str, spans: &mut Vec<Span>) {
        let matched = self.set.matches(text);
        if !matched.matched_any() {
            return;
        }
        for idx in matched.iter() {
            let Some(rule) = self.rules.get(idx) else {
                continue;
            };
            match rule.secret_group {
                Some(g) => {
                    for caps in rule.re.captures_iter(text) {
                        if let Some(mt) = caps.get(g)
                            && !mt.is_empty()
                        {
                            spans.push(Span::extra(mt.start(), mt.end()));
                        }
                    }
                }
                None => {
                    for mt in rule.re.find_iter(text) {
                        if !mt.is_empty() {
                            spans.push(Span::extra(mt.start(), mt.end()));
                        }
                    }
                }
            }
        }
    }
}

/// The compiled masking rules. Build once with [`Masker::new`], share via `Arc`.
pub struct Masker {
    enabled: bool,
    rules: u32,
    prefilter: Option<Prefilter>,
    keys: KeyMatcher,
    extra: Option<Extra>,
    rep: Replacer,
    style: MaskStyle,
    names: Vec<String>,
    catalogue: Catalogue,
    /// Vendor names for the keyword-proximity rule (ASCII case-insensitive).
    vendor_words: Option<aho_corasick::AhoCorasick>,
    /// Whether extra credential key names are configured.
    extra_keys: bool,
}

impl fmt::Debug for Masker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never shows the salt (it only lives inside the HMAC state anyway).
        f.debug_struct("Masker")
            .field("enabled", &self.enabled)
            .field("rules", &self.names)
            .field("style", &self.style)
            .finish_non_exhaustive()
    }
}

/// Trigger literals (lower case) for the built-in sensitive key words.
const KEY_TRIGGERS: &[&str] = &[
    // "pass" rather than "passw": keys such as DB_PASS_WORD split the word.
    "pass",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "api.key",
    // "auth" covers authorization, auth tokens and Docker's `"auth"`.
    "auth",
    "cookie",
    "private",
    "credential",
    "accountkey",
    "account_key",
    "account-key",
    "sharedaccesskey",
    "shared_access_key",
    // Vendor API-key headers whose names hold no other trigger word.
    "ocp-apim-subscription-key",
    "x-honeycomb-team",
    "x-functions-key",
];

fn bad_pattern(rule: &str, reason: impl Into<String>) -> MaskError {
    MaskError::BadPattern {
        var: VAR_EXTRA_PATTERNS.to_string(),
        rule: rule.to_string(),
        reason: reason.into(),
    }
}

fn is_snake(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

impl Masker {
    /// Compiles the rules. Fails on any invalid setting, naming it.
    pub fn new(cfg: &MaskConfig) -> Result<Masker, MaskError> {
        let mut rules = 0u32;
        for r in Rule::DEFAULT {
            rules |= r.bit();
        }
        for &r in &cfg.disabled {
            if !r.is_default() {
                return Err(MaskError::UnknownRule {
                    var: VAR_DISABLE.to_string(),
                    rule: r.name().to_string(),
                    hint: format!("{r} is opt-in and already off unless listed in {VAR_ENABLE}"),
                });
            }
            rules &= !r.bit();
        }
        for &r in &cfg.enabled_opt_in {
            if r.is_default() {
                return Err(MaskError::UnknownRule {
                    var: VAR_ENABLE.to_string(),
                    rule: r.name().to_string(),
                    hint: format!("{r} is a default rule and already on"),
                });
            }
            rules |= r.bit();
        }
        let has = |r: Rule| rules & r.bit() != 0;

        // Extra keys.
        for k in &cfg.extra_keys {
            let ok = !k.is_empty()
                && k.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
                && !keys::squash(k).is_empty();
            if !ok {
                return Err(MaskError::InvalidValue {
                    var: VAR_EXTRA_KEYS.to_string(),
                    value: k.clone(),
                    expected: "key names made of letters, digits, '_', '-' or '.'".to_string(),
                });
            }
        }
        let keys = KeyMatcher::new(has(Rule::SensitiveKey), &cfg.extra_keys);

        // Extra patterns.
        let mut extra_rules = Vec::new();
        let mut sources = Vec::new();
        for (name, pat) in &cfg.extra_patterns {
            if !is_snake(name) {
                return Err(bad_pattern(
                    name,
                    "rule names must be snake_case ([a-z][a-z0-9_]*, at most 64)",
                ));
            }
            if Rule::from_name(name).is_some()
                || cfg.extra_patterns.iter().filter(|(n, _)| n == name).count() > 1
            {
                return Err(bad_pattern(name, "rule name already in use"));
            }
            let re = RegexBuilder::new(pat)
                .size_limit(1 << 22)
                .build()
                .map_err(|e| bad_pattern(name, format!("invalid regex: {e}")))?;
            if re.is_match("") {
                return Err(bad_pattern(name, "the pattern matches the empty string"));
            }
            let secret_group = re.capture_names().position(|n| n == Some("secret"));
            sources.push(pat.clone());
            extra_rules.push(ExtraRule { re, secret_group });
        }
        let extra = if extra_rules.is_empty() {
            None
        } else {
            let set = RegexSetBuilder::new(&sources)
                .size_limit(1 << 24)
                .build()
                .map_err(|e| bad_pattern("(all extra patterns)", format!("cannot combine: {e}")))?;
            Some(Extra {
                set,
                rules: extra_rules,
            })
        };

        let rep = Replacer::new(cfg.style, &cfg.marker, cfg.salt.as_deref())?;

        // Trigger literals of the enabled rules.
        let mut lits: Vec<(Vec<u8>, Trigger)> = Vec::new();
        let mut add = |words: &[&str], t: Trigger| {
            for w in words {
                lits.push((w.as_bytes().to_vec(), t));
            }
        };
        if has(Rule::SensitiveKey) {
            add(KEY_TRIGGERS, Trigger::Key);
        } else if has(Rule::AwsSecretKey) {
            add(&["secret"], Trigger::Key);
        }
        if has(Rule::AuthHeader) {
            add(&["bearer"], Trigger::Bearer);
            add(&["basic"], Trigger::Basic);
        }
        if has(Rule::Jwt) {
            add(&["eyj"], Trigger::Jwt);
        }
        if has(Rule::PemPrivateKey) {
            add(&["-----begin"], Trigger::Pem);
        }
        if has(Rule::UrlPassword) {
            add(&["://"], Trigger::Url);
        }
        if has(Rule::SlackToken) {
            add(&["xox"], Trigger::Slack);
            add(&["hooks.slack.com/"], Trigger::SlackHook);
        }
        if has(Rule::ConfigSecret) {
            add(&["-u ", "-u\t", "--user"], Trigger::CurlUser);
            add(&["sig="], Trigger::Sig);
            add(
                &[
                    "kind: secret",
                    "\"kind\":\"secret\"",
                    "\"kind\": \"secret\"",
                ],
                Trigger::K8sSecret,
            );
            if !has(Rule::SensitiveKey) {
                add(&["auth"], Trigger::Key);
            }
        }
        if has(Rule::KeywordSecret) {
            add(&["key = "], Trigger::KeyAssign);
        }
        if has(Rule::PemPrivateKey) {
            add(&["putty-user-key-file-"], Trigger::Putty);
        }
        for k in &cfg.extra_keys {
            lits.push((keys::trigger_word(k), Trigger::Key));
        }
        let prefilter = Prefilter::new(&lits);

        let mut names: Vec<String> = Rule::DEFAULT
            .iter()
            .chain(Rule::OPT_IN.iter())
            .filter(|r| has(**r))
            .map(|r| r.name().to_string())
            .collect();
        if !cfg.extra_keys.is_empty() {
            names.push(format!("extra_keys({})", cfg.extra_keys.join(",")));
        }
        names.extend(cfg.extra_patterns.iter().map(|(n, _)| n.clone()));

        let catalogue = Catalogue::new(has);
        let vendor_words = if has(Rule::KeywordSecret) {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(vendor_names::VENDOR_WORDS)
                .ok()
        } else {
            None
        };

        Ok(Masker {
            enabled: cfg.enabled,
            rules,
            prefilter,
            keys,
            extra,
            rep,
            style: cfg.style,
            names,
            catalogue,
            vendor_words,
            extra_keys: !cfg.extra_keys.is_empty(),
        })
    }

    /// False when masking is switched off (`LOGSHIP_MASK=off`).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Names of the active rules (built-in and extra), for start-up logging.
    pub fn active_rules(&self) -> &[String] {
        &self.names
    }

    #[inline]
    pub(crate) fn has(&self, r: Rule) -> bool {
        self.rules & r.bit() != 0
    }

    pub(crate) fn classify_key(&self, key: &[u8]) -> KeyClass {
        if self.keys.is_active() {
            self.keys.classify(key)
        } else {
            KeyClass::None
        }
    }

    /// Masks secrets in free text. Returns `Cow::Borrowed` (no allocation) when
    /// nothing is masked. Adds the number of masked values to `*count`.
    pub fn mask_text<'a>(&self, text: &'a str, count: &mut u64) -> Cow<'a, str> {
        let mut c = MaskCounts::default();
        let out = self.mask_text_inner(text, &mut c, None);
        *count += c.total();
        out
    }

    /// [`Masker::mask_text`] with the masked values counted per rule family.
    pub fn mask_text_counted<'a>(&self, text: &'a str, counts: &mut MaskCounts) -> Cow<'a, str> {
        self.mask_text_inner(text, counts, None)
    }

    pub(crate) fn mask_text_inner<'a>(
        &self,
        text: &'a str,
        counts: &mut MaskCounts,
        seen: Option<&mut Seen>,
    ) -> Cow<'a, str> {
        if !self.enabled || text.len() < 5 || self.nothing_to_find(text) {
            return Cow::Borrowed(text);
        }
        let mut spans = Vec::new();
        // Text scanned with its backslash escapes (`\n`, `\t`, ...) opened up,
        // so a secret right after one is seen; positions are the same.
        let (view, has_u) = escapes::opened_and_u(text);
        // A `\uXXXX` escape can spell a key word (`pass\u0077ord=…`): such
        // text is masked with those escapes of printable ASCII decoded, and
        // shipped decoded when anything is masked.
        if has_u && let Some(d) = decode_escapes(text) {
            return match self.mask_text_inner(&d, counts, seen) {
                Cow::Owned(o) => Cow::Owned(o),
                Cow::Borrowed(_) => Cow::Borrowed(text),
            };
        }
        match view {
            Some(view) => text::collect(self, &view, &mut spans),
            None => text::collect(self, text, &mut spans),
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        if let Some(seen) = seen {
            let b = text.as_bytes();
            for sp in &spans {
                if let Some(v) = b.get(sp.start..sp.end)
                    && tokens::propagatable(self, v)
                {
                    seen.add(v, sp.rule);
                }
            }
        }
        Cow::Owned(replace::apply(text, &mut spans, &self.rep, counts))
    }

    /// Masks a parsed JSON tree in place: whole values under credential keys at
    /// any depth, text rules on every string leaf (including JSON nested in
    /// strings), card numbers in integer leaves, secrets inside object keys.
    /// A value masked anywhere in the tree is masked wherever else it occurs.
    /// Adds the number of masked values to `*count`.
    ///
    /// Which keys: see the README. Briefly, a key whose last word is a
    /// credential term (`password`, `db_password`, `clientSecret`, `X-Api-Key`,
    /// `SecretString`) has its whole value masked whatever its type, except
    /// `null`/`true`/`false`; a plural key (`tokens`, `max_tokens`, `secrets`)
    /// has strings/arrays/objects masked but numbers kept; keys that merely
    /// contain such a word (`tokens_used`, `password_changed_at`, `secret_name`)
    /// are not credential keys at all.
    pub fn mask_json(&self, value: &mut Value, count: &mut u64) {
        let mut c = MaskCounts::default();
        self.mask_json_counted(value, &mut c);
        *count += c.total();
    }

    /// [`Masker::mask_json`] with the masked values counted per rule family.
    pub fn mask_json_counted(&self, value: &mut Value, counts: &mut MaskCounts) {
        if self.enabled {
            let mut seen = Seen::default();
            json::walk(self, value, counts, &mut seen);
            if !seen.is_empty() {
                json::scrub(self, value, &seen, counts);
            }
        }
    }

    /// Convenience for one log event: masks the raw message text and, if given,
    /// the JSON value parsed from that same text. `*count` grows by the larger
    /// of the two counts (the same secret appears in both forms).
    ///
    /// The JSON walk is skipped when it provably cannot find anything the text
    /// scan did not: the text scan found nothing, the text contains no `\u`
    /// or `\/` escape (the only JSON escapes that can hide a trigger such as
    /// `://` or a key word from the raw scan; `\"` and `\n` are understood by
    /// the text rules), and no extra regex rules are configured (a user regex
    /// may depend on unescaped characters). When something is masked, every
    /// other occurrence of the same value in the text and in the fields is
    /// masked too.
    pub fn mask_message<'a>(
        &self,
        raw: &'a str,
        parsed: Option<&mut Value>,
        count: &mut u64,
    ) -> Cow<'a, str> {
        let mut c = MaskCounts::default();
        let out = self.mask_message_counted(raw, parsed, &mut c);
        *count += c.total();
        out
    }

    /// [`Masker::mask_message`] with the masked values counted per rule family.
    pub fn mask_message_counted<'a>(
        &self,
        raw: &'a str,
        parsed: Option<&mut Value>,
        counts: &mut MaskCounts,
    ) -> Cow<'a, str> {
        self.mask_message_with(raw, parsed, counts, false, None)
    }

    /// [`Masker::mask_message_counted`] with its text pass already made by
    /// [`Masker::line_pass`] over the same `raw`.
    pub(crate) fn mask_message_passed<'a>(
        &self,
        raw: &'a str,
        parsed: Option<&mut Value>,
        counts: &mut MaskCounts,
        pass: TextPass,
    ) -> Cow<'a, str> {
        self.mask_message_with(raw, parsed, counts, false, Some(pass))
    }

    /// [`Masker::mask_message_counted`] for a tree that holds values which
    /// are not in `raw` (a subscription filter's extracted fields): the tree
    /// is always read in full, and what it masks is masked in the text too.
    pub fn mask_message_and_outside<'a>(
        &self,
        raw: &'a str,
        parsed: &mut Value,
        counts: &mut MaskCounts,
    ) -> Cow<'a, str> {
        self.mask_message_with(raw, Some(parsed), counts, true, None)
    }

    /// True when masking `raw` with the tree parsed from it
    /// ([`Masker::mask_message_counted`]) would change and count nothing: the
    /// text rules find nothing in the line, and then the tree is not read
    /// (no escape in the line can hide a trigger from the text scan, and no
    /// extra rule is configured). Then neither the line nor anything parsed
    /// from it needs masking, and the tree need not even be made. Not for a
    /// tree with values from outside the line
    /// ([`Masker::mask_message_and_outside`]).
    pub fn line_is_clean(&self, raw: &str) -> bool {
        !self.enabled || self.line_pass(raw).is_some_and(|p| p.is_clean())
    }

    /// The text pass of [`Masker::mask_message_counted`] over `raw`, done
    /// ahead so that a line is scanned once whether or not it is clean; None
    /// when that pass depends on the tree (`raw` holds an escape that can
    /// hide a trigger) or extra rules are configured.
    pub(crate) fn line_pass(&self, raw: &str) -> Option<TextPass> {
        if self.extra.is_some() || hides_triggers(raw.as_bytes()) {
            return None;
        }
        let mut pass = TextPass::default();
        if let Cow::Owned(o) = self.mask_text_inner(raw, &mut pass.counts, Some(&mut pass.seen)) {
            pass.masked = Some(o);
        }
        Some(pass)
    }

    fn mask_message_with<'a>(
        &self,
        raw: &'a str,
        parsed: Option<&mut Value>,
        counts: &mut MaskCounts,
        outside: bool,
        pass: Option<TextPass>,
    ) -> Cow<'a, str> {
        // A `\uXXXX` escape can hide a key word or a value from the text
        // scan (`"pass\u0077ord"`); the text is scanned with those escapes
        // decoded, and shipped decoded (the same JSON) if anything is masked.
        // A pass made by [`Masker::line_pass`] is that scan (it is only made
        // where nothing is decoded).
        let decoded = if pass.is_none() && parsed.is_some() && hides_triggers(raw.as_bytes()) {
            decode_escapes(raw)
        } else {
            None
        };
        let TextPass {
            masked,
            counts: mut text_counts,
            mut seen,
        } = match pass {
            Some(pass) => pass,
            None => {
                let mut pass = TextPass::default();
                let text = decoded.as_deref().unwrap_or(raw);
                if let Cow::Owned(o) =
                    self.mask_text_inner(text, &mut pass.counts, Some(&mut pass.seen))
                {
                    pass.masked = Some(o);
                }
                pass
            }
        };
        let mut masked: Cow<'a, str> = masked.map_or(Cow::Borrowed(raw), Cow::Owned);
        let mut json_counts = MaskCounts::default();
        let mut parsed = parsed;
        if let Some(v) = parsed.as_mut() {
            let skip = !outside
                && matches!(masked, Cow::Borrowed(_))
                && self.extra.is_none()
                && !hides_triggers(raw.as_bytes());
            if !skip {
                json::walk(self, v, &mut json_counts, &mut seen);
            }
        }
        if !seen.is_empty() {
            // Copies in the fields count like the field rules' finds; copies
            // in the raw text are the same secrets seen in their other form.
            if let Some(v) = parsed.as_mut() {
                json::scrub(self, v, &seen, &mut json_counts);
            }
            let mut uncounted = MaskCounts::default();
            if let Some(out) = json::scrub_str(self, &masked, &seen, &mut uncounted) {
                masked = Cow::Owned(out);
            }
        }
        text_counts.max_with(&json_counts);
        counts.merge(&text_counts);
        masked
    }

    /// True when the rules provably find nothing in `s` without scanning it:
    /// a short string without separators ([`Masker::short_and_clean`]), or a
    /// bare UUID (a Lambda request id field): its digit runs are at most 12
    /// long and split so that no card layout fits, it holds no trigger
    /// literal of the built-in rules, no catalogued format has its shape,
    /// the keyword rule needs a key before it, and e-mail and IP addresses
    /// need `@`, `.` or `:`. Extra keys and patterns could match anything,
    /// so with them only the short-string test applies.
    ///
    /// Also a Lambda runtime START, END or REPORT line in its usual shape
    /// (`platform.rs`), on the same condition as a bare UUID.
    #[inline]
    fn nothing_to_find(&self, s: &str) -> bool {
        match s.len() {
            0..=12 => self.short_and_clean(s),
            36 => self.extra.is_none() && !self.extra_keys && random::is_uuid(s.as_bytes()),
            _ => {
                self.extra.is_none() && !self.extra_keys && platform::is_platform_line(s.as_bytes())
            }
        }
    }

    /// True when a short string cannot contain anything the rules mask: no
    /// shape rule matches fewer than 13 bytes, so only `key=value`-like text
    /// (which needs a separator) or the opt-in/extra rules could.
    fn short_and_clean(&self, s: &str) -> bool {
        s.len() < 13
            && self.extra.is_none()
            && !self.has(Rule::Ip)
            && !self.has(Rule::Email)
            && !s
                .bytes()
                .any(|c| matches!(c, b'=' | b':' | b'>' | b' ' | b'\\'))
    }
}

#[cfg(test)]
mod cover_tests;
#[cfg(test)]
mod fastpath_tests;
#[cfg(test)]
mod line_props;
#[cfg(test)]
mod tests;
