// Package soak is the soak campaign: a mixed workload of every item, batch,
// transaction and query operation, with tables created and deleted, GSIs
// added to full tables (backfills) and TTL deleting expired items, against
// one dynago process for a long time. Every interval it reports the
// process's resident memory, goroutines, open files and the interval's
// request p50/p99, and at the end it checks that memory, goroutines and
// open files stayed flat: a leak grows one of them with time.
//
// `go test ./reliability/soak` runs the short CI variant (75 s, sampled
// every 15 s); the long run is
//
//	go test ./reliability/soak -v -timeout 45m -soak.duration=30m -soak.every=1m
package soak
