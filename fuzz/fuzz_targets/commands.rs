//! Command words: every line of the input as a reply's line, the first as a subject.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailferry::rules::Rules;
use std::sync::OnceLock;

fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| Rules::builtin().expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let commands = &rules().commands;
    let _ = commands.ticket_in(text.lines().next().unwrap_or(""));
    for line in text.lines() {
        let _ = commands.command(line);
    }
});
