//! The attachments of a mail, as the bytes that were sent.
//!
//! mail-parser turns `text/*` attachments into a `String` (lossily, by the declared charset);
//! a CSV in UTF-16 or Windows-1252 would be damaged by that, so for those parts the bytes are
//! taken again from the raw message and only the transfer encoding is undone. Never guesses
//! a charset here (that is [`crate::textdecode`]'s job).

use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
use mail_parser::{Encoding, Message, MimeHeaders, PartType};

/// One attached file.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The file name given by the sender ("" when none).
    pub name: String,
    /// `type/subtype`, lower case.
    pub content_type: String,
    /// The file's bytes.
    pub data: Vec<u8>,
}

/// The attachments of `msg`, skipping attached mails.
pub fn attachments(msg: &Message<'_>) -> Vec<Attachment> {
    let raw = msg.raw_message();
    // Part offsets count from the start of the outermost mail; `raw` starts at this message's
    // first header (a mail attached to a mail starts further in).
    let base = msg.parts.first().map_or(0, |p| p.offset_header as usize);
    let mut out = Vec::new();
    for part in msg.attachments() {
        let data = match &part.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
            PartType::Text(_) | PartType::Html(_) => {
                let start = (part.offset_body as usize).saturating_sub(base);
                let end = (part.offset_end as usize).saturating_sub(base).min(raw.len());
                let body = raw.get(start..end).unwrap_or_default();
                match part.encoding {
                    Encoding::Base64 => base64_decode(body).unwrap_or_else(|| part.contents().to_vec()),
                    Encoding::QuotedPrintable => {
                        quoted_printable_decode(body).unwrap_or_else(|| part.contents().to_vec())
                    }
                    Encoding::None => body.to_vec(),
                }
            }
            PartType::Message(_) | PartType::Multipart(_) => continue,
        };
        let content_type = part
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")).to_lowercase())
            .unwrap_or_default();
        out.push(Attachment {
            name: part.attachment_name().unwrap_or("").to_string(),
            content_type,
            data,
        });
    }
    out
}
