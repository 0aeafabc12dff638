#!/bin/sh
# Tone quality floors on the hand-labelled development set tests/tone/dev.tsv
# (see tests/tone/README.md): bench/tone-eval --check must report
#   - a negative-class F1 >= 0.80 over both languages, and
#   - an English negative-class F1 at least 0.15 above npm's vader-sentiment,
#     whose scores are recorded in tests/tone/vader-baseline.tsv (no npm here).
# The whole evaluation table is printed as TAP diagnostics.

builddir="${abs_top_builddir:-$(pwd)}"
srcdir="${abs_top_srcdir:-$(dirname "$0")/..}"
eval_bin="$builddir/bench/tone-eval"
: "${REDFLAGD_LEXICON_DIR:=$srcdir/lexicon}"
export REDFLAGD_LEXICON_DIR

echo "1..3"

if [ ! -x "$eval_bin" ]; then
	echo "not ok 1 - bench/tone-eval is built ($eval_bin missing)"
	echo "not ok 2 - overall negative F1 floor (not measured)"
	echo "not ok 3 - English negative F1 above VADER (not measured)"
	exit 1
fi

out=$("$eval_bin" --check "$srcdir/tests/tone/dev.tsv" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'

floor() {
	# $1: TAP number, $2: pattern of the floor line, $3: description
	line=$(printf '%s\n' "$out" | grep -E "^  (ok|FAILED): $2" | head -n 1)
	case "$line" in
	"  ok: "*)
		echo "ok $1 - $3: ${line#  ok: }"
		;;
	"  FAILED: "*)
		echo "not ok $1 - $3: ${line#  FAILED: }"
		failed=1
		;;
	*)
		echo "not ok $1 - $3: not reported by tone-eval"
		failed=1
		;;
	esac
}

failed=0
# tone-eval --check exits non-zero exactly when a floor failed (reported
# below); any other non-zero exit, or no "Floors" section, is a broken run.
if ! printf '%s\n' "$out" | grep -q '^Floors$'; then
	echo "not ok 1 - tone-eval ran (exit status $rc, see the diagnostics above)"
	failed=1
elif [ "$rc" -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^  FAILED: '; then
	echo "not ok 1 - tone-eval exited with status $rc without a failed floor"
	failed=1
else
	echo "ok 1 - tone-eval read the set, the lexicon and the VADER baseline"
fi
floor 2 "overall negative F1" "overall negative F1 >= 0.80"
floor 3 "English negative F1" "English negative F1 >= VADER + 0.15"
exit "$failed"
