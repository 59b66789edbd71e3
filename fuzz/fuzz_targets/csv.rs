//! CSV attachment bytes → mailboxes and row errors, as intake reads an attached `.csv`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailferry::rules::Rules;
use std::sync::OnceLock;

fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| Rules::builtin().expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let (mailboxes, errors) =
        mailferry::intake::steps::csv_rows("fuzz.csv", data, "IMAP server: imap.x.example\nPort: 993\n", rules());
    assert!(mailboxes.len() <= rules().policy.max_rows + 1);
    let _ = errors;
});
