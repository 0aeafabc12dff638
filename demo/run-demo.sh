#!/bin/sh
# SPDX-License-Identifier: MIT
#
# demo/run-demo.sh - see redflagd at work in one command, on a throwaway
# mail server. Run from the repository root, as root, on Debian 12 (after
# demo/install-deps.sh):
#
#     demo/install-deps.sh && demo/run-demo.sh
#
# It builds redflagd if needed (into ./build-demo), starts a private Dovecot
# IMAP server and a private SMTP server on 127.0.0.1 (its own ports and
# files under /tmp: never the system's Dovecot, never /etc/dovecot), loads
# the example mailbox of tests/data/scenario (four correspondents, dated
# around Friday 20 November 2026, 17:00 Paris time), runs ONE pass of
# redflagd as if it were that Friday, prints `redflag report` and every alert
# email redflagd sent, then stops everything it started.
#
# Environment: DEMO_LANG=fr for alerts in French (default en),
# DEMO_KEEP=1 to keep the temporary files.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build-demo
NOW=2026-11-20T17:00:00+01:00

section() {
        echo
        echo "######################################################################"
        echo "##  $*"
        echo "######################################################################"
        echo
}
say() {
        printf '%s\n' "$*" | fold -s -w 78
}
die() {
        echo "run-demo: $*" >&2
        exit 1
}

# --- 0. prerequisites --------------------------------------------------------------
missing=
for tool in dovecot doveadm openssl autoreconf make cc pkg-config; do
        command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing="$missing python3-aiosmtpd"
if [ -n "$missing" ]; then
        die "missing:$missing. Install the dependencies first: demo/install-deps.sh"
fi

# --- 1. build ----------------------------------------------------------------------
section "1. Building redflagd (into build-demo/, if needed)"
if [ ! -x "$top/configure" ]; then
        say "Generating the build system (autoreconf -fi)..."
        (cd "$top" && autoreconf -fi) >"$top/build-demo.log" 2>&1 ||
                die "autoreconf failed, see $top/build-demo.log"
fi
if [ -f "$top/config.status" ] && [ -f "$top/Makefile" ]; then
        # The source tree itself is configured: configure refuses a second,
        # separate build directory then, so use the tree's own build.
        build=$top
        say "Using the build already configured in $top."
fi
mkdir -p "$build" || die "cannot create $build"
if [ ! -f "$build/Makefile" ]; then
        say "Configuring..."
        (cd "$build" && "$top/configure" -q) >>"$top/build-demo.log" 2>&1 ||
                die "configure failed, see $top/build-demo.log"
fi
say "Compiling (a minute or two the first time)..."
(cd "$build" && make -j"$(nproc 2>/dev/null || echo 2)" redflagd redflag) >>"$top/build-demo.log" 2>&1 ||
        die "the build failed, see $top/build-demo.log"
say "Built: $build/redflagd (the daemon) and $build/redflag (the owner's tool)."

abs_top_srcdir=$top
abs_top_builddir=$build
REDFLAGD_LEXICON_DIR=$top/lexicon
export abs_top_srcdir abs_top_builddir REDFLAGD_LEXICON_DIR
# shellcheck source=tests/lib/servers.sh
. "$top/tests/lib/servers.sh"
[ "${DEMO_KEEP:-0}" = 1 ] && export RF_KEEP=1
trap rf_cleanup EXIT
rf_tmpdir
T=$RF_TMP
SCEN=$top/tests/data/scenario

# --- 2. servers + mail ---------------------------------------------------------------
section "2. Starting a throwaway mail server with example mail"
rf_maildir_add "$T" INBOX "$SCEN"/INBOX/*.eml || die "cannot fill the mailbox"
rf_maildir_add "$T" Clients/acme "$SCEN"/Clients.acme/*.eml || die "cannot fill the mailbox"
rf_dovecot_start "$T" || die "Dovecot did not start (see $T/dovecot.log)"
rf_dovecot_index "$T" >/dev/null 2>&1
rf_smtp_start "$T" || die "the SMTP server did not start (see $T/smtp/sink.log)"
rf_write_config "$T" language="${DEMO_LANG:-en}" || die "cannot write the configuration"
cat "$SCEN/clients.conf" >>"$RF_CONF"

say "IMAP server (Dovecot): imaps://localhost:$RF_IMAPS_PORT, user 'tester'."
say "SMTP server (receives the alerts): smtp://localhost:$RF_SMTP_PORT."
say "The mailbox holds $(find "$SCEN/INBOX" -name "*.eml" | wc -l) messages in INBOX and $(find "$SCEN/Clients.acme" -name "*.eml" | wc -l) in Clients/acme:"
say "  - ACME SARL (acme.example): a client writing far too often, at night and on weekends, unhappy and in a hurry;"
say "  - Brutal Corp (brutal.example): a client who insulted the team once;"
say "  - Calm Ltd (calm.example): a happy client;"
say "  - a prospect who is not a client yet, a newsletter and a bounce (ignored)."
say "The owner is Marie Dupont <marie@studio.example>; her three clients are set up like this:"
echo
sed 's/^/    /' "$SCEN/clients.conf"

# --- 3. one pass -----------------------------------------------------------------------
section "3. Running redflagd once, as if it were Friday 20 November 2026, 17:00"
say "Command: REDFLAGD_NOW=$NOW redflagd -c $RF_CONF --once"
echo
REDFLAGD_NOW=$NOW "$RF_REDFLAGD" -c "$RF_CONF" --once </dev/null >"$T/redflagd.out" 2>&1
rc=$?
sed 's/^/    /' "$T/redflagd.out" | tail -n 40
echo
if [ $rc -eq 0 ]; then
        say "redflagd finished its pass (exit status 0)."
else
        say "redflagd exited with status $rc (see the messages above)."
fi

# --- 4. report ---------------------------------------------------------------------------
section "4. What the owner sees: redflag report"
REDFLAGD_NOW=$NOW "$RF_REDFLAG" -c "$RF_CONF" report </dev/null 2>&1

# --- 5. alerts -----------------------------------------------------------------------------
n=$(rf_smtp_count "$T")
section "5. The alert emails redflagd sent ($n received by the SMTP server)"
if [ "$n" -eq 0 ]; then
        say "No alert email was received."
fi
i=0
for f in $(rf_smtp_messages "$T"); do
        i=$((i + 1))
        echo "---------------------------------------------------------- alert $i of $n"
        rf_mail_show "$f"
done

# --- 6. done -----------------------------------------------------------------------------------
section "6. Cleaning up"
rf_smtp_stop "$T"
rf_dovecot_stop "$T"
say "The private Dovecot and SMTP servers are stopped."
if [ "${DEMO_KEEP:-0}" = 1 ]; then
        say "Files kept in $T (configuration: $RF_CONF)."
else
        say "Their temporary files in $T are removed."
fi
[ $rc -eq 0 ] && [ "$n" -gt 0 ]
