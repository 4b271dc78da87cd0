//! A stand-in for the AWS Lambda Runtime API, to run the real binary in Lambda mode.
//!
//! A custom runtime (here `lambda_runtime`, which the `logship` binary runs when
//! `AWS_LAMBDA_RUNTIME_API` is set) fetches its invocations from Lambda and posts the results back
//! over plain HTTP/1.1 under `/2018-06-01/runtime/`. [`RuntimeApi`] serves that contract on
//! `127.0.0.1` on an ephemeral port, as tasks of the test's tokio runtime: a test starts the
//! binary with `AWS_LAMBDA_RUNTIME_API=<addr()>`, queues events with
//! [`invoke`](RuntimeApi::invoke) and awaits what the function answered with
//! [`outcome`](RuntimeApi::outcome).
//!
//! * `GET /invocation/next` long-polls until an invocation is queued, then answers 200 with the
//!   event as the body and the headers `Lambda-Runtime-Aws-Request-Id`,
//!   `Lambda-Runtime-Deadline-Ms` (epoch milliseconds), `Lambda-Runtime-Invoked-Function-Arn`,
//!   `Lambda-Runtime-Trace-Id` and `Content-Type: application/json`.
//! * `POST /invocation/{id}/response` records the body and answers 202 `{"status":"OK"}`. A body
//!   above 6 MiB is refused with 413 `RequestEntityTooLarge` and the invocation recorded as a
//!   `Function.ResponseSizeTooLarge` error, as Lambda does.
//! * `POST /invocation/{id}/error` records the body and the `Lambda-Runtime-Function-Error-Type`
//!   header and answers 202 `{"status":"OK"}`.
//! * `POST /init/error` records the same (see [`init_errors`](RuntimeApi::init_errors)) and
//!   answers 202.
//!
//! Like Lambda, it models one runtime process working through invocations one at a time, with
//! the runtime states of Lambda's own implementation (`Started`, `InitError`, `Ready`,
//! `RuntimeResponseSentState`): an answer before the first invocation was handed out, a second
//! answer to an invocation or an `/init/error` after the first `/next` is refused with 403
//! `InvalidStateTransition`; an answer naming another request id than the one handed out with
//! 400 `InvalidRequestID`; a `/next` while an invocation is handed out and not answered gets that
//! invocation again; after an `/init/error`, `/next` is refused with 403. Error bodies are shaped
//! like Lambda's (`{"errorMessage": ..., "errorType": ...}`); unknown paths get 404 and known
//! paths with the wrong method 405.
//!
//! Not implemented: the deadline is announced, not enforced (an answer after it is accepted and
//! flagged [`Outcome::late`], where Lambda would time the invocation out and reset the sandbox);
//! the sandbox is never reset, so a second process on the same stand-in inherits its state (start
//! one stand-in per process); extensions, telemetry, SnapStart (`/restore/*`), client-context and
//! Cognito headers; a streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`) is
//! recorded as received, prelude included.
//!
//! ```no_run
//! # async fn demo() {
//! use std::time::Duration;
//! use testkit::runtime_api::RuntimeApi;
//!
//! let api = RuntimeApi::start().await;
//! // ... start the binary with AWS_LAMBDA_RUNTIME_API=api.addr() ...
//! let id = api.invoke(r#"{"Records":[]}"#, 15_000);
//! let outcome = api.outcome(&id, Duration::from_secs(20)).await.expect("answered");
//! assert!(outcome.is_response(), "{}", outcome.body_text());
//! # }
//! ```

use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::sync::watch;

use crate::http::{self, Action, Conn, Request, Response, Server, Service};

/// The Runtime API version prefix of every path.
pub const API_PREFIX: &str = "/2018-06-01/runtime";
/// Largest invocation response Lambda accepts (6 MiB).
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;
/// The function ARN announced unless [`RuntimeApi::set_function_arn`] changes it.
pub const DEFAULT_FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:logship";

/// How an invocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeKind {
    /// `POST /invocation/{id}/response`.
    Response,
    /// `POST /invocation/{id}/error` (or a response Lambda refused as too large).
    Error,
}

/// What the function answered to one invocation.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub request_id: String,
    pub kind: OutcomeKind,
    /// The `Lambda-Runtime-Function-Error-Type` header of an error (`Function.ResponseSizeTooLarge`
    /// for a refused response); `None` for a response.
    pub error_type: Option<String>,
    /// The `Content-Type` header of the answer, if any.
    pub content_type: Option<String>,
    /// The body as received (for a refused response: Lambda's error JSON).
    pub body: Vec<u8>,
    /// Answered after the deadline announced in `Lambda-Runtime-Deadline-Ms`.
    pub late: bool,
    /// From the first time `/next` handed the invocation out to the answer.
    pub duration: Duration,
    /// How many times `/next` handed the invocation out (more than 1 only when the runtime polled
    /// again without answering).
    pub deliveries: u32,
}

impl Outcome {
    /// True for a `/response`.
    pub fn is_response(&self) -> bool {
        self.kind == OutcomeKind::Response
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// An `/init/error` report.
#[derive(Clone, Debug)]
pub struct InitError {
    /// The `Lambda-Runtime-Function-Error-Type` header.
    pub error_type: Option<String>,
    pub body: Vec<u8>,
}

impl InitError {
    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

/// One request the stand-in received.
#[derive(Clone, Debug)]
pub struct RequestLog {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// All request headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The status answered; `None` while a `/next` is still waiting (or when the peer left).
    pub status: Option<u16>,
}

impl RequestLog {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        http::find_header(&self.headers, name)
    }
}

/// Why [`RuntimeApi::outcome`] returned without an outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitError {
    /// No invocation has this request id.
    UnknownRequestId(String),
    /// No answer in time.
    TimedOut {
        request_id: String,
        /// Whether `/next` ever handed the invocation out (false: the runtime never asked for
        /// it, e.g. it did not start or is stuck in an earlier invocation).
        fetched: bool,
        /// `/init/error` reports received so far.
        init_errors: usize,
    },
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitError::UnknownRequestId(id) => write!(f, "no invocation has request id {id}"),
            WaitError::TimedOut {
                request_id,
                fetched,
                init_errors,
            } => {
                write!(
                    f,
                    "invocation {request_id} not answered in time ({}; {init_errors} /init/error reports)",
                    if *fetched {
                        "handed out by /next"
                    } else {
                        "never fetched by /next"
                    }
                )
            }
        }
    }
}

impl std::error::Error for WaitError {}

/// The runtime states of Lambda's implementation (the transient `InvocationResponse` and
/// `InvocationErrorResponse` states are passed through within one request).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Started,
    InitError,
    Ready,
    ResponseSent,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Started => "Started",
            Phase::InitError => "InitError",
            Phase::Ready => "Ready",
            Phase::ResponseSent => "RuntimeResponseSentState",
        }
    }
}

struct Invocation {
    event: Vec<u8>,
    deadline_ms: u64,
    trace_id: String,
    fetched_at: Option<Instant>,
    deliveries: u32,
    outcome: Option<Outcome>,
}

struct State {
    phase: Phase,
    function_arn: String,
    /// Request ids queued and not handed out yet, in order.
    queue: VecDeque<String>,
    /// The invocation handed out and not answered.
    in_flight: Option<String>,
    invocations: HashMap<String, Invocation>,
    init_errors: Vec<InitError>,
    requests: Vec<RequestLog>,
    /// `/next` requests waiting for an invocation.
    parked: usize,
}

struct Shared {
    state: Mutex<State>,
    /// Bumped after every state change; waiters subscribe before looking at the state.
    changes: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn changed(&self) {
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Waits until `ready` returns `Some` or the deadline passes.
    async fn wait_for<T>(
        &self,
        deadline: tokio::time::Instant,
        mut ready: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let mut changes = self.changes.subscribe();
        loop {
            if let Some(t) = ready(&self.lock()) {
                return Some(t);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return ready(&self.lock()),
            }
        }
    }
}

/// Handle to a running Runtime API stand-in. Cheap to clone; the server stops (its accept loop
/// and connections are aborted) when the last handle is dropped or the tokio runtime shuts down.
#[derive(Clone)]
pub struct RuntimeApi {
    inner: Arc<Inner>,
}

struct Inner {
    server: Server,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for RuntimeApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeApi")
            .field("addr", &self.socket_addr())
            .finish_non_exhaustive()
    }
}

impl RuntimeApi {
    /// Binds `127.0.0.1:0` and spawns the accept loop on the current tokio runtime.
    pub async fn start() -> RuntimeApi {
        RuntimeApi::start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("testkit::runtime_api: cannot bind 127.0.0.1:0")
    }

    /// Like [`start`](Self::start), on a given address.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<RuntimeApi> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                phase: Phase::Started,
                function_arn: DEFAULT_FUNCTION_ARN.to_owned(),
                queue: VecDeque::new(),
                in_flight: None,
                invocations: HashMap::new(),
                init_errors: Vec::new(),
                requests: Vec::new(),
                parked: 0,
            }),
            changes: watch::Sender::new(0),
        });
        let server = Server::start(addr, shared.clone()).await?;
        Ok(RuntimeApi {
            inner: Arc::new(Inner { server, shared }),
        })
    }

    /// `127.0.0.1:PORT`: the value of `AWS_LAMBDA_RUNTIME_API` (no scheme).
    pub fn addr(&self) -> String {
        self.socket_addr().to_string()
    }

    /// The bound address.
    pub fn socket_addr(&self) -> SocketAddr {
        self.inner.server.addr()
    }

    /// The ARN announced in `Lambda-Runtime-Invoked-Function-Arn` from now on.
    pub fn set_function_arn(&self, arn: &str) {
        self.lock().function_arn = arn.to_owned();
    }

    /// Queues an invocation of `event_json` whose deadline is `deadline_ms_from_now` milliseconds
    /// from now, and returns its request id. Panics if the event is not JSON (the Invoke API
    /// refuses such a payload).
    pub fn invoke(&self, event_json: &str, deadline_ms_from_now: u64) -> String {
        assert!(
            serde_json::from_str::<Value>(event_json).is_ok(),
            "testkit::runtime_api: the event is not JSON (Lambda refuses it)"
        );
        let request_id = uuid_v4();
        let trace_id = format!(
            "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
            epoch_ms() / 1000,
            (u128::from(random_u64()) << 32) | u128::from(random_u64() as u32),
            random_u64()
        );
        {
            let mut state = self.lock();
            state.invocations.insert(
                request_id.clone(),
                Invocation {
                    event: event_json.as_bytes().to_vec(),
                    deadline_ms: epoch_ms().saturating_add(deadline_ms_from_now),
                    trace_id,
                    fetched_at: None,
                    deliveries: 0,
                    outcome: None,
                },
            );
            state.queue.push_back(request_id.clone());
        }
        self.inner.shared.changed();
        request_id
    }

    /// Waits up to `timeout` for the answer to invocation `request_id`.
    pub async fn outcome(&self, request_id: &str, timeout: Duration) -> Result<Outcome, WaitError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let found = self
            .inner
            .shared
            .wait_for(deadline, |state| match state.invocations.get(request_id) {
                None => Some(Err(WaitError::UnknownRequestId(request_id.to_owned()))),
                Some(inv) => inv.outcome.clone().map(Ok),
            })
            .await;
        match found {
            Some(result) => result,
            None => {
                let state = self.lock();
                Err(WaitError::TimedOut {
                    request_id: request_id.to_owned(),
                    fetched: state
                        .invocations
                        .get(request_id)
                        .is_some_and(|i| i.fetched_at.is_some()),
                    init_errors: state.init_errors.len(),
                })
            }
        }
    }

    /// Waits up to `timeout` until the runtime is idle: a `/next` is waiting and nothing is
    /// queued or handed out. True if it got there.
    pub async fn wait_for_poll(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        self.inner
            .shared
            .wait_for(deadline, |state| {
                (state.parked > 0 && state.queue.is_empty() && state.in_flight.is_none())
                    .then_some(())
            })
            .await
            .is_some()
    }

    /// The answer to an invocation, if there is one yet.
    pub fn try_outcome(&self, request_id: &str) -> Option<Outcome> {
        self.lock()
            .invocations
            .get(request_id)
            .and_then(|i| i.outcome.clone())
    }

    /// The `/init/error` reports, in order.
    pub fn init_errors(&self) -> Vec<InitError> {
        self.lock().init_errors.clone()
    }

    /// Every request received, in arrival order.
    pub fn requests(&self) -> Vec<RequestLog> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.shared.lock()
    }
}

/// Where a request goes.
enum Route {
    Next,
    Response(String),
    Error(String),
    InitError,
    MethodNotAllowed,
    NotFound,
}

fn route(request: &Request) -> Route {
    let Some(rest) = request.path().strip_prefix(API_PREFIX) else {
        return Route::NotFound;
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let (method_ok, route) = match segments.as_slice() {
        ["invocation", "next"] => (request.method == "GET", Route::Next),
        ["invocation", id, "response"] => {
            (request.method == "POST", Route::Response(id.to_string()))
        }
        ["invocation", id, "error"] => (request.method == "POST", Route::Error(id.to_string())),
        ["init", "error"] => (request.method == "POST", Route::InitError),
        _ => return Route::NotFound,
    };
    if method_ok {
        route
    } else {
        Route::MethodNotAllowed
    }
}

impl Service for Shared {
    async fn handle(self: Arc<Self>, conn: &Conn, request: Request) -> Action {
        let shared = &*self;
        let slot = {
            let mut state = shared.lock();
            state.requests.push(RequestLog {
                method: request.method.clone(),
                target: request.target.clone(),
                headers: request.headers.clone(),
                status: None,
            });
            state.requests.len() - 1
        };
        let response = match route(&request) {
            Route::Next => match next(shared, conn).await {
                Some(response) => response,
                // The runtime went away while waiting.
                None => return Action::Close,
            },
            Route::Response(id) => answer(shared, &request, &id, OutcomeKind::Response),
            Route::Error(id) => answer(shared, &request, &id, OutcomeKind::Error),
            Route::InitError => init_error(shared, &request),
            Route::MethodNotAllowed => Response::new(405, "text/plain; charset=UTF-8", ""),
            Route::NotFound => {
                Response::new(404, "text/plain; charset=utf-8", "404 page not found\n")
            }
        };
        if let Some(log) = shared.lock().requests.get_mut(slot) {
            log.status = Some(response.status);
        }
        // A `/next` answer that never reaches the runtime stays handed out: the runtime's next
        // `/next` gets it again, as with Lambda.
        Action::Respond {
            response,
            head_only: false,
        }
    }
}

/// Counts a waiting `/next` while it lives.
struct Parked<'a>(&'a Shared);

impl<'a> Parked<'a> {
    fn new(shared: &'a Shared, state: &mut State) -> Parked<'a> {
        state.parked += 1;
        Parked(shared)
    }
}

impl Drop for Parked<'_> {
    fn drop(&mut self) {
        {
            let mut state = self.0.lock();
            state.parked = state.parked.saturating_sub(1);
        }
        self.0.changed();
    }
}

/// `GET /invocation/next`: long-polls. `None` when the peer closed the connection meanwhile.
async fn next(shared: &Shared, conn: &Conn) -> Option<Response> {
    let mut changes = shared.changes.subscribe();
    let mut parked = None;
    let mut watch_peer = true;
    loop {
        {
            let mut state = shared.lock();
            if state.phase == Phase::InitError {
                return Some(forbidden(state.phase, "Ready"));
            }
            // Handed out and not answered: Lambda renders the same invocation again.
            let id = match state.in_flight.clone() {
                Some(id) => Some(id),
                None => state.queue.pop_front(),
            };
            if let Some(id) = id {
                state.phase = Phase::Ready;
                state.in_flight = Some(id.clone());
                let arn = state.function_arn.clone();
                let response = state.invocations.get_mut(&id).map(|inv| {
                    inv.fetched_at.get_or_insert_with(Instant::now);
                    inv.deliveries += 1;
                    Response::new(200, "application/json", inv.event.clone())
                        .header("Lambda-Runtime-Aws-Request-Id", id.clone())
                        .header("Lambda-Runtime-Deadline-Ms", inv.deadline_ms.to_string())
                        .header("Lambda-Runtime-Invoked-Function-Arn", arn)
                        .header("Lambda-Runtime-Trace-Id", inv.trace_id.clone())
                });
                drop(state);
                shared.changed();
                match response {
                    Some(response) => return Some(response),
                    // Unreachable: every queued id has an invocation.
                    None => continue,
                }
            }
            if parked.is_none() {
                parked = Some(Parked::new(shared, &mut state));
                drop(state);
                shared.changed();
                // Our own notification: look again (cheap) rather than miss another one.
                continue;
            }
        }
        let mut probe = [0u8; 1];
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return None;
                }
            }
            peeked = conn.stream.tcp().peek(&mut probe), if watch_peer => match peeked {
                Ok(0) | Err(_) => return None,
                // The client sent more (pipelining): it is still there; stop watching.
                Ok(_) => watch_peer = false,
            },
        }
    }
}

/// `POST /invocation/{id}/response` and `/error`.
fn answer(shared: &Shared, request: &Request, id: &str, kind: OutcomeKind) -> Response {
    let to = match kind {
        OutcomeKind::Response => "InvocationResponse",
        OutcomeKind::Error => "InvocationErrorResponse",
    };
    let mut state = shared.lock();
    if state.phase != Phase::Ready {
        return forbidden(state.phase, to);
    }
    if state.in_flight.as_deref() != Some(id) {
        return error_response(400, "InvalidRequestID", "Invalid request ID");
    }
    let too_large = kind == OutcomeKind::Response && request.body.len() > MAX_RESPONSE_BYTES;
    let Some(inv) = state.invocations.get_mut(id) else {
        return error_response(400, "InvalidRequestID", "Invalid request ID");
    };
    let now = Instant::now();
    let (kind, error_type, content_type, body) = if too_large {
        (
            OutcomeKind::Error,
            Some("Function.ResponseSizeTooLarge".to_owned()),
            Some("application/json".to_owned()),
            too_large_body().into_bytes(),
        )
    } else {
        (
            kind,
            match kind {
                OutcomeKind::Response => None,
                OutcomeKind::Error => request
                    .header("lambda-runtime-function-error-type")
                    .map(str::to_owned),
            },
            request.header("content-type").map(str::to_owned),
            request.body.clone(),
        )
    };
    inv.outcome = Some(Outcome {
        request_id: id.to_owned(),
        kind,
        error_type,
        content_type,
        body,
        late: epoch_ms() >= inv.deadline_ms,
        duration: inv
            .fetched_at
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t)),
        deliveries: inv.deliveries,
    });
    state.in_flight = None;
    state.phase = Phase::ResponseSent;
    drop(state);
    shared.changed();
    if too_large {
        Response::new(413, "application/json", too_large_body())
    } else {
        accepted()
    }
}

/// `POST /init/error`.
fn init_error(shared: &Shared, request: &Request) -> Response {
    let mut state = shared.lock();
    if state.phase != Phase::Started {
        return forbidden(state.phase, "InitError");
    }
    state.phase = Phase::InitError;
    state.init_errors.push(InitError {
        error_type: request
            .header("lambda-runtime-function-error-type")
            .map(str::to_owned),
        body: request.body.clone(),
    });
    drop(state);
    shared.changed();
    accepted()
}

fn too_large_body() -> String {
    json!({
        "errorMessage": format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
        "errorType": "RequestEntityTooLarge",
    })
    .to_string()
}

fn accepted() -> Response {
    Response::new(202, "application/json", json!({"status": "OK"}).to_string())
}

fn error_response(status: u16, error_type: &str, message: &str) -> Response {
    Response::new(
        status,
        "application/json",
        json!({"errorMessage": message, "errorType": error_type}).to_string(),
    )
}

fn forbidden(from: Phase, to: &str) -> Response {
    error_response(
        403,
        "InvalidStateTransition",
        &format!(
            "State transition from {} to {to} failed for runtime. Error: State transition is not allowed",
            from.name()
        ),
    )
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// 64 unpredictable bits without a random-number dependency: std's per-instance SipHash keys.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// A random (version 4) UUID, the shape of Lambda's request ids.
fn uuid_v4() -> String {
    let (a, b) = (random_u64(), random_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// One request on a fresh connection (`Connection: close`); the status and the raw response.
    async fn call(api: &RuntimeApi, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(api.socket_addr())
            .await
            .expect("connect");
        let request = format!(
            "{method} {API_PREFIX}{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nLambda-Runtime-Function-Error-Type: Test.Error\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut raw = String::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut raw))
            .await
            .expect("answered in time")
            .expect("read");
        let status = raw
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status line");
        (status, raw)
    }

    fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
        raw.split("\r\n\r\n").next()?.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }

    #[test]
    fn request_ids_look_like_lambdas() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert_ne!(uuid_v4(), id);
    }

    #[tokio::test]
    async fn next_long_polls_and_the_state_machine_is_lambdas() {
        let api = RuntimeApi::start().await;
        assert!(matches!(
            api.outcome("nope", Duration::from_millis(10)).await,
            Err(WaitError::UnknownRequestId(_))
        ));
        // Nothing handed out yet: an answer is a state-transition error.
        assert_eq!(
            call(&api, "POST", "/invocation/x/response", "{}").await.0,
            403
        );

        let waiting = tokio::spawn({
            let api = api.clone();
            async move { call(&api, "GET", "/invocation/next", "").await }
        });
        assert!(api.wait_for_poll(Duration::from_secs(10)).await);
        let id = api.invoke(r#"{"n":1}"#, 60_000);
        let (status, raw) = waiting.await.expect("join");
        assert_eq!(status, 200);
        assert!(raw.ends_with(r#"{"n":1}"#), "{raw}");
        assert_eq!(
            header(&raw, "lambda-runtime-aws-request-id"),
            Some(id.as_str())
        );
        assert_eq!(
            header(&raw, "lambda-runtime-invoked-function-arn"),
            Some(DEFAULT_FUNCTION_ARN)
        );
        let deadline: u64 = header(&raw, "lambda-runtime-deadline-ms")
            .and_then(|v| v.parse().ok())
            .expect("deadline");
        assert!(deadline > epoch_ms() + 50_000 && deadline <= epoch_ms() + 60_000);
        assert!(header(&raw, "lambda-runtime-trace-id").is_some_and(|t| t.starts_with("Root=1-")));

        // Polled again without answering: the same invocation.
        let (_, again) = call(&api, "GET", "/invocation/next", "").await;
        assert_eq!(
            header(&again, "lambda-runtime-aws-request-id"),
            Some(id.as_str())
        );
        assert_eq!(
            call(&api, "POST", "/invocation/other/response", "{}")
                .await
                .0,
            400
        );
        let (status, raw) = call(
            &api,
            "POST",
            &format!("/invocation/{id}/response"),
            "\"ok\"",
        )
        .await;
        assert_eq!(status, 202);
        assert!(raw.ends_with(r#"{"status":"OK"}"#), "{raw}");
        let outcome = api
            .outcome(&id, Duration::from_secs(1))
            .await
            .expect("answered");
        assert!(outcome.is_response() && !outcome.late);
        assert_eq!(outcome.body_text(), "\"ok\"");
        assert_eq!(outcome.deliveries, 2);
        // Answered already.
        assert_eq!(
            call(&api, "POST", &format!("/invocation/{id}/error"), "{}")
                .await
                .0,
            403
        );
        assert_eq!(call(&api, "POST", "/init/error", "{}").await.0, 403);

        let id = api.invoke("{}", 0);
        let (_, raw) = call(&api, "GET", "/invocation/next", "").await;
        assert_eq!(
            header(&raw, "lambda-runtime-aws-request-id"),
            Some(id.as_str())
        );
        let body = r#"{"errorType":"E","errorMessage":"boom"}"#;
        assert_eq!(
            call(&api, "POST", &format!("/invocation/{id}/error"), body)
                .await
                .0,
            202
        );
        let outcome = api
            .outcome(&id, Duration::from_secs(1))
            .await
            .expect("answered");
        assert_eq!(outcome.kind, OutcomeKind::Error);
        assert_eq!(outcome.error_type.as_deref(), Some("Test.Error"));
        assert_eq!(outcome.json().expect("json")["errorMessage"], "boom");
        assert!(outcome.late, "a deadline of 0 ms has passed");

        assert_eq!(call(&api, "GET", "/invocation/x/response", "").await.0, 405);
        assert_eq!(call(&api, "GET", "/unknown", "").await.0, 404);
    }

    #[tokio::test]
    async fn init_errors_are_recorded_and_end_the_runtime() {
        let api = RuntimeApi::start().await;
        let id = api.invoke("{}", 1_000);
        let (status, _) = call(&api, "POST", "/init/error", r#"{"errorMessage":"no"}"#).await;
        assert_eq!(status, 202);
        let errors = api.init_errors();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].error_type.as_deref(), Some("Test.Error"));
        assert_eq!(errors[0].body_text(), r#"{"errorMessage":"no"}"#);
        assert_eq!(call(&api, "GET", "/invocation/next", "").await.0, 403);
        let err = api
            .outcome(&id, Duration::from_millis(20))
            .await
            .expect_err("never fetched");
        assert_eq!(
            err,
            WaitError::TimedOut {
                request_id: id,
                fetched: false,
                init_errors: 1
            }
        );
    }
}
