//! set-retention: gives log groups a retention so CloudWatch Logs storage does
//! not grow forever.
//!
//! A selected Standard or Infrequent Access group without a retention ("never
//! expire") gets [`RetentionConfig::days`]; a group that already has a
//! retention keeps it unless [`RetentionConfig::override_existing`] is set.
//! Delivery-class groups have a fixed retention and are skipped. Deleting the
//! app changes nothing (there is no "previous" retention to restore).

use std::collections::BTreeSet;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::LogGroupClass;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::Error;
use crate::backoff::retry;
use crate::config::RetentionConfig;
use crate::groups::{
    Budget, GroupInfo, GroupPages, all_failed, cfn_data, find_new_group, incomplete_note, list_push,
};
use crate::selection::Exclusion;

/// What happened to one log group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// The retention was set.
    Set {
        /// The previous retention (`None`: never expire).
        previous: Option<i32>,
    },
    /// The group has the desired retention already.
    Unchanged,
    /// The group has another retention and overriding is off.
    Kept {
        /// Its retention.
        days: i32,
    },
    /// The group is not selected.
    Excluded {
        /// Why.
        reason: Exclusion,
    },
    /// The group's class has a fixed retention.
    UnsupportedClass {
        /// The class.
        class: String,
    },
    /// The group does not exist (any more).
    Gone,
    /// The call failed.
    Failed {
        /// The error.
        error: String,
    },
}

/// The result of a sweep.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Groups looked at.
    pub scanned: usize,
    /// Retentions set.
    pub set: usize,
    /// Groups that had the desired retention.
    pub unchanged: usize,
    /// Groups that kept their own retention.
    pub kept: usize,
    /// Groups not selected.
    pub excluded: usize,
    /// Groups skipped (class, gone).
    pub skipped: usize,
    /// Failures.
    pub failed_count: usize,
    /// The first failures, `name: error`.
    pub failed: Vec<String>,
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

    /// Counts `outcome` for group `name`.
    pub fn record(&mut self, name: &str, outcome: &Outcome) {
        self.scanned += 1;
        match outcome {
            Outcome::Set { previous } => {
                self.set += 1;
                tracing::info!(log_group = name, ?previous, "retention set");
            }
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Kept { .. } => self.kept += 1,
            Outcome::Excluded { .. } => self.excluded += 1,
            Outcome::UnsupportedClass { .. } | Outcome::Gone => self.skipped += 1,
            Outcome::Failed { error } => {
                self.failed_count += 1;
                list_push(&mut self.failed, || format!("{name}: {error}"));
                tracing::error!(log_group = name, error, "retention could not be set");
            }
        }
        tracing::debug!(log_group = name, ?outcome, "log group processed");
    }

    /// Turns a report whose every group failed into an error.
    pub fn into_result(self) -> Result<Report, Error> {
        all_failed(self.scanned, self.failed_count, &self.failed)?;
        Ok(self)
    }

    /// The counts as CloudFormation custom resource attributes.
    pub fn cfn_data(&self) -> Map<String, Value> {
        cfn_data(
            &[
                ("Scanned", self.scanned),
                ("Set", self.set),
                ("Unchanged", self.unchanged),
                ("Kept", self.kept),
                ("Excluded", self.excluded),
                ("Skipped", self.skipped),
                ("Failed", self.failed_count),
            ],
            self.complete,
        )
    }

    /// A one-line summary.
    pub fn summary(&self) -> String {
        format!(
            "scanned {}, set {}, unchanged {}, kept {}, excluded {}, skipped {}, failed {}{}",
            self.scanned,
            self.set,
            self.unchanged,
            self.kept,
            self.excluded,
            self.skipped,
            self.failed_count,
            incomplete_note(self.complete)
        )
    }
}

/// The set-retention logic over one CloudWatch Logs client.
pub struct RetentionSetter<'a> {
    client: &'a Client,
    config: &'a RetentionConfig,
}

impl<'a> RetentionSetter<'a> {
    /// A setter with `config`.
    pub fn new(client: &'a Client, config: &'a RetentionConfig) -> Self {
        RetentionSetter { client, config }
    }

    /// Processes every selected group.
    pub async fn sweep(&self, budget: Budget) -> Result<Report, Error> {
        let mut report = Report::new();
        let mut seen = BTreeSet::new();
        'prefixes: for prefix in self.config.selection.listing_prefixes() {
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
                    let outcome = self.apply(&group).await;
                    report.record(&group.name, &outcome);
                }
            }
        }
        tracing::info!(summary = %report.summary(), "retention sweep done");
        report.into_result()
    }

    /// Processes one (new) group.
    pub async fn handle_group(&self, name: &str) -> Result<Outcome, Error> {
        if let Some(reason) = self.config.selection.exclusion(name) {
            return Ok(Outcome::Excluded { reason });
        }
        match find_new_group(self.client, &self.config.retry, name).await? {
            Some(group) => Ok(self.apply(&group).await),
            None => Ok(Outcome::Gone),
        }
    }

    /// The decision for `group`, and the call if one is needed.
    pub async fn apply(&self, group: &GroupInfo) -> Outcome {
        let cfg = self.config;
        if let Some(reason) = cfg.selection.exclusion(&group.name) {
            return Outcome::Excluded { reason };
        }
        if matches!(group.class, Some(LogGroupClass::Delivery)) {
            return Outcome::UnsupportedClass {
                class: group.class_name(),
            };
        }
        match group.retention_in_days {
            Some(days) if days == cfg.days => return Outcome::Unchanged,
            Some(days) if !cfg.override_existing => return Outcome::Kept { days },
            _ => {}
        }
        let result = retry(
            &cfg.retry,
            "PutRetentionPolicy",
            cfg.retry.max_attempts,
            || {
                self.client
                    .put_retention_policy()
                    .log_group_name(&group.name)
                    .retention_in_days(cfg.days)
                    .send()
            },
        )
        .await;
        match result {
            Ok(_) => Outcome::Set {
                previous: group.retention_in_days,
            },
            Err(e) if e.is_not_found() => Outcome::Gone,
            Err(e) => Outcome::Failed {
                error: e.to_string(),
            },
        }
    }
}
