//! The operator tools' library halves, apart from the stages: they use the
//! stages (the shipper, the pipeline, the DLQ message format), and nothing
//! below `ops` uses them. Their command-line front-ends are in the binary
//! (`src/cli/`).
//!
//! - [`redrive`]: the dead-letter queue back to the destination.
//! - [`token`]: rotate the destination token in SSM, and check that a token works.

pub mod redrive;
pub mod token;
