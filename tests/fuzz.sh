#!/bin/sh
# Replays every fuzz target's checked-in corpus (tests/fuzz/corpus/<target>/)
# through the target built with the replay main (or libFuzzer, which also
# accepts files and runs them once).
top_b="${abs_top_builddir:-.}"
top_s="${abs_top_srcdir:-.}"
targets="conf timewin mutf7 mime clean html lexicon"
set -- $targets
echo "1..$#"
n=0
fail=0
for t in $targets; do
	n=$((n + 1))
	bin="$top_b/tests/fuzz/fuzz-$t"
	corpus="$top_s/tests/fuzz/corpus/$t"
	files=$(find "$corpus" -type f ! -name '.*' 2>/dev/null | sort)
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz-$t replay (binary missing)"
		fail=1
	elif [ -z "$files" ]; then
		echo "not ok $n - fuzz-$t replay (empty corpus)"
		fail=1
	elif out=$(REDFLAGD_FUZZ=1 "$bin" $files 2>&1); then
		echo "ok $n - fuzz-$t replays $(echo "$files" | wc -l) inputs"
	else
		echo "not ok $n - fuzz-$t replay"
		echo "$out" | tail -20 | sed 's/^/# /'
		fail=1
	fi
done
exit $fail
