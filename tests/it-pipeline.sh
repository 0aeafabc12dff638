#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Integration test of the whole pipeline against a real Dovecot and a real
# SMTP server on 127.0.0.1 (tests/lib/servers.sh): the fixed-date scenario of
# tests/data/scenario (tests/lib/gen-scenario.py) is loaded into INBOX and
# Clients/acme, `redflagd --once` runs at REDFLAGD_NOW=2026-11-20T17:00+01:00,
# and we check the alerts the SMTP server accepted, `redflag report --json`,
# idempotence of a second pass, and the "never lose an alert" path (451 at
# end of DATA, alert kept in the outbox, delivered once on the next pass).
# TAP output.

: "${abs_top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$abs_top_srcdir/tests/lib/servers.sh"

NOW=2026-11-20T17:00:00+01:00
# REDFLAGD_NOW restarts the clock at the same instant in every process, so a
# retry that is due "1 s later" is never due for a run at NOW again: the runs
# after the SMTP failure start a little later (real sleeps would not help).
NOW_RETRY=2026-11-20T17:00:10+01:00
NOW_AFTER=2026-11-20T17:00:20+01:00
SCEN=$abs_top_srcdir/tests/data/scenario
EXP=$SCEN/expected.json

# --- prerequisites ---------------------------------------------------------
command -v dovecot >/dev/null 2>&1 || rf_skip_all "dovecot not installed"
command -v doveadm >/dev/null 2>&1 || rf_skip_all "doveadm not installed"
command -v openssl >/dev/null 2>&1 || rf_skip_all "openssl not installed"
"$RF_PYTHON" -c 'import aiosmtpd' 2>/dev/null || rf_skip_all "python3-aiosmtpd not installed"
[ -f /usr/share/dovecot/dh.pem ] || rf_skip_all "/usr/share/dovecot/dh.pem missing"
[ -x "$RF_REDFLAGD" ] || rf_bail "$RF_REDFLAGD not built"
[ -x "$RF_REDFLAG" ] || rf_bail "$RF_REDFLAG not built"

trap rf_cleanup EXIT
rf_tmpdir
T=$RF_TMP
export RF_LOG="$T/redflagd.log"

rf_plan 52

# Prints the diagnostics every failure needs (the daemon's log first).
show_logs() {
        rf_diag_file "$RF_LOG" 40
        rf_diag_file "$T/dovecot.log" 10
        rf_diag_file "$T/smtp/attempts.log" 10
}

# exp EXPR: a value from expected.json (j = the document).
exp() {
        rf_json "$EXP" "$1"
}
# rep FILE ID FIELD: a field of one client in a `report --json` output.
rep() {
        rf_json "$1" "next((c.get('$3') for c in j['clients'] if c['id'] == '$2'), 'missing')"
}
# rep_symbols FILE ID: the client's active symbol names, sorted, comma separated.
rep_symbols() {
        rf_json "$1" "','.join(sorted(s['name'] for c in j['clients'] if c['id'] == '$2' for s in c.get('symbols', [])))"
}
# alerts_for ID: number of accepted alerts about client ID.
alerts_for() {
        rf_alerts "$T" acme="ACME SARL" brutal="Brutal Corp" calm="Calm Ltd" > "$T/alerts.jsonl"
        "$RF_PYTHON" -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) if sys.argv[2] in json.loads(l)["clients"]))' "$T/alerts.jsonl" "$1"
}
# alert_field ID EXPR: EXPR on the (last) alert about ID, a = the alert object.
alert_field() {
        "$RF_PYTHON" -c 'import json, sys
a = None
for l in open(sys.argv[1]):
    o = json.loads(l)
    if sys.argv[2] in o["clients"]:
        a = o
if a is None:
    print("no alert")
else:
    v = eval(sys.argv[3], {"a": a})
    print(v if isinstance(v, str) else json.dumps(v))' "$T/alerts.jsonl" "$1" "$2"
}
# has_all LIST WANTED: every comma-separated name of WANTED is in LIST.
has_all() {
        for w in $(echo "$2" | tr , ' '); do
                case ",$1," in
                *",$w,"*) ;;
                *) return 1 ;;
                esac
        done
        return 0
}
once() {
        REDFLAGD_NOW=${1:-$NOW} rf_redflagd -c "$RF_CONF" --once
}
report() {
        REDFLAGD_NOW=$NOW rf_redflag -c "$RF_CONF" report --json > "$1"
}

# --- 1: the checked-in scenario is what the generator writes ----------------
"$RF_PYTHON" "$RF_LIBDIR/gen-scenario.py" --out "$T/scenario" >/dev/null &&
        diff -r "$SCEN" "$T/scenario" > "$T/scenario.diff"
rf_ok $? "tests/data/scenario is what tests/lib/gen-scenario.py generates" ||
        rf_diag_file "$T/scenario.diff"

# --- servers and configuration -----------------------------------------------
rf_maildir_add "$T" INBOX "$SCEN"/INBOX/*.eml &&
        rf_maildir_add "$T" Clients/acme "$SCEN"/Clients.acme/*.eml &&
        rf_dovecot_start "$T" &&
        rf_dovecot_index "$T" &&
        rf_smtp_start "$T" &&
        rf_write_config "$T" &&
        cat "$SCEN/clients.conf" >> "$RF_CONF"
rf_ok $? "Dovecot and the SMTP server started, scenario loaded" || {
        rf_diag_file "$T/startup.log"
        rf_diag_file "$T/dovecot.log"
        rf_diag_file "$T/smtp/sink.log"
        rf_bail "cannot set up the servers"
}
n_inbox=$(rf_dovecot_status "$T" INBOX | sed -n 's/.*messages=\([0-9]*\).*/\1/p')
n_acme=$(rf_dovecot_status "$T" Clients/acme | sed -n 's/.*messages=\([0-9]*\).*/\1/p')
rf_is "$n_inbox/$n_acme" "$(exp 'j["files"]["INBOX"]')/$(exp 'j["files"]["Clients/acme"]')" \
        "Dovecot serves every scenario message (INBOX/Clients.acme)"
rf_dovecot_flags "$T" INBOX > "$T/flags-inbox.before"
rf_dovecot_flags "$T" Clients/acme > "$T/flags-acme.before"

REDFLAGD_NOW=$NOW rf_redflagd -c "$RF_CONF" --check-config
rf_ok $? "redflagd --check-config accepts the test configuration" || show_logs

# --- first pass ----------------------------------------------------------------
once
rc=$?
rf_is "$rc" 0 "redflagd --once exits 0" || show_logs

logins=$(rf_dovecot_logins "$T")
[ "${logins:-0}" -ge 1 ]
rf_ok $? "redflagd logged in to Dovecot ($logins login(s))"

rf_dovecot_flags "$T" INBOX > "$T/flags-inbox.after"
rf_dovecot_flags "$T" Clients/acme > "$T/flags-acme.after"
cmp -s "$T/flags-inbox.before" "$T/flags-inbox.after" &&
        cmp -s "$T/flags-acme.before" "$T/flags-acme.after"
rf_ok $? "no flag changed on the server (EXAMINE + BODY.PEEK)" ||
        diff "$T/flags-inbox.before" "$T/flags-inbox.after" | head -5 | sed 's/^/# /'

rf_is "$(rf_smtp_count "$T")" 2 "two alerts accepted by the SMTP server" || show_logs
rf_is "$(alerts_for acme)" 1 "exactly one alert about acme"
rf_is "$(alerts_for brutal)" 1 "exactly one alert about brutal"
rf_is "$(alerts_for calm)" 0 "no alert about calm"

rf_is "$(alert_field acme 'a["rcpt_tos"]')" '["marie@studio.example"]' \
        "acme alert: envelope recipient is the owner's email"
rf_like "$(alert_field acme 'a["to"]')" 'marie@studio\.example' "acme alert: To: the owner"
rf_is "$(alert_field acme 'a["auth_user"]')" alerts "acme alert: sent with SMTP AUTH as alerts"
rf_like "$(alert_field acme 'a["message_id"]')" '^<[^<>@ ]+@[^<>@ ]+>$' "acme alert: has a Message-ID"
rf_like "$(alert_field acme 'a["subject"]')" '(ACME SARL|acme)' "acme alert: Subject names the client"
acme_syms=$(alert_field acme '",".join(a["symbols"])')
has_all "$acme_syms" VOLUME,OUT_OF_WINDOW,NEGATIVE_TONE
rf_ok $? "acme alert names VOLUME, OUT_OF_WINDOW, NEGATIVE_TONE (has: $acme_syms)"
rf_like "$(alert_field acme '",".join(a["levels"])')" 'red' "acme alert: level red"
brutal_syms=$(alert_field brutal '",".join(a["symbols"])')
has_all "$brutal_syms" ABUSE
rf_ok $? "brutal alert names ABUSE (has: $brutal_syms)"
rf_like "$(alert_field brutal '",".join(a["levels"])')" 'red' "brutal alert: level red"

# --- redflag report --json -----------------------------------------------------------
report "$T/report1.json"
rc=$?
rf_json "$T/report1.json" 'len(j["clients"])' >/dev/null 2>&1
rf_ok $(( rc + $? )) "redflag report --json exits 0 with valid JSON" || show_logs
for c in acme brutal calm; do
        rf_is "$(rep "$T/report1.json" $c level)" "$(exp "j['clients']['$c']['level']")" "report: $c level"
done
for c in acme brutal calm; do
        rf_is "$(rep "$T/report1.json" $c messages_7d)/$(rep "$T/report1.json" $c messages_30d)" \
                "$(exp "j['clients']['$c']['messages_7d']")/$(exp "j['clients']['$c']['messages_30d']")" \
                "report: $c messages_7d/messages_30d"
done
rf_is "$(rep "$T/report1.json" acme out_of_window_7d)" "$(exp "j['clients']['acme']['out_of_window_7d']")" \
        "report: acme out_of_window_7d"
syms=$(rep_symbols "$T/report1.json" acme)
has_all "$syms" VOLUME,OUT_OF_WINDOW,NEGATIVE_TONE
rf_ok $? "report: acme symbols include VOLUME, OUT_OF_WINDOW, NEGATIVE_TONE (has: $syms)"
case ",$syms," in *,ABUSE,*) false ;; *) true ;; esac
rf_ok $? "report: acme has no ABUSE (it presses, it does not insult)"
syms=$(rep_symbols "$T/report1.json" brutal)
has_all "$syms" ABUSE
rf_ok $? "report: brutal symbols include ABUSE (has: $syms)"
rf_is "$(rep_symbols "$T/report1.json" calm)" "" "report: calm has no active symbol"
for k in owner_messages_30d unknown_messages_30d automated_messages_30d; do
        rf_is "$(rf_json "$T/report1.json" "j.get('$k')")" "$(exp "j['$k']")" "report: $k"
done

# --- second pass: nothing new --------------------------------------------------
once
rf_is $? 0 "second redflagd --once exits 0" || show_logs
rf_is "$(rf_smtp_count "$T")" 2 "second pass sends nothing"
report "$T/report2.json"
rf_is "$(rep "$T/report2.json" acme messages_30d)/$(rep "$T/report2.json" brutal messages_30d)" \
        "$(exp "j['clients']['acme']['messages_30d']")/$(exp "j['clients']['brutal']['messages_30d']")" \
        "second pass counts nothing twice"

# --- fault path: 451 at end of DATA, the alert waits in the outbox ------------------
rf_maildir_add "$T" INBOX "$SCEN/extra/calm-abuse.eml"
rf_smtp_fail "$T" 451
before451=$(rf_smtp_attempts "$T" 451)
once
rc=$?
rf_diag "redflagd --once with the SMTP server answering 451 exited $rc"
rf_is "$(rf_smtp_count "$T")" 2 "451: no new message accepted"
[ "$(rf_smtp_attempts "$T" 451)" -gt "$before451" ]
rf_ok $? "451: redflagd tried to deliver (the server answered 451)" || show_logs
pending=$(rf_sql "$T/redflagd.db" "SELECT count(*) FROM outbox WHERE status = 'pending'")
rf_is "$pending" 1 "451: the alert is pending in the outbox"
report "$T/report3.json"
rf_is "$(rep "$T/report3.json" calm level)" "$(exp "j['after_calm_abuse']['calm']['level']")" \
        "report: calm is red after its abusive message"
grep -q '"alerts_pending": 1' "$T/report3.json"
rf_ok $? "report --json counts the undelivered alert (alerts_pending)"
REDFLAGD_NOW=$NOW rf_redflag -c "$RF_CONF" report > "$T/report3.txt" 2>&1
grep -q "1 alert(s) waiting to be delivered (last attempt: .*451" "$T/report3.txt"
rf_ok $? "report tells the owner an alert waits, with the server's answer" || rf_diag_file "$T/report3.txt"
refused_id=$(awk '$1 == 451 { id = $6 } END { print id }' "$T/smtp/attempts.log")

rf_smtp_fail "$T" off
sleep 2
once "$NOW_RETRY"
rf_is $? 0 "redflagd --once after the SMTP server recovered exits 0" || show_logs
rf_is "$(rf_smtp_count "$T")" 3 "the pending alert is delivered: exactly one more message"
rf_is "$(alerts_for calm)" 1 "the new alert is about calm"
calm_syms=$(alert_field calm '",".join(a["symbols"])')
has_all "$calm_syms" ABUSE
rf_ok $? "calm alert names ABUSE (has: $calm_syms)"
rf_is "$(alert_field calm 'a["message_id"]')" "$refused_id" \
        "the delivered alert has the Message-ID of the refused attempt"
pending=$(rf_sql "$T/redflagd.db" "SELECT count(*) FROM outbox WHERE status = 'pending'")
rf_is "$pending" 0 "the outbox has nothing pending"

once "$NOW_AFTER"
rf_is $? 0 "third redflagd --once exits 0" || show_logs
rf_is "$(rf_smtp_count "$T")" 3 "third pass sends nothing more"

rf_done
