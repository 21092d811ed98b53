package main

import "runtime"

// minProcs is the fewest Go processors (GOMAXPROCS) dynago serves a
// durable store with.
//
// Why: a durable write ends in a WAL fsync, a blocking system call. With a
// single P (a one-CPU container, or `taskset -c 0`, where Go sets
// GOMAXPROCS to 1) the goroutine in fdatasync holds the only P until the
// runtime's monitor notices and hands it off, which takes up to
// milliseconds when the monitor is backing off; meanwhile no request is
// served. Measured on one pinned core, 16 clients, durable PutItem: 3.7-5k
// requests/s with a p99 of ~20 ms at GOMAXPROCS=1, 16-17k with a p99 of
// 3-4 ms at GOMAXPROCS=2.
//
// Not for --in-memory: nothing on its request path blocks a thread, and on
// one core a second P only makes the OS time-slice two busy threads (p99 of
// GetItem on one pinned core: 0.55 ms with one P, 4.2 ms with two).
const minProcs = 2

// procsFor returns the GOMAXPROCS to run with, given the current one and
// the GOMAXPROCS environment variable: an explicit setting is the
// operator's and is kept.
func procsFor(current int, env string) int {
	if env != "" || current >= minProcs {
		return current
	}
	return minProcs
}

// ensureProcs raises GOMAXPROCS to minProcs unless the environment set it.
func ensureProcs(getenv func(string) string) {
	cur := runtime.GOMAXPROCS(0)
	if want := procsFor(cur, getenv("GOMAXPROCS")); want != cur {
		runtime.GOMAXPROCS(want)
	}
}
