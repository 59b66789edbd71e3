//! Sending composed replies through the SMTP server (lettre). Errors are classified by SMTP
//! class, not by text: a 4xx or a lost connection is worth retrying, a 5xx is final.

use super::layout;
use crate::config::{Config, Security};
use crate::model::OutgoingMail;
use anyhow::{Context, Result};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// The header that marks our own mail, so we never answer ourselves.
pub const LOOP_HEADER: &str = "X-Mailferry-Loop";

/// Why a send did not go through.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Try again later (4xx, connection trouble).
    #[error("temporary SMTP failure: {0}")]
    Transient(String),
    /// The server refused for good (5xx) or the message cannot be built.
    #[error("SMTP refused the message: {0}")]
    Permanent(String),
}

/// A connection pool to the configured SMTP server, with our From address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    loop_id: String,
}

impl Mailer {
    /// Builds the transport from the config (no connection is made yet).
    pub fn new(cfg: &Config) -> Result<Mailer> {
        let smtp = &cfg.smtp;
        let tls = match smtp.security {
            Security::Plain => Tls::None,
            Security::Starttls | Security::Tls => {
                let mut params = TlsParameters::builder(smtp.host.clone());
                if let Some(ca) = &cfg.tls.extra_ca_file {
                    let pem = std::fs::read(ca).with_context(|| format!("cannot read CA file {}", ca.display()))?;
                    params = params.add_root_certificate(Certificate::from_pem(&pem).context("tls.extra_ca_file")?);
                }
                let params = params.build_rustls().context("SMTP TLS settings")?;
                if smtp.security == Security::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(60)));
        if let Some(user) = &smtp.user {
            let password = smtp.password.resolve("smtp")?;
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_string()));
        }
        let from = Mailbox::new(
            Some(cfg.support.display_name.clone()),
            cfg.support.address.parse().context("support.address")?,
        );
        Ok(Mailer {
            transport: builder.build(),
            from,
            loop_id: cfg.support.address.clone(),
        })
    }

    /// Builds the RFC 5322 message for an outbox entry: multipart/alternative (text and HTML),
    /// inside multipart/mixed with the entry's files when it has any.
    pub fn build(&self, m: &OutgoingMail) -> Result<Message, SendError> {
        let bad = |what: &str, e: &dyn std::fmt::Display| SendError::Permanent(format!("{what}: {e}"));
        let mut b = Message::builder()
            .from(self.from.clone())
            .to(m.to.parse().map_err(|e| bad("recipient", &e))?)
            .subject(m.subject.clone())
            .message_id(Some(format!("<{}>", m.message_id)))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                m.auto_submitted.clone(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str(LOOP_HEADER),
                self.loop_id.clone(),
            ));
        // Staff notices about outages belong to no ticket (number 0).
        if m.ticket.0 != 0 {
            b = b.raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Mailferry-Ticket"),
                m.ticket.to_string(),
            ));
        }
        for cc in &m.cc {
            b = b.cc(cc.parse().map_err(|e| bad("staff address", &e))?);
        }
        if let Some(irt) = &m.in_reply_to {
            b = b.in_reply_to(format!("<{irt}>"));
        }
        if !m.references.is_empty() {
            let refs: Vec<String> = m.references.iter().map(|r| format!("<{r}>")).collect();
            b = b.references(refs.join(" "));
        }
        // The same lines twice: plain text for every client (72 columns, flowed) and HTML that
        // fits a phone (reply::layout).
        let flowed =
            ContentType::parse("text/plain; charset=utf-8; format=flowed").map_err(|e| bad("content type", &e))?;
        let lang = m.language.map(|l| l.code()).unwrap_or("en");
        let text = MultiPart::alternative()
            .singlepart(SinglePart::builder().header(flowed).body(layout::plain(&m.body)))
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(layout::html(&m.body, lang)),
            );
        if m.attachments.is_empty() {
            return b.multipart(text).map_err(|e| bad("building the reply", &e));
        }
        // A file with the reply (the CSV template): the text parts, then each file.
        let mut mixed = MultiPart::mixed().multipart(text);
        for a in &m.attachments {
            let kind = ContentType::parse(&format!("{}; charset=utf-8", a.content_type))
                .map_err(|e| bad("attachment type", &e))?;
            mixed = mixed.singlepart(Attachment::new(a.file.clone()).body(a.text.clone(), kind));
        }
        b.multipart(mixed).map_err(|e| bad("building the reply", &e))
    }

    /// Connects to the SMTP server and says NOOP, to check that replies can leave.
    pub async fn test(&self) -> Result<()> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => anyhow::bail!("the SMTP server did not answer NOOP"),
            Err(e) => Err(anyhow::anyhow!("{e}")),
        }
    }

    /// Sends one outbox entry.
    pub async fn send(&self, m: &OutgoingMail) -> Result<(), SendError> {
        let msg = self.build(m)?;
        match self.transport.send(msg).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MailAttachment, OutboxState, TicketId};
    use mail_parser::MimeHeaders;

    fn mailer() -> Mailer {
        let text = include_str!("../../mailferry.example.toml").replace(
            "user = \"support@new.example\"\npassword_env = \"MAILFERRY_SMTP_PASSWORD\"\n",
            "",
        );
        let cfg = Config::parse(&text).unwrap();
        Mailer::new(&cfg).unwrap()
    }

    fn entry(attachments: Vec<MailAttachment>) -> OutgoingMail {
        OutgoingMail {
            id: 1,
            ticket: TicketId(7),
            to: "tom@garage.example".into(),
            cc: Vec::new(),
            subject: "Re: move [MIG-000007]".into(),
            body: "Hello,\n\nplease fill in the template.".into(),
            message_id: "mig-000007.1.x@new.example".into(),
            in_reply_to: None,
            references: Vec::new(),
            auto_submitted: "auto-replied".into(),
            state: OutboxState::Pending,
            attempts: 0,
            next_try: chrono::Utc::now(),
            last_error: None,
            sent_at: None,
            in_flight: false,
            filed: false,
            language: None,
            attachments,
        }
    }

    #[test]
    fn a_reply_with_a_file_is_mixed_with_the_text_parts_first_and_one_without_stays_alternative() {
        let m = mailer();
        let plain = String::from_utf8(m.build(&entry(Vec::new())).unwrap().formatted()).unwrap();
        assert!(plain.contains("multipart/alternative") && !plain.contains("multipart/mixed"));
        let csv = MailAttachment {
            file: "template.csv".into(),
            content_type: "text/csv".into(),
            text: "email,password,server\r\nanna@example.com,Your-current-password,imap.old-provider.example\r\n"
                .into(),
        };
        let raw = m.build(&entry(vec![csv])).unwrap().formatted();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert!(
            parsed
                .content_type()
                .is_some_and(|c| c.c_subtype.as_deref() == Some("mixed")),
            "{}",
            String::from_utf8_lossy(&raw)
        );
        assert!(parsed
            .body_text(0)
            .is_some_and(|t| t.contains("please fill in the template")));
        assert!(parsed.body_html(0).is_some(), "the HTML part is still there");
        let files: Vec<_> = parsed.attachments().collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].attachment_name(), Some("template.csv"));
        assert!(String::from_utf8_lossy(files[0].contents()).contains("anna@example.com,Your-current-password"));
    }
}
