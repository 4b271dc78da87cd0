//! Configuration of the two functions, read from environment variables that
//! the SAM templates set from their parameters.
//!
//! Parsing takes a lookup function rather than reading the process
//! environment directly, so the rules are unit-testable. Invalid values are
//! found at start-up; the function then fails every invocation with the error
//! and answers a custom-resource request `FAILED` (see [`crate::lambda`]), so
//! a bad deploy shows at once. Errors name the variable, and
//! [`describe_config_error`] adds its template parameter.

use std::time::Duration;

use crate::Error;
use crate::backoff::RetryPolicy;
use crate::selection::Selection;

/// The retention values CloudWatch Logs accepts (`PutRetentionPolicy`).
pub const ALLOWED_RETENTION_DAYS: &[i32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The template parameter (of `sar/*/template.yaml`) that sets each variable,
/// so that an error can name what the operator actually typed.
pub const TEMPLATE_PARAMETERS: &[(&str, &str)] = &[
    ("LOGSHIP_DESTINATION_ARN", "DestinationArn"),
    ("LOGSHIP_ROLE_ARN", "RoleArn"),
    ("LOGSHIP_SHIPPER_LOG_GROUP", "ShipperLogGroupName"),
    ("LOGSHIP_INCLUDE_PREFIXES", "IncludePrefixes"),
    ("LOGSHIP_EXCLUDE_PREFIXES", "ExcludePrefixes"),
    ("LOGSHIP_SUBSCRIBE_MODE", "Mode"),
    ("LOGSHIP_FILTER_NAME", "FilterName"),
    ("LOGSHIP_FILTER_PATTERN", "FilterPattern"),
    ("LOGSHIP_DISTRIBUTION", "Distribution"),
    ("LOGSHIP_ACCOUNT_POLICY_NAME", "AccountPolicyName"),
    ("LOGSHIP_REMOVE_ON_DELETE", "RemoveOnDelete"),
    ("LOGSHIP_RETENTION_DAYS", "RetentionInDays"),
    ("LOGSHIP_RETENTION_OVERRIDE", "Override"),
];

/// A configuration error as the operator reads it: the message, and the
/// template parameter of the variable it names, e.g.
/// `LOGSHIP_SHIPPER_LOG_GROUP is required (template parameter
/// ShipperLogGroupName)`.
pub fn describe_config_error(error: &Error) -> String {
    let message = match error {
        Error::Config(message) => message.clone(),
        other => other.to_string(),
    };
    // The variable named first; longest first, so that a name that is the
    // prefix of another never wins.
    let named = TEMPLATE_PARAMETERS
        .iter()
        .filter_map(|&(var, param)| {
            message
                .find(var)
                .map(|at| (at, std::cmp::Reverse(var.len()), param))
        })
        .min();
    match named {
        Some((_, _, param)) => format!("{message} (template parameter {param})"),
        None => message,
    }
}

/// How time-bounded invocations keep a margin before the Lambda deadline.
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_secs(20);

/// How log groups are subscribed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One subscription filter per log group (`PutSubscriptionFilter`).
    LogGroup,
    /// One account-level subscription filter policy (`PutAccountPolicy`).
    AccountPolicy,
}

impl Mode {
    /// Parses `log-group` or `account-policy`.
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value.trim() {
            "" | "log-group" => Ok(Mode::LogGroup),
            "account-policy" => Ok(Mode::AccountPolicy),
            other => Err(Error::Config(format!(
                "LOGSHIP_SUBSCRIBE_MODE must be log-group or account-policy, not {other:?}"
            ))),
        }
    }

    /// The spelling used in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::LogGroup => "log-group",
            Mode::AccountPolicy => "account-policy",
        }
    }
}

/// The configuration of `auto-subscribe`.
#[derive(Clone, Debug)]
pub struct SubscribeConfig {
    /// The Kinesis stream ARN (`LOGSHIP_DESTINATION_ARN`).
    pub destination_arn: String,
    /// The role CloudWatch Logs assumes to put records (`LOGSHIP_ROLE_ARN`).
    pub role_arn: String,
    /// Our subscription filter's name (`LOGSHIP_FILTER_NAME`, default `logship`).
    pub filter_name: String,
    /// The filter pattern (`LOGSHIP_FILTER_PATTERN`, default empty: every event).
    pub filter_pattern: String,
    /// `Random` or `ByLogStream` (`LOGSHIP_DISTRIBUTION`, default `Random`).
    pub distribution: String,
    /// Include/exclude prefixes and the protected shipper group.
    pub selection: Selection,
    /// Per-group filters or the account-level policy (`LOGSHIP_SUBSCRIBE_MODE`).
    pub mode: Mode,
    /// The account policy's name (`LOGSHIP_ACCOUNT_POLICY_NAME`, default `logship`).
    pub policy_name: String,
    /// Remove our filters / policy when the app is deleted (`LOGSHIP_REMOVE_ON_DELETE`).
    pub remove_on_delete: bool,
    /// Throttling retries.
    pub retry: RetryPolicy,
    /// Stop a sweep this long before the Lambda deadline.
    pub deadline_margin: Duration,
}

impl SubscribeConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let destination_arn = required(&get, "LOGSHIP_DESTINATION_ARN")?;
        if !destination_arn.starts_with("arn:") || !destination_arn.contains(":kinesis:") {
            return Err(Error::Config(format!(
                "LOGSHIP_DESTINATION_ARN must be a Kinesis stream ARN, not {destination_arn:?}"
            )));
        }
        let role_arn = required(&get, "LOGSHIP_ROLE_ARN")?;
        let shipper = required(&get, "LOGSHIP_SHIPPER_LOG_GROUP")?;
        let distribution = optional(&get, "LOGSHIP_DISTRIBUTION", "Random");
        if distribution != "Random" && distribution != "ByLogStream" {
            return Err(Error::Config(format!(
                "LOGSHIP_DISTRIBUTION must be Random or ByLogStream, not {distribution:?}"
            )));
        }
        Ok(SubscribeConfig {
            destination_arn,
            role_arn,
            filter_name: optional(&get, "LOGSHIP_FILTER_NAME", "logship"),
            filter_pattern: get("LOGSHIP_FILTER_PATTERN").unwrap_or_default(),
            distribution,
            selection: Selection::from_lists(
                &get("LOGSHIP_INCLUDE_PREFIXES").unwrap_or_default(),
                &get("LOGSHIP_EXCLUDE_PREFIXES").unwrap_or_default(),
                vec![shipper],
            ),
            mode: Mode::parse(&get("LOGSHIP_SUBSCRIBE_MODE").unwrap_or_default())?,
            policy_name: optional(&get, "LOGSHIP_ACCOUNT_POLICY_NAME", "logship"),
            remove_on_delete: boolean(&get, "LOGSHIP_REMOVE_ON_DELETE", true)?,
            retry: RetryPolicy::default(),
            deadline_margin: DEFAULT_DEADLINE_MARGIN,
        })
    }
}

/// The configuration of `set-retention`.
#[derive(Clone, Debug)]
pub struct RetentionConfig {
    /// The retention to set (`LOGSHIP_RETENTION_DAYS`, default 7).
    pub days: i32,
    /// Also change groups that already have another retention
    /// (`LOGSHIP_RETENTION_OVERRIDE`, default false).
    pub override_existing: bool,
    /// Include/exclude prefixes.
    pub selection: Selection,
    /// Throttling retries.
    pub retry: RetryPolicy,
    /// Stop a sweep this long before the Lambda deadline.
    pub deadline_margin: Duration,
}

impl RetentionConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let raw = optional(&get, "LOGSHIP_RETENTION_DAYS", "7");
        let days = parse_retention_days(&raw).map_err(|e| match e {
            Error::Config(m) => Error::Config(format!("LOGSHIP_RETENTION_DAYS: {m}")),
            other => other,
        })?;
        Ok(RetentionConfig {
            days,
            override_existing: boolean(&get, "LOGSHIP_RETENTION_OVERRIDE", false)?,
            selection: Selection::from_lists(
                &get("LOGSHIP_INCLUDE_PREFIXES").unwrap_or_default(),
                &get("LOGSHIP_EXCLUDE_PREFIXES").unwrap_or_default(),
                Vec::new(),
            ),
            retry: RetryPolicy::default(),
            deadline_margin: DEFAULT_DEADLINE_MARGIN,
        })
    }
}

/// Parses a retention in days and checks CloudWatch Logs accepts it.
pub fn parse_retention_days(raw: &str) -> Result<i32, Error> {
    let days: i32 = raw
        .trim()
        .parse()
        .map_err(|_| Error::Config(format!("retention days must be a number, not {raw:?}")))?;
    if ALLOWED_RETENTION_DAYS.contains(&days) {
        Ok(days)
    } else {
        Err(Error::Config(format!(
            "retention of {days} days is not accepted by CloudWatch Logs; allowed: {ALLOWED_RETENTION_DAYS:?}"
        )))
    }
}

fn required(get: &impl Fn(&str) -> Option<String>, key: &str) -> Result<String, Error> {
    match get(key) {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        _ => Err(Error::Config(format!("{key} is required"))),
    }
}

fn optional(get: &impl Fn(&str) -> Option<String>, key: &str, default: &str) -> String {
    match get(key) {
        Some(v) if !v.trim().is_empty() => v.trim().to_owned(),
        _ => default.to_owned(),
    }
}

fn boolean(get: &impl Fn(&str) -> Option<String>, key: &str, default: bool) -> Result<bool, Error> {
    match get(key).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") => Ok(default),
        Some("true" | "yes" | "1" | "on") => Ok(true),
        Some("false" | "no" | "0" | "off") => Ok(false),
        Some(other) => Err(Error::Config(format!(
            "{key} must be true or false, not {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const STREAM: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/logship-dev";

    #[test]
    fn subscribe_defaults() {
        let c = SubscribeConfig::from_lookup(lookup(&[
            ("LOGSHIP_DESTINATION_ARN", STREAM),
            ("LOGSHIP_ROLE_ARN", "arn:aws:iam::123456789012:role/cwl"),
            ("LOGSHIP_SHIPPER_LOG_GROUP", "/aws/lambda/logship-dev"),
        ]))
        .unwrap();
        assert_eq!(c.filter_name, "logship");
        assert_eq!(c.filter_pattern, "");
        assert_eq!(c.distribution, "Random");
        assert_eq!(c.mode, Mode::LogGroup);
        assert!(c.remove_on_delete);
        assert_eq!(c.selection.protected, vec!["/aws/lambda/logship-dev"]);
    }

    #[test]
    fn subscribe_rejects_bad_values() {
        let base = [
            ("LOGSHIP_DESTINATION_ARN", STREAM),
            ("LOGSHIP_ROLE_ARN", "arn:aws:iam::123456789012:role/cwl"),
            ("LOGSHIP_SHIPPER_LOG_GROUP", "/aws/lambda/logship-dev"),
        ];
        for (key, bad) in [
            ("LOGSHIP_DESTINATION_ARN", "arn:aws:sqs:us-east-1:1:q"),
            ("LOGSHIP_SHIPPER_LOG_GROUP", " "),
            ("LOGSHIP_SUBSCRIBE_MODE", "both"),
            ("LOGSHIP_DISTRIBUTION", "random"),
            ("LOGSHIP_REMOVE_ON_DELETE", "maybe"),
        ] {
            let mut pairs: Vec<(&str, &str)> =
                base.iter().filter(|(k, _)| *k != key).copied().collect();
            pairs.push((key, bad));
            assert!(
                SubscribeConfig::from_lookup(lookup(&pairs)).is_err(),
                "{key}={bad}"
            );
        }
    }

    #[test]
    fn errors_name_the_template_parameter() {
        let e = SubscribeConfig::from_lookup(lookup(&[
            ("LOGSHIP_DESTINATION_ARN", STREAM),
            ("LOGSHIP_ROLE_ARN", "arn:aws:iam::123456789012:role/cwl"),
            ("LOGSHIP_SHIPPER_LOG_GROUP", " "),
        ]))
        .unwrap_err();
        assert_eq!(
            describe_config_error(&e),
            "LOGSHIP_SHIPPER_LOG_GROUP is required (template parameter ShipperLogGroupName)"
        );
        let e =
            RetentionConfig::from_lookup(lookup(&[("LOGSHIP_RETENTION_DAYS", "8")])).unwrap_err();
        assert!(
            describe_config_error(&e).ends_with("(template parameter RetentionInDays)"),
            "{e}"
        );
        assert_eq!(
            describe_config_error(&Error::Config("something else".into())),
            "something else"
        );
    }

    #[test]
    fn retention_days() {
        assert_eq!(RetentionConfig::from_lookup(lookup(&[])).unwrap().days, 7);
        let c = RetentionConfig::from_lookup(lookup(&[
            ("LOGSHIP_RETENTION_DAYS", "30"),
            ("LOGSHIP_RETENTION_OVERRIDE", "true"),
        ]))
        .unwrap();
        assert_eq!(c.days, 30);
        assert!(c.override_existing);
        for bad in ["0", "8", "-1", "seven", "3654"] {
            assert!(parse_retention_days(bad).is_err(), "{bad}");
        }
    }
}
