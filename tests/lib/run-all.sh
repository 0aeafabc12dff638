#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tests/lib/run-all.sh - the whole test run of redflagd (what CI runs after
# demo/install-deps.sh; also the one command for a developer):
#
#   1. autoreconf -fi; configure --enable-werror into build-ci; make; make check
#   2. clang + AddressSanitizer/UBSan (leak checks on) into build-asan; make check
#   3. clang + libFuzzer (--enable-fuzzing) into build-fuzz; every
#      tests/fuzz/fuzz-* target runs 20 s on a COPY of its corpus
#   4. make distcheck in build-ci
#
# It never stops at the first failure. Results are counted from every
# automake .trs file (":test-result:" lines) of both check runs: PASS and
# XFAIL pass; FAIL, ERROR and XPASS fail; SKIP is listed but counts as
# neither. Each fuzz run, distcheck and every build step that fails adds one
# result. Failed tests are listed with the tail of their .log. The LAST line
# is always "N passed, N failed"; the exit status is non-zero when N failed > 0.
#
# Environment:
#   RF_BUILD_ROOT   where the build-* directories go (default: the source tree)
#   RF_FUZZ_SECONDS seconds per fuzz target (default 20)
#   RF_STEPS        steps to run, default "ci asan fuzz distcheck"
#   RF_EXTRA_FAILED failures found before this script ran (added to the count)
#   MAKEFLAGS/JOBS  parallel jobs (default -j2)

set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
ROOT=${RF_BUILD_ROOT:-$SRC}
JOBS=${JOBS:-2}
FUZZ_SECONDS=${RF_FUZZ_SECONDS:-20}
STEPS=${RF_STEPS:-ci asan fuzz distcheck}
LOGDIR=$ROOT/build-logs

passed=0
failed=0
skipped=0
failed_names=()
t_start=$(date +%s)

mkdir -p "$LOGDIR"
exec </dev/null

heading() {
        echo
        echo "=================================================================="
        echo "== $* ($(($(date +%s) - t_start)) s)"
        echo "=================================================================="
}

# result OK|FAIL NAME [LOG]: one extra result (build step, fuzz run, distcheck).
result() {
        if [ "$1" = OK ]; then
                passed=$((passed + 1))
                echo "ok - $2"
        else
                failed=$((failed + 1))
                failed_names+=("$2")
                echo "not ok - $2"
                if [ -n "${3:-}" ] && [ -f "$3" ]; then
                        echo "---- tail of $3"
                        tail -n 40 "$3"
                        echo "----"
                fi
        fi
}

# step NAME LOG TIMEOUT DIR CMD...: runs CMD in DIR with its output in LOG; a
# failure (or a timeout) is one failed result. Returns CMD's status.
step() {
        local name=$1 log=$2 limit=$3 dir=$4
        shift 4
        echo "-- $name"
        (cd "$dir" && exec timeout -k 30 "$limit" "$@") >"$log" 2>&1
        local st=$?
        if [ $st -ne 0 ]; then
                [ $st -eq 124 ] && echo "(timed out after $limit s)" >>"$log"
                result FAIL "$name (exit $st)" "$log"
        fi
        return $st
}

# count_trs BUILDDIR LABEL MAKE_STATUS: adds up the .trs results of BUILDDIR
# (every ":test-result:" line counts); a failing test program is listed once,
# with the tail of its .log.
count_trs() {
        local dir=$1 label=$2 make_status=$3
        local n_pass=0 n_fail=0 n_skip=0 trs res name f_here what
        while IFS= read -r trs; do
                name=${trs#"$dir"/}
                name=${name%.trs}
                f_here=0
                what=
                while IFS= read -r res; do
                        case $res in
                        PASS | XFAIL) n_pass=$((n_pass + 1)) ;;
                        SKIP)
                                n_skip=$((n_skip + 1))
                                echo "SKIP: $label:$name"
                                ;;
                        FAIL | ERROR | XPASS)
                                n_fail=$((n_fail + 1))
                                f_here=$((f_here + 1))
                                what="$what $res"
                                ;;
                        *) ;;
                        esac
                done < <(sed -n 's/^:test-result: *\([A-Z]*\).*/\1/p' "$trs")
                if [ "$f_here" -gt 0 ]; then
                        failed_names+=("$label:$name ($f_here:$what)")
                        echo "FAIL: $label:$name ($f_here:$what)"
                        if [ -f "$dir/$name.log" ]; then
                                echo "---- tail of $dir/$name.log"
                                tail -n 30 "$dir/$name.log"
                                echo "----"
                        fi
                fi
        done < <(find "$dir" -name '*.trs' -not -path '*/_build/*' -not -path '*/_inst/*' | sort)
        echo "$label: $n_pass passed, $n_fail failed, $n_skip skipped (from .trs files)"
        passed=$((passed + n_pass))
        failed=$((failed + n_fail))
        skipped=$((skipped + n_skip))
        # make check failed without any failing test: it could not build or run them.
        if [ "$make_status" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
                result FAIL "$label: make check (exit $make_status, no failing test recorded)" \
                        "$LOGDIR/$label-check.log"
        fi
}

# build LABEL DIR CONFIGURE_ARGS...: configure + make in DIR (make targets:
# $MAKE_TARGETS, default all); 0 when both work.
build() {
        local label=$1 dir=$2
        shift 2
        rm -rf "$dir"
        mkdir -p "$dir"
        step "$label: configure" "$LOGDIR/$label-configure.log" 600 "$dir" "$SRC/configure" "$@" ||
                return 1
        # shellcheck disable=SC2086
        step "$label: make" "$LOGDIR/$label-make.log" 1200 "$dir" make -j"$JOBS" ${MAKE_TARGETS:-} ||
                return 1
        return 0
}

# check LABEL DIR: make check in DIR (tests in parallel), then counts results.
check() {
        local label=$1 dir=$2 st
        echo "-- $label: make check"
        (cd "$dir" && timeout -k 30 1200 make -j"$JOBS" check) >"$LOGDIR/$label-check.log" 2>&1
        st=$?
        [ $st -eq 124 ] && echo "(make check timed out)" >>"$LOGDIR/$label-check.log"
        count_trs "$dir" "$label" "$st"
}

heading "redflagd test run in $SRC (logs in $LOGDIR)"
echo "steps: $STEPS; jobs: $JOBS; $(nproc 2>/dev/null || echo ?) CPUs"

if [ ! -x "$SRC/configure" ] || [ "${RF_AUTORECONF:-yes}" = yes ]; then
        heading "autoreconf -fi"
        step "autoreconf -fi" "$LOGDIR/autoreconf.log" 600 "$SRC" autoreconf -fi ||
                echo "(continuing with the existing configure, if any)"
fi

have_ci=no
for s in $STEPS; do
        case $s in
        ci)
                heading "1. gcc build (--enable-werror) and make check"
                if build ci "$ROOT/build-ci" --enable-werror; then
                        have_ci=yes
                        check ci "$ROOT/build-ci"
                fi
                ;;
        asan)
                heading "2. clang + AddressSanitizer/UBSan build and make check"
                san="-fsanitize=address,undefined -fno-omit-frame-pointer"
                if build asan "$ROOT/build-asan" CC=clang CFLAGS="-g -O1 $san" LDFLAGS="$san"; then
                        export ASAN_OPTIONS=detect_leaks=1
                        export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
                        check asan "$ROOT/build-asan"
                        unset ASAN_OPTIONS UBSAN_OPTIONS
                fi
                ;;
        fuzz)
                heading "3. libFuzzer build, ${FUZZ_SECONDS} s per target"
                san="-fsanitize=address,undefined -fno-omit-frame-pointer"
                targets=()
                for f in "$SRC"/tests/fuzz/fuzz-*.c; do
                        t=$(basename "$f" .c)
                        [ "$t" = fuzz-main ] && continue
                        targets+=("$t")
                done
                MAKE_TARGETS=""
                for t in "${targets[@]}"; do MAKE_TARGETS="$MAKE_TARGETS tests/fuzz/$t"; done
                # fuzzer-no-link: coverage feedback from the whole library,
                # not only from the fuzz target's own file.
                if build fuzz "$ROOT/build-fuzz" --enable-fuzzing CC=clang \
                        CFLAGS="-g -O1 $san -fsanitize=fuzzer-no-link" LDFLAGS="$san"; then
                        for t in "${targets[@]}"; do
                                name=${t#fuzz-}
                                corpus=$ROOT/build-fuzz/corpus-$name
                                rm -rf "$corpus"
                                mkdir -p "$corpus"
                                cp -R "$SRC/tests/fuzz/corpus/$name/." "$corpus/" 2>/dev/null
                                log=$LOGDIR/fuzz-$name.log
                                echo "-- fuzz: $t (${FUZZ_SECONDS} s)"
                                (cd "$ROOT/build-fuzz" && REDFLAGD_FUZZ=1 \
                                        ASAN_OPTIONS=detect_leaks=1 \
                                        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                                        timeout -k 10 $((FUZZ_SECONDS + 60)) \
                                        "./tests/fuzz/$t" -max_total_time="$FUZZ_SECONDS" \
                                        -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
                                        -artifact_prefix="$ROOT/build-fuzz/crash-$name-" \
                                        "$corpus") >"$log" 2>&1
                                st=$?
                                if [ $st -eq 0 ]; then
                                        runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
                                        result OK "fuzz: $t (${runs:-?} runs, corpus $(find "$corpus" -type f | wc -l) files)"
                                else
                                        result FAIL "fuzz: $t (exit $st)" "$log"
                                fi
                        done
                fi
                MAKE_TARGETS=""
                ;;
        distcheck)
                heading "4. make distcheck"
                if [ "$have_ci" = yes ]; then
                        if step "distcheck" "$LOGDIR/distcheck.log" 1800 "$ROOT/build-ci" \
                                make -j"$JOBS" distcheck; then
                                result OK "make distcheck"
                        fi
                else
                        result FAIL "make distcheck (no build-ci to run it in)"
                fi
                ;;
        *)
                result FAIL "unknown step $s"
                ;;
        esac
done

failed=$((failed + ${RF_EXTRA_FAILED:-0}))

heading "Summary"
echo "skipped (neither passed nor failed): $skipped"
if [ "${RF_EXTRA_FAILED:-0}" -gt 0 ]; then
        echo "failures before this script (e.g. installing dependencies): $RF_EXTRA_FAILED"
fi
if [ ${#failed_names[@]} -gt 0 ]; then
        echo "failed:"
        for n in "${failed_names[@]}"; do
                echo "  - $n"
        done
fi
echo "total time: $(($(date +%s) - t_start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
