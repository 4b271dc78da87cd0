//! Drives the Elasticsearch `_bulk` / Logz.io contract server over real HTTP (reqwest, and raw
//! TCP for chunked bodies and keep-alive): created/409, item faults, auth and token rotation,
//! gzip, whole-request faults with `Retry-After`, 413, hangs, resets, and the Logz.io counters.

use std::io::Write;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use testkit::bulk::{BulkServer, Contract, Fault};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// NDJSON `create` pairs for the given ids.
fn creates(ids: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for id in ids {
        body.push_str(&json!({"create": {"_index": "logs", "_id": id}}).to_string());
        body.push('\n');
        body.push_str(&json!({"message": format!("event {id}"), "n": id}).to_string());
        body.push('\n');
    }
    body.into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    fn item_statuses(&self) -> Vec<u64> {
        self.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                item.as_object().unwrap().values().next().unwrap()["status"]
                    .as_u64()
                    .unwrap()
            })
            .collect()
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    }
}

async fn bulk(server: &BulkServer, body: Vec<u8>) -> Answer {
    send(
        client()
            .post(format!("{}/_bulk", server.url()))
            .header("content-type", "application/x-ndjson")
            .body(body),
    )
    .await
}

#[tokio::test]
async fn create_answers_201_then_409_and_records_by_id() {
    let server = BulkServer::start().await;
    let first = bulk(&server, creates(&["a", "b", "c"])).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.headers["x-elastic-product"], "Elasticsearch");
    let json = first.json();
    assert_eq!(json["errors"], false);
    assert!(json["took"].is_u64());
    assert_eq!(first.item_statuses(), [201, 201, 201]);
    let item = &json["items"][0]["create"];
    assert_eq!(item["_index"], "logs");
    assert_eq!(item["_id"], "a");
    assert_eq!(item["_version"], 1);
    assert_eq!(item["result"], "created");
    // The response is ordered like Elasticsearch's.
    assert!(first.text.starts_with(r#"{"took":"#));
    assert!(first.text.contains(r#""errors":false,"items":[{"create":{"_index":"logs","_id":"a","_version":1,"result":"created""#));

    // A retry of the same batch (plus one new document): 409 for the known ids.
    let retry = bulk(&server, creates(&["a", "b", "c", "d"])).await;
    let json = retry.json();
    assert_eq!(json["errors"], true);
    assert_eq!(retry.item_statuses(), [409, 409, 409, 201]);
    let error = &json["items"][1]["create"]["error"];
    assert_eq!(error["type"], "version_conflict_engine_exception");
    assert!(
        error["reason"]
            .as_str()
            .unwrap()
            .contains("document already exists")
    );
    assert!(json["items"][1]["create"].get("result").is_none());

    let docs = server.docs();
    assert_eq!(docs.keys().collect::<Vec<_>>(), ["a", "b", "c", "d"]);
    assert_eq!(docs["b"]["message"], "event b");
    let attempts = server.create_attempts();
    assert_eq!(attempts.len(), 4);
    assert!(attempts.values().all(|&n| n == 1));
    let items = server.item_log();
    assert_eq!(items.len(), 7);
    assert_eq!(items[3].request, 1);
    assert_eq!(items[3].status, 409);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].contract, Contract::Elasticsearch);
    assert_eq!(requests[0].status, Some(200));
    assert_eq!(requests[0].items, 3);
    assert_eq!(requests[0].path(), "/_bulk");
}

#[tokio::test]
async fn index_path_index_actions_and_generated_ids() {
    let server = BulkServer::start().await;
    let body = concat!(
        "{\"create\":{}}\n{\"message\":\"no id\"}\n",
        "{\"index\":{\"_id\":\"x\"}}\n{\"v\":1}\n",
        "{\"index\":{\"_id\":\"x\"}}\n{\"v\":2}\n",
        "{\"index\":{\"_id\":\"y\",\"op_type\":\"create\"}}\n{\"v\":1}\n",
        "{\"delete\":{\"_id\":\"nope\"}}\n",
    );
    let answer = send(
        client()
            .post(format!("{}/my-index/_bulk?refresh=false", server.url()))
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let json = answer.json();
    assert_eq!(json["errors"], false, "{}", answer.text);
    assert_eq!(answer.item_statuses(), [201, 201, 200, 201, 404]);
    let generated = json["items"][0]["create"]["_id"].as_str().unwrap();
    assert_eq!(generated.len(), 20);
    assert_eq!(json["items"][0]["create"]["_index"], "my-index");
    assert_eq!(json["items"][2]["index"]["result"], "updated");
    assert_eq!(json["items"][2]["index"]["_version"], 2);
    assert!(
        json["items"][3].get("create").is_some(),
        "op_type create reports as create"
    );
    assert_eq!(json["items"][4]["delete"]["result"], "not_found");
    let docs = server.docs_by_index();
    assert_eq!(docs[&("my-index".to_string(), "x".to_string())]["v"], 2);
    assert!(server.docs().contains_key(generated));
}

#[tokio::test]
async fn item_faults_hit_every_nth_item_and_the_rest_is_processed() {
    let server = BulkServer::start().await;
    server.push_fault(Fault::ItemStatus {
        status: 429,
        every_nth: 2,
    });
    let answer = bulk(&server, creates(&["1", "2", "3", "4", "5"])).await;
    assert_eq!(answer.status, 200);
    let json = answer.json();
    assert_eq!(json["errors"], true);
    assert_eq!(answer.item_statuses(), [201, 429, 201, 429, 201]);
    assert_eq!(
        json["items"][1]["create"]["error"]["type"],
        "es_rejected_execution_exception"
    );
    assert_eq!(server.docs().len(), 3);
    assert_eq!(
        server.requests()[0].fault,
        Some(Fault::ItemStatus {
            status: 429,
            every_nth: 2
        })
    );

    // Retrying the failed items alone succeeds: the fault was consumed.
    let retry = bulk(&server, creates(&["2", "4"])).await;
    assert_eq!(retry.item_statuses(), [201, 201]);
    assert!(server.create_attempts().values().all(|&n| n == 1));

    // Every item, other statuses.
    for (status, kind) in [
        (500, "exception"),
        (400, "mapper_parsing_exception"),
        (409, "version_conflict_engine_exception"),
        (503, "unavailable_shards_exception"),
    ] {
        server.push_fault(Fault::ItemStatus {
            status,
            every_nth: 1,
        });
        let answer = bulk(&server, creates(&["z1", "z2"])).await;
        assert_eq!(answer.item_statuses(), [status as u64, status as u64]);
        assert_eq!(answer.json()["items"][0]["create"]["error"]["type"], kind);
    }
    assert!(!server.docs().contains_key("z1"));
}

#[tokio::test]
async fn authentication_by_api_key_or_basic_and_token_rotation() {
    let server = BulkServer::start().await;
    server.set_token("elastic:changeme");
    let basic = |token: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(token)
        )
    };

    let missing = bulk(&server, creates(&["a"])).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json()["error"]["type"], "security_exception");
    assert_eq!(missing.json()["status"], 401);
    assert!(missing.headers.get_all("www-authenticate").iter().count() >= 2);

    let post = |auth: String| {
        client()
            .post(format!("{}/_bulk", server.url()))
            .header("content-type", "application/x-ndjson")
            .header("authorization", auth)
            .body(creates(&["a"]))
    };
    assert_eq!(send(post(basic("elastic:wrong"))).await.status, 401);
    assert_eq!(send(post("ApiKey nope".into())).await.status, 401);
    assert_eq!(send(post(basic("elastic:changeme"))).await.status, 200);
    assert_eq!(
        send(post("ApiKey elastic:changeme".into()))
            .await
            .item_statuses(),
        [409]
    );

    // Rotation: the old credential is refused from now on.
    server.set_token("elastic:rotated");
    assert_eq!(send(post(basic("elastic:changeme"))).await.status, 401);
    assert_eq!(send(post(basic("elastic:rotated"))).await.status, 200);

    // GET / (a token check) is behind the same authentication.
    let info = send(client().get(server.url())).await;
    assert_eq!(info.status, 401);
    let info = send(
        client()
            .get(server.url())
            .header("authorization", basic("elastic:rotated")),
    )
    .await;
    assert_eq!(info.status, 200);
    assert!(
        info.json()["version"]["number"]
            .as_str()
            .unwrap()
            .starts_with("8.")
    );

    server.set_token(None);
    assert_eq!(bulk(&server, creates(&["b"])).await.status, 200);
    assert_eq!(server.docs().len(), 2);
}

#[tokio::test]
async fn gzip_bodies_are_decoded_and_sizes_logged() {
    let server = BulkServer::start().await;
    let plain = creates(&["g1", "g2", "g3"]);
    let compressed = gzip(&plain);
    let answer = send(
        client()
            .post(format!("{}/_bulk", server.url()))
            .header("content-type", "application/x-ndjson")
            .header("content-encoding", "gzip")
            .body(compressed.clone()),
    )
    .await;
    assert_eq!(answer.item_statuses(), [201, 201, 201]);
    let log = &server.requests()[0];
    assert_eq!(log.body_bytes, compressed.len());
    assert_eq!(log.uncompressed_bytes, plain.len());
    assert_eq!(log.header("content-encoding"), Some("gzip"));

    // A body that is not gzip at all.
    let bad = send(
        client()
            .post(format!("{}/_bulk", server.url()))
            .header("content-type", "application/x-ndjson")
            .header("content-encoding", "gzip")
            .body(plain),
    )
    .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn malformed_bodies_are_refused_like_elasticsearch() {
    let server = BulkServer::start().await;
    // A malformed action line fails the whole request.
    let answer = bulk(&server, b"not json\n{}\n".to_vec()).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["error"]["type"], "illegal_argument_exception");
    assert_eq!(answer.json()["status"], 400);
    // Unknown action, unknown parameter, missing final newline, empty body.
    for body in [
        &b"{\"upsert\":{\"_index\":\"i\"}}\n{}\n"[..],
        b"{\"create\":{\"_index\":\"i\",\"_type\":\"doc\"}}\n{}\n",
        b"{\"create\":{\"_index\":\"i\"}}\n{}",
        b"",
    ] {
        let answer = bulk(&server, body.to_vec()).await;
        assert_eq!(answer.status, 400, "{}", answer.text);
    }
    // No index anywhere: a validation error.
    let answer = bulk(&server, b"{\"create\":{\"_id\":\"1\"}}\n{}\n".to_vec()).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json()["error"]["type"],
        "action_request_validation_exception"
    );
    // Wrong content type.
    let answer = send(
        client()
            .post(format!("{}/_bulk", server.url()))
            .header("content-type", "text/plain")
            .body(creates(&["a"])),
    )
    .await;
    assert_eq!(answer.status, 406);
    // Bad documents fail their item only.
    let body = concat!(
        "{\"create\":{\"_index\":\"i\",\"_id\":\"1\"}}\n[1,2]\n",
        "{\"create\":{\"_index\":\"i\",\"_id\":\"2\"}}\n{\"ok\":true}\n",
        "{\"create\":{\"_index\":\"i\",\"_id\":\"3\"}}\n{broken\n",
        "{\"create\":{\"_index\":\"i\",\"_id\":\"4\"}}\n{\"_id\":\"x\"}\n",
    );
    let answer = bulk(&server, body.as_bytes().to_vec()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.item_statuses(), [400, 201, 400, 400]);
    assert_eq!(
        answer.json()["items"][0]["create"]["error"]["type"],
        "mapper_parsing_exception"
    );
    assert_eq!(server.docs().keys().collect::<Vec<_>>(), ["2"]);
    assert_eq!(server.requests().len(), 8);
    assert!(server.requests().iter().all(|r| r.status.is_some()));
}

#[tokio::test]
async fn persistent_reject_always_fails_matching_documents() {
    let server = BulkServer::start().await;
    server.set_persistent_reject(|doc| doc["n"] == "bad");
    for _ in 0..3 {
        let answer = bulk(&server, creates(&["ok", "bad"])).await;
        assert_eq!(answer.item_statuses()[1], 400);
        assert_eq!(
            answer.json()["items"][1]["create"]["error"]["type"],
            "mapper_parsing_exception"
        );
    }
    assert_eq!(server.docs().keys().collect::<Vec<_>>(), ["ok"]);
    server.clear_persistent_reject();
    assert_eq!(
        bulk(&server, creates(&["bad"])).await.item_statuses(),
        [201]
    );
}

#[tokio::test]
async fn whole_request_faults_are_consumed_in_order() {
    let server = BulkServer::start().await;
    server.push_faults([
        Fault::Status(503),
        Fault::StatusRetryAfter(429, 7),
        Fault::Status(500),
    ]);
    assert_eq!(server.pending_faults(), 3);
    // GET / does not consume faults.
    assert_eq!(send(client().get(server.url())).await.status, 200);

    let first = bulk(&server, creates(&["a"])).await;
    assert_eq!(first.status, 503);
    assert_eq!(first.json()["status"], 503);
    assert!(first.json()["error"]["type"].is_string());
    let second = bulk(&server, creates(&["a"])).await;
    assert_eq!(second.status, 429);
    assert_eq!(second.headers["retry-after"], "7");
    assert_eq!(
        second.json()["error"]["type"],
        "es_rejected_execution_exception"
    );
    assert_eq!(bulk(&server, creates(&["a"])).await.status, 500);
    assert!(server.docs().is_empty());
    assert_eq!(bulk(&server, creates(&["a"])).await.item_statuses(), [201]);
    let statuses: Vec<_> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Some(200), Some(503), Some(429), Some(500), Some(200)]
    );
    assert_eq!(server.pending_faults(), 0);
}

#[tokio::test]
async fn too_large_is_judged_on_the_uncompressed_body() {
    let server = BulkServer::start().await;
    let body = creates(&["1", "2", "3", "4", "5", "6", "7", "8"]);
    let compressed = gzip(&body);
    let limit = compressed.len() + 10;
    assert!(body.len() > limit);
    server.push_fault(Fault::TooLarge { max_body: limit });
    let answer = send(
        client()
            .post(format!("{}/_bulk", server.url()))
            .header("content-type", "application/x-ndjson")
            .header("content-encoding", "gzip")
            .body(compressed),
    )
    .await;
    assert_eq!(answer.status, 413);
    // Small enough: processed normally.
    server.push_fault(Fault::TooLarge { max_body: 10_000 });
    assert_eq!(bulk(&server, creates(&["1"])).await.item_statuses(), [201]);
}

#[tokio::test]
async fn hang_sends_nothing_until_the_client_times_out() {
    let server = BulkServer::start().await;
    server.push_fault(Fault::Hang(Duration::from_secs(5)));
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = impatient
        .post(format!("{}/_bulk", server.url()))
        .header("content-type", "application/x-ndjson")
        .body(creates(&["h"]))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let log = server.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, None);
    assert_eq!(log[0].fault, Some(Fault::Hang(Duration::from_secs(5))));
    assert!(server.docs().is_empty());
    // The next request is served normally (on a new connection).
    assert_eq!(bulk(&server, creates(&["h"])).await.item_statuses(), [201]);
}

#[tokio::test]
async fn reset_drops_the_connection() {
    let server = BulkServer::start().await;
    server.push_fault(Fault::Reset);
    let error = client()
        .post(format!("{}/_bulk", server.url()))
        .header("content-type", "application/x-ndjson")
        .body(creates(&["r"]))
        .send()
        .await
        .unwrap_err();
    assert!(!error.is_timeout(), "{error:?}");
    assert!(server.docs().is_empty());
    assert_eq!(server.requests()[0].status, None);

    // On a raw socket the reset is visible as such.
    server.push_fault(Fault::Reset);
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let body = creates(&["r"]);
    let head = format!(
        "POST /_bulk HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    let mut buf = Vec::new();
    let read = stream.read_to_end(&mut buf).await;
    let error = read.unwrap_err();
    assert_eq!(
        error.kind(),
        std::io::ErrorKind::ConnectionReset,
        "{error:?}"
    );

    assert_eq!(bulk(&server, creates(&["r"])).await.item_statuses(), [201]);
}

/// Reads one HTTP/1.1 response with a Content-Length body from a raw socket.
async fn read_response(stream: &mut tokio::net::TcpStream, pending: &mut Vec<u8>) -> (u16, String) {
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).to_string();
            let status = head[9..12].parse().unwrap();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .unwrap()
                .parse()
                .unwrap();
            while pending.len() < end + 4 + length {
                let mut chunk = [0u8; 4096];
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0);
                pending.extend_from_slice(&chunk[..n]);
            }
            let body = String::from_utf8_lossy(&pending[end + 4..end + 4 + length]).to_string();
            pending.drain(..end + 4 + length);
            return (status, body);
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed");
        pending.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::test]
async fn chunked_bodies_and_keep_alive_on_a_raw_socket() {
    let server = BulkServer::start().await;
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let body = creates(&["c1", "c2"]);
    let (a, b) = body.split_at(17);
    let mut request = b"POST /_bulk HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for part in [a, b] {
        request.extend_from_slice(format!("{:x};ext=1\r\n", part.len()).as_bytes());
        request.extend_from_slice(part);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // Two requests back to back on one connection (the second with Content-Length).
    let second = creates(&["c3"]);
    request.extend_from_slice(
        format!(
            "POST /_bulk HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\ncontent-length: {}\r\n\r\n",
            second.len()
        )
        .as_bytes(),
    );
    request.extend_from_slice(&second);
    stream.write_all(&request).await.unwrap();
    let mut pending = Vec::new();
    let (status, text) = read_response(&mut stream, &mut pending).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains(r#""errors":false"#), "{text}");
    let (status, text) = read_response(&mut stream, &mut pending).await;
    assert_eq!(status, 200);
    assert!(text.contains(r#""_id":"c3""#), "{text}");
    assert_eq!(server.docs().len(), 3);
    assert_eq!(
        server.requests()[0].header("transfer-encoding"),
        Some("chunked")
    );

    // Garbage is answered 400 and the connection closed.
    stream
        .write_all(b"\x00\x01 nonsense\r\n\r\n")
        .await
        .unwrap();
    let (status, _) = read_response(&mut stream, &mut pending).await;
    assert_eq!(status, 400);
}

fn logzio_url(server: &BulkServer, token: &str) -> String {
    format!("{}/?token={token}&type=logship", server.url())
}

#[tokio::test]
async fn logzio_accepts_lines_and_counts_bad_ones() {
    let server = BulkServer::start().await;
    server.set_token("tok-1");
    let good = b"{\"message\":\"one\"}\n{\"message\":\"two\"}\n".to_vec();
    let answer = send(client().post(logzio_url(&server, "tok-1")).body(good)).await;
    assert_eq!(answer.status, 200);
    assert!(answer.text.is_empty() || answer.text == "{}");
    assert_eq!(
        server.logzio_lines(),
        [json!({"message": "one"}), json!({"message": "two"})]
    );

    // Mixed: one empty line, one oversized, one malformed, one good (accepted all the same).
    let mut mixed = b"\n".to_vec();
    mixed.extend_from_slice(format!("{{\"big\":\"{}\"}}\n", "x".repeat(500_001)).as_bytes());
    mixed.extend_from_slice(b"not json\n[1]\n{\"message\":\"three\"}\n");
    let answer = send(
        client()
            .post(logzio_url(&server, "tok-1"))
            .header("content-encoding", "gzip")
            .body(gzip(&mixed)),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        json!({"malformedLines": 2, "successfulLines": 1, "oversizedLines": 1, "emptyLogLines": 1})
    );
    assert_eq!(server.logzio_lines().len(), 3);
    assert_eq!(server.logzio_lines()[2]["message"], "three");

    // Wrong or missing token.
    let line = b"{\"message\":\"x\"}\n".to_vec();
    assert_eq!(
        send(
            client()
                .post(logzio_url(&server, "tok-0"))
                .body(line.clone())
        )
        .await
        .status,
        401
    );
    assert_eq!(
        send(
            client()
                .post(format!("{}/?type=logship", server.url()))
                .body(line.clone())
        )
        .await
        .status,
        401
    );
    server.set_token("tok-2");
    assert_eq!(
        send(
            client()
                .post(logzio_url(&server, "tok-1"))
                .body(line.clone())
        )
        .await
        .status,
        401
    );
    assert_eq!(
        send(client().post(logzio_url(&server, "tok-2")).body(line))
            .await
            .status,
        200
    );

    let log = server.requests();
    assert!(log.iter().all(|r| r.contract == Contract::Logzio));
    assert_eq!(log[0].query_param("type").as_deref(), Some("logship"));
    assert_eq!(log[1].items, 5);
    assert_eq!(server.logzio_lines().len(), 4);
}

#[tokio::test]
async fn logzio_limits_and_faults() {
    let server = BulkServer::start().await;
    // Over 10 MB uncompressed, even though the gzip body is tiny.
    let line = format!("{{\"message\":\"{}\"}}\n", "y".repeat(100_000));
    // Eleven concatenated gzip members of ~1 MB each (cheaper to build than one 11 MB member).
    let member = gzip(line.repeat(10).as_bytes());
    let compressed = member.repeat(11);
    assert!(compressed.len() < 1_000_000);
    let answer = send(
        client()
            .post(logzio_url(&server, "t"))
            .header("content-encoding", "gzip")
            .body(compressed),
    )
    .await;
    assert_eq!(answer.status, 413);
    assert!(server.logzio_lines().is_empty());

    server.push_faults([
        Fault::StatusRetryAfter(503, 1),
        Fault::ItemStatus {
            status: 400,
            every_nth: 2,
        },
        Fault::TooLarge { max_body: 10 },
        Fault::Reset,
    ]);
    let body = b"{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n".to_vec();
    let answer = send(client().post(logzio_url(&server, "t")).body(body.clone())).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.headers["retry-after"], "1");
    let answer = send(client().post(logzio_url(&server, "t")).body(body.clone())).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["malformedLines"], 1);
    assert_eq!(answer.json()["successfulLines"], 2);
    let answer = send(client().post(logzio_url(&server, "t")).body(body.clone())).await;
    assert_eq!(answer.status, 413);
    assert!(
        client()
            .post(logzio_url(&server, "t"))
            .body(body.clone())
            .send()
            .await
            .is_err()
    );
    assert_eq!(
        send(client().post(logzio_url(&server, "t")).body(body))
            .await
            .status,
        200
    );
    assert_eq!(server.logzio_lines().len(), 5);
}

#[tokio::test]
async fn reset_forgets_everything() {
    let server = BulkServer::start().await;
    server.set_token("k");
    server.push_fault(Fault::Status(500));
    server.set_persistent_reject(|_| true);
    assert_eq!(bulk(&server, creates(&["a"])).await.status, 500);
    server.reset();
    assert!(server.requests().is_empty());
    assert_eq!(server.pending_faults(), 0);
    let clone = server.clone();
    assert_eq!(bulk(&clone, creates(&["a"])).await.item_statuses(), [201]);
    assert_eq!(server.create_attempts()["a"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_never_duplicate() {
    let server = BulkServer::start().await;
    let ids: Vec<String> = (0..50).map(|i| format!("id-{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let body = creates(&refs);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let server = server.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            bulk(&server, body).await.item_statuses()
        }));
    }
    let mut created = 0;
    for task in tasks {
        created += task.await.unwrap().iter().filter(|&&s| s == 201).count();
    }
    assert_eq!(created, 50);
    assert_eq!(server.create_attempts().len(), 50);
    assert!(server.create_attempts().values().all(|&n| n == 1));
}

#[tokio::test]
async fn lightweight_mode_keeps_id_bookkeeping_only() {
    let server = BulkServer::start().await;
    server.set_lightweight(true);
    let answer = bulk(&server, creates(&["a", "b"])).await;
    assert_eq!(answer.item_statuses(), [201, 201]);
    let body = b"{\"create\":{\"_index\":\"logs\",\"_id\":\"a\"}}\n{\"x\":1}\n{\"create\":{\"_index\":\"logs\",\"_id\":\"c\"}}\n[1]\n";
    assert_eq!(
        bulk(&server, body.to_vec()).await.item_statuses(),
        [409, 400]
    );
    assert_eq!(server.docs()["a"], Value::Null);
    assert_eq!(server.create_attempts().len(), 2);
    let answer = send(
        client()
            .post(logzio_url(&server, "t"))
            .body("{\"m\":1}\nnope\n"),
    )
    .await;
    assert_eq!(answer.json()["successfulLines"], 1);
    assert_eq!(server.logzio_lines(), [Value::Null]);
}
