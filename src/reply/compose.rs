//! Composing replies from templates: subject with the ticket tag, per-mailbox table, Message-IDs
//! that carry the ticket and an HMAC. Pure: no I/O, no clock. Never puts a password in a reply
//! (nothing here ever receives one).

use crate::config::ClientsConfig;
use crate::model::{Job, MigrationReport, TicketId};
use chrono::{DateTime, Utc};

pub use crate::rules::{Settings, Template, Templates, Words};

/// Fills `{name}` placeholders; unknown ones stay as written.
pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let name = &after[..end];
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The subject of every reply in a thread: `Re: <first subject> [MIG-000123]`, whatever
/// prefixes or tags the customer's subject already had.
pub fn reply_subject(subject: &str, ticket: TicketId) -> String {
    let tag = format!("[{ticket}]");
    let mut s = subject.replace(&tag, "");
    loop {
        let t = s.trim_start();
        let lower = t.to_ascii_lowercase();
        let prefix = ["re:", "aw:", "sv:", "antw:", "réf:", "rif:", "fw:", "fwd:", "wg:"]
            .iter()
            .find(|p| lower.starts_with(*p));
        match prefix {
            Some(p) => s = t[p.len()..].to_string(),
            None => {
                s = t.to_string();
                break;
            }
        }
    }
    let s = s.trim();
    if s.is_empty() {
        format!("Re: mailbox migration {tag}")
    } else {
        format!("Re: {s} {tag}")
    }
}

/// Our Message-ID for a reply: `mig-000123.<random>.<hmac>@domain`, so a reply to it names
/// the ticket and a forged one fails the HMAC.
pub fn message_id(ticket: TicketId, random: u64, token: impl Fn(&str) -> String, domain: &str) -> String {
    let local = format!("mig-{:06}.{random:016x}", ticket.0);
    let mac = token(&local);
    format!("{local}.{mac}@{domain}")
}

/// The ticket named by one of our Message-IDs, if its HMAC is right.
pub fn ticket_from_message_id(id: &str, token: impl Fn(&str) -> String) -> Option<TicketId> {
    let local = id.split('@').next()?;
    let (body, mac) = local.rsplit_once('.')?;
    if token(body) != mac {
        return None;
    }
    let num = body.strip_prefix("mig-")?.split('.').next()?;
    num.parse().ok().map(TicketId)
}

/// The per-mailbox table for staff views (English): mailbox, state, detail.
pub fn mailbox_table(jobs: &[Job]) -> String {
    mailbox_table_in(jobs, staff_words())
}

/// The per-mailbox table in the words of `t`: mailbox, state, detail.
pub fn mailbox_table_in(jobs: &[Job], t: &Templates) -> String {
    let p = &t.phrases;
    let rows: Vec<[String; 3]> = jobs
        .iter()
        .map(|j| {
            let detail = match (&j.report, &j.last_error) {
                (_, Some(e)) if !j.state.is_final() || j.state == crate::model::JobState::Failed => e.clone(),
                (Some(r), _) => render(
                    &p.copied_detail,
                    &[
                        ("messages", &r.total_messages().to_string()),
                        ("folders", &r.folders.len().to_string()),
                        ("copied", &r.total_copied().to_string()),
                    ],
                ),
                _ => match j.found {
                    Some(f) => render(
                        &p.found_detail,
                        &[
                            ("messages", &f.messages.to_string()),
                            ("folders", &f.folders.to_string()),
                            (
                                "size",
                                &f.bytes.map(|b| format!(", {}", human_bytes(b))).unwrap_or_default(),
                            ),
                            ("host", &j.source.host),
                        ],
                    ),
                    None => render(&p.from_detail, &[("host", &j.source.host)]),
                },
            };
            [j.destination.clone(), t.state_name(j.state).to_string(), detail]
        })
        .collect();
    table(&[p.mailbox.as_str(), p.state.as_str(), p.detail.as_str()], &rows)
}

/// The built-in English words, for the staff views (the staff page and the CLI stay English).
fn staff_words() -> &'static Templates {
    static WORDS: std::sync::OnceLock<Templates> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let en = crate::rules::builtin_reply_file(crate::model::Language::En);
        let replies = crate::rules::Replies::parse(&[(crate::model::Language::En, en.to_string())])
            .expect("the built-in rules/replies/en.toml parses (a unit test checks it)");
        replies.english().clone()
    })
}

/// The per-mailbox blocks of a reply (`{table}`): the address on its own line, then one
/// detail line each for the state, the old server and what was found, copied or went wrong.
/// Narrow by construction: nothing is aligned in columns, so it reads on a phone.
///
/// A mailbox whose copy has not started yet also gets the estimate of when it starts and how
/// long it takes, seen from `now` (always "about" and a range).
pub fn mailbox_blocks(jobs: &[Job], t: &Templates, now: DateTime<Utc>) -> String {
    let w = &t.words;
    let mut out = String::new();
    for (i, j) in jobs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&j.destination);
        out.push('\n');
        out.push_str(&format!("  {}: {}\n", w.state, t.state_name(j.state)));
        out.push_str(&format!("  {}: {}\n", w.old_server, j.source.host));
        let not_started = matches!(
            j.state,
            crate::model::JobState::Received | crate::model::JobState::Waiting | crate::model::JobState::Retrying
        );
        if let (true, Some(words)) = (not_started && j.report.is_none(), &t.eta) {
            let eta = super::eta::eta_text(words, j.eta.as_ref(), now);
            out.push_str(&format!("  {}: {eta}\n", w.estimate));
        }
        let failed = !j.state.is_final() || j.state == crate::model::JobState::Failed;
        match (&j.report, &j.last_error) {
            (_, Some(e)) if failed => out.push_str(&format!("  {}: {e}\n", w.problem)),
            (Some(r), _) => {
                let copied = render(
                    &w.copied,
                    &[
                        ("messages", &r.total_messages().to_string()),
                        ("folders", &r.folders.len().to_string()),
                        ("copied", &r.total_copied().to_string()),
                    ],
                );
                out.push_str(&format!("  {}: {copied}\n", w.copied_label));
            }
            _ => {
                if let Some(f) = j.found {
                    let size = f.bytes.map(human_bytes).unwrap_or_default();
                    let found = render(
                        &w.found,
                        &[
                            ("messages", &f.messages.to_string()),
                            ("folders", &f.folders.to_string()),
                            ("size", &size),
                        ],
                    );
                    let found = found.trim_end_matches([',', ' ']).to_string();
                    out.push_str(&format!("  {}: {found}\n", w.found_label));
                }
            }
        }
    }
    out
}

/// The per-folder lines of a finished copy (`{folders}`): one detail line per folder, then
/// the total, then what could not be copied and why.
pub fn folder_lines(report: &MigrationReport, w: &Words) -> String {
    let line = |name: &str, messages: u64, failed: u64| {
        let vars = [
            ("folder", name.to_string()),
            ("messages", messages.to_string()),
            ("failed", failed.to_string()),
        ];
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let template = if failed > 0 { &w.folder_failed } else { &w.folder };
        format!("  {}\n", render(template, &vars))
    };
    let mut out = String::new();
    for f in &report.folders {
        out.push_str(&line(&f.destination, f.messages, f.failed));
    }
    out.push_str(&line(&w.total, report.total_messages(), report.total_failed()));
    for f in &report.folders {
        for e in &f.errors {
            out.push_str(&format!("  {}: {e}\n", f.destination));
        }
    }
    out
}

/// The settings block of the last reply (`{settings}`): the servers to set up in mail
/// programs, each on a fixed line, and whether they are found by themselves. Empty when the
/// operator configured no `[clients]`.
pub fn client_settings(clients: Option<&ClientsConfig>, s: &Settings) -> String {
    let Some(c) = clients else {
        return String::new();
    };
    let security = |port: u16, implicit: u16| if port == implicit { &s.tls } else { &s.starttls };
    let server = |template: &str, host: &str, port: u16, implicit: u16| {
        render(
            template,
            &[
                ("host", host),
                ("port", &port.to_string()),
                ("security", security(port, implicit)),
            ],
        )
    };
    let mut out = format!("{}\n\n", s.intro.trim());
    out.push_str(&format!("    {}\n", server(&s.imap, &c.imap_host, c.imap_port, 993)));
    out.push_str(&format!("    {}\n", server(&s.smtp, &c.smtp_host, c.smtp_port, 465)));
    if let Some(url) = &c.carddav_url {
        out.push_str(&format!("    {}\n", render(&s.carddav, &[("url", url)])));
    }
    if let Some(url) = &c.caldav_url {
        out.push_str(&format!("    {}\n", render(&s.caldav, &[("url", url)])));
    }
    out.push_str(&format!("\n{}\n", s.login.trim()));
    if c.autoconfig {
        out.push_str(&format!("\n{}\n", s.automatic.trim()));
    }
    out
}

/// Bytes as people read them: 512 bytes, 3.4 MB, 1.2 GB.
pub fn human_bytes(b: u64) -> String {
    match b {
        0..=999 => format!("{b} bytes"),
        1_000..=999_999 => format!("{:.1} kB", b as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.1} MB", b as f64 / 1e6),
        _ => format!("{:.1} GB", b as f64 / 1e9),
    }
}

/// The per-folder figures of a finished copy, for staff views (English).
pub fn folder_table(report: &MigrationReport) -> String {
    folder_table_in(report, staff_words())
}

/// The per-folder figures of a finished copy in the words of `t`.
pub fn folder_table_in(report: &MigrationReport, t: &Templates) -> String {
    let p = &t.phrases;
    let mut rows: Vec<[String; 3]> = report
        .folders
        .iter()
        .map(|f| [f.destination.clone(), f.messages.to_string(), f.failed.to_string()])
        .collect();
    rows.push([
        p.total.clone(),
        report.total_messages().to_string(),
        report.total_failed().to_string(),
    ]);
    let mut out = table(&[p.folder.as_str(), p.messages.as_str(), p.not_copied.as_str()], &rows);
    for f in &report.folders {
        for e in &f.errors {
            out.push_str(&format!("  {}: {e}\n", f.destination));
        }
    }
    out
}

/// The one-line overall state of a ticket, for staff views (English).
pub fn overall_state(jobs: &[Job]) -> String {
    overall_state_in(jobs, staff_words())
}

/// The one-line overall state of a ticket in the words of `t`.
pub fn overall_state_in(jobs: &[Job], t: &Templates) -> String {
    let p = &t.phrases;
    let n = |template: &str, count: usize| render(template, &[("count", &count.to_string())]);
    let total = jobs.len();
    let count = |f: fn(&Job) -> bool| jobs.iter().filter(|j| f(j)).count();
    let done = count(|j| j.state == crate::model::JobState::Done);
    let synced = count(|j| j.state == crate::model::JobState::Synced);
    let failed = count(|j| j.state == crate::model::JobState::Failed);
    let mut parts = vec![n(
        if total == 1 {
            &p.mailboxes_one
        } else {
            &p.mailboxes_many
        },
        total,
    )];
    if synced > 0 {
        parts.push(n(&p.count_copied, synced));
    }
    if done > 0 {
        parts.push(n(&p.count_done, done));
    }
    if failed > 0 {
        parts.push(n(&p.count_failed, failed));
    }
    let running = total - synced - done - failed;
    if running > 0 {
        parts.push(n(&p.count_running, running));
    }
    parts.join(", ")
}

fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut width = header.map(|h| h.chars().count());
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::from("  ");
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == N {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&header.map(String::from));
    out.push_str(&line(&width.map(|w| "-".repeat(w))));
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_keep_one_tag_and_one_prefix() {
        let t = TicketId(42);
        assert_eq!(reply_subject("Move my mail", t), "Re: Move my mail [MIG-000042]");
        assert_eq!(
            reply_subject("AW: Re: Move my mail [MIG-000042]", t),
            "Re: Move my mail [MIG-000042]"
        );
        assert_eq!(reply_subject("", t), "Re: mailbox migration [MIG-000042]");
    }

    #[test]
    fn message_ids_carry_the_ticket_and_refuse_forgeries() {
        let token = |s: &str| {
            let sum = s.bytes().enumerate().fold(0u64, |a, (i, b)| {
                a.wrapping_mul(31).wrapping_add(b as u64 * (i as u64 + 1))
            });
            format!("{sum:x}")
        };
        let id = message_id(TicketId(7), 0xabc, token, "new.example");
        assert!(id.starts_with("mig-000007."), "{id}");
        assert_eq!(ticket_from_message_id(&id, token), Some(TicketId(7)));
        let forged = id.replace("mig-000007", "mig-000008");
        assert_eq!(ticket_from_message_id(&forged, token), None);
    }

    fn waiting_job() -> Job {
        Job {
            id: crate::model::JobId(1),
            ticket: TicketId(1),
            source: crate::model::SourceSpec {
                host: "imap.old.example".into(),
                port: 993,
                security: crate::model::Security::Tls,
                user: "anna@old.example".into(),
                login: Default::default(),
            },
            destination: "anna@new.example".into(),
            schedule: None,
            state: crate::model::JobState::Waiting,
            attempts: 0,
            last_error: None,
            report: None,
            not_before: None,
            email: "anna@old.example".into(),
            final_pass: false,
            final_wanted: false,
            held: false,
            found: Some(crate::model::Found {
                folders: 7,
                messages: 300,
                bytes: Some(33_000_000),
            }),
            found_by: None,
            pace: Default::default(),
            eta: None,
            actual: Default::default(),
        }
    }

    #[test]
    fn a_mailbox_block_is_narrow_and_in_the_tickets_language_with_its_estimate() {
        use chrono::TimeZone;
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let mut job = waiting_job();
        job.eta = Some(crate::model::Estimate {
            made: now,
            start_from: now,
            start_to: now + chrono::Duration::minutes(5),
            end_from: now + chrono::Duration::minutes(20),
            end_to: now + chrono::Duration::minutes(45),
        });
        let rules = crate::rules::Rules::builtin().unwrap();
        let german = rules.replies.get(crate::model::Language::De);
        let block = mailbox_blocks(std::slice::from_ref(&job), german, now);
        assert!(block.starts_with("anna@new.example\n"), "{block}");
        assert!(block.contains("\n  Stand: "), "{block}");
        assert!(block.contains("\n  Alter Server: imap.old.example\n"), "{block}");
        assert!(
            block.contains("\n  Gefunden: 300 Nachrichten in 7 Ordnern, 33.0 MB\n"),
            "{block}"
        );
        assert!(
            block.contains("\n  Schätzung: beginnt in etwa 5 Minuten, dauert etwa "),
            "{block}"
        );
        for line in block.lines() {
            assert!(line.chars().count() <= 72, "{line}");
        }
        // Once the copy has started, the estimate is no longer shown.
        job.state = crate::model::JobState::Synced;
        let english = rules.replies.get(crate::model::Language::En);
        let block = mailbox_blocks(&[job], english, now);
        assert!(!block.contains("Estimate"), "{block}");
    }

    #[test]
    fn render_fills_known_placeholders_only() {
        assert_eq!(render("a {x} {y} {", &[("x", "1")]), "a 1 {y} {");
    }

    #[test]
    fn builtin_templates_parse() {
        let rules = crate::rules::Rules::builtin().unwrap();
        for l in crate::model::Language::ALL {
            assert!(rules.replies.get(l).acknowledgement.text.contains("{ticket}"), "{l:?}");
        }
    }
}
