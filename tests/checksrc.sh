#!/bin/sh
# Banned functions (STYLE.md rule 18): fails when src/ uses one of them, or
# raw strtol()/strtoul() outside the one checked parse_uint() in util.c.
src="${abs_top_srcdir:-$(dirname "$0")/..}/src"
n=0
fail=0

check() {
	n=$((n + 1))
	# Comment lines (starting with /* or *) do not count.
	hits=$(grep -nE "$2" "$src"/*.c "$src"/*.h 2>/dev/null |
		grep -vE '^[^:]*:[0-9]+:[[:space:]]*(/\*|\*)' | grep -vE "$3" || true)
	if [ -z "$hits" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "$hits" | sed 's/^/# /'
		fail=1
	fi
}

echo "1..4"
check "no banned string functions" \
	'(^|[^a-z_])(gets|sprintf|vsprintf|strcpy|strcat|strncpy|strncat|strtok|atoi|atol|atoll|sscanf)[[:space:]]*\(' \
	'^$'
check "strtol/strtoul only in util.c" \
	'(^|[^a-z_])(strtol|strtoul|strtoll|strtoull|strtoimax|strtoumax)[[:space:]]*\(' \
	'/util\.c:'
check "no system()/popen() (no shell is ever run)" \
	'(^|[^a-z_.>])(system|popen)[[:space:]]*\(' \
	'^$'
check "no non-peek IMAP body fetch" \
	'mailimap_fetch_rfc822|mailimap_fetch_att_new_body_section[[:space:]]*\(|mailimap_fetch_att_new_rfc822[[:space:]]*\(|mailimap_select[[:space:]]*\(' \
	'^$'
exit $fail
