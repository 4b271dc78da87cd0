//! `logship process` and `logship gen-event`: the pipeline on an event file,
//! to stdout or to the configured destination, and sample events.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::ValueEnum;

use logship::config::Destination;
use logship::event::Input;
use logship::handler::{Services, handle, response};
use logship::mask::Masker;
use logship::pipeline::{Outcome, Pipeline};
use logship::sample::{GenOptions, generate};

use super::{Overrides, runtime};

#[derive(clap::Args)]
pub struct ProcessArgs {
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
    /// Ship nothing: print what the rules (LOGSHIP_RULES, LOGSHIP_RULES_FILE,
    /// LOGSHIP_DATA_STREAM_NAMESPACE) do to the event: per log group, the
    /// events kept, dropped and sampled out and where the kept ones go, then
    /// what each rule did.
    #[arg(long)]
    explain: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum StdoutFormat {
    Ndjson,
    Bulk,
    Logzio,
}

#[derive(clap::Args)]
pub struct GenArgs {
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

pub fn process(args: ProcessArgs) -> anyhow::Result<ExitCode> {
    let max_decompressed_bytes = args.max_decompressed_bytes.map(|n| n.to_string());
    let cfg = Overrides::default()
        .flags(&[
            ("LOGSHIP_DESTINATION", args.destination.as_deref()),
            ("LOGSHIP_ENDPOINT", args.endpoint.as_deref()),
            ("LOGSHIP_MASK", args.mask.as_deref()),
            (
                "LOGSHIP_MAX_DECOMPRESSED_BYTES",
                max_decompressed_bytes.as_deref(),
            ),
        ])
        .set(&args.set)?
        .config()?;
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
    // Bad input is exit 2, with an error naming the field, never a value. A
    // Kinesis event, an `awslogs` event or a bare subscription payload
    // (gzip or JSON) are all taken.
    let region = std::env::var("AWS_REGION").unwrap_or_default();
    let event = match Input::parse_bytes(&raw, &region) {
        Ok(input) => input.event,
        Err(e) => return super::fail(super::SETUP, e),
    };
    drop(raw);
    if args.explain {
        let (explain, undecodable) = logship::pipeline::explain(&cfg, &event);
        print!("{}", explain.render(&cfg.rules));
        if undecodable > 0 {
            eprintln!("logship: {undecodable} records could not be decoded and are not counted");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let masker = Arc::new(Masker::new(&cfg.mask).context("masking rules")?);
    let outcome = match &cfg.destination {
        Destination::Stdout => {
            // The body the chosen destination would get.
            let like = match args.format {
                StdoutFormat::Ndjson => Destination::Stdout,
                StdoutFormat::Logzio => Destination::Logzio {
                    endpoint: String::new(),
                },
                StdoutFormat::Bulk => Destination::Elasticsearch {
                    endpoint: String::new(),
                },
            };
            let format = like.format(&cfg.index);
            let pipeline = Pipeline::new(format, &cfg, masker);
            let stdout = std::io::stdout();
            let out: Box<dyn Write> = if args.quiet {
                Box::new(std::io::sink())
            } else {
                Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout.lock()))
            };
            // `logship process ... | head`: when the reader goes away, stop
            // writing quietly and still give the summary.
            let mut out = ClosedPipeIsFine(out);
            pipeline
                .run_to_writer(&event, &mut out)
                .context("writing to stdout")?
        }
        _ => {
            let outcome = runtime()?.block_on(async {
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

/// A writer that takes a closed pipe (EPIPE) as the reader having seen enough:
/// the rest is discarded instead of failing the run.
struct ClosedPipeIsFine(Box<dyn Write>);

impl Write for ClosedPipeIsFine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.0 = Box::new(std::io::sink());
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.0 = Box::new(std::io::sink());
                Ok(())
            }
            other => other,
        }
    }
}

/// The summary on stderr: counts, then one line per record problem.
fn report(outcome: &Outcome) {
    let s = &outcome.summary;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "logship: {} records ({} control skipped, {} undecodable), {} events in: {} delivered, {} dead-lettered, {} failed, {} filtered; {} masked values, {} truncated; {} records to retry (in Lambda: batchItemFailures, retried by Kinesis)",
        s.records,
        s.control_messages,
        s.undecodable_records,
        s.events_in,
        s.delivered,
        s.dead_lettered,
        s.failed,
        s.filtered,
        s.masked,
        s.truncated,
        s.records_failed,
    );
    // The masking audit trail: what the logs leaked, by rule family (counts only).
    let families: Vec<String> = s
        .masked_by_rule
        .nonzero()
        .map(|(rule, n)| format!("{} {n}", rule.name()))
        .chain(
            (s.masked_by_rule.extra > 0)
                .then(|| format!("extra patterns {}", s.masked_by_rule.extra)),
        )
        .collect();
    if !families.is_empty() {
        let _ = writeln!(err, "logship: masked by family: {}", families.join(", "));
    }
    if s.lambda_logs_dropped > 0 {
        let _ = writeln!(
            err,
            "logship: Lambda dropped {} log records before they reached CloudWatch (platform.logsDropped)",
            s.lambda_logs_dropped
        );
    }
    for e in &outcome.errors {
        let _ = writeln!(err, "logship: record {}: {}", e.sequence_number, e.error);
    }
}

pub fn gen_event(args: GenArgs) -> anyhow::Result<()> {
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
