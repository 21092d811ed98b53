#!/usr/bin/env bash
# GetItem over the wire with and without --auth (issue 15): starts two
# in-memory dynago servers on free loopback ports, one verifying
# signatures against an auth file (a user allowed dynamodb:*), one not,
# and loads them in turn with dynago-bench's GetItem workload, the order
# swapped every round so that a neighbour's burst falls on both alike.
# Prints each round's figures and, per round, the throughput and server
# CPU per request of --auth over no --auth, and at the end the medians of
# the rounds.
#
#   bench/auth.sh [-rounds 4] [-duration 5s] [-concurrency 16] [-keys 10000] [-server-args "..."] [-together | -ab [SLICE]]
#
# -together loads both servers at the same time instead, each with its
# own client: on a machine busy with other work both pairs then see the
# same neighbours at every instant, and share the cores between them, so
# the throughput ratio is that of each pair's CPU per request (server
# and client), which is what a loaded machine makes of --auth.
#
# -ab loads the two servers in alternating slices of SLICE (250ms)
# instead, with `dynago-bench ab`, -duration being each server's measured
# time (60s is a good figure): both then see the same weather on a
# shared machine, where rounds of seconds scatter by ±15 points, and it
# prints the ratio of the totals and the quartiles of adjacent slices'.
#
# PIN=1 runs both servers on CPU 0 and the load tool on CPU 1 (taskset),
# as bench/run.sh does: the server then has a core to itself, as it has
# when its clients are on other machines, and the ratio is that of the
# server's work; unpinned, server and client share both cores, and every
# microsecond the server adds costs it more than a microsecond of
# throughput (docs/security.md, "Cost").
#
# DYNAGO and DYNAGO_BENCH name the binaries (built into bench/bin/ when
# unset). Server logs go to bench/out/auth-*.log.
set -euo pipefail
cd "$(dirname "$0")"

rounds=4 duration=5s concurrency=16 keys=10000 server_args="--access-log=false" together= ab=
while [ $# -gt 0 ]; do
	case "$1" in
	-rounds) rounds=$2; shift 2 ;;
	-duration) duration=$2; shift 2 ;;
	-concurrency) concurrency=$2; shift 2 ;;
	-keys) keys=$2; shift 2 ;;
	-server-args) server_args=$2; shift 2 ;;
	-together) together=1; shift ;;
	-ab)
		ab=250ms
		shift
		if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then ab=$1; shift; fi
		;;
	*) echo "unknown flag $1" >&2; exit 2 ;;
	esac
done

mkdir -p bin out
if [ -z "${DYNAGO:-}" ]; then
	(cd .. && go build -o bench/bin/dynago ./cmd/dynago)
	DYNAGO=bin/dynago
fi
if [ -z "${DYNAGO_BENCH:-}" ]; then
	(cd .. && go build -o bench/bin/dynago-bench ./cmd/dynago-bench)
	DYNAGO_BENCH=bin/dynago-bench
fi

key=AKIABENCHAUTH secret=bench-auth-secret
authfile=$(mktemp /tmp/dynago-bench-auth-XXXXXX.json)
cat >"$authfile" <<EOF
{"accounts": {"111111111111": {"users": {"bench": {
  "accessKeys": [{"id": "$key", "secret": "$secret"}],
  "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]}}}}}
EOF

pin_server=() pin_client=()
if [ "${PIN:-0}" = 1 ]; then
	pin_server=(taskset -c 0) pin_client=(taskset -c 1)
fi

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -f "$authfile"
}
trap cleanup EXIT

# start NAME ARGS...: starts a server on a free port; sets url and pid.
start() {
	local name=$1 log=out/auth-$1.log
	shift
	# shellcheck disable=SC2086
	"${pin_server[@]}" "$DYNAGO" serve --port 0 --in-memory --throttle=false $server_args "$@" >"$log" 2>&1 &
	pid=$!
	pids+=("$pid")
	url=
	for _ in $(seq 300); do
		url=$(sed -n 's/.*msg="dynago serving the DynamoDB API" url=\([^ ]*\).*/\1/p' "$log")
		[ -n "$url" ] && return
		sleep 0.1
	done
	echo "$name did not start; see $log" >&2
	exit 1
}

start none
none_url=$url none_pid=$pid
start auth --auth "$authfile"
auth_url=$url auth_pid=$pid
echo "# $(uptime)"
echo "# none: $none_url (pid $none_pid); auth: $auth_url (pid $auth_pid); server args: $server_args${PIN:+; servers on CPU 0, load on CPU 1}"

common=(-workload get -duration "$duration" -concurrency "$concurrency" -keys "$keys")
# Create and load each table once; the rounds only read.
"${pin_client[@]}" "$DYNAGO_BENCH" run -endpoint "$none_url" "${common[@]}" -duration 1s -warmup 0s >/dev/null
"${pin_client[@]}" "$DYNAGO_BENCH" run -endpoint "$auth_url" "${common[@]}" -duration 1s -warmup 0s \
	-access-key "$key" -secret-key "$secret" >/dev/null

if [ -n "$ab" ]; then
	"${pin_client[@]}" "$DYNAGO_BENCH" ab -setup=false -a "$none_url" -a-pid "$none_pid" -a-name none \
		-b "$auth_url" -b-pid "$auth_pid" -b-name auth -b-access-key "$key" -b-secret-key "$secret" \
		-slice "$ab" "${common[@]}"
	exit
fi

# run MODE: one measured window; prints "req/s server-µs/req errors".
run() {
	local out
	if [ "$1" = none ]; then
		out=$("${pin_client[@]}" "$DYNAGO_BENCH" run -setup=false -endpoint "$none_url" -server-pid "$none_pid" -name none "${common[@]}")
	else
		out=$("${pin_client[@]}" "$DYNAGO_BENCH" run -setup=false -endpoint "$auth_url" -server-pid "$auth_pid" -name auth \
			-access-key "$key" -secret-key "$secret" "${common[@]}")
	fi
	echo "$out" | sed 's/^/#   /' >&2
	echo "$out" | awk '$1 == "none" || $1 == "auth" { print $3, $11, $9 }'
}

ratios=()
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then order="none auth"; else order="auth none"; fi
	if [ -n "$together" ]; then
		tmp=$(mktemp -d)
		loads=()
		for m in $order; do
			run "$m" >"$tmp/$m" &
			loads+=($!)
		done
		wait "${loads[@]}" # not the servers, which are jobs too
	fi
	for m in $order; do
		if [ -n "$together" ]; then
			read -r rps cpu errs <"$tmp/$m"
		else
			read -r rps cpu errs < <(run "$m")
		fi
		if [ "$errs" != 0 ]; then
			echo "$m: $errs errors" >&2
			exit 1
		fi
		eval "${m}_rps=$rps ${m}_cpu=$cpu"
	done
	[ -n "$together" ] && rm -r "$tmp"
	awk -v r="$r" -v nr="$none_rps" -v ar="$auth_rps" -v nc="$none_cpu" -v ac="$auth_cpu" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
		printf "round %d: none %s req/s %s µs/req, auth %s req/s %s µs/req: throughput %.1f %%, server CPU/req %.1f %% (load %s)\n", r, nr, nc, ar, ac, 100*ar/nr, 100*ac/nc, load }'
	ratios+=("$(awk -v nr="$none_rps" -v ar="$auth_rps" -v nc="$none_cpu" -v ac="$auth_cpu" 'BEGIN { printf "%.1f %.1f", 100*ar/nr, 100*ac/nc }')")
done

# The medians: a round's ratio moves by ±10 points or more with where
# the threads land on a shared machine (docs/security.md, "Cost").
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ t[NR] = $1 } END {
	m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
	printf "median of %d rounds: throughput %.1f %%", NR, m }'
printf '%s\n' "${ratios[@]}" | sort -n -k2 | awk '{ c[NR] = $2 } END {
	m = NR % 2 ? c[(NR + 1) / 2] : (c[NR / 2] + c[NR / 2 + 1]) / 2
	printf ", server CPU/req %.1f %%\n", m }'
