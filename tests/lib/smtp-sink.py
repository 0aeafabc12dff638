#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A real SMTP server for the redflagd tests (python3-aiosmtpd 1.4.3).

Usage (normally through rf_smtp_start in tests/lib/servers.sh):

    /usr/bin/python3 smtp-sink.py --dir STATE/smtp --cert server.pem \
        --key server.key [--user alerts --password smtp-pass]

Two listeners on 127.0.0.1, ports chosen by the kernel:
  * "starttls": plain SMTP that offers STARTTLS and requires it
    (require_starttls=True); AUTH PLAIN/LOGIN only after STARTTLS.
  * "smtps": implicit TLS (the socket is TLS from the first byte).
Both require AUTH (user/password from the command line).

After both sockets are bound it writes DIR/ports ("starttls PORT" and
"smtps PORT" lines) and then DIR/pid (the pid file is the readiness signal).

Every accepted message is written as DIR/mail/NNNN.eml (the exact DATA bytes)
and DIR/mail/NNNN.json (envelope: mail_from, rcpt_tos, auth_user, listener,
received_at). The .json is written first and the .eml is renamed into place
last, so a reader that sees NNNN.eml also finds its NNNN.json.

Fault injection, checked at the end of DATA of every transaction:
  DIR/fail-451 exists -> "451 4.3.0 ..." (temporary: the client must retry)
  DIR/fail-554 exists -> "554 5.7.1 ..." (permanent)
Every DATA attempt (accepted or refused) is appended to DIR/attempts.log as
one line: "<code> <mail_from> <rcpt,...> <auth_user> <listener> <Message-ID>".
"""

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    """aiosmtpd handler: stores accepted mail, refuses on demand."""

    def __init__(self, state_dir, listener):
        self.state_dir = state_dir
        self.mail_dir = os.path.join(state_dir, "mail")
        self.listener = listener

    def _attempt(self, code, envelope, session):
        content = envelope.original_content or b""
        head = re.split(rb"\r?\n\r?\n", content, maxsplit=1)[0]
        mid = re.search(rb"(?im)^message-id:[ \t]*(?:\r?\n[ \t]+)?(\S+)", head)
        line = "%d %s %s %s %s %s\n" % (
            code,
            envelope.mail_from or "<>",
            ",".join(envelope.rcpt_tos) or "-",
            session.auth_data or "-",
            self.listener,
            mid.group(1).decode("ascii", "replace") if mid else "-",
        )
        with open(os.path.join(self.state_dir, "attempts.log"), "a") as f:
            f.write(line)

    def _next_number(self):
        n = 0
        for name in os.listdir(self.mail_dir):
            stem, ext = os.path.splitext(name)
            if ext in (".eml", ".json") and stem.isdigit():
                n = max(n, int(stem))
        return n + 1

    async def handle_DATA(self, server, session, envelope):
        if os.path.exists(os.path.join(self.state_dir, "fail-451")):
            self._attempt(451, envelope, session)
            return "451 4.3.0 Temporary failure requested by the test (fail-451)"
        if os.path.exists(os.path.join(self.state_dir, "fail-554")):
            self._attempt(554, envelope, session)
            return "554 5.7.1 Message refused by the test (fail-554)"

        # The handler runs in the one loop thread: numbering cannot race.
        n = self._next_number()
        base = os.path.join(self.mail_dir, "%04d" % n)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "auth_user": session.auth_data,
            "listener": self.listener,
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "size": len(envelope.original_content or b""),
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f, indent=1)
            f.write("\n")
        os.rename(base + ".json.tmp", base + ".json")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or b"")
        os.rename(base + ".eml.tmp", base + ".eml")
        self._attempt(250, envelope, session)
        return "250 2.0.0 OK: queued as %04d" % n


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        if not ok:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data.login.decode("utf-8", "replace"))

    return authenticator


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True, help="state directory")
    ap.add_argument("--cert", required=True, help="PEM certificate chain")
    ap.add_argument("--key", required=True, help="PEM private key")
    ap.add_argument("--user", default="alerts")
    ap.add_argument("--password", default="smtp-pass")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="STARTTLS port (0: any)")
    ap.add_argument("--smtps-port", type=int, default=0, help="implicit TLS port (0: any)")
    args = ap.parse_args()

    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # Not interested in aiosmtpd's warning about AUTH without TLS on the
    # implicit-TLS listener (it cannot see that the socket is TLS).
    logging.getLogger("mail.log").setLevel(logging.INFO)

    state = os.path.abspath(args.dir)
    os.makedirs(os.path.join(state, "mail"), exist_ok=True)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2

    authenticator = make_authenticator(args.user, args.password)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def starttls_factory():
        return SMTP(Sink(state, "starttls"), hostname="localhost", tls_context=ctx,
                    require_starttls=True, auth_required=True, auth_require_tls=True,
                    authenticator=authenticator, loop=loop)

    def smtps_factory():
        return SMTP(Sink(state, "smtps"), hostname="localhost",
                    require_starttls=False, auth_required=True, auth_require_tls=False,
                    authenticator=authenticator, loop=loop)

    srv1 = loop.run_until_complete(
        loop.create_server(starttls_factory, host=args.host, port=args.port))
    srv2 = loop.run_until_complete(
        loop.create_server(smtps_factory, host=args.host, port=args.smtps_port, ssl=ctx))
    p1 = srv1.sockets[0].getsockname()[1]
    p2 = srv2.sockets[0].getsockname()[1]

    with open(os.path.join(state, "ports.tmp"), "w") as f:
        f.write("starttls %d\nsmtps %d\n" % (p1, p2))
    os.rename(os.path.join(state, "ports.tmp"), os.path.join(state, "ports"))
    with open(os.path.join(state, "pid.tmp"), "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(os.path.join(state, "pid.tmp"), os.path.join(state, "pid"))
    logging.info("listening: starttls %d smtps %d pid %d", p1, p2, os.getpid())

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    try:
        loop.run_forever()
    finally:
        srv1.close()
        srv2.close()
        loop.run_until_complete(srv1.wait_closed())
        loop.run_until_complete(srv2.wait_closed())
        loop.close()
        try:
            os.unlink(os.path.join(state, "pid"))
        except FileNotFoundError:
            pass
        logging.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
