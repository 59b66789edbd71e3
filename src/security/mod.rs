//! Who is believed and who may do what: the sender's authentication by our MX
//! ([`authres`]), which mailboxes a sender may ask for ([`senders`]), how much mail is acted
//! on per hour ([`limits`]) and the note left in place of a request mail that carried
//! passwords ([`note`]). Pure code, no I/O; the daemon applies it.

pub mod authres;
pub mod limits;
pub mod note;
pub mod senders;

use crate::config::{Config, SenderPolicy};

/// The settings that weaken a protection (each fine on a test bed, not in production), in
/// words for `mailferry check` and the daemon's start-up log.
pub fn weakened(cfg: &Config) -> Vec<String> {
    let mut out = Vec::new();
    if !cfg.support.authentication.require {
        out.push(
            "support.authentication.require = false: requests and commands are acted on without a verified sender"
                .into(),
        );
    }
    if cfg.support.senders.policy == SenderPolicy::Any {
        out.push("support.senders.policy = \"any\": any sender may ask for any of our mailboxes".into());
    }
    if cfg.source.allow_private_addresses {
        out.push(
            "source.allow_private_addresses = true: requests may make mailferry connect into private networks".into(),
        );
    }
    if cfg.source.accept_invalid_certs {
        out.push("source.accept_invalid_certs = true: old servers' certificates are not checked".into());
    }
    if !cfg.support.expunge_requests {
        out.push("support.expunge_requests = false: request mails with passwords stay in the support mailbox".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, SenderPolicy};

    const EXAMPLE: &str = include_str!("../../mailferry.example.toml");

    fn without_table(text: &str, table: &str) -> String {
        let start = text.find(table).expect("table in the example");
        let end = text[start + 1..].find("\n[").map_or(text.len(), |e| start + 1 + e);
        format!("{}{}", &text[..start], &text[end..])
    }

    #[test]
    fn the_example_config_has_the_safe_defaults() {
        let cfg = Config::parse(EXAMPLE).unwrap();
        assert!(cfg.support.authentication.require);
        assert_eq!(
            cfg.support.authentication.authserv_id,
            vec!["mx.new.example".to_string()]
        );
        let two = EXAMPLE.replace(
            "authserv_id = \"mx.new.example\"",
            "authserv_id = [\"mx1.new.example\", \"mx2.new.example\"]",
        );
        assert_eq!(Config::parse(&two).unwrap().support.authentication.authserv_id.len(), 2);
        assert_eq!(cfg.support.senders.policy, SenderPolicy::SameDomain);
        assert!(cfg.support.expunge_requests);
        assert!(!cfg.source.allow_private_addresses);
        assert_eq!(cfg.limits.requests_per_sender_per_hour, 10);
        assert_eq!(cfg.limits.mails_per_thread_per_hour, 30);
    }

    #[test]
    fn the_example_weakens_nothing_and_a_test_bed_config_says_what_it_does() {
        assert!(super::weakened(&Config::parse(EXAMPLE).unwrap()).is_empty());
        let bed = EXAMPLE
            .replace("require = true", "require = false")
            .replace("allow_private_addresses = false", "allow_private_addresses = true");
        let w = super::weakened(&Config::parse(&bed).unwrap());
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("support.authentication.require = false"));
    }

    #[test]
    fn left_out_keys_default_to_the_safe_side() {
        let text = without_table(EXAMPLE, "[source]");
        let text = without_table(&text, "[support.senders]");
        let text = without_table(&text, "[limits]").replace("expunge_requests = true\n", "");
        let text = text.replace("require = true\n", "");
        let cfg = Config::parse(&text).unwrap();
        assert!(
            !cfg.source.allow_private_addresses,
            "private addresses are refused by default"
        );
        assert!(cfg.support.authentication.require);
        assert_eq!(cfg.support.senders.policy, SenderPolicy::SameDomain);
        assert!(cfg.support.expunge_requests);
        assert_eq!(cfg.limits.requests_per_sender_per_hour, 10);
    }

    #[test]
    fn authentication_without_our_mx_id_is_refused_with_the_fix() {
        let text = without_table(EXAMPLE, "[support.authentication]");
        let err = format!("{:#}", Config::parse(&text).unwrap_err());
        assert!(err.contains("support.authentication.authserv_id"), "{err}");
        let off = text.replacen(
            "[support.imap]",
            "[support.authentication]\nrequire = false\n[support.imap]",
            1,
        );
        assert!(!Config::parse(&off).unwrap().support.authentication.require);
        let zero = EXAMPLE.replace("requests_per_sender_per_hour = 10", "requests_per_sender_per_hour = 0");
        assert!(format!("{:#}", Config::parse(&zero).unwrap_err()).contains("limits"));
    }

    #[test]
    fn too_many_attachments_are_answered_with_the_cap() {
        let mut rules = crate::rules::Rules::load(None).unwrap();
        assert_eq!(rules.policy.max_attachments, 100);
        rules.policy.max_attachments = 2;
        let mut raw = String::from(
            "From: anna@customer.example\r\nTo: support@new.example\r\nSubject: move\r\nMessage-ID: <a@c.example>\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nE-mail: anna@customer.example\r\nPassword: x\r\n",
        );
        for n in 0..3 {
            raw.push_str(&format!(
                "--b\r\nContent-Type: text/vcard\r\nContent-Disposition: attachment; filename=\"c{n}.vcf\"\r\n\r\n\
                 BEGIN:VCARD\r\nVERSION:3.0\r\nFN:C{n}\r\nEND:VCARD\r\n"
            ));
        }
        raw.push_str("--b--\r\n");
        let parsed = crate::intake::parse_mail(raw.as_bytes(), &rules);
        let parsed = crate::validate::with_offline_errors(parsed, &rules.policy, chrono::Utc::now());
        let e = parsed
            .errors
            .iter()
            .find(|e| e.field == "attachments")
            .expect("an error on the attachments");
        assert!(
            e.message.contains("3 attachments, more than the 2 allowed"),
            "{}",
            e.message
        );
    }
}
