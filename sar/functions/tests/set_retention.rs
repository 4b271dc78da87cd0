//! set-retention against the moto server: the sweep, the CreateLogGroup
//! handler and the custom resource, with exclusions, groups that already have
//! a retention, and the override switch.

mod common;

use common::{
    CfnEndpoint, Env, create_log_group_event, env_or_skip, retention_config, set_retention,
};
use logship_sar::config::RetentionConfig;
use logship_sar::groups::Budget;
use logship_sar::retention::RetentionSetter;

fn config(env: &Env, days: &str, override_existing: bool) -> RetentionConfig {
    retention_config(&[
        ("LOGSHIP_RETENTION_DAYS", days),
        ("LOGSHIP_RETENTION_OVERRIDE", &override_existing.to_string()),
        ("LOGSHIP_INCLUDE_PREFIXES", &env.prefix),
        ("LOGSHIP_EXCLUDE_PREFIXES", &env.name("keep-forever/")),
    ])
}

#[tokio::test]
async fn sweep_sets_missing_retentions_and_keeps_existing_ones() {
    let env = env_or_skip!();
    let none = env.group("app/none").await;
    let thirty = env.group_with_retention("app/thirty", 30).await;
    let seven = env.group_with_retention("app/seven", 7).await;
    let forever = env.group("keep-forever/audit").await;

    let report = RetentionSetter::new(&env.logs, &config(&env, "7", false))
        .sweep(Budget::unlimited())
        .await
        .expect("sweep");
    assert!(report.complete);
    assert_eq!(
        (
            report.scanned,
            report.set,
            report.kept,
            report.unchanged,
            report.excluded
        ),
        (4, 1, 1, 1, 1),
        "{report:?}"
    );
    assert_eq!(env.retention(&none).await, Some(7));
    assert_eq!(
        env.retention(&thirty).await,
        Some(30),
        "existing retention kept"
    );
    assert_eq!(env.retention(&seven).await, Some(7));
    assert_eq!(
        env.retention(&forever).await,
        None,
        "excluded prefix untouched"
    );

    // Override: everything selected gets the configured retention.
    let report = RetentionSetter::new(&env.logs, &config(&env, "14", true))
        .sweep(Budget::unlimited())
        .await
        .expect("sweep with override");
    assert_eq!((report.set, report.excluded), (3, 1), "{report:?}");
    for group in [&none, &thirty, &seven] {
        assert_eq!(env.retention(group).await, Some(14), "{group}");
    }
    assert_eq!(env.retention(&forever).await, None);
}

#[tokio::test]
async fn create_log_group_events_set_the_retention_of_new_groups() {
    let env = env_or_skip!();
    let config = config(&env, "7", false);

    let new = env.group("svc/new").await;
    let out = set_retention(&env.clients, &config, &create_log_group_event(&new)).await;
    assert_eq!(out["result"]["outcome"], "set", "{out}");
    assert_eq!(env.retention(&new).await, Some(7));

    // Created with a retention already (e.g. by CloudFormation): left alone.
    let own = env.group_with_retention("svc/own", 90).await;
    let out = set_retention(&env.clients, &config, &create_log_group_event(&own)).await;
    assert_eq!(out["result"]["outcome"], "kept", "{out}");
    assert_eq!(env.retention(&own).await, Some(90));

    let forever = env.group("keep-forever/new").await;
    let out = set_retention(&env.clients, &config, &create_log_group_event(&forever)).await;
    assert_eq!(out["result"]["outcome"], "excluded", "{out}");
    assert_eq!(env.retention(&forever).await, None);

    // Outside the include prefixes.
    let outside = format!("/{}/x", testkit::unique_name("outside"));
    env.logs
        .create_log_group()
        .log_group_name(&outside)
        .send()
        .await
        .expect("create");
    let out = set_retention(&env.clients, &config, &create_log_group_event(&outside)).await;
    assert_eq!(out["result"]["reason"], "not-included", "{out}");
    assert_eq!(env.retention(&outside).await, None);
}

#[tokio::test]
async fn custom_resource_sweeps_on_create_and_changes_nothing_on_delete() {
    let env = env_or_skip!();
    let config = config(&env, "3", false);
    let cfn = CfnEndpoint::start().await;
    let a = env.group("app/a").await;

    let out = set_retention(&env.clients, &config, &cfn.request("Create")).await;
    assert_eq!(out["Status"], "SUCCESS", "{out}");
    assert_eq!(cfn.responses()[0]["Data"]["Set"], "1");
    assert_eq!(env.retention(&a).await, Some(3));

    let out = set_retention(&env.clients, &config, &cfn.request("Delete")).await;
    assert_eq!(out["Status"], "SUCCESS", "{out}");
    assert_eq!(cfn.responses().len(), 2);
    assert_eq!(
        env.retention(&a).await,
        Some(3),
        "delete leaves retentions alone"
    );
}
