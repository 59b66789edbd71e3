//! A refused server certificate in words: the one wording used by the engine, the probe, the
//! inbox and the CLI. Never a Debug dump of the TLS library's error.

/// The server's TLS certificate failed the check (expired, unknown issuer, wrong name, …):
/// trying again will not help until someone fixes it. Find it with
/// `err.downcast_ref::<CertificateRefused>()`; the text is a sentence for people.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CertificateRefused(pub String);

/// What is wrong with a refused certificate, as the end of "the certificate of imap.x …" (a
/// predicate: "has expired", "is made for another name than imap.x"); None when the TLS
/// error is not about the certificate.
pub fn problem(e: &rustls::Error, host: &str) -> Option<String> {
    match e {
        rustls::Error::InvalidCertificate(c) => Some(words(c, host)),
        rustls::Error::NoCertificatesPresented => Some("is missing (the server sent none)".into()),
        _ => None,
    }
}

/// A certificate error as a predicate about the certificate of `host`.
pub fn words(e: &rustls::CertificateError, host: &str) -> String {
    use rustls::CertificateError as C;
    match e {
        C::UnknownIssuer => {
            "is not signed by an authority we trust (it may be self-signed or from a private authority)".into()
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => format!("is made for another name than {host}"),
        C::Expired | C::ExpiredContext { .. } => "has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "is not valid yet (its start date is in the future)".into(),
        C::Revoked => "has been revoked by its authority".into(),
        C::BadSignature | C::UnsupportedSignatureAlgorithmContext { .. } => {
            "carries a signature we cannot verify".into()
        }
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => "is not made for a server".into(),
        C::BadEncoding => "is damaged (it cannot be read)".into(),
        C::Other(o) if o.to_string().contains("CaUsedAsEndEntity") => {
            "is a certificate authority's own certificate, not one made for the server".into()
        }
        C::Other(o) if o.to_string().contains("EndEntityUsedAsCa") => {
            "is signed by a server's certificate instead of a certificate authority".into()
        }
        _ => "was refused by our certificate check".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::words;
    use rustls::{CertificateError, OtherError};
    use std::sync::Arc;

    #[derive(Debug)]
    struct Webpki(&'static str);
    impl std::fmt::Display for Webpki {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Webpki {}

    #[test]
    fn a_ca_used_as_end_entity_is_a_sentence_not_a_debug_dump() {
        let e = CertificateError::Other(OtherError(Arc::new(Webpki("CaUsedAsEndEntity"))));
        let w = words(&e, "h");
        assert!(w.contains("certificate authority"), "{w}");
        assert!(!w.contains("OtherError") && !w.contains("CaUsedAsEndEntity"), "{w}");
    }

    #[test]
    fn certificate_errors_are_words() {
        let w = words(&CertificateError::UnknownIssuer, "imap.x.example");
        assert!(
            w.contains("not signed by an authority we trust") && w.contains("self-signed"),
            "{w}"
        );
        let w = words(&CertificateError::NotValidForName, "imap.x.example");
        assert!(w.contains("another name than imap.x.example"), "{w}");
        assert_eq!(words(&CertificateError::Expired, "h"), "has expired");
    }
}
