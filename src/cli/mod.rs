//! The operator's CLI (binary only): the command line, its dispatch and what
//! the commands share: one settings-override builder (flags and `--set` over
//! the `LOGSHIP_*` environment), one tokio runtime builder, CLI tracing, and
//! the exit codes. The front-ends live beside it: [`process`] (`process`,
//! `gen-event`), [`redrive`] and [`token`]; their library halves are in
//! `logship::ops`.
//!
//! Exit codes: 0 done, 1 something left or failed (a record not processed, a
//! message left in the queue, the destination down or refusing the token), 2
//! bad usage, configuration or permission (queue missing, access denied, no
//! destination). An interrupted redrive loses nothing: a message is deleted
//! only after its documents are delivered.

mod process;
mod redrive;
mod token;

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use logship::config::Config;

/// Exit code: something is left or failed.
const FAILED: u8 = 1;
/// Exit code: bad usage, configuration or permission.
const SETUP: u8 = 2;

#[derive(Parser)]
#[command(
    name = "logship",
    version,
    about = "Ship CloudWatch Logs from Kinesis to Logz.io or Elasticsearch, masked and without losing a line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the pipeline on a Lambda Kinesis event file (stdin when omitted).
    ///
    /// Configuration comes from the same LOGSHIP_* variables the Lambda reads;
    /// flags override them. With no destination the documents go to stdout as
    /// NDJSON and a summary goes to stderr. Exit code 1 when a record could not
    /// be processed (everything else is still written), 2 on bad usage or configuration.
    Process(process::ProcessArgs),
    /// Write a realistic sample Kinesis event (JSON) to stdout or a file.
    GenEvent(process::GenArgs),
    /// Re-ship the documents of the dead-letter queue to the destination.
    ///
    /// A message is deleted only after all its documents are delivered (same
    /// `_id`, so Elasticsearch gets no duplicate); a partly delivered one is
    /// rewritten with only the rest; unparseable and undecodable messages stay
    /// and are reported. Exit code 0 when the queue was drained, 1 when
    /// something is left or the destination is down, 2 on bad usage,
    /// configuration or permission.
    Redrive(redrive::RedriveArgs),
    /// Rotate or check the destination token kept in SSM.
    Token(token::TokenArgs),
}

/// Parses the command line and runs the command.
pub fn run() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Process(args) => process::process(args),
        Command::GenEvent(args) => process::gen_event(args).map(|()| ExitCode::SUCCESS),
        Command::Redrive(args) => redrive::redrive(args),
        Command::Token(args) => token::token(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("logship: error: {e:#}");
            ExitCode::from(SETUP)
        }
    }
}

/// Settings that override the environment: flags and `--set NAME=VALUE`
/// pairs, applied in the order given (a later one wins).
#[derive(Default)]
struct Overrides(HashMap<String, String>);

impl Overrides {
    /// Adds the flags that are given.
    fn flags(mut self, flags: &[(&str, Option<&str>)]) -> Overrides {
        for (k, v) in flags {
            if let Some(v) = v {
                self.0.insert((*k).to_owned(), (*v).to_owned());
            }
        }
        self
    }

    /// Adds the `--set NAME=VALUE` pairs (`NAME` upper-cased, with the
    /// `LOGSHIP_` prefix added when it lacks it).
    fn set(mut self, set: &[String]) -> anyhow::Result<Overrides> {
        for pair in set {
            let (k, v) = pair
                .split_once('=')
                .with_context(|| format!("--set {pair:?}: expected NAME=VALUE"))?;
            let k = k.trim().to_ascii_uppercase();
            let k = if k.starts_with("LOGSHIP_") {
                k
            } else {
                format!("LOGSHIP_{k}")
            };
            self.0.insert(k, v.to_owned());
        }
        Ok(self)
    }

    /// The configuration: the overrides first, then the environment. Unknown
    /// `LOGSHIP_*` names (in the environment or among the overrides) are a
    /// warning on stderr, or a configuration error under `LOGSHIP_STRICT_SETTINGS=on`.
    fn config(self) -> anyhow::Result<Config> {
        let mut names = logship::settings::env_names();
        names.extend(self.0.keys().cloned());
        let lookup = move |k: &str| self.0.get(k).cloned().or_else(|| std::env::var(k).ok());
        logship::config::checked(names.iter().map(String::as_str), &lookup, &mut |u| {
            eprintln!("logship: warning: {u}")
        })
        .context("configuration")
    }
}

/// Where documents go and how: the same settings `process` and the Lambda read.
#[derive(clap::Args)]
struct Settings {
    /// LOGSHIP_DESTINATION: logzio or elasticsearch.
    #[arg(long)]
    destination: Option<String>,
    /// LOGSHIP_ENDPOINT.
    #[arg(long)]
    endpoint: Option<String>,
    /// Extra settings, as NAME=VALUE with or without the LOGSHIP_ prefix (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
}

impl Settings {
    /// The configuration: these flags and `extra` over the `--set` pairs, over the environment.
    fn config(&self, extra: &[(&str, Option<&str>)]) -> anyhow::Result<Config> {
        Overrides::default()
            .set(&self.set)?
            .flags(&[
                ("LOGSHIP_DESTINATION", self.destination.as_deref()),
                ("LOGSHIP_ENDPOINT", self.endpoint.as_deref()),
            ])
            .flags(extra)
            .config()
    }
}

/// The async runtime of the commands that call the network.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Says why on stderr and ends with `code`.
fn fail(code: u8, message: impl std::fmt::Display) -> anyhow::Result<ExitCode> {
    eprintln!("logship: {message}");
    Ok(ExitCode::from(code))
}

/// CLI logs: text on stderr, `LOGSHIP_LOG` (or `RUST_LOG`) filter, warnings by default.
fn init_tracing() {
    let filter = std::env::var("LOGSHIP_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".to_owned());
    // Colour only on a terminal, and never under NO_COLOR (https://no-color.org).
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .try_init();
}
