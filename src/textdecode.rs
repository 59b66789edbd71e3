//! Bytes of a customer's text file (CSV, vCard, iCalendar, a pasted list) → text.
//!
//! One decoder for intake (which counts and reads the files) and the importer (which stores
//! them), so both see the same characters: UTF-8 with or without BOM, UTF-16 LE/BE with a BOM
//! or recognised by its zero bytes (Excel's "Unicode text", Outlook's vCard export), else
//! Windows-1252 as old Outlook and Windows address books write it. Pure; it never fails (every
//! byte sequence gives some text) and never guesses beyond these four charsets.

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
    match utf16_without_bom(data) {
        Some(Endian::Little) => return utf16(data, u16::from_le_bytes),
        Some(Endian::Big) => return utf16(data, u16::from_be_bytes),
        None => {}
    }
    match std::str::from_utf8(data) {
        Ok(s) => s.to_string(),
        Err(_) => data.iter().map(|&b| windows_1252(b)).collect(),
    }
}

enum Endian {
    Little,
    Big,
}

/// UTF-16 without a BOM: text of mostly ASCII letters has a zero byte in every pair, at the
/// odd positions (little-endian) or the even ones (big-endian). Looks at the first 512 bytes.
fn utf16_without_bom(data: &[u8]) -> Option<Endian> {
    let head = &data[..data.len().min(512)];
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let zero_odd = head.chunks_exact(2).filter(|c| c[1] == 0 && c[0] != 0).count();
    let zero_even = head.chunks_exact(2).filter(|c| c[0] == 0 && c[1] != 0).count();
    if zero_odd * 10 >= pairs * 7 && zero_even == 0 {
        Some(Endian::Little)
    } else if zero_even * 10 >= pairs * 7 && zero_odd == 0 {
        Some(Endian::Big)
    } else {
        None
    }
}

fn utf16(data: &[u8], f: fn([u8; 2]) -> u16) -> String {
    let units: Vec<u16> = data.chunks_exact(2).map(|c| f([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}

/// One Windows-1252 byte as a character (the five undefined bytes keep their C1 code point).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFa;b"), "a;b");
        assert_eq!(decode_text(b"\xFF\xFEa\0;\0"), "a;");
        assert_eq!(decode_text(b"\xFE\xFF\0a\0;"), "a;");
        assert_eq!(decode_text(b"M\xFCller \x80"), "Müller €");
        assert_eq!(decode_text("Müller".as_bytes()), "Müller");
    }

    #[test]
    fn utf16_vcard_without_bom_is_read() {
        let le: Vec<u8> = "BEGIN:VCARD\r\nFN:Zoë\r\nEND:VCARD\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode_text(&le), "BEGIN:VCARD\r\nFN:Zoë\r\nEND:VCARD\r\n");
        let be: Vec<u8> = "email;password\r\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode_text(&be), "email;password\r\n");
    }
}
