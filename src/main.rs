//! The `logship` binary: the Lambda function and the operator's CLI.
//!
//! Started by Lambda (`AWS_LAMBDA_RUNTIME_API` set, no arguments) it serves the
//! Kinesis handler. Otherwise it is a CLI: `process` runs the pipeline on an
//! event file, `gen-event` writes a sample event.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use logship::config::{Config, Destination};
use logship::handler::{Services, handle, response};
use logship::encode::Format;
use logship::event::KinesisEvent;
use logship::sample::{GenOptions, generate};
use logship::mask::Masker;
use logship::pipeline::{Outcome, Pipeline};

#[derive(Parser)]
#[command(name = "logship", version, about = "Ship CloudWatch Logs from Kinesis to Logz.io or Elasticsearch, masked and without losing a line")]
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
    for pair in &args.set {
        let (k, v) = pair
            .split_once('=')
            .with_context(|| format!("--set {pair:?}: expected NAME=VALUE"))?;
        let k = k.trim().to_ascii_uppercase();
        let k = if k.starts_with("LOGSHIP_") { k } else { format!("LOGSHIP_{k}") };
        overrides.insert(k, v.to_owned());
    }
    let cfg = Config::from_lookup(&lookup_with(overrides)).context("configuration")?;
    let raw = match &args.event {
        Some(path) => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        None => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf).context("reading stdin")?;
            buf
        }
    };
    let event: KinesisEvent = serde_json::from_slice(&raw).context("the input is not a Lambda Kinesis event")?;
    drop(raw);
    let masker = Arc::new(Masker::new(&cfg.mask).context("masking rules")?);
    let outcome = match &cfg.destination {
        Destination::Stdout => {
            let format = match args.format {
                StdoutFormat::Ndjson => Format::Ndjson { with_id: true },
                StdoutFormat::Logzio => Format::Ndjson { with_id: false },
                StdoutFormat::Bulk => Format::Bulk { index: cfg.index.clone() },
            };
            let pipeline = Pipeline::new(format, &cfg, masker);
            let stdout = std::io::stdout();
            let mut out: Box<dyn Write> = if args.quiet {
                Box::new(std::io::sink())
            } else {
                Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout.lock()))
            };
            pipeline.run_to_writer(&event, &mut out).context("writing to stdout")?
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
    Ok(if outcome.errors.is_empty() && outcome.failed_sequence_numbers.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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
        Some(path) => std::fs::write(path, &json).with_context(|| format!("writing {}", path.display()))?,
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

    pub fn main() -> ExitCode {
        let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
            .map(|l| l.to_ascii_lowercase().replace("fatal", "error"))
            .unwrap_or_else(|_| "info".to_owned());
        let _ = tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new(format!("warn,logship={level}")))
            .with_current_span(false)
            .with_ansi(false)
            .without_time()
            .try_init();
        let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
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
            let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "logship".to_owned());
            lambda_runtime::run(service_fn(move |event: LambdaEvent<KinesisEvent>| {
                let services = Arc::clone(&services);
                let function = function.clone();
                async move {
                    let services = services.as_ref().as_ref().map_err(|e| Error::from(e.clone()))?;
                    let started = Instant::now();
                    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64;
                    let remaining = Duration::from_millis(event.context.deadline.saturating_sub(now_ms));
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
                    Ok::<_, Error>(response(&outcome))
                }
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
