//! The Lambda functions of logship's two AWS Serverless Application Repository
//! apps, as a testable library.
//!
//! * `auto-subscribe` ([`subscribe`]) keeps every CloudWatch Logs log group of
//!   the account and region subscribed to logship's Kinesis stream: a sweep of
//!   the existing groups (at deploy time through a CloudFormation custom
//!   resource, and on a schedule) and one group at a time on the CloudTrail
//!   `CreateLogGroup` event. It honours include/exclude prefixes, never
//!   subscribes the shipper's own log group (that would be a feedback loop),
//!   leaves foreign subscription filters alone, and can use the account-level
//!   subscription filter policy instead of per-group filters.
//! * `set-retention` ([`retention`]) gives log groups without a retention one
//!   (7 days by default), on the same triggers.
//!
//! The binaries in `src/bin` only start [`lambda::run`], which reads the
//! configuration from the environment, builds the AWS clients and hands every
//! invocation to [`handlers`].

pub mod backoff;
pub mod cfn;
pub mod config;
pub mod error;
pub mod event;
pub mod groups;
pub mod handlers;
pub mod lambda;
pub mod logging;
pub mod retention;
pub mod selection;
pub mod subscribe;

pub use error::Error;
