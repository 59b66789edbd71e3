//! The examples of every command, as data: shown at the end of `--help` and in the EXAMPLES
//! section of the man pages (`mailferry generate man`), so both say the same. A test parses
//! each example with the real command definition, so an example cannot name a flag that does
//! not exist.

/// One example: what it does, and the command line.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// What the command line does, as a short sentence.
    pub what: &'static str,
    /// The command line, as typed in a shell (single quotes where the shell needs them).
    pub line: &'static str,
}

/// The examples of the command at `path` (`"mailferry"`, `"mailferry tickets show"`); empty
/// for one that has none (the hidden `generate`).
pub fn of(path: &str) -> &'static [Example] {
    match path {
        "mailferry" => TOP,
        "mailferry serve" => super::serve::EXAMPLES,
        "mailferry parse" => super::parse::EXAMPLES,
        "mailferry check" => super::check::EXAMPLES,
        "mailferry tickets" => super::tickets::EXAMPLES,
        "mailferry tickets show" => super::tickets::SHOW_EXAMPLES,
        "mailferry jobs" => super::jobs::EXAMPLES,
        "mailferry jobs retry" => super::jobs::RETRY_EXAMPLES,
        "mailferry jobs cancel" => super::jobs::CANCEL_EXAMPLES,
        "mailferry migrate" => super::migrate::EXAMPLES,
        "mailferry store" => super::store::EXAMPLES,
        "mailferry store rotate-key" => super::store::EXAMPLES,
        _ => &[],
    }
}

/// The top-level examples: the first things an operator does.
const TOP: &[Example] = &[
    Example {
        what: "Check the configuration and every server it names",
        line: "mailferry check --config /etc/mailferry/mailferry.toml",
    },
    Example {
        what: "See what mailferry reads in a customer's mail (stores nothing)",
        line: "mailferry parse request.eml",
    },
    Example {
        what: "List the tickets, then show one with its event log",
        line: "mailferry tickets",
    },
    Example {
        what: "",
        line: "mailferry tickets show MIG-000123",
    },
    Example {
        what: "Copy one mailbox now, with progress bars on a terminal",
        line: "mailferry migrate --from imaps://anna@mail.old.example --password-file anna.pw --to anna@new.example",
    },
];

/// The `Examples:` block that ends `--help`.
pub fn help(examples: &[Example]) -> String {
    let mut s = String::from("Examples:");
    for e in examples {
        if !e.what.is_empty() {
            s.push_str("\n  # ");
            s.push_str(e.what);
        }
        s.push_str("\n  ");
        s.push_str(e.line);
    }
    s
}

/// The words of an example's command line, as a POSIX shell splits it (spaces, and single
/// quotes, which is all the examples use).
pub fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            ' ' if !quoted => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command the user can see, by path.
    fn visible(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        out.push(path.to_string());
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            visible(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_command_has_examples_and_each_example_parses() {
        let cmd = super::super::command();
        let mut paths = Vec::new();
        visible(&cmd, "mailferry", &mut paths);
        assert!(paths.len() >= 12, "{paths:?}");
        for path in &paths {
            let examples = of(path);
            assert!(!examples.is_empty(), "`{path}` has no examples");
            for e in examples {
                assert!(
                    e.line.starts_with(&format!("{path} ")) || e.line == *path || path == "mailferry",
                    "an example of `{path}` runs something else: {}",
                    e.line
                );
                let words = words(e.line);
                if let Err(err) = super::super::command().try_get_matches_from(&words) {
                    panic!("the example `{}` does not parse: {err}", e.line);
                }
            }
        }
    }

    #[test]
    fn help_ends_with_the_examples() {
        let mut cmd = super::super::command();
        let help = cmd
            .find_subcommand_mut("migrate")
            .map(|m| m.render_long_help().to_string())
            .unwrap_or_default();
        let tail = help.split("Examples:").nth(1).unwrap_or_default();
        assert!(tail.contains("# Only count what would be copied"), "{help}");
        assert!(tail.contains("mailferry migrate --from imaps://"), "{help}");
    }

    #[test]
    fn words_split_as_a_shell_would() {
        assert_eq!(
            words("mailferry migrate --from 'imap://a@h:1143?security=plain'  --to b"),
            [
                "mailferry",
                "migrate",
                "--from",
                "imap://a@h:1143?security=plain",
                "--to",
                "b"
            ]
        );
        assert_eq!(words("a '' b"), ["a", "", "b"]);
    }
}
