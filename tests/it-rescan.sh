#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Integration test of `redflag rescan` against a private Dovecot on
# 127.0.0.1: a small mailbox is synced with the installed lexicons; then an
# owner lexicon makes a neutral word ("banane") negative, `redflag rescan`
# reads the stored messages' text again over IMAP (bodies are never stored)
# and the message that contains the word is now counted negative in the
# report; no flag changes on the server; --days bounds the window; the old
# lexicon gives the old figures back; a failing account is named, makes the
# command fail, and the other account is still rescanned.

. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib/servers.sh"
trap rf_cleanup EXIT

command -v dovecot >/dev/null 2>&1 || rf_skip_all "dovecot is not installed"
command -v doveadm >/dev/null 2>&1 || rf_skip_all "doveadm is not installed"
command -v openssl >/dev/null 2>&1 || rf_skip_all "openssl is not installed"
[ -x "$RF_REDFLAGD" ] || rf_skip_all "redflagd is not built ($RF_REDFLAGD)"
[ -x "$RF_REDFLAG" ] || rf_skip_all "redflag is not built ($RF_REDFLAG)"

rf_plan 20

REDFLAGD_NOW=2026-11-20T17:00:00+01:00
export REDFLAGD_NOW

rf_tmpdir
D=$RF_TMP
ORIG_LEXICON_DIR=$REDFLAGD_LEXICON_DIR

# --- the mailbox: three neutral messages from the client, a week old --------
mkdir -p "$D/mail"
msg() { # msg FILE DAY SUBJECT BODY
        {
                printf 'From: Jean Martin <jean@acme.example>\r\n'
                printf 'To: Marie Dupont <marie@studio.example>\r\n'
                printf 'Subject: %s\r\n' "$3"
                printf 'Date: %s Nov 2026 10:15:00 +0100\r\n' "$2"
                printf 'Message-ID: <rescan-%s@acme.example>\r\n' "$2"
                printf 'MIME-Version: 1.0\r\n'
                printf 'Content-Type: text/plain; charset=utf-8\r\n'
                printf '\r\n%s\r\n' "$4"
        } > "$1"
}
msg "$D/mail/1.eml" 10 "Project files" "Hello Marie, here are the files for the website project. Regards, Jean"
msg "$D/mail/2.eml" 11 "Banane" "Hello Marie, about the banane for the website: see the attached list. Jean"
msg "$D/mail/3.eml" 12 "Meeting" "Hello Marie, the meeting is on Thursday at ten. Jean"
msg "$D/mail/4.eml" 13 "Other folder" "Hello Marie, the banane is ready. Jean"
rf_maildir_add "$D" INBOX "$D"/mail/1.eml "$D"/mail/2.eml "$D"/mail/3.eml &&
        rf_maildir_add "$D" Clients/acme "$D"/mail/4.eml || rf_bail "cannot fill the Maildir"
rf_dovecot_start "$D" || rf_bail "Dovecot did not start"
rf_dovecot_index "$D" || rf_bail "doveadm index failed"

rf_write_config "$D" smtp=none "folders=INBOX" || rf_bail "rf_write_config failed"
cat >> "$RF_CONF" <<'CONF'
[client "acme"]
name = ACME SARL
addresses = *@acme.example
CONF
CONF=$RF_CONF

share() { # share REPORT.json: acme's negative_share_30d, rounded to 2 places
        rf_json "$1" '"%.2f" % next(c["negative_share_30d"] for c in j["clients"] if c["id"] == "acme")'
}
messages() {
        rf_json "$1" 'next(c["messages_30d"] for c in j["clients"] if c["id"] == "acme")'
}

rf_dovecot_flags "$D" INBOX > "$D/flags.before"

RF_LOG=$D/sync.log rf_redflagd -c "$CONF" --once
rf_ok $? "redflagd --once syncs the mailbox" || rf_diag_file "$D/sync.log"
rf_redflag -c "$CONF" report --json > "$D/report1.json"
rf_is "$(messages "$D/report1.json") $(share "$D/report1.json")" "3 0.00" \
        "before: 3 client messages, none negative"

# --- an owner lexicon that makes "banane" negative -----------------------------
mkdir -p "$D/lexicon"
cp "$ORIG_LEXICON_DIR"/*.lex "$D/lexicon/" || rf_bail "cannot copy the lexicons"
printf '# owner entry added by tests/it-rescan.sh\nbanane\tnegative\t-3\n' > "$D/lexicon/owner.lex"
printf 'about the banane for the website\n' |
        REDFLAGD_LEXICON_DIR=$D/lexicon "$RF_REDFLAG" tone > "$D/tone.json" 2>>"$D/tone.log"
rf_is "$(rf_json "$D/tone.json" 'j["label"]')" neg "the new lexicon reads 'banane' as negative"

REDFLAGD_LEXICON_DIR=$D/lexicon RF_LOG=$D/rescan.log rf_redflag -c "$CONF" rescan > "$D/rescan.out"
rf_ok $? "redflag rescan exits 0" || { rf_diag_file "$D/rescan.out"; rf_diag_file "$D/rescan.log"; }
grep -qx '3 messages rescored' "$D/rescan.out"
rf_ok $? "it prints '3 messages rescored'" || rf_diag_file "$D/rescan.out"
grep -qx '  neu -> neg: 1' "$D/rescan.out"
rf_ok $? "it counts the one label change neu -> neg" || rf_diag_file "$D/rescan.out"

rf_redflag -c "$CONF" report --json > "$D/report2.json"
rf_is "$(messages "$D/report2.json") $(share "$D/report2.json")" "3 0.33" \
        "after: the 'banane' message counts as negative (share 1/3), nothing counted twice"
rf_redflag -c "$CONF" explain acme > "$D/explain.txt"
grep -q 'banane' "$D/explain.txt"
rf_ok $? "'redflag explain' shows the new evidence" || rf_diag_file "$D/explain.txt"

rf_dovecot_flags "$D" INBOX > "$D/flags.after"
cmp -s "$D/flags.before" "$D/flags.after"
rf_ok $? "no flag changed on the server" || diff "$D/flags.before" "$D/flags.after" | sed 's/^/#   /'
! grep -q 'Seen' "$D/flags.after"
rf_ok $? "no message was marked \\Seen"
! grep -Eiq 'skipping|fail|refused|error|unreadable' "$D/rescan.log"
rf_ok $? "no warning or error while rescanning" || rf_diag_file "$D/rescan.log"

# --- the window: --days 5 reaches no message (they are 8-10 days old) ----------
REDFLAGD_LEXICON_DIR=$D/lexicon RF_LOG=$D/rescan-days.log rf_redflag -c "$CONF" rescan --days 5 \
        > "$D/rescan-days.out"
rf_ok $? "redflag rescan --days 5 exits 0" || rf_diag_file "$D/rescan-days.log"
rf_is "$(cat "$D/rescan-days.out")" "0 messages rescored" "--days 5 rescans nothing older than 5 days"

REDFLAGD_LEXICON_DIR=$D/lexicon RF_LOG=$D/usage.log rf_redflag -c "$CONF" rescan --days soon > /dev/null
rf_is $? 2 "a bad --days is a usage error (exit 2)"

# --- back to the installed lexicon: the old figures come back -----------------
RF_LOG=$D/rescan-back.log rf_redflag -c "$CONF" rescan > "$D/rescan-back.out"
rf_ok $? "rescan with the installed lexicon exits 0" || rf_diag_file "$D/rescan-back.log"
rf_redflag -c "$CONF" report --json > "$D/report3.json"
rf_is "$(share "$D/report3.json") $(grep -c 'neg -> neu: 1' "$D/rescan-back.out")" "0.00 1" \
        "the message is neutral again (neg -> neu: 1)"

# --- a failing account next to a good one ------------------------------------------
# A second account reads Clients/* (one more message) with its own password.
(umask 077 && printf '%s\n' "$RF_IMAP_PASS" > "$D/other.pass")
awk -v pw="$D/other.pass" -v url="imaps://localhost:$RF_IMAPS_PORT" -v ca="$D/ca.pem" '
        /^\[account "work"\]/ {
                print "[account \"other\"]"; print "url = " url; print "tls = required"
                print "ca_file = " ca; print "username = tester"; print "password_file = " pw
                print "folders = Clients/*"; print "idle_folders = Clients/acme"; print ""
        }
        { print }' "$CONF" > "$D/two.conf"
chmod 600 "$D/two.conf"
RF_LOG=$D/sync2.log rf_redflagd -c "$D/two.conf" --once
rf_ok $? "redflagd --once syncs the second account" || rf_diag_file "$D/sync2.log"
(umask 077 && echo 'wrong-password' > "$D/other.pass")
REDFLAGD_LEXICON_DIR=$D/lexicon RF_LOG=$D/rescan-bad.log rf_redflag -c "$D/two.conf" rescan > "$D/rescan-bad.out"
rc=$?
rf_is "$([ "$rc" -ne 0 ] && echo failed)/$(head -n 1 "$D/rescan-bad.out")" "failed/3 messages rescored" \
        "a failing account makes rescan fail; the other account is still rescanned" ||
        { rf_diag_file "$D/rescan-bad.out"; rf_diag_file "$D/rescan-bad.log"; }
rf_like "$(cat "$D/rescan-bad.log")" "account 'other'.*login refused for 'tester'" \
        "the error names the failing account" || rf_diag_file "$D/rescan-bad.log"
! grep -qF -e 'wrong-password' -e "$RF_IMAP_PASS" "$D"/rescan*.log
rf_ok $? "no password appears in any log"

rf_done
