//! A reply read on a phone (issue 15): each reply of a real thread on the bed has a plain part
//! of at most 72 columns (only a fixed line such as a DNS record may be wider) and an HTML part
//! that says the same words and, in Debian's headless chromium at 390 CSS pixels wide, needs no
//! sideways scrolling, even with a 2048-bit DKIM key among the records.

mod support;

use std::time::Duration;
use support::browser::{browser_sized, chromium, run_bounded};
use support::flow::Customer;
use support::*;

const LIMIT: Duration = Duration::from_secs(90);

/// The width of a common phone screen in CSS pixels.
const PHONE: u32 = 390;

/// A page that shows `html` in a frame exactly [`PHONE`] pixels wide (headless chromium's
/// window cannot be narrower than 500 px) and writes the frame's scroll width into the DOM.
fn phone_frame(html: &str, height: u32) -> String {
    let srcdoc = html.replace('&', "&amp;").replace('"', "&quot;");
    format!(
        "<!DOCTYPE html><html><body style=\"margin:0\">\
         <iframe id=\"phone\" width=\"{PHONE}\" height=\"{height}\" style=\"border:0;display:block\" srcdoc=\"{srcdoc}\"></iframe>\
         <script>document.getElementById('phone').onload = function () {{\
           var d = this.contentDocument.documentElement;\
           document.body.setAttribute('data-scroll-width', String(d.scrollWidth));\
           document.body.setAttribute('data-client-width', String(d.clientWidth));\
         }};</script></body></html>"
    )
}

/// The reply's scroll width and client width in chromium, in a frame of phone width.
fn widths(html: &str, dir: &std::path::Path, name: &str) -> (u32, u32) {
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, phone_frame(html, 844)).unwrap();
    let bin = chromium();
    let profile = tempfile::tempdir().unwrap();
    let dom = run_bounded(
        browser_sized(&bin, profile.path(), 500, 900)
            .arg("--dump-dom")
            .arg(format!("file://{}", page.display())),
        Duration::from_secs(60),
    );
    let attr = |name: &str| -> u32 {
        let value = dom
            .split(&format!("{name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("chromium printed no {name}:\n{dom}"));
        value.parse().unwrap_or_else(|_| panic!("not a width: {value:?}"))
    };
    (attr("data-scroll-width"), attr("data-client-width"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reply_fits_a_phone_as_plain_text_and_as_html() {
    let c = Customer::new("phone", 12).await;
    let dkim = format!(
        "mf2026._domainkey.{{domain}}. TXT \\\"v=DKIM1; k=rsa; p={}\\\"",
        "MIIBIjANBgkqhkiG9w0B".repeat(20)
    );
    let config = c.config(
        SMTP_PORT,
        &format!("[dns]\nrecords = [\"{{domain}}. MX 10 mx1.new.example.\", \"{dkim}\"]\n"),
    );
    let daemon = Daemon::start(&config, c.dir.path());
    c.send_request("").await;
    let replies = c.wait_replies(2, LIMIT, &daemon).await;
    let parser = mail_parser::MessageParser::default();
    let shots = tempfile::tempdir().unwrap();
    // The measurement itself: a line that cannot wrap makes the frame scroll.
    let unwrapped = format!("<html><body><pre>{}</pre></body></html>", "x".repeat(200));
    let (wide, _) = widths(&unwrapped, shots.path(), "control");
    assert!(wide > PHONE, "a 200-character <pre> line must not fit: {wide} px");
    for (i, raw) in replies.iter().enumerate() {
        let m = parser.parse(raw).expect("a reply parses");
        let plain = m.body_text(0).expect("a plain part").into_owned();
        let html = m.body_html(0).expect("an HTML part").into_owned();
        let head = String::from_utf8_lossy(raw);
        assert!(head.contains("format=flowed"), "the plain part is flowed:\n{head}");
        for line in plain.lines() {
            assert!(
                line.chars().count() <= 72 || line.starts_with("     "),
                "reply {i}: a line wider than 72 columns that is not a fixed line:\n{line}\n{plain}"
            );
        }
        assert_eq!(
            mailferry::reply::layout::visible_words(&html),
            mailferry::reply::layout::visible_words(&plain),
            "reply {i}: the HTML part and the plain part say the same words"
        );
        let (width, client) = widths(&html, shots.path(), &format!("reply-{i}"));
        assert_eq!(client, PHONE, "the frame is as wide as a phone");
        assert!(
            width <= PHONE,
            "reply {i} scrolls sideways on a phone: {width} px\n{html}"
        );
    }
    // The first-copy reply, with its DNS records, is the widest: its screenshot goes in docs/.
    let first = parser.parse(&replies[1]).expect("a reply parses");
    let html = first.body_html(0).expect("an HTML part").into_owned();
    assert!(html.contains("DKIM1"), "the DKIM record is in the reply:\n{html}");
    let page = shots.path().join("first.html");
    std::fs::write(&page, phone_frame(&html, 1400)).unwrap();
    let shot = shots.path().join("reply-phone.png");
    let profile = tempfile::tempdir().unwrap();
    run_bounded(
        browser_sized(&chromium(), profile.path(), 500, 1400)
            .arg(format!("--screenshot={}", shot.display()))
            .arg(format!("file://{}", page.display())),
        Duration::from_secs(60),
    );
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 2000,
        "{} bytes",
        png.len()
    );
    if let Ok(keep) = std::env::var("MAILFERRY_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
