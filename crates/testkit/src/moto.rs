//! A real AWS API emulator for tests: [moto](https://github.com/getmoto/moto) in server mode.
//!
//! moto serves SSM (SecureString parameters with versions), SQS, Kinesis, CloudWatch Logs, S3 and
//! more over the real AWS wire protocols, so tests exercise the real `aws-sdk-*` clients.
//! [`endpoint`] starts one moto server per test process (the first caller pays the start-up,
//! everyone else shares it), on `127.0.0.1` with a port chosen by the OS. moto is installed on
//! first use into a virtualenv at `<workspace>/target/moto-venv` (`python3 -m venv` +
//! `pip install 'moto[server]'`); installation is serialized across concurrently running test
//! processes with an exclusive lock on `target/moto-venv.lock`. The server process is started
//! with `PR_SET_PDEATHSIG = SIGKILL` from a thread that lives as long as the server, so it dies
//! with the test process however that ends.
//!
//! When the emulator cannot be installed or started, [`endpoint`] and [`sdk_config`] return
//! `None` (tests skip with [`moto_or_skip!`](crate::moto_or_skip)) — unless the environment
//! variable `CI` is set (to anything but `""`, `0` or `false`): in CI a missing emulator is a
//! failure, and they panic with the reason instead.
//!
//! Tests in one process share the server: name every resource with [`unique_name`].
//!
//! Environment knobs: `TESTKIT_PYTHON` (interpreter used to create the virtualenv, default
//! `python3`), `TESTKIT_MOTO_SERVER` (use this `moto_server` executable, skipping installation),
//! `TESTKIT_MOTO_LOG=1` (echo moto's output to stderr).

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

/// How long a started moto server may take to answer HTTP.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `python3 -m venv` and `pip install` may take, each.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// What gets installed into the virtualenv.
/// Pinned, like `scripts/test.sh` (which also pins its dependencies through
/// `scripts/moto-constraints.txt`): a new moto release cannot break the tests.
const MOTO_REQUIREMENT: &str = "moto[server]==5.2.5";
/// How many lines of moto's output are kept for error messages.
const TAIL_LINES: usize = 40;

/// The region every emulated resource lives in.
pub const REGION: &str = "us-east-1";
/// moto's default account id (appears in ARNs and queue URLs).
pub const ACCOUNT_ID: &str = "123456789012";

static MOTO: OnceLock<Result<String, String>> = OnceLock::new();

/// Starts moto once per test process (first caller), on 127.0.0.1 with an ephemeral port, and
/// returns its URL `http://127.0.0.1:PORT`.
///
/// Installs moto if needed: a virtualenv at `<workspace>/target/moto-venv` (`python3 -m venv`;
/// `pip install 'moto[server]'`), unless `moto_server` is found at `target/moto-venv/bin`
/// already. Returns `None` when the emulator cannot be installed or started and `CI` is not set;
/// with `CI=true` it panics with the reason instead (in CI a missing emulator is a failure, never
/// a skip).
///
/// This blocks (the first call for up to the install time plus ~30 s); from async code prefer
/// [`sdk_config`], which runs it on the blocking pool.
pub fn endpoint() -> Option<String> {
    let outcome = MOTO.get_or_init(|| {
        let started = Instant::now();
        let outcome = start();
        match &outcome {
            Ok(url) => eprintln!(
                "testkit::moto: moto serving at {url} (ready in {} ms)",
                started.elapsed().as_millis()
            ),
            Err(reason) if !in_ci() => {
                eprintln!("testkit::moto: emulator unavailable, moto tests skip: {reason}")
            }
            Err(_) => {}
        }
        outcome
    });
    match outcome {
        Ok(url) => Some(url.clone()),
        Err(reason) if in_ci() => panic!(
            "testkit::moto: CI is set, so the AWS API emulator (moto) is required, but it could \
             not be installed or started: {reason}"
        ),
        Err(_) => None,
    }
}

/// An [`SdkConfig`] pointed at the moto server: `BehaviorVersion::latest()`, region `us-east-1`,
/// static dummy credentials (no environment, profile or IMDS credential lookups) and
/// `endpoint_url` = the moto URL. `None` (or a panic in CI) like [`endpoint`].
///
/// For S3 clients also set `force_path_style(true)` on the service config.
pub async fn sdk_config() -> Option<SdkConfig> {
    let url = match tokio::task::spawn_blocking(endpoint).await {
        Ok(url) => url?,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("testkit::moto: start-up task failed: {e}"),
    };
    Some(sdk_config_for(&url).await)
}

/// Like [`sdk_config`], for an explicit endpoint URL (e.g. a second emulator, or an unreachable
/// address to simulate an outage).
pub async fn sdk_config_for(endpoint_url: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            "AKIATESTKITMOTO00000",
            "testkit-moto-dummy-secret",
            None,
            None,
            "testkit-moto",
        ))
        .endpoint_url(endpoint_url)
        .load()
        .await
}

/// Skips the current test cleanly (prints `SKIP: moto unavailable` and returns) when the moto
/// emulator is unavailable; otherwise evaluates to its [`SdkConfig`](aws_config::SdkConfig).
/// Must be used in an `async` test. In CI (`CI=true`) an unavailable emulator panics instead.
///
/// `moto_or_skip!()` returns `()`; `moto_or_skip!(Ok(()))` returns the given value, for tests
/// returning a `Result`.
///
/// ```no_run
/// #[tokio::test]
/// async fn reads_the_token() {
///     let sdk = testkit::moto_or_skip!();
///     let ssm = aws_sdk_ssm::Client::new(&sdk);
///     // ...
/// }
/// ```
#[macro_export]
macro_rules! moto_or_skip {
    () => {
        $crate::moto_or_skip!(())
    };
    ($ret:expr) => {
        match $crate::moto::sdk_config().await {
            ::std::option::Option::Some(config) => config,
            ::std::option::Option::None => {
                ::std::eprintln!("SKIP: moto unavailable");
                return $ret;
            }
        }
    };
}

/// Like [`moto_or_skip!`] for synchronous code: evaluates to the endpoint URL
/// ([`endpoint`](crate::moto::endpoint)) or skips.
#[macro_export]
macro_rules! moto_endpoint_or_skip {
    () => {
        $crate::moto_endpoint_or_skip!(())
    };
    ($ret:expr) => {
        match $crate::moto::endpoint() {
            ::std::option::Option::Some(url) => url,
            ::std::option::Option::None => {
                ::std::eprintln!("SKIP: moto unavailable");
                return $ret;
            }
        }
    };
}

/// A resource name unique within the test process and very likely across processes:
/// `{prefix}-{pid}-{counter}-{random}` (lower-case hex and digits, so it is valid for SQS queues,
/// SSM parameter path segments, Kinesis streams, log groups and S3 buckets if `prefix` is).
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{:x}-{n}-{:04x}",
        std::process::id(),
        nanos & 0xffff
    )
}

/// Whether we run in CI, where a missing emulator is an error.
pub fn in_ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => {
            let v = v.trim();
            !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
        }
        Err(_) => false,
    }
}

/// The cargo target directory of the workspace: `CARGO_TARGET_DIR` if set, else the `target`
/// directory next to the `Cargo.toml` with a `[workspace]` table found walking up from
/// `CARGO_MANIFEST_DIR`, else the directory holding the running test binary (the one cargo marked
/// with `CACHEDIR.TAG`).
pub fn target_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return std::path::absolute(&dir).map_err(|e| {
            format!(
                "bad CARGO_TARGET_DIR {}: {e}",
                PathBuf::from(&dir).display()
            )
        });
    }
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    for dir in manifest_dir.ancestors() {
        if let Ok(text) = fs::read_to_string(dir.join("Cargo.toml"))
            && text
                .lines()
                .any(|l| l.trim_start().starts_with("[workspace"))
        {
            return Ok(dir.join("target"));
        }
    }
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1) {
            if dir.join("CACHEDIR.TAG").is_file() {
                return Ok(dir.to_path_buf());
            }
        }
    }
    Err(format!(
        "cannot find the cargo target directory (no CARGO_TARGET_DIR, no [workspace] above {})",
        manifest_dir.display()
    ))
}

fn start() -> Result<String, String> {
    let server = moto_server_executable()?;
    launch(server)
}

/// Finds (installing if needed) the `moto_server` executable.
fn moto_server_executable() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("TESTKIT_MOTO_SERVER").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let target = target_dir()?;
    let venv = target.join("moto-venv");
    let server = venv.join("bin").join("moto_server");
    if server.is_file() {
        return Ok(server);
    }
    fs::create_dir_all(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    let lock_path = target.join("moto-venv.lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
    // Blocks while another test process installs; released when `lock` is dropped.
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    if server.is_file() {
        return Ok(server); // another process installed it while we waited
    }
    install(&target, &venv)?;
    if server.is_file() {
        Ok(server)
    } else {
        Err(format!(
            "pip install succeeded but {} does not exist",
            server.display()
        ))
    }
}

fn install(target: &Path, venv: &Path) -> Result<(), String> {
    let log_path = target.join("moto-venv-install.log");
    let started = Instant::now();
    eprintln!(
        "testkit::moto: installing {MOTO_REQUIREMENT} into {} (one-time; log: {})",
        venv.display(),
        log_path.display()
    );
    if venv.exists() {
        // A venv without moto_server is a leftover of an interrupted install: start over.
        fs::remove_dir_all(venv)
            .map_err(|e| format!("cannot remove partial {}: {e}", venv.display()))?;
    }
    let log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let python = std::env::var_os("TESTKIT_PYTHON")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".into());
    let mut venv_cmd = Command::new(&python);
    venv_cmd.arg("-m").arg("venv").arg(venv);
    run_logged(venv_cmd, &log, &log_path, "python3 -m venv")?;
    let mut pip = Command::new(venv.join("bin").join("pip"));
    pip.args([
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        MOTO_REQUIREMENT,
    ]);
    run_logged(pip, &log, &log_path, "pip install")?;
    eprintln!(
        "testkit::moto: moto installed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs `cmd` with its output appended to `log`, failing on a non-zero exit or a timeout.
fn run_logged(mut cmd: Command, log: &File, log_path: &Path, what: &str) -> Result<(), String> {
    let out = log.try_clone().map_err(|e| e.to_string())?;
    let err = log.try_clone().map_err(|e| e.to_string())?;
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{what}: cannot run {:?}: {e}", cmd.get_program()))?;
    let deadline = Instant::now() + INSTALL_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{what} did not finish within {} s; output tail:\n{}",
                    INSTALL_TIMEOUT.as_secs(),
                    file_tail(log_path)
                ));
            }
            Ok(None) => thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("{what}: wait failed: {e}")),
        }
    };
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({status}); output tail:\n{}",
            file_tail(log_path)
        ))
    }
}

fn file_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
}

/// The last lines moto printed, shared between the output readers and whoever reports errors.
#[derive(Clone, Default)]
struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if lines.len() == TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

/// Starts `moto_server` from a dedicated thread that outlives it: `PR_SET_PDEATHSIG` fires when
/// the *thread* that forked the child ends, so the thread must not be a test thread.
fn launch(server: PathBuf) -> Result<String, String> {
    let (ready_tx, ready_rx) = mpsc::channel();
    thread::Builder::new()
        .name("testkit-moto".into())
        .spawn(move || keeper(server, ready_tx))
        .map_err(|e| format!("cannot spawn the moto keeper thread: {e}"))?;
    ready_rx
        .recv()
        .map_err(|_| "the moto keeper thread died".to_string())?
}

fn keeper(server: PathBuf, ready: mpsc::Sender<Result<String, String>>) {
    let mut child = match spawn_server(&server) {
        Ok(child) => child,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let tail = Tail::default();
    let (port_tx, port_rx) = mpsc::channel();
    let echo = std::env::var_os("TESTKIT_MOTO_LOG").is_some_and(|v| v != "0" && !v.is_empty());
    if let Some(out) = child.stdout.take() {
        spawn_reader(out, tail.clone(), port_tx.clone(), echo);
    }
    if let Some(err) = child.stderr.take() {
        spawn_reader(err, tail.clone(), port_tx, echo);
    }
    match wait_ready(&mut child, &tail, &port_rx) {
        Ok(url) => {
            let _ = ready.send(Ok(url));
            // Stay alive as long as the server: this thread is its PDEATHSIG parent.
            let status = child.wait();
            eprintln!(
                "testkit::moto: moto_server exited unexpectedly ({status:?}); output tail:\n{}",
                tail.text()
            );
        }
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            let _ = ready.send(Err(e));
        }
    }
}

fn spawn_server(server: &Path) -> Result<Child, String> {
    let parent = std::process::id();
    let mut cmd = Command::new(server);
    cmd.args(["-H", "127.0.0.1", "-p", "0"])
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only async-signal-safe libc calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() as u32 != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    cmd.spawn()
        .map_err(|e| format!("cannot start {}: {e}", server.display()))
}

fn spawn_reader(
    stream: impl Read + Send + 'static,
    tail: Tail,
    port_tx: mpsc::Sender<u16>,
    echo: bool,
) {
    let _ = thread::Builder::new()
        .name("testkit-moto-output".into())
        .spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut raw = Vec::new();
            loop {
                raw.clear();
                match reader.read_until(b'\n', &mut raw) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let line = strip_ansi(&String::from_utf8_lossy(&raw));
                let line = line.trim_end().to_string();
                if let Some(port) = announced_port(&line) {
                    let _ = port_tx.send(port);
                }
                if echo {
                    eprintln!("[moto] {line}");
                }
                tail.push(line);
            }
        });
}

/// The port in werkzeug's ` * Running on http://127.0.0.1:PORT` line.
fn announced_port(line: &str) -> Option<u16> {
    let rest = &line[line.find("Running on http://")? + "Running on http://".len()..];
    let authority = rest.split(|c: char| c.is_whitespace() || c == '/').next()?;
    authority.rsplit_once(':')?.1.parse().ok()
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params final-byte
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn wait_ready(
    child: &mut Child,
    tail: &Tail,
    port_rx: &mpsc::Receiver<u16>,
) -> Result<String, String> {
    let deadline = Instant::now() + START_TIMEOUT;
    let mut port = None;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(exited(status, tail));
        }
        if port.is_none() {
            port = port_rx.try_recv().ok();
        }
        if let Some(port) = port
            && answers_http(port)
        {
            return Ok(format!("http://127.0.0.1:{port}"));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "moto_server did not {} within {} s; output tail:\n{}",
                if port.is_some() {
                    "answer HTTP"
                } else {
                    "announce its port"
                },
                START_TIMEOUT.as_secs(),
                tail.text()
            ));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

fn exited(status: ExitStatus, tail: &Tail) -> String {
    // Give the readers a moment to collect the last words.
    thread::sleep(Duration::from_millis(100));
    format!(
        "moto_server exited ({status}) before it was ready; output tail:\n{}",
        tail.text()
    )
}

/// Whether something answers an HTTP GET on 127.0.0.1:`port`.
fn answers_http(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let request =
        format!("GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    let mut got = 0;
    while got < head.len() {
        match stream.read(&mut head[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    head[..got].starts_with(b"HTTP/1.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_announced_port() {
        let line = strip_ansi(" * Running on \u{1b}[1mhttp://127.0.0.1:44731\u{1b}[0m");
        assert_eq!(announced_port(&line), Some(44731));
        assert_eq!(
            announced_port(" * Running on http://127.0.0.1:5000/ (Press CTRL+C to quit)"),
            Some(5000)
        );
        assert_eq!(announced_port("Press CTRL+C to quit"), None);
    }

    #[test]
    fn unique_names_differ() {
        let a = unique_name("q");
        let b = unique_name("q");
        assert_ne!(a, b);
        assert!(a.starts_with("q-"));
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }

    #[test]
    fn finds_the_workspace_target_dir() {
        if std::env::var_os("CARGO_TARGET_DIR").is_some() {
            return;
        }
        let dir = target_dir().unwrap();
        assert!(dir.ends_with("target"), "{}", dir.display());
    }
}
