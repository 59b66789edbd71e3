//! Folder names: modified UTF-7 (RFC 3501 5.1.3) both ways, hierarchy separators and
//! namespace prefixes, special-use mapping onto our folders. Pure code.
//!
//! A folder name travels as: raw mUTF-7 at the source → decoded components (the path without
//! the personal-namespace prefix) → mapped components (special-use folders renamed onto ours)
//! → raw mUTF-7 on our side. This module never talks to a server and never decides anything
//! about messages.

use std::collections::{BTreeMap, BTreeSet};

/// The special uses of RFC 6154 that we map onto our own folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpecialUse {
    /// Sent mail.
    Sent,
    /// Drafts.
    Drafts,
    /// Deleted mail.
    Trash,
    /// Spam.
    Junk,
    /// Archived mail.
    Archive,
}

impl SpecialUse {
    /// The plain English folder name used when our side has no folder of this use yet.
    pub fn english_name(self) -> &'static str {
        match self {
            SpecialUse::Sent => "Sent",
            SpecialUse::Drafts => "Drafts",
            SpecialUse::Trash => "Trash",
            SpecialUse::Junk => "Junk",
            SpecialUse::Archive => "Archive",
        }
    }

    /// The use named by a LIST attribute such as `\Sent` (case-insensitive), if any.
    pub fn from_attribute(attr: &str) -> Option<SpecialUse> {
        match attr.to_ascii_lowercase().as_str() {
            "\\sent" => Some(SpecialUse::Sent),
            "\\drafts" => Some(SpecialUse::Drafts),
            "\\trash" => Some(SpecialUse::Trash),
            "\\junk" => Some(SpecialUse::Junk),
            "\\archive" => Some(SpecialUse::Archive),
            _ => None,
        }
    }

    /// The use of a well-known (possibly localized) top-level folder name, if any.
    ///
    /// `path` is the decoded name without the namespace prefix, joined with `/`.
    pub fn from_well_known_name(path: &str) -> Option<SpecialUse> {
        let lower = path.to_lowercase();
        let lower = lower
            .strip_prefix("[gmail]/")
            .or_else(|| lower.strip_prefix("[google mail]/"))
            .unwrap_or(&lower);
        if lower.contains('/') {
            return None;
        }
        WELL_KNOWN.iter().find(|(name, _)| *name == lower).map(|(_, u)| *u)
    }
}

/// Localized names of special folders seen at real providers, lower case.
const WELL_KNOWN: &[(&str, SpecialUse)] = &[
    ("sent", SpecialUse::Sent),
    ("sent items", SpecialUse::Sent),
    ("sent messages", SpecialUse::Sent),
    ("sent mail", SpecialUse::Sent),
    ("gesendete objekte", SpecialUse::Sent),
    ("gesendete elemente", SpecialUse::Sent),
    ("gesendet", SpecialUse::Sent),
    ("éléments envoyés", SpecialUse::Sent),
    ("envoyés", SpecialUse::Sent),
    ("messages envoyés", SpecialUse::Sent),
    ("elementos enviados", SpecialUse::Sent),
    ("enviados", SpecialUse::Sent),
    ("posta inviata", SpecialUse::Sent),
    ("inviata", SpecialUse::Sent),
    ("verzonden items", SpecialUse::Sent),
    ("verzonden", SpecialUse::Sent),
    ("inbox.sent", SpecialUse::Sent),
    ("drafts", SpecialUse::Drafts),
    ("draft", SpecialUse::Drafts),
    ("entwürfe", SpecialUse::Drafts),
    ("brouillons", SpecialUse::Drafts),
    ("borradores", SpecialUse::Drafts),
    ("bozze", SpecialUse::Drafts),
    ("concepten", SpecialUse::Drafts),
    ("trash", SpecialUse::Trash),
    ("deleted items", SpecialUse::Trash),
    ("deleted messages", SpecialUse::Trash),
    ("bin", SpecialUse::Trash),
    ("papierkorb", SpecialUse::Trash),
    ("gelöschte elemente", SpecialUse::Trash),
    ("gelöschte objekte", SpecialUse::Trash),
    ("corbeille", SpecialUse::Trash),
    ("éléments supprimés", SpecialUse::Trash),
    ("papelera", SpecialUse::Trash),
    ("elementos eliminados", SpecialUse::Trash),
    ("cestino", SpecialUse::Trash),
    ("posta eliminata", SpecialUse::Trash),
    ("prullenbak", SpecialUse::Trash),
    ("verwijderde items", SpecialUse::Trash),
    ("junk", SpecialUse::Junk),
    ("spam", SpecialUse::Junk),
    ("junk e-mail", SpecialUse::Junk),
    ("junk email", SpecialUse::Junk),
    ("bulk mail", SpecialUse::Junk),
    ("junk-e-mail", SpecialUse::Junk),
    ("courrier indésirable", SpecialUse::Junk),
    ("correo no deseado", SpecialUse::Junk),
    ("posta indesiderata", SpecialUse::Junk),
    ("ongewenste e-mail", SpecialUse::Junk),
    ("archive", SpecialUse::Archive),
    ("archives", SpecialUse::Archive),
    ("archiv", SpecialUse::Archive),
    ("archivo", SpecialUse::Archive),
    ("archivio", SpecialUse::Archive),
    ("archief", SpecialUse::Archive),
];

/// Gmail's virtual folders: views of mail that lives elsewhere; copying them would duplicate.
const GMAIL_VIRTUAL: &[&str] = &[
    "all mail",
    "important",
    "starred",
    "alle nachrichten",
    "wichtig",
    "markiert",
];

/// A name that is not valid modified UTF-7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the folder name {0:?} is not valid modified UTF-7")]
pub struct BadFolderName(pub String);

/// Encodes a folder name in modified UTF-7 (RFC 3501 5.1.3).
pub fn encode_mutf7(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for ch in name.chars() {
        if (' '..='~').contains(&ch) {
            flush_utf16(&mut out, &mut pending);
            if ch == '&' {
                out.push_str("&-");
            } else {
                out.push(ch);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(ch.encode_utf16(&mut buf));
        }
    }
    flush_utf16(&mut out, &mut pending);
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn flush_utf16(out: &mut String, pending: &mut Vec<u16>) {
    if pending.is_empty() {
        return;
    }
    let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out.push('-');
    pending.clear();
}

/// Decodes a modified UTF-7 folder name (RFC 3501 5.1.3).
pub fn decode_mutf7(raw: &str) -> Result<String, BadFolderName> {
    let bad = || BadFolderName(raw.to_string());
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let end = after.find('-').ok_or_else(bad)?;
        let b64 = &after[..end];
        if b64.is_empty() {
            out.push('&');
        } else {
            let mut bits: u32 = 0;
            let mut nbits = 0;
            let mut bytes = Vec::new();
            for c in b64.bytes() {
                let v = B64.iter().position(|&x| x == c).ok_or_else(bad)? as u32;
                bits = (bits << 6) | v;
                nbits += 6;
                if nbits >= 8 {
                    nbits -= 8;
                    bytes.push((bits >> nbits) as u8);
                    bits &= (1 << nbits) - 1;
                }
            }
            if bytes.len() % 2 != 0 {
                return Err(bad());
            }
            let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            out.push_str(&String::from_utf16(&units).map_err(|_| bad())?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// How one server names folders: its hierarchy separator and personal-namespace prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naming {
    /// The hierarchy separator, if the server has hierarchy.
    pub separator: Option<char>,
    /// The personal-namespace prefix, decoded (e.g. `INBOX.` on Courier/Cyrus, or empty).
    pub prefix: String,
}

impl Naming {
    /// Guesses the prefix from a listing: when every folder but INBOX sits under `INBOX<sep>`,
    /// the server puts personal folders below INBOX (Courier, Cyrus style).
    pub fn guess<'a>(separator: Option<char>, decoded_names: impl IntoIterator<Item = &'a str>) -> Naming {
        let prefix = match separator {
            Some(sep) => {
                let p = format!("INBOX{sep}");
                let mut others = decoded_names
                    .into_iter()
                    .filter(|n| !n.eq_ignore_ascii_case("INBOX"))
                    .peekable();
                if others.peek().is_some() && others.all(|n| n.len() > p.len() && n[..p.len()].eq_ignore_ascii_case(&p))
                {
                    p
                } else {
                    String::new()
                }
            }
            None => String::new(),
        };
        Naming { separator, prefix }
    }

    /// The path components of a decoded name, without the prefix. INBOX is always `["INBOX"]`.
    pub fn split(&self, decoded: &str) -> Vec<String> {
        if decoded.eq_ignore_ascii_case("INBOX") {
            return vec!["INBOX".to_string()];
        }
        let plen = self.prefix.len();
        let rest = if plen > 0 && decoded.len() > plen && decoded[..plen].eq_ignore_ascii_case(&self.prefix) {
            &decoded[plen..]
        } else {
            decoded
        };
        match self.separator {
            Some(sep) => rest.split(sep).map(str::to_string).collect(),
            None => vec![rest.to_string()],
        }
    }

    /// The decoded name of path components on this server. A separator inside a component
    /// becomes `_` so the hierarchy does not change.
    pub fn join(&self, components: &[String]) -> String {
        if components.len() == 1 && components[0].eq_ignore_ascii_case("INBOX") {
            return "INBOX".to_string();
        }
        let parts: Vec<String> = match self.separator {
            Some(sep) => components.iter().map(|c| c.replace(sep, "_")).collect(),
            None => vec![components.join("_")],
        };
        let sep = self.separator.map(String::from).unwrap_or_default();
        format!("{}{}", self.prefix, parts.join(&sep))
    }
}

/// One folder from a LIST response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The name exactly as the server sent it (modified UTF-7).
    pub raw: String,
    /// Attributes such as `\Noselect`, `\Sent`, `\HasChildren`.
    pub attributes: Vec<String>,
}

impl Listed {
    fn has(&self, attr: &str) -> bool {
        self.attributes.iter().any(|a| a.eq_ignore_ascii_case(attr))
    }

    /// False for `\Noselect` and `\NonExistent` folders (containers only).
    pub fn selectable(&self) -> bool {
        !self.has("\\Noselect") && !self.has("\\NonExistent")
    }

    /// The special use announced by the server, if any.
    pub fn special_use(&self) -> Option<SpecialUse> {
        self.attributes.iter().find_map(|a| SpecialUse::from_attribute(a))
    }
}

/// What to do with one source folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderPlan {
    /// The source name as sent by the server (for EXAMINE).
    pub source_raw: String,
    /// The source name, decoded, `/`-separated, without prefix (for reports and checkpoints).
    pub source: String,
    /// Our name for it, modified UTF-7 (for CREATE, SELECT, APPEND).
    pub destination_raw: String,
    /// Our name, decoded.
    pub destination: String,
    /// Our path components (for creating parents first).
    pub destination_path: Vec<String>,
    /// Subscribed at the source.
    pub subscribed: bool,
}

pub use crate::model::{glob_match, PlanOptions};

/// Our folders by special use, from our own LIST (attribute first, well-known name second).
pub fn destination_special_folders(listed: &[Listed], naming: &Naming) -> BTreeMap<SpecialUse, Vec<String>> {
    let mut out = BTreeMap::new();
    for l in listed.iter().filter(|l| l.selectable()) {
        if let Some(u) = l.special_use() {
            out.entry(u)
                .or_insert_with(|| naming.split(&decode_mutf7(&l.raw).unwrap_or_else(|_| l.raw.clone())));
        }
    }
    for l in listed.iter().filter(|l| l.selectable()) {
        let path = naming.split(&decode_mutf7(&l.raw).unwrap_or_else(|_| l.raw.clone()));
        if let Some(u) = SpecialUse::from_well_known_name(&path.join("/")) {
            out.entry(u).or_insert(path);
        }
    }
    out
}

fn is_gmail_virtual(path: &[String]) -> bool {
    path.len() == 2
        && (path[0].eq_ignore_ascii_case("[Gmail]") || path[0].eq_ignore_ascii_case("[Google Mail]"))
        && GMAIL_VIRTUAL.contains(&path[1].to_lowercase().as_str())
}

/// Plans the copy of every selectable source folder, in tree order (parents first).
///
/// `subscribed` holds raw source names from LSUB. Special folders (by attribute or well-known
/// name) and their children land in our folder of the same use, or its English name.
pub fn plan(
    source: &[Listed],
    subscribed: &BTreeSet<String>,
    source_naming: &Naming,
    dest_naming: &Naming,
    dest_special: &BTreeMap<SpecialUse, Vec<String>>,
    opts: &PlanOptions,
) -> Vec<FolderPlan> {
    let decoded: Vec<(usize, Vec<String>)> = source
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                i,
                source_naming.split(&decode_mutf7(&l.raw).unwrap_or_else(|_| l.raw.clone())),
            )
        })
        .collect();
    // Source paths that are special, by attribute or by name (attribute wins).
    let mut special_paths: BTreeMap<Vec<String>, SpecialUse> = BTreeMap::new();
    let mut taken: BTreeSet<SpecialUse> = BTreeSet::new();
    for (i, path) in &decoded {
        if let Some(u) = source[*i].special_use() {
            if taken.insert(u) {
                special_paths.insert(path.clone(), u);
            }
        }
    }
    for (_, path) in &decoded {
        if let Some(u) = SpecialUse::from_well_known_name(&path.join("/")) {
            if !special_paths.contains_key(path) && taken.insert(u) {
                special_paths.insert(path.clone(), u);
            }
        }
    }
    let mut out: Vec<FolderPlan> = Vec::new();
    for (i, path) in decoded {
        let l = &source[i];
        if !l.selectable() || (!opts.include_gmail_virtual && is_gmail_virtual(&path)) || !opts.wants(&path.join("/")) {
            continue;
        }
        let mut dest_path = path.clone();
        // The longest special path this one is in. There are at most five special paths, so
        // this stays linear in the path's depth (a hostile server may send very deep names).
        let special = special_paths
            .iter()
            .filter(|(p, _)| path.starts_with(p))
            .max_by_key(|(p, _)| p.len());
        if let Some((p, u)) = special {
            let n = p.len();
            let base = dest_special
                .get(u)
                .cloned()
                .unwrap_or_else(|| vec![u.english_name().to_string()]);
            dest_path = base.into_iter().chain(path[n..].iter().cloned()).collect();
        }
        // Gmail's [Gmail] container is not a folder of ours.
        if dest_path.len() > 1 && dest_path[0].eq_ignore_ascii_case("[Gmail]") {
            dest_path.remove(0);
        }
        let destination = dest_naming.join(&dest_path);
        out.push(FolderPlan {
            source_raw: l.raw.clone(),
            source: path.join("/"),
            destination_raw: encode_mutf7(&destination),
            destination,
            destination_path: dest_path,
            subscribed: subscribed.contains(&l.raw),
        });
    }
    out.sort_by(|a, b| {
        let inbox = |p: &FolderPlan| !p.source.eq_ignore_ascii_case("INBOX");
        (inbox(a), &a.source).cmp(&(inbox(b), &b.source))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_thousand_folders_and_very_deep_ones_are_planned() {
        let mut source: Vec<Listed> = (0..10_000).map(|i| listed(&format!("F{i}/Sub"), &[])).collect();
        source.push(listed("Sent", &["\\Sent"]));
        source.push(listed(&vec!["a"; 50_000].join("/"), &[]));
        source.push(listed(&format!("Sent/{}", vec!["b"; 50_000].join("/")), &[]));
        let p = plan(
            &source,
            &BTreeSet::new(),
            &slash(),
            &slash(),
            &BTreeMap::new(),
            &PlanOptions::default(),
        );
        assert_eq!(p.len(), 10_003);
        assert!(p
            .iter()
            .any(|f| f.destination_path.len() == 50_001 && f.destination_path[0] == "Sent"));
    }

    fn listed(raw: &str, attrs: &[&str]) -> Listed {
        Listed {
            raw: raw.into(),
            attributes: attrs.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn slash() -> Naming {
        Naming {
            separator: Some('/'),
            prefix: String::new(),
        }
    }

    #[test]
    fn mutf7_round_trips_the_rfc_examples() {
        assert_eq!(
            encode_mutf7("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(
            decode_mutf7("~peter/mail/&U,BTFw-/&ZeVnLIqe-").unwrap(),
            "~peter/mail/台北/日本語"
        );
        assert_eq!(encode_mutf7("Projekte/Übersicht"), "Projekte/&ANw-bersicht");
        assert_eq!(encode_mutf7("Tom & Jerry"), "Tom &- Jerry");
        assert_eq!(decode_mutf7("Tom &- Jerry").unwrap(), "Tom & Jerry");
        for s in ["Éléments envoyés", "Entwürfe", "😀 emoji", "a&b&ü", "", "Posta inviata"] {
            assert_eq!(decode_mutf7(&encode_mutf7(s)).unwrap(), s, "{s}");
        }
    }

    #[test]
    fn mutf7_rejects_garbage() {
        assert!(decode_mutf7("bad&ANw").is_err());
        assert!(decode_mutf7("bad&A*-").is_err());
    }

    #[test]
    fn courier_prefix_and_dots_become_slashes() {
        let names = ["INBOX", "INBOX.Archive", "INBOX.Archive.2024", "INBOX.Sent"];
        let src = Naming::guess(Some('.'), names);
        assert_eq!(src.prefix, "INBOX.");
        assert_eq!(src.split("INBOX.Archive.2024"), vec!["Archive", "2024"]);
        assert_eq!(slash().join(&src.split("INBOX.Archive.2024")), "Archive/2024");
        assert_eq!(slash().join(&src.split("INBOX")), "INBOX");
        let back = Naming {
            separator: Some('.'),
            prefix: "INBOX.".into(),
        };
        assert_eq!(back.join(&["a/b".into(), "c".into()]), "INBOX.a/b.c");
        assert_eq!(back.join(&["a.b".into()]), "INBOX.a_b");
    }

    #[test]
    fn no_prefix_is_guessed_when_folders_sit_beside_inbox() {
        let n = Naming::guess(Some('/'), ["INBOX", "Sent", "INBOX/Sub"]);
        assert_eq!(n.prefix, "");
        assert_eq!(Naming::guess(Some('.'), ["INBOX"]).prefix, "");
    }

    #[test]
    fn localized_special_folders_land_in_ours() {
        let src = vec![
            listed("INBOX", &[]),
            listed("Gesendete Objekte", &[]),
            listed("&AMk-l&AOk-ments envoy&AOk-s", &[]),
            listed("Papierkorb", &[]),
            listed("Junk E-mail", &[]),
            listed("Entw&APw-rfe", &[]),
            listed("Gesendete Objekte/2023", &[]),
        ];
        let dest = vec![
            listed("INBOX", &[]),
            listed("Sent Mail", &["\\Sent"]),
            listed("Deleted", &["\\Trash"]),
        ];
        let special = destination_special_folders(&dest, &slash());
        let p = plan(
            &src,
            &BTreeSet::new(),
            &slash(),
            &slash(),
            &special,
            &PlanOptions::default(),
        );
        let map: BTreeMap<_, _> = p.iter().map(|f| (f.source.as_str(), f.destination.as_str())).collect();
        assert_eq!(map["INBOX"], "INBOX");
        assert_eq!(map["Gesendete Objekte"], "Sent Mail");
        assert_eq!(map["Gesendete Objekte/2023"], "Sent Mail/2023");
        assert_eq!(map["Papierkorb"], "Deleted");
        assert_eq!(map["Junk E-mail"], "Junk");
        assert_eq!(map["Entwürfe"], "Drafts");
        // Only one source folder per use is merged; the second Sent keeps its own name.
        assert_eq!(map["Éléments envoyés"], "Éléments envoyés");
        assert_eq!(p[0].source, "INBOX");
    }

    #[test]
    fn special_use_attribute_beats_the_name() {
        let src = vec![listed("Outbox copies", &["\\Sent"]), listed("Sent", &[])];
        let p = plan(
            &src,
            &BTreeSet::new(),
            &slash(),
            &slash(),
            &BTreeMap::new(),
            &PlanOptions::default(),
        );
        let map: BTreeMap<_, _> = p.iter().map(|f| (f.source.as_str(), f.destination.as_str())).collect();
        assert_eq!(map["Outbox copies"], "Sent");
        assert_eq!(map["Sent"], "Sent");
    }

    #[test]
    fn include_and_exclude_patterns_pick_folders() {
        assert!(glob_match("Archive/*", "archive/2024"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a?c", "abc") && !glob_match("a?c", "abbc"));
        assert!(!glob_match("Junk", "Junk/old"));
        let o = PlanOptions {
            include: vec!["INBOX".into(), "Archive*".into()],
            exclude: vec!["Archive/Old*".into()],
            ..Default::default()
        };
        assert!(o.wants("INBOX") && o.wants("Archive") && o.wants("archive/2024"));
        assert!(!o.wants("Archive/Old 2010") && !o.wants("Sent"));
        assert!(PlanOptions::default().wants("anything/at all"));
    }

    #[test]
    fn gmail_virtual_folders_are_skipped_and_containers_not_copied() {
        let src = vec![
            listed("INBOX", &[]),
            listed("[Gmail]", &["\\Noselect", "\\HasChildren"]),
            listed("[Gmail]/All Mail", &["\\All"]),
            listed("[Gmail]/Important", &[]),
            listed("[Gmail]/Starred", &["\\Flagged"]),
            listed("[Gmail]/Sent Mail", &["\\Sent"]),
            listed("[Gmail]/Spam", &[]),
            listed("Projekte", &["\\NonExistent"]),
            listed("Projekte/&ANw-bersicht", &[]),
        ];
        let subs: BTreeSet<String> = ["Projekte/&ANw-bersicht".to_string()].into();
        let p = plan(
            &src,
            &subs,
            &slash(),
            &slash(),
            &BTreeMap::new(),
            &PlanOptions::default(),
        );
        let got: Vec<(&str, &str, bool)> = p
            .iter()
            .map(|f| (f.source.as_str(), f.destination.as_str(), f.subscribed))
            .collect();
        assert_eq!(
            got,
            vec![
                ("INBOX", "INBOX", false),
                ("Projekte/Übersicht", "Projekte/Übersicht", true),
                ("[Gmail]/Sent Mail", "Sent", false),
                ("[Gmail]/Spam", "Junk", false),
            ]
        );
        assert_eq!(p[1].destination_raw, "Projekte/&ANw-bersicht");
        let all = plan(
            &src,
            &subs,
            &slash(),
            &slash(),
            &BTreeMap::new(),
            &PlanOptions {
                include_gmail_virtual: true,
                ..Default::default()
            },
        );
        assert_eq!(all.len(), 7);
    }
}
