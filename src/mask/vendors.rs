//! The vendor catalogue's data: prefix-anchored credential formats of about
//! 150 providers, each described by its exact prefix, body alphabet, body
//! length and structural check (the vendor's checksum where it has one, such
//! as the CRC-32 in GitHub's and npm's tokens), grouped into rule families
//! that can be turned off one by one. Formats come from the vendors'
//! documentation and from the published rule definitions of public secret
//! scanners (facts, not code). The checks themselves are in `catalogue.rs`.

use super::Rule;

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
    /// `[0-9a-f.]` (Zoho OAuth tokens: two hex halves)
    HexDot,
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
            Alpha::HexDot => c.is_ascii_digit() || (b'a'..=b'f').contains(&c) || c == b'.',
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
    /// Random, and the body holds a `-` or `_` (a format sharing its prefix
    /// with an alphanumeric one).
    RandomPunct,
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
    // Apideck: a Stripe-like prefix with `-` and `_` in a 93-character body.
    spec!(SaasToken, "apideck", b"sk_live_", Url, 90, 100, RandomPunct),
    spec!(StripeKey, "stripe", b"sk_live_", An, 10, 255),
    spec!(StripeKey, "stripe", b"rk_live_", An, 10, 255),
    spec!(StripeKey, "stripe", b"sk_test_", An, 10, 255),
    spec!(StripeKey, "stripe", b"rk_test_", An, 10, 255),
    spec!(StripeKey, "stripe", b"sk_prod_", An, 10, 255),
    spec!(StripeKey, "stripe", b"rk_prod_", An, 10, 255),
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
    spec!(AiServiceKey, "together", b"tgp_v1_", Url, 40, 50),
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
    spec!(CloudCredential, "dynatrace", b"dt0c01.", UrlDot, 80, 100),
    spec!(CloudCredential, "dynatrace", b"dt0s01.", UrlDot, 80, 100),
    spec!(AwsAccessKeyId, "aws", b"AKIA", UpDig, 16, 16),
    spec!(AwsAccessKeyId, "aws", b"ASIA", UpDig, 16, 16),
    spec!(AwsAccessKeyId, "aws", b"ABIA", UpDig, 16, 16),
    spec!(AwsAccessKeyId, "aws", b"ACCA", UpDig, 16, 16),
    spec!(AwsAccessKeyId, "aws", b"A3T", UpDig, 17, 17, Random),
    spec!(CloudCredential, "aws_appsync", b"da2-", LowDig, 26, 26),
    spec!(CloudCredential, "clickhouse", b"4b1d", An, 38, 38, Random),
    spec!(CloudCredential, "openshift", b"sha256~", Url, 43, 43),
    spec!(CloudCredential, "castai", b"castai_v1_", An, 50, 80),
    // Cloud Storage HMAC access id of a service account (61 characters).
    spec!(
        CloudCredential,
        "gcs_hmac",
        b"GOOG1E",
        UpDig,
        55,
        55,
        Random
    ),
    // Vault's service tokens before `hvs.`: `s.` and 24 alphanumerics.
    spec!(CloudCredential, "vault", b"s.", An, 24, 24, Random),
    // --- Package registries --------------------------------------------------
    spec!(RegistryToken, "npm", b"npm_", An, 36, 36, Base62Crc),
    spec!(RegistryToken, "pypi", b"pypi-", Url, 50, 400),
    spec!(RegistryToken, "rubygems", b"rubygems_", Hex, 48, 48),
    spec!(RegistryToken, "docker", b"dckr_pat_", Url, 24, 40),
    spec!(RegistryToken, "docker", b"dckr_oat_", Url, 24, 40),
    spec!(RegistryToken, "artifactory", b"AKCp", An, 60, 80),
    spec!(RegistryToken, "artifactory", b"cmVmdGtuOjAxOj", An, 50, 70),
    spec!(RegistryToken, "nuget", b"oy2", LowDig, 43, 43),
    spec!(RegistryToken, "clojars", b"CLOJARS_", An, 60, 60),
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
    spec!(PaymentKey, "square", b"EAAA", Url, 22, 64, Random),
    spec!(PaymentKey, "shopify", b"shpat_", HexMix, 32, 32),
    spec!(PaymentKey, "shopify", b"shpss_", HexMix, 32, 32),
    spec!(PaymentKey, "shopify", b"shpca_", HexMix, 32, 32),
    spec!(PaymentKey, "shopify", b"shppa_", HexMix, 32, 32),
    spec!(PaymentKey, "shopify", b"shpua_", HexMix, 32, 32),
    spec!(PaymentKey, "flutterwave", b"FLWSECK_TEST-", Url, 30, 40),
    spec!(PaymentKey, "flutterwave", b"FLWSECK-", Url, 30, 40),
    spec!(PaymentKey, "flutterwave", b"FLWENC", Url, 12, 40),
    spec!(PaymentKey, "flutterwave", b"FLWSECK_TEST-", An, 12, 12),
    spec!(PaymentKey, "flutterwave", b"FLWPUBK_TEST-", Url, 30, 40),
    spec!(PaymentKey, "flutterwave", b"FLWPUBK-", Url, 30, 40),
    spec!(PaymentKey, "lob", b"test_", Hex, 35, 35),
    spec!(PaymentKey, "checkout", b"sk_sbox_", Url, 26, 40, Random),
    spec!(PaymentKey, "square", b"sq0idp-", Url, 22, 43),
    spec!(PaymentKey, "commercejs", b"sk_", An, 46, 46, Random),
    spec!(PaymentKey, "clearbit", b"sk_", Hex, 32, 32, Random),
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
    spec!(MessagingKey, "mailgun", b"pubkey-", Hex, 32, 32),
    spec!(MessagingKey, "twilio", b"AC", Hex, 32, 32),
    spec!(MessagingKey, "twilio", b"SK", HexMix, 32, 32),
    spec!(MessagingKey, "brevo", b"xkeysib-", Url, 70, 90),
    spec!(MessagingKey, "brevo", b"xsmtpsib-", Url, 70, 90),
    spec!(MessagingKey, "resend", b"re_", Word, 20, 40, Random),
    spec!(MessagingKey, "mailersend", b"mlsn.", Hex, 64, 64),
    spec!(MessagingKey, "onesignal", b"os_v2_app_", LowDig, 40, 200),
    spec!(MessagingKey, "telnyx", b"KEY0", Word, 40, 80),
    spec!(MessagingKey, "mailjet", b"mj_", Hex, 32, 64, Random),
    spec!(MessagingKey, "mandrill", b"md-", Url, 22, 22, Random),
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
    spec!(SaasToken, "postman", b"PMAK-", Url, 59, 59),
    spec!(SaasToken, "figma", b"figd_", Url, 40, 45),
    spec!(SaasToken, "figma", b"figu_", Url, 40, 45),
    spec!(SaasToken, "grafana", b"glc_", B64, 32, 400),
    spec!(SaasToken, "grafana", b"glsa_", Word, 41, 41),
    spec!(SaasToken, "onepassword", b"ops_", B64, 50, 2000),
    // Secret Key: `A3-` then 6-11-5-5-5 or 6-6-5-5-5-5 groups.
    spec!(SaasToken, "onepassword", b"A3-", UpDigDash, 36, 37),
    spec!(SaasToken, "typeform", b"tfp_", UrlDot, 56, 64),
    spec!(SaasToken, "frameio", b"fio-u-", UrlEq, 64, 64),
    spec!(SaasToken, "readme", b"rdme_", LowDig, 70, 70),
    spec!(SaasToken, "contentful", b"CFPAT-", Url, 43, 43),
    spec!(SaasToken, "hubspot", b"pat-na1-", HexDash, 36, 36),
    spec!(SaasToken, "hubspot", b"pat-eu1-", HexDash, 36, 36),
    spec!(SaasToken, "intercom", b"dG9rOj", B64, 40, 80),
    spec!(SaasToken, "grafana", b"eyJrIjoi", B64, 70, 400),
    spec!(SaasToken, "mapbox", b"sk.eyJ", UrlDot, 50, 300),
    spec!(SaasToken, "dropbox", b"sl.", UrlDot, 120, 1500),
    spec!(SaasToken, "twitter", b"AAAAAAAAAAAAAAAAAAAA", Pct, 30, 200),
    spec!(SaasToken, "facebook", b"EAA", An, 90, 400),
    spec!(SaasToken, "instagram", b"IGQV", Url, 100, 400),
    spec!(SaasToken, "airtable", b"pat", UrlDot, 79, 79),
    spec!(SaasToken, "rootly", b"rootly_", Hex, 64, 64),
    spec!(SaasToken, "pganalyze", b"pga_", An, 24, 64),
    spec!(SaasToken, "prefect", b"pnu_", An, 36, 36),
    spec!(SaasToken, "adafruit", b"aio_", An, 28, 28, Random),
    spec!(SaasToken, "riot", b"RGAPI-", HexDash, 36, 36),
    spec!(SaasToken, "honeycomb", b"hcaik_", An, 58, 58),
    spec!(SaasToken, "honeycomb", b"hcaic_", An, 58, 58),
    spec!(SaasToken, "nightfall", b"NF-", An, 32, 32, Random),
    spec!(SaasToken, "fullstory", b"na1.", B64, 90, 120, Random),
    spec!(SaasToken, "lichess", b"lip_", An, 20, 24, Random),
    spec!(SaasToken, "axiom", b"xaat-", HexDash, 36, 36),
    spec!(SaasToken, "coralogix", b"cxtp_", An, 30, 30, Random),
    // Zoho OAuth tokens: `1000.` then two 32-hex halves joined by a dot.
    spec!(SaasToken, "zoho", b"1000.", HexDot, 65, 65, Random),
    spec!(SaasToken, "honeybadger", b"hbp_", An, 36, 36),
    spec!(SaasToken, "launchdarkly", b"api-", HexDash, 36, 36),
    spec!(SaasToken, "launchdarkly", b"sdk-", HexDash, 36, 36),
    spec!(SaasToken, "adobe", b"p8e-", An, 32, 32),
    spec!(SaasToken, "beamer", b"b_", UrlEq, 44, 44, Random),
    spec!(SaasToken, "intra42", b"s-s4t2ud-", Hex, 64, 64),
    spec!(SaasToken, "intra42", b"s-s4t2af-", Hex, 64, 64),
    spec!(SaasToken, "defined_networking", b"dnkey-", UrlEq, 70, 90),
    spec!(SaasToken, "settlemint", b"sm_pat_", An, 16, 16, Random),
    spec!(SaasToken, "settlemint", b"sm_aat_", An, 16, 16, Random),
    spec!(SaasToken, "settlemint", b"sm_sat_", An, 16, 16, Random),
    spec!(SaasToken, "scalingo", b"tk-us-", Url, 48, 48),
    spec!(SaasToken, "salesforce", b"3MVG9", UrlDot, 70, 100),
    spec!(SaasToken, "salesforce", b"00D", SfToken, 90, 200),
    spec!(SaasToken, "clickup", b"pk_", UpDigUs, 36, 50),
    spec!(SaasToken, "posthog", b"phx_", Url, 39, 50),
    spec!(SaasToken, "zuplo", b"zpka_", Word, 40, 50),
    spec!(SaasToken, "firebase", b"AAAA", FcmKey, 140, 200),
    spec!(SaasToken, "cal", b"cal_live_", An, 20, 64),
    // Prefixes from public scanners' detectors whose bodies are specific
    // enough (fixed length, hex or random) not to hit ordinary ids.
    spec!(SaasToken, "teamwork", b"tkn.v1_", B64, 60, 80),
    spec!(SaasToken, "ubidots", b"BBFF-", An, 30, 30),
    spec!(SaasToken, "stytch", b"secret-live-", UrlEq, 36, 36),
    spec!(SaasToken, "stytch", b"secret-test-", UrlEq, 36, 36),
    spec!(SaasToken, "posthog", b"phc_", An, 43, 43, Random),
    spec!(SaasToken, "pubnub", b"pub-c-", HexDash, 36, 36),
    spec!(SaasToken, "pubnub", b"sub-c-", HexDash, 36, 36),
    spec!(SaasToken, "besttime", b"pri_", Hex, 32, 32, Random),
    spec!(SaasToken, "checkly", b"cu_", Hex, 32, 32, Random),
    spec!(SaasToken, "locationiq", b"pk.", Hex, 32, 32, Random),
    spec!(SaasToken, "smooch", b"act_", Hex, 24, 24, Random),
    spec!(SaasToken, "dfuse", b"web_", Hex, 32, 32, Random),
    spec!(SaasToken, "klaviyo", b"pk_", An, 34, 45, Random),
    spec!(SaasToken, "courier", b"pk_prod_", UpDig, 28, 28, Random),
    spec!(SaasToken, "ipify", b"at_", An, 29, 29, Random),
    spec!(SaasToken, "userflow", b"ct_", An, 27, 27, Random),
    spec!(SaasToken, "column", b"secret_", An, 28, 28, Random),
    spec!(SaasToken, "imagekit", b"private_", B64, 28, 28, Random),
    spec!(SaasToken, "gemini", b"account-", An, 20, 20, Random),
    spec!(SaasToken, "finage", b"API_KEY", An, 32, 32, Random),
    spec!(SaasToken, "close", b"api_", UrlDot, 45, 45, Random),
    spec!(PemPrivateKey, "age", b"AGE-SECRET-KEY-1", Bech32Up, 58, 58),
    // A JWT, base64-encoded once more (`{"` -> `eyJ` -> `ZXlK`).
    spec!(Jwt, "jwt_base64", b"ZXlK", B64, 60, 4000, Random),
    spec!(SaasToken, "okta", b"00", Url, 40, 40, Random),
];
