// Package crashloop is the crash loop campaign: dynago is killed with
// SIGKILL again and again under a mixed load (items of a table with a GSI
// and an LSI, TransactWriteItems transfers, TTL deleting expired items),
// and after every kill the campaign checks the data directory with
// `dynago check` and the restarted server through the SDK. It counts
// acknowledged writes lost, index divergences and partial transactions;
// each must be 0.
//
// `go test ./reliability/crashloop` runs the short CI variant (5 cycles);
// the long run is
//
//	go test ./reliability/crashloop -v -timeout 60m -crashloop.cycles=100
package crashloop
