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

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_and_display_are_redacted() {
        let s = Secret::new("hunter2-token");
        assert_eq!(s.expose(), "hunter2-token");
        assert!(!format!("{s:?} {s} {:?}", Some(&s)).contains("hunter2"));
    }
}
