//! The destination as requests see it: where they go and how they
//! authenticate ([`Target`], the one place a destination request is built,
//! for the shipper and `token check`), the HTTP client they go through
//! ([`connect`], [`http_client`]: rustls with a private CA's roots, no
//! redirects), and transport errors made safe to log ([`error_chain`]).

use std::time::Duration;

use super::{ShipError, elasticsearch, logzio};
use crate::config::{Config, Destination, EsAuth};

/// Where requests go and how they authenticate: the one place a destination
/// request is built, for the shipper and for `token check`.
#[derive(Debug)]
pub(crate) enum Target {
    Logzio { endpoint: String, log_type: String },
    Elasticsearch { endpoint: String, auth: EsAuth },
}

impl Target {
    /// The configured destination; `None` for stdout.
    pub(crate) fn from_config(cfg: &Config) -> Option<Target> {
        match &cfg.destination {
            Destination::Logzio { endpoint } => Some(Target::Logzio {
                endpoint: endpoint.clone(),
                log_type: cfg.logzio_type.clone(),
            }),
            Destination::Elasticsearch { endpoint } => Some(Target::Elasticsearch {
                endpoint: endpoint.clone(),
                auth: cfg.es_auth.clone(),
            }),
            Destination::Stdout => None,
        }
    }

    /// `logzio` or `elasticsearch`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Target::Logzio { .. } => "logzio",
            Target::Elasticsearch { .. } => "elasticsearch",
        }
    }

    /// A POST of `payload` (gzipped when `gzip`) with `token`: the URL, content
    /// type and encoding, the Authorization header, and SigV4 headers signed
    /// with `credentials` when the destination uses them. Err: signing failed.
    pub(crate) async fn request(
        &self,
        client: &reqwest::Client,
        token: Option<&crate::secret::Secret>,
        credentials: Option<&aws_credential_types::provider::SharedCredentialsProvider>,
        payload: Vec<u8>,
        gzip: bool,
    ) -> Result<reqwest::RequestBuilder, String> {
        let (url, content_type) = match self {
            Target::Logzio { endpoint, log_type } => {
                (logzio::url(endpoint, token, log_type), "application/json")
            }
            Target::Elasticsearch { endpoint, .. } => {
                (format!("{endpoint}/_bulk"), "application/x-ndjson")
            }
        };
        let mut request = client.post(&url).header("content-type", content_type);
        if gzip {
            request = request.header("content-encoding", "gzip");
        }
        if let Target::Elasticsearch { auth, .. } = self {
            if let Some(value) = elasticsearch::auth_header(auth, token) {
                request = request.header("authorization", value);
            }
            if let EsAuth::SigV4 { service, region } = auth {
                let creds = sigv4_credentials(credentials).await?;
                let mut signed = vec![("content-type", content_type)];
                if gzip {
                    signed.push(("content-encoding", "gzip"));
                }
                let headers =
                    elasticsearch::sigv4_headers(&creds, service, region, &url, &signed, &payload)?;
                for (k, v) in headers {
                    request = request.header(k, v);
                }
            }
        }
        Ok(request.body(payload))
    }
}

/// The configured destination and one HTTP client for it (trusting the
/// private CA, whose parameter must be resolved first): what the shipper and
/// the token probe both talk through.
pub(crate) fn connect(cfg: &Config) -> Result<(Target, reqwest::Client), ShipError> {
    let Some(target) = Target::from_config(cfg) else {
        return Err(ShipError::NotHttp("stdout"));
    };
    let client = http_client(cfg.connect_timeout, &cfg.ca.roots()?)
        .pool_idle_timeout(Duration::from_secs(50))
        .tcp_keepalive(Duration::from_secs(30))
        .build()
        .map_err(|e| ShipError::Client(e.without_url().to_string()))?;
    Ok((target, client))
}

/// The HTTP client builder every destination request starts from: rustls, the
/// public roots plus `roots` (a private CA's, [`tls`]), the connect timeout and
/// logship's user agent.
/// Redirects are never followed: reqwest would re-send a 301/302/303'd POST as
/// a GET without its body, and a 2xx to that GET delivered nothing.
pub fn http_client(
    connect_timeout: Duration,
    roots: &crate::tls::TlsRoots,
) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("logship/", env!("CARGO_PKG_VERSION")));
    roots.add_to(builder)
}

/// A transport error as `kind: error: cause: ...`, without the URL (the
/// Logz.io token is in its query string); a certificate from an unknown issuer
/// ends with what to set ([`crate::tls::UNKNOWN_ISSUER_HINT`]).
pub fn error_chain(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "transport error"
    };
    let e = e.without_url();
    let mut out = format!("{kind}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    if crate::tls::is_unknown_issuer(&e) {
        out.push_str(": ");
        out.push_str(crate::tls::UNKNOWN_ISSUER_HINT);
    }
    out
}

/// The AWS credentials to sign a SigV4 request with.
async fn sigv4_credentials(
    provider: Option<&aws_credential_types::provider::SharedCredentialsProvider>,
) -> Result<aws_credential_types::Credentials, String> {
    use aws_credential_types::provider::ProvideCredentials as _;
    let provider = provider.ok_or("no AWS credentials for SigV4")?;
    provider
        .provide_credentials()
        .await
        .map_err(|e| format!("AWS credentials for SigV4: {e}"))
}
