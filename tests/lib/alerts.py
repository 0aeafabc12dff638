#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Summarise the alert emails an SMTP sink accepted (tests and demo).

Usage: alerts.py MAILDIR [ID=NAME...]

For every MAILDIR/NNNN.eml (with its NNNN.json envelope), oldest first,
prints one JSON object per line: file, message_id, date, to, subject,
rcpt_tos, auth_user, clients (the IDs whose id, as a whole word, or NAME
appears in the subject or the text, case-insensitive), symbols (DESIGN.md
symbol names found in the text, upper case or with spaces for "_"), levels
(the words red/pink/none/recovered found), text (the decoded text body).
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mailview  # noqa: E402

SYMBOLS = ["VOLUME", "OUT_OF_WINDOW", "AFTER_HOURS", "NEGATIVE_TONE", "FEEDBACK_IMBALANCE",
           "DOUBT", "PRESSURE", "ABUSE", "PAYMENT", "COST"]
LEVELS = ["red", "pink", "none", "recovered"]


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    maildir = argv[0]
    clients = {}
    for arg in argv[1:]:
        cid, _, name = arg.partition("=")
        clients[cid] = name or cid
    names = sorted(n for n in os.listdir(maildir) if n.endswith(".eml")) \
        if os.path.isdir(maildir) else []
    for n in names:
        path = os.path.join(maildir, n)
        msg = mailview.load(path)
        text = mailview.body_text(msg)
        subject = mailview.decode_header_value(msg.get("Subject", ""))
        env = {}
        try:
            with open(path[:-4] + ".json") as f:
                env = json.load(f)
        except (OSError, ValueError):
            pass
        hay = subject + "\n" + text
        found = []
        for cid, name in clients.items():
            if re.search(r"(?i)(?<![\w-])%s(?![\w-])" % re.escape(cid), hay) or \
                    (name and name.lower() in hay.lower()):
                found.append(cid)
        symbols = [s for s in SYMBOLS
                   if re.search(r"\b%s\b" % s, hay) or re.search(r"\b%s\b" % s.replace("_", " "), hay)]
        levels = [lv for lv in LEVELS if re.search(r"(?i)\b%s\b" % lv, hay)]
        print(json.dumps({
            "file": path,
            "message_id": (msg.get("Message-ID") or "").strip(),
            "date": msg.get("Date"),
            "to": mailview.decode_header_value(msg.get("To", "")),
            "from": mailview.decode_header_value(msg.get("From", "")),
            "subject": subject,
            "rcpt_tos": env.get("rcpt_tos"),
            "auth_user": env.get("auth_user"),
            "clients": found,
            "symbols": symbols,
            "levels": levels,
            "text": text,
        }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
