//! Tests for the gaps closed after the last outside review of issue 11:
//! Digest and SigV4 authorization values, credential flags without `=`,
//! URL-encoded Telegram bot tokens, tab and no-break-space separators, and
//! two false positives (object-key paths under `key`, hex digests under a
//! `_hash` key).

use std::borrow::Cow;

use proptest::prelude::*;
use serde_json::Value;

use super::*;

fn masker() -> Masker {
    Masker::new(&MaskConfig::default()).expect("default config")
}

/// Masks `s` as text and, when it parses, as a message with its JSON.
fn all(m: &Masker, s: &str) -> Vec<String> {
    let mut n = 0;
    let mut out = vec![m.mask_text(s, &mut n).into_owned()];
    if let Ok(mut v) = serde_json::from_str::<Value>(s) {
        let t = m.mask_message(s, Some(&mut v), &mut n).into_owned();
        out.push(t);
        out.push(v.to_string());
    }
    out
}

#[track_caller]
fn hides(s: &str, secret: &str) {
    let m = masker();
    for out in all(&m, s) {
        assert!(!out.contains(secret), "{secret:?} leaked: {s:?} -> {out:?}");
        assert!(out.contains("[MASKED]"), "nothing masked: {s:?} -> {out:?}");
    }
}

#[track_caller]
fn keeps(s: &str) {
    let m = masker();
    let mut n = 0;
    let out = m.mask_text(s, &mut n);
    assert!(matches!(out, Cow::Borrowed(_)), "changed: {s:?} -> {out:?}");
    if let Ok(v) = serde_json::from_str::<Value>(s) {
        let mut w = v.clone();
        let t = m.mask_message(s, Some(&mut w), &mut n);
        assert_eq!(t, s);
        assert_eq!(w, v);
    }
    assert_eq!(n, 0, "{s:?}");
}

const R32: &str = "6629fae49393a05397450978507c4ef1";
const SIG: &str = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
const TOK: &str = "Zq8vR2mLx7KpT4nW9bYc3Hd";

#[test]
fn digest_authorization_masks_response_and_cnonce() {
    let line = format!(
        "Authorization: Digest username=\"bob\", realm=\"x\", nonce=\"dcd98b7102dd\", uri=\"/a\", response=\"{R32}\", cnonce=\"0a4f113b9c2d\", qop=auth"
    );
    hides(&line, R32);
    hides(&line, "0a4f113b9c2d");
    let out = all(&masker(), &line).remove(0);
    assert!(out.starts_with("Authorization: Digest "), "{out}");
    // Inside a JSON string (escaped quotes) too.
    let json = serde_json::json!({ "msg": line }).to_string();
    hides(&json, R32);
    // Header dumps with a following line keep that line.
    let dump = format!("{line}\r\nHost: api.example.com");
    let out = all(&masker(), &dump).remove(0);
    assert!(out.ends_with("\r\nHost: api.example.com"), "{out}");
}

#[test]
fn sigv4_signatures_are_masked() {
    let akid = "AKIAZ7Q3M5N2B8V4C6X1";
    hides(
        &format!(
            "Authorization=AWS4-HMAC-SHA256 Credential={akid}/20261127/us-east-1/s3/aws4_request, SignedHeaders=host, Signature={SIG}"
        ),
        SIG,
    );
    hides(
        &format!(
            "Authorization: AWS4-HMAC-SHA256 Credential={akid}/20261127/us-east-1/s3/aws4_request, SignedHeaders=host, Signature={SIG}"
        ),
        SIG,
    );
    hides(
        &format!(
            "GET https://b.s3.amazonaws.com/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={akid}%2F20261127&X-Amz-Signature={SIG}&x=1"
        ),
        SIG,
    );
}

#[test]
fn credential_flags_and_words_without_separator() {
    for flag in [
        "--access_key",
        "access_key",
        "--signing_key",
        "--encryption_key",
        "--key",
        "--AccessKey",
        "--SigningKey",
        "key",
        "--api_key",
    ] {
        hides(&format!("deploy.sh {flag} {TOK} --region eu-west-1"), TOK);
    }
    // Words and ordinary values after them stay.
    keeps("press the key button to continue");
    keeps("--key ./certs/server.pem --access_key-file /etc/keys/ak.txt");
    keeps("sort key created_at_timestamp_desc");
}

#[test]
fn telegram_token_with_encoded_colon() {
    let body = "AAHk3sQ9vLm2XcR7tYp0WzB4nJ6fD8gEaU1";
    for sep in [":", "%3A", "%3a"] {
        hides(
            &format!("GET https://api.telegram.org/bot123456789{sep}{body}/getMe 200"),
            body,
        );
    }
    keeps("GET https://api.telegram.org/bot123456789%3Ashort/getMe 200");
}

#[test]
fn tab_and_no_break_space_separators() {
    hides(&format!("retry with Bearer%09{TOK}"), TOK);
    hides(&format!("retry with Bearer\u{a0}{TOK}"), TOK);
    hides("login password\u{a0}Hunter2Secret! failed", "Hunter2Secret");
    hides("curl -u\tbob:Hunter2Secret https://x", "Hunter2Secret");
    let out = all(&masker(), "curl -u\tbob:Hunter2Secret https://x").remove(0);
    assert!(out.contains("bob:"), "{out}");
    keeps("password\u{a0}reset requested");
}

#[test]
fn object_key_paths_and_digests_stay() {
    let path = "uploads/2026/11/27/3f0a8c1e4b2d4e7a9c1d2b3e4f5a6b7c.png";
    keeps(&format!("{{\"key\":\"{path}\"}}"));
    keeps(&format!("key={path}"));
    keeps(&format!("the key {path}"));
    keeps("session_id_hash=3b18e512dba79e4c8300dd08aeb37f8e728b8dad");
    keeps("{\"session_id_hash\":\"3b18e512dba79e4c8300dd08aeb37f8e728b8dad\"}");
    keeps("token_sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    // A random value under such a key is still a secret; so is a key
    // without a path.
    hides(&format!("key={TOK}"), TOK);
    hides(&format!("api_key_hash_salt={TOK}"), TOK);
}

#[test]
fn masked_value_used_as_object_key_is_masked_there_too() {
    let s = r#"{"password":"Hunter2Pw9x!","m":{"Hunter2Pw9x!":1}}"#;
    hides(s, "Hunter2Pw9x");
    let m = masker();
    let mut v: Value = serde_json::from_str(s).expect("json");
    let mut n = 0;
    m.mask_json(&mut v, &mut n);
    assert_eq!(v["m"]["[MASKED]"], 1, "{v}");
}

#[test]
fn escaped_credential_words_in_text() {
    hides(r#"msg pass\u0077ord=Hunter2Secret x"#, "Hunter2Secret");
    // In nested JSON the parsed tree is masked (the raw line keeps its
    // doubly escaped `\\u`, which no key word can be read through yet).
    let nested = r#"{"msg":"{\"pass\\u0077ord\":\"Hunter2Secret\"}"}"#;
    let mut v: Value = serde_json::from_str(nested).expect("json");
    let mut n = 0;
    masker().mask_json(&mut v, &mut n);
    assert!(!v.to_string().contains("Hunter2Secret"), "{v}");
}

proptest! {
    #[test]
    fn random_values_after_flags_are_masked(
        flag in prop::sample::select(vec!["--access_key", "--signing_key", "--key", "--encryption_key", "access_key"]),
        v in "[A-Za-z][A-Za-z0-9]{10}[0-9][A-Za-z0-9]{10}",
    ) {
        prop_assume!(v.bytes().any(|c| c.is_ascii_uppercase()) && v.bytes().any(|c| c.is_ascii_lowercase()));
        let s = format!("run {flag} {v} now");
        let mut n = 0;
        let out = masker().mask_text(&s, &mut n).into_owned();
        prop_assert!(!out.contains(&v), "{s} -> {out}");
    }

    #[test]
    fn object_paths_under_key_stay(
        segs in prop::collection::vec("[a-z0-9]{2,12}", 2..5),
        leaf in "[0-9a-f]{32}",
        ext in prop::sample::select(vec!["png", "jpg", "json", "gz", "csv"]),
    ) {
        let path = format!("{}/{leaf}.{ext}", segs.join("/"));
        for s in [format!("{{\"key\":\"{path}\"}}"), format!("key={path}"), format!("the key {path} was uploaded")] {
            let mut n = 0;
            let out = masker().mask_text(&s, &mut n);
            prop_assert_eq!(out.as_ref(), s.as_str());
        }
    }
}

// --- Vendor names as keys, short `...Key` values, placeholders -------------

#[test]
fn vendor_name_as_the_whole_key_in_any_syntax() {
    let v40 = "Qm7vR2kLx9PtT4nW8bYc3Hd6Jf1Gs5Zq0Ua2Ei4O";
    for line in [
        format!("DATADOG {v40}"),
        format!("todoist = '{v40}'"),
        format!("ABBYSALE={v40}"),
        format!("Sumo_Logic: {v40}"),
        format!("{{\"adzuna\": \"{v40}\"}}"),
        format!("privateai {v40}"),
        format!("COINAPI {v40}"),
    ] {
        hides(&line, v40);
    }
    // A whole-key vendor name takes UUIDs, 40-hex and 16-character values.
    hides(
        "HEROKU=5d0c7b1e-93a4-4f6e-b2c8-7a1d9e3f5b20",
        "5d0c7b1e-93a4-4f6e-b2c8-7a1d9e3f5b20",
    );
    hides(
        "MERAKI=0c4f9a7e2b81d36f5a0e9c7b4d2f18a6e3c5b790",
        "0c4f9a7e2b81d36f5a0e9c7b4d2f18a6e3c5b790",
    );
    hides("CONFLUENT=K7rT2mQ9vX4pL8wZ", "K7rT2mQ9vX4pL8wZ");
    hides("AIRTABLE=aB3dE5gH7jK9mN1pQ", "aB3dE5gH7jK9mN1pQ");
    hides("MITE=7aed2e5706276126", "7aed2e5706276126");
}

#[test]
fn vendor_metadata_keys_stay() {
    for line in [
        "heroku_request_id=5d0c7b1e-93a4-4f6e-b2c8-7a1d9e3f5b20",
        "datadog_trace=4bf92f3577b34da6a3ce929d0e0e4736",
        "github_sha=0c4f9a7e2b81d36f5a0e9c7b4d2f18a6e3c5b790",
        "commit 0c4f9a7e2b81d36f5a0e9c7b4d2f18a6e3c5b790",
        "sentry event_id=fc6d8c0c43fc4630ad850ee518f1b9d0",
        "stripe_event=evt_1NG8Du2eZvKYlo2CUI79vXWy",
        "body_hash=4bf92f3577b34da6a3ce929d0e0e4736",
        "monday_report=Q3-planning-review",
        "user=K7rT2mQ9vX4pL8wZ",
    ] {
        keeps(line);
    }
}

#[test]
fn short_values_under_a_key_assignment() {
    hides("const debounceKey = \"a8ndUbU8H1lsr\";", "a8ndUbU8H1lsr");
    hides("let linkedinKey = 'q4wz81mk0ab3fe';", "q4wz81mk0ab3fe");
    hides(
        "{\"src\":\"const sumoKey = \\\"su7Tm2Qx9bLk4Wn\\\";\"}",
        "su7Tm2Qx9bLk4Wn",
    );
    // A vendor name that ends like a non-secret key is still the vendor's key.
    hides(
        "const bitbucketKey = \"k3m9x2q7w4z8c1v6b5n0p2r8t4y7u1i3\";",
        "k3m9x2q7w4z8c1v6b5n0p2r8t4y7u1i3",
    );
    hides(
        "const sinchmessageKey = \"9f2c4e6a8b0d1f3e5a7c9b2d4f6e8a0c\";",
        "9f2c4e6a8b0d1f3e5a7c9b2d4f6e8a0c",
    );
    for line in [
        "const cacheKey = \"user42prof1le\";",
        "const key = \"a8ndUbU8H1lsr\";",
        "const sortKey = \"created2024at\";",
        "const s3ObjectKey = \"k3m9x2q7w4z8c1v6b5n0p2r8t4y7u1i3\";",
        "const debounceKey = \"searchInput\";",
        "const routeKey = \"GET /v1/users\";",
    ] {
        keeps(line);
    }
}

#[test]
fn variable_and_command_placeholders_stay() {
    for line in [
        "password=%API_KEY%",
        "api_key: '@API_KEY@'",
        "token=$(cat /run/secrets/token)",
        "{\"client_secret\": \"$(cat /run/secrets/token)\"}",
        "Authorization: Bearer %API_TOKEN%",
        "secret=@DB_SECRET@",
    ] {
        keeps(line);
    }
}

// --- Where a value ends -----------------------------------------------------

#[test]
fn aws_secret_after_an_id_under_any_key() {
    let id = "AKIAQ3EGRTY7ZK2PLM5W";
    let sec = "Tq9vB2nLx7KpR4mW1cYe3Hd8Jf0Gs5Za6Ub/Ei+O";
    for line in [
        format!("access_key_id={id} {sec}"),
        format!("aws_token: {id} {sec}"),
        format!("the secret {id} {sec} was rotated"),
        format!("{{\"pair\": \"{id},{sec}\"}}"),
    ] {
        hides(&line, sec);
        hides(&line, id);
    }
}

#[test]
fn base64_starting_with_a_slash_after_a_credential_word() {
    let v = "/k8Qz2Lm/P4+TrWv7Xy1Bn3Cd5Fg9Hj0Kl2Mn4Pq6Rs8Tu0Vw2Xy4Za6b";
    hides(&format!("aiven token {v}"), "P4+TrWv7Xy1Bn3Cd5Fg9");
    hides(&format!("the secret {v} expired"), "P4+TrWv7Xy1Bn3Cd5Fg9");
    keeps("token_file /var/run/secrets/eks.amazonaws.com/serviceaccount/token");
    keeps("secret loaded from /etc/app/credentials/db-password.txt");
}

#[test]
fn id_pipe_secret_tokens_are_masked_whole() {
    let sec = "Pz4Wq8Lm2Xv6Tn0Bc3Yd7Fs1Gh5Jk9Rm2Np4Qs6Tu8Vw0Xy2Za4Cd6Ef8Gh0";
    for line in [
        format!("token: 90|{sec}"),
        format!("api_token=1234|{sec}"),
        format!("sanctum token 7|{sec}"),
    ] {
        hides(&line, &sec[..20]);
    }
}

#[test]
fn base64_with_equals_inside_is_a_value() {
    let v = "9a/k2m+x7q=w3z_e8r-t5y1u0i/o4p=a6s+d2f9g7h3j5k1l8z0x=c4v6b2n7m9q1w3e5r7t2y4u6i8o0pq";
    hides(&format!("KRAKEN={v}"), &v[..30]);
    hides(&format!("const krakenKey = \"{v}\";"), &v[..30]);
    keeps("query=page=2&sort=name");
}

#[test]
fn sidekiq_gem_server_credentials_masked_whole() {
    let line = "source \"https://3f0a8c1e:9b2c4d6e@gems.contribsys.com/\"";
    hides(line, "3f0a8c1e");
    hides(line, "9b2c4d6e");
    let m = masker();
    let mut n = 0;
    assert!(
        m.mask_text("https://deploy:hunter2x9@git.example.com/r.git", &mut n)
            .contains("deploy:")
    );
}

// --- Prefixes without a rule, and case --------------------------------------

#[test]
fn scanner_prefixes_are_masked_bare() {
    for (name, v) in [
        ("settlemint", "sm_aat_79eDLKCtlRWvCMya"),
        ("settlemint pat", "sm_pat_1DBwYCIMhlDQocHW"),
        (
            "castai",
            "castai_v1_fphcexcja0kjekeqbqrmjusyvvqgl2ts66obex4wt6gh0pjv0wht4n5j4ycp",
        ),
        ("checkout", "sk_sbox_7zcx73qbule5bubt6ma94f9qsp"),
        (
            "teamwork",
            "tkn.v1_QXBnpXxb4WS6HgwJZ7rH3aqpBNkgaKklk/3vxX9SJr9DWUgF4Sf1zbebVyglppDyb+hF",
        ),
        ("ubidots", "BBFF-UtwZtc8xfuDvq2BdbtHfCww1OZvOWS"),
        ("stytch", "secret-live-DQvqsSpcyub8k7wBxLEPDxW2DuvMwU7F4SEQ"),
        ("posthog", "phc_8LOAW8PtNWmAKq64lKdRrkMB9qICAsImT9FfviVkrZI"),
        ("square app", "sq0idp-swNa3jfckBoJEYaTcozEEF"),
        ("pubnub", "pub-c-d377e5ec-15e7-44b7-aa1e-7eb8d2b73798"),
        (
            "apideck",
            "sk_live_YHLwia5Zhw3d9KBKPTkab3fCPNgyOpVsPFfqY85O-DIEX5YjNZ8M5eg3KPAxqv8xbdT3FN6_sNqdeHimxdeT6PCJDidwc",
        ),
        ("besttime", "pri_6135c154f67a11db0a588fe26467ec1d"),
        ("checkly", "cu_a9ebdd9e5186b7d6cc5988cdc34022af"),
        ("locationiq", "pk.76fded9bd0ed3d740e1155b52ea6d03d"),
        ("smooch", "act_ab1421fabfcd72a278e147c5"),
        ("dfuse", "web_f8f360225c13e713b4caf74e3d7ddbe3"),
        (
            "dynatrace lower",
            "dt0c01.kt7rwpex0pdt3rudrnnobrye.y1ht16s91w3enn980n0esxl4h2gsfj9ndk42i0wyii5k4loj66cc2ph97vy1b9d0",
        ),
        (
            "clojars upper",
            "CLOJARS_SLEPXL934VKYR4D0UGUZRPS58LTFPQ90CY24WQGHU21B3QRFICXVQH95L8I6",
        ),
        (
            "postman upper",
            "PMAK-057769D137A7F69885F9F37C-D6B12755AE4D25CF7D7DD24C2FFE28B78A",
        ),
        ("twilio upper", "SK75F2A95248802C6705CC8EE7FFE9D930"),
        ("square short", "EAAAU3Y1VXIObIKy9qbIML541Y"),
    ] {
        for line in [
            v.to_string(),
            format!("retrying request with {v} after 3s"),
            format!("{{\"detail\": \"got {v}\"}}"),
        ] {
            let m = masker();
            for o in all(&m, &line) {
                assert!(
                    !o.contains(&v[v.len() - 12..]),
                    "{name} leaked: {line:?} -> {o:?}"
                );
            }
        }
    }
}

#[test]
fn prefix_look_alikes_stay() {
    for line in [
        "act_1234567890 spent 40 USD",
        "pk.test",
        "pri_01hv8k3m2n price updated",
        "web_server_pool_primary_01",
        "cu_customer_record",
        "at_2026_11_27_backup",
        "account-settings-page-v2",
        "secret-live-reload enabled",
        "pub-c-placeholder",
        "$ANSIBLE_VAULT header missing",
    ] {
        keeps(line);
    }
}

#[test]
fn ansible_vault_and_slack_workflow_bodies() {
    let hex1 = "6231663865623932613064343766386130333562316462386133303931346536";
    let hex2 = "3963303236383566346631353261623763636530653264636236383931373364";
    hides(
        &format!("vars: $ANSIBLE_VAULT;1.1;AES256\n{hex1}\n{hex2}\n"),
        &hex2[..24],
    );
    hides(
        &format!("{{\"v\":\"$ANSIBLE_VAULT;1.1;AES256\\n{hex1}\\n{hex2}\"}}"),
        &hex2[..24],
    );
    let wf = "https://hooks.slack.com/workflows/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";
    hides(wf, "Qm7vR2kLx9PtT4nW8bYc3Hd6");
    let tr =
        "https://hooks.slack.com/triggers/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";
    hides(tr, "8f2c4e6a8b0d1f3e5a7c9b2d");
}

const TOK2: &str = "Vx9kQ2rTm4Lp8sWz6Ny3Bc7Hd5Fg";

#[test]
fn scheme_word_under_a_credential_key_masks_the_token() {
    for key in [
        "password: ",
        "GITHUB_TOKEN=",
        "credentials=",
        "api_secret=",
        "token: ",
    ] {
        for scheme in ["Bearer", "Basic", "Token", "bearer"] {
            let line = format!("{key}{scheme} {TOK2} next");
            hides(&line, TOK2);
            let out = all(&masker(), &line).remove(0);
            assert!(out.ends_with(" next"), "{out}");
        }
    }
    // Prose after a scheme word under a key stays readable.
    let out = all(&masker(), "password: basic auth is off").remove(0);
    assert!(out.ends_with(" auth is off"), "{out}");
}

#[test]
fn string_prefix_before_the_quote() {
    for (pre, close) in [
        ("@\"", "\""),
        ("b\"", "\""),
        ("r'", "'"),
        ("u'", "'"),
        ("f\"", "\""),
        ("$'", "'"),
        ("r#\"", "\"#"),
        ("rb\"", "\""),
    ] {
        let line = format!("var apiKey = {pre}{TOK2}{close}; x = 1");
        hides(&line, TOK2);
        let line = format!("password={pre}Pw7short!x{close}");
        hides(&line, "Pw7short");
    }
}

#[test]
fn datadog_decimal_ids_are_not_cards() {
    // Luhn-valid 19-digit numbers with a card issuer prefix.
    let id = "4539578763621486008";
    assert!(card::is_card(id.as_bytes()));
    for line in [
        format!("dd.trace_id={id} dd.span_id={id}"),
        format!("x-datadog-trace-id: {id}"),
        format!("X-Datadog-Parent-Id: {id}"),
        format!("{{\"dd\":{{\"trace_id\":{id},\"span_id\":\"{id}\"}}}}"),
        format!("{{\"parentId\": {id}}}"),
        format!("traceid={id}"),
    ] {
        keeps(&line);
    }
    // A card under another key, or after a word merely ending in `span`.
    hides(&format!("card={id}"), id);
    hides(&format!("{{\"pan\":{id}}}"), id);
    hides(&format!("lifespan={id}"), id);
}

const HEX40: &str = "9c1f5e07a2b84d36e0f17c9a4b28d5e61f0a3c7b";
const PW12: &str = "Qa7rLm2Vx!pz";

#[test]
fn key_and_value_as_call_arguments() {
    for line in [
        format!("os.Setenv(\"SERVICE_API_KEY\",\"{PW12}\")"),
        format!("props.put(\"api.key\", \"{PW12}\");"),
        format!("System.setProperty(\"service.secret\", \"{PW12}\");"),
        format!("define('API_SECRET','{PW12}');"),
        format!("headers.set('X-Api-Key', '{PW12}')"),
        format!("client.setApiKey(\"{PW12}\")"),
        format!("client.setPassword('{PW12}')"),
    ] {
        hides(&line, PW12);
    }
    // A list of field names is not a key and a value.
    keeps(r#"{"required":["password","email"]}"#);
    keeps("getToken(\"prod/db\")");
    keeps("setToken(token)");
}

#[test]
fn more_assignment_syntaxes() {
    for v in [TOK2, HEX40] {
        for line in [
            format!("setToken({v})"),
            format!("API_KEY -> {v}"),
            format!("API_KEY ?= {v}"),
            format!("token[{v}]"),
            format!("api_key: |\n  {v}\nother: 1"),
            format!("password: >-\r\n    {v}\r\n"),
            format!("login failed, password was \"{v}\""),
            format!("sshpass -p {v} ssh root@host"),
            format!("docker login -u bob -p {v} registry.example.com"),
            format!("git clone https://{v}@github.com/acme/app.git"),
        ] {
            hides(&line, v);
        }
    }
    hides(&format!("api_key: |\n  {PW12}\n"), PW12);
    hides(&format!("API_KEY ?= {PW12}"), PW12);
    // A user name in a URL, a port flag and a plain block stay.
    keeps("git clone https://deploy@github.com/acme/app.git");
    keeps("docker run -p 8080:80 nginx");
    keeps("description: |\n  some text here\n");
}

#[test]
fn dynamic_reference_version_stays() {
    keeps("token: {{resolve:ssm-secure:/app/token:1}}");
}

#[test]
fn adafruit_and_riot_keys_by_prefix() {
    for v in [
        "aio_Tq8Rz2Lm5Vx9Kp3Wn7Bc4Hd6Fy1G",
        "RGAPI-7c2e9a41-5b3d-4f8e-a06c-1d9b7e3f5a24",
    ] {
        hides(&format!("using {v} now"), v);
        hides(&format!("{{\"k\":\"{v}\"}}"), v);
    }
    keeps("aio_temperature_sensor_feed_name");
}

#[test]
fn more_vendor_prefixes_are_masked_bare() {
    for v in [
        "hcaik_i59bwvdtb1tv8tlkc86xl1gorbiigaaphj4hr419i8hpgioougw8unqxm7",
        "NF-RN0WwJnuGTXMtLvAeNRyN996pJD30rNG",
        "na1.jZbHgGfmB+uPhJfIiRL63BvdAF32Dn3l37Kkl5Z8sCmM1UVOhoRJ6Qh0qj7usgZoRNaejZc9tyjYTuwpw6AqX2lLNp53rp/4W8xx",
        "lip_tTJx8kgs8TTJSSDCshlF",
        "xaat-59ba5568-49b3-4200-b336-af89e78d0c93",
        "cxtp_fxktKmyYY92NXGq4xf9fLdjaIBGJjU",
        "1000.6d9e035d7a897bac5cd3ce845070a421.96f56e6d82ced3963adadb34e242c9ea",
        "md-KvqTMoGwzX4pVWrqWqQLUN",
        "GOOG1E2SGB4UD7BP1MPRIM4519ZUEGOG94JO6LRNGG0WV1K8VEZDLQ7UO9XQC",
    ] {
        hides(&format!("using {v} now"), v);
        hides(&format!("{{\"k\":\"{v}\"}}"), v);
    }
    // Look-alikes: words after the prefix, a version, a CSS class, a hex id.
    keeps("lip_sync_offset_in_milliseconds");
    keeps("class md-button-toggle-appearance-standard");
    keeps("NF-RELEASE-NOTES-FOR-VERSION-2024-Q1-FINAL");
    keeps("version 1000.2.3 released");
    keeps("cxtp_configuration_reloaded_after_rotation");
}

#[test]
fn more_vendor_names_as_the_key() {
    let v32 = "Vd3kQ8mZ2xR7pL4wT9nB6cY1hF5gJ0sA";
    for key in [
        "LOGGLY",
        "opencage",
        "TOMORROW",
        "tomorrowio",
        "exchangerate",
        "smartsheet",
        "YNAB",
        "zulip",
        "papertrail",
        "Lightstep",
        "GITEA",
        "testrail",
        "greynoise",
        "upstash",
        "rudderstack",
        "Twingate",
        "cyberark",
        "CosmosDB",
        "ServiceBus",
        "elasticsearch",
    ] {
        hides(&format!("{key}={v32}"), v32);
        hides(&format!("{{\"{key}\": \"{v32}\"}}"), v32);
    }
    let hex = "4e1f0a9c7b3d52e8a6f1c0d9b7e3a582";
    hides(&format!("opencage: {hex}"), hex);
    hides(
        "loggly_token 7c1e9a2f-4b8d-4e3a-9f06-2d5b8c1e7a43",
        "7c1e9a2f",
    );
    // Ordinary words that are also names only count as the whole key.
    keeps("loops_completed=Vd3kQ8mZ2xR7pL4wT9nB6cY1hF5gJ0sA");
    keeps("steam_pressure_reading ok");
}

#[test]
fn vendor_key_headers_mask_short_values() {
    for (key, v) in [
        ("Ocp-Apim-Subscription-Key", "Hk3!pass-Word9"),
        ("X-Honeycomb-Team", "Hk3!pass-Word9"),
        ("X-Auth-Key", "Hk3!pass-Word9"),
        ("X-Honeycomb-Team", "Vd3kQ8mZ2xR7pL4wT9nB6c"),
    ] {
        hides(&format!("{key}: {v}"), v);
        hides(&format!("{{\"headers\":{{\"{key}\":\"{v}\"}}}}"), v);
    }
    hides(
        "x-functions-key: Vd3kQ8mZ2xR7pL4wT9nB6c",
        "Vd3kQ8mZ2xR7pL4wT9nB6c",
    );
    // The header names are trigger words of their own: a short value too.
    hides("x-functions-key: Hk3!word-Pw9", "Hk3!word-Pw9");
    hides("Ocp-Apim-Subscription-Key: Hk3!word-Pw9", "Hk3!word-Pw9");
    // Names around the same words stay.
    keeps("X-Honeycomb-Dataset: checkout-service");
    keeps("subscription_id: 8a2d41c7-36e5-4f09-b1a8-c93e7d5f0b62");
    keeps("functions_count: 12");
}
