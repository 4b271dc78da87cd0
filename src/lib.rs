//! logship ships every CloudWatch Logs event of an AWS account, arriving through
//! a Kinesis Data Stream, to Logz.io or Elasticsearch/OpenSearch: decoded,
//! enriched, masked, bulk-encoded, delivered with retries, and dead-lettered to
//! SQS when it cannot be delivered, so that every log event ends in exactly one
//! place.
//!
//! # Layout
//!
//! Data flows one way, one module per stage; a stage only uses the stages
//! before it and the shared modules below them all. [`config`] reads every
//! setting once into a validated [`config::Config`] (with the encoder's, the
//! rules' and the private CA's own setting types); the transport stages
//! ([`ship`], [`dlq`]) and everything above read it, and nothing it uses reads
//! it back.
//!
//! | module | stage | owns |
//! |---|---|---|
//! | [`event`] | input | the Lambda Kinesis event, read tolerantly (`data` stays text) |
//! | [`decode`] | base64 → gunzip (capped) → subscription payload | [`decode::Decoder`], [`decode::DecodeError`] |
//! | [`document`] | one document per log event, in ECS: the envelope and what the line says ([`shape`]) | [`document::Document`] |
//! | [`rules`] | the user's routing and filtering rules: drop, sample, route (index, data stream, Logz.io type) | [`rules::RuleSet`], [`rules::RuleError`] |
//! | [`mask`] | secrets out of every document | [`mask::Masker`], [`mask::MaskError`] |
//! | [`encode`] | `_bulk` / NDJSON bodies cut by size and count | [`encode::Encoder`], [`encode::Body`] |
//! | [`ship`] | bodies to Logz.io or Elasticsearch, retried; the retry policy (the DLQ writer's too) and the failure taxonomy; the token and its cache | [`ship::Shipper`], [`ship::ShipError`], [`ship::Reason`], [`ship::token`] |
//! | [`dlq`] | what is undeliverable to SQS, with the payload; the message format | [`dlq::DeadLetterQueue`], [`dlq::DlqError`], [`dlq::message`] |
//! | [`pipeline`] | runs the stages over a batch, keeps the accounting; the bounded ship fan-out | [`pipeline::Pipeline`], [`pipeline::Outcome`], [`pipeline::ship_all`] |
//! | [`handler`] | the Lambda handler: batch in, `batchItemFailures` out | [`handler::Services`] |
//! | [`metrics`] | the invocation's one EMF line, from the pipeline's summary | [`metrics::emf_line_with_rules`] |
//! | [`lambda`] | the Lambda start-up and one invocation (deadline, EMF line) | [`lambda::serve`], [`lambda::invoke`] |
//!
//! Shared knowledge, one home each: [`config`] (every `LOGSHIP_*` setting,
//! validated once, and the one destination → body format mapping), [`aws`]
//! (the SDK configuration, its retry policy, one AWS error classification and
//! the one SSM parameter read), [`tls`] (a private CA's setting and roots), [`time`] (RFC 3339 dates, written and parsed), [`json`]
//! (the JSON string and value writer), [`secret`] (a string whose `Debug` is redacted, and URLs shown
//! without credentials), [`settings`] (every known `LOGSHIP_*` name, and the
//! unknown-setting check) and [`sample`] (realistic sample events for tests,
//! the benchmark and users).
//!
//! [`shape`] understands the log shapes AWS accounts produce (Lambda JSON and
//! platform events, framework text levels and logfmt, VPC flow logs, CloudTrail,
//! API Gateway, syslog) in ECS; the document stage calls it for every line.
//!
//! The operator tools live apart, in [`ops`] (nothing above imports it):
//! [`ops::redrive`] (the dead-letter queue back to the destination) and
//! [`ops::token`] (rotate and check the token). Their command-line front-ends
//! are in the binary (`src/cli/`); `src/main.rs` only chooses between
//! [`lambda::serve`] and the CLI.

pub mod aws;
pub mod config;
pub mod decode;
pub mod dlq;
pub mod document;
pub mod encode;
pub mod event;
pub mod handler;
pub mod json;
pub mod lambda;
pub mod mask;
pub mod metrics;
pub mod ops;
pub mod pipeline;
pub mod rules;
pub mod sample;
pub mod secret;
pub mod settings;
pub mod shape;
pub mod ship;
pub mod time;
pub mod tls;
