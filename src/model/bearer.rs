//! How an OAuth 2.0 bearer token is presented to an IMAP server: the SASL mechanism and its
//! client response. Pure text; the token comes from the caller and goes back into the string.

/// The SASL mechanism a bearer token is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BearerMechanism {
    /// Google's and Microsoft's `XOAUTH2`.
    #[default]
    Xoauth2,
    /// RFC 7628's `OAUTHBEARER`.
    Oauthbearer,
}

impl BearerMechanism {
    /// The name after `AUTHENTICATE`.
    pub fn name(self) -> &'static str {
        match self {
            BearerMechanism::Xoauth2 => "XOAUTH2",
            BearerMechanism::Oauthbearer => "OAUTHBEARER",
        }
    }

    /// The client's first (and only) response, before base64: XOAUTH2's
    /// `user=…^Aauth=Bearer …^A^A`, or OAUTHBEARER's GS2 header and key-value pairs
    /// (`n,a=…,^Ahost=…^Aauth=Bearer …^A^A`, RFC 7628 section 3.1).
    pub fn initial_response(self, user: &str, host: &str, token: &str) -> String {
        match self {
            BearerMechanism::Xoauth2 => format!("user={user}\x01auth=Bearer {token}\x01\x01"),
            BearerMechanism::Oauthbearer => {
                // saslname: "," and "=" escaped as =2C and =3D (RFC 5801).
                let name = user.replace('=', "=3D").replace(',', "=2C");
                format!("n,a={name},\x01host={host}\x01auth=Bearer {token}\x01\x01")
            }
        }
    }
}
