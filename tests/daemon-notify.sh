#!/bin/sh
# The daemon under a fake systemd: READY after start-up, WATCHDOG pings,
# RELOADING + MONOTONIC_USEC then READY on SIGHUP, a failed reload keeps the
# old configuration, STOPPING and exit 0 on SIGTERM.
top_b="${abs_top_builddir:-.}"
top_s="${abs_top_srcdir:-.}"
py="${PYTHON3:-/usr/bin/python3}"
[ -x "$py" ] || py=/usr/bin/python3
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
tmp=$(mktemp -d /tmp/rfn.XXXXXX) || exit 1
dpid=
lpid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

cat > "$tmp/redflagd.conf" <<CONF
[daemon]
database = $tmp/redflagd.db
poll_interval = 3600

[owner]
name = Test Owner
email = owner@example.org
addresses = owner@example.org
timezone = Europe/Paris

[client "acme"]
addresses = *@acme.example
CONF

# Wait until FILE contains a line matching PATTERN (at most ~10 s).
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

echo "1..6"
"$py" "$top_s/tests/lib/notify-listen.py" "$tmp/notify.sock" "$tmp/notify.log" </dev/null >/dev/null 2>&1 &
lpid=$!
wait_for "$tmp/notify.log" LISTENING || { nok "fake notify socket started"; exit 1; }

# sd_watchdog_enabled() checks WATCHDOG_PID against getpid(): exec keeps the pid.
NOTIFY_SOCKET="$tmp/notify.sock" WATCHDOG_USEC=400000 \
	sh -c 'WATCHDOG_PID=$$ exec "$0" --foreground -c "$1"' "$top_b/redflagd" "$tmp/redflagd.conf" \
	</dev/null >"$tmp/out.log" 2>&1 &
dpid=$!
if wait_for "$tmp/notify.log" '^READY=1'; then ok "READY=1 after start-up"; else
	nok "READY=1 after start-up" "$(cat "$tmp/notify.log" "$tmp/out.log")"; fi
if wait_for "$tmp/notify.log" '^WATCHDOG=1'; then ok "watchdog pings"; else
	nok "watchdog pings" "$(cat "$tmp/notify.log")"; fi

kill -HUP "$dpid"
if wait_for "$tmp/notify.log" '^RELOADING=1.*MONOTONIC_USEC=' &&
	wait_for "$tmp/notify.log" 'READY=1|STATUS=Configuration reloaded'; then
	ok "SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1"
else
	nok "SIGHUP reload protocol" "$(cat "$tmp/notify.log")"
fi

echo "this line is not valid" >> "$tmp/redflagd.conf"
kill -HUP "$dpid"
if wait_for "$tmp/notify.log" 'Reload failed, keeping previous configuration' && kill -0 "$dpid" 2>/dev/null &&
	grep -q "redflagd.conf:[0-9]*: " "$tmp/out.log"; then
	ok "a bad configuration on reload is refused, the daemon keeps running"
else
	nok "failed reload keeps the old configuration" "$(cat "$tmp/notify.log" "$tmp/out.log")"
fi

kill -TERM "$dpid"
wait "$dpid"
st=$?
dpid=
if wait_for "$tmp/notify.log" '^STOPPING=1'; then ok "STOPPING=1 on SIGTERM"; else
	nok "STOPPING=1 on SIGTERM" "$(cat "$tmp/notify.log")"; fi
if [ "$st" -eq 0 ]; then ok "exit status 0 after SIGTERM"; else
	nok "exit status 0 after SIGTERM (got $st)" "$(cat "$tmp/out.log")"; fi
exit $fail
