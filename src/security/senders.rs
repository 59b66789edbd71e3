//! Which of our mailboxes a sender may ask for: by default only those of the sender's own
//! domain; staff and listed senders may ask for any.

use crate::config::{SenderPolicy, SendersConfig};
use crate::intake::FieldError;
use crate::security::authres::aligned;

/// The domain of an address, lower case ("" when there is none).
pub fn domain_of(addr: &str) -> String {
    addr.rsplit_once('@')
        .map(|(_, d)| d.trim().trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_default()
}

/// True when `sender` matches one of the `allowed` entries (`a@b.example` or `*@b.example`).
pub fn listed(allowed: &[String], sender: &str) -> bool {
    let sender = sender.trim().to_ascii_lowercase();
    let domain = domain_of(&sender);
    allowed.iter().any(|a| {
        let a = a.trim().to_ascii_lowercase();
        match a.strip_prefix("*@") {
            Some(d) => !domain.is_empty() && d == domain,
            None => a == sender,
        }
    })
}

/// The error for one requested destination mailbox, when `sender` may not ask for it
/// (`staff` senders may ask for any). `row` is the CSV row, None for the mail's text.
pub fn check_destination(
    cfg: &SendersConfig,
    sender: &str,
    staff: bool,
    destination: &str,
    row: Option<usize>,
) -> Option<FieldError> {
    if staff || cfg.policy == SenderPolicy::Any || listed(&cfg.allowed, sender) {
        return None;
    }
    let sender_domain = domain_of(sender);
    let dest_domain = domain_of(destination);
    if !sender_domain.is_empty() && aligned(&dest_domain, &sender_domain) {
        return None;
    }
    Some(FieldError {
        code: String::new(),
        values: Vec::new(),
        row,
        field: "destination".into(),
        message: format!(
            "destination mailbox {destination} is not in your domain {}; ask from an address of {dest_domain}, \
             or ask support staff",
            if sender_domain.is_empty() {
                "(none)"
            } else {
                &sender_domain
            }
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(policy: SenderPolicy, allowed: &[&str]) -> SendersConfig {
        SendersConfig {
            policy,
            allowed: allowed.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn same_domain_allows_own_and_sub_domains_only() {
        let c = cfg(SenderPolicy::SameDomain, &[]);
        assert!(check_destination(&c, "anna@customer.example", false, "bob@customer.example", None).is_none());
        assert!(check_destination(&c, "anna@eu.customer.example", false, "bob@customer.example", None).is_none());
        let e = check_destination(&c, "anna@customer.example", false, "x@other.example", Some(4)).unwrap();
        assert_eq!(e.row, Some(4));
        assert_eq!(e.field, "destination");
        assert!(
            e.message
                .contains("destination mailbox x@other.example is not in your domain customer.example"),
            "{}",
            e.message
        );
        assert!(check_destination(&c, "anna@xcustomer.example", false, "x@customer.example", None).is_some());
    }

    #[test]
    fn staff_listed_senders_and_policy_any_may_ask_for_any_mailbox() {
        let c = cfg(SenderPolicy::SameDomain, &["admin@agency.example", "*@partner.example"]);
        assert!(check_destination(&c, "staff@new.example", true, "x@other.example", None).is_none());
        assert!(check_destination(&c, "Admin@Agency.example", false, "x@other.example", None).is_none());
        assert!(check_destination(&c, "anyone@partner.example", false, "x@other.example", None).is_none());
        assert!(check_destination(&c, "else@agency.example", false, "x@other.example", None).is_some());
        assert!(check_destination(&c, "a@sub.partner.example", false, "x@other.example", None).is_some());
        let any = cfg(SenderPolicy::Any, &[]);
        assert!(check_destination(&any, "anna@customer.example", false, "x@other.example", None).is_none());
    }
}
