//! Contacts and calendars into the bed's Radicale: a first import writes every object, a
//! second writes none and finds them all there, an object the server refuses is named while
//! the rest of its file goes in, and a wrong admin password stops the import as a whole.

mod support;

use mailferry::migrate::dav::{import_groupware, GroupwareFileInput};
use mailferry::migrate::MigrateError;
use support::*;

fn fixture(name: &str) -> GroupwareFileInput {
    let path = format!("{}/fixtures/groupware/{name}", env!("CARGO_MANIFEST_DIR"));
    GroupwareFileInput {
        name: name.into(),
        data: std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
    }
}

fn fresh_mailbox() -> String {
    ensure_bed();
    unique_user("dav", "new.example").0
}

#[tokio::test]
async fn a_second_import_finds_everything_there_and_duplicates_nothing() {
    let mailbox = fresh_mailbox();
    let target = dav_target();
    let files = vec![
        fixture("outlook-2.1.vcf"),
        fixture("apple-3.0.vcf"),
        fixture("contacts-4.0.vcf"),
        fixture("google.ics"),
        fixture("outlook.ics"),
        fixture("apple.ics"),
    ];
    let first = import_groupware(&target, &mailbox, &files).await.expect("first import");
    let table = mailferry::migrate::dav::groupware_table(&first);
    assert_eq!(first.total_failed(), 0, "{table}");
    // 2 + 2 + 1 contacts; 3 + 2 + 4 calendar objects (a recurring event and its override are one).
    assert_eq!(first.total_objects(), 14, "{table}");
    assert_eq!(first.total_imported(), 14, "{table}");
    assert_eq!(first.total_already_there(), 0, "{table}");

    let mut client = dav_client(DAV_ADMIN.0, DAV_ADMIN.1);
    let book = target.addressbook_for(&mailbox);
    let cal = target.calendar_for(&mailbox);
    let contacts = dav_members(&mut client, &book).await;
    let events = dav_members(&mut client, &cal).await;
    assert_eq!(contacts.len(), 5, "{contacts:?}");
    assert_eq!(events.len(), 9, "{events:?}");
    assert!(contacts.contains(&"outlook-alice-0001.vcf".to_string()), "{contacts:?}");
    assert!(
        events.contains(&"7kukuqrfedlm2f9t0vl1pdfh4r@google.com.ics".to_string()),
        "{events:?}"
    );

    // The recurring stand-up is stored with its override and its time zone.
    let resp = client
        .request(
            "GET",
            &format!("{cal}7kukuqrfedlm2f9t0vl1pdfh4r@google.com.ics"),
            &[],
            b"",
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.describe());
    let text = String::from_utf8_lossy(&resp.body).replace("\r\n ", "");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 2, "{text}");
    assert!(
        text.contains("RECURRENCE-ID;TZID=Europe/Berlin:20240311T090000"),
        "{text}"
    );
    assert!(text.contains("TZID:Europe/Berlin"), "{text}");
    // The 2.1 contact arrives decoded, as 3.0.
    let resp = client
        .request("GET", &format!("{book}outlook-alice-0001.vcf"), &[], b"")
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&resp.body).contains("VERSION:3.0"));

    let second = import_groupware(&target, &mailbox, &files)
        .await
        .expect("second import");
    let table = mailferry::migrate::dav::groupware_table(&second);
    assert_eq!(second.total_imported(), 0, "{table}");
    assert_eq!(second.total_already_there(), 14, "{table}");
    assert_eq!(second.total_failed(), 0, "{table}");
    assert_eq!(dav_members(&mut client, &book).await, contacts);
    assert_eq!(dav_members(&mut client, &cal).await, events);
}

#[tokio::test]
async fn an_object_the_server_refuses_is_named_and_the_rest_goes_in() {
    let mailbox = fresh_mailbox();
    let target = dav_target();
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
        BEGIN:VEVENT\r\nUID:ok-1@example.net\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20240105T100000Z\r\nSUMMARY:Fine one\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:broken-1@example.net\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:notadate\r\nSUMMARY:Broken dinner\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:ok-2@example.net\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20240106T100000Z\r\nSUMMARY:Fine two\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:cut@example.net\r\nSUMMARY:Cut off\r\nDTST";
    let files = vec![GroupwareFileInput {
        name: "damaged.ics".into(),
        data: ics.as_bytes().to_vec(),
    }];
    let report = import_groupware(&target, &mailbox, &files).await.expect("import");
    let table = mailferry::migrate::dav::groupware_table(&report);
    let f = &report.files[0];
    assert_eq!(
        (f.objects, f.imported, f.already_there, f.failed),
        (4, 2, 0, 2),
        "{table}"
    );
    let broken = f
        .failures
        .iter()
        .find(|x| x.uid.as_deref() == Some("broken-1@example.net"))
        .unwrap_or_else(|| panic!("{table}"));
    assert_eq!(broken.label, "Broken dinner");
    assert!(broken.reason.contains("400"), "{table}");
    assert!(
        f.failures
            .iter()
            .any(|x| x.label == "Cut off" && x.reason.contains("cut off")),
        "{table}"
    );
    assert!(
        table.contains("“Broken dinner” (UID broken-1@example.net): the server answered 400"),
        "{table}"
    );
    let mut client = dav_client(DAV_ADMIN.0, DAV_ADMIN.1);
    let events = dav_members(&mut client, &target.calendar_for(&mailbox)).await;
    assert_eq!(events, ["ok-1@example.net.ics", "ok-2@example.net.ics"]);
}

#[tokio::test]
async fn a_customer_reads_their_own_contacts_and_nobody_elses() {
    let (mailbox, pass) = {
        ensure_bed();
        unique_user("davuser", "new.example")
    };
    add_user_dav(&mailbox, &pass);
    let target = dav_target();
    let report = import_groupware(&target, &mailbox, &[fixture("apple-3.0.vcf")])
        .await
        .unwrap();
    assert_eq!(report.total_imported(), 2);
    let mut own = dav_client(&mailbox, &pass);
    assert_eq!(dav_members(&mut own, &target.addressbook_for(&mailbox)).await.len(), 2);
    let other = fresh_mailbox();
    import_groupware(&target, &other, &[fixture("contacts-4.0.vcf")])
        .await
        .unwrap();
    let resp = own
        .request("PROPFIND", &target.addressbook_for(&other), &[("Depth", "1")], b"")
        .await
        .unwrap();
    assert!(resp.status == 403 || resp.status == 404, "{}", resp.describe());
}

#[tokio::test]
async fn two_imports_at_once_write_each_object_once() {
    // Both list the collections before either writes: If-None-Match decides, one PUT each wins.
    let mailbox = fresh_mailbox();
    let target = dav_target();
    let files = vec![fixture("google.ics"), fixture("apple-3.0.vcf")];
    let (a, b) = tokio::join!(
        import_groupware(&target, &mailbox, &files),
        import_groupware(&target, &mailbox, &files)
    );
    let (a, b) = (a.expect("first import"), b.expect("second import"));
    assert_eq!(a.total_failed() + b.total_failed(), 0);
    assert_eq!(a.total_imported() + b.total_imported(), 5);
    assert_eq!(a.total_already_there() + b.total_already_there(), 5);
    let mut client = dav_client(DAV_ADMIN.0, DAV_ADMIN.1);
    assert_eq!(dav_members(&mut client, &target.calendar_for(&mailbox)).await.len(), 3);
    assert_eq!(
        dav_members(&mut client, &target.addressbook_for(&mailbox)).await.len(),
        2
    );
}

#[tokio::test]
async fn a_wrong_admin_password_stops_the_import() {
    let mailbox = fresh_mailbox();
    let target = dav_target_as(DAV_ADMIN.0, "not-the-password");
    let err = import_groupware(&target, &mailbox, &[fixture("apple-3.0.vcf")])
        .await
        .expect_err("must fail");
    match err {
        MigrateError::Permanent(m) => assert!(m.contains("refused mailferry's login"), "{m}"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
}
