//! Mask: secrets out of every document before it is encoded, logged or dead-lettered.
//!
//! Placeholder until the masking engine lands: the API is final, the rules are not.

use std::borrow::Cow;

/// Which rules run and how values are replaced.
#[derive(Debug, Clone, Default)]
pub struct MaskConfig {
    /// Masking on (the default) or off.
    pub disabled: bool,
}

/// Invalid masking configuration.
#[derive(Debug, thiserror::Error)]
pub enum MaskError {
    /// A setting could not be read.
    #[error("{var}: {reason}")]
    Invalid {
        /// The variable.
        var: String,
        /// What is wrong.
        reason: String,
    },
}

impl MaskConfig {
    /// Reads `LOGSHIP_MASK_*` through `lookup`.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<MaskConfig, MaskError> {
        let disabled = matches!(lookup("LOGSHIP_MASK").as_deref(), Some("off"));
        Ok(MaskConfig { disabled })
    }
}

/// The compiled rules.
#[derive(Debug)]
pub struct Masker {
    enabled: bool,
}

impl Masker {
    /// Compiles the rules.
    pub fn new(cfg: &MaskConfig) -> Result<Masker, MaskError> {
        Ok(Masker { enabled: !cfg.disabled })
    }
    /// Whether masking runs.
    pub fn enabled(&self) -> bool {
        self.enabled
    }
    /// Masks free text.
    pub fn mask_text<'a>(&self, text: &'a str, _count: &mut u64) -> Cow<'a, str> {
        Cow::Borrowed(text)
    }
    /// Masks a JSON tree in place.
    pub fn mask_json(&self, _value: &mut serde_json::Value, _count: &mut u64) {}
}
