//! The destination's extra trust roots: the CA certificates of a private
//! certificate authority, for a self-managed Elasticsearch or OpenSearch whose
//! certificate no public CA signed.
//!
//! They come from `LOGSHIP_CA_BUNDLE` (a PEM file packaged with the function,
//! read with the rest of the configuration) or `LOGSHIP_CA_BUNDLE_PARAM` (an SSM
//! parameter holding the PEM, read once at start-up through the token's SSM
//! read, [`crate::aws::read_parameter`]); never both. [`CaSetting`] is the
//! setting in the validated [`Config`](crate::config::Config), [`TlsRoots`] the
//! certificates, which [`crate::ship::http_client`] adds to the usual public roots of
//! every client that talks to the destination (the shipper, `redrive`, `token
//! check`), and only those. Without either setting a certificate from an
//! unknown issuer is refused as before, and the error says which setting to
//! use ([`is_unknown_issuer`]). A certificate that cannot be used is an error
//! naming the setting and the certificate's position, never quoting the PEM.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

/// The PEM file setting.
pub const VAR_CA_BUNDLE: &str = "LOGSHIP_CA_BUNDLE";
/// The SSM parameter setting.
pub const VAR_CA_BUNDLE_PARAM: &str = "LOGSHIP_CA_BUNDLE_PARAM";

/// What a failure on an unknown certificate issuer tells the operator to do.
pub const UNKNOWN_ISSUER_HINT: &str = "set LOGSHIP_CA_BUNDLE or LOGSHIP_CA_BUNDLE_PARAM to the CA that signed the destination's certificate";

/// A CA bundle setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// Both settings are set.
    #[error("set {VAR_CA_BUNDLE} or {VAR_CA_BUNDLE_PARAM}, not both")]
    Both,
    /// The file cannot be read.
    #[error("{VAR_CA_BUNDLE}={path}: cannot be read: {reason}")]
    File {
        /// The path as set.
        path: String,
        /// The I/O error (it never holds the content).
        reason: String,
    },
    /// The SSM parameter cannot be read.
    #[error("{VAR_CA_BUNDLE_PARAM}={name}: {reason}")]
    Parameter {
        /// The parameter name.
        name: String,
        /// Why (the SDK's error, which never holds the value).
        reason: String,
    },
    /// The PEM holds no certificate, or one that cannot be used.
    #[error("{var}: {problem}")]
    Pem {
        /// The setting it came from.
        var: &'static str,
        /// What is wrong, by certificate position; never the PEM itself.
        problem: String,
    },
    /// The parameter was not read before a client was built (a caller bug).
    #[error("{VAR_CA_BUNDLE_PARAM}={0} must be read at start-up, before the HTTP client is built")]
    NotRead(String),
}

/// CA certificates to trust besides the public ones; empty: the public ones only.
#[derive(Clone, Default)]
pub struct TlsRoots {
    certs: Vec<reqwest::Certificate>,
}

impl std::fmt::Debug for TlsRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TlsRoots({} certificates)", self.certs.len())
    }
}

impl TlsRoots {
    /// The certificates of a PEM bundle read from `var`: at least one, each a
    /// valid X.509 certificate. Other PEM sections (a key) are ignored.
    pub fn from_pem(pem: &[u8], var: &'static str) -> Result<TlsRoots, CaError> {
        let problem = |problem: String| CaError::Pem { var, problem };
        // A file saved by a Windows editor may start with a byte-order mark.
        let pem = pem.strip_prefix("\u{feff}".as_bytes()).unwrap_or(pem);
        let mut certs = Vec::new();
        let mut store = rustls::RootCertStore::empty();
        for (i, der) in CertificateDer::pem_slice_iter(pem).enumerate() {
            let n = i + 1;
            // The PEM error may quote a line of the input: it is not shown.
            let der: CertificateDer<'static> = der.map_err(|_| {
                problem(format!(
                    "certificate {n} is not valid PEM (a BEGIN line without its END, or bad base64)"
                ))
            })?;
            store.add(der.clone()).map_err(|e| {
                problem(format!(
                    "certificate {n} is not a valid X.509 certificate ({e})"
                ))
            })?;
            let cert = reqwest::Certificate::from_der(&der)
                .map_err(|e| problem(format!("certificate {n}: {}", e.without_url())))?;
            certs.push(cert);
        }
        if certs.is_empty() {
            let trusted =
                memchr::memmem::find(pem, b"-----BEGIN TRUSTED CERTIFICATE-----").is_some();
            return Err(problem(if trusted {
                "an OpenSSL TRUSTED CERTIFICATE, not a plain one (convert it: openssl x509 -in ca.pem -out plain.pem)".to_owned()
            } else {
                "no certificate in it (expected PEM: -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)"
                    .to_owned()
            }));
        }
        Ok(TlsRoots { certs })
    }

    /// How many certificates.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// None: the public roots only.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// `builder` trusting these certificates too (the public roots stay).
    pub(crate) fn add_to(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        if self.certs.is_empty() {
            builder
        } else {
            builder.tls_certs_merge(self.certs.iter().cloned())
        }
    }
}

/// Where the extra roots come from.
#[derive(Debug, Clone, Default)]
pub enum CaSetting {
    /// Neither setting: the public roots only.
    #[default]
    None,
    /// Read and checked: from `LOGSHIP_CA_BUNDLE`, or from the parameter once read.
    Roots(TlsRoots),
    /// `LOGSHIP_CA_BUNDLE_PARAM`, not read yet ([`CaSetting::resolve`]).
    Parameter(String),
}

impl CaSetting {
    /// Reads `LOGSHIP_CA_BUNDLE` (the file, now) or `LOGSHIP_CA_BUNDLE_PARAM`
    /// (its name; read by [`CaSetting::resolve`]), not both; empty values count
    /// as unset. A relative path is found like `LOGSHIP_RULES_FILE`'s
    /// ([`crate::settings::read_packaged_file`]).
    pub fn from_lookup(lookup: crate::settings::Lookup<'_>) -> Result<CaSetting, CaError> {
        let get = |k: &str| {
            lookup(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        match (get(VAR_CA_BUNDLE), get(VAR_CA_BUNDLE_PARAM)) {
            (Some(_), Some(_)) => Err(CaError::Both),
            (Some(path), None) => {
                let pem =
                    crate::settings::read_packaged_file(&path).map_err(|e| CaError::File {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                Ok(CaSetting::Roots(TlsRoots::from_pem(
                    pem.as_bytes(),
                    VAR_CA_BUNDLE,
                )?))
            }
            (None, Some(name)) => Ok(CaSetting::Parameter(name)),
            (None, None) => Ok(CaSetting::None),
        }
    }

    /// The SSM parameter still to read, if any.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            CaSetting::Parameter(name) => Some(name),
            _ => None,
        }
    }

    /// Reads the SSM parameter (String or SecureString, with decryption) if
    /// that is where the roots are, once: afterwards the setting holds them.
    /// `sdk` is needed only then.
    pub async fn resolve(&mut self, sdk: Option<&aws_config::SdkConfig>) -> Result<(), CaError> {
        let CaSetting::Parameter(name) = self else {
            return Ok(());
        };
        let failed = |reason: String| CaError::Parameter {
            name: name.clone(),
            reason,
        };
        let Some(sdk) = sdk else {
            return Err(failed("no AWS configuration to read it with".to_owned()));
        };
        let client = aws_sdk_ssm::Client::new(sdk);
        let (pem, _) = crate::aws::read_parameter(&client, name)
            .await
            .map_err(|e| match e {
                crate::aws::ReadError::Aws(e) => failed(format!("reading it: {}", e.detail)),
                crate::aws::ReadError::NoParameter | crate::aws::ReadError::Empty => {
                    failed("the parameter has no value".to_owned())
                }
            })?;
        let roots = TlsRoots::from_pem(pem.expose().as_bytes(), VAR_CA_BUNDLE_PARAM)?;
        *self = CaSetting::Roots(roots);
        Ok(())
    }

    /// The roots a destination client trusts besides the public ones. Err: the
    /// parameter was not [resolved](CaSetting::resolve) first.
    pub fn roots(&self) -> Result<TlsRoots, CaError> {
        match self {
            CaSetting::None => Ok(TlsRoots::default()),
            CaSetting::Roots(roots) => Ok(roots.clone()),
            CaSetting::Parameter(name) => Err(CaError::NotRead(name.clone())),
        }
    }
}

/// Whether a request failed because the destination's certificate was issued
/// by a certificate authority the client does not trust.
pub fn is_unknown_issuer(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(mut e) = next {
        // An I/O error's `source` skips the error it wraps (itself maybe an
        // I/O error wrapping the TLS one): look inside.
        while let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            e = inner;
        }
        if matches!(
            e.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            ))
        ) {
            return true;
        }
        next = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_without_a_usable_certificate_names_the_setting_not_the_content() {
        let e = TlsRoots::from_pem(b"SeCrEt text, no PEM at all\n", VAR_CA_BUNDLE)
            .expect_err("no certificate");
        let e = e.to_string();
        assert!(e.starts_with("LOGSHIP_CA_BUNDLE: no certificate"), "{e}");
        assert!(!e.contains("SeCrEt"), "{e}");

        let key_only = b"-----BEGIN PRIVATE KEY-----\nU2VDckV0\n-----END PRIVATE KEY-----\n";
        assert!(TlsRoots::from_pem(key_only, VAR_CA_BUNDLE_PARAM).is_err());

        // Valid base64, but not a certificate ("SeCrEt" in base64).
        let garbage = b"-----BEGIN CERTIFICATE-----\nU2VDckV0\n-----END CERTIFICATE-----\n";
        let e = TlsRoots::from_pem(garbage, VAR_CA_BUNDLE_PARAM)
            .expect_err("not X.509")
            .to_string();
        assert!(
            e.starts_with("LOGSHIP_CA_BUNDLE_PARAM: certificate 1 is not a valid X.509"),
            "{e}"
        );
        assert!(!e.contains("SeCrEt") && !e.contains("U2VDckV0"), "{e}");

        let cut = b"-----BEGIN CERTIFICATE-----\nU2VDckV0\n";
        let e = TlsRoots::from_pem(cut, VAR_CA_BUNDLE)
            .expect_err("no END")
            .to_string();
        assert!(e.contains("certificate 1 is not valid PEM"), "{e}");
    }

    #[test]
    fn a_byte_order_mark_is_fine_and_a_trusted_certificate_is_named() {
        let test_ca = testkit::tls::TestCa::new();
        let ca = test_ca.ca_pem();
        let mut bom = "\u{feff}".as_bytes().to_vec();
        bom.extend_from_slice(ca.as_bytes());
        assert_eq!(
            TlsRoots::from_pem(&bom, VAR_CA_BUNDLE)
                .map(|r| r.len())
                .ok(),
            Some(1)
        );
        let trusted = ca
            .replace("BEGIN CERTIFICATE", "BEGIN TRUSTED CERTIFICATE")
            .replace("END CERTIFICATE", "END TRUSTED CERTIFICATE");
        let e = TlsRoots::from_pem(trusted.as_bytes(), VAR_CA_BUNDLE)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("TRUSTED CERTIFICATE"), "{e}");
    }

    #[test]
    fn the_setting_is_one_of_the_two() {
        let both = |k: &str| {
            matches!(k, VAR_CA_BUNDLE | VAR_CA_BUNDLE_PARAM).then(|| "/x/ca.pem".to_owned())
        };
        assert!(matches!(CaSetting::from_lookup(&both), Err(CaError::Both)));
        let param = |k: &str| (k == VAR_CA_BUNDLE_PARAM).then(|| " /logship/ca ".to_owned());
        let setting = CaSetting::from_lookup(&param).expect("a name");
        assert_eq!(setting.parameter(), Some("/logship/ca"));
        assert!(matches!(setting.roots(), Err(CaError::NotRead(_))));
        let blank = |_: &str| Some("  ".to_owned());
        let setting = CaSetting::from_lookup(&blank).expect("unset");
        assert!(setting.roots().expect("none").is_empty());
    }

    #[test]
    fn a_missing_file_names_the_setting_and_the_path() {
        let file = |k: &str| (k == VAR_CA_BUNDLE).then(|| "/nonexistent/ca.pem".to_owned());
        let e = CaSetting::from_lookup(&file)
            .expect_err("missing")
            .to_string();
        assert!(
            e.starts_with("LOGSHIP_CA_BUNDLE=/nonexistent/ca.pem: cannot be read"),
            "{e}"
        );
    }

    #[test]
    fn only_an_unknown_issuer_is_one() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        assert!(is_unknown_issuer(&tls));
        let wrapped = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let twice = std::io::Error::other(wrapped);
        assert!(is_unknown_issuer(&twice));
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        assert!(!is_unknown_issuer(&expired));
        assert!(!is_unknown_issuer(&std::io::Error::other("UnknownIssuer")));
    }
}
