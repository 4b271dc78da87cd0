//! Retries of CloudWatch Logs calls with exponential backoff and jitter.
//!
//! The SDK's own retry layer already retries transient network errors; this
//! layer adds what a sweep over thousands of log groups runs into: the
//! per-account TPS quotas of the CloudWatch Logs control plane answered with
//! `ThrottlingException` (and `LimitExceededException`, which CloudWatch Logs
//! also uses for rate limits). Delays grow exponentially from
//! [`RetryPolicy::base_delay`] up to [`RetryPolicy::max_delay`], with "equal
//! jitter" (half fixed, half random) so concurrent sweeps spread out.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};

use crate::Error;

/// How often and how patiently throttled calls are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total (the first call included), at least 1.
    pub max_attempts: u32,
    /// The delay before the first retry (before jitter).
    pub base_delay: Duration,
    /// The largest delay between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The delay after failed attempt number `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let half = full / 2;
        half + half.mul_f64(jitter_fraction())
    }
}

/// Whether an AWS error code means "slow down and try again".
pub fn is_throttling(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "ThrottlingException"
                | "Throttling"
                | "TooManyRequestsException"
                | "LimitExceededException"
                | "ServiceUnavailableException"
                | "RequestLimitExceeded"
        )
    )
}

/// Runs `call` until it succeeds, fails with a non-throttling error, or
/// `policy.max_attempts` attempts are spent. `LimitExceededException` is
/// retried at most `limit_exceeded_attempts` attempts in total (on
/// `PutSubscriptionFilter` it usually means the group is full, not a rate
/// limit, so the caller keeps it short).
pub async fn retry<T, E, R, F, Fut>(
    policy: &RetryPolicy,
    operation: &'static str,
    limit_exceeded_attempts: u32,
    mut call: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let mut attempt = 1u32;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(err) => {
                let code = err.code();
                let budget = if code == Some("LimitExceededException") {
                    limit_exceeded_attempts.min(policy.max_attempts)
                } else {
                    policy.max_attempts
                };
                if !is_throttling(code) || attempt >= budget {
                    return Err(Error::aws(operation, &err));
                }
                let delay = policy.delay(attempt);
                tracing::debug!(
                    operation,
                    code,
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    "throttled, backing off"
                );
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
        }
    }
}

/// A number in [0, 1) that differs between calls and processes (SplitMix64 of
/// the clock and a counter; jitter needs no cryptographic randomness).
fn jitter_fraction() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut z = STATE
        .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
        .wrapping_add(nanos);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        for attempt in 1..=12 {
            let full = Duration::from_millis(100)
                .saturating_mul(1 << (attempt - 1).min(20))
                .min(Duration::from_secs(1));
            let d = policy.delay(attempt);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }

    use std::sync::atomic::AtomicU32;

    use aws_sdk_cloudwatchlogs::error::ErrorMetadata;
    use aws_sdk_cloudwatchlogs::operation::put_subscription_filter::PutSubscriptionFilterError;

    fn failing(code: &str) -> SdkError<PutSubscriptionFilterError, ()> {
        SdkError::service_error(
            PutSubscriptionFilterError::generic(ErrorMetadata::builder().code(code).build()),
            (),
        )
    }

    const FAST: RetryPolicy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
    };

    #[tokio::test]
    async fn throttling_is_retried_until_success() {
        let calls = AtomicU32::new(0);
        let out = retry(&FAST, "PutSubscriptionFilter", 5, || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(failing("ThrottlingException")),
                1 => Err(failing("LimitExceededException")),
                _ => Ok(42),
            }
        })
        .await;
        assert_eq!(out.unwrap(), 42);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn retries_are_bounded() {
        let calls = AtomicU32::new(0);
        let out: Result<(), Error> = retry(&FAST, "PutSubscriptionFilter", 5, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(failing("ThrottlingException"))
        })
        .await;
        assert_eq!(out.unwrap_err().code(), Some("ThrottlingException"));
        assert_eq!(calls.load(Ordering::SeqCst), 5);

        // LimitExceededException has its own, shorter budget.
        let calls = AtomicU32::new(0);
        let out: Result<(), Error> = retry(&FAST, "PutSubscriptionFilter", 2, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(failing("LimitExceededException"))
        })
        .await;
        assert!(out.unwrap_err().is_limit_exceeded());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let out: Result<(), Error> = retry(&FAST, "PutSubscriptionFilter", 5, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(failing("ResourceNotFoundException"))
        })
        .await;
        assert!(out.unwrap_err().is_not_found());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn throttling_codes() {
        assert!(is_throttling(Some("ThrottlingException")));
        assert!(is_throttling(Some("LimitExceededException")));
        assert!(!is_throttling(Some("ResourceNotFoundException")));
        assert!(!is_throttling(None));
    }
}
