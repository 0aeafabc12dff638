#!/bin/sh
# The two programs as a user runs them, without any server: --check-config,
# redflag tone, redflag scan, usage errors.
top_b="${abs_top_builddir:-.}"
top_s="${abs_top_srcdir:-.}"
redflagd="$top_b/redflagd"
redflag="$top_b/redflag"
data="$top_s/tests/data/cli"
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; [ -n "${2:-}" ] && echo "$2" | sed 's/^/# /'; }
check() { if eval "$2"; then ok "$1"; else nok "$1" "${3:-}"; fi; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

echo "1..18"

out=$("$redflagd" --check-config -c "$data/three-mistakes.conf" 2>&1); st=$?
check "--check-config exits non-zero on mistakes" "[ $st -ne 0 ]"
lines=$(echo "$out" | grep -c "^$data/three-mistakes.conf:[0-9][0-9]*: ")
check "--check-config prints three FILE:LINE: lines" "[ $lines -eq 3 ]" "$out"
check "the lines name lines 6, 11 and 16" \
	"echo \"\$out\" | grep -q 'conf:6: ' && echo \"\$out\" | grep -q 'conf:11: ' && echo \"\$out\" | grep -q 'conf:16: '" "$out"

out=$("$redflagd" --check-config -c "$data/minimal.conf" 2>&1); st=$?
check "--check-config accepts a valid file" "[ $st -eq 0 ] && echo \"\$out\" | grep -q '^configuration OK$'" "$out"

mkdir -p "$tmp/lex"
cp "${REDFLAGD_LEXICON_DIR:-$top_s/lexicon}"/*.lex "$tmp/lex/"
printf 'ok phrase\tnegative\t-2\nbad phrase\tnegativ\t-2\n' > "$tmp/lex/fr-extra.lex"
out=$(REDFLAGD_LEXICON_DIR="$tmp/lex" "$redflagd" --check-config -c "$data/minimal.conf" 2>&1); st=$?
check "--check-config reports a bad lexicon line and exits non-zero" "[ $st -ne 0 ] && echo \"\$out\" | grep -q 'fr-extra.lex:2: '" "$out"
out=$(echo "ok phrase" | REDFLAGD_LEXICON_DIR="$tmp/lex" "$redflag" tone 2>&1); st=$?
check "at run time a bad lexicon line is skipped, the rest still works" "[ $st -eq 0 ] && echo \"\$out\" | grep -q '\"label\": \"neg\"'" "$out"

out=$("$redflagd" --check-config -c "$tmp/missing.conf" 2>&1); st=$?
check "--check-config on a missing file fails clearly" "[ $st -ne 0 ] && echo \"\$out\" | grep -q 'missing.conf'" "$out"

out=$(echo "Toujours pas de nouvelles, c'est inadmissible" | "$redflag" tone 2>&1)
check "tone: French complaint is negative" "echo \"\$out\" | grep -q '\"label\": \"neg\"'" "$out"
check "tone: prints the JSON of DESIGN.md" \
	"echo \"\$out\" | grep -Eq '^\\{\"score\": -[0-9.]+, \"label\": \"neg\", \"categories\": \\{.*\"negative\": [0-9]+'" "$out"

out=$(echo "Not bad at all, thanks!" | "$redflag" tone 2>&1)
check "tone: 'Not bad at all, thanks!' is positive" "echo \"\$out\" | grep -q '\"label\": \"pos\"'" "$out"

out=$(printf '%s\n' 'Thanks for the update, see you Tuesday.\n\nOn Mon, 16 Nov 2026, Marie wrote:\n> This is unacceptable and useless!' | "$redflag" tone 2>&1)
check "tone: angry words only in the quoted part are not scored" "echo \"\$out\" | grep -vq '\"label\": \"neg\"' && ! echo \"\$out\" | grep -q abuse" "$out"

out=$(printf 'one\ntwo\nthree\n' | "$redflag" tone 2>&1)
check "tone: one JSON line per input line" "[ \$(echo \"\$out\" | grep -c '^{\"score\"') -eq 3 ]" "$out"

out=$("$redflag" scan --json "$data/angry.eml" 2>&1); st=$?
check "scan --json works without a config" "[ $st -eq 0 ] && echo \"\$out\" | grep -q '\"client\": null'" "$out"
check "scan --json fields" "echo \"\$out\" | grep -q '\"from\": \"jean@acme.example\"' && echo \"\$out\" | grep -q '\"message_id\": \"angry-1@acme.example\"' && echo \"\$out\" | grep -q '\"date\": \"2026-11-19T21:40:00Z\"' && echo \"\$out\" | grep -q '\"label\": \"neg\"' && echo \"\$out\" | grep -q '\"hits\": \\[{'" "$out"
check "scan drops the quoted reply" "! echo \"\$out\" | grep -q formidable" "$out"

out=$("$redflag" -c "$data/minimal.conf" scan "$data/angry.eml" 2>&1); st=$?
check "scan with a config attributes the client" "[ $st -eq 0 ] && echo \"\$out\" | grep -q 'acme'" "$out"

out=$("$redflag" frobnicate 2>&1); st=$?
check "unknown command is a usage error" "[ $st -eq 2 ] && echo \"\$out\" | grep -q frobnicate" "$out"

out=$(REDFLAGD_NOW=yesterday "$redflagd" --once -c "$data/minimal.conf" 2>&1); st=$?
check "a bad REDFLAGD_NOW is refused" "[ $st -ne 0 ] && echo \"\$out\" | grep -q REDFLAGD_NOW" "$out"

exit $fail
