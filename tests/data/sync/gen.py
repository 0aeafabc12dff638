#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Deterministic mailbox for the IMAP sync integration test (tests/it-sync.sh).

Usage:
    gen.py OUTDIR      writes OUTDIR/<folder>/NNN.eml and prints the expected
                       report figures as JSON on stdout
    gen.py --clients   prints the [client] sections that go with it

Folders (Maildir++ names, as Dovecot's IMAP names with separator "."):
    INBOX, Clients.acme, Envoy&AOk-s ("Envoyés" in modified UTF-7).

Senders: jean@acme.example (client "acme" by domain), marc@globex.example
(client "globex" by domain), paul.dupuis@freemail.example (client "dupuis",
exact address; other freemail.example senders are not clients) and
someone@unknown.example (unknown); the owner marie@studio.example writes the
sent messages; automated mail: a List-Id newsletter from news@acme.example (a
client domain, never counted for the client), MAILER-DAEMON bounces, an
Auto-Submitted out-of-office reply from the globex address, Precedence: bulk
promotions. One acme message sits in both INBOX and Clients.acme (same
Message-ID: counted once) and one unknown message has no Message-ID (keyed by
its header hash).

The expected figures are for REDFLAGD_NOW=2026-11-20T17:00:00+01:00, with the
rules' windows: 7 days = (now - 7d, now], 30 days = (now - 30d, now]. No date
lies within two hours of a window boundary. Dates are fixed (October and
November 2026), in UTC and +0100; no randomness.
"""

import base64
import datetime as dt
import json
import os
import sys

NOW = dt.datetime(2026, 11, 20, 16, 0, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)

CLIENTS = """[client "acme"]
name = ACME SARL
addresses = *@acme.example
timezone = Europe/Paris

[client "globex"]
name = Globex
addresses = *@globex.example

[client "dupuis"]
name = Paul Dupuis
addresses = paul.dupuis@freemail.example
"""

OWNER = "marie@studio.example"

FR_TEXTS = [
    "Bonjour Marie,\n\nMerci pour la maquette, elle nous plaît beaucoup.\n\nJean",
    "Bonjour,\n\nC'est inadmissible, le site est encore en panne ce matin !\n"
    "Nous attendons une réponse rapide.\n\nJean",
    "Marie,\n\nÊtes-vous sûre que cette solution est la bonne ? Je doute que\n"
    "cela fonctionne chez nous.\n\nJean",
    "Bonjour,\n\nPouvez-vous livrer pour jeudi ? C'est urgent.\n\nCordialement,\nJean",
    "Bonjour Marie,\n\nLa facture sera réglée le mois prochain, désolé du retard.\n\nJean",
]
EN_TEXTS = [
    "Hi Marie,\n\nThanks a lot, great work on the new release.\n\nMarc",
    "Hello,\n\nThis is unacceptable, the report is wrong again.\n\nMarc",
    "Marie,\n\nCan you send the figures by tomorrow? We need them ASAP.\n\nMarc",
    "Hi,\n\nJust checking in about next week's meeting.\n\nMarc",
]


def fmt_date(when, plus_one=False):
    if plus_one:
        when = when.astimezone(dt.timezone(dt.timedelta(hours=1)))
    return when.strftime("%a, %d %b %Y %H:%M:%S %z")


def boundary_safe(when):
    for b in (NOW - 7 * DAY, NOW - 30 * DAY):
        if abs((when - b).total_seconds()) < 2 * 3600:
            return False
    return when <= NOW - dt.timedelta(hours=1)


def spread(n, seed, first, last):
    """n fixed dates between first and last (a deterministic spread)."""
    span = int((last - first).total_seconds() // 60)
    out = []
    k = 0
    while len(out) < n:
        minute = (seed * 104729 + k * 7919 * 13) % span
        when = first + dt.timedelta(minutes=minute)
        k += 1
        if boundary_safe(when) and when not in out:
            out.append(when)
    return sorted(out)


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def headers(h):
    return "".join("%s: %s\n" % (k, v) for k, v in h)


def qp_latin1(text):
    out = []
    for line in text.split("\n"):
        enc = ""
        for ch in line:
            b = ch.encode("latin-1")
            for byte in b:
                if byte == 0x3D or byte >= 0x80:
                    enc += "=%02X" % byte
                else:
                    enc += chr(byte)
        out.append(enc)
    return "\n".join(out)


def b64(data):
    s = base64.b64encode(data).decode("ascii")
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def body_variant(kind, text, idx):
    """(extra header lines, body) for a MIME shape."""
    bnd = "=_b%03d" % idx
    html = "<html><body><p>" + text.replace("\n\n", "</p><p>").replace("\n", "<br>") + "</p></body></html>"
    if kind == "plain":
        return ([("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8"),
                 ("Content-Transfer-Encoding", "8bit")], text + "\n")
    if kind == "latin1-qp":
        return ([("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=iso-8859-1"),
                 ("Content-Transfer-Encoding", "quoted-printable")], qp_latin1(text) + "\n")
    if kind == "base64":
        return ([("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8"),
                 ("Content-Transfer-Encoding", "base64")], b64(text.encode("utf-8")) + "\n")
    if kind == "html":
        return ([("MIME-Version", "1.0"), ("Content-Type", "text/html; charset=utf-8"),
                 ("Content-Transfer-Encoding", "8bit")], html + "\n")
    if kind == "alternative":
        body = ("This is a multi-part message in MIME format.\n\n"
                "--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n\n"
                "--%s\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n\n"
                "--%s--\n") % (bnd, text, bnd, html, bnd)
        return ([("MIME-Version", "1.0"), ("Content-Type", 'multipart/alternative; boundary="%s"' % bnd)], body)
    if kind == "attachment":
        pdf = b"%PDF-1.4\n% fake test document " + (b"x" * 3000) + b"\n%%EOF\n"
        body = ("--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n\n"
                "--%s\nContent-Type: application/pdf; name=\"devis.pdf\"\n"
                "Content-Disposition: attachment; filename=\"devis.pdf\"\n"
                "Content-Transfer-Encoding: base64\n\n%s\n\n"
                "--%s\nContent-Type: text/plain; charset=utf-8; name=\"notes.txt\"\n"
                "Content-Disposition: attachment; filename=\"notes.txt\"\n\n"
                "attached notes, not the sender's words\n\n--%s--\n") % (bnd, text, bnd, b64(pdf), bnd, bnd)
        return ([("MIME-Version", "1.0"), ("Content-Type", 'multipart/mixed; boundary="%s"' % bnd)], body)
    if kind == "mixed-alternative":
        inner = bnd + "i"
        png = bytes(range(256)) * 4
        body = ("--%s\nContent-Type: multipart/alternative; boundary=\"%s\"\n\n"
                "--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n\n"
                "--%s\nContent-Type: text/html; charset=utf-8\n\n%s\n\n--%s--\n\n"
                "--%s\nContent-Type: image/png; name=\"logo.png\"\nContent-Transfer-Encoding: base64\n\n%s\n\n"
                "--%s--\n") % (bnd, inner, inner, text, inner, html, inner, bnd, b64(png), bnd)
        return ([("MIME-Version", "1.0"), ("Content-Type", 'multipart/mixed; boundary="%s"' % bnd)], body)
    if kind == "forward":
        fwd = ("From: other@elsewhere.example\nTo: jean@acme.example\nSubject: old thread\n"
               "Date: Mon, 02 Nov 2026 08:00:00 +0000\nMessage-ID: <fwd-inner-%03d@elsewhere.example>\n\n"
               "This inner message is not the sender's own words. Terrible awful horrible.\n") % idx
        body = ("--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n\n"
                "--%s\nContent-Type: message/rfc822\n\n%s\n--%s--\n") % (bnd, text, bnd, fwd, bnd)
        return ([("MIME-Version", "1.0"), ("Content-Type", 'multipart/mixed; boundary="%s"' % bnd)], body)
    if kind == "broken":
        # multipart without a boundary parameter: unreadable MIME, the
        # header must still be stored.
        return ([("MIME-Version", "1.0"), ("Content-Type", "multipart/mixed")],
                "no boundary here\n--x\nContent-Type: text/plain\n\nlost\n")
    raise ValueError(kind)


KINDS = ["plain", "alternative", "latin1-qp", "html", "attachment", "base64", "mixed-alternative", "forward"]


class Box:
    def __init__(self, out):
        self.out = out
        self.n = 0
        self.msgs = []  # (folder, key, sender_class, client, when, automated)

    def add(self, folder, frm, when, subject, extra, body, client=None, cls="client", automated=False,
            msgid=True, to=OWNER, plus_one=False, copy_to=None):
        self.n += 1
        addr = frm[frm.find("<") + 1:frm.rfind(">")] if "<" in frm else frm
        h = [("Return-Path", "<>" if "MAILER-DAEMON" in addr else "<%s>" % addr),
             ("From", frm), ("To", to), ("Subject", subject), ("Date", fmt_date(when, plus_one))]
        key = None
        if msgid:
            key = "sync-%03d@test.redflagd.example" % self.n
            h.append(("Message-ID", "<%s>" % key))
        else:
            key = "hash:%03d" % self.n
        h.extend(extra)
        raw = crlf(headers(h) + "\n" + body)
        for f in [folder] + ([copy_to] if copy_to else []):
            d = os.path.join(self.out, f)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "%03d.eml" % self.n), "w", encoding="utf-8", newline="") as fp:
                fp.write(raw)
            self.msgs.append((f, key, cls, client, when, automated))


def generate(out):
    box = Box(out)
    first, last = NOW - 50 * DAY, NOW - dt.timedelta(hours=1)

    # jean@acme.example: 6 in INBOX, 14 in Clients.acme (client acme, by domain).
    for i, when in enumerate(spread(20, 1, first, last)):
        kind = KINDS[i % len(KINDS)]
        extra, body = body_variant(kind, FR_TEXTS[i % len(FR_TEXTS)], box.n + 1)
        folder = "INBOX" if i % 10 < 3 else "Clients.acme"
        # one message filed in both folders: the same Message-ID, counted once
        copy_to = None
        if i == 4:
            copy_to = "INBOX" if folder == "Clients.acme" else "Clients.acme"
        box.add(folder, "Jean Martin <jean@acme.example>", when, "Projet ACME #%d" % i,
                extra, body, client="acme", plus_one=(i % 2 == 0), copy_to=copy_to)

    # marc@globex.example: 12 in INBOX (client globex, by domain).
    for i, when in enumerate(spread(12, 2, first, last)):
        kind = KINDS[(i + 3) % len(KINDS)]
        extra, body = body_variant(kind, EN_TEXTS[i % len(EN_TEXTS)], box.n + 1)
        box.add("INBOX", "Marc Stone <marc@globex.example>", when, "Globex report %d" % i,
                extra, body, client="globex")

    # paul.dupuis@freemail.example: 8 in INBOX (client dupuis, exact address).
    for i, when in enumerate(spread(8, 3, first, last)):
        kind = KINDS[(i + 5) % len(KINDS)]
        extra, body = body_variant(kind, FR_TEXTS[(i + 2) % len(FR_TEXTS)], box.n + 1)
        box.add("INBOX", "=?utf-8?q?Paul_Dupuis?= <paul.dupuis@freemail.example>", when,
                "=?iso-8859-1?q?Re=3A_r=E9union?= %d" % i, extra, body, client="dupuis")

    # someone@unknown.example: 6 in INBOX (unknown), one without Message-ID,
    # one with broken MIME.
    for i, when in enumerate(spread(6, 4, first, last)):
        kind = "broken" if i == 2 else KINDS[i % len(KINDS)]
        extra, body = body_variant(kind, EN_TEXTS[(i + 1) % len(EN_TEXTS)], box.n + 1)
        box.add("INBOX", "someone@unknown.example", when, "Question %d" % i, extra, body,
                cls="unknown", msgid=(i != 3))

    # Automated mail, all in INBOX.
    auto = spread(9, 5, first, last)
    for i in range(3):  # newsletter from a client domain: automated, not acme's
        extra, body = body_variant("alternative", "ACME newsletter, issue %d.\nUnsubscribe below." % i, box.n + 1)
        extra += [("List-Id", "ACME news <news.acme.example>"),
                  ("List-Unsubscribe", "<mailto:unsubscribe@acme.example>")]
        box.add("INBOX", "ACME News <news@acme.example>", auto[i], "ACME news %d" % i, extra, body,
                cls="automated", automated=True)
    for i in range(2):  # bounces
        extra, body = body_variant("plain", "Delivery to the following recipient failed permanently:\n\n"
                                   "  nobody@nowhere.example\n", box.n + 1)
        box.add("INBOX", "Mail Delivery Subsystem <MAILER-DAEMON@mx.studio.example>", auto[3 + i],
                "Undelivered Mail Returned to Sender", extra, body, cls="automated", automated=True)
    for i in range(2):  # out-of-office from a client address
        extra, body = body_variant("plain", "I am out of the office until Monday. Terrible timing.", box.n + 1)
        extra += [("Auto-Submitted", "auto-replied")]
        box.add("INBOX", "Marc Stone <marc@globex.example>", auto[5 + i], "Out of office", extra, body,
                cls="automated", automated=True)
    for i in range(2):  # bulk promotion
        extra, body = body_variant("html", "Big sale this week only!", box.n + 1)
        extra += [("Precedence", "bulk")]
        box.add("INBOX", "Shop <promo@shop.example>", auto[7 + i], "Sale %d" % i, extra, body,
                cls="automated", automated=True)

    # The owner's sent mail, in "Envoyés".
    for i, when in enumerate(spread(8, 6, first, last)):
        extra, body = body_variant("plain" if i % 2 else "latin1-qp",
                                   "Bonjour,\n\nVoici le point d'avancement n°%d.\n\nMarie" % i, box.n + 1)
        box.add("Envoy&AOk-s", "Marie Dupont <marie@studio.example>", when, "Avancement %d" % i,
                extra, body, cls="owner", to="jean@acme.example")
    return box


def expected(box):
    seen = set()
    clients = {"acme": [0, 0], "globex": [0, 0], "dupuis": [0, 0]}
    owner = unknown = automated = 0
    for folder, key, cls, client, when, auto in box.msgs:
        if key in seen:
            continue
        seen.add(key)
        in30 = NOW - 30 * DAY < when <= NOW
        in7 = NOW - 7 * DAY < when <= NOW
        if auto:
            automated += in30
        elif cls == "client":
            clients[client][0] += in7
            clients[client][1] += in30
        elif cls == "owner":
            owner += in30
        else:
            unknown += in30
    per_folder = {}
    for folder, *_ in box.msgs:
        per_folder[folder] = per_folder.get(folder, 0) + 1
    return {
        "now": "2026-11-20T17:00:00+01:00",
        "clients": {k: {"messages_7d": v[0], "messages_30d": v[1]} for k, v in sorted(clients.items())},
        "owner_messages_30d": owner,
        "unknown_messages_30d": unknown,
        "automated_messages_30d": automated,
        "unique_messages": len(seen),
        "files": len(box.msgs),
        "folders": per_folder,
    }


def main(argv):
    if argv == ["--clients"]:
        sys.stdout.write(CLIENTS)
        return 0
    if len(argv) != 1:
        sys.stderr.write("usage: gen.py OUTDIR | gen.py --clients\n")
        return 2
    box = generate(argv[0])
    json.dump(expected(box), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
