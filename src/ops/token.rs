//! Token tools: rotate the destination token in SSM, and check that a token
//! works, without the token ever appearing in output or in an error.
//!
//! [`rotate`] writes a new version of the SecureString parameter
//! (`PutParameter`, `Overwrite`), keeping the parameter's KMS key and tier (an
//! overwrite without `KeyId` would silently move it to the account's default
//! key). The running Lambda picks the new version up on its next 401/403 (it
//! re-reads the parameter at once) or when its cache TTL expires.
//!
//! [`Probe::check`] asks the destination whether it accepts a token, with a
//! request that authenticates and writes nothing:
//! - Elasticsearch/OpenSearch: `POST /_bulk` with an **empty body**, the same
//!   URL, method and `Authorization` header the shipper uses. Authentication
//!   comes first; a valid credential then gets a 400 (`request body is
//!   required`), a bad one a 401. No document, no index is created. (`GET /`
//!   would need the `monitor` cluster privilege an ingest-only API key lacks.)
//! - Logz.io: `POST /?token=...&type=...` with an **empty body**: the listener
//!   checks the token first (401 when wrong) and has no line to index.
//!
//! 2xx and 400 mean the token was accepted; 401/403 that it was refused;
//! anything else (5xx, 429, no answer) says nothing about the token, only that
//! the destination is not healthy. Every error text is scrubbed of the token
//! (an AWS validation error may echo a value; the Logz.io URL carries it).

use std::io::BufRead;
use std::time::Duration;

use aws_sdk_ssm::error::ProvideErrorMetadata;
use aws_sdk_ssm::types::{ParameterStringFilter, ParameterTier, ParameterType};

use crate::aws::ReadError;
use crate::aws::{AwsError, AwsErrorKind};
use crate::config::{Config, EsAuth};
use crate::secret::Secret;
use crate::ship::{Target, error_chain};

/// A token tool failed. No variant ever holds the token.
#[derive(Debug, thiserror::Error)]
pub enum TokenToolError {
    /// The SDK found no AWS credentials.
    #[error("{}", crate::aws::NO_CREDENTIALS)]
    NoCredentials,
    /// Nothing (or only whitespace) was read.
    #[error(
        "no token on standard input (pipe it in, e.g. `printf %s \"$TOKEN\" | logship token rotate ...`)"
    )]
    Empty,
    /// More than one line was read.
    #[error("the token must be a single line (standard input had {0} non-empty lines)")]
    MultiLine(usize),
    /// Standard input could not be read.
    #[error("reading standard input: {0}")]
    Stdin(String),
    /// The parameter does not exist.
    #[error(
        "SSM parameter {name} does not exist (create it once as a SecureString, or pass --create)"
    )]
    ParameterMissing {
        /// The parameter.
        name: String,
    },
    /// The parameter is not a SecureString.
    #[error(
        "SSM parameter {name} is a {kind}, not a SecureString: logship keeps tokens only in SecureString parameters"
    )]
    NotSecure {
        /// The parameter.
        name: String,
        /// Its type.
        kind: String,
    },
    /// Not allowed.
    #[error(
        "not allowed to {operation} {name} (needs ssm:{operation}, and kms:Encrypt/kms:Decrypt on its key): {detail}"
    )]
    AccessDenied {
        /// The SSM operation.
        operation: &'static str,
        /// The parameter.
        name: String,
        /// The AWS error, scrubbed.
        detail: String,
    },
    /// Another SSM failure.
    #[error("SSM {operation} on {name} failed: {detail}")]
    Ssm {
        /// The SSM operation.
        operation: &'static str,
        /// The parameter.
        name: String,
        /// The AWS error, scrubbed.
        detail: String,
    },
    /// The destination is not one a token is checked against.
    #[error("{0}")]
    NoProbe(String),
}

impl TokenToolError {
    /// A problem of usage, configuration or permission.
    pub fn is_setup(&self) -> bool {
        !matches!(self, TokenToolError::Ssm { .. })
    }
}

/// Replaces the token wherever it appears in a text.
pub fn scrub(text: &str, token: Option<&Secret>) -> String {
    let tokens: Vec<Secret> = token.into_iter().cloned().collect();
    crate::ship::scrub::scrub_tokens(text, &tokens).into_owned()
}

/// Reads a token: the whole input (or, `interactive`, one line), trimmed; it must be one non-empty line.
pub fn read_token(input: &mut dyn BufRead, interactive: bool) -> Result<Secret, TokenToolError> {
    let mut text = String::new();
    let read = if interactive {
        input.read_line(&mut text)
    } else {
        input.read_to_string(&mut text)
    };
    read.map_err(|e| TokenToolError::Stdin(e.kind().to_string()))?;
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    if lines > 1 {
        return Err(TokenToolError::MultiLine(lines));
    }
    let token = text.trim();
    if token.is_empty() {
        return Err(TokenToolError::Empty);
    }
    Ok(Secret::new(token))
}

/// What the parameter looked like before a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The version written.
    pub version: i64,
    /// The version before (None: the parameter was created).
    pub previous_version: Option<i64>,
    /// The KMS key it is encrypted with (None: the account's default `alias/aws/ssm`).
    pub key_id: Option<String>,
}

/// Rotation choices.
#[derive(Debug, Clone, Default)]
pub struct RotateOptions {
    /// Encrypt with this KMS key instead of the parameter's current one.
    pub key_id: Option<String>,
    /// Create the parameter when it does not exist.
    pub create: bool,
}

fn ssm_error<E>(
    operation: &'static str,
    name: &str,
    e: aws_sdk_ssm::error::SdkError<E>,
    token: Option<&Secret>,
) -> TokenToolError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    aws_error(operation, name, AwsError::from_sdk(&e), token)
}

/// Maps a classified AWS error, its text scrubbed of `token`.
fn aws_error(
    operation: &'static str,
    name: &str,
    e: AwsError,
    token: Option<&Secret>,
) -> TokenToolError {
    let detail = scrub(&e.detail, token);
    let name = name.to_owned();
    match e.kind {
        AwsErrorKind::NotFound => TokenToolError::ParameterMissing { name },
        AwsErrorKind::NoCredentials => TokenToolError::NoCredentials,
        AwsErrorKind::AccessDenied => TokenToolError::AccessDenied {
            operation,
            name,
            detail,
        },
        AwsErrorKind::Other => TokenToolError::Ssm {
            operation,
            name,
            detail,
        },
    }
}

/// Writes `token` as a new SecureString version of `name`.
pub async fn rotate(
    ssm: &aws_sdk_ssm::Client,
    name: &str,
    token: &Secret,
    options: &RotateOptions,
) -> Result<Rotation, TokenToolError> {
    let described = ssm
        .describe_parameters()
        .parameter_filters(
            ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .values(name)
                .build()
                .map_err(|e| TokenToolError::Ssm {
                    operation: "DescribeParameters",
                    name: name.to_owned(),
                    detail: e.to_string(),
                })?,
        )
        .send()
        .await
        .map_err(|e| ssm_error("DescribeParameters", name, e, Some(token)))?;
    let current = described
        .parameters
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.name() == Some(name));
    let (previous_version, key_id, tier) = match &current {
        Some(p) => {
            match p.r#type() {
                Some(ParameterType::SecureString) => {}
                other => {
                    return Err(TokenToolError::NotSecure {
                        name: name.to_owned(),
                        kind: other.map_or_else(
                            || "parameter of unknown type".to_owned(),
                            |t| t.as_str().to_owned(),
                        ),
                    });
                }
            }
            (
                Some(p.version()),
                p.key_id().map(str::to_owned),
                p.tier().cloned(),
            )
        }
        None if options.create => (None, None, None),
        None => {
            return Err(TokenToolError::ParameterMissing {
                name: name.to_owned(),
            });
        }
    };
    let key_id = options.key_id.clone().or(key_id);
    let mut put = ssm
        .put_parameter()
        .name(name)
        .value(token.expose())
        .r#type(ParameterType::SecureString)
        .overwrite(current.is_some());
    if let Some(key) = &key_id {
        put = put.key_id(key);
    }
    if let Some(tier) = tier.filter(|t| *t != ParameterTier::Standard) {
        put = put.tier(tier);
    }
    let out = put
        .send()
        .await
        .map_err(|e| ssm_error("PutParameter", name, e, Some(token)))?;
    Ok(Rotation {
        version: out.version,
        previous_version,
        key_id,
    })
}

/// Reads the parameter with decryption: the token and its version.
pub async fn read_parameter(
    ssm: &aws_sdk_ssm::Client,
    name: &str,
) -> Result<(Secret, i64), TokenToolError> {
    crate::aws::read_parameter(ssm, name)
        .await
        .map_err(|e| match e {
            ReadError::Aws(e) => aws_error("GetParameter", name, e, None),
            ReadError::NoParameter => TokenToolError::ParameterMissing {
                name: name.to_owned(),
            },
            ReadError::Empty => TokenToolError::Empty,
        })
}

/// What the destination said about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Authenticated.
    Accepted {
        /// The HTTP status.
        status: u16,
    },
    /// Refused (401/403).
    Refused {
        /// The HTTP status.
        status: u16,
        /// The start of the answer.
        detail: String,
    },
    /// An answer that says nothing about the token (5xx, 429, ...).
    Unhealthy {
        /// The HTTP status.
        status: u16,
        /// The start of the answer.
        detail: String,
    },
    /// No answer.
    Unreachable {
        /// Why.
        reason: String,
    },
}

impl Verdict {
    /// One line for the operator.
    pub fn describe(&self) -> String {
        match self {
            Verdict::Accepted { status } => format!(
                "accepted (HTTP {status} to an empty request, which authenticates and writes nothing)"
            ),
            Verdict::Refused { status, detail } => format!("REFUSED (HTTP {status}): {detail}"),
            Verdict::Unhealthy { status, detail } => {
                format!(
                    "unknown: the destination answered HTTP {status}, which says nothing about the token: {detail}"
                )
            }
            Verdict::Unreachable { reason } => {
                format!("unknown: the destination did not answer: {reason}")
            }
        }
    }
}

/// Checks tokens against the configured destination.
#[derive(Debug)]
pub struct Probe {
    client: reqwest::Client,
    target: Target,
    timeout: Duration,
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    scrubber: crate::ship::scrub::Scrubber,
}

impl Probe {
    /// A probe of the configured destination (`credentials` only for SigV4),
    /// trusting its private CA: a `LOGSHIP_CA_BUNDLE_PARAM` must be
    /// [resolved](crate::tls::CaSetting::resolve) first.
    pub fn new(
        config: &Config,
        credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    ) -> Result<Probe, TokenToolError> {
        let (target, client) = crate::ship::connect(config).map_err(|e| match e {
            crate::ship::ShipError::NotHttp(_) => TokenToolError::NoProbe(
                "no destination to check the token against: set LOGSHIP_DESTINATION and LOGSHIP_ENDPOINT (or --destination/--endpoint)".into(),
            ),
            e => TokenToolError::NoProbe(e.to_string()),
        })?;
        let masker = crate::mask::Masker::new(&config.mask)
            .map_err(|e| TokenToolError::NoProbe(format!("masking rules: {e}")))?;
        Ok(Probe {
            client,
            target,
            timeout: config.request_timeout,
            credentials,
            scrubber: crate::ship::scrub::Scrubber::new(std::sync::Arc::new(masker)),
        })
    }

    /// Where the probe goes (no token in it).
    pub fn describe_target(&self) -> String {
        match &self.target {
            Target::Logzio { endpoint, .. } | Target::Elasticsearch { endpoint, .. } => {
                format!("{} at {endpoint}", self.target.name())
            }
        }
    }

    /// Whether the destination uses a token at all (SigV4 and `none` do not).
    pub fn uses_token(&self) -> bool {
        match &self.target {
            Target::Logzio { .. } => true,
            Target::Elasticsearch { auth, .. } => {
                matches!(auth, EsAuth::ApiKey | EsAuth::Basic)
            }
        }
    }

    /// Sends the empty request with `token` and reads the answer.
    pub async fn check(&self, token: Option<&Secret>) -> Verdict {
        let request = match self
            .target
            .request(
                &self.client,
                token,
                self.credentials.as_ref(),
                Vec::new(),
                false,
            )
            .await
        {
            Ok(r) => r,
            Err(reason) => return Verdict::Unreachable { reason },
        };
        let response = match request.timeout(self.timeout).send().await {
            Ok(r) => r,
            Err(e) => {
                return Verdict::Unreachable {
                    reason: scrub(&error_chain(e), token),
                };
            }
        };
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = response.bytes().await.unwrap_or_default();
        let tokens: Vec<Secret> = token.into_iter().cloned().collect();
        let detail = match location {
            // Never followed, as in shipping: say where it points, without its query.
            Some(to) if (300..400).contains(&status) => format!(
                "a redirect to {}, not followed: point LOGSHIP_ENDPOINT at it",
                self.scrubber
                    .clean(&crate::secret::url_without_secrets(&to), &tokens)
            ),
            _ => self.scrubber.clean_bytes(&body, &tokens),
        };
        match status {
            200..=299 | 400 => Verdict::Accepted { status },
            401 | 403 => Verdict::Refused { status, detail },
            _ => Verdict::Unhealthy { status, detail },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_line() {
        let t = read_token(&mut "  s3cr3t-token\n".as_bytes(), false).expect("token");
        assert_eq!(t.expose(), "s3cr3t-token");
        let t = read_token(&mut "tok\r\n\n".as_bytes(), false).expect("token");
        assert_eq!(t.expose(), "tok");
        let t = read_token(&mut "first\nsecond\n".as_bytes(), true).expect("one line");
        assert_eq!(t.expose(), "first");
        assert!(matches!(
            read_token(&mut "".as_bytes(), false),
            Err(TokenToolError::Empty)
        ));
        assert!(matches!(
            read_token(&mut " \n ".as_bytes(), false),
            Err(TokenToolError::Empty)
        ));
        let e = read_token(&mut "secret-a\nsecret-b\n".as_bytes(), false).expect_err("two lines");
        assert!(matches!(e, TokenToolError::MultiLine(2)));
        assert!(!e.to_string().contains("secret"));
    }

    #[test]
    fn scrubs() {
        let t = Secret::new("abc123");
        assert_eq!(
            scrub("Value 'abc123' at 'value' failed", Some(&t)),
            "Value '[REDACTED]' at 'value' failed"
        );
        assert_eq!(scrub("nothing", None), "nothing");
        assert_eq!(scrub("x", Some(&Secret::new(""))), "x");
    }

    #[test]
    fn verdicts_do_not_show_tokens() {
        let v = Verdict::Refused {
            status: 401,
            detail: "bad".into(),
        };
        assert!(v.describe().contains("REFUSED (HTTP 401)"));
        assert!(
            Verdict::Accepted { status: 400 }
                .describe()
                .starts_with("accepted")
        );
    }
}
