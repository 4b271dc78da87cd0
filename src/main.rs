//! The `logship` binary: the Lambda function and the operator's CLI.
//!
//! Started by Lambda (`AWS_LAMBDA_RUNTIME_API` set, no arguments) it serves the
//! Kinesis handler ([`logship::lambda::serve`]). Otherwise it is a CLI
//! ([`cli`]): `process` runs the pipeline on an event file, `gen-event` writes
//! a sample event, and the operator tools (`redrive`, `token rotate`, `token
//! check`, in `logship::ops`) drain the dead-letter queue and rotate the
//! destination token.

mod cli;

use std::process::ExitCode;

/// Every document is a few dozen short-lived allocations (the payload's
/// strings, the line's fields, the written JSON): mimalloc serves them
/// faster than the system allocator (see the README's benchmark section).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() && std::env::args_os().len() == 1 {
        return logship::lambda::serve();
    }
    cli::run()
}
