//! A contract server for the Elasticsearch/OpenSearch `_bulk` API and the Logz.io listener.
//!
//! No Elasticsearch or OpenSearch server can be installed on the test machines, so
//! [`BulkServer`] implements both ingestion contracts faithfully enough to test a shipper against
//! them: it parses the NDJSON bodies (plain, gzip or deflate), answers per-item statuses exactly
//! the way Elasticsearch 8 shapes them, records what it accepted (documents by `_id`, Logz.io
//! lines in order) and every request it saw, and can be scripted to fail with [`Fault`]s and
//! token changes. It is a plain HTTP/1.1 server on a raw tokio `TcpListener` (keep-alive,
//! `Content-Length` and chunked bodies), bound to `127.0.0.1` on an ephemeral port and running as
//! tasks of the test's tokio runtime, so hangs and connection resets are fully controllable.
//!
//! Routing: a request whose query string has a `token` or `type` parameter is for the **Logz.io
//! listener** (`POST /?token=...&type=...`, any path); anything else is **Elasticsearch**
//! (`POST|PUT /_bulk`, `POST|PUT /{index}/_bulk`, `GET|HEAD /` for cluster info).
//!
//! Faults are consumed in order, one per *ingestion* request (a `_bulk` request or a Logz.io
//! `POST`), before authentication; `GET /` and unknown routes never consume one.
//!
//! Not implemented: SigV4 verification (a SigV4-signed request is refused with 401 while a token
//! is set; with no token set anything is accepted and the headers are in [`RequestLog`]),
//! `filter_path` and other response-shaping query parameters (ignored). TLS is optional
//! ([`BulkServer::start_tls`], with a test CA's certificate).

mod es;
mod logzio;
mod mapping;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::http::{self, Action, Conn, Request, Response, Server, Service};

/// The Logz.io listener's limit on the uncompressed request body.
pub const LOGZIO_MAX_BODY: usize = 10 * 1024 * 1024;
/// The Logz.io listener's limit on one line.
pub const LOGZIO_MAX_LINE: usize = 500_000;
/// Elasticsearch's default `http.max_content_length` (uncompressed).
pub const ES_MAX_BODY: usize = 100 * 1024 * 1024;
/// The Elasticsearch version reported by `GET /`.
pub const ES_VERSION: &str = "8.15.0";

/// A scripted failure, consumed by the next ingestion request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer the whole request with this status and a contract-like JSON error body (e.g. 500,
    /// 502, 503, 429, 401, 403, 413). Nothing is processed.
    Status(u16),
    /// Like [`Fault::Status`], with a `Retry-After: <seconds>` header.
    StatusRetryAfter(u16, u64),
    /// Elasticsearch: a 200 response with `"errors":true` where every `every_nth` item
    /// (1 = all; 0 counts as 1) fails with `status` (429 `es_rejected_execution_exception`, 500,
    /// 503, 400 `mapper_parsing_exception`, 409 `version_conflict_engine_exception`, ...) without
    /// being processed; the others are processed normally. Logz.io: every `every_nth` line is
    /// refused as malformed (a 400 with counters), whatever `status` says.
    ItemStatus { status: u16, every_nth: usize },
    /// Read the request, send nothing for this long, then close the connection.
    Hang(Duration),
    /// Read the request, then reset the connection (`SO_LINGER` 0, close: the peer gets a RST).
    Reset,
    /// Answer 413 when the *uncompressed* body exceeds `max_body` bytes, else process normally.
    TooLarge { max_body: usize },
    /// Answer `status` (301, 302, 303, 307, 308) with `Location: location`, processing
    /// nothing: an `http://` endpoint behind a load balancer that redirects to `https://`.
    /// [`MOVED_PATH`] on this server answers whatever reaches it with an empty 200, the way
    /// the redirect's target would answer a client that followed it as a `GET`.
    Redirect { status: u16, location: String },
    /// Answer `status` with this body as `application/json`, processing nothing: a proxy or a
    /// misconfigured endpoint whose 2xx does not acknowledge the documents
    /// (`{"errors":false,"items":[]}`, the cluster's root JSON, an HTML page...).
    Answer { status: u16, body: String },
    /// Answer `status` with a debug page that echoes the request: its request line (with the
    /// query string and so a Logz.io `?token=`), every header (`Authorization` included) and the
    /// first 512 bytes of the decoded body. Nothing is processed.
    Echo(u16),
}

/// The path of the stand-in for a redirect's target: any method, any query, an empty 200, and
/// nothing stored. Never consumes a fault.
pub const MOVED_PATH: &str = "/__moved";

/// Which contract a request was routed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Contract {
    Elasticsearch,
    Logzio,
}

/// One request the server received.
#[derive(Clone, Debug)]
pub struct RequestLog {
    pub contract: Contract,
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// The status answered; `None` for a [`Fault::Hang`] or [`Fault::Reset`] (or while the request
    /// is still being processed).
    pub status: Option<u16>,
    /// The fault this request consumed.
    pub fault: Option<Fault>,
    /// All request headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// Body size as received (de-chunked, still compressed).
    pub body_bytes: usize,
    /// Body size after `Content-Encoding` decoding (equal to `body_bytes` when not compressed;
    /// 0 when it could not be decoded).
    pub uncompressed_bytes: usize,
    /// Elasticsearch: number of actions in the bulk request; Logz.io: number of lines.
    pub items: usize,
    /// When the request was fully read.
    pub received_at: Instant,
}

impl RequestLog {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        http::find_header(&self.headers, name)
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        http::target_path(&self.target)
    }

    /// A decoded query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        http::query_pairs(http::target_query(&self.target))
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// The outcome of one Elasticsearch bulk item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemLog {
    /// Index of the request in [`BulkServer::requests`].
    pub request: usize,
    /// `create`, `index`, `update` or `delete`.
    pub action: String,
    pub index: String,
    pub id: String,
    /// The item status answered (201, 200, 409, 429, 400, ...).
    pub status: u16,
    /// The error type answered, if the item failed.
    pub error_type: Option<String>,
}

/// A predicate over Elasticsearch documents / Logz.io lines; see
/// [`BulkServer::set_persistent_reject`].
pub type RejectPredicate = dyn Fn(&Value) -> bool + Send + Sync;

struct StoredDoc {
    source: Value,
    version: u64,
    seq_no: u64,
}

#[derive(Default)]
struct State {
    token: Option<String>,
    faults: VecDeque<Fault>,
    reject: Option<Arc<RejectPredicate>>,
    /// By (index, id).
    docs: BTreeMap<(String, String), StoredDoc>,
    create_attempts: HashMap<String, u32>,
    items: Vec<ItemLog>,
    logzio_lines: Vec<Value>,
    requests: Vec<RequestLog>,
    seq_no: u64,
    auto_ids: u64,
    light: bool,
    /// Bumped by `reset`, so requests in flight across a reset don't write into the new log.
    generation: u64,
    /// Dynamic mappings per index (see [`BulkServer::set_dynamic_mapping`]).
    mappings: mapping::Mappings,
    /// Dynamic mapping switched off.
    no_mapping: bool,
}

struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Handle to a running contract server. Cheap to clone; the server stops (its accept loop and
/// connections are aborted) when the last handle is dropped or the tokio runtime shuts down.
#[derive(Clone)]
pub struct BulkServer {
    inner: Arc<Inner>,
}

struct Inner {
    server: Server,
    shared: Arc<Shared>,
    tls: bool,
}

impl std::fmt::Debug for BulkServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkServer")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl BulkServer {
    /// Binds `127.0.0.1:0` and spawns the accept loop on the current tokio runtime.
    pub async fn start() -> BulkServer {
        BulkServer::start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("testkit::bulk: cannot bind 127.0.0.1:0")
    }

    /// Like [`start`](Self::start), on a given address.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<BulkServer> {
        BulkServer::start_with(addr, None).await
    }

    /// Like [`start`](Self::start), over TLS with the server certificate of `ca`: only a client
    /// that trusts [`TestCa::ca_pem`](crate::tls::TestCa::ca_pem) gets through the handshake.
    /// [`url`](Self::url) is then `https://127.0.0.1:PORT`.
    pub async fn start_tls(ca: &crate::tls::TestCa) -> BulkServer {
        BulkServer::start_with(SocketAddr::from(([127, 0, 0, 1], 0)), Some(ca))
            .await
            .expect("testkit::bulk: cannot bind 127.0.0.1:0")
    }

    async fn start_with(
        addr: SocketAddr,
        ca: Option<&crate::tls::TestCa>,
    ) -> std::io::Result<BulkServer> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
        });
        let acceptor = ca.map(crate::tls::TestCa::acceptor);
        let tls = acceptor.is_some();
        let server = Server::start_with(addr, shared.clone(), acceptor).await?;
        Ok(BulkServer {
            inner: Arc::new(Inner {
                server,
                shared,
                tls,
            }),
        })
    }

    /// `http://127.0.0.1:PORT` (`https://` when started with [`start_tls`](Self::start_tls)).
    pub fn url(&self) -> String {
        let scheme = if self.inner.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.inner.server.addr()
    }

    /// Sets the credential currently accepted; `None` (or [`clear_token`](Self::clear_token))
    /// disables authentication. Elasticsearch accepts `Authorization: ApiKey <token>` or
    /// `Authorization: Basic base64(<token>)` (token = `user:password`); Logz.io accepts
    /// `?token=<token>`. Takes effect for the next request, so "401 until the token changes" is
    /// `set_token("old")` now and `set_token("new")` later.
    pub fn set_token<'a>(&self, token: impl Into<Option<&'a str>>) {
        self.lock().token = token.into().map(str::to_string);
    }

    /// Disables authentication (the initial state).
    pub fn clear_token(&self) {
        self.lock().token = None;
    }

    /// Queues a fault for a later ingestion request; faults are consumed in order, one per
    /// request.
    pub fn push_fault(&self, fault: Fault) {
        self.lock().faults.push_back(fault);
    }

    /// Queues several faults.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.lock().faults.extend(faults);
    }

    /// Faults queued and not consumed yet.
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.len()
    }

    /// Documents matching `pred` are always refused: Elasticsearch answers their item with 400
    /// `mapper_parsing_exception` (every time, so a retry can never succeed); Logz.io counts the
    /// line as malformed. Replaces any previous predicate.
    pub fn set_persistent_reject(&self, pred: impl Fn(&Value) -> bool + Send + Sync + 'static) {
        self.lock().reject = Some(Arc::new(pred));
    }

    /// Removes the persistent-reject predicate.
    pub fn clear_persistent_reject(&self) {
        self.lock().reject = None;
    }

    /// Benchmark mode: document lines are only checked to look like JSON objects (`{...}`), not
    /// parsed or kept — [`docs`](Self::docs) and [`logzio_lines`](Self::logzio_lines) hold
    /// `null` for them and the persistent-reject predicate is not consulted — so the server costs little
    /// CPU and memory. `_id` bookkeeping (201/409, [`create_attempts`](Self::create_attempts))
    /// is unchanged.
    pub fn set_lightweight(&self, light: bool) {
        self.lock().light = light;
    }

    /// Elasticsearch: dynamic mapping is on by default, as in a real cluster (the first type
    /// seen for a field in an index fixes it; a later document with a value that cannot be read
    /// as that type is refused per item with a `document_parsing_exception` quoting a preview of
    /// the value). `false` turns it off.
    pub fn set_dynamic_mapping(&self, on: bool) {
        self.lock().no_mapping = !on;
    }

    /// Elasticsearch: the accepted documents by `_id` (across indices; see
    /// [`docs_by_index`](Self::docs_by_index)).
    pub fn docs(&self) -> BTreeMap<String, Value> {
        self.lock()
            .docs
            .iter()
            .map(|((_, id), doc)| (id.clone(), doc.source.clone()))
            .collect()
    }

    /// Elasticsearch: the accepted documents by `(index, _id)`.
    pub fn docs_by_index(&self) -> BTreeMap<(String, String), Value> {
        self.lock()
            .docs
            .iter()
            .map(|(key, doc)| (key.clone(), doc.source.clone()))
            .collect()
    }

    /// Elasticsearch: how many `create` actions per `_id` were answered 201. Every value must be 1
    /// for a shipper that never duplicates (a second create of an `_id` in the same index is
    /// answered 409 and not counted, so a value above 1 means the same `_id` landed in several
    /// indices or the server was reset in between).
    pub fn create_attempts(&self) -> HashMap<String, u32> {
        self.lock().create_attempts.clone()
    }

    /// Elasticsearch: the outcome of every bulk item, in processing order.
    pub fn item_log(&self) -> Vec<ItemLog> {
        self.lock().items.clone()
    }

    /// Logz.io: the accepted lines, in order.
    pub fn logzio_lines(&self) -> Vec<Value> {
        self.lock().logzio_lines.clone()
    }

    /// Every request received, in arrival order.
    pub fn requests(&self) -> Vec<RequestLog> {
        self.lock().requests.clone()
    }

    /// Forgets everything: documents, lines, logs, queued faults, the reject predicate, the
    /// lightweight mode and the token (back to no authentication). The listener keeps running.
    pub fn reset(&self) {
        let mut state = self.lock();
        let generation = state.generation + 1;
        *state = State {
            generation,
            ..State::default()
        };
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.shared.lock()
    }
}

impl Service for Shared {
    async fn handle(self: Arc<Self>, _conn: &Conn, request: Request) -> Action {
        // Decoding and parsing are CPU work: off the runtime thread, so that a client on the same
        // (current-thread) runtime keeps running, as it would against a separate server.
        tokio::task::spawn_blocking(move || handle(&self, &request))
            .await
            .unwrap_or(Action::Close)
    }
}

/// Where a request goes.
enum Route {
    Logzio,
    EsInfo,
    EsBulk { default_index: Option<String> },
    EsOther,
    Moved,
}

fn route(request: &Request, query: &[(String, String)]) -> Route {
    if request.path() == MOVED_PATH {
        return Route::Moved;
    }
    if query.iter().any(|(k, _)| k == "token" || k == "type") {
        return Route::Logzio;
    }
    let segments: Vec<&str> = request
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET" | "HEAD", []) => Route::EsInfo,
        ("POST" | "PUT", ["_bulk"]) => Route::EsBulk {
            default_index: None,
        },
        ("POST" | "PUT", [index, "_bulk"]) => Route::EsBulk {
            default_index: Some(http::percent_decode(index)),
        },
        _ => Route::EsOther,
    }
}

/// Per-request context handed to the contract implementations.
struct Ctx<'a> {
    shared: &'a Shared,
    request: &'a Request,
    /// The decoded body, or why it could not be decoded.
    body: Result<Cow<'a, [u8]>, String>,
    /// `(status, every_nth)` from a [`Fault::ItemStatus`].
    item_fault: Option<(u16, usize)>,
    /// From a [`Fault::TooLarge`].
    max_body: Option<usize>,
    /// Index of this request in the request log (if the log was not reset meanwhile).
    slot: usize,
    generation: u64,
    items: usize,
    received_at: Instant,
    /// Lightweight mode (see [`BulkServer::set_lightweight`]).
    light: bool,
}

fn handle(shared: &Shared, request: &Request) -> Action {
    let received_at = Instant::now();
    let query = http::query_pairs(request.query());
    let route = route(request, &query);
    let contract = match route {
        Route::Logzio => Contract::Logzio,
        _ => Contract::Elasticsearch,
    };
    let ingestion = match route {
        Route::Logzio => request.method == "POST",
        Route::EsBulk { .. } => true,
        Route::EsInfo | Route::EsOther | Route::Moved => false,
    };
    let body = decode_body(request);
    let (fault, slot, generation, light) = {
        let mut state = shared.lock();
        let fault = if ingestion {
            state.faults.pop_front()
        } else {
            None
        };
        state.requests.push(RequestLog {
            contract,
            method: request.method.clone(),
            target: request.target.clone(),
            status: None,
            fault: fault.clone(),
            headers: request.headers.clone(),
            body_bytes: request.body.len(),
            uncompressed_bytes: body.as_ref().map_or(0, |b| b.len()),
            items: 0,
            received_at,
        });
        (
            fault,
            state.requests.len() - 1,
            state.generation,
            state.light,
        )
    };
    let mut ctx = Ctx {
        shared,
        request,
        body,
        item_fault: None,
        max_body: None,
        slot,
        generation,
        items: 0,
        received_at,
        light,
    };
    let response = match fault {
        Some(Fault::Hang(duration)) => return Action::Hang(duration),
        Some(Fault::Reset) => return Action::Reset,
        Some(Fault::Status(status)) => fault_response(contract, request, status, None),
        Some(Fault::StatusRetryAfter(status, secs)) => {
            fault_response(contract, request, status, Some(secs))
        }
        Some(Fault::ItemStatus { status, every_nth }) => {
            ctx.item_fault = Some((status, every_nth.max(1)));
            dispatch(&mut ctx, route, &query)
        }
        Some(Fault::TooLarge { max_body }) => {
            ctx.max_body = Some(max_body);
            dispatch(&mut ctx, route, &query)
        }
        Some(Fault::Redirect { status, location }) => Response::new(
            status,
            "text/html",
            format!("<html><body>Moved to {location}</body></html>"),
        )
        .header("location", location),
        Some(Fault::Answer { status, body }) => Response::new(status, "application/json", body),
        Some(Fault::Echo(status)) => echo(request, ctx.body.as_deref().unwrap_or_default(), status),
        None => dispatch(&mut ctx, route, &query),
    };
    let mut state = shared.lock();
    if state.generation == generation
        && let Some(log) = state.requests.get_mut(slot)
    {
        log.status = Some(response.status);
        log.items = ctx.items;
    }
    Action::Respond {
        response,
        head_only: request.method == "HEAD",
    }
}

/// A debug page echoing the request, as some proxies and test endpoints answer errors.
fn echo(request: &Request, body: &[u8], status: u16) -> Response {
    let mut page = format!(
        "<html><body><h1>{status} debug</h1><pre>{} {} HTTP/1.1\n",
        request.method, request.target
    );
    for (name, value) in &request.headers {
        page.push_str(&format!("{name}: {value}\n"));
    }
    page.push('\n');
    page.push_str(&String::from_utf8_lossy(&body[..body.len().min(512)]));
    page.push_str("</pre></body></html>");
    Response::new(status, "text/html", page)
}

fn dispatch(ctx: &mut Ctx<'_>, route: Route, query: &[(String, String)]) -> Response {
    match route {
        Route::Moved => Response::new(200, "text/plain", Vec::new()),
        Route::Logzio => logzio::handle(ctx, query),
        Route::EsInfo => es::info(ctx),
        Route::EsBulk { default_index } => es::bulk(ctx, default_index.as_deref()),
        Route::EsOther => es::no_handler(ctx.request),
    }
}

fn fault_response(
    contract: Contract,
    request: &Request,
    status: u16,
    retry_after: Option<u64>,
) -> Response {
    let mut response = match contract {
        Contract::Elasticsearch => es::fault_response(request, status),
        Contract::Logzio => logzio::fault_response(status),
    };
    if let Some(secs) = retry_after {
        response = response.header("retry-after", secs.to_string());
    }
    response
}

/// Decodes the body per `Content-Encoding` (gzip, deflate, identity).
fn decode_body(request: &Request) -> Result<Cow<'_, [u8]>, String> {
    let encoding = request
        .header("content-encoding")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    // Beyond this, a body is refused by either contract anyway; don't inflate bombs.
    let limit = (ES_MAX_BODY as u64) * 2;
    let mut out = Vec::new();
    let result = match encoding.as_str() {
        "" | "identity" => return Ok(Cow::Borrowed(&request.body)),
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(&request.body[..])
            .take(limit)
            .read_to_end(&mut out),
        "deflate" => flate2::read::ZlibDecoder::new(&request.body[..])
            .take(limit)
            .read_to_end(&mut out),
        other => return Err(format!("unsupported Content-Encoding [{other}]")),
    };
    match result {
        Ok(_) => Ok(Cow::Owned(out)),
        Err(e) => Err(format!("cannot decode the {encoding} request body: {e}")),
    }
}
