//! The one-pass trigger scan that decides which rules can apply to a piece of
//! text. All trigger literals (key words such as `passw`/`token`, and the fixed
//! prefixes of shaped secrets such as `eyJ`, `AKIA`, `ghp_`, `://`) are searched
//! together, ASCII case-insensitively, with a SIMD "Teddy" multi-literal
//! searcher: the text is case-folded (`byte | 0x20`) into a stack buffer chunk
//! by chunk and searched against folded literals. Folding can only add false
//! candidates, never lose one; every candidate is verified exactly by its rule.
//! Where Teddy is unavailable (no SSSE3/AVX2/NEON) an Aho-Corasick DFA with
//! ASCII case-insensitivity is used instead. Nothing is allocated per call.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind, packed};

/// What a trigger literal points at; the verifier to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// A word of a sensitive key name (built-in or extra).
    Key,
    Bearer,
    Basic,
    Jwt,
    Pem,
    Url,
    Slack,
    SlackHook,
    /// `-u` / `--user` (curl credentials).
    CurlUser,
    /// `sig=` (Azure SAS signature).
    Sig,
    /// `kind: Secret` (Kubernetes Secret manifest).
    K8sSecret,
    /// `PuTTY-User-Key-File-`.
    Putty,
    /// `key = ` (a short value under a `...Key` assignment).
    KeyAssign,
}

enum Engine {
    Packed(packed::Searcher),
    Dfa(AhoCorasick),
}

pub(crate) struct Prefilter {
    engine: Engine,
    kinds: Vec<Trigger>,
    /// Longest literal minus one: how much consecutive chunks overlap.
    overlap: usize,
    /// Teddy needs haystacks at least this long; shorter ones are zero-padded.
    min_hay: usize,
}

const SMALL: usize = 128;
const LARGE: usize = 4096;

#[inline]
fn fold(b: u8) -> u8 {
    b | 0x20
}

impl Prefilter {
    /// Builds the searcher from lower-case literals. Returns `None` when there
    /// is nothing to search for.
    pub(crate) fn new(literals: &[(Vec<u8>, Trigger)]) -> Option<Prefilter> {
        // Deduplicate (the same literal may come from two rules; first wins).
        let mut lits: Vec<(Vec<u8>, Trigger)> = Vec::new();
        for (lit, kind) in literals {
            let lit: Vec<u8> = lit.iter().map(u8::to_ascii_lowercase).collect();
            if lit.is_empty() || lits.iter().any(|(l, _)| *l == lit) {
                continue;
            }
            lits.push((lit, *kind));
        }
        if lits.is_empty() {
            return None;
        }
        let overlap = lits.iter().map(|(l, _)| l.len()).max().unwrap_or(1) - 1;
        let kinds = lits.iter().map(|(_, k)| *k).collect();
        // Fat Teddy (16 buckets, AVX2 only) first: with about 30 literals
        // the 8 buckets of slim Teddy let many false candidates through, and
        // verifying them costs more than fat Teddy's narrower vectors. Where
        // fat Teddy is unavailable (no AVX2, or aarch64) the default choice
        // is used.
        let build = |fat: Option<bool>| {
            let mut builder = packed::Config::new()
                .match_kind(packed::MatchKind::LeftmostFirst)
                .only_teddy_fat(fat)
                .builder();
            for (lit, _) in &lits {
                builder.add(lit.iter().map(|&b| fold(b)).collect::<Vec<u8>>());
            }
            builder
                .build()
                .filter(|s| s.minimum_len() <= SMALL && overlap < LARGE / 2)
        };
        let packed = build(Some(true)).or_else(|| build(None));
        let (engine, min_hay) = match packed {
            Some(s) => {
                let min = s.minimum_len();
                (Engine::Packed(s), min)
            }
            None => {
                let ac = AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .kind(Some(AhoCorasickKind::DFA))
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(lits.iter().map(|(l, _)| l))
                    // The literals are fixed strings of bounded count and
                    // length; building cannot fail except on absurd sizes.
                    .ok()?;
                (Engine::Dfa(ac), 0)
            }
        };
        Some(Prefilter {
            engine,
            kinds,
            overlap,
            min_hay,
        })
    }

    /// Calls `f(trigger, start, end)` for each candidate, in text order.
    #[inline]
    pub(crate) fn scan(&self, text: &[u8], f: &mut dyn FnMut(Trigger, usize, usize)) {
        match &self.engine {
            // The fold buffer lives on the stack; its size follows the text
            // so short texts do not pay for zeroing a large buffer.
            Engine::Packed(s) => match text.len() {
                0..=SMALL => self.scan_packed::<SMALL>(s, text, f),
                129..=512 => self.scan_packed::<512>(s, text, f),
                513..=1024 => self.scan_packed::<1024>(s, text, f),
                _ => self.scan_packed::<LARGE>(s, text, f),
            },
            Engine::Dfa(ac) => {
                for m in ac.find_iter(text) {
                    if let Some(&k) = self.kinds.get(m.pattern().as_usize()) {
                        f(k, m.start(), m.end());
                    }
                }
            }
        }
    }

    fn scan_packed<const N: usize>(
        &self,
        s: &packed::Searcher,
        text: &[u8],
        f: &mut dyn FnMut(Trigger, usize, usize),
    ) {
        let mut buf = [0u8; N];
        let mut start = 0usize;
        loop {
            let end = (start + N).min(text.len());
            let chunk = &text[start..end];
            let n = chunk.len();
            for (d, &c) in buf.iter_mut().zip(chunk) {
                *d = fold(c);
            }
            let hay_len = if n < self.min_hay {
                // Zero bytes never occur in a folded literal, so padding
                // cannot create a match.
                for d in &mut buf[n..self.min_hay] {
                    *d = 0;
                }
                self.min_hay
            } else {
                n
            };
            let last = end == text.len();
            let limit = if last { n } else { n - self.overlap };
            for m in s.find_iter(&buf[..hay_len]) {
                if m.start() >= limit {
                    break;
                }
                if let Some(&k) = self.kinds.get(m.pattern().as_usize()) {
                    f(k, start + m.start(), (start + m.end()).min(text.len()));
                }
            }
            if last {
                return;
            }
            start += limit;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(p: &Prefilter, text: &[u8]) -> Vec<(Trigger, usize)> {
        let mut v = Vec::new();
        p.scan(text, &mut |k, s, _| v.push((k, s)));
        v
    }

    #[test]
    fn finds_case_insensitively_across_chunks() {
        let p = Prefilter::new(&[
            (b"passw".to_vec(), Trigger::Key),
            (b"eyj".to_vec(), Trigger::Jwt),
            (b"ghp_".to_vec(), Trigger::Slack),
        ])
        .expect("literals");
        assert_eq!(hits(&p, b"x PassWord=1"), vec![(Trigger::Key, 2)]);
        assert_eq!(hits(&p, b"eYj"), vec![(Trigger::Jwt, 0)]);
        // '_' folds to DEL; a DEL in text may match (harmless), '_' must.
        assert_eq!(hits(&p, b"GHP_x"), vec![(Trigger::Slack, 0)]);
        for off in [0usize, 1, 100, 4090, 4093, 4095, 4096, 8190] {
            let mut t = vec![b'a'; off];
            t.extend_from_slice(b"PASSWORD");
            t.extend(vec![b'b'; 5000]);
            assert_eq!(hits(&p, &t), vec![(Trigger::Key, off)], "offset {off}");
        }
        assert!(hits(&p, b"").is_empty());
        assert!(hits(&p, b"pass").is_empty());
    }
}
