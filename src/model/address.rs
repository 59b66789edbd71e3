//! The syntax of an e-mail address and of a DNS host name: plain checks on a string, with no
//! lookup. On the floor because intake (which must not depend on validation) tells a table
//! cell that is an address from one that is not, and validation checks every mailbox with the
//! same rule. Never resolves, never connects.

/// A plausible address: one "@", a non-empty local part, a host name with a dot.
pub fn is_address(a: &str) -> bool {
    match a.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= 64
                && !local.contains(char::is_whitespace)
                && !local.starts_with('.')
                && !local.ends_with('.')
                && !local.contains("..")
                && !domain.contains('@')
                && domain.contains('.')
                && is_host_name(domain)
        }
        None => false,
    }
}

/// A syntactically valid DNS host name (letters, digits, hyphens, dots; labels of 1-63).
pub fn is_host_name(h: &str) -> bool {
    let h = h.strip_suffix('.').unwrap_or(h);
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && h.rsplit('.')
            .next()
            .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()))
}
