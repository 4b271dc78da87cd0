//! The `logship` binary: the Lambda function and the operator's CLI.
//!
//! Started by Lambda (`AWS_LAMBDA_RUNTIME_API` set, no arguments) it serves the
//! Kinesis handler. Otherwise it is a CLI: `process` runs the pipeline on an
//! event file, `gen-event` writes a sample event, and the operator tools
//! (`redrive`, `token rotate`, `token check`, in `ops`) drain the dead-letter
//! queue and rotate the destination token.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use logship::config::{Config, Destination};
use logship::encode::Format;
use logship::event::KinesisEvent;
use logship::handler::{Services, handle, response};
use logship::mask::Masker;
use logship::pipeline::{Outcome, Pipeline};
use logship::sample::{GenOptions, generate};

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
    Process(ProcessArgs),
    /// Write a realistic sample Kinesis event (JSON) to stdout or a file.
    GenEvent(GenArgs),
    /// Re-ship the documents of the dead-letter queue to the destination.
    ///
    /// A message is deleted only after all its documents are delivered (same
    /// `_id`, so Elasticsearch gets no duplicate); a partly delivered one is
    /// rewritten with only the rest; unparseable and undecodable messages stay
    /// and are reported. Exit code 0 when the queue was drained, 1 when
    /// something is left or the destination is down, 2 on bad usage,
    /// configuration or permission.
    Redrive(ops::RedriveArgs),
    /// Rotate or check the destination token kept in SSM.
    Token(ops::TokenArgs),
}

#[derive(clap::Args)]
struct ProcessArgs {
    /// The event file; stdin when omitted.
    event: Option<PathBuf>,
    /// LOGSHIP_DESTINATION: stdout, logzio or elasticsearch.
    #[arg(long)]
    destination: Option<String>,
    /// LOGSHIP_ENDPOINT.
    #[arg(long)]
    endpoint: Option<String>,
    /// LOGSHIP_MASK: on or off.
    #[arg(long)]
    mask: Option<String>,
    /// LOGSHIP_MAX_DECOMPRESSED_BYTES.
    #[arg(long)]
    max_decompressed_bytes: Option<u64>,
    /// Extra settings, as NAME=VALUE with or without the LOGSHIP_ prefix (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// What stdout gets: documents with `_id` (ndjson), the exact `_bulk` body, or the exact Logz.io body.
    #[arg(long, value_enum, default_value_t = StdoutFormat::Ndjson)]
    format: StdoutFormat,
    /// Don't write documents, only the summary (for benchmarks).
    #[arg(long)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum StdoutFormat {
    Ndjson,
    Bulk,
    Logzio,
}

#[derive(clap::Args)]
struct GenArgs {
    /// DATA records.
    #[arg(long, default_value_t = 10)]
    records: usize,
    /// Log events per DATA record.
    #[arg(long, default_value_t = 20)]
    events: usize,
    /// CONTROL_MESSAGE records mixed in.
    #[arg(long, default_value_t = 1)]
    control: usize,
    /// Leave credentials out of the lines.
    #[arg(long)]
    no_secrets: bool,
    /// Seed of the generator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output file; stdout when omitted.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Also write the manifest (counts, secrets, values to keep) to this file.
    #[arg(long)]
    manifest: Option<PathBuf>,
}

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() && std::env::args_os().len() == 1 {
        return lambda::main();
    }
    init_cli_tracing();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Process(args) => process(args),
        Command::GenEvent(args) => gen_event(args).map(|()| ExitCode::SUCCESS),
        Command::Redrive(args) => ops::redrive(args),
        Command::Token(args) => ops::token(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("logship: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Settings: flags first, then the environment.
fn lookup_with(overrides: HashMap<String, String>) -> impl Fn(&str) -> Option<String> {
    move |k: &str| overrides.get(k).cloned().or_else(|| std::env::var(k).ok())
}

/// Adds the `--set NAME=VALUE` pairs to `overrides` (`NAME` upper-cased, with
/// the `LOGSHIP_` prefix added when it lacks it).
fn add_set(overrides: &mut HashMap<String, String>, set: &[String]) -> anyhow::Result<()> {
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
        overrides.insert(k, v.to_owned());
    }
    Ok(())
}

fn process(args: ProcessArgs) -> anyhow::Result<ExitCode> {
    let mut overrides = HashMap::new();
    for (name, value) in [
        ("LOGSHIP_DESTINATION", args.destination.clone()),
        ("LOGSHIP_ENDPOINT", args.endpoint.clone()),
        ("LOGSHIP_MASK", args.mask.clone()),
        (
            "LOGSHIP_MAX_DECOMPRESSED_BYTES",
            args.max_decompressed_bytes.map(|n| n.to_string()),
        ),
    ] {
        if let Some(v) = value {
            overrides.insert(name.to_owned(), v);
        }
    }
    add_set(&mut overrides, &args.set)?;
    let cfg = Config::from_lookup(&lookup_with(overrides)).context("configuration")?;
    let raw = match &args.event {
        Some(path) => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("reading stdin")?;
            buf
        }
    };
    let event: KinesisEvent =
        serde_json::from_slice(&raw).context("the input is not a Lambda Kinesis event")?;
    drop(raw);
    let masker = Arc::new(Masker::new(&cfg.mask).context("masking rules")?);
    let outcome = match &cfg.destination {
        Destination::Stdout => {
            let format = match args.format {
                StdoutFormat::Ndjson => Format::Ndjson { with_id: true },
                StdoutFormat::Logzio => Format::Ndjson { with_id: false },
                StdoutFormat::Bulk => Format::Bulk {
                    index: cfg.index.clone(),
                },
            };
            let pipeline = Pipeline::new(format, &cfg, masker);
            let stdout = std::io::stdout();
            let mut out: Box<dyn Write> = if args.quiet {
                Box::new(std::io::sink())
            } else {
                Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout.lock()))
            };
            pipeline
                .run_to_writer(&event, &mut out)
                .context("writing to stdout")?
        }
        _ => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            let outcome = rt.block_on(async {
                let services = Services::new(cfg, None).await?;
                let outcome = handle(&services, &event, None).await;
                anyhow::Ok(outcome)
            })?;
            let response = serde_json::to_string(&response(&outcome))?;
            println!("{response}");
            outcome
        }
    };
    report(&outcome);
    Ok(
        if outcome.errors.is_empty() && outcome.failed_sequence_numbers.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

/// The summary on stderr: counts, then one line per record problem.
fn report(outcome: &Outcome) {
    let s = &outcome.summary;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "logship: {} records ({} control skipped, {} undecodable), {} events in: {} delivered, {} dead-lettered, {} failed; {} masked values, {} truncated; {} records to retry",
        s.records,
        s.control_messages,
        s.undecodable_records,
        s.events_in,
        s.delivered,
        s.dead_lettered,
        s.failed,
        s.masked,
        s.truncated,
        s.records_failed,
    );
    for e in &outcome.errors {
        let _ = writeln!(err, "logship: record {}: {}", e.sequence_number, e.error);
    }
}

fn gen_event(args: GenArgs) -> anyhow::Result<()> {
    let generated = generate(&GenOptions {
        records: args.records,
        events_per_record: args.events,
        control_records: args.control,
        secrets: !args.no_secrets,
        seed: args.seed,
    });
    let json = serde_json::to_vec(&generated.event)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &json).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::stdout().lock().write_all(&json)?,
    }
    if let Some(path) = &args.manifest {
        let manifest = serde_json::json!({
            "data_events": generated.data_events,
            "control_records": args.control,
            "decompressed_bytes": generated.decompressed_bytes,
            "secrets": generated.secrets,
            "keep": generated.keep,
        });
        std::fs::write(path, serde_json::to_vec_pretty(&manifest)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "logship: wrote {} records ({} log events, {} bytes decompressed, {} bytes of event JSON)",
        args.records + args.control,
        generated.data_events,
        generated.decompressed_bytes,
        json.len()
    );
    Ok(())
}

/// CLI logs: text on stderr, `LOGSHIP_LOG` (or `RUST_LOG`) filter, warnings by default.
fn init_cli_tracing() {
    let filter = std::env::var("LOGSHIP_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}

mod lambda {
    //! Lambda mode: JSON logs, configuration read once, one EMF line per invocation.

    use std::process::ExitCode;
    use std::sync::Arc;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use lambda_runtime::{Error, LambdaEvent, service_fn};
    use logship::config::Config;
    use logship::event::KinesisEvent;
    use logship::handler::{Services, handle, response};
    use logship::metrics::emf_line;
    use tracing::Instrument;

    pub fn main() -> ExitCode {
        let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
            .map(|l| l.to_ascii_lowercase().replace("fatal", "error"))
            .unwrap_or_else(|_| "info".to_owned());
        let _ = tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
                "warn,logship={level}"
            )))
            .with_current_span(true)
            .with_span_list(false)
            .with_ansi(false)
            .without_time()
            .try_init();
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("logship: cannot start the async runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        let result: Result<(), Error> = rt.block_on(async {
            // A bad configuration fails every invocation with a clear error, rather than the init.
            let services = match Config::from_env() {
                Ok(cfg) => Services::new(cfg, None).await.map_err(|e| e.to_string()),
                Err(e) => Err(format!("configuration: {e}")),
            };
            if let Err(e) = &services {
                tracing::error!(error = %e, "logship cannot run");
            }
            let services = Arc::new(services);
            let function =
                std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "logship".to_owned());
            lambda_runtime::run(service_fn(move |event: LambdaEvent<KinesisEvent>| {
                let services = Arc::clone(&services);
                let function = function.clone();
                // Every log line of the invocation carries its request id.
                let span = tracing::info_span!(
                    "invocation",
                    request_id = %event.context.request_id
                );
                async move {
                    let services =
                        services
                            .as_ref()
                            .as_ref()
                            .map_err(|e| lambda_runtime::Diagnostic {
                                error_type: "logship.ConfigurationError".to_owned(),
                                error_message: e.clone(),
                            })?;
                    let started = Instant::now();
                    let now_ms = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_millis() as u64;
                    let remaining =
                        Duration::from_millis(event.context.deadline.saturating_sub(now_ms));
                    let outcome = handle(services, &event.payload, Some(started + remaining)).await;
                    let s = &outcome.summary;
                    println!("{}", emf_line(s, &function, started.elapsed(), now_ms));
                    tracing::info!(
                        records = s.records,
                        events_in = s.events_in,
                        delivered = s.delivered,
                        dead_lettered = s.dead_lettered,
                        failed = s.failed,
                        control = s.control_messages,
                        undecodable = s.undecodable_records,
                        retries = s.retries,
                        masked = s.masked,
                        balanced = s.balanced(),
                        "batch done"
                    );
                    Ok::<_, lambda_runtime::Diagnostic>(response(&outcome))
                }
                .instrument(span)
            }))
            .await
        });
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = %e, "lambda runtime stopped");
                ExitCode::FAILURE
            }
        }
    }
}

mod ops {
    //! Operator commands: `redrive`, `token rotate`, `token check`.
    //!
    //! Exit codes: 0 done, 1 something left or failed (a message left in the
    //! queue, the destination down or refusing the token), 2 bad usage,
    //! configuration or permission (queue missing, access denied, no
    //! destination). An interrupted redrive loses nothing: a message is deleted
    //! only after its documents are delivered.

    use std::collections::HashMap;
    use std::io::{BufWriter, IsTerminal as _, Write as _};
    use std::path::PathBuf;
    use std::process::ExitCode;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use anyhow::Context as _;
    use clap::Subcommand;

    use logship::config::{Config, TokenSetting};
    use logship::handler::{Services, aws_config};
    use logship::redrive::{MessageOutcome, MessageReport, Mode, Options, Progress, Redrive};
    use logship::tokens::{self, Probe, RotateOptions, Verdict};

    const FAILED: u8 = 1;
    const SETUP: u8 = 2;

    /// Where documents go and how: the same settings `process` and the Lambda read.
    #[derive(clap::Args)]
    pub struct Settings {
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
        fn config(&self, extra: &[(&str, Option<&str>)]) -> anyhow::Result<Config> {
            let mut overrides = HashMap::new();
            super::add_set(&mut overrides, &self.set)?;
            let flags = [
                ("LOGSHIP_DESTINATION", self.destination.as_deref()),
                ("LOGSHIP_ENDPOINT", self.endpoint.as_deref()),
            ];
            for (k, v) in flags.iter().chain(extra) {
                if let Some(v) = v {
                    overrides.insert((*k).to_owned(), (*v).to_owned());
                }
            }
            Config::from_lookup(&super::lookup_with(overrides)).context("configuration")
        }
    }

    #[derive(clap::Args)]
    pub struct RedriveArgs {
        /// The dead-letter queue.
        #[arg(long, env = "LOGSHIP_DLQ_URL", value_name = "URL")]
        queue_url: Option<String>,
        /// Stop after this many messages.
        #[arg(long, value_name = "N")]
        max_messages: Option<u64>,
        /// Print what would be re-shipped; deliver and delete nothing.
        #[arg(long, conflicts_with = "to_file")]
        dry_run: bool,
        /// Write the documents as NDJSON (`_id` first) to this file instead of shipping; delete nothing.
        #[arg(long, value_name = "PATH")]
        to_file: Option<PathBuf>,
        /// Run records dead-lettered as undecodable through the whole pipeline again.
        #[arg(long)]
        include_undecodable: bool,
        /// Long-polling wait per receive (0-20); a receive that stays empty this long ends the run.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(i32).range(0..=20))]
        wait_seconds: i32,
        /// How long received messages stay hidden while handled (those left are made visible again at the end).
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(i32).range(1..=43_200))]
        visibility_timeout: i32,
        /// Seconds between progress lines on stderr.
        #[arg(long, default_value_t = 5)]
        progress_every: u64,
        #[command(flatten)]
        settings: Settings,
    }

    #[derive(clap::Args)]
    pub struct TokenArgs {
        #[command(subcommand)]
        command: TokenCommand,
    }

    #[derive(Subcommand)]
    enum TokenCommand {
        /// Write a new token, read from stdin, as a new SecureString version of the parameter.
        ///
        /// The token is never an argument (it would stay in the shell history).
        /// The parameter keeps its KMS key and tier. The running Lambda picks the
        /// new token up on its next 401/403 or within LOGSHIP_TOKEN_TTL_SECS.
        Rotate(RotateArgs),
        /// Tell whether the current token (SSM parameter or LOGSHIP_TOKEN) is accepted by the destination.
        Check(CheckArgs),
    }

    #[derive(clap::Args)]
    struct RotateArgs {
        /// The SSM parameter (SecureString).
        #[arg(long, value_name = "NAME")]
        parameter: String,
        /// First check that the destination accepts the new token; write nothing if it does not.
        #[arg(long)]
        verify: bool,
        /// Encrypt with this KMS key (default: the key the parameter already uses).
        #[arg(long, value_name = "KEY")]
        key_id: Option<String>,
        /// Create the parameter if it does not exist.
        #[arg(long)]
        create: bool,
        #[command(flatten)]
        settings: Settings,
    }

    #[derive(clap::Args)]
    struct CheckArgs {
        /// The SSM parameter (default: LOGSHIP_TOKEN_PARAMETER, else LOGSHIP_TOKEN).
        #[arg(long, value_name = "NAME")]
        parameter: Option<String>,
        #[command(flatten)]
        settings: Settings,
    }

    fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")
    }

    fn fail(code: u8, message: impl std::fmt::Display) -> anyhow::Result<ExitCode> {
        eprintln!("logship: {message}");
        Ok(ExitCode::from(code))
    }

    pub fn redrive(args: RedriveArgs) -> anyhow::Result<ExitCode> {
        let cfg = args.settings.config(&[])?;
        let Some(queue_url) = args.queue_url.clone().filter(|u| !u.trim().is_empty()) else {
            return fail(SETUP, "no queue: pass --queue-url or set LOGSHIP_DLQ_URL");
        };
        let shipping = !args.dry_run && args.to_file.is_none();
        runtime()?.block_on(async move {
            let sdk = aws_config().await;
            let services = if shipping {
                match Services::new(cfg.clone(), Some(sdk.clone())).await {
                    Ok(s) => Some(s),
                    Err(e) => {
                        return fail(
                            SETUP,
                            format!(
                                "redrive needs a destination ({e}); or use --dry-run or --to-file"
                            ),
                        );
                    }
                }
            } else {
                None
            };
            if let Some(services) = &services
                && let Some(code) = preflight(&cfg, services, &sdk).await
            {
                return Ok(code);
            }
            let stop = Arc::new(AtomicBool::new(false));
            watch_interrupt(Arc::clone(&stop));
            let options = Options {
                max_messages: args.max_messages,
                wait_seconds: args.wait_seconds,
                visibility_timeout: args.visibility_timeout,
                include_undecodable: args.include_undecodable,
                stop: Some(stop),
            };
            let redrive =
                match Redrive::new(aws_sdk_sqs::Client::new(&sdk), &queue_url, &cfg, options) {
                    Ok(r) => r,
                    Err(e) => return fail(SETUP, e),
                };
            let every = Duration::from_secs(args.progress_every.max(1));
            let mut last = Instant::now();
            let mut progress = move |p: &Progress| {
                if last.elapsed() >= every {
                    last = Instant::now();
                    eprintln!("logship: redrive: {}", p.line());
                }
            };
            let mut file = None;
            let mode = match (&services, &args.to_file) {
                (Some(services), _) => Mode::Ship(services),
                (None, Some(path)) => {
                    let f = std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?;
                    Mode::ToFile(file.insert(BufWriter::new(f)))
                }
                (None, None) => Mode::DryRun,
            };
            let report = match redrive.run(mode, &mut progress).await {
                Ok(r) => r,
                Err(e) if e.is_setup() => return fail(SETUP, e),
                Err(e) => return fail(FAILED, e),
            };
            if let Some(mut f) = file {
                f.flush().context("writing the file")?;
            }
            let mut stdout = std::io::stdout().lock();
            for m in &report.messages {
                let line = describe(m);
                if args.dry_run {
                    let _ = writeln!(stdout, "{line}");
                } else if m.needs_attention() {
                    eprintln!("logship: {line}");
                }
            }
            for w in &report.warnings {
                eprintln!("logship: warning: {w}");
            }
            let verb = if args.dry_run {
                "dry run (nothing delivered or deleted)"
            } else if let Some(path) = &args.to_file {
                eprintln!(
                    "logship: documents written to {} (nothing deleted)",
                    path.display()
                );
                "to file"
            } else {
                "redrive"
            };
            eprintln!("logship: {verb}: {}", report.progress.line());
            if let Some(e) = &report.stopped {
                eprintln!("logship: stopped early: {e}; what is not delivered stays in the queue");
            }
            Ok(if report.incomplete() {
                ExitCode::from(FAILED)
            } else {
                ExitCode::SUCCESS
            })
        })
    }

    /// Before receiving anything: does the destination answer and take the token?
    async fn preflight(
        cfg: &Config,
        services: &Services,
        sdk: &aws_config::SdkConfig,
    ) -> Option<ExitCode> {
        let probe = match Probe::new(cfg, sdk.credentials_provider()) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("logship: {e}");
                return Some(ExitCode::from(SETUP));
            }
        };
        let token = match services.shipper.token().get().await {
            Ok(t) => t,
            Err(e) => {
                eprintln!("logship: cannot read the token: {e}");
                return Some(ExitCode::from(SETUP));
            }
        };
        match probe.check(token.as_ref()).await {
            Verdict::Accepted { .. } => None,
            v @ Verdict::Refused { .. } => {
                eprintln!(
                    "logship: {} refuses the token: {}; nothing received from the queue",
                    probe.describe_target(),
                    v.describe()
                );
                Some(ExitCode::from(SETUP))
            }
            v => {
                eprintln!(
                    "logship: {} is down: {}; nothing received from the queue",
                    probe.describe_target(),
                    v.describe()
                );
                Some(ExitCode::from(FAILED))
            }
        }
    }

    /// First Ctrl-C: stop after the request in flight (no more backoff waits). Second: quit at once
    /// (messages not deleted reappear after the visibility timeout).
    fn watch_interrupt(stop: Arc<AtomicBool>) {
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            stop.store(true, Ordering::SeqCst);
            eprintln!(
                "logship: interrupted: stopping after the request in flight; what is not delivered stays in the queue (Ctrl-C again quits at once; nothing is lost either way)"
            );
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "logship: quitting; messages not deleted reappear in the queue after the visibility timeout"
                );
                std::process::exit(i32::from(FAILED));
            }
        });
    }

    fn describe(m: &MessageReport) -> String {
        let source = m
            .source
            .as_ref()
            .map(|s| format!(" from {}/{}", s.shard_id, s.sequence_number))
            .unwrap_or_default();
        let what = match &m.outcome {
            MessageOutcome::Delivered => format!("{} documents delivered, deleted", m.documents),
            MessageOutcome::Rewritten {
                delivered,
                left,
                reason,
            } => {
                format!("{delivered} delivered, {left} written back to the queue ({reason})")
            }
            MessageOutcome::Left { delivered, reason } => {
                format!(
                    "left in the queue, {delivered} of {} delivered: {reason}",
                    m.documents
                )
            }
            MessageOutcome::Unparseable { error } => {
                format!("cannot be parsed, left in the queue: {error}")
            }
            MessageOutcome::Undecodable { error } => {
                format!(
                    "undecodable record, left in the queue (try --include-undecodable): {error}"
                )
            }
            MessageOutcome::WouldShip => format!(
                "would re-ship {} {}{}",
                m.documents,
                if m.kind == "undecodable" {
                    "events of an undecodable record (it decodes now)"
                } else {
                    "documents"
                },
                if m.reason.is_empty() {
                    String::new()
                } else {
                    format!("; dead-lettered because: {}", m.reason)
                }
            ),
            MessageOutcome::Written => format!("{} documents written to the file", m.documents),
        };
        format!("message {}{source}: {what}", m.message_id)
    }

    pub fn token(args: TokenArgs) -> anyhow::Result<ExitCode> {
        match args.command {
            TokenCommand::Rotate(a) => rotate(a),
            TokenCommand::Check(a) => check(a),
        }
    }

    fn rotate(args: RotateArgs) -> anyhow::Result<ExitCode> {
        let cfg = if args.verify {
            Some(
                args.settings
                    .config(&[("LOGSHIP_TOKEN_PARAMETER", Some(&args.parameter))])?,
            )
        } else {
            None
        };
        let stdin = std::io::stdin();
        let interactive = stdin.is_terminal();
        if interactive {
            eprint!("New token for {} (one line, then Enter): ", args.parameter);
            let _ = std::io::stderr().flush();
        }
        let token = match tokens::read_token(&mut stdin.lock(), interactive) {
            Ok(t) => t,
            Err(e) => return fail(SETUP, e),
        };
        runtime()?.block_on(async move {
            let sdk = aws_config().await;
            if let Some(cfg) = &cfg {
                let probe = match Probe::new(cfg, sdk.credentials_provider()) {
                    Ok(p) => p,
                    Err(e) => return fail(SETUP, e),
                };
                if !probe.uses_token() {
                    return fail(SETUP, format!("--verify: {} is configured without a token (LOGSHIP_ES_AUTH)", probe.describe_target()));
                }
                match probe.check(Some(&token)).await {
                    Verdict::Accepted { .. } => {
                        eprintln!("logship: verify: {} accepts the new token", probe.describe_target())
                    }
                    v => {
                        return fail(
                            FAILED,
                            format!("verify: {}: the new token is {}; {} NOT written", probe.describe_target(), v.describe(), args.parameter),
                        );
                    }
                }
            }
            let ssm = aws_sdk_ssm::Client::new(&sdk);
            let options = RotateOptions {
                key_id: args.key_id.clone(),
                create: args.create,
            };
            match tokens::rotate(&ssm, &args.parameter, &token, &options).await {
                Ok(r) => {
                    let before = r.previous_version.map_or_else(|| "created".to_owned(), |v| format!("was version {v}"));
                    println!(
                        "logship: {} is now version {} ({before}; key {}). The Lambda picks it up on its next 401/403, or within LOGSHIP_TOKEN_TTL_SECS (default 300 s), without a redeploy.",
                        args.parameter,
                        r.version,
                        r.key_id.as_deref().unwrap_or("alias/aws/ssm")
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) if e.is_setup() => fail(SETUP, e),
                Err(e) => fail(FAILED, e),
            }
        })
    }

    fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
        let cfg = args
            .settings
            .config(&[("LOGSHIP_TOKEN_PARAMETER", args.parameter.as_deref())])?;
        runtime()?.block_on(async move {
            let sdk = aws_config().await;
            let probe = match Probe::new(&cfg, sdk.credentials_provider()) {
                Ok(p) => p,
                Err(e) => return fail(SETUP, e),
            };
            let (token, from) = match &cfg.token {
                TokenSetting::Parameter(name) => {
                    match tokens::read_parameter(&aws_sdk_ssm::Client::new(&sdk), name).await {
                        Ok((t, version)) => {
                            (Some(t), format!("SSM parameter {name} (version {version})"))
                        }
                        Err(e) if e.is_setup() => return fail(SETUP, e),
                        Err(e) => return fail(FAILED, e),
                    }
                }
                TokenSetting::Plain(t) => (Some(t.clone()), "LOGSHIP_TOKEN".to_owned()),
                TokenSetting::None if probe.uses_token() => {
                    return fail(
                        SETUP,
                        "no token configured: pass --parameter or set LOGSHIP_TOKEN_PARAMETER",
                    );
                }
                TokenSetting::None => (None, "no token".to_owned()),
            };
            let verdict = probe.check(token.as_ref()).await;
            let line = format!(
                "token from {from}, checked against {}: {}",
                probe.describe_target(),
                verdict.describe()
            );
            match verdict {
                Verdict::Accepted { .. } => {
                    println!("logship: {line}");
                    Ok(ExitCode::SUCCESS)
                }
                _ => fail(FAILED, line),
            }
        })
    }
}
