//! Markers of mail mailferry must never answer (`rules/classify.toml`): auto-replies,
//! bounces, list mail, its own mail.
//!
//! Pure: takes header values as strings and answers with a reason. It never decides that a
//! mail *is* a request; it only says when one must be ignored.

use serde::Deserialize;

/// One header rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderRule {
    /// Header name (any case).
    pub name: String,
    /// The value must contain one of these (lower case); empty = any value.
    #[serde(default)]
    pub values: Vec<String>,
    /// The value must contain none of these (compared whole, lower case).
    #[serde(default)]
    pub except: Vec<String>,
    /// The reason given when it matches.
    pub reason: String,
}

/// The classification rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    /// Our own loop-detection header.
    pub loop_header: String,
    /// Header rules, in order.
    pub headers: Vec<HeaderRule>,
    /// Content types of delivery reports.
    pub content_types: Vec<String>,
    /// Reason for a content-type match.
    pub content_type_reason: String,
    /// Local parts of robot senders.
    pub senders: Vec<String>,
    /// Reason for a sender match.
    pub sender_reason: String,
    /// Subject phrases of auto-replies and bounces.
    pub subjects: Vec<String>,
    /// Reason for a subject match.
    pub subject_reason: String,
}

/// What the classifier looks at.
#[derive(Debug, Default)]
pub struct Envelope<'a> {
    /// All headers as (name, raw value).
    pub headers: Vec<(&'a str, &'a str)>,
    /// The top-level content type with its report-type, e.g. `multipart/report; report-type=delivery-status`.
    pub content_type: String,
    /// The sender's address.
    pub from: Option<&'a str>,
    /// The subject.
    pub subject: &'a str,
}

impl Classify {
    /// Reads `classify.toml`.
    pub fn parse(text: &str) -> Result<Classify, toml::de::Error> {
        toml::from_str(text)
    }

    /// Why the mail must be ignored, or None when nothing marks it.
    pub fn ignore_reason(&self, env: &Envelope<'_>) -> Option<String> {
        let header = |name: &str| {
            env.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_lowercase())
        };
        if header(&self.loop_header).is_some() {
            return Some(format!("our own mail ({})", self.loop_header));
        }
        for rule in &self.headers {
            let Some(value) = header(&rule.name) else {
                continue;
            };
            let wanted = rule.values.is_empty() || rule.values.iter().any(|v| value.contains(v.as_str()));
            let excepted = rule.except.contains(&value);
            if wanted && !excepted {
                return Some(rule.reason.clone());
            }
        }
        let ct = env.content_type.to_lowercase().replace([' ', '"'], "");
        if self
            .content_types
            .iter()
            .any(|c| ct.starts_with(&c.to_lowercase().replace([' ', '"'], "")))
        {
            return Some(self.content_type_reason.clone());
        }
        if let Some(from) = env.from {
            let local = from.split('@').next().unwrap_or("").to_lowercase();
            if self.senders.contains(&local) {
                return Some(self.sender_reason.clone());
            }
        }
        let subject = env.subject.to_lowercase();
        if self.subjects.iter().any(|s| subject.contains(s.as_str())) {
            return Some(self.subject_reason.clone());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Classify {
        Classify::parse(include_str!("../../rules/classify.toml")).unwrap()
    }

    fn env<'a>(headers: Vec<(&'a str, &'a str)>, from: &'a str, subject: &'a str) -> Envelope<'a> {
        Envelope {
            headers,
            content_type: "text/plain".into(),
            from: Some(from),
            subject,
        }
    }

    #[test]
    fn auto_submitted_no_is_a_person() {
        let r = rules();
        assert_eq!(
            r.ignore_reason(&env(vec![("Auto-Submitted", "no")], "a@x.example", "Move")),
            None
        );
        assert!(r
            .ignore_reason(&env(vec![("auto-submitted", "auto-replied")], "a@x.example", "Move"))
            .is_some());
    }

    #[test]
    fn markers() {
        let r = rules();
        let cases = [
            (vec![("X-Mailferry-Loop", "1")], "a@x.example", "x", "our own mail"),
            (vec![("Precedence", "bulk")], "a@x.example", "x", "Precedence"),
            (
                vec![("Precedence", "first-class")],
                "a@x.example",
                "Automatic reply: x",
                "subject",
            ),
            (vec![("List-Id", "<l.x.example>")], "a@x.example", "x", "List-Id"),
            (vec![("X-Autoreply", "yes")], "a@x.example", "x", "X-Autoreply"),
            (vec![], "MAILER-DAEMON@x.example", "x", "sender"),
            (vec![], "a@x.example", "Abwesenheitsnotiz: Umzug", "subject"),
            (vec![], "a@x.example", "Undelivered Mail Returned to Sender", "subject"),
        ];
        for (h, from, subject, want) in cases {
            let got = r.ignore_reason(&env(h, from, subject)).unwrap_or_default();
            assert!(got.contains(want), "{subject}: {got}");
        }
        assert_eq!(
            r.ignore_reason(&env(vec![], "anna@x.example", "Please move my mailbox")),
            None
        );
    }

    #[test]
    fn delivery_reports() {
        let r = rules();
        let e = Envelope {
            content_type: "multipart/report; report-type=\"delivery-status\"".into(),
            subject: "Hello",
            ..Default::default()
        };
        assert_eq!(r.ignore_reason(&e).as_deref(), Some("delivery report"));
    }
}
