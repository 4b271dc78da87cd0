//! The integration tests, in one binary: one link instead of ten on a 2-core
//! machine, and one AWS API emulator shared by every test that needs it.
//! Each module is what used to be its own test binary; run one with
//! `cargo test --test integration <module>::` (e.g. `delivery::`).
//!
//! `tests/mask_alloc.rs` stays apart: it installs a counting global allocator.
//! Test data lives beside the code: `tests/golden/` (golden documents).

mod common;
mod ops_support;
mod support;

mod cli_process;
mod delivery;
mod fault_matrix;
mod golden;
mod lambda_mode;
mod mask_corpus;
mod mask_props;
mod readme_commands;
mod redrive;
mod tokens;
