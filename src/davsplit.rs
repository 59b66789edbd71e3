//! Customers' `.vcf` and `.ics` files cut into DAV resources: one vCard per contact, one
//! iCalendar object per UID. Pure: no I/O, no clock that changes a UID.
//!
//! Shared by intake (which counts what a request's files hold) and the importer (which stores
//! them), so the count a customer is told and the number imported cannot disagree. It lives
//! outside `migrate` so that intake uses it without depending on the engine; it must never
//! grow I/O or engine state.
//!
//! Why each rule:
//! - A CardDAV address book holds one vCard per resource and a CalDAV calendar one UID per
//!   resource (RFC 6352 §5.1, RFC 4791 §4.1), so an export of many objects must be split.
//! - Every component sharing a UID (a recurring event and its overrides, RECURRENCE-ID) belongs
//!   to the same resource, with the VTIMEZONE components it references; a time zone referenced
//!   but not defined in the file (Outlook's `W. Europe Standard Time`, a bare IANA name) is
//!   written out by calcard from its own tables, so the server computes the right instants.
//! - The resource name comes from the UID, and a missing UID is made from the content (sha256),
//!   so importing the same file twice lands on the same names and never duplicates.
//! - vCard 2.1 (quoted-printable, `ENCODING=BASE64` photos) is written as vCard 3.0, which
//!   CardDAV servers must accept; 3.0 and 4.0 keep their version. `METHOD` is dropped from
//!   calendars (not allowed in a stored calendar object).
//!
//! It must never drop an object silently: whatever cannot become a resource is returned in
//! [`Split::unusable`] with a sentence saying why, and merges or replacements are in
//! [`Split::notes`].

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarProperty, ICalendarValue,
};
use calcard::vcard::{VCard, VCardEntry, VCardProperty, VCardValue, VCardVersion};
use calcard::{Entry, Parser};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Longest UID used as it is in a resource name; longer or unusual ones are hashed.
const MAX_NAME_UID: usize = 200;
/// Deepest component nesting copied (VCALENDAR > VEVENT > VALARM is 3; VTIMEZONE > STANDARD 3).
const MAX_DEPTH: usize = 16;
/// At most this many parser entries per file (a guard against pathological input).
const MAX_ENTRIES: usize = 1_000_000;

/// Contact or calendar object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectKind {
    /// A vCard, stored in the address book.
    Contact,
    /// An iCalendar object (events, tasks, journal entries sharing a UID), stored in the calendar.
    Calendar,
}

impl ObjectKind {
    /// The resource name's extension.
    pub fn extension(self) -> &'static str {
        match self {
            ObjectKind::Contact => "vcf",
            ObjectKind::Calendar => "ics",
        }
    }

    /// The media type of a resource.
    pub fn content_type(self) -> &'static str {
        match self {
            ObjectKind::Contact => "text/vcard; charset=utf-8",
            ObjectKind::Calendar => "text/calendar; charset=utf-8",
        }
    }
}

/// One resource to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavObject {
    /// Contact or calendar.
    pub kind: ObjectKind,
    /// The UID, from the file or made from the content.
    pub uid: String,
    /// True when the file had no UID and this one was made.
    pub uid_made: bool,
    /// What a person calls it: the contact's name, the event's summary.
    pub label: String,
    /// The resource name inside the collection, e.g. `abc@google.com.ics`.
    pub name: String,
    /// The resource's text (CRLF lines).
    pub body: String,
    /// Components in it: 1 for a contact or a single event, more for overrides.
    pub components: usize,
}

/// Something in a file that cannot become a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable {
    /// What it is, as far as it could be read.
    pub label: String,
    /// Why, one sentence.
    pub reason: String,
}

/// A file cut into resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    /// The resources, in the order of the file.
    pub objects: Vec<DavObject>,
    /// What could not become a resource.
    pub unusable: Vec<Unusable>,
    /// Merges, replacements and repairs worth telling the customer about.
    pub notes: Vec<String>,
}

impl Split {
    /// Objects found in the file: resources plus unusable ones.
    pub fn total(&self) -> usize {
        self.objects.len() + self.unusable.len()
    }
}

/// The file's text, decoded as intake decodes it (one decoder for both, see
/// [`crate::textdecode`]): UTF-8, UTF-16 (with or without BOM), else Windows-1252.
pub use crate::textdecode::decode_text;

/// Cuts a file (any mix of vCards and calendars) into resources.
pub fn split_file(bytes: &[u8]) -> Split {
    let text = decode_text(bytes);
    let mut parser = Parser::new(&text);
    let mut cards = Vec::new();
    let mut cals = Vec::new();
    let mut split = Split::default();
    let mut stray_lines = 0usize;
    // calcard reads a component cut off by the end of the file as if it were whole: a file whose
    // last line is not an END line lost the end of its last object.
    // A folded continuation line (leading space or tab) that happens to start with "END:" is
    // no END line.
    let cut_off = text
        .lines()
        .rev()
        .map(str::trim_end)
        .find(|l| !l.trim_start().is_empty())
        .is_some_and(|l| l.starts_with([' ', '\t']) || !l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("END:")));
    let mut last_is_card = false;
    for _ in 0..MAX_ENTRIES {
        match parser.entry() {
            Entry::VCard(card) => {
                cards.push(card);
                last_is_card = true;
            }
            Entry::ICalendar(cal) => {
                cals.push(cal);
                last_is_card = false;
            }
            Entry::InvalidLine(line) => {
                if !line.trim().is_empty() {
                    stray_lines += 1;
                }
            }
            Entry::UnexpectedComponentEnd { expected, found } => split.unusable.push(Unusable {
                label: format!("a {} component", expected.as_str()),
                reason: format!(
                    "it ends with END:{} where END:{} was expected; the file is damaged there",
                    found.as_str(),
                    expected.as_str()
                ),
            }),
            Entry::UnterminatedComponent(what) => split.unusable.push(Unusable {
                label: format!("a {what} component"),
                reason: format!("END:{what} is missing; the file may be cut off"),
            }),
            Entry::TooManyComponents => split.unusable.push(Unusable {
                label: "a calendar".into(),
                reason: "it holds more components than can be read at once".into(),
            }),
            Entry::Eof => break,
            // calcard may add kinds of entries; none of them is an object.
            _ => stray_lines += 1,
        }
    }
    if cut_off {
        if last_is_card {
            if let Some(card) = cards.pop() {
                split.unusable.push(Unusable {
                    label: contact_label(&card),
                    reason: "END:VCARD is missing; the file may be cut off".into(),
                });
            }
        } else if let Some(cal) = cals.last_mut() {
            if let Some(last) = drop_last_object(cal) {
                split.unusable.push(Unusable {
                    label: component_label(&last),
                    reason: format!(
                        "END:{} is missing; the file may be cut off",
                        last.component_type.as_str()
                    ),
                });
            }
        }
    }
    if stray_lines > 0 {
        split.notes.push(format!(
            "{stray_lines} line(s) outside any BEGIN/END block were ignored"
        ));
    }
    split_vcards_into(cards, &mut split);
    split_calendars_into(&cals, &mut split);
    split
}

/// The resource name for a UID: the UID itself when it is short and plain, else its hash.
pub fn resource_name(uid: &str, kind: ObjectKind) -> String {
    let plain = !uid.is_empty()
        && uid.len() <= MAX_NAME_UID
        && !uid.starts_with('.')
        && uid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@' | b'+' | b'='));
    if plain {
        format!("{uid}.{}", kind.extension())
    } else {
        format!("{}.{}", &hex_sha256(uid.as_bytes())[..40], kind.extension())
    }
}

fn hex_sha256(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

fn made_uid(normalized: &str) -> String {
    format!("mailferry-{}", &hex_sha256(normalized.as_bytes())[..32])
}

// ---------------------------------------------------------------------------------------------
// vCard

fn split_vcards_into(cards: Vec<VCard>, split: &mut Split) {
    let mut by_uid: BTreeMap<String, usize> = BTreeMap::new();
    for mut card in cards {
        // 2.x becomes 3.0 (what every CardDAV server takes); 3.0 and 4.0 stay.
        let version = match card.version() {
            Some(VCardVersion::V4_0) => VCardVersion::V4_0,
            _ => VCardVersion::V3_0,
        };
        let label = contact_label(&card);
        let uid = card.uid().map(str::trim).filter(|u| !u.is_empty()).map(str::to_string);
        card.entries.retain(|e| e.name != VCardProperty::Uid);
        // Quoted-printable line breaks (=0D=0A) are CRLF; a vCard 3.0/4.0 text has `\n` only.
        for value in card.entries.iter_mut().flat_map(|e| e.values.iter_mut()) {
            if let VCardValue::Text(t) = value {
                if t.contains('\r') {
                    *t = t.replace("\r\n", "\n").replace('\r', "\n");
                }
            }
        }
        let (uid, uid_made) = match uid {
            Some(u) => (u, false),
            None => (made_uid(&write_vcard(&card, version)), true),
        };
        card.entries
            .push(VCardEntry::new(VCardProperty::Uid).with_value(uid.clone()));
        let object = DavObject {
            kind: ObjectKind::Contact,
            name: resource_name(&uid, ObjectKind::Contact),
            body: write_vcard(&card, version),
            uid: uid.clone(),
            uid_made,
            label,
            components: 1,
        };
        match by_uid.get(&uid) {
            Some(&i) => {
                split.notes.push(format!(
                    "contact UID {uid} appears more than once; the later one (\u{201c}{}\u{201d}) was kept",
                    object.label
                ));
                split.objects[i] = object;
            }
            None => {
                by_uid.insert(uid, split.objects.len());
                split.objects.push(object);
            }
        }
    }
}

fn write_vcard(card: &VCard, version: VCardVersion) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = card.write_to(&mut out, version);
    out
}

fn contact_label(card: &VCard) -> String {
    let text = |p: VCardProperty| -> Option<String> {
        let e = card.property(&p)?;
        let parts: Vec<String> = e
            .values
            .iter()
            .flat_map(|v| match v {
                VCardValue::Component(c) => c.clone(),
                other => other.as_text().map(str::to_string).into_iter().collect(),
            })
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    };
    text(VCardProperty::Fn)
        .or_else(|| text(VCardProperty::N))
        .or_else(|| text(VCardProperty::Org))
        .or_else(|| text(VCardProperty::Email))
        .unwrap_or_else(|| "(contact without a name)".into())
}

// ---------------------------------------------------------------------------------------------
// iCalendar

/// Takes the last event, task or journal entry out of a calendar (a cut-off one).
fn drop_last_object(cal: &mut ICalendar) -> Option<ICalendarComponent> {
    let root = cal.components.first_mut()?;
    if root.component_type != ICalendarComponentType::VCalendar {
        return cal.components.first().cloned().inspect(|_| cal.components.clear());
    }
    let last = *root.component_ids.last()?;
    let comp = cal.components.get(last as usize)?.clone();
    if !matches!(
        comp.component_type,
        ICalendarComponentType::VEvent | ICalendarComponentType::VTodo | ICalendarComponentType::VJournal
    ) {
        return None;
    }
    cal.components[0].component_ids.pop();
    Some(comp)
}

/// Where a component lives: which parsed calendar, which component id.
type Ref = (usize, u32);

struct Group {
    uid: String,
    uid_made: bool,
    kind: ICalendarComponentType,
    members: Vec<Ref>,
}

fn split_calendars_into(cals: &[ICalendar], split: &mut Split) {
    let mut root_entries: Option<Vec<ICalendarEntry>> = None;
    let mut timezones: BTreeMap<String, Ref> = BTreeMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut by_uid: BTreeMap<String, usize> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();

    for (ci, cal) in cals.iter().enumerate() {
        let Some(root) = cal.components.first() else { continue };
        // A bare VEVENT at the top of a file is an object on its own; a VCALENDAR holds them.
        let tops: Vec<u32> = if root.component_type == ICalendarComponentType::VCalendar {
            if root_entries.is_none() {
                root_entries = Some(root.entries.clone());
            }
            root.component_ids.clone()
        } else {
            vec![0]
        };
        for id in tops {
            let Some(comp) = cal.components.get(id as usize) else {
                continue;
            };
            match &comp.component_type {
                ICalendarComponentType::VTimezone => {
                    if let Some(tzid) = comp
                        .property(&ICalendarProperty::Tzid)
                        .and_then(|e| e.values.first())
                        .and_then(|v| v.as_text())
                    {
                        timezones.entry(tzid.to_string()).or_insert((ci, id));
                    }
                }
                ICalendarComponentType::VEvent | ICalendarComponentType::VTodo | ICalendarComponentType::VJournal => {
                    let uid = comp.uid().map(str::trim).filter(|u| !u.is_empty()).map(str::to_string);
                    let (uid, uid_made) = match uid {
                        Some(u) => (u, false),
                        None => {
                            let mut alone = ICalendar::default();
                            alone
                                .components
                                .push(ICalendarComponent::new(ICalendarComponentType::VCalendar));
                            if let Some(new_id) = copy_subtree(cal, id, &mut alone, 0) {
                                alone.components[0].component_ids.push(new_id);
                            }
                            (made_uid(&alone.to_string()), true)
                        }
                    };
                    match by_uid.get(&uid) {
                        Some(&g) => groups[g].members.push((ci, id)),
                        None => {
                            by_uid.insert(uid.clone(), groups.len());
                            groups.push(Group {
                                uid,
                                uid_made,
                                kind: comp.component_type.clone(),
                                members: vec![(ci, id)],
                            });
                        }
                    }
                }
                other => *skipped.entry(other.as_str().to_string()).or_insert(0) += 1,
            }
        }
    }
    for (what, n) in skipped {
        split.notes.push(format!(
            "{n} {what} component(s) skipped: a calendar stores events, tasks and journal entries"
        ));
    }

    let mut root = ICalendarComponent::new(ICalendarComponentType::VCalendar);
    root.entries = root_entries
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.name != ICalendarProperty::Method)
        .collect();
    if !root.entries.iter().any(|e| e.name == ICalendarProperty::Version) {
        root.entries
            .insert(0, ICalendarEntry::new(ICalendarProperty::Version).with_value("2.0"));
    }
    if !root.entries.iter().any(|e| e.name == ICalendarProperty::Prodid) {
        root.entries.insert(
            1,
            ICalendarEntry::new(ICalendarProperty::Prodid).with_value("-//mailferry//import//EN"),
        );
    }

    for group in groups {
        build_resource(cals, &root, &timezones, group, split);
    }
}

fn build_resource(
    cals: &[ICalendar],
    root: &ICalendarComponent,
    timezones: &BTreeMap<String, Ref>,
    group: Group,
    split: &mut Split,
) {
    let comp = |r: Ref| &cals[r.0].components[r.1 as usize];
    // One kind per resource; members of another kind sharing the UID cannot be stored with it.
    let (members, strangers): (Vec<Ref>, Vec<Ref>) = group
        .members
        .iter()
        .partition(|r| comp(**r).component_type == group.kind);
    for r in strangers {
        split.unusable.push(Unusable {
            label: format!("{} (UID {})", component_label(comp(r)), group.uid),
            reason: format!(
                "a {} shares its UID with a {}; one calendar object holds only one kind",
                comp(r).component_type.as_str(),
                group.kind.as_str()
            ),
        });
    }
    // The same occurrence twice (same RECURRENCE-ID, or two masters): keep the higher SEQUENCE,
    // the later one in the file on a tie.
    let mut by_occurrence: BTreeMap<String, Ref> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut replaced = 0usize;
    for r in members {
        let key = occurrence_key(comp(r));
        match by_occurrence.get(&key) {
            Some(&old) => {
                if sequence(comp(r)) >= sequence(comp(old)) {
                    by_occurrence.insert(key, r);
                }
                replaced += 1;
            }
            None => {
                by_occurrence.insert(key.clone(), r);
                order.push(key);
            }
        }
    }
    let members: Vec<Ref> = order.iter().filter_map(|k| by_occurrence.get(k).copied()).collect();
    let Some(&first) = members.first() else { return };
    // The master (no RECURRENCE-ID) names the object; an override alone names it otherwise.
    let label_comp = members
        .iter()
        .map(|r| comp(*r))
        .find(|c| !c.has_property(&ICalendarProperty::RecurrenceId))
        .unwrap_or(comp(first));
    let label = component_label(label_comp);
    if replaced > 0 {
        split.notes.push(format!(
            "\u{201c}{label}\u{201d} (UID {}) is in the file {} times; the copies were merged, the newest kept",
            group.uid,
            replaced + 1
        ));
    }

    let mut out = ICalendar::default();
    out.components.push(root.clone());
    out.components[0].component_ids.clear();
    // The time zones it references, defined in the file.
    let mut referenced: Vec<String> = Vec::new();
    for r in &members {
        collect_tzids(&cals[r.0], r.1, &mut referenced, 0);
    }
    for tzid in &referenced {
        if let Some(&(ci, id)) = timezones.get(tzid) {
            if let Some(new_id) = copy_subtree(&cals[ci], id, &mut out, 0) {
                out.components[0].component_ids.push(new_id);
            }
        }
    }
    for r in &members {
        if let Some(new_id) = copy_subtree(&cals[r.0], r.1, &mut out, 0) {
            if group.uid_made {
                out.components[new_id as usize]
                    .entries
                    .push(ICalendarEntry::new(ICalendarProperty::Uid).with_value(group.uid.clone()));
            }
            out.components[0].component_ids.push(new_id);
        }
    }
    // Referenced but not defined in the file: written from calcard's tables when it knows the
    // name (IANA, Windows, Lotus, ...).
    out.add_missing_timezones();
    let defined: Vec<&str> = out
        .timezones()
        .filter_map(|tz| tz.property(&ICalendarProperty::Tzid))
        .filter_map(|e| e.values.first().and_then(|v| v.as_text()))
        .collect();
    let unknown: Vec<&String> = referenced.iter().filter(|t| !defined.contains(&t.as_str())).collect();
    if !unknown.is_empty() {
        split.notes.push(format!(
            "\u{201c}{label}\u{201d} (UID {}) uses the unknown time zone(s) {}; its times may be read as local time",
            group.uid,
            unknown
                .iter()
                .map(|t| format!("\u{201c}{t}\u{201d}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    split.objects.push(DavObject {
        kind: ObjectKind::Calendar,
        name: resource_name(&group.uid, ObjectKind::Calendar),
        body: out.to_string(),
        uid: group.uid,
        uid_made: group.uid_made,
        label,
        components: members.len(),
    });
}

/// Copies component `id` of `from` and everything under it into `to`; returns its new id.
fn copy_subtree(from: &ICalendar, id: u32, to: &mut ICalendar, depth: usize) -> Option<u32> {
    let src = from.components.get(id as usize)?;
    if depth > MAX_DEPTH {
        return None;
    }
    let new_id = u32::try_from(to.components.len()).ok()?;
    to.components.push(ICalendarComponent {
        component_type: src.component_type.clone(),
        entries: src.entries.clone(),
        component_ids: Vec::new(),
    });
    for child in &src.component_ids {
        if let Some(c) = copy_subtree(from, *child, to, depth + 1) {
            to.components[new_id as usize].component_ids.push(c);
        }
    }
    Some(new_id)
}

fn collect_tzids(cal: &ICalendar, id: u32, out: &mut Vec<String>, depth: usize) {
    let Some(c) = cal.components.get(id as usize) else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    for e in &c.entries {
        if let Some(tz) = e.tz_id() {
            if !out.iter().any(|t| t == tz) {
                out.push(tz.to_string());
            }
        }
    }
    for child in &c.component_ids {
        collect_tzids(cal, *child, out, depth + 1);
    }
}

fn occurrence_key(c: &ICalendarComponent) -> String {
    match c.property(&ICalendarProperty::RecurrenceId) {
        Some(e) => {
            let mut s = String::new();
            let _ = e.write_to(&mut s);
            s
        }
        None => String::new(),
    }
}

fn sequence(c: &ICalendarComponent) -> i64 {
    c.property(&ICalendarProperty::Sequence)
        .and_then(|e| e.values.first())
        .and_then(ICalendarValue::as_integer)
        .unwrap_or(0)
}

fn component_label(c: &ICalendarComponent) -> String {
    let summary = c
        .property(&ICalendarProperty::Summary)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match summary {
        Some(s) => s.to_string(),
        None => match c.component_type {
            ICalendarComponentType::VTodo => "(task without a title)".into(),
            ICalendarComponentType::VJournal => "(note without a title)".into(),
            _ => "(event without a title)".into(),
        },
    }
}

#[cfg(test)]
#[path = "davsplit/tests.rs"]
mod tests;
