//! Rule-level tests of the public masking API: one group per rule, with
//! look-alikes that must survive, plus JSON semantics and configuration.

use std::borrow::Cow;

use serde_json::json;

use super::*;

fn masker() -> Masker {
    Masker::new(&MaskConfig::default()).expect("default config")
}

fn with(vars: &[(&str, &str)]) -> Result<Masker, MaskError> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let cfg =
        MaskConfig::from_lookup(&|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))?;
    Masker::new(&cfg)
}

fn mt(m: &Masker, s: &str) -> String {
    let mut n = 0;
    m.mask_text(s, &mut n).into_owned()
}

fn t(s: &str) -> String {
    mt(&masker(), s)
}

#[track_caller]
fn kept(s: &str) {
    let mut n = 0;
    let out = masker().mask_text(s, &mut n);
    assert!(
        matches!(out, Cow::Borrowed(_)),
        "expected unchanged: {s:?} -> {out:?}"
    );
    assert_eq!(n, 0);
}

#[test]
fn clean_text_is_borrowed_and_counts_nothing() {
    for s in [
        "",
        "2024-01-01T00:00:00.000Z\t3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c\tINFO\tProcessing order 42",
        "START RequestId: 3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c Version: $LATEST",
        "REPORT RequestId: 3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c\tDuration: 12.5 ms\tBilled Duration: 13 ms",
        "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.2.9 443 49152 6 10 840 1600000000 1600000060 ACCEPT OK",
        "{\"level\":\"info\",\"tokens_used\":1532,\"password_changed_at\":\"2024-01-01\",\"user\":\"alice\"}",
        "trace Root=1-5f8a1b2c-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1",
        "image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 commit 3b18e512dba79e4c8300dd08aeb37f8e728b8dad",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
        "event 35970915766093513010315232925734547416357328362459078656 at 1700000000123",
        "password reset requested for user bob",
        "Bearer token missing",
        "Asia/Tokyo timezone",
    ] {
        kept(s);
    }
}

#[test]
fn sensitive_key_text_syntaxes() {
    assert_eq!(t("password=hunter2 user=bob"), "password=[MASKED] user=bob");
    assert_eq!(
        t("db_password: hunter2, next"),
        "db_password: [MASKED], next"
    );
    assert_eq!(t("PASSWORD = 'hunter 2' ok"), "PASSWORD = '[MASKED]' ok");
    assert_eq!(
        t(r#"{"password":"hun\"ter2","user":"bob"}"#),
        r#"{"password":"[MASKED]","user":"bob"}"#
    );
    assert_eq!(
        t(r#"{"Password" : "x y z"}"#),
        r#"{"Password" : "[MASKED]"}"#
    );
    assert_eq!(
        t(r#"{"msg":"{\"password\":\"hunter2\",\"user\":\"bob\"}"}"#),
        r#"{"msg":"{\"password\":\"[MASKED]\",\"user\":\"bob\"}"}"#
    );
    assert_eq!(
        t(r#"{"a":"{\"b\":\"{\\\"api_key\\\":\\\"k-123\\\\\\\"x\\\"}\"}"}"#),
        r#"{"a":"{\"b\":\"{\\\"api_key\\\":\\\"[MASKED]\\\"}\"}"}"#
    );
    assert_eq!(
        t("GET /cb?code=1&access_token=abc.def&state=xyz HTTP/1.1"),
        "GET /cb?code=1&access_token=[MASKED]&state=xyz HTTP/1.1"
    );
    assert_eq!(
        t("{ 'x-api-key': 'AbC123', host: 'h' }"),
        "{ 'x-api-key': '[MASKED]', host: 'h' }"
    );
    assert_eq!(
        t("client_secret => \"s3\" }"),
        "client_secret => \"[MASKED]\" }"
    );
    assert_eq!(
        t("<Password>p@ss</Password>"),
        "<Password>[MASKED]</Password>"
    );
    assert_eq!(
        t("run --password hunter2 --verbose"),
        "run --password [MASKED] --verbose"
    );
    assert_eq!(
        t("AccountName=x;AccountKey=abc+/==;EndpointSuffix=core"),
        "AccountName=x;AccountKey=[MASKED];EndpointSuffix=core"
    );
    assert_eq!(t("SECRET_KEY=abc\nNEXT=1"), "SECRET_KEY=[MASKED]\nNEXT=1");
    assert_eq!(t("token=abc\\nnext line"), "token=[MASKED]\\nnext line");
}

#[test]
fn sensitive_key_structures_and_scalars_in_json_text() {
    assert_eq!(
        t(r#"{"credentials":{"user":"bob","pw":"x"},"n":1}"#),
        r#"{"credentials":"[MASKED]","n":1}"#
    );
    assert_eq!(
        t(r#"{"tokens":["a","b"],"k":2}"#),
        r#"{"tokens":"[MASKED]","k":2}"#
    );
    assert_eq!(
        t(r#"{"pin_password": 123456, "x": 1}"#),
        r#"{"pin_password": "[MASKED]", "x": 1}"#
    );
    assert_eq!(
        t(r#"{"msg":"{\"password\":123456}"}"#),
        r#"{"msg":"{\"password\":\"[MASKED]\"}"}"#
    );
    // Numbers under plural keys, null and booleans are kept.
    kept(r#"{"tokens": 1532, "max_tokens": 4096, "password": null, "has_password": true}"#);
    kept(
        "tokens_used: 1532 password_changed_at=2024-01-01T10:00:00Z secret_name=prod/db token_type=Bearer",
    );
    kept(r#"{"password":""}"#);
}

#[test]
fn header_dumps() {
    let dump = "GET / HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Bearer abc.def.ghi123\r\nCookie: sid=s3cr3t; theme=dark\r\nX-Api-Key: k-123\r\nUser-Agent: curl\r\n";
    assert_eq!(
        t(dump),
        "GET / HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Bearer [MASKED]\r\nCookie: [MASKED]\r\nX-Api-Key: [MASKED]\r\nUser-Agent: curl\r\n"
    );
    assert_eq!(
        t(
            r#"{"headers":"Authorization: Basic dXNlcjpwYXNz\r\nSet-Cookie: id=a3fWa; Max-Age=2592000\r\nAccept: */*"}"#
        ),
        r#"{"headers":"Authorization: Basic [MASKED]\r\nSet-Cookie: [MASKED]\r\nAccept: */*"}"#
    );
    assert_eq!(
        t("{ authorization: 'Bearer abcdef123456' }"),
        "{ authorization: 'Bearer [MASKED]' }"
    );
    assert_eq!(
        t("authorization=Bearer abcdef123456 next=1"),
        "authorization=Bearer [MASKED] next=1"
    );
}

#[test]
fn auth_header_rule_anywhere() {
    assert_eq!(
        t("calling with Bearer eyJ0eXAi.abc_123-XYZ now"),
        "calling with Bearer [MASKED] now"
    );
    assert_eq!(
        t("creds Basic YWxhZGRpbjpvcGVuc2VzYW1l end"),
        "creds Basic [MASKED] end"
    );
    kept("Basic authentication required");
    kept("the bearer token expired");
    kept("WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\"");
}

const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

#[test]
fn jwt_rule() {
    assert_eq!(t(&format!("jwt {JWT} ok")), "jwt [MASKED] ok");
    assert_eq!(t(&format!("{{\"x\":\"{JWT}\"}}")), "{\"x\":\"[MASKED]\"}");
    kept("cursor eyJvZmZzZXQiOjEwMH0 (not a JWT)");
}

#[test]
fn aws_rules() {
    assert_eq!(t("key AKIAIOSFODNN7EXAMPLE used"), "key [MASKED] used");
    assert_eq!(
        t("\"AccessKeyId\":\"ASIAY34FZKBOKMUTVV7A\""),
        "\"AccessKeyId\":\"[MASKED]\""
    );
    assert_eq!(
        t("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"),
        "aws_secret_access_key = [MASKED]\n"
    );
    kept("AKIA is a prefix; AKIAIOSFODNN7EXAMPL is too short");
    // With sensitive_key disabled the AWS secret rule still applies.
    let m = with(&[("LOGSHIP_MASK_DISABLE", "sensitive_key")]).expect("config");
    assert_eq!(
        mt(
            &m,
            "\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\", \"password\": \"x\""
        ),
        "\"SecretAccessKey\": \"[MASKED]\", \"password\": \"x\""
    );
    let mut v = json!({"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret_name": "short"});
    let mut n = 0;
    m.mask_json(&mut v, &mut n);
    assert_eq!(
        v,
        json!({"SecretAccessKey": "[MASKED]", "secret_name": "short"})
    );
}

#[test]
fn pem_rule() {
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\nabcDEF==\n-----END RSA PRIVATE KEY-----";
    assert_eq!(t(&format!("key:\n{pem}\ndone")), "key:\n[MASKED]\ndone");
    let esc = pem.replace('\n', "\\n");
    assert_eq!(
        t(&format!("{{\"pem\":\"{esc}\\n\"}}")),
        "{\"pem\":\"[MASKED]\\n\"}"
    );
    kept("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----");
}

#[test]
fn url_password_rule() {
    assert_eq!(
        t("dsn=postgres://app:s3cr3t@db.internal:5432/app"),
        "dsn=postgres://app:[MASKED]@db.internal:5432/app"
    );
    assert_eq!(
        t("redis://:hunter22@cache:6379/0"),
        "redis://:[MASKED]@cache:6379/0"
    );
    kept("https://api.example.com:8443/v1/items?x=1");
    kept("ssh://git@github.com/org/repo.git");
}

#[test]
fn vendor_tokens() {
    for tok in [
        "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "sk_live_51H8xYzAbCdEfGhIjKlMnOp",
        "rk_test_51H8xYzAbCdEfGhIjKlMnOp",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    ] {
        assert_eq!(t(&format!("v {tok} end")), "v [MASKED] end", "{tok}");
    }
    assert_eq!(
        t("post https://hooks.slack.com/services/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 ok"),
        "post https://hooks.slack.com/services/[MASKED] ok"
    );
    // A Telegram bot token in the Bot API's own URL (`/bot<token>/<method>`).
    assert_eq!(
        t(
            "GET https://api.telegram.org/bot6038124597:AAqL3vZ9xT2mK7pW4nR8cY1bF6hJ0dS5gE3/getUpdates"
        ),
        "GET https://api.telegram.org/bot[MASKED]/getUpdates"
    );
    kept("see /robot1234567890:AAxx for details");
    // Azure AD client secrets whose parts between dots and tildes are all short.
    for secret in [
        "Xk29Q~vR7.tL3~pW8nZ4.qM6yB1cH5jD0fG2sK9a",
        "mP48Q~a.b~Zq7Lm2Xv9Rb4Wp7Kt3Hn6Jc1Fd5Gs",
        "~.k7Q~Rb4Wp7Kt3Hn6Jc1Fd5GsZq7Lm2Xv9.a",
    ] {
        assert_eq!(
            t(&format!("new secret {secret} saved")),
            "new secret [MASKED] saved",
            "{secret}"
        );
    }
    kept("emoji Q~ and Xk29Q~ short");
    // 1Password Secret Keys in both group layouts.
    for key in [
        "A3-K7QX2M-9RT4WZLPB3N-H6J2D-8FGC5-Q1W3E",
        "A3-K7QX2M-9RT4WZ-LPB3N-H6J2D-8FGC5-Q1W3E",
    ] {
        assert_eq!(
            t(&format!("secret key {key} ok")),
            "secret key [MASKED] ok",
            "{key}"
        );
    }
    // The documentation's placeholder URL is not a secret.
    kept("post https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX ok");
    kept("pk_live_51H8xYzAbCdEfGhIjKlMnOp publishable; ghp_short; xoxq-123456789012");
}

#[test]
fn card_rule() {
    assert_eq!(t("card 4111111111111111 ok"), "card [MASKED] ok");
    assert_eq!(t("card 4111-1111-1111-1111."), "card [MASKED].");
    assert_eq!(
        t("{\"pan\":5555555555554444,\"n\":1}"),
        "{\"pan\":\"[MASKED]\",\"n\":1}"
    );
    assert_eq!(
        t("{\"m\":\"{\\\"pan\\\": 378282246310005}\"}"),
        "{\"m\":\"{\\\"pan\\\": \\\"[MASKED]\\\"}\"}"
    );
    kept("card 4111111111111112 fails luhn");
    kept("ts 1700000000000 and 1700000000000123 and 0.4111111111111111");
    kept("order_4111111111111111 eni-4111111111111111 x4111111111111111");
}

#[test]
fn opt_in_rules() {
    kept("mail jane@example.com from 10.0.0.1");
    let m = with(&[("LOGSHIP_MASK_ENABLE", "email,ip")]).expect("config");
    assert_eq!(
        mt(&m, "mail jane@example.com from 10.0.0.1"),
        "mail [MASKED] from [MASKED]"
    );
    assert_eq!(
        mt(&m, "v6 [2001:db8::8a2e:370:7334]:443"),
        "v6 [[MASKED]]:443"
    );
    assert_eq!(
        mt(&m, "at 12:30:45 sha256:abc std::fmt"),
        "at 12:30:45 sha256:abc std::fmt"
    );
}

#[test]
fn json_tree_semantics() {
    let m = masker();
    let mut v = json!({
        "user": "alice",
        "password": "hunter2",
        "pin_password": 123456,
        "has_password": true,
        "password_changed_at": "2024-01-01T00:00:00Z",
        "tokens_used": 1532,
        "tokens": 12,
        "refresh_tokens": ["r1", "r2"],
        "credentials": {"user": "bob", "password": "p"},
        "headers": {"Authorization": "Bearer abc123def456", "Cookie": "sid=1", "Accept": "*/*"},
        "nested": [{"deep": {"client_secret": "cs", "client_id": "app-1"}}],
        "msg": "login with password=swordfish ok",
        "raw": "{\"api_key\":\"k1\",\"id\":7}",
        "pan": 4111111111111111u64,
        "ts": 1700000000000u64,
        "api_key_id": "key-1",
        "empty_secret": "",
        "ghp_0123456789abcdefghijABCDEFGHIJ012345": 1,
        "ok": null
    });
    let mut n = 0;
    m.mask_json(&mut v, &mut n);
    assert_eq!(
        v,
        json!({
            "user": "alice",
            "password": "[MASKED]",
            "pin_password": "[MASKED]",
            "has_password": true,
            "password_changed_at": "2024-01-01T00:00:00Z",
            "tokens_used": 1532,
            "tokens": 12,
            "refresh_tokens": "[MASKED]",
            "credentials": "[MASKED]",
            "headers": {"Authorization": "Bearer [MASKED]", "Cookie": "[MASKED]", "Accept": "*/*"},
            "nested": [{"deep": {"client_secret": "[MASKED]", "client_id": "app-1"}}],
            "msg": "login with password=[MASKED] ok",
            "raw": "{\"api_key\":\"[MASKED]\",\"id\":7}",
            "pan": "[MASKED]",
            "ts": 1700000000000u64,
            "api_key_id": "key-1",
            "empty_secret": "",
            "[MASKED]": 1,
            "ok": null
        })
    );
    assert_eq!(n, 11);
    // Idempotent: masking again changes nothing and counts nothing.
    let before = v.clone();
    let mut n2 = 0;
    m.mask_json(&mut v, &mut n2);
    assert_eq!(v, before);
    assert_eq!(n2, 0);
}

#[test]
fn text_masking_is_idempotent() {
    let m = masker();
    let s = format!("password=x token: \"y\" {JWT} 4111111111111111 {{\"secret\":12}}");
    let once = mt(&m, &s);
    let mut n = 0;
    let twice = m.mask_text(&once, &mut n);
    assert_eq!(twice, once);
    assert_eq!(n, 0);
}

#[test]
fn mask_message_skips_clean_json_and_counts_once() {
    let m = masker();
    let raw = r#"{"password":"hunter2","user":"bob"}"#;
    let mut v: serde_json::Value = serde_json::from_str(raw).expect("json");
    let mut n = 0;
    let out = m.mask_message(raw, Some(&mut v), &mut n);
    assert_eq!(out, r#"{"password":"[MASKED]","user":"bob"}"#);
    assert_eq!(v, json!({"password": "[MASKED]", "user": "bob"}));
    assert_eq!(n, 1);
    let raw = r#"{"user":"bob","n":1}"#;
    let mut v: serde_json::Value = serde_json::from_str(raw).expect("json");
    assert!(matches!(
        m.mask_message(raw, Some(&mut v), &mut n),
        Cow::Borrowed(_)
    ));
    assert_eq!(n, 1);
}

#[test]
fn disabled_masking_and_disabled_rules() {
    let m = with(&[("LOGSHIP_MASK", "off")]).expect("config");
    assert!(!m.enabled());
    assert_eq!(mt(&m, "password=x"), "password=x");
    let mut v = json!({"password": "x"});
    let mut n = 0;
    m.mask_json(&mut v, &mut n);
    assert_eq!(v, json!({"password": "x"}));

    let m = with(&[("LOGSHIP_MASK_DISABLE", "card_number, jwt")]).expect("config");
    assert_eq!(
        mt(&m, &format!("4111111111111111 {JWT} password=x")),
        format!("4111111111111111 {JWT} password=[MASKED]")
    );
    assert!(!m.active_rules().iter().any(|r| r == "jwt"));
}

#[test]
fn extra_keys_and_patterns() {
    let m = with(&[
        ("LOGSHIP_MASK_EXTRA_KEYS", "ssn, pin_code"),
        (
            "LOGSHIP_MASK_EXTRA_PATTERNS",
            r#"{"employee_id":"EMP-[0-9]{6}","internal_ref":"ref=(?P<secret>[a-z]{8})"}"#,
        ),
    ])
    .expect("config");
    assert_eq!(
        mt(&m, "user_ssn=123-45-6789 lesson=3"),
        "user_ssn=[MASKED] lesson=3"
    );
    assert_eq!(mt(&m, "{\"PinCode\": 1234}"), "{\"PinCode\": \"[MASKED]\"}");
    assert_eq!(
        mt(&m, "by EMP-123456 ref=abcdefgh."),
        "by [MASKED] ref=[MASKED]."
    );
    let mut v = json!({"userSsn": "123-45-6789", "note": "EMP-000001"});
    let mut n = 0;
    m.mask_json(&mut v, &mut n);
    assert_eq!(v, json!({"userSsn": "[MASKED]", "note": "[MASKED]"}));
}

#[test]
fn custom_marker() {
    let m = with(&[("LOGSHIP_MASK_MARKER", "***")]).expect("config");
    assert_eq!(mt(&m, "password=x"), "password=***");
}

#[test]
fn hash_style() {
    let salt = "a-long-enough-secret-salt";
    let m = with(&[("LOGSHIP_MASK_STYLE", "hash"), ("LOGSHIP_MASK_SALT", salt)]).expect("config");
    let a = mt(
        &m,
        "password=hunter2 again password=hunter2 other password=hunter3",
    );
    let parts: Vec<&str> = a.split_whitespace().collect();
    assert!(
        parts[0].starts_with("password=[MASKED:sha256:")
            && parts[0].len() == "password=".len() + 28,
        "{a}"
    );
    assert_eq!(parts[0], parts[2]);
    assert_ne!(parts[0], parts[4]);
    assert!(!a.contains(salt) && !a.contains("hunter"));
    // JSON and text give the same hash for the same value.
    let mut v = json!({"password": "hunter2"});
    let mut n = 0;
    m.mask_json(&mut v, &mut n);
    assert_eq!(
        format!("password={}", v["password"].as_str().unwrap_or("")),
        parts[0]
    );
    // Different salt, different hash.
    let m2 = with(&[
        ("LOGSHIP_MASK_STYLE", "hash"),
        ("LOGSHIP_MASK_SALT", "another-long-enough-salt"),
    ])
    .expect("config");
    assert_ne!(mt(&m2, "password=hunter2"), parts[0]);
    // Idempotent.
    assert_eq!(mt(&m, &a), a);
    // The salt never shows in Debug output.
    let cfg = MaskConfig::from_lookup(&|k| match k {
        "LOGSHIP_MASK_STYLE" => Some("hash".into()),
        "LOGSHIP_MASK_SALT" => Some(salt.into()),
        _ => None,
    })
    .expect("config");
    assert!(!format!("{cfg:?}").contains(salt));
    assert!(!format!("{m:?}").contains(salt));
}

#[test]
fn config_errors_name_the_setting_and_rule() {
    let err = |vars: &[(&str, &str)]| with(vars).err().map(|e| e.to_string()).unwrap_or_default();
    let e = err(&[("LOGSHIP_MASK", "maybe")]);
    assert!(e.contains("LOGSHIP_MASK") && e.contains("maybe"), "{e}");
    let e = err(&[("LOGSHIP_MASK_DISABLE", "jwt,nosuch")]);
    assert!(
        e.contains("LOGSHIP_MASK_DISABLE") && e.contains("nosuch"),
        "{e}"
    );
    let e = err(&[("LOGSHIP_MASK_DISABLE", "email")]);
    assert!(
        e.contains("LOGSHIP_MASK_DISABLE") && e.contains("email"),
        "{e}"
    );
    let e = err(&[("LOGSHIP_MASK_ENABLE", "phone")]);
    assert!(
        e.contains("LOGSHIP_MASK_ENABLE") && e.contains("phone"),
        "{e}"
    );
    let e = err(&[("LOGSHIP_MASK_EXTRA_PATTERNS", r#"{"my_rule":"([a-z"}"#)]);
    assert!(
        e.contains("LOGSHIP_MASK_EXTRA_PATTERNS") && e.contains("my_rule"),
        "{e}"
    );
    let e = err(&[("LOGSHIP_MASK_EXTRA_PATTERNS", r#"{"empty_rule":"a*"}"#)]);
    assert!(
        e.contains("empty_rule") && e.contains("empty string"),
        "{e}"
    );
    let e = err(&[("LOGSHIP_MASK_EXTRA_PATTERNS", r#"{"jwt":"abc"}"#)]);
    assert!(e.contains("jwt") && e.contains("in use"), "{e}");
    let e = err(&[("LOGSHIP_MASK_EXTRA_PATTERNS", r#"{"Bad Name":"abc"}"#)]);
    assert!(e.contains("Bad Name"), "{e}");
    let e = err(&[("LOGSHIP_MASK_EXTRA_PATTERNS", r#"["abc"]"#)]);
    assert!(e.contains("LOGSHIP_MASK_EXTRA_PATTERNS"), "{e}");
    let e = err(&[("LOGSHIP_MASK_STYLE", "hash")]);
    assert!(e.contains("LOGSHIP_MASK_SALT"), "{e}");
    let e = err(&[
        ("LOGSHIP_MASK_STYLE", "hash"),
        ("LOGSHIP_MASK_SALT", "short-salt"),
    ]);
    assert!(
        e.contains("LOGSHIP_MASK_SALT") && !e.contains("short-salt"),
        "{e}"
    );
    let e = err(&[("LOGSHIP_MASK_STYLE", "rot13")]);
    assert!(e.contains("LOGSHIP_MASK_STYLE"), "{e}");
    let e = err(&[("LOGSHIP_MASK_MARKER", "a\"b")]);
    assert!(e.contains("LOGSHIP_MASK_MARKER"), "{e}");
    let e = err(&[("LOGSHIP_MASK_EXTRA_KEYS", "ok,bad key")]);
    assert!(
        e.contains("LOGSHIP_MASK_EXTRA_KEYS") && e.contains("bad key"),
        "{e}"
    );
    // Empty values mean "unset".
    assert!(with(&[("LOGSHIP_MASK", ""), ("LOGSHIP_MASK_DISABLE", " ")]).is_ok());
}

#[test]
fn masker_is_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Masker>();
}

#[test]
fn hostile_inputs_do_not_panic() {
    let m = with(&[("LOGSHIP_MASK_ENABLE", "email,ip")]).expect("config");
    let mut n = 0;
    for s in [
        "password=",
        "password",
        "\"password\":",
        "\"password\":\"",
        "\\\\\\\"password\\\\\\\":\\\\\\\"",
        "{\"credentials\":{\"a\":[",
        "-----BEGIN PRIVATE KEY-----",
        "://",
        "a://b:@",
        "Bearer ",
        "Basic ====",
        "eyJ.",
        "@",
        "x@y.",
        "ghp_",
        "4111 1111 1111 111",
        "é password=é€ token:€",
        "<password>",
        "--password",
        "Authorization: ",
    ] {
        let _ = m.mask_text(s, &mut n);
        for cut in 0..s.len() {
            if s.is_char_boundary(cut) {
                let _ = m.mask_text(&s[..cut], &mut n);
            }
        }
    }
}

#[test]
fn mask_message_walks_json_when_escapes_could_hide_a_trigger() {
    let m = masker();
    // PHP-style escaped slashes hide "://" from the raw text scan.
    let raw = r#"{"dsn":"postgres:\/\/app:s3cr3t@db:5432\/x","n":1}"#;
    let mut v: serde_json::Value = serde_json::from_str(raw).expect("json");
    let mut n = 0;
    let out = m.mask_message(raw, Some(&mut v), &mut n);
    assert_eq!(
        v,
        json!({"dsn": "postgres://app:[MASKED]@db:5432/x", "n": 1})
    );
    // The password found in the fields is masked in the raw text too.
    assert_eq!(
        out,
        r#"{"dsn":"postgres:\/\/app:[MASKED]@db:5432\/x","n":1}"#
    );
    assert_eq!(n, 1);
    // A \u escape inside a key word.
    let raw = r#"{"pass\u0077ord":"hunter2"}"#;
    let mut v: serde_json::Value = serde_json::from_str(raw).expect("json");
    m.mask_message(raw, Some(&mut v), &mut n);
    assert_eq!(v, json!({"password": "[MASKED]"}));
}

#[test]
fn cli_flags() {
    assert_eq!(
        t("tool --password -7jQ#inV --verbose"),
        "tool --password [MASKED] --verbose"
    );
    assert_eq!(
        t("tool --db-password s3cr3t -v"),
        "tool --db-password [MASKED] -v"
    );
    assert_eq!(
        t("tool --app-secret --iqzD-6/nzp --verbose"),
        "tool --app-secret [MASKED] --verbose"
    );
    kept("tool --password --log-level=debug");
    kept("tool --password --verbose");
    kept("tool --password -v next");
    kept("tool --token-count 5 --password-file /run/secrets/db");
}

#[test]
fn ip_rule_details() {
    let m = with(&[("LOGSHIP_MASK_ENABLE", "ip")]).expect("config");
    assert_eq!(
        mt(&m, "src=10.0.1.5:443 dst=192.168.0.255."),
        "src=[MASKED]:443 dst=[MASKED]."
    );
    assert_eq!(
        mt(&m, "mapped ::ffff:10.0.0.1 and fe80::1%eth0"),
        "mapped [MASKED] and [MASKED]%eth0"
    );
    assert_eq!(
        mt(&m, "full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 end"),
        "full [MASKED] end"
    );
    for s in [
        "at 12:30:45.123Z",
        "mac aa:bb:cc:dd:ee:ff",
        "path std::fmt::Display",
        "version 1.2.3.4.5",
        "float 3.14159 and 999.1.1.1",
        "uuid 3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c",
        "Token::new()",
    ] {
        assert_eq!(mt(&m, s), s);
    }
}

#[test]
fn long_texts_and_chunk_boundaries() {
    let m = masker();
    for off in [
        0usize, 1, 4000, 4090, 4093, 4095, 4096, 4100, 8180, 8190, 12_000,
    ] {
        let text = format!(
            "{} password=hunter2xyz {}",
            "a".repeat(off),
            "b ".repeat(3000)
        );
        let out = mt(&m, &text);
        assert!(
            !out.contains("hunter2xyz") && out.contains("password=[MASKED]"),
            "offset {off}"
        );
        let text = format!(
            "{}ghp_0123456789abcdefghijABCDEFGHIJ012345 {}",
            "é".repeat(off / 2),
            "z".repeat(5000)
        );
        assert!(!mt(&m, &text).contains("ghp_0123"), "offset {off}");
    }
}

#[test]
fn more_key_forms() {
    let m = masker();
    let mut v = json!({"API Key": "abc123", "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/s3/aws4_request, Signature=abcdef", "cookie": ["a=1", "b=2"], "set-cookie": "id=a3fWa; Path=/"});
    let mut n = 0;
    m.mask_json(&mut v, &mut n);
    assert_eq!(
        v,
        json!({"API Key": "[MASKED]", "Authorization": "AWS4-HMAC-SHA256 [MASKED]", "cookie": "[MASKED]", "set-cookie": "[MASKED]"})
    );
    assert_eq!(
        t("password = \"a\\\"b c\" next=1"),
        "password = \"[MASKED]\" next=1"
    );
    assert_eq!(
        t("password=\"unterminated value\nnext=1"),
        "password=\"[MASKED]\nnext=1"
    );
    assert_eq!(
        t("{\n  \"password\": \"x\",\n  \"user\": \"bob\"\n}"),
        "{\n  \"password\": \"[MASKED]\",\n  \"user\": \"bob\"\n}"
    );
}

#[test]
fn adversarial_inputs_stay_linear() {
    let m = with(&[("LOGSHIP_MASK_ENABLE", "email,ip")]).expect("config");
    let n = 20_000;
    let inputs = [
        "password={".repeat(n),
        "password=\"".repeat(n),
        "password=".repeat(n),
        "Cookie: ".repeat(n),
        "-----BEGIN PRIVATE KEY-----".repeat(n),
        "eyJ".repeat(n),
        "://".repeat(n),
        "Bearer ".repeat(n),
        "4111 ".repeat(n),
        "1".repeat(n * 5),
        "a@".repeat(n),
        "1.1.".repeat(n),
        "1:1:".repeat(n),
        "\\\"".repeat(n),
        "\"token\":[".repeat(n),
    ];
    for s in &inputs {
        let t0 = std::time::Instant::now();
        let mut c = 0;
        let _ = m.mask_text(s, &mut c);
        let el = t0.elapsed();
        assert!(el.as_secs_f64() < 2.0, "{:?}... took {el:?}", &s[..20]);
    }
}

/// The before/after example of MASKING.md, verbatim.
#[test]
fn readme_example() {
    let before = [
        "2024-03-01T12:00:00.000Z\t3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c\tINFO\tlogin user=alice password=hunter2 client_id=app-7 tokens_used=1532",
        "POST /v1/orders HTTP/1.1\\r\\nHost: api.example.com\\r\\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl\\r\\nCookie: sid=9f8e7d; theme=dark\\r\\n",
        r#"{"requestId":"3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c","dsn":"postgres://app:s3cr3t@db.internal:5432/app","card":"4111 1111 1111 1111","body":"{\"api_key\":\"AKIAIOSFODNN7EXAMPLE\",\"user\":\"bob\"}","password_changed_at":"2024-01-01T00:00:00Z","secretArn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"}"#,
    ];
    let after = [
        "2024-03-01T12:00:00.000Z\t3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c\tINFO\tlogin user=alice password=[MASKED] client_id=app-7 tokens_used=1532",
        "POST /v1/orders HTTP/1.1\\r\\nHost: api.example.com\\r\\nAuthorization: Bearer [MASKED]\\r\\nCookie: [MASKED]\\r\\n",
        r#"{"requestId":"3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c","dsn":"postgres://app:[MASKED]@db.internal:5432/app","card":"[MASKED]","body":"{\"api_key\":\"[MASKED]\",\"user\":\"bob\"}","password_changed_at":"2024-01-01T00:00:00Z","secretArn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"}"#,
    ];
    for (b, a) in before.iter().zip(after) {
        assert_eq!(t(b), a);
    }
}

#[test]
fn loose_syntaxes_after_credential_words() {
    let s = "q8Zr2LmN4vT7yBx1Kd9Wc3Hs";
    for (text, want) in [
        (format!("token - '{s}'"), "token - '[MASKED]'".to_string()),
        (
            format!("the apikey is {s}"),
            "the apikey is [MASKED]".to_string(),
        ),
        (
            "password is hunter2!x".to_string(),
            "password is [MASKED]".to_string(),
        ),
        (
            format!("sonar token {s}"),
            "sonar token [MASKED]".to_string(),
        ),
        (format!("Using Key={s}"), "Using Key=[MASKED]".to_string()),
        (
            format!("-H \"X-Scrapingbee-Key: {s}\""),
            "-H \"X-Scrapingbee-Key: [MASKED]\"".to_string(),
        ),
        (
            format!("token = '{s}' | '{s}'"),
            "token = '[MASKED]' | '[MASKED]'".to_string(),
        ),
        (
            format!("curl -u admin:{s} https://x"),
            "curl -u admin:[MASKED] https://x".to_string(),
        ),
    ] {
        assert_eq!(t(&text), want, "{text}");
    }
    kept("the password is incorrect; token expired for alice; token - none");
    kept("password = get_password() token = ENV[name] secret=process.env.SECRET");
}

#[test]
fn structured_secrets() {
    // Docker config: base64("deploy:s3cr3t-pw").
    let docker = r#"{"auths":{"registry.example.com":{"auth":"ZGVwbG95OnMzY3IzdC1wdw=="}}}"#;
    assert_eq!(
        t(docker),
        r#"{"auths":{"registry.example.com":{"auth":"[MASKED]"}}}"#
    );
    let mut v: serde_json::Value = serde_json::from_str(docker).expect("json");
    let mut n = 0;
    masker().mask_json(&mut v, &mut n);
    assert_eq!(v["auths"]["registry.example.com"]["auth"], "[MASKED]");
    // Kubernetes Secret, YAML and JSON.
    let yaml = "apiVersion: v1\ndata:\n  username: YWRtaW4=\n  tls.key: LS0tLS1CRUdJTg==\nkind: Secret\nmetadata:\n  name: db\n";
    assert_eq!(
        t(yaml),
        "apiVersion: v1\ndata:\n  username: [MASKED]\n  tls.key: [MASKED]\nkind: Secret\nmetadata:\n  name: db\n"
    );
    let k8s = r#"{"apiVersion":"v1","kind":"Secret","data":{"username":"YWRtaW4=","conn":"cG9zdGdyZXM="},"metadata":{"name":"db"}}"#;
    let mut v: serde_json::Value = serde_json::from_str(k8s).expect("json");
    masker().mask_json(&mut v, &mut n);
    assert_eq!(v["data"]["conn"], "[MASKED]");
    assert_eq!(v["metadata"]["name"], "db");
    assert!(!t(k8s).contains("cG9zdGdyZXM="));
    // NuGet, ADO.NET, JDBC.
    assert_eq!(
        t(r#"<add key="ClearTextPassword" value="n0tS0secret!" />"#),
        r#"<add key="ClearTextPassword" value="[MASKED]" />"#
    );
    assert_eq!(
        t("Server=tcp:db;Database=app;User Id=app;Password=Pa55w0rd!;Encrypt=true"),
        "Server=tcp:db;Database=app;User Id=app;Password=[MASKED];Encrypt=true"
    );
    // PuTTY, age and PGP keys.
    let putty = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5\nPrivate-Lines: 1\nAAAAIGz0cmFuZG9tcHJpdmF0ZWtleQ\nPrivate-MAC: 0a1b2c3d4e5f\n";
    let out = t(putty);
    assert!(
        !out.contains("AAAAIGz0cmFuZG9tcHJpdmF0ZWtleQ") && out.contains("Public-Lines"),
        "{out}"
    );
    let age = "AGE-SECRET-KEY-1QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7LQPZRY9X8GF2TVDW0S3JN54KHCE6MU";
    assert_eq!(t(&format!("key {age}")), "key [MASKED]");
    let pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF0\n-----END PGP PRIVATE KEY BLOCK-----";
    assert_eq!(t(pgp), "[MASKED]");
    // Azure SAS.
    assert_eq!(
        t(
            "https://a.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig=Xk3%2Bq9ZrLmN4vT7yBx1Kd9Wc3Hs%3D"
        ),
        "https://a.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig=[MASKED]"
    );
}

#[test]
fn per_family_counts() {
    let m = masker();
    let mut c = MaskCounts::default();
    let text =
        "a glpat-Zx8Qr2Lm4Nv7Tb1Yc9Wd b password=hunter2x c SK0123456789abcdef0123456789abcdef";
    let _ = m.mask_text_counted(text, &mut c);
    assert_eq!(c.get(Rule::SourceControlToken), 1);
    assert_eq!(c.get(Rule::SensitiveKey), 1);
    assert_eq!(c.get(Rule::MessagingKey), 1);
    assert_eq!(c.total(), 3);
    assert_eq!(c.nonzero().count(), 3);
}

/// Masks `raw` with `mask_message` (text and the JSON parsed from it);
/// returns the shipped text and the masked tree.
fn msg(raw: &str) -> (String, serde_json::Value) {
    let m = masker();
    let mut v: serde_json::Value = serde_json::from_str(raw).expect("json");
    let mut n = 0;
    let out = m.mask_message(raw, Some(&mut v), &mut n).into_owned();
    (out, v)
}

#[test]
fn json_line_breaks_around_the_colon() {
    let pw = "hunter2-Pa55w0rd-zz";
    for raw in [
        format!("{{\"password\":\n\"{pw}\"}}"),
        format!("{{\"password\"\n:\"{pw}\"}}"),
        format!("{{\"password\":\r\n\"{pw}\"}}"),
        format!("{{\"password\"\r\n  :\r\n  \"{pw}\", \"user\": \"bob\"}}"),
        format!("{{\n  \"password\":\n    \"{pw}\"\n}}"),
        format!("{{\"password\":\n{{\"v\":\"{pw}\"}}}}"),
    ] {
        let (out, v) = msg(&raw);
        assert!(!out.contains(pw), "text leaks: {out:?}");
        assert!(!v.to_string().contains(pw), "field leaks: {v}");
    }
    // Escaped JSON inside a string, with an escaped line break.
    let raw = format!("{{\"body\":\"{{\\\"password\\\":\\n\\\"{pw}\\\"}}\"}}");
    let (out, v) = msg(&raw);
    assert!(!out.contains(pw), "text leaks: {out:?}");
    assert!(!v.to_string().contains(pw), "field leaks: {v}");
    // A YAML-style key with nothing on its line is not a key: value pair.
    assert_eq!(
        t("password:\nnext line is text"),
        "password:\nnext line is text"
    );
}

#[test]
fn escaped_key_masks_the_value_in_the_text_too() {
    let pw = "hunter2-Pa55w0rd-zz";
    for raw in [
        format!("{{\"pass\\u0077ord\":\"{pw}\"}}"),
        format!("{{\"\\u0070assword\" : \"{pw}\", \"n\": 1}}"),
        format!("{{\"api\\u005fkey\":\"{pw}\"}}"),
    ] {
        let (out, v) = msg(&raw);
        assert!(!out.contains(pw), "text leaks: {out:?}");
        assert!(!v.to_string().contains(pw), "field leaks: {v}");
    }
    // Also when the value is too short to be propagated by "same value
    // everywhere"; the text is shipped with the key escape decoded.
    let raw = r#"{"pass\u0077ord":"ab12","user":"bob"}"#;
    let (out, v) = msg(raw);
    assert_eq!(v, json!({"password": "[MASKED]", "user": "bob"}));
    assert_eq!(out, r#"{"password":"[MASKED]","user":"bob"}"#);
    // An escaped backslash is not an escape: the text stays as it was.
    let raw = r#"{"note":"C:\\u0077","n":1}"#;
    assert_eq!(msg(raw).0, raw);
}

#[test]
fn url_encoded_separators() {
    assert_eq!(t("password%3Dhunter2-Pa55w0rd-zz"), "password%3D[MASKED]");
    assert_eq!(
        t("GET /login?next=%2Fhome%3Fpassword%3Dhunter2-Pa55w0rd-zz%26x%3D1 HTTP/1.1"),
        "GET /login?next=%2Fhome%3Fpassword%3D[MASKED]%26x%3D1 HTTP/1.1"
    );
    assert_eq!(t("secret%3dabc123XYZ&ok=1"), "secret%3d[MASKED]&ok=1");
    assert_eq!(
        t("q=%7B%22password%22%3A%22hunter2-Pa55w0rd-zz%22%7D"),
        "q=%7B%22password%22%3A%22[MASKED]%22%7D"
    );
    // Not a credential key: kept.
    kept("redirect%3Dhttps%3A%2F%2Fexample.com%2Fpasswords-help");
    kept("password_reset%3Dtrue");
}

#[test]
fn short_credential_key_words_and_bare_aws_secrets() {
    assert_eq!(t("db_pass=hunter2-Pa55w0rd-zz"), "db_pass=[MASKED]");
    assert_eq!(t("DB_PASS: hunter2"), "DB_PASS: [MASKED]");
    let secret = "Zq3/vT8kR1mN5bX7wY2cL9dF4gH6jK0pQsTuVxA+";
    assert_eq!(secret.len(), 40);
    for (line, want) in [
        (
            format!("creds AKIAQWERTYUIOPASDFGH {secret} ok"),
            "creds [MASKED] [MASKED] ok",
        ),
        (
            format!("bob,,AKIAQWERTYUIOPASDFGH,{secret}"),
            "bob,,[MASKED],[MASKED]",
        ),
        (
            format!("AKIAQWERTYUIOPASDFGH:{secret}"),
            "[MASKED]:[MASKED]",
        ),
        (
            format!("{{\"id\":\"ASIAY34FZKBOKMUTVV7A\",\"k\":\"{secret}\"}}"),
            "{\"id\":\"[MASKED]\",\"k\":\"[MASKED]\"}",
        ),
        (
            "arn secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string(),
            "arn secret [MASKED]",
        ),
    ] {
        assert_eq!(t(&line), want, "{line}");
    }
    // A 40-character path or hash far from any key id is kept.
    kept("commit 3b18e512dba79e4c8300dd08aeb37f8e728b8dad pushed");
    kept("AKIA is a prefix; objects/2024/03/01/abcdefghijklmnopqrst.json");
}

#[test]
fn uuid_tokens_count_only_after_a_credential_word() {
    let u = "3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c";
    assert_eq!(
        t(&format!("heroku api key = {u}")),
        "heroku api key = [MASKED]"
    );
    assert_eq!(
        t(&format!("HEROKU_API_KEY={u} ok")),
        "HEROKU_API_KEY=[MASKED] ok"
    );
    assert_eq!(
        t(&format!("{{\"apiKey\":\"{u}\",\"n\":1}}")),
        "{\"apiKey\":\"[MASKED]\",\"n\":1}"
    );
    kept(&format!("{{\"requestId\":\"{u}\",\"traceId\":\"{u}\"}}"));
    kept(&format!("START RequestId: {u} Version: $LATEST"));
    kept(&format!("2024-03-01T00:00:00.000Z\t{u}\tINFO\tok"));
    kept(&format!("GET /v1/items/{u} 200"));
}

#[test]
fn lambda_start_line_fields() {
    let gh = "ghp_ZyXwVuTsRqPoNmLkJiHgFeDcBa0987654321";
    let out = t(&format!("START RequestId: 1 Version: {gh}"));
    assert!(!out.contains(gh), "{out}");
    assert!(!t(gh).contains(gh));
    assert_eq!(
        t("START RequestId: 1 Version: $LATEST password=hunter2-Pa55w0rd-zz"),
        "START RequestId: 1 Version: $LATEST password=[MASKED]"
    );
}

#[test]
fn name_value_pairs_escapes_and_schemes_after_tabs() {
    let m = masker();
    // Settings as name/value pairs (container environments, header lists).
    for line in [
        r#"{"environment":[{"name":"DB_PASSWORD","value":"Rk4vQ9mZ2xLp7Wt3"},{"name":"STAGE","value":"prod"}]}"#,
        r#"{"headers":[{"Name":"X-Api-Key", "Value" : "Rk4vQ9mZ2xLp7Wt3"}]}"#,
        r#"{"body":"{\"key\":\"client_secret\",\"value\":\"Rk4vQ9mZ2xLp7Wt3\"}"}"#,
    ] {
        let mut tree: Value = serde_json::from_str(line).expect("JSON");
        let mut counts = MaskCounts::default();
        let out = m.mask_message_counted(line, Some(&mut tree), &mut counts);
        assert!(!out.contains("Rk4vQ9mZ2xLp7Wt3"), "{out}");
        assert!(!tree.to_string().contains("Rk4vQ9mZ2xLp7Wt3"), "{tree}");
        assert!(!m.line_is_clean(line), "{line}");
    }
    kept(
        r#"{"environment":[{"name":"STAGE","value":"prod"},{"name":"password_changed_at","value":"2026-11-27"}]}"#,
    );
    // A token right after a percent-encoding or a `\u` escape.
    assert_eq!(
        t("GET /cb?state=x%2FAKIAQ7ZK3MWR5BV4NX2T&y=1"),
        "GET /cb?state=x%2F[MASKED]&y=1"
    );
    assert_eq!(
        t(r"failed\u000aAKIAQ7ZK3MWR5BV4NX2T"),
        r"failed\u000a[MASKED]"
    );
    assert_eq!(
        t(r#"{"h":"{\"a\":\"Bearer\\tmF_9.B5f-4.1JqM\"}"}"#),
        r#"{"h":"{\"a\":\"Bearer\\t[MASKED]\"}"}"#
    );
    // A header line's value runs past quotes inside it.
    assert_eq!(
        t(r#"Cookie: theme="dark"; sid=Rk4vQ9mZ2xLp7Wt3"#),
        "Cookie: [MASKED]"
    );
    // `key=value` with a scheme word and a tab: the scheme stays, the credential goes.
    assert_eq!(
        t("Authorization=Bearer\tmF_9.B5f-4.1JqM"),
        "Authorization=Bearer\t[MASKED]"
    );
}
