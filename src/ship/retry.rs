//! Retry policy: what is worth another try, and how long to wait.
//!
//! Retried: 408, 429 and 5xx answers, timeouts and connection errors, 2xx
//! answers that do not acknowledge every document, and bulk items answered 429
//! or 5xx. Not retried: other 4xx and 3xx (the request is refused for good and
//! dead-lettered; redirects are never followed), 401/403 (the token is re-read
//! once instead) and 413 (the body is split instead). Waits grow exponentially
//! with full jitter (a random wait between zero and `base * 2^attempt`, capped),
//! and a `Retry-After` answer is waited at least that long, up to a cap
//! (`LOGSHIP_MAX_RETRY_AFTER_MS`). No wait may run past
//! the cut-off before the Lambda deadline.
//!
//! [`Failure`] names why one attempt failed and [`Reason`] why a document was
//! not delivered in the end: the shipper's one vocabulary of failures, written
//! as text only at the edges (a log line, a DLQ message, a report).

use std::time::Duration;

/// Attempts and waits.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per body, the first included.
    pub max_attempts: u32,
    /// First wait ceiling.
    pub base: Duration,
    /// Largest wait.
    pub max: Duration,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (attempt counts from 1).
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let ceiling = self
            .base
            .saturating_mul(1u32 << exp)
            .min(self.max)
            .as_millis() as u64;
        let jittered = Duration::from_millis(fastrand::u64(0..=ceiling));
        match retry_after {
            Some(after) => jittered.max(after.min(self.max_retry_after)),
            None => jittered,
        }
    }
}

/// What a whole-request HTTP status means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// 2xx.
    Success,
    /// 401/403: re-read the token once.
    Unauthorized,
    /// 413: split the body.
    TooLarge,
    /// 3xx: never followed (a redirected POST would arrive as a GET without
    /// its body); refused for good, naming where it points.
    Redirect,
    /// 408, 429, 5xx: try again later.
    Retry,
    /// Any other 4xx (and anything unexpected): refused for good.
    Reject,
}

/// Classifies a whole-request status.
pub fn classify(status: u16) -> StatusClass {
    match status {
        200..=299 => StatusClass::Success,
        401 | 403 => StatusClass::Unauthorized,
        413 => StatusClass::TooLarge,
        300..=399 => StatusClass::Redirect,
        408 | 429 | 500..=599 => StatusClass::Retry,
        _ => StatusClass::Reject,
    }
}

/// `Retry-After` in seconds or as an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // More seconds than a u64 holds is still a valid, if absurd, delay (the cap applies).
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::MAX);
    }
    httpdate::parse_http_date(value).ok().map(|at| {
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default()
    })
}

/// Why one attempt failed. Every text in it is safe to log: what came from
/// outside was cut, masked and scrubbed of the tokens before it got here.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
pub enum Failure {
    /// An error status: 408, 429 and 5xx are retried, other 4xx refused.
    #[error("destination answered {status}: {detail}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The destination's own error, or the body's size.
        detail: String,
    },
    /// A 2xx that does not answer every document sent: retried.
    #[error("destination answered {status} without acknowledging the documents: {detail}")]
    Unacknowledged {
        /// The HTTP status.
        status: u16,
        /// What is wrong with the answer.
        detail: String,
    },
    /// A 3xx: never followed, refused.
    #[error(
        "destination answered {status}, a redirect to {to}; shipping requests are never redirected: point LOGSHIP_ENDPOINT at the final URL"
    )]
    Redirect {
        /// The HTTP status.
        status: u16,
        /// Where it points, without query string, fragment or user info.
        to: String,
    },
    /// A 413 for a body of one document: refused.
    #[error("413: a single document is too large for the destination")]
    TooLarge,
    /// Logz.io's 400 with its line counters: refused.
    #[error("{0}")]
    LogzioLines(String),
    /// 401/403 again after the token was re-read.
    #[error("destination answered {0}: the token was refused even after re-reading it")]
    TokenRefused(u16),
    /// 401/403, and re-reading the token failed.
    #[error("destination answered {status}, and re-reading the token failed: {detail}")]
    TokenReread {
        /// The HTTP status.
        status: u16,
        /// Why the token could not be read.
        detail: String,
    },
    /// The token could not be read: retried.
    #[error("token unavailable: {0}")]
    TokenUnavailable(String),
    /// The request could not be built (SigV4 signing): retried.
    #[error("{0}")]
    Request(String),
    /// No answer (a timeout, a connection error): retried.
    #[error("request {0}")]
    Transport(String),
    /// A bulk item's own error (`item status N: type: reason`), refused or retried.
    #[error("{0}")]
    Item(String),
}

/// Why a document was not delivered: its last failure and how its attempts ended.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
pub enum Reason {
    /// Given up at once: refused for good, or a token that cannot be had.
    #[error("{0}")]
    Failed(Failure),
    /// Retried until the attempts ran out.
    #[error("{0} (gave up after {1} attempts)")]
    GaveUp(Failure, u32),
    /// Retried until the next wait would pass the cut-off.
    #[error("{0} (deadline reached after {1} attempts)")]
    Deadline(Failure, u32),
    /// Retried until the run was stopped.
    #[error("{0} (interrupted after {1} attempts)")]
    Interrupted(Failure, u32),
    /// The cut-off came before the first attempt.
    #[error("deadline reached before delivery")]
    DeadlineBeforeDelivery,
    /// The run was stopped before the first attempt.
    #[error("interrupted before delivery")]
    InterruptedBeforeDelivery,
    /// The task shipping it died; nothing is known of it.
    #[error("the ship task failed")]
    TaskFailed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_capped_and_honours_retry_after() {
        let p = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(30),
        };
        for attempt in 1..10 {
            let d = p.backoff(attempt, None);
            let ceiling = (100u64 << (attempt - 1)).min(1000);
            assert!(d <= Duration::from_millis(ceiling), "{attempt}: {d:?}");
        }
        assert!(p.backoff(1, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        assert!(p.backoff(40, None) <= Duration::from_millis(1000));
        // A Retry-After of ten minutes waits the cap, not ten minutes.
        assert_eq!(
            p.backoff(1, Some(Duration::from_secs(600))),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(classify(200), StatusClass::Success);
        assert_eq!(classify(401), StatusClass::Unauthorized);
        assert_eq!(classify(403), StatusClass::Unauthorized);
        assert_eq!(classify(413), StatusClass::TooLarge);
        for s in [408, 429, 500, 502, 503, 504] {
            assert_eq!(classify(s), StatusClass::Retry);
        }
        for s in [400, 404, 409, 422, 100, 600] {
            assert_eq!(classify(s), StatusClass::Reject);
        }
        for s in [300, 301, 302, 303, 307, 308] {
            assert_eq!(classify(s), StatusClass::Redirect);
        }
    }

    #[test]
    fn reasons_read_as_before() {
        let f = Failure::Status {
            status: 503,
            detail: "(empty body)".into(),
        };
        assert_eq!(
            Reason::GaveUp(f.clone(), 3).to_string(),
            "destination answered 503: (empty body) (gave up after 3 attempts)"
        );
        assert_eq!(
            Reason::Failed(Failure::TooLarge).to_string(),
            "413: a single document is too large for the destination"
        );
        assert_eq!(
            Reason::Deadline(Failure::Transport("timed out".into()), 2).to_string(),
            "request timed out (deadline reached after 2 attempts)"
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(
            parse_retry_after("18446744073709551616"),
            Some(Duration::MAX)
        );
    }
}
