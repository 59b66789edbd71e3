//! Filling and reading mailboxes over IMAP: folders, seeded and numbered messages, a whole
//! mailbox as a multiset, and mail delivered through the bed's Postfix.
// Each test binary uses a part of the helpers; the rest is dead code there.
#![allow(dead_code)]

use super::*;
/// Creates (and optionally subscribes) a folder given by its decoded name; an existing one is fine.
pub async fn create_folder(s: &mut Session, name: &str, subscribe: bool) {
    let raw = folders::encode_mutf7(name);
    if !name.eq_ignore_ascii_case("INBOX") {
        let _ = s.create(&raw).await;
    }
    if subscribe {
        s.subscribe(&raw).await.expect("subscribe");
    }
}

/// One message to seed.
#[derive(Debug, Clone)]
pub struct SeedMsg {
    /// Decoded folder name.
    pub folder: String,
    /// Flags and keywords, e.g. `["\\Seen", "$Forwarded"]`.
    pub flags: Vec<String>,
    /// INTERNALDATE in APPEND form, e.g. `05-Mar-2024 07:08:09 +0530`.
    pub date: String,
    /// The raw message.
    pub bytes: Vec<u8>,
}

/// APPENDs messages (folders must exist).
pub async fn seed(s: &mut Session, msgs: &[SeedMsg]) {
    for m in msgs {
        s.append(
            folders::encode_mutf7(&m.folder),
            Some(&format!("({})", m.flags.join(" "))),
            Some(&format!("\"{}\"", m.date)),
            &m.bytes,
        )
        .await
        .unwrap_or_else(|e| panic!("seeding {}: {e}", m.folder));
    }
}

/// A small realistic message; `message_id: None` leaves the header out.
pub fn message(subject: &str, message_id: Option<&str>, body: &str) -> Vec<u8> {
    let mut h = String::from("From: \"Jürgen Weiß\" <juergen@example.net>\r\nTo: <anna@old.example>\r\n");
    h.push_str(&format!(
        "Subject: {subject}\r\nDate: Tue, 05 Mar 2024 07:08:09 +0100\r\n"
    ));
    if let Some(id) = message_id {
        h.push_str(&format!("Message-ID: <{id}>\r\n"));
    }
    h.push_str(
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
    );
    h.push_str(body);
    h.push_str("\r\n");
    h.into_bytes()
}

/// One message as compared: sha256 of the whole raw message, sorted flags without `\Recent`,
/// and INTERNALDATE as a UTC instant (maildir reports `+0000` whatever was given).
pub type MessageKey = (String, Vec<String>, i64);

/// A folder's messages as a multiset: key → count.
pub type Multiset = BTreeMap<MessageKey, usize>;

/// Reads every selectable folder (decoded name → multiset), read-only.
pub async fn mailbox_multiset(s: &mut Session) -> BTreeMap<String, Multiset> {
    let names: Vec<_> = s
        .list(Some(""), Some("*"))
        .await
        .expect("LIST")
        .try_collect()
        .await
        .expect("LIST");
    let mut raws: Vec<String> = names
        .iter()
        .filter(|n| {
            !n.attributes().iter().any(|a| {
                matches!(a, async_imap::types::NameAttribute::NoSelect)
                    || matches!(a, async_imap::types::NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\NonExistent"))
            })
        })
        .map(|n| n.name().to_string())
        .collect();
    raws.sort();
    let mut out = BTreeMap::new();
    for raw in raws {
        let m = s.examine(&raw).await.expect("EXAMINE");
        let mut set = Multiset::new();
        if m.exists > 0 {
            let fetches: Vec<_> = s
                .fetch("1:*", "(FLAGS INTERNALDATE BODY.PEEK[])")
                .await
                .expect("FETCH")
                .try_collect()
                .await
                .expect("FETCH");
            for f in &fetches {
                let hash = format!("{:x}", Sha256::digest(f.body().expect("body")));
                let mut flags: Vec<String> = f
                    .flags()
                    .filter(|fl| *fl != Flag::Recent)
                    .map(|fl| match fl {
                        Flag::Custom(c) => c.to_string(),
                        other => format!("\\{other:?}"),
                    })
                    .collect();
                flags.sort();
                let when = f.internal_date().expect("INTERNALDATE").timestamp();
                *set.entry((hash, flags, when)).or_insert(0) += 1;
            }
        }
        out.insert(folders::decode_mutf7(&raw).expect("mUTF-7"), set);
    }
    out
}

/// Decoded names of subscribed folders.
pub async fn subscriptions(s: &mut Session) -> Vec<String> {
    let names: Vec<_> = s
        .lsub(Some(""), Some("*"))
        .await
        .expect("LSUB")
        .try_collect()
        .await
        .expect("LSUB");
    let mut out: Vec<String> = names
        .iter()
        .map(|n| folders::decode_mutf7(n.name()).expect("mUTF-7"))
        .collect();
    out.sort();
    out
}

/// Appends one message with flags and an INTERNALDATE, creating the folder if needed.
pub async fn append(s: &mut Session, folder: &str, flags: &str, date: &str, body: &[u8]) {
    let _ = s.create(folder).await;
    s.append(folder, Some(flags), Some(&format!("\"{date}\"")), body)
        .await
        .unwrap();
}

/// A small, realistic message.
pub fn numbered_message(n: usize, subject: &str) -> Vec<u8> {
    format!(
        "From: Alice Martin <alice@customer.example>\r\nTo: bob@example.net\r\nSubject: {subject}\r\n\
         Date: Mon, 3 Mar 2025 10:{:02}:00 +0100\r\nMessage-ID: <seed-{n}-{subject}@customer.example>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nMessage number {n}.\r\nGrüße, Alice\r\n",
        n % 60
    )
    .into_bytes()
}

/// Message counts per folder of a mailbox (only non-empty folders).
pub async fn folder_counts(s: &mut Session) -> BTreeMap<String, u32> {
    let names: Vec<String> = {
        let list: Vec<_> = s.list(Some(""), Some("*")).await.unwrap().try_collect().await.unwrap();
        list.iter().map(|n| n.name().to_string()).collect()
    };
    let mut out = BTreeMap::new();
    for name in names {
        if let Ok(st) = s.status(&name, "(MESSAGES)").await {
            if st.exists > 0 {
                out.insert(name, st.exists);
            }
        }
    }
    out
}

/// Raw messages in `folder` whose headers contain `needle` (IMAP SEARCH TEXT is too loose).
pub async fn messages_with_header(s: &mut Session, folder: &str, header: &str, needle: &str) -> Vec<Vec<u8>> {
    s.select(folder).await.unwrap();
    let uids = s.uid_search(format!("HEADER {header} \"{needle}\"")).await.unwrap();
    if uids.is_empty() {
        return Vec::new();
    }
    let mut uids: Vec<u32> = uids.into_iter().collect();
    uids.sort_unstable();
    let set = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let fetched: Vec<_> = s
        .uid_fetch(set, "(UID BODY.PEEK[])")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let mut v: Vec<(u32, Vec<u8>)> = fetched
        .iter()
        .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
        .collect();
    v.sort_by_key(|(u, _)| *u);
    v.into_iter().map(|(_, b)| b).collect()
}

/// Mail the bed's Postfix delivered to an outside address (it lands in catch-all's INBOX
/// with the envelope recipient in Delivered-To).
pub async fn messages_to(catchall: &mut Session, rcpt: &str) -> Vec<Vec<u8>> {
    let tag = format!("catchall+{}@new.example", rcpt.replace('@', "="));
    messages_with_header(catchall, "INBOX", "Delivered-To", &tag).await
}

/// Sends a raw message through the bed's Postfix.
pub async fn send_mail(from: &str, to: &[&str], raw: &[u8]) {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(SMTP_PORT)
        .build();
    let env = lettre::address::Envelope::new(
        Some(from.parse().unwrap()),
        to.iter().map(|t| t.parse().unwrap()).collect(),
    )
    .unwrap();
    transport.send_raw(&env, raw).await.unwrap();
}

/// Mail the bed delivered to the outside address `rcpt` (see [`messages_to`]), logging in with
/// [`login_retrying`].
pub async fn delivered_to(rcpt: &str) -> Vec<Vec<u8>> {
    let mut s = login_retrying(Side::Dst, &admin_for("catchall@new.example")).await;
    let r = messages_to(&mut s, rcpt).await;
    let _ = s.logout().await;
    r
}
