//! Listing log groups (`DescribeLogGroups`, page by page, with throttling
//! retries), looking one up by name, the time budget of a sweep, and what the
//! sweep reports of both functions share (bounded lists, the all-failed rule,
//! the CloudFormation attributes).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::{LogGroup, LogGroupClass};

use serde_json::{Map, Value, json};

use crate::Error;
use crate::backoff::{RetryPolicy, retry};

/// What the functions need to know about a log group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupInfo {
    /// Its name.
    pub name: String,
    /// Its retention, `None` for "never expire".
    pub retention_in_days: Option<i32>,
    /// Its log class (`None` when the API does not say: Standard).
    pub class: Option<LogGroupClass>,
}

impl GroupInfo {
    fn from_sdk(group: &LogGroup) -> Option<Self> {
        Some(GroupInfo {
            name: group.log_group_name()?.to_owned(),
            retention_in_days: group.retention_in_days(),
            class: group.log_group_class().cloned(),
        })
    }

    /// Only Standard log groups support subscription filters and retention
    /// changes (Infrequent Access and Delivery classes do not).
    pub fn is_standard(&self) -> bool {
        matches!(self.class, None | Some(LogGroupClass::Standard))
    }

    /// The class as text, for reports.
    pub fn class_name(&self) -> String {
        self.class
            .as_ref()
            .map_or_else(|| "STANDARD".to_owned(), |c| c.as_str().to_owned())
    }
}

/// Pages through the log groups whose names start with a prefix.
pub struct GroupPages<'a> {
    client: &'a Client,
    retry: RetryPolicy,
    prefix: Option<String>,
    next_token: Option<String>,
    done: bool,
}

impl<'a> GroupPages<'a> {
    /// All groups starting with `prefix` (empty: all groups).
    pub fn new(client: &'a Client, retry: RetryPolicy, prefix: &str) -> Self {
        GroupPages {
            client,
            retry,
            prefix: (!prefix.is_empty()).then(|| prefix.to_owned()),
            next_token: None,
            done: false,
        }
    }

    /// The next page, `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Vec<GroupInfo>>, Error> {
        if self.done {
            return Ok(None);
        }
        let out = retry(
            &self.retry,
            "DescribeLogGroups",
            self.retry.max_attempts,
            || {
                self.client
                    .describe_log_groups()
                    .set_log_group_name_prefix(self.prefix.clone())
                    .set_next_token(self.next_token.clone())
                    .limit(50)
                    .send()
            },
        )
        .await?;
        self.next_token = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        self.done = self.next_token.is_none();
        Ok(Some(
            out.log_groups()
                .iter()
                .filter_map(GroupInfo::from_sdk)
                .collect(),
        ))
    }
}

/// Looks up one log group by its exact name. Groups are listed in name order,
/// so the exact name is the first of those starting with it.
pub async fn find_group(
    client: &Client,
    policy: &RetryPolicy,
    name: &str,
) -> Result<Option<GroupInfo>, Error> {
    let out = retry(policy, "DescribeLogGroups", policy.max_attempts, || {
        client
            .describe_log_groups()
            .log_group_name_prefix(name)
            .limit(1)
            .send()
    })
    .await?;
    Ok(out
        .log_groups()
        .iter()
        .filter_map(GroupInfo::from_sdk)
        .find(|g| g.name == name))
}

/// Like [`find_group`], but waits a little for a group that was just created
/// (the CreateLogGroup event can arrive before the group is listed).
pub async fn find_new_group(
    client: &Client,
    policy: &RetryPolicy,
    name: &str,
) -> Result<Option<GroupInfo>, Error> {
    for attempt in 1..=3u32 {
        if let Some(group) = find_group(client, policy, name).await? {
            return Ok(Some(group));
        }
        if attempt < 3 {
            tokio::time::sleep(policy.base_delay.saturating_mul(5 * attempt)).await;
        }
    }
    Ok(None)
}

/// The time budget of an invocation: stop starting work `margin` before it.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    deadline: Option<Instant>,
}

impl Budget {
    /// No time limit (tests, manual runs outside Lambda).
    pub fn unlimited() -> Self {
        Budget { deadline: None }
    }

    /// Work may start until `margin` before the invocation deadline, given
    /// in milliseconds since the epoch as the Lambda runtime reports it.
    pub fn from_lambda_deadline(deadline_ms: u64, margin: Duration) -> Self {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        if deadline_ms == 0 {
            return Budget::unlimited();
        }
        let remaining = Duration::from_millis(deadline_ms.saturating_sub(now_ms));
        Budget {
            deadline: Some(Instant::now() + remaining.saturating_sub(margin)),
        }
    }

    /// A budget ending `after` from now.
    pub fn after(after: Duration) -> Self {
        Budget {
            deadline: Some(Instant::now() + after),
        }
    }

    /// Whether the budget is spent.
    pub fn exhausted(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// How many group names a sweep report lists per category (the counts are exact).
pub const REPORT_LIST_LIMIT: usize = 50;

/// Adds `item` to a report list unless it holds [`REPORT_LIST_LIMIT`] already.
pub fn list_push(list: &mut Vec<String>, item: impl FnOnce() -> String) {
    if list.len() < REPORT_LIST_LIMIT {
        list.push(item());
    }
}

/// An error when every group a sweep looked at failed (a systemic problem:
/// permissions, a wrong stream or role ARN); `failed` is the report's list.
pub fn all_failed(scanned: usize, failed_count: usize, failed: &[String]) -> Result<(), Error> {
    if failed_count > 0 && failed_count == scanned {
        return Err(Error::SweepFailed {
            failed: failed_count,
            first: failed.first().cloned().unwrap_or_default(),
        });
    }
    Ok(())
}

/// A sweep's counts and completeness as CloudFormation custom resource
/// attributes (every value a string).
pub fn cfn_data(counts: &[(&str, usize)], complete: bool) -> Map<String, Value> {
    let mut data = Map::new();
    for (k, v) in counts {
        data.insert((*k).into(), json!(v.to_string()));
    }
    data.insert("Complete".into(), json!(complete.to_string()));
    data
}

/// The end of a sweep summary: empty, or why the sweep stopped early.
pub fn incomplete_note(complete: bool) -> &'static str {
    if complete {
        ""
    } else {
        " (stopped before the Lambda deadline; the scheduled sweep continues)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets() {
        assert!(!Budget::unlimited().exhausted());
        assert!(Budget::after(Duration::ZERO).exhausted());
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        assert!(Budget::from_lambda_deadline(now_ms + 5_000, Duration::from_secs(20)).exhausted());
        assert!(
            !Budget::from_lambda_deadline(now_ms + 60_000, Duration::from_secs(20)).exhausted()
        );
        assert!(!Budget::from_lambda_deadline(0, Duration::from_secs(20)).exhausted());
    }

    #[test]
    fn classes() {
        let g = |class| GroupInfo {
            name: "/a".into(),
            retention_in_days: None,
            class,
        };
        assert!(g(None).is_standard());
        assert!(g(Some(LogGroupClass::Standard)).is_standard());
        assert!(!g(Some(LogGroupClass::InfrequentAccess)).is_standard());
        assert_eq!(g(None).class_name(), "STANDARD");
    }
}
