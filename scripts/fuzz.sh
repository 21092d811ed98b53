#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for a given time each, keeping
# the corpus each run grows.
#
#   scripts/fuzz.sh [-t DURATION | -c CPU_SECONDS] [-j JOBS] [-k CORPUS_DIR] [-l] [REGEXP]
#
#   -t  fuzz time per target, as go test -fuzztime takes it (default 10m)
#   -c  fuzz each target until its processes used this many CPU seconds
#       (the fuzzing coordinator and its worker), then stop it with
#       SIGINT (which keeps the corpus); for a shared machine, where wall
#       time overstates the fuzzing done (at most 6 times -c in wall time)
#   -j  targets fuzzed at once (default 1); each runs one worker
#       (-parallel 1), so on an idle machine its wall time is its CPU time
#   -k  where the kept corpus lives (default reliability/fuzz/corpus)
#   -l  list the targets and exit
#   REGEXP  only targets whose "package.FuzzName" matches (grep -E)
#
# Targets are found, not listed by hand: every `func FuzzX(f *testing.F)` in
# a _test.go file. Go keeps what a fuzz run finds in its build cache
# ($GOCACHE/fuzz/<import path>/<FuzzX>), which is neither shared nor kept;
# this script copies the kept corpus in before a run and the grown one back
# after, so the next run starts where the last one stopped. A crasher Go
# writes to the package's testdata/fuzz/<FuzzX>/, where `go test` then
# replays it as a regression case: commit it with the fix.
#
# Results go to $FUZZ_LOG_DIR (default /tmp/dynago-fuzz): one log per
# target and summary.tsv (target, wall and CPU seconds, execs, corpus
# entries, result). CPU seconds are the go test process tree's, fuzzing
# coordinator included; on a shared machine they fall short of wall time.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"

fuzztime=10m
cpubudget=0
jobs=1
keep=reliability/fuzz/corpus
list=0
while getopts "t:c:j:k:l" opt; do
    case $opt in
    t) fuzztime=$OPTARG ;;
    c) cpubudget=$OPTARG; fuzztime="$((6 * OPTARG))s" ;;
    j) jobs=$OPTARG ;;
    k) keep=$OPTARG ;;
    l) list=1 ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
filter=${1:-.}

module=$(go list -m)
cache="$(go env GOCACHE)/fuzz"
logdir=${FUZZ_LOG_DIR:-/tmp/dynago-fuzz}
mkdir -p "$logdir"

# targets prints "pkgdir FuzzName" for every fuzz target.
targets() {
    grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . |
        sed -E 's#^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]+).*#\1 \2#' |
        sort -u |
        while read -r dir name; do
            if printf '%s.%s\n' "$dir" "$name" | grep -Eq -- "$filter"; then
                echo "$dir $name"
            fi
        done
}

if [ "$list" = 1 ]; then
    targets
    exit 0
fi

# tree_cpu prints the CPU seconds used by process $1 and its descendants
# (those alive, and the children they reaped).
tree_cpu() {
    local ticks pids p
    ticks=$(getconf CLK_TCK)
    pids=$1
    for p in $(pgrep -P "$1" 2>/dev/null); do
        pids="$pids $(tree_pids "$p")"
    done
    for p in $pids; do
        # utime stime cutime cstime: fields 14-17, after the ")" of comm.
        sed -E 's/^.*\) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13 + $14 + $15}'
    done | awk -v t="$ticks" '{s += $1} END {printf "%d", s / t}'
}

tree_pids() {
    local p
    echo "$1"
    for p in $(pgrep -P "$1" 2>/dev/null); do
        tree_pids "$p"
    done
}

# watch_cpu stops the fuzzing under go test process $1 with SIGINT once
# the tree used $cpubudget CPU seconds.
watch_cpu() {
    local gopid=$1 p
    while kill -0 "$gopid" 2>/dev/null; do
        if [ "$(tree_cpu "$gopid")" -ge "$cpubudget" ]; then
            # The test binary (the coordinator) stops its worker and
            # keeps what they found.
            for p in $(pgrep -P "$gopid"); do
                kill -INT "$p" 2>/dev/null || true
            done
            return
        fi
        sleep 5
    done
}

# fuzz_one runs one target and appends its line to summary.tsv.
fuzz_one() {
    local dir=$1 name=$2
    local ipath="$module/$dir"
    local kept="$keep/$dir/$name" cached="$cache/$ipath/$name"
    local log="$logdir/${dir//\//_}.$name.log"
    mkdir -p "$cached" "$kept"
    cp -n "$kept"/* "$cached"/ 2>/dev/null || true
    local start=$SECONDS result=ok cpufile="$log.cpu"
    # Build first, so the CPU time measured below is the fuzzing's.
    go test -c -o /dev/null "./$dir" >"$log" 2>&1 || result=FAIL
    local status=0
    if [ "$result" = ok ]; then
        /usr/bin/time -f '%U %S' -o "$cpufile" \
            go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel 1 "./$dir" >"$log" 2>&1 &
        local timepid=$!
        if [ "$cpubudget" -gt 0 ]; then
            sleep 1
            watch_cpu "$(pgrep -P "$timepid" | head -1)" &
        fi
        wait "$timepid" || status=$?
    fi
    # A run stopped by watch_cpu ends "PASS" (interrupted fuzzing is no failure).
    if [ "$result" = ok ] && [ "$status" != 0 ]; then
        result=FAIL
        # Go's fuzzer sometimes ends a run that found nothing with
        # "context deadline exceeded" when -fuzztime runs out while a
        # worker is mid-input; that is not a finding, but say so.
        if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
            result=deadline
        fi
    fi
    local cpu=0
    # /usr/bin/time writes "Command exited with non-zero status N" first
    # when the run failed; the times are its last line.
    [ -s "$cpufile" ] && cpu=$(tail -n 1 "$cpufile" | awk '{printf "%d", $1 + $2}')
    cp -n "$cached"/* "$kept"/ 2>/dev/null || true
    # go test prints "fuzz: elapsed: 10m0s, execs: 123 (..), new interesting: 4 (total: 90)".
    local execs
    execs=$(grep -Eo 'execs: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
    printf '%s.%s\t%d\t%d\t%s\t%d\t%s\n' "$dir" "$name" $((SECONDS - start)) "$cpu" "$execs" \
        "$(find "$kept" -type f | wc -l)" "$result" >>"$logdir/summary.tsv"
    printf '%-20s %-28s %5ds wall %5ds CPU %12s execs  %s\n' "$dir" "$name" $((SECONDS - start)) "$cpu" "$execs" "$result"
    [ "$result" = ok ] || [ "$result" = deadline ] || tail -30 "$log"
}

printf 'target\twall_s\tcpu_s\texecs\tcorpus\tresult\n' >"$logdir/summary.tsv"
failed=0
running=0
while read -r dir name; do
    fuzz_one "$dir" "$name" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done < <(targets)
wait
if grep -q 'FAIL$' "$logdir/summary.tsv"; then
    failed=1
fi
echo "summary: $logdir/summary.tsv"
exit $failed
