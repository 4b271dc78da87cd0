//! The vendor catalogue: prefix-anchored credential formats of about 150
//! providers, each checked structurally (exact prefix, body alphabet, body
//! length, and the vendor's checksum where it has one, such as the CRC-32 in
//! GitHub's and npm's tokens), grouped into rule families that can be turned
//! off one by one. Formats come from the vendors' documentation and from the
//! published rule definitions of public secret scanners (facts, not code).
//!
//! Candidates come from the token-run scan (runs of 16 or more
//! `[A-Za-z0-9_-]` bytes, see `card.rs`): the verifier backs up to the start
//! of the token, looks its first byte up in a per-byte index of the enabled
//! formats, and checks each format with that first byte exactly. A few formats
//! without a fixed prefix (Telegram and Discord bot tokens, Azure AD client
//! secrets, Mailchimp keys, `appid|secret` pairs, webhook URL paths) have
//! their own small verifiers. Nothing is allocated per call.

use super::Rule;
use super::random::{is_placeholder, looks_random};
use super::rules::{Range, at, before, run};

/// Alphabet of a token body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Alpha {
    /// `[A-Za-z0-9]`
    An,
    /// `[A-Za-z0-9_]`
    Word,
    /// `[A-Za-z0-9_-]`
    Url,
    /// `[A-Za-z0-9_.-]`
    UrlDot,
    /// `[A-Za-z0-9_=-]`
    UrlEq,
    /// `[0-9a-f]`
    Hex,
    /// `[0-9a-fA-F]`
    HexMix,
    /// `[0-9a-f-]`
    HexDash,
    /// `[A-Z0-9]`
    UpDig,
    /// `[A-Z0-9.]`
    UpDigDot,
    /// `[A-Z0-9-]`
    UpDigDash,
    /// `[a-z0-9]`
    LowDig,
    /// `[A-Za-z0-9+/=]`
    B64,
    /// `[A-Za-z0-9+/=_-]`
    B64Any,
    /// `[A-Za-z0-9_%-]` (URL-encoded tokens)
    Pct,
    /// Bech32 upper case (age keys).
    Bech32Up,
    /// `[a-z0-9$]` (PayPal/Braintree access tokens)
    LowDigDollar,
    /// `[A-Za-z0-9!._]` (Salesforce access tokens)
    SfToken,
    /// `[A-Z0-9_]`
    UpDigUs,
    /// `[A-Za-z0-9_:-]` (Firebase Cloud Messaging server keys)
    FcmKey,
}

impl Alpha {
    #[inline]
    pub(crate) fn has(self, c: u8) -> bool {
        match self {
            Alpha::An => c.is_ascii_alphanumeric(),
            Alpha::Word => c.is_ascii_alphanumeric() || c == b'_',
            Alpha::Url => c.is_ascii_alphanumeric() || c == b'_' || c == b'-',
            Alpha::UrlDot => c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'),
            Alpha::UrlEq => c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'='),
            Alpha::Hex => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
            Alpha::HexMix => c.is_ascii_hexdigit(),
            Alpha::HexDash => c.is_ascii_digit() || (b'a'..=b'f').contains(&c) || c == b'-',
            Alpha::UpDig => c.is_ascii_uppercase() || c.is_ascii_digit(),
            Alpha::UpDigDot => c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'.',
            Alpha::UpDigDash => c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'-',
            Alpha::LowDig => c.is_ascii_lowercase() || c.is_ascii_digit(),
            Alpha::B64 => c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='),
            Alpha::B64Any => {
                c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-')
            }
            Alpha::Pct => c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'%'),
            Alpha::Bech32Up => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".contains(&c),
            Alpha::LowDigDollar => c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'$',
            Alpha::SfToken => c.is_ascii_alphanumeric() || matches!(c, b'!' | b'.' | b'_'),
            Alpha::UpDigUs => c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_',
            Alpha::FcmKey => c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'-'),
        }
    }
}

/// Extra structural check of a format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// Alphabet and length only.
    Shape,
    /// The body must also look random (short or common prefixes).
    Random,
    /// GitHub/npm style: the last 6 body characters are the base62 CRC-32 of
    /// the rest. A valid checksum proves the token; without it the body must
    /// look random (test fixtures and older tokens have no checksum).
    Base62Crc,
}

/// One credential format.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spec {
    pub rule: Rule,
    /// The provider, for documentation and tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub provider: &'static str,
    pub prefix: &'static [u8],
    pub alpha: Alpha,
    pub min: u16,
    pub max: u16,
    pub check: Check,
}

macro_rules! spec {
    ($rule:ident, $prov:literal, $prefix:literal, $alpha:ident, $min:literal, $max:literal) => {
        spec!($rule, $prov, $prefix, $alpha, $min, $max, Shape)
    };
    ($rule:ident, $prov:literal, $prefix:literal, $alpha:ident, $min:literal, $max:literal, $check:ident) => {
        Spec {
            rule: Rule::$rule,
            provider: $prov,
            prefix: $prefix,
            alpha: Alpha::$alpha,
            min: $min,
            max: $max,
            check: Check::$check,
        }
    };
}

/// The catalogue. Within one first byte, longer prefixes are tried first.
pub(crate) const SPECS: &[Spec] = &[
    // --- Source control, CI and code hosting -------------------------------
    spec!(GithubToken, "github", b"ghp_", An, 30, 255, Base62Crc),
    spec!(GithubToken, "github", b"gho_", An, 30, 255, Base62Crc),
    spec!(GithubToken, "github", b"ghu_", An, 30, 255, Base62Crc),
    spec!(GithubToken, "github", b"ghs_", An, 30, 255, Base62Crc),
    spec!(GithubToken, "github", b"ghr_", An, 30, 255, Base62Crc),
    spec!(GithubToken, "github", b"github_pat_", Word, 22, 255),
    spec!(StripeKey, "stripe", b"sk_live_", An, 10, 255),
    spec!(StripeKey, "stripe", b"rk_live_", An, 10, 255),
    spec!(StripeKey, "stripe", b"sk_test_", An, 10, 255),
    spec!(StripeKey, "stripe", b"rk_test_", An, 10, 255),
    spec!(StripeKey, "stripe", b"whsec_", An, 10, 255),
    spec!(GoogleApiKey, "google", b"AIza", Url, 35, 35),
    spec!(SourceControlToken, "gitlab", b"glpat-", UrlDot, 20, 300),
    spec!(SourceControlToken, "gitlab", b"gldt-", Url, 20, 80),
    spec!(SourceControlToken, "gitlab", b"glrt-", UrlDot, 20, 300),
    spec!(SourceControlToken, "gitlab", b"glrtr-", UrlDot, 20, 300),
    spec!(SourceControlToken, "gitlab", b"glptt-", Hex, 40, 40),
    spec!(SourceControlToken, "gitlab", b"glsoat-", Url, 20, 80),
    spec!(SourceControlToken, "gitlab", b"glcbt-", Url, 20, 80),
    spec!(SourceControlToken, "gitlab", b"glffct-", Url, 20, 80),
    spec!(SourceControlToken, "gitlab", b"glimt-", Url, 25, 80),
    spec!(SourceControlToken, "gitlab", b"glft-", Url, 20, 80),
    spec!(SourceControlToken, "gitlab", b"glagent-", Url, 50, 120),
    spec!(SourceControlToken, "gitlab", b"gloas-", Url, 40, 120),
    spec!(SourceControlToken, "gitlab", b"GR1348941", Url, 20, 80),
    spec!(SourceControlToken, "bitbucket", b"ATBB", UrlEq, 28, 80),
    spec!(SourceControlToken, "atlassian", b"ATATT", UrlEq, 60, 300),
    spec!(SourceControlToken, "atlassian", b"ATCTT", UrlEq, 60, 300),
    spec!(SourceControlToken, "bitbucket_dc", b"BBDC-", B64Any, 40, 60),
    spec!(SourceControlToken, "sourcegraph", b"sgp_", Word, 40, 80),
    spec!(SourceControlToken, "sourcegraph", b"sgph_", Word, 40, 80),
    spec!(SourceControlToken, "circleci", b"CCIPAT_", Word, 40, 100),
    spec!(SourceControlToken, "circleci", b"CCIPRJ_", Word, 40, 100),
    spec!(SourceControlToken, "harness", b"pat.", UrlDot, 50, 120),
    spec!(SourceControlToken, "harness", b"sat.", UrlDot, 50, 120),
    spec!(SourceControlToken, "buildkite", b"bkua_", Hex, 40, 40),
    spec!(SourceControlToken, "octopus", b"API-", UpDig, 25, 32),
    spec!(SourceControlToken, "sonarqube", b"sqp_", Hex, 40, 40),
    spec!(SourceControlToken, "sonarqube", b"squ_", Hex, 40, 40),
    spec!(SourceControlToken, "sonarqube", b"sqa_", Hex, 40, 40),
    // --- AI and ML services --------------------------------------------------
    spec!(AiServiceKey, "openai", b"sk-proj-", Url, 40, 300),
    spec!(AiServiceKey, "openai", b"sk-svcacct-", Url, 40, 300),
    spec!(AiServiceKey, "openai", b"sk-admin-", Url, 40, 300),
    spec!(AiServiceKey, "openai", b"sk-None-", Url, 40, 300),
    spec!(AiServiceKey, "anthropic", b"sk-ant-", Url, 60, 200),
    spec!(AiServiceKey, "openrouter", b"sk-or-v1-", Hex, 64, 64),
    spec!(AiServiceKey, "langfuse", b"sk-lf-", HexDash, 36, 36),
    spec!(AiServiceKey, "helicone", b"sk-helicone-", Url, 20, 120),
    spec!(AiServiceKey, "openai", b"sk-", An, 32, 64, Random),
    spec!(AiServiceKey, "elevenlabs", b"sk_", Hex, 48, 48),
    spec!(AiServiceKey, "huggingface", b"hf_", An, 30, 40, Random),
    spec!(AiServiceKey, "huggingface", b"api_org_", An, 30, 40, Random),
    spec!(AiServiceKey, "bedrock", b"ABSK", B64, 60, 400),
    spec!(
        AiServiceKey,
        "bedrock",
        b"bedrock-api-key-",
        B64Any,
        60,
        4000
    ),
    spec!(AiServiceKey, "groq", b"gsk_", An, 48, 56),
    spec!(AiServiceKey, "perplexity", b"pplx-", An, 40, 56),
    spec!(AiServiceKey, "xai", b"xai-", An, 60, 90),
    spec!(AiServiceKey, "replicate", b"r8_", An, 34, 40),
    spec!(AiServiceKey, "langsmith", b"lsv2_", Word, 40, 64),
    spec!(AiServiceKey, "nvidia", b"nvapi-", Url, 60, 70),
    spec!(AiServiceKey, "fireworks", b"fw_", An, 20, 40, Random),
    spec!(AiServiceKey, "pinecone", b"pcsk_", Word, 50, 100),
    spec!(AiServiceKey, "cerebras", b"csk-", LowDig, 40, 56),
    spec!(AiServiceKey, "jina", b"jina_", Word, 50, 80),
    spec!(AiServiceKey, "tavily", b"tvly-", Url, 30, 50),
    spec!(AiServiceKey, "e2b", b"e2b_", Hex, 40, 40),
    spec!(AiServiceKey, "firecrawl", b"fc-", Hex, 32, 32),
    spec!(AiServiceKey, "apify", b"apify_api_", An, 30, 40),
    spec!(AiServiceKey, "browserbase", b"bb_live_", Url, 20, 40),
    // --- Cloud and platform --------------------------------------------------
    spec!(CloudCredential, "alibaba", b"LTAI", An, 12, 24),
    spec!(CloudCredential, "tencent", b"AKID", An, 32, 36),
    spec!(CloudCredential, "gcp", b"ya29.", UrlDot, 30, 2048),
    spec!(CloudCredential, "gcp", b"GOCSPX-", Url, 24, 40),
    spec!(CloudCredential, "digitalocean", b"dop_v1_", Hex, 64, 64),
    spec!(CloudCredential, "digitalocean", b"doo_v1_", Hex, 64, 64),
    spec!(CloudCredential, "digitalocean", b"dor_v1_", Hex, 64, 64),
    spec!(CloudCredential, "heroku", b"HRKU-", Url, 40, 80),
    spec!(CloudCredential, "flyio", b"fo1_", Url, 40, 50),
    spec!(CloudCredential, "flyio", b"fm1r_", B64Any, 40, 8000),
    spec!(CloudCredential, "flyio", b"fm1a_", B64Any, 40, 8000),
    spec!(CloudCredential, "flyio", b"fm2_", B64Any, 40, 8000),
    spec!(CloudCredential, "vercel", b"vercel_", An, 24, 80),
    spec!(CloudCredential, "vercel", b"vcp_", An, 24, 100),
    spec!(CloudCredential, "vercel", b"vci_", An, 24, 100),
    spec!(CloudCredential, "vercel", b"vca_", An, 24, 100),
    spec!(CloudCredential, "vercel", b"vcr_", An, 24, 100),
    spec!(CloudCredential, "vercel", b"vck_", An, 24, 100),
    spec!(CloudCredential, "netlify", b"nfp_", Word, 36, 48),
    spec!(CloudCredential, "netlify", b"nfc_", Word, 36, 48),
    spec!(CloudCredential, "vault", b"hvs.", UrlDot, 24, 400),
    spec!(CloudCredential, "vault", b"hvb.", UrlDot, 100, 400),
    spec!(CloudCredential, "vault", b"hvr.", UrlDot, 24, 400),
    spec!(CloudCredential, "doppler", b"dp.pt.", An, 40, 50),
    spec!(CloudCredential, "doppler", b"dp.st.", UrlDot, 40, 80),
    spec!(CloudCredential, "doppler", b"dp.ct.", An, 40, 50),
    spec!(CloudCredential, "doppler", b"dp.sa.", An, 40, 50),
    spec!(CloudCredential, "doppler", b"dp.scim.", An, 40, 50),
    spec!(CloudCredential, "doppler", b"dp.audit.", An, 40, 50),
    spec!(
        CloudCredential,
        "planetscale",
        b"pscale_tkn_",
        UrlDot,
        32,
        64
    ),
    spec!(
        CloudCredential,
        "planetscale",
        b"pscale_pw_",
        UrlDot,
        32,
        64
    ),
    spec!(
        CloudCredential,
        "planetscale",
        b"pscale_oauth_",
        UrlDot,
        32,
        64
    ),
    spec!(CloudCredential, "supabase", b"sbp_", Hex, 40, 40),
    spec!(CloudCredential, "supabase", b"sb_secret_", Url, 24, 64),
    spec!(CloudCredential, "pulumi", b"pul-", Hex, 40, 40),
    spec!(CloudCredential, "databricks", b"dapi", HexDash, 32, 34),
    spec!(CloudCredential, "scaleway", b"SCW", UpDig, 17, 17),
    spec!(CloudCredential, "cloudflare", b"v1.0-", Url, 140, 200),
    spec!(CloudCredential, "yandex", b"AQVN", Url, 35, 40),
    spec!(CloudCredential, "yandex", b"t1.", UrlDot, 80, 400),
    spec!(CloudCredential, "infracost", b"ico-", An, 32, 32),
    spec!(CloudCredential, "tailscale", b"tskey-", Url, 20, 120),
    spec!(CloudCredential, "render", b"rnd_", An, 28, 40),
    spec!(CloudCredential, "neon", b"napi_", LowDig, 60, 70),
    spec!(CloudCredential, "elastic", b"essu_", B64, 40, 200),
    spec!(CloudCredential, "deno", b"ddp_", An, 36, 40),
    spec!(CloudCredential, "dynatrace", b"dt0c01.", UpDigDot, 80, 100),
    spec!(CloudCredential, "dynatrace", b"dt0s01.", UpDigDot, 80, 100),
    spec!(AwsAccessKeyId, "aws", b"AKIA", UpDig, 16, 16),
    spec!(AwsAccessKeyId, "aws", b"ASIA", UpDig, 16, 16),
    spec!(AwsAccessKeyId, "aws", b"ABIA", UpDig, 16, 16),
    spec!(AwsAccessKeyId, "aws", b"ACCA", UpDig, 16, 16),
    spec!(AwsAccessKeyId, "aws", b"A3T", UpDig, 17, 17, Random),
    spec!(CloudCredential, "aws_appsync", b"da2-", LowDig, 26, 26),
    // --- Package registries --------------------------------------------------
    spec!(RegistryToken, "npm", b"npm_", An, 36, 36, Base62Crc),
    spec!(RegistryToken, "pypi", b"pypi-", Url, 50, 400),
    spec!(RegistryToken, "rubygems", b"rubygems_", Hex, 48, 48),
    spec!(RegistryToken, "docker", b"dckr_pat_", Url, 24, 40),
    spec!(RegistryToken, "docker", b"dckr_oat_", Url, 24, 40),
    spec!(RegistryToken, "artifactory", b"AKCp", An, 60, 80),
    spec!(RegistryToken, "artifactory", b"cmVmdGtuOjAxOj", An, 50, 70),
    spec!(RegistryToken, "nuget", b"oy2", LowDig, 43, 43),
    spec!(RegistryToken, "clojars", b"CLOJARS_", LowDig, 60, 60),
    spec!(RegistryToken, "crates_io", b"cio", An, 32, 32, Random),
    spec!(RegistryToken, "gitlab_registry", b"glcr-", Url, 20, 80),
    // --- Chat and collaboration ---------------------------------------------
    spec!(SlackToken, "slack", b"xoxe.xox", UrlDot, 20, 400),
    spec!(SlackToken, "slack", b"xoxe-", Url, 20, 400),
    spec!(SlackToken, "slack", b"xoxc-", Url, 20, 400),
    spec!(SlackToken, "slack", b"xoxd-", Pct, 20, 600),
    spec!(SlackToken, "slack", b"xapp-", Url, 20, 200),
    spec!(ChatToken, "twitch", b"oauth:", LowDig, 30, 30),
    // --- Payments and commerce ----------------------------------------------
    spec!(PaymentKey, "square", b"sq0atp-", Url, 22, 22),
    spec!(PaymentKey, "square", b"sq0csp-", Url, 43, 43),
    spec!(PaymentKey, "square", b"EAAA", Url, 60, 64),
    spec!(PaymentKey, "shopify", b"shpat_", HexMix, 32, 32),
    spec!(PaymentKey, "shopify", b"shpss_", HexMix, 32, 32),
    spec!(PaymentKey, "shopify", b"shpca_", HexMix, 32, 32),
    spec!(PaymentKey, "shopify", b"shppa_", HexMix, 32, 32),
    spec!(PaymentKey, "shopify", b"shpua_", HexMix, 32, 32),
    spec!(PaymentKey, "flutterwave", b"FLWSECK_TEST-", Url, 30, 40),
    spec!(PaymentKey, "flutterwave", b"FLWSECK-", Url, 30, 40),
    spec!(PaymentKey, "flutterwave", b"FLWENC", Url, 12, 40),
    spec!(PaymentKey, "razorpay", b"rzp_live_", An, 14, 14),
    spec!(PaymentKey, "plaid", b"access-production-", HexDash, 36, 36),
    spec!(PaymentKey, "plaid", b"access-development-", HexDash, 36, 36),
    spec!(PaymentKey, "plaid", b"access-sandbox-", HexDash, 36, 36),
    spec!(PaymentKey, "gocardless", b"live_", Url, 30, 64, Random),
    spec!(PaymentKey, "duffel", b"duffel_live_", UrlEq, 40, 50),
    spec!(PaymentKey, "duffel", b"duffel_test_", UrlEq, 40, 50),
    spec!(PaymentKey, "easypost", b"EZAK", An, 54, 54),
    spec!(PaymentKey, "easypost", b"EZTK", An, 54, 54),
    spec!(PaymentKey, "shippo", b"shippo_live_", HexMix, 40, 40),
    spec!(PaymentKey, "shippo", b"shippo_test_", HexMix, 40, 40),
    spec!(PaymentKey, "paddle", b"pdl_live_", Word, 30, 80),
    spec!(PaymentKey, "paddle", b"pdl_sdbx_", Word, 30, 80),
    spec!(PaymentKey, "woocommerce", b"ck_", Hex, 40, 40),
    spec!(PaymentKey, "woocommerce", b"cs_", Hex, 40, 40),
    spec!(
        PaymentKey,
        "paypal",
        b"access_token$production$",
        LowDigDollar,
        40,
        60
    ),
    spec!(
        PaymentKey,
        "paypal",
        b"access_token$sandbox$",
        LowDigDollar,
        40,
        60
    ),
    // --- E-mail, SMS and messaging -------------------------------------------
    spec!(MessagingKey, "sendgrid", b"SG.", UrlDot, 60, 70),
    spec!(MessagingKey, "mailgun", b"key-", Hex, 32, 32),
    spec!(MessagingKey, "twilio", b"AC", Hex, 32, 32),
    spec!(MessagingKey, "twilio", b"SK", Hex, 32, 32),
    spec!(MessagingKey, "brevo", b"xkeysib-", Url, 70, 90),
    spec!(MessagingKey, "brevo", b"xsmtpsib-", Url, 70, 90),
    spec!(MessagingKey, "resend", b"re_", Word, 20, 40, Random),
    spec!(MessagingKey, "mailersend", b"mlsn.", Hex, 64, 64),
    spec!(MessagingKey, "onesignal", b"os_v2_app_", LowDig, 40, 200),
    spec!(MessagingKey, "telnyx", b"KEY0", Word, 40, 80),
    spec!(MessagingKey, "mailjet", b"mj_", Hex, 32, 64, Random),
    // --- Other SaaS -----------------------------------------------------------
    spec!(SaasToken, "notion", b"ntn_", An, 40, 50),
    spec!(SaasToken, "notion", b"secret_", An, 43, 43),
    spec!(SaasToken, "linear", b"lin_api_", An, 40, 40),
    spec!(SaasToken, "linear", b"lin_oauth_", An, 40, 64),
    spec!(SaasToken, "sentry", b"sntrys_", B64Any, 60, 400),
    spec!(SaasToken, "sentry", b"sntryu_", Hex, 64, 64),
    spec!(SaasToken, "sentry", b"sntrya_", Hex, 64, 64),
    spec!(SaasToken, "newrelic", b"NRAK-", UpDig, 27, 27),
    spec!(SaasToken, "newrelic", b"NRII-", Url, 32, 32),
    spec!(SaasToken, "newrelic", b"NRJS-", Hex, 19, 19),
    spec!(SaasToken, "newrelic", b"NRAA-", Hex, 27, 27),
    spec!(SaasToken, "postman", b"PMAK-", HexDash, 59, 59),
    spec!(SaasToken, "figma", b"figd_", Url, 40, 45),
    spec!(SaasToken, "figma", b"figu_", Url, 40, 45),
    spec!(SaasToken, "grafana", b"glc_", B64, 32, 400),
    spec!(SaasToken, "grafana", b"glsa_", Word, 41, 41),
    spec!(SaasToken, "onepassword", b"ops_", B64, 50, 2000),
    spec!(SaasToken, "onepassword", b"A3-", UpDigDash, 36, 36),
    spec!(SaasToken, "typeform", b"tfp_", UrlDot, 56, 64),
    spec!(SaasToken, "frameio", b"fio-u-", UrlEq, 64, 64),
    spec!(SaasToken, "readme", b"rdme_", LowDig, 70, 70),
    spec!(SaasToken, "contentful", b"CFPAT-", Url, 43, 43),
    spec!(SaasToken, "hubspot", b"pat-na1-", HexDash, 36, 36),
    spec!(SaasToken, "hubspot", b"pat-eu1-", HexDash, 36, 36),
    spec!(SaasToken, "intercom", b"dG9rOj", B64, 40, 80),
    spec!(SaasToken, "mapbox", b"sk.eyJ", UrlDot, 50, 300),
    spec!(SaasToken, "dropbox", b"sl.", UrlDot, 120, 1500),
    spec!(SaasToken, "twitter", b"AAAAAAAAAAAAAAAAAAAA", Pct, 30, 200),
    spec!(SaasToken, "facebook", b"EAA", An, 90, 400),
    spec!(SaasToken, "instagram", b"IGQV", Url, 100, 400),
    spec!(SaasToken, "airtable", b"pat", UrlDot, 79, 79),
    spec!(SaasToken, "rootly", b"rootly_", Hex, 64, 64),
    spec!(SaasToken, "pganalyze", b"pga_", An, 24, 64),
    spec!(SaasToken, "prefect", b"pnu_", An, 36, 36),
    spec!(SaasToken, "honeybadger", b"hbp_", An, 36, 36),
    spec!(SaasToken, "launchdarkly", b"api-", HexDash, 36, 36),
    spec!(SaasToken, "launchdarkly", b"sdk-", HexDash, 36, 36),
    spec!(SaasToken, "adobe", b"p8e-", An, 32, 32),
    spec!(SaasToken, "beamer", b"b_", UrlEq, 44, 44, Random),
    spec!(SaasToken, "intra42", b"s-s4t2ud-", Hex, 64, 64),
    spec!(SaasToken, "intra42", b"s-s4t2af-", Hex, 64, 64),
    spec!(SaasToken, "defined_networking", b"dnkey-", UrlEq, 70, 90),
    spec!(SaasToken, "settlemint", b"sm_pat_", Hex, 16, 16),
    spec!(SaasToken, "settlemint", b"sm_aat_", Hex, 16, 16),
    spec!(SaasToken, "settlemint", b"sm_sat_", Hex, 16, 16),
    spec!(SaasToken, "scalingo", b"tk-us-", Url, 48, 48),
    spec!(SaasToken, "salesforce", b"3MVG9", UrlDot, 70, 100),
    spec!(SaasToken, "salesforce", b"00D", SfToken, 90, 200),
    spec!(SaasToken, "clickup", b"pk_", UpDigUs, 36, 50),
    spec!(SaasToken, "posthog", b"phx_", Url, 39, 50),
    spec!(SaasToken, "zuplo", b"zpka_", Word, 40, 50),
    spec!(SaasToken, "firebase", b"AAAA", FcmKey, 140, 200),
    spec!(SaasToken, "cal", b"cal_live_", An, 20, 64),
    spec!(PemPrivateKey, "age", b"AGE-SECRET-KEY-1", Bech32Up, 58, 58),
    spec!(SaasToken, "okta", b"00", Url, 40, 40, Random),
];

/// Per-first-byte index over the enabled formats.
pub(crate) struct Catalogue {
    /// For each first byte, the range of `order` holding its formats.
    idx: [(u16, u16); 256],
    /// Indices into [`SPECS`], grouped by first byte, longer prefixes first.
    order: Vec<u16>,
    /// Rule families with a custom (prefix-less) verifier that are enabled.
    customs: u32,
    /// Bit per (first byte, second byte) pair that starts an enabled prefix:
    /// most tokens (UUIDs, hex ids) are rejected with one lookup.
    pairs: Box<[u64; 1024]>,
}

/// Families that have custom verifiers below.
const CUSTOM_RULES: [Rule; 5] = [
    Rule::ChatToken,
    Rule::CloudCredential,
    Rule::MessagingKey,
    Rule::SaasToken,
    Rule::PaymentKey,
];

impl Catalogue {
    pub(crate) fn new(enabled: impl Fn(Rule) -> bool) -> Catalogue {
        let mut ids: Vec<u16> = (0..SPECS.len())
            .filter(|&i| {
                SPECS
                    .get(i)
                    .is_some_and(|s| enabled(s.rule) && !s.prefix.is_empty())
            })
            .filter_map(|i| u16::try_from(i).ok())
            .collect();
        let key = |i: &u16| {
            let s = &SPECS[usize::from(*i)];
            (s.prefix[0], std::cmp::Reverse(s.prefix.len()))
        };
        ids.sort_by_key(key);
        let mut idx = [(0u16, 0u16); 256];
        let mut i = 0usize;
        while i < ids.len() {
            let first = SPECS[usize::from(ids[i])].prefix[0];
            let start = i;
            while i < ids.len() && SPECS[usize::from(ids[i])].prefix[0] == first {
                i += 1;
            }
            idx[usize::from(first)] = (start as u16, i as u16);
        }
        let mut pairs = Box::new([0u64; 1024]);
        for &i in &ids {
            let p = SPECS[usize::from(i)].prefix;
            let k = (usize::from(p[0]) << 8) | usize::from(p.get(1).copied().unwrap_or(0));
            pairs[k >> 6] |= 1 << (k & 63);
        }
        let mut customs = 0u32;
        for r in CUSTOM_RULES {
            if enabled(r) {
                customs |= r.bit();
            }
        }
        Catalogue {
            idx,
            order: ids,
            customs,
            pairs,
        }
    }

    /// Distinct provider names in the catalogue (for documentation and tests).
    #[cfg(test)]
    pub(crate) fn providers() -> Vec<&'static str> {
        let mut v: Vec<&str> = SPECS.iter().map(|s| s.provider).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.order.is_empty() && self.customs == 0
    }

    /// A catalogued token starting exactly at `ts`: its end and family.
    pub(crate) fn match_at(&self, b: &[u8], ts: usize) -> Option<(usize, Rule)> {
        let first = *b.get(ts)?;
        let k = (usize::from(first) << 8) | usize::from(at(b, ts + 1));
        if self
            .pairs
            .get(k >> 6)
            .is_none_or(|w| w & (1 << (k & 63)) == 0)
        {
            return None;
        }
        let (lo, hi) = self.idx[usize::from(first)];
        let ids = self.order.get(usize::from(lo)..usize::from(hi))?;
        for &i in ids {
            let Some(s) = SPECS.get(usize::from(i)) else {
                continue;
            };
            // Byte loop rather than a slice compare: prefixes are short and
            // most candidates differ in the second byte.
            let Some(head) = b.get(ts..ts + s.prefix.len()) else {
                continue;
            };
            if !head.iter().zip(s.prefix).all(|(x, y)| x == y) {
                continue;
            }
            let bs = ts + s.prefix.len();
            let be = run(b, bs, usize::from(s.max) + 1, |c| s.alpha.has(c));
            let n = be - bs;
            if n < usize::from(s.min) || n > usize::from(s.max) {
                continue;
            }
            let next = at(b, be);
            if next.is_ascii_alphanumeric() || next == b'_' {
                continue;
            }
            let body = &b[bs..be];
            let ok = match s.check {
                Check::Shape => !is_placeholder(body),
                Check::Random => looks_random(body, 8, false),
                Check::Base62Crc => {
                    base62_crc_ok(body) || (!is_placeholder(body) && looks_random(body, 16, false))
                }
            };
            if ok {
                return Some((be, s.rule));
            }
        }
        None
    }

    fn custom_on(&self, r: Rule) -> bool {
        self.customs & r.bit() != 0
    }

    /// Formats without a fixed prefix, around the token run starting at `rs`
    /// (whose token, backed up over `[A-Za-z0-9_.~-]`, starts at `ts`).
    pub(crate) fn custom(&self, b: &[u8], ts: usize, rs: usize) -> Option<(Range, Rule)> {
        let url = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        let prev = before(b, rs);
        // Telegram bot token: 8-10 digits ':' "AA" + 33.
        if prev == b':' && self.custom_on(Rule::ChatToken) && b.get(rs..rs + 2) == Some(b"AA") {
            let colon = rs - 1;
            let mut ds = colon;
            while ds > 0 && colon - ds < 11 && b[ds - 1].is_ascii_digit() {
                ds -= 1;
            }
            let end = run(b, rs, 40, url);
            if (8..=10).contains(&(colon - ds))
                && !before(b, ds).is_ascii_alphanumeric()
                && end - rs == 35
            {
                return Some(((ds, end), Rule::ChatToken));
            }
        }
        // appid|secret (Facebook), also URL-encoded as %7C.
        if self.custom_on(Rule::SaasToken) {
            let (sep_start, secret_start) = if prev == b'|' {
                (rs - 1, rs)
            } else if prev == b'%'
                && b.get(rs..rs + 2)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"7c"))
            {
                (rs - 1, rs + 2)
            } else {
                (usize::MAX, 0)
            };
            if sep_start != usize::MAX {
                let mut ds = sep_start;
                while ds > 0 && sep_start - ds < 17 && b[ds - 1].is_ascii_digit() {
                    ds -= 1;
                }
                let end = run(b, secret_start, 41, url);
                if (15..=16).contains(&(sep_start - ds))
                    && (27..=40).contains(&(end - secret_start))
                    && looks_random(&b[secret_start..end], 16, false)
                {
                    return Some(((ds, end), Rule::SaasToken));
                }
            }
        }
        // Webhook URL paths: Discord `/api/webhooks/<id>/<token>`, Teams
        // `/IncomingWebhook/<hex>/<uuid>`.
        if prev == b'/' {
            let head = &b[..rs - 1];
            if self.custom_on(Rule::ChatToken) {
                let ds = head.len() - head.iter().rev().take_while(|c| c.is_ascii_digit()).count();
                let end = run(b, rs, 100, url);
                if ds < head.len() && head[..ds].ends_with(b"/webhooks/") && end - rs >= 60 {
                    return Some(((rs, end), Rule::ChatToken));
                }
                if head.ends_with(b"/IncomingWebhook") {
                    let end = run(b, rs, 120, |c| url(c) || c == b'/');
                    return Some(((rs, end), Rule::ChatToken));
                }
            }
            // Google OAuth refresh token: 1//0...
            if self.custom_on(Rule::CloudCredential)
                && head.ends_with(b"1/")
                && at(b, rs) == b'0'
                && !before(b, rs - 3).is_ascii_alphanumeric()
            {
                let end = run(b, rs, 512, url);
                if end - rs >= 40 {
                    return Some(((rs - 3, end), Rule::CloudCredential));
                }
            }
        }
        // The remaining formats are recognised by a byte at a fixed offset;
        // look at those first so that ordinary tokens cost a few compares.
        let azure = b.get(ts + 4..ts + 6) == Some(b"Q~");
        let terraform = b.get(ts + 14..ts + 23) == Some(b".atlasv1.");
        let discord = matches!(at(b, ts), b'M' | b'N' | b'O');
        let mailchimp = b.get(ts + 32..ts + 35) == Some(b"-us");
        let newrelic = b.get(ts + 36..ts + 40) == Some(b"NRAL");
        if !(azure || terraform || discord || mailchimp || newrelic) {
            return None;
        }
        let dot_tilde = |c: u8| url(c) || c == b'.' || c == b'~';
        let te = run(b, ts, 4096, dot_tilde);
        let tok = &b[ts..te];
        let boundary = !matches!(at(b, te), b'/' | b'+' | b'=' | b'@');
        // Azure AD client secret: 3 chars, a digit, "Q~", 31-34 more.
        if self.custom_on(Rule::CloudCredential)
            && (37..=40).contains(&tok.len())
            && tok.get(3).is_some_and(u8::is_ascii_digit)
            && tok.get(4..6) == Some(b"Q~")
            && boundary
        {
            return Some(((ts, te), Rule::CloudCredential));
        }
        // Terraform Cloud / Enterprise: 14 `[a-z0-9]`, ".atlasv1.", 60-70.
        if self.custom_on(Rule::CloudCredential)
            && tok.len() >= 14 + 9 + 60
            && tok.get(14..23) == Some(b".atlasv1.")
        {
            return Some(((ts, te), Rule::CloudCredential));
        }
        // Discord bot token: [MNO] + 23-27, '.', 6-7, '.', 27-40.
        if self.custom_on(Rule::ChatToken) && matches!(tok.first(), Some(b'M' | b'N' | b'O')) {
            let mut parts = tok.split(|&c| c == b'.');
            let (p1, p2, p3, p4) = (parts.next(), parts.next(), parts.next(), parts.next());
            if let (Some(p1), Some(p2), Some(p3), None) = (p1, p2, p3, p4)
                && (24..=28).contains(&p1.len())
                && (6..=7).contains(&p2.len())
                && (27..=40).contains(&p3.len())
                && [p1, p2, p3].iter().all(|p| p.iter().all(|&c| url(c)))
                && !is_placeholder(p3)
            {
                return Some(((ts, te), Rule::ChatToken));
            }
        }
        // Mailchimp: 32 hex + "-us" + 1-2 digits.
        if self.custom_on(Rule::MessagingKey) {
            let he = run(b, ts, 33, |c| {
                c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
            });
            if he - ts == 32 && b.get(he..he + 3) == Some(b"-us") {
                let de = run(b, he + 3, 3, |c| c.is_ascii_digit());
                if (1..=2).contains(&(de - he - 3))
                    && !at(b, de).is_ascii_alphanumeric()
                    && !is_placeholder(&b[ts..he])
                {
                    return Some(((ts, de), Rule::MessagingKey));
                }
            }
        }
        // New Relic license key: 36 hex + "NRAL".
        if self.custom_on(Rule::SaasToken)
            && tok.len() == 40
            && tok.ends_with(b"NRAL")
            && tok[..36].iter().all(u8::is_ascii_hexdigit)
        {
            return Some(((ts, te), Rule::SaasToken));
        }
        None
    }
}

/// CRC-32 (IEEE 802.3, reflected, as in zlib) lookup table.
const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Whether the last 6 characters of `body` are the base62 (0-9A-Za-z,
/// zero-padded) CRC-32 of the characters before them.
pub(crate) fn base62_crc_ok(body: &[u8]) -> bool {
    if body.len() < 7 {
        return false;
    }
    let (data, sum) = body.split_at(body.len() - 6);
    let mut v = 0u64;
    for &c in sum {
        let Some(d) = BASE62.iter().position(|&x| x == c) else {
            return false;
        };
        v = v * 62 + d as u64;
    }
    v == u64::from(crc32(data))
}

/// Base62 CRC-32 checksum of `data`, 6 characters (for tests and examples).
#[cfg(test)]
pub(crate) fn base62_crc(data: &[u8]) -> String {
    let mut v = u64::from(crc32(data));
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(v % 62) as usize];
        v /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue::new(|_| true)
    }

    fn m(t: &str) -> Option<(String, Rule)> {
        cat()
            .match_at(t.as_bytes(), 0)
            .map(|(e, r)| (t[..e].to_string(), r))
    }

    #[test]
    fn crc() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        let body = "zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ";
        let tok = format!("{body}{}", base62_crc(body.as_bytes()));
        assert!(base62_crc_ok(tok.as_bytes()));
        assert!(!base62_crc_ok(b"zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ000000"));
    }

    #[test]
    fn prefixes() {
        let gl = "glpat-Zx8Qr2Lm4Nv7Tb1Yc9Wd";
        assert_eq!(m(gl).map(|x| x.1), Some(Rule::SourceControlToken));
        assert_eq!(m("glpat-xxxxxxxxxxxxxxxxxxxx"), None);
        assert_eq!(m("glpat-short"), None);
        let oa = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk";
        assert_eq!(m(oa).map(|x| x.1), Some(Rule::AiServiceKey));
        let tw = "SK0123456789abcdef0123456789abcdef";
        assert_eq!(m(tw).map(|x| x.1), Some(Rule::MessagingKey));
        assert_eq!(m("SK0123456789abcdef0123456789abcdefg"), None);
        // The same 32 characters in upper-case hex are not a Twilio SID.
        assert_eq!(m("SK0123456789ABCDEF0123456789ABCDEF"), None);
    }

    #[test]
    fn catalogue_breadth() {
        assert!(
            Catalogue::providers().len() >= 120,
            "{:?}",
            Catalogue::providers()
        );
    }

    #[test]
    fn no_duplicate_formats() {
        for (i, a) in SPECS.iter().enumerate() {
            for b in &SPECS[i + 1..] {
                assert!(
                    !(a.prefix == b.prefix && a.alpha == b.alpha && a.min == b.min),
                    "duplicate {}",
                    String::from_utf8_lossy(a.prefix)
                );
            }
        }
    }
}
