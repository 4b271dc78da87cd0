//! Free-text scanning: runs the prefilter once, dispatches each candidate to
//! its verifier, and handles the sensitive-key syntaxes: `key=value`,
//! `key: value`, `"key": "value"`, `'key': 'value'`, escaped JSON inside strings
//! (`\"key\":\"value\"`, any nesting depth), `key => value`, `<key>value</key>`,
//! `--key value`, HTTP header lines and URL query parameters. A value ends at
//! the delimiter of its syntax: the matching (escape-aware) quote for quoted
//! values, the balanced bracket for JSON objects/arrays, the end of the line for
//! `Authorization:`/`Cookie:` header lines, and otherwise the first of
//! whitespace `& ; , " ' ) ] } < > |` or an escape such as `\n`.

use super::card;
use super::keys::{self, Flavor, KeyClass};
use super::prefilter::Trigger;
use super::random::{is_placeholder, looks_like_password, looks_random};
use super::replace::Span;
use super::rules::{self, at, before, run};
use super::syntax::{
    balanced_end, blank, count_bs, is_json_number, is_key_char, is_space, line_end,
    looks_like_flag, pair_value, pct_is, pct_value_end, quoted_end, scalar_end, scheme_len,
    skip_json_space,
};
use super::{Masker, Rule, catalogue, keyword, platform, structured, syntax, tokens};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sep {
    Eq,
    Colon,
    Space,
    Loose,
    /// `setToken(v)`: quoted values count as under a key, others only when
    /// they look like a password.
    Call,
}

/// Handles a sensitive-key trigger at `hs..he`: finds the whole key token,
/// classifies it, and masks its value if it is a credential.
fn key_hit(
    m: &Masker,
    b: &[u8],
    hs: usize,
    he: usize,
    last_end: &mut usize,
    spans: &mut Vec<Span>,
) {
    // Whole key token around the trigger.
    let mut ks = hs;
    while ks > 0 && is_key_char(b[ks - 1]) {
        if hs - ks >= 96 {
            return;
        }
        ks -= 1;
    }
    let ke = run(b, he, 128, is_key_char);
    if ke <= *last_end || is_key_char(at(b, ke)) {
        return;
    }
    *last_end = ke;
    let key = &b[ks..ke];

    // Quoting around the key.
    let open = before(b, ks);
    let (key_quote, level) = match open {
        b'"' | b'\'' => (open, count_bs(b, ks - 1)),
        _ => (0, 0),
    };
    let mut p = ke;
    let mut quoted_key = false;
    if key_quote != 0
        && b.get(p..p + level)
            .is_some_and(|r| r.iter().all(|&c| c == b'\\'))
        && at(b, p + level) == key_quote
    {
        p += level + 1;
        quoted_key = true;
    }
    // URL-encoded JSON or query text: `%22password%22%3A%22value%22`,
    // `password%3Dvalue`. The key's encoded closing quote is skipped here and
    // the encoded separator is read below.
    let mut encoded = false;
    if !quoted_key && at(b, p) == b'%' {
        if pct_is(b, p, b'"') {
            p += 3;
        }
        if pct_is(b, p, b'=') || pct_is(b, p, b':') {
            encoded = true;
        } else {
            return;
        }
    }
    let xml = open == b'<' && at(b, p) == b'>';
    // Classification is the costly step, so it runs only once the syntax says
    // this is a key followed by a value.
    let classify = || {
        let class = m.classify_key(key);
        if class != KeyClass::None {
            return m.has(Rule::SensitiveKey).then_some((class, Mode::Key));
        }
        if m.has(Rule::ConfigSecret) && key.eq_ignore_ascii_case(b"auth") {
            return Some((class, Mode::DockerAuth));
        }
        (m.has(Rule::AwsSecretKey) && keys::is_aws_secret_name(key))
            .then_some((class, Mode::AwsOnly))
    };
    if xml {
        let Some((_, mode)) = classify() else {
            return;
        };
        // <password>value</password>
        let vs = p + 1;
        let ve = b
            .get(vs..)
            .and_then(|r| memchr::memchr(b'<', r))
            .map_or(b.len(), |o| vs + o);
        // Only a real element: the value is followed by its closing tag (or
        // the text ends), so `<your-token>` placeholders stay.
        let closed = (ve == b.len() && !b[vs..].iter().any(u8::is_ascii_whitespace))
            || (at(b, ve + 1) == b'/'
                && b.get(ve + 2..ve + 2 + key.len())
                    .is_some_and(|k| k.eq_ignore_ascii_case(key)));
        if closed {
            push_value(m, b, vs, ve, mode, None, spans);
        }
        return;
    }

    // Separator.
    let sep;
    // In JSON, line breaks may stand around the colon (`"password"\n:` or
    // `"password":\r\n  "value"`); the value must then look like a JSON value.
    let mut json_value_only = false;
    if encoded {
        p += 3;
        let quoted = pct_is(b, p, b'"');
        if quoted {
            p += 3;
        }
        let ve = pct_value_end(b, p, quoted);
        if let Some((_, mode)) = classify() {
            push_value(m, b, p, ve, mode, None, spans);
        }
        return;
    }
    if key.starts_with(b"--") && at(b, p) == b' ' && !looks_like_flag(b, p + 1) {
        sep = Sep::Space;
        p += 1;
    } else {
        p = run(b, p, 16, is_space);
        // A no-break space (UTF-8 C2 A0) separates like a space.
        if b.get(p..p + 2) == Some(b"\xC2\xA0") {
            p = run(b, p + 2, 16, is_space);
        }
        if quoted_key && key_quote == b'"' {
            let q = skip_json_space(b, p, level);
            if q != p {
                json_value_only = true;
                p = q;
            }
        }
        match at(b, p) {
            b'=' => {
                p += 1;
                if at(b, p) == b'>' {
                    p += 1;
                }
                sep = Sep::Eq;
            }
            b':' => {
                // `::` paths, and colon-chained identifiers such as ARNs
                // (`arn:aws:secretsmanager:...:secret:prod/db`), are not key: value.
                if at(b, p + 1) == b':' || (open == b':' && p == ke) {
                    return;
                }
                // A version after a path (`{{resolve:ssm-secure:/app/token:1}}`,
                // CloudFormation's dynamic references).
                if open == b'/' && p == ke && at(b, p + 1).is_ascii_digit() {
                    return;
                }
                p += 1;
                if at(b, p) == b'=' {
                    p += 1;
                }
                sep = Sep::Colon;
            }
            // `API_KEY -> v`, `API_KEY ?= v` (make).
            b'-' | b'?' if matches!((b[p], at(b, p + 1)), (b'-', b'>') | (b'?', b'=')) => {
                p += 2;
                sep = Sep::Eq;
            }
            // A call with the key and the value as arguments:
            // `os.Setenv("X_API_KEY", "v")`, `define('API_SECRET','v')`.
            b',' if quoted_key
                && before(b, ks.saturating_sub(1 + level)) == b'('
                && matches!(at(b, run(b, p + 1, 16, is_space)), b'"' | b'\'') =>
            {
                p += 1;
                sep = Sep::Eq;
            }
            // A setter: `client.setApiKey("v")`, `setToken(v)`.
            b'(' if p == ke
                && key
                    .rsplit(|&c| c == b'.')
                    .next()
                    .is_some_and(|w| w.len() > 3 && w[..3].eq_ignore_ascii_case(b"set"))
                && at(b, p + 1) != b')' =>
            {
                p += 1;
                sep = Sep::Call;
            }
            // A name/value pair: `{"name":"DB_PASSWORD","value":"..."}`
            // (container environments, header lists, settings as pairs).
            b',' if quoted_key && key_quote == b'"' && pair_value(b, p, level).is_some() => {
                p = pair_value(b, p, level).unwrap_or(p);
                sep = Sep::Colon;
            }
            // NuGet: <add key="ClearTextPassword" value="..." />
            _ if quoted_key
                && b.get(p..p + 6)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"value=")) =>
            {
                p += 6;
                sep = Sep::Eq;
            }
            // `password is x`, `token - x`, `sonar token x`: loose syntaxes.
            c if p > ke
                && !key.starts_with(b"-")
                && !matches!(c, b'\n' | b'\r' | 0)
                && (c != b'-' || at(b, p + 1) == b' ') =>
            {
                if b.get(p..p + 3)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"is "))
                {
                    p += 3;
                } else if b
                    .get(p..p + 4)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"was "))
                {
                    p += 4;
                } else if b.get(p..p + 2) == Some(b"- ") {
                    p += 2;
                }
                sep = Sep::Loose;
            }
            _ => return,
        }
        p = run(b, p, 16, is_space);
        if quoted_key && key_quote == b'"' && sep == Sep::Colon {
            let q = skip_json_space(b, p, level);
            if q != p {
                json_value_only = true;
                p = q;
            }
        }
    }
    let v = p;
    if json_value_only {
        let c = at(b, run(b, v, 16, |c| c == b'\\'));
        if !(c == b'"' || c == b'{' || c == b'[' || c == b'-' || c.is_ascii_digit()) {
            return;
        }
    }
    if v >= b.len() || m.rep.marker_len_at(b, v).is_some() {
        return;
    }
    let Some((class, mut mode)) = classify() else {
        return;
    };
    if sep == Sep::Call && mode == Mode::Key && !matches!(at(b, v), b'"' | b'\'') {
        mode = Mode::Loose;
    }
    if sep == Sep::Loose {
        if !matches!(class, KeyClass::Strong(Flavor::Plain)) || mode != Mode::Key {
            return;
        }
        mode = Mode::Loose;
    }

    // A YAML block scalar: `api_key: |` and the value on the next,
    // indented line.
    if sep == Sep::Colon
        && !quoted_key
        && mode == Mode::Key
        && let Some((vs, ve)) = syntax::yaml_block(b, v)
    {
        push_value(m, b, vs, ve, mode, None, spans);
        return;
    }

    // Quoted value (possibly escaped: \"value\", \\\"value\\\").
    let mut qv = run(b, v, 16, |c| c == b'\\');
    let qlevel = qv - v;
    // A string prefix before the quote: C# `@"…"`, Python `b"…"`/`r'…'`,
    // bash `$'…'`, Rust `r#"…"#`.
    if qv == v
        && let Some(n) = syntax::string_prefix(&b[v..])
    {
        qv += n;
    }
    let q = at(b, qv);
    if q == b'"' || q == b'\'' {
        let cs = qv + 1;
        let ce = quoted_end(b, cs, q, qlevel);
        let mut cs = cs;
        if let KeyClass::Strong(Flavor::Auth) = class
            && let Some(off) = scheme_len(&b[cs..ce])
        {
            cs += off;
        }
        push_value(m, b, cs, ce, mode, None, spans);
        return;
    }

    // JSON object / array value: mask the whole structure.
    if matches!(b[v], b'{' | b'[') {
        if mode != Mode::Key {
            return;
        }
        let end = balanced_end(b, v, level);
        if is_placeholder(&b[v..end]) {
            return;
        }
        let wrap = (quoted_key && key_quote == b'"').then_some(level.min(8) as u8);
        spans.push(Span {
            start: v,
            end,
            quote_bs: wrap,
            rule: Rule::SensitiveKey.index() as u8,
        });
        return;
    }

    // Unquoted value.
    let flavor = match class {
        KeyClass::Strong(f) => f,
        _ => Flavor::Plain,
    };
    let header_style =
        sep == Sep::Colon && !quoted_key && matches!(flavor, Flavor::Auth | Flavor::Cookie);
    if header_style {
        let end = line_end(b, v);
        let mut vs = v;
        if flavor == Flavor::Auth
            && let Some(off) = scheme_len(&b[v..end])
        {
            vs += off;
        }
        push_value(m, b, vs, end, mode, None, spans);
        return;
    }
    let end = scalar_end(b, v);
    let val = &b[v..end];
    if matches!(val, b"true" | b"false" | b"null") {
        return;
    }
    // A code reference, not a value: `password = get_password()`,
    // `token = ENV["TOKEN"]`, `secret = os.environ[...]`.
    if let Some(open) = val.iter().position(|&c| c == b'(' || c == b'[')
        && open > 0
        && val[..open].iter().all(|&c| is_key_char(c))
    {
        return;
    }
    if is_json_number(val) {
        if class != KeyClass::Plural {
            let wrap = (quoted_key && key_quote == b'"').then_some(level.min(8) as u8);
            push_value(m, b, v, end, mode, wrap, spans);
        }
        return;
    }
    if blank(at(b, end))
        && (flavor == Flavor::Auth || mode == Mode::Key)
        && scheme_len(&b[v..]).is_some()
    {
        // authorization=Bearer abc, password: Bearer abc: mask the credential
        // after the scheme word. Under other credential keys the scheme word
        // must be followed by a token-like word, so prose stays.
        let cs = run(b, end, 8, blank);
        let ce = scalar_end(b, cs);
        if flavor == Flavor::Auth || ce - cs >= 8 {
            push_value(m, b, cs, ce, mode, None, spans);
            return;
        }
    }
    push_value(m, b, v, end, mode, None, spans);
}

/// How a value found after a key is judged.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Under a credential key: masked unless a placeholder.
    Key,
    /// Only a 40-character AWS secret access key counts.
    AwsOnly,
    /// Docker config `"auth"`: base64 of `user:password`.
    DockerAuth,
    /// After a credential word with a loose separator (`password is x`,
    /// `token - x`, `token x`): only a password-like or random value counts.
    Loose,
}

fn push_value(
    m: &Masker,
    b: &[u8],
    s: usize,
    e: usize,
    mode: Mode,
    wrap: Option<u8>,
    spans: &mut Vec<Span>,
) {
    let Some(val) = b.get(s..e) else { return };
    if val.is_empty() || m.rep.is_marker(val) || is_placeholder(val) {
        return;
    }
    let rule = match mode {
        Mode::Key => Rule::SensitiveKey,
        Mode::AwsOnly if rules::is_aws_secret_value(val) => Rule::AwsSecretKey,
        Mode::DockerAuth if rules::is_basic_credential(val) => Rule::ConfigSecret,
        Mode::Loose if looks_like_password(val) || looks_random(val, 12, true) => {
            Rule::SensitiveKey
        }
        _ => return,
    };
    spans.push(Span {
        start: s,
        end: e,
        quote_bs: wrap,
        rule: rule.index() as u8,
    });
}

/// A card-number span; bare JSON numbers (`"pan": 4111...,`) are wrapped in
/// quotes so JSON text stays valid.
fn card_span(b: &[u8], s: usize, e: usize) -> Span {
    let mut sp = Span::new(s, e, Rule::CardNumber);
    let mut i = s;
    while i > 0 && is_space(b[i - 1]) {
        i -= 1;
    }
    if i > 0 && b[i - 1] == b':' {
        let mut j = i - 1;
        while j > 0 && is_space(b[j - 1]) {
            j -= 1;
        }
        if j > 0 && b[j - 1] == b'"' {
            let k = count_bs(b, j - 1);
            let n = run(b, e, 16, is_space);
            if n >= b.len() || matches!(b[n], b',' | b'}' | b']') {
                sp.quote_bs = Some(k.min(8) as u8);
            }
        }
    }
    sp
}

/// Collects every span to mask in `text`.
pub(crate) fn collect(m: &Masker, text: &str, spans: &mut Vec<Span>) {
    // The Lambda runtime's prefix of an application line holds no trigger,
    // no run of digits or token bytes that could be masked, and changes
    // nothing the rules find after it: the scans start after it
    // (`platform.rs`). An extra key could be a trigger inside it.
    let from = if m.extra_keys {
        0
    } else {
        platform::app_prefix_len(text.as_bytes()).unwrap_or(0)
    };
    collect_from(m, text, from, spans);
}

/// [`collect`] with the trigger and run scans starting at `from`.
pub(crate) fn collect_from(m: &Masker, text: &str, from: usize, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    // Azure AD client secrets, by their `Q~` marker: `~` is rare, so one
    // byte search finds them (a literal per digit in the prefilter would
    // weaken its fingerprints for every text).
    if m.has(Rule::CloudCredential) {
        for t in memchr::memchr_iter(b'~', b) {
            if let Some(q) = t.checked_sub(1)
                && b.get(q) == Some(&b'Q')
                && let Some((s, e)) = catalogue::azure_secret(b, q)
            {
                spans.push(Span::new(s, e, Rule::CloudCredential));
            }
        }
    }
    if let Some(pf) = &m.prefilter {
        let mut last_key_end = 0usize;
        // Hits arrive in text order; one that starts inside a region already
        // masked cannot add anything, and skipping it keeps adversarial input
        // (thousands of `password={` or unterminated PEM headers) linear.
        let mut covered = 0usize;
        let mut k8s_done = false;
        pf.scan(b.get(from..).unwrap_or_default(), &mut |t, s, e| {
            let (s, e) = (s + from, e + from);
            if s < covered {
                return;
            }
            let before = spans.len();
            let r = match t {
                Trigger::Key => {
                    key_hit(m, b, s, e, &mut last_key_end, spans);
                    None
                }
                Trigger::Bearer => rules::bearer(b, s, e).map(|r| (r, Rule::AuthHeader)),
                Trigger::Basic => rules::basic(b, s, e).map(|r| (r, Rule::AuthHeader)),
                Trigger::Jwt => rules::jwt(b, s).map(|r| (r, Rule::Jwt)),
                Trigger::Pem => rules::pem(b, s).map(|r| (r, Rule::PemPrivateKey)),
                Trigger::Url => rules::url_password(b, s).map(|r| (r, Rule::UrlPassword)),
                Trigger::Slack => rules::slack(b, s).map(|r| (r, Rule::SlackToken)),
                Trigger::SlackHook => rules::slack_hook(b, s).map(|r| (r, Rule::SlackToken)),
                Trigger::CurlUser => {
                    structured::curl_user(b, s, e).map(|r| (r, Rule::ConfigSecret))
                }
                Trigger::Sig => structured::sas_sig(b, s, e).map(|r| (r, Rule::ConfigSecret)),
                Trigger::Putty => structured::putty(b, s).map(|r| (r, Rule::PemPrivateKey)),
                Trigger::KeyAssign => {
                    keyword::short_key_value(m, b, s).map(|r| (r, Rule::KeywordSecret))
                }
                Trigger::K8sSecret => {
                    if !k8s_done {
                        k8s_done = true;
                        structured::k8s_secret(b, &mut |vs, ve| {
                            spans.push(Span::new(vs, ve, Rule::ConfigSecret));
                        });
                    }
                    None
                }
            };
            if let Some(((a, z), rule)) = r
                && !m.rep.is_marker(&b[a..z])
                && (rule == Rule::PemPrivateKey || !is_placeholder(&b[a..z]))
            {
                spans.push(Span::new(a, z, rule));
            }
            if t != Trigger::K8sSecret
                && let Some(end) = spans[before..].iter().map(|sp| sp.end).max()
            {
                covered = covered.max(end);
            }
        });
    }
    let runs = !m.catalogue.is_empty() || m.has(Rule::KeywordSecret);
    let cards = m.has(Rule::CardNumber);
    if runs || cards {
        let mut card_spans: Vec<Span> = Vec::new();
        // Regions already masked by a trigger rule, merged and in order; runs
        // arrive in text order, so one cursor walks them.
        let done = tokens::merged(spans);
        let mut cursor = 0usize;
        let mut on_run = |rs: usize, known_end: usize| {
            while done.get(cursor).is_some_and(|&(_, e)| e <= rs) {
                cursor += 1;
            }
            if let Some(&(s, e)) = done.get(cursor)
                && s <= rs
            {
                return e;
            }
            tokens::on_run(m, b, rs, known_end, spans)
        };
        let runs_cb: Option<&mut dyn FnMut(usize, usize) -> usize> =
            if runs { Some(&mut on_run) } else { None };
        card::scan_from(b, from, cards, runs_cb, &mut |s, e| {
            if !card::trace_id_key_before(b, s) {
                card_spans.push(card_span(b, s, e))
            }
        });
        spans.extend(card_spans);
    }
    if m.has(Rule::Email) {
        for at_pos in memchr::memchr_iter(b'@', b) {
            if let Some((s, e)) = rules::email(b, at_pos) {
                spans.push(Span::new(s, e, Rule::Email));
            }
        }
    }
    if m.has(Rule::Ip) {
        rules::ips(b, &mut |s, e| spans.push(Span::new(s, e, Rule::Ip)));
    }
    if let Some(extra) = &m.extra {
        extra.collect(text, spans);
    }
    if !spans.is_empty() {
        tokens::propagate(m, b, spans);
    }
}
