#!/usr/bin/env python3
"""Writes fixtures/heldout/NNN-name.eml and NNN-name.expect.json (held-out customer mails).

The held-out corpus is a second set of customer mails, written like fixtures/reach/ from the
customer's side (each .expect.json is what a careful support agent reads out of the mail, in the
format tests/reach_corpus.rs states), but with other customers, other mail clients and other
shapes than the reach corpus: it exists to measure whether what intake learned from the reach
corpus carries over to mails its authors never saw. Nobody who works on the parser should read
these mails or this script; improve the parser against fixtures/reach/, then look at the
held-out figure only.

Clients: Outlook for Mac, eM Client, Roundcube, SOGo and Horde webmail, K-9 Mail and Thunderbird
for Android, Yahoo web, GMX and WEB.DE webmail (HTML only), Proton Mail, an Exchange automatic
reply. Each is built with Python's `email` package in the client's own shape (boundaries,
Message-IDs, headers, HTML, quote and forward blocks); spreadsheet attachments are real files.
The .eml files are committed; re-running this script rewrites every file (the output is
deterministic).

Needs, besides the standard library, openpyxl (.xlsx):

    python3 -m venv /tmp/reachvenv && /tmp/reachvenv/bin/pip install openpyxl odfpy xlwt
    /tmp/reachvenv/bin/python scripts/make-heldout-fixtures.py
"""

import base64
import datetime
import email.policy
import html
import io
import json
import random
import re
import sys
import uuid
import zipfile
from email.message import EmailMessage
from pathlib import Path

try:
    import openpyxl
except ImportError as e:  # pragma: no cover - a message for whoever runs it
    sys.exit(
        f"make-heldout-fixtures.py needs openpyxl ({e}).\n"
        "Install it into a venv, for example:\n"
        "  python3 -m venv /tmp/reachvenv && /tmp/reachvenv/bin/pip install openpyxl\n"
        "  /tmp/reachvenv/bin/python scripts/make-heldout-fixtures.py"
    )

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "heldout"
SUPPORT = "New Hosting Support <support@new.example>"
RNG = random.Random(20261202)

CRLF = email.policy.SMTP
LF = email.policy.default

FIXTURES = []


def fixture(name):
    def register(func):
        FIXTURES.append((name, func))
        return func

    return register


# ---------------------------------------------------------------------------------------------
# small helpers


def hexs(n, alphabet="0123456789abcdef"):
    return "".join(RNG.choice(alphabet) for _ in range(n))


def HEX(n):
    return hexs(n, "0123456789ABCDEF")


def alnum(n):
    return hexs(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def digits(n):
    return hexs(n, "0123456789")


def guid(upper=False):
    g = str(uuid.UUID(int=RNG.getrandbits(128), version=4))
    return g.upper() if upper else g


def rfc_date(day, hh, mm, ss=0, tz="+0100", month=11, year=2026):
    d = datetime.datetime(year, month, day, hh, mm, ss)
    wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d.weekday()]
    mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1]
    return f"{wd}, {day} {mon} {year} {hh:02d}:{mm:02d}:{ss:02d} {tz}"


def epoch_ms(day, hh, mm, ss=0):
    d = datetime.datetime(2026, 11, day, hh, mm, ss, tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000) + RNG.randrange(1000)


def thread_index():
    return base64.b64encode(bytes(RNG.randrange(256) for _ in range(22))).decode()


def esc(s):
    return html.escape(s, quote=False)


def flowed(text, width=72, delsp=False):
    """Encodes text as format=flowed (RFC 3676). With DelSp=Yes (Horde) the space that marks a
    soft break is removed again on reading, so the word's own space is kept before it."""
    out = []
    for line in text.split("\n"):
        if line == "-- ":
            out.append(line)
            continue
        line = line.rstrip(" ")
        if line.startswith(">"):
            out.append(line)
            continue
        if line.startswith((" ", "From ")):
            line = " " + line
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            if cut <= 0:
                break
            out.append(line[: cut + 1] + (" " if delsp else ""))
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out)


def quote_gt(text, space=True):
    pre = "> " if space else ">"
    return "\n".join((pre + line if line and not line.startswith(">") else ">" + line) for line in text.split("\n"))


def fixed_zip(data):
    """Re-packs a zip (xlsx) with fixed timestamps so that the output is deterministic."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            fresh = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 19, 15, 0, 0))
            fresh.compress_type = zipfile.ZIP_DEFLATED
            fresh.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*<", rb"\g<1>2026-11-19T15:00:00Z<", content)
            dst.writestr(fresh, content)
    return buf.getvalue()


def xlsx(sheets):
    """sheets: [(title, rows, opts)]; opts: bold_rows, merge, widths, fill_rows → .xlsx bytes."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows, opts in sheets:
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r, column=c, value=value)
                if r in opts.get("bold_rows", ()):
                    cell.font = openpyxl.styles.Font(bold=True)
                if r in opts.get("fill_rows", ()):
                    cell.fill = openpyxl.styles.PatternFill("solid", fgColor="DDEBF7")
        for col, w in opts.get("widths", {}).items():
            ws.column_dimensions[col].width = w
        for rng in opts.get("merge", ()):
            ws.merge_cells(rng)
        if opts.get("freeze"):
            ws.freeze_panes = opts["freeze"]
    fixed = datetime.datetime(2026, 11, 19, 15, 0, 0)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "Sekretariat"
    buf = io.BytesIO()
    wb.save(buf)
    return fixed_zip(buf.getvalue())


def delimited(rows, sep, crlf=True):
    lines = []
    for row in rows:
        cells = []
        for v in row:
            v = "" if v is None else str(v)
            if any(ch in v for ch in (sep, '"', "\n")):
                v = '"' + v.replace('"', '""') + '"'
            cells.append(v)
        lines.append(sep.join(cells))
    nl = "\r\n" if crlf else "\n"
    return nl.join(lines) + nl


# ---------------------------------------------------------------------------------------------
# headers and MIME plumbing


def headers(msg, *, frm, subject, date, mid, to=SUPPORT, cc=None, extra=(), thread=None, first=()):
    for k, v in first:
        msg[k] = v
    msg["From"] = frm
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = mid
    if thread:
        msg["In-Reply-To"] = thread[-1]
        msg["References"] = " ".join(thread)
    for k, v in extra:
        msg[k] = v


def move_content_headers_last(msg):
    """Clients write MIME headers after the envelope headers; EmailMessage adds them first.
    Parts below the top carry no MIME-Version."""
    for part in msg.walk():
        if part is not msg and part.get_content_type() != "message/rfc822" and "MIME-Version" in part:
            del part["MIME-Version"]
    items = list(msg.items())
    for k in set(k for k, _ in items):
        del msg[k]
    front = [(k, v) for k, v in items if not k.lower().startswith(("content-", "mime-"))]
    back = [(k, v) for k, v in items if k.lower().startswith(("content-", "mime-"))]
    for k, v in front + back:
        msg[k] = v


def set_boundaries(msg, make):
    for part in msg.walk():
        if part.is_multipart():
            part.set_boundary(make())


def attach(msg, data, ctype, filename, params=None):
    maintype, subtype = ctype.split("/")
    if isinstance(data, EmailMessage):
        msg.add_attachment(data, disposition="attachment", filename=filename)
        return
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, params=params or {})


def alternative(policy, text, html_body, cte="quoted-printable", text_params=None):
    msg = EmailMessage(policy=policy)
    msg.set_content(text, charset="utf-8", cte=cte, params=text_params or {})
    msg.add_alternative(html_body, subtype="html", charset="utf-8", cte=cte)
    return msg


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------------------------------------
# mail clients


MAC_HEAD = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type content="text/html; charset=utf-8"><meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--
/* Font Definitions */
@font-face
	{{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}}
@font-face
	{{font-family:Aptos;
	panose-1:2 11 0 4 2 2 2 2 2 4;}}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{{margin:0cm;
	font-size:12.0pt;
	font-family:"Aptos",sans-serif;}}
a:link, span.MsoHyperlink
	{{mso-style-priority:99;
	color:#467886;
	text-decoration:underline;}}
.MsoChpDefault
	{{mso-style-type:export-only;
	font-size:10.0pt;
	mso-ligatures:none;}}
@page WordSection1
	{{size:612.0pt 792.0pt;
	margin:72.0pt 72.0pt 72.0pt 72.0pt;}}
div.WordSection1
	{{page:WordSection1;}}
--></style></head><body lang={lang} link="#467886" vlink="#96607D" style='word-wrap:break-word'><div class=WordSection1>"""


def mac_p(text=""):
    if not text:
        return "<p class=MsoNormal><span style='font-size:11.0pt'><o:p>&nbsp;</o:p></span></p>"
    return f"<p class=MsoNormal><span style='font-size:11.0pt'>{esc(text)}<o:p></o:p></span></p>"


def mac_lines(text):
    return "".join(mac_p(line) for line in text.split("\n"))


def mac_doc(inner, lang="EN-GB"):
    return MAC_HEAD.format(lang=lang) + inner + "</div></body></html>"


def mac_excel_table(rows, widths, lang="EN-GB"):
    """A range pasted from Excel for Mac into Outlook for Mac."""
    total = sum(widths)
    out = [
        f"<table class=MsoNormalTable border=0 cellspacing=0 cellpadding=0 width={int(total * 4 / 3)} "
        f"style='width:{total:.1f}pt;border-collapse:collapse'><tbody>"
    ]
    for r, row in enumerate(rows):
        out.append("<tr style='height:16.0pt'>")
        for c, value in enumerate(row):
            bg = "background:#D9E1F2;" if r == 0 else ""
            style = (
                f"width:{widths[c]:.1f}pt;border:solid #BFBFBF 1.0pt;{bg}padding:0cm 5.4pt 0cm 5.4pt;height:16.0pt"
            )
            inner = esc(value) if value else "<o:p>&nbsp;</o:p>"
            weight = "font-weight:bold;" if r == 0 else ""
            out.append(
                f"<td width={int(widths[c] * 4 / 3)} nowrap style='{style}'><p class=MsoNormal>"
                f"<span lang={lang} style='font-size:11.0pt;{weight}font-family:\"Calibri\",sans-serif;"
                f"color:black'>{inner}<o:p></o:p></span></p></td>"
            )
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def mac_header_block(lines, lang="EN-GB"):
    """Outlook for Mac's From/Date/To/Subject block above a quoted or forwarded mail."""
    inner = "<br>".join(
        f"<b><span style='color:black'>{esc(k)}: </span></b><span style='color:black'>{esc(v.strip())}</span>"
        for k, v in (line.split(":", 1) for line in lines)
    )
    return (
        "<div id=\"mail-editor-reference-message-container\"><div class=MsoNormal style='text-align:center' "
        "align=center><span style='font-size:11.0pt'><hr size=1 width=\"100%\" align=center></span></div>"
        "<div style='border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
        f"<p class=MsoNormal style='margin-bottom:12.0pt'><span lang={lang} style='font-size:12.0pt'>{inner}</span></p></div>"
    )


def outlook_mac(*, text, html_body, attachments=(), **hdr):
    msg = alternative(CRLF, text, html_body)
    if attachments:
        for a in attachments:
            attach(msg, *a)
    headers(
        msg,
        extra=[
            ("User-Agent", "Microsoft-MacOutlook/16.91.24111020"),
            ("Thread-Topic", re.sub(r"^(?:(?:RE|FW|Re|AW|WG): )+", "", hdr["subject"])),
            ("Thread-Index", thread_index()),
        ]
        + list(hdr.pop("extra", [])),
        **hdr,
    )
    set_boundaries(msg, lambda: f"B_{digits(10)}_{digits(9)}")
    move_content_headers_last(msg)
    return msg


def emclient_html(text_html_blocks):
    return (
        "<html><head>\r\n<style id=\"css_styles\">\r\n"
        "blockquote.cite { margin-left: 5px; margin-right: 0px; padding-left: 10px; padding-right:0px; "
        "border-left: 1px solid #cccccc }\r\nblockquote.cite2 {margin-left: 5px; margin-right: 0px; "
        "padding-left: 10px; padding-right:0px; border-left: 1px solid #cccccc; margin-top: 3px; padding-top: 0px; }"
        "\r\na img { border: 0px; }\r\nbody {font-family: Tahoma;font-size: 12pt;}\r\n.plain pre, .plain tt "
        "{font-family: Tahoma;font-size: 12pt;}</style>\r\n</head>\r\n<body>"
        + "".join(text_html_blocks)
        + "</body></html>"
    )


def em_divs(text):
    return "".join(f"<div>{esc(line) if line else '<br />'}</div>" for line in text.split("\n"))


def em_client(*, text, html_body, attachments=(), **hdr):
    msg = alternative(CRLF, text, html_body)
    for a in attachments:
        attach(msg, *a)
    host = hexs(8)
    hdr["mid"] = hdr.get("mid") or f"<em{guid()}@{host}.example>"
    headers(
        msg,
        extra=[("User-Agent", "eM_Client/10.1.4828.0"), ("Reply-To", hdr["frm"])] + list(hdr.pop("extra", [])),
        **hdr,
    )
    set_boundaries(msg, lambda: f"------=_MB{guid(upper=True)}")
    move_content_headers_last(msg)
    return msg


def roundcube(*, text, attachments=(), host, sender, **hdr):
    """Roundcube's default plain-text composer: format=flowed, 8bit."""
    msg = EmailMessage(policy=LF)
    msg.set_content(flowed(text), charset="utf-8", cte="8bit", params={"format": "flowed"})
    for a in attachments:
        attach(msg, *a)
    hdr["mid"] = f"<{hexs(32)}@{host}>"
    headers(
        msg,
        extra=[("User-Agent", "Roundcube Webmail/1.6.9"), ("X-Sender", sender)] + list(hdr.pop("extra", [])),
        **hdr,
    )
    set_boundaries(msg, lambda: f"=_{hexs(32)}")
    move_content_headers_last(msg)
    return msg


def sogo_html(inner):
    return (
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\" /></head>"
        f"<body><div style=\"font-family:Arial,Helvetica,sans-serif;font-size:10pt\">{inner}</div></body></html>"
    )


def sogo_ps(text):
    return "".join(f"<p>{esc(line) if line else '<br />'}</p>" for line in text.split("\n"))


def sogo(*, text, html_body, host_id, **hdr):
    msg = alternative(LF, text, html_body)
    hdr["mid"] = f"<{hexs(3)}-{hexs(8)}-{RNG.randrange(1, 30)}-{hexs(8)}@{host_id}>"
    headers(msg, extra=[("User-Agent", "SOGoMail 5.11.2")] + list(hdr.pop("extra", [])), **hdr)
    pid = RNG.randrange(1000, 9999)
    set_boundaries(msg, lambda: f"----=_=-_OpenGroupware_org_NGMime-{pid}-{epoch_ms(24, 9, 0) // 1000}.{digits(6)}-{RNG.randrange(1, 20)}")
    move_content_headers_last(msg)
    return msg


def horde(*, text, webmail, **hdr):
    """Horde IMP: plain text, format=flowed with DelSp=Yes, 8bit."""
    msg = EmailMessage(policy=LF)
    msg.set_content(flowed(text, delsp=True), charset="utf-8", cte="8bit", params={"format": "flowed", "DelSp": "Yes"})
    stamp = hdr["date_stamp"]
    del hdr["date_stamp"]
    hdr["mid"] = f"<{stamp}.Horde.{alnum(22)}@{webmail}>"
    headers(msg, extra=[("User-Agent", "Horde Application Framework 5")] + list(hdr.pop("extra", [])), **hdr)
    move_content_headers_last(msg)
    return msg


def k9_html(text):
    return (
        "<html><head></head><body>"
        + "".join(f'<div dir="auto">{esc(line) if line else "<br>"}</div>' for line in text.split("\n"))
        + "</body></html>"
    )


def android_mail(*, text, html_body, agent, domain, **hdr):
    """K-9 Mail / Thunderbird for Android: multipart/alternative, quoted-printable."""
    msg = alternative(CRLF, text, html_body)
    hdr["mid"] = f"<{guid(upper=True)}@{domain}>"
    headers(msg, extra=[("User-Agent", agent)] + list(hdr.pop("extra", [])), **hdr)
    set_boundaries(msg, lambda: f"----{alnum(32).upper()}")
    move_content_headers_last(msg)
    return msg


YAHOO_STYLE = 'class="yahoo-style-wrap" style="font-family:Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;"'


def yahoo_html(inner):
    return f"<html><head></head><body><div {YAHOO_STYLE}>{inner}</div></body></html>"


def yahoo_divs(text):
    return "".join(
        f'<div dir="ltr" data-setdir="false">{esc(line) if line else "<br>"}</div>' for line in text.split("\n")
    )


def yahoo(*, text, html_body, day, hh, mm, **hdr):
    msg = alternative(CRLF, text, html_body)
    ms = epoch_ms(day, hh, mm)
    hdr["mid"] = f"<{RNG.randrange(10**8, 10**9)}.{RNG.randrange(10**6, 10**7)}.{ms}@mail.yahoo.example>"
    headers(msg, extra=[("X-Mailer", "WebService/1.1.22876 YMailNorrin")] + list(hdr.pop("extra", [])), **hdr)
    set_boundaries(msg, lambda: f"----=_Part_{RNG.randrange(10**6, 10**7)}_{RNG.randrange(10**8, 10**9)}.{ms}")
    move_content_headers_last(msg)
    return msg


def gmx_html(inner):
    return (
        "<html><head></head><body><div style=\"font-family: Verdana;font-size: 12.0px;\">"
        + inner
        + "</div></body></html>\r\n"
    )


def gmx_divs(text):
    return "\r\n\r\n".join(f"<div>{esc(line) if line else '&nbsp;'}</div>" for line in text.split("\n"))


def gmx_quote(header_pairs, quoted_html):
    head = "<br/>\r\n".join(f"<b>{esc(k)}:</b>&nbsp;{esc(v)}" for k, v in header_pairs)
    return (
        '<div name="quote" style="margin:10px 5px 5px 10px; padding: 10px 0 10px 10px; border-left:2px solid '
        '#C3D9E5; word-wrap: break-word; -webkit-nbsp-mode: space; -webkit-line-break: after-white-space;">'
        f'\r\n<div style="margin:0 0 10px 0;">{head}</div>\r\n\r\n<div name="quoted-content">{quoted_html}</div>\r\n</div>'
    )


def gmx(*, html_body, attachments=(), app, **hdr):
    """GMX / WEB.DE webmail: one text/html part (multipart/mixed when there is an attachment)."""
    msg = EmailMessage(policy=CRLF)
    msg.set_content(html_body, subtype="html", charset="utf-8", cte="quoted-printable")
    for a in attachments:
        attach(msg, *a)
    hdr["mid"] = f"<trinity-{guid()}-{epoch_ms(20, 9, 0)}@{app}>"
    headers(
        msg,
        extra=[
            ("Importance", "normal"),
            ("Sensitivity", "Normal"),
            ("X-Priority", "3"),
            ("X-UI-Message-Type", "mail"),
        ]
        + list(hdr.pop("extra", [])),
        **hdr,
    )
    set_boundaries(msg, lambda: f"abmob-{guid()}")
    move_content_headers_last(msg)
    return msg


PROTON_SIG = {
    "en": "Sent with Proton Mail secure email.",
    "fr": "Envoyé avec la messagerie sécurisée Proton Mail.",
    "es": "Enviado con el correo electrónico seguro de Proton Mail.",
}


def proton_html(text, lang, quote_html=""):
    style = 'style="font-family: Arial, sans-serif; font-size: 14px;"'
    body = "".join(f"<div {style}>{esc(line) if line else '<br>'}</div>" for line in text.split("\n"))
    sig = PROTON_SIG[lang].replace("Proton Mail", '<a target="_blank" href="https://proton.me/mail/home">Proton Mail</a>')
    return (
        body
        + f"<div {style}><br></div>\n<div class=\"protonmail_signature_block\" {style}>\n"
        '    <div class="protonmail_signature_block-user protonmail_signature_block-empty">\n        \n'
        "            </div>\n    \n            <div class=\"protonmail_signature_block-proton\">\n"
        f"        {sig}\n    </div>\n</div>\n"
        + quote_html
    )


def proton(*, text, html_body, attachments=(), **hdr):
    msg = alternative(CRLF, text, html_body)
    for a in attachments:
        attach(msg, *a)
    hdr["mid"] = f"<{alnum(86)}=@proton.example>"
    headers(msg, extra=[("X-Pm-Message-ID", hdr["mid"])] + list(hdr.pop("extra", [])), **hdr)
    set_boundaries(msg, lambda: f"b1=_{alnum(40)}")
    move_content_headers_last(msg)
    return msg


# ---------------------------------------------------------------------------------------------
# expectations


def expect(persona, kind, *, lang, frm, command=None, ticket=None, author=None, mailboxes=None, **more):
    e = {"persona": persona, "kind": kind, "command": command, "ticket": ticket, "from": frm}
    if author:
        e["author"] = author
    e["language"] = lang
    if mailboxes is not None:
        e["mailboxes"] = mailboxes
    for k in ("unassigned", "groupware", "errors"):
        if k in more:
            e[k] = more.pop(k)
    assert not more, more
    return e


def mb(email_addr, password, host, **kw):
    m = {"email": email_addr, "password": password}
    if host is not ...:
        m["source_host"] = host
    m.update(kw)
    return m


def missing_password(*addresses):
    return [{"field": "password", "mentions": a} for a in addresses]


def reply_expect(persona, kind, command, *, lang, frm, ticket):
    return expect(persona, kind, command=command, ticket=ticket, lang=lang, frm=frm, mailboxes=[], errors=[])


# ---------------------------------------------------------------------------------------------
# the support's earlier message, quoted below replies


def ack(lang, ticket, boxes, missing=None):
    listing = "\n".join(f"- {b}" for b in boxes)
    texts = {
        "en": (
            f"Hello,\n\nThank you for your request. We have registered the migration of {len(boxes)} mailbox(es) "
            f"under ticket {ticket}:\n\n{listing}\n\nThe migration will start tonight. You can reply to this "
            "message at any time to ask how far it is or to cancel it; please keep the ticket number in the "
            "subject.\n\nKind regards\nNew Hosting Support",
            f"Hello,\n\nThank you for your request (ticket {ticket}). We could not start yet: the password for "
            f"{missing} is missing. Please reply to this message with it.\n\nKind regards\nNew Hosting Support",
        ),
        "de": (
            f"Guten Tag,\n\nvielen Dank für Ihren Auftrag. Wir haben den Umzug von {len(boxes)} Postfach/Postfächern "
            f"unter der Vorgangsnummer {ticket} angelegt:\n\n{listing}\n\nDer Umzug beginnt heute Nacht. Sie können "
            "jederzeit auf diese Nachricht antworten, um den Stand zu erfragen oder den Umzug abzubrechen. Bitte "
            "lassen Sie die Vorgangsnummer im Betreff stehen.\n\nFreundliche Grüße\nIhr New Hosting Support",
            f"Guten Tag,\n\nvielen Dank für Ihren Auftrag ({ticket}). Wir konnten noch nicht beginnen: Für "
            f"{missing} fehlt das Passwort. Bitte antworten Sie auf diese Nachricht und nennen Sie es uns.\n\n"
            "Freundliche Grüße\nIhr New Hosting Support",
        ),
        "fr": (
            f"Bonjour,\n\nNous avons bien reçu votre demande (dossier {ticket}) pour {len(boxes)} boîte(s) :\n\n"
            f"{listing}\n\nLa migration démarrera cette nuit. Vous pouvez répondre à ce message pour connaître "
            "l'avancement ou pour l'annuler ; merci de garder le numéro de dossier dans l'objet.\n\n"
            "Cordialement,\nLe support New Hosting",
            None,
        ),
        "es": (
            f"Hola:\n\nHemos registrado su solicitud de migración ({ticket}) para {len(boxes)} buzón/buzones:\n\n"
            f"{listing}\n\nLa migración empezará esta noche. Puede responder a este mensaje para consultar el "
            "estado o para cancelarla; mantenga el número de solicitud en el asunto.\n\nUn saludo,\n"
            "Soporte New Hosting",
            None,
        ),
        "it": (
            f"Buongiorno,\n\nabbiamo registrato la sua richiesta ({ticket}) per {len(boxes)} casella/e:\n\n"
            f"{listing}\n\nLa migrazione inizierà stanotte. Può rispondere a questo messaggio per conoscere lo "
            "stato o per annullarla; lasci il numero della pratica nell'oggetto.\n\nCordiali saluti\n"
            "Supporto New Hosting",
            None,
        ),
        "nl": (
            f"Beste klant,\n\nWe hebben uw aanvraag ({ticket}) voor {len(boxes)} mailbox(en) ontvangen:\n\n"
            f"{listing}\n\nDe migratie start vannacht. U kunt op deze e-mail antwoorden om de status op te vragen "
            "of om de migratie te annuleren; laat het nummer in het onderwerp staan.\n\nMet vriendelijke groet,\n"
            "New Hosting Support",
            None,
        ),
    }
    full, partial = texts[lang]
    if missing:
        assert partial, lang
        return partial
    return full


SUBJECTS = {
    "en": "Your migration request",
    "de": "Ihr Umzugsauftrag",
    "fr": "Votre demande de migration",
    "es": "Su solicitud de migración",
    "it": "La sua richiesta di migrazione",
    "nl": "Uw migratieaanvraag",
}


def support_mid(ticket):
    return f"<{ticket.lower()}.{hexs(12)}@new.example>"


def html_lines(text, tag="div"):
    return "".join(f"<{tag}>{esc(line) if line else '<br>'}</{tag}>" for line in text.split("\n"))


# =============================================================================================
# Requests with a table or a spreadsheet


@fixture("outlookmac-table-extra-columns-en")
def _():
    host = "mail.harbourview-hosting.example"
    rows = [
        ["Department", "Name", "Mailbox", "Quota", "Password", "Notes"],
        ["Front desk", "Reception (shared)", "reception@thequayhotel.example", "10 GB", "Anchor&Rope-2026", "shared by all front desk staff"],
        ["Reservations", "Mia Trelawny", "bookings@thequayhotel.example", "25 GB", "Tide!Table88", "keep folder 'Weddings 2019'"],
        ["Kitchen", "Head chef", "kitchen@thequayhotel.example", "2 GB", "Crab_Pot_31", "old pw was Lobster2019, this is the new one"],
        ["Management", "Fiona Pascoe", "fiona@thequayhotel.example", "50 GB", "Gull5-Rock-Cove", ""],
    ]
    intro = (
        "Hello,\n\nAs discussed with your sales team, we'd like to move the hotel's email over to you while we "
        "are closed in January. All of our mailboxes are on mail.harbourview-hosting.example at the moment "
        "(IMAP, port 993). The list below comes from our IT folder; the quotas are what we have now, so please "
        "make the new ones at least as big."
    )
    outro = "The reception mailbox is shared, so please don't change its password on your side.\n\nMany thanks,"
    sig = "Fiona Pascoe\nGeneral Manager\nThe Quay Hotel\n2 Harbour Parade, St Ives TR26 1LP\n01736 555 210"
    text = (
        intro + "\n\n" + "\n".join("\t".join(r) for r in rows) + "\n\n" + outro + "\n\n" + sig + "\n"
    )
    html_body = mac_doc(
        "".join(mac_lines(p) + mac_p() for p in intro.split("\n\n"))
        + mac_excel_table(rows, [70, 95, 175, 40, 95, 190])
        + mac_p()
        + "".join(mac_lines(p) + mac_p() for p in outro.split("\n\n"))
        + mac_lines(sig)
    )
    msg = outlook_mac(
        text=text,
        html_body=html_body,
        frm="Fiona Pascoe <fiona@thequayhotel.example>",
        subject="Email move for The Quay Hotel",
        date=rfc_date(19, 16, 22, 5, "+0000"),
        mid=f"<{guid(upper=True)}@thequayhotel.example>",
    )
    return msg, expect(
        "general manager of a seaside hotel, Outlook for Mac, English, Excel range with Department, Quota and "
        "Notes columns besides the address and password; the server and port named once in the sentence above; "
        "one note holds an old password that is not the one to use",
        "request",
        lang="en",
        frm="fiona@thequayhotel.example",
        mailboxes=[mb(r[2], r[4], host, source_port=993) for r in rows[1:]],
        errors=[],
    )


@fixture("outlookmac-table-kennw-first-de")
def _():
    rows = [
        ["Kennw.", "Postfach", "Abt.", "Srv.", "Bemerkung"],
        ["Makler#Nord7", "vermietung@immobilien-petersen.example", "Vermietung", "imap.immo-alt.example", ""],
        ["Grundbuch-1904", "verkauf@immobilien-petersen.example", "Verkauf", "imap.immo-alt.example", "sehr voll, ca. 9 GB"],
        ["Exposé!2026", "h.petersen@immobilien-petersen.example", "GF", "imap.immo-alt.example", "bitte zuerst"],
        ["Hausverw_33", "hausverwaltung@immobilien-petersen.example", "HV", "mail.petersen-privat.example", "eigener Server!"],
    ]
    intro = (
        "Guten Tag,\n\nanbei wie besprochen unsere Postfächer für den Umzug. Die Tabelle habe ich aus unserer "
        "internen Liste kopiert, deshalb steht das Kennwort vorne. Die Hausverwaltung liegt auf einem anderen "
        "Server als der Rest."
    )
    outro = "Vielen Dank und freundliche Grüße"
    sig = (
        "Hanna Petersen\nGeschäftsführerin\n\nPetersen Immobilien GmbH & Co. KG\nKaiserstraße 12 · 24103 Kiel\n"
        "Tel. 0431 555 7700"
    )
    text = intro + "\n\n" + "\n".join("\t".join(r) for r in rows) + "\n\n" + outro + "\n\n" + sig + "\n"
    html_body = mac_doc(
        "".join(mac_lines(p) + mac_p() for p in intro.split("\n\n"))
        + mac_excel_table(rows, [80, 200, 65, 150, 100], lang="DE")
        + mac_p()
        + mac_lines(outro)
        + mac_p()
        + mac_lines(sig),
        lang="DE",
    )
    msg = outlook_mac(
        text=text,
        html_body=html_body,
        frm="Hanna Petersen <h.petersen@immobilien-petersen.example>",
        subject="Postfächer Petersen Immobilien",
        date=rfc_date(18, 11, 2, 40),
        mid=f"<{guid(upper=True)}@immobilien-petersen.example>",
    )
    return msg, expect(
        "managing director of a real-estate agency, Outlook for Mac, German, Excel range with the password "
        "first and abbreviated headers (Kennw., Abt., Srv.), a notes column, one mailbox on another server",
        "request",
        lang="de",
        frm="h.petersen@immobilien-petersen.example",
        mailboxes=[mb(r[1], r[0], r[3]) for r in rows[1:]],
        errors=[],
    )


@fixture("roundcube-pipe-csv-fr")
def _():
    host = "imap.sport-hebergement.example"
    rows = [
        ["Nom", "Courriel", "MdP", "Serveur IMAP", "Quota (Mo)", "Remarque"],
        ["Président", "president@usc-pontvieux.example", "Crampons;2026", host, "2000", "boîte principale"],
        ["Secrétariat", "secretariat@usc-pontvieux.example", "Vestiaire,Nord-4", host, "1000", "licences, convocations"],
        ["École de foot", "ecoledefoot@usc-pontvieux.example", "U11-Poussins!", host, "500", ""],
        ["Buvette", "buvette@usc-pontvieux.example", "Frites&Merguez", host, "250", "peu utilisée"],
    ]
    data = delimited(rows, "|").encode("utf-8")
    text = (
        "Bonjour,\n\nJe suis le trésorier de l'US Pont-Vieux (club de football amateur). Nous souhaitons "
        "transférer nos quatre adresses chez vous. Vous trouverez en pièce jointe l'export de notre tableau "
        "(séparateur : barre verticale, parce que certains mots de passe contiennent des virgules et des "
        "points-virgules).\n\nSportivement,\n-- \nDidier Fontaine\nTrésorier – US Pont-Vieux\n06 55 44 33 22\n"
    )
    msg = roundcube(
        text=text,
        attachments=[(data, "text/csv", "comptes_club.csv", {"charset": "UTF-8"})],
        host="webmail.sport-hebergement.example",
        sender="tresorier@usc-pontvieux.example",
        frm="Didier Fontaine <tresorier@usc-pontvieux.example>",
        subject="Transfert des adresses du club",
        date=rfc_date(17, 21, 48, 3),
    )
    return msg, expect(
        "treasurer of an amateur football club, Roundcube, French, CSV attachment separated by '|' (passwords "
        "hold ',' and ';') with MdP for the password and Quota and Remarque columns",
        "request",
        lang="fr",
        frm="tresorier@usc-pontvieux.example",
        mailboxes=[mb(r[1], r[2], r[3], row=i) for i, r in enumerate(rows, start=1) if i > 1],
        errors=[],
    )


def sogo_header_table(pairs):
    rows = "".join(
        f'<tr><th align="right" valign="baseline" nowrap="nowrap">{esc(k)}:</th><td>{esc(v)}</td></tr>' for k, v in pairs
    )
    return f'<table border="0" cellpadding="0" cellspacing="0"><tbody>{rows}</tbody></table><br />'


def plain_html_table(rows, border=True):
    attrs = ' border="1" cellpadding="4" cellspacing="0" style="border-collapse:collapse"' if border else ""
    out = [f"<table{attrs}><tbody>"]
    for r, row in enumerate(rows):
        tag = "td"
        cells = "".join(f"<{tag}>{'<b>' + esc(c) + '</b>' if r == 0 else esc(c)}</{tag}>" for c in row)
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


@fixture("sogo-forward-table-usuario-es")
def _():
    host = "mail.costahosting.example"
    rows = [
        ["Departamento", "Usuario", "Clave", "Notas"],
        ["Recepción", "recepcion@campinglasdunas.example", "Sombrilla#26", "la más importante"],
        ["Reservas", "reservas@campinglasdunas.example", "Parcela-Sur-14", ""],
        ["Bar-restaurante", "bar@campinglasdunas.example", "Paella_Domingo", "solo temporada"],
        ["Dirección", "carmen@campinglasdunas.example", "Pinar2026!", "buzón de mamá"],
    ]
    inner_intro = (
        "Mamá, aquí tienes los datos de las cuentas para el nuevo proveedor. Todas están en el servidor "
        "mail.costahosting.example (IMAP, puerto 993). En «Usuario» va la dirección completa, que es con lo "
        "que se entra en el webmail."
    )
    inner_outro = "Un beso,\nDani"
    note = (
        "Buenos días:\n\nLes reenvío el correo de mi hijo con los datos de las cuentas del camping. Es él quien "
        "se encarga de la informática.\n\nSaludos cordiales,\nCarmen Ibarra\nCamping Las Dunas – Recepción"
    )
    pairs = [
        ("Asunto", "Cuentas de correo del camping"),
        ("Fecha", "lunes, 23 de noviembre de 2026 19:40 CET"),
        ("De", "Dani Ibarra <dani.ibarra@correo-personal.example>"),
        ("Para", "Carmen Ibarra <carmen@campinglasdunas.example>"),
    ]
    text = (
        note
        + "\n\n-------- Mensaje original --------\n"
        + "\n".join(f"{k}: {v}" for k, v in pairs)
        + "\n\n"
        + inner_intro
        + "\n\n"
        + "\n".join("\t".join(r) for r in rows)
        + "\n\n"
        + inner_outro
        + "\n"
    )
    html_body = sogo_html(
        sogo_ps(note)
        + "<p>-------- Mensaje original --------</p>"
        + sogo_header_table(pairs)
        + '<div dir="ltr">'
        + html_lines(inner_intro)
        + "<div><br></div>"
        + plain_html_table(rows)
        + "<div><br></div>"
        + html_lines(inner_outro)
        + "</div>"
    )
    msg = sogo(
        text=text,
        html_body=html_body,
        host_id="149623452",
        frm="Carmen Ibarra <carmen@campinglasdunas.example>",
        subject="Fwd: Cuentas de correo del camping",
        date=rfc_date(24, 9, 5, 12),
    )
    return msg, expect(
        "owner of a campsite forwards her son's mail, SOGo webmail, Spanish, 'Mensaje original' block whose "
        "headers are an HTML table, followed by the son's table (Departamento, Usuario = full address, Clave, "
        "Notas); server and port in the son's sentence",
        "request",
        lang="es",
        frm="carmen@campinglasdunas.example",
        author="dani.ibarra@correo-personal.example",
        mailboxes=[mb(r[1], r[2], host, source_port=993) for r in rows[1:]],
        errors=[],
    )


@fixture("webde-xlsx-two-header-rows-de")
def _():
    host = "imap.schulserver-alt.example"
    rows = [
        ["Postfach", "", "Zugangsdaten alter Anbieter", "", "", "Hinweise"],
        ["Name", "E-Mail", "Benutzer", "Kennwort", "IMAP-Server", ""],
        ["Sekretariat", "sekretariat@gs-stadtpark.example", "gs-stadtpark-01", "Pausenhof!12", host, "Hauptpostfach"],
        ["Schulleitung", "schulleitung@gs-stadtpark.example", "gs-stadtpark-02", "Zeugnis-Konferenz7", host, ""],
        ["Hausmeister", "hausmeister@gs-stadtpark.example", "gs-stadtpark-03", "Heizung_Keller4", host, "wird kaum genutzt"],
        ["Förderverein", "foerderverein@gs-stadtpark.example", "gs-stadtpark-04", "Sommerfest&2026", host, "Kassenwart hat Zugriff"],
    ]
    data = xlsx(
        [
            (
                "Postfächer",
                rows,
                {
                    "bold_rows": {1, 2},
                    "fill_rows": {1, 2},
                    "merge": ["A1:B1", "C1:E1", "F1:F2"],
                    "widths": {"B": 36, "C": 18, "D": 20, "E": 28, "F": 26},
                    "freeze": "A3",
                },
            )
        ]
    )
    text = (
        "Sehr geehrte Damen und Herren,\n\nim Auftrag unserer Schulleitung sende ich Ihnen im Anhang die Liste "
        "der Postfächer der Grundschule am Stadtpark, die zu Ihnen umziehen sollen.\n\nBei Rückfragen erreichen "
        "Sie mich vormittags unter 0221 555 3120.\n\nMit freundlichen Grüßen\nSabine Krüger\nSchulsekretariat\n"
        "Grundschule am Stadtpark"
    )
    msg = gmx(
        html_body=gmx_html(gmx_divs(text)),
        attachments=[(data, XLSX, "Postfaecher_GS_Stadtpark.xlsx")],
        app="3c-app-webde-bap42",
        frm="Sabine Krüger <gs-stadtpark.sekretariat@web.example>",
        subject="Umzug E-Mail Grundschule am Stadtpark",
        date=rfc_date(19, 10, 31, 18),
    )
    return msg, expect(
        "school secretary, WEB.DE webmail (HTML only), German, .xlsx with two header rows: merged group labels "
        "(Postfach / Zugangsdaten alter Anbieter / Hinweise) above the real header on row 2; logins differ "
        "from the addresses",
        "request",
        lang="de",
        frm="gs-stadtpark.sekretariat@web.example",
        mailboxes=[mb(r[1], r[3], r[4], source_user=r[2], row=i) for i, r in enumerate(rows, start=1) if i > 2],
        errors=[],
    )


def aligned(rows, gap=2):
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join(
        "".join(cell.ljust(widths[c] + gap) if c + 1 < len(row) else cell for c, cell in enumerate(row)).rstrip()
        for row in rows
    )


@fixture("horde-aligned-table-ww-nl")
def _():
    host = "imap.verenigingshosting.example"
    rows = [
        ["Speltak", "Mailadres", "Ww", "Quotum"],
        ["Leiding", "leiding@scoutingdewaal.example", "Kampvuur!26", "1 GB"],
        ["Welpen", "welpen@scoutingdewaal.example", "Akela-Bos-3", "500 MB"],
        ["Verkenners", "verkenners@scoutingdewaal.example", "Sjorren#88", "500 MB"],
        ["Bestuur", "bestuur@scoutingdewaal.example", "Totem_Uil_7", "2 GB"],
    ]
    table = aligned(rows)
    assert max(len(line) for line in table.split("\n")) <= 72, table
    text = (
        "Goedenavond,\n\nNamens het bestuur van Scouting De Waal vraag ik u de volgende mailboxen over te "
        "zetten. Alles staat op imap.verenigingshosting.example, poort 993.\n\n"
        + table
        + "\n\n(Ww = wachtwoord.) Het quotum is wat we nu hebben; het ww van de verkenners verloopt in januari, "
        "maar dat maakt voor de overstap niet uit.\n\nMet vriendelijke groet,\nErik Bosman\n"
        "Secretaris Scouting De Waal\n"
    )
    msg = horde(
        text=text,
        webmail="webmail.verenigingshosting.example",
        date_stamp="20261121204410",
        frm="Erik Bosman <bestuur@scoutingdewaal.example>",
        subject="Overzetten mailboxen Scouting De Waal",
        date=rfc_date(21, 20, 44, 10),
    )
    return msg, expect(
        "secretary of a scouting group, Horde webmail (format=flowed, DelSp=Yes), Dutch, plain-text table "
        "aligned with spaces: Speltak, Mailadres, Ww (wachtwoord), Quotum; server and port in the "
        "sentence above, a remark about one 'ww' below",
        "request",
        lang="nl",
        frm="bestuur@scoutingdewaal.example",
        mailboxes=[mb(r[1], r[2], host, source_port=993) for r in rows[1:]],
        errors=[],
    )


def yahoo_excel_table(rows):
    """A range pasted from Excel into Yahoo Mail's composer."""
    out = [
        '<table border="0" cellpadding="0" cellspacing="0" width="620" style="border-collapse:collapse;width:465pt">'
        "<tbody>"
    ]
    for r, row in enumerate(rows):
        out.append('<tr height="20" style="height:15pt">')
        for c, value in enumerate(row):
            cls = "xl66" if r == 0 else "xl65"
            out.append(
                f'<td class="{cls}" height="20" style="height:15pt;border:0.5pt solid windowtext;'
                f'{"font-weight:700;" if r == 0 else ""}">{esc(value) if value else "&nbsp;"}</td>'
            )
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


@fixture("yahoo-table-utente-pwd-it")
def _():
    rows = [
        ["Utente", "Pwd", "Host", "Note"],
        ["info@casabella-immobiliare.example", "Villetta&Giardino1", "imap.vecchio-immohost.example:993", "casella condivisa"],
        ["vendite@casabella-immobiliare.example", "Rogito-2026", "imap.vecchio-immohost.example:993", ""],
        ["affitti@casabella-immobiliare.example", "Bilocale#Centro", "imap.vecchio-immohost.example:993", ""],
        ["g.rinaldi@casabella-immobiliare.example", "Mansarda_44", "imap.vecchio-immohost.example:993", "titolare"],
    ]
    intro = (
        "Buongiorno,\n\nvi scrivo dall'agenzia immobiliare Casabella. Vorremmo trasferire da voi le nostre "
        "quattro caselle; qui sotto i dati che ci ha lasciato il vecchio tecnico (Utente è l'indirizzo con cui "
        "si accede)."
    )
    outro = "Restiamo in attesa di un vostro riscontro.\n\nCordiali saluti\nSilvia Moretti\nAgenzia Immobiliare Casabella - Via Roma 18, Lecce"
    text = intro + "\n\n" + "\n".join("\t".join(r) for r in rows) + "\n\n" + outro + "\n"
    html_body = yahoo_html(
        yahoo_divs(intro) + '<div dir="ltr" data-setdir="false"><br></div>' + yahoo_excel_table(rows)
        + '<div dir="ltr" data-setdir="false"><br></div>' + yahoo_divs(outro)
    )
    msg = yahoo(
        text=text,
        html_body=html_body,
        day=20,
        hh=11,
        mm=12,
        frm="Agenzia Casabella <agenzia.casabella@yahoo.example>",
        subject="Trasferimento caselle email agenzia",
        date=rfc_date(20, 12, 12, 47),
    )
    return msg, expect(
        "secretary of a real-estate agency writing from the agency's Yahoo address, Yahoo Mail web, Italian, "
        "Excel range pasted into the composer: Utente (the address), Pwd, Host as host:port, Note",
        "request",
        lang="it",
        frm="agenzia.casabella@yahoo.example",
        mailboxes=[mb(r[0], r[1], "imap.vecchio-immohost.example", source_port=993) for r in rows[1:]],
        errors=[],
    )


@fixture("emclient-contractor-three-clients-en")
def _():
    text = """Hi,

I look after IT for a few small businesses round here and three of them have signed up with you this week. I've put all three in one mail to save time - treat them as three separate orders if that's easier your end.

1) Fernside Dental Care - old host imap.dentalcloud.example, port 993
   reception@fernside-dental.example    password: Molar^Sunrise4
   j.okafor@fernside-dental.example     password: 7Gv!pL2q

2) Marlow Rowing Club - old host mail.clubhosting.example
   secretary@marlowrc.example           password: Oars-Up-1887

3) Brennan & Sons Plumbing - old host imap.tradesmail.example (the login there is just the bit before the @)
   office@brennan-plumbing.example      password: Copper-Pipe-22
   dermot@brennan-plumbing.example      password: Stopcock#9

Invoices for each go to the business, not to me.

Cheers,
Chris Adebayo
Adebayo IT Support
07700 900 318"""
    html_body = emclient_html(
        [
            em_divs(text.split("\n\n1)")[0]),
            "<div><br /></div><pre style=\"font-family: Consolas, monospace; font-size: 11pt\">"
            + esc("1)" + text.split("\n\n1)")[1].split("\n\nInvoices")[0])
            + "</pre><div><br /></div>",
            em_divs("Invoices" + text.split("\n\nInvoices")[1]),
        ]
    )
    msg = em_client(
        text=text + "\n",
        html_body=html_body,
        frm="Chris Adebayo <chris@adebayo-it.example>",
        subject="Three new customers - mailbox migrations",
        date=rfc_date(23, 13, 57, 30, "+0000"),
        mid=None,
    )
    return msg, expect(
        "IT contractor acting for three client businesses, eM Client, English, one block per client with the "
        "old server (and a port, and a login rule for one) in the block's heading line, then address and "
        "password lines; all five mailboxes are asked for",
        "request",
        lang="en",
        frm="chris@adebayo-it.example",
        mailboxes=[
            mb("reception@fernside-dental.example", "Molar^Sunrise4", "imap.dentalcloud.example", source_port=993),
            mb("j.okafor@fernside-dental.example", "7Gv!pL2q", "imap.dentalcloud.example", source_port=993),
            mb("secretary@marlowrc.example", "Oars-Up-1887", "mail.clubhosting.example"),
            mb("office@brennan-plumbing.example", "Copper-Pipe-22", "imap.tradesmail.example", source_user="office"),
            mb("dermot@brennan-plumbing.example", "Stopcock#9", "imap.tradesmail.example", source_user="dermot"),
        ],
        errors=[],
    )


# =============================================================================================
# Requests written as sentences


@fixture("proton-password-in-guillemets-fr")
def _():
    text = (
        "Bonjour,\n\nTraductrice indépendante, je souhaite transférer chez vous ma boîte professionnelle "
        "contact@lemaire-traductions.example. Mon mot de passe actuel, «\u00a0Hiéroglyphe_77\u00a0», fonctionne "
        "sur le serveur IMAP de mon ancien hébergeur, imap.petit-hebergeur.example, et je préférerais le garder "
        "tel quel.\n\nMerci d'avance,\nÉlise Lemaire\nTraductrice assermentée anglais/allemand – français"
    )
    msg = proton(
        text=text + "\n\n" + PROTON_SIG["fr"] + "\n",
        html_body=proton_html(text, "fr"),
        frm="Élise Lemaire <contact@lemaire-traductions.example>",
        subject="Transfert de ma boîte mail",
        date=rfc_date(22, 18, 3, 51),
    )
    return msg, expect(
        "freelance translator, Proton Mail, French, one sentence with the password in French quotation marks "
        "(with no-break spaces) in the middle, the server after a comma",
        "request",
        lang="fr",
        frm="contact@lemaire-traductions.example",
        mailboxes=[mb("contact@lemaire-traductions.example", "Hiéroglyphe_77", "imap.petit-hebergeur.example")],
        errors=[],
    )


@fixture("yahoo-password-after-colon-en")
def _():
    text = (
        "Good afternoon,\n\nI help out in the parish office at St Mary's. We would like to move our office "
        "mailbox, office@stmarys-ashby.example, over to you. The vicar reset the password last week and it is "
        "now: Candle&Font1852 which he says should still work, and the server name our old provider gave us is "
        "imap.churchnet-hosting.example.\n\nWith thanks and best wishes,\nMargaret Ellis (Mrs)\n"
        "Parish Office volunteer (Tuesdays and Thursdays)"
    )
    msg = yahoo(
        text=text + "\n",
        html_body=yahoo_html(yahoo_divs(text)),
        day=18,
        hh=14,
        mm=40,
        frm="Margaret Ellis <margaret.ellis@yahoo.example>",
        subject="Parish office email",
        date=rfc_date(18, 14, 40, 12, "+0000"),
    )
    return msg, expect(
        "volunteer in a parish office writing from her own Yahoo address, Yahoo Mail web, English, the password "
        "after 'it is now:' in the middle of a sentence that goes on after it",
        "request",
        lang="en",
        frm="margaret.ellis@yahoo.example",
        mailboxes=[mb("office@stmarys-ashby.example", "Candle&Font1852", "imap.churchnet-hosting.example")],
        errors=[],
    )


K9_SIG_NL = "Verzonden vanaf mijn Android apparaat met K-9 Mail. Excuses voor de beknoptheid."


@fixture("k9-phone-two-boxes-one-server-nl")
def _():
    body = (
        "hoi, kunnen jullie info@loodgieter-kok.example en planning@loodgieter-kok.example overzetten? staan "
        "allebei op mail.vakmanhosting.example. ww van info is Sifon2026! en van planning Afvoer-77\ngr Ruud"
    )
    msg = android_mail(
        text=body + "\n-- \n" + K9_SIG_NL + "\n",
        html_body=k9_html(body + "\n-- \n" + K9_SIG_NL),
        agent="K-9 Mail for Android",
        domain="loodgieter-kok.example",
        frm="Ruud Kok <info@loodgieter-kok.example>",
        subject="mail overzetten",
        date=rfc_date(24, 7, 12, 40),
    )
    host = "mail.vakmanhosting.example"
    return msg, expect(
        "plumber writing from his phone between two jobs, K-9 Mail on Android, Dutch, no capitals: two "
        "addresses in one question, one server for both, then 'ww van info is … en van planning …'",
        "request",
        lang="nl",
        frm="info@loodgieter-kok.example",
        mailboxes=[
            mb("info@loodgieter-kok.example", "Sifon2026!", host),
            mb("planning@loodgieter-kok.example", "Afvoer-77", host),
        ],
        errors=[],
    )


TB_ANDROID_SIG = {
    "es": "Enviado desde mi dispositivo Android con Thunderbird.",
    "nl": "Verzonden vanaf mijn Android-apparaat met Thunderbird.",
}


@fixture("tbandroid-sentence-respectivamente-es")
def _():
    body = (
        "Buenas tardes:\n\nQueremos pasar a su servicio reservas@restaurante-albahaca.example y "
        "cocina@restaurante-albahaca.example, que están las dos en mail.hostingmesa.example, con las contraseñas "
        "Albahaca#Reservas y Fogon_2026 respectivamente.\n\nGracias,\nIñaki Etxeberria\nRestaurante Albahaca"
    )
    msg = android_mail(
        text=body + "\n\n-- \n" + TB_ANDROID_SIG["es"] + "\n",
        html_body=k9_html(body + "\n\n-- \n" + TB_ANDROID_SIG["es"]),
        agent="Thunderbird for Android",
        domain="restaurante-albahaca.example",
        frm="Iñaki Etxeberria <reservas@restaurante-albahaca.example>",
        subject="Cambio de correo restaurante",
        date=rfc_date(20, 17, 2, 9),
    )
    host = "mail.hostingmesa.example"
    return msg, expect(
        "owner of a restaurant, Thunderbird for Android, Spanish, one sentence: two addresses sharing a server, "
        "then both passwords 'respectivamente'",
        "request",
        lang="es",
        frm="reservas@restaurante-albahaca.example",
        mailboxes=[
            mb("reservas@restaurante-albahaca.example", "Albahaca#Reservas", host),
            mb("cocina@restaurante-albahaca.example", "Fogon_2026", host),
        ],
        errors=[],
    )


@fixture("gmx-webmail-url-with-path-de")
def _():
    text = (
        "Hallo,\n\nwir vom Reiterhof Sonnenwiese möchten unser Postfach stall@reiterhof-sonnenwiese.example zu "
        "Ihnen umziehen. Bisher rufen wir die Mails immer über "
        "https://webmail.landhost-alt.example/roundcube/?_task=mail ab, dort melden wir uns mit der Adresse und "
        "dem Passwort Hufeisen-19 an. Einen anderen Server kennen wir nicht.\n\nViele Grüße vom Hof\nJana Albrecht"
    )
    msg = gmx(
        html_body=gmx_html(gmx_divs(text)),
        app="3c-app-gmx-bap17",
        frm="Reiterhof Sonnenwiese <reiterhof.sonnenwiese@gmx.example>",
        subject="Umzug unseres Postfachs",
        date=rfc_date(21, 8, 14, 2),
    )
    return msg, expect(
        "riding stables writing from their GMX address, GMX webmail (HTML only), German, the only server named "
        "is the webmail URL with a path and query; a support agent takes its host, "
        "webmail.landhost-alt.example, as the server to try (small providers serve IMAP on the same host)",
        "request",
        lang="de",
        frm="reiterhof.sonnenwiese@gmx.example",
        mailboxes=[mb("stall@reiterhof-sonnenwiese.example", "Hufeisen-19", "webmail.landhost-alt.example")],
        errors=[],
    )


@fixture("sogo-password-colon-mid-sentence-it")
def _():
    text = (
        "Buongiorno,\n\nvi scrivo per la Cooperativa Sociale Il Mosaico. Vorremmo trasferire la casella "
        "amministrazione@coop-ilmosaico.example, che oggi sta sul server imap.terzosettore-host.example; la "
        "password, cambiata ieri dal nostro consulente: Tessera_Blu9, va usata così com'è (maiuscole comprese)."
        "\n\nGrazie e buon lavoro,\nFrancesca Galli\nUfficio amministrativo – Coop. Il Mosaico"
    )
    msg = sogo(
        text=text + "\n",
        html_body=sogo_html(sogo_ps(text)),
        host_id="208114730",
        frm="Francesca Galli <amministrazione@coop-ilmosaico.example>",
        subject="Trasferimento casella amministrazione",
        date=rfc_date(19, 9, 48, 33),
    )
    return msg, expect(
        "administrative clerk of a social cooperative, SOGo webmail, Italian, the password after a colon in the "
        "middle of a sentence, followed by a comma and more words",
        "request",
        lang="it",
        frm="amministrazione@coop-ilmosaico.example",
        mailboxes=[mb("amministrazione@coop-ilmosaico.example", "Tessera_Blu9", "imap.terzosettore-host.example")],
        errors=[],
    )


# =============================================================================================
# Requests without a password


@fixture("emclient-no-password-phone-it")
def _():
    text = (
        "Buongiorno,\n\nsiamo l'Ottica Ferrante di Bari. Vorremmo spostare da voi le caselle "
        "ottica@ottica-ferrante.example e laboratorio@ottica-ferrante.example, che ora sono sul server "
        "mail.sud-hosting.example.\n\nLe password preferisco comunicarvele per telefono: potete richiamarmi al "
        "080 555 4411?\n\nCordiali saluti\nNicola Ferrante\nOttica Ferrante – Corso Cavour 40, Bari"
    )
    msg = em_client(
        text=text + "\n",
        html_body=emclient_html([em_divs(text)]),
        frm="Nicola Ferrante <ottica@ottica-ferrante.example>",
        subject="Spostamento caselle email",
        date=rfc_date(23, 15, 20, 0),
        mid=None,
    )
    host = "mail.sud-hosting.example"
    return msg, expect(
        "optician, eM Client, Italian, two addresses and the server; the passwords will be given by phone",
        "request",
        lang="it",
        frm="ottica@ottica-ferrante.example",
        mailboxes=[
            mb("ottica@ottica-ferrante.example", None, host),
            mb("laboratorio@ottica-ferrante.example", None, host),
        ],
        errors=missing_password("ottica@ottica-ferrante.example", "laboratorio@ottica-ferrante.example"),
    )


@fixture("webde-retired-couple-no-password-de")
def _():
    text = (
        "Sehr geehrte Damen und Herren,\n\nwir sind ein älteres Ehepaar und haben von unserem Sohn eine "
        "Familienadresse eingerichtet bekommen: familie@bergmann-hagen.example. Die liegt bisher bei "
        "imap.alterfreemailer.example. Unser Sohn meint, wir sollen zu Ihnen wechseln.\n\nDas Passwort weiß nur "
        "unser Sohn Thomas, er meldet sich deswegen noch bei Ihnen. Bitte bereiten Sie schon einmal alles vor.\n\n"
        "Mit freundlichen Grüßen\nGerda und Helmut Bergmann"
    )
    msg = gmx(
        html_body=gmx_html(gmx_divs(text)),
        app="3c-app-webde-bs08",
        frm="Helmut Bergmann <h.bergmann@web.example>",
        subject="Umzug unserer E-Mail",
        date=rfc_date(22, 11, 5, 40),
    )
    return msg, expect(
        "retired couple about their family mailbox, writing from their own WEB.DE address, WEB.DE webmail "
        "(HTML only), German; the password is with their son, who will send it",
        "request",
        lang="de",
        frm="h.bergmann@web.example",
        mailboxes=[mb("familie@bergmann-hagen.example", None, "imap.alterfreemailer.example")],
        errors=missing_password("familie@bergmann-hagen.example"),
    )


@fixture("tbandroid-password-by-sms-nl")
def _():
    body = (
        "Goedemorgen,\n\nWij willen onze mailbox centrale@taxi-vandam.example meenemen naar jullie. Server is "
        "mail.taxihost-oud.example.\nHet wachtwoord stuur ik apart via sms naar jullie servicenummer, dat zet ik "
        "liever niet in de mail.\n\nMvg,\nKarin van Dam\nTaxi Van Dam"
    )
    msg = android_mail(
        text=body + "\n\n-- \n" + TB_ANDROID_SIG["nl"] + "\n",
        html_body=k9_html(body + "\n\n-- \n" + TB_ANDROID_SIG["nl"]),
        agent="Thunderbird for Android",
        domain="taxi-vandam.example",
        frm="Karin van Dam <centrale@taxi-vandam.example>",
        subject="Mailbox meenemen",
        date=rfc_date(25, 6, 55, 20),
    )
    return msg, expect(
        "taxi company owner, Thunderbird for Android, Dutch, address and server; the password will follow by SMS",
        "request",
        lang="nl",
        frm="centrale@taxi-vandam.example",
        mailboxes=[mb("centrale@taxi-vandam.example", None, "mail.taxihost-oud.example")],
        errors=missing_password("centrale@taxi-vandam.example"),
    )


@fixture("roundcube-password-label-by-sms-fr")
def _():
    text = (
        "Bonjour,\n\nVoici les informations pour la boîte de la crèche :\n\n"
        "Adresse : direction@creche-lucioles.example\nServeur : mail.petite-enfance-hebergement.example\n"
        "Mot de passe : je vous le communique par SMS, je préfère ne pas l'écrire ici\n\nBonne journée,\n-- \n"
        "Nadia Benali\nDirectrice – crèche associative Les Lucioles\n"
    )
    msg = roundcube(
        text=text,
        host="webmail.petite-enfance-hebergement.example",
        sender="direction@creche-lucioles.example",
        frm="Nadia Benali <direction@creche-lucioles.example>",
        subject="Migration boîte crèche",
        date=rfc_date(24, 13, 30, 45),
    )
    return msg, expect(
        "director of a daycare centre, Roundcube, French, labelled lines whose 'Mot de passe :' line says the "
        "password will come by SMS (no password)",
        "request",
        lang="fr",
        frm="direction@creche-lucioles.example",
        mailboxes=[mb("direction@creche-lucioles.example", None, "mail.petite-enfance-hebergement.example")],
        errors=missing_password("direction@creche-lucioles.example"),
    )


# =============================================================================================
# Forwards nested twice


@fixture("outlookmac-forward-of-iphone-forward-en")
def _():
    original = (
        "Hi Lucy,\n\nHere's what the new host will need for the studio mailboxes:\n\n"
        "hello@starlight-dance.example / Pirouette-2026\nclasses@starlight-dance.example / Plie&Releve5\n"
        "Server (both): imap.arts-hosting.example\n\nTom"
    )
    iphone_hdr = [
        "From: Tom Reyes <tom.reyes@fastmail.example>",
        "Date: 23 November 2026 at 18:02:11 GMT",
        "To: Lucy Hart <lucy@starlight-dance.example>",
        "Subject: studio email",
    ]
    middle = (
        "Jess can you send this on to the new email people? Thanks x\n\nSent from my iPhone\n\n"
        "Begin forwarded message:\n\n" + quote_gt("\n".join(iphone_hdr) + "\n\n" + original)
    )
    mac_hdr = [
        "From: Lucy Hart <lucy@starlight-dance.example>",
        "Date: Monday, 23 November 2026 at 21:14",
        "To: Jess Moore <jess@starlight-dance.example>",
        "Subject: Fwd: studio email",
    ]
    note = (
        "Hello,\n\nPlease see below from our owner, Lucy (originally from Tom, who set up our email). Could you "
        "move both mailboxes?\n\nThank you,\nJess Moore\nOffice Manager | Starlight Dance Academy"
    )
    text = note + "\n\n" + "\n".join(mac_hdr) + "\n\n" + middle + "\n"
    iphone_block = (
        '<div dir="ltr">Jess can you send this on to the new email people? Thanks x<br><br>Sent from my iPhone'
        '</div><div dir="ltr"><br><blockquote type="cite">Begin forwarded message:<br><br></blockquote></div>'
        '<blockquote type="cite"><div dir="ltr">'
        + "".join(
            f"<b>{esc(h.split(':', 1)[0])}:</b> {esc(h.split(':', 1)[1].strip())}<br>" for h in iphone_hdr
        )
        + "<br>"
        + "<br>".join(esc(line) for line in original.split("\n"))
        + "</div></blockquote>"
    )
    html_body = mac_doc(
        "".join(mac_lines(p) + mac_p() for p in note.split("\n\n"))
        + mac_header_block(mac_hdr)
        + f"<div>{iphone_block}</div></div>"
    )
    msg = outlook_mac(
        text=text,
        html_body=html_body,
        frm="Jess Moore <jess@starlight-dance.example>",
        subject="FW: Fwd: studio email",
        date=rfc_date(24, 9, 26, 3, "+0000"),
        mid=f"<{guid(upper=True)}@starlight-dance.example>",
    )
    host = "imap.arts-hosting.example"
    return msg, expect(
        "office manager of a dance school forwards the owner's iPhone forward of the volunteer's mail (nested "
        "twice), Outlook for Mac, English; the data is in the innermost mail, quoted with '>', as "
        "'address / password' lines",
        "request",
        lang="en",
        frm="jess@starlight-dance.example",
        author="tom.reyes@fastmail.example",
        mailboxes=[
            mb("hello@starlight-dance.example", "Pirouette-2026", host),
            mb("classes@starlight-dance.example", "Plie&Releve5", host),
        ],
        errors=[],
    )


@fixture("roundcube-forward-of-thunderbird-forward-nl")
def _():
    original = (
        "Beste Anja,\n\nVoor de overstap naar de nieuwe provider zijn dit de gegevens van onze twee mailboxen:\n\n"
        "secretariaat@imkers-debijenkorf.example – wachtwoord: Honingraat-12\n"
        "penningmeester@imkers-debijenkorf.example – wachtwoord: Bijenkast#3\n\n"
        "Beide staan op mail.clubhosting-oud.example.\n\nGroet,\nWim Hendriks\nsecretaris"
    )
    middle = (
        "Peter, kun jij dit regelen met de nieuwe provider? Jij weet daar meer van.\n\nAnja\n\n\n"
        "-------- Doorgestuurd bericht --------\nOnderwerp: \tmailboxen imkersvereniging\n"
        "Datum: \tSun, 22 Nov 2026 16:02:44 +0100\nVan: \tWim Hendriks <wim.hendriks@kpnmail.example>\n"
        "Aan: \tAnja Smits <voorzitter@imkers-debijenkorf.example>\n\n\n\n" + original
    )
    text = (
        "Goedendag,\n\nHieronder de gegevens van onze vereniging (doorgestuurd via onze voorzitter). Graag beide "
        "mailboxen overzetten.\n\nMet vriendelijke groet,\nPeter de Graaf\nwebmaster Imkersvereniging De Bijenkorf\n\n"
        "-------- Oorspronkelijk bericht --------\nOnderwerp: Fwd: mailboxen imkersvereniging\n"
        "Datum: 2026-11-22 20:31\nVan: Anja Smits <voorzitter@imkers-debijenkorf.example>\n"
        "Aan: Peter de Graaf <webmaster@imkers-debijenkorf.example>\n\n" + middle + "\n"
    )
    msg = roundcube(
        text=text,
        host="webmail.clubhosting-oud.example",
        sender="webmaster@imkers-debijenkorf.example",
        frm="Peter de Graaf <webmaster@imkers-debijenkorf.example>",
        subject="Fwd: Fwd: mailboxen imkersvereniging",
        date=rfc_date(23, 19, 10, 27),
    )
    host = "mail.clubhosting-oud.example"
    return msg, expect(
        "webmaster of a beekeepers' association forwards (Roundcube 'Oorspronkelijk bericht') the chairwoman's "
        "Thunderbird forward ('Doorgestuurd bericht') of the secretary's mail: nested twice, Roundcube, Dutch",
        "request",
        lang="nl",
        frm="webmaster@imkers-debijenkorf.example",
        author="wim.hendriks@kpnmail.example",
        mailboxes=[
            mb("secretariaat@imkers-debijenkorf.example", "Honingraat-12", host),
            mb("penningmeester@imkers-debijenkorf.example", "Bijenkast#3", host),
        ],
        errors=[],
    )


# =============================================================================================
# Calendars and contacts


def fold(line, limit=75):
    """RFC 5545 folding at 75 octets (never inside a UTF-8 sequence)."""
    data = line.encode("utf-8")
    if len(data) <= limit:
        return [line]
    out, cur, size, first = [], "", 0, True
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > (limit if first else limit - 1):
            out.append(cur if first else " " + cur)
            cur, size, first = "", 0, False
        cur += ch
        size += n
    out.append(cur if first else " " + cur)
    return out


def outlook_ics():
    uid_a = "040000008200E00074C5B7101A82E00800000000D0F3A1C2B3A4DA01000000000000000010000000A1B2C3D4E5F60718293A4B5C6D7E8F90"
    uid_b = "040000008200E00074C5B7101A82E008000000004E7C1D2A9B5DDA01000000000000000010000000F0E1D2C3B4A5968778695A4B3C2D1E0F"
    tz = 'TZID="GMT Standard Time"'
    ms = [
        "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
        "X-MICROSOFT-CDO-IMPORTANCE:1",
        "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
        "X-MS-OLK-AUTOFILLLOCATION:FALSE",
        "X-MS-OLK-CONFTYPE:0",
    ]
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
        "VERSION:2.0",
        "METHOD:PUBLISH",
        "X-CALSTART:20260107T083000Z",
        "X-CALEND:20261227T000000Z",
        "X-WR-CALNAME:Meeting rooms",
        "BEGIN:VTIMEZONE",
        "TZID:GMT Standard Time",
        "BEGIN:STANDARD",
        "DTSTART:16011028T020000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:-0000",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010325T010000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "TZOFFSETFROM:-0000",
        "TZOFFSETTO:+0100",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
        # the weekly members' breakfast, one occurrence removed, two moved
        "BEGIN:VEVENT",
        "CLASS:PUBLIC",
        "CREATED:20251212T101500Z",
        "DESCRIPTION:Bring your own mug. Coffee and pastries are on the house.\\n",
        f"DTEND;{tz}:20260107T093000",
        "DTSTAMP:20261120T141500Z",
        f"DTSTART;{tz}:20260107T083000",
        f"EXDATE;{tz}:20261223T083000",
        "LAST-MODIFIED:20261103T090200Z",
        "LOCATION:Kitchen",
        "PRIORITY:5",
        "RRULE:FREQ=WEEKLY;BYDAY=WE",
        "SEQUENCE:0",
        "SUMMARY;LANGUAGE=en-gb:Members' breakfast",
        "TRANSP:OPAQUE",
        f"UID:{uid_a}",
        *ms,
        "BEGIN:VALARM",
        "TRIGGER:-PT15M",
        "ACTION:DISPLAY",
        "DESCRIPTION:Reminder",
        "END:VALARM",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "CLASS:PUBLIC",
        "CREATED:20251212T101500Z",
        f"DTEND;{tz}:20261203T093000",
        "DTSTAMP:20261120T141500Z",
        f"DTSTART;{tz}:20261203T083000",
        "LAST-MODIFIED:20261118T170000Z",
        "LOCATION:Kitchen",
        "PRIORITY:5",
        f"RECURRENCE-ID;{tz}:20261202T083000",
        "SEQUENCE:1",
        "SUMMARY;LANGUAGE=en-gb:Members' breakfast (Thursday this week)",
        "TRANSP:OPAQUE",
        f"UID:{uid_a}",
        *ms,
        "END:VEVENT",
        "BEGIN:VEVENT",
        "CLASS:PUBLIC",
        "CREATED:20251212T101500Z",
        f"DTEND;{tz}:20261216T103000",
        "DTSTAMP:20261120T141500Z",
        f"DTSTART;{tz}:20261216T093000",
        "LAST-MODIFIED:20261118T170500Z",
        "LOCATION:Roof terrace",
        "PRIORITY:5",
        f"RECURRENCE-ID;{tz}:20261216T083000",
        "SEQUENCE:1",
        "SUMMARY;LANGUAGE=en-gb:Members' breakfast – Christmas edition",
        "TRANSP:OPAQUE",
        f"UID:{uid_a}",
        *ms,
        "END:VEVENT",
        # one single booking
        "BEGIN:VEVENT",
        "CLASS:PUBLIC",
        "CREATED:20261105T121000Z",
        f"DTEND;{tz}:20261210T170000",
        "DTSTAMP:20261120T141500Z",
        f"DTSTART;{tz}:20261210T140000",
        "LOCATION:Boardroom",
        "PRIORITY:5",
        "SEQUENCE:0",
        "SUMMARY;LANGUAGE=en-gb:Boardroom – Kestrel Analytics workshop",
        "TRANSP:OPAQUE",
        f"UID:{uid_b}",
        *ms,
        "END:VEVENT",
        # two closures typed in by hand in another tool, without UID
        "BEGIN:VEVENT",
        "DTSTAMP:20261120T141500Z",
        "DTSTART;VALUE=DATE:20261225",
        "DTEND;VALUE=DATE:20261226",
        "SUMMARY:Building closed – Christmas Day",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "DTSTAMP:20261120T141500Z",
        "DTSTART;VALUE=DATE:20261226",
        "DTEND;VALUE=DATE:20261227",
        "SUMMARY:Building closed – Boxing Day",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    folded = [piece for line in lines for piece in fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode("utf-8")


@fixture("emclient-outlook-ics-vtimezone-en")
def _():
    box = "hello@thelofts-cowork.example"
    text = (
        "Hi,\n\nPlease migrate our main mailbox:\n\nMailbox: hello@thelofts-cowork.example\nPassword: Desk-Hop-2026\n"
        "IMAP server: imap.smallbiz-hosting.example\n\nAttached is our meeting-room calendar, exported from "
        "Outlook. Could you put it into the calendar of that same mailbox? (Someone added the Christmas closures "
        "by hand.)\n\nThanks!\nPriya Nair\nCommunity Manager, The Lofts Coworking"
    )
    msg = em_client(
        text=text + "\n",
        html_body=emclient_html([em_divs(text)]),
        attachments=[(outlook_ics(), "text/calendar", "Meeting rooms.ics", {"method": "PUBLISH"})],
        frm="Priya Nair <hello@thelofts-cowork.example>",
        subject="Mailbox + room calendar",
        date=rfc_date(20, 10, 18, 6, "+0000"),
        mid=None,
    )
    return msg, expect(
        "community manager of a coworking space, eM Client, English, labelled lines and an .ics exported from "
        "Outlook: a VTIMEZONE (no object), a weekly event with an EXDATE and two moved occurrences (same UID: "
        "one object), a single booking, and two all-day events without UID (one object each): 4 objects; the "
        "120-character Outlook UIDs are folded",
        "request",
        lang="en",
        frm=box,
        mailboxes=[mb(box, "Desk-Hop-2026", "imap.smallbiz-hosting.example")],
        groupware=[{"kind": "calendar", "items": 4, "mailbox": box}],
        errors=[],
    )


def proton_vcf():
    cards = [
        [
            "BEGIN:VCARD",
            "VERSION:4.0",
            "PRODID:-//ProtonMail//ProtonMail vCard 1.0.0//EN",
            "FN;PREF=1:Dr. Ramón Iglesias",
            "N:Iglesias;Ramón;;Dr.;",
            "ITEM1.EMAIL;PREF=1:r.iglesias@centrosalud-norte.example",
            "TEL;TYPE=work:+34 976 555 120",
            "NOTE:Médico de cabecera de la mayoría de los residentes. Llamar antes de l",
            " as 10:00 para las recetas.",
            "UID:proton-web-7c1e9a52-3b0d-4e9f-a1c2-5d6e7f809a1b",
            "END:VCARD",
        ],
        [
            "BEGIN:VCARD",
            "VERSION:4.0",
            "PRODID:-//ProtonMail//ProtonMail vCard 1.0.0//EN",
            "FN;PREF=1:Farmacia Valdés",
            "ITEM1.EMAIL;PREF=1:pedidos@farmaciavaldes.example",
            "TEL;TYPE=work:+34 976 555 332",
            "UID:proton-web-0f2b4c6d-8e9f-4a1b-b2c3-d4e5f6a7b8c9",
            "END:VCARD",
        ],
        [
            "BEGIN:VCARD",
            "VERSION:4.0",
            "PRODID:-//ProtonMail//ProtonMail vCard 1.0.0//EN",
            "FN;PREF=1:Lavandería Industrial Ebro",
            "ITEM1.EMAIL;PREF=1:clientes@lavanderia-ebro.example",
            "ITEM2.EMAIL;PREF=2:facturas@lavanderia-ebro.example",
            "UID:proton-web-9a8b7c6d-5e4f-4321-8fed-cba987654321",
            "END:VCARD",
        ],
        [
            "BEGIN:VCARD",
            "VERSION:4.0",
            "PRODID:-//ProtonMail//ProtonMail vCard 1.0.0//EN",
            "FN;PREF=1:Marisa (familia de Doña Pilar)",
            "TEL;TYPE=cell:+34 655 555 908",
            "UID:proton-web-1234abcd-5678-4ef0-9abc-def012345678",
            "END:VCARD",
        ],
    ]
    return ("\r\n".join(line for card in cards for line in card) + "\r\n").encode("utf-8")


@fixture("proton-vcf-only-names-mailbox-es")
def _():
    box = "recepcion@residencia-losolivos.example"
    text = (
        "Hola:\n\nLa semana pasada les pedimos la migración de nuestros buzones. Les adjunto ahora los contactos "
        "de la cuenta de recepción, recepcion@residencia-losolivos.example, que son los de la agenda del "
        "programa antiguo. ¿Podrían importarlos en esa cuenta?\n\nGracias,\nLucía Navarro\nResidencia de mayores "
        "Los Olivos"
    )
    msg = proton(
        text=text + "\n\n" + PROTON_SIG["es"] + "\n",
        html_body=proton_html(text, "es"),
        attachments=[(proton_vcf(), "text/vcard", "contactos-recepcion.vcf")],
        frm="Lucía Navarro <direccion@residencia-losolivos.example>",
        subject="Contactos de recepción",
        date=rfc_date(24, 16, 45, 9),
    )
    return msg, expect(
        "director of a care home, Proton Mail, Spanish, only a .vcf (vCard 4.0 from Proton: four cards, one with "
        "a folded NOTE, grouped ITEM1.EMAIL lines) and a sentence naming the mailbox it belongs to; the mailbox "
        "itself was asked for in an earlier mail, so nothing is missing here",
        "request",
        lang="es",
        frm="direccion@residencia-losolivos.example",
        groupware=[{"kind": "contacts", "items": 4, "mailbox": box}],
        errors=[],
    )


# =============================================================================================
# Replies in a ticket's thread: one builder per client


def subject_of(lang, ticket, prefix="Re: ", topic=None):
    return f"{prefix}[{ticket}] {topic or SUBJECTS[lang]}"


def mac_reply(*, reply, lang, ticket, boxes, header_lines, frm, date, missing=None, topic=None):
    quoted = ack(lang, ticket, boxes, missing)
    text = reply + "\n\n" + "\n".join(header_lines) + "\n\n" + quoted + "\n"
    html_body = mac_doc(
        "".join(mac_lines(p) + mac_p() for p in reply.split("\n\n"))
        + mac_header_block(header_lines, lang=lang.upper())
        + "".join(mac_lines(p) + mac_p() for p in quoted.split("\n\n"))
        + "</div>",
        lang=lang.upper(),
    )
    domain = frm.split("@")[1].rstrip(">")
    return outlook_mac(
        text=text,
        html_body=html_body,
        frm=frm,
        subject=subject_of(lang, ticket, topic=topic),
        date=date,
        mid=f"<{guid(upper=True)}@{domain}>",
        thread=[support_mid(ticket)],
    )


def gmx_reply(*, reply, lang, ticket, boxes, pairs, frm, date, app):
    quoted = ack(lang, ticket, boxes)
    html_body = gmx_html(gmx_divs(reply) + "\r\n\r\n<div>&nbsp;</div>\r\n\r\n" + gmx_quote(pairs, gmx_divs(quoted)))
    return gmx(
        html_body=html_body,
        app=app,
        frm=frm,
        subject=subject_of(lang, ticket, prefix="Aw: "),
        date=date,
        thread=[support_mid(ticket)],
    )


def roundcube_reply(*, reply, lang, ticket, boxes, attribution, frm, date, webmail):
    quoted = ack(lang, ticket, boxes)
    text = reply + "\n\n" + attribution + "\n\n" + quote_gt(quoted) + "\n"
    sender = re.search(r"<([^>]+)>", frm).group(1)
    return roundcube(
        text=text,
        host=webmail,
        sender=sender,
        frm=frm,
        subject=subject_of(lang, ticket),
        date=date,
        thread=[support_mid(ticket)],
    )


def yahoo_reply(*, reply, lang, ticket, boxes, attribution, frm, date, day, hh, mm):
    quoted = ack(lang, ticket, boxes)
    text = reply + "\n\n\n" + attribution + "\n\n\n" + quoted + "\n"
    qid = f"yahoo_quoted_{digits(10)}"
    html_body = yahoo_html(
        yahoo_divs(reply)
        + f'<div><br></div><div><br></div><div id="{qid}" class="yahoo_quoted"><div style="font-family:\'Helvetica '
        f'Neue\', Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;"><div>{esc(attribution)}</div><div><br>'
        f"</div><div><br></div><div><div dir=\"ltr\">{html_lines(quoted)}</div></div></div></div>"
    )
    return yahoo(
        text=text,
        html_body=html_body,
        day=day,
        hh=hh,
        mm=mm,
        frm=frm,
        subject=subject_of(lang, ticket),
        date=date,
        thread=[support_mid(ticket)],
    )


def sogo_reply(*, reply, lang, ticket, boxes, attribution, frm, date, host_id):
    quoted = ack(lang, ticket, boxes)
    text = reply + "\n\n" + attribution + "\n\n" + quote_gt(quoted) + "\n"
    html_body = sogo_html(
        sogo_ps(reply)
        + f"<p>{esc(attribution)}</p><blockquote type=\"cite\">{html_lines(quoted)}</blockquote>"
    )
    return sogo(
        text=text,
        html_body=html_body,
        host_id=host_id,
        frm=frm,
        subject=subject_of(lang, ticket, prefix="Re: "),
        date=date,
        thread=[support_mid(ticket)],
    )


def android_reply(*, reply, lang, ticket, boxes, attribution, sig, agent, frm, date):
    quoted = ack(lang, ticket, boxes)
    text = reply + "\n\n-- \n" + sig + "\n\n" + attribution + "\n" + quote_gt(quoted) + "\n"
    html_body = (
        "<html><head></head><body>"
        + "".join(f'<div dir="auto">{esc(line) if line else "<br>"}</div>' for line in reply.split("\n"))
        + f'<div dir="auto"><br></div><div dir="auto">-- <br>{esc(sig)}</div><br><br>'
        + f'<div class="gmail_quote"><div dir="auto">{esc(attribution)}</div>'
        + '<blockquote class="gmail_quote" style="margin: 0pt 0pt 0pt 0.8ex; border-left: 1px solid rgb(204, 204, '
        + f'204); padding-left: 1ex;">{html_lines(quoted)}</blockquote></div></body></html>'
    )
    domain = re.search(r"@([^>]+)>", frm).group(1)
    return android_mail(
        text=text,
        html_body=html_body,
        agent=agent,
        domain=domain,
        frm=frm,
        subject=subject_of(lang, ticket),
        date=date,
        thread=[support_mid(ticket)],
    )


def proton_reply(*, reply, lang, ticket, boxes, attribution, frm, date):
    quoted = ack(lang, ticket, boxes)
    text = reply + "\n\n" + PROTON_SIG[lang] + "\n\n" + attribution + "\n\n" + quote_gt(quoted) + "\n"
    quote_html = (
        f'<div class="protonmail_quote">\n        {esc(attribution)}<br><br>\n        '
        f'<blockquote class="protonmail_quote" type="cite">\n            {html_lines(quoted)}\n        '
        "</blockquote><br>\n    </div>"
    )
    return proton(
        text=text,
        html_body=proton_html(reply, lang, quote_html),
        frm=frm,
        subject=subject_of(lang, ticket),
        date=date,
        thread=[support_mid(ticket)],
    )


def horde_reply(*, reply, lang, ticket, boxes, attribution, frm, date, stamp, webmail, missing=None, topic=None):
    quoted = ack(lang, ticket, boxes, missing)
    text = reply + "\n\n" + attribution + "\n\n" + quote_gt(quoted) + "\n"
    return horde(
        text=text,
        webmail=webmail,
        date_stamp=stamp,
        frm=frm,
        subject=subject_of(lang, ticket, prefix="Re: ", topic=topic),
        date=date,
        thread=[support_mid(ticket)],
    )


def em_reply(*, reply, lang, ticket, boxes, frm, date, orig_date, missing=None, topic=None):
    quoted = ack(lang, ticket, boxes, missing)
    to_name = frm
    head = [
        "------ Original Message ------",
        'From "New Hosting Support" <support@new.example>',
        f"To {to_name}",
        f"Date {orig_date}",
        f"Subject [{ticket}] {topic or SUBJECTS[lang]}",
    ]
    text = reply + "\n\n" + "\n".join(head) + "\n\n" + quote_gt(quoted, space=False) + "\n"
    html_body = emclient_html(
        [
            em_divs(reply),
            "<div><br /></div><div>",
            "".join(f"<div>{esc(h)}</div>" for h in head),
            '</div><div id="x0ad3e8b2fb84f4a"><blockquote cite="' + support_mid(ticket).strip("<>")
            + '" type="cite" class="cite2">' + em_divs(quoted) + "</blockquote></div>",
        ]
    )
    return em_client(
        text=text,
        html_body=html_body,
        frm=frm,
        subject=subject_of(lang, ticket, topic=topic),
        date=date,
        mid=None,
        thread=[support_mid(ticket)],
    )


# =============================================================================================
# Commands written as sentences


@fixture("outlookmac-reply-how-far-en")
def _():
    ticket = "MIG-000541"
    frm = "Rob Kemp <rob@solent-sailing.example>"
    msg = mac_reply(
        reply="Hi there,\n\nSorry to chase, but could you tell me how far you are with moving our mailboxes? The "
        "instructors keep asking when they can start using the new ones.\n\nThanks,\nRob Kemp\nSolent Sailing School",
        lang="en",
        ticket=ticket,
        boxes=["rob@solent-sailing.example", "bookings@solent-sailing.example", "instructors@solent-sailing.example"],
        header_lines=[
            "From: New Hosting Support <support@new.example>",
            "Date: Tuesday, 24 November 2026 at 10:12",
            f"To: {frm}",
            f"Subject: [{ticket}] Your migration request",
        ],
        frm=frm,
        date=rfc_date(25, 8, 3, 30, "+0000"),
    )
    return msg, reply_expect(
        "owner of a sailing school, Outlook for Mac, English, reply in the thread: an indirect question "
        "('could you tell me how far you are…?') asking for the status",
        "command",
        "status",
        lang="en",
        frm="rob@solent-sailing.example",
        ticket=ticket,
    )


@fixture("gmx-reply-auftrag-stornieren-de")
def _():
    ticket = "MIG-000547"
    msg = gmx_reply(
        reply="Sehr geehrte Damen und Herren,\n\nwir möchten den Auftrag stornieren. Unser bisheriger Anbieter hat "
        "uns ein besseres Angebot gemacht.\n\nMit freundlichen Grüßen\nIngrid Sommer\nLotto-Toto Sommer",
        lang="de",
        ticket=ticket,
        boxes=["laden@lotto-sommer.example"],
        pairs=[
            ("Gesendet", "Dienstag, 24. November 2026 um 10:12 Uhr"),
            ("Von", '"New Hosting Support" <support@new.example>'),
            ("An", "laden@lotto-sommer.example"),
            ("Betreff", f"[{ticket}] Ihr Umzugsauftrag"),
        ],
        frm="Ingrid Sommer <laden@lotto-sommer.example>",
        date=rfc_date(24, 17, 40, 2),
        app="3c-app-gmx-bs61",
    )
    return msg, reply_expect(
        "owner of a lottery kiosk, GMX webmail (HTML only), German, reply in the thread: 'wir möchten den "
        "Auftrag stornieren', the quote in GMX's Gesendet/Von/An/Betreff block",
        "command",
        "cancel",
        lang="de",
        frm="laden@lotto-sommer.example",
        ticket=ticket,
    )


@fixture("roundcube-reply-ou-en-est-fr")
def _():
    ticket = "MIG-000552"
    msg = roundcube_reply(
        reply="Bonjour,\n\nPourriez-vous me dire où en est le transfert de nos boîtes ? Nous n'avons encore rien vu "
        "arriver sur les nouvelles.\n\nMerci,\n-- \nAgnès Perrin\nThéâtre de la Lanterne (troupe amateur)",
        lang="fr",
        ticket=ticket,
        boxes=["contact@theatre-lanterne.example", "billetterie@theatre-lanterne.example"],
        attribution="Le 2026-11-24 10:12, New Hosting Support a écrit :",
        frm="Agnès Perrin <contact@theatre-lanterne.example>",
        date=rfc_date(25, 9, 1, 55),
        webmail="webmail.asso-hebergement.example",
    )
    return msg, reply_expect(
        "volunteer of an amateur theatre company, Roundcube, French, reply in the thread: 'Pourriez-vous me dire "
        "où en est le transfert ?' (status as a polite question)",
        "command",
        "status",
        lang="fr",
        frm="contact@theatre-lanterne.example",
        ticket=ticket,
    )


@fixture("yahoo-reply-mx-cambiados-es")
def _():
    ticket = "MIG-000558"
    msg = yahoo_reply(
        reply="Buenas:\n\nYa hemos cambiado los registros MX en el panel del dominio, tal y como nos indicaron.\n\n"
        "Un saludo,\nRosa Campos\nAcademia Campos – clases de repaso",
        lang="es",
        ticket=ticket,
        boxes=["info@academiacampos.example", "rosa@academiacampos.example"],
        attribution="El martes, 24 de noviembre de 2026, 10:12:00 CET, New Hosting Support <support@new.example> "
        "escribió:",
        frm="Rosa Campos <academia.campos@yahoo.example>",
        date=rfc_date(24, 19, 22, 7),
        day=24,
        hh=18,
        mm=22,
    )
    return msg, reply_expect(
        "owner of a tutoring academy writing from her Yahoo address, Yahoo Mail web, Spanish, reply in the "
        "thread: MX records changed; Yahoo's plain part quotes without '>'",
        "command",
        "dns-changed",
        lang="es",
        frm="academia.campos@yahoo.example",
        ticket=ticket,
    )


@fixture("sogo-reply-record-mx-aggiornati-it")
def _():
    ticket = "MIG-000563"
    msg = sogo_reply(
        reply="Buongiorno,\n\nvi informo che stamattina il nostro tecnico ha aggiornato i record MX del dominio "
        "verso i vostri server.\n\nCordiali saluti\nGiulia Esposito\nPasticceria Esposito",
        lang="it",
        ticket=ticket,
        boxes=["ordini@pasticceria-esposito.example", "giulia@pasticceria-esposito.example"],
        attribution='Il giorno martedì, novembre 24, 2026 10:12 CET, "New Hosting Support" <support@new.example> '
        "ha scritto:",
        frm="Giulia Esposito <giulia@pasticceria-esposito.example>",
        date=rfc_date(25, 11, 4, 51),
        host_id="173301245",
    )
    return msg, reply_expect(
        "owner of a pastry shop, SOGo webmail, Italian, reply in the thread: the technician updated the MX "
        "records this morning",
        "command",
        "dns-changed",
        lang="it",
        frm="giulia@pasticceria-esposito.example",
        ticket=ticket,
    )


@fixture("k9-reply-migratie-stopzetten-nl")
def _():
    ticket = "MIG-000569"
    msg = android_reply(
        reply="Hallo,\n\nWe hebben besloten om toch niet over te stappen. Willen jullie de migratie stopzetten?\n\n"
        "Groet,\nBram Visser\nHoveniersbedrijf Visser",
        lang="nl",
        ticket=ticket,
        boxes=["info@hovenier-visser.example"],
        attribution="Op 24 november 2026 10:12:00 CET schreef New Hosting Support <support@new.example>:",
        sig=K9_SIG_NL,
        agent="K-9 Mail for Android",
        frm="Bram Visser <info@hovenier-visser.example>",
        date=rfc_date(24, 12, 37, 16),
    )
    return msg, reply_expect(
        "gardener on his phone, K-9 Mail on Android, Dutch, reply in the thread: 'Willen jullie de migratie "
        "stopzetten?' (cancel as a question)",
        "command",
        "cancel",
        lang="nl",
        frm="info@hovenier-visser.example",
        ticket=ticket,
    )


@fixture("proton-reply-mx-pointed-en")
def _():
    ticket = "MIG-000574"
    msg = proton_reply(
        reply="Hi,\n\nJust to let you know that our web developer pointed the domain's MX records at your servers "
        "this morning.\n\nBest,\nNadia Rahman\nRiverside Food Bank",
        lang="en",
        ticket=ticket,
        boxes=["volunteers@riverside-foodbank.example", "nadia@riverside-foodbank.example"],
        attribution="On Tuesday, November 24th, 2026 at 10:12, New Hosting Support <support@new.example> wrote:",
        frm="Nadia Rahman <nadia@riverside-foodbank.example>",
        date=rfc_date(25, 10, 48, 0, "+0000"),
    )
    return msg, reply_expect(
        "coordinator of a food bank, Proton Mail, English, reply in the thread: the MX records were pointed at "
        "the new servers",
        "command",
        "dns-changed",
        lang="en",
        frm="nadia@riverside-foodbank.example",
        ticket=ticket,
    )


@fixture("horde-reply-wie-weit-de")
def _():
    ticket = "MIG-000580"
    msg = horde_reply(
        reply="Guten Tag,\n\nkönnten Sie mir bitte sagen, wie weit Sie mit dem Umzug unserer Postfächer sind? Im "
        "neuen Postfach ist bisher nichts angekommen.\n\nMit freundlichen Grüßen\nM. Schuster, Pfarrsekretärin\n"
        "Ev. Kirchengemeinde St. Johannis",
        lang="de",
        ticket=ticket,
        boxes=["pfarramt@stjohannis-gemeinde.example", "kita@stjohannis-gemeinde.example"],
        attribution="Zitat von New Hosting Support <support@new.example>:",
        frm="Pfarramt St. Johannis <pfarramt@stjohannis-gemeinde.example>",
        date=rfc_date(25, 9, 30, 12),
        stamp="20261125093012",
        webmail="webmail.kirchenserver.example",
    )
    return msg, reply_expect(
        "parish secretary of a Protestant parish, Horde webmail, German, reply in the thread: 'könnten Sie mir "
        "bitte sagen, wie weit Sie … sind?' (status), Horde's 'Zitat von' quote",
        "command",
        "status",
        lang="de",
        frm="pfarramt@stjohannis-gemeinde.example",
        ticket=ticket,
    )


@fixture("emclient-reply-a-che-punto-it")
def _():
    ticket = "MIG-000586"
    msg = em_reply(
        reply="Buonasera,\n\nmi sapreste dire a che punto è la migrazione delle nostre caselle?\n\nGrazie,\n"
        "Alessandro Marini\nMarini Viaggi",
        lang="it",
        ticket=ticket,
        boxes=["prenotazioni@mariniviaggi.example", "alessandro@mariniviaggi.example"],
        frm="Alessandro Marini <alessandro@mariniviaggi.example>",
        date=rfc_date(24, 19, 5, 44),
        orig_date="24/11/2026 10:12:00",
    )
    return msg, reply_expect(
        "owner of a travel agency, eM Client, Italian, reply in the thread: 'mi sapreste dire a che punto è la "
        "migrazione?' (status), eM Client's 'Original Message' block",
        "command",
        "status",
        lang="it",
        frm="alessandro@mariniviaggi.example",
        ticket=ticket,
    )


@fixture("outlookmac-reply-anularan-es")
def _():
    ticket = "MIG-000591"
    frm = "Elena Ruiz <reservas@hotelrural-elencinar.example>"
    msg = mac_reply(
        reply="Estimados señores:\n\nLes agradecería que anularan nuestra solicitud de migración; finalmente hemos "
        "decidido quedarnos con el proveedor actual.\n\nAtentamente,\nElena Ruiz\nHotel Rural El Encinar",
        lang="es",
        ticket=ticket,
        boxes=["reservas@hotelrural-elencinar.example", "elena@hotelrural-elencinar.example"],
        header_lines=[
            "De: New Hosting Support <support@new.example>",
            "Fecha: martes, 24 de noviembre de 2026, 10:12",
            f"Para: {frm}",
            f"Asunto: [{ticket}] Su solicitud de migración",
        ],
        frm=frm,
        date=rfc_date(24, 13, 15, 8),
    )
    return msg, reply_expect(
        "manager of a rural hotel, Outlook for Mac, Spanish, reply in the thread: 'Les agradecería que anularan "
        "nuestra solicitud' (cancel, polite subjunctive)",
        "command",
        "cancel",
        lang="es",
        frm="reservas@hotelrural-elencinar.example",
        ticket=ticket,
    )


@fixture("proton-reply-mx-pointes-fr")
def _():
    ticket = "MIG-000597"
    msg = proton_reply(
        reply="Bonjour,\n\nJe vous confirme que j'ai fait pointer hier soir les enregistrements MX du domaine vers "
        "vos serveurs.\n\nBien à vous,\nJulien Garnier\nPhotographe",
        lang="fr",
        ticket=ticket,
        boxes=["studio@julien-garnier-photo.example"],
        attribution="Le mardi 24 novembre 2026 à 10:12, New Hosting Support <support@new.example> a écrit :",
        frm="Julien Garnier <studio@julien-garnier-photo.example>",
        date=rfc_date(25, 8, 20, 31),
    )
    return msg, reply_expect(
        "photographer, Proton Mail, French, reply in the thread: 'j'ai fait pointer … les enregistrements MX … "
        "vers vos serveurs' (DNS changed)",
        "command",
        "dns-changed",
        lang="fr",
        frm="studio@julien-garnier-photo.example",
        ticket=ticket,
    )


@fixture("k9-reply-hoe-staat-het-nl")
def _():
    ticket = "MIG-000602"
    msg = android_reply(
        reply="Hoi,\n\nHoe staat het ervoor met het overzetten van onze mail? Ik zie nog niks binnenkomen in de "
        "nieuwe mailbox.\n\nGroetjes,\nSanne de Wit\nKinderopvang Het Vlindernest",
        lang="nl",
        ticket=ticket,
        boxes=["info@kinderopvang-vlindernest.example", "planning@kinderopvang-vlindernest.example"],
        attribution="Op 24 november 2026 10:12:00 CET schreef New Hosting Support <support@new.example>:",
        sig=K9_SIG_NL,
        agent="K-9 Mail for Android",
        frm="Sanne de Wit <info@kinderopvang-vlindernest.example>",
        date=rfc_date(25, 7, 58, 2),
    )
    return msg, reply_expect(
        "manager of a childcare centre on her phone, K-9 Mail on Android, Dutch, reply in the thread: 'Hoe staat "
        "het ervoor met het overzetten?' (status)",
        "command",
        "status",
        lang="nl",
        frm="info@kinderopvang-vlindernest.example",
        ticket=ticket,
    )


# =============================================================================================
# Replies that are for a person to read (kind "ignored")


@fixture("yahoo-reply-if-not-too-late-dont-cancel-en")
def _():
    ticket = "MIG-000608"
    msg = yahoo_reply(
        reply="Hello,\n\nIf it's not too late, please don't cancel! My husband sent you a message this morning "
        "saying to stop, but he had misunderstood our grandson. We do want to move.\n\nBest wishes,\nJune Whitford",
        lang="en",
        ticket=ticket,
        boxes=["family@whitford-home.example"],
        attribution="On Tuesday, 24 November 2026 at 10:12:00 GMT, New Hosting Support <support@new.example> wrote:",
        frm="June Whitford <june.whitford@yahoo.example>",
        date=rfc_date(24, 15, 2, 40, "+0000"),
        day=24,
        hh=15,
        mm=2,
    )
    return msg, reply_expect(
        "retired woman about the family mailbox, Yahoo Mail web, English, reply in the thread: 'If it's not too "
        "late, please don't cancel!' (conditional and negated: for a person)",
        "ignored",
        None,
        lang="en",
        frm="june.whitford@yahoo.example",
        ticket=ticket,
    )


@fixture("gmx-reply-bitte-nicht-stornieren-de")
def _():
    ticket = "MIG-000613"
    msg = gmx_reply(
        reply="Guten Tag,\n\nfalls mein Kollege Ihnen gestern geschrieben hat, Sie sollen den Umzug stornieren: "
        "bitte nicht stornieren! Das war ein Missverständnis, wir wollen weiterhin zu Ihnen.\n\nMit freundlichen "
        "Grüßen\nOliver Raabe\nFahrradhandel Raabe",
        lang="de",
        ticket=ticket,
        boxes=["info@fahrrad-raabe.example", "werkstatt@fahrrad-raabe.example"],
        pairs=[
            ("Gesendet", "Dienstag, 24. November 2026 um 10:12 Uhr"),
            ("Von", '"New Hosting Support" <support@new.example>'),
            ("An", "info@fahrrad-raabe.example"),
            ("Betreff", f"[{ticket}] Ihr Umzugsauftrag"),
        ],
        frm="Oliver Raabe <info@fahrrad-raabe.example>",
        date=rfc_date(25, 8, 44, 19),
        app="3c-app-gmx-bap33",
    )
    return msg, reply_expect(
        "owner of a bicycle shop, GMX webmail (HTML only), German, reply in the thread: 'falls … stornieren: bitte "
        "nicht stornieren!' (conditional and negated: for a person)",
        "ignored",
        None,
        lang="de",
        frm="info@fahrrad-raabe.example",
        ticket=ticket,
    )


@fixture("roundcube-reply-dns-pas-encore-fr")
def _():
    ticket = "MIG-000619"
    msg = roundcube_reply(
        reply="Bonjour,\n\nNous n'avons pas encore modifié les DNS : notre prestataire web ne pourra le faire que "
        "lundi. Je vous préviendrai dès que ce sera fait.\n\nCordialement,\n-- \nThierry Masson\nCave Masson & Fils",
        lang="fr",
        ticket=ticket,
        boxes=["cave@masson-fils.example", "commandes@masson-fils.example"],
        attribution="Le 2026-11-24 10:12, New Hosting Support a écrit :",
        frm="Thierry Masson <cave@masson-fils.example>",
        date=rfc_date(24, 16, 10, 2),
        webmail="webmail.vignoble-hebergement.example",
    )
    return msg, reply_expect(
        "wine merchant, Roundcube, French, reply in the thread: 'Nous n'avons pas encore modifié les DNS' "
        "(the DNS is NOT changed yet: no command)",
        "ignored",
        None,
        lang="fr",
        frm="cave@masson-fils.example",
        ticket=ticket,
    )


@fixture("sogo-reply-se-non-troppo-tardi-it")
def _():
    ticket = "MIG-000624"
    msg = sogo_reply(
        reply="Buongiorno,\n\nse non è troppo tardi, non annullate la migrazione: il problema con il vecchio "
        "fornitore si è risolto e vogliamo procedere.\n\nGrazie,\nMarta Ricci\nStudio di fisioterapia Ricci",
        lang="it",
        ticket=ticket,
        boxes=["studio@fisio-ricci.example"],
        attribution='Il giorno martedì, novembre 24, 2026 10:12 CET, "New Hosting Support" <support@new.example> '
        "ha scritto:",
        frm="Marta Ricci <studio@fisio-ricci.example>",
        date=rfc_date(24, 18, 26, 37),
        host_id="208114730",
    )
    return msg, reply_expect(
        "physiotherapist, SOGo webmail, Italian, reply in the thread: 'se non è troppo tardi, non annullate' "
        "(conditional and negated: for a person)",
        "ignored",
        None,
        lang="it",
        frm="studio@fisio-ricci.example",
        ticket=ticket,
    )


@fixture("exchange-autoreply-out-of-office-nl")
def _():
    ticket = "MIG-000630"
    frm = "Femke Jacobs <f.jacobs@notariaat-jacobs.example>"
    text = (
        "Beste afzender,\n\nIk ben afwezig tot en met maandag 30 november en lees mijn e-mail niet. Voor "
        "dringende zaken kunt u bellen met ons kantoor: 024 555 6600. Afspraken annuleren of verzetten kan via "
        "secretariaat@notariaat-jacobs.example.\n\nMet vriendelijke groet,\nFemke Jacobs\nNotariaat Jacobs"
    )
    html_body = (
        '<html dir="ltr">\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
        '<style type="text/css" id="owaParaStyle"></style>\r\n</head>\r\n<body fpstyle="1" ocsi="0">\r\n'
        '<div style="direction: ltr;font-family: Tahoma;color: #000000;font-size: 10pt;">'
        + html_lines(text, "p")
        + "</div>\r\n</body>\r\n</html>\r\n"
    )
    msg = alternative(CRLF, text + "\n", html_body)
    headers(
        msg,
        frm=frm,
        subject=f"Automatisch antwoord: [{ticket}] Uw migratieaanvraag",
        date=rfc_date(24, 10, 12, 31),
        mid=f"<{hexs(32)}@AM9PR07MB{RNG.randrange(1000, 9999)}.eurprd07.prod.outlook.example>",
        thread=[support_mid(ticket)],
        extra=[
            ("Thread-Topic", f"[{ticket}] Uw migratieaanvraag"),
            ("Thread-Index", thread_index()),
            ("Auto-Submitted", "auto-generated"),
            ("X-Auto-Response-Suppress", "All"),
            ("X-MS-Exchange-Inbox-Rules-Loop", "f.jacobs@notariaat-jacobs.example"),
            ("Content-Language", "nl-NL"),
        ],
    )
    set_boundaries(msg, lambda: f"_000_{hexs(32)}AM9PR07MB{RNG.randrange(1000, 9999)}eurp_")
    move_content_headers_last(msg)
    return msg, reply_expect(
        "notary's out-of-office reply to the support's acknowledgement, Exchange Online automatic reply "
        "(Auto-Submitted: auto-generated), Dutch; it mentions cancelling appointments, which is no command",
        "ignored",
        None,
        lang="nl",
        frm="f.jacobs@notariaat-jacobs.example",
        ticket=ticket,
    )


@fixture("tbandroid-reply-dns-todavia-no-es")
def _():
    ticket = "MIG-000635"
    msg = android_reply(
        reply="Hola,\n\ntodavía no hemos cambiado los DNS. ¿Lo hacemos ya o esperamos a que ustedes terminen de "
        "copiar el correo?\n\nSaludos,\nJavier Molina\nTalleres Molina",
        lang="es",
        ticket=ticket,
        boxes=["taller@talleresmolina.example", "javier@talleresmolina.example"],
        attribution="El 24 de noviembre de 2026 10:12:00 CET, New Hosting Support <support@new.example> escribió:",
        sig=TB_ANDROID_SIG["es"],
        agent="Thunderbird for Android",
        frm="Javier Molina <javier@talleresmolina.example>",
        date=rfc_date(24, 20, 50, 3),
    )
    return msg, reply_expect(
        "owner of a car workshop on his phone, Thunderbird for Android, Spanish, reply in the thread: the DNS "
        "is not changed yet and a question whether to do it now (for a person)",
        "ignored",
        None,
        lang="es",
        frm="javier@talleresmolina.example",
        ticket=ticket,
    )


# =============================================================================================
# Replies that give a forgotten password for one of two mailboxes


@fixture("emclient-reply-password-for-one-en")
def _():
    ticket = "MIG-000641"
    bob = "bob@harbour-kayaks.example"
    msg = em_reply(
        reply="Hi,\n\nApologies, I forgot one. The password for bob@harbour-kayaks.example is Quay-Side-82 - "
        "Alice's was in the first mail.\n\nCheers,\nAlice Penrose\nHarbour Kayaks",
        lang="en",
        ticket=ticket,
        boxes=[],
        missing=bob,
        topic="Missing information",
        frm="Alice Penrose <alice@harbour-kayaks.example>",
        date=rfc_date(24, 11, 7, 45, "+0000"),
        orig_date="24/11/2026 10:12:00",
    )
    return msg, expect(
        "owner of a kayak rental, eM Client, English, reply in the thread that gives the password the first "
        "mail lacked for one of its two mailboxes: 'The password for bob@… is …'",
        "request",
        ticket=ticket,
        lang="en",
        frm="alice@harbour-kayaks.example",
        mailboxes=[mb(bob, "Quay-Side-82", ...)],
    )


@fixture("horde-reply-kennwort-fuer-de")
def _():
    ticket = "MIG-000646"
    box = "buchhaltung@tischlerei-wolff.example"
    msg = horde_reply(
        reply="Guten Tag,\n\nentschuldigen Sie bitte. Das Kennwort für das Postfach buchhaltung@tischlerei-wolff.example "
        "lautet Soll&Haben-26, das andere Postfach (info@) hatten Sie ja schon.\n\nMit freundlichen Grüßen\n"
        "Markus Wolff\nTischlerei Wolff",
        lang="de",
        ticket=ticket,
        boxes=[],
        missing=box,
        topic="Fehlende Angaben",
        attribution="Zitat von New Hosting Support <support@new.example>:",
        frm="Markus Wolff <info@tischlerei-wolff.example>",
        date=rfc_date(24, 14, 2, 10),
        stamp="20261124140210",
        webmail="webmail.handwerk-hosting.example",
    )
    return msg, expect(
        "master carpenter, Horde webmail, German, reply in the thread that gives the missing password for one "
        "of his two mailboxes: 'Das Kennwort für das Postfach … lautet …'",
        "request",
        ticket=ticket,
        lang="de",
        frm="info@tischlerei-wolff.example",
        mailboxes=[mb(box, "Soll&Haben-26", ...)],
    )


# =============================================================================================


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in list(OUT.glob("*.eml")) + list(OUT.glob("*.expect.json")):
        old.unlink()
    names = set()
    for number, (name, build) in enumerate(FIXTURES, start=1):
        assert name not in names, name
        names.add(name)
        msg, exp = build()
        stem = f"{number:03d}-{name}"
        (OUT / f"{stem}.eml").write_bytes(msg.as_bytes())
        (OUT / f"{stem}.expect.json").write_text(json.dumps(exp, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(FIXTURES)} fixtures to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
