//! Configuration: every `LOGSHIP_*` setting, read once and validated.
//!
//! The Lambda reads them from its environment; the CLI reads the same names and
//! lets flags override them. [`Config::from_lookup`] takes any lookup function so
//! both, and tests, build the same validated struct. An invalid setting is a
//! [`ConfigError`] naming the variable: the Lambda fails its invocation with it
//! rather than guessing.

use std::time::Duration;

use crate::document::Shaping;
use crate::encode::{Format, Limits};
use crate::mask::{MaskConfig, MaskError};
use crate::rules::{DestinationKind, RuleError, RuleSet};
use crate::secret::Secret;
pub use crate::settings::read_packaged_file;
use crate::settings::{Lookup, Unknown, UnknownSettings};
use crate::shape::{FlowFormat, Shaper};
use crate::tls::{CaError, CaSetting};

/// Where documents go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// NDJSON on standard output (the CLI's default; nothing to set up).
    Stdout,
    /// The Logz.io listener (`POST {endpoint}/?token=...&type=...`).
    Logzio {
        /// e.g. `https://listener.logz.io:8071`.
        endpoint: String,
    },
    /// Elasticsearch or OpenSearch `_bulk`.
    Elasticsearch {
        /// e.g. `https://search.example.com:9200`.
        endpoint: String,
    },
}

impl Destination {
    /// The name used in logs, metrics and DLQ messages.
    pub fn name(&self) -> &'static str {
        match self {
            Destination::Stdout => "stdout",
            Destination::Logzio { .. } => "logzio",
            Destination::Elasticsearch { .. } => "elasticsearch",
        }
    }

    /// The body format this destination takes (the one mapping from
    /// destination to format): `_bulk` into `index` for Elasticsearch, NDJSON
    /// for Logz.io, NDJSON with each document's `_id` first on stdout.
    pub fn format(&self, index: &str) -> Format {
        match self {
            Destination::Elasticsearch { .. } => Format::Bulk {
                index: index.to_owned(),
            },
            Destination::Logzio { .. } => Format::Ndjson { with_id: false },
            Destination::Stdout => Format::Ndjson { with_id: true },
        }
    }
}

/// Where the destination token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSetting {
    /// No token (an open Elasticsearch, SigV4, or stdout).
    None,
    /// `LOGSHIP_TOKEN`: plain, for local runs and tests only.
    Plain(Secret),
    /// `LOGSHIP_TOKEN_PARAMETER`: an SSM SecureString name, read with decryption.
    Parameter(String),
}

/// How Elasticsearch requests authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EsAuth {
    /// No Authorization header.
    None,
    /// `Authorization: ApiKey <token>` (the token is the encoded API key).
    ApiKey,
    /// `Authorization: Basic base64(<token>)` (the token is `user:password`).
    Basic,
    /// AWS SigV4 with the function's own credentials (Amazon OpenSearch Service).
    SigV4 {
        /// `es` for OpenSearch Service domains, `aoss` for Serverless collections.
        service: String,
        /// The region to sign for.
        region: String,
    },
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where documents go.
    pub destination: Destination,
    /// The token source.
    pub token: TokenSetting,
    /// How long a token read from SSM is trusted before it is read again.
    pub token_ttl: Duration,
    /// Elasticsearch authentication.
    pub es_auth: EsAuth,
    /// Elasticsearch index (`%Y`, `%m`, `%d` from the event date).
    pub index: String,
    /// Logz.io `type` parameter.
    pub logzio_type: String,
    /// SQS dead-letter queue URL; unset means undeliverable records go back to Kinesis.
    pub dlq_url: Option<String>,
    /// Largest SQS message the DLQ stage writes.
    pub dlq_max_message_bytes: usize,
    /// Cap on one record's decompressed size.
    pub max_decompressed_bytes: usize,
    /// Body limits.
    pub limits: Limits,
    /// Bulk requests in flight at once.
    pub concurrency: usize,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// Attempts per body (first try included).
    pub max_attempts: u32,
    /// First backoff step.
    pub backoff_base: Duration,
    /// Largest backoff step.
    pub backoff_max: Duration,
    /// The longest `Retry-After` honoured: a destination asking for more is
    /// retried after this long instead (the Lambda's cut-off bounds it too).
    pub max_retry_after: Duration,
    /// Time kept back before the Lambda deadline to dead-letter what is left.
    pub deadline_reserve: Duration,
    /// Gzip request bodies.
    pub gzip: bool,
    /// Masking rules.
    pub mask: MaskConfig,
    /// Routing and filtering rules (`LOGSHIP_RULES` or `LOGSHIP_RULES_FILE`)
    /// and the data stream option (`LOGSHIP_DATA_STREAM_NAMESPACE`).
    pub rules: RuleSet,
    /// How log lines become documents: custom VPC flow log formats
    /// (`LOGSHIP_VPC_FLOW_FORMATS`) and where a line's own fields go
    /// (`LOGSHIP_FIELDS_PREFIX`).
    pub shaping: Shaping,
    /// `LOGSHIP_KEEP_ORIGINAL`: write the line as it came as `event.original`
    /// when `message` holds only its human message.
    pub keep_original: bool,
    /// The destination's extra trust roots (`LOGSHIP_CA_BUNDLE` or
    /// `LOGSHIP_CA_BUNDLE_PARAM`, the latter read at start-up).
    pub ca: CaSetting,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable has a value that cannot be used.
    #[error("{var}={value:?}: {reason}")]
    Invalid {
        /// The variable name.
        var: &'static str,
        /// The value (never a secret: secrets are not echoed).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A variable the chosen destination needs is unset.
    #[error("{var} is required when {when}")]
    Missing {
        /// The variable name.
        var: &'static str,
        /// The condition that needs it.
        when: &'static str,
    },
    /// The masking settings are invalid.
    #[error("masking: {0}")]
    Mask(#[from] MaskError),
    /// The routing and filtering rules are invalid: the error names the rule
    /// (number and name) and the problem.
    #[error("rules: {0}")]
    Rules(RuleError),
    /// Unknown `LOGSHIP_*` variables under `LOGSHIP_STRICT_SETTINGS=on`.
    #[error("{0}")]
    UnknownSettings(UnknownSettings),
    /// `LOGSHIP_VPC_FLOW_FORMATS` is not a JSON object of log group (or
    /// `prefix*`) to flow log format, or a format in it is not one.
    #[error("LOGSHIP_VPC_FLOW_FORMATS: {0}")]
    FlowFormats(String),
    /// The CA bundle setting cannot be used: the error names the setting.
    #[error("{0}")]
    Ca(CaError),
}

impl From<CaError> for ConfigError {
    fn from(e: CaError) -> Self {
        ConfigError::Ca(e)
    }
}

// Not `#[from]`: the message already holds the cause, and a source would
// print it twice in an error chain (`{:#}`).
impl From<RuleError> for ConfigError {
    fn from(e: RuleError) -> Self {
        ConfigError::Rules(e)
    }
}

impl From<UnknownSettings> for ConfigError {
    fn from(e: UnknownSettings) -> Self {
        ConfigError::UnknownSettings(e)
    }
}

/// The start-up check of the setting names (`names`: the environment's
/// variable names and any CLI overrides): the unknown `LOGSHIP_*` ones, each
/// with the closest known name, to warn about; an error when
/// `LOGSHIP_STRICT_SETTINGS` (read through `lookup`) is on. Only names are
/// looked at, never values.
fn check_settings<'a>(
    names: impl IntoIterator<Item = &'a str>,
    lookup: Lookup<'_>,
) -> Result<Vec<Unknown>, ConfigError> {
    let value = lookup(crate::settings::VAR_STRICT).map(|v| v.trim().to_ascii_lowercase());
    let strict = match value.as_deref() {
        None | Some("" | "off" | "false" | "0" | "no") => false,
        Some("on" | "true" | "1" | "yes") => true,
        Some(other) => {
            return Err(ConfigError::Invalid {
                var: crate::settings::VAR_STRICT,
                value: other.to_owned(),
                reason: "expected on or off",
            });
        }
    };
    Ok(crate::settings::check(names, strict)?)
}

/// The start-up configuration, the same for the Lambda and the CLI: the
/// unknown-settings check over `names` (the environment's variable names and
/// any overrides), each unknown name handed to `warn` (or the error under
/// `LOGSHIP_STRICT_SETTINGS=on`), then the validated [`Config`] from `lookup`.
pub fn checked<'a>(
    names: impl IntoIterator<Item = &'a str>,
    lookup: Lookup<'_>,
    warn: &mut dyn FnMut(&Unknown),
) -> Result<Config, ConfigError> {
    for unknown in &check_settings(names, lookup)? {
        warn(unknown);
    }
    Config::from_lookup(lookup)
}

/// An endpoint must be a plain http(s) URL: scheme, host, optional port and
/// path. Credentials and a query belong elsewhere (the token in SSM; the
/// Logz.io `token` and `type` are added by logship), so a URL carrying them is
/// refused, and the error shows the URL without them.
fn check_endpoint(endpoint: &str) -> Result<(), ConfigError> {
    let invalid = |reason| ConfigError::Invalid {
        var: "LOGSHIP_ENDPOINT",
        value: crate::secret::url_without_secrets(endpoint),
        reason,
    };
    let url = reqwest::Url::parse(endpoint)
        .map_err(|_| invalid("expected an http:// or https:// URL with a valid host and port"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("expected an http:// or https:// URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials do not belong in the URL: use LOGSHIP_TOKEN_PARAMETER (LOGSHIP_ES_AUTH=basic for user:password)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "a query string or fragment does not belong in the URL (logship adds the Logz.io token and type itself)",
        ));
    }
    Ok(())
}

/// Elasticsearch's rules for an index (or data stream) name, with logship's
/// `%Y`, `%m`, `%d` placeholders: lowercase, none of `\ / * ? " < > | , # :` or
/// spaces, not starting with `-`, `_` or `+`, not `.` or `..`, at most 255 bytes.
pub fn check_index(index: &str) -> Result<(), &'static str> {
    let rendered = index
        .replace("%Y", "2026")
        .replace("%m", "11")
        .replace("%d", "27");
    if rendered.is_empty() || rendered == "." || rendered == ".." {
        return Err("an index name cannot be empty, `.` or `..`");
    }
    if rendered.contains('%') {
        return Err("only %Y, %m and %d may follow a `%`");
    }
    if rendered.starts_with(['-', '_', '+']) {
        return Err("an index name cannot start with `-`, `_` or `+`");
    }
    if rendered.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("an index name must be lowercase");
    }
    if rendered
        .chars()
        .any(|c| c.is_whitespace() || "\\/*?\"<>|,#:".contains(c))
    {
        return Err("an index name cannot hold spaces or any of \\ / * ? \" < > | , # :");
    }
    if rendered.len() > 255 {
        return Err("an index name is at most 255 bytes");
    }
    Ok(())
}

impl Config {
    /// The body format of the configured destination ([`Destination::format`]).
    pub fn format(&self) -> Format {
        self.destination.format(&self.index)
    }

    /// Where the rules' `--explain` preview says documents go by default: the
    /// Logz.io type, or the index (stdout previews as Elasticsearch).
    pub fn explain_destination(&self) -> DestinationKind {
        match self.destination {
            Destination::Logzio { .. } => DestinationKind::Logzio {
                default_type: self.logzio_type.clone(),
            },
            Destination::Elasticsearch { .. } | Destination::Stdout => {
                DestinationKind::Elasticsearch {
                    default_index: self.index.clone(),
                }
            }
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(&|k| std::env::var(k).ok())
    }

    /// Reads settings through `lookup` (empty values count as unset).
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Config, ConfigError> {
        let get = |k: &str| {
            lookup(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let endpoint = |when| {
            get("LOGSHIP_ENDPOINT")
                .map(|e| e.trim_end_matches('/').to_owned())
                .ok_or(ConfigError::Missing {
                    var: "LOGSHIP_ENDPOINT",
                    when,
                })
        };
        let destination = match get("LOGSHIP_DESTINATION").as_deref() {
            None | Some("stdout") => Destination::Stdout,
            Some("logzio") => Destination::Logzio {
                endpoint: endpoint("LOGSHIP_DESTINATION=logzio")?,
            },
            Some("elasticsearch" | "opensearch") => Destination::Elasticsearch {
                endpoint: endpoint("LOGSHIP_DESTINATION=elasticsearch")?,
            },
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "LOGSHIP_DESTINATION",
                    value: other.to_owned(),
                    reason: "expected logzio, elasticsearch or stdout",
                });
            }
        };
        if let Destination::Logzio { endpoint } | Destination::Elasticsearch { endpoint } =
            &destination
        {
            check_endpoint(endpoint)?;
        }
        let token = match (get("LOGSHIP_TOKEN_PARAMETER"), lookup("LOGSHIP_TOKEN")) {
            (Some(name), _) => TokenSetting::Parameter(name),
            (None, Some(t)) if !t.trim().is_empty() => TokenSetting::Plain(Secret::new(t.trim())),
            _ => TokenSetting::None,
        };
        if matches!(destination, Destination::Logzio { .. }) && token == TokenSetting::None {
            return Err(ConfigError::Missing {
                var: "LOGSHIP_TOKEN_PARAMETER",
                when: "LOGSHIP_DESTINATION=logzio (or LOGSHIP_TOKEN for local runs)",
            });
        }
        let region = get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let es_auth = match get("LOGSHIP_ES_AUTH").as_deref() {
            None if token == TokenSetting::None => EsAuth::None,
            None | Some("apikey") => EsAuth::ApiKey,
            Some("basic") => EsAuth::Basic,
            Some("none") => EsAuth::None,
            Some("sigv4") => EsAuth::SigV4 {
                service: get("LOGSHIP_SIGV4_SERVICE").unwrap_or_else(|| "es".to_owned()),
                region,
            },
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "LOGSHIP_ES_AUTH",
                    value: other.to_owned(),
                    reason: "expected apikey, basic, sigv4 or none",
                });
            }
        };
        if matches!(es_auth, EsAuth::ApiKey | EsAuth::Basic)
            && matches!(destination, Destination::Elasticsearch { .. })
            && token == TokenSetting::None
        {
            return Err(ConfigError::Missing {
                var: "LOGSHIP_TOKEN_PARAMETER",
                when: "LOGSHIP_ES_AUTH is apikey or basic",
            });
        }
        let num =
            |var: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
                match get(var) {
                    None => Ok(default),
                    Some(v) => match v.parse::<u64>() {
                        Ok(n) if (min..=max).contains(&n) => Ok(n),
                        Ok(_) => Err(ConfigError::Invalid {
                            var,
                            value: v,
                            reason: "out of range",
                        }),
                        Err(_) => Err(ConfigError::Invalid {
                            var,
                            value: v,
                            reason: "expected a whole number",
                        }),
                    },
                }
            };
        let ms = |var, default, min, max| num(var, default, min, max).map(Duration::from_millis);
        let flag = |var: &'static str, default: bool| match get(var).as_deref() {
            None => Ok(default),
            Some("on" | "true" | "1" | "yes") => Ok(true),
            Some("off" | "false" | "0" | "no") => Ok(false),
            Some(other) => Err(ConfigError::Invalid {
                var,
                value: other.to_owned(),
                reason: "expected on or off",
            }),
        };
        let limits = Limits {
            max_body_bytes: num("LOGSHIP_MAX_BODY_BYTES", 4 << 20, 1 << 10, 10 << 20)? as usize,
            max_docs: num("LOGSHIP_MAX_BODY_DOCS", 10_000, 1, 1_000_000)? as usize,
            max_line_bytes: num("LOGSHIP_MAX_LINE_BYTES", 500_000, 1 << 10, 10 << 20)? as usize,
        };
        let dlq_url = get("LOGSHIP_DLQ_URL");
        Ok(Config {
            destination,
            token,
            token_ttl: Duration::from_secs(num("LOGSHIP_TOKEN_TTL_SECS", 300, 0, 86_400)?),
            es_auth,
            index: match get("LOGSHIP_INDEX") {
                Some(index) => {
                    check_index(&index).map_err(|reason| ConfigError::Invalid {
                        var: "LOGSHIP_INDEX",
                        value: index.clone(),
                        reason,
                    })?;
                    index
                }
                None => "logship-%Y.%m.%d".to_owned(),
            },
            logzio_type: get("LOGSHIP_LOGZIO_TYPE").unwrap_or_else(|| "cloudwatch".to_owned()),
            dlq_url,
            dlq_max_message_bytes: num("LOGSHIP_DLQ_MAX_MESSAGE_BYTES", 262_144, 4_096, 1 << 20)?
                as usize,
            max_decompressed_bytes: num(
                "LOGSHIP_MAX_DECOMPRESSED_BYTES",
                16 << 20,
                1 << 10,
                1 << 30,
            )? as usize,
            limits,
            concurrency: num("LOGSHIP_CONCURRENCY", 4, 1, 64)? as usize,
            connect_timeout: ms("LOGSHIP_CONNECT_TIMEOUT_MS", 3_000, 1, 600_000)?,
            request_timeout: ms("LOGSHIP_REQUEST_TIMEOUT_MS", 15_000, 1, 900_000)?,
            max_attempts: num("LOGSHIP_MAX_ATTEMPTS", 5, 1, 100)? as u32,
            backoff_base: ms("LOGSHIP_BACKOFF_BASE_MS", 200, 1, 600_000)?,
            backoff_max: ms("LOGSHIP_BACKOFF_MAX_MS", 10_000, 1, 600_000)?,
            max_retry_after: ms("LOGSHIP_MAX_RETRY_AFTER_MS", 30_000, 0, 3_600_000)?,
            deadline_reserve: ms("LOGSHIP_DEADLINE_RESERVE_MS", 5_000, 0, 600_000)?,
            gzip: flag("LOGSHIP_GZIP", true)?,
            mask: MaskConfig::from_lookup(lookup)?,
            rules: RuleSet::from_lookup(lookup)?,
            shaping: Shaping {
                shaper: flow_formats(get("LOGSHIP_VPC_FLOW_FORMATS").as_deref())?,
                fields_prefix: match get("LOGSHIP_FIELDS_PREFIX") {
                    None => None,
                    Some(p) => Some(check_fields_prefix(p)?),
                },
                shapes_off: !flag("LOGSHIP_SHAPES", true)?,
            },
            keep_original: flag("LOGSHIP_KEEP_ORIGINAL", false)?,
            ca: CaSetting::from_lookup(lookup)?,
        })
    }
}

/// `LOGSHIP_VPC_FLOW_FORMATS`: `{"<log group or prefix*>": "${version} ${vpc-id} …"}`,
/// the first matching entry wins (in the order written).
fn flow_formats(spec: Option<&str>) -> Result<Shaper, ConfigError> {
    let Some(spec) = spec else {
        return Ok(Shaper::new());
    };
    let bad = |why: String| ConfigError::FlowFormats(why);
    let entries: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(spec).map_err(|_| {
            bad(
                "expected a JSON object like {\"/vpc/custom-*\": \"${version} ${srcaddr} ...\"}"
                    .into(),
            )
        })?;
    let mut shaper = Shaper::new();
    for (group, format) in entries {
        let Some(format) = format.as_str() else {
            return Err(bad(format!("the format of {group:?} is not a string")));
        };
        if group.trim().is_empty() {
            return Err(bad("a log group name is empty".into()));
        }
        let format = FlowFormat::parse(format).map_err(|e| bad(format!("{group:?}: {e}")))?;
        shaper = shaper.with_flow_format(group, format);
    }
    Ok(shaper)
}

/// `LOGSHIP_FIELDS_PREFIX`: a plain field name that no document field uses.
fn check_fields_prefix(prefix: String) -> Result<String, ConfigError> {
    let plain = prefix
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let reason = if !plain {
        "expected a plain field name (letters, digits, _ and -; no dots)"
    } else if crate::document::is_document_field(&prefix) {
        "this name is a field of every document or of a log shape; choose another, e.g. app"
    } else {
        return Ok(prefix);
    };
    Err(ConfigError::Invalid {
        var: "LOGSHIP_FIELDS_PREFIX",
        value: prefix,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(&move |k| map.get(k).cloned())
    }

    #[test]
    fn endpoints_with_credentials_or_a_query_are_refused_without_quoting_them() {
        for endpoint in [
            "htps://user:SeCrEtPw123@h/?token=SeCrEtTok456",
            "https://user:SeCrEtPw123@search.example.com",
            "https://listener.logz.io:8071/?token=SeCrEtTok456&type=x",
            "https://search.example.com:99999",
            "https://search.example.com/#SeCrEtTok456",
            "search.example.com",
        ] {
            let e = cfg(&[
                ("LOGSHIP_DESTINATION", "elasticsearch"),
                ("LOGSHIP_ENDPOINT", endpoint),
            ])
            .expect_err(endpoint)
            .to_string();
            assert!(e.contains("LOGSHIP_ENDPOINT"), "{e}");
            assert!(!e.contains("SeCrEt"), "{e}");
        }
        assert!(
            cfg(&[
                ("LOGSHIP_DESTINATION", "elasticsearch"),
                ("LOGSHIP_ENDPOINT", "https://search.example.com:9200/prefix"),
            ])
            .is_ok()
        );
    }

    #[test]
    fn index_names_follow_elasticsearch_rules() {
        for good in ["logship-%Y.%m.%d", "logs-aws.lambda-default", "a_b"] {
            assert_eq!(check_index(good), Ok(()), "{good}");
        }
        for bad in [
            "Bad", "a/b", "a b", "_all", "-x", "a,b", "a%Hb", ".", "a:b", "",
        ] {
            assert!(check_index(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rules_are_read_and_an_invalid_rule_names_itself() {
        let c = cfg(&[(
            "LOGSHIP_RULES",
            r#"[{"match":{"log_group":"/aws/lambda/noisy-*"},"action":"drop"}]"#,
        )])
        .expect("valid");
        assert_eq!(c.rules.len(), 1);
        assert!(cfg(&[]).expect("valid").rules.is_empty());
        let e = cfg(&[(
            "LOGSHIP_RULES",
            r#"[{"name":"ok","match":{"log_group":"*"},"action":"drop"},{"name":"vpc","match":{"log_group":"/vpc/*"},"action":"route"}]"#,
        )])
        .expect_err("a route without a destination");
        assert!(matches!(e, ConfigError::Rules(_)));
        let e = e.to_string();
        assert!(e.contains("rule 2 (\"vpc\")"), "{e}");
        assert!(e.contains("index"), "{e}");
    }

    #[test]
    fn unknown_settings_warn_or_fail_when_strict() {
        let names = ["LOGSHIP_DESTINATON", "LOGSHIP_INDEX", "PATH"];
        let u = check_settings(names, &|_| None).expect("a warning only");
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].closest, Some("LOGSHIP_DESTINATION"));
        let strict = |k: &str| (k == "LOGSHIP_STRICT_SETTINGS").then(|| "on".to_owned());
        let e = check_settings(names, &strict).expect_err("strict");
        assert!(e.to_string().contains("did you mean LOGSHIP_DESTINATION?"));
        assert!(
            check_settings(["LOGSHIP_INDEX"], &strict)
                .expect("known")
                .is_empty()
        );
        let bad = |k: &str| (k == "LOGSHIP_STRICT_SETTINGS").then(|| "maybe".to_owned());
        assert!(check_settings(["LOGSHIP_INDEX"], &bad).is_err());
    }

    #[test]
    fn defaults_to_stdout() {
        let c = cfg(&[]).expect("valid");
        assert_eq!(c.destination, Destination::Stdout);
        assert_eq!(c.limits, Limits::default());
        assert_eq!(c.token, TokenSetting::None);
        assert!(c.gzip);
    }

    #[test]
    fn logzio_needs_endpoint_and_token() {
        assert!(matches!(
            cfg(&[("LOGSHIP_DESTINATION", "logzio")]),
            Err(ConfigError::Missing {
                var: "LOGSHIP_ENDPOINT",
                ..
            })
        ));
        assert!(matches!(
            cfg(&[
                ("LOGSHIP_DESTINATION", "logzio"),
                ("LOGSHIP_ENDPOINT", "https://l:8071")
            ]),
            Err(ConfigError::Missing {
                var: "LOGSHIP_TOKEN_PARAMETER",
                ..
            })
        ));
        let c = cfg(&[
            ("LOGSHIP_DESTINATION", "logzio"),
            ("LOGSHIP_ENDPOINT", "https://l:8071/"),
            ("LOGSHIP_TOKEN_PARAMETER", "/logship/token"),
        ])
        .expect("valid");
        assert_eq!(
            c.destination,
            Destination::Logzio {
                endpoint: "https://l:8071".into()
            }
        );
        assert_eq!(c.token, TokenSetting::Parameter("/logship/token".into()));
    }

    #[test]
    fn invalid_values_name_the_variable_and_hide_the_token() {
        let e = cfg(&[("LOGSHIP_CONCURRENCY", "many")]).expect_err("invalid");
        assert!(e.to_string().contains("LOGSHIP_CONCURRENCY"));
        let e = cfg(&[("LOGSHIP_DESTINATION", "kafka")]).expect_err("invalid");
        assert!(e.to_string().contains("LOGSHIP_DESTINATION"));
        let e = cfg(&[
            ("LOGSHIP_DESTINATION", "elasticsearch"),
            ("LOGSHIP_ENDPOINT", "ftp://x"),
        ])
        .expect_err("invalid");
        assert!(e.to_string().contains("LOGSHIP_ENDPOINT"));
        let c = cfg(&[("LOGSHIP_TOKEN", "s3cr3t-token")]).expect("valid");
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }

    #[test]
    fn es_auth_follows_the_token() {
        let c = cfg(&[
            ("LOGSHIP_DESTINATION", "elasticsearch"),
            ("LOGSHIP_ENDPOINT", "http://x"),
        ])
        .expect("valid");
        assert_eq!(c.es_auth, EsAuth::None);
        let c = cfg(&[
            ("LOGSHIP_DESTINATION", "elasticsearch"),
            ("LOGSHIP_ENDPOINT", "http://x"),
            ("LOGSHIP_TOKEN", "k"),
        ])
        .expect("valid");
        assert_eq!(c.es_auth, EsAuth::ApiKey);
        let c = cfg(&[
            ("LOGSHIP_DESTINATION", "elasticsearch"),
            ("LOGSHIP_ENDPOINT", "http://x"),
            ("LOGSHIP_ES_AUTH", "sigv4"),
            ("AWS_REGION", "eu-west-1"),
        ])
        .expect("valid");
        assert_eq!(
            c.es_auth,
            EsAuth::SigV4 {
                service: "es".into(),
                region: "eu-west-1".into()
            }
        );
    }
}
