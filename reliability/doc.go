// Package reliability holds Dynago's reliability campaigns: tests that run
// a real dynago binary, hurt it (kill -9, overload, long load) and check
// from the outside, through aws-sdk-go-v2, that it kept its promises.
//
// Every campaign has a short variant that `go test ./reliability/...` (and
// CI) runs in a few minutes, and a long one selected by flags:
//
//	go test ./reliability/crashloop -v -crashloop.cycles=100
//	go test ./reliability/soak -v -timeout 40m -soak.duration=30m
//	go test ./reliability/linearize -v -lin.rounds=20
//	DYNAGO_OVERLOAD=1 go test ./reliability/overload -v
//
// Disk faults live beside the store they break, in
// internal/kv/pebble/faults_test.go, since the server cannot yet be started
// on an injected filesystem (docs/reliability.md names the hook it needs).
// Fuzz targets live beside their parsers; scripts/fuzz.sh runs them all.
package reliability
