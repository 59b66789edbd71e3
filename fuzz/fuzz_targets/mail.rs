//! Raw mail → intake::parse_mail with the built-in rules, then the offline validation and the
//! JSON view (what `mailferry parse` and the daemon do with every support mail).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailferry::rules::Rules;
use std::sync::OnceLock;

fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| Rules::builtin().expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let rules = rules();
    let parsed = mailferry::intake::parse_mail(data, rules);
    let now = chrono::DateTime::from_timestamp(1_900_000_000, 0).expect("constant time");
    let parsed = mailferry::validate::with_offline_errors(parsed, &rules.policy, now);
    let _ = parsed.to_json();
});
