//! A throttling front for an AWS JSON API endpoint (the moto emulator), because
//! moto itself never throttles.
//!
//! [`ThrottlingProxy`] listens on `127.0.0.1` (ephemeral port). Requests whose
//! `X-Amz-Target` is the chosen operation (e.g. `AmazonSSM.GetParameter`) are
//! answered `400` with `{"__type":"ThrottlingException"}`, exactly as AWS
//! throttles a JSON-protocol API, as long as the proxy has throttles left; every
//! other request is forwarded to the upstream emulator and its answer relayed.
//! Point an SDK client at [`url`](ThrottlingProxy::url) to test how a caller
//! retries under throttling, through the real SDK and the real emulator.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::http::{Action, Conn, Request, Response, Server, Service};

/// A running throttling proxy; stops when dropped.
pub struct ThrottlingProxy {
    server: Server,
    state: Arc<State>,
}

struct State {
    upstream: SocketAddr,
    target: String,
    throttles_left: AtomicUsize,
    throttled: AtomicUsize,
    forwarded: AtomicUsize,
}

impl ThrottlingProxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`) that
    /// throttles the first `throttles` calls of the operation `target`
    /// (the `X-Amz-Target` value, e.g. `AmazonSSM.GetParameter`).
    pub async fn start(upstream: &str, target: &str, throttles: usize) -> ThrottlingProxy {
        let host = upstream.trim_start_matches("http://").trim_end_matches('/');
        let upstream: SocketAddr = match host.parse() {
            Ok(a) => a,
            Err(e) => panic!("testkit::throttle: upstream {upstream:?} is not http://IP:PORT: {e}"),
        };
        let state = Arc::new(State {
            upstream,
            target: target.to_owned(),
            throttles_left: AtomicUsize::new(throttles),
            throttled: AtomicUsize::new(0),
            forwarded: AtomicUsize::new(0),
        });
        let server = match Server::start(SocketAddr::from(([127, 0, 0, 1], 0)), state.clone()).await
        {
            Ok(s) => s,
            Err(e) => panic!("testkit::throttle: cannot listen on 127.0.0.1: {e}"),
        };
        ThrottlingProxy { server, state }
    }

    /// The proxy's URL, for an SDK `endpoint_url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Calls of the operation answered with a throttling error so far.
    pub fn throttled(&self) -> usize {
        self.state.throttled.load(Ordering::SeqCst)
    }

    /// Requests (of any operation) forwarded to the emulator so far.
    pub fn forwarded(&self) -> usize {
        self.state.forwarded.load(Ordering::SeqCst)
    }
}

impl Service for State {
    async fn handle(self: Arc<Self>, _conn: &Conn, request: Request) -> Action {
        let matches = request.header("x-amz-target") == Some(self.target.as_str());
        if matches
            && self
                .throttles_left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            self.throttled.fetch_add(1, Ordering::SeqCst);
            let response = Response::new(
                400,
                "application/x-amz-json-1.1",
                r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            )
            .header("x-amzn-requestid", "testkit-throttle");
            return Action::Respond {
                response,
                head_only: false,
            };
        }
        self.forwarded.fetch_add(1, Ordering::SeqCst);
        match forward(self.upstream, &request).await {
            Ok(response) => Action::Respond {
                response,
                head_only: request.method == "HEAD",
            },
            Err(_) => Action::Reset,
        }
    }
}

/// Sends `request` to `upstream` on a fresh connection and reads the whole answer.
async fn forward(upstream: SocketAddr, request: &Request) -> io::Result<Response> {
    let mut stream = TcpStream::connect(upstream).await?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in &request.headers {
        // The body was read whole (de-chunked); framing and the connection are ours.
        if matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection" | "expect"
        ) {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        request.body.len()
    ));
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&request.body).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    parse_response(&raw)
}

/// Parses a complete HTTP/1.1 response read to the end of the connection.
fn parse_response(raw: &[u8]) -> io::Result<Response> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut headers);
    let head_len = match parsed.parse(raw) {
        Ok(httparse::Status::Complete(n)) => n,
        _ => return Err(bad("incomplete or invalid response head")),
    };
    let status = parsed.code.ok_or_else(|| bad("no status"))?;
    let mut out = Response::new(status, "", Vec::new());
    out.headers.clear();
    let mut length = None;
    let mut chunked = false;
    for h in parsed.headers.iter() {
        let name = h.name.to_ascii_lowercase();
        let value = String::from_utf8_lossy(h.value).into_owned();
        match name.as_str() {
            "content-length" => length = value.trim().parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "connection" | "keep-alive" => {}
            _ => out.headers.push((name, value)),
        }
    }
    let rest = raw.get(head_len..).unwrap_or_default();
    out.body = if chunked {
        dechunk(rest).ok_or_else(|| bad("bad chunked body"))?
    } else {
        match length {
            Some(n) => rest.get(..n).ok_or_else(|| bad("short body"))?.to_vec(),
            None => rest.to_vec(),
        }
    };
    Ok(out)
}

/// Decodes a complete chunked body.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(rest.get(..line_end)?).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = rest.get(line_end + 2..)?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_answers() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
        let r = parse_response(plain).expect("parses");
        assert_eq!((r.status, r.body.as_slice()), (200, b"{}".as_slice()));
        assert!(r.headers.iter().all(|(n, _)| n != "connection"));
        let chunked =
            b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let r = parse_response(chunked).expect("parses");
        assert_eq!((r.status, r.body.as_slice()), (400, b"abcde".as_slice()));
        assert!(parse_response(b"HTTP/1.1 200").is_err());
    }
}
