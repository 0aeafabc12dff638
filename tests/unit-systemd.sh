#!/bin/sh
# The shipped unit must verify cleanly with systemd-analyze (any output is a
# failure: verify exits 0 on unknown keys) and keep its exposure score low.
top_b="${abs_top_builddir:-.}"
top_s="${abs_top_srcdir:-.}"
analyze="${SYSTEMD_ANALYZE:-$(command -v systemd-analyze)}"
echo "1..3"
if [ -z "$analyze" ] || [ ! -x "$analyze" ]; then
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - systemd-analyze is missing"; echo "not ok 2 - # no analyzer"; echo "not ok 3 - # no analyzer"; exit 1
	fi
	echo "ok 1 # SKIP systemd-analyze not installed"; echo "ok 2 # SKIP"; echo "ok 3 # SKIP"; exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# The unit as installed, but pointing at the built binary.
sed -e "s|@sbindir@|$top_b|g" -e "s|@sysconfdir@|/etc|g" "$top_s/systemd/redflagd.service.in" \
	| sed -e "s|^ConditionPathExists=.*||" > "$tmp/redflagd.service"
out=$("$analyze" verify --man=no "$tmp/redflagd.service" 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then echo "ok 1 - systemd-analyze verify is silent"; else
	echo "not ok 1 - systemd-analyze verify"; echo "$out" | sed 's/^/# /'; fail=1; fi
out=$("$analyze" security --offline=true --threshold=15 "$tmp/redflagd.service" 2>&1)
st=$?
score=$(echo "$out" | sed -n 's/.*Overall exposure level for redflagd.service: \([0-9.]*\).*/\1/p')
if [ $st -eq 0 ] && [ -n "$score" ]; then echo "ok 2 - exposure $score <= 1.5"; else
	echo "not ok 2 - exposure score '$score' (threshold 1.5)"; echo "$out" | tail -15 | sed 's/^/# /'; fail=1; fi
if grep -q '^Type=notify$' "$tmp/redflagd.service" && grep -q '^ExecReload=/bin/kill -HUP' "$tmp/redflagd.service"; then
	echo "ok 3 - Type=notify with SIGHUP reload"; else echo "not ok 3 - Type=notify with SIGHUP reload"; fail=1; fi
exit ${fail:-0}
