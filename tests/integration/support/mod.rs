//! Generated, labelled corpora of log messages for the masking tests.

pub mod secret_corpus;
pub mod vendor_corpus;
