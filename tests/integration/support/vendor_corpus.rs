//! Labelled vendor corpus for the masking tests: credential formats of about
//! 170 providers, written down here from the vendors' documentation and the
//! published formats of public secret scanners (independently of the
//! catalogue in `src/mask/vendors.rs`), each expanded into random positives
//! in three placements (a raw log line, a JSON log line under a neutral key,
//! a Lambda text line) and into look-alikes that must be kept (placeholders,
//! near misses, ordinary values next to credential words).

#![allow(dead_code)]

use super::secret_corpus::Rng;

/// One provider format.
pub struct Format {
    /// Provider name (unique per format line, several lines may share it).
    pub provider: &'static str,
    /// Rule family expected to find it (the `LOGSHIP_MASK_DISABLE` name).
    pub family: &'static str,
    /// Text before the secret (empty for prefix-anchored formats, which
    /// must be found without any credential word nearby).
    pub context: &'static str,
    /// Template of the secret: literal text and `{class:len}` or
    /// `{class:min-max}` placeholders, see [`expand`].
    pub template: &'static str,
}

macro_rules! f {
    ($p:literal, $fam:literal, $t:literal) => {
        Format {
            provider: $p,
            family: $fam,
            context: "",
            template: $t,
        }
    };
    ($p:literal, $fam:literal, $ctx:literal, $t:literal) => {
        Format {
            provider: $p,
            family: $fam,
            context: $ctx,
            template: $t,
        }
    };
}

/// The formats.
pub const FORMATS: &[Format] = &[
    // Source control and CI.
    f!("github_pat", "github_token", "ghp_{crc}"),
    f!("github_oauth", "github_token", "gho_{crc}"),
    f!("github_user_to_server", "github_token", "ghu_{crc}"),
    f!("github_server_to_server", "github_token", "ghs_{crc}"),
    f!("github_refresh", "github_token", "ghr_{an:36}"),
    f!(
        "github_fine_grained",
        "github_token",
        "github_pat_11{up:20}_{an:59}"
    ),
    f!("gitlab_pat", "source_control_token", "glpat-{url:20}"),
    f!("gitlab_deploy", "source_control_token", "gldt-{url:20}"),
    f!("gitlab_runner", "source_control_token", "glrt-{url:20}"),
    f!("gitlab_trigger", "source_control_token", "glptt-{hex:40}"),
    f!("gitlab_soat", "source_control_token", "glsoat-{url:20}"),
    f!("gitlab_feed", "source_control_token", "glft-{url:20}"),
    f!(
        "gitlab_incoming_mail",
        "source_control_token",
        "glimt-{url:25}"
    ),
    f!("gitlab_agent", "source_control_token", "glagent-{url:50}"),
    f!("gitlab_oauth_app", "source_control_token", "gloas-{url:64}"),
    f!(
        "gitlab_runner_reg",
        "source_control_token",
        "GR1348941{url:20}"
    ),
    f!(
        "bitbucket_app_password",
        "source_control_token",
        "ATBB{an:32}"
    ),
    f!(
        "atlassian_api_token",
        "source_control_token",
        "ATATT3xFfGF0{url:180}"
    ),
    f!("bitbucket_dc", "source_control_token", "BBDC-{an:44}"),
    f!(
        "sourcegraph",
        "source_control_token",
        "sgp_{hex:16}_{hex:40}"
    ),
    f!("sourcegraph_legacy", "source_control_token", "sgp_{hex:40}"),
    f!(
        "circleci",
        "source_control_token",
        "CCIPAT_{an:22}_{hex:40}"
    ),
    f!(
        "harness",
        "source_control_token",
        "pat.{an:22}.{hex:24}.{an:20}"
    ),
    f!("buildkite", "source_control_token", "bkua_{hex:40}"),
    f!("octopus", "source_control_token", "API-{up:26}"),
    f!("sonarqube", "source_control_token", "sqp_{hex:40}"),
    f!("sonarqube_user", "source_control_token", "squ_{hex:40}"),
    // AI services.
    f!(
        "openai_project",
        "ai_service_key",
        "sk-proj-{url:48}T3BlbkFJ{url:48}"
    ),
    f!("openai_service", "ai_service_key", "sk-svcacct-{url:64}"),
    f!("openai_admin", "ai_service_key", "sk-admin-{url:64}"),
    f!(
        "openai_legacy",
        "ai_service_key",
        "sk-{an:20}T3BlbkFJ{an:20}"
    ),
    f!("anthropic", "ai_service_key", "sk-ant-api03-{url:93}AA"),
    f!(
        "anthropic_admin",
        "ai_service_key",
        "sk-ant-admin01-{url:93}AA"
    ),
    f!("openrouter", "ai_service_key", "sk-or-v1-{hex:64}"),
    f!("deepseek", "ai_service_key", "sk-{hex:32}"),
    f!("huggingface", "ai_service_key", "hf_{L:34}"),
    f!("huggingface_org", "ai_service_key", "api_org_{L:34}"),
    f!(
        "bedrock",
        "ai_service_key",
        "ABSKQmVkcm9ja0FQSUtleS1{b64:108}"
    ),
    f!("groq", "ai_service_key", "gsk_{an:52}"),
    f!("perplexity", "ai_service_key", "pplx-{an:48}"),
    f!("xai", "ai_service_key", "xai-{an:80}"),
    f!("replicate", "ai_service_key", "r8_{an:37}"),
    f!("langsmith", "ai_service_key", "lsv2_pt_{hex:32}_{hex:10}"),
    f!("nvidia", "ai_service_key", "nvapi-{url:64}"),
    f!("pinecone", "ai_service_key", "pcsk_{an:6}_{an:60}"),
    f!("cerebras", "ai_service_key", "csk-{low:48}"),
    f!("jina", "ai_service_key", "jina_{an:60}"),
    f!("tavily", "ai_service_key", "tvly-{an:32}"),
    f!("e2b", "ai_service_key", "e2b_{hex:40}"),
    f!("firecrawl", "ai_service_key", "fc-{hex:32}"),
    f!("apify", "ai_service_key", "apify_api_{an:36}"),
    f!("langfuse", "ai_service_key", "sk-lf-{uuid}"),
    f!("elevenlabs", "ai_service_key", "sk_{hex:48}"),
    // Cloud and platform.
    f!("alibaba", "cloud_credential", "LTAI{an:20}"),
    f!("tencent", "cloud_credential", "AKID{an:32}"),
    f!("gcp_access_token", "cloud_credential", "ya29.a0{url:120}"),
    f!("gcp_client_secret", "cloud_credential", "GOCSPX-{url:28}"),
    f!("gcp_refresh_token", "cloud_credential", "1//0{url:100}"),
    f!("digitalocean_pat", "cloud_credential", "dop_v1_{hex:64}"),
    f!("digitalocean_oauth", "cloud_credential", "doo_v1_{hex:64}"),
    f!(
        "digitalocean_refresh",
        "cloud_credential",
        "dor_v1_{hex:64}"
    ),
    f!("heroku_v2", "cloud_credential", "HRKU-AA{url:58}"),
    f!("flyio", "cloud_credential", "fo1_{url:43}"),
    f!("flyio_macaroon", "cloud_credential", "fm2_{b64:200}"),
    f!("vercel", "cloud_credential", "vcp_{an:56}"),
    f!("netlify", "cloud_credential", "nfp_{an:40}"),
    f!("vault_service", "cloud_credential", "hvs.{url:90}"),
    f!("vault_batch", "cloud_credential", "hvb.{url:138}"),
    f!("doppler", "cloud_credential", "dp.pt.{an:43}"),
    f!("doppler_service", "cloud_credential", "dp.st.prd.{an:43}"),
    f!("planetscale", "cloud_credential", "pscale_tkn_{url:43}"),
    f!("planetscale_pw", "cloud_credential", "pscale_pw_{url:43}"),
    f!("supabase", "cloud_credential", "sbp_{hex:40}"),
    f!("supabase_secret", "cloud_credential", "sb_secret_{url:31}"),
    f!("pulumi", "cloud_credential", "pul-{hex:40}"),
    f!("databricks", "cloud_credential", "dapi{hex:32}"),
    f!("scaleway", "cloud_credential", "SCW{up:17}"),
    f!(
        "cloudflare_origin_ca",
        "cloud_credential",
        "v1.0-{hex:24}-{hex:146}"
    ),
    f!("yandex_api", "cloud_credential", "AQVN{url:36}"),
    f!("yandex_iam", "cloud_credential", "t1.{url:40}.{url:86}"),
    f!("infracost", "cloud_credential", "ico-{an:32}"),
    f!(
        "tailscale",
        "cloud_credential",
        "tskey-auth-k{an:10}CNTRL-{an:33}"
    ),
    f!("render", "cloud_credential", "rnd_{an:32}"),
    f!("neon", "cloud_credential", "napi_{low:64}"),
    f!("elastic_cloud", "cloud_credential", "essu_{b64:80}"),
    f!("deno_deploy", "cloud_credential", "ddp_{an:36}"),
    f!("dynatrace", "cloud_credential", "dt0c01.{up:24}.{up:64}"),
    f!(
        "azure_ad_client_secret",
        "cloud_credential",
        "{an:3}{d:1}Q~{url:34}"
    ),
    f!(
        "terraform_cloud",
        "cloud_credential",
        "{low:14}.atlasv1.{url:67}"
    ),
    f!("aws_access_key", "aws_access_key_id", "AKIA{up:16}"),
    f!("aws_session_key", "aws_access_key_id", "ASIA{up:16}"),
    f!("aws_appsync", "cloud_credential", "da2-{low:26}"),
    // Package registries.
    f!("npm", "registry_token", "npm_{crc}"),
    f!("pypi", "registry_token", "pypi-AgEIcHlwaS5vcmc{url:70}"),
    f!("rubygems", "registry_token", "rubygems_{hex:48}"),
    f!("docker_hub", "registry_token", "dckr_pat_{url:27}"),
    f!("docker_hub_org", "registry_token", "dckr_oat_{url:32}"),
    f!("artifactory_api_key", "registry_token", "AKCp{an:69}"),
    f!(
        "artifactory_reference",
        "registry_token",
        "cmVmdGtuOjAxOj{an:50}"
    ),
    f!("nuget", "registry_token", "oy2{low:43}"),
    f!("clojars", "registry_token", "CLOJARS_{low:60}"),
    f!("crates_io", "registry_token", "cio{an:32}"),
    // Chat and collaboration.
    f!("slack_bot", "slack_token", "xoxb-{d:12}-{d:13}-{an:24}"),
    f!(
        "slack_user",
        "slack_token",
        "xoxp-{d:12}-{d:12}-{d:13}-{hex:32}"
    ),
    f!("slack_config", "slack_token", "xoxe.xoxp-1-{an:140}"),
    f!("slack_refresh", "slack_token", "xoxe-1-{an:140}"),
    f!("slack_app", "slack_token", "xapp-1-{up:11}-{d:13}-{hex:64}"),
    f!(
        "slack_webhook",
        "slack_token",
        "https://hooks.slack.com/services/",
        "T{up:8}/B{up:8}/{an:24}"
    ),
    f!("discord_bot", "chat_token", "M{url:25}.{url:6}.{url:38}"),
    f!(
        "discord_webhook",
        "chat_token",
        "https://discord.com/api/webhooks/{d:18}/",
        "{url:68}"
    ),
    f!("telegram_bot", "chat_token", "{d:10}:AA{url:33}"),
    f!(
        "teams_webhook",
        "chat_token",
        "https://acme.webhook.office.com/webhookb2/{uuid}@{uuid}/IncomingWebhook/",
        "{hex:32}/{uuid}"
    ),
    f!("twitch_chat", "chat_token", "oauth:{low:30}"),
    // Payments and commerce.
    f!("stripe_secret", "stripe_key", "sk_live_{an:99}"),
    f!("stripe_restricted", "stripe_key", "rk_live_{an:99}"),
    f!("stripe_webhook", "stripe_key", "whsec_{an:32}"),
    f!("square_access", "payment_key", "sq0atp-{url:22}"),
    f!("square_oauth_secret", "payment_key", "sq0csp-{url:43}"),
    f!("square_v2", "payment_key", "EAAA{url:60}"),
    f!("shopify_access", "payment_key", "shpat_{hex:32}"),
    f!("shopify_shared_secret", "payment_key", "shpss_{hex:32}"),
    f!("shopify_custom_app", "payment_key", "shpca_{hex:32}"),
    f!("shopify_private_app", "payment_key", "shppa_{hex:32}"),
    f!("flutterwave", "payment_key", "FLWSECK-{hex:32}-X"),
    f!("flutterwave_test", "payment_key", "FLWSECK_TEST-{hex:32}-X"),
    f!("razorpay", "payment_key", "rzp_live_{an:14}"),
    f!("plaid", "payment_key", "access-production-{uuid}"),
    f!("gocardless", "payment_key", "live_{url:40}"),
    f!("duffel", "payment_key", "duffel_live_{url:43}"),
    f!("easypost", "payment_key", "EZAK{an:54}"),
    f!("easypost_test", "payment_key", "EZTK{an:54}"),
    f!("shippo", "payment_key", "shippo_live_{hex:40}"),
    f!("paddle", "payment_key", "pdl_live_apikey_{an:40}"),
    f!("woocommerce", "payment_key", "cs_{hex:40}"),
    f!(
        "paypal_braintree",
        "payment_key",
        "access_token$production${low:16}${hex:32}"
    ),
    // Messaging.
    f!("sendgrid", "messaging_key", "SG.{url:22}.{url:43}"),
    f!("mailgun", "messaging_key", "key-{hex:32}"),
    f!("twilio_account", "messaging_key", "AC{hex:32}"),
    f!("twilio_api_key", "messaging_key", "SK{hex:32}"),
    f!("brevo", "messaging_key", "xkeysib-{hex:64}-{an:16}"),
    f!("resend", "messaging_key", "re_{an:8}_{an:24}"),
    f!("mailersend", "messaging_key", "mlsn.{hex:64}"),
    f!("onesignal", "messaging_key", "os_v2_app_{low:110}"),
    f!("mailchimp", "messaging_key", "{hex:32}-us{d:2}"),
    // Other SaaS.
    f!("notion", "saas_token", "ntn_{d:11}{an:35}"),
    f!("notion_legacy", "saas_token", "secret_{an:43}"),
    f!("linear", "saas_token", "lin_api_{an:40}"),
    f!("sentry_org", "saas_token", "sntrys_eyJpYXQiOjE3{b64:150}"),
    f!("sentry_user", "saas_token", "sntryu_{hex:64}"),
    f!("newrelic_user", "saas_token", "NRAK-{up:27}"),
    f!("newrelic_insert", "saas_token", "NRII-{url:32}"),
    f!("newrelic_license", "saas_token", "{hex:36}NRAL"),
    f!("postman", "saas_token", "PMAK-{hex:24}-{hex:34}"),
    f!("figma", "saas_token", "figd_{url:40}"),
    f!("grafana_cloud", "saas_token", "glc_{b64:80}"),
    f!(
        "grafana_service_account",
        "saas_token",
        "glsa_{an:32}_{hex:8}"
    ),
    f!(
        "onepassword_service",
        "saas_token",
        "ops_eyJzaWduSW5BZGRyZXNz{b64:300}"
    ),
    f!(
        "onepassword_secret_key",
        "saas_token",
        "A3-{up:6}-{up:11}-{up:5}-{up:5}-{up:5}"
    ),
    f!("typeform", "saas_token", "tfp_{url:44}_{url:14}"),
    f!("frameio", "saas_token", "fio-u-{url:64}"),
    f!("readme", "saas_token", "rdme_{low:70}"),
    f!("contentful", "saas_token", "CFPAT-{url:43}"),
    f!("hubspot", "saas_token", "pat-na1-{uuid}"),
    f!("intercom", "saas_token", "dG9rOj{b64:54}"),
    f!("mapbox", "saas_token", "sk.eyJ1Ijoi{an:40}.{url:22}"),
    f!("dropbox", "saas_token", "sl.B{url:135}"),
    f!(
        "twitter_bearer",
        "saas_token",
        "AAAAAAAAAAAAAAAAAAAAA{an:20}%3D{an:50}"
    ),
    f!("facebook_access", "saas_token", "EAAC{an:150}"),
    f!("facebook_app_secret", "saas_token", "{d:15}|{low:32}"),
    f!("airtable_pat", "saas_token", "pat{an:14}.{hex:64}"),
    f!("rootly", "saas_token", "rootly_{hex:64}"),
    f!("pganalyze", "saas_token", "pga_{an:32}"),
    f!("prefect", "saas_token", "pnu_{an:36}"),
    f!("honeybadger", "saas_token", "hbp_{an:36}"),
    f!("adafruit", "saas_token", "aio_{an:28}"),
    f!("riot", "saas_token", "RGAPI-{uuid}"),
    f!("honeycomb", "saas_token", "hcaik_{low:58}"),
    f!("nightfall", "saas_token", "NF-{an:32}"),
    f!("fullstory", "saas_token", "na1.{b64:100}"),
    f!("lichess", "saas_token", "lip_{an:20}"),
    f!("axiom", "saas_token", "xaat-{uuid}"),
    f!("coralogix", "saas_token", "cxtp_{an:30}"),
    f!("zoho", "saas_token", "1000.{hex:32}.{hex:32}"),
    f!("mandrill", "messaging_key", "md-{url:22}"),
    f!("gcs_hmac", "cloud_credential", "GOOG1E{up:55}"),
    f!("launchdarkly", "saas_token", "api-{uuid}"),
    f!("adobe", "saas_token", "p8e-{an:32}"),
    f!("intra42", "saas_token", "s-s4t2ud-{hex:64}"),
    f!("defined_networking", "saas_token", "dnkey-{up:26}-{up:52}"),
    f!("settlemint", "saas_token", "sm_pat_{hex:16}"),
    f!("settlemint_aat", "saas_token", "sm_aat_{an:16}"),
    f!("castai", "cloud_credential", "castai_v1_{low:60}"),
    f!("checkout_sandbox", "payment_key", "sk_sbox_{low:26}"),
    f!("teamwork", "saas_token", "tkn.v1_{an:68}"),
    f!("ubidots", "saas_token", "BBFF-{an:30}"),
    f!("stytch", "saas_token", "secret-live-{an:36}"),
    f!("posthog_project", "saas_token", "phc_{an:43}"),
    f!("square_app_id", "payment_key", "sq0idp-{an:22}"),
    f!("pubnub_publish", "saas_token", "pub-c-{uuid}"),
    f!("checkly", "saas_token", "cu_{hex:32}"),
    f!("locationiq", "saas_token", "pk.{hex:32}"),
    f!("dfuse", "saas_token", "web_{hex:32}"),
    f!(
        "dynatrace_lower",
        "cloud_credential",
        "dt0c01.{low:24}.{low:64}"
    ),
    f!("clojars_upper", "registry_token", "CLOJARS_{up:60}"),
    f!("square_short", "payment_key", "EAAA{an:22}"),
    f!("scalingo", "saas_token", "tk-us-{url:48}"),
    f!("salesforce_consumer", "saas_token", "3MVG9{url:80}"),
    f!("salesforce_access", "saas_token", "00D{an:15}!{an:100}"),
    f!("clickup", "saas_token", "pk_{d:8}_{up:32}"),
    f!("posthog_personal", "saas_token", "phx_{an:43}"),
    f!("zuplo", "saas_token", "zpka_{hex:32}_{hex:8}"),
    f!("cal_com", "saas_token", "cal_live_{hex:32}"),
    f!("google_api", "google_api_key", "AIza{url:35}"),
    // Private keys.
    f!("age", "pem_private_key", "AGE-SECRET-KEY-1{bech:58}"),
    // Found by a credential word or vendor name nearby (keyword proximity).
    f!("datadog", "keyword_secret", "DATADOG_API_KEY=", "{hex:32}"),
    f!("datadog_app", "keyword_secret", "dd_app_key: ", "{hex:40}"),
    f!(
        "heroku_legacy",
        "keyword_secret",
        "heroku api key = ",
        "{uuid}"
    ),
    f!("snyk", "keyword_secret", "SNYK_TOKEN=", "{uuid}"),
    f!(
        "algolia",
        "keyword_secret",
        "algolia admin key: ",
        "{hex:32}"
    ),
    f!("adafruit", "keyword_secret", "ADAFRUIT_IO=", "{url:32}"),
    f!("loggly", "keyword_secret", "LOGGLY=", "{uuid}"),
    f!("smartsheet", "keyword_secret", "smartsheet: ", "{an:37}"),
    f!("ynab", "keyword_secret", "YNAB=", "{hex:64}"),
    f!(
        "airtable_legacy",
        "keyword_secret",
        "airtable_api_key=",
        "key{an:14}"
    ),
    f!(
        "sumologic",
        "keyword_secret",
        "sumo_access_key: ",
        "{an:64}"
    ),
    f!(
        "pagerduty",
        "keyword_secret",
        "PAGERDUTY_TOKEN=",
        "u+{url:18}"
    ),
    f!("okta", "keyword_secret", "okta_api_token=", "00{url:40}"),
    f!(
        "twitch",
        "keyword_secret",
        "twitch client secret ",
        "{low:30}"
    ),
    f!("trello", "keyword_secret", "TRELLO_KEY=", "{hex:32}"),
    f!(
        "zendesk",
        "keyword_secret",
        "zendesk_api_token: ",
        "{an:40}"
    ),
    f!(
        "postmark",
        "keyword_secret",
        "X-Postmark-Server-Token: ",
        "{uuid}"
    ),
    f!("cohere", "keyword_secret", "COHERE_API_KEY=", "{an:40}"),
    f!(
        "mistral",
        "keyword_secret",
        "mistral api key is ",
        "{an:32}"
    ),
    f!("wandb", "keyword_secret", "WANDB_API_KEY=", "{hex:40}"),
    f!("codecov", "keyword_secret", "CODECOV_TOKEN=", "{uuid}"),
    f!("travis", "keyword_secret", "travis_token: ", "{an:22}"),
    f!("fastly", "keyword_secret", "Fastly-Key: ", "{url:32}"),
    f!(
        "rollbar",
        "keyword_secret",
        "rollbar access_token=",
        "{hex:32}"
    ),
    f!("bugsnag", "keyword_secret", "BUGSNAG_API_KEY=", "{hex:32}"),
    f!(
        "confluent",
        "keyword_secret",
        "confluent secret => ",
        "{b64:64}"
    ),
    f!(
        "kraken",
        "keyword_secret",
        "KRAKEN_PRIVATE_KEY=",
        "{b64:88}"
    ),
    f!(
        "coinbase",
        "keyword_secret",
        "coinbase_api_secret: ",
        "{an:32}"
    ),
    f!(
        "linkedin",
        "keyword_secret",
        "linkedin client_secret=",
        "{an:16}"
    ),
    f!("finnhub", "keyword_secret", "finnhub token - ", "{low:20}"),
    f!(
        "scrapingbee",
        "keyword_secret",
        "-H \"X-Scrapingbee-Key: ",
        "{up:80}"
    ),
    f!("sonar_legacy", "keyword_secret", "sonar token ", "{hex:40}"),
    f!(
        "azure_storage",
        "keyword_secret",
        "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=",
        "{b64:86}=="
    ),
    f!(
        "azure_cosmos",
        "keyword_secret",
        "cosmos primary key: ",
        "{b64:86}=="
    ),
    f!(
        "azure_acr",
        "keyword_secret",
        "acr password: ",
        "{an:40}+ACR{an:8}"
    ),
    f!(
        "azure_sas",
        "config_secret",
        "https://acme.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01T00:00:00Z&sig=",
        "{b64:43}%3D"
    ),
    f!(
        "mailjet",
        "keyword_secret",
        "MJ_APIKEY_PRIVATE=",
        "{hex:32}"
    ),
    f!(
        "sendbird",
        "keyword_secret",
        "sendbird api token: ",
        "{hex:40}"
    ),
    f!(
        "openweather",
        "keyword_secret",
        "openweather appid key ",
        "{hex:32}"
    ),
    f!(
        "generic_password_is",
        "sensitive_key",
        "the password is ",
        "{an:10}7!"
    ),
    f!(
        "generic_curl_user",
        "config_secret",
        "curl -u deploy:",
        "{an:16}"
    ),
    f!(
        "generic_bearer_flag",
        "sensitive_key",
        "--token ",
        "{an:30}"
    ),
    // Rules of the public scanners checked one by one (issue 11, round 3):
    // prefix formats first, then vendor names next to a value, written as
    // the scanners' own samples write them (`<vendor>_token = "…"`,
    // `<vendor>Token=…`) and with the bare vendor name.
    f!("clickhouse", "cloud_credential", "4b1d{an:38}"),
    f!("flutterwave_enc", "payment_key", "FLWSECK_TEST-{hex:12}"),
    f!("flutterwave_pub", "payment_key", "FLWPUBK_TEST-{hex:32}-X"),
    f!("grafana_api_key", "saas_token", "eyJrIjoi{an:90}"),
    f!(
        "jwt_base64",
        "jwt",
        "ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlK{b64:80}"
    ),
    f!("openshift", "cloud_credential", "sha256~{url:43}"),
    f!("maxmind", "saas_token", "{an:6}_{an:29}_mmk"),
    f!("vault_legacy", "cloud_credential", "s.{an:24}"),
    f!("slack_legacy_workspace", "slack_token", "xoxa-2-{an:40}"),
    f!(
        "slack_legacy",
        "slack_token",
        "xoxs-{d:10}-{d:10}-{d:10}-{hex:64}"
    ),
    f!("stripe_prod", "stripe_key", "sk_prod_{an:24}"),
    f!("lob_test", "payment_key", "test_{hex:35}"),
    f!("mailgun_pub", "messaging_key", "pubkey-{hex:32}"),
    f!("astra", "cloud_credential", "AstraCS:{L:24}:{hex:64}"),
    f!("together", "ai_service_key", "tgp_v1_{url:43}"),
    f!(
        "authress",
        "saas_token",
        "sc_{low:12}.{low:5}.acc_{low:16}.{url:60}"
    ),
    f!(
        "gitlab_session",
        "keyword_secret",
        "_gitlab_session=",
        "{low:32}"
    ),
    f!(
        "adobe_client",
        "keyword_secret",
        "adobe_token = ",
        "{hex:32}"
    ),
    f!(
        "alibaba_secret",
        "keyword_secret",
        "alibabaToken=",
        "{low:30}"
    ),
    f!("asana_secret", "keyword_secret", "asana: ", "{low:32}"),
    f!(
        "atlassian_api",
        "keyword_secret",
        "confluence = ",
        "{low:24}"
    ),
    f!(
        "bitbucket_secret",
        "keyword_secret",
        "bitbucket: ",
        "{url:64}"
    ),
    f!("bittrex", "keyword_secret", "bittrex_token: ", "{low:32}"),
    f!("meraki", "keyword_secret", "MERAKI_DASHBOARD=", "{hex:40}"),
    f!(
        "cloudflare_api",
        "keyword_secret",
        "cloudflare = ",
        "{url:40}"
    ),
    f!(
        "cloudflare_global",
        "keyword_secret",
        "CLOUDFLARE_GLOBAL=",
        "{hex:37}"
    ),
    f!("coinbase", "keyword_secret", "coinbase: ", "{url:64}"),
    f!(
        "confluent",
        "keyword_secret",
        "confluent_token=",
        "{low:16}"
    ),
    f!(
        "contentful_delivery",
        "keyword_secret",
        "contentful = ",
        "{url:43}"
    ),
    f!("discord_secret", "keyword_secret", "discord: ", "{hex:64}"),
    f!("droneci", "keyword_secret", "DRONECI=", "{low:32}"),
    f!(
        "dropbox_long_lived",
        "keyword_secret",
        "dropbox: ",
        "{low:11}AAAAAAAAAA{url:43}"
    ),
    f!("etsy", "keyword_secret", "etsyToken=", "{low:24}"),
    f!(
        "facebook_secret",
        "keyword_secret",
        "facebook: ",
        "{hex:32}"
    ),
    f!("finicity", "keyword_secret", "finicity = ", "{hex:32}"),
    f!("flickr", "keyword_secret", "flickr: ", "{low:32}"),
    f!("freshbooks", "keyword_secret", "freshbooks = ", "{low:64}"),
    f!("gitter", "keyword_secret", "gitter: ", "{url:40}"),
    f!("intercom_key", "keyword_secret", "intercom = ", "{url:60}"),
    f!("jfrog", "keyword_secret", "jfrog: ", "{low:73}"),
    f!("kraken", "keyword_secret", "kraken: ", "{b64:86}"),
    f!("kucoin", "keyword_secret", "kucoin_token = ", "{hex:24}"),
    f!("kucoin_secret", "keyword_secret", "kucoinToken: ", "{uuid}"),
    f!(
        "launchdarkly_key",
        "keyword_secret",
        "launchdarkly: ",
        "{url:40}"
    ),
    f!("linear_secret", "keyword_secret", "linear = ", "{hex:32}"),
    f!("linkedin", "keyword_secret", "linkedin_token: ", "{low:16}"),
    f!(
        "mailgun_signing",
        "keyword_secret",
        "mailgun: ",
        "{hex:32}-{hex:8}-{hex:8}"
    ),
    f!("mattermost", "keyword_secret", "mattermost = ", "{low:26}"),
    f!("messagebird", "keyword_secret", "messagebird: ", "{low:25}"),
    f!("netlify_key", "keyword_secret", "netlify = ", "{url:43}"),
    f!("nytimes", "keyword_secret", "nytimes: ", "{url:32}"),
    f!("privateai", "keyword_secret", "private_ai = ", "{low:32}"),
    f!("rapidapi", "keyword_secret", "rapidapi: ", "{url:50}"),
    f!("sendbird", "keyword_secret", "sendbird = ", "{hex:40}"),
    f!(
        "sendbird_id",
        "keyword_secret",
        "sendbird_token: ",
        "{uuid}"
    ),
    f!("sentry_legacy", "keyword_secret", "sentry: ", "{hex:64}"),
    f!(
        "squarespace",
        "keyword_secret",
        "squarespace_token = ",
        "{uuid}"
    ),
    f!("twitter_secret", "keyword_secret", "twitter: ", "{low:45}"),
    f!(
        "twitter_access",
        "keyword_secret",
        "twitterToken=",
        "{d:18}-{an:30}"
    ),
    f!("yandex_aws", "keyword_secret", "yandex: ", "YC{url:38}"),
    f!("linode", "keyword_secret", "linode: ", "{hex:64}"),
    f!("vultr", "keyword_secret", "VULTR = ", "{up:36}"),
    f!("hetzner", "keyword_secret", "hetzner: ", "{an:64}"),
    f!(
        "sidekiq",
        "keyword_secret",
        "BUNDLE_GEMS__CONTRIBSYS__COM=",
        "{hex:8}:{hex:8}"
    ),
    f!(
        "curl_header",
        "sensitive_key",
        "curl -H \"X-Api-Key: ",
        "{an:32}"
    ),
    f!("opsgenie", "keyword_secret", "opsgenie_token: ", "{uuid}"),
    f!("abbysale", "keyword_secret", "ABBYSALE=", "{an:40}"),
    f!("todoist", "keyword_secret", "todoist = '", "{hex:40}"),
    f!("datadog_space", "keyword_secret", "DATADOG ", "{an:40}"),
    f!("heroku_uuid", "keyword_secret", "HEROKU=", "{uuid}"),
    f!("confluent_short", "keyword_secret", "CONFLUENT=", "{an:16}"),
    f!(
        "aws_pair_any_key",
        "aws_secret_key",
        "access_key_id=AKIAQ3EGRTY7ZK2PLM5W ",
        "{b64:40}"
    ),
    f!("sanctum", "keyword_secret", "token: 42|", "{an:48}"),
    f!(
        "jdbc",
        "sensitive_key",
        "jdbc:sqlserver://db:1433;databaseName=app;user=app;password=",
        "{an:16}"
    ),
    f!(
        "adonet",
        "sensitive_key",
        "Server=tcp:db;Database=app;User Id=app;Password=",
        "{an:16}"
    ),
    f!(
        "nuget_config",
        "sensitive_key",
        "<add key=\"ClearTextPassword\" value=\"",
        "{an:18}"
    ),
];

/// A random string of `class` characters, `n` long.
fn class_chars(r: &mut Rng, class: &str, n: usize) -> String {
    let alphabet: &[u8] = match class {
        "an" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "url" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
        "hex" => b"0123456789abcdef",
        "up" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "low" => b"abcdefghijklmnopqrstuvwxyz0123456789",
        "b64" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "d" => b"0123456789",
        "L" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "bech" => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
        _ => b"?",
    };
    loop {
        let s = r.chars(alphabet, n);
        // A random draw can look like a placeholder (same character over and
        // over, or a `-` where a word would start); draw again.
        let distinct = s.bytes().collect::<std::collections::BTreeSet<u8>>().len();
        let starts_dash = s.starts_with('-') || s.starts_with('_');
        let has_digit = s.bytes().any(|c| c.is_ascii_digit());
        let needs_digit = matches!(class, "an" | "url" | "low" | "b64" | "hex") && n >= 8;
        if (distinct >= n.min(8) / 2 || n < 4)
            && !starts_dash
            && (has_digit || !needs_digit)
            && !s.contains("xxxxxx")
            && !s.to_ascii_lowercase().contains("xxxxxx")
        {
            return s;
        }
    }
}

/// GitHub/npm style: 30 alphanumerics and their base62 CRC-32.
fn with_crc(r: &mut Rng) -> String {
    let body = class_chars(r, "an", 30);
    format!("{body}{}", base62_crc32(body.as_bytes()))
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn base62_crc32(data: &[u8]) -> String {
    const DICT: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut v = u64::from(crc32(data));
    let mut out = vec![b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = DICT[(v % 62) as usize];
        v /= 62;
    }
    String::from_utf8(out).expect("ascii")
}

/// Expands a template with random characters.
pub fn expand(r: &mut Rng, template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').expect("closed") + open;
        let spec = &rest[open + 1..close];
        match spec {
            "uuid" => out.push_str(&r.uuid()),
            "crc" => out.push_str(&with_crc(r)),
            _ => {
                let (class, len) = spec.split_once(':').expect("class:len");
                let n = match len.split_once('-') {
                    Some((lo, hi)) => r.range(lo.parse().expect("lo"), hi.parse().expect("hi")),
                    None => len.parse().expect("len"),
                };
                out.push_str(&class_chars(r, class, n));
            }
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Where a value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// A plain log line.
    Raw,
    /// A JSON log line, the value inside a neutral string field.
    Json,
    /// A Lambda text line (`time \t request id \t LEVEL \t message`).
    Lambda,
}

pub const PLACEMENTS: [Placement; 3] = [Placement::Raw, Placement::Json, Placement::Lambda];

/// One labelled line.
pub struct Line {
    pub provider: &'static str,
    pub family: &'static str,
    pub placement: Placement,
    pub text: String,
    /// Parsed JSON for the JSON placement.
    pub json: Option<serde_json::Value>,
    /// The secret (empty for look-alikes).
    pub secret: String,
    /// Text that must survive verbatim.
    pub keep: Vec<String>,
}

const NEUTRAL: &[&str] = &[
    "worker started with {} for job 42",
    "received {} from upstream, retrying in 5s",
    "cached value {} (hit)",
    "{}",
    "step 3/7 produced {} ok",
];

const NEUTRAL_KEYS: &[&str] = &["detail", "message", "value", "data", "note", "payload"];

/// Places `content` (context + secret) into a line.
pub fn place(
    r: &mut Rng,
    placement: Placement,
    content: &str,
) -> (String, Option<serde_json::Value>) {
    let msg = r.pick(NEUTRAL).replace("{}", content);
    match placement {
        Placement::Raw => (
            format!(
                "2026-11-27 10:00:00,123 INFO [main] {msg} request_id=r-{}",
                r.below(10000)
            ),
            None,
        ),
        Placement::Lambda => (
            format!("2026-11-27T10:00:00.000Z\t{}\tINFO\t{msg}", r.uuid()),
            None,
        ),
        Placement::Json => {
            let key = *r.pick(NEUTRAL_KEYS);
            let mut map = serde_json::Map::new();
            map.insert("level".into(), "info".into());
            map.insert("time".into(), "2026-11-27T10:00:00.000Z".into());
            map.insert("requestId".into(), r.uuid().into());
            map.insert(key.into(), msg.into());
            map.insert("status".into(), 200.into());
            let v = serde_json::Value::Object(map);
            (v.to_string(), Some(v))
        }
    }
}

/// Positive lines: every format, `per` secrets, each in the three placements.
pub fn positives(seed: u64, per: usize) -> Vec<Line> {
    let mut r = Rng::new(seed);
    let mut out = Vec::new();
    for f in FORMATS {
        for _ in 0..per {
            let secret = expand(&mut r, f.template);
            let context = expand(&mut r, f.context);
            for placement in PLACEMENTS {
                let content = format!("{context}{secret}");
                let content = if f.context.ends_with("value=\"") {
                    format!("{content}\" />")
                } else if f.context.ends_with("-H \"X-Scrapingbee-Key: ") {
                    format!("{content}\" https://app.scrapingbee.com/api/v1")
                } else {
                    content
                };
                let (text, json) = place(&mut r, placement, &content);
                out.push(Line {
                    provider: f.provider,
                    family: f.family,
                    placement,
                    text,
                    json,
                    secret: secret.clone(),
                    keep: vec!["2026-11-27".to_string()],
                });
            }
        }
    }
    out
}

/// Placeholders and ordinary values that must come through unchanged.
const LOOKALIKES: &[&str] = &[
    "token=<your-token>",
    "token: {{resolve:ssm-secure:/app/token:1}}",
    "dd.trace_id=4539578763621486008 dd.span_id=4539578763621486008",
    "aio_temperature_sensor_feed_name",
    "password=${DB_PASSWORD}",
    "api_key: {{ api_key }}",
    "secret=%s",
    "token=REDACTED",
    "password=****",
    "password: ********",
    "token=null",
    "apikey=undefined",
    "token: none",
    "password=[MASKED]",
    "token=\"xxxxxxxxxxxxxxxxxxxxxxxx\"",
    "key=aaaaaaaaaaaaaaaaaaaa",
    "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "slack xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxxxxxx",
    "export OPENAI_API_KEY=sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "glpat-xxxxxxxxxxxxxxxxxxxx",
    "AKIAXXXXXXXXXXXXXXXX",
    "npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "dckr_pat_xxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
    "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "token expired for user alice",
    "the password is incorrect",
    "password reset requested",
    "api_key_id=k-12345",
    "secret_name=prod/db",
    "tokens_used=1532",
    "key version 2026-01-01",
    "auth host api.example.com",
    "access log /var/log/app/access.log",
    "credential arn arn:aws:iam::123456789012:role/deploy",
    "token_type=bearer expires_in=3600",
    "apiVersion: v1",
    "partitionKey=6f1c0b7e9a2d4c3b8e5f7a9c1d3e5f7a",
    "publicKey: MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
    "sessionId=3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c",
    "key=uploads/2026/11/27/3f0a8c1e4b2d4e7a9c1d2b3e4f5a6b7c.png",
    "the key uploads/2026/11/27/3f0a8c1e4b2d4e7a9c1d2b3e4f5a6b7c.png",
    "session_id_hash=3b18e512dba79e4c8300dd08aeb37f8e728b8dad",
    "s.AbstractFactoryBeanImpl",
    "linode region us-east",
    "test_user_profile_update_handler",
    "BUNDLE_GEMS__CONTRIBSYS__COM=${SIDEKIQ_CREDS}",
    "password=%DB_PASSWORD%",
    "api_key: @API_KEY@",
    "token=$(cat /run/secrets/api_token)",
    "heroku_request_id=5d0c7b1e-93a4-4f6e-b2c8-7a1d9e3f5b20",
    "github_sha=0c4f9a7e2b81d36f5a0e9c7b4d2f18a6e3c5b790",
    "const cacheKey = \"user42prof1le\"",
    "act_1234567890 spent 40 USD",
];

/// Look-alike lines: every look-alike in the three placements, plus the
/// near misses of each prefix format (too short) and ids that stay.
pub fn lookalikes(seed: u64) -> Vec<Line> {
    let mut r = Rng::new(seed);
    let mut out = Vec::new();
    let mut push = |r: &mut Rng, provider: &'static str, content: String| {
        for placement in PLACEMENTS {
            let (text, json) = place(r, placement, &content);
            out.push(Line {
                provider,
                family: "",
                placement,
                text,
                json,
                secret: String::new(),
                keep: vec![content.clone()],
            });
        }
    };
    for l in LOOKALIKES {
        push(&mut r, "lookalike", l.to_string());
    }
    for _ in 0..4 {
        let u = r.uuid();
        push(&mut r, "request_id", format!("requestId={u}"));
        let t = format!("traceId=1-{}-{}", r.hex(8), r.hex(24));
        push(&mut r, "trace_id", t);
        let c = format!("commit {}", r.hex(40));
        push(&mut r, "commit", c);
    }
    for f in FORMATS.iter().filter(|f| f.context.is_empty()) {
        // The literal prefix followed by a few characters only.
        let prefix: String = f.template.split('{').next().unwrap_or("").to_string();
        if prefix.len() < 3 || prefix.contains("://") {
            continue;
        }
        let short = format!("{prefix}{}", class_chars(&mut r, "low", 3));
        push(&mut r, "near_miss", short);
    }
    out
}
