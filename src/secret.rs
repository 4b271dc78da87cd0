//! Secrets: a string whose `Debug` and `Display` never show it.
//!
//! The destination token (from SSM or `LOGSHIP_TOKEN`) and the masking salt live
//! in a [`Secret`]; only [`Secret::expose`] gives the text, at the one place that
//! puts it on the wire.

/// A secret string.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret text. Call only where it goes on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// A URL as it may be shown: without user info, query or fragment (where a
/// password or a token may ride along). Not a parser: it cuts text.
pub fn url_without_secrets(url: &str) -> String {
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    let url = url.get(..cut).unwrap_or(url);
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(host_end);
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.rsplit_once('@').map_or(url, |(_, h)| h).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn urls_lose_user_info_query_and_fragment() {
        assert_eq!(
            super::url_without_secrets(
                "https://user:pw@listener.example:8071/x?token=abc&type=t#f"
            ),
            "https://listener.example:8071/x"
        );
        assert_eq!(
            super::url_without_secrets("/elsewhere?token=abc"),
            "/elsewhere"
        );
        assert_eq!(super::url_without_secrets("u:p@host"), "host");
    }

    #[test]
    fn debug_and_display_are_redacted() {
        let s = Secret::new("hunter2-token");
        assert_eq!(s.expose(), "hunter2-token");
        assert!(!format!("{s:?} {s} {:?}", Some(&s)).contains("hunter2"));
    }
}
