#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Integration test of IMAP IDLE in the daemon against a private Dovecot on
# 127.0.0.1: with idle_folders = INBOX and poll_interval = 3600, a message
# delivered while `redflagd --foreground` runs must be in the report within
# 10 seconds (so IDLE, not the hourly poll, picked it up); SIGHUP rebuilds
# the IDLE connection and push still works after it; when the server goes
# away the daemon reconnects (10 s backoff) and syncs what arrived meanwhile;
# no flag changes on the server; SIGTERM stops the daemon with exit status 0.

. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib/servers.sh"

DPID=
idle_cleanup() {
        rc=$?
        if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
                kill -KILL "$DPID" 2>/dev/null
                wait "$DPID" 2>/dev/null
        fi
        DPID=
        (exit "$rc")
        rf_cleanup
}
trap idle_cleanup EXIT

command -v dovecot >/dev/null 2>&1 || rf_skip_all "dovecot is not installed"
command -v doveadm >/dev/null 2>&1 || rf_skip_all "doveadm is not installed"
command -v openssl >/dev/null 2>&1 || rf_skip_all "openssl is not installed"
[ -x "$RF_REDFLAGD" ] || rf_skip_all "redflagd is not built ($RF_REDFLAGD)"
[ -x "$RF_REDFLAG" ] || rf_skip_all "redflag is not built ($RF_REDFLAG)"

rf_plan 14

# Real time: doveadm save gives the delivered message INTERNALDATE = now.
unset REDFLAGD_NOW NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID

rf_tmpdir
D=$RF_TMP
mkdir -p "$D/mail"
msg() { # msg FILE N AGE_SECONDS: a neutral message from the client, AGE_SECONDS old
        {
                printf 'From: Jean Martin <jean@acme.example>\r\n'
                printf 'To: Marie Dupont <marie@studio.example>\r\n'
                printf 'Subject: Message %s\r\n' "$2"
                printf 'Date: %s\r\n' "$(LC_ALL=C date -R -d "@$(($(date +%s) - $3))")"
                printf 'Message-ID: <idle-%s-%s@acme.example>\r\n' "$2" "$$"
                printf 'MIME-Version: 1.0\r\n'
                printf 'Content-Type: text/plain; charset=utf-8\r\n'
                printf '\r\nHello Marie, here is message %s about the website. Jean\r\n' "$2"
        } > "$1"
}
msg "$D/mail/1.eml" 1 86400
rf_maildir_add "$D" INBOX "$D/mail/1.eml" || rf_bail "cannot fill the Maildir"
rf_dovecot_start "$D" || rf_bail "Dovecot did not start"
rf_dovecot_index "$D" || rf_bail "doveadm index failed"

rf_write_config "$D" smtp=none folders=INBOX idle_folders=INBOX poll_interval=3600 ||
        rf_bail "rf_write_config failed"
cat >> "$RF_CONF" <<'CONF'
[client "acme"]
name = ACME SARL
addresses = *@acme.example
CONF
CONF=$RF_CONF
LOG=$D/daemon.log

# count: acme's messages_30d in the report (empty while there is no database).
count() {
        "$RF_REDFLAG" -c "$CONF" report --json </dev/null 2>/dev/null |
                rf_json - 'next(c["messages_30d"] for c in j["clients"] if c["id"] == "acme")' 2>/dev/null
}
# wait_count N SECONDS: until the report counts N messages; prints the delay.
wait_count() {
        local i max
        i=0
        max=$(($2 * 10))
        while [ "$i" -le "$max" ]; do
                if [ "$(count)" = "$1" ]; then
                        echo "$((i / 10)).$((i % 10))"
                        return 0
                fi
                sleep 0.1
                i=$((i + 1))
        done
        return 1
}
# wait_log PATTERN N SECONDS: until LOG has N lines matching PATTERN.
wait_log() {
        local i
        i=0
        while [ "$i" -le "$(($3 * 10))" ]; do
                [ "$(grep -c "$1" "$LOG" 2>/dev/null)" -ge "$2" ] && return 0
                sleep 0.1
                i=$((i + 1))
        done
        return 1
}

rf_dovecot_flags "$D" INBOX > "$D/flags.before"

"$RF_REDFLAGD" --foreground -c "$CONF" </dev/null >"$LOG" 2>&1 &
DPID=$!

wait_count 1 30 > /dev/null
rf_ok $? "the daemon's first pass stores the message" || rf_diag_file "$LOG"
wait_log "folder 'INBOX' watched with IDLE" 1 20
rf_ok $? "INBOX is watched with IDLE" || rf_diag_file "$LOG"

msg "$D/mail/2.eml" 2 0
rf_dovecot_save "$D" INBOX "$D/mail/2.eml" || rf_bail "doveadm save failed"
took=$(wait_count 2 10)
rf_ok $? "a delivered message is counted within 10 s (${took:-no}s; poll_interval is 1 h)" ||
        rf_diag_file "$LOG"
grep -q "(sync asked by IDLE)" "$LOG"
rf_ok $? "the sync was triggered by IDLE" || rf_diag_file "$LOG"
rf_is "$(grep -c "account 'work': 1 folders, " "$LOG")" 1 "only one timer pass ran (the start-up one)" ||
        rf_diag_file "$LOG"

# --- SIGHUP: the IDLE connection is rebuilt and push still works --------------
kill -HUP "$DPID"
wait_log "configuration reloaded" 1 10 && wait_log "folder 'INBOX' watched with IDLE" 2 20
rf_ok $? "SIGHUP rebuilds the IDLE connection" || rf_diag_file "$LOG"
msg "$D/mail/3.eml" 3 0
rf_dovecot_save "$D" INBOX "$D/mail/3.eml" || rf_bail "doveadm save failed"
took=$(wait_count 3 10)
rf_ok $? "after the reload, a delivered message is counted within 10 s (${took:-no}s)" ||
        rf_diag_file "$LOG"

# --- connection loss: reconnect with backoff, catch up on what arrived ---------
rf_dovecot_stop "$D"
wait_log "IDLE on 'INBOX': .*will retry in 10s" 1 10
rf_ok $? "a lost IDLE connection is retried after 10 s" || rf_diag_file "$LOG"
rf_dovecot_start "$D" || rf_bail "Dovecot did not restart"
msg "$D/mail/4.eml" 4 0
rf_dovecot_save "$D" INBOX "$D/mail/4.eml" || rf_bail "doveadm save failed"
wait_log "folder 'INBOX' watched with IDLE" 3 30
rf_ok $? "the daemon reconnects and idles again" || rf_diag_file "$LOG"
took=$(wait_count 4 10)
rf_ok $? "the message delivered while it was away is counted after the reconnect" ||
        rf_diag_file "$LOG"

rf_dovecot_flags "$D" INBOX > "$D/flags.after"
head -n 1 "$D/flags.before" > "$D/flags.first"
head -n 1 "$D/flags.after" > "$D/flags.first.after"
cmp -s "$D/flags.first" "$D/flags.first.after" && ! grep -q 'Seen' "$D/flags.after"
rf_ok $? "no flag changed on the server (no \\Seen)" || sed 's/^/#   /' "$D/flags.after"

# --- SIGTERM -------------------------------------------------------------------
kill -TERM "$DPID"
i=0
while kill -0 "$DPID" 2>/dev/null && [ "$i" -lt 300 ]; do
        sleep 0.1
        i=$((i + 1))
done
! kill -0 "$DPID" 2>/dev/null
rf_ok $? "SIGTERM stops the daemon within 30 s" || rf_diag_file "$LOG"
wait "$DPID"
rc=$?
DPID=
rf_is "$rc" 0 "exit status 0 after SIGTERM" || rf_diag_file "$LOG"
! grep -qF "$RF_IMAP_PASS" "$LOG"
rf_ok $? "no password in the daemon's log"

rf_done
