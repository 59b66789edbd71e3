#!/usr/bin/env python3
"""The customer's side of a demo thread, read from the test bed's catch-all mailbox.

  demo-thread.py CUSTOMER SUPPORT DST_IMAP SMTP ADMIN ADMIN_PASS show N SKIP
      wait (up to 4 minutes) until N replies reached CUSTOMER, print all but the first SKIP
  demo-thread.py CUSTOMER SUPPORT DST_IMAP SMTP ADMIN ADMIN_PASS dns-changed
      answer the newest reply with "DNS changed", as the customer would
"""
import email, email.policy, email.utils, imaplib, smtplib, sys, time

customer, support, port, smtp_port, admin, apw, cmd, *rest = sys.argv[1:]
tag = "catchall+" + customer.replace("@", "=") + "@new.example"
box = imaplib.IMAP4("127.0.0.1", int(port))
box.login(f"catchall@new.example*{admin}", apw)


def replies(n):
    deadline = time.time() + 240
    while True:
        box.select("INBOX", readonly=True)
        uids = box.uid("SEARCH", None, "HEADER", "Delivered-To", f'"{tag}"')[1][0].split()
        if len(uids) >= n:
            break
        if time.time() > deadline:
            sys.exit(f"only {len(uids)} of {n} replies arrived within 4 minutes; see the mailferry log")
        time.sleep(1)
    out = []
    for uid in uids:
        data = box.uid("FETCH", uid, "(BODY.PEEK[])")[1][0][1]
        out.append(email.message_from_bytes(data, policy=email.policy.default))
    return out


if cmd == "show":
    n, skip = int(rest[0]), int(rest[1])
    for m in replies(n)[skip:]:
        print("-" * 78)
        for h in ("From", "To", "Cc", "Subject", "In-Reply-To", "Auto-Submitted"):
            print(f"{h}: {m[h]}")
        print()
        print(m.get_content().rstrip())
    print("-" * 78)
elif cmd == "dns-changed":
    last = replies(1)[-1]
    msg = (f"From: {customer}\r\nTo: {support}\r\nSubject: Re: {last['Subject']}\r\n"
           f"Message-ID: {email.utils.make_msgid(domain='customer.example')}\r\n"
           f"In-Reply-To: {last['Message-ID']}\r\nReferences: {last['Message-ID']}\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nDNS changed\r\n\r\nAnna\r\n")
    print(msg)
    s = smtplib.SMTP("127.0.0.1", int(smtp_port))
    s.sendmail(customer, [support], msg.encode())
    s.quit()
else:
    sys.exit(__doc__)
