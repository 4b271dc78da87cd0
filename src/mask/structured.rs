//! Secrets inside configuration formats that need more than a key word:
//! `curl -u user:PASSWORD` / `--user user:PASSWORD`, Azure SAS signatures
//! (`?sv=...&sig=SIGNATURE`), PuTTY private key files, and Kubernetes Secret
//! manifests in YAML or JSON text (every value under `data:`/`stringData:`).
//! Docker `"auth"` and NuGet `ClearTextPassword` are handled with the key
//! rules in `text.rs`; connection-string `Password=`/`AccountKey=` parts are
//! ordinary credential keys.

use super::random::is_placeholder;
use super::rules::{Range, at, before, run};

/// `-u user:pass` / `--user user:pass` starting at the flag `s..e`: the
/// password part.
pub(crate) fn curl_user(b: &[u8], s: usize, e: usize) -> Option<Range> {
    if !matches!(before(b, s), 0 | b' ' | b'\t' | b'"' | b'\'' | b'\n') {
        return None;
    }
    let mut v = run(b, e, 8, |c| c == b' ' || c == b'\t');
    if !matches!(before(b, e), b' ' | b'\t') && v == e && at(b, v) != b'=' {
        return None;
    }
    if at(b, v) == b'=' {
        v += 1;
    }
    let quote = at(b, v);
    let (vs, stop): (usize, fn(u8) -> bool) = match quote {
        b'"' => (v + 1, |c| c == b'"' || c == b'\n'),
        b'\'' => (v + 1, |c| c == b'\'' || c == b'\n'),
        _ => (v, |c: u8| {
            c.is_ascii_whitespace() || c == b'"' || c == b'\''
        }),
    };
    let ve = run(b, vs, 512, |c| !stop(c));
    let val = b.get(vs..ve)?;
    let colon = memchr::memchr(b':', val)?;
    let pw = (vs + colon + 1, ve);
    (pw.1 > pw.0 && !is_placeholder(&b[pw.0..pw.1])).then_some(pw)
}

/// `sig=...` in a SAS URL or connection string (after `?`, `&`, `;` or a
/// space): the signature.
pub(crate) fn sas_sig(b: &[u8], s: usize, e: usize) -> Option<Range> {
    if !matches!(before(b, s), 0 | b'?' | b'&' | b';' | b' ' | b'"' | b'\'') {
        return None;
    }
    let end = run(b, e, 512, |c| {
        c.is_ascii_alphanumeric() || matches!(c, b'%' | b'+' | b'/' | b'=' | b'_' | b'-')
    });
    (end - e >= 16 && !is_placeholder(&b[e..end])).then_some((e, end))
}

/// A PuTTY key file starting at `s`: from `Private-Lines:` to the end of the
/// `Private-MAC:` line (or of the text when truncated).
pub(crate) fn putty(b: &[u8], s: usize) -> Option<Range> {
    let rest = b.get(s..)?;
    let pl = memchr::memmem::find(rest, b"Private-Lines:")?;
    let start = s + pl;
    let after = &b[start..];
    let end = match memchr::memmem::find(after, b"Private-MAC:") {
        Some(o) => {
            let mac = start + o + 12;
            run(b, mac, 200, |c| c != b'\n' && c != b'"' && c != b'\\')
        }
        None => b.len(),
    };
    Some((start, end))
}

/// Kubernetes Secret manifests (`kind: Secret` seen at `s`): every value
/// under a `data:`/`stringData:` block, in YAML or JSON text.
pub(crate) fn k8s_secret(b: &[u8], f: &mut dyn FnMut(usize, usize)) {
    for word in [&b"data"[..], b"stringData"] {
        let mut from = 0;
        while let Some(off) = b.get(from..).and_then(|r| memchr::memmem::find(r, word)) {
            let ks = from + off;
            let ke = ks + word.len();
            from = ke;
            if before(b, ks).is_ascii_alphanumeric() {
                continue;
            }
            // JSON: "data": { "k": "v", ... }
            if before(b, ks) == b'"' && at(b, ke) == b'"' {
                let mut i = run(b, ke + 1, 8, |c| c == b' ' || c == b':');
                if at(b, i) != b'{' {
                    continue;
                }
                i += 1;
                json_object_values(b, i, f);
                continue;
            }
            // YAML: `data:` at the end of its line, entries indented more.
            if at(b, ke) != b':' {
                continue;
            }
            let eol = run(b, ke + 1, 16, |c| c == b' ');
            if !matches!(at(b, eol), b'\n' | b'\r') {
                continue;
            }
            let line_start = b[..ks]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |p| p + 1);
            let indent = ks - line_start;
            let mut i = eol;
            loop {
                i = run(b, i, 2, |c| c == b'\r' || c == b'\n');
                if i >= b.len() {
                    break;
                }
                let ind = run(b, i, 64, |c| c == b' ');
                if ind - i <= indent || matches!(at(b, ind), b'\n' | b'\r' | 0) {
                    break;
                }
                let le = run(b, ind, 1 << 16, |c| c != b'\n' && c != b'\r');
                if let Some(colon) = b[ind..le].iter().position(|&c| c == b':') {
                    let vs = run(b, ind + colon + 1, 16, |c| c == b' ');
                    let mut ve = le;
                    while ve > vs && b[ve - 1] == b' ' {
                        ve -= 1;
                    }
                    if ve > vs && !is_placeholder(&b[vs..ve]) {
                        f(vs, ve);
                    }
                }
                i = le;
            }
        }
    }
}

/// Calls `f` for every string value of the JSON object whose content starts
/// at `i` (after `{`), unescaped or escaped once.
fn json_object_values(b: &[u8], mut i: usize, f: &mut dyn FnMut(usize, usize)) {
    loop {
        // key
        let Some(q) = b.get(i..).and_then(|r| memchr::memchr2(b'"', b'}', r)) else {
            return;
        };
        i += q;
        if b[i] == b'}' {
            return;
        }
        let Some(kend) = b.get(i + 1..).and_then(|r| memchr::memchr(b'"', r)) else {
            return;
        };
        i = i + 1 + kend + 1;
        i = run(b, i, 8, |c| c == b' ' || c == b':');
        if at(b, i) != b'"' {
            return;
        }
        let vs = i + 1;
        let Some(vend) = b.get(vs..).and_then(|r| memchr::memchr(b'"', r)) else {
            return;
        };
        let ve = vs + vend;
        if ve > vs && !is_placeholder(&b[vs..ve]) {
            f(vs, ve);
        }
        i = ve + 1;
    }
}
