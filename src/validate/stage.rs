//! Validation as a stage: a parsed request ([`ParsedMail`]) becomes a [`ValidatedRequest`]
//! whose mailboxes ([`ValidMailbox`]) only this module can build, so nothing downstream can
//! hold a mailbox that was not checked, and nothing checks the same input twice.
//!
//! Two steps, each run once per mail: [`offline`] (pure: syntax, policy, duplicates, limits)
//! and [`online`] (the probe of each offline-valid mailbox through the IMAP door, or, with
//! probes off, the one check that needs the config: the destination is in a domain we host).
//! New input (fields in a customer's reply) is a new mail and goes through both again; a
//! scheduled job logs in again when it starts, since passwords change. Never stores anything.

use super::online::{probe_mailbox, EffectiveSource, ProbeReport};
use crate::config::Config;
use crate::intake::{FieldError, MailboxRequest, ParsedMail};
use crate::model::{Found, Security};
use crate::rules::Policy;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use futures::StreamExt;

/// A mailbox that passed every check so far: built only by [`offline`], confirmed (or
/// refused) by [`online`].
#[derive(Debug, Clone)]
pub struct ValidMailbox {
    index: usize,
    request: MailboxRequest,
    password: Secret,
    host: String,
    probe: Option<ProbeReport>,
}

impl ValidMailbox {
    /// Its place among the request's mailboxes.
    pub fn index(&self) -> usize {
        self.index
    }
    /// The CSV row (None: the mail's text).
    pub fn row(&self) -> Option<usize> {
        self.request.row
    }
    /// The address to move, in lower case.
    pub fn email(&self) -> String {
        self.request.email.to_ascii_lowercase()
    }
    /// The mailbox on our side, in lower case.
    pub fn destination(&self) -> String {
        destination_of(&self.request)
    }
    /// The password at the old provider.
    pub fn password(&self) -> &Secret {
        &self.password
    }
    /// The old provider's IMAP server.
    pub fn source_host(&self) -> &str {
        &self.host
    }
    /// The login name there.
    pub fn source_user(&self) -> &str {
        self.request.source_user.as_deref().unwrap_or(&self.request.email)
    }
    /// The earliest start asked for.
    pub fn schedule(&self) -> Option<DateTime<Utc>> {
        self.request.schedule
    }
    /// Where the old server answered securely (found by the probe), else what the customer
    /// gave, else the usual ports.
    pub fn source_port_and_security(&self) -> (u16, Security) {
        if let Some(e) = self.effective_source() {
            return (e.port, e.security);
        }
        let security = self.request.source_security.unwrap_or(match self.request.source_port {
            Some(143) => Security::Starttls,
            _ => Security::Tls,
        });
        (
            self.request.source_port.unwrap_or(security.default_imap_port()),
            security,
        )
    }
    /// What the probe found there, when it reached the old server.
    pub fn found(&self) -> Option<Found> {
        self.probe.as_ref().filter(|p| p.source.is_some()).map(|p| Found {
            folders: p.folders as u64,
            messages: p.messages,
            bytes: p.bytes,
        })
    }
    /// The probe's report, when the mailbox was probed.
    pub fn probe(&self) -> Option<&ProbeReport> {
        self.probe.as_ref()
    }
    fn effective_source(&self) -> Option<&EffectiveSource> {
        self.probe.as_ref().and_then(|p| p.source.as_ref())
    }
}

fn destination_of(m: &MailboxRequest) -> String {
    m.destination
        .clone()
        .unwrap_or_else(|| m.email.clone())
        .to_ascii_lowercase()
}

/// Where one mailbox of a request stands after validation.
#[derive(Debug)]
pub enum Checked<'a> {
    /// Passed every check: it may become a job.
    Valid(&'a ValidMailbox),
    /// Passed the offline checks, refused online: these problems say why.
    Refused(&'a [FieldError]),
    /// Refused offline (its problems are among the request's problems).
    Invalid,
}

/// A request after validation: the parsed mail with every offline problem added, the mailboxes
/// that passed, and those refused online with their problems.
#[derive(Debug)]
pub struct ValidatedRequest {
    parsed: ParsedMail,
    valid: Vec<ValidMailbox>,
    refused: Vec<(usize, Vec<FieldError>, Option<ProbeReport>)>,
}

impl ValidatedRequest {
    /// The parsed mail, its `errors` holding the offline problems (body first, then by row).
    pub fn parsed(&self) -> &ParsedMail {
        &self.parsed
    }
    /// The mailboxes that passed every check, in request order.
    pub fn mailboxes(&self) -> &[ValidMailbox] {
        &self.valid
    }
    /// How the mailbox at `index` of the request came through.
    pub fn checked(&self, index: usize) -> Checked<'_> {
        if let Some(v) = self.valid.iter().find(|v| v.index == index) {
            return Checked::Valid(v);
        }
        match self.refused.iter().find(|(i, _, _)| *i == index) {
            Some((_, problems, _)) => Checked::Refused(problems),
            None => Checked::Invalid,
        }
    }
    /// The probe's report for the mailbox at `index`, when it was probed (accepted or not).
    pub fn probe(&self, index: usize) -> Option<&ProbeReport> {
        self.valid
            .iter()
            .find(|v| v.index == index)
            .and_then(|v| v.probe.as_ref())
            .or_else(|| {
                self.refused
                    .iter()
                    .find(|(i, _, _)| *i == index)
                    .and_then(|(_, _, p)| p.as_ref())
            })
    }
    /// Every problem, offline and online, body first then by row (what `mailferry parse
    /// --probe` shows).
    pub fn all_problems(&self) -> Vec<FieldError> {
        let mut all = self.parsed.errors.clone();
        all.extend(self.refused.iter().flat_map(|(_, p, _)| p.iter().cloned()));
        all.sort_by_key(|e| e.row.map_or(0, |r| r + 1));
        all
    }
}

/// The offline step: every problem of `parsed` found once (see [`super::validate_offline`]);
/// the mailboxes without one become [`ValidMailbox`]es.
pub fn offline(parsed: ParsedMail, policy: &Policy, now: DateTime<Utc>) -> ValidatedRequest {
    let (more, ok) = super::offline_problems(&parsed, policy, now);
    let mut parsed = parsed;
    parsed.errors.extend(more);
    parsed.errors.sort_by_key(|e| e.row.map_or(0, |r| r + 1));
    let valid = ok
        .into_iter()
        .filter_map(|index| {
            let m = &parsed.mailboxes[index];
            Some(ValidMailbox {
                index,
                password: m.password.clone().filter(|p| !p.is_empty())?,
                host: m.source_host.clone()?,
                request: m.clone(),
                probe: None,
            })
        })
        .collect();
    ValidatedRequest {
        parsed,
        valid,
        refused: Vec::new(),
    }
}

/// The online step, once per request: with `probe`, each valid mailbox (`at_once` at a time,
/// only those `wanted` says) is probed through the IMAP door and kept or refused with the
/// probe's problems; without, only the destination's domain is checked against ours.
pub async fn online(
    cfg: &Config,
    request: &mut ValidatedRequest,
    probe: bool,
    at_once: usize,
    wanted: impl Fn(&ValidMailbox) -> bool,
) {
    let valid = std::mem::take(&mut request.valid);
    let checked: Vec<(ValidMailbox, Vec<FieldError>)> = if probe {
        futures::stream::iter(valid.into_iter().map(|mut v| {
            let go = wanted(&v);
            async move {
                if !go {
                    return (v, Vec::new());
                }
                let report = probe_mailbox(cfg, &v.request).await;
                let problems = report.problems.clone();
                v.probe = Some(report);
                (v, problems)
            }
        }))
        .buffered(at_once.max(1))
        .collect()
        .await
    } else {
        valid
            .into_iter()
            .map(|v| {
                let problems = not_hosted(cfg, &v.request).into_iter().collect();
                (v, problems)
            })
            .collect()
    };
    for (v, problems) in checked {
        if problems.is_empty() {
            request.valid.push(v);
        } else {
            request.refused.push((v.index, problems, v.probe));
        }
    }
}

/// The destination is not in one of our domains (the probe says the same, in the same words).
fn not_hosted(cfg: &Config, m: &MailboxRequest) -> Option<FieldError> {
    let destination = destination_of(m);
    let domain = destination.rsplit_once('@').map_or("", |(_, d)| d);
    if cfg.destination.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
        return None;
    }
    Some(FieldError {
        code: "domain_not_ours".into(),
        values: vec![
            ("address".into(), destination.to_string()),
            ("domains".into(), cfg.destination.domains.join(", ")),
        ],
        row: m.row,
        field: "destination".into(),
        message: format!(
            "{destination} is not in a domain we host ({}); give the new address on our side",
            cfg.destination.domains.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    const EXAMPLE: &str = include_str!("../../mailferry.example.toml");

    fn mailbox(email: &str, host: Option<&str>) -> MailboxRequest {
        MailboxRequest {
            email: email.into(),
            password: Some(Secret::new("pw")),
            source_host: host.map(str::to_string),
            ..MailboxRequest::default()
        }
    }

    fn request(mailboxes: Vec<MailboxRequest>) -> ValidatedRequest {
        let rules = Rules::builtin().unwrap();
        let parsed = ParsedMail {
            mailboxes,
            ..ParsedMail::ignored(Default::default(), "test")
        };
        offline(parsed, &rules.policy, Utc::now())
    }

    #[test]
    fn only_mailboxes_without_a_problem_become_valid_and_each_problem_is_said_once() {
        let r = request(vec![
            mailbox("anna@new.example", Some("imap.old.example")),
            mailbox("bert@new.example", None),
            mailbox("anna@new.example", Some("imap.old.example")),
        ]);
        let valid: Vec<String> = r.mailboxes().iter().map(ValidMailbox::email).collect();
        assert_eq!(valid, ["anna@new.example"]);
        assert!(matches!(r.checked(0), Checked::Valid(_)));
        assert!(matches!(r.checked(1), Checked::Invalid), "no server");
        assert!(matches!(r.checked(2), Checked::Invalid), "asked for twice");
        let server: Vec<_> = r.parsed().errors.iter().filter(|e| e.field == "server").collect();
        assert_eq!(server.len(), 1, "{:?}", r.parsed().errors);
        assert_eq!(r.mailboxes()[0].source_port_and_security(), (993, Security::Tls));
    }

    #[tokio::test]
    async fn without_probes_a_destination_outside_our_domains_is_refused_online() {
        let cfg = Config::parse(EXAMPLE).unwrap();
        let mut r = request(vec![
            mailbox("anna@new.example", Some("imap.old.example")),
            mailbox("carl@elsewhere.example", Some("imap.old.example")),
        ]);
        online(&cfg, &mut r, false, 4, |_| true).await;
        assert_eq!(r.mailboxes().len(), 1);
        match r.checked(1) {
            Checked::Refused(p) => assert!(p[0].message.contains("not in a domain we host"), "{p:?}"),
            other => panic!("expected refused, got {other:?}"),
        }
        assert_eq!(r.all_problems().len(), 1);
    }
}
