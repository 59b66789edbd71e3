#!/usr/bin/env python3
"""Writes fixtures/reach/NNN-name.eml and NNN-name.expect.json (the inputs of tests/reach_corpus.rs).

The reach corpus is written from the customer's side: each mail is what one customer would
really send to the support address with the mail client they use, and each .expect.json is
what a careful support agent reads out of it. Neither was shaped by mailferry's parser.

Mails are built with Python's `email` package the way the named client builds them
(multipart/alternative, quoted-printable Windows-1252 from Outlook, format=flowed from
Thunderbird and Apple Mail, base64 from Samsung mail, ...); spreadsheet attachments are real
files. The .eml files are committed, so this script is only how they were made: re-running it
rewrites every file (the output is deterministic).

Needs, besides the standard library, openpyxl (.xlsx), odfpy (.ods) and xlwt (.xls):

    python3 -m venv /tmp/reachvenv && /tmp/reachvenv/bin/pip install openpyxl odfpy xlwt
    /tmp/reachvenv/bin/python scripts/make-reach-fixtures.py
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
import zipfile
from email.message import EmailMessage
from pathlib import Path

try:
    import openpyxl
    import xlwt
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P as OdfP
except ImportError as e:  # pragma: no cover - a message for whoever runs it
    sys.exit(
        f"make-reach-fixtures.py needs openpyxl, odfpy and xlwt ({e}).\n"
        "Install them into a venv, for example:\n"
        "  python3 -m venv /tmp/reachvenv && /tmp/reachvenv/bin/pip install openpyxl odfpy xlwt\n"
        "  /tmp/reachvenv/bin/python scripts/make-reach-fixtures.py"
    )

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "reach"
SUPPORT = "New Hosting Support <support@new.example>"
SUPPORT_ADDR = "support@new.example"
RNG = random.Random(20261125)

# Policies as the clients write: Exchange/Outlook and Gmail hand out CRLF, the others are
# stored as a local mail store keeps them (LF).
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


def rfc_date(day, hh, mm, ss=0, tz="+0100", month=11, year=2026):
    d = datetime.datetime(year, month, day, hh, mm, ss)
    wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d.weekday()]
    mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1]
    return f"{wd}, {day} {mon} {year} {hh:02d}:{mm:02d}:{ss:02d} {tz}"


def thread_index():
    return base64.b64encode(bytes(RNG.randrange(256) for _ in range(22))).decode()


def esc(s):
    return html.escape(s, quote=False)


def flowed(text, width=72):
    """Encodes text as format=flowed (RFC 3676): soft breaks end in a space, stuffing."""
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
            out.append(line[: cut + 1])
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out)


def fixed_zip(data):
    """Re-packs a zip (xlsx/ods) with fixed timestamps so that the output is deterministic."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            fresh = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 20, 9, 30, 0))
            fresh.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            fresh.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into "modified"; pin it.
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*<", rb"\g<1>2026-11-20T09:30:00Z<", content)
            dst.writestr(fresh, content)
    return buf.getvalue()


def xlsx(sheets):
    """sheets: [(title, [[cell, ...], ...], {"bold_rows": {1}, "widths": {...}})] → .xlsx bytes."""
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
                if r in opts.get("big_rows", ()):
                    cell.font = openpyxl.styles.Font(bold=True, size=14)
        for col, w in opts.get("widths", {}).items():
            ws.column_dimensions[col].width = w
        for rng in opts.get("merge", ()):
            ws.merge_cells(rng)
    fixed = datetime.datetime(2026, 11, 20, 9, 30, 0)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "Microsoft Office User"
    buf = io.BytesIO()
    wb.save(buf)
    return fixed_zip(buf.getvalue())


def ods(title, rows):
    doc = OpenDocumentSpreadsheet()
    table = Table(name=title)
    for row in rows:
        tr = TableRow()
        for value in row:
            tc = TableCell(valuetype="string") if value else TableCell()
            if value:
                tc.addElement(OdfP(text=value))
            tr.addElement(tc)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    data = buf.getvalue()
    # odfpy stamps meta.xml with the current time; pin it.
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "meta.xml":
                content = re.sub(rb"<meta:creation-date>[^<]*<", b"<meta:creation-date>2026-11-20T09:30:00<", content)
                content = re.sub(rb"<dc:date>[^<]*<", b"<dc:date>2026-11-20T09:30:00<", content)
            fresh = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 20, 9, 30, 0))
            fresh.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            dst.writestr(fresh, content)
    return out.getvalue()


def xls(title, rows, bold_rows=(1,)):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(title)
    bold = xlwt.easyxf("font: bold on")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, (int, float)):
                ws.write(r, c, value)
            elif r + 1 in bold_rows:
                ws.write(r, c, value, bold)
            else:
                ws.write(r, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def unicode_text(rows):
    """Excel's "Unicode Text" export: UTF-16LE with BOM, tabs, CRLF, quotes doubled in quotes."""
    lines = []
    for row in rows:
        cells = []
        for v in row:
            v = "" if v is None else str(v)
            if any(ch in v for ch in '"\t\n'):
                v = '"' + v.replace('"', '""') + '"'
            cells.append(v)
        lines.append("\t".join(cells))
    return "\ufeff".encode("utf-16-le") + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")


def csv_text(rows, sep=",", crlf=True):
    lines = []
    for row in rows:
        cells = []
        for v in row:
            v = "" if v is None else str(v)
            if any(ch in v for ch in (sep, '"', "\n")):
                v = '"' + v.replace('"', '""') + '"'
            cells.append(v)
        lines.append(sep.join(cells))
    return ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")


# ---------------------------------------------------------------------------------------------
# headers


def headers(msg, *, frm, subject, date, mid, to=SUPPORT, cc=None, extra=(), thread=None):
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
    """Real clients write MIME headers after the envelope headers; EmailMessage adds them first.
    Parts below the top carry no MIME-Version (EmailMessage gives each one)."""
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


# ---------------------------------------------------------------------------------------------
# mail clients
#
# Each takes the text the customer typed (and the HTML the client makes of it where it sends
# HTML) and returns an EmailMessage with the client's own shape.


def outlook_desktop(*, text, html_body, lang="en-GB", attachments=(), charset="windows-1252", **hdr):
    msg = EmailMessage(policy=CRLF)
    msg.set_content(text, charset=charset, cte="quoted-printable")
    msg.add_alternative(html_body, subtype="html", charset=charset, cte="quoted-printable")
    for a in attachments:
        attach(msg, *a)
    headers(
        msg,
        extra=[
            ("X-Mailer", "Microsoft Outlook 16.0"),
            ("Thread-Index", thread_index()),
            ("Content-Language", lang.lower()),
        ]
        + list(hdr.pop("extra", [])),
        **hdr,
    )
    stamp = HEX(4)
    set_boundaries(msg, lambda: f"----=_NextPart_000_{HEX(4)}_01DB{HEX(4)}.{stamp}{HEX(4)}")
    move_content_headers_last(msg)
    return msg


def outlook_web(*, text, html_body, lang="en-US", attachments=(), **hdr):
    msg = EmailMessage(policy=CRLF)
    msg.set_content(text, charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html_body, subtype="html", charset="utf-8", cte="quoted-printable")
    for a in attachments:
        attach(msg, *a)
    tag = f"DB9PR{RNG.randrange(10, 99)}MB{RNG.randrange(1000, 9999)}"
    headers(
        msg,
        extra=[
            ("Thread-Topic", hdr["subject"]),
            ("Thread-Index", thread_index()),
            ("Accept-Language", f"{lang}, en-US"),
            ("Content-Language", lang),
            ("X-MS-Has-Attach", "yes" if attachments else ""),
            ("X-MS-TNEF-Correlator", ""),
            ("msip_labels", ""),
        ]
        + list(hdr.pop("extra", [])),
        **hdr,
    )
    set_boundaries(msg, lambda: f"_00{RNG.randrange(0, 9)}_{tag}{HEX(8)}_")
    move_content_headers_last(msg)
    return msg


def gmail(*, text, html_body, attachments=(), **hdr):
    msg = EmailMessage(policy=CRLF)
    msg.set_content(text, charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html_body, subtype="html", charset="utf-8", cte="quoted-printable")
    for a in attachments:
        attach(msg, *a)
    headers(msg, **hdr)
    set_boundaries(msg, lambda: "0000000000" + hexs(18))
    move_content_headers_last(msg)
    return msg


def thunderbird(*, text, lang="de-DE", attachments=(), version="128.5.0", **hdr):
    msg = EmailMessage(policy=LF)
    msg.set_content(flowed(text), charset="utf-8", cte="8bit", params={"format": "flowed"})
    for a in attachments:
        attach(msg, *a)
    headers(
        msg,
        extra=[("User-Agent", "Mozilla Thunderbird"), ("Content-Language", lang)] + list(hdr.pop("extra", [])),
        **hdr,
    )
    set_boundaries(msg, lambda: "------------" + alnum(24))
    move_content_headers_last(msg)
    return msg


def apple_mail(*, text, html_body=None, attachments=(), build="3826.200.121", **hdr):
    msg = EmailMessage(policy=LF)
    if html_body is None:
        msg.set_content(flowed(text), charset="utf-8", cte="quoted-printable", params={"format": "flowed"})
    else:
        msg.set_content(text, charset="utf-8", cte="quoted-printable")
        msg.add_alternative(html_body, subtype="html", charset="utf-8", cte="quoted-printable")
    for a in attachments:
        attach(msg, *a)
    headers(msg, extra=[("X-Mailer", f"Apple Mail (2.{build})")] + list(hdr.pop("extra", [])), **hdr)
    set_boundaries(msg, lambda: f"Apple-Mail={HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}")
    move_content_headers_last(msg)
    del msg["MIME-Version"]
    msg["Mime-Version"] = f"1.0 (Mac OS X Mail 16.0 \\({build}\\))"
    return msg


def iphone(*, text, html_body, build="22B91", **hdr):
    msg = EmailMessage(policy=LF)
    msg.set_content(text, charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html_body, subtype="html", charset="utf-8", cte="quoted-printable")
    headers(msg, extra=[("X-Mailer", f"iPhone Mail ({build})")] + list(hdr.pop("extra", [])), **hdr)
    set_boundaries(msg, lambda: f"Apple-Mail-{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}")
    move_content_headers_last(msg)
    del msg["MIME-Version"]
    msg["Mime-Version"] = "1.0 (1.0)"
    return msg


def samsung(*, text, html_body, **hdr):
    msg = EmailMessage(policy=CRLF)
    msg.set_content(text, charset="utf-8", cte="base64")
    msg.add_alternative(html_body, subtype="html", charset="utf-8", cte="base64")
    headers(msg, **hdr)
    set_boundaries(msg, lambda: f"--_com.samsung.android.email_{RNG.randrange(10**14, 10**15)}")
    move_content_headers_last(msg)
    return msg


# ---------------------------------------------------------------------------------------------
# HTML as each client makes it

OUTLOOK_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type content="text/html; charset={charset}"><meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--
/* Font Definitions */
@font-face
	{{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}}
@font-face
	{{font-family:Calibri;
	panose-1:2 15 5 2 2 2 4 3 2 4;}}
@font-face
	{{font-family:Aptos;}}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{{margin:0cm;
	font-size:11.0pt;
	font-family:"Aptos",sans-serif;
	mso-ligatures:standardcontextual;
	mso-fareast-language:EN-US;}}
a:link, span.MsoHyperlink
	{{mso-style-priority:99;
	color:#467886;
	text-decoration:underline;}}
span.E-MailFormatvorlage17
	{{mso-style-type:personal-compose;
	font-family:"Aptos",sans-serif;
	color:windowtext;}}
.MsoChpDefault
	{{mso-style-type:export-only;
	font-size:10.0pt;
	mso-ligatures:none;}}
@page WordSection1
	{{size:612.0pt 792.0pt;
	margin:70.85pt 70.85pt 2.0cm 70.85pt;}}
div.WordSection1
	{{page:WordSection1;}}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]--></head><body lang={lang} link="#467886" vlink="#96607D" style='word-wrap:break-word'><div class=WordSection1>"""


def ol_p(text="", style=""):
    """One Outlook paragraph; empty text makes the blank line Outlook writes."""
    if not text:
        return "<p class=MsoNormal><o:p>&nbsp;</o:p></p>\r\n"
    inner = esc(text)
    if style:
        inner = f"<span style='{style}'>{inner}</span>"
    return f"<p class=MsoNormal>{inner}<o:p></o:p></p>\r\n"


def ol_lines(text, style=""):
    return "".join(ol_p(line, style) for line in text.split("\n"))


def outlook_doc(inner, lang="EN-GB", charset="windows-1252"):
    return OUTLOOK_HEAD.format(charset=charset, lang=lang) + inner + "</div></body></html>\r\n"


def ol_excel_table(rows, widths, bold_header=True, lang="EN-GB"):
    """A range pasted from Excel into Outlook: nowrap cells, widths in pt, black spans, borders."""
    total = sum(widths)
    out = [
        f"<table class=MsoNormalTable border=0 cellspacing=0 cellpadding=0 width={int(total * 4 / 3)} "
        f"style='width:{total:.1f}pt;border-collapse:collapse'>\r\n"
    ]
    for r, row in enumerate(rows):
        out.append("<tr style='height:14.5pt'>\r\n")
        for c, value in enumerate(row):
            border = "solid windowtext 1.0pt" if r == 0 else "none"
            left = "solid windowtext 1.0pt" if c == 0 else "none"
            style = (
                f"width:{widths[c]:.1f}pt;border-top:{border};border-left:{left};"
                f"border-bottom:solid windowtext 1.0pt;border-right:solid windowtext 1.0pt;"
                f"padding:0cm 3.5pt 0cm 3.5pt;height:14.5pt"
            )
            if value:
                span = f"<span style='color:black;mso-fareast-language:{lang}'>{esc(value)}<o:p></o:p></span>"
                if r == 0 and bold_header:
                    span = f"<b>{span}</b>"
            else:
                span = f"<span style='color:black;mso-fareast-language:{lang}'><o:p>&nbsp;</o:p></span>"
            out.append(
                f"<td width={int(widths[c] * 4 / 3)} nowrap valign=bottom style='{style}'>"
                f"<p class=MsoNormal>{span}</p></td>\r\n"
            )
        out.append("</tr>\r\n")
    out.append("</table>\r\n")
    return "".join(out)


def outlook_plain_table(rows):
    """What Outlook puts into text/plain for a table: cells separated by tabs, one row a line."""
    return "\n".join("\t".join(cell for cell in row) for row in rows)


def gmail_html(blocks):
    """blocks: list of strings (a paragraph's lines joined by \\n) or raw HTML prefixed with '<'."""
    out = ['<div dir="ltr">']
    for i, b in enumerate(blocks):
        if b.startswith("<"):
            out.append(b)
            continue
        for line in b.split("\n"):
            out.append(f"<div>{esc(line)}</div>" if line else "<div><br></div>")
        if i + 1 < len(blocks):
            out.append("<div><br></div>")
    out.append("</div>\r\n")
    return "".join(out)


def gmail_sig(text):
    lines = "<br>".join(esc(line) for line in text.split("\n"))
    return (
        '<div><br></div><span class="gmail_signature_prefix">-- </span><br>'
        '<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">'
        f'<div dir="ltr"><div>{lines}</div></div></div>'
    )


def gmail_quote(header, quoted_html):
    return (
        '<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">'
        f"{esc(header)}<br></div>"
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
        f'rgb(204,204,204);padding-left:1ex">{quoted_html}</blockquote></div>'
    )


def owa_html(text, extra_html="", lang="en-US"):
    style = (
        "font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, Helvetica, sans-serif; "
        "font-size: 12pt; color: rgb(0, 0, 0);"
    )
    body = []
    for line in text.split("\n"):
        body.append(f'<div class="elementToProof" style="{style}">{esc(line) if line else "<br>"}</div>')
    return (
        '<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
        '<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>\r\n'
        f'</head>\r\n<body dir="ltr">\r\n{"".join(body)}{extra_html}\r\n</body>\r\n</html>\r\n'
    )


def apple_html(text, extra_html=""):
    body = []
    for line in text.split("\n"):
        body.append(f"<div>{esc(line) if line else '<br>'}</div>")
    return (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        '<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">'
        + "".join(body)
        + extra_html
        + "</body></html>"
    )


def iphone_html(text, sig):
    lines = "<br>".join(esc(line) for line in text.split("\n"))
    return (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        f'<body dir="auto"><div dir="ltr">{lines}</div><div dir="ltr"><br></div>'
        f'<div dir="ltr">{esc(sig)}</div></body></html>'
    )


def samsung_html(text, sig):
    lines = "".join(f'<div dir="auto">{esc(line) if line else "<br>"}</div>' for line in text.split("\n"))
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>'
        f'<body>{lines}<div dir="auto"><br></div><div id="composer_signature" dir="auto">'
        f'<div style="font-size:85%;color:#575757" dir="auto">{esc(sig)}</div></div></body></html>'
    )


def quote_gt(text):
    return "\n".join((">" + (" " + line if line and not line.startswith(">") else line)) for line in text.split("\n"))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
XLS = "application/vnd.ms-excel"


def ol_compose(blocks, lang="EN-GB", sig_style="font-size:10.0pt;color:#595959"):
    """Outlook desktop: blocks are text paragraphs, ('table', rows, widths[, bold]) or
    ('sig', text) → (text/plain, text/html)."""
    text, body = [], []
    for b in blocks:
        if isinstance(b, tuple) and b[0] == "table":
            rows, widths = b[1], b[2]
            bold = b[3] if len(b) > 3 else True
            text.append(outlook_plain_table(rows))
            body.append(ol_excel_table(rows, widths, bold, lang) + ol_p())
        elif isinstance(b, tuple) and b[0] == "sig":
            text.append(b[1])
            body.append(ol_lines(b[1], sig_style) + ol_p())
        elif isinstance(b, tuple) and b[0] == "html":
            text.append(b[1])
            body.append(b[2])
        else:
            text.append(b)
            body.append(ol_lines(b) + ol_p())
    return "\n\n".join(text) + "\n", "".join(body)


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
    m = {"email": email_addr, "password": password, "source_host": host}
    m.update(kw)
    return m


def err(field, mentions=None, row="any"):
    e = {}
    if row != "any":
        e["row"] = row
    e["field"] = field
    if mentions:
        e["mentions"] = mentions
    return e


# =============================================================================================
# Requests with a table in the body


@fixture("outlook-excel-table-en")
def _():
    rows = [
        ["Name", "Email Address", "Password", "Incoming Server (IMAP)"],
        ["Karen Hartley", "karen@hartley-moss.example", "Daffodil#2026", "imap.oldhost.example"],
        ["Dev Patel", "dev.patel@hartley-moss.example", "Tq8$wLm3vZ", "imap.oldhost.example"],
        ["Reception", "reception@hartley-moss.example", "Welcome-Desk-55", "imap.oldhost.example"],
    ]
    text, body = ol_compose(
        [
            "Hi there,",
            "We are moving our email over to you at the end of the month. Could you please migrate the "
            "mailboxes below from our current provider? I\u2019ve copied the details straight out of our "
            "spreadsheet.",
            ("table", rows, [96.0, 170.0, 90.0, 140.0]),
            "Let me know if you need anything else from us.",
            "Kind regards,",
            (
                "sig",
                "Karen Hartley\nOffice Manager\nHartley & Moss Property Ltd\n14 Weir Road, Reading RG1 4AB\n"
                "T: 0118 496 0732 | M: 07700 900461\nwww.hartley-moss.example",
            ),
            (
                "sig",
                "This email and any attachments are confidential and intended solely for the addressee. If you "
                "have received it in error please notify the sender and delete it. Hartley & Moss Property Ltd, "
                "registered in England No. 08812345.",
            ),
        ]
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body),
        frm="Karen Hartley <karen@hartley-moss.example>",
        subject="Email migration - 3 mailboxes",
        date=rfc_date(23, 9, 41, 12, "+0000"),
        mid=f"<00{hexs(2)}01db{hexs(4)}$a1b2c3d0${hexs(8)}@hartley-moss.example>",
    )
    return msg, expect(
        "office manager of a property agency, Outlook 2021 on Windows, English, table pasted from Excel",
        "request",
        lang="en",
        frm="karen@hartley-moss.example",
        mailboxes=[mb(r[1], r[2], r[3]) for r in rows[1:]],
        errors=[],
    )


def word_table_merged(rows, merged_col, lang="DE"):
    """A table typed in Word (bold first row, no <th>), pasted into Outlook; the cell of
    `merged_col` spans all data rows (rowspan)."""
    out = [
        "<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse;"
        "border:none;mso-border-alt:solid windowtext .5pt;mso-yfti-tbllook:1184'>\r\n"
    ]
    for r, row in enumerate(rows):
        out.append(f"<tr style='mso-yfti-irow:{r}'>\r\n")
        for c, value in enumerate(row):
            if r > 1 and c == merged_col:
                continue
            span = f" rowspan={len(rows) - 1}" if r == 1 and c == merged_col else ""
            style = (
                "width:120.8pt;border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;"
                "padding:0cm 5.4pt 0cm 5.4pt"
            )
            inner = esc(value) if value else "<o:p>&nbsp;</o:p>"
            if r == 0:
                inner = f"<b>{inner}</b>"
            out.append(
                f"<td width=161 valign=top{span} style='{style}'><p class=MsoNormal>"
                f"<span lang={lang}>{inner}</span></p></td>\r\n"
            )
        out.append("</tr>\r\n")
    out.append("</table>\r\n")
    return "".join(out)


@fixture("outlook-word-table-merged-de")
def _():
    server = "mail.nordhost.example"
    rows = [
        ["Passwort", "E-Mail-Adresse", "Benutzername (falls abweichend)", "Server"],
        ["Elbe!Ufer19", "albers@kanzlei-albers.example", "", server],
        ["Kx93-fahrrad", "lindner@kanzlei-albers.example", "", ""],
        ["Bilanz2026\u00a7", "buchhaltung@kanzlei-albers.example", "k12345_buha", ""],
    ]
    plain_rows = [rows[0], rows[1], rows[2][:3], rows[3][:3]]
    text, body = ol_compose(
        [
            "Sehr geehrte Damen und Herren,",
            "wie telefonisch mit Herrn Demir besprochen, \u00fcbersende ich Ihnen die Zugangsdaten unserer "
            "drei Postf\u00e4cher f\u00fcr den Umzug zu Ihnen. Der Server ist bei allen derselbe.",
            ("html", outlook_plain_table(plain_rows), word_table_merged(rows, 3) + ol_p()),
            "Bitte geben Sie mir kurz Bescheid, wann die Umstellung erfolgt, damit ich die Mitarbeiter "
            "informieren kann.",
            "Mit freundlichen Gr\u00fc\u00dfen",
            (
                "sig",
                "Petra Lindner\nKanzleiorganisation\n\nSteuerkanzlei Albers\nJungfernstieg 38 \u00b7 20354 "
                "Hamburg\nTel.: +49 40 555 818-0 \u00b7 Fax: +49 40 555 818-99\nlindner@kanzlei-albers.example",
            ),
            (
                "sig",
                "Diese E-Mail enth\u00e4lt vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind, "
                "informieren Sie bitte sofort den Absender und vernichten Sie diese E-Mail. Das unerlaubte "
                "Kopieren sowie die unbefugte Weitergabe dieser Mail ist nicht gestattet.",
            ),
        ],
        lang="DE",
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body, lang="DE"),
        lang="de-DE",
        frm="Petra Lindner <lindner@kanzlei-albers.example>",
        subject="Umzug E-Mail-Postf\u00e4cher Steuerkanzlei Albers",
        date=rfc_date(20, 14, 5, 44),
        mid=f"<000001db{hexs(4)}$6c2b9e40${hexs(8)}@kanzlei-albers.example>",
    )
    return msg, expect(
        "office organiser of a tax adviser, Outlook on Windows, German, Word table with bold first row "
        "and the server cell merged over all rows",
        "request",
        lang="de",
        frm="lindner@kanzlei-albers.example",
        mailboxes=[
            mb("albers@kanzlei-albers.example", "Elbe!Ufer19", server, source_user=None),
            mb("lindner@kanzlei-albers.example", "Kx93-fahrrad", server, source_user=None),
            mb("buchhaltung@kanzlei-albers.example", "Bilanz2026\u00a7", server, source_user="k12345_buha"),
        ],
        errors=[],
    )


@fixture("thunderbird-space-table-nl")
def _():
    text = """Hallo,

Ik ben vrijwilliger bij TV De Kaats en doe daar een beetje de ICT. Wij
willen de mailboxen van het bestuur naar jullie overzetten. Hieronder de
gegevens:

E-mailadres                       Wachtwoord       Server
voorzitter@tvdekaats.example      Gravel!2026      mail.oudprovider.example
secretaris@tvdekaats.example      Netpost88        mail.oudprovider.example
penningmeester@tvdekaats.example   Kas-Boek-12      mail.oudprovider.example
ledenadmin@tvdekaats.example      Ballen&Netten7   mail.oudprovider.example

(sorry als de uitlijning een beetje scheef is)

De oude provider stopt per 1 januari, dus het liefst voor de kerst.

Met sportieve groet,

Henk Jansen
Tennisvereniging De Kaats
Sportlaan 4, 3431 AB Nieuwegein
06-12345678
"""
    msg = thunderbird(
        text=text,
        lang="nl",
        frm="Henk Jansen <h.jansen@tvdekaats.example>",
        subject="mailboxen bestuur overzetten",
        date=rfc_date(21, 20, 47, 3),
        mid=f"<{hexs(8)}-{hexs(4)}-{hexs(4)}-{hexs(4)}-{hexs(12)}@tvdekaats.example>",
    )
    host = "mail.oudprovider.example"
    return msg, expect(
        "volunteer of a tennis club, Thunderbird, Dutch, plain-text table aligned with spaces (one row off)",
        "request",
        lang="nl",
        frm="h.jansen@tvdekaats.example",
        mailboxes=[
            mb("voorzitter@tvdekaats.example", "Gravel!2026", host),
            mb("secretaris@tvdekaats.example", "Netpost88", host),
            mb("penningmeester@tvdekaats.example", "Kas-Boek-12", host),
            mb("ledenadmin@tvdekaats.example", "Ballen&Netten7", host),
        ],
        errors=[],
    )


@fixture("thunderbird-markdown-table-en")
def _():
    text = """Hi,

Ticket for the Brightline mailbox move, as discussed with your sales team.
All three are on the legacy box; j.osei's account is old and only does
STARTTLS on 143, the others are IMAPS. Logins are the short names, not
the full addresses.

| Mailbox                        | IMAP host                | Port | Login   | Password         |
|--------------------------------|--------------------------|------|---------|------------------|
| ops@brightline-it.example      | imap.legacymail.example  | 993  | ops     | N3on-Harbour-77  |
| billing@brightline-it.example  | imap.legacymail.example  | 993  | billing | 4!mK2rQp         |
| j.osei@brightline-it.example   | imap.legacymail.example  | 143  | josei   | Rainfall_Tuesday |

Please don't start before 18:00 on weekdays, billing is busy during the
day.

Cheers,
Femi

--
Femi Adeyemi
Systems Administrator, Brightline IT Services
+44 161 496 0555
"""
    msg = thunderbird(
        text=text,
        lang="en-GB",
        frm="Femi Adeyemi <femi@brightline-it.example>",
        subject="Mailbox migration: ops, billing, j.osei",
        date=rfc_date(24, 11, 2, 50, "+0000"),
        mid=f"<{hexs(8)}-{hexs(4)}-{hexs(4)}-{hexs(4)}-{hexs(12)}@brightline-it.example>",
    )
    host = "imap.legacymail.example"
    return msg, expect(
        "systems administrator of an IT service company, Thunderbird, English, Markdown pipes table",
        "request",
        lang="en",
        frm="femi@brightline-it.example",
        mailboxes=[
            mb("ops@brightline-it.example", "N3on-Harbour-77", host, source_port=993, source_user="ops"),
            mb("billing@brightline-it.example", "4!mK2rQp", host, source_port=993, source_user="billing"),
            mb("j.osei@brightline-it.example", "Rainfall_Tuesday", host, source_port=143, source_user="josei"),
        ],
        errors=[],
    )


@fixture("gmail-csv-in-body-de")
def _():
    csv_lines = [
        "E-Mail;Passwort;IMAP-Server",
        "info@elektro-schuster.example;Strom2026!;imap.althoster.example",
        "werkstatt@elektro-schuster.example;Kabeltrommel#9;imap.althoster.example",
        'buero@elektro-schuster.example;"B\u00fcro;2026";imap.althoster.example',
    ]
    intro = (
        "Hallo zusammen,\n\nanbei wie am Telefon besprochen die Zugangsdaten von unseren 3 Postf\u00e4chern. "
        "Hab sie aus Excel als CSV kopiert, hoffe das passt so:"
    )
    outro = "Falls was fehlt einfach kurz anrufen.\n\nGru\u00df\nThomas"
    sig = (
        "Elektro Schuster GmbH & Co. KG\nIndustriestra\u00dfe 12 | 86150 Augsburg\nTel. 0821 455 77-0 | "
        "Mobil 0171 555 2398\nGesch\u00e4ftsf\u00fchrer: Thomas Schuster | HRA 12345 Amtsgericht Augsburg"
    )
    text = intro + "\n\n" + "\n".join(csv_lines) + "\n\n" + outro + "\n\n-- \n" + sig + "\n"
    html_body = gmail_html(
        ["Hallo zusammen,", intro.split("\n\n", 1)[1], "\n".join(csv_lines), outro, gmail_sig(sig)]
    )
    msg = gmail(
        text=text,
        html_body=html_body,
        frm="Thomas Schuster <thomas@elektro-schuster.example>",
        subject="Zugangsdaten Postf\u00e4cher",
        date=rfc_date(23, 7, 12, 9),
        mid=f"<CAF{alnum(30)}=={alnum(10)}@mail.gmail.example>",
    )
    host = "imap.althoster.example"
    return msg, expect(
        "owner of an electrician's business, Gmail web, German, semicolon CSV pasted into the body "
        "(one password quoted because it holds a semicolon)",
        "request",
        lang="de",
        frm="thomas@elektro-schuster.example",
        mailboxes=[
            mb("info@elektro-schuster.example", "Strom2026!", host),
            mb("werkstatt@elektro-schuster.example", "Kabeltrommel#9", host),
            mb("buero@elektro-schuster.example", "B\u00fcro;2026", host),
        ],
        errors=[],
    )


@fixture("gmail-tsv-in-body-fr")
def _():
    rows = [
        ["adresse", "mot de passe", "serveur", "port"],
        ["cabinet@expertise-morel.example", "Bilan!Annuel24", "imap.ancien-hebergeur.example", "993"],
        ["j.morel@expertise-morel.example", "Cerise_Noire_7", "imap.ancien-hebergeur.example", "993"],
        ["stagiaire@expertise-morel.example", "Stage2026-Dec", "imap.ancien-hebergeur.example", "993"],
    ]
    tsv = "\n".join("\t".join(r) for r in rows)
    intro = (
        "Bonjour,\n\nSuite \u00e0 notre souscription, voici les comptes \u00e0 reprendre chez vous. "
        "Je les ai copi\u00e9s depuis notre tableau :"
    )
    outro = "Merci de me confirmer la date de bascule.\n\nBien cordialement,\nJulien Morel"
    sig = "Expertise Comptable Morel\n8 place Bellecour, 69002 Lyon\n04 72 00 45 45"
    text = intro + "\n\n" + tsv + "\n\n" + outro + "\n\n-- \n" + sig + "\n"
    tab = '<span style="white-space:pre">\t</span>'
    table_html = "".join("<div>" + tab.join(esc(c) for c in r) + "</div>" for r in rows)
    html_body = gmail_html(["Bonjour,", intro.split("\n\n", 1)[1], "<div><br></div>" + table_html + "<div><br></div>",
                            outro, gmail_sig(sig)])
    msg = gmail(
        text=text,
        html_body=html_body,
        frm="Julien Morel <j.morel@expertise-morel.example>",
        subject="Reprise de nos bo\u00eetes mail",
        date=rfc_date(19, 16, 30, 27),
        mid=f"<CAH{alnum(32)}@mail.gmail.example>",
    )
    host = "imap.ancien-hebergeur.example"
    return msg, expect(
        "chartered accountant, Gmail web, French, tab-separated rows pasted into the body",
        "request",
        lang="fr",
        frm="j.morel@expertise-morel.example",
        mailboxes=[mb(r[0], r[1], host, source_port=993) for r in rows[1:]],
        errors=[],
    )


# =============================================================================================
# Requests with a spreadsheet or text file attached


@fixture("outlook-xlsx-title-row-en")
def _():
    host = "mail.vetnet-hosting.example"
    rows = [
        ["Greenfield Veterinary Clinic \u2013 mailbox migration list"],
        ["Prepared by M. Okafor, 20/11/2026"],
        [],
        ["User", "Email", "Old server", "Password", "Notes"],
        ["Dr Sarah Greenfield", "sarah@greenfield-vets.example", host, "Whiskers&Paws1", ""],
        ["Front desk", "frontdesk@greenfield-vets.example", host, "Reception2026!", "shared mailbox"],
        ["Tom Briggs", "tom.briggs@greenfield-vets.example", host, "Lurcher-47-Rain", "part time"],
        ["Accounts", "accounts@greenfield-vets.example", host, "qP7#vX2!mL", ""],
    ]
    notes = [
        ["Notes"],
        ["Old provider contract ends 31/12/2026."],
        ["Please keep the folder structure, esp. 'Lab results'."],
    ]
    data = xlsx(
        [
            ("Mailboxes", rows, {"big_rows": {1}, "bold_rows": {4}, "widths": {"A": 22, "B": 36, "C": 30, "D": 18}}),
            ("Notes", notes, {"bold_rows": {1}}),
        ]
    )
    text, body = ol_compose(
        [
            "Hello,",
            "Please find attached the list of our mailboxes to move across. The old server and the "
            "passwords are in the spreadsheet (first tab).",
            "Many thanks,",
            (
                "sig",
                "Michael Okafor\nPractice IT\nGreenfield Veterinary Clinic\n3 Mill Lane, Harrogate HG1 2QT\n"
                "01423 960 320",
            ),
        ]
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body),
        attachments=[(data, XLSX, "Greenfield mailboxes.xlsx")],
        frm="Michael Okafor <it@greenfield-vets.example>",
        subject="Mailbox list for migration",
        date=rfc_date(20, 15, 58, 1, "+0000"),
        mid=f"<00{hexs(2)}01db{hexs(4)}$1f0e2a10${hexs(8)}@greenfield-vets.example>",
    )
    return msg, expect(
        "practice IT person of a veterinary clinic, Outlook on Windows, English, .xlsx with a title row "
        "above the header (header on row 4) and a second sheet of notes",
        "request",
        lang="en",
        frm="it@greenfield-vets.example",
        mailboxes=[mb(r[1], r[3], r[2], row=i) for i, r in enumerate(rows, start=1) if i > 4],
        errors=[],
    )


@fixture("apple-xlsx-server-url-de")
def _():
    rows = [
        ["Name", "E-Mail", "Kennwort", "Posteingangsserver"],
        ["Dr. Emre Yilmaz", "dr.yilmaz@praxis-yilmaz.example", "Stethoskop!88", "imaps://imap.medhost-alt.example:993"],
        ["Anmeldung", "anmeldung@praxis-yilmaz.example", "Termin_2026", "imap.medhost-alt.example:993"],
        ["Labor", "labor@praxis-yilmaz.example", "Blutbild-Q4", "imap.medhost-alt.example"],
    ]
    data = xlsx([("Tabelle1", rows, {"bold_rows": {1}, "widths": {"A": 18, "B": 34, "C": 16, "D": 40}})])
    text = (
        "Guten Tag,\n\nim Anhang die Liste unserer Postf\u00e4cher f\u00fcr den Umzug. Die Serveradresse "
        "habe ich so \u00fcbernommen, wie sie in unserem Mailprogramm steht.\n\nMit freundlichen "
        "Gr\u00fc\u00dfen\n\nAylin Yilmaz\nPraxismanagement\n\nHausarztpraxis Dr. med. Emre Yilmaz\n"
        "Kaiserstra\u00dfe 77, 60329 Frankfurt am Main\nTel. 069 2475 1180\n"
    )
    msg = apple_mail(
        text=text,
        attachments=[(data, XLSX, "Postf\u00e4cher Praxis.xlsx")],
        frm="Aylin Yilmaz <praxis@praxis-yilmaz.example>",
        subject="Postf\u00e4cher Praxis Dr. Yilmaz",
        date=rfc_date(18, 12, 14, 33),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@praxis-yilmaz.example>",
    )
    return msg, expect(
        "practice manager of a GP surgery, Apple Mail on macOS, German, .xlsx whose server column mixes "
        "an imaps:// URL, host:port and a bare host",
        "request",
        lang="de",
        frm="praxis@praxis-yilmaz.example",
        mailboxes=[
            mb("dr.yilmaz@praxis-yilmaz.example", "Stethoskop!88", "imap.medhost-alt.example", source_port=993, row=2),
            mb("anmeldung@praxis-yilmaz.example", "Termin_2026", "imap.medhost-alt.example", source_port=993, row=3),
            mb("labor@praxis-yilmaz.example", "Blutbild-Q4", "imap.medhost-alt.example", row=4),
        ],
        errors=[],
    )


@fixture("thunderbird-ods-idn-fr")
def _():
    host = "imap.h\u00e9bergeur-associatif.example"
    rows = [
        ["Adresse e-mail", "Mot de passe", "Serveur IMAP", "Remarque"],
        ["presidence@amis-vieux-moulin.example", "Meunier#1887", host, ""],
        ["tresorerie@amis-vieux-moulin.example", "Farine&Son22", host, "compte tr\u00e8s volumineux"],
        ["benevoles@amis-vieux-moulin.example", "Roue-a-aubes-5", host, ""],
    ]
    data = ods("Feuille1", rows)
    text = """Bonjour,

Je suis b\u00e9n\u00e9vole \u00e0 l'association Les Amis du Vieux Moulin et je m'occupe
de l'informatique. Nous souhaitons transf\u00e9rer nos trois bo\u00eetes mail chez
vous. Vous trouverez en pi\u00e8ce jointe un tableau (LibreOffice) avec les
adresses, les mots de passe et le serveur.

La bo\u00eete de la tr\u00e9sorerie est assez grosse (plusieurs ann\u00e9es de
justificatifs), j'esp\u00e8re que ce n'est pas un probl\u00e8me.

Merci par avance,
Bernard Lef\u00e8vre

--
Association Les Amis du Vieux Moulin
Chemin du Moulin, 24200 Sarlat-la-Can\u00e9da
06 12 34 56 78
"""
    msg = thunderbird(
        text=text,
        lang="fr",
        attachments=[(data, ODS, "boites_mail_association.ods")],
        frm="Bernard =?utf-8?q?Lef=C3=A8vre?= <bernard.lefevre@amis-vieux-moulin.example>",
        subject="Transfert des bo\u00eetes mail de l'association",
        date=rfc_date(22, 18, 3, 11),
        mid=f"<{hexs(8)}-{hexs(4)}-{hexs(4)}-{hexs(4)}-{hexs(12)}@amis-vieux-moulin.example>",
    )
    return msg, expect(
        "volunteer of a heritage association, Thunderbird, French, .ods (LibreOffice) with an "
        "internationalised server name",
        "request",
        lang="fr",
        frm="bernard.lefevre@amis-vieux-moulin.example",
        mailboxes=[mb(r[0], r[1], host, row=i) for i, r in enumerate(rows, start=1) if i > 1],
        errors=[],
    )


@fixture("outlook-xls-nl")
def _():
    rows = [
        ["Naam", "E-mail", "Wachtwoord", "Server", "Poort"],
        ["Jeroen van Dijk", "jeroen@vandijk-makelaardij.example", "Grachtenpand#12", "imap.oudhosting.example", 993],
        ["Ilse Bakker", "ilse@vandijk-makelaardij.example", "Bezichtiging2026", "imap.oudhosting.example", 993],
        ["Info", "info@vandijk-makelaardij.example", "Sleutel-Overdracht-9", "imap.oudhosting.example", 993],
    ]
    data = xls("Blad1", rows)
    text, body = ol_compose(
        [
            "Goedemiddag,",
            "In de bijlage het overzicht van onze mailboxen die naar jullie over moeten. Het bestand komt "
            "nog uit ons oude boekhoudpakket, vandaar het .xls-formaat.",
            "Met vriendelijke groet,",
            (
                "sig",
                "Ilse Bakker\nOfficemanager\n\nVan Dijk Makelaardij o.g.\nOudegracht 120, 3511 AW Utrecht\n"
                "T 030 233 44 55 | www.vandijk-makelaardij.example",
            ),
        ],
        lang="NL",
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body, lang="NL"),
        lang="nl-NL",
        attachments=[(data, XLS, "mailboxen.xls")],
        frm="Ilse Bakker <ilse@vandijk-makelaardij.example>",
        subject="Overzicht mailboxen",
        date=rfc_date(17, 13, 22, 40),
        mid=f"<00{hexs(2)}01db{hexs(4)}$2e1d0c30${hexs(8)}@vandijk-makelaardij.example>",
    )
    return msg, expect(
        "office manager of an estate agency, Outlook on Windows, Dutch, legacy .xls (BIFF8) attachment with "
        "a numeric port column",
        "request",
        lang="nl",
        frm="ilse@vandijk-makelaardij.example",
        mailboxes=[mb(r[1], r[2], r[3], source_port=993, row=i) for i, r in enumerate(rows, start=1) if i > 1],
        errors=[],
    )


@fixture("outlook-unicode-text-users-txt-en")
def _():
    host = "imap.schoolmail-legacy.example"
    rows = [
        ["Email Address", "Password", "IMAP Server"],
        ["head@staidans-school.example", "Chalk&Cheese2026", host],
        ["office@staidans-school.example", 'Kite"Fly9', host],
        ["senco@staidans-school.example", "Rainbow-Class-3", host],
        ["bursar@staidans-school.example", "Ledger!Dec26", host],
    ]
    text, body = ol_compose(
        [
            "Dear Support,",
            "As agreed with your colleague on the phone, I\u2019m attaching the staff mailboxes to be moved. "
            "I saved it from Excel as \u201cUnicode Text\u201d as I wasn\u2019t sure which format you needed, "
            "hope that\u2019s OK.",
            "Best wishes,",
            (
                "sig",
                "Gareth Pryce\nICT Coordinator\nSt Aidan\u2019s C of E Primary School\nChurch Street, "
                "Llandudno LL30 2AB\n01492 960 771",
            ),
            (
                "sig",
                "This e-mail and any files transmitted with it are confidential and intended solely for the use "
                "of the individual or entity to whom they are addressed.",
            ),
        ]
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body),
        attachments=[(unicode_text(rows), "application/octet-stream", "users.txt")],
        frm="Gareth Pryce <g.pryce@staidans-school.example>",
        subject="Staff mailboxes",
        date=rfc_date(16, 10, 1, 5, "+0000"),
        mid=f"<00{hexs(2)}01db{hexs(4)}$c0a1b2e0${hexs(8)}@staidans-school.example>",
    )
    return msg, expect(
        "ICT coordinator of a primary school, Outlook on Windows, English, Excel 'Unicode Text' export "
        "(UTF-16, tabs) named users.txt sent as application/octet-stream; one password holds a double quote",
        "request",
        lang="en",
        frm="g.pryce@staidans-school.example",
        mailboxes=[mb(r[0], r[1], host, row=i) for i, r in enumerate(rows, start=1) if i > 1],
        errors=[],
    )


@fixture("outlook-cp1252-semicolon-csv-de")
def _():
    rows = [
        ["Name", "E-Mail-Adresse", "Passwort", "Server", "Port"],
        ["J\u00fcrgen Kr\u00e4mer", "j.kraemer@autohaus-kraemer.example", "Gr\u00fc\u00dfe2026!", "imap.kfz-hosting.example", "993"],
        ["Verkauf", "verkauf@autohaus-kraemer.example", "Cabrio;Sommer", "imap.kfz-hosting.example", "993"],
        ["Werkstatt", "werkstatt@autohaus-kraemer.example", "\u00d6lwechsel-15", "imap.kfz-hosting.example", "993"],
        ["Teiledienst", "teile@autohaus-kraemer.example", "Z\u00fcndkerze#4", "imap.kfz-hosting.example", "993"],
    ]
    data = csv_text(rows, sep=";").encode("cp1252")
    text, body = ol_compose(
        [
            "Hallo,",
            "anbei die Liste unserer Postf\u00e4cher als CSV-Datei (aus Excel gespeichert). Bitte alle vier "
            "umziehen.",
            "Danke und Gru\u00df",
            (
                "sig",
                "Jan Kr\u00e4mer\nIT / Organisation\nAutohaus Kr\u00e4mer GmbH\nBahnhofstra\u00dfe 5 | 33602 "
                "Bielefeld\nTelefon 0521 98 76 54-0",
            ),
        ],
        lang="DE",
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body, lang="DE"),
        lang="de-DE",
        attachments=[(data, XLS, "Postf\u00e4cher.csv")],
        frm="Jan =?iso-8859-1?Q?Kr=E4mer?= <jan.kraemer@autohaus-kraemer.example>",
        subject="Postfachliste Autohaus",
        date=rfc_date(19, 8, 47, 18),
        mid=f"<00{hexs(2)}01db{hexs(4)}$7a6b5c40${hexs(8)}@autohaus-kraemer.example>",
    )
    return msg, expect(
        "IT person of a car dealership, Outlook on Windows, German, Windows-1252 ';'-separated CSV "
        "(sent as application/vnd.ms-excel) with umlauts in names and passwords",
        "request",
        lang="de",
        frm="jan.kraemer@autohaus-kraemer.example",
        mailboxes=[mb(r[1], r[2], r[3], source_port=993, row=i) for i, r in enumerate(rows, start=1) if i > 1],
        errors=[],
    )


@fixture("gmail-csv-empty-server-column-es")
def _():
    rows = [
        ["correo", "contrase\u00f1a", "servidor"],
        ["direccion@academiababel.example", "Idiomas#2026", ""],
        ["secretaria@academiababel.example", "Matricula-Abierta", ""],
        ["profesores@academiababel.example", "Verbos_Irregulares9", ""],
    ]
    data = csv_text(rows, sep=",").encode("utf-8")
    intro = (
        "Hola,\n\nOs adjunto el CSV con las cuentas de la academia. La columna del servidor la he dejado "
        "vac\u00eda porque todas est\u00e1n en el mismo: imap.hostingantiguo.example (puerto 993)."
    )
    outro = "Muchas gracias,\nCarmen L\u00f3pez\nAcademia de Idiomas Babel\nC/ Mayor 14, 28013 Madrid\n910 555 321"
    text = intro + "\n\n" + outro + "\n"
    msg = gmail(
        text=text,
        html_body=gmail_html(["Hola,", intro.split("\n\n", 1)[1], outro]),
        attachments=[(data, "text/csv", "cuentas.csv")],
        frm="Carmen L\u00f3pez <direccion@academiababel.example>",
        subject="Cuentas para migrar",
        date=rfc_date(24, 17, 19, 52),
        mid=f"<CAD{alnum(31)}@mail.gmail.example>",
    )
    host = "imap.hostingantiguo.example"
    return msg, expect(
        "director of a language school, Gmail web, Spanish, CSV whose server column is empty; the server "
        "(and port) named once in the body",
        "request",
        lang="es",
        frm="direccion@academiababel.example",
        mailboxes=[mb(r[0], r[1], host, source_port=993, row=i) for i, r in enumerate(rows, start=1) if i > 1],
        errors=[],
    )


@fixture("owa-unicode-text-plain-it")
def _():
    host = "mail.vecchioprovider.example"
    rows = [
        ["Email", "Password", "Server", "Utente"],
        ["info@agriturismoilpoggio.example", "Vendemmia2026!", host, ""],
        ["prenotazioni@agriturismoilpoggio.example", "Ulivo&Cipresso", host, "ilpoggio.prenota"],
    ]
    text = (
        "Buongiorno,\n\nvi invio in allegato il file con le due caselle da spostare (esportato da Excel). "
        "Per la seconda il nome utente non \u00e8 l'indirizzo completo, l'ho messo nell'ultima colonna.\n\n"
        "Grazie e buona giornata\nGiulia Neri\nAgriturismo Il Poggio\nLoc. Il Poggio 3, 53024 Montalcino (SI)\n"
        "Tel. 0577 555 123 - Cell. 333 555 7788\n"
    )
    msg = outlook_web(
        text=text,
        html_body=owa_html(text.rstrip("\n"), lang="it-IT"),
        lang="it-IT",
        attachments=[(unicode_text(rows), "text/plain", "users.txt")],
        frm="Giulia Neri <info@agriturismoilpoggio.example>",
        subject="Caselle email da migrare",
        date=rfc_date(23, 10, 26, 4),
        mid=f"<AS8PR{RNG.randrange(10, 99)}MB{RNG.randrange(1000, 9999)}{HEX(12)}@AS8PR07MB7788.eurprd07.prod.outlook.example>",
    )
    return msg, expect(
        "owner of a farm holiday business, Outlook on the web, Italian, Excel Unicode text users.txt sent as "
        "text/plain with a login column",
        "request",
        lang="it",
        frm="info@agriturismoilpoggio.example",
        mailboxes=[
            mb("info@agriturismoilpoggio.example", "Vendemmia2026!", host, source_user=None, row=2),
            mb("prenotazioni@agriturismoilpoggio.example", "Ulivo&Cipresso", host, source_user="ilpoggio.prenota", row=3),
        ],
        errors=[],
    )


def outlook_plain(*, text, lang="en-GB", charset="windows-1252", **hdr):
    """Outlook on Windows set to compose in plain text."""
    msg = EmailMessage(policy=CRLF)
    msg.set_content(text, charset=charset, cte="quoted-printable")
    headers(
        msg,
        extra=[("X-Mailer", "Microsoft Outlook 16.0"), ("Thread-Index", thread_index()), ("Content-Language", lang.lower())]
        + list(hdr.pop("extra", [])),
        **hdr,
    )
    move_content_headers_last(msg)
    return msg


def gmail_fwd_html(note_blocks, attr_lines, original_blocks, label="---------- Forwarded message ---------"):
    attr = "<br>".join([esc(label)] + [esc(a) for a in attr_lines])
    inner = gmail_html(original_blocks)
    return gmail_html(note_blocks)[:-6] + (
        f'<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">{attr}<br></div>'
        f"<br><br>{inner}</div></div>\r\n"
    )


# =============================================================================================
# Forwarded requests


@fixture("gmail-forward-en")
def _():
    original = """Hi Richard,

Here are the details the new host asked for. Could you forward them on, as you're the account holder?

Mailbox: richard@colemanlegal.example
Password: Habeas-Corpus-1679
Server: imap.lawhost-classic.example

Mailbox: amy@colemanlegal.example
Password: Tort&Feasor22
Server: imap.lawhost-classic.example

Thanks,
Amy

Amy Chen
Legal Secretary to Richard Coleman
Coleman Legal LLP | 22 Castle Street, Chester CH1 2DS | 01244 960 410"""
    note = "Support - please see below from Amy and go ahead with both.\n\nThanks,\nRichard"
    sig = "Richard Coleman\nPartner, Coleman Legal LLP\n01244 960 400"
    attr = [
        "From: Amy Chen <amy@colemanlegal.example>",
        "Date: Mon, 23 Nov 2026 at 16:48",
        "Subject: Email move - details",
        "To: Richard Coleman <richard@colemanlegal.example>",
    ]
    text = (
        note + "\n\n-- \n" + sig + "\n\n---------- Forwarded message ---------\n" + "\n".join(attr) + "\n\n\n"
        + original + "\n"
    )
    html_body = gmail_fwd_html([note, gmail_sig(sig)], attr, original.split("\n\n"))
    msg = gmail(
        text=text,
        html_body=html_body,
        frm="Richard Coleman <richard@colemanlegal.example>",
        subject="Fwd: Email move - details",
        date=rfc_date(24, 8, 3, 37, "+0000"),
        mid=f"<CAJ{alnum(33)}@mail.gmail.example>",
    )
    host = "imap.lawhost-classic.example"
    return msg, expect(
        "partner of a law firm forwards his legal secretary's mail, Gmail web, English, Gmail's "
        "'Forwarded message' block",
        "request",
        lang="en",
        frm="richard@colemanlegal.example",
        author="amy@colemanlegal.example",
        mailboxes=[
            mb("richard@colemanlegal.example", "Habeas-Corpus-1679", host),
            mb("amy@colemanlegal.example", "Tort&Feasor22", host),
        ],
        errors=[],
    )


@fixture("thunderbird-weitergeleitet-de")
def _():
    text = """Hallo Support-Team,

anbei die Daten von unserem IT-Dienstleister. Bitte so umsetzen.

Viele Grüße
Klaus Brandt

-- 
Brandt Holzbau GmbH
Am Sägewerk 3 · 49078 Osnabrück
Tel. 0541 555 4400


-------- Weitergeleitete Nachricht --------
Betreff: 	Zugangsdaten Postfächer Brandt Holzbau
Datum: 	Mon, 23 Nov 2026 17:05:12 +0100
Von: 	Sven Kaya <s.kaya@it-kaya.example>
An: 	Klaus Brandt <k.brandt@brandt-holzbau.example>



Hallo Herr Brandt,

hier wie besprochen die Zugangsdaten für den Umzug. Bitte an den neuen Anbieter weiterleiten, ich bin nächste Woche im Urlaub.

Postfach: k.brandt@brandt-holzbau.example
Kennwort: Dachstuhl#1963
IMAP-Server: imap.holzbau-hosting.example
Benutzer: brandt-001

Postfach: buero@brandt-holzbau.example
Kennwort: Zimmerei-Mei$ter
IMAP-Server: imap.holzbau-hosting.example
Benutzer: brandt-002

Mit freundlichen Grüßen
Sven Kaya

IT-Service Kaya · Lange Str. 12 · 49074 Osnabrück · 0541 555 1230
"""
    msg = thunderbird(
        text=text,
        lang="de-DE",
        frm="Klaus Brandt <k.brandt@brandt-holzbau.example>",
        subject="WG: Zugangsdaten Postfächer Brandt Holzbau",
        date=rfc_date(24, 7, 31, 2),
        mid=f"<{hexs(8)}-{hexs(4)}-{hexs(4)}-{hexs(4)}-{hexs(12)}@brandt-holzbau.example>",
    )
    host = "imap.holzbau-hosting.example"
    return msg, expect(
        "owner of a carpentry firm forwards his IT contractor's mail, Thunderbird, German, "
        "'Weitergeleitete Nachricht' block",
        "request",
        lang="de",
        frm="k.brandt@brandt-holzbau.example",
        author="s.kaya@it-kaya.example",
        mailboxes=[
            mb("k.brandt@brandt-holzbau.example", "Dachstuhl#1963", host, source_user="brandt-001"),
            mb("buero@brandt-holzbau.example", "Zimmerei-Mei$ter", host, source_user="brandt-002"),
        ],
        errors=[],
    )


@fixture("gmail-message-transfere-fr")
def _():
    original = """Bonjour Isabelle,

Voici mes infos pour le changement de messagerie :
adresse : chloe@boutique-garnier.example
mot de passe : Bijoux&Perles9
serveur : imap.ancien-fournisseur.example

Bonne soirée,
Chloé"""
    note = "Bonjour,\n\nJe vous transfère la demande de ma vendeuse, merci de migrer sa boîte aussi.\n\nCordialement,\nIsabelle Garnier\nBoutique Garnier – 5 rue Nationale, 37000 Tours – 02 47 00 11 22"
    attr = [
        "De : Chloé Martin <chloe@boutique-garnier.example>",
        "Date: lun. 23 nov. 2026 à 19:40",
        "Subject: changement messagerie",
        "To: Isabelle Garnier <gerante@boutique-garnier.example>",
    ]
    label = "---------- Message transféré ---------"
    text = note + "\n\n" + label + "\n" + "\n".join(attr) + "\n\n\n" + original + "\n"
    msg = gmail(
        text=text,
        html_body=gmail_fwd_html(note.split("\n\n"), attr, original.split("\n\n"), label=label),
        frm="Isabelle Garnier <gerante@boutique-garnier.example>",
        subject="Fwd: changement messagerie",
        date=rfc_date(24, 9, 12, 48),
        mid=f"<CAB{alnum(33)}@mail.gmail.example>",
    )
    return msg, expect(
        "manager of a jewellery shop forwards her sales assistant's mail, Gmail web, French, "
        "'Message transféré' block",
        "request",
        lang="fr",
        frm="gerante@boutique-garnier.example",
        author="chloe@boutique-garnier.example",
        mailboxes=[mb("chloe@boutique-garnier.example", "Bijoux&Perles9", "imap.ancien-fournisseur.example")],
        errors=[],
    )


@fixture("gmail-mensaje-reenviado-es")
def _():
    original = """Mar pásale esto a los del hosting porfa:

la del taller es taller@taller-ortega.example con contraseña Embrague2026
y la mía pablo@taller-ortega.example contraseña Piston-44

el servidor es mail.hostviejo.example (lo pone en la factura)

Pablo"""
    note = "Hola, os reenvío lo que me ha mandado mi marido para el cambio de correo. Son las dos cuentas del taller.\n\nGracias\nMar"
    attr = [
        "De: Pablo Ortega <pablo@taller-ortega.example>",
        "Fecha: lun, 23 nov 2026, 21:14",
        "Asunto: correos",
        "Para: <mar@taller-ortega.example>",
    ]
    label = "---------- Mensaje reenviado ---------"
    text = note + "\n\n" + label + "\n" + "\n".join(attr) + "\n\n" + original + "\n"
    msg = gmail(
        text=text,
        html_body=gmail_fwd_html(note.split("\n\n"), attr, original.split("\n\n"), label=label),
        frm="Mar Ortega <mar@taller-ortega.example>",
        subject="Fwd: correos",
        date=rfc_date(24, 10, 2, 19),
        mid=f"<CAG{alnum(33)}@mail.gmail.example>",
    )
    host = "mail.hostviejo.example"
    return msg, expect(
        "the office person of a car repair shop forwards her husband's mail from the Gmail app, Spanish, "
        "'Mensaje reenviado' block, passwords written in sentences",
        "request",
        lang="es",
        frm="mar@taller-ortega.example",
        author="pablo@taller-ortega.example",
        mailboxes=[
            mb("taller@taller-ortega.example", "Embrague2026", host),
            mb("pablo@taller-ortega.example", "Piston-44", host),
        ],
        errors=[],
    )


@fixture("apple-begin-forwarded-en")
def _():
    note = "Hi,\n\nCould you please move Grace\u2019s mailbox as below? She\u2019s the only one left.\n\nThanks,\nOliver"
    fwd = """From: Grace Whitfield <grace@whitfield-architects.example>
Subject: Re: mail move
Date: 23 November 2026 at 14:31:07 GMT
To: Oliver Whitfield <oliver@whitfield-architects.example>

Hi Oliver,

My login for the old webmail is grace.w (not my email address), password is Cantilever_88 and the server is imap.studiohost.example.

Grace"""
    text = note + "\n\nBegin forwarded message:\n\n" + fwd + "\n"
    bq = "".join(
        f"<div>{esc(line) if line else '<br>'}</div>" for line in fwd.split("\n")
    )
    html_body = apple_html(
        note,
        '<div><br><blockquote type="cite"><div>Begin forwarded message:</div><br class="Apple-interchange-newline">'
        f"{bq}</blockquote></div>",
    )
    msg = apple_mail(
        text=text,
        html_body=html_body,
        frm="Oliver Whitfield <oliver@whitfield-architects.example>",
        subject="Fwd: mail move",
        date=rfc_date(23, 15, 2, 44, "+0000"),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@whitfield-architects.example>",
    )
    return msg, expect(
        "director of an architects' studio forwards a colleague's mail, Apple Mail, English, "
        "'Begin forwarded message:'",
        "request",
        lang="en",
        frm="oliver@whitfield-architects.example",
        author="grace@whitfield-architects.example",
        mailboxes=[
            mb(
                "grace@whitfield-architects.example",
                "Cantilever_88",
                "imap.studiohost.example",
                source_user="grace.w",
            )
        ],
        errors=[],
    )


@fixture("outlook-forward-as-attachment-nl")
def _():
    inner_text = (
        "Hoi Marco,\n\nVoor de verhuizing van de mail: mijn mailbox is administratie@deboer-installatie.example, "
        "wachtwoord Factuur!2026, server imap.installateurshost.example.\n\nGroetjes,\nFatima\n\n"
        "Verstuurd vanaf mijn iPhone"
    )
    inner = iphone(
        text=inner_text,
        html_body=iphone_html(inner_text.rsplit("\n\n", 1)[0], "Verstuurd vanaf mijn iPhone"),
        frm="Fatima El Amrani <administratie@deboer-installatie.example>",
        to="Marco de Boer <marco@deboer-installatie.example>",
        subject="mail verhuizing",
        date=rfc_date(23, 20, 11, 5),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@deboer-installatie.example>",
    )
    text, body = ol_compose(
        [
            "Goedemorgen,",
            "Zie de bijgevoegde mail van onze administratie. Graag haar mailbox ook overzetten.",
            "Groet,",
            ("sig", "Marco de Boer\nDe Boer Installatietechniek B.V.\nIndustrieweg 8, 7944 HV Meppel\n0522 555 100"),
        ],
        lang="NL",
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body, lang="NL"),
        lang="nl-NL",
        attachments=[(inner, "message/rfc822", "mail verhuizing.eml")],
        frm="Marco de Boer <marco@deboer-installatie.example>",
        subject="FW: mail verhuizing",
        date=rfc_date(24, 8, 20, 33),
        mid=f"<00{hexs(2)}01db{hexs(4)}$9b8a7960${hexs(8)}@deboer-installatie.example>",
    )
    return msg, expect(
        "director of an installation firm forwards his bookkeeper's iPhone mail as an attachment "
        "(message/rfc822), Outlook on Windows, Dutch",
        "request",
        lang="nl",
        frm="marco@deboer-installatie.example",
        author="administratie@deboer-installatie.example",
        mailboxes=[
            mb("administratie@deboer-installatie.example", "Factuur!2026", "imap.installateurshost.example")
        ],
        errors=[],
    )


@fixture("thunderbird-messaggio-inoltrato-it")
def _():
    text = """Buongiorno,

vi inoltro i dati che mi ha preparato l'amministrazione. Procedete pure
con entrambe le caselle.

Cordiali saluti
Roberto Conti

-- 
Conti Arredamenti S.r.l.
Via Emilia 210, 40026 Imola (BO)
Tel. 0542 555 900 - P.IVA 01234560372


-------- Messaggio Inoltrato --------
Oggetto: 	dati caselle posta
Data: 	Mon, 23 Nov 2026 16:22:40 +0100
Mittente: 	Elena Ricci <amministrazione@contiarredamenti.example>
A: 	Roberto Conti <r.conti@contiarredamenti.example>



Ciao Roberto,

ecco i dati per il trasferimento:

Utente: r.conti@contiarredamenti.example
Password: Divano_Letto_71
Server posta in arrivo: imap.mobilihost.example

Utente: amministrazione@contiarredamenti.example
Password: Fattura$Elettronica
Server posta in arrivo: imap.mobilihost.example

Elena
"""
    msg = thunderbird(
        text=text,
        lang="it-IT",
        frm="Roberto Conti <r.conti@contiarredamenti.example>",
        subject="I: dati caselle posta",
        date=rfc_date(24, 9, 45, 30),
        mid=f"<{hexs(8)}-{hexs(4)}-{hexs(4)}-{hexs(4)}-{hexs(12)}@contiarredamenti.example>",
    )
    host = "imap.mobilihost.example"
    return msg, expect(
        "owner of a furniture company forwards his office's mail, Thunderbird, Italian, "
        "'Messaggio Inoltrato' block with 'Utente:' labels holding the addresses",
        "request",
        lang="it",
        frm="r.conti@contiarredamenti.example",
        author="amministrazione@contiarredamenti.example",
        mailboxes=[
            mb("r.conti@contiarredamenti.example", "Divano_Letto_71", host),
            mb("amministrazione@contiarredamenti.example", "Fattura$Elettronica", host),
        ],
        errors=[],
    )


@fixture("outlook-plain-original-message-en")
def _():
    text = """Hello,

Please see Ian's note below - two mailboxes to move. Let me know if you need anything else.

Regards
Priya

Priya Shah | Practice Manager
Shah Dental Care | 41 High Street, Guildford GU1 3DY | 01483 960 202

-----Original Message-----
From: Ian Shah <ian@shah-dental.example> 
Sent: 23 November 2026 08:15
To: Priya Shah <priya@shah-dental.example>
Subject: email details for the new provider

Priya, details for the switch:

ian@shah-dental.example / pw: Molar-Crown-31 / server mail.dentalhost-uk.example:993
hygiene@shah-dental.example / pw: Floss!Daily2 / same server

Ian
"""
    msg = outlook_plain(
        text=text,
        frm="Priya Shah <priya@shah-dental.example>",
        subject="FW: email details for the new provider",
        date=rfc_date(23, 9, 2, 6, "+0000"),
        mid=f"<00{hexs(2)}01db{hexs(4)}$3c2d1e00${hexs(8)}@shah-dental.example>",
    )
    host = "mail.dentalhost-uk.example"
    return msg, expect(
        "practice manager of a dental practice forwards the dentist's note, Outlook in plain-text mode, "
        "English, '-----Original Message-----' block, one line per mailbox with slashes and 'same server'",
        "request",
        lang="en",
        frm="priya@shah-dental.example",
        author="ian@shah-dental.example",
        mailboxes=[
            mb("ian@shah-dental.example", "Molar-Crown-31", host, source_port=993),
            mb("hygiene@shah-dental.example", "Floss!Daily2", host, source_port=993),
        ],
        errors=[],
    )


# =============================================================================================
# Requests written as sentences and labelled lines


@fixture("gmail-sentence-fr")
def _():
    text = """Bonjour,

Nous changeons d'hébergeur pour la messagerie du cabinet. Pourriez-vous migrer la boîte secretariat@cabinet-roux.example depuis mail.hebergeur-ancien.example ? Le mot de passe est Mimosa*1984

Merci d'avance et bonne journée,

Nathalie Girard
Secrétariat médical – Cabinet du Dr Roux
12 rue des Lilas, 69003 Lyon
Tél. 04 78 00 12 34
"""
    msg = gmail(
        text=text,
        html_body=gmail_html(text.strip("\n").split("\n\n")),
        frm="Cabinet Dr Roux <secretariat@cabinet-roux.example>",
        subject="Migration boîte mail du cabinet",
        date=rfc_date(24, 9, 58, 1),
        mid=f"<CAE{alnum(33)}@mail.gmail.example>",
    )
    return msg, expect(
        "medical secretary of a doctor's practice, Gmail web, French, one free sentence with the "
        "password at the end of a line",
        "request",
        lang="fr",
        frm="secretariat@cabinet-roux.example",
        mailboxes=[mb("secretariat@cabinet-roux.example", "Mimosa*1984", "mail.hebergeur-ancien.example")],
        errors=[],
    )


@fixture("iphone-sentence-es")
def _():
    text = (
        "Hola buenas,\nquería pasar el correo de la tienda a vuestro servidor. El correo es "
        "pedidos@lascamelias.example, el servidor antiguo es imap.correoviejo.example y la contraseña es "
        "camelias2019 (todo en minúsculas)\nGracias!!\nRosa\n\nEnviado desde mi iPhone"
    )
    msg = iphone(
        text=text,
        html_body=iphone_html(text.rsplit("\n\n", 1)[0], "Enviado desde mi iPhone"),
        frm="Floristería Las Camelias <pedidos@lascamelias.example>",
        subject="Cambio de correo",
        date=rfc_date(22, 21, 40, 12),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@lascamelias.example>",
    )
    return msg, expect(
        "owner of a flower shop, iPhone Mail, Spanish, everything in one sentence",
        "request",
        lang="es",
        frm="pedidos@lascamelias.example",
        mailboxes=[mb("pedidos@lascamelias.example", "camelias2019", "imap.correoviejo.example")],
        errors=[],
    )


@fixture("owa-labelled-blocks-it")
def _():
    text = """Buongiorno,
come da accordi telefonici vi mando i dati delle caselle da migrare.

Casella 1
Indirizzo email: m.bianchi@studiobianchi.example
Password: Trevi_2026!
Server IMAP: imap.vecchiohost.example
Porta: 993

Casella 2
Indirizzo email: segreteria@studiobianchi.example
Password: Segr3teria#
Server IMAP: imap.vecchiohost.example
Porta: 993

Cordiali saluti
Dott.ssa Marta Bianchi
Studio Bianchi Commercialisti Associati
Via Garibaldi 21, 10122 Torino
Tel. 011 555 0190

Le informazioni contenute in questa comunicazione sono riservate e destinate esclusivamente al destinatario. Se avete ricevuto questo messaggio per errore, vi preghiamo di eliminarlo e di darne comunicazione al mittente."""
    msg = outlook_web(
        text=text + "\n",
        html_body=owa_html(text, lang="it-IT"),
        lang="it-IT",
        frm="Marta Bianchi <m.bianchi@studiobianchi.example>",
        subject="Migrazione caselle Studio Bianchi",
        date=rfc_date(20, 11, 7, 45),
        mid=f"<VI1PR{RNG.randrange(10, 99)}MB{RNG.randrange(1000, 9999)}{HEX(12)}@VI1PR03MB4411.eurprd03.prod.outlook.example>",
    )
    host = "imap.vecchiohost.example"
    return msg, expect(
        "accountant running her own practice, Outlook on the web, Italian, two blocks of labelled lines",
        "request",
        lang="it",
        frm="m.bianchi@studiobianchi.example",
        mailboxes=[
            mb("m.bianchi@studiobianchi.example", "Trevi_2026!", host, source_port=993),
            mb("segreteria@studiobianchi.example", "Segr3teria#", host, source_port=993),
        ],
        errors=[],
    )


@fixture("owa-please-migrate-then-labels-en")
def _():
    text = """Hi,

Please migrate lea@ashford-design.example.
Password: Kestrel-29-Blue
IMAP server: imap.webhost-old.example
Username: lea.ashford

She's the last one from our team, the rest were done last week.

Thanks!
Jo

Jo Ashford
Ashford Design Studio
Unit 5, The Old Dairy, Bath BA1 5PQ · 01225 960 880"""
    msg = outlook_web(
        text=text + "\n",
        html_body=owa_html(text, lang="en-GB"),
        lang="en-GB",
        frm="Jo Ashford <jo@ashford-design.example>",
        subject="One more mailbox",
        date=rfc_date(24, 14, 55, 9, "+0000"),
        mid=f"<AM0PR{RNG.randrange(10, 99)}MB{RNG.randrange(1000, 9999)}{HEX(12)}@AM0PR02MB5566.eurprd02.prod.outlook.example>",
    )
    return msg, expect(
        "owner of a design studio, Outlook on the web, English, 'Please migrate <address>.' then labelled lines",
        "request",
        lang="en",
        frm="jo@ashford-design.example",
        mailboxes=[
            mb("lea@ashford-design.example", "Kestrel-29-Blue", "imap.webhost-old.example", source_user="lea.ashford")
        ],
        errors=[],
    )


@fixture("samsung-sentence-idn-de")
def _():
    text = (
        "Guten Tag,\n\nbitte ziehen Sie unser Postfach info@baeckerei-huber.example vom Server "
        "imap.m\u00fcller.example zu Ihnen um. Das Kennwort lautet Brezel4711.\n\nVielen Dank!\n"
        "Maria Huber\nB\u00e4ckerei Huber, Hauptstr. 3, 84028 Landshut"
    )
    sig = "Von meinem Samsung Galaxy Smartphone gesendet."
    msg = samsung(
        text=text + "\n\n" + sig + "\n",
        html_body=samsung_html(text, sig),
        frm="=?UTF-8?B?QsOkY2tlcmVpIEh1YmVy?= <info@baeckerei-huber.example>",
        subject="Umzug Postfach",
        date=rfc_date(21, 6, 12, 55),
        mid=f"<{alnum(8)}.{RNG.randrange(10**12, 10**13)}@email.android.example>",
    )
    return msg, expect(
        "owner of a bakery, Samsung Email on Android, German, sentences; internationalised server name and "
        "the password followed by a full stop",
        "request",
        lang="de",
        frm="info@baeckerei-huber.example",
        mailboxes=[mb("info@baeckerei-huber.example", "Brezel4711", "imap.m\u00fcller.example")],
        errors=[],
    )


@fixture("outlook-sentences-and-labels-es")
def _():
    text, body = ol_compose(
        [
            "Buenos días:",
            "Les escribo para solicitar la migración de dos cuentas de correo de la clínica. La primera es "
            "recepcion@clinicasonrisas.example con la contraseña Dientes2026$, y la segunda:",
            "Correo: dra.molina@clinicasonrisas.example\nContraseña: Molina.Ort0",
            "Ambas están en el servidor mail.proveedoranterior.example.",
            "Un saludo,",
            (
                "sig",
                "Lucía Fernández\nRecepción\nClínica Dental Sonrisas\nAvda. de la Constitución 45, 41001 Sevilla\n"
                "Tel. 954 555 210",
            ),
            (
                "sig",
                "AVISO LEGAL: Este mensaje y sus archivos adjuntos van dirigidos exclusivamente a su destinatario, "
                "pudiendo contener información confidencial sometida a secreto profesional.",
            ),
        ],
        lang="ES",
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body, lang="ES"),
        lang="es-ES",
        frm="=?iso-8859-1?Q?Luc=EDa_Fern=E1ndez?= <recepcion@clinicasonrisas.example>",
        subject="Migración cuentas de correo clínica",
        date=rfc_date(19, 10, 33, 27),
        mid=f"<00{hexs(2)}01db{hexs(4)}$5d4c3b20${hexs(8)}@clinicasonrisas.example>",
    )
    host = "mail.proveedoranterior.example"
    return msg, expect(
        "receptionist of a dental clinic, Outlook on Windows, Spanish, one mailbox in a sentence and one in "
        "labelled lines, the server named once for both",
        "request",
        lang="es",
        frm="recepcion@clinicasonrisas.example",
        mailboxes=[
            mb("recepcion@clinicasonrisas.example", "Dientes2026$", host),
            mb("dra.molina@clinicasonrisas.example", "Molina.Ort0", host),
        ],
        errors=[],
    )


@fixture("iphone-sentence-it")
def _():
    text = (
        "Ciao, potete spostare la mia casella luca@ferramentarossi.example dal vecchio server "
        "mail.vecchioprovider.example? La password è Chiodi&Viti22\nGrazie mille\nLuca Rossi\n"
        "Ferramenta Rossi - Corso Italia 8, Pisa - 050 555 404\n\nInviato da iPhone"
    )
    msg = iphone(
        text=text,
        html_body=iphone_html(text.rsplit("\n\n", 1)[0], "Inviato da iPhone"),
        frm="Luca Rossi <luca@ferramentarossi.example>",
        subject="spostamento casella",
        date=rfc_date(24, 13, 4, 59),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@ferramentarossi.example>",
    )
    return msg, expect(
        "owner of a hardware shop, iPhone Mail, Italian, one question with the password at the end of a line",
        "request",
        lang="it",
        frm="luca@ferramentarossi.example",
        mailboxes=[mb("luca@ferramentarossi.example", "Chiodi&Viti22", "mail.vecchioprovider.example")],
        errors=[],
    )


@fixture("gmail-sentences-nl")
def _():
    text = """Beste support,

Kunnen jullie de mailbox info@bloemenhuisdevries.example overzetten van imap.oudehoster.example? Het wachtwoord is Tulp-Narcis-8 en de gebruikersnaam is bloemenhuis01 (dus niet het e-mailadres).

Alvast bedankt!

Groet,
Sanne de Vries
Bloemenhuis De Vries | Marktplein 2, 8911 AB Leeuwarden | 058 555 6677
"""
    msg = gmail(
        text=text,
        html_body=gmail_html(text.strip("\n").split("\n\n")),
        frm="Sanne de Vries <info@bloemenhuisdevries.example>",
        subject="mailbox overzetten",
        date=rfc_date(23, 19, 50, 40),
        mid=f"<CAK{alnum(33)}@mail.gmail.example>",
    )
    return msg, expect(
        "owner of a flower shop, Gmail web, Dutch, sentences naming a separate login",
        "request",
        lang="nl",
        frm="info@bloemenhuisdevries.example",
        mailboxes=[
            mb(
                "info@bloemenhuisdevries.example",
                "Tulp-Narcis-8",
                "imap.oudehoster.example",
                source_user="bloemenhuis01",
            )
        ],
        errors=[],
    )


@fixture("samsung-server-url-it")
def _():
    text = (
        "Salve,\nvorrei trasferire la casella della palestra info@fitlife-palestra.example da voi. "
        "Il server è imaps://mail.vecchioprovider.example:993 e la password è Pesi2026+\n\n"
        "Grazie, Davide Gallo\nFitLife Palestra - Via Roma 55, Bergamo"
    )
    sig = "Inviato dal mio Galaxy"
    msg = samsung(
        text=text + "\n\n" + sig + "\n",
        html_body=samsung_html(text, sig),
        frm="Davide Gallo <info@fitlife-palestra.example>",
        subject="Trasferimento email",
        date=rfc_date(22, 8, 30, 18),
        mid=f"<{alnum(8)}.{RNG.randrange(10**12, 10**13)}@email.android.example>",
    )
    return msg, expect(
        "owner of a gym, Samsung Email on Android, Italian, sentences with the server as an imaps:// URL "
        "with port",
        "request",
        lang="it",
        frm="info@fitlife-palestra.example",
        mailboxes=[
            mb("info@fitlife-palestra.example", "Pesi2026+", "mail.vecchioprovider.example", source_port=993)
        ],
        errors=[],
    )


@fixture("owa-new-address-destination-de")
def _():
    text = """Guten Tag,

wir haben uns umbenannt und ziehen deshalb mit der Domain um. Das alte Postfach soll bei Ihnen im neuen Postfach landen:

Altes Postfach: info@moebel-hartmann.example
Neues Postfach bei Ihnen: info@hartmann-wohnen.example
Passwort (alt): Kommode!1958
Server (alt): imap.altanbieter.example

Vielen Dank und freundliche Grüße

Stefanie Hartmann
Hartmann Wohnen GmbH (vormals Möbel Hartmann)
Marktstraße 9, 72070 Tübingen
Tel. 07071 555 30"""
    msg = outlook_web(
        text=text + "\n",
        html_body=owa_html(text, lang="de-DE"),
        lang="de-DE",
        frm="Stefanie Hartmann <s.hartmann@hartmann-wohnen.example>",
        subject="Postfach-Umzug mit neuer Adresse",
        date=rfc_date(24, 16, 12, 3),
        mid=f"<FR3P{RNG.randrange(100, 999)}MB{RNG.randrange(1000, 9999)}{HEX(12)}@FR3P281MB1234.DEUP281.PROD.OUTLOOK.example>",
    )
    return msg, expect(
        "managing director of a furniture shop that renamed itself, Outlook on the web, German, old "
        "address migrated into a different new address",
        "request",
        lang="de",
        frm="s.hartmann@hartmann-wohnen.example",
        mailboxes=[
            mb(
                "info@moebel-hartmann.example",
                "Kommode!1958",
                "imap.altanbieter.example",
                destination="info@hartmann-wohnen.example",
            )
        ],
        errors=[],
    )


# =============================================================================================
# Requests that lack something, or carry words that only look like passwords


@fixture("apple-no-passwords-es")
def _():
    text = """Hola,

Queremos pasar a vuestro servicio estas dos cuentas de la panadería:

pedidos@panaderiasanisidro.example
obrador@panaderiasanisidro.example

Están en el servidor imap.webantigua.example. Las contraseñas no las tengo a mano porque las configuró mi sobrino, ¿las necesitáis sí o sí?

Un saludo,
Antonio Navarro
Panadería San Isidro
C/ Real 12, 30001 Murcia
968 555 010
"""
    msg = apple_mail(
        text=text,
        frm="Antonio Navarro <pedidos@panaderiasanisidro.example>",
        subject="Cambio de correo panadería",
        date=rfc_date(23, 12, 45, 2),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@panaderiasanisidro.example>",
    )
    host = "imap.webantigua.example"
    return msg, expect(
        "owner of a bakery, Apple Mail, Spanish, two addresses and the server but no passwords",
        "request",
        lang="es",
        frm="pedidos@panaderiasanisidro.example",
        mailboxes=[
            mb("pedidos@panaderiasanisidro.example", None, host),
            mb("obrador@panaderiasanisidro.example", None, host),
        ],
        errors=[
            err("password", "pedidos@panaderiasanisidro.example"),
            err("password", "obrador@panaderiasanisidro.example"),
        ],
    )


@fixture("iphone-no-server-fr")
def _():
    text = (
        "Bonjour, merci de migrer la boîte compta@menuiserie-lefebvre.example chez vous, mot de passe : "
        "Rabot#2026\nCordialement\nMarc Lefebvre\nMenuiserie Lefebvre – 06 55 44 33 22\n\nEnvoyé de mon iPhone"
    )
    msg = iphone(
        text=text,
        html_body=iphone_html(text.rsplit("\n\n", 1)[0], "Envoyé de mon iPhone"),
        frm="Marc Lefebvre <compta@menuiserie-lefebvre.example>",
        subject="Migration mail",
        date=rfc_date(24, 18, 22, 30),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@menuiserie-lefebvre.example>",
    )
    return msg, expect(
        "joiner running his own workshop, iPhone Mail, French, address and password but no server",
        "request",
        lang="fr",
        frm="compta@menuiserie-lefebvre.example",
        mailboxes=[mb("compta@menuiserie-lefebvre.example", "Rabot#2026", None)],
        errors=[err("server", "compta@menuiserie-lefebvre.example")],
    )


@fixture("outlook-csv-bad-address-de")
def _():
    host = "imap.handwerkerhost.example"
    rows = [
        ["E-Mail", "Passwort", "Server"],
        ["info@schreinerei-weber.example", "Hobel#2026", host],
        ["j.weber@schreinerei-weber.example", "Eiche-massiv-7", host],
        ["m.weber.schreinerei-weber.example", "Buche!Natur3", host],
        ["lehrling@schreinerei-weber.example", "Werkbank_2026", host],
    ]
    data = "\ufeff".encode("utf-8") + csv_text(rows, sep=";").encode("utf-8")
    text, body = ol_compose(
        [
            "Hallo,",
            "im Anhang unsere vier Postfächer (CSV UTF-8 aus Excel). Bitte alle umziehen.",
            "Gruß",
            ("sig", "Johannes Weber\nSchreinerei Weber\nWaldweg 2 · 79199 Kirchzarten\nTel. 07661 555 77"),
        ],
        lang="DE",
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body, lang="DE"),
        lang="de-DE",
        attachments=[(data, XLS, "postfaecher.csv")],
        frm="Johannes Weber <j.weber@schreinerei-weber.example>",
        subject="Postfächer Schreinerei Weber",
        date=rfc_date(20, 17, 40, 58),
        mid=f"<00{hexs(2)}01db{hexs(4)}$4a3b2c10${hexs(8)}@schreinerei-weber.example>",
    )
    return msg, expect(
        "master joiner, Outlook on Windows, German, CSV (UTF-8 with BOM, ';') whose row 4 has an address "
        "with a dot where the @ belongs",
        "request",
        lang="de",
        frm="j.weber@schreinerei-weber.example",
        mailboxes=[mb(r[0], r[1], host, row=i) for i, r in enumerate(rows, start=1) if i > 1 and i != 4],
        errors=[err("email", "m.weber.schreinerei-weber.example", row=4)],
    )


def sheets_table(rows, widths):
    """A range pasted from Google Sheets into Gmail: bold header by style, no <th>, no <b>."""
    cols = "".join(f'<col width="{w}">' for w in widths)
    out = [
        '<table cellspacing="0" cellpadding="0" dir="ltr" border="1" style="table-layout:fixed;font-size:10pt;'
        f'font-family:Arial;width:0px;border-collapse:collapse;border:none"><colgroup>{cols}</colgroup><tbody>'
    ]
    for r, row in enumerate(rows):
        out.append('<tr style="height:21px">')
        for value in row:
            bold = "font-weight:bold;" if r == 0 else ""
            out.append(
                f'<td style="overflow:hidden;padding:2px 3px;vertical-align:bottom;{bold}'
                f'border:1px solid rgb(204,204,204)">{esc(value)}</td>'
            )
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


@fixture("gmail-sheets-table-empty-password-es")
def _():
    host = "imap.inmohost.example"
    rows = [
        ["Contraseña", "Correo", "Servidor"],
        ["Playa&Sol2026", "ventas@inmocostaazul.example", host],
        ["", "alquileres@inmocostaazul.example", host],
        ["Atico-Vistas-9", "gerencia@inmocostaazul.example", host],
    ]
    intro = "Hola,\n\nOs paso las cuentas que hay que migrar (copiado de nuestra hoja de Google):"
    outro = "Saludos,\nJavier Ruiz\nInmobiliaria Costa Azul · Paseo Marítimo 3, 29601 Marbella · 952 555 808"
    plain_table = "\n".join(" ".join(r) for r in rows)
    text = intro + "\n\n" + plain_table + "\n\n" + outro + "\n"
    msg = gmail(
        text=text,
        html_body=gmail_html(["Hola,", intro.split("\n\n")[1], sheets_table(rows, [140, 260, 180]), outro]),
        frm="Javier Ruiz <gerencia@inmocostaazul.example>",
        subject="Cuentas correo inmobiliaria",
        date=rfc_date(21, 11, 11, 11),
        mid=f"<CAM{alnum(33)}@mail.gmail.example>",
    )
    return msg, expect(
        "manager of an estate agency, Gmail web, Spanish, Google Sheets range (bold by style, password "
        "column first) with one empty password cell",
        "request",
        lang="es",
        frm="gerencia@inmocostaazul.example",
        mailboxes=[
            mb("ventas@inmocostaazul.example", "Playa&Sol2026", host),
            mb("alquileres@inmocostaazul.example", None, host),
            mb("gerencia@inmocostaazul.example", "Atico-Vistas-9", host),
        ],
        errors=[err("password", "alquileres@inmocostaazul.example")],
    )


@fixture("owa-token-in-signature-no-password-en")
def _():
    text = """Hi,

Re order A-55812-Q (Business Mail plan). Please move tom@pinewood-garden.example across from imap.gardenhost-old.example.

I'd rather not put the password in an email, I'll ring it through to your support line this afternoon.

Cheers,
Tom

Tom Fairley | Pinewood Garden Centre
Old Forge Road, Ledbury HR8 2EE | 01531 960 118
Customer ID: 7Hq9xK2pLm4Z
Please consider the environment before printing this email."""
    msg = outlook_web(
        text=text + "\n",
        html_body=owa_html(text, lang="en-GB"),
        lang="en-GB",
        frm="Tom Fairley <tom@pinewood-garden.example>",
        subject="Mailbox move - order A-55812-Q",
        date=rfc_date(25, 9, 3, 44, "+0000"),
        mid=f"<LO2P{RNG.randrange(100, 999)}MB{RNG.randrange(1000, 9999)}{HEX(12)}@LO2P265MB4477.GBRP265.PROD.OUTLOOK.example>",
    )
    return msg, expect(
        "owner of a garden centre, Outlook on the web, English, no password on purpose; an order number and "
        "a random-looking customer ID that are not passwords",
        "request",
        lang="en",
        frm="tom@pinewood-garden.example",
        mailboxes=[mb("tom@pinewood-garden.example", None, "imap.gardenhost-old.example")],
        errors=[err("password", "tom@pinewood-garden.example")],
    )


@fixture("outlook-order-number-not-password-nl")
def _():
    text, body = ol_compose(
        [
            "Goedendag,",
            "Naar aanleiding van onze bestelling (ordernummer 2026-11-0457X, klantnummer KN-448120-B) "
            "het verzoek om onderstaande mailbox over te zetten.",
            "E-mailadres: havenmeester@jachthaven-zeewind.example\nWachtwoord: Zeilboot!73\n"
            "Server: mail.watersporthost.example",
            "Referentie voor onze administratie: PO-88213-ZW.",
            "Met vriendelijke groet,",
            (
                "sig",
                "Kees Visser\nHavenmeester\nJachthaven Zeewind\nHavenweg 1, 1771 AA Wieringerwerf\n"
                "T 0227 555 900 | M 06 5555 1234",
            ),
        ],
        lang="NL",
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body, lang="NL"),
        lang="nl-NL",
        frm="Kees Visser <havenmeester@jachthaven-zeewind.example>",
        subject="Overzetten mailbox - ordernummer 2026-11-0457X",
        date=rfc_date(23, 10, 40, 0),
        mid=f"<00{hexs(2)}01db{hexs(4)}$8e7f6a50${hexs(8)}@jachthaven-zeewind.example>",
    )
    return msg, expect(
        "harbour master of a marina, Outlook on Windows, Dutch, labelled lines plus an order number, a "
        "customer number and a purchase reference that are not passwords",
        "request",
        lang="nl",
        frm="havenmeester@jachthaven-zeewind.example",
        mailboxes=[
            mb("havenmeester@jachthaven-zeewind.example", "Zeilboot!73", "mail.watersporthost.example")
        ],
        errors=[],
    )


# =============================================================================================
# Replies in a ticket's thread


def ack(lang, ticket, boxes, missing=None):
    """The support's earlier message that the customer answers (quoted below the reply)."""
    listing = "\n".join(f"- {b}" for b in boxes)
    if lang == "en":
        if missing:
            return (
                f"Hello,\n\nThank you for your request (ticket {ticket}). We could not start yet: the password "
                f"for {missing} is missing. Please reply to this message with it.\n\nKind regards\nNew Hosting Support"
            )
        return (
            f"Hello,\n\nThank you for your request. We have registered the migration of {len(boxes)} mailbox(es) "
            f"under ticket {ticket}:\n\n{listing}\n\nThe migration will start tonight. You can reply to this "
            "message at any time to ask how far it is or to cancel it; please keep the ticket number in the "
            "subject.\n\nKind regards\nNew Hosting Support"
        )
    if lang == "de":
        return (
            f"Guten Tag,\n\nvielen Dank für Ihren Auftrag. Wir haben den Umzug von {len(boxes)} Postfach/Postfächern "
            f"unter der Vorgangsnummer {ticket} angelegt:\n\n{listing}\n\nDer Umzug beginnt heute Nacht. Sie können "
            "jederzeit auf diese Nachricht antworten, um den Stand zu erfragen oder den Umzug abzubrechen. Bitte "
            "lassen Sie die Vorgangsnummer im Betreff stehen.\n\nFreundliche Grüße\nIhr New Hosting Support"
        )
    if lang == "fr":
        return (
            f"Bonjour,\n\nNous avons bien reçu votre demande (dossier {ticket}) pour {len(boxes)} boîte(s) :\n\n"
            f"{listing}\n\nLa migration démarrera cette nuit. Vous pouvez répondre à ce message pour connaître "
            "l'avancement ou pour l'annuler ; merci de garder le numéro de dossier dans l'objet.\n\n"
            "Cordialement,\nLe support New Hosting"
        )
    if lang == "es":
        return (
            f"Hola:\n\nHemos registrado su solicitud de migración ({ticket}) para {len(boxes)} buzón/buzones:\n\n"
            f"{listing}\n\nLa migración empezará esta noche. Puede responder a este mensaje para consultar el "
            "estado o para cancelarla; mantenga el número de solicitud en el asunto.\n\nUn saludo,\n"
            "Soporte New Hosting"
        )
    if lang == "it":
        if missing:
            return (
                f"Buongiorno,\n\ngrazie per la richiesta ({ticket}). Non possiamo ancora iniziare: manca la "
                f"password della casella {missing}. Risponda a questo messaggio indicandola.\n\nCordiali saluti\n"
                "Supporto New Hosting"
            )
        return (
            f"Buongiorno,\n\nabbiamo registrato la sua richiesta ({ticket}) per {len(boxes)} casella/e:\n\n"
            f"{listing}\n\nLa migrazione inizierà stanotte. Può rispondere a questo messaggio per conoscere lo "
            "stato o per annullarla; lasci il numero della pratica nell'oggetto.\n\nCordiali saluti\n"
            "Supporto New Hosting"
        )
    if lang == "nl":
        if missing:
            return (
                f"Beste klant,\n\nBedankt voor uw aanvraag ({ticket}). We kunnen nog niet beginnen: het wachtwoord "
                f"van {missing} ontbreekt. Wilt u dit als antwoord op deze e-mail sturen?\n\nMet vriendelijke "
                "groet,\nNew Hosting Support"
            )
        return (
            f"Beste klant,\n\nWe hebben uw aanvraag ({ticket}) voor {len(boxes)} mailbox(en) ontvangen:\n\n"
            f"{listing}\n\nDe migratie start vannacht. U kunt op deze e-mail antwoorden om de status op te vragen "
            "of om de migratie te annuleren; laat het nummer in het onderwerp staan.\n\nMet vriendelijke groet,\n"
            "New Hosting Support"
        )
    raise ValueError(lang)


def support_mid(ticket):
    return f"<{ticket.lower()}.{hexs(12)}@new.example>"


def reply_expect(persona, kind, command, *, lang, frm, ticket, **more):
    return expect(persona, kind, command=command, ticket=ticket, lang=lang, frm=frm, mailboxes=[], errors=[], **more)


def outlook_reply_html(reply_text, header_lines, quoted_text, lang):
    """Outlook's reply: the new text, then a grey rule and the bold From/Sent/To/Subject block."""
    head = "<br>\r\n".join(
        f"<b><span lang={lang}>{esc(k)}:</span></b><span lang={lang}>{esc(v)}</span>"
        for k, v in (line.split(":", 1) for line in header_lines)
    )
    return outlook_doc(
        ol_lines(reply_text)
        + ol_p()
        + "<div><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
        + f"<p class=MsoNormal>{head}<o:p></o:p></p></div></div>\r\n"
        + ol_p()
        + ol_lines(quoted_text),
        lang=lang,
    )


@fixture("outlook-reply-cancel-de")
def _():
    ticket = "MIG-000123"
    boxes = ["info@physio-wagner.example", "termine@physio-wagner.example", "s.wagner@physio-wagner.example"]
    smid = support_mid(ticket)
    quoted = ack("de", ticket, boxes)
    reply = "Sehr geehrte Damen und Herren,\n\nbitte brechen Sie die Migration ab. Unser bisheriger Anbieter hat " \
        "uns ein neues Angebot gemacht, wir bleiben vorerst dort.\n\nMit freundlichen Grüßen\nSabine Wagner\n" \
        "Praxis für Physiotherapie Wagner · Lindenallee 4 · 01069 Dresden · 0351 555 2020"
    hdr = [
        "Von: New Hosting Support <support@new.example>",
        "Gesendet: Dienstag, 24. November 2026 10:12",
        "An: Sabine Wagner <s.wagner@physio-wagner.example>",
        f"Betreff: [{ticket}] Ihr Umzugsauftrag",
    ]
    text = reply + "\n\n" + "\n".join(hdr) + "\n\n" + quoted + "\n"
    msg = outlook_desktop(
        text=text,
        html_body=outlook_reply_html(reply, hdr, quoted, "DE"),
        lang="de-DE",
        frm="Sabine Wagner <s.wagner@physio-wagner.example>",
        subject=f"AW: [{ticket}] Ihr Umzugsauftrag",
        date=rfc_date(24, 15, 33, 20),
        mid=f"<00{hexs(2)}01db{hexs(4)}$11223340${hexs(8)}@physio-wagner.example>",
        thread=[smid],
    )
    return msg, reply_expect(
        "physiotherapist, Outlook on Windows, German, reply in the ticket's thread: cancel, the earlier "
        "message quoted below a 'Von:/Gesendet:' block",
        "command",
        "cancel",
        lang="de",
        frm="s.wagner@physio-wagner.example",
        ticket=ticket,
    )


def gmail_reply(*, reply, attribution, quoted, **hdr):
    text = reply + "\n\n" + attribution + "\n\n" + quote_gt(quoted) + "\n"
    html_body = gmail_html(reply.split("\n\n"))[:-6] + gmail_quote(attribution, gmail_html(quoted.split("\n\n"))) + "</div>\r\n"
    return gmail(text=text, html_body=html_body, **hdr)


@fixture("gmail-reply-cancel-en")
def _():
    ticket = "MIG-000231"
    boxes = ["sales@kettleandcrumb.example", "ben@kettleandcrumb.example"]
    smid = support_mid(ticket)
    msg = gmail_reply(
        reply="Hi,\n\nPlease cancel this migration, we changed our minds. Sorry for the trouble!\n\nBen",
        attribution="On Tue, 24 Nov 2026 at 10:12, New Hosting Support <support@new.example> wrote:",
        quoted=ack("en", ticket, boxes),
        frm="Ben Carter <ben@kettleandcrumb.example>",
        subject=f"Re: [{ticket}] Your migration request",
        date=rfc_date(24, 16, 2, 9, "+0000"),
        mid=f"<CAL{alnum(33)}@mail.gmail.example>",
        thread=[smid],
    )
    return msg, reply_expect(
        "owner of a café, Gmail web, English, reply in the thread: cancel as a sentence, Gmail 'On … wrote:' "
        "quote (which itself mentions cancelling)",
        "command",
        "cancel",
        lang="en",
        frm="ben@kettleandcrumb.example",
        ticket=ticket,
    )


def iphone_reply(*, reply, sig, attribution, quoted, **hdr):
    text = reply + "\n\n" + sig + "\n\n" + attribution + "\n\n" + quote_gt(quoted) + "\n"
    q = "<br>".join(esc(line) for line in quoted.split("\n"))
    html_body = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">'
        f'<div dir="ltr">{"<br>".join(esc(line) for line in reply.split(chr(10)))}</div>'
        f'<div dir="ltr"><br></div><div dir="ltr">{esc(sig)}</div><div dir="ltr"><br>'
        f'<blockquote type="cite">{esc(attribution)}<br><br></blockquote></div>'
        f'<blockquote type="cite"><div dir="ltr">{q}</div></blockquote></body></html>'
    )
    return iphone(text=text, html_body=html_body, **hdr)


@fixture("iphone-reply-status-en")
def _():
    ticket = "MIG-000245"
    boxes = ["office@lakeside-joinery.example", "quotes@lakeside-joinery.example", "dave@lakeside-joinery.example"]
    msg = iphone_reply(
        reply="Hi, how far along is the migration? The lads keep asking when they can use the new mailboxes.\nDave",
        sig="Sent from my iPhone",
        attribution="On 24 Nov 2026, at 10:12, New Hosting Support <support@new.example> wrote:",
        quoted=ack("en", ticket, boxes),
        frm="Dave Mitchell <dave@lakeside-joinery.example>",
        subject=f"Re: [{ticket}] Your migration request",
        date=rfc_date(25, 7, 48, 31, "+0000"),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@lakeside-joinery.example>",
        thread=[support_mid(ticket)],
    )
    return msg, reply_expect(
        "owner of a joinery, iPhone Mail, English, reply in the thread asking how far the migration is",
        "command",
        "status",
        lang="en",
        frm="dave@lakeside-joinery.example",
        ticket=ticket,
    )


@fixture("owa-reply-mx-changed-en")
def _():
    ticket = "MIG-000198"
    boxes = ["hannah@leeandpartners.example", "admin@leeandpartners.example"]
    reply = (
        "Hello,\n\nJust to let you know, we changed the MX records yesterday evening, so new mail should be "
        "arriving with you now.\n\nRegards,\nHannah Lee\nLee & Partners Chartered Surveyors"
    )
    hdr = [
        "From: New Hosting Support <support@new.example>",
        "Sent: Monday, November 23, 2026 15:40",
        "To: Hannah Lee <hannah@leeandpartners.example>",
        f"Subject: [{ticket}] Your migration request",
    ]
    quoted = ack("en", ticket, boxes)
    text = reply + "\n\n________________________________\n" + "\n".join(hdr) + "\n\n" + quoted + "\n"
    hdr_html = "<br>".join(f"<b>{esc(h.split(':', 1)[0])}:</b>{esc(h.split(':', 1)[1])}" for h in hdr)
    extra = (
        '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
        f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">'
        f'{hdr_html}</font><div>&nbsp;</div></div><div>{"<br>".join(esc(line) for line in quoted.split(chr(10)))}</div>'
    )
    msg = outlook_web(
        text=text,
        html_body=owa_html(reply, extra, lang="en-GB"),
        lang="en-GB",
        frm="Hannah Lee <hannah@leeandpartners.example>",
        subject=f"RE: [{ticket}] Your migration request",
        date=rfc_date(24, 9, 5, 50, "+0000"),
        mid=f"<DB8P{RNG.randrange(100, 999)}MB{RNG.randrange(1000, 9999)}{HEX(12)}@DB8P190MB0707.EURP190.PROD.OUTLOOK.example>",
        thread=[support_mid(ticket)],
    )
    return msg, reply_expect(
        "surveyor, Outlook on the web, English, reply in the thread: 'we changed the MX records yesterday', "
        "OWA's underscore line and From/Sent block",
        "command",
        "dns-changed",
        lang="en",
        frm="hannah@leeandpartners.example",
        ticket=ticket,
    )


@fixture("outlook-reply-dns-modifies-fr")
def _():
    ticket = "MIG-000301"
    boxes = ["contact@atelier-poterie-blanc.example", "commandes@atelier-poterie-blanc.example"]
    quoted = ack("fr", ticket, boxes)
    reply = (
        "Bonjour,\n\nLes DNS sont modifiés depuis ce matin (les enregistrements MX pointent vers chez vous).\n\n"
        "Cordialement,\nAnne Blanc\nAtelier de Poterie Blanc – 3 impasse des Potiers, 84220 Gordes – 04 90 00 77 88"
    )
    hdr = [
        "De : New Hosting Support <support@new.example>",
        "Envoyé : mardi 24 novembre 2026 10:12",
        "À : Anne Blanc <contact@atelier-poterie-blanc.example>",
        f"Objet : [{ticket}] Votre demande de migration",
    ]
    text = reply + "\n\n" + "\n".join(hdr) + "\n\n" + quoted + "\n"
    msg = outlook_desktop(
        text=text,
        html_body=outlook_reply_html(reply, hdr, quoted, "FR"),
        lang="fr-FR",
        frm="Anne Blanc <contact@atelier-poterie-blanc.example>",
        subject=f"RE: [{ticket}] Votre demande de migration",
        date=rfc_date(25, 8, 55, 12),
        mid=f"<00{hexs(2)}01db{hexs(4)}$55667780${hexs(8)}@atelier-poterie-blanc.example>",
        thread=[support_mid(ticket)],
    )
    return msg, reply_expect(
        "potter running her workshop, Outlook on Windows, French, reply in the thread: 'les DNS sont "
        "modifiés', quote under a 'De : / Envoyé :' block",
        "command",
        "dns-changed",
        lang="fr",
        frm="contact@atelier-poterie-blanc.example",
        ticket=ticket,
    )


@fixture("gmail-reply-status-es")
def _():
    ticket = "MIG-000288"
    boxes = ["lola@estudiopilates.example", "reservas@estudiopilates.example"]
    msg = gmail_reply(
        reply="Hola,\n\n¿Cómo va la migración? ¿Sabéis más o menos cuándo estará terminada?\n\nGracias,\nLola",
        attribution="El mar, 24 nov 2026 a las 10:12, New Hosting Support (<support@new.example>) escribió:",
        quoted=ack("es", ticket, boxes),
        frm="Lola Jiménez <lola@estudiopilates.example>",
        subject=f"Re: [{ticket}] Su solicitud de migración",
        date=rfc_date(25, 10, 20, 5),
        mid=f"<CAN{alnum(33)}@mail.gmail.example>",
        thread=[support_mid(ticket)],
    )
    return msg, reply_expect(
        "owner of a pilates studio, Gmail web, Spanish, reply in the thread asking how the migration is going",
        "command",
        "status",
        lang="es",
        frm="lola@estudiopilates.example",
        ticket=ticket,
    )


@fixture("thunderbird-reply-cancel-it")
def _():
    ticket = "MIG-000356"
    boxes = ["p.greco@grecoimpianti.example"]
    text = (
        "Buongiorno,\nvi chiedo di annullare la migrazione: abbiamo deciso di restare con il vecchio fornitore "
        "fino a fine contratto.\n\nCordiali saluti\nPaolo Greco\n\n"
        "Il 24/11/2026 10:12, New Hosting Support ha scritto:\n" + quote_gt(ack("it", ticket, boxes)) + "\n"
    )
    msg = thunderbird(
        text=text,
        lang="it-IT",
        frm="Paolo Greco <p.greco@grecoimpianti.example>",
        subject=f"Re: [{ticket}] La sua richiesta di migrazione",
        date=rfc_date(24, 17, 1, 48),
        mid=f"<{hexs(8)}-{hexs(4)}-{hexs(4)}-{hexs(4)}-{hexs(12)}@grecoimpianti.example>",
        thread=[support_mid(ticket)],
    )
    return msg, reply_expect(
        "owner of a plumbing firm, Thunderbird, Italian, reply in the thread asking to cancel",
        "command",
        "cancel",
        lang="it",
        frm="p.greco@grecoimpianti.example",
        ticket=ticket,
    )


@fixture("apple-reply-mx-nl")
def _():
    ticket = "MIG-000367"
    boxes = ["pieter@fietsenmakerbos.example", "werkplaats@fietsenmakerbos.example"]
    attribution = "Op 24 nov 2026, om 10:12 heeft New Hosting Support <support@new.example> het volgende geschreven:"
    text = (
        "Hallo,\n\nWe hebben gisteren de MX-records aangepast, dus de mail komt nu bij jullie binnen.\n\n"
        "Groet,\nPieter Bos\nFietsenmaker Bos, Dorpsstraat 21, Zeist\n\n"
        + quote_gt(attribution + "\n\n" + ack("nl", ticket, boxes))
        + "\n"
    )
    msg = apple_mail(
        text=text,
        frm="Pieter Bos <pieter@fietsenmakerbos.example>",
        subject=f"Re: [{ticket}] Uw migratieaanvraag",
        date=rfc_date(25, 9, 14, 27),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@fietsenmakerbos.example>",
        thread=[support_mid(ticket)],
    )
    return msg, reply_expect(
        "bicycle repairer, Apple Mail, Dutch, reply in the thread: MX records changed yesterday",
        "command",
        "dns-changed",
        lang="nl",
        frm="pieter@fietsenmakerbos.example",
        ticket=ticket,
    )


@fixture("outlook-plain-reply-do-not-cancel-en")
def _():
    ticket = "MIG-000402"
    boxes = ["ruth@greenway-travel.example", "dan@greenway-travel.example", "bookings@greenway-travel.example"]
    text = (
        "Hi,\n\nMy colleague Dan emailed you earlier today asking you to cancel - please do NOT cancel the "
        "migration, he was mistaken. Carry on as planned.\n\nThanks\nRuth Edwards\nGreenway Travel Ltd | "
        "01865 960 300\n\n-----Original Message-----\nFrom: New Hosting Support <support@new.example> \n"
        "Sent: 24 November 2026 10:12\nTo: Ruth Edwards <ruth@greenway-travel.example>\n"
        f"Subject: [{ticket}] Your migration request\n\n" + ack("en", ticket, boxes) + "\n"
    )
    msg = outlook_plain(
        text=text,
        frm="Ruth Edwards <ruth@greenway-travel.example>",
        subject=f"RE: [{ticket}] Your migration request",
        date=rfc_date(24, 14, 27, 3, "+0000"),
        mid=f"<00{hexs(2)}01db{hexs(4)}$66778890${hexs(8)}@greenway-travel.example>",
        thread=[support_mid(ticket)],
    )
    return msg, reply_expect(
        "director of a travel agency, Outlook in plain-text mode, English, reply in the thread: 'please do NOT "
        "cancel' (a negation, for a person to read)",
        "ignored",
        None,
        lang="en",
        frm="ruth@greenway-travel.example",
        ticket=ticket,
    )


@fixture("gmail-reply-two-commands-de")
def _():
    ticket = "MIG-000415"
    boxes = ["m.vogel@vogel-fahrschule.example", "anmeldung@vogel-fahrschule.example"]
    msg = gmail_reply(
        reply="Hallo,\n\nwie weit sind Sie mit der Umstellung? Falls Sie noch nicht angefangen haben, brechen Sie "
        "bitte ab, dann warten wir lieber bis Januar.\n\nGruß\nMarkus Vogel\nFahrschule Vogel",
        attribution="Am Di., 24. Nov. 2026 um 10:12 Uhr schrieb New Hosting Support <support@new.example>:",
        quoted=ack("de", ticket, boxes),
        frm="Markus Vogel <m.vogel@vogel-fahrschule.example>",
        subject=f"Re: [{ticket}] Ihr Umzugsauftrag",
        date=rfc_date(24, 19, 40, 16),
        mid=f"<CAO{alnum(33)}@mail.gmail.example>",
        thread=[support_mid(ticket)],
    )
    return msg, reply_expect(
        "driving-school owner, Gmail web, German, reply in the thread that asks for the status and, on a "
        "condition, to cancel (two commands: for a person)",
        "ignored",
        None,
        lang="de",
        frm="m.vogel@vogel-fahrschule.example",
        ticket=ticket,
    )


@fixture("iphone-reply-thanks-fr")
def _():
    ticket = "MIG-000333"
    done = (
        "Bonjour,\n\nLa migration du dossier MIG-000333 est terminée : 2 boîtes, 14 212 messages copiés.\n\n"
        "Si quelque chose manque, répondez simplement à ce message.\n\nCordialement,\nLe support New Hosting"
    )
    msg = iphone_reply(
        reply="Merci beaucoup, tout fonctionne parfaitement ! Bonne journée\nSophie",
        sig="Envoyé de mon iPhone",
        attribution="Le 24 nov. 2026 à 23:58, New Hosting Support <support@new.example> a écrit :",
        quoted=done,
        frm="Sophie Marchand <sophie@librairie-marchand.example>",
        subject=f"Re: [{ticket}] Migration terminée",
        date=rfc_date(25, 8, 2, 40),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@librairie-marchand.example>",
        thread=[support_mid(ticket)],
    )
    return msg, reply_expect(
        "bookseller, iPhone Mail, French, thank-you note in the thread (no command)",
        "ignored",
        None,
        lang="fr",
        frm="sophie@librairie-marchand.example",
        ticket=ticket,
    )


@fixture("samsung-reply-no-cancelen-es")
def _():
    ticket = "MIG-000420"
    boxes = ["info@bodegasmontero.example", "enoturismo@bodegasmontero.example"]
    reply = (
        "Hola, por favor NO cancelen la migración. Mi socio les escribió esta mañana por error. Sigan adelante "
        "como estaba previsto.\nGracias\nElena Montero"
    )
    sig = "Enviado desde mi Galaxy"
    orig = (
        "-------- Mensaje original --------\nDe: New Hosting Support <support@new.example>\n"
        "Fecha: 24/11/26 10:12 (GMT+01:00)\nPara: info@bodegasmontero.example\n"
        f"Asunto: [{ticket}] Su solicitud de migración\n\n" + ack("es", ticket, boxes)
    )
    msg = samsung(
        text=reply + "\n\n" + sig + "\n\n" + orig + "\n",
        html_body=samsung_html(reply, sig)[: -len("</body></html>")]
        + '<div dir="auto"><br></div><div align="left" dir="auto" style="font-size:100%;color:#000000"><div>'
        + "<br>".join(esc(line) for line in orig.split("\n"))
        + "</div></div></body></html>",
        frm="Elena Montero <info@bodegasmontero.example>",
        subject=f"RE: [{ticket}] Su solicitud de migración",
        date=rfc_date(24, 13, 10, 10),
        mid=f"<{alnum(8)}.{RNG.randrange(10**12, 10**13)}@email.android.example>",
        thread=[support_mid(ticket)],
    )
    return msg, reply_expect(
        "co-owner of a winery, Samsung Email on Android, Spanish, reply in the thread: 'NO cancelen' "
        "(a negation, for a person to read)",
        "ignored",
        None,
        lang="es",
        frm="info@bodegasmontero.example",
        ticket=ticket,
    )


@fixture("gmail-reply-password-only-it")
def _():
    ticket = "MIG-000412"
    msg = gmail_reply(
        reply="Eccola, scusate la dimenticanza:\n\nPassword: Girasole!58\n\nSaluti\nAnna Moretti",
        attribution="Il giorno mar 24 nov 2026 alle ore 10:12 New Hosting Support <support@new.example> ha scritto:",
        quoted=ack("it", ticket, [], missing="ordini@vivaiomoretti.example"),
        frm="Anna Moretti <anna@vivaiomoretti.example>",
        subject=f"Re: [{ticket}] Dati mancanti",
        date=rfc_date(24, 11, 30, 0),
        mid=f"<CAP{alnum(33)}@mail.gmail.example>",
        thread=[support_mid(ticket)],
    )
    e = expect(
        "owner of a plant nursery, Gmail web, Italian, reply in the thread giving only the missing password "
        "('Password: …'), no address in her own text",
        "request",
        ticket=ticket,
        lang="it",
        frm="anna@vivaiomoretti.example",
        unassigned={"password": "Girasole!58"},
    )
    return msg, e


@fixture("thunderbird-reply-password-sentence-nl")
def _():
    ticket = "MIG-000377"
    text = (
        "Hoi,\n\nHierbij het wachtwoord dat nog ontbrak: Molen-Wiek-33\n\nGroet,\nGerrit Smit\n"
        "Molenaarsbedrijf Smit\n\nOp 24-11-2026 om 10:12 schreef New Hosting Support:\n"
        + quote_gt(ack("nl", ticket, [], missing="verkoop@molensmit.example"))
        + "\n"
    )
    msg = thunderbird(
        text=text,
        lang="nl",
        frm="Gerrit Smit <gerrit@molensmit.example>",
        subject=f"Re: [{ticket}] Ontbrekende gegevens",
        date=rfc_date(24, 20, 5, 5),
        mid=f"<{hexs(8)}-{hexs(4)}-{hexs(4)}-{hexs(4)}-{hexs(12)}@molensmit.example>",
        thread=[support_mid(ticket)],
    )
    return msg, expect(
        "miller, Thunderbird, Dutch, reply in the thread giving the missing password in a sentence, no "
        "address in his own text",
        "request",
        ticket=ticket,
        lang="nl",
        frm="gerrit@molensmit.example",
        unassigned={"password": "Molen-Wiek-33"},
    )


# =============================================================================================
# Contacts and calendars


def ics_recurring_with_moves():
    uid = "6F1C2A10-3B4D-4E5F-8A9B-0C1D2E3F4A5B"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Apple Inc.//macOS 15.1//EN",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261120T090000Z",
        "CREATED:20260105T101500Z",
        "DTSTART:20261202T080000Z",
        "DTEND:20261202T090000Z",
        "RRULE:FREQ=WEEKLY;BYDAY=WE",
        "SUMMARY:Teamoverleg",
        "LOCATION:Behandelkamer 2",
        "SEQUENCE:0",
        "END:VEVENT",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261120T090000Z",
        "RECURRENCE-ID:20261209T080000Z",
        "DTSTART:20261210T080000Z",
        "DTEND:20261210T090000Z",
        "SUMMARY:Teamoverleg (verplaatst naar donderdag)",
        "SEQUENCE:1",
        "END:VEVENT",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261120T090000Z",
        "RECURRENCE-ID:20261223T080000Z",
        "DTSTART:20261222T130000Z",
        "DTEND:20261222T140000Z",
        "SUMMARY:Teamoverleg (vóór de kerst)",
        "SEQUENCE:1",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:B7E8F901-2A3B-4C5D-9E0F-1A2B3C4D5E6F",
        "DTSTAMP:20261120T090000Z",
        "DTSTART;VALUE=DATE:20261218",
        "DTEND;VALUE=DATE:20261219",
        "SUMMARY:Kerstborrel praktijk",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@fixture("apple-ics-recurring-nl")
def _():
    text = """Goedemiddag,

Graag zetten we de praktijkmailbox over:

E-mail: agenda@fysio-vanleeuwen.example
Wachtwoord: Rugpijn-Weg-12
Server: imap.zorghost.example

In de bijlage staat ook onze gedeelde agenda (export uit de oude webmail), die willen we graag terug in de nieuwe agenda van deze mailbox.

Met vriendelijke groet,

Eva van Leeuwen
Praktijk voor Fysiotherapie Van Leeuwen
Kerkstraat 14, 5211 KD 's-Hertogenbosch
073 555 1919
"""
    msg = apple_mail(
        text=text,
        attachments=[(ics_recurring_with_moves(), "text/calendar", "agenda.ics")],
        frm="Eva van Leeuwen <agenda@fysio-vanleeuwen.example>",
        subject="Mailbox en agenda overzetten",
        date=rfc_date(23, 14, 2, 22),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@fysio-vanleeuwen.example>",
    )
    box = "agenda@fysio-vanleeuwen.example"
    return msg, expect(
        "physiotherapist, Apple Mail, Dutch, labelled lines and an .ics with a weekly meeting, two moved "
        "occurrences of it (same UID) and one single event",
        "request",
        lang="nl",
        frm=box,
        mailboxes=[mb(box, "Rugpijn-Weg-12", "imap.zorghost.example")],
        groupware=[{"kind": "calendar", "items": 2, "mailbox": box}],
        errors=[],
    )


def vcf_utf16():
    cards = [
        ("Schäfer;Karl;;;", "Karl Schäfer", "Weingut Schäfer", "+49 6321 555 100", "karl@weingut-schaefer.example"),
        ("Böhm;Ursula;;;", "Ursula Böhm", "Weinhandel Böhm", "+49 621 555 2040", "u.boehm@weinhandel-boehm.example"),
        ("Özdemir;Can;;;", "Can Özdemir", "Spedition Özdemir", "+49 631 555 7788", "dispo@spedition-oezdemir.example"),
    ]
    out = []
    for n, fn, org, tel, mail in cards:
        out += [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"N:{n}",
            f"FN:{fn}",
            f"ORG:{org}",
            f"TEL;TYPE=WORK,VOICE:{tel}",
            f"EMAIL;TYPE=PREF,INTERNET:{mail}",
            "END:VCARD",
        ]
    return "\ufeff".encode("utf-16-le") + ("\r\n".join(out) + "\r\n").encode("utf-16-le")


@fixture("outlook-vcf-utf16-de")
def _():
    text, body = ol_compose(
        [
            "Guten Tag,",
            "bitte folgendes Postfach umziehen:",
            "E-Mail: kontakt@weingut-schaefer.example\nPasswort: Riesling-Sp\u00e4tlese-11\n"
            "Server: imap.pfalz-hosting.example",
            "Die Kontakte h\u00e4nge ich als Datei an (Export aus dem alten Adressbuch), bitte ebenfalls "
            "\u00fcbernehmen.",
            "Freundliche Gr\u00fc\u00dfe",
            ("sig", "Karl Sch\u00e4fer\nWeingut Sch\u00e4fer \u00b7 Weinstra\u00dfe 12 \u00b7 67146 Deidesheim\n"
                    "Tel. 06326 555 100"),
        ],
        lang="DE",
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body, lang="DE"),
        lang="de-DE",
        attachments=[(vcf_utf16(), "text/x-vcard", "Kontakte.vcf")],
        frm="Karl =?iso-8859-1?Q?Sch=E4fer?= <kontakt@weingut-schaefer.example>",
        subject="Postfach und Kontakte",
        date=rfc_date(22, 11, 20, 9),
        mid=f"<00{hexs(2)}01db{hexs(4)}$77889900${hexs(8)}@weingut-schaefer.example>",
    )
    box = "kontakt@weingut-schaefer.example"
    return msg, expect(
        "wine grower, Outlook on Windows, German, labelled lines and a UTF-16 .vcf with three contacts",
        "request",
        lang="de",
        frm=box,
        mailboxes=[mb(box, "Riesling-Sp\u00e4tlese-11", "imap.pfalz-hosting.example")],
        groupware=[{"kind": "contacts", "items": 3, "mailbox": box}],
        errors=[],
    )


def vcf_folded_end():
    # The NOTE of the first card is folded (RFC 6350 §3.2) so that its continuation line begins
    # with "END:" – it is still part of the NOTE, not the end of the card.
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Moreau;Jeanne;;;",
        "FN:Jeanne Moreau",
        "TEL;TYPE=CELL:+33 6 55 12 34 56",
        "EMAIL;TYPE=INTERNET:jeanne.moreau@laposte-ancienne.example",
        "NOTE:Fournisseuse de confitures. Livraison possible uniquement le WEEK",
        " END: appeler le samedi matin avant 10h.",
        "END:VCARD",
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Petit;Lucas;;;",
        "FN:Lucas Petit",
        "ORG:Boulangerie Petit",
        "TEL;TYPE=WORK:+33 5 55 00 11 22",
        "END:VCARD",
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Roche;Amélie;;;",
        "FN:Amélie Roche",
        "EMAIL;TYPE=INTERNET:amelie.roche@office-tourisme.example",
        "END:VCARD",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@fixture("thunderbird-vcf-folded-end-fr")
def _():
    text = """Bonjour,

Pour notre gîte, merci de migrer la boîte suivante :

Adresse : accueil@gite-des-chenes.example
Mot de passe : Chene&Glands2026
Serveur IMAP : mail.campagne-hebergement.example

Je joins aussi notre carnet d'adresses exporté depuis Thunderbird.

Merci,
Claire Dupont
Gîte des Chênes – Lieu-dit Les Chênes, 46100 Figeac – 05 65 00 22 33
"""
    msg = thunderbird(
        text=text,
        lang="fr",
        attachments=[(vcf_folded_end(), "text/vcard", "contacts.vcf")],
        frm="Claire Dupont <accueil@gite-des-chenes.example>",
        subject="Migration boîte et contacts",
        date=rfc_date(21, 9, 36, 41),
        mid=f"<{hexs(8)}-{hexs(4)}-{hexs(4)}-{hexs(4)}-{hexs(12)}@gite-des-chenes.example>",
    )
    box = "accueil@gite-des-chenes.example"
    return msg, expect(
        "owner of a holiday cottage, Thunderbird, French, labelled lines and a .vcf of three cards, one "
        "with a folded NOTE whose continuation line starts with 'END:'",
        "request",
        lang="fr",
        frm=box,
        mailboxes=[mb(box, "Chene&Glands2026", "mail.campagne-hebergement.example")],
        groupware=[{"kind": "contacts", "items": 3, "mailbox": box}],
        errors=[],
    )


# =============================================================================================
# More tables


@fixture("owa-th-table-from-panel-es")
def _():
    host = "mail.panelviejo.example"
    rows = [
        ["Servidor", "Usuario", "Contraseña", "Correo electrónico"],
        [host, "gh_admin", "Renta2026!Q", "admin@gestoriaherrera.example"],
        [host, "gh_laboral", "Nominas#Dic", "laboral@gestoriaherrera.example"],
        [host, "gh_fiscal", "IVA-Trimestre4", "fiscal@gestoriaherrera.example"],
    ]
    th = "".join(
        f'<th style="text-align:left;padding:6px 10px;background-color:rgb(238,242,247);border-bottom:2px solid '
        f'rgb(200,208,218);font-family:Segoe UI,Arial,sans-serif;font-size:13px">{esc(c)}</th>'
        for c in rows[0]
    )
    trs = "".join(
        "<tr>" + "".join(
            f'<td style="padding:6px 10px;border-bottom:1px solid rgb(226,230,235);font-family:Segoe UI,Arial,'
            f'sans-serif;font-size:13px">{esc(c)}</td>'
            for c in r
        ) + "</tr>"
        for r in rows[1:]
    )
    table = (
        '<table class="table table-striped" style="border-collapse:collapse;width:100%;max-width:720px">'
        f"<thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"
    )
    intro = (
        "Buenos días:\n\nLes paso los datos de las tres cuentas que tenemos que migrar. Los he copiado "
        "directamente del panel de nuestro proveedor actual:"
    )
    outro = (
        "Quedo a la espera de su confirmación.\n\nAtentamente,\nRaquel Domínguez\nGestoría Herrera\n"
        "C/ Colón 22, 46004 Valencia · 963 555 404"
    )
    text = intro + "\n\n" + "\n".join("\t".join(r) for r in rows) + "\n\n" + outro + "\n"
    msg = outlook_web(
        text=text,
        html_body=owa_html(intro, "<div><br></div>" + table + "<div><br></div>" + owa_html(outro).split('<body dir="ltr">\r\n')[1].split("\r\n</body>")[0], lang="es-ES"),
        lang="es-ES",
        frm="Raquel Domínguez <admin@gestoriaherrera.example>",
        subject="Datos de las cuentas a migrar",
        date=rfc_date(20, 9, 15, 34),
        mid=f"<PA4PR{RNG.randrange(10, 99)}MB{RNG.randrange(1000, 9999)}{HEX(12)}@PA4PR06MB7070.eurprd06.prod.outlook.example>",
    )
    return msg, expect(
        "administrative assistant of a tax agency, Outlook on the web, Spanish, a <thead>/<th> table copied "
        "from the old provider's control panel; address in the last column, logins differ from the addresses",
        "request",
        lang="es",
        frm="admin@gestoriaherrera.example",
        mailboxes=[mb(r[3], r[2], r[0], source_user=r[1]) for r in rows[1:]],
        errors=[],
    )


@fixture("outlook-xlsx-merged-title-it")
def _():
    rows = [
        ["Elenco caselle da migrare \u2013 Scuola di Musica Armonia"],
        ["Nome", "Indirizzo e-mail", "Password", "Server IMAP", "Porta"],
        ["Segreteria", "segreteria@scuolarmonia.example", "Pentagramma#7", "imap.vecchiohost.example", 993],
        ["Direzione", "direzione@scuolarmonia.example", "Sinfonia_2026", "imap.vecchiohost.example", 993],
        ["Maestro Ferri", "g.ferri@scuolarmonia.example", "Adagio-Cantabile", "mail.altroprovider.example", 143],
    ]
    notes = [["Note"], ["La casella del maestro Ferri è su un altro provider (quello vecchio personale)."]]
    data = xlsx(
        [
            ("Caselle", rows, {"big_rows": {1}, "bold_rows": {2}, "merge": ["A1:E1"], "widths": {"B": 34, "D": 30}}),
            ("Istruzioni", notes, {"bold_rows": {1}}),
        ]
    )
    text, body = ol_compose(
        [
            "Buongiorno,",
            "in allegato il file Excel con le caselle della scuola da trasferire. Attenzione: una casella è su un "
            "server diverso dalle altre.",
            "Grazie mille,",
            ("sig", "Chiara Lombardi\nSegreteria\nScuola di Musica Armonia\nVia Verdi 7, 43121 Parma\nTel. 0521 555 321"),
        ],
        lang="IT",
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body, lang="IT"),
        lang="it-IT",
        attachments=[(data, XLSX, "caselle_scuola.xlsx")],
        frm="Segreteria Scuola Armonia <segreteria@scuolarmonia.example>",
        subject="Caselle da trasferire",
        date=rfc_date(18, 16, 44, 10),
        mid=f"<00{hexs(2)}01db{hexs(4)}$aabbcc00${hexs(8)}@scuolarmonia.example>",
    )
    return msg, expect(
        "school secretary of a music school, Outlook on Windows, Italian, .xlsx with a merged title row above "
        "the header, numeric ports, two different servers and a second sheet",
        "request",
        lang="it",
        frm="segreteria@scuolarmonia.example",
        mailboxes=[mb(r[1], r[2], r[3], source_port=r[4], row=i) for i, r in enumerate(rows, start=1) if i > 2],
        errors=[],
    )


@fixture("apple-tab-table-idem-nl")
def _():
    text = (
        "Beste mensen,\n\nNamens de praktijk het verzoek om de volgende mailboxen over te zetten:\n\n"
        "naam\tmailadres\twachtwoord\timap-server\n"
        "Dr. Mulder\tmulder@huisartsdelinde.example\tStethoscoop-44\timap.zorgmail-oud.example\n"
        "Dr. Yildiz\tyildiz@huisartsdelinde.example\tSpreekuur#2026\tidem\n"
        "Assistentes\tassistentes@huisartsdelinde.example\tTriage_Ochtend\tidem\n"
        "Praktijkmanager\tbeheer@huisartsdelinde.example\tRooster!Dec\tidem\n\n"
        "Alvast dank,\n\nLinda Mulder\nPraktijkmanager Huisartsenpraktijk De Linde\nLindelaan 1, 6821 AB Arnhem\n"
        "026 555 3030\n"
    )
    msg = apple_mail(
        text=text,
        frm="Linda Mulder <beheer@huisartsdelinde.example>",
        subject="Mailboxen praktijk overzetten",
        date=rfc_date(19, 13, 13, 13),
        mid=f"<{HEX(8)}-{HEX(4)}-{HEX(4)}-{HEX(4)}-{HEX(12)}@huisartsdelinde.example>",
    )
    host = "imap.zorgmail-oud.example"
    return msg, expect(
        "practice manager of a GP practice, Apple Mail, Dutch, tab-separated table in the body where later rows "
        "say 'idem' (same as above) for the server",
        "request",
        lang="nl",
        frm="beheer@huisartsdelinde.example",
        mailboxes=[
            mb("mulder@huisartsdelinde.example", "Stethoscoop-44", host),
            mb("yildiz@huisartsdelinde.example", "Spreekuur#2026", host),
            mb("assistentes@huisartsdelinde.example", "Triage_Ochtend", host),
            mb("beheer@huisartsdelinde.example", "Rooster!Dec", host),
        ],
        errors=[],
    )


@fixture("outlook-excel-table-login-port-fr")
def _():
    host = "imap.notaires-hebergement.example"
    rows = [
        ["Adresse", "Identifiant", "Mot de passe", "Serveur", "Port"],
        ["me.dupuis@office-dupuis.example", "me.dupuis@office-dupuis.example", "Acte#Authentique1", host, "993"],
        ["accueil@office-dupuis.example", "od-accueil", "Succession&Co", host, "993"],
        ["formalites@office-dupuis.example", "od-formalites", "Hypotheque-2026", host, ""],
    ]
    text, body = ol_compose(
        [
            "Bonjour,",
            "À la demande de Maître Dupuis, je vous transmets ci-dessous les informations des trois boîtes de "
            "l'étude à migrer.",
            ("table", rows, [150.0, 130.0, 100.0, 150.0, 40.0]),
            "Je reste à votre disposition.",
            "Bien cordialement,",
            (
                "sig",
                "Sandrine Caron\nAssistante de Maître Dupuis\nOffice notarial Dupuis\n18 cours Mirabeau, 13100 "
                "Aix-en-Provence\nTél. : 04 42 00 55 66",
            ),
            (
                "sig",
                "Ce message et ses pièces jointes sont confidentiels et établis à l'intention exclusive de ses "
                "destinataires. Toute utilisation non conforme à sa destination est interdite.",
            ),
        ],
        lang="FR",
    )
    msg = outlook_desktop(
        text=text,
        html_body=outlook_doc(body, lang="FR"),
        lang="fr-FR",
        frm="Sandrine Caron <accueil@office-dupuis.example>",
        subject="Migration des boîtes de l'étude",
        date=rfc_date(17, 10, 9, 54),
        mid=f"<00{hexs(2)}01db{hexs(4)}$ccddee10${hexs(8)}@office-dupuis.example>",
    )
    return msg, expect(
        "notary's assistant, Outlook on Windows, French, table pasted from Excel with login and port columns; "
        "one login equals the address, one port cell empty",
        "request",
        lang="fr",
        frm="accueil@office-dupuis.example",
        mailboxes=[
            mb(rows[1][0], rows[1][2], host, source_user=None, source_port=993),
            mb(rows[2][0], rows[2][2], host, source_user="od-accueil", source_port=993),
            mb(rows[3][0], rows[3][2], host, source_user="od-formalites"),
        ],
        errors=[],
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
