//! Folder names: modified UTF-7 (RFC 3501 5.1.3) both ways, hierarchy separators and
//! namespace prefixes, special-use mapping onto our folders. Pure code.
