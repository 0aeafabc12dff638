#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate the fixed-date "Pipeline" scenario of the redflagd tests and demo.

Usage: gen-scenario.py [--out DIR] [--expected]

Writes DIR (default: tests/data/scenario next to this file's tests/ dir):
    INBOX/NNN-what.eml          messages for the INBOX
    Clients.acme/NNN-what.eml   messages for the folder "Clients/acme"
    extra/calm-abuse.eml        a later abusive message of the "calm" client
                                (the fault-path test adds it after the first run)
    expected.json               what redflagd must find (also printed by --expected)
    clients.conf                the [client] sections the scenario is meant for
Python 3 standard library only; deterministic (same bytes on every run).

"Now" is 2026-11-20T17:00:00+01:00, a Friday (REDFLAGD_NOW). The owner is
Marie Dupont <marie@studio.example> (also contact@studio.example), business
hours mon-fri 09:00-18:00 Europe/Paris.

EXPECTED OUTCOME (redflagd --once, then redflag report):
  * acme (ACME SARL, *@acme.example, meetings tue 10:00-11:00, thu 14:00-15:30
    Europe/Paris) -> RED. 16 messages in the last 7 days (VOLUME red, and a
    burst against its own 8-week median), 13 of them outside the meeting
    windows (OUT_OF_WINDOW red), 12 nights/weekend (AFTER_HOURS red), French,
    mostly negative ("toujours pas de nouvelles, c'est inadmissible", "je
    m'attendais à mieux": NEGATIVE_TONE red, FEEDBACK_IMBALANCE) and pressing
    ("je relance encore", "pour demain dernier délai", "urgent": PRESSURE),
    plus doubt ("vous êtes sûr") and a price dispute ("trop cher": PAYMENT),
    but no insult (no ABUSE). One message is filed in both folders (same
    Message-ID: counted once) and one automated notice from
    billing@acme.example (Auto-Submitted) must not count.
  * brutal (*@brutal.example, no meetings) -> RED through ABUSE: one message
    of three calls the team "incompetent" and the work "useless crap" from
    "idiots". English, Date headers in -0500.
  * calm (*@calm.example, meetings mon 09:00-12:00, wed 09:00-12:00) -> NONE:
    calm, positive, inside its windows ("Thanks a lot, great work", "merci
    beaucoup, parfait"); two replies carry angry words ONLY in the quoted
    part ("> this is unacceptable", "Le ... a écrit :" + "> ... inadmissible"),
    which must be removed before scoring.
  * paul@prospect.example is not a client (unknown_messages_30d).
  * automated, never counted for a client: a newsletter (List-Id, Precedence:
    bulk), a bounce from MAILER-DAEMON, the acme billing notice.
  * owner-sent messages (From the owner's addresses): owner_messages_30d.
  * extra/calm-abuse.eml ("useless idiots") turns calm RED through ABUSE.
Encodings used: 8bit UTF-8, quoted-printable ISO-8859-1 (French),
base64 UTF-8, RFC 2047 subjects, and one HTML-only message (with a quoted
<blockquote>). Every message has a Date: and a Message-ID:.
"""

import base64
import datetime
import email.utils
import json
import os
import quopri
import sys
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime.datetime(2026, 11, 20, 17, 0, 0, tzinfo=PARIS)
NOW_RFC3339 = "2026-11-20T17:00:00+01:00"

OWNER = "Marie Dupont <marie@studio.example>"
OWNER2 = "Studio Dupont <contact@studio.example>"
JEAN = "Jean Martin <jean@acme.example>"
SOPHIE = "=?UTF-8?Q?Sophie_B=C3=A9renger?= <sophie@acme.example>"
RICK = "Rick Stone <rick@brutal.example>"
ALICE = "Alice Green <alice@calm.example>"
PAUL = "Paul Leroy <paul@prospect.example>"

# Meeting windows (weekday 0=Mon, start, end in minutes) in Europe/Paris.
WINDOWS = {
    "acme": [(1, 10 * 60, 11 * 60), (3, 14 * 60, 15 * 60 + 30)],
    "calm": [(0, 9 * 60, 12 * 60), (2, 9 * 60, 12 * 60)],
    "brutal": None,
}
BUSINESS = [(d, 9 * 60, 18 * 60) for d in range(5)]

CLIENTS_CONF = """\
[client "acme"]
name = ACME SARL
addresses = *@acme.example
meetings = tue 10:00-11:00, thu 14:00-15:30
timezone = Europe/Paris

[client "brutal"]
name = Brutal Corp
addresses = *@brutal.example
timezone = America/New_York

[client "calm"]
name = Calm Ltd
addresses = *@calm.example
meetings = mon 09:00-12:00, wed 09:00-12:00
timezone = Europe/Paris
"""


def paris(month, day, hour, minute, year=2026):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def in_windows(dt, windows):
    local = dt.astimezone(PARIS)
    minute = local.hour * 60 + local.minute
    return any(local.weekday() == d and s <= minute < e for d, s, e in windows)


class Msg:
    """One message of the scenario."""

    def __init__(self, key, folder, sender, when, subject, body, *, kind,
                 client=None, encoding="8bit", charset="utf-8", html=False,
                 to=OWNER, extra_headers=(), tz=PARIS, msgid=None, also_in=None,
                 raw_body=None, content_type=None):
        self.key = key
        self.folder = folder
        self.sender = sender
        self.when = when
        self.subject = subject
        self.body = body
        self.kind = kind          # client | owner | unknown | automated
        self.client = client
        self.encoding = encoding  # 8bit | quoted-printable | base64
        self.charset = charset
        self.html = html
        self.to = to
        self.extra_headers = list(extra_headers)
        self.tz = tz
        self.msgid = msgid or "<%s.%s@scenario.redflagd.test>" % (
            key, when.astimezone(datetime.timezone.utc).strftime("%Y%m%d%H%M"))
        self.also_in = also_in
        self.raw_body = raw_body
        self.content_type = content_type

    def header_subject(self):
        try:
            self.subject.encode("ascii")
            return self.subject
        except UnicodeEncodeError:
            # RFC 2047 (B for ISO-8859-1 subjects, Q for UTF-8 ones).
            if self.charset.lower() == "iso-8859-1":
                return "=?ISO-8859-1?B?%s?=" % base64.b64encode(
                    self.subject.encode("iso-8859-1")).decode()
            return "=?UTF-8?Q?%s?=" % "".join(
                c if c.isalnum() and c.isascii() else
                ("_" if c == " " else "".join("=%02X" % b for b in c.encode("utf-8")))
                for c in self.subject)

    def render(self):
        date = email.utils.format_datetime(self.when.astimezone(self.tz))
        lines = [
            "Return-Path: <%s>" % email.utils.parseaddr(self.sender)[1]
            if "MAILER-DAEMON" not in self.sender else "Return-Path: <>",
            "Received: from mx.scenario.test (mx.scenario.test [192.0.2.25])\n"
            "\tby imap.studio.example with ESMTPS; %s" % date,
            "Date: %s" % date,
            "From: %s" % self.sender,
            "To: %s" % self.to,
            "Subject: %s" % self.header_subject(),
            "Message-ID: %s" % self.msgid,
        ]
        lines += self.extra_headers
        if self.raw_body is not None:
            lines += ["MIME-Version: 1.0", "Content-Type: %s" % self.content_type]
            return ("\n".join(lines) + "\n\n" + self.raw_body).encode("utf-8")
        ctype = "text/html" if self.html else "text/plain"
        lines += [
            "MIME-Version: 1.0",
            "Content-Type: %s; charset=%s" % (ctype, self.charset),
            "Content-Transfer-Encoding: %s" % self.encoding,
        ]
        data = self.body.encode(self.charset)
        if self.encoding == "quoted-printable":
            payload = quopri.encodestring(data).decode("ascii")
        elif self.encoding == "base64":
            payload = base64.encodebytes(data).decode("ascii")
        else:
            payload = data.decode(self.charset)
        if not payload.endswith("\n"):
            payload += "\n"
        head = "\n".join(lines) + "\n\n"
        return head.encode("ascii") + payload.encode(self.charset if self.encoding == "8bit" else "ascii")


def build():
    m = []
    A = "Clients/acme"

    def acme(key, when, subject, body, sender=JEAN, folder=A, **kw):
        m.append(Msg(key, folder, sender, when, subject, body, kind="client", client="acme", **kw))

    # --- acme: older history (for the 8-week median) -------------------------
    acme("acme-h01", paris(9, 24, 10, 20), "Lancement du projet",
         "Bonjour Marie,\n\nComme convenu, voici le cahier des charges du site.\n\nCordialement,\nJean\n")
    acme("acme-h02", paris(9, 29, 10, 40), "Planning",
         "Bonjour,\n\nPouvez-vous nous envoyer le planning ?\n\nCordialement,\nJean\n")
    acme("acme-h03", paris(10, 1, 14, 30), "Réunion de cadrage",
         "Bonjour,\n\nMerci pour la réunion, c'était clair.\n\nJean\n",
         encoding="quoted-printable", charset="iso-8859-1")
    acme("acme-h04", paris(10, 8, 15, 0), "Maquettes",
         "Bonjour,\n\nLes premières maquettes arrivent quand ?\n\nJean\n")
    acme("acme-h05", paris(10, 13, 10, 15), "Contenus",
         "Bonjour,\n\nVous trouverez les textes en pièce jointe la semaine prochaine.\n\nJean\n")
    acme("acme-h06", paris(10, 15, 14, 45), "Re: Maquettes",
         "Bonjour,\n\nC'est un peu lent. Nous attendons la suite.\n\nJean\n")
    # --- acme: 30 days but not 7 days -----------------------------------------
    acme("acme-m01", paris(10, 22, 14, 30), "Éléments demandés",
         "Bonjour,\n\nVoici les éléments demandés.\n\nCordialement,\nJean\n",
         encoding="quoted-printable", charset="iso-8859-1")
    acme("acme-m02", paris(10, 28, 16, 0), "Devis",
         "Bonjour,\n\nLe devis est trop cher. Vous êtes sûr du chiffrage ?\n"
         "Franchement, c'est décevant.\n\nJean\n",
         encoding="quoted-printable", charset="iso-8859-1")
    acme("acme-m03", paris(11, 3, 10, 30), "Maquette",
         "Bonjour,\n\nNous avons besoin de la maquette rapidement. Toujours pas de nouvelles.\n\nJean\n")
    acme("acme-m04", paris(11, 5, 14, 15), "Présentation",
         "Bonjour,\n\nMerci pour la présentation, quelques remarques à suivre.\n\nJean\n")
    acme("acme-m05", paris(11, 9, 11, 0), "Planning révisé",
         "Bonjour,\n\nPouvez-vous nous envoyer le planning révisé ?\n\nSophie\n", sender=SOPHIE)
    # --- acme: the last 7 days (16 distinct messages) -------------------------
    acme("acme-w01", paris(11, 14, 0, 40), "Toujours rien",
         "Bonsoir,\n\nToujours pas de nouvelles du devis, c'est inadmissible.\n\nJean\n",
         encoding="quoted-printable", charset="iso-8859-1")
    acme("acme-w02", paris(11, 14, 10, 15), "Relance maquette",
         "Bonjour,\n\nJe relance encore : où en est la maquette ? C'est pénible d'attendre.\n\nJean\n")
    acme("acme-w03", paris(11, 14, 23, 5), "Déçu",
         "Je m'attendais à mieux, franchement. C'est très décevant.\n"
         "Pour lundi dernier délai.\n\nJean\n",
         encoding="base64")
    acme("acme-w04", paris(11, 15, 19, 30), "Couleurs",
         "Bonjour,\n\nVous êtes sûr de votre choix de couleurs ? Ça ne va pas du tout, "
         "c'est raté.\n\nSophie\n", sender=SOPHIE, encoding="quoted-printable", charset="iso-8859-1")
    acme("acme-w05", paris(11, 16, 7, 45), "URGENT version corrigée",
         "Urgent : il nous faut la version corrigée pour demain dernier délai.\n"
         "C'est vraiment décevant.\n\nJean\n")
    acme("acme-w06", paris(11, 16, 12, 20), "Toujours rien reçu",
         "Bonjour,\n\nToujours rien reçu. C'est très décevant et inadmissible.\n\nJean\n",
         encoding="quoted-printable", charset="iso-8859-1")
    acme("acme-w07", paris(11, 16, 22, 10), "Re: Toujours rien reçu",
         "Je relance encore une fois. C'est inadmissible d'attendre autant.\n\nJean\n\n"
         "Le lun. 16 nov. 2026 à 12:40, Marie Dupont <marie@studio.example> a écrit :\n"
         "> Bonjour Jean, la version arrive demain matin. Merci de votre patience !\n",
         folder="INBOX")
    acme("acme-w08", paris(11, 17, 10, 20), "Compte rendu de réunion",
         "Bonjour,\n\nSuite à la réunion, nous ne sommes pas satisfaits du résultat. "
         "C'est décevant.\n\nJean\n", encoding="base64")
    acme("acme-w09", paris(11, 17, 10, 50), "Points à corriger",
         "Bonjour,\n\nComme dit en réunion, merci de corriger les points listés.\n\nSophie\n",
         sender=SOPHIE)
    acme("acme-w10", paris(11, 17, 20, 30), "Dernier délai",
         "Pour demain dernier délai, sinon nous arrêtons là. C'est inadmissible.\n\nJean\n",
         encoding="quoted-printable", charset="iso-8859-1")
    acme("acme-w11", paris(11, 18, 6, 55), "Nouvelle version ?",
         None, html=True)
    acme("acme-w12", paris(11, 18, 21, 15), "Très déçu",
         "Je m'attendais à mieux pour ce prix. Très déçu, c'est lamentable.\n\nJean\n"
         "-- \nJean Martin\nDirecteur, ACME SARL\n", encoding="base64")
    acme("acme-w13", paris(11, 19, 14, 40), "Point du jour",
         "Bonjour,\n\nPoint du jour : le logo ne convient toujours pas. C'est décevant.\n\nSophie\n",
         sender=SOPHIE, encoding="quoted-printable", charset="iso-8859-1")
    acme("acme-w14", paris(11, 19, 18, 45), "Facture corrigée",
         "Je relance : nous attendons toujours la facture corrigée. Au plus vite. "
         "C'est lamentable.\n\nJean\n", folder="INBOX", also_in=A)
    acme("acme-w15", paris(11, 19, 23, 50), "Toujours pas de nouvelles",
         "Toujours pas de nouvelles, c'est inadmissible. Pour demain matin dernier délai.\n\nJean\n",
         encoding="quoted-printable", charset="iso-8859-1")
    acme("acme-w16", paris(11, 20, 8, 10), "URGENT !!!",
         "URGENT !!! Toujours rien, c'est inadmissible. Il nous faut ça pour ce soir.\n\nJean\n",
         folder="INBOX")
    # HTML-only body of acme-w11 (with a quoted older message that must be dropped).
    for x in m:
        if x.key == "acme-w11":
            x.body = (
                "<html><head><style>p { color: #333; }</style></head><body>\n"
                "<p>Bonjour,</p>\n"
                "<p>C&#39;est inacceptable : <b>toujours pas de nouvelles</b> de la "
                "nouvelle version. Je relance encore.</p>\n"
                "<p>Jean</p>\n"
                "<blockquote type=\"cite\"><p>Merci beaucoup, parfait, bravo "
                "pour votre travail !</p></blockquote>\n"
                "</body></html>\n")
            x.encoding = "quoted-printable"
    # Automated notice from the client's domain: never counted for acme.
    m.append(Msg("acme-billing", "INBOX", "ACME Facturation <billing@acme.example>",
                 paris(11, 18, 3, 0), "Avis de paiement automatique",
                 "Ceci est un message automatique. Paiement en retard : facture 2026-117.\n",
                 kind="automated", extra_headers=["Auto-Submitted: auto-generated"]))

    # --- owner-sent -----------------------------------------------------------
    def owner(key, when, subject, body, folder=A, sender=OWNER, to=JEAN):
        m.append(Msg(key, folder, sender, when, subject, body, kind="owner", to=to))

    owner("owner-01", paris(11, 10, 9, 30), "Planning révisé",
          "Bonjour Sophie,\n\nVoici le planning révisé.\n\nBien cordialement,\nMarie\n")
    owner("owner-02", paris(11, 16, 12, 40), "Re: Toujours rien reçu",
          "Bonjour Jean,\n\nLa version arrive demain matin. Merci de votre patience !\n\nMarie\n")
    owner("owner-03", paris(11, 17, 18, 2), "Re: Compte rendu de réunion",
          "Bonjour Jean,\n\nJe vous envoie les corrections jeudi.\n\nMarie\n")
    owner("owner-04", paris(11, 18, 9, 5), "Re: Quick question", "Hi Alice,\n\nSure, done.\n\nMarie\n",
          folder="INBOX", sender=OWNER2, to=ALICE)

    # --- brutal ---------------------------------------------------------------
    def brutal(key, when, subject, body, **kw):
        m.append(Msg(key, "INBOX", RICK, when, subject, body, kind="client", client="brutal",
                     tz=NEW_YORK, **kw))

    brutal("brutal-01", paris(11, 12, 11, 0), "Invoice",
           "Hi,\n\nPlease send the invoice for October.\n\nRick\n")
    brutal("brutal-02", paris(11, 16, 15, 0), "Report",
           "Where is the report? I asked for it last week.\n\nRick\n")
    brutal("brutal-03", paris(11, 18, 16, 30), "The report",
           "Your team is incompetent. This report is useless crap and you are idiots.\n\n"
           "Rick\n\nSent from my iPhone\n", encoding="base64")

    # --- calm -----------------------------------------------------------------
    def calm(key, when, subject, body, **kw):
        m.append(Msg(key, "INBOX", ALICE, when, subject, body, kind="client", client="calm", **kw))

    calm("calm-01", paris(10, 26, 10, 0), "First draft",
         "Hi Marie,\n\nThanks a lot, great work on the first draft.\n\nAlice\n")
    calm("calm-02", paris(11, 4, 9, 30), "Validation",
         "Bonjour Marie,\n\nMerci beaucoup, parfait. On valide.\n\nAlice\n",
         encoding="quoted-printable", charset="iso-8859-1")
    calm("calm-03", paris(11, 9, 11, 15), "New layout",
         "Hi,\n\nThanks, the new layout looks great.\n\nAlice\n")
    calm("calm-04", paris(11, 16, 10, 5), "Envoi reçu",
         "Bonjour,\n\nMerci beaucoup pour l'envoi, tout est parfait.\n\nAlice\n",
         encoding="base64")
    calm("calm-05", paris(11, 18, 9, 40), "Re: Complaint from the other vendor",
         "Sounds good, thanks for the quick fix! Great work.\n\nAlice\n\n"
         "On Tue, 17 Nov 2026 at 18:20, Marie Dupont <marie@studio.example> wrote:\n"
         "> The previous vendor wrote: this is unacceptable, terrible and useless.\n"
         "> I fixed the page anyway.\n")
    calm("calm-06", paris(11, 18, 11, 30), "Re: Retour du comité",
         "Parfait, merci beaucoup !\n\nAlice\n\n"
         "Le mar. 17 nov. 2026 à 18:30, Marie Dupont <marie@studio.example> a écrit :\n"
         "> Le comité trouvait l'ancienne version inadmissible et nulle,\n"
         "> c'est inacceptable selon eux. Je l'ai reprise.\n",
         encoding="quoted-printable", charset="iso-8859-1")

    # --- unknown sender -------------------------------------------------------
    m.append(Msg("unknown-01", "INBOX", PAUL, paris(11, 11, 15, 20), "Demande de devis",
                 "Bonjour,\n\nJe souhaiterais un devis pour un site vitrine.\n\nPaul Leroy\n",
                 kind="unknown"))
    m.append(Msg("unknown-02", "INBOX", PAUL, paris(11, 19, 9, 10), "Re: Demande de devis",
                 "Bonjour,\n\nAvez-vous pu regarder ma demande ? Merci.\n\nPaul\n",
                 kind="unknown"))

    # --- automated ------------------------------------------------------------
    news_boundary = "=_news_2026_11"
    m.append(Msg(
        "newsletter", "INBOX", "Design Weekly <news@designweekly.example>", paris(11, 17, 7, 0),
        "Design Weekly #212", None, kind="automated",
        extra_headers=["List-Id: Design Weekly <weekly.designweekly.example>",
                       "List-Unsubscribe: <mailto:unsubscribe@designweekly.example>",
                       "Precedence: bulk"],
        content_type='multipart/alternative; boundary="%s"' % news_boundary,
        raw_body=(
            "--%s\nContent-Type: text/plain; charset=utf-8\n\n"
            "This week: the worst, most useless logos of the year. Urgent: last chance!\n"
            "--%s\nContent-Type: text/html; charset=utf-8\n\n"
            "<p>This week: the <b>worst</b>, most useless logos of the year.</p>\n"
            "--%s--\n" % (news_boundary, news_boundary, news_boundary))))
    bounce_boundary = "=_bounce_2026_11"
    m.append(Msg(
        "bounce", "INBOX", "Mail Delivery System <MAILER-DAEMON@studio.example>",
        paris(11, 19, 3, 12), "Undelivered Mail Returned to Sender", None, kind="automated",
        extra_headers=["Auto-Submitted: auto-replied"],
        content_type='multipart/report; report-type=delivery-status; boundary="%s"'
        % bounce_boundary,
        raw_body=(
            "--%s\nContent-Type: text/plain; charset=us-ascii\n\n"
            "This is the mail system. Your message could not be delivered: unacceptable recipient.\n\n"
            "--%s\nContent-Type: message/delivery-status\n\n"
            "Reporting-MTA: dns; mx.studio.example\n\n"
            "Final-Recipient: rfc822; old@prospect.example\nAction: failed\nStatus: 5.1.1\n\n"
            "--%s--\n" % (bounce_boundary, bounce_boundary, bounce_boundary))))
    return m


def extra_calm_abuse():
    return Msg("calm-abuse", "INBOX", ALICE, paris(11, 20, 16, 30), "Seriously?",
               "You guys are useless idiots. What a crap job.\n\nAlice\n",
               kind="client", client="calm")


def expected(msgs):
    week = NOW - datetime.timedelta(days=7)
    month = NOW - datetime.timedelta(days=30)
    seen = set()
    out = {
        "now": NOW_RFC3339,
        "owner_messages_30d": 0,
        "unknown_messages_30d": 0,
        "automated_messages_30d": 0,
        "files": {"INBOX": 0, "Clients/acme": 0},
        "distinct_messages": 0,
        "clients": {},
    }
    clients = {
        "acme": {"level": "red", "symbols_required": ["VOLUME", "OUT_OF_WINDOW", "NEGATIVE_TONE"],
                 "symbols_likely": ["AFTER_HOURS", "PRESSURE", "FEEDBACK_IMBALANCE", "DOUBT", "PAYMENT"],
                 "symbols_absent": ["ABUSE"]},
        "brutal": {"level": "red", "symbols_required": ["ABUSE"], "symbols_likely": []},
        "calm": {"level": "none", "symbols_required": [], "symbols_likely": []},
    }
    for cid, c in clients.items():
        c.update(messages_7d=0, messages_30d=0, out_of_window_7d=0, after_hours_7d=0)
        out["clients"][cid] = c
    for x in msgs:
        out["files"][x.folder] += 1
        if x.also_in:
            out["files"][x.also_in] += 1
        if x.msgid in seen:
            continue
        seen.add(x.msgid)
        out["distinct_messages"] += 1
        if x.when > NOW:
            continue
        in30 = x.when > month
        in7 = x.when > week
        if x.kind == "client":
            c = out["clients"][x.client]
            c["messages_30d"] += in30
            c["messages_7d"] += in7
            if in7 and WINDOWS[x.client] is not None and not in_windows(x.when, WINDOWS[x.client]):
                c["out_of_window_7d"] += 1
            if in7 and not in_windows(x.when, BUSINESS):
                c["after_hours_7d"] += 1
        elif in30:
            out[x.kind + "_messages_30d"] += 1
    return out


def write_all(outdir):
    msgs = build()
    dirs = {"INBOX": "INBOX", "Clients/acme": "Clients.acme"}
    order = sorted(msgs, key=lambda x: (x.when, x.key))
    for d in list(dirs.values()) + ["extra"]:
        path = os.path.join(outdir, d)
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            if name.endswith(".eml"):
                os.unlink(os.path.join(path, name))
    for n, x in enumerate(order, 1):
        data = x.render()
        for folder in [x.folder] + ([x.also_in] if x.also_in else []):
            with open(os.path.join(outdir, dirs[folder], "%03d-%s.eml" % (n, x.key)), "wb") as f:
                f.write(data)
    with open(os.path.join(outdir, "extra", "calm-abuse.eml"), "wb") as f:
        f.write(extra_calm_abuse().render())
    exp = expected(msgs)
    after = expected(msgs + [extra_calm_abuse()])
    exp["after_calm_abuse"] = {
        "calm": {"level": "red", "symbols_required": ["ABUSE"],
                 "messages_7d": after["clients"]["calm"]["messages_7d"],
                 "messages_30d": after["clients"]["calm"]["messages_30d"]}}
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(exp, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(outdir, "clients.conf"), "w") as f:
        f.write(CLIENTS_CONF)
    return exp


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = os.path.join(here, "..", "data", "scenario")
    show = False
    i = 0
    while i < len(argv):
        if argv[i] == "--out" and i + 1 < len(argv):
            outdir = argv[i + 1]
            i += 1
        elif argv[i] == "--expected":
            show = True
        else:
            sys.stderr.write("usage: gen-scenario.py [--out DIR] [--expected]\n")
            return 2
        i += 1
    exp = write_all(os.path.normpath(outdir))
    if show:
        json.dump(exp, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
