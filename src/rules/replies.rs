//! Reply templates as the rules files write them (`rules/replies/<language>.toml`, one file per
//! language): plain text with `{placeholders}`, plus the words and phrases the reply's tables and
//! state line are built from. A key a language file leaves out is taken from English. Filling
//! them in is `reply::compose`'s job; this never renders or sends.

use crate::model::{JobState, Language};
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// One template.
#[derive(Debug, Clone, Deserialize)]
pub struct Template {
    /// The body, with `{placeholders}`.
    pub text: String,
}

/// The words and short phrases replies are assembled from (table headers, state names, the
/// overall state line, detail cells), in one language.
#[derive(Debug, Clone, Deserialize)]
pub struct Phrases {
    /// Header of the mailbox column.
    pub mailbox: String,
    /// Header of the state column.
    pub state: String,
    /// Header of the detail column.
    pub detail: String,
    /// Header of the folder column.
    pub folder: String,
    /// Header of the message-count column.
    pub messages: String,
    /// Header of the not-copied column.
    pub not_copied: String,
    /// The total row's name.
    pub total: String,
    /// Detail of a copied mailbox: `{messages}`, `{folders}`, `{copied}`.
    pub copied_detail: String,
    /// Detail of a mailbox looked at: `{messages}`, `{folders}`, `{size}` (", 3.4 MB" or
    /// nothing), `{host}`.
    pub found_detail: String,
    /// Detail of a mailbox not looked at yet: `{host}`.
    pub from_detail: String,
    /// The number of mailboxes: `{count}` for one.
    pub mailboxes_one: String,
    /// The number of mailboxes: `{count}` for several.
    pub mailboxes_many: String,
    /// Part of the state line: `{count}` copied once.
    pub count_copied: String,
    /// Part of the state line: `{count}` done.
    pub count_done: String,
    /// Part of the state line: `{count}` failed.
    pub count_failed: String,
    /// Part of the state line: `{count}` in progress.
    pub count_running: String,
    /// Introduces the entries of a request that could not be accepted (`{problems}` follow).
    pub problems_block: String,
    /// The answer to "status".
    pub status_answer: String,
    /// The answer to another command: `{command}`, `{who}`, `{changes}`.
    pub command_answer: String,
    /// A command that changed nothing.
    pub nothing_to_change: String,
    /// Who sent a command, when staff did: `{sender}`.
    pub by_staff: String,
    /// Who sent a command, when the customer did.
    pub by_customer: String,
    /// "cancel" done to a mailbox.
    pub cancelled: String,
    /// "DNS changed" on a mailbox waiting for it.
    pub final_copy_now: String,
    /// "DNS changed" on a mailbox still in its first copy.
    pub final_copy_follows: String,
    /// "approve" done to a mailbox.
    pub approved: String,
    /// "retry" done to a mailbox.
    pub retried: String,
    /// Any other change to a mailbox.
    pub updated: String,
    /// The word "status" as a command answer quotes it.
    pub word_status: String,
    /// The word "cancel" as a command answer quotes it.
    pub word_cancel: String,
    /// The words "DNS changed" as a command answer quotes them.
    pub word_dns_changed: String,
    /// The word "approve" as a command answer quotes it.
    pub word_approve: String,
    /// The word "retry" as a command answer quotes it.
    pub word_retry: String,
    /// Stands for the DNS records when the operator configured none.
    pub dns_records_follow: String,
    /// A problem in a CSV row: `{row}`, `{field}`, `{message}`.
    pub problem_in_row: String,
    /// A problem in the mail's text: `{field}`, `{message}`.
    pub problem: String,
    /// The list of problems was cut: `{count}` more.
    pub more_problems: String,
    /// A mailbox the thread already has: `{mailbox}`.
    pub already_in_ticket: String,
    /// Contacts or calendars sent where they cannot be imported yet: `{file}`.
    pub groupware_not_here: String,
    /// Contacts or calendars that name no mailbox of the request: `{file}`.
    pub groupware_no_mailbox: String,
    /// Heads the contacts and calendars copied with a mailbox.
    pub contacts_and_calendars: String,
}

/// Reply templates of one language.
#[derive(Debug, Clone, Deserialize)]
pub struct Templates {
    /// Appended as `{signature}`.
    pub signature: String,
    /// Sent when a request becomes a ticket.
    pub acknowledgement: Template,
    /// Sent when nothing can start until the customer answers.
    pub needs_info: Template,
    /// Sent after the first copy.
    pub first_sync_done: Template,
    /// Sent when a job failed for good.
    pub failed: Template,
    /// Sent when the final copy of every mailbox is done.
    pub done: Template,
    /// The answer to a command in the thread (`{answer}` says what was done).
    pub command: Template,
    /// The words of the per-mailbox blocks and per-folder lines.
    pub words: Words,
    /// The settings for the customer's mail programs, in the last reply (`{settings}`).
    pub settings: Settings,
    /// The words of the per-mailbox estimate (`{eta}`); None in an operator's older copy of
    /// the file, and then no estimate is shown.
    #[serde(default)]
    pub eta: Option<EtaWords>,
    /// Words and phrases replies are built from.
    pub phrases: Phrases,
    /// A job state's name as customers read it, keyed by its machine name (`synced`, `final_sync`, ...).
    pub states: BTreeMap<String, String>,
    /// A validation problem's sentence as customers read it, keyed by its code
    /// (`missing_password`, ...), with the problem's named values as `{placeholders}`.
    #[serde(default)]
    pub problems: BTreeMap<String, String>,
    /// A field's name as customers read it in a problem line (`email`, `password`, `server`, ...).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The sentences of replies that complete a request in its thread and of the `template`
    /// command; None in an operator's older copy of the file (the built-in English is used).
    #[serde(default)]
    pub thread: Option<ThreadWords>,
}

/// The sentences of replies that complete a request in its thread (`[thread]`).
#[derive(Debug, Clone, Deserialize)]
pub struct ThreadWords {
    /// A field given without its mailbox when several wait for it: `{field}`, `{mailboxes}`,
    /// `{example}` (one of those addresses).
    pub which_mailbox: String,
    /// Said under the problems when the CSV template is attached.
    pub template_attached: String,
    /// The filled-in example shown when some mailboxes are accepted and others still wait.
    pub example: String,
    /// The answer to the `template` command (the template is attached).
    pub template_answer: String,
    /// The word "template" as a command answer quotes it.
    pub word_template: String,
}

/// The words of the per-mailbox blocks (`{table}`) and per-folder lines (`{folders}`); each
/// detail is one line under the mailbox's address, so a reply stays narrow on a phone.
#[derive(Debug, Clone, Deserialize)]
pub struct Words {
    /// Label of the state line.
    pub state: String,
    /// Label of the old-server line.
    pub old_server: String,
    /// Label of the line with what the probe found (`{found}` is filled from `found`).
    pub found_label: String,
    /// What the probe found: `{messages}`, `{folders}`, `{size}`.
    pub found: String,
    /// Label of the line with what was copied.
    pub copied_label: String,
    /// What was copied: `{messages}`, `{folders}`, `{copied}` (new in this pass).
    pub copied: String,
    /// Label of the line with what went wrong.
    pub problem: String,
    /// One folder's line: `{folder}`, `{messages}`.
    pub folder: String,
    /// One folder's line when some messages could not be copied: adds `{failed}`.
    pub folder_failed: String,
    /// The name of the totals line of the per-folder figures.
    pub total: String,
    /// The heading of the contacts and calendars lines.
    pub groupware: String,
    /// One contacts or calendar file: `{file}`, `{objects}`, `{imported}`, `{already}`,
    /// `{failed}`.
    pub groupware_file: String,
    /// Label of the line with the estimate of when the copy starts and how long it takes.
    pub estimate: String,
}

/// The settings block of the last reply: how to set up mail programs at the new provider,
/// filled from the operator's `[clients]` config.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// The block's introduction.
    pub intro: String,
    /// The incoming-mail line: `{host}`, `{port}`, `{security}`.
    pub imap: String,
    /// The outgoing-mail line: `{host}`, `{port}`, `{security}`.
    pub smtp: String,
    /// The contacts line: `{url}`.
    pub carddav: String,
    /// The calendars line: `{url}`.
    pub caldav: String,
    /// The user name and password to use.
    pub login: String,
    /// Said when the provider publishes autoconfig/autodiscover for the customer's domain.
    pub automatic: String,
    /// The name of implicit TLS (port 993/465).
    pub tls: String,
    /// The name of STARTTLS (port 143/587).
    pub starttls: String,
}

/// The words of an estimate: `text` holds `{start}` and `{takes}`; the unit lines hold
/// `{from}` and `{to}`.
#[derive(Debug, Clone, Deserialize)]
pub struct EtaWords {
    /// The whole estimate, with `{start}` and `{takes}`.
    pub text: String,
    /// A start within minutes from now, with `{to}`.
    pub start_soon: String,
    /// A later start, with `{range}`.
    pub start_later: String,
    /// A range in minutes.
    pub minutes: String,
    /// A range in hours.
    pub hours: String,
    /// A range in days.
    pub days: String,
    /// Said when nothing is known of the mailbox's size.
    pub unknown: String,
}

impl Templates {
    /// The `[thread]` sentences of this language, else the built-in English ones.
    pub fn thread_words(&self) -> &ThreadWords {
        static BUILTIN: std::sync::OnceLock<Option<ThreadWords>> = std::sync::OnceLock::new();
        let builtin = BUILTIN.get_or_init(|| {
            let en: toml::Table = toml::from_str(crate::rules::builtin_reply_file(Language::En)).ok()?;
            en.get("thread")?.clone().try_into().ok()
        });
        match (&self.thread, builtin) {
            (Some(t), _) | (None, Some(t)) => t,
            // The built-in English file has the table (a unit test checks it).
            (None, None) => unreachable!("rules/replies/en.toml has a [thread] table"),
        }
    }

    /// A job state's name in this language (the English label if the file lacks it).
    pub fn state_name(&self, state: JobState) -> &str {
        self.states
            .get(state.name())
            .map(String::as_str)
            .unwrap_or(state.label())
    }
}

/// The reply templates of all six languages.
#[derive(Debug, Clone)]
pub struct Replies {
    by_language: BTreeMap<Language, Templates>,
}

impl Replies {
    /// Parses the six files (English first, in full); every other language's file is read over
    /// English, so a key it lacks is the English one.
    pub fn parse(files: &[(Language, String)]) -> Result<Replies> {
        let english = files
            .iter()
            .find(|(l, _)| *l == Language::En)
            .context("rules/replies/en.toml is missing")?;
        let english: toml::Table = toml::from_str(&english.1).context("rules/replies/en.toml")?;
        let mut by_language = BTreeMap::new();
        for (language, text) in files {
            let name = format!("rules/replies/{}.toml", language.code());
            let own: toml::Table = toml::from_str(text).with_context(|| name.clone())?;
            let mut merged = english.clone();
            merge(&mut merged, own);
            let templates: Templates = toml::Value::Table(merged).try_into().with_context(|| name.clone())?;
            by_language.insert(*language, templates);
        }
        Ok(Replies { by_language })
    }

    /// The templates of `language` (English if that language was not loaded).
    pub fn get(&self, language: Language) -> &Templates {
        match self.by_language.get(&language) {
            Some(t) => t,
            None => self.english(),
        }
    }

    /// The English templates.
    pub fn english(&self) -> &Templates {
        // `parse` refuses to build without English, so the entry is always there.
        match self.by_language.get(&Language::En) {
            Some(t) => t,
            None => unreachable!("Replies::parse requires English"),
        }
    }
}

/// Reads `over` into `base`, table by table; values of `over` win.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// Every key path of a TOML table (`phrases.total`, `done.text`), for checking that a language
/// file is complete.
pub fn key_paths(table: &toml::Table) -> Vec<String> {
    let mut out = Vec::new();
    for (key, value) in table {
        match value {
            toml::Value::Table(t) => out.extend(key_paths(t).into_iter().map(|k| format!("{key}.{k}"))),
            _ => out.push(key.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_file_without_thread_sentences_uses_the_builtin_english_ones() {
        let en = crate::rules::builtin_reply_file(Language::En);
        let old: String = en.split("\n[thread]").next().unwrap_or(en).to_string();
        assert!(!old.contains("which_mailbox"));
        let replies = Replies::parse(&[(Language::En, old)]).unwrap();
        let t = replies.english();
        assert!(t.thread.is_none());
        assert!(t.thread_words().which_mailbox.contains("{mailboxes}"));
    }

    #[test]
    fn a_missing_key_falls_back_to_english() {
        let en = crate::rules::builtin_reply_file(Language::En).to_string();
        let replies = Replies::parse(&[
            (Language::En, en),
            (Language::De, "[done]\ntext = \"Fertig.\"\n".into()),
        ])
        .unwrap();
        let de = replies.get(Language::De);
        assert_eq!(de.done.text, "Fertig.");
        assert_eq!(de.failed.text, replies.english().failed.text);
        assert_eq!(replies.get(Language::Nl).done.text, replies.english().done.text);
    }
}
