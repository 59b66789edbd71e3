//! The bed's Radicale: import targets, HTTP clients, collection members, DAV users.
// Each test binary uses a part of the helpers; the rest is dead code there.
#![allow(dead_code)]

use super::*;
/// The bed's Radicale (CardDAV/CalDAV), plain HTTP on 127.0.0.1.
pub const DAV_PORT: u16 = 5232;
/// Radicale's admin, allowed into every user's collections.
pub const DAV_ADMIN: (&str, &str) = ("admin", "davadmin");

/// The bed's Radicale as an import target, logged in as its admin.
pub fn dav_target() -> mailferry::migrate::dav::DavTarget {
    dav_target_as(DAV_ADMIN.0, DAV_ADMIN.1)
}

/// The bed's Radicale as an import target, logged in as `user`.
pub fn dav_target_as(user: &str, pass: &str) -> mailferry::migrate::dav::DavTarget {
    mailferry::migrate::dav::DavTarget {
        base: mailferry::http::BaseUrl::parse(&format!("http://127.0.0.1:{DAV_PORT}")).expect("url"),
        user: user.into(),
        password: Secret::new(pass),
        addressbook_path: "/{user}/contacts/".into(),
        calendar_path: "/{user}/calendar/".into(),
        tls: mailferry::net::tls_config(None, false).expect("tls config"),
        timeout: std::time::Duration::from_secs(30),
    }
}

/// An HTTP client on the bed's Radicale, logged in as `user`.
pub fn dav_client(user: &str, pass: &str) -> mailferry::migrate::dav::DavClient {
    let t = dav_target_as(user, pass);
    mailferry::migrate::dav::DavClient::new(
        t.base,
        vec![std::net::SocketAddr::from(([127, 0, 0, 1], DAV_PORT))],
        t.tls,
        user,
        &Secret::new(pass),
        t.timeout,
        64 << 20,
    )
    .expect("DAV client")
}

/// The member resources of a DAV collection (PROPFIND Depth 1): their names (the href's last
/// segment, percent-decoded), sorted; the collection itself is left out.
pub async fn dav_members(client: &mut mailferry::migrate::dav::DavClient, collection: &str) -> Vec<String> {
    let body = r#"<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>"#;
    let resp = client
        .request(
            "PROPFIND",
            collection,
            &[("Depth", "1"), ("Content-Type", "application/xml; charset=utf-8")],
            body.as_bytes(),
        )
        .await
        .expect("PROPFIND");
    assert_eq!(resp.status, 207, "PROPFIND {collection}: {}", resp.describe());
    let text = String::from_utf8_lossy(&resp.body);
    let re = regex::Regex::new(r"<(?:[A-Za-z0-9]+:)?href>([^<]*)</(?:[A-Za-z0-9]+:)?href>").unwrap();
    let mut hrefs: Vec<String> = re
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .filter(|h| !h.ends_with('/'))
        .map(|h| percent_decode(h.rsplit('/').next().unwrap_or_default()))
        .collect();
    hrefs.sort();
    hrefs
}

/// Adds a login on the bed's Radicale (`scripts/testbed adduser dav`); panics on failure.
pub fn add_user_dav(user: &str, pass: &str) {
    let o = Command::new(script())
        .args(["adduser", "dav", user, pass])
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/testbed adduser: {e}"));
    assert!(
        o.status.success(),
        "adduser dav {user} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `%40` → `@` and so on (UTF-8): the engine's own decoder.
pub fn percent_decode(s: &str) -> String {
    mailferry::http::decode_percent(s)
}
