#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Show an email file decoded, for tests and the demo.

Usage: mailview.py [--json] [--headers H1,H2,...] FILE.eml...

Default output, per file: the chosen headers (default Date, From, To,
Subject, Message-ID), RFC 2047 decoded, a blank line, then the text body:
the first text/plain part (transfer encoding and charset decoded), or the
text of the first text/html part with the tags removed.
--json prints one JSON object per file: {"file", "headers": {name: value}
(every header, decoded; repeated headers joined with "\\n"), "text"}.
"""

import email
import email.errors
import email.header
import email.policy
import html
import json
import re
import sys

DEFAULT_HEADERS = ["Date", "From", "To", "Subject", "Message-ID"]


def decode_header_value(value):
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except (email.errors.HeaderParseError, LookupError, UnicodeDecodeError, ValueError):
        return str(value)


def part_text(part):
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def html_to_text(text):
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", text)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h[1-6]>", "\n", text)
    text = re.sub(r"(?s)<[^>]*>", "", text)
    text = html.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def body_text(msg):
    html_part = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain":
            return part_text(part)
        if ctype == "text/html" and html_part is None:
            html_part = part
    if html_part is not None:
        return html_to_text(part_text(html_part))
    return ""


def load(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.compat32)


def main(argv):
    as_json = False
    wanted = DEFAULT_HEADERS
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--json":
            as_json = True
        elif a == "--headers" and i + 1 < len(argv):
            wanted = [h.strip() for h in argv[i + 1].split(",") if h.strip()]
            i += 1
        else:
            files.append(a)
        i += 1
    if not files:
        sys.stderr.write(__doc__)
        return 2
    for path in files:
        msg = load(path)
        text = body_text(msg)
        if as_json:
            headers = {}
            for name, value in msg.items():
                v = decode_header_value(value)
                headers[name] = headers[name] + "\n" + v if name in headers else v
            print(json.dumps({"file": path, "headers": headers, "text": text},
                             ensure_ascii=False))
            continue
        for name in wanted:
            value = msg.get(name)
            if value is not None:
                print("%s: %s" % (name, decode_header_value(value)))
        print()
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
