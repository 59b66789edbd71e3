//! The reply parser: quoted text and signature stripped, then the command of the first lines
//! and the labelled fields of what is left (as intake reads a reply body).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailferry::intake::steps;
use mailferry::rules::Rules;
use std::sync::OnceLock;

fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| Rules::builtin().expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let kept = steps::reply_text(&text);
    assert!(kept.len() <= text.len(), "stripping never adds text");
    let rules = rules();
    let _ = kept
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(rules.commands.first_lines)
        .find_map(|l| rules.commands.command(l));
    let _ = steps::body_fields(&kept, rules);
});
