//! Every `logship` command line in the README's shell blocks parses with the
//! real CLI, so a newcomer following the README never meets an unknown flag
//! or subcommand.
//!
//! The lines are taken from the ` ```sh ` blocks: continuation lines joined,
//! comments dropped, pipelines and `&&` lists split, and each command that
//! starts with `logship` or `cargo run --release --` kept. Each is run with
//! the debug binary and `--help` appended: clap parses every argument before
//! it (an unknown flag, a bad enum value or a missing subcommand fails with
//! exit code 2) and then prints the help instead of doing anything, so
//! nothing touches AWS or the file system. Shell variables become placeholder
//! values.

use std::process::Command;

/// One shell word or operator (`|`, `&&`, `||`, `;`).
#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Op,
}

/// Splits one logical shell line into words and operators, with single and
/// double quotes, backslash escapes, `$VAR` / `${VAR}` expansion to a
/// placeholder, and `#` comments. Enough for the README, not a shell.
fn tokenize(line: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') => quote = None,
            (Some('\''), c) => word.push(c),
            (Some('"'), '"') => quote = None,
            (Some('"'), '\\') => word.extend(chars.next()),
            (Some('"'), '$') => word.push_str(&variable(&mut chars)),
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                word.extend(chars.next());
                in_word = true;
            }
            (None, '$') => {
                word.push_str(&variable(&mut chars));
                in_word = true;
            }
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    tokens.push(Token::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
            }
            (None, '|' | '&' | ';') => {
                if in_word {
                    tokens.push(Token::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
                if matches!(chars.peek(), Some('|' | '&')) {
                    chars.next();
                }
                tokens.push(Token::Op);
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        tokens.push(Token::Word(word));
    }
    tokens
}

/// The placeholder of a `$NAME`, `${NAME}` or `$(...)` after the `$`.
fn variable(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut name = String::new();
    match chars.peek() {
        Some('{') => {
            chars.next();
            for c in chars.by_ref() {
                if c == '}' {
                    break;
                }
                name.push(c);
            }
        }
        Some('(') => {
            let mut depth = 0;
            for c in chars.by_ref() {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 1 => break,
                    ')' => depth -= 1,
                    _ => {}
                }
            }
            name.push_str("subst");
        }
        _ => {
            while let Some(&c) = chars.peek() {
                if !(c.is_ascii_alphanumeric() || c == '_') {
                    break;
                }
                name.push(c);
                chars.next();
            }
        }
    }
    format!("placeholder-{}", name.to_ascii_lowercase())
}

/// The logical lines of the README's `sh` blocks, each with its line number.
fn shell_lines(readme: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut in_sh = false;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in readme.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            in_sh = !in_sh && matches!(info.trim(), "sh" | "bash" | "shell");
            continue;
        }
        if !in_sh {
            continue;
        }
        let (start, mut text) = pending.take().unwrap_or((i + 1, String::new()));
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                text.push_str(head);
                text.push(' ');
                pending = Some((start, text));
            }
            None => {
                text.push_str(trimmed);
                lines.push((start, text));
            }
        }
    }
    lines
}

/// The arguments of every `logship` invocation on the README's shell lines.
fn logship_commands(readme: &str) -> Vec<(usize, Vec<String>)> {
    let mut commands = Vec::new();
    for (line, text) in shell_lines(readme) {
        for segment in tokenize(&text).split(|t| *t == Token::Op) {
            let words: Vec<&str> = segment
                .iter()
                .filter_map(|t| match t {
                    Token::Word(w) => Some(w.as_str()),
                    Token::Op => None,
                })
                // Leading NAME=VALUE assignments.
                .skip_while(|w| {
                    w.split_once('=').is_some_and(|(name, _)| {
                        !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                })
                .collect();
            let args = match words.as_slice() {
                ["logship", rest @ ..] => rest,
                ["cargo", "run", "--release", "--", rest @ ..] => rest,
                _ => continue,
            };
            // Output redirections are the shell's, not the CLI's.
            let mut kept = Vec::new();
            let mut iter = args.iter();
            while let Some(arg) = iter.next() {
                if matches!(*arg, ">" | ">>" | "2>" | "<") {
                    iter.next();
                } else if !(arg.starts_with('>') || arg.starts_with("2>")) {
                    kept.push((*arg).to_owned());
                }
            }
            commands.push((line, kept));
        }
    }
    commands
}

fn parses(args: &[String]) -> Result<(), String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logship"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("LOGSHIP_") || k.starts_with("AWS_") {
            cmd.env_remove(k.as_ref());
        }
    }
    let out = cmd
        .args(args)
        .arg("--help")
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() && !out.stdout.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[test]
fn tokenizer_handles_the_readme_shapes() {
    let words = |line: &str| -> Vec<String> {
        tokenize(line)
            .into_iter()
            .map(|t| match t {
                Token::Word(w) => w,
                Token::Op => "|".into(),
            })
            .collect()
    };
    assert_eq!(
        words(r#"printf %s "$NEW" | logship token rotate --parameter "$P" --verify  # write"#),
        [
            "printf",
            "%s",
            "placeholder-new",
            "|",
            "logship",
            "token",
            "rotate",
            "--parameter",
            "placeholder-p",
            "--verify"
        ]
    );
    assert_eq!(
        words("a 'b c' d\\ e x=\"$(out StreamArn)\" && f"),
        ["a", "b c", "d e", "x=placeholder-subst", "|", "f"]
    );
}

#[test]
fn a_bad_flag_is_caught() {
    // The check itself: --help after an unknown flag or value still fails.
    assert!(parses(&["process".into(), "--no-such-flag".into()]).is_err());
    assert!(parses(&["process".into(), "--format".into(), "xml".into()]).is_err());
    assert!(parses(&["no-such-command".into()]).is_err());
    assert!(parses(&["process".into(), "--format".into(), "bulk".into()]).is_ok());
}

#[test]
fn every_logship_command_line_in_the_readme_parses() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let commands = logship_commands(&readme);
    // The README's commands are found at all: each subcommand at least once.
    for sub in ["process", "gen-event", "redrive", "token"] {
        assert!(
            commands
                .iter()
                .any(|(_, args)| args.first().map(String::as_str) == Some(sub)),
            "no `logship {sub}` command found in the README: {commands:?}"
        );
    }
    assert!(commands.len() >= 12, "{commands:?}");
    let failures: Vec<String> = commands
        .iter()
        .filter_map(|(line, args)| {
            parses(args)
                .err()
                .map(|e| format!("README.md:{line}: logship {}: {e}", args.join(" ")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} README command lines do not parse:\n{}",
        failures.len(),
        commands.len(),
        failures.join("\n")
    );
}
