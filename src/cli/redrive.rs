//! `logship redrive`: the dead-letter queue back to the destination, with
//! progress, a preflight check of the destination and its token, Ctrl-C
//! handling and one line per message that needs attention.

use std::io::{BufWriter, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use logship::aws::sdk_config;
use logship::config::Config;
use logship::handler::Services;
use logship::ops::redrive::{MessageOutcome, MessageReport, Mode, Options, Progress, Redrive};
use logship::ops::token::{Probe, Verdict};

use super::{FAILED, SETUP, Settings, fail, runtime};

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

pub fn redrive(args: RedriveArgs) -> anyhow::Result<ExitCode> {
    let cfg = args.settings.config(&[])?;
    let Some(queue_url) = args.queue_url.clone().filter(|u| !u.trim().is_empty()) else {
        return fail(SETUP, "no queue: pass --queue-url or set LOGSHIP_DLQ_URL");
    };
    let shipping = !args.dry_run && args.to_file.is_none();
    runtime()?.block_on(async move {
        let sdk = sdk_config().await;
        let services = if shipping {
            match Services::new(cfg.clone(), Some(sdk.clone())).await {
                Ok(s) => Some(s),
                Err(e) => {
                    return fail(
                        SETUP,
                        format!("redrive needs a destination ({e}); or use --dry-run or --to-file"),
                    );
                }
            }
        } else {
            None
        };
        if let Some(services) = &services
            && let Some(code) = preflight(services.config(), services, &sdk).await
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
        let redrive = match Redrive::new(aws_sdk_sqs::Client::new(&sdk), &queue_url, &cfg, options)
        {
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
    let token = match services.shipper().token().get().await {
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
            format!("undecodable record, left in the queue (try --include-undecodable): {error}")
        }
        MessageOutcome::WouldShip => format!(
            "would re-ship {} {}{}",
            m.documents,
            if m.kind == Some(logship::dlq::Kind::Undecodable) {
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
