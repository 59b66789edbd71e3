//! One customer's migration on the test bed, for the daemon's flow tests: fresh mailboxes on
//! both sides and a fresh support address, a seeded old mailbox, a config, the request mail,
//! and reading the customer's side of the thread.
// Each test binary uses a part of the helpers; the rest is dead code there.
#![allow(dead_code)]

use super::*;
use std::time::{Duration, Instant};

/// A customer with an old mailbox, a new one, and their own support address.
pub struct Customer {
    /// Unique tag of this test's names.
    pub id: String,
    /// The old mailbox.
    pub old: String,
    /// Its password.
    pub old_pass: String,
    /// The new mailbox on our side.
    pub new: String,
    /// The support address the daemon watches.
    pub support: String,
    /// Where the customer reads replies.
    pub customer: String,
    /// The staff address in Cc.
    pub staff: String,
    /// Config, store and log live here.
    pub dir: tempfile::TempDir,
}

/// Three contacts, one without a UID.
pub const THREE_CONTACTS: &str =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna Kunde\r\nUID:anna-1\r\nEMAIL:anna@example.net\r\nEND:VCARD\r\n\
                   BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob Meyer\r\nUID:bob-1\r\nEND:VCARD\r\n\
                   BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Uid Person\r\nEND:VCARD\r\n";

impl Customer {
    /// Creates the mailboxes and seeds `messages` small messages in INBOX and Sent.
    pub async fn new(prefix: &str, messages: usize) -> Customer {
        ensure_bed();
        let id = format!("{prefix}-{:08x}", rand::random::<u32>());
        let c = Customer {
            old: format!("{id}@old.example"),
            old_pass: format!("Pw-{id}-old"),
            new: format!("{id}@new.example"),
            support: format!("support-{id}@new.example"),
            customer: format!("{id}@customer.example"),
            staff: format!("staff-{id}@staff.example"),
            dir: tempfile::tempdir().unwrap(),
            id,
        };
        add_user(Side::Src, &c.old, &c.old_pass);
        add_user(Side::Dst, &c.new, "unused");
        add_user(Side::Dst, &c.support, "support-pw");
        c.seed(0, messages).await;
        c
    }

    /// Appends messages `first..first+count` to the old mailbox (INBOX, every fifth to Sent).
    pub async fn seed(&self, first: usize, count: usize) {
        let mut s = login_src(&self.old, &self.old_pass).await;
        for n in first..first + count {
            let folder = if n % 5 == 4 { "Sent" } else { "INBOX" };
            append(
                &mut s,
                folder,
                "(\\Seen)",
                "03-Mar-2025 10:00:00 +0100",
                &numbered_message(n, &self.id),
            )
            .await;
        }
        let _ = s.logout().await;
    }

    /// Writes the daemon config (bed SMTP unless `smtp_port` says otherwise) plus `extra` TOML.
    pub fn config(&self, smtp_port: u16, extra: &str) -> PathBuf {
        write_config_with(
            self.dir.path(),
            &self.support,
            "support-pw",
            &self.staff,
            smtp_port,
            extra,
        )
    }

    /// The request mail: (Message-ID, raw bytes); `extra_lines` go after the fields.
    pub fn request(&self, extra_lines: &str) -> (String, Vec<u8>) {
        let msgid = format!("req-{}@customer.example", self.id);
        let raw = format!(
            "From: {c}\r\nTo: {s}\r\nSubject: Please move my mailbox\r\nMessage-ID: <{msgid}>\r\n\
             Date: Tue, 24 Nov 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Hello,\r\n\r\nE-mail: {old}\r\nPassword: {pw}\r\nIMAP server: localhost\r\nPort: 10993\r\n\
             New address: {new}\r\n{extra_lines}\r\nThanks\r\n",
            c = self.customer,
            s = self.support,
            old = self.old,
            pw = self.old_pass,
            new = self.new,
        );
        (msgid, raw.into_bytes())
    }

    /// The request mail of [`Customer::request`] with `vcf` attached as `<old address>.vcf`.
    pub fn request_with_vcard(&self, vcf: &str) -> (String, Vec<u8>) {
        let (msgid, body) = self.request("");
        let body = String::from_utf8(body).unwrap();
        let (head, text) = body.split_once("\r\n\r\n").unwrap();
        let head = head.replace(
            "Content-Type: text/plain; charset=utf-8",
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"",
        );
        let raw = format!(
            "{head}\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--b1\r\n\
             Content-Type: text/vcard; name=\"{old}.vcf\"\r\nContent-Disposition: attachment; filename=\"{old}.vcf\"\r\n\r\n\
             {vcf}\r\n--b1--\r\n",
            old = self.old
        );
        (msgid, raw.into_bytes())
    }

    /// Sends the request through the bed's Postfix.
    pub async fn send_request(&self, extra_lines: &str) -> String {
        let (id, raw) = self.request(extra_lines);
        send_mail(&self.customer, &[&self.support], &raw).await;
        id
    }

    /// Sends a reply to `to` (one of our replies) with `text` at the top, as the customer (or
    /// as `from` when given).
    pub async fn reply_to(&self, to: &[u8], text: &str, from: Option<&str>) {
        let parsed = mail_parser::MessageParser::default().parse(to).unwrap();
        let their_id = parsed.message_id().unwrap().to_string();
        let from = from.unwrap_or(&self.customer);
        let raw = format!(
            "From: {from}\r\nTo: {s}\r\nSubject: Re: {subj}\r\nMessage-ID: <r-{r:08x}-{id}@customer.example>\r\n\
             In-Reply-To: <{their_id}>\r\nReferences: <{their_id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             {text}\r\n\r\nOn Tue, support wrote:\r\n> earlier text\r\n",
            s = self.support,
            subj = parsed.subject().unwrap_or(""),
            r = rand::random::<u32>(),
            id = self.id,
        );
        send_mail(from, &[&self.support], raw.as_bytes()).await;
    }

    /// Replies the customer has received so far, oldest first.
    pub async fn replies(&self) -> Vec<Vec<u8>> {
        let mut c = login_dst("catchall@new.example").await;
        let r = messages_to(&mut c, &self.customer).await;
        let _ = c.logout().await;
        r
    }

    /// Waits until at least `n` replies arrived (panics with the daemon log after `limit`).
    pub async fn wait_replies(&self, n: usize, limit: Duration, daemon: &Daemon) -> Vec<Vec<u8>> {
        self.wait_replies_logged(n, limit, || daemon.log_text()).await
    }

    /// Like [`Customer::wait_replies`], for a daemon run in-process (`log` says what to show).
    pub async fn wait_replies_logged(&self, n: usize, limit: Duration, log: impl Fn() -> String) -> Vec<Vec<u8>> {
        let start = Instant::now();
        loop {
            let r = self.replies().await;
            if r.len() >= n {
                return r;
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {n} replies, got {}:\n{}\ndaemon log:\n{}",
                r.len(),
                r.iter()
                    .map(|m| String::from_utf8_lossy(m).to_string())
                    .collect::<Vec<_>>()
                    .join("\n----\n"),
                log()
            );
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    }

    /// Runs a `mailferry` command with this customer's config (the daemon must be stopped).
    pub fn cli(&self, config: &Path, args: &[&str]) -> (bool, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_mailferry"))
            .arg(args[0])
            .arg("--config")
            .arg(config)
            .args(&args[1..])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(!text.contains(&self.old_pass), "the CLI printed a password:\n{text}");
        (out.status.success(), text)
    }

    /// Message counts per folder of the new mailbox.
    pub async fn new_counts(&self) -> BTreeMap<String, u32> {
        let mut d = login_dst(&self.new).await;
        let c = folder_counts(&mut d).await;
        let _ = d.logout().await;
        c
    }
}

/// The plain-text body of a raw reply, as a format=flowed reader shows it: soft line breaks
/// (a line ending in a space) joined and space-stuffing undone, so a sentence reads as one line.
pub fn body_of(raw: &[u8]) -> String {
    let text = mail_parser::MessageParser::default()
        .parse(raw)
        .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
        .unwrap_or_default();
    unflow(&text)
}

/// Undoes format=flowed (RFC 3676): space-stuffing removed, soft breaks joined; the signature
/// separator "-- " stays a line of its own.
pub fn unflow(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut soft = false;
    for raw in text.lines() {
        let line = raw.strip_prefix(' ').unwrap_or(raw);
        // A continuation's hanging indent is layout, not text.
        out.push_str(if soft { line.trim_start() } else { line });
        soft = line.ends_with(' ') && line != "-- ";
        if !soft {
            out.push('\n');
        }
    }
    out
}
