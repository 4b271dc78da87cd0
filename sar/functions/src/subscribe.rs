//! auto-subscribe: keeps log groups subscribed to logship's Kinesis stream.
//!
//! In `log-group` mode every selected Standard-class log group gets one
//! subscription filter named [`SubscribeConfig::filter_name`]:
//! * a group that already has it with the same settings is left alone, one
//!   whose filter differs is updated in place (same name);
//! * foreign filters are never removed: a group with two of them (the
//!   per-group quota) is reported as full, and a group where another filter
//!   already sends to our stream is skipped (no duplicates);
//! * excluded groups, the shipper's own above all, get our filter removed if
//!   they have it, so an exclusion added later takes effect and the shipper
//!   can never feed itself.
//!
//! In `account-policy` mode a single `SUBSCRIPTION_FILTER_POLICY` account
//! policy covers every group, present and future, except those named in its
//! `LogGroupName NOT IN [...]` selection criteria: the shipper's group plus the
//! existing groups the prefixes exclude (new excluded groups are added when
//! their CreateLogGroup event arrives and at every scheduled sweep).
//!
//! All calls go through [`crate::backoff`] for throttling.

use std::collections::BTreeSet;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::{Distribution, PolicyType, Scope, SubscriptionFilter};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::Error;
use crate::backoff::retry;
use crate::config::{Mode, SubscribeConfig};
use crate::groups::{
    Budget, GroupInfo, GroupPages, all_failed, cfn_data, find_new_group, incomplete_note, list_push,
};
use crate::selection::Exclusion;

/// Most CloudWatch Logs accepts in `selectionCriteria` (UTF-8 bytes).
pub const MAX_SELECTION_CRITERIA_BYTES: usize = 25 * 1024;

/// What happened to one log group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// Our filter was created.
    Subscribed,
    /// Our filter existed with other settings and was updated.
    Updated,
    /// Our filter (or the account policy) already covers the group.
    Unchanged,
    /// The group is not selected and has no filter of ours.
    Excluded {
        /// Why.
        reason: Exclusion,
    },
    /// The group is not selected (or we are cleaning up): our filter was removed.
    Removed,
    /// Two foreign filters already use the group's quota.
    Full {
        /// Their names.
        filters: Vec<String>,
    },
    /// Another filter already sends this group to our stream.
    AlreadyByOtherFilter {
        /// Its name.
        filter: String,
    },
    /// The group's class does not support subscription filters.
    UnsupportedClass {
        /// The class.
        class: String,
    },
    /// The group does not exist (any more).
    Gone,
    /// An API call failed.
    Failed {
        /// The error.
        error: String,
    },
}

impl Outcome {
    /// Logs what deserves the operator's attention, the same way on every
    /// path (sweep, new group, manual invocation): a full group as a warning,
    /// a failure as an error; nothing otherwise.
    pub fn log_attention(&self, name: &str) {
        match self {
            Outcome::Full { filters } => tracing::warn!(
                log_group = name,
                ?filters,
                "log group has two foreign subscription filters; not subscribed"
            ),
            Outcome::Failed { error } => {
                tracing::error!(log_group = name, error, "log group could not be processed");
            }
            _ => {}
        }
    }
}

/// The result of a sweep.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Groups looked at.
    pub scanned: usize,
    /// Filters created.
    pub subscribed: usize,
    /// Filters updated.
    pub updated: usize,
    /// Groups already in the desired state.
    pub unchanged: usize,
    /// Groups left alone because of the selection.
    pub excluded: usize,
    /// Filters of ours removed.
    pub removed: usize,
    /// Groups skipped: another filter to our stream, unsupported class, gone.
    pub skipped: usize,
    /// Groups whose two filter slots are taken by foreign filters.
    pub full_count: usize,
    /// The first of them.
    pub full: Vec<String>,
    /// Groups whose calls failed.
    pub failed_count: usize,
    /// The first failures, `name: error`.
    pub failed: Vec<String>,
    /// The log groups excluded by the account policy (account-policy mode).
    pub policy_exclusions: Vec<String>,
    /// False when the sweep stopped early to respect the Lambda deadline.
    pub complete: bool,
}

impl Report {
    fn new() -> Self {
        Report {
            complete: true,
            ..Report::default()
        }
    }

    /// Counts `outcome` for group `name` and logs what deserves attention.
    pub fn record(&mut self, name: &str, outcome: &Outcome) {
        self.scanned += 1;
        match outcome {
            Outcome::Subscribed => self.subscribed += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Excluded { .. } => self.excluded += 1,
            Outcome::Removed => self.removed += 1,
            Outcome::AlreadyByOtherFilter { .. }
            | Outcome::UnsupportedClass { .. }
            | Outcome::Gone => self.skipped += 1,
            Outcome::Full { .. } => {
                self.full_count += 1;
                list_push(&mut self.full, || name.to_owned());
            }
            Outcome::Failed { error } => {
                self.failed_count += 1;
                list_push(&mut self.failed, || format!("{name}: {error}"));
            }
        }
        outcome.log_attention(name);
        tracing::debug!(log_group = name, ?outcome, "log group processed");
    }

    /// The successes (anything but failures).
    pub fn succeeded(&self) -> usize {
        self.scanned - self.failed_count
    }

    /// Turns a report whose every group failed into an error (a systemic
    /// problem: permissions, a wrong stream or role ARN).
    pub fn into_result(self) -> Result<Report, Error> {
        all_failed(self.scanned, self.failed_count, &self.failed)?;
        Ok(self)
    }

    /// The counts as CloudFormation custom resource attributes.
    pub fn cfn_data(&self) -> Map<String, Value> {
        cfn_data(
            &[
                ("Scanned", self.scanned),
                ("Subscribed", self.subscribed),
                ("Updated", self.updated),
                ("Unchanged", self.unchanged),
                ("Excluded", self.excluded),
                ("Removed", self.removed),
                ("Skipped", self.skipped),
                ("Full", self.full_count),
                ("Failed", self.failed_count),
            ],
            self.complete,
        )
    }

    /// A one-line summary for logs and CloudFormation events.
    pub fn summary(&self) -> String {
        format!(
            "scanned {}, subscribed {}, updated {}, unchanged {}, excluded {}, removed {}, skipped {}, full {}, failed {}{}",
            self.scanned,
            self.subscribed,
            self.updated,
            self.unchanged,
            self.excluded,
            self.removed,
            self.skipped,
            self.full_count,
            self.failed_count,
            incomplete_note(self.complete)
        )
    }
}

/// The auto-subscribe logic over one CloudWatch Logs client.
pub struct Subscriber<'a> {
    client: &'a Client,
    config: &'a SubscribeConfig,
}

impl<'a> Subscriber<'a> {
    /// A subscriber with `config`.
    pub fn new(client: &'a Client, config: &'a SubscribeConfig) -> Self {
        Subscriber { client, config }
    }

    /// The periodic sweep: subscribes every selected group (log-group mode)
    /// or refreshes the account policy (account-policy mode).
    pub async fn sweep(&self, budget: Budget) -> Result<Report, Error> {
        match self.config.mode {
            Mode::LogGroup => self.sweep_groups(budget, Pass::Subscribe).await,
            Mode::AccountPolicy => {
                let exclusions = self.put_account_policy().await?;
                let mut report = Report::new();
                report.policy_exclusions = exclusions;
                Ok(report)
            }
        }
    }

    /// The deploy-time sweep: like [`Self::sweep`], and in account-policy
    /// mode also removes the per-group filters of ours (left from log-group
    /// mode) so events are not delivered twice.
    pub async fn deploy_sweep(&self, budget: Budget) -> Result<Report, Error> {
        match self.config.mode {
            Mode::LogGroup => self.sweep(budget).await,
            Mode::AccountPolicy => {
                let exclusions = self.put_account_policy().await?;
                let mut report = self.sweep_groups(budget, Pass::RemoveOurs).await?;
                report.policy_exclusions = exclusions;
                Ok(report)
            }
        }
    }

    /// Removes what this app created: the account policy (account-policy
    /// mode) and, if [`SubscribeConfig::remove_on_delete`], every filter of ours.
    pub async fn remove_all(&self, budget: Budget) -> Result<Report, Error> {
        if self.config.mode == Mode::AccountPolicy {
            self.delete_account_policy(&self.config.policy_name).await?;
        }
        if self.config.remove_on_delete {
            self.sweep_groups(budget, Pass::RemoveOurs).await
        } else {
            Ok(Report::new())
        }
    }

    /// Handles one (new) log group.
    pub async fn handle_group(&self, name: &str) -> Result<Outcome, Error> {
        match self.config.mode {
            Mode::LogGroup => {
                let Some(group) = find_new_group(self.client, &self.config.retry, name).await?
                else {
                    return Ok(Outcome::Gone);
                };
                Ok(self.subscribe_group(&group).await)
            }
            Mode::AccountPolicy => match self.config.selection.exclusion(name) {
                // The policy already covers a selected group.
                None => Ok(Outcome::Unchanged),
                Some(reason) => {
                    self.put_account_policy().await?;
                    Ok(Outcome::Excluded { reason })
                }
            },
        }
    }

    async fn sweep_groups(&self, budget: Budget, pass: Pass) -> Result<Report, Error> {
        let mut report = Report::new();
        let mut seen = BTreeSet::new();
        let prefixes = match pass {
            Pass::Subscribe => self.config.selection.listing_prefixes(),
            Pass::RemoveOurs => vec![String::new()],
        };
        'prefixes: for prefix in prefixes {
            let mut pages = GroupPages::new(self.client, self.config.retry, &prefix);
            while let Some(page) = pages.next_page().await? {
                for group in page {
                    if budget.exhausted() {
                        report.complete = false;
                        break 'prefixes;
                    }
                    if !seen.insert(group.name.clone()) {
                        continue;
                    }
                    let outcome = match pass {
                        Pass::Subscribe => self.subscribe_group(&group).await,
                        Pass::RemoveOurs => {
                            self.remove_ours_outcome(&group.name, Outcome::Unchanged)
                                .await
                        }
                    };
                    report.record(&group.name, &outcome);
                }
            }
        }
        tracing::info!(pass = ?pass, summary = %report.summary(), "sweep done");
        report.into_result()
    }

    /// Brings one group to the desired state (log-group mode).
    pub async fn subscribe_group(&self, group: &GroupInfo) -> Outcome {
        if let Some(reason) = self.config.selection.exclusion(&group.name) {
            if !group.is_standard() {
                return Outcome::Excluded { reason };
            }
            return self
                .remove_ours_outcome(&group.name, Outcome::Excluded { reason })
                .await;
        }
        if !group.is_standard() {
            return Outcome::UnsupportedClass {
                class: group.class_name(),
            };
        }
        let filters = match self.filters(&group.name).await {
            Ok(filters) => filters,
            Err(e) if e.is_not_found() => return Outcome::Gone,
            Err(e) => {
                return Outcome::Failed {
                    error: e.to_string(),
                };
            }
        };
        let cfg = self.config;
        let ours = filters
            .iter()
            .find(|f| f.filter_name() == Some(cfg.filter_name.as_str()));
        if let Some(other) = filters.iter().find(|f| {
            f.filter_name() != Some(cfg.filter_name.as_str())
                && f.destination_arn() == Some(cfg.destination_arn.as_str())
        }) {
            return Outcome::AlreadyByOtherFilter {
                filter: other.filter_name().unwrap_or_default().to_owned(),
            };
        }
        if ours.is_some_and(|f| self.is_desired(f)) {
            return Outcome::Unchanged;
        }
        let foreign: Vec<String> = filters
            .iter()
            .filter(|f| f.filter_name() != Some(cfg.filter_name.as_str()))
            .map(|f| f.filter_name().unwrap_or_default().to_owned())
            .collect();
        if ours.is_none() && foreign.len() >= 2 {
            return Outcome::Full { filters: foreign };
        }
        match self.put_filter(&group.name).await {
            Ok(()) if ours.is_some() => Outcome::Updated,
            Ok(()) => Outcome::Subscribed,
            Err(e) if e.is_limit_exceeded() => Outcome::Full { filters: foreign },
            Err(e) if e.is_not_found() => Outcome::Gone,
            Err(e) => Outcome::Failed {
                error: e.to_string(),
            },
        }
    }

    fn is_desired(&self, f: &SubscriptionFilter) -> bool {
        let cfg = self.config;
        f.destination_arn() == Some(cfg.destination_arn.as_str())
            && f.role_arn().unwrap_or_default() == cfg.role_arn
            && f.filter_pattern().unwrap_or_default() == cfg.filter_pattern
            // CloudWatch Logs' default distribution is ByLogStream.
            && f.distribution().map_or("ByLogStream", Distribution::as_str) == cfg.distribution
    }

    async fn filters(&self, name: &str) -> Result<Vec<SubscriptionFilter>, Error> {
        let policy = self.config.retry;
        let out = retry(
            &policy,
            "DescribeSubscriptionFilters",
            policy.max_attempts,
            || {
                self.client
                    .describe_subscription_filters()
                    .log_group_name(name)
                    .send()
            },
        )
        .await?;
        Ok(out.subscription_filters().to_vec())
    }

    async fn put_filter(&self, name: &str) -> Result<(), Error> {
        let cfg = self.config;
        // LimitExceededException here usually means the group's two slots were
        // taken meanwhile: retry it only briefly.
        retry(&cfg.retry, "PutSubscriptionFilter", 3, || {
            self.client
                .put_subscription_filter()
                .log_group_name(name)
                .filter_name(&cfg.filter_name)
                .filter_pattern(&cfg.filter_pattern)
                .destination_arn(&cfg.destination_arn)
                .role_arn(&cfg.role_arn)
                .distribution(Distribution::from(cfg.distribution.as_str()))
                .send()
        })
        .await?;
        Ok(())
    }

    /// Removes our filter from `name` if it is there (our name and our
    /// stream); `otherwise` is the outcome when there is nothing to remove.
    async fn remove_ours_outcome(&self, name: &str, otherwise: Outcome) -> Outcome {
        match self.remove_ours(name).await {
            Ok(true) => Outcome::Removed,
            Ok(false) => otherwise,
            Err(e) if e.is_not_found() => Outcome::Gone,
            Err(e) => Outcome::Failed {
                error: e.to_string(),
            },
        }
    }

    async fn remove_ours(&self, name: &str) -> Result<bool, Error> {
        let cfg = self.config;
        let filters = self.filters(name).await?;
        let ours = filters.iter().any(|f| {
            f.filter_name() == Some(cfg.filter_name.as_str())
                && f.destination_arn() == Some(cfg.destination_arn.as_str())
        });
        if !ours {
            return Ok(false);
        }
        retry(
            &cfg.retry,
            "DeleteSubscriptionFilter",
            cfg.retry.max_attempts,
            || {
                self.client
                    .delete_subscription_filter()
                    .log_group_name(name)
                    .filter_name(&cfg.filter_name)
                    .send()
            },
        )
        .await?;
        tracing::info!(log_group = name, filter = %cfg.filter_name, "subscription filter removed");
        Ok(true)
    }

    /// The names the account policy must exclude: the shipper's group and
    /// every existing group the prefixes exclude.
    pub async fn policy_exclusions(&self) -> Result<Vec<String>, Error> {
        let selection = &self.config.selection;
        let mut names: BTreeSet<String> = selection.protected.iter().cloned().collect();
        // With include prefixes every group must be looked at; without, only
        // the groups under the exclude prefixes.
        let prefixes = if selection.include.is_empty() {
            selection.exclude.clone()
        } else {
            vec![String::new()]
        };
        for prefix in prefixes {
            let mut pages = GroupPages::new(self.client, self.config.retry, &prefix);
            while let Some(page) = pages.next_page().await? {
                names.extend(
                    page.into_iter()
                        .filter(|g| selection.exclusion(&g.name).is_some())
                        .map(|g| g.name),
                );
            }
        }
        Ok(names.into_iter().collect())
    }

    /// Creates or updates the account-level subscription filter policy;
    /// returns the excluded names.
    pub async fn put_account_policy(&self) -> Result<Vec<String>, Error> {
        let cfg = self.config;
        let exclusions = self.policy_exclusions().await?;
        let criteria = selection_criteria(&exclusions)?;
        let document = policy_document(cfg);
        retry(
            &cfg.retry,
            "PutAccountPolicy",
            cfg.retry.max_attempts,
            || {
                self.client
                    .put_account_policy()
                    .policy_name(&cfg.policy_name)
                    .policy_type(PolicyType::SubscriptionFilterPolicy)
                    .scope(Scope::All)
                    .policy_document(&document)
                    .selection_criteria(&criteria)
                    .send()
            },
        )
        .await?;
        tracing::info!(policy = %cfg.policy_name, excluded = exclusions.len(), "account subscription filter policy put");
        Ok(exclusions)
    }

    /// Deletes the account-level subscription filter policy `name`, if any.
    pub async fn delete_account_policy(&self, name: &str) -> Result<(), Error> {
        let policy = self.config.retry;
        let existing = retry(
            &policy,
            "DescribeAccountPolicies",
            policy.max_attempts,
            || {
                self.client
                    .describe_account_policies()
                    .policy_type(PolicyType::SubscriptionFilterPolicy)
                    .policy_name(name)
                    .send()
            },
        )
        .await;
        match existing {
            Ok(out) if out.account_policies().is_empty() => return Ok(()),
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
        let deleted = retry(&policy, "DeleteAccountPolicy", policy.max_attempts, || {
            self.client
                .delete_account_policy()
                .policy_name(name)
                .policy_type(PolicyType::SubscriptionFilterPolicy)
                .send()
        })
        .await;
        match deleted {
            Ok(_) => {
                tracing::info!(policy = name, "account subscription filter policy deleted");
                Ok(())
            }
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Pass {
    Subscribe,
    RemoveOurs,
}

/// The account policy's document.
pub fn policy_document(cfg: &SubscribeConfig) -> String {
    json!({
        "DestinationArn": cfg.destination_arn,
        "RoleArn": cfg.role_arn,
        "FilterPattern": cfg.filter_pattern,
        "Distribution": cfg.distribution,
    })
    .to_string()
}

/// `LogGroupName NOT IN ["a","b"]`, checked against CloudWatch Logs' size limit.
pub fn selection_criteria(exclusions: &[String]) -> Result<String, Error> {
    let list =
        serde_json::to_string(exclusions).map_err(|e| Error::AccountPolicy(e.to_string()))?;
    let criteria = format!("LogGroupName NOT IN {list}");
    if criteria.len() > MAX_SELECTION_CRITERIA_BYTES {
        return Err(Error::AccountPolicy(format!(
            "{} log groups to exclude make a selection criteria of {} bytes, over CloudWatch Logs' {} \
             bytes; use log-group mode or narrower exclude prefixes",
            exclusions.len(),
            criteria.len(),
            MAX_SELECTION_CRITERIA_BYTES
        )));
    }
    Ok(criteria)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SubscribeConfig;

    fn config() -> SubscribeConfig {
        SubscribeConfig::from_lookup(|k| {
            Some(
                match k {
                    "LOGSHIP_DESTINATION_ARN" => "arn:aws:kinesis:us-east-1:1:stream/s",
                    "LOGSHIP_ROLE_ARN" => "arn:aws:iam::1:role/r",
                    "LOGSHIP_SHIPPER_LOG_GROUP" => "/aws/lambda/logship",
                    "LOGSHIP_FILTER_PATTERN" => "ERROR",
                    _ => return None,
                }
                .to_owned(),
            )
        })
        .unwrap()
    }

    #[test]
    fn account_policy_document_and_criteria() {
        let doc: Value = serde_json::from_str(&policy_document(&config())).unwrap();
        assert_eq!(
            doc["DestinationArn"],
            "arn:aws:kinesis:us-east-1:1:stream/s"
        );
        assert_eq!(doc["RoleArn"], "arn:aws:iam::1:role/r");
        assert_eq!(doc["FilterPattern"], "ERROR");
        assert_eq!(doc["Distribution"], "Random");
        assert_eq!(
            selection_criteria(&["/aws/lambda/logship".into(), "/x\"y".into()]).unwrap(),
            r#"LogGroupName NOT IN ["/aws/lambda/logship","/x\"y"]"#
        );
        let many: Vec<String> = (0..2000)
            .map(|i| format!("/aws/lambda/function-{i:05}"))
            .collect();
        assert!(matches!(
            selection_criteria(&many),
            Err(Error::AccountPolicy(_))
        ));
    }

    #[test]
    fn report_counts_and_systemic_failure() {
        let mut r = Report::new();
        r.record("/a", &Outcome::Subscribed);
        r.record(
            "/b",
            &Outcome::Full {
                filters: vec!["x".into(), "y".into()],
            },
        );
        r.record(
            "/c",
            &Outcome::Failed {
                error: "boom".into(),
            },
        );
        assert_eq!(
            (r.scanned, r.subscribed, r.full_count, r.failed_count),
            (3, 1, 1, 1)
        );
        assert_eq!(r.full, vec!["/b"]);
        assert!(r.clone().into_result().is_ok());
        let mut all_failed = Report::new();
        all_failed.record(
            "/c",
            &Outcome::Failed {
                error: "AccessDenied".into(),
            },
        );
        assert!(matches!(
            all_failed.into_result(),
            Err(Error::SweepFailed { failed: 1, .. })
        ));
        assert_eq!(r.cfn_data()["Full"], "1");
    }
}
