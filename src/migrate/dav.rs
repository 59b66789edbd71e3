//! Contacts and calendars into the provider's CardDAV/CalDAV server.
//!
//! Each file is cut into resources by [`groupware`](super::groupware); the customer's address
//! book and calendar are created when missing (extended MKCOL, MKCALENDAR; their parent folders
//! with a plain MKCOL when the server answers 409), and each resource is written with
//! `PUT …/NAME` and `If-None-Match: *`: the server refuses to overwrite (412), so a second
//! import of the same file counts everything as already there and never duplicates nor
//! overwrites what the customer changed since. Each object the server refuses is reported by
//! name, UID and the server's answer; the rest of the file is still imported.
//!
//! Requests go through the project's HTTP client ([`crate::http`]: our TLS roots, address
//! checks, no proxy, size caps, a deadline each) as one admin login ([`DavClient`]); the
//! server's multistatus answers are read as XML with namespaces ([`super::multistatus`]).
//!
//! It must never log a password (the admin's is held in a [`Secret`]) nor a contact's or
//! event's content; logs carry counts, UIDs and resource names.

use super::groupware::{self, DavObject, ObjectKind};
use super::multistatus::{self, CALDAV, CARDDAV};
use super::MigrateError;
use crate::config::Config;
use crate::http::{self, BaseUrl, Response};
use crate::secret::Secret;
use rustls::ClientConfig;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// Largest answer read from the DAV server (a PROPFIND of a big collection stays far below).
const MAX_ANSWER: usize = 8 << 20;
/// Failures listed one by one per file; beyond this they are counted only.
const MAX_LISTED_FAILURES: usize = 200;

/// Where and as whom contacts and calendars are written.
#[derive(Debug, Clone)]
pub struct DavTarget {
    /// The server's base URL.
    pub base: BaseUrl,
    /// The admin login.
    pub user: String,
    /// Its password.
    pub password: Secret,
    /// A customer's address book below the base; `{user}` is the mailbox.
    pub addressbook_path: String,
    /// A customer's calendar below the base; `{user}` is the mailbox.
    pub calendar_path: String,
    /// TLS trust for `https://`.
    pub tls: Arc<ClientConfig>,
    /// Longest time one request may take.
    pub timeout: Duration,
}

impl DavTarget {
    /// The `[dav]` section, with its password read and TLS set up; `None` without one.
    pub fn from_config(cfg: &Config) -> anyhow::Result<Option<DavTarget>> {
        let Some(dav) = &cfg.dav else { return Ok(None) };
        let password = dav.password.resolve("dav")?;
        let tls = crate::net::tls_config(cfg.tls.extra_ca_file.as_deref(), false)?;
        Ok(Some(DavTarget {
            base: BaseUrl::parse(&dav.url).map_err(|e| anyhow::anyhow!("dav.url: {e}"))?,
            user: dav.user.clone(),
            password,
            addressbook_path: dav.addressbook_path.clone(),
            calendar_path: dav.calendar_path.clone(),
            tls,
            timeout: Duration::from_secs(dav.timeout_seconds),
        }))
    }

    /// The address book's path on the server for `mailbox` (percent-encoded, ends with `/`).
    pub fn addressbook_for(&self, mailbox: &str) -> String {
        self.collection_path(&self.addressbook_path, mailbox)
    }

    /// The calendar's path on the server for `mailbox` (percent-encoded, ends with `/`).
    pub fn calendar_for(&self, mailbox: &str) -> String {
        self.collection_path(&self.calendar_path, mailbox)
    }

    fn collection_path(&self, template: &str, mailbox: &str) -> String {
        let mut path = self.base.path.clone();
        for segment in template.split('/').filter(|s| !s.is_empty()) {
            path.push('/');
            if segment.contains("{user}") {
                path.push_str(&http::encode_segment(&segment.replace("{user}", mailbox)));
            } else {
                path.push_str(segment);
            }
        }
        path.push('/');
        path
    }

    async fn client(&self) -> Result<DavClient, MigrateError> {
        let addrs = crate::net::resolve_checked(&self.base.host, self.base.port, true)
            .await
            .map_err(|e| MigrateError::Transient(format!("DAV server: {e:#}")))?;
        DavClient::new(
            self.base.clone(),
            addrs,
            self.tls.clone(),
            &self.user,
            &self.password,
            self.timeout,
            MAX_ANSWER,
        )
        .map_err(|e| MigrateError::Permanent(format!("DAV client: {e:#}")))
    }
}

/// The DAV server as one login sees it: requests by path on the base URL's server, with HTTP
/// Basic credentials, over [`crate::http::Client`].
#[derive(Debug)]
pub struct DavClient {
    base: BaseUrl,
    http: http::Client,
    authorization: Secret,
}

impl DavClient {
    /// A client for `base`, reached at `addrs` (looked up and checked by the caller), with
    /// HTTP Basic credentials; answers over `max_body` bytes are refused.
    pub fn new(
        base: BaseUrl,
        addrs: Vec<std::net::SocketAddr>,
        tls: Arc<ClientConfig>,
        user: &str,
        password: &Secret,
        timeout: Duration,
        max_body: usize,
    ) -> anyhow::Result<DavClient> {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose()));
        let settings = http::Settings {
            tls,
            // Our own server, named by the operator: it may live on our own network.
            allow_private: true,
            timeout,
            max_body,
            max_redirects: http::DEFAULT_MAX_REDIRECTS,
        };
        Ok(DavClient {
            http: http::Client::pinned(&settings, &base.host, &addrs)?,
            base,
            authorization: Secret::new(format!("Basic {token}")),
        })
    }

    /// The base URL.
    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// Sends one request for `path` (absolute, percent-encoded) and reads its answer.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> anyhow::Result<Response> {
        self.http
            .send(http::Request {
                method,
                url: self.base.at(path),
                headers,
                body,
                authorization: Some(&self.authorization),
            })
            .await
    }
}

/// One customer file to import.
#[derive(Debug, Clone)]
pub struct GroupwareFileInput {
    /// The attachment's file name (for the report).
    pub name: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// One object that did not get onto the server.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ObjectFailure {
    /// The contact's name or the event's summary.
    pub label: String,
    /// Its UID, when it has one.
    pub uid: Option<String>,
    /// Why, one sentence (the server's status and words when it refused).
    pub reason: String,
}

/// Figures for one file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct GroupwareFileReport {
    /// The file's name.
    pub file: String,
    /// Contacts and calendar objects found in it.
    pub objects: u64,
    /// Written in this pass.
    pub imported: u64,
    /// Found already on the server (same UID).
    pub already_there: u64,
    /// Not written: unreadable in the file or refused by the server.
    pub failed: u64,
    /// The failed objects, one by one (capped).
    pub failures: Vec<ObjectFailure>,
    /// Merges, made UIDs and repairs worth telling the customer.
    pub notes: Vec<String>,
}

/// Figures for all files of one mailbox.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct GroupwareReport {
    /// The mailbox whose address book and calendar were filled.
    pub mailbox: String,
    /// One entry per file, in the order given.
    pub files: Vec<GroupwareFileReport>,
}

impl GroupwareReport {
    /// Objects in all files.
    pub fn total_objects(&self) -> u64 {
        self.files.iter().map(|f| f.objects).sum()
    }
    /// Objects written in this pass.
    pub fn total_imported(&self) -> u64 {
        self.files.iter().map(|f| f.imported).sum()
    }
    /// Objects found already there.
    pub fn total_already_there(&self) -> u64 {
        self.files.iter().map(|f| f.already_there).sum()
    }
    /// Objects that failed.
    pub fn total_failed(&self) -> u64 {
        self.files.iter().map(|f| f.failed).sum()
    }
}

/// Imports `files` into `mailbox`'s address book and calendar on the DAV server.
///
/// Per-object refusals are in the report; an error means the import as a whole could not go
/// on (`Permanent`: the admin login or its rights were refused; `Transient`: the server could
/// not be reached or failed). Running it again is safe: nothing is written twice.
pub async fn import_groupware(
    cfg: &DavTarget,
    mailbox: &str,
    files: &[GroupwareFileInput],
) -> Result<GroupwareReport, MigrateError> {
    use tracing::Instrument;
    let span = tracing::info_span!("dav_import", mailbox = %mailbox);
    import_files(cfg, mailbox, files).instrument(span).await
}

async fn import_files(
    cfg: &DavTarget,
    mailbox: &str,
    files: &[GroupwareFileInput],
) -> Result<GroupwareReport, MigrateError> {
    let mut report = GroupwareReport {
        mailbox: mailbox.to_string(),
        files: Vec::new(),
    };
    let mut client: Option<DavClient> = None;
    // Collection path -> names of the resources already in it (listed once per import, so a
    // second import costs one PROPFIND instead of a PUT per object).
    let mut present: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let split = groupware::split_file(&file.data);
        let mut fr = GroupwareFileReport {
            file: file.name.clone(),
            objects: split.total() as u64,
            notes: split.notes.clone(),
            ..Default::default()
        };
        for u in &split.unusable {
            fail(
                &mut fr,
                ObjectFailure {
                    label: u.label.clone(),
                    uid: None,
                    reason: u.reason.clone(),
                },
            );
        }
        for object in &split.objects {
            if client.is_none() {
                client = Some(cfg.client().await?);
            }
            let Some(c) = client.as_ref() else { continue };
            let collection = match object.kind {
                ObjectKind::Contact => cfg.addressbook_for(mailbox),
                ObjectKind::Calendar => cfg.calendar_for(mailbox),
            };
            if !present.contains_key(&collection) {
                let existing = ensure_collection(c, &collection, object.kind).await?;
                let names = if existing {
                    list_members(c, &collection).await
                } else {
                    BTreeSet::new()
                };
                present.insert(collection.clone(), names);
            }
            if present
                .get(&collection)
                .is_some_and(|names| names.contains(&object.name))
            {
                fr.already_there += 1;
                continue;
            }
            match put_object(c, &collection, object).await? {
                Put::Created => fr.imported += 1,
                Put::AlreadyThere => fr.already_there += 1,
                Put::Refused(reason) => {
                    tracing::warn!(uid = %object.uid, resource = %object.name, %reason, "the DAV server refused an object");
                    fail(
                        &mut fr,
                        ObjectFailure {
                            label: object.label.clone(),
                            uid: Some(object.uid.clone()),
                            reason,
                        },
                    );
                }
            }
        }
        tracing::info!(
            file = %fr.file,
            objects = fr.objects,
            imported = fr.imported,
            already_there = fr.already_there,
            failed = fr.failed,
            "groupware file imported"
        );
        report.files.push(fr);
    }
    Ok(report)
}

fn fail(fr: &mut GroupwareFileReport, failure: ObjectFailure) {
    fr.failed += 1;
    if fr.failures.len() < MAX_LISTED_FAILURES {
        fr.failures.push(failure);
    }
}

enum Put {
    Created,
    AlreadyThere,
    Refused(String),
}

async fn put_object(c: &DavClient, collection: &str, object: &DavObject) -> Result<Put, MigrateError> {
    let path = format!("{collection}{}", http::encode_segment(&object.name));
    let resp = c
        .request(
            "PUT",
            &path,
            &[("Content-Type", object.kind.content_type()), ("If-None-Match", "*")],
            object.body.as_bytes(),
        )
        .await
        .map_err(|e| MigrateError::Transient(format!("DAV server, PUT {path}: {e:#}")))?;
    match resp.status {
        200..=299 => Ok(Put::Created),
        412 => Ok(Put::AlreadyThere),
        401 => Err(login_refused(c)),
        // The server as a whole is failing or overloaded: worth another try later.
        502..=504 => Err(MigrateError::Transient(format!(
            "DAV server, PUT {path}: {}",
            resp.describe()
        ))),
        _ => Ok(Put::Refused(format!("the server answered {}", resp.describe()))),
    }
}

fn login_refused(c: &DavClient) -> MigrateError {
    MigrateError::Permanent(format!(
        "the DAV server {} refused mailferry's login (check [dav] user and password)",
        c.base().host
    ))
}

const ADDRESSBOOK_BODY: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype><D:collection/><C:addressbook/></D:resourcetype><D:displayname>Contacts</D:displayname></D:prop></D:set></D:mkcol>"#;

const CALENDAR_BODY: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>Calendar</D:displayname></D:prop></D:set></C:mkcalendar>"#;

const RESOURCETYPE_BODY: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>"#;

/// The names of the resources in a collection (PROPFIND Depth 1). Best effort: when the list
/// cannot be read, it is empty and every object is PUT (with `If-None-Match`, so still safe).
async fn list_members(c: &DavClient, collection: &str) -> BTreeSet<String> {
    let resp = c
        .request(
            "PROPFIND",
            collection,
            &[("Depth", "1"), ("Content-Type", "application/xml; charset=utf-8")],
            RESOURCETYPE_BODY.as_bytes(),
        )
        .await;
    match resp {
        Ok(r) if r.status == 207 => match member_names(&String::from_utf8_lossy(&r.body)) {
            Ok(names) => names,
            Err(e) => {
                tracing::debug!(collection, error = %e, "unreadable member list; every object is sent");
                BTreeSet::new()
            }
        },
        Ok(r) => {
            tracing::debug!(collection, status = r.status, "no member list; every object is sent");
            BTreeSet::new()
        }
        Err(e) => {
            tracing::debug!(collection, error = %e, "no member list; every object is sent");
            BTreeSet::new()
        }
    }
}

/// The names (last path segment, percent-decoded) of the members of a multistatus that are
/// not collections.
fn member_names(xml: &str) -> Result<BTreeSet<String>, String> {
    Ok(multistatus::parse(xml)?
        .iter()
        .filter(|e| !e.is_collection())
        .map(|e| e.name())
        .filter(|n| !n.is_empty())
        .collect())
}

/// Creates the address book or calendar at `path` when missing, and its parents when the
/// server says they are missing (409). An existing collection of the wrong kind is an error.
/// Returns true when the collection was there already.
async fn ensure_collection(c: &DavClient, path: &str, kind: ObjectKind) -> Result<bool, MigrateError> {
    let (method, body) = match kind {
        ObjectKind::Contact => ("MKCOL", ADDRESSBOOK_BODY),
        ObjectKind::Calendar => ("MKCALENDAR", CALENDAR_BODY),
    };
    // Look first: servers answer a MKCALENDAR on an existing calendar with 405, 403 or 409.
    if probe(c, path, kind).await? {
        return Ok(true);
    }
    for attempt in 0..2 {
        let resp = mkcol(c, method, path, Some(body)).await?;
        match resp.status {
            200..=299 => {
                tracing::info!(collection = %path, "collection created");
                return Ok(false);
            }
            // 405: something is there already (RFC 4918 §9.3.1), made since we looked.
            405 => return Ok(true),
            // Another import for the same customer may have made it meanwhile.
            _ if probe(c, path, kind).await? => return Ok(true),
            409 if attempt == 0 => {
                // Intermediate collections are missing: make each parent, top down.
                let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
                for n in 1..segments.len() {
                    let parent = format!("/{}/", segments[..n].join("/"));
                    let r = mkcol(c, "MKCOL", &parent, None).await?;
                    if !(r.status == 405 || (200..300).contains(&r.status)) {
                        return Err(collection_error(c, &parent, &r));
                    }
                }
            }
            _ => return Err(collection_error(c, path, &resp)),
        }
    }
    Err(MigrateError::Permanent(format!(
        "the DAV server would not create {path} even after its parent folders"
    )))
}

/// True when `path` is an address book (calendar) already, false when nothing is there; an
/// error when something else is there or the server refuses to say.
async fn probe(c: &DavClient, path: &str, kind: ObjectKind) -> Result<bool, MigrateError> {
    let found = c
        .request(
            "PROPFIND",
            path,
            &[("Depth", "0"), ("Content-Type", "application/xml; charset=utf-8")],
            RESOURCETYPE_BODY.as_bytes(),
        )
        .await
        .map_err(|e| MigrateError::Transient(format!("DAV server, PROPFIND {path}: {e:#}")))?;
    let (namespace, tag, what) = match kind {
        ObjectKind::Contact => (CARDDAV, "addressbook", "an address book"),
        ObjectKind::Calendar => (CALDAV, "calendar", "a calendar"),
    };
    match found.status {
        207 => {
            let entries = multistatus::parse(&String::from_utf8_lossy(&found.body))
                .map_err(|e| MigrateError::Transient(format!("DAV server, PROPFIND {path}: unreadable answer: {e}")))?;
            // Depth 0: the collection itself is the one response.
            if entries.iter().any(|e| e.is(namespace, tag)) {
                Ok(true)
            } else {
                Err(MigrateError::Permanent(format!(
                    "{path} exists on the DAV server but is not {what}"
                )))
            }
        }
        404 => Ok(false),
        401 => Err(login_refused(c)),
        _ => Err(collection_error(c, path, &found)),
    }
}

async fn mkcol(c: &DavClient, method: &str, path: &str, body: Option<&str>) -> Result<Response, MigrateError> {
    let headers: &[(&str, &str)] = if body.is_some() {
        &[("Content-Type", "application/xml; charset=utf-8")]
    } else {
        &[]
    };
    c.request(method, path, headers, body.unwrap_or("").as_bytes())
        .await
        .map_err(|e| MigrateError::Transient(format!("DAV server, {method} {path}: {e:#}")))
}

fn collection_error(c: &DavClient, path: &str, resp: &Response) -> MigrateError {
    match resp.status {
        401 => login_refused(c),
        500..=599 => MigrateError::Transient(format!("DAV server, creating {path}: {}", resp.describe())),
        _ => MigrateError::Permanent(format!(
            "the DAV server would not create {path}: it answered {}",
            resp.describe()
        )),
    }
}

/// A plain-text table, one row per file and a total row, for replies and the CLI.
///
/// ```text
/// File            Objects  Imported  Already there  Failed
/// contacts.vcf         12        12              0       0
/// ```
pub fn groupware_table(report: &GroupwareReport) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "File".into(),
        "Objects".into(),
        "Imported".into(),
        "Already there".into(),
        "Failed".into(),
    ]];
    for f in &report.files {
        rows.push([
            f.file.clone(),
            f.objects.to_string(),
            f.imported.to_string(),
            f.already_there.to_string(),
            f.failed.to_string(),
        ]);
    }
    rows.push([
        "Total".into(),
        report.total_objects().to_string(),
        report.total_imported().to_string(),
        report.total_already_there().to_string(),
        report.total_failed().to_string(),
    ]);
    let mut width = [0usize; 5];
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in &rows {
        let mut line = format!("{:<w$}", r[0], w = width[0]);
        for i in 1..5 {
            line.push_str(&format!("  {:>w$}", r[i], w = width[i]));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for f in &report.files {
        for x in &f.failures {
            let uid = x.uid.as_deref().map(|u| format!(" (UID {u})")).unwrap_or_default();
            out.push_str(&format!("{}: \u{201c}{}\u{201d}{uid}: {}\n", f.file, x.label, x.reason));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> DavTarget {
        DavTarget {
            base: BaseUrl::parse(url).unwrap(),
            user: "admin".into(),
            password: Secret::new("pw"),
            addressbook_path: "/{user}/contacts/".into(),
            calendar_path: "/dav/calendars/{user}/default".into(),
            tls: crate::net::tls_config(None, false).unwrap(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn collection_paths_encode_the_mailbox_only() {
        let t = target("https://dav.new.example/base/");
        assert_eq!(
            t.addressbook_for("anna@new.example"),
            "/base/anna@new.example/contacts/"
        );
        assert_eq!(
            t.calendar_for("a b@new.example"),
            "/base/dav/calendars/a%20b@new.example/default/"
        );
        assert_eq!(t.addressbook_for("../x"), "/base/..%2Fx/contacts/");
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let t = target("http://127.0.0.1:5232");
        assert!(!format!("{t:?}").contains("pw\""));
    }

    #[test]
    fn member_names_come_from_hrefs() {
        let xml = r#"<?xml version="1.0"?><multistatus xmlns="DAV:" xmlns:D="DAV:"><response><href>/a%40b/contacts/</href></response>
<response><href>/a%40b/contacts/x%40google.com.vcf</href></response><D:response><D:href>/a/c/T%C3%BC&amp;1.ics</D:href></D:response>
<response><href>/a/c/sub</href><propstat><prop><resourcetype><collection/></resourcetype></prop></propstat></response></multistatus>"#;
        let names: Vec<String> = member_names(xml).unwrap().into_iter().collect();
        assert_eq!(names, ["Tü&1.ics", "x@google.com.vcf"]);
        assert!(member_names("<html>Service Unavailable</html>").is_err());
    }

    #[test]
    fn the_table_lists_files_and_failures() {
        let report = GroupwareReport {
            mailbox: "anna@new.example".into(),
            files: vec![GroupwareFileReport {
                file: "contacts.vcf".into(),
                objects: 3,
                imported: 2,
                failed: 1,
                failures: vec![ObjectFailure {
                    label: "Tom".into(),
                    uid: Some("t1".into()),
                    reason: "the server answered 400 Bad Request".into(),
                }],
                ..Default::default()
            }],
        };
        let t = groupware_table(&report);
        assert!(
            t.starts_with("File          Objects  Imported  Already there  Failed\n"),
            "{t}"
        );
        assert!(
            t.contains("contacts.vcf        3         2              0       1\n"),
            "{t}"
        );
        assert!(
            t.contains("contacts.vcf: “Tom” (UID t1): the server answered 400 Bad Request"),
            "{t}"
        );
    }
}
