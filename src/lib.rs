//! logship ships every CloudWatch Logs event of an AWS account, arriving through
//! a Kinesis Data Stream, to Logz.io or Elasticsearch/OpenSearch: decoded,
//! enriched, masked, bulk-encoded, delivered with retries, and dead-lettered to
//! SQS when it cannot be delivered, so that every log event ends in exactly one
//! place.
//!
//! # Layout
//!
//! Data flows one way, one module per stage; a stage only uses the stages before it.
//!
//! | module | stage | owns |
//! |---|---|---|
//! | [`event`] | input | the Lambda Kinesis event, read tolerantly (`data` stays text) |
//! | [`decode`] | base64 → gunzip (capped) → subscription payload | [`decode::Decoder`], [`decode::DecodeError`] |
//! | [`document`] | one document per log event, enriched (ECS names, Lambda lines, JSON fields) | [`document::Document`] |
//! | [`mask`] | secrets out of every document | [`mask::Masker`], [`mask::MaskError`] |
//! | [`encode`] | `_bulk` / NDJSON bodies cut by size and count | [`encode::Encoder`], [`encode::Body`] |
//! | [`ship`] | bodies to Logz.io or Elasticsearch, retried, token from SSM | [`ship::Shipper`], [`ship::ShipError`] |
//! | [`dlq`] | what is undeliverable to SQS, with the payload | [`dlq::DeadLetterQueue`] |
//! | [`pipeline`] | runs the stages over a batch and keeps the accounting | [`pipeline::Pipeline`], [`pipeline::Outcome`] |
//! | [`handler`] | the Lambda handler: batch in, `batchItemFailures` out | [`handler::Services`] |
//!
//! Around them: [`metrics`] (one EMF line per invocation), [`config`] (every `LOGSHIP_*` setting, validated once),
//! [`secret`] (a string whose `Debug` is redacted) and [`sample`] (realistic sample
//! events for tests, the benchmark and users). Operator tools: [`redrive`] (the
//! dead-letter queue back to the destination) and [`tokens`] (rotate and check the token).

pub mod config;
pub mod decode;
pub mod dlq;
pub mod document;
pub mod encode;
pub mod event;
pub mod handler;
pub mod mask;
pub mod metrics;
pub mod pipeline;
pub mod redrive;
pub mod rules;
pub mod sample;
pub mod secret;
pub mod settings;
pub mod ship;
pub mod tokens;
