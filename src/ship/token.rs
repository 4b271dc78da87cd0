//! The destination token: from SSM Parameter Store (SecureString, read with
//! decryption), cached for a TTL, re-read at once when the destination refuses
//! it, so a rotation in SSM needs no redeploy.
//!
//! Concurrent bulk requests share one cache; when several of them are refused
//! with the same old token, only the first re-reads SSM. SSM throttling is
//! retried by the SDK client's own retry policy (exponential backoff), which the
//! caller configures. The token lives in a [`Secret`] and appears in no error.

use std::time::{Duration, Instant};

use crate::aws::{ReadError, read_parameter};
use crate::secret::Secret;

/// Where the token comes from.
#[derive(Debug)]
pub struct TokenSource {
    kind: Kind,
    /// The last token values handed out (newest last, at most [`REMEMBERED`]),
    /// so texts from outside can be scrubbed of them.
    seen: std::sync::Mutex<Vec<Secret>>,
}

/// How many token values [`TokenSource::known`] remembers: the current one and
/// the one before it (a rotation in flight).
const REMEMBERED: usize = 2;

#[derive(Debug)]
enum Kind {
    None,
    Fixed(Secret),
    Ssm(SsmToken),
}

#[derive(Debug)]
struct SsmToken {
    client: aws_sdk_ssm::Client,
    name: String,
    ttl: Duration,
    cache: tokio::sync::Mutex<Option<(Secret, Instant)>>,
}

/// The token could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// SSM answered with an error (throttling was already retried).
    #[error("reading SSM parameter {name}: {reason}")]
    Ssm {
        /// The parameter name.
        name: String,
        /// The SDK's error, which never holds the value.
        reason: String,
    },
    /// The parameter exists but has no value.
    #[error("SSM parameter {0} has no value")]
    Empty(String),
}

impl TokenSource {
    /// No token.
    pub fn none() -> Self {
        TokenSource::of(Kind::None)
    }

    /// A fixed token (`LOGSHIP_TOKEN`, local runs and tests).
    pub fn fixed(token: Secret) -> Self {
        TokenSource::of(Kind::Fixed(token))
    }

    /// A SecureString parameter, cached for `ttl`.
    pub fn ssm(client: aws_sdk_ssm::Client, name: impl Into<String>, ttl: Duration) -> Self {
        TokenSource::of(Kind::Ssm(SsmToken {
            client,
            name: name.into(),
            ttl,
            cache: tokio::sync::Mutex::new(None),
        }))
    }

    fn of(kind: Kind) -> Self {
        let seen = match &kind {
            Kind::Fixed(t) => vec![t.clone()],
            _ => Vec::new(),
        };
        TokenSource {
            kind,
            seen: std::sync::Mutex::new(seen),
        }
    }

    /// The token values handed out lately (the current one and the one before
    /// it): what an answer that echoes a request could hold.
    pub fn known(&self) -> Vec<Secret> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn remember(&self, token: &Secret) {
        if let Ok(mut seen) = self.seen.lock()
            && seen.last() != Some(token)
        {
            seen.retain(|t| t != token);
            seen.push(token.clone());
            let excess = seen.len().saturating_sub(REMEMBERED);
            seen.drain(..excess);
        }
    }

    /// The current token (from the cache while it is fresh).
    pub async fn get(&self) -> Result<Option<Secret>, TokenError> {
        match &self.kind {
            Kind::None => Ok(None),
            Kind::Fixed(t) => Ok(Some(t.clone())),
            Kind::Ssm(ssm) => {
                let mut cache = ssm.cache.lock().await;
                if let Some((token, at)) = cache.as_ref()
                    && at.elapsed() < ssm.ttl
                {
                    return Ok(Some(token.clone()));
                }
                let token = ssm.read().await?;
                self.remember(&token);
                *cache = Some((token.clone(), Instant::now()));
                Ok(Some(token))
            }
        }
    }

    /// The destination refused `refused`: re-read the parameter unless another
    /// request already replaced that token, and return the token to retry with.
    pub async fn refresh(&self, refused: Option<&Secret>) -> Result<Option<Secret>, TokenError> {
        match &self.kind {
            Kind::Ssm(ssm) => {
                let mut cache = ssm.cache.lock().await;
                if let Some((token, _)) = cache.as_ref()
                    && Some(token) != refused
                {
                    return Ok(Some(token.clone()));
                }
                let token = ssm.read().await?;
                self.remember(&token);
                *cache = Some((token.clone(), Instant::now()));
                Ok(Some(token))
            }
            _ => self.get().await,
        }
    }

    /// The parameter name, when the token comes from SSM.
    pub fn parameter(&self) -> Option<&str> {
        match &self.kind {
            Kind::Ssm(ssm) => Some(&ssm.name),
            _ => None,
        }
    }
}

impl SsmToken {
    async fn read(&self) -> Result<Secret, TokenError> {
        match read_parameter(&self.client, &self.name).await {
            Ok((token, _)) => Ok(token),
            Err(ReadError::Aws(e)) => Err(TokenError::Ssm {
                name: self.name.clone(),
                reason: e.detail,
            }),
            Err(ReadError::NoParameter | ReadError::Empty) => {
                Err(TokenError::Empty(self.name.clone()))
            }
        }
    }
}
