#!/usr/bin/env bash
# Issue 7's side-by-side performance run, in one go: installs dynalite (npm
# ci, pinned by package-lock.json), builds dynago and dynago-bench, then
# starts dynalite (in memory), the two bare Go baseline servers (net/http
# and fasthttp, a fixed body each), dynago in memory and dynago durable (--data-dir, fsync'd) one after another on loopback
# ports, runs every workload against each, and prints the figures, the
# ratios against dynalite and the targets, met or not.
#
#   bench/run.sh                          # defaults: 16 clients, 5 s windows
#   bench/run.sh -rounds 3 -duration 10s  # steadier figures on a noisy box
#   SCALE=1 bench/run.sh                  # also Query with 10^4 vs 10^6 items
#   PIN=1 bench/run.sh                    # servers on CPU 0, the load tool on CPU 1
#
# The figures also go to bench/out/compare.csv, and dynago-bench plot draws
# them as bench/throughput.png and bench/p99.png (bench/pinned-*.png with
# PIN=1), the README's plots; bench/compare.csv is the CSV of the run the
# README shows (copy bench/out/compare.csv there with the plots).
#
# Any argument is passed to `dynago-bench compare` (see -h). Server logs go
# to bench/out/. Every run stops by itself; only 127.0.0.1 is targeted.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=bench/bin
mkdir -p "$bin" bench/out
if [ ! -f bench/node_modules/dynalite/cli.js ]; then
	(cd bench && npm ci --no-audit --no-fund --loglevel=error)
fi
go build -o "$bin/dynago" ./cmd/dynago
go build -o "$bin/dynago-bench" ./cmd/dynago-bench

extra=()
if [ "${SCALE:-0}" = 1 ]; then
	extra+=(-scale)
fi
pin=()
plot=bench/
if [ "${PIN:-0}" = 1 ]; then
	plot=bench/pinned-
	# Two busy processes time-sliced over the same two cores is what makes
	# the p99 tail; pinned apart, each gets its own core (README, Performance).
	pin=(taskset -c 1)
	extra+=(-server-cpus 0)
fi
"${pin[@]}" "$bin/dynago-bench" compare \
	-dynago "$bin/dynago" \
	-dynalite bench/node_modules/dynalite/cli.js \
	-log-dir bench/out \
	-csv bench/out/compare.csv \
	"${extra[@]}" "$@"

# The README's plots: throughput and p99 per workload, every server.
"$bin/dynago-bench" plot -in bench/out/compare.csv \
	-throughput "${plot}throughput.png" -p99 "${plot}p99.png" \
	-title "$(date -u +%F), commit $(git rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end${PIN:+, servers pinned to CPU 0}"

echo
echo "## Start-up, ${STARTUP_RUNS:-10} runs each"
"$bin/dynago-bench" startup -dynago "$bin/dynago" -dynalite bench/node_modules/dynalite/cli.js -runs "${STARTUP_RUNS:-10}"
