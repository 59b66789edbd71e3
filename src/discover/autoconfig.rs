//! Reading a domain's autoconfig file (Thunderbird's `config-v1.1.xml`): the first IMAP
//! `incomingServer` with TLS or STARTTLS, its `%EMAILDOMAIN%`-style placeholders filled in.
//!
//! Pure: text in, a server out. Never accepts a server without encryption (`socketType`
//! `plain`): a password must not cross the Internet in the clear because a file said so.

use crate::model::Security;
use quick_xml::events::Event;
use quick_xml::Reader;

/// The IMAP server an autoconfig file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapEntry {
    /// Host name.
    pub host: String,
    /// Port (the security's usual port when the file names none).
    pub port: u16,
    /// TLS or STARTTLS.
    pub security: Security,
}

/// Deepest nesting read before the file is refused.
const MAX_DEPTH: usize = 16;

/// The first usable IMAP server in `xml` for `address`; an error says why there is none.
pub fn imap_server(xml: &str, address: &str) -> Result<ImapEntry, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut depth = 0usize;
    // Inside an <incomingServer type="imap">: the current child and what it held so far.
    let mut in_imap = false;
    let mut child = String::new();
    let (mut host, mut port, mut socket) = (String::new(), String::new(), String::new());
    let mut seen_plain_only = false;
    loop {
        match reader.read_event() {
            Err(e) => return Err(format!("the autoconfig file is not well formed XML: {e}")),
            Ok(Event::Start(e)) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!("the autoconfig file nests deeper than {MAX_DEPTH} elements"));
                }
                let name = e.local_name();
                let local: &str = name.as_ref();
                if local == "incomingServer" {
                    in_imap = e
                        .attributes()
                        .flatten()
                        .any(|a| a.key.local_name().as_ref() == "type" && a.value.trim().eq_ignore_ascii_case("imap"));
                    host.clear();
                    port.clear();
                    socket.clear();
                } else if in_imap {
                    child = local.to_string();
                }
            }
            Ok(Event::Text(t)) if in_imap => {
                let text = t.xml10_content();
                match child.as_str() {
                    "hostname" => host.push_str(&text),
                    "port" => port.push_str(&text),
                    "socketType" => socket.push_str(&text),
                    _ => {}
                }
            }
            Ok(Event::End(e)) => {
                depth = depth.saturating_sub(1);
                let name = e.local_name();
                let local: &str = name.as_ref();
                if local == "incomingServer" && in_imap {
                    in_imap = false;
                    let security = match socket.trim().to_ascii_uppercase().as_str() {
                        "SSL" | "TLS" => Some(Security::Tls),
                        "STARTTLS" => Some(Security::Starttls),
                        _ => None,
                    };
                    let Some(security) = security else {
                        seen_plain_only = true;
                        continue;
                    };
                    let host = fill(host.trim(), address);
                    if !valid_host(&host) {
                        continue;
                    }
                    let port = match port.trim() {
                        "" => security.default_imap_port(),
                        p => match p.parse::<u16>() {
                            Ok(p) if p > 0 => p,
                            _ => continue,
                        },
                    };
                    return Ok(ImapEntry { host, port, security });
                } else if in_imap {
                    child.clear();
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
        }
    }
    if seen_plain_only {
        Err("the autoconfig file names IMAP only without encryption".into())
    } else {
        Err("the autoconfig file names no IMAP server".into())
    }
}

/// `%EMAILDOMAIN%`, `%EMAILLOCALPART%` and `%EMAILADDRESS%` in a host name, lower case.
fn fill(host: &str, address: &str) -> String {
    let (local, domain) = address.rsplit_once('@').unwrap_or(("", address));
    host.replace("%EMAILDOMAIN%", domain)
        .replace("%EMAILLOCALPART%", local)
        .replace("%EMAILADDRESS%", address)
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// A host name of letters, digits, dots and hyphens (no placeholder left, no URL, no spaces).
fn valid_host(host: &str) -> bool {
    !host.is_empty() && host.len() <= 253 && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="beta.example">
    <domain>beta.example</domain>
    <incomingServer type="pop3">
      <hostname>pop.beta.example</hostname><port>995</port><socketType>SSL</socketType>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.beta.example</hostname><port>143</port><socketType>plain</socketType>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>mail.%EMAILDOMAIN%</hostname>
      <port>10993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
  </emailProvider>
</clientConfig>"#;

    #[test]
    fn the_first_encrypted_imap_server_is_taken_with_its_placeholders_filled() {
        assert_eq!(
            imap_server(FILE, "anna@beta.example").unwrap(),
            ImapEntry {
                host: "mail.beta.example".into(),
                port: 10993,
                security: Security::Tls
            }
        );
    }

    #[test]
    fn starttls_and_a_missing_port_take_the_usual_port() {
        let xml = r#"<clientConfig><emailProvider><incomingServer type="IMAP">
            <hostname>imap.x.example</hostname><socketType>STARTTLS</socketType>
            </incomingServer></emailProvider></clientConfig>"#;
        let e = imap_server(xml, "a@x.example").unwrap();
        assert_eq!((e.port, e.security), (143, Security::Starttls));
    }

    #[test]
    fn plain_only_garbage_and_no_imap_are_refused_with_a_reason() {
        let plain = r#"<clientConfig><incomingServer type="imap"><hostname>imap.x</hostname>
            <socketType>plain</socketType></incomingServer></clientConfig>"#;
        assert!(imap_server(plain, "a@x").unwrap_err().contains("without encryption"));
        let pop = r#"<clientConfig><incomingServer type="pop3"><hostname>pop.x</hostname>
            <socketType>SSL</socketType></incomingServer></clientConfig>"#;
        assert!(imap_server(pop, "a@x").unwrap_err().contains("no IMAP server"));
        assert!(imap_server("<a><b></a>", "a@x").is_err());
        let odd = r#"<clientConfig><incomingServer type="imap"><hostname>http://evil/ x</hostname>
            <socketType>SSL</socketType></incomingServer></clientConfig>"#;
        assert!(
            imap_server(odd, "a@x").is_err(),
            "a host that is no host name is not taken"
        );
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert!(imap_server(&deep, "a@x").unwrap_err().contains("deeper"));
    }
}
