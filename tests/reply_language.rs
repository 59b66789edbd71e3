//! Replies in the customer's language, on the real test bed: a German and a French request go
//! through acknowledgement, first copy (with the DNS records), "DNS changed" and the final copy;
//! every reply is written from that language's rules file and no English sentence is left.

mod support;

use std::time::Duration;
use support::flow::{body_of, Customer};
use support::*;

const LIMIT: Duration = Duration::from_secs(90);

/// The request mail in `language`, with German or French labels and sentences.
fn request(c: &Customer, language: &str) -> Vec<u8> {
    let (subject, body) = match language {
        "de" => (
            "Umzug meines Postfachs",
            format!(
                "Guten Tag,\r\n\r\nbitte ziehen Sie mein Postfach zu Ihnen um. Hier sind die Zugangsdaten:\r\n\r\n\
                 E-Mail-Adresse: {old}\r\nPasswort: {pw}\r\nIMAP-Server: localhost\r\nPort: 10993\r\n\
                 Neue Adresse: {new}\r\n\r\nVielen Dank und freundliche Grüße\r\n",
                old = c.old,
                pw = c.old_pass,
                new = c.new
            ),
        ),
        _ => (
            "Migration de ma boîte aux lettres",
            format!(
                "Bonjour,\r\n\r\nje vous prie de bien vouloir migrer ma boîte aux lettres chez vous. Voici les \
                 informations :\r\n\r\nAdresse e-mail: {old}\r\nMot de passe: {pw}\r\nServeur IMAP: localhost\r\n\
                 Port: 10993\r\nNouvelle adresse: {new}\r\n\r\nMerci d'avance et bien cordialement\r\n",
                old = c.old,
                pw = c.old_pass,
                new = c.new
            ),
        ),
    };
    format!(
        "From: {c}\r\nTo: {s}\r\nSubject: {subject}\r\nMessage-ID: <req-{id}@customer.example>\r\n\
         Date: Tue, 24 Nov 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}",
        c = c.customer,
        s = c.support,
        id = c.id,
    )
    .into_bytes()
}

/// A shipped reply rules file as a TOML table.
fn rules_file(code: &str) -> toml::Table {
    let path = root_dir().join(format!("rules/replies/{code}.toml"));
    toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The text at `key` (`done.text`, `phrases.total`) of a rules table.
fn text_at<'a>(table: &'a toml::Table, key: &str) -> Option<&'a str> {
    let mut value: Option<&toml::Value> = None;
    for part in key.split('.') {
        value = match value {
            None => table.get(part),
            Some(v) => v.get(part),
        };
    }
    value.and_then(|v| v.as_str())
}

/// Every string of a rules table with its key path.
fn texts(table: &toml::Table, prefix: &str, out: &mut Vec<(String, String)>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => texts(t, &key, out),
            toml::Value::String(s) => out.push((key, s.clone())),
            _ => {}
        }
    }
}

/// The literal pieces of a template: its lines split at `{placeholders}`, trimmed, each with
/// at least one word of three or more letters.
fn fragments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        let mut pieces = Vec::new();
        while let Some(open) = rest.find('{') {
            pieces.push(&rest[..open]);
            rest = rest[open..].find('}').map(|end| &rest[open + end + 1..]).unwrap_or("");
        }
        pieces.push(rest);
        for p in pieces {
            let p = p.trim().trim_end_matches(':').trim();
            let worded = p.split(|ch: char| !ch.is_alphabetic()).any(|w| w.chars().count() >= 3);
            if worded {
                out.push(p.to_string());
            }
        }
    }
    out
}

/// The body without what is exempt from the language check: addresses, host names and DNS
/// records (any word with `@` or a dot between letters).
fn prose(body: &str) -> String {
    body.lines()
        .map(|l| {
            l.split_whitespace()
                .filter(|w| {
                    let technical = w.contains('@')
                        || w.as_bytes()
                            .windows(3)
                            .any(|b| b[1] == b'.' && b[0].is_ascii_alphanumeric() && b[2].is_ascii_alphanumeric());
                    !technical
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `piece` occurs in `text` as whole words.
fn occurs(text: &str, piece: &str) -> bool {
    text.match_indices(piece).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + piece.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Asserts that `body` is written from `template` of language `code` and that no English piece
/// of the rules (other than one the language writes the same, such as "Total") is in it.
fn assert_in_language(body: &str, code: &str, template: &str) {
    let own = rules_file(code);
    let english = rules_file("en");
    let mut missing = Vec::new();
    let own_template = text_at(&own, template).unwrap();
    for piece in fragments(own_template) {
        if !body.contains(&piece) {
            missing.push(piece);
        }
    }
    assert!(
        missing.is_empty(),
        "{template} in {code}: these lines of the template are missing: {missing:?}\n{body}"
    );
    let mut own_pieces: Vec<String> = Vec::new();
    let mut all_own = Vec::new();
    texts(&own, "", &mut all_own);
    for (_, text) in &all_own {
        own_pieces.extend(fragments(text));
    }
    let mut all_english = Vec::new();
    texts(&english, "", &mut all_english);
    let text = prose(body);
    let mut leaked = Vec::new();
    for (key, value) in &all_english {
        for piece in fragments(value) {
            let the_same_word_here = own_pieces.iter().any(|p| occurs(p, &piece));
            if !the_same_word_here && occurs(&text, &piece) {
                leaked.push(format!("{key}: {piece:?}"));
            }
        }
    }
    assert!(leaked.is_empty(), "English left in a {code} reply: {leaked:?}\n{body}");
}

async fn full_thread_in(code: &str) {
    let c = Customer::new(&format!("lang{code}"), 6).await;
    let config = c.config(SMTP_PORT, "[dns]\nrecords = [\"{domain}. MX 10 mx1.new.example.\"]\n");
    let daemon = Daemon::start(&config, c.dir.path());
    send_mail(&c.customer, &[&c.support], &request(&c, code)).await;
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    let ack = body_of(&replies[0]);
    assert_in_language(&ack, code, "acknowledgement.text");
    assert!(ack.contains(&c.new), "the table names the mailbox:\n{ack}");
    let first = body_of(&replies[1]);
    assert_in_language(&first, code, "first_sync_done.text");
    assert!(
        first.contains("old.example. MX 10 mx1.new.example."),
        "DNS records for the customer's domain:\n{first}"
    );

    let own = rules_file(code);
    let dns_changed = text_at(&own, "phrases.word_dns_changed").unwrap();
    c.reply_to(&replies[1], dns_changed, None).await;
    let replies = c.wait_replies(4, LIMIT, &daemon).await;
    let answer = body_of(&replies[2]);
    assert_in_language(&answer, code, "command.text");
    assert!(answer.contains(dns_changed), "{answer}");
    let done = body_of(&replies[3]);
    assert_in_language(&done, code, "done.text");
    let total = text_at(&own, "phrases.total").unwrap();
    assert!(
        done.contains(total) && done.contains('6'),
        "per-folder totals in {code}:\n{done}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_request_is_answered_in_german_to_the_end() {
    full_thread_in("de").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_request_is_answered_in_french_to_the_end() {
    full_thread_in("fr").await;
}

#[test]
fn the_language_check_passes_a_german_template_and_fails_on_one_english_sentence() {
    let german = rules_file("de");
    let template = text_at(&german, "command.text").unwrap().to_string();
    assert_in_language(&template, "de", "command.text");
    let english = rules_file("en");
    let line = fragments(text_at(&english, "done.text").unwrap())
        .into_iter()
        .find(|p| p.split(' ').count() > 3)
        .unwrap();
    let with_english = format!("{template}\n{line}\n");
    let caught = std::panic::catch_unwind(|| assert_in_language(&with_english, "de", "command.text"));
    assert!(
        caught.is_err(),
        "an English sentence in a German reply must fail the check"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_request_without_its_password_gets_a_german_problem_line() {
    let c = Customer::new("langdenopw", 1).await;
    let config = c.config(SMTP_PORT, "");
    let daemon = Daemon::start(&config, c.dir.path());
    let mail = String::from_utf8(request(&c, "de")).unwrap();
    let without = mail.replace(&format!("Passwort: {}\r\n", c.old_pass), "");
    assert_ne!(mail, without, "the request had a password line to leave out");
    send_mail(&c.customer, &[&c.support], without.as_bytes()).await;
    let replies = c.wait_replies(1, LIMIT, &daemon).await;
    let body = body_of(&replies[0]);
    let line = format!(
        "Passwort: Für {} fehlt das Passwort; bitte nennen Sie uns das aktuelle Passwort des Postfachs",
        c.old
    );
    assert!(body.contains(&line), "the German problem line is missing:\n{body}");
    assert_in_language(&body, "de", "needs_info.text");
}
