//! auto-subscribe's account-policy mode. moto does not implement CloudWatch
//! Logs account policies, so these tests run against a scripted stand-in of
//! the API (`common::fake_logs`) that records the requests the real SDK
//! client sends: the policy document, the selection criteria excluding the
//! shipper's group and the excluded prefixes, throttling retries, and the
//! clean-up on Delete and when leaving the mode.

mod common;

use common::fake_logs::FakeLogs;
use common::{
    CfnEndpoint, ROLE_ARN, auto_subscribe, cfn_request, create_log_group_event, subscribe_config,
};
use logship_sar::config::SubscribeConfig;
use logship_sar::handlers::Clients;
use serde_json::{Value, json};

const STREAM: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/logship-dev";
const SHIPPER: &str = "/aws/lambda/logship-dev";

fn config(mode: &str) -> SubscribeConfig {
    subscribe_config(&[
        ("LOGSHIP_DESTINATION_ARN", STREAM),
        ("LOGSHIP_ROLE_ARN", ROLE_ARN),
        ("LOGSHIP_SHIPPER_LOG_GROUP", SHIPPER),
        ("LOGSHIP_EXCLUDE_PREFIXES", "/excluded/"),
        ("LOGSHIP_SUBSCRIBE_MODE", mode),
    ])
}

async fn clients(fake: &FakeLogs) -> Clients {
    let sdk = testkit::moto::sdk_config_for(&fake.url).await;
    Clients::new(&sdk).expect("clients")
}

fn criteria(fake: &FakeLogs) -> String {
    fake.policy("logship").expect("policy")["selectionCriteria"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn sweep_puts_the_account_policy_excluding_the_shipper_and_excluded_groups() {
    let fake = FakeLogs::start(&["/app/a", "/app/b", "/excluded/x", "/excluded/y", SHIPPER]).await;
    let clients = clients(&fake).await;
    let config = config("account-policy");
    fake.throttle("PutAccountPolicy", 2);

    let out = auto_subscribe(&clients, &config, &json!({"action": "sweep"})).await;
    assert_eq!(
        out["policy_exclusions"],
        json!([SHIPPER, "/excluded/x", "/excluded/y"]),
        "{out}"
    );
    let puts = fake.calls("PutAccountPolicy");
    assert_eq!(puts.len(), 3, "two throttled attempts, then success");
    let put = &puts[2];
    assert_eq!(put["policyName"], "logship");
    assert_eq!(put["policyType"], "SUBSCRIPTION_FILTER_POLICY");
    assert_eq!(put["scope"], "ALL");
    assert_eq!(
        put["selectionCriteria"],
        format!(r#"LogGroupName NOT IN ["{SHIPPER}","/excluded/x","/excluded/y"]"#)
    );
    let document: Value = serde_json::from_str(put["policyDocument"].as_str().unwrap_or_default())
        .expect("JSON document");
    assert_eq!(
        document,
        json!({"DestinationArn": STREAM, "RoleArn": ROLE_ARN, "FilterPattern": "", "Distribution": "Random"})
    );
    // Per-group filters are not used in this mode.
    assert!(fake.calls("PutSubscriptionFilter").is_empty());
}

#[tokio::test]
async fn new_excluded_groups_are_added_to_the_policy_and_others_are_covered() {
    let fake = FakeLogs::start(&["/app/a", "/excluded/x", SHIPPER]).await;
    let clients = clients(&fake).await;
    let config = config("account-policy");
    auto_subscribe(&clients, &config, &json!({"action": "sweep"})).await;
    assert_eq!(fake.calls("PutAccountPolicy").len(), 1);

    // A new selected group is covered by the policy: nothing to do.
    fake.add_group("/app/new");
    let out = auto_subscribe(&clients, &config, &create_log_group_event("/app/new")).await;
    assert_eq!(out["result"]["outcome"], "unchanged", "{out}");
    assert_eq!(fake.calls("PutAccountPolicy").len(), 1);

    // A new excluded group must be added to the exclusions at once.
    fake.add_group("/excluded/new");
    let out = auto_subscribe(&clients, &config, &create_log_group_event("/excluded/new")).await;
    assert_eq!(out["result"]["outcome"], "excluded", "{out}");
    assert_eq!(fake.calls("PutAccountPolicy").len(), 2);
    assert_eq!(
        criteria(&fake),
        format!(r#"LogGroupName NOT IN ["{SHIPPER}","/excluded/new","/excluded/x"]"#)
    );
}

#[tokio::test]
async fn deploy_removes_our_per_group_filters_and_delete_removes_the_policy() {
    let fake = FakeLogs::start(&["/app/a", "/app/b", SHIPPER]).await;
    let clients = clients(&fake).await;
    let cfn = CfnEndpoint::start().await;

    // Installed in log-group mode first.
    let out = auto_subscribe(&clients, &config("log-group"), &cfn.request("Create")).await;
    assert_eq!(out["Status"], "SUCCESS", "{out}");
    assert_eq!(fake.filters("/app/a").len(), 1);
    assert!(fake.filters(SHIPPER).is_empty());

    // Switched to account-policy mode: the policy replaces our filters.
    let old = json!({"Mode": "log-group", "PolicyName": "logship"});
    let out = auto_subscribe(
        &clients,
        &config("account-policy"),
        &cfn_request("Update", &cfn.url, Some(old)),
    )
    .await;
    assert_eq!(out["Status"], "SUCCESS", "{out}");
    assert!(fake.policy("logship").is_some());
    assert!(fake.filters("/app/a").is_empty() && fake.filters("/app/b").is_empty());
    assert_eq!(out["Data"]["Removed"], "2", "{out}");

    // Deleted: the policy goes.
    let out = auto_subscribe(&clients, &config("account-policy"), &cfn.request("Delete")).await;
    assert_eq!(out["Status"], "SUCCESS", "{out}");
    assert!(fake.policy("logship").is_none());
    assert_eq!(cfn.responses().len(), 3);
}

#[tokio::test]
async fn leaving_account_policy_mode_deletes_the_policy_before_subscribing_groups() {
    let fake = FakeLogs::start(&["/app/a", SHIPPER]).await;
    fake.put_policy("logship");
    let clients = clients(&fake).await;
    let cfn = CfnEndpoint::start().await;

    let old = json!({"Mode": "account-policy", "PolicyName": "logship"});
    let out = auto_subscribe(
        &clients,
        &config("log-group"),
        &cfn_request("Update", &cfn.url, Some(old)),
    )
    .await;
    assert_eq!(out["Status"], "SUCCESS", "{out}");
    assert!(fake.policy("logship").is_none(), "old policy deleted");
    assert_eq!(
        fake.filters("/app/a").len(),
        1,
        "group subscribed per group"
    );
    assert!(fake.filters(SHIPPER).is_empty());
}
