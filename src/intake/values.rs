//! One field's value, as written by the customer, into the typed [`MailboxRequest`] field.
//!
//! Shared by the body reader and the CSV reader so that "imaps://imap.x.example:993" or
//! "SSL/TLS" mean the same everywhere. Never puts a password into an error message.

use super::schedule::parse_schedule;
use super::{FieldError, MailboxRequest};
use crate::model::Security;
use crate::rules::Field;
use crate::secret::Secret;

/// Sets `field` of `mb` from `value`; a value that cannot be read becomes an error.
pub fn apply(mb: &mut MailboxRequest, field: Field, value: &str, row: Option<usize>, errors: &mut Vec<FieldError>) {
    let value = value.trim();
    if value.is_empty() {
        return;
    }
    let mut err = |message: String| {
        errors.push(FieldError {
            code: String::new(),
            values: Vec::new(),
            row,
            field: field.name().into(),
            message,
        })
    };
    match field {
        Field::Email => mb.email = address(value),
        Field::Password => mb.password = Some(Secret::new(password(value))),
        Field::Host => {
            let h = host(value);
            mb.source_host = Some(h.name);
            mb.source_host_display = h.display;
            if h.port.is_some() {
                mb.source_port = h.port;
            }
            if h.security.is_some() {
                mb.source_security = h.security;
            }
        }
        Field::Port => match value.parse::<u32>() {
            Ok(p) if p <= 65535 => mb.source_port = u16::try_from(p).ok(),
            _ => err(format!(
                "{value:?} is not a port; write a number from 1 to 65535 (IMAP over TLS is usually 993)"
            )),
        },
        Field::Security => match security(value) {
            Some(s) => mb.source_security = Some(s),
            None => err(format!("{value:?} is not understood; write SSL/TLS, STARTTLS or none")),
        },
        Field::User => mb.source_user = Some(value.to_string()),
        Field::Destination => mb.destination = Some(address(value)),
        Field::Schedule => match parse_schedule(value) {
            Ok(t) => mb.schedule = Some(t),
            Err(e) => err(e),
        },
    }
}

/// An address from "Anna <anna@x.example>", "mailto:anna@x.example" or "anna@x.example".
pub fn address(value: &str) -> String {
    let v = value.trim();
    let v = match (v.rfind('<'), v.rfind('>')) {
        (Some(a), Some(b)) if a < b => &v[a + 1..b],
        _ => v,
    };
    let v = v.trim().trim_start_matches("mailto:");
    let v = v.split_whitespace().next().unwrap_or("");
    v.trim_end_matches([',', ';', '.']).to_lowercase()
}

/// A password as written; one pair of surrounding double quotes is removed.
fn password(value: &str) -> &str {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) if !inner.is_empty() => inner,
        _ => value,
    }
}

/// A server as the customer wrote it, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostValue {
    /// The name to connect to: lower case, an internationalised name in its ASCII (IDNA) form.
    pub name: String,
    /// The customer's spelling, when it differs from `name` only by IDNA (`imap.müller.de`).
    pub display: Option<String>,
    /// The port written with it (`:993`), if any.
    pub port: Option<u16>,
    /// The security its scheme says (`imaps://` is TLS), if any.
    pub security: Option<Security>,
}

/// Host, port and security from "imaps://imap.x.example:993/", "imap.x.example:993",
/// "[2001:db8::1]:993" or a name; an internationalised name is converted with IDNA.
pub fn host(value: &str) -> HostValue {
    let mut v = value.split_whitespace().next().unwrap_or("").to_string();
    let mut security = None;
    for (scheme, sec) in [("imaps://", Some(Security::Tls)), ("imap://", None)] {
        if v.to_lowercase().starts_with(scheme) {
            v = v[scheme.len()..].to_string();
            security = sec;
        }
    }
    if let Some(i) = v.find('/') {
        v.truncate(i);
    }
    let v = v
        .trim_start_matches(['(', '<', '"', '\''])
        .trim_end_matches(['.', ',', ';', ')', '>', '"', '\'', '!', '?', ':'])
        .to_string();
    let mut port = None;
    let hostpart = if let Some(rest) = v.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, p)) => {
                port = p.strip_prefix(':').and_then(|p| p.parse().ok());
                h.to_string()
            }
            None => rest.to_string(),
        }
    } else if v.matches(':').count() == 1 {
        match v.split_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => {
                port = p.parse().ok();
                h.to_string()
            }
            _ => v.clone(),
        }
    } else {
        v.clone()
    };
    let lower = hostpart.to_lowercase();
    let (name, display) = if lower.is_ascii() {
        (lower, None)
    } else {
        match idna::domain_to_ascii(&lower) {
            Ok(ascii) if !ascii.is_empty() => (ascii, Some(lower)),
            _ => (lower, None),
        }
    };
    HostValue {
        name,
        display,
        port,
        security,
    }
}

/// "SSL/TLS", "STARTTLS", "none" and their translations.
pub fn security(value: &str) -> Option<Security> {
    let v = value.trim().to_lowercase();
    if v.contains("starttls") {
        return Some(Security::Starttls);
    }
    if v.contains("ssl") || v.contains("tls") || v == "imaps" || v == "yes" {
        return Some(Security::Tls);
    }
    match v.as_str() {
        "none" | "plain" | "no" | "keine" | "aucune" | "aucun" | "ninguna" | "ninguno" | "nessuna" | "geen" => {
            Some(Security::Plain)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &str) -> (String, Option<u16>, Option<Security>) {
        let h = host(v);
        (h.name, h.port, h.security)
    }

    #[test]
    fn hosts() {
        assert_eq!(
            h("imaps://IMAP.x.example:993/"),
            ("imap.x.example".into(), Some(993), Some(Security::Tls))
        );
        assert_eq!(h("imap.x.example"), ("imap.x.example".into(), None, None));
        assert_eq!(h("mail.x.example:993"), ("mail.x.example".into(), Some(993), None));
        assert_eq!(
            h("imap://mail.x.example:143"),
            ("mail.x.example".into(), Some(143), None)
        );
        assert_eq!(h("[2001:db8::1]:143"), ("2001:db8::1".into(), Some(143), None));
        assert_eq!(h("2001:db8::1"), ("2001:db8::1".into(), None, None));
        assert_eq!(h("(imap.x.example)."), ("imap.x.example".into(), None, None));
    }

    #[test]
    fn an_internationalised_server_connects_by_its_ascii_name_and_keeps_its_spelling() {
        let v = host("IMAP.Müller.de:993");
        assert_eq!(v.name, "imap.xn--mller-kva.de");
        assert_eq!(v.display.as_deref(), Some("imap.müller.de"));
        assert_eq!(v.port, Some(993));
        assert!(v.name.is_ascii());
        let mut mb = MailboxRequest::default();
        apply(
            &mut mb,
            Field::Host,
            "imaps://mail.bäckerei.example",
            None,
            &mut Vec::new(),
        );
        assert_eq!(mb.source_host.as_deref(), Some("mail.xn--bckerei-5wa.example"));
        assert_eq!(mb.source_host_display.as_deref(), Some("mail.bäckerei.example"));
        assert_eq!(mb.source_security, Some(Security::Tls));
    }

    #[test]
    fn addresses_and_security() {
        assert_eq!(address("Anna <Anna@X.example>"), "anna@x.example");
        assert_eq!(address("mailto:anna@x.example"), "anna@x.example");
        assert_eq!(security("SSL/TLS"), Some(Security::Tls));
        assert_eq!(security("STARTTLS"), Some(Security::Starttls));
        assert_eq!(security("keine"), Some(Security::Plain));
        assert_eq!(security("maybe"), None);
    }
}
