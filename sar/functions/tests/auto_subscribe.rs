//! auto-subscribe against the moto server: the sweep, the CreateLogGroup
//! handler and the CloudFormation custom resource, with exclusions, the
//! shipper's own group, foreign filters (quota) and already-subscribed groups.

mod common;

use std::time::Duration;

use common::{
    CfnEndpoint, Env, ROLE_ARN, auto_subscribe, create_log_group_event, env_or_skip,
    subscribe_config,
};
use logship_sar::config::SubscribeConfig;
use logship_sar::groups::Budget;
use logship_sar::subscribe::{Outcome, Subscriber};
use serde_json::json;

const FILTER: &str = "logship";

/// The function's configuration for this test: everything under the test's
/// prefix, `excluded/` left alone, `shipper` as the shipper's group.
/// moto reports every filter's distribution as `ByLogStream`, so the tests use
/// that (the default is `Random`).
fn config(env: &Env, stream: &str) -> SubscribeConfig {
    subscribe_config(&[
        ("LOGSHIP_DESTINATION_ARN", stream),
        ("LOGSHIP_ROLE_ARN", ROLE_ARN),
        ("LOGSHIP_SHIPPER_LOG_GROUP", &env.name("shipper")),
        ("LOGSHIP_INCLUDE_PREFIXES", &env.prefix),
        ("LOGSHIP_EXCLUDE_PREFIXES", &env.name("excluded/")),
        ("LOGSHIP_DISTRIBUTION", "ByLogStream"),
    ])
}

#[tokio::test]
async fn sweep_subscribes_selected_groups_and_leaves_the_rest() {
    let env = env_or_skip!();
    let stream = env.stream("logship").await;
    let other_stream = env.stream("other").await;
    let third_stream = env.stream("third").await;
    let config = config(&env, &stream);

    let plain = env.group("app/plain").await;
    let already = env.group("app/already").await;
    env.add_filter(&already, FILTER, "", &stream).await;
    let stale = env.group("app/stale").await;
    env.add_filter(&stale, FILTER, "ERROR", &other_stream).await;
    let one_foreign = env.group("app/one-foreign").await;
    env.add_filter(&one_foreign, "datadog", "", &other_stream)
        .await;
    let full = env.group("app/full").await;
    env.add_filter(&full, "datadog", "", &other_stream).await;
    env.add_filter(&full, "splunk", "", &third_stream).await;
    let duplicate = env.group("app/duplicate").await;
    env.add_filter(&duplicate, "hand-made", "", &stream).await;
    let excluded = env.group("excluded/secret").await;
    let excluded_subscribed = env.group("excluded/was-subscribed").await;
    env.add_filter(&excluded_subscribed, FILTER, "", &stream)
        .await;
    // The shipper's own group, subscribed by mistake: the loop must be cut.
    let shipper = env.group("shipper").await;
    env.add_filter(&shipper, FILTER, "", &stream).await;

    let report = Subscriber::new(&env.logs, &config)
        .sweep(Budget::unlimited())
        .await
        .expect("sweep");

    assert!(report.complete);
    assert_eq!(report.scanned, 9, "{report:?}");
    assert_eq!(report.subscribed, 2, "plain and one-foreign: {report:?}");
    assert_eq!(report.updated, 1, "stale: {report:?}");
    assert_eq!(report.unchanged, 1, "already: {report:?}");
    assert_eq!(report.full_count, 1);
    assert_eq!(report.full, vec![full.clone()]);
    assert_eq!(report.skipped, 1, "duplicate: {report:?}");
    assert_eq!(
        report.removed, 2,
        "shipper and excluded/was-subscribed: {report:?}"
    );
    assert_eq!(report.excluded, 1, "excluded/secret: {report:?}");
    assert_eq!(report.failed_count, 0, "{:?}", report.failed);

    let ours = (stream.clone(), String::new());
    assert_eq!(env.filters(&plain).await.get(FILTER), Some(&ours));
    assert_eq!(env.filters(&already).await.get(FILTER), Some(&ours));
    assert_eq!(
        env.filters(&stale).await.get(FILTER),
        Some(&ours),
        "updated in place"
    );
    let f = env.filters(&one_foreign).await;
    assert_eq!(f.get(FILTER), Some(&ours));
    assert_eq!(
        f.get("datadog"),
        Some(&(other_stream.clone(), String::new())),
        "foreign filter kept"
    );
    let f = env.filters(&full).await;
    assert_eq!(f.len(), 2);
    assert!(f.contains_key("datadog") && f.contains_key("splunk") && !f.contains_key(FILTER));
    let f = env.filters(&duplicate).await;
    assert_eq!(f.len(), 1, "no second filter to the same stream: {f:?}");
    assert!(env.filters(&excluded).await.is_empty());
    assert!(env.filters(&excluded_subscribed).await.is_empty());
    assert!(
        env.filters(&shipper).await.is_empty(),
        "the shipper's group is never subscribed"
    );

    // A second sweep changes nothing.
    let again = Subscriber::new(&env.logs, &config)
        .sweep(Budget::unlimited())
        .await
        .expect("second sweep");
    assert_eq!(
        (
            again.subscribed,
            again.updated,
            again.removed,
            again.unchanged
        ),
        (0, 0, 0, 4),
        "{again:?}"
    );
}

#[tokio::test]
async fn create_log_group_events_subscribe_only_selected_groups() {
    let env = env_or_skip!();
    let stream = env.stream("logship").await;
    let config = config(&env, &stream);

    let new = env.group("svc/new").await;
    let out = auto_subscribe(&env.clients, &config, &create_log_group_event(&new)).await;
    assert_eq!(out["result"]["outcome"], "subscribed", "{out}");
    assert_eq!(
        env.filters(&new).await.get(FILTER),
        Some(&(stream.clone(), String::new()))
    );

    // The same event again (EventBridge delivers at least once): unchanged.
    let out = auto_subscribe(&env.clients, &config, &create_log_group_event(&new)).await;
    assert_eq!(out["result"]["outcome"], "unchanged", "{out}");

    let excluded = env.group("excluded/new").await;
    let out = auto_subscribe(&env.clients, &config, &create_log_group_event(&excluded)).await;
    assert_eq!(out["result"]["outcome"], "excluded", "{out}");
    assert!(env.filters(&excluded).await.is_empty());

    let shipper = env.group("shipper").await;
    let out = auto_subscribe(&env.clients, &config, &create_log_group_event(&shipper)).await;
    assert_eq!(out["result"]["reason"], "protected", "{out}");
    assert!(env.filters(&shipper).await.is_empty());

    // A group deleted before the event is handled.
    let gone = env.name("svc/gone");
    let out = auto_subscribe(&env.clients, &config, &create_log_group_event(&gone)).await;
    assert_eq!(out["result"]["outcome"], "gone", "{out}");

    // The manual invocation for one group works the same way.
    let manual = env.group("svc/manual").await;
    let out = auto_subscribe(
        &env.clients,
        &config,
        &json!({"action": "log-group", "logGroupName": manual}),
    )
    .await;
    assert_eq!(out["result"]["outcome"], "subscribed", "{out}");
}

#[tokio::test]
async fn custom_resource_sweeps_on_create_and_cleans_up_on_delete() {
    let env = env_or_skip!();
    let stream = env.stream("logship").await;
    let other_stream = env.stream("other").await;
    let config = config(&env, &stream);
    let cfn = CfnEndpoint::start().await;

    let a = env.group("app/a").await;
    let b = env.group("app/b").await;
    env.add_filter(&b, "datadog", "", &other_stream).await;

    let out = auto_subscribe(&env.clients, &config, &cfn.request("Create")).await;
    assert_eq!(out["Status"], "SUCCESS", "{out}");
    let responses = cfn.responses();
    assert_eq!(responses.len(), 1);
    let create = &responses[0];
    assert_eq!(create["Status"], "SUCCESS");
    assert_eq!(create["LogicalResourceId"], "Sweep");
    assert_eq!(create["PhysicalResourceId"], "Sweep-logship-sar");
    assert_eq!(create["Data"]["Subscribed"], "2", "{create}");
    assert!(
        create["Reason"]
            .as_str()
            .unwrap_or_default()
            .contains("subscribed 2")
    );
    assert!(env.filters(&a).await.contains_key(FILTER));
    assert!(env.filters(&b).await.contains_key(FILTER));

    let out = auto_subscribe(&env.clients, &config, &cfn.request("Delete")).await;
    assert_eq!(out["Status"], "SUCCESS", "{out}");
    assert_eq!(cfn.responses().len(), 2);
    assert!(env.filters(&a).await.is_empty(), "our filter removed");
    let f = env.filters(&b).await;
    assert_eq!(f.len(), 1);
    assert!(f.contains_key("datadog"), "foreign filter kept: {f:?}");
}

#[tokio::test]
async fn custom_resource_failure_is_reported_to_cloudformation() {
    let env = env_or_skip!();
    // A stream that does not exist: every PutSubscriptionFilter fails, which
    // is systemic and must fail the deployment with the reason.
    let missing = format!(
        "arn:aws:kinesis:us-east-1:123456789012:stream/{}",
        testkit::unique_name("missing")
    );
    let config = config(&env, &missing);
    let cfn = CfnEndpoint::start().await;
    env.group("app/a").await;

    // Handled: the failure goes to CloudFormation.
    let out = auto_subscribe(&env.clients, &config, &cfn.request("Create")).await;
    assert_eq!(out["Status"], "FAILED", "{out}");
    let responses = cfn.responses();
    assert_eq!(responses[0]["Status"], "FAILED");
    assert!(
        responses[0]["Reason"]
            .as_str()
            .unwrap_or_default()
            .contains("PutSubscriptionFilter"),
        "{}",
        responses[0]
    );

    // Deleting must never be blocked.
    let out = auto_subscribe(&env.clients, &config, &cfn.request("Delete")).await;
    assert_eq!(out["Status"], "SUCCESS", "{out}");
}

#[tokio::test]
async fn sweep_stops_at_the_deadline_and_says_so() {
    let env = env_or_skip!();
    let stream = env.stream("logship").await;
    let config = config(&env, &stream);
    let a = env.group("app/a").await;

    let report = Subscriber::new(&env.logs, &config)
        .sweep(Budget::after(Duration::ZERO))
        .await
        .expect("sweep");
    assert!(!report.complete);
    assert_eq!(report.scanned, 0);
    assert!(env.filters(&a).await.is_empty());
    assert!(report.summary().contains("scheduled sweep continues"));
}

#[tokio::test]
async fn the_subscribe_outcome_of_a_single_group() {
    let env = env_or_skip!();
    let stream = env.stream("logship").await;
    let config = config(&env, &stream);
    let a = env.group("app/single").await;
    let outcome = Subscriber::new(&env.logs, &config)
        .handle_group(&a)
        .await
        .expect("handled");
    assert_eq!(outcome, Outcome::Subscribed);
}
