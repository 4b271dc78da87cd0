//! AWS: the SDK configuration every client is built from (region, credentials
//! and `AWS_ENDPOINT_URL` from the environment, with one retry policy), and one
//! classification of AWS errors ([`AwsError`]) that each caller maps to its
//! own error: the token's SSM reads, the token tools and the redrive's SQS
//! calls; and [`read_parameter`], the one SSM read (the token, the private
//! CA's PEM).

use std::time::Duration;

use aws_sdk_sqs::error::ProvideErrorMetadata;

/// The AWS SDK configuration: region, credentials and `AWS_ENDPOINT_URL` from
/// the environment, with [`sdk_retry`].
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(sdk_retry())
        .load()
        .await
}

/// How SSM and SQS calls are retried (throttling, 5xx, timeouts): the SDK's
/// standard mode, 5 attempts, exponential backoff with jitter from 100 ms.
pub fn sdk_retry() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(100))
}

/// What an AWS error means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// The resource does not exist (an SSM parameter, an SQS queue).
    NotFound,
    /// The caller's credentials or permissions were refused.
    AccessDenied,
    /// The SDK found no credentials at all.
    NoCredentials,
    /// Anything else (network, throttling that outlasted the retries, ...).
    Other,
}

/// An AWS SDK error, classified.
#[derive(Debug, Clone)]
pub struct AwsError {
    /// What it means.
    pub kind: AwsErrorKind,
    /// The SDK's description (error code, message, cause); never a parameter value.
    pub detail: String,
}

impl AwsError {
    /// Classifies an SDK error of any AWS client (they share one error type).
    pub fn from_sdk<E>(e: &aws_sdk_sqs::error::SdkError<E>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = e.code().unwrap_or_default();
        let status = e.raw_response().map(|r| r.status().as_u16());
        let detail = aws_sdk_sqs::error::DisplayErrorContext(e).to_string();
        if no_credentials(&detail) {
            return AwsError {
                kind: AwsErrorKind::NoCredentials,
                detail: NO_CREDENTIALS.to_owned(),
            };
        }
        AwsError {
            kind: classify(code, status),
            detail,
        }
    }
}

/// What to say when the SDK found no credentials at all, instead of its
/// chain of provider errors.
pub const NO_CREDENTIALS: &str = "no AWS credentials were found: set AWS_PROFILE (after `aws configure` or `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an IAM role is available";

/// Whether an SDK error's description says no credentials could be loaded.
fn no_credentials(detail: &str) -> bool {
    detail.contains("CredentialsNotLoaded")
        || detail.contains("no providers in chain provided credentials")
        || detail.contains("failed to load credentials")
        || detail.contains("the credential provider was not enabled")
}

/// The kind of an AWS error, from its code and HTTP status.
pub fn classify(code: &str, status: Option<u16>) -> AwsErrorKind {
    if code == "ParameterNotFound"
        || code.contains("NonExistentQueue")
        || code.contains("QueueDoesNotExist")
    {
        AwsErrorKind::NotFound
    } else if code == "InvalidSecurity" || access_denied(code, status) {
        AwsErrorKind::AccessDenied
    } else {
        AwsErrorKind::Other
    }
}

/// Whether an AWS error (its code and HTTP status) says the caller's
/// credentials or permissions were refused.
fn access_denied(code: &str, status: Option<u16>) -> bool {
    code.contains("AccessDenied")
        || code.contains("NotAuthorized")
        || matches!(
            code,
            "InvalidClientTokenId"
                | "UnrecognizedClientException"
                | "SignatureDoesNotMatch"
                | "ExpiredToken"
                | "MissingAuthenticationToken"
        )
        || status == Some(403)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified_by_code_and_status() {
        assert_eq!(
            classify("ParameterNotFound", Some(400)),
            AwsErrorKind::NotFound
        );
        assert_eq!(
            classify("AWS.SimpleQueueService.NonExistentQueue", Some(400)),
            AwsErrorKind::NotFound
        );
        assert_eq!(classify("QueueDoesNotExist", None), AwsErrorKind::NotFound);
        assert_eq!(
            classify("AccessDeniedException", Some(400)),
            AwsErrorKind::AccessDenied
        );
        assert_eq!(
            classify("KMS.NotAuthorized", None),
            AwsErrorKind::AccessDenied
        );
        assert_eq!(classify("ExpiredToken", None), AwsErrorKind::AccessDenied);
        assert_eq!(
            classify("InvalidSecurity", None),
            AwsErrorKind::AccessDenied
        );
        assert_eq!(classify("", Some(403)), AwsErrorKind::AccessDenied);
        assert_eq!(
            classify("ThrottlingException", Some(400)),
            AwsErrorKind::Other
        );
        assert_eq!(classify("", Some(500)), AwsErrorKind::Other);
    }
}

/// A SecureString parameter could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// SSM answered with an error (throttling was already retried).
    Aws(AwsError),
    /// SSM answered without the parameter.
    NoParameter,
    /// The parameter has no value (or only whitespace).
    Empty,
}

/// Reads a SecureString parameter with decryption: its value, trimmed, and
/// its version. The one SSM read of the token, for the Lambda and the token tools.
pub async fn read_parameter(
    client: &aws_sdk_ssm::Client,
    name: &str,
) -> Result<(crate::secret::Secret, i64), ReadError> {
    let out = client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| ReadError::Aws(AwsError::from_sdk(&e)))?;
    let parameter = out.parameter.ok_or(ReadError::NoParameter)?;
    let version = parameter.version;
    let value = parameter
        .value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(ReadError::Empty)?;
    Ok((crate::secret::Secret::new(value), version))
}
