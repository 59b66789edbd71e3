//! Thread and sender headers of a parsed mail, and the envelope the classifier reads.
//!
//! Never reads the body; never trusts Reply-To for anything but where replies go.

use super::MailMeta;
use crate::rules::classify::Envelope;
use mail_parser::{HeaderValue, Message, MimeHeaders};

/// Reads Message-ID, In-Reply-To, References, Subject, From and Reply-To.
pub fn meta(msg: &Message<'_>) -> MailMeta {
    let ids = |v: &HeaderValue<'_>| -> Vec<String> {
        match v {
            HeaderValue::Text(t) => vec![t.to_string()],
            HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
            _ => Vec::new(),
        }
    };
    let first_addr = |a: Option<&mail_parser::Address<'_>>| {
        a.and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|s| s.to_ascii_lowercase())
    };
    let from = first_addr(msg.from());
    let reply_to = first_addr(msg.reply_to()).or_else(|| from.clone());
    MailMeta {
        message_id: msg.message_id().map(str::to_string),
        in_reply_to: ids(msg.in_reply_to()).into_iter().next(),
        references: ids(msg.references()),
        subject: msg.subject().unwrap_or("").to_string(),
        from,
        reply_to,
    }
}

/// What the classifier needs: raw headers, the top-level content type, sender, subject.
pub fn envelope<'a>(msg: &'a Message<'a>, meta: &'a MailMeta) -> Envelope<'a> {
    let content_type = msg
        .content_type()
        .map(|c| {
            let mut s = format!("{}/{}", c.ctype(), c.subtype().unwrap_or(""));
            if let Some(r) = c.attribute("report-type") {
                s.push_str("; report-type=");
                s.push_str(r);
            }
            s
        })
        .unwrap_or_default();
    Envelope {
        headers: msg.headers_raw().collect(),
        content_type,
        from: meta.from.as_deref(),
        subject: &meta.subject,
    }
}
