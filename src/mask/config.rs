//! Masking configuration: the `LOGSHIP_MASK_*` settings, the rule catalogue
//! with its stable snake_case names, and the errors reported at start-up when a
//! setting is invalid. Everything here is parsed once; nothing in this module
//! runs per log event.

use std::fmt;

/// A built-in masking rule. The snake_case [`Rule::name`] is what users write in
/// `LOGSHIP_MASK_DISABLE` / `LOGSHIP_MASK_ENABLE`; it is stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// Values under sensitive keys (password, secret, token, api key, ...).
    SensitiveKey,
    /// `Authorization: Bearer ...` / `Basic ...` credentials anywhere in text.
    AuthHeader,
    /// JSON Web Tokens (`eyJ...` three dot-separated base64url segments).
    Jwt,
    /// AWS access key ids (`AKIA`/`ASIA` + 16 characters).
    AwsAccessKeyId,
    /// AWS secret access keys (40 base64 characters next to a secret key name).
    AwsSecretKey,
    /// PEM private key blocks, whole block, also with escaped `\n`.
    PemPrivateKey,
    /// Passwords in connection-string URLs (`scheme://user:PASSWORD@host`).
    UrlPassword,
    /// GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`).
    GithubToken,
    /// Slack tokens (`xox[abpors]-...`) and incoming-webhook paths.
    SlackToken,
    /// Stripe secret / restricted keys (`sk_live_`, `rk_live_`, test keys) and `whsec_` secrets.
    StripeKey,
    /// Google API keys (`AIza` + 35 characters).
    GoogleApiKey,
    /// Payment card numbers (13-19 digits, optionally space/dash grouped, Luhn-valid).
    CardNumber,
    /// Opt-in: e-mail addresses.
    Email,
    /// Opt-in: IPv4 and IPv6 addresses.
    Ip,
    /// Source hosting and CI tokens (GitLab, Bitbucket, Atlassian, Sourcegraph, ...).
    SourceControlToken,
    /// AI and ML service keys (OpenAI, Anthropic, Hugging Face, Bedrock, ...).
    AiServiceKey,
    /// Cloud and platform credentials (Azure, Alibaba, GCP, DigitalOcean, Vault, ...).
    CloudCredential,
    /// Package registry tokens (npm, PyPI, RubyGems, Docker Hub, Artifactory, ...).
    RegistryToken,
    /// Chat and collaboration tokens (Discord, Telegram, Teams/Discord webhooks, ...).
    ChatToken,
    /// Payment and commerce keys (Square, Shopify, PayPal, Flutterwave, ...).
    PaymentKey,
    /// E-mail, SMS and messaging keys (SendGrid, Mailchimp, Twilio, Mailgun, ...).
    MessagingKey,
    /// Other SaaS API tokens (Notion, Linear, Sentry, New Relic, Postman, ...).
    SaasToken,
    /// A random-looking value shortly after a credential word or vendor name.
    KeywordSecret,
    /// Secrets inside configuration formats: Docker `auth`, Kubernetes Secret
    /// `data`, NuGet `ClearTextPassword`, connection strings, SAS signatures, `curl -u`.
    ConfigSecret,
}

impl Rule {
    /// Rules that run unless disabled.
    pub const DEFAULT: [Rule; 22] = [
        Rule::SensitiveKey,
        Rule::AuthHeader,
        Rule::Jwt,
        Rule::AwsAccessKeyId,
        Rule::AwsSecretKey,
        Rule::PemPrivateKey,
        Rule::UrlPassword,
        Rule::GithubToken,
        Rule::SlackToken,
        Rule::StripeKey,
        Rule::GoogleApiKey,
        Rule::CardNumber,
        Rule::SourceControlToken,
        Rule::AiServiceKey,
        Rule::CloudCredential,
        Rule::RegistryToken,
        Rule::ChatToken,
        Rule::PaymentKey,
        Rule::MessagingKey,
        Rule::SaasToken,
        Rule::KeywordSecret,
        Rule::ConfigSecret,
    ];
    /// Number of rules (built-in families), the size of [`MaskCounts`].
    pub const COUNT: usize = 24;
    /// Rules that only run when enabled.
    pub const OPT_IN: [Rule; 2] = [Rule::Email, Rule::Ip];

    /// The stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::SensitiveKey => "sensitive_key",
            Rule::AuthHeader => "auth_header",
            Rule::Jwt => "jwt",
            Rule::AwsAccessKeyId => "aws_access_key_id",
            Rule::AwsSecretKey => "aws_secret_key",
            Rule::PemPrivateKey => "pem_private_key",
            Rule::UrlPassword => "url_password",
            Rule::GithubToken => "github_token",
            Rule::SlackToken => "slack_token",
            Rule::StripeKey => "stripe_key",
            Rule::GoogleApiKey => "google_api_key",
            Rule::CardNumber => "card_number",
            Rule::Email => "email",
            Rule::Ip => "ip",
            Rule::SourceControlToken => "source_control_token",
            Rule::AiServiceKey => "ai_service_key",
            Rule::CloudCredential => "cloud_credential",
            Rule::RegistryToken => "registry_token",
            Rule::ChatToken => "chat_token",
            Rule::PaymentKey => "payment_key",
            Rule::MessagingKey => "messaging_key",
            Rule::SaasToken => "saas_token",
            Rule::KeywordSecret => "keyword_secret",
            Rule::ConfigSecret => "config_secret",
        }
    }

    /// Looks a rule up by its snake_case name (ASCII case-insensitive).
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::DEFAULT
            .iter()
            .chain(Rule::OPT_IN.iter())
            .copied()
            .find(|r| r.name().eq_ignore_ascii_case(name))
    }

    /// True for rules that run by default.
    pub fn is_default(self) -> bool {
        !matches!(self, Rule::Email | Rule::Ip)
    }

    pub(crate) fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// Position in [`MaskCounts`] (0..[`Rule::COUNT`]).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Every rule, default ones first, in [`Rule::index`] order of the defaults.
    pub fn all() -> impl Iterator<Item = Rule> {
        Rule::DEFAULT.into_iter().chain(Rule::OPT_IN)
    }
}

/// Masked values per rule family: an audit trail of what a batch of logs
/// leaked, counts only (never values). Indexed by [`Rule::index`]; cheap to
/// add up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaskCounts {
    /// Count per rule, indexed by [`Rule::index`].
    pub by_rule: [u64; Rule::COUNT],
    /// Values masked by the user's extra patterns (`LOGSHIP_MASK_EXTRA_PATTERNS`).
    pub extra: u64,
}

impl MaskCounts {
    /// Counts one masked value for `rule`.
    #[inline]
    pub fn add(&mut self, rule: Rule, n: u64) {
        if let Some(c) = self.by_rule.get_mut(rule.index()) {
            *c += n;
        }
    }

    /// Counts `n` values for a span slot: a [`Rule::index`], or
    /// [`Rule::COUNT`] for the extra patterns.
    #[inline]
    pub(crate) fn add_slot(&mut self, slot: u8, n: u64) {
        match self.by_rule.get_mut(usize::from(slot)) {
            Some(c) => *c += n,
            None => self.extra += n,
        }
    }

    /// Per-rule maximum of two counts (the same secret seen in two forms).
    pub(crate) fn max_with(&mut self, other: &MaskCounts) {
        for (a, b) in self.by_rule.iter_mut().zip(other.by_rule) {
            *a = (*a).max(b);
        }
        self.extra = self.extra.max(other.extra);
    }

    /// The count for `rule`.
    pub fn get(&self, rule: Rule) -> u64 {
        self.by_rule.get(rule.index()).copied().unwrap_or(0)
    }

    /// All masked values.
    pub fn total(&self) -> u64 {
        self.by_rule.iter().sum::<u64>() + self.extra
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &MaskCounts) {
        for (a, b) in self.by_rule.iter_mut().zip(other.by_rule) {
            *a += b;
        }
        self.extra += other.extra;
    }

    /// Rules with a non-zero count, with their counts.
    pub fn nonzero(&self) -> impl Iterator<Item = (Rule, u64)> + '_ {
        Rule::all().filter_map(|r| {
            let n = self.get(r);
            (n > 0).then_some((r, n))
        })
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a masked value is replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MaskStyle {
    /// A fixed marker, `[MASKED]` by default.
    #[default]
    Marker,
    /// A keyed hash: `[MASKED:sha256:<first 12 hex of HMAC-SHA256(salt, value)>]`,
    /// so equal values can be correlated without being revealed.
    Hash,
}

/// Invalid masking configuration. Every variant names the setting and, where
/// there is one, the rule at fault. Values of `LOGSHIP_MASK_SALT` are never
/// included.
#[derive(Debug, thiserror::Error)]
pub enum MaskError {
    /// A setting has a value outside its allowed set.
    #[error("{var}: invalid value {value:?}: expected {expected}")]
    InvalidValue {
        /// The setting (environment variable) name.
        var: String,
        /// The rejected value.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// A rule name that does not exist (or is in the wrong list).
    #[error("{var}: unknown rule {rule:?}: {hint}")]
    UnknownRule {
        /// The setting (environment variable) name.
        var: String,
        /// The rejected rule name.
        rule: String,
        /// Which names are accepted there.
        hint: String,
    },
    /// An extra pattern that cannot be used.
    #[error("{var}: rule {rule:?}: {reason}")]
    BadPattern {
        /// The setting (environment variable) name.
        var: String,
        /// The user-chosen rule name.
        rule: String,
        /// Why it was rejected (regex error text, empty match, name clash, ...).
        reason: String,
    },
    /// Hash style without a usable salt.
    #[error("{var}: {reason}")]
    Salt {
        /// The setting (environment variable) name.
        var: String,
        /// What is wrong (the salt itself is never shown).
        reason: String,
    },
}

pub(crate) const VAR_MASK: &str = "LOGSHIP_MASK";
pub(crate) const VAR_EXTRA_KEYS: &str = "LOGSHIP_MASK_EXTRA_KEYS";
pub(crate) const VAR_EXTRA_PATTERNS: &str = "LOGSHIP_MASK_EXTRA_PATTERNS";
pub(crate) const VAR_DISABLE: &str = "LOGSHIP_MASK_DISABLE";
pub(crate) const VAR_ENABLE: &str = "LOGSHIP_MASK_ENABLE";
pub(crate) const VAR_STYLE: &str = "LOGSHIP_MASK_STYLE";
pub(crate) const VAR_MARKER: &str = "LOGSHIP_MASK_MARKER";
pub(crate) const VAR_SALT: &str = "LOGSHIP_MASK_SALT";

/// Minimum salt length for the hash style, in bytes.
pub const MIN_SALT_LEN: usize = 16;

/// Which rules run and how values are replaced. Parsed once at start-up
/// ([`MaskConfig::from_lookup`]) or built in code; validated by
/// [`crate::mask::Masker::new`].
#[derive(Clone)]
pub struct MaskConfig {
    /// Master switch (`LOGSHIP_MASK`). When false nothing is masked.
    pub enabled: bool,
    /// Extra sensitive key names (`LOGSHIP_MASK_EXTRA_KEYS`). A key matches when
    /// its last words equal the name, ignoring case and `_`/`-`/`.`/camelCase
    /// separators: `ssn` matches `ssn`, `user_ssn`, `userSsn`, but not `lesson`.
    pub extra_keys: Vec<String>,
    /// Extra regex rules `(name, regex)` (`LOGSHIP_MASK_EXTRA_PATTERNS`). If the
    /// regex has a capture group named `secret`, only that group is masked;
    /// otherwise the whole match is.
    pub extra_patterns: Vec<(String, String)>,
    /// Default rules turned off (`LOGSHIP_MASK_DISABLE`).
    pub disabled: Vec<Rule>,
    /// Opt-in rules turned on (`LOGSHIP_MASK_ENABLE`).
    pub enabled_opt_in: Vec<Rule>,
    /// Replacement style (`LOGSHIP_MASK_STYLE`).
    pub style: MaskStyle,
    /// Replacement marker (`LOGSHIP_MASK_MARKER`), `[MASKED]` by default.
    pub marker: String,
    /// HMAC key for [`MaskStyle::Hash`] (`LOGSHIP_MASK_SALT`). Never printed.
    pub salt: Option<String>,
}

/// The default replacement marker.
pub const DEFAULT_MARKER: &str = "[MASKED]";

impl Default for MaskConfig {
    fn default() -> Self {
        MaskConfig {
            enabled: true,
            extra_keys: Vec::new(),
            extra_patterns: Vec::new(),
            disabled: Vec::new(),
            enabled_opt_in: Vec::new(),
            style: MaskStyle::Marker,
            marker: DEFAULT_MARKER.to_string(),
            salt: None,
        }
    }
}

impl fmt::Debug for MaskConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaskConfig")
            .field("enabled", &self.enabled)
            .field("extra_keys", &self.extra_keys)
            .field("extra_patterns", &self.extra_patterns)
            .field("disabled", &self.disabled)
            .field("enabled_opt_in", &self.enabled_opt_in)
            .field("style", &self.style)
            .field("marker", &self.marker)
            .field("salt", &self.salt.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn invalid(var: &str, value: &str, expected: &str) -> MaskError {
    MaskError::InvalidValue {
        var: var.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn rule_names(rules: &[Rule]) -> String {
    rules
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl MaskConfig {
    /// Reads the `LOGSHIP_MASK_*` settings through `lookup` (environment
    /// variables plus CLI overrides). Unset or empty settings keep their
    /// defaults. The result is fully validated (regexes compiled, rule names
    /// checked), so an error here is the start-up error to report.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<MaskConfig, MaskError> {
        let get = |var: &str| lookup(var).filter(|v| !v.trim().is_empty());
        let mut cfg = MaskConfig::default();

        if let Some(v) = get(VAR_MASK) {
            cfg.enabled = match v.trim().to_ascii_lowercase().as_str() {
                "on" | "true" | "1" | "yes" => true,
                "off" | "false" | "0" | "no" => false,
                _ => return Err(invalid(VAR_MASK, &v, "on or off")),
            };
        }
        if let Some(v) = get(VAR_EXTRA_KEYS) {
            cfg.extra_keys = list(&v).map(str::to_string).collect();
        }
        if let Some(v) = get(VAR_EXTRA_PATTERNS) {
            let parsed: serde_json::Value = serde_json::from_str(&v).map_err(|e| {
                invalid(
                    VAR_EXTRA_PATTERNS,
                    &v,
                    &format!("a JSON object {{\"rule_name\":\"regex\"}} ({e})"),
                )
            })?;
            let serde_json::Value::Object(map) = parsed else {
                return Err(invalid(
                    VAR_EXTRA_PATTERNS,
                    &v,
                    "a JSON object {\"rule_name\":\"regex\"}",
                ));
            };
            for (name, re) in map {
                let serde_json::Value::String(re) = re else {
                    return Err(MaskError::BadPattern {
                        var: VAR_EXTRA_PATTERNS.to_string(),
                        rule: name,
                        reason: "the pattern must be a JSON string".to_string(),
                    });
                };
                cfg.extra_patterns.push((name, re));
            }
        }
        if let Some(v) = get(VAR_DISABLE) {
            for name in list(&v) {
                match Rule::from_name(name) {
                    Some(r) if r.is_default() => cfg.disabled.push(r),
                    Some(r) => {
                        return Err(MaskError::UnknownRule {
                            var: VAR_DISABLE.to_string(),
                            rule: name.to_string(),
                            hint: format!(
                                "{r} is opt-in and already off unless listed in {VAR_ENABLE}"
                            ),
                        });
                    }
                    None => {
                        return Err(MaskError::UnknownRule {
                            var: VAR_DISABLE.to_string(),
                            rule: name.to_string(),
                            hint: format!("known default rules: {}", rule_names(&Rule::DEFAULT)),
                        });
                    }
                }
            }
        }
        if let Some(v) = get(VAR_ENABLE) {
            for name in list(&v) {
                match Rule::from_name(name) {
                    Some(r) if !r.is_default() => cfg.enabled_opt_in.push(r),
                    Some(r) => {
                        return Err(MaskError::UnknownRule {
                            var: VAR_ENABLE.to_string(),
                            rule: name.to_string(),
                            hint: format!("{r} is a default rule and already on"),
                        });
                    }
                    None => {
                        return Err(MaskError::UnknownRule {
                            var: VAR_ENABLE.to_string(),
                            rule: name.to_string(),
                            hint: format!("known opt-in rules: {}", rule_names(&Rule::OPT_IN)),
                        });
                    }
                }
            }
        }
        if let Some(v) = get(VAR_STYLE) {
            cfg.style = match v.trim().to_ascii_lowercase().as_str() {
                "marker" => MaskStyle::Marker,
                "hash" => MaskStyle::Hash,
                _ => return Err(invalid(VAR_STYLE, &v, "marker or hash")),
            };
        }
        if let Some(v) = get(VAR_MARKER) {
            cfg.marker = v;
        }
        // Deliberately not trimmed or echoed: the salt is a secret.
        cfg.salt = lookup(VAR_SALT).filter(|s| !s.is_empty());

        // Full validation (regex compilation, salt, marker) happens in one place.
        crate::mask::Masker::new(&cfg)?;
        Ok(cfg)
    }
}
