//! Bytes of an attached file → text: UTF-8 (with or without BOM), UTF-16 LE/BE with BOM,
//! else Windows-1252. Never fails: every byte sequence gives some text.

/// Decodes a text file whose charset nobody declared reliably.
pub fn decode_text(data: &[u8]) -> String {
    if let Some(rest) = data.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if let Some(rest) = data.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = data.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    match std::str::from_utf8(data) {
        Ok(s) => s.to_string(),
        Err(_) => mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252")
            .map(|d| d(data))
            .unwrap_or_else(|| String::from_utf8_lossy(data).into_owned()),
    }
}

fn utf16(data: &[u8], f: fn([u8; 2]) -> u16) -> String {
    let units: Vec<u16> = data.chunks_exact(2).map(|c| f([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFa;b"), "a;b");
        assert_eq!(decode_text(b"\xFF\xFEa\0;\0"), "a;");
        assert_eq!(decode_text(b"\xFE\xFF\0a\0;"), "a;");
        assert_eq!(decode_text(b"M\xFCller"), "Müller");
        assert_eq!(decode_text("Müller".as_bytes()), "Müller");
    }
}
