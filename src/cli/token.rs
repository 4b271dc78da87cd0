//! `logship token rotate` and `logship token check`: the front-ends of
//! `logship::ops::token`.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use clap::Subcommand;

use logship::aws::sdk_config;
use logship::config::TokenSetting;
use logship::ops::token::{self as tokens, Probe, RotateOptions, Verdict};

use super::{FAILED, SETUP, Settings, fail, runtime};

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
        let sdk = sdk_config().await;
        let mut cfg = cfg;
        if let Some(cfg) = &mut cfg {
            let probe = match probe_of(cfg, &sdk).await {
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
        let sdk = sdk_config().await;
        let mut cfg = cfg;
        let probe = match probe_of(&mut cfg, &sdk).await {
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

/// The probe of the configured destination, its private CA read first.
async fn probe_of(
    cfg: &mut logship::config::Config,
    sdk: &aws_config::SdkConfig,
) -> Result<Probe, String> {
    cfg.ca.resolve(Some(sdk)).await.map_err(|e| e.to_string())?;
    Probe::new(cfg, sdk.credentials_provider()).map_err(|e| e.to_string())
}
