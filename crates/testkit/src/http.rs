//! Minimal server-side HTTP/1.1 plumbing for the contract servers, on a raw tokio `TcpStream`.
//!
//! Reads requests with `httparse` (keep-alive and pipelining, `Content-Length` and
//! `Transfer-Encoding: chunked` bodies, `Expect: 100-continue`) and writes complete responses.
//! [`Server`] runs the accept loop and each connection's request loop; a contract server only
//! implements [`Service`], deciding per request what to answer (or to hang, reset or close).
//! Working on the raw socket keeps every failure mode (hangs, resets, half-sent answers) under the
//! test's control.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Largest request head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted (as received, before any decompression).
pub(crate) const MAX_BODY: usize = 512 * 1024 * 1024;
const MAX_HEADERS: usize = 128;

/// A fully read request.
pub(crate) struct Request {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// HTTP minor version (0 or 1).
    pub minor_version: u8,
    /// Header names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body as received, de-chunked but not decompressed.
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    pub fn path(&self) -> &str {
        target_path(&self.target)
    }

    pub fn query(&self) -> &str {
        target_query(&self.target)
    }

    /// Whether the client asked to keep the connection open after this exchange.
    pub fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        if self.minor_version == 0 {
            connection.contains("keep-alive")
        } else {
            !connection.contains("close")
        }
    }
}

/// The first value of a header (case-insensitive name) among `headers`.
pub(crate) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The path of a request target, without the query.
pub(crate) fn target_path(target: &str) -> &str {
    target.split_once('?').map_or(target, |(p, _)| p)
}

/// The query of a request target (empty without one).
pub(crate) fn target_query(target: &str) -> &str {
    target.split_once('?').map_or("", |(_, q)| q)
}

/// A response to write.
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Close the connection after writing.
    pub close: bool,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        let body = body.into();
        let mut headers = Vec::new();
        if !body.is_empty() {
            headers.push(("content-type".to_string(), content_type.to_string()));
        }
        Response {
            status,
            headers,
            body,
            close: false,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// Why no request could be read.
pub(crate) enum ReadError {
    /// Not HTTP, or a framing error: answer 400 and close.
    Bad(String),
    /// The body is larger than the server accepts at all: answer 413 and close.
    TooLarge,
    /// The peer went away mid-request or the socket failed: just drop the connection.
    Io,
}

/// A connection's byte stream: plain TCP, or TLS over it.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// The TCP socket underneath (to peek at or reset).
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref().0,
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// One server-side connection.
pub(crate) struct Conn {
    pub stream: Stream,
    buf: Vec<u8>,
}

impl Conn {
    pub fn new(stream: Stream) -> Conn {
        Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        }
    }

    /// Reads more bytes into the buffer; `Ok(0)` at end of stream.
    async fn fill(&mut self) -> Result<usize, ReadError> {
        self.buf.reserve(16 * 1024);
        self.stream
            .read_buf(&mut self.buf)
            .await
            .map_err(|_| ReadError::Io)
    }

    /// Reads the next request; `Ok(None)` when the peer closed cleanly between requests.
    pub async fn read_request(&mut self) -> Result<Option<Request>, ReadError> {
        let (mut request, head_len) = loop {
            if !self.buf.is_empty() {
                let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut parsed = httparse::Request::new(&mut headers);
                match parsed.parse(&self.buf) {
                    Ok(httparse::Status::Complete(len)) => {
                        let request = Request {
                            method: parsed.method.unwrap_or("").to_string(),
                            target: parsed.path.unwrap_or("/").to_string(),
                            minor_version: parsed.version.unwrap_or(1),
                            headers: parsed
                                .headers
                                .iter()
                                .map(|h| {
                                    (
                                        h.name.to_ascii_lowercase(),
                                        String::from_utf8_lossy(h.value).into_owned(),
                                    )
                                })
                                .collect(),
                            body: Vec::new(),
                        };
                        break (request, len);
                    }
                    Ok(httparse::Status::Partial) => {}
                    Err(e) => return Err(ReadError::Bad(format!("malformed request head: {e}"))),
                }
                if self.buf.len() > MAX_HEAD {
                    return Err(ReadError::Bad("request head too large".into()));
                }
            }
            if self.fill().await? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(ReadError::Io)
                };
            }
        };
        self.buf.drain(..head_len);

        let chunked = request
            .header("transfer-encoding")
            .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
        let length = match request.header("content-length") {
            Some(v) if !chunked => Some(
                v.trim()
                    .parse::<usize>()
                    .map_err(|_| ReadError::Bad(format!("bad Content-Length [{v}]")))?,
            ),
            _ => None,
        };
        if length.is_some_and(|n| n > MAX_BODY) {
            return Err(ReadError::TooLarge);
        }
        let expects_body = chunked || length.is_some_and(|n| n > 0);
        if expects_body
            && self.buf.is_empty()
            && request
                .header("expect")
                .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
        {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .map_err(|_| ReadError::Io)?;
        }
        if chunked {
            request.body = self.read_chunked().await?;
        } else if let Some(n) = length {
            self.buf.reserve(n.saturating_sub(self.buf.len()));
            while self.buf.len() < n {
                if self.fill().await? == 0 {
                    return Err(ReadError::Io);
                }
            }
            request.body = self.buf.drain(..n).collect();
        }
        Ok(Some(request))
    }

    /// Reads one CRLF-terminated line (without the CRLF).
    async fn read_line(&mut self) -> Result<String, ReadError> {
        loop {
            if let Some(pos) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..pos]).into_owned();
                self.buf.drain(..pos + 2);
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ReadError::Bad("chunk header line too long".into()));
            }
            if self.fill().await? == 0 {
                return Err(ReadError::Io);
            }
        }
    }

    async fn read_chunked(&mut self) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line().await?;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| ReadError::Bad(format!("bad chunk size [{size_text}]")))?;
            if size == 0 {
                // Trailer fields, up to the empty line.
                while !self.read_line().await?.is_empty() {}
                return Ok(body);
            }
            if body.len() + size > MAX_BODY {
                return Err(ReadError::TooLarge);
            }
            while self.buf.len() < size + 2 {
                if self.fill().await? == 0 {
                    return Err(ReadError::Io);
                }
            }
            if &self.buf[size..size + 2] != b"\r\n" {
                return Err(ReadError::Bad("chunk not terminated by CRLF".into()));
            }
            body.extend_from_slice(&self.buf[..size]);
            self.buf.drain(..size + 2);
        }
    }

    /// Writes a complete response (adding `content-length` and, if closing, `connection: close`).
    pub async fn write_response(&mut self, response: &Response, head_only: bool) -> io::Result<()> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            response.status,
            reason_phrase(response.status)
        );
        for (name, value) in &response.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str(&format!("content-length: {}\r\n", response.body.len()));
        if response.close {
            head.push_str("connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        if !head_only {
            out.extend_from_slice(&response.body);
        }
        self.stream.write_all(&out).await?;
        self.stream.flush().await
    }
}

/// What a [`Service`] does with one request.
pub(crate) enum Action {
    /// Write the response (without its body if `head_only`), then read the next request unless
    /// the response or the request asks to close the connection.
    Respond { response: Response, head_only: bool },
    /// Send nothing for this long, then close the connection.
    Hang(Duration),
    /// Reset the connection (`SO_LINGER` 0, close: the peer gets a RST).
    Reset,
    /// Close the connection without answering.
    Close,
}

/// The request handling of a contract server; [`Server`] runs the connections.
pub(crate) trait Service: Send + Sync + 'static {
    /// Handles one request read from `conn`. The connection is lent so that a handler can watch
    /// the peer (e.g. notice it leaving during a long poll); the answer is written by the caller.
    fn handle(
        self: Arc<Self>,
        conn: &Conn,
        request: Request,
    ) -> impl Future<Output = Action> + Send;
}

/// A running server: an accept loop bound to an address, owning its connection tasks. Dropping
/// it aborts the accept loop and with it every connection.
pub(crate) struct Server {
    addr: SocketAddr,
    accept: AbortHandle,
}

impl Server {
    /// Binds `addr` and spawns the accept loop on the current tokio runtime, each connection
    /// served by `service`.
    pub async fn start<S: Service>(addr: SocketAddr, service: Arc<S>) -> io::Result<Server> {
        Server::start_with(addr, service, None).await
    }

    /// Like [`start`](Self::start), each connection a TLS one through `tls` when given (a
    /// failed handshake, such as a client refusing the certificate, just closes it).
    pub async fn start_with<S: Service>(
        addr: SocketAddr,
        service: Arc<S>,
        tls: Option<TlsAcceptor>,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let accept = tokio::spawn(accept_loop(listener, service, tls)).abort_handle();
        Ok(Server { addr, accept })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn accept_loop<S: Service>(listener: TcpListener, service: Arc<S>, tls: Option<TlsAcceptor>) {
    // Owning the connection tasks here means aborting this task aborts them all.
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                while connections.try_join_next().is_some() {}
                let service = service.clone();
                match &tls {
                    None => connections
                        .spawn(serve_connection(Conn::new(Stream::Plain(stream)), service)),
                    Some(tls) => {
                        let handshake = tls.accept(stream);
                        connections.spawn(async move {
                            if let Ok(stream) = handshake.await {
                                let conn = Conn::new(Stream::Tls(Box::new(stream)));
                                serve_connection(conn, service).await;
                            }
                        })
                    }
                };
            }
            // E.g. EMFILE: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Reads requests off one connection and carries out what `service` makes of them, until either
/// side closes it.
async fn serve_connection<S: Service>(mut conn: Conn, service: Arc<S>) {
    loop {
        let request = match conn.read_request().await {
            Ok(Some(request)) => request,
            Ok(None) | Err(ReadError::Io) => return,
            Err(ReadError::Bad(reason)) => {
                let mut response = Response::new(400, "text/plain; charset=UTF-8", reason);
                response.close = true;
                let _ = conn.write_response(&response, false).await;
                return;
            }
            Err(ReadError::TooLarge) => {
                let mut response = Response::new(413, "text/plain; charset=UTF-8", "");
                response.close = true;
                let _ = conn.write_response(&response, false).await;
                return;
            }
        };
        let keep_alive = request.keep_alive();
        match service.clone().handle(&conn, request).await {
            Action::Respond {
                mut response,
                head_only,
            } => {
                response.close |= !keep_alive;
                if conn.write_response(&response, head_only).await.is_err() || response.close {
                    return;
                }
            }
            Action::Hang(duration) => {
                tokio::time::sleep(duration).await;
                return;
            }
            Action::Reset => {
                let _ = conn.stream.tcp().set_zero_linger();
                return;
            }
            Action::Close => return,
        }
    }
}

pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Decodes `%XX` escapes and `+` (as space) in a query component.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Query parameters, decoded, in order.
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        assert_eq!(percent_decode("a%20b+c%2Fd%"), "a b c/d%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(
            query_pairs("token=ab%3Dc&type=x&flag"),
            vec![
                ("token".into(), "ab=c".into()),
                ("type".into(), "x".into()),
                ("flag".into(), String::new())
            ]
        );
    }
}
