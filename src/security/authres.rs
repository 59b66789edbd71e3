//! `Authentication-Results` (RFC 8601), read by hand: who vouches for a mail's sender.
//!
//! Only the topmost `Authentication-Results` header counts (our own MX adds it above every
//! other header), and only when its authserv-id is the one configured for our MX; anything
//! below it may have been written by the sender. A sender is verified by `dmarc=pass`, or by
//! `dkim=pass` whose signing domain (`header.d`) is aligned with the From domain.
//!
//! Why our own code rather than a crate: the Rust mail-authentication crates we looked at
//! verify DKIM, SPF and DMARC themselves and write this header; none reads one. We only read
//! the verdict our own MX wrote, and what matters is which header is trusted (the topmost, from
//! our authserv-id) and how alignment is judged: policy no parser decides for us. The grammar
//! we need (RFC 8601's comments, quoted strings, `ptype.property=value`) is small and tested
//! here.

use crate::mailhead::MailHead;

/// One result of one method, e.g. `dkim=pass header.d=example.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// The method, lower case (`dkim`, `dmarc`, `spf`, …), without its version.
    pub method: String,
    /// The result, lower case (`pass`, `fail`, `none`, …).
    pub result: String,
    /// The properties (`header.d`, `header.from`, …) with their values, keys in lower case.
    pub props: Vec<(String, String)>,
}

impl MethodResult {
    /// The value of a property such as `header.d`.
    pub fn prop(&self, key: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// One parsed `Authentication-Results` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// Who added it (our MX, when it is to be believed), as written.
    pub authserv_id: String,
    /// The results, in the order given.
    pub results: Vec<MethodResult>,
}

/// Whether a mail's sender is verified, and in words why (for staff's event log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Acted on: the reason (e.g. "dmarc=pass").
    Verified(String),
    /// Not acted on: the reason (e.g. "no Authentication-Results from mx.new.example").
    Unverified(String),
}

impl Verdict {
    /// True when the sender is verified.
    pub fn is_verified(&self) -> bool {
        matches!(self, Verdict::Verified(_))
    }

    /// The reason in words.
    pub fn reason(&self) -> &str {
        match self {
            Verdict::Verified(r) | Verdict::Unverified(r) => r,
        }
    }
}

/// Decides whether the sender `from_domain` of the raw mail is verified by our MX (one of
/// `authserv_ids`): only the topmost `Authentication-Results` header is read.
pub fn verify(raw: &[u8], from_domain: &str, authserv_ids: &[String]) -> Verdict {
    verify_head(&MailHead::read(raw), from_domain, authserv_ids)
}

/// [`verify`] on a header already read.
pub fn verify_head(head: &MailHead, from_domain: &str, authserv_ids: &[String]) -> Verdict {
    let Some(value) = head.first("authentication-results") else {
        return Verdict::Unverified("no Authentication-Results header".into());
    };
    let Some(ar) = parse(value) else {
        return Verdict::Unverified("the topmost Authentication-Results header cannot be read".into());
    };
    if !authserv_ids.iter().any(|id| id.eq_ignore_ascii_case(&ar.authserv_id)) {
        return Verdict::Unverified(format!(
            "the topmost Authentication-Results header is from {:?}, not from our MX ({})",
            ar.authserv_id,
            authserv_ids.join(", ")
        ));
    }
    judge(&ar, from_domain)
}

/// The verdict on one header already known to be our MX's.
pub fn judge(ar: &AuthResults, from_domain: &str) -> Verdict {
    let from_domain = from_domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if from_domain.is_empty() {
        return Verdict::Unverified("the mail has no From domain".into());
    }
    for r in &ar.results {
        if r.method == "dmarc" && r.result == "pass" {
            // header.from, when given, must be the From domain we read.
            match r.prop("header.from") {
                Some(d) if !same_domain(d, &from_domain) => continue,
                _ => return Verdict::Verified("dmarc=pass".into()),
            }
        }
    }
    for r in &ar.results {
        if r.method == "dkim" && r.result == "pass" {
            let signer = r.prop("header.d").map(str::to_string).or_else(|| {
                r.prop("header.i")
                    .and_then(|i| i.rsplit_once('@'))
                    .map(|(_, d)| d.to_string())
            });
            if let Some(d) = signer {
                if aligned(&d, &from_domain) {
                    return Verdict::Verified(format!("dkim=pass, signed by {d}"));
                }
            }
        }
    }
    let seen: Vec<String> = ar
        .results
        .iter()
        .map(|r| match r.prop("header.d") {
            Some(d) => format!("{}={} ({d})", r.method, r.result),
            None => format!("{}={}", r.method, r.result),
        })
        .collect();
    Verdict::Unverified(format!(
        "no dmarc=pass and no dkim=pass aligned with {from_domain} (our MX says: {})",
        if seen.is_empty() {
            "none".to_string()
        } else {
            seen.join(", ")
        }
    ))
}

/// Relaxed alignment: equal domains, or one a subdomain of the other (so both are under the
/// same organisational domain). Without a public-suffix list, a signer can only align with a
/// domain it is a parent or child of, which a stranger's domain never is.
pub fn aligned(signer: &str, from_domain: &str) -> bool {
    let a = signer.trim().trim_end_matches('.').to_ascii_lowercase();
    let b = from_domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if a.is_empty() || b.is_empty() || !a.contains('.') || !b.contains('.') {
        return false;
    }
    a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
}

fn same_domain(a: &str, b: &str) -> bool {
    a.trim()
        .trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim().trim_end_matches('.'))
}

/// The unfolded value of the first header called `name`, in the mail's header (see
/// [`MailHead`]).
pub fn topmost_header(raw: &[u8], name: &str) -> Option<String> {
    MailHead::read(raw).first(name).map(str::to_string)
}

/// The header section of a raw mail (up to the first empty line).
pub use crate::mailhead::header_block;

/// Parses one header value; None when it does not even have an authserv-id.
pub fn parse(value: &str) -> Option<AuthResults> {
    let segments = split_segments(value)?;
    let mut iter = segments.into_iter();
    let first = iter.next()?;
    let id_pairs = words(&first);
    let authserv_id = id_pairs.first()?.clone();
    let mut results = Vec::new();
    for seg in iter {
        if let Some(r) = parse_resinfo(&seg) {
            results.push(r);
        }
    }
    Some(AuthResults {
        authserv_id: unquote(&authserv_id),
        results,
    })
}

/// Removes comments (nested, with `\` escapes) and splits on `;`, both outside quoted strings.
/// None when a quote or comment is never closed.
fn split_segments(value: &str) -> Option<Vec<String>> {
    let mut segments = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if quoted {
            cur.push(c);
            match c {
                '\\' => cur.push(chars.next()?),
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        if depth > 0 {
            match c {
                '\\' => {
                    chars.next()?;
                }
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            continue;
        }
        match c {
            '(' => {
                depth = 1;
                cur.push(' ');
            }
            '"' => {
                quoted = true;
                cur.push(c);
            }
            ';' => segments.push(std::mem::take(&mut cur)),
            '\r' | '\n' | '\t' => cur.push(' '),
            _ => cur.push(c),
        }
    }
    if quoted || depth > 0 {
        return None;
    }
    segments.push(cur);
    Some(segments)
}

/// The whitespace-separated words of a segment, a quoted string counting as one word.
fn words(seg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = seg.chars();
    while let Some(c) = chars.next() {
        if quoted {
            cur.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            } else if c == '"' {
                quoted = false;
            }
        } else if c == ' ' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            if c == '"' {
                quoted = true;
            }
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `method[/version] = result  [reason = value]  ptype.property = value …`; spaces around `=`
/// are allowed. None when the first pair is not a method and result.
fn parse_resinfo(seg: &str) -> Option<MethodResult> {
    let pairs = key_values(seg)?;
    let mut iter = pairs.into_iter();
    let (method, result) = iter.next()?;
    let method = method.split('/').next().unwrap_or("").trim().to_ascii_lowercase();
    if method.is_empty() || result.is_empty() {
        return None;
    }
    Some(MethodResult {
        method,
        result: result.to_ascii_lowercase(),
        props: iter.map(|(k, v)| (k.to_ascii_lowercase(), v)).collect(),
    })
}

/// Reads `key = value` pairs; a value runs to the next space, or is a quoted string.
fn key_values(seg: &str) -> Option<Vec<(String, String)>> {
    let chars: Vec<char> = seg.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i] == ' ' {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && chars[i] != ' ' && chars[i] != '=' {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        skip_ws(&mut i);
        if i < chars.len() && chars[i] == '/' {
            // A method's version: `dkim / 1 = pass`.
            i += 1;
            skip_ws(&mut i);
            while i < chars.len() && chars[i] != ' ' && chars[i] != '=' {
                i += 1;
            }
            skip_ws(&mut i);
        }
        if i >= chars.len() || chars[i] != '=' || key.is_empty() {
            return None;
        }
        i += 1;
        skip_ws(&mut i);
        let value = if i < chars.len() && chars[i] == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            unquote(&chars[start..i].iter().collect::<String>())
        } else {
            let start = i;
            while i < chars.len() && chars[i] != ' ' {
                i += 1;
            }
            chars[start..i].iter().collect()
        };
        out.push((key, value));
    }
    Some(out)
}

fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MX_ID: &str = "mx.new.example";

    fn verify(raw: &[u8], from_domain: &str, id: &str) -> Verdict {
        super::verify(raw, from_domain, &[id.to_string()])
    }

    fn mail(headers: &str) -> Vec<u8> {
        format!("{headers}From: Anna <anna@customer.example>\r\nTo: support@new.example\r\nSubject: move\r\n\r\nE-mail: anna@customer.example\r\n").into_bytes()
    }

    #[test]
    fn opendmarc_behind_postfix_passes() {
        let raw = mail(
            "Authentication-Results: mx.new.example; dmarc=pass (p=reject dis=none)\r\n header.from=customer.example\r\n\
             Authentication-Results: mx.new.example;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=customer.example\r\n\
             \theader.i=@customer.example header.a=rsa-sha256 header.s=s2024 header.b=Ab/Cd+e=\r\n\
             Received: from mail.customer.example (mail.customer.example [203.0.113.5])\r\n",
        );
        assert_eq!(
            verify(&raw, "customer.example", MX_ID),
            Verdict::Verified("dmarc=pass".into())
        );
    }

    #[test]
    fn rspamd_style_with_aligned_dkim_passes() {
        let raw = mail(
            "Authentication-Results: mx.new.example;\r\n\tdkim=pass header.d=mail.customer.example header.s=dkim header.b=\"kX9+/a==\";\r\n\
             \tspf=pass (mx.new.example: domain of anna@customer.example designates 203.0.113.5 as permitted sender) smtp.mailfrom=anna@customer.example;\r\n\
             \tdmarc=none\r\n",
        );
        let v = verify(&raw, "customer.example", MX_ID);
        assert!(v.is_verified(), "{v:?}");
        assert!(v.reason().contains("mail.customer.example"), "{v:?}");
    }

    #[test]
    fn version_quoted_id_and_spaces_around_equals_are_read() {
        let ar =
            parse("\"mx.new.example\" 1 ; dkim / 1 = pass reason = \"good; sig\" header.d = customer.example").unwrap();
        assert_eq!(ar.authserv_id, MX_ID);
        assert_eq!(ar.results.len(), 1);
        assert_eq!(ar.results[0].method, "dkim");
        assert_eq!(ar.results[0].result, "pass");
        assert_eq!(ar.results[0].prop("reason"), Some("good; sig"));
        assert_eq!(ar.results[0].prop("header.d"), Some("customer.example"));
        let none = parse("mx.new.example 1; none").unwrap();
        assert!(none.results.is_empty());
        assert!(!judge(&none, "customer.example").is_verified());
    }

    #[test]
    fn comments_may_hide_anything() {
        // A comment holding "dmarc=pass" and a semicolon must not count.
        let raw = mail(
            "Authentication-Results: mx.new.example (dmarc=pass; (nested) dkim=pass header.d=customer.example);\r\n dmarc=fail header.from=customer.example\r\n",
        );
        assert!(!verify(&raw, "customer.example", MX_ID).is_verified());
    }

    #[test]
    fn a_header_added_by_the_sender_below_ours_is_ignored() {
        let raw = mail(
            "Authentication-Results: mx.new.example; dkim=none; dmarc=fail (p=none) header.from=customer.example\r\n\
             Authentication-Results: mx.new.example; dmarc=pass header.from=customer.example\r\n",
        );
        let v = verify(&raw, "customer.example", MX_ID);
        assert!(!v.is_verified(), "{v:?}");
        assert!(v.reason().contains("dmarc=fail"), "{v:?}");
    }

    #[test]
    fn a_forged_header_with_no_header_from_our_mx_is_not_believed() {
        // Our MX added none (e.g. a path around the filter): the sender's own, with our id, is
        // the topmost. The MX must strip such headers (SECURITY.md); here the sender's header
        // names another authserv-id, which is all the test can show about the id check.
        let raw = mail("Authentication-Results: mx.evil.example; dmarc=pass header.from=customer.example\r\n");
        let v = verify(&raw, "customer.example", MX_ID);
        assert!(!v.is_verified());
        assert!(v.reason().contains("mx.evil.example"), "{v:?}");
        assert!(!verify(&mail(""), "customer.example", MX_ID).is_verified());
        // ARC's header of a similar name is not ours.
        let arc = mail("ARC-Authentication-Results: i=1; mx.new.example; dmarc=pass header.from=customer.example\r\n");
        assert!(!verify(&arc, "customer.example", MX_ID).is_verified());
    }

    #[test]
    fn dkim_pass_for_an_unrelated_domain_is_not_enough() {
        for d in [
            "evil.example",
            "customer.example.evil.example",
            "example",
            "tomer.example",
        ] {
            let raw = mail(&format!(
                "Authentication-Results: mx.new.example; dkim=pass header.d={d}; spf=pass smtp.mailfrom=customer.example\r\n"
            ));
            assert!(
                !verify(&raw, "customer.example", MX_ID).is_verified(),
                "{d} must not align"
            );
        }
        let raw = mail("Authentication-Results: mx.new.example; dmarc=pass header.from=evil.example\r\n");
        assert!(!verify(&raw, "customer.example", MX_ID).is_verified());
        let raw = mail("Authentication-Results: mx.new.example; dkim=fail header.d=customer.example\r\n");
        assert!(!verify(&raw, "customer.example", MX_ID).is_verified());
    }

    #[test]
    fn any_of_several_mx_ids_is_ours() {
        let raw = mail("Authentication-Results: MX2.new.example; dmarc=pass header.from=customer.example\r\n");
        let ids = ["mx1.new.example".to_string(), "mx2.new.example".to_string()];
        assert!(super::verify(&raw, "customer.example", &ids).is_verified());
        assert!(!super::verify(&raw, "customer.example", &ids[..1]).is_verified());
        assert!(!super::verify(&raw, "customer.example", &[]).is_verified());
    }

    #[test]
    fn alignment_is_relaxed_within_one_domain() {
        assert!(aligned("customer.example", "customer.example"));
        assert!(aligned("Mail.Customer.Example.", "customer.example"));
        assert!(aligned("customer.example", "eu.customer.example"));
        assert!(!aligned("example", "customer.example"));
        assert!(!aligned("xcustomer.example", "customer.example"));
        assert!(!aligned("", "customer.example"));
    }

    #[test]
    fn unclosed_quotes_or_comments_are_unreadable() {
        assert!(parse("mx.new.example; dmarc=pass (oops").is_none());
        assert!(parse("mx.new.example; dkim=pass header.b=\"abc").is_none());
        let raw = mail("Authentication-Results: mx.new.example; dmarc=pass (oops\r\n");
        assert!(!verify(&raw, "customer.example", MX_ID).is_verified());
    }
}
