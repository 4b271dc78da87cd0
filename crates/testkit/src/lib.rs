//! Test support for logship: real-protocol stand-ins for the services the Lambda talks to.
//!
//! * [`moto`] installs (once, into a virtualenv under the workspace `target/` directory) and
//!   starts the [moto](https://github.com/getmoto/moto) AWS API emulator in server mode, so tests
//!   drive SSM, SQS, Kinesis, CloudWatch Logs and S3 through the real AWS SDK clients. The
//!   server is started once per test process and dies with it. When the emulator cannot be
//!   installed or started, tests skip ([`moto_or_skip!`]) — unless `CI=true`, where that is a
//!   failure.
//! * [`bulk`] is an in-process HTTP/1.1 server implementing the Elasticsearch/OpenSearch `_bulk`
//!   contract and the Logz.io listener contract, recording what it accepted and scriptable to
//!   fail (whole-request statuses, `Retry-After`, per-item failures, hangs, connection resets,
//!   413s, token rotation). The `bulk-server` binary of this crate runs one in its own process
//!   (for benchmarks).
//! * [`runtime_api`] is an in-process stand-in for the AWS Lambda Runtime API (`/next` long-poll,
//!   `/response`, `/error`, `/init/error`, with Lambda's runtime state machine), so a test runs
//!   the real binary in Lambda mode (`AWS_LAMBDA_RUNTIME_API=<addr>`), queues invocations and
//!   awaits what the function answered.
//! * [`tls`] makes a throwaway private certificate authority at test time, so the bulk server
//!   answers over TLS ([`bulk::BulkServer::start_tls`]) with a certificate no public CA signed.
//! * [`throttle`] puts a throttling front before the emulator: the first calls of one operation
//!   get AWS's `ThrottlingException`, the rest reach moto, so a test sees how a caller retries
//!   under throttling through the real SDK.
//!
//! ```no_run
//! # async fn demo() {
//! use testkit::bulk::{BulkServer, Fault};
//!
//! let server = BulkServer::start().await;
//! server.set_token("elastic:secret");
//! server.push_fault(Fault::Status(503)); // the first request fails, the next ones succeed
//! // ... point the code under test at server.url() ...
//! assert!(server.create_attempts().values().all(|&n| n == 1));
//!
//! let Some(sdk) = testkit::moto::sdk_config().await else {
//!     return; // or: let sdk = testkit::moto_or_skip!();
//! };
//! # let _ = sdk;
//! # }
//! ```

pub mod bulk;
mod http;
pub mod moto;
pub mod runtime_api;
pub mod throttle;
pub mod tls;

pub use moto::unique_name;
