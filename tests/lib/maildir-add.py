#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Put raw messages into one Maildir folder the way Dovecot expects them.

Usage: maildir-add.py [--owner UID:GID] FOLDER_DIR FILE...

FOLDER_DIR is the Maildir folder itself (".../Maildir" for INBOX or
".../Maildir/.Clients.acme"); cur/ new/ tmp/ are created if missing.

Each message goes into cur/ as "<epoch>.M<n>P<pid>.<host>,S=<size>,W=<vsize>:2,"
with its mtime set to its Date: header (the INTERNALDATE Dovecot reports),
all files sorted by date first so that the UIDs Dovecot gives ascend with
the date (TESTING.md, pitfall 13). A leading mbox "From " line is dropped.
A Date that is missing, unparsable or implausible (before 1990 or more than
a year ahead) falls back to the newest Received: date, then to now.
Prints one line per message: "<epoch> <file name> <source file>".
"""

import email.utils
import os
import re
import socket
import sys
import time


def header_block(raw):
    end = re.search(rb"\r?\n\r?\n", raw)
    return raw[: end.start()] if end else raw


def unfolded_headers(raw):
    text = header_block(raw).decode("latin-1")
    text = re.sub(r"\r?\n[ \t]+", " ", text)
    out = []
    for line in re.split(r"\r?\n", text):
        name, sep, value = line.partition(":")
        if sep:
            out.append((name.strip().lower(), value.strip()))
    return out


def plausible(ts, now):
    return ts is not None and 631152000 <= ts <= now + 366 * 86400  # 1990-01-01


def to_epoch(value):
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        return None
    try:
        return int(dt.timestamp())
    except (OverflowError, ValueError, OSError):
        return None


def message_time(raw, now):
    headers = unfolded_headers(raw)
    for name, value in headers:
        if name == "date":
            ts = to_epoch(value)
            if plausible(ts, now):
                return ts
            break
    # Received: "...; <date>" - the first one is the newest hop.
    for name, value in headers:
        if name == "received" and ";" in value:
            ts = to_epoch(value.rsplit(";", 1)[1].strip())
            if plausible(ts, now):
                return ts
    return int(now)


def main(argv):
    owner = None
    if len(argv) >= 2 and argv[0] == "--owner":
        uid, _, gid = argv[1].partition(":")
        owner = (int(uid), int(gid or uid))
        argv = argv[2:]
    if len(argv) < 1:
        sys.stderr.write("usage: maildir-add.py [--owner UID:GID] FOLDER_DIR FILE...\n")
        return 2
    folder, files = argv[0], argv[1:]
    now = time.time()
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
        if owner:
            os.chown(os.path.join(folder, sub), *owner)
    if owner:
        os.chown(folder, *owner)

    items = []
    for path in files:
        with open(path, "rb") as f:
            raw = f.read()
        if raw.startswith(b"From "):
            nl = raw.find(b"\n")
            raw = raw[nl + 1:] if nl >= 0 else b""
        items.append((message_time(raw, now), path, raw))
    items.sort(key=lambda it: (it[0], it[1]))

    host = socket.gethostname().replace("/", "_").replace(":", "_") or "localhost"
    pid = os.getpid()
    for n, (ts, path, raw) in enumerate(items, 1):
        size = len(raw)
        vsize = size + raw.count(b"\n") - raw.count(b"\r\n")
        while True:
            name = "%d.M%dP%d.%s,S=%d,W=%d:2," % (ts, n, pid, host, size, vsize)
            dest = os.path.join(folder, "cur", name)
            if not os.path.exists(dest):
                break
            n += 100000
        tmp = os.path.join(folder, "tmp", name.split(":")[0])
        with open(tmp, "wb") as f:
            f.write(raw)
        os.utime(tmp, (ts, ts))
        if owner:
            os.chown(tmp, *owner)
        os.rename(tmp, dest)
        print("%d %s %s" % (ts, name, path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
