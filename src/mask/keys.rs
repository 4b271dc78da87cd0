//! Key-name classification: decides whether the value under a key (a JSON
//! object key, the left side of `key=value` / `key: value`, a header name, a
//! query parameter) is a credential. Keys are split into lower-case words
//! (separators `_ - . space`, camelCase and letter/digit boundaries); trailing
//! "form" words such as `value`, `string` or a version digit are ignored; the
//! key is sensitive when what remains *ends with* a sensitive term. So
//! `db_password`, `clientSecret`, `X-Api-Key` and `SecretString` are
//! sensitive, while `password_changed_at`, `tokens_used`, `token_type` and
//! `secretArn` merely mention a sensitive word and are not.

/// How the value under a key is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyClass {
    /// Not a credential key: only the shape rules look at the value.
    None,
    /// A credential key: the whole value is masked, whatever its type, except
    /// `true`/`false`/`null` (which cannot carry a secret).
    Strong(Flavor),
    /// A plural credential key (`tokens`, `secrets`, `passwords`, ...): strings,
    /// arrays and objects are masked; numbers are kept (`"tokens": 1532`).
    Plural,
}

/// Special value syntax of some credential keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    Plain,
    /// `authorization`: keep a leading scheme word (`Bearer [MASKED]`), and in
    /// header syntax the value runs to the end of the line.
    Auth,
    /// `cookie` / `set-cookie`: in header syntax the value runs to the end of the line.
    Cookie,
}

/// Sensitive terms matched against the end of the squashed key (all words
/// concatenated), so lower-case concatenations such as `apikey`,
/// `accesstoken` or `secretaccesskey` match too.
const STRONG: &[(&[u8], Flavor)] = &[
    (b"password", Flavor::Plain),
    (b"passwd", Flavor::Plain),
    (b"pwd", Flavor::Plain),
    (b"passphrase", Flavor::Plain),
    (b"secret", Flavor::Plain),
    (b"token", Flavor::Plain),
    (b"apikey", Flavor::Plain),
    (b"privatekey", Flavor::Plain),
    (b"secretkey", Flavor::Plain),
    (b"secretaccesskey", Flavor::Plain),
    (b"accountkey", Flavor::Plain),
    (b"signingkey", Flavor::Plain),
    (b"encryptionkey", Flavor::Plain),
    (b"masterkey", Flavor::Plain),
    (b"sharedaccesskey", Flavor::Plain),
    // Azure API Management (`Ocp-Apim-Subscription-Key`) and Functions
    // (`x-functions-key`) keys, Cloudflare's `X-Auth-Key`, Honeycomb's
    // `X-Honeycomb-Team` (its API key, despite the name).
    (b"subscriptionkey", Flavor::Plain),
    (b"functionskey", Flavor::Plain),
    (b"authkey", Flavor::Plain),
    (b"honeycombteam", Flavor::Plain),
    (b"credential", Flavor::Plain),
    (b"credentials", Flavor::Plain),
    (b"authorization", Flavor::Auth),
    (b"cookie", Flavor::Cookie),
];

const PLURAL: &[&[u8]] = &[
    b"passwords",
    b"passwds",
    b"passphrases",
    b"secrets",
    b"tokens",
    b"apikeys",
    b"privatekeys",
    b"secretkeys",
    b"cookies",
];

/// Trailing words that describe the *form* of the value rather than what it
/// is: `secret_value`, `SecretString`, `password_hash`, `token_b64`, `api_key_2`.
const QUALIFIERS: &[&[u8]] = &[
    b"value",
    b"val",
    b"string",
    b"str",
    b"text",
    b"plain",
    b"plaintext",
    b"clear",
    b"cleartext",
    b"raw",
    b"data",
    b"bytes",
    b"binary",
    b"bin",
    b"b",
    b"base",
    b"hex",
    b"hash",
    b"digest",
    b"enc",
    b"encrypted",
    b"encoded",
    b"pem",
    b"header",
];

/// Every built-in term contains one of these.
const BUILTIN_STEMS: &[&[u8]] = &[
    b"pass",
    b"pwd",
    b"secret",
    b"token",
    b"key",
    b"auth",
    b"cookie",
    b"credential",
    b"honeycomb",
];

const MAX_KEY: usize = 96;
const MAX_WORDS: usize = 24;

/// Classifies key names. Built once from the rule set and the extra keys.
#[derive(Clone, Debug)]
pub(crate) struct KeyMatcher {
    /// Terms in priority order: built-in strong, built-in plural, extra keys.
    terms: Vec<Term>,
    /// Last bytes of all terms: a key whose (squashed) last byte is not here
    /// cannot match, which rejects most keys after one lookup.
    last: [bool; 256],
    /// Lower-case stems at least one of which every matching key contains
    /// (`pass`, `pwd`, `secret`, `token`, `key`, `auth`, `cookie`,
    /// `credential`, and each extra key's longest word): a key without any is
    /// rejected before it is split into words.
    stems: Vec<Vec<u8>>,
    /// First bytes of the stems.
    stem_first: [bool; 256],
}

#[derive(Clone, Debug)]
struct Term {
    word: Vec<u8>,
    class: KeyClass,
    /// Extra keys must start at a word boundary of the key (`ssn` does not
    /// match `lesson`); built-in terms also match lower-case concatenations.
    boundary: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Sep,
    Lower,
    Upper,
    Digit,
}

fn char_class(c: u8) -> CharClass {
    match c {
        b'a'..=b'z' => CharClass::Lower,
        b'A'..=b'Z' => CharClass::Upper,
        b'0'..=b'9' => CharClass::Digit,
        // Non-ASCII bytes count as letters so they do not split words.
        0x80..=0xff => CharClass::Lower,
        _ => CharClass::Sep,
    }
}

/// A key split into lower-case words, stored without separators.
struct Words {
    low: [u8; MAX_KEY],
    len: usize,
    starts: [u8; MAX_WORDS],
    count: usize,
}

impl Words {
    fn split(key: &[u8]) -> Words {
        // Only the end of a long key matters.
        let key = if key.len() > MAX_KEY {
            &key[key.len() - MAX_KEY..]
        } else {
            key
        };
        let mut w = Words {
            low: [0; MAX_KEY],
            len: 0,
            starts: [0; MAX_WORDS],
            count: 0,
        };
        debug_assert!(MAX_KEY <= usize::from(u8::MAX));
        let mut prev = CharClass::Sep;
        let mut prev2 = CharClass::Sep;
        for &c in key {
            let cls = char_class(c);
            if cls == CharClass::Sep {
                prev2 = prev;
                prev = CharClass::Sep;
                continue;
            }
            let boundary = match (prev, cls) {
                (CharClass::Sep, _) => true,
                (CharClass::Lower, CharClass::Upper) => true,
                (CharClass::Digit, CharClass::Lower | CharClass::Upper) => true,
                (CharClass::Lower | CharClass::Upper, CharClass::Digit) => true,
                (CharClass::Upper, CharClass::Lower) if prev2 == CharClass::Upper => {
                    // "APIKey": the last upper-case letter starts the next word.
                    if w.len > 0 {
                        w.mark(w.len - 1);
                    }
                    false
                }
                _ => false,
            };
            if boundary {
                w.mark(w.len);
            }
            if w.len < MAX_KEY {
                w.low[w.len] = c.to_ascii_lowercase();
                w.len += 1;
            }
            prev2 = prev;
            prev = cls;
        }
        w
    }

    fn mark(&mut self, at: usize) {
        let at = at as u8; // at < MAX_KEY <= 255
        if self.count > 0 && self.starts[self.count - 1] == at {
            return;
        }
        // Beyond MAX_WORDS the rest merges into the last word.
        if self.count < MAX_WORDS {
            self.starts[self.count] = at;
            self.count += 1;
        }
    }

    fn start(&self, i: usize) -> usize {
        usize::from(self.starts[i])
    }

    fn last_word(&self) -> &[u8] {
        match self.count {
            0 => &[],
            n => &self.low[self.start(n - 1)..self.len],
        }
    }

    fn drop_qualifiers(&mut self) {
        for _ in 0..3 {
            if self.count < 2 {
                return;
            }
            let last = self.last_word();
            let is_qual = last.iter().all(u8::is_ascii_digit)
                || QUALIFIERS
                    .iter()
                    .any(|q| q.len() == last.len() && ends_with(last, q));
            if !is_qual {
                return;
            }
            self.len = self.start(self.count - 1);
            self.count -= 1;
        }
    }

    fn squashed(&self) -> &[u8] {
        &self.low[..self.len]
    }

    fn is_word_start(&self, at: usize) -> bool {
        self.starts[..self.count]
            .iter()
            .any(|&s| usize::from(s) == at)
    }
}

/// `s.ends_with(w)` comparing from the end, without a `memcmp` call: the
/// words are short and most candidates differ in the last byte or two.
#[inline]
fn ends_with(s: &[u8], w: &[u8]) -> bool {
    w.len() <= s.len() && s.iter().rev().zip(w.iter().rev()).all(|(a, b)| a == b)
}

/// Squashes a user-supplied key name the same way keys are squashed.
pub(crate) fn squash(name: &str) -> Vec<u8> {
    let w = Words::split(name.as_bytes());
    w.squashed().to_vec()
}

/// The literal the prefilter searches for to find an extra key in text: its
/// longest word, lower case.
pub(crate) fn trigger_word(name: &str) -> Vec<u8> {
    let w = Words::split(name.as_bytes());
    let mut best: &[u8] = &[];
    for i in 0..w.count {
        let end = if i + 1 < w.count {
            w.start(i + 1)
        } else {
            w.len
        };
        let word = &w.low[w.start(i)..end];
        if word.len() > best.len() {
            best = word;
        }
    }
    best.to_vec()
}

impl KeyMatcher {
    pub(crate) fn new(builtin: bool, extra: &[String]) -> KeyMatcher {
        let mut terms = Vec::new();
        if builtin {
            for (word, flavor) in STRONG {
                terms.push(Term {
                    word: word.to_vec(),
                    class: KeyClass::Strong(*flavor),
                    boundary: false,
                });
            }
            for word in PLURAL {
                terms.push(Term {
                    word: word.to_vec(),
                    class: KeyClass::Plural,
                    boundary: false,
                });
            }
            // `db_pass`, `DB_PASS`, `pass`: a whole word only (not `bypass`
            // or `compass`), and numbers under it are kept (`pass: 8` in a
            // test summary), as for plural keys.
            terms.push(Term {
                word: b"pass".to_vec(),
                class: KeyClass::Plural,
                boundary: true,
            });
        }
        for k in extra {
            let word = squash(k);
            if !word.is_empty() {
                terms.push(Term {
                    word,
                    class: KeyClass::Strong(Flavor::Plain),
                    boundary: true,
                });
            }
        }
        let mut last = [false; 256];
        for t in &terms {
            if let Some(&b) = t.word.last() {
                last[usize::from(b)] = true;
            }
        }
        let mut stems: Vec<Vec<u8>> = Vec::new();
        if builtin {
            for st in BUILTIN_STEMS {
                stems.push(st.to_vec());
            }
        }
        for k in extra {
            let w = trigger_word(k);
            if !w.is_empty() && !stems.contains(&w) {
                stems.push(w);
            }
        }
        let mut stem_first = [false; 256];
        for st in &stems {
            if let Some(&b) = st.first() {
                stem_first[usize::from(b)] = true;
            }
        }
        KeyMatcher {
            terms,
            last,
            stems,
            stem_first,
        }
    }

    /// Cheap test: does `key` contain one of the stems (ASCII case-insensitive)?
    fn has_stem(&self, key: &[u8]) -> bool {
        let key = if key.len() > MAX_KEY {
            &key[key.len() - MAX_KEY..]
        } else {
            key
        };
        let mut low = [0u8; MAX_KEY];
        for (d, c) in low.iter_mut().zip(key) {
            *d = c.to_ascii_lowercase();
        }
        let low = &low[..key.len()];
        for i in 0..low.len() {
            if !self.stem_first[usize::from(low[i])] {
                continue;
            }
            let rest = &low[i..];
            for st in &self.stems {
                if st.len() <= rest.len() && st.iter().zip(rest).all(|(a, b)| a == b) {
                    return true;
                }
            }
        }
        false
    }

    pub(crate) fn is_active(&self) -> bool {
        !self.terms.is_empty()
    }

    /// Classifies a key name (raw bytes, without quotes).
    pub(crate) fn classify(&self, key: &[u8]) -> KeyClass {
        if key.len() < 2 || self.terms.is_empty() || !self.has_stem(key) {
            return KeyClass::None;
        }
        let mut w = Words::split(key);
        w.drop_qualifiers();
        let s = w.squashed();
        match s.last() {
            Some(&b) if self.last[usize::from(b)] => {}
            _ => return KeyClass::None,
        }
        for t in &self.terms {
            if ends_with(s, &t.word) && (!t.boundary || w.is_word_start(s.len() - t.word.len())) {
                return t.class;
            }
        }
        KeyClass::None
    }
}

/// True when the key could hold an AWS secret access key: it mentions
/// `secret` together with `key`, `access` or `aws`
/// (`aws_secret_access_key`, `SecretAccessKey`, `AWS_SECRET`, `secret_key`).
pub(crate) fn is_aws_secret_name(key: &[u8]) -> bool {
    if !key.windows(6).any(|w| w.eq_ignore_ascii_case(b"secret")) {
        return false;
    }
    let w = Words::split(key);
    let s = w.squashed();
    let has = |needle: &[u8]| s.windows(needle.len()).any(|win| win == needle);
    has(b"secret") && (has(b"key") || has(b"access") || has(b"aws"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> KeyMatcher {
        KeyMatcher::new(true, &["ssn".to_string(), "pin_code".to_string()])
    }

    fn strong(k: &str) -> bool {
        matches!(m().classify(k.as_bytes()), KeyClass::Strong(_))
    }

    #[test]
    fn sensitive_keys() {
        for k in [
            "password",
            "PASSWORD",
            "Password",
            "db_password",
            "dbPassword",
            "DB-PASSWORD",
            "passwd",
            "pwd",
            "OLDPWD",
            "passphrase",
            "secret",
            "client_secret",
            "clientSecret",
            "clientsecret",
            "secret_access_key",
            "SecretAccessKey",
            "aws_secret_access_key",
            "secret_key",
            "token",
            "access_token",
            "accessToken",
            "accesstoken",
            "refresh_token",
            "session_token",
            "SessionToken",
            "id_token",
            "x-amz-security-token",
            "csrfToken",
            "api_key",
            "apikey",
            "apiKey",
            "APIKey",
            "x-api-key",
            "X-API-KEY",
            "api-key",
            "authorization",
            "Authorization",
            "proxy-authorization",
            "cookie",
            "Cookie",
            "set-cookie",
            "Set-Cookie",
            "private_key",
            "privateKey",
            "PrivateKeyPem",
            "credentials",
            "credential",
            "X-Amz-Credential",
            "AccountKey",
            "SharedAccessKey",
            "secret_value",
            "SecretString",
            "SecretBinary",
            "password_hash",
            "password2",
            "api_key_2",
            "token_b64",
            "spring.datasource.password",
            "--password",
            "user_ssn",
            "userSsn",
            "ssn",
            "pin_code",
            "card_pin_code",
            "PinCode",
        ] {
            assert!(strong(k), "{k} should be sensitive");
        }
    }

    #[test]
    fn keys_that_merely_contain_a_sensitive_word() {
        for k in [
            "tokens_used",
            "token_count",
            "tokenCount",
            "token_type",
            "tokenizer",
            "token_expires_in",
            "password_changed_at",
            "passwordChangedAt",
            "password_policy",
            "password_length",
            "passwordless",
            "secret_name",
            "secretArn",
            "SecretId",
            "secret_version",
            "api_key_id",
            "apiKeyName",
            "private_key_id",
            "authorization_url",
            "authorizer",
            "cookie_domain",
            "credential_provider",
            "aws_access_key_id",
            "access_key",
            "key",
            "client_id",
            "user",
            "lesson",
            "spin",
            "pinned",
            "x",
            "",
        ] {
            assert_eq!(
                m().classify(k.as_bytes()),
                KeyClass::None,
                "{k} should not be sensitive"
            );
        }
    }

    #[test]
    fn plural_keys() {
        for k in [
            "tokens",
            "max_tokens",
            "prompt_tokens",
            "secrets",
            "passwords",
            "cookies",
        ] {
            assert_eq!(m().classify(k.as_bytes()), KeyClass::Plural, "{k}");
        }
    }

    #[test]
    fn flavors() {
        assert_eq!(
            m().classify(b"Authorization"),
            KeyClass::Strong(Flavor::Auth)
        );
        assert_eq!(
            m().classify(b"Set-Cookie"),
            KeyClass::Strong(Flavor::Cookie)
        );
    }

    #[test]
    fn builtin_off_keeps_extra() {
        let k = KeyMatcher::new(false, &["ssn".to_string()]);
        assert_eq!(k.classify(b"password"), KeyClass::None);
        assert!(matches!(k.classify(b"ssn"), KeyClass::Strong(_)));
    }

    #[test]
    fn aws_secret_names() {
        assert!(is_aws_secret_name(b"aws_secret_access_key"));
        assert!(is_aws_secret_name(b"SecretAccessKey"));
        assert!(is_aws_secret_name(b"AWS_SECRET"));
        assert!(!is_aws_secret_name(b"secret_name"));
        assert!(!is_aws_secret_name(b"aws_access_key_id"));
    }

    #[test]
    fn very_long_keys_do_not_panic() {
        let k = "a_".repeat(500) + "password";
        assert!(strong(&k));
        let k = "Ab".repeat(500);
        assert_eq!(m().classify(k.as_bytes()), KeyClass::None);
    }
}
