//! A stand-alone [`testkit::bulk::BulkServer`], for benchmarks and manual runs where the
//! server must live in its own process (so its CPU and memory are not counted with the
//! shipper's).
//!
//! ```text
//! bulk-server [--listen 127.0.0.1:0] [--token TOKEN] [--light]
//! ```
//!
//! Prints its URL (`http://127.0.0.1:PORT`) on the first line of stdout, serves until SIGINT or
//! SIGTERM, then prints a summary (requests by status, documents, Logz.io lines, bytes received
//! and decoded) on stderr. `--light` is [`BulkServer::set_lightweight`].

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;

use testkit::bulk::BulkServer;
use tokio::signal::unix::{SignalKind, signal};

fn usage(problem: &str) -> ! {
    eprintln!(
        "bulk-server: {problem}\nusage: bulk-server [--listen ADDR] [--token TOKEN] [--light]"
    );
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut token = None;
    let mut light = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => {
                let value = args.next().unwrap_or_else(|| usage("--listen needs ADDR"));
                listen = value
                    .parse()
                    .unwrap_or_else(|_| usage(&format!("bad address [{value}]")));
            }
            "--token" => token = Some(args.next().unwrap_or_else(|| usage("--token needs TOKEN"))),
            "--light" => light = true,
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown argument [{other}]")),
        }
    }
    let server = BulkServer::start_on(listen)
        .await
        .unwrap_or_else(|e| usage(&format!("cannot listen on {listen}: {e}")));
    server.set_token(token.as_deref());
    server.set_lightweight(light);
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", server.url());
    let _ = stdout.flush();

    let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }

    let requests = server.requests();
    let mut statuses = BTreeMap::new();
    for request in &requests {
        let key = request
            .status
            .map_or_else(|| "none".to_string(), |s| s.to_string());
        *statuses.entry(key).or_insert(0usize) += 1;
    }
    eprintln!(
        "bulk-server: requests={} statuses={statuses:?} docs={} logzio_lines={} bytes_received={} bytes_decoded={}",
        requests.len(),
        server.docs().len(),
        server.logzio_lines().len(),
        requests.iter().map(|r| r.body_bytes).sum::<usize>(),
        requests.iter().map(|r| r.uncompressed_bytes).sum::<usize>(),
    );
}
