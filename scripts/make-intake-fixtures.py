#!/usr/bin/env python3
"""Writes fixtures/intake/NNN-name.eml (the inputs of tests/fixtures.rs).

The .eml files are committed; this script is how they were made, so tricky bytes (UTF-16,
Windows-1252, quoted-printable, base64) are built by code rather than typed. Re-run it after
editing, then `MAILFERRY_BLESS=1 cargo test --test fixtures` and review the .json by eye.
"""
import base64, io, os, quopri, zipfile

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "intake")
os.makedirs(OUT, exist_ok=True)
N = [0]

def b64(data):
    return base64.encodebytes(data).decode().replace("\n", "\r\n")

def qp(text, charset="utf-8"):
    return quopri.encodestring(text.encode(charset)).decode().replace("\n", "\r\n")

def headers(frm, subject, extra=(), msgid=None, mailer=None):
    N[0] += 1
    h = [f"From: {frm}", "To: Support <support@provider.example>", f"Subject: {subject}",
         "Date: Tue, 24 Nov 2026 09:30:00 +0100",
         f"Message-ID: <{msgid or 'fixture-%03d@client.example' % N[0]}>", "MIME-Version: 1.0"]
    if mailer:
        h.append(mailer)
    h.extend(extra)
    return "\r\n".join(h) + "\r\n"

def text_part(body, cte="8bit", charset="utf-8", ctype="text/plain", params=""):
    if cte == "quoted-printable":
        payload = qp(body, charset)
    elif cte == "base64":
        payload = b64(body.encode(charset))
    else:
        payload = body.replace("\n", "\r\n")
    return (f"Content-Type: {ctype}; charset={charset}{params}\r\n"
            f"Content-Transfer-Encoding: {cte}\r\n\r\n{payload}")

def attachment(name, ctype, data):
    return (f"Content-Type: {ctype}; name=\"{name}\"\r\n"
            f"Content-Disposition: attachment; filename=\"{name}\"\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{b64(data)}")

def multipart(kind, parts, boundary):
    body = f"Content-Type: multipart/{kind}; boundary=\"{boundary}\"\r\n\r\n"
    body += "This is a multi-part message in MIME format.\r\n"
    for p in parts:
        body += f"\r\n--{boundary}\r\n{p}"
    return body + f"\r\n--{boundary}--\r\n"

def write(name, head, body):
    path = os.path.join(OUT, "%03d-%s.eml" % (N[0], name))
    with open(path, "wb") as f:
        f.write((head + body).encode("utf-8") if isinstance(body, str) else head.encode() + body)

MUTT = "User-Agent: NeoMutt/20231103"
TB = "User-Agent: Mozilla Thunderbird 128.5.0"
APPLE = "X-Mailer: Apple Mail (2.3774.200.91.1.1)"
OUTLOOK = "X-Mailer: Microsoft Outlook 16.0"

def csv_mail(name, frm, intro, fname, data, ctype="text/csv", extra_parts=()):
    write(name, headers(frm, "Migration of our mailboxes", mailer=TB),
          multipart("mixed", [text_part(intro)] + [attachment(fname, ctype, data)] + list(extra_parts), "------------csv%03d" % N[0]))

# --- bodies in each language and client shape ------------------------------------------------
write("plain-english-mutt", headers("Anna Smith <anna@x.example>", "Mailbox migration", mailer=MUTT),
      text_part("Hello,\n\nplease move my mailbox.\n\nEmail: anna@x.example\nPassword: Tr0ub4dor&3\n"
                "IMAP server: imap.oldmail.example\nPort: 993\nSecurity: SSL/TLS\nDate: 2031-12-01 22:00\n\nThanks,\nAnna\n"))
write("german-thunderbird", headers("Jörg Müller <joerg@muster.example>", "Umzug Postfach", mailer=TB),
      text_part("Hallo,\n\nbitte zieht mein Postfach um:\n\nE-Mail-Adresse: joerg@muster.example\nPasswort: Geheim!2031\n"
                "Posteingangsserver: imap.altanbieter.example\nTermin: 02.12.2031 23:00 +01:00\n\nViele Grüße\nJörg\n\n"
                "Am 20.11.2026 um 10:00 schrieb Support <support@provider.example>:\n> E-Mail-Adresse: beispiel@muster.example\n> Passwort: xxx\n",
                params="; format=flowed"))
write("french-apple-mail", headers("Claire Dubois <claire@exemple.example>", "Migration de ma boîte", mailer=APPLE),
      text_part("Bonjour,\n\nVoici mes informations :\n\nAdresse e-mail : claire@exemple.example\nMot de passe : Éléphant#42\n"
                "Serveur IMAP : mail.ancien.example\nPort : 143\nSécurité : STARTTLS\n\nCordialement,\nClaire\n-- \nClaire Dubois\nTél. 01 23 45 67 89\n",
                cte="quoted-printable"))
write("spanish-gmail-alternative", headers("Lucía García <lucia@ejemplo.example>", "Migración de correo", mailer="X-Google-Smtp-Source: AGHT+IF"),
      multipart("alternative", [
          text_part("Hola,\n\nCorreo electrónico: lucia@ejemplo.example\nContraseña: Sol&Playa2031\nServidor IMAP: imap.viejo.example\nPuerto: 993\n\nGracias\n", cte="quoted-printable"),
          text_part('<div dir="ltr">Hola,<br><br>Correo electrónico: lucia@ejemplo.example<br>Contraseña: Sol&amp;Playa2031<br>Servidor IMAP: imap.viejo.example<br>Puerto: 993<br><br>Gracias</div>\n', cte="quoted-printable", ctype="text/html"),
      ], "000000000000a1b2c3d4e5f6"))
write("italian-plain", headers("Marco Rossi <marco@esempio.example>", "Migrazione casella", mailer=TB),
      text_part("Buongiorno,\n\nIndirizzo email: marco@esempio.example\nPassword: Pizza-Margherita9\nServer IMAP: imap.vecchio.example\nPorta: 993\nData: 2031-12-03 21:00\n\nGrazie,\nMarco\n"))
write("dutch-plain", headers("Sanne de Vries <sanne@voorbeeld.example>", "Verhuizing mailbox", mailer=MUTT),
      text_part("Hallo,\n\nE-mailadres: sanne@voorbeeld.example\nWachtwoord: Tulp&Fiets7\nInkomende server: imap.oud.example\nPoort: 993\nGebruikersnaam: sanne.devries\n\nGroeten,\nSanne\n"))
write("outlook-html-table-qp", headers("Peter Brown <peter@contoso.example>", "Migration request", mailer=OUTLOOK,
      extra=["Thread-Index: AdtE2m1k", "X-MS-Has-Attach:", "Content-Language: en-US"]),
      multipart("alternative", [
          text_part("Hi,\n\nEmail\tpeter@contoso.example\nPassword\tW1nter=Coming\nIMAP server\toutlook.old.example\nPort\t993\n\nRegards,\nPeter\n", cte="quoted-printable"),
          text_part('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style><!-- p.MsoNormal {margin:0cm;} --></style></head>'
                    '<body lang="EN-US"><div class="WordSection1"><p class="MsoNormal">Hi,<o:p></o:p></p>'
                    '<table class="MsoTableGrid" border="1"><tr><td width="200"><p class="MsoNormal">Email<o:p></o:p></p></td><td><p class="MsoNormal"><a href="mailto:peter@contoso.example">peter@contoso.example</a><o:p></o:p></p></td></tr>'
                    '<tr><td><p class="MsoNormal">Password<o:p></o:p></p></td><td><p class="MsoNormal">W1nter=Coming<o:p></o:p></p></td></tr>'
                    '<tr><td><p class="MsoNormal">IMAP server<o:p></o:p></p></td><td><p class="MsoNormal">outlook.old.example<o:p></o:p></p></td></tr>'
                    '<tr><td><p class="MsoNormal">Port<o:p></o:p></p></td><td><p class="MsoNormal">993<o:p></o:p></p></td></tr></table>'
                    '<p class="MsoNormal">Regards,<br>Peter<o:p></o:p></p></div></body></html>\n', cte="quoted-printable", ctype="text/html"),
      ], "_000_DB9PR01MB1234_"))
write("html-only-table-base64", headers("Kim Lee <kim@shop.example>", "Please migrate", mailer="X-Mailer: WebMail 5.2"),
      text_part('<html><body><p>Hello support,</p><table><tr><th>Field</th><th>Value</th></tr>'
                '<tr><td>E-mail address</td><td>kim@shop.example</td></tr><tr><td>Password</td><td>Sh0p&amp;Go!</td></tr>'
                '<tr><td>Server</td><td>imap.shophost.example</td></tr><tr><td>Port</td><td>993</td></tr></table>'
                '<blockquote><p>Email: someone@else.example</p></blockquote><p>Kim</p></body></html>\n', cte="base64", ctype="text/html"))
write("base64-plain-german", headers("Grüße <buero@baeckerei.example>", "=?UTF-8?Q?Umzug_B=C3=BCro-Postfach?=", mailer="X-Mailer: Microsoft Outlook 16.0"),
      text_part("Guten Tag,\n\nE-Mail: buero@baeckerei.example\nKennwort: Brötchen#2031\nIMAP-Server: mail.altbaecker.example\nBenutzername: buero\n\nMit freundlichen Grüßen\n", cte="base64"))
write("several-mailboxes-shared-server", headers("Admin <admin@firma.example>", "Three mailboxes", mailer=TB),
      text_part("Hi,\n\nour old server is the same for all:\nIMAP server: imap.oldhost.example\nPort: 993\n\n"
                "Email: alice@firma.example\nPassword: alice-pass-1\n\nEmail: bob@firma.example\nPassword: bob-pass-2\n\n"
                "Email: carol@firma.example\nPassword: carol-pass-3\nUsername: carol.k\nDestination: carol.k@firma.example\n\nThanks!\n"))
write("free-sentence-english", headers("Anna <anna@x.example>", "moving", mailer=MUTT),
      text_part("Hi there, please move anna@x.example over, the password is S3cret! and the old server is imap.x.example. Thanks!\n"))
write("free-sentence-german", headers("Tom <tom@beispiel.example>", "Umzug", mailer=APPLE),
      text_part("Hallo, bitte zieht tom@beispiel.example zu euch um. Das Passwort ist \"Mein Haus 12\" und der Server ist imap.beispiel-alt.example.\nDanke\n", cte="quoted-printable"))
write("quoted-request-not-read", headers("Anna <anna@x.example>", "Re: Your request", extra=["In-Reply-To: <abc@provider.example>", "References: <abc@provider.example>"], mailer=MUTT),
      text_part("Thanks, I will check with my colleague and come back to you.\n\nOn Mon, 23 Nov 2026 at 10:00, Support <support@provider.example> wrote:\n> Please send:\n> Email: you@example.com\n> Password: your password\n"))
write("signature-only-not-request", headers("Ben <ben@y.example>", "Question about prices", mailer=TB),
      text_part("Hello,\n\nhow much does a mailbox cost per month?\n\nBen\n-- \nBen Young\nEmail: ben@y.example\nPhone: +1 555 0100\n"))

# --- CSV attachments ----------------------------------------------------------------------------
csv_mail("csv-utf8-comma", "IT <it@corp.example>", "Hello, the list is attached.\n", "mailboxes.csv",
         b"email,password,server,port\r\nann@corp.example,pass-ann-1,imap.corp-old.example,993\r\nbill@corp.example,pass-bill-2,imap.corp-old.example,993\r\n")
csv_mail("csv-utf8-bom-semicolon-german", "IT <it@firma.example>", "Hallo, anbei die Liste.\n", "Postfaecher.csv",
         "\ufeffE-Mail-Adresse;Passwort;Server\r\nanna@firma.example;Sommer;2031;imap.alt.example\r\nbernd@firma.example;\"Winter;2031\";imap.alt.example\r\n".encode("utf-8"))
csv_mail("csv-utf16le-tab-excel", "IT <it@corp.example>", "Exported from Excel as Unicode text.\n", "users.csv",
         b"\xff\xfe" + "Email\tPassword\tIMAP Server\r\nzoë@corp.example\tPässwörd1\timap.corp-old.example\r\nmax@corp.example\tPassword2\timap.corp-old.example\r\n".encode("utf-16-le"))
csv_mail("csv-utf16be", "IT <it@corp.example>", "List attached.\n", "list.csv",
         b"\xfe\xff" + "email,password,host\r\nuno@corp.example,pw-uno-11,imap.corp-old.example\r\n".encode("utf-16-be"))
csv_mail("csv-cp1252-semicolon", "Büro <buero@firma.example>", "Hallo, Liste anbei.\n", "liste.csv",
         "E-Mail;Passwort;Server;Benutzername\r\nmueller@firma.example;Grün2031;imap.alt.example;müller\r\n".encode("cp1252"), ctype="application/vnd.ms-excel")
csv_mail("csv-m365-headers-server-in-body", "Admin <admin@tenant.example>",
         "Hi, M365 format attached. All are on\nIMAP server: imap.legacy.example\nPort: 993\n", "migration.csv",
         b"EmailAddress,UserName,Password\r\nsara@tenant.example,sara,Pa55-sara\r\ntim@tenant.example,tim.b,Pa55-tim\r\n")
csv_mail("csv-headerless", "Admin <admin@z.example>", "Three columns: address, password, server.\n", "accounts.csv",
         b"one@z.example,pw-one-1,imap.zold.example\ntwo@z.example,pw-two-2,imap.zold.example\n")
csv_mail("csv-quoted-blank-lines-crlf", "Admin <admin@z.example>", "See attachment.\n", "accounts.csv",
         b"\"Email\",\"Password\",\"Server\",\"Notes\"\r\n\r\n\"a@z.example\",\"p,with,commas\",\"imap.zold.example\",\"CEO, important\"\r\n,,,\r\n\"b@z.example\",\"p\"\"quote\",\"imap.zold.example\",\"\"\r\n")
csv_mail("csv-row-errors", "Admin <admin@z.example>", "List attached.\n", "accounts.csv",
         b"email,password,server,port\r\ngood@z.example,pw-good-1,imap.zold.example,993\r\nnopass@z.example,,imap.zold.example,993\r\ngood@z.example,pw-again-1,imap.zold.example,993\r\nlan@z.example,pw-lan-1,192.168.1.10,993\r\nnot-an-address,pw-x-1,imap.zold.example,993\r\nport@z.example,pw-port-1,imap.zold.example,99999\r\n,pw-orphan,imap.zold.example,993\r\n")

# --- contacts and calendars ---------------------------------------------------------------------
GOOGLE_VCF = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Alice Example\r\nN:Example;Alice;;;\r\nEMAIL;TYPE=INTERNET;TYPE=HOME:alice@home.example\r\n"
              "TEL;TYPE=CELL:+1 555 0101\r\nNOTE:A very long note that Google folds at seventy-five octets so the line co\r\n ntinues here.\r\nEND:VCARD\r\n"
              "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob Example\r\nN:Example;Bob;;;\r\nEMAIL;TYPE=INTERNET:bob@home.example\r\nEND:VCARD\r\n"
              "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Carla\r\nN:;Carla;;;\r\nitem1.EMAIL;TYPE=INTERNET:carla@home.example\r\nitem1.X-ABLabel:Work\r\nEND:VCARD\r\n")
write("vcf-google-one-mailbox", headers("Anna <anna@x.example>", "Mailbox and contacts", mailer="X-Google-Smtp-Source: AGHT+IF"),
      multipart("mixed", [text_part("Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\n"),
                          attachment("contacts.vcf", "text/x-vcard", GOOGLE_VCF.encode())], "0000000000001111aaaa"))
OUTLOOK_VCF = ("BEGIN:VCARD\r\nVERSION:2.1\r\nN;LANGUAGE=de;CHARSET=Windows-1252:M\xfcller;J\xfcrgen\r\nFN;CHARSET=Windows-1252:J\xfcrgen M\xfcller\r\n"
               "ADR;WORK;ENCODING=QUOTED-PRINTABLE:;;Hauptstra=DFe 1=0D=0A=\r\nHaus B;Berlin;;10115;Deutschland\r\n"
               "PHOTO;TYPE=JPEG;ENCODING=BASE64:\r\n /9j/4AAQSkZJRgABAQEAYABgAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0a\r\n HBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAA\r\n\r\n"
               "EMAIL;PREF;INTERNET:juergen@firma.example\r\nEND:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Schmidt;Eva\r\nFN:Eva Schmidt\r\nEMAIL;INTERNET:eva@firma.example\r\nEND:VCARD\r\n")
write("vcf-outlook-21-qp-photo", headers("Admin <admin@firma.example>", "Zwei Postfächer mit Kontakten", mailer=OUTLOOK),
      multipart("mixed", [text_part("E-Mail: anna@firma.example\nPasswort: Anna-2031\nE-Mail: bernd@firma.example\nPasswort: Bernd-2031\nServer: imap.alt.example\n", cte="quoted-printable"),
                          attachment("Anna.vcf", "text/x-vcard", OUTLOOK_VCF.encode("cp1252"))], "_002_outlook_vcf_"))
APPLE_VCF = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\nFN:Dora Apple\r\nN:Apple;Dora;;;\r\n"
             "PHOTO:data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\r\n"
             "EMAIL;TYPE=work:dora@apple-user.example\r\nEND:VCARD\r\n"
             "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\nFN:Duplicate UID\r\nEND:VCARD\r\n")
write("vcf-apple-40-named-by-address", headers("Admin <admin@firma.example>", "Contacts for Bob", mailer=APPLE),
      multipart("mixed", [text_part("Email: anna@firma.example\nPassword: Anna-2031\nEmail: bob@firma.example\nPassword: Bob-2031\nServer: imap.alt.example\n"),
                          attachment("bob@firma.example.vcf", "text/vcard", APPLE_VCF.encode())], "Apple-Mail=_B1C2D3"))
GOOGLE_ICS = ("BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"
              "X-WR-CALNAME:anna@x.example\r\nX-WR-TIMEZONE:Europe/Berlin\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
              "TZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
              "TZNAME:CET\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
              + "".join(f"BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Berlin:203101{d:02d}T090000\r\nDTEND;TZID=Europe/Berlin:203101{d:02d}T100000\r\nUID:{d}abc@google.com\r\n"
                        f"SUMMARY:Meeting {d}\r\nDESCRIPTION:A description long enough to be folded by the exporter at seventy-five oc\r\n tets.\r\nEND:VEVENT\r\n" for d in range(1, 6))
              + "END:VCALENDAR\r\n")
write("ics-google-one-mailbox", headers("Anna <anna@x.example>", "Calendar too", mailer="X-Google-Smtp-Source: AGHT+IF"),
      multipart("mixed", [text_part("Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\n"),
                          attachment("anna@x.example.ics", "text/calendar", GOOGLE_ICS.encode())], "0000000000002222bbbb"))
OUTLOOK_ICS = ("BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\n"
               "BEGIN:VEVENT\r\nCLASS:PUBLIC\r\nDTSTART:20310105T080000Z\r\nDTEND:20310105T090000Z\r\nSUMMARY;LANGUAGE=de:Ohne UID\r\nEND:VEVENT\r\n"
               "BEGIN:VEVENT\r\nUID:040000008200E00074C5B7101A82E008000000001\r\nDTSTART:20310106T080000Z\r\nSUMMARY:Same UID 1\r\nEND:VEVENT\r\n"
               "BEGIN:VEVENT\r\nUID:040000008200E00074C5B7101A82E008000000001\r\nDTSTART:20310107T080000Z\r\nSUMMARY:Same UID 2\r\nEND:VEVENT\r\n"
               "END:VCALENDAR\r\n")
write("ics-outlook-missing-and-duplicate-uid", headers("Peter <peter@contoso.example>", "Calendar export", mailer=OUTLOOK),
      multipart("mixed", [text_part("Email: peter@contoso.example\nPassword: W1nter=Coming\nServer: outlook.old.example\n"),
                          attachment("Calendar.ics", "text/calendar", OUTLOOK_ICS.encode())], "_003_outlook_ics_"))
APPLE_ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//macOS 15.1//EN\r\n"
             + "".join(f"BEGIN:VEVENT\r\nUID:APPLE-{i:04d}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:2031{(i % 12) + 1:02d}{(i % 28) + 1:02d}\r\nSUMMARY:Birthday {i}\r\nEND:VEVENT\r\n" for i in range(120))
             + "".join(f"BEGIN:VTODO\r\nUID:TODO-{i}\r\nSUMMARY:Task {i}\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VTODO\r\n" for i in range(5))
             + "END:VCALENDAR\r\n")
write("ics-apple-many-objects", headers("Dora <dora@apple-user.example>", "Calendar", mailer=APPLE),
      multipart("mixed", [text_part("Email: dora@apple-user.example\nPassword: iCloud-is-not-this\nServer: imap.mail.old.example\n"),
                          attachment("Home.ics", "text/calendar", APPLE_ICS.encode())], "Apple-Mail=_C3D4"))
write("vcf-broken-unterminated", headers("Anna <anna@x.example>", "Contacts", mailer=TB),
      multipart("mixed", [text_part("Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\n"),
                          attachment("contacts.vcf", "text/vcard", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut off\r\nEMAIL:cut@x.example\r\n")], "------------broken"))
write("groupware-only-goes-to-sender", headers("Eve <eve@y.example>", "My contacts", mailer=TB),
      multipart("mixed", [text_part("Hello, here are my contacts, my mailbox is already moved.\n"),
                          attachment("export.vcf", "text/vcard", GOOGLE_VCF.encode())], "------------gwonly"))

# --- mail never answered ------------------------------------------------------------------------
write("autoreply-auto-submitted", headers("Anna <anna@x.example>", "Automatic reply: Mailbox migration", extra=["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"], mailer=OUTLOOK),
      text_part("I am out of the office until Monday.\nEmail: anna@x.example\nPassword: not-a-request\n"))
write("out-of-office-subject-german", headers("Jörg <joerg@muster.example>", "Abwesenheitsnotiz: Umzug Postfach", mailer=OUTLOOK),
      text_part("Ich bin bis 30.11. nicht im Büro.\n"))
write("bounce-rfc3464", headers("Mail Delivery System <MAILER-DAEMON@mx.provider.example>", "Undelivered Mail Returned to Sender", extra=["Auto-Submitted: auto-replied"]),
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"BNDRY\"\r\n\r\n--BNDRY\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.provider.example.\r\n\r\n"
      "--BNDRY\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.provider.example\r\n\r\nFinal-Recipient: rfc822; nobody@x.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--BNDRY--\r\n")
write("bounce-nonstandard-postmaster", headers("postmaster@oldhost.example", "Mail delivery failed: returning message to sender"),
      text_part("This message was created automatically by mail delivery software.\nA message that you sent could not be delivered.\n  nobody@oldhost.example\n"))
write("mailing-list", headers("Hosting News <news@lists.provider.example>", "Monthly newsletter", extra=["List-Id: <news.lists.provider.example>", "List-Unsubscribe: <mailto:leave@lists.provider.example>", "Precedence: list"]),
      text_part("News of the month. Email: test@x.example Password: no\n"))
write("own-loop-header", headers("Support <support@provider.example>", "Re: Mailbox migration [MIG-000123]", extra=["X-Mailferry-Loop: 1", "Auto-Submitted: auto-replied"]),
      text_part("Your migration is scheduled.\n"))

# --- commands -----------------------------------------------------------------------------------
def reply(name, frm, subject, text, mailer=MUTT, ticket_in_subject=True, quote="On Mon, 23 Nov 2026 at 10:00, Support <support@provider.example> wrote:\n> Your migration is scheduled.\n> Email: anna@x.example\n"):
    write(name, headers(frm, subject, extra=["In-Reply-To: <reply-1@provider.example>", "References: <req-1@client.example> <reply-1@provider.example>"], mailer=mailer),
          text_part(text + "\n\n" + quote))
reply("command-status-english", "Anna <anna@x.example>", "Re: Mailbox migration [MIG-000123]", "Status?")
reply("command-cancel-german", "Jörg <joerg@muster.example>", "AW: Umzug Postfach [MIG-000124]", "Abbrechen, bitte.\nWir bleiben beim alten Anbieter.",
      quote="Am 23.11.2026 um 10:00 schrieb Support <support@provider.example>:\n> Ihr Umzug ist geplant.\n")
reply("command-dns-french", "Claire <claire@exemple.example>", "RE: Migration de ma boîte [MIG-000125]", "DNS modifié", mailer=APPLE,
      quote="Le lun. 23 nov. 2026 à 10:00, Support <support@provider.example> a écrit :\n> Votre migration est prête.\n")
reply("command-status-spanish", "Lucía <lucia@ejemplo.example>", "Re: Migración de correo [MIG-000126]", "Estado?")
reply("command-cancel-italian", "Marco <marco@esempio.example>", "R: Migrazione casella [MIG-000127]", "Annulla")
reply("command-dns-dutch", "Sanne <sanne@voorbeeld.example>", "Re: Verhuizing mailbox [MIG-000128]", "DNS gewijzigd!")
reply("command-approve-staff", "Staff <ops@provider.example>", "Re: Mailbox migration [MIG-000129]", "approve")
reply("command-retry-outlook-block", "Staff <ops@provider.example>", "RE: Mailbox migration [MIG-000130]", "Retry\n\nBest,\nOps", mailer=OUTLOOK,
      quote="________________________________\nFrom: Support <support@provider.example>\nSent: Monday, November 23, 2026 10:00\nTo: Ops\nSubject: Mailbox migration\n\nstatus\n")
write("command-word-in-new-mail-is-not-command", headers("Ben <ben@y.example>", "status", mailer=MUTT), text_part("status\n"))
reply("reply-with-missing-fields", "Anna <anna@x.example>", "Re: Mailbox migration [MIG-000131]",
      "Sorry, here is the rest:\nPassword: Tr0ub4dor&3\nIMAP server: imap.oldmail.example\nEmail: anna@x.example")

# --- validation -----------------------------------------------------------------------------------
def simple(name, subject, text, frm="Anna <anna@x.example>"):
    write(name, headers(frm, subject, mailer=MUTT), text_part(text))
simple("schedule-in-the-past", "Migration", "Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\nDate: 2020-03-01 22:00\n")
simple("schedule-too-soon", "Migration", "Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\nSchedule: 2026-11-26 08:00\n")
simple("schedule-with-zone-and-unreadable", "Migration", "Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\nDate: 01.12.2031 22:00 +01:00\n\nEmail: ben@x.example\nPassword: Ben-2031\nDate: next friday evening\n")
simple("private-ip-host", "Migration", "Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: 192.168.1.10\n")
simple("bad-port-and-security", "Migration", "Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\nPort: 99999\nSecurity: maybe\n")
simple("password-without-email", "Migration", "Hello,\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\n")
simple("missing-password-and-server", "Migration", "Email: anna@x.example\n\nThanks\n")
simple("imaps-url-host-and-destination", "Migration", "Email: anna@x.example\nPassword = Tr0ub4dor&3\nServer = imaps://Mail.OldMail.example:993/\nNew address - anna.smith@x.example\nLogin - anna01\n")
simple("duplicate-in-body", "Migration", "Email: anna@x.example\nPassword: one-1111\nEmail: anna@x.example\nPassword: two-2222\nServer: imap.oldmail.example\n")
write("outlook-from-sent-block", headers("Peter <peter@contoso.example>", "FW: migration", mailer=OUTLOOK),
      text_part("Please do this one:\nEmail: peter@contoso.example\nPassword: W1nter=Coming\nServer: outlook.old.example\n\n"
                "From: Boss <boss@contoso.example>\nSent: Monday, November 23, 2026 9:00 AM\nTo: Peter\nSubject: migration\n\nEmail: boss@contoso.example\nPassword: boss-secret\n", cte="quoted-printable"))
write("gmail-wrapped-attribution", headers("Anna <anna@x.example>", "Migration", mailer="X-Google-Smtp-Source: AGHT+IF"),
      multipart("alternative", [
          text_part("Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\n\nOn Mon, Nov 23, 2026 at 10:00 AM Support <\nsupport@provider.example> wrote:\n\n> Email: old@x.example\n"),
          text_part('<div dir="ltr">Email: anna@x.example<br>Password: Tr0ub4dor&amp;3<br>Server: imap.oldmail.example</div><br><div class="gmail_quote"><blockquote class="gmail_quote">Email: old@x.example</blockquote></div>\n', ctype="text/html"),
      ], "000000000000ccccdddd"))
csv_mail("csv-and-body-mailbox-shared-port", "Admin <admin@corp.example>", "Also my own:\nEmail: admin@corp.example\nPassword: admin-pass-1\nServer: imap.corp-old.example\nPort: 143\nSecurity: STARTTLS\n", "more.csv",
         b"email,password,server\nann@corp.example,pass-ann-1,\nann@corp.example,pass-ann-2,imap.other.example\n")
simple("postal-address-in-signature", "Migration", "Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\n\nKind regards\nAnna Smith\nAddress: Main Street 1, Springfield\nPhone: +1 555 0100\n")
write("free-sentence-french-html-only", headers("Luc <luc@exemple.example>", "Migration", mailer=APPLE),
      text_part("<html><body><p>Bonjour, merci de migrer luc@exemple.example ; le mot de passe est Baguette-42 et le serveur est imap.ancien.example.</p><p>Luc</p></body></html>\n", ctype="text/html", cte="quoted-printable"))

# --- issue 12: requests written freely --------------------------------------------------------
def xlsx(sheets):
    """A minimal .xlsx: sheets = [(name, [[cell, ...], ...] with row numbers starting at 1)]."""
    buf = io.BytesIO()
    z = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    over = "".join(f'<Override PartName="/xl/worksheets/sheet{i+1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(len(sheets)))
    z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' + over + '</Types>')
    z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {ns}><sheets>' + "".join(f'<sheet name="{n}" sheetId="{i+1}" r:id="rId{i+1}"/>' for i, (n, _) in enumerate(sheets)) + '</sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' + "".join(f'<Relationship Id="rId{i+1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i+1}.xml"/>' for i in range(len(sheets))) + '</Relationships>')
    for i, (_, rows) in enumerate(sheets):
        xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {ns}><sheetData>'
        for r, cells in rows:
            xml += f'<row r="{r}">'
            for c, v in enumerate(cells):
                ref = "ABCDEFGHIJ"[c] + str(r)
                if v is None or v == "":
                    continue
                if isinstance(v, (int, float)):
                    xml += f'<c r="{ref}"><v>{v}</v></c>'
                else:
                    v = v.replace("&", "&amp;").replace("<", "&lt;")
                    xml += f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
            xml += '</row>'
        z.writestr(f"xl/worksheets/sheet{i+1}.xml", xml + '</sheetData></worksheet>')
    z.close()
    return buf.getvalue()

def ods(name, rows):
    """A minimal .ods with one sheet."""
    buf = io.BytesIO()
    z = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
    z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    xml = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
           f'<office:body><office:spreadsheet><table:table table:name="{name}">')
    for cells in rows:
        xml += '<table:table-row>'
        for v in cells:
            if v == "":
                xml += '<table:table-cell/>'
            elif isinstance(v, int):
                xml += f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
            else:
                xml += f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
        xml += '<table:table-cell table:number-columns-repeated="1019"/></table:table-row>'
    xml += '<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    z.writestr("content.xml", xml + '</table:table></office:spreadsheet></office:body></office:document-content>')
    z.close()
    return buf.getvalue()

simple("intent-without-any-address", "Moving our e-mail to you",
       "Hello,\n\nwe are a small office and would like to move our mailboxes to your service next month.\nWhat do you need from us?\n\nKind regards\nPaula\n", frm="Paula <paula@office.example>")
simple("intent-address-and-server-no-password", "Migration",
       "Please migrate tom@garage.example from imap.oldgarage.example.\n\nTom\n", frm="Tom <tom@garage.example>")
simple("sentence-then-labelled-lines", "Mailbox move",
       "Hi,\n\nPlease migrate lea@law.example.\n\nPassword: Justice#2031\nIMAP server: imaps://mail.oldlaw.example:993\n\nThanks, Lea\n", frm="Lea <lea@law.example>")
write("sentences-french-question", headers("Claire <claire@atelier.example>", "Question", mailer=APPLE),
      text_part("Bonjour,\n\npourriez-vous migrer la boîte contact@atelier.example depuis mail.ancien-hebergeur.example ? Le mot de passe est Atelier!2031 et l'identifiant est contact.\n\nMerci d'avance,\nClaire\n", cte="quoted-printable"))
simple("sentences-dutch", "Verhuizing",
       "Hallo,\n\nKunnen jullie kees@bedrijf.example verhuizen van imap.oud.example? Het wachtwoord is Fiets_99.\n\nMet vriendelijke groeten\nKees\n", frm="Kees <kees@bedrijf.example>")
simple("password-not-guessed-from-numbers", "Please migrate our shop mailbox",
       "Hello,\n\nplease migrate info@shop.example from imap.shop-old.example.\nOur customer number is 4711-XK-99 and the order token ab12CD34ef.\n\nBest regards\nTom Baker\nShop Ltd | +49 30 1234567 | tom@shop.example\nRef: Zx9-Q2!7\n", frm="Tom <tom@shop.example>")
write("html-table-header-row-outlook", headers("Ines <ines@kanzlei.example>", "Umzug unserer Postfächer", mailer=OUTLOOK, extra=["Content-Language: de-DE"]),
      multipart("alternative", [
          text_part("Hallo,\n\nbitte zieht diese Postfächer um (Tabelle in HTML).\n\nGrüße\nInes\n", cte="quoted-printable"),
          text_part('<html><head><style>p.MsoNormal{margin:0}</style></head><body><div class="WordSection1"><p class="MsoNormal">Hallo,<o:p></o:p></p>'
                    '<p class="MsoNormal">bitte zieht diese Postfächer um:<o:p></o:p></p>'
                    '<table class="MsoTableGrid" border="1"><tr><td><p class="MsoNormal"><b>Passwort<o:p></o:p></b></p></td><td><p class="MsoNormal"><b>E-Mail-Adresse<o:p></o:p></b></p></td><td><p class="MsoNormal"><b>Posteingangsserver<o:p></o:p></b></p></td><td><p class="MsoNormal"><b>Bemerkung</b></p></td></tr>'
                    '<tr><td><p class="MsoNormal">Recht&amp;Ordnung1</p></td><td><p class="MsoNormal"><a href="mailto:ines@kanzlei.example">ines@kanzlei.example</a></p></td><td rowspan="2"><p class="MsoNormal">imap.alt-kanzlei.example</p></td><td><p class="MsoNormal">Chefin</p></td></tr>'
                    '<tr><td><p class="MsoNormal">Akte-2031</p></td><td><p class="MsoNormal">buero@kanzlei.example</p></td><td></td></tr>'
                    '</table><p class="MsoNormal">Grüße<br>Ines</p></div></body></html>\n', cte="quoted-printable", ctype="text/html"),
      ], "_000_KANZLEI_"))
simple("markdown-pipe-table", "Migrate three mailboxes",
       "Hi, please migrate these:\n\n| Email | Password | Server | Port |\n|-------|----------|--------|------|\n| ann@team.example | Ann-pass-1 | imap.team-old.example | 993 |\n| ben@team.example | Ben-pass-2 | imap.team-old.example | 993 |\n| cid@team.example |  | imap.team-old.example | 993 |\n\nThanks\n", frm="Ann <ann@team.example>")
simple("aligned-text-table-dutch", "Verhuizing mailboxen",
       "Hallo,\n\nGraag de volgende mailboxen verhuizen, de server is imap.oud.example:\n\nE-mailadres           Wachtwoord     Gebruikersnaam\njan@winkel.example    Jan#2031       jan\npiet@winkel.example   Piet#2031      piet.w\n\nGroeten,\nJan\n", frm="Jan <jan@winkel.example>")
simple("pasted-csv-spanish", "Migración de buzones",
       "Hola,\n\nqueremos migrar estos buzones:\n\ncorreo;contraseña;servidor;puerto\nana@tienda.example;Ana-2031;imap.viejo.example;993\nluis@tienda.example;Luis-2031;imap.viejo.example;993\n\nGracias\nAna\n", frm="Ana <ana@tienda.example>")
write("xlsx-title-row-two-sheets", headers("IT <it@corp.example>", "Mailbox migration list", mailer=OUTLOOK),
      multipart("mixed", [text_part("Hello, the list is attached. All are on\nIMAP server: imap.corp-old.example\nPort: 993\n"),
                          attachment("Migration.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                     xlsx([("Notes", [(1, ["Please migrate the mailboxes on the next sheet."])]),
                                           ("Mailboxes", [(1, ["Mailboxes of Corp Ltd"]), (3, ["Email", "Password", "Username"]),
                                                          (4, ["ann@corp.example", "Ann-2031", "ann"]), (5, ["bob@corp.example", 123456, ""]),
                                                          (6, ["", "lost-pass", "x"])])]))], "_004_xlsx_"))
write("ods-as-octet-stream-italian", headers("Marco <marco@studio.example>", "Migrazione caselle", mailer=TB),
      multipart("mixed", [text_part("Buongiorno, in allegato le caselle da trasferire.\n"),
                          attachment("caselle", "application/octet-stream",
                                     ods("Caselle", [["Indirizzo email", "Password", "Server IMAP", "Porta"],
                                                     ["marco@studio.example", "Studio-2031", "imap.vecchio.example", 993],
                                                     ["giulia@studio.example", "Giulia-2031", "imap.vecchio.example", 993]]))], "------------ods"))
csv_mail("txt-utf16-without-bom", "IT <it@corp.example>", "Exported as Unicode text.\n", "users.txt",
         "Email\tPassword\tIMAP Server\r\nzoë@corp.example\tPässwörd1\timap.corp-old.example\r\n".encode("utf-16-le"), ctype="text/plain")
write("gmail-forward-with-author", headers("Boss <boss@firm.example>", "Fwd: Mailbox move", mailer="X-Google-Smtp-Source: AGHT+IF"),
      text_part("Please take care of this.\n\n---------- Forwarded message ---------\nFrom: Lea Law <lea@firm.example>\nDate: Mon, 23 Nov 2026 at 09:00\nSubject: Mailbox move\nTo: Boss <boss@firm.example>\n\n"
                "Hi, please migrate lea@firm.example from imap.oldfirm.example, the password is Lea-2031!\n\n"
                "On Sun, 22 Nov 2026 at 10:00, Support <support@provider.example> wrote:\n> Email: someone@else.example\n"))
write("apple-forward-html-french", headers("Chef <chef@maison.example>", "TR: Migration", mailer=APPLE),
      text_part('<html><body><div>Voir ci-dessous, merci.</div><div><br><blockquote type="cite"><div>Début du message réexpédié :</div><br>'
                '<div><b>De: </b>Julie &lt;julie@maison.example&gt;</div><div><b>Objet: </b>Migration</div><div><b>Date: </b>23 novembre 2026</div><div><b>À: </b>Chef</div><br>'
                '<div>Bonjour, merci de migrer julie@maison.example ; le mot de passe est Maison#42 et le serveur est imap.ancienne.example.</div></blockquote></div></body></html>\n',
                ctype="text/html", cte="quoted-printable"))
N[0] -= 1  # the attached mail takes no fixture number of its own
inner = (headers("Sam <sam@crew.example>", "Our list") + multipart("mixed", [text_part("Hi IT, please move these to the new provider.\n"),
         attachment("crew.csv", "text/csv", b"email,password,server\r\nsam@crew.example,Sam-2031,imap.crew-old.example\r\nkai@crew.example,Kai-2031,imap.crew-old.example\r\n")], "inner-b"))
write("forward-as-attachment-with-csv", headers("IT <it@crew.example>", "FW: Our list", mailer=OUTLOOK),
      multipart("mixed", [text_part("See the attached mail.\n"),
                          "Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"Our list.eml\"\r\n\r\n" + inner], "outer-b"))
write("reply-with-password-only", headers("Anna <anna@x.example>", "Re: Mailbox migration [MIG-000140]", extra=["In-Reply-To: <reply-2@provider.example>", "References: <reply-2@provider.example>"], mailer=MUTT),
      text_part("Here it is:\nPassword: Tr0ub4dor&3\n\nOn Mon, 23 Nov 2026 at 10:00, Support <support@provider.example> wrote:\n> Please send the password.\n"))
simple("idn-server-and-port", "Postfach-Umzug",
       "Hallo,\n\nE-Mail: jörg@baeckerei.example\nE-Mail: info@baeckerei.example\nPasswort: Brötchen#7\nServer: imap.bäckerei-müller.de:993\n", frm="Info <info@baeckerei.example>")
RECUR_ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n"
             "BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTART:20310106T080000Z\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:Standup\r\nEND:VEVENT\r\n"
             "BEGIN:VEVENT\r\nUID:weekly-1\r\nRECURRENCE-ID:20310113T080000Z\r\nDTSTART:20310113T090000Z\r\nSUMMARY:Standup (moved)\r\nEND:VEVENT\r\n"
             "BEGIN:VEVENT\r\nUID:weekly-1\r\nRECURRENCE-ID:20310120T080000Z\r\nDTSTART:20310120T100000Z\r\nSUMMARY:Standup (moved again)\r\nDESCRIPTION:a long note folded so that the next line\r\n END:VEVENT is only text\r\nEND:VEVENT\r\n"
             "BEGIN:VEVENT\r\nDTSTART:20310107T080000Z\r\nSUMMARY:No UID\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
UTF16_VCF = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Ämter\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Max\r\nEND:VCARD\r\n".encode("utf-16-le")
write("ics-recurring-and-utf16-vcf", headers("Anna <anna@x.example>", "Calendar and contacts", mailer=TB),
      multipart("mixed", [text_part("Email: anna@x.example\nPassword: Tr0ub4dor&3\nServer: imap.oldmail.example\n"),
                          attachment("anna.ics", "text/calendar", RECUR_ICS.encode()),
                          attachment("anna.vcf", "text/vcard", UTF16_VCF)], "------------recur"))
write("thunderbird-forward-german", headers("Chef <chef@firma.example>", "WG: Umzug", mailer=TB),
      text_part("Bitte erledigen, danke.\n\n-------- Weitergeleitete Nachricht --------\nBetreff: \tUmzug\nDatum: \tMon, 23 Nov 2026 09:00:00 +0100\nVon: \tMia <mia@firma.example>\nAn: \tChef <chef@firma.example>\n\n"
                "Hallo Chef,\n\nbitte lass mein Postfach umziehen:\nE-Mail: mia@firma.example\nPasswort: Mia-2031\nServer: imap.alt.example\n\nGruß\nMia\n"))

# --- round 2: commands written as sentences, language of short replies ----------------------------
OUTLOOK_NL_QUOTE = ("Van: Support <support@provider.example>\nVerzonden: maandag 23 november 2026 10:00\nAan: Eva\n"
                    "Onderwerp: Verhuizing mailbox [MIG-000150]\n\nU kunt de migratie annuleren door te antwoorden.\n")
reply("sentence-cancel-dutch-outlook", "Eva <eva@bakkerij.example>", "Antw: Verhuizing mailbox [MIG-000150]",
      "Goedemiddag,\n\nWilt u de verhuizing stopzetten? We hebben besloten voorlopig bij onze huidige provider te blijven.\n\nMet vriendelijke groet,\nEva de Wit", mailer=OUTLOOK, quote=OUTLOOK_NL_QUOTE)
reply("sentence-status-french-thunderbird", "Paul <paul@cabinet.example>", "Re: Migration de nos boîtes [MIG-000151]",
      "Bonjour,\n\nPourriez-vous me dire où en est le transfert ? Nos collaborateurs s'impatientent un peu.\n\nBien à vous,\nPaul", mailer=TB,
      quote="Le 23/11/2026 à 10:00, Support a écrit :\n> Votre migration est prévue cette nuit. Vous pouvez l'annuler en répondant.\n")
reply("sentence-dns-italian-outlook", "Sara <sara@ottica.example>", "R: Migrazione caselle [MIG-000152]",
      "Salve,\nvi informo che abbiamo aggiornato i record MX ieri sera.\nSaluti\nSara", mailer=OUTLOOK,
      quote="Da: Support <support@provider.example>\nInviato: lunedì 23 novembre 2026 10:00\nA: Sara\nOggetto: Migrazione caselle\n\nQuando avrete cambiato i DNS, rispondete.\n")
reply("sentence-negated-cancel-german-apple", "Tom <tom@werkstatt.example>", "Re: Ihr Umzugsauftrag [MIG-000153]",
      "Hallo,\nmein Kollege hat sich vertan: bitte den Umzug auf keinen Fall stornieren!\nTom", mailer=APPLE,
      quote="> Am 23.11.2026 um 10:00 schrieb Support <support@provider.example>:\n>\n> Ihr Umzug beginnt heute Nacht.\n")
reply("sentence-two-commands-english", "Kim <kim@studio.example>", "Re: Your migration request [MIG-000154]",
      "Hi there, we have switched the nameservers over to you this morning. Also, how long will the rest take?\n\nCheers, Kim")
reply("sentence-question-whether-spanish", "Raúl <raul@taller.example>", "RE: Su solicitud [MIG-000155]",
      "Buenas tardes:\n\n¿Todavía estamos a tiempo de cancelar la migración? Lo estamos pensando.\n\nUn saludo,\nRaúl", mailer=OUTLOOK,
      quote="De: Support <support@provider.example>\nEnviado el: lunes, 23 de noviembre de 2026 10:00\nPara: Raúl\nAsunto: Su solicitud\n\nLa migración empieza esta noche.\n")
reply("short-thanks-german-client-words", "Uwe <uwe@kfz.example>", "AW: [MIG-000156] Ihr Umzugsauftrag",
      "Top, danke!\nUwe", mailer=OUTLOOK,
      quote="Von: Support <support@provider.example>\nGesendet: Montag, 23. November 2026 10:00\nAn: Uwe\nBetreff: [MIG-000156] Ihr Umzugsauftrag\n\nDer Umzug ist fertig.\n")

# --- round 2: tables as customers paste them ----------------------------------------------------
simple("table-header-notes-login-equals-address", "Mailbox move for the shop",
       "Hi,\n\nplease move these mailboxes, details below.\n\nE-mail (work)\tPassword (current)\tLogin (if different)\tIMAP server [old]\n"
       "sue@shop.example\tSue-Pass-2031\tsue@shop.example\timap.shop-old.example\nmax@shop.example\tMax-Pass-2031\tmaxw\timap.shop-old.example\n\nThanks, Sue\n",
       frm="Sue <sue@shop.example>")
simple("table-server-in-first-row-only-italian", "Migrazione caselle dello studio",
       "Buongiorno,\n\nvi chiediamo di migrare le caselle seguenti (il server è lo stesso per tutte):\n\n"
       "Indirizzo email\tPassword\tServer IMAP\tPorta\nluca@studio-rossi.example\tLuca-2031!\timap.vecchiohost.example\t993\n"
       "anna@studio-rossi.example\tAnna-2031!\t\t\ninfo@studio-rossi.example\tInfo-2031!\t\t\n\nCordiali saluti\nLuca Rossi\n",
       frm="Luca <luca@studio-rossi.example>")
write("aligned-table-wrapped-rows-german-apple", headers("Jana <jana@verein.example>", "Postfächer umziehen", mailer=APPLE),
      text_part("Hallo zusammen,\n\nbitte zieht diese Postfächer zu euch um:\n\nE-Mail-Adresse                Passwort            Posteingangsserver\n"
                "kasse@verein.example          Kasse=2031          \nimap.altverein.example\n"
                "jugend@verein.example         Jugend=2031         \nimap.altverein.example\n\nViele Grüße\nJana\n",
                params="; format=flowed"))
write("markdown-table-wrapped-french-thunderbird", headers("Marc <marc@agence.example>", "Migration des boîtes", mailer=TB),
      text_part("Bonjour,\n\nmerci de migrer ces boîtes :\n\n| Adresse e-mail               | Serveur                 | \nIdentifiant | Mot de passe   |\n"
                "|------------------------------|-------------------------|-------------|----------------|\n"
                "| marc@agence.example          | imap.ancien-hote.example | \nmarc01      | Agence!2031    |\n"
                "| compta@agence.example        | imap.ancien-hote.example | \ncompta01    | Compta!2031    |\n\nCordialement,\nMarc\n",
                params="; format=flowed"))
csv_mail("csv-ditto-cells-spanish", "Pilar <pilar@clinica.example>", "Hola, os adjunto la lista de buzones a migrar.\n", "buzones.csv",
         "correo;contraseña;servidor;puerto\npilar@clinica.example;Pilar-2031;imap.clinica-vieja.example;993\nrecepcion@clinica.example;Recep-2031;ídem;ídem\nadmin@clinica.example;Admin-2031;〃;〃\n".encode("utf-8"))
simple("single-space-sheet-paste-german", "Postfach-Umzug Praxis",
       "Guten Tag,\n\nbitte migrieren Sie diese Postfächer (aus Google Tabellen kopiert):\n\nBenutzername E-Mail Passwort Server\n"
       "empfang empfang@praxis.example Empfang-2031 imap.praxis-alt.example\n abrechnung@praxis.example Abr-2031 imap.praxis-alt.example\n\nMit freundlichen Grüßen\nDr. Weber\n",
       frm="Dr. Weber <weber@praxis.example>")
csv_mail("csv-port-in-parentheses-italian", "Gino <gino@bottega.example>",
         "Salve, in allegato le caselle. Il server è per tutte imap.bottega-vecchia.example (porta 143) con STARTTLS.\n", "caselle.csv",
         b"email,password\r\ngino@bottega.example,Gino-2031\r\nnegozio@bottega.example,Negozio-2031\r\n")

# --- round 2: forwards and sentences --------------------------------------------------------------
write("forward-fields-without-address-german", headers("Chef <chef@kanzlei-braun.example>", "Fwd: Zugang altes Postfach", mailer="X-Google-Smtp-Source: AGHT+IF"),
      text_part("Hallo, bitte das Postfach meiner Kollegin umziehen, Details unten.\n\nDanke\nJan\n\n---------- Weitergeleitete Nachricht ---------\n"
                "Von: Karin Braun <k.braun@kanzlei-braun.example>\nDate: Mo., 23. Nov. 2026 um 14:02 Uhr\nSubject: Zugang\nTo: Jan <chef@kanzlei-braun.example>\n\n"
                "Hallo Jan,\n\nmein Benutzername für das alte Webmail ist kbraun01, das Passwort lautet Akte+Zeichen7 und der Server ist imap.alt-kanzlei.example.\n\nKarin\n"))
simple("login-label-holds-the-address-french", "Migration de nos boîtes",
       "Bonjour,\n\nvoici les accès pour la migration :\n\nIdentifiant : accueil@gite.example\nMot de passe : Gite-Rose-2031\nServeur : imap.vieil-hote.example\n\n"
       "Identifiant : resa@gite.example\nMot de passe : Resa-Lilas-2031\nServeur : imap.vieil-hote.example\n\nCordialement,\nNadia\n", frm="Nadia <accueil@gite.example>")
simple("names-before-values-in-a-sentence-german", "Umzug unserer Postfächer",
       "Hallo,\n\nbitte zieht zwei Postfächer um: info@tischlerei-kurz.example, Passwort Kiefer-2031, Server mail.alt-handwerk.example:143 "
       "und werkstatt@tischlerei-kurz.example, Passwort Buche#2031, gleicher Server.\n\nGruß\nOlaf\n", frm="Olaf <info@tischlerei-kurz.example>")
simple("labels-with-notes-and-new-mailbox-english", "Mailbox move with a new name",
       "Hello,\n\nwe renamed the company, so the old mailbox should land in a new one:\n\nOld mailbox (current provider): office@smith-joinery.example\n"
       "New mailbox with you: office@smith-woodworks.example\nPassword (old): Dovetail&Tenon4\nIMAP server (old): imap.former-host.example\n\nBest regards\nAlan Smith\n",
       frm="Alan <office@smith-joinery.example>")
simple("new-name-in-a-sentence-french", "Migration et changement d'adresse",
       "Bonjour,\n\nmerci de migrer notre boîte : contact@fleurs-anciennes.example deviendra contact@fleurs-nouvelles.example chez vous. "
       "Le mot de passe est Tulipe%2031 et le serveur est imap.hebergeur-ancien.example.\n\nCordialement,\nÉlise\n", frm="Élise <contact@fleurs-anciennes.example>")
simple("body-table-bad-address-italian", "Migrazione caselle",
       "Buongiorno,\n\nvi chiediamo di migrare queste caselle:\n\nIndirizzo email\tPassword\tServer IMAP\n"
       "mario@ferramenta.example\tChiave-2031\timap.vecchio.example\nmagazzino.ferramenta.example\tMagazzino-2031\timap.vecchio.example\n\nGrazie\nMario\n",
       frm="Mario <mario@ferramenta.example>")
write("reply-password-after-words-english", headers("Ann <ann@bakery.example>", "Re: [MIG-000160] Missing details", extra=["In-Reply-To: <mig-000160.1@provider.example>"], mailer="X-Google-Smtp-Source: AGHT+IF"),
      text_part("Hi,\n\nsorry about that, here is the password you asked for: Croissant*2031\n\nAnn\n\nOn Mon, 23 Nov 2026 at 10:00, Support <support@provider.example> wrote:\n> The password of orders@bakery.example is missing.\n"))

print("wrote", N[0], "fixtures")
