//! The header section of a raw mail, read once when the mail arrives and shared by everyone who
//! looks at headers before or beside intake: the loop-header scan, the Authentication-Results
//! check, the redacted note of a deleted request and the inbox's note tag.
//!
//! Pure and bounded: it reads up to the first empty line and never the body. It never decides
//! anything about the mail; it only hands out header values (unfolded, as sent).

/// The header section of one mail, with its fields in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailHead {
    block: Vec<u8>,
    /// (name in lower case, unfolded value), in the order of the mail.
    fields: Vec<(String, String)>,
}

impl MailHead {
    /// Reads the header section of `raw` (the whole mail, or only its header).
    pub fn read(raw: &[u8]) -> MailHead {
        let block = header_block(raw);
        let text = String::from_utf8_lossy(block);
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut folding = false;
        for line in text.split('\n') {
            let line = line.trim_end_matches('\r');
            if line.starts_with([' ', '\t']) {
                if let (true, Some((_, v))) = (folding, fields.last_mut()) {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                continue;
            }
            folding = false;
            if let Some((n, v)) = line.split_once(':') {
                fields.push((n.trim_end().to_ascii_lowercase(), v.trim().to_string()));
                folding = true;
            }
        }
        MailHead {
            block: block.to_vec(),
            fields,
        }
    }

    /// The header section as it came (up to the first empty line).
    pub fn block(&self) -> &[u8] {
        &self.block
    }

    /// The unfolded value of the first (topmost) field called `name` (any case).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True when a field called `name` is there.
    pub fn has(&self, name: &str) -> bool {
        self.first(name).is_some()
    }
}

/// The header section of a raw mail (up to the first empty line).
pub fn header_block(raw: &[u8]) -> &[u8] {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = raw.windows(2).position(|w| w == b"\n\n");
    let end = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => raw.len(),
    };
    &raw[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_topmost_field_is_unfolded_and_the_body_never_read() {
        let raw = b"Received: x\r\nAuthentication-Results: mx.new.example;\r\n\tspf=pass\r\n\
                    authentication-results: forged; spf=pass\r\nX-Mailferry-Loop: 1\r\n\r\nFrom: not a header\r\n";
        let h = MailHead::read(raw);
        assert_eq!(h.first("authentication-results"), Some("mx.new.example; spf=pass"));
        assert!(h.has("X-Mailferry-Loop"));
        assert!(!h.has("from"), "the body is not the header");
        assert!(h.block().ends_with(b"X-Mailferry-Loop: 1"));
        assert_eq!(MailHead::read(b"Subject: a\n\nbody").first("subject"), Some("a"));
    }
}
