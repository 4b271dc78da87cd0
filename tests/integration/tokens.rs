//! `token rotate` and `token check` against the real SSM API (moto) and the
//! bulk contract server: a rotation is picked up by a running handler without
//! a restart (on the next 401, or when the cache TTL runs out), `--verify`
//! writes nothing the destination refuses, the token never shows, and SSM
//! throttling is retried (through a throttling front before moto).

use crate::ops_support::*;
use aws_config::SdkConfig;
use aws_sdk_ssm::Client as Ssm;
use aws_sdk_ssm::types::ParameterType;
use logship::event::KinesisEvent;
use logship::handler::handle;
use logship::ops::token::{self as tokens, Probe, RotateOptions, TokenToolError, Verdict};
use logship::sample::{GenOptions, generate};
use logship::secret::Secret;
use testkit::bulk::{BulkServer, Contract};
use testkit::moto_or_skip;
use testkit::throttle::ThrottlingProxy;

const OLD: &str = "old-token-7f3a9c";
const NEW: &str = "new-token-b81d2e";

async fn parameter(ssm: &Ssm, value: &str) -> String {
    let name = format!("/logship/test/{}", testkit::unique_name("token"));
    ssm.put_parameter()
        .name(&name)
        .value(value)
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .expect("put");
    name
}

async fn current(ssm: &Ssm, name: &str) -> (String, i64) {
    let p = ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .expect("get")
        .parameter
        .expect("parameter");
    (p.value.unwrap_or_default(), p.version)
}

/// A SecureString parameter holding [`OLD`] and a bulk server accepting it:
/// `(ssm, parameter name, server, url)`.
async fn rig(sdk: &SdkConfig) -> (Ssm, String, BulkServer, String) {
    let ssm = Ssm::new(sdk);
    let name = parameter(&ssm, OLD).await;
    let server = BulkServer::start().await;
    server.set_token(OLD);
    let url = server.url();
    (ssm, name, server, url)
}

fn small_event(seed: u64) -> KinesisEvent {
    let g = generate(&GenOptions {
        records: 2,
        events_per_record: 5,
        control_records: 0,
        secrets: false,
        seed,
    });
    serde_json::from_value(g.event).expect("event")
}

fn assert_no_token(out: &std::process::Output) {
    let (stdout, stderr) = texts(out);
    for t in [OLD, NEW] {
        assert!(
            !stdout.contains(t) && !stderr.contains(t),
            "the token leaked: {stdout} {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_is_picked_up_by_a_running_handler_on_the_next_401() {
    let sdk = moto_or_skip!();
    let (ssm, name, server, url) = rig(&sdk).await;
    // A long TTL: only the 401 can make the handler re-read the parameter.
    let services = services(
        &[
            ("LOGSHIP_DESTINATION", "elasticsearch"),
            ("LOGSHIP_ENDPOINT", &url),
            ("LOGSHIP_TOKEN_PARAMETER", &name),
            ("LOGSHIP_TOKEN_TTL_SECS", "3600"),
            ("LOGSHIP_BACKOFF_BASE_MS", "1"),
        ],
        &sdk,
    )
    .await;
    let outcome = handle(&services, &small_event(1), None).await;
    assert_eq!(outcome.summary.delivered, 10);

    // The destination takes only the new token from now on; --verify checks it
    // before anything is written.
    server.set_token(NEW);
    let rotate = ["token", "rotate", "--parameter", &name, "--verify"];
    let out = cli(
        &to_destination(&rotate, "elasticsearch", &url),
        &[],
        Some(&format!("{NEW}\n")),
    )
    .await;
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout} {stderr}");
    assert!(stderr.contains("accepts the new token"), "{stderr}");
    assert!(
        stdout.contains("is now version 2 (was version 1"),
        "{stdout}"
    );
    assert_no_token(&out);
    assert_eq!(current(&ssm, &name).await, (NEW.to_owned(), 2));

    // The same Services, no restart: one 401, a re-read, everything delivered.
    let before = server.requests().len();
    let outcome = handle(&services, &small_event(2), None).await;
    assert_eq!(outcome.summary.delivered, 10, "{:?}", outcome.summary);
    assert!(outcome.failed_sequence_numbers.is_empty());
    let statuses: Vec<Option<u16>> = server.requests()[before..]
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(401), Some(200)]);

    // `token check` agrees.
    let check = ["token", "check", "--parameter", &name];
    let out = cli(&to_destination(&check, "elasticsearch", &url), &[], None).await;
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout} {stderr}");
    assert!(
        stdout.contains("(version 2)") && stdout.contains("accepted"),
        "{stdout}"
    );
    assert_no_token(&out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_is_picked_up_within_the_ttl_without_a_401() {
    let sdk = moto_or_skip!();
    let (ssm, name, server, url) = rig(&sdk).await;
    let services = services(
        &[
            ("LOGSHIP_DESTINATION", "logzio"),
            ("LOGSHIP_ENDPOINT", &url),
            ("LOGSHIP_TOKEN_PARAMETER", &name),
            ("LOGSHIP_TOKEN_TTL_SECS", "1"),
        ],
        &sdk,
    )
    .await;
    assert_eq!(
        handle(&services, &small_event(3), None)
            .await
            .summary
            .delivered,
        10
    );

    let rotation = tokens::rotate(&ssm, &name, &Secret::new(NEW), &RotateOptions::default())
        .await
        .expect("rotated");
    assert_eq!((rotation.version, rotation.previous_version), (2, Some(1)));
    server.set_token(NEW);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let before = server.requests().len();
    let outcome = handle(&services, &small_event(4), None).await;
    assert_eq!(outcome.summary.delivered, 10);
    let requests = server.requests();
    assert!(
        requests[before..]
            .iter()
            .all(|r| r.status == Some(200) && r.contract == Contract::Logzio)
    );
    assert_eq!(server.logzio_lines().len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_writes_nothing_the_destination_refuses() {
    let sdk = moto_or_skip!();
    let (ssm, name, server, url) = rig(&sdk).await;
    let rotate = ["token", "rotate", "--parameter", &name, "--verify"];
    for destination in ["elasticsearch", "logzio"] {
        let out = cli(&to_destination(&rotate, destination, &url), &[], Some(NEW)).await;
        let (_, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("REFUSED (HTTP 401)") && stderr.contains("NOT written"),
            "{stderr}"
        );
        assert_no_token(&out);
        assert_eq!(current(&ssm, &name).await, (OLD.to_owned(), 1));
    }
    // The check itself wrote nothing.
    assert!(server.docs().is_empty() && server.logzio_lines().is_empty());

    // `token check` of the current token: accepted, then refused once the destination moves on.
    let check = to_destination(&["token", "check", "--parameter", &name], "logzio", &url);
    let out = cli(&check, &[], None).await;
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    server.set_token("something-else");
    let out = cli(&check, &[], None).await;
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("REFUSED"), "{stderr}");
    assert_no_token(&out);

    // The library probe, both contracts, and a destination that does not answer.
    let probe = |destination: &str, endpoint: &str| {
        Probe::new(
            &config(&[
                ("LOGSHIP_DESTINATION", destination),
                ("LOGSHIP_ENDPOINT", endpoint),
                ("LOGSHIP_TOKEN", "unused"),
                ("LOGSHIP_REQUEST_TIMEOUT_MS", "2000"),
            ]),
            None,
        )
        .expect("probe")
    };
    server.set_token(NEW);
    for d in ["elasticsearch", "logzio"] {
        assert!(matches!(
            probe(d, &url).check(Some(&Secret::new(NEW))).await,
            Verdict::Accepted { .. }
        ));
        assert!(matches!(
            probe(d, &url).check(Some(&Secret::new(OLD))).await,
            Verdict::Refused { status: 401, .. }
        ));
    }
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", l.local_addr().expect("addr"))
    };
    let v = probe("logzio", &closed)
        .check(Some(&Secret::new(NEW)))
        .await;
    assert!(matches!(&v, Verdict::Unreachable { .. }), "{v:?}");
    assert!(!v.describe().contains(NEW), "{}", v.describe());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_refuses_what_it_should_and_keeps_the_key() {
    let sdk = moto_or_skip!();
    let ssm = Ssm::new(&sdk);

    // A missing parameter: exit 2, unless --create.
    let name = format!("/logship/test/{}", testkit::unique_name("missing"));
    let out = cli(&["token", "rotate", "--parameter", &name], &[], Some(NEW)).await;
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    let out = cli(
        &["token", "rotate", "--parameter", &name, "--create"],
        &[],
        Some(NEW),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    assert!(
        texts(&out).0.contains("is now version 1 (created"),
        "{}",
        texts(&out).0
    );
    assert_eq!(current(&ssm, &name).await, (NEW.to_owned(), 1));

    // Nothing, or two lines, on stdin: exit 2, nothing written.
    for input in ["", "  \n", "one\ntwo\n"] {
        let out = cli(&["token", "rotate", "--parameter", &name], &[], Some(input)).await;
        assert_eq!(out.status.code(), Some(2), "{input:?}: {}", texts(&out).1);
    }
    assert_eq!(current(&ssm, &name).await.1, 1);

    // A plain String parameter is not where a token belongs.
    let plain = format!("/logship/test/{}", testkit::unique_name("plain"));
    ssm.put_parameter()
        .name(&plain)
        .value("x")
        .r#type(ParameterType::String)
        .send()
        .await
        .expect("put");
    let e = tokens::rotate(&ssm, &plain, &Secret::new(NEW), &RotateOptions::default())
        .await
        .expect_err("not a SecureString");
    assert!(matches!(e, TokenToolError::NotSecure { .. }), "{e:?}");

    // A custom KMS key is kept across the rotation.
    let keyed = format!("/logship/test/{}", testkit::unique_name("keyed"));
    ssm.put_parameter()
        .name(&keyed)
        .value(OLD)
        .r#type(ParameterType::SecureString)
        .key_id("alias/logship-test")
        .send()
        .await
        .expect("put");
    let r = tokens::rotate(&ssm, &keyed, &Secret::new(NEW), &RotateOptions::default())
        .await
        .expect("rotated");
    assert_eq!(r.key_id.as_deref(), Some("alias/logship-test"));
    let described = ssm
        .describe_parameters()
        .parameter_filters(
            aws_sdk_ssm::types::ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .values(&keyed)
                .build()
                .expect("filter"),
        )
        .send()
        .await
        .expect("describe");
    let meta = &described.parameters()[0];
    assert_eq!(meta.key_id(), Some("alias/logship-test"));
    assert_eq!(meta.version(), 2);

    // `token check` without a destination: a usage error.
    let out = cli(&["token", "check", "--parameter", &name], &[], None).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        texts(&out).1.contains("LOGSHIP_DESTINATION"),
        "{}",
        texts(&out).1
    );
}

/// The SDK configuration the Lambda would use (its retry policy), pointed at `endpoint`.
fn through(sdk: &SdkConfig, endpoint: &str) -> SdkConfig {
    sdk.to_builder()
        .endpoint_url(endpoint)
        .retry_config(logship::aws::sdk_retry())
        .build()
}

/// SSM throttling (moto never throttles, so a throttling front answers the
/// first `GetParameter` calls with AWS's `ThrottlingException`): the SDK's
/// retries get the token, the batch is delivered, and nothing is failed back.
#[tokio::test]
async fn ssm_throttling_is_retried_and_the_batch_delivered() {
    let sdk = moto_or_skip!();
    let (_ssm, name, server, url) = rig(&sdk).await;
    let moto = testkit::moto::endpoint().expect("moto is running");
    let proxy = ThrottlingProxy::start(&moto, "AmazonSSM.GetParameter", 3).await;
    let services = services(
        &[
            ("LOGSHIP_DESTINATION", "elasticsearch"),
            ("LOGSHIP_ENDPOINT", &url),
            ("LOGSHIP_TOKEN_PARAMETER", &name),
        ],
        &through(&sdk, &proxy.url()),
    )
    .await;
    let event = small_event(7);
    let outcome = handle(&services, &event, None).await;
    assert_eq!(proxy.throttled(), 3);
    assert!(proxy.forwarded() >= 1, "the fourth call reached SSM");
    assert_eq!(outcome.summary.delivered, 10, "{:?}", outcome.summary);
    assert!(outcome.failed_sequence_numbers.is_empty());
    assert_eq!(server.docs().len(), 10);
}

/// Throttling that outlasts every retry: the token is unavailable, so nothing
/// is sent, and (with no DLQ) every record goes back to Kinesis for a later
/// try, with the accounting balanced.
#[tokio::test]
async fn ssm_throttling_past_every_retry_fails_the_records_back() {
    let sdk = moto_or_skip!();
    let (_ssm, name, server, url) = rig(&sdk).await;
    let moto = testkit::moto::endpoint().expect("moto is running");
    let proxy = ThrottlingProxy::start(&moto, "AmazonSSM.GetParameter", usize::MAX).await;
    let services = services(
        &[
            ("LOGSHIP_DESTINATION", "elasticsearch"),
            ("LOGSHIP_ENDPOINT", &url),
            ("LOGSHIP_TOKEN_PARAMETER", &name),
            ("LOGSHIP_MAX_ATTEMPTS", "2"),
            ("LOGSHIP_BACKOFF_BASE_MS", "1"),
        ],
        &through(&sdk, &proxy.url()),
    )
    .await;
    let event = small_event(8);
    let outcome = handle(&services, &event, None).await;
    // Each of our two attempts made the SDK try five times.
    assert!(proxy.throttled() >= 10, "{}", proxy.throttled());
    assert_eq!(outcome.summary.delivered, 0);
    assert_eq!(outcome.summary.failed, 10);
    assert!(outcome.summary.balanced());
    assert_eq!(outcome.failed_sequence_numbers.len(), event.records.len());
    assert!(
        server.requests().is_empty(),
        "nothing was sent without a token"
    );
}
