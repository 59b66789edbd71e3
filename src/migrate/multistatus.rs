//! WebDAV `207 Multi-Status` answers (RFC 4918 §13) read as XML with namespaces (quick-xml):
//! each `response`'s `href` and the resource types of its successful `propstat`s, whatever
//! prefix the server gives the `DAV:` namespace (`D:`, `d:`, a default namespace, none at
//! all), with entities, character references and CDATA in the `href` resolved.
//!
//! It never trusts a name by its prefix, never reads an `href` nested in a property (a
//! principal's, an ACL's) as a member, and never panics: XML that is not well formed is an
//! error the caller turns into a sentence.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// The `DAV:` namespace.
pub const DAV: &str = "DAV:";
/// CardDAV's namespace (RFC 6352).
pub const CARDDAV: &str = "urn:ietf:params:xml:ns:carddav";
/// CalDAV's namespace (RFC 4791).
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";

/// Deepest element nesting read; a multistatus needs about eight levels.
const MAX_DEPTH: usize = 256;

/// One `response` of a multistatus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// Its `href` as the server wrote it (XML escapes resolved, still percent-encoded).
    pub href: String,
    /// The children of `resourcetype` in its 2xx `propstat`s, as (namespace, local name).
    pub resource_types: Vec<(String, String)>,
}

impl Entry {
    /// True when the resource type includes `{namespace}local`.
    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.resource_types.iter().any(|(ns, l)| ns == namespace && l == local)
    }

    /// True for a collection (`DAV:collection`, or an `href` ending in `/`).
    pub fn is_collection(&self) -> bool {
        self.is(DAV, "collection") || self.href.ends_with('/')
    }

    /// The last segment of the `href`'s path, percent-decoded (`x%40y.vcf` → `x@y.vcf`).
    pub fn name(&self) -> String {
        let path = self.href.trim_end_matches('/');
        crate::http::decode_percent(path.rsplit('/').next().unwrap_or(path))
    }
}

/// The `response`s of a multistatus body, in order.
pub fn parse(xml: &str) -> Result<Vec<Entry>, String> {
    let mut reader = NsReader::from_str(xml);
    // Elements open from the root down, as (namespace, local name); `None` for no namespace.
    let mut stack: Vec<(Option<String>, String)> = Vec::new();
    let mut entries = Vec::new();
    let mut entry = Entry::default();
    // The resource types of the propstat being read, and whether its status was 2xx.
    let mut types: Vec<(String, String)> = Vec::new();
    let mut status_ok = true;
    let mut status_text = String::new();
    let mut seen_multistatus = false;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("the XML is not well formed: {e}"))?;
        let ns = match ns {
            ResolveResult::Bound(n) => Some(n.0.to_string()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => return Err(format!("the XML uses the undeclared prefix {p:?}")),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let local = e.local_name().as_ref().to_string();
                let empty = matches!(event, Event::Empty(_));
                let in_dav = |depth: usize, name: &str, stack: &[(Option<String>, String)]| {
                    stack.len() == depth
                        && stack
                            .last()
                            .is_some_and(|(n, l)| n.as_deref() == Some(DAV) && l == name)
                };
                if stack.is_empty() {
                    if ns.as_deref() != Some(DAV) || local != "multistatus" {
                        return Err(format!("the root element is {local:?}, not DAV:multistatus"));
                    }
                    seen_multistatus = true;
                }
                if stack.len() == 5
                    && path_is(
                        &stack,
                        &["multistatus", "response", "propstat", "prop", "resourcetype"],
                        0,
                    )
                {
                    types.push((ns.clone().unwrap_or_default(), local.clone()));
                }
                let is_dav = ns.as_deref() == Some(DAV);
                if is_dav && local == "propstat" && in_dav(2, "response", &stack) {
                    types.clear();
                    status_ok = true;
                }
                if is_dav && local == "response" && stack.len() == 1 {
                    entry = Entry::default();
                }
                if !empty {
                    if stack.len() >= MAX_DEPTH {
                        return Err(format!("the XML nests deeper than {MAX_DEPTH} elements"));
                    }
                    stack.push((ns, local));
                    status_text.clear();
                } else if is_dav && local == "response" && stack.len() == 1 {
                    entries.push(std::mem::take(&mut entry));
                }
            }
            Event::End(_) => {
                let Some((n, local)) = stack.pop() else {
                    return Err("the XML closes an element it never opened".into());
                };
                if n.as_deref() != Some(DAV) {
                    continue;
                }
                match (stack.len(), local.as_str()) {
                    (1, "response") => entries.push(std::mem::take(&mut entry)),
                    (2, "href") => entry.href = entry.href.trim().to_string(),
                    (3, "status") if path_is(&stack, &["propstat"], 2) => {
                        // "HTTP/1.1 200 OK": the code is the second word.
                        status_ok = status_text
                            .split_whitespace()
                            .nth(1)
                            .is_some_and(|code| code.starts_with('2'));
                    }
                    (2, "propstat") => {
                        if status_ok {
                            entry.resource_types.append(&mut types);
                        }
                        types.clear();
                    }
                    _ => {}
                }
            }
            Event::Text(ref t) => text(&stack, &mut entry, &mut status_text, &t.xml10_content()),
            Event::CData(ref t) => text(&stack, &mut entry, &mut status_text, t),
            Event::GeneralRef(ref r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match resolve_predefined_entity(r) {
                        Some(s) => s.to_string(),
                        None => return Err(format!("the XML uses the unknown entity &{};", &**r)),
                    },
                    Err(e) => return Err(format!("the XML has a bad character reference: {e}")),
                };
                text(&stack, &mut entry, &mut status_text, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_multistatus {
        return Err("the answer holds no XML".into());
    }
    if !stack.is_empty() {
        return Err("the XML ends before its elements are closed".into());
    }
    Ok(entries)
}

/// True when the DAV: elements at `stack[from..]` are `names`, in order.
fn path_is(stack: &[(Option<String>, String)], names: &[&str], from: usize) -> bool {
    stack.len() >= from + names.len()
        && stack[from..from + names.len()]
            .iter()
            .zip(names)
            .all(|((n, l), want)| n.as_deref() == Some(DAV) && l == want)
}

/// Text inside the element on top of `stack`: a response's own `href`, or a propstat's
/// `status`.
fn text(stack: &[(Option<String>, String)], entry: &mut Entry, status: &mut String, s: &str) {
    if stack.len() == 3 && path_is(stack, &["multistatus", "response", "href"], 0) {
        entry.href.push_str(s);
    } else if stack.len() == 4 && path_is(stack, &["multistatus", "response", "propstat", "status"], 0) {
        status.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Radicale 3 answers to a PROPFIND Depth 1 of an address book.
    const RADICALE: &str = r#"<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><response><href>/anna%40new.example/contacts/</href><propstat><prop><resourcetype><CR:addressbook /><collection /></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response><response><href>/anna%40new.example/contacts/x%40google.com.vcf</href><propstat><prop><resourcetype /></prop><status>HTTP/1.1 200 OK</status></propstat></response><response><href>/anna%40new.example/contacts/J%C3%BCrgen%20M.vcf</href><propstat><prop><resourcetype /></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#;

    /// Nextcloud/SabreDAV: `d:` prefix, `card:` for CardDAV, pretty-printed, other props.
    const SABRE: &str = r#"<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:oc="http://owncloud.org/ns">
  <d:response>
    <d:href>/remote.php/dav/addressbooks/users/anna/contacts/</d:href>
    <d:propstat>
      <d:prop>
        <d:resourcetype>
          <d:collection/>
          <card:addressbook/>
        </d:resourcetype>
      </d:prop>
      <d:status>HTTP/1.1 200 OK</d:status>
    </d:propstat>
  </d:response>
  <d:response>
    <d:href>/remote.php/dav/addressbooks/users/anna/contacts/a%26b.vcf</d:href>
    <d:propstat>
      <d:prop><d:resourcetype/><d:getetag>&quot;1a2b&quot;</d:getetag></d:prop>
      <d:status>HTTP/1.1 200 OK</d:status>
    </d:propstat>
  </d:response>
</d:multistatus>"#;

    /// Apple-style: `D:` prefix, CalDAV, a 404 propstat for a property it lacks, an href
    /// written as a full URL with an entity, and an href inside a property that is not a member.
    const APPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<D:multistatus xmlns:D="DAV:">
 <D:response>
  <D:href>https://cal.example.com/calendars/anna/home/</D:href>
  <D:propstat>
   <D:prop>
    <D:resourcetype><D:collection/><C:calendar xmlns:C="urn:ietf:params:xml:ns:caldav"/></D:resourcetype>
    <D:current-user-principal><D:href>/principals/anna/</D:href></D:current-user-principal>
   </D:prop>
   <D:status>HTTP/1.1 200 OK</D:status>
  </D:propstat>
  <D:propstat>
   <D:prop><D:resourcetype><D:collection/><X:bogus xmlns:X="urn:x"/></D:resourcetype></D:prop>
   <D:status>HTTP/1.1 404 Not Found</D:status>
  </D:propstat>
 </D:response>
 <D:response>
  <D:href>https://cal.example.com/calendars/anna/home/Tom&amp;Jerry%201.ics</D:href>
  <D:propstat><D:prop><D:resourcetype/></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
 </D:response>
 <D:response>
  <D:href><![CDATA[/calendars/anna/home/cdata<1>.ics]]></D:href>
  <D:status>HTTP/1.1 200 OK</D:status>
 </D:response>
</D:multistatus>"#;

    fn members(xml: &str) -> Vec<String> {
        parse(xml)
            .unwrap()
            .into_iter()
            .filter(|e| !e.is_collection())
            .map(|e| e.name())
            .collect()
    }

    #[test]
    fn radicale_members_and_types() {
        let entries = parse(RADICALE).unwrap();
        assert_eq!(entries.len(), 3);
        assert!(entries[0].is(CARDDAV, "addressbook") && entries[0].is_collection());
        assert!(!entries[0].is(CALDAV, "calendar"));
        assert_eq!(members(RADICALE), ["x@google.com.vcf", "Jürgen M.vcf"]);
    }

    #[test]
    fn sabre_prefixes_and_whitespace() {
        let entries = parse(SABRE).unwrap();
        assert!(entries[0].is(CARDDAV, "addressbook"));
        assert_eq!(members(SABRE), ["a&b.vcf"]);
    }

    #[test]
    fn apple_full_urls_failed_propstats_and_nested_hrefs() {
        let entries = parse(APPLE).unwrap();
        assert_eq!(entries.len(), 3, "the principal's href is not a response");
        assert!(entries[0].is(CALDAV, "calendar"));
        assert!(!entries[0].is("urn:x", "bogus"), "a 404 propstat says nothing");
        assert_eq!(members(APPLE), ["Tom&Jerry 1.ics", "cdata<1>.ics"]);
    }

    #[test]
    fn names_are_judged_by_namespace_not_prefix() {
        // "D:" bound to something else is not DAV; an unprefixed calendar in no namespace is
        // not CalDAV's.
        let fake =
            r#"<D:multistatus xmlns:D="urn:not-dav"><D:response><D:href>/x.ics</D:href></D:response></D:multistatus>"#;
        assert!(parse(fake).is_err());
        let lookalike = r#"<multistatus xmlns="DAV:"><response><href>/c/</href><propstat><prop><resourcetype><calendar xmlns=""/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#;
        let e = parse(lookalike).unwrap();
        assert!(!e[0].is(CALDAV, "calendar"));
        let real = r#"<a:multistatus xmlns:a="DAV:" xmlns:b="urn:ietf:params:xml:ns:caldav"><a:response><a:href>/c/</a:href><a:propstat><a:prop><a:resourcetype><b:calendar/></a:resourcetype></a:prop></a:propstat></a:response></a:multistatus>"#;
        assert!(
            parse(real).unwrap()[0].is(CALDAV, "calendar"),
            "no status: taken as success"
        );
    }

    #[test]
    fn character_references_resolve() {
        let xml = r#"<multistatus xmlns="DAV:"><response><href>/a/&#x54;&#252;r.vcf</href></response></multistatus>"#;
        assert_eq!(members(xml), ["Tür.vcf"]);
    }

    #[test]
    fn broken_xml_is_an_error_not_a_panic() {
        for bad in [
            "",
            "not xml at all",
            "<html><body>502 Bad Gateway</body></html>",
            r#"<multistatus xmlns="DAV:"><response><href>/a</href></multistatus>"#,
            r#"<multistatus xmlns="DAV:"><response><href>/a</href></response>"#,
            r#"<multistatus xmlns="DAV:"><response><href>&bogus;</href></response></multistatus>"#,
            r#"<multistatus xmlns="DAV:"><response><href>&#xFFFFFFFF;</href></response></multistatus>"#,
            r#"<x:multistatus><x:response/></x:multistatus>"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = format!(r#"<multistatus xmlns="DAV:">{}"#, "<a>".repeat(MAX_DEPTH + 10));
        assert!(parse(&deep).unwrap_err().contains("deeper"));
        for n in 0..RADICALE.len() {
            if RADICALE.is_char_boundary(n) {
                let _ = parse(&RADICALE[..n]);
            }
        }
    }
}
