#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Integration test of the read-only IMAP sync against a private Dovecot on
# 127.0.0.1 (IMAPS with a test CA, plaintext + STARTTLS): a generated
# mailbox of 64 messages in three folders (tests/data/sync/gen.py), then
# `redflagd --once` and `redflag report --json` must give exactly the
# expected per-client counts; no flag may change; a second run fetches
# nothing; STARTTLS gives the same result without doubles; a certificate the
# CA did not sign is refused before any LOGIN; a UIDVALIDITY change doubles
# nothing; a wrong password names its account and the other account still
# syncs.

. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib/servers.sh"
trap rf_cleanup EXIT

command -v dovecot >/dev/null 2>&1 || rf_skip_all "dovecot is not installed"
command -v doveadm >/dev/null 2>&1 || rf_skip_all "doveadm is not installed"
command -v openssl >/dev/null 2>&1 || rf_skip_all "openssl is not installed"
[ -x "$RF_REDFLAGD" ] || rf_skip_all "redflagd is not built ($RF_REDFLAGD)"
[ -x "$RF_REDFLAG" ] || rf_skip_all "redflag is not built ($RF_REDFLAG)"

rf_plan 22

REDFLAGD_NOW=2026-11-20T17:00:00+01:00
export REDFLAGD_NOW

rf_tmpdir
D=$RF_TMP
FOLDERS="INBOX Clients/acme .Envoy&AOk-s"

# --- the mailbox ----------------------------------------------------------
"$RF_PYTHON" "$RF_SRCDIR/tests/data/sync/gen.py" "$D/gen" > "$D/expected.json" ||
        rf_bail "tests/data/sync/gen.py failed"
files=$(rf_json "$D/expected.json" 'j["files"]')
rf_maildir_add "$D" INBOX "$D"/gen/INBOX/*.eml &&
        rf_maildir_add "$D" Clients/acme "$D"/gen/Clients.acme/*.eml &&
        rf_maildir_add "$D" ".Envoy&AOk-s" "$D"/gen/Envoy\&AOk-s/*.eml ||
        rf_bail "cannot fill the Maildir"
loaded=$(find "$D/home/$RF_IMAP_USER/Maildir" -path '*/cur/*' -type f | wc -l | tr -d ' ')
[ "$files" -ge 60 ] && [ "$loaded" -eq "$files" ]
rf_ok $? "mailbox of $loaded messages (>= 60) in INBOX, Clients.acme and Envoyés"

rf_dovecot_start "$D" || rf_bail "Dovecot did not start"
rf_dovecot_index "$D" || rf_bail "doveadm index failed"
IMAPS_PORT=$RF_IMAPS_PORT
IMAP_PORT=$RF_IMAP_PORT

# --- helpers ----------------------------------------------------------------
# counts FILE: the figures the test checks, from a report (or the expected
# JSON of gen.py), as one canonical line.
counts() {
        rf_json "$1" 'json.dumps({"clients": {c["id"]: [c["messages_7d"], c["messages_30d"]] for c in j["clients"]}
                if isinstance(j["clients"], list) else
                {k: [v["messages_7d"], v["messages_30d"]] for k, v in j["clients"].items()}}, sort_keys=True)'
}
totals() {
        rf_json "$1" 'json.dumps([j["owner_messages_30d"], j["unknown_messages_30d"], j["automated_messages_30d"]])'
}
report() { # report CONF OUT
        rf_redflag -c "$1" report --json > "$2"
}
all_flags() {
        for f in $FOLDERS; do
                echo "== $f"
                rf_dovecot_flags "$D" "$f"
        done
}
# folder_lines LOG ACCOUNT: the sync's per-folder lines of ACCOUNT in LOG.
folder_lines() {
        grep -E "account '$2': folder '[^']*': [0-9]+ new messages \([0-9]+ already known\)" "$1"
}
# sum_field LINES N: sum of the N-th number ("new" = 1, "known" = 2).
sum_new() { sed -n 's/.*: \([0-9][0-9]*\) new messages (\([0-9][0-9]*\) already known).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'; }
sum_known() { sed -n 's/.*: \([0-9][0-9]*\) new messages (\([0-9][0-9]*\) already known).*/\2/p' | awk '{ s += $1 } END { print s + 0 }'; }

want_counts=$(counts "$D/expected.json")
want_totals=$(totals "$D/expected.json")
all_flags > "$D/flags.before"

# --- first sync over IMAPS ------------------------------------------------------
rf_write_config "$D" smtp=none "folders=INBOX, Clients/*, Envoyés" || rf_bail "rf_write_config failed"
"$RF_PYTHON" "$RF_SRCDIR/tests/data/sync/gen.py" --clients >> "$RF_CONF"
CONF=$RF_CONF

RF_LOG=$D/run1.log rf_redflagd -c "$CONF" --once
rf_ok $? "redflagd --once over IMAPS with the test CA exits 0" || rf_diag_file "$D/run1.log"
report "$CONF" "$D/report1.json"
rf_is "$(counts "$D/report1.json")" "$want_counts" "per-client messages_7d/messages_30d are exact"
rf_is "$(totals "$D/report1.json")" "$want_totals" "owner/unknown/automated messages_30d are exact"
all_flags > "$D/flags.after1"
cmp -s "$D/flags.before" "$D/flags.after1"
rf_ok $? "no flag changed on the server" || diff "$D/flags.before" "$D/flags.after1" | sed 's/^/#   /'
n_seen=$(grep -c 'Seen' "$D/flags.after1")
rf_is "$n_seen" 0 "no message was marked \\Seen"

# --- second run: nothing new -------------------------------------------------
RF_LOG=$D/run2.log rf_redflagd -c "$CONF" --once
rf_ok $? "second redflagd --once exits 0" || rf_diag_file "$D/run2.log"
lines=$(folder_lines "$D/run2.log" work)
rf_is "$(printf '%s\n' "$lines" | grep -c ': 0 new messages (0 already known)')" 3 \
        "second run fetches 0 messages in each of the 3 folders" || rf_diag_file "$D/run2.log"

# --- STARTTLS on the plaintext port, same database, another account name -------
sed -e "s|^url = imaps://localhost:$IMAPS_PORT\$|url = imap://localhost:$IMAP_PORT|" \
        -e 's|^\[account "work"\]|[account "plain"]|' "$CONF" > "$D/starttls.conf"
chmod 600 "$D/starttls.conf"
RF_LOG=$D/starttls.log rf_redflagd -c "$D/starttls.conf" --once
rf_ok $? "redflagd --once over imap:// + STARTTLS exits 0" || rf_diag_file "$D/starttls.log"
lines=$(folder_lines "$D/starttls.log" plain)
rf_is "$(printf '%s\n' "$lines" | sum_new)/$(printf '%s\n' "$lines" | sum_known)" "0/$files" \
        "STARTTLS fetched all $files messages, every one already known" || rf_diag_file "$D/starttls.log"
report "$CONF" "$D/report2.json"
rf_is "$(counts "$D/report2.json") $(totals "$D/report2.json")" "$want_counts $want_totals" \
        "same counts after the STARTTLS sync (no doubles)"

# --- a server certificate the CA did not sign ----------------------------------
rf_dovecot_stop "$D"
rf_dovecot_start "$D" rogue || rf_bail "rogue Dovecot did not start"
log_before=$(wc -l < "$D/dovecot.log")
RF_LOG=$D/rogue.log rf_redflagd -c "$CONF" --once
rc=$?
[ "$rc" -ne 0 ]
rf_ok $? "the rogue certificate makes redflagd --once fail (exit $rc)"
rf_like "$(cat "$D/rogue.log")" "server certificate for 'localhost' is not trusted: .*issuer is unknown" \
        "the error names the certificate problem"
# Dovecot logs the disconnection once it notices it: wait for that line.
i=0
while [ "$i" -lt 50 ]; do
        tail -n +"$((log_before + 1))" "$D/dovecot.log" > "$D/rogue-dovecot.log"
        grep -q 'no auth attempts' "$D/rogue-dovecot.log" && break
        sleep 0.1
        i=$((i + 1))
done
! grep -Eq 'Login:|auth failed|Authentication failure|Password mismatch|unknown user' "$D/rogue-dovecot.log" &&
        grep -q 'no auth attempts' "$D/rogue-dovecot.log"
rf_ok $? "no LOGIN reached the rogue server" || rf_diag_file "$D/rogue-dovecot.log"
rf_dovecot_stop "$D"
rf_dovecot_start "$D" || rf_bail "Dovecot did not restart"

# --- UIDVALIDITY change -----------------------------------------------------------
rf_dovecot_uidvalidity "$D" INBOX 4242 && rf_dovecot_uidvalidity "$D" Clients/acme 4343 ||
        rf_bail "doveadm mailbox update failed"
RF_LOG=$D/uidv.log rf_redflagd -c "$CONF" --once
rf_ok $? "redflagd --once after a UIDVALIDITY change exits 0" || rf_diag_file "$D/uidv.log"
lines=$(folder_lines "$D/uidv.log" work)
n_changed=$(grep -c "UIDVALIDITY changed" "$D/uidv.log")
rf_is "$n_changed $(printf '%s\n' "$lines" | sum_new)" "2 0" \
        "both changes noticed, the folders resynchronised, nothing stored twice" || rf_diag_file "$D/uidv.log"
report "$CONF" "$D/report3.json"
rf_is "$(counts "$D/report3.json") $(totals "$D/report3.json")" "$want_counts $want_totals" \
        "same counts after the UIDVALIDITY change"

# --- a wrong password on one account, a good one next to it ----------------------
(umask 077 && echo 'wrong-password' > "$D/bad.pass")
awk -v bad="$D/bad.pass" -v url="imaps://localhost:$IMAPS_PORT" -v ca="$D/ca.pem" '
        /^\[account "work"\]/ {
                print "[account \"bad\"]"; print "url = " url; print "tls = required"
                print "ca_file = " ca; print "username = tester"; print "password_file = " bad
                print "folders = INBOX"; print ""
        }
        /^database = / { print "database = '"$D"'/pw.db"; next }
        { print }' "$CONF" > "$D/pw.conf"
chmod 600 "$D/pw.conf"
RF_LOG=$D/pw.log rf_redflagd -c "$D/pw.conf" --once
rc=$?
[ "$rc" -ne 0 ]
rf_ok $? "a wrong password makes redflagd --once fail (exit $rc)"
rf_like "$(cat "$D/pw.log")" "account 'bad'.*login refused for 'tester'.*AUTHENTICATIONFAILED" \
        "the error names the account and the server's answer" || rf_diag_file "$D/pw.log"
report "$D/pw.conf" "$D/report4.json"
rf_is "$(counts "$D/report4.json") $(totals "$D/report4.json")" "$want_counts $want_totals" \
        "the good account of the same configuration still synced every message"
! grep -qF -e 'wrong-password' -e "$RF_IMAP_PASS" "$D"/run1.log "$D"/run2.log "$D"/starttls.log \
        "$D"/rogue.log "$D"/uidv.log "$D"/pw.log
rf_ok $? "no password appears in any log"

all_flags > "$D/flags.after"
cmp -s "$D/flags.before" "$D/flags.after"
rf_ok $? "still no flag changed after every run" || diff "$D/flags.before" "$D/flags.after" | sed 's/^/#   /'

rf_done
