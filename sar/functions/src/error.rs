//! The error type of the SAR functions.
//!
//! AWS errors keep the operation, the service error code (used to tell
//! throttling, quota and not-found apart from real failures) and the message,
//! so they can be logged and reported to CloudFormation verbatim.

use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Everything that can go wrong in the SAR functions.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value is missing or invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// The invocation payload is not an event this function handles.
    #[error("unrecognised event: {0}")]
    UnrecognisedEvent(String),
    /// A CloudWatch Logs API call failed (after the retries, if retryable).
    #[error("{operation} failed ({}): {message}", code.as_deref().unwrap_or("no error code"))]
    Aws {
        /// The API operation, e.g. `PutSubscriptionFilter`.
        operation: &'static str,
        /// The service error code, e.g. `ThrottlingException`.
        code: Option<String>,
        /// The error message with its context.
        message: String,
    },
    /// The account-level policy cannot express the exclusions.
    #[error("account policy: {0}")]
    AccountPolicy(String),
    /// The sweep could not touch any log group: the errors are systemic.
    #[error("sweep failed for every log group it tried ({failed} failures), first: {first}")]
    SweepFailed {
        /// How many groups failed.
        failed: usize,
        /// The first failure.
        first: String,
    },
    /// The response could not be delivered to CloudFormation.
    #[error("CloudFormation response: {0}")]
    CfnResponse(String),
}

impl Error {
    /// Wraps an SDK error of `operation`.
    pub fn aws<E, R>(operation: &'static str, err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        Error::Aws {
            operation,
            code: err.code().map(str::to_owned),
            message: DisplayErrorContext(err).to_string(),
        }
    }

    /// The AWS error code, if this is an AWS error that has one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Aws { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Whether this is CloudWatch Logs' `ResourceNotFoundException`.
    pub fn is_not_found(&self) -> bool {
        self.code() == Some("ResourceNotFoundException")
    }

    /// Whether this is CloudWatch Logs' `LimitExceededException`.
    pub fn is_limit_exceeded(&self) -> bool {
        self.code() == Some("LimitExceededException")
    }
}

impl Error {
    /// A short name of the variant, reported to Lambda as the error type.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config(_) => "Config",
            Error::UnrecognisedEvent(_) => "UnrecognisedEvent",
            Error::Aws { .. } => "Aws",
            Error::AccountPolicy(_) => "AccountPolicy",
            Error::SweepFailed { .. } => "SweepFailed",
            Error::CfnResponse(_) => "CfnResponse",
        }
    }
}

impl From<Error> for lambda_runtime::Diagnostic {
    fn from(e: Error) -> Self {
        lambda_runtime::Diagnostic {
            error_type: format!("logship_sar::{}", e.kind()),
            error_message: e.to_string(),
        }
    }
}
