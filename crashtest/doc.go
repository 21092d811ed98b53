// Package crashtest checks Dynago's durability promise from the outside: a
// dynago child process is killed with SIGKILL while several clients write
// to it, restarted on the same data directory, and every write it had
// acknowledged must be there.
//
// The package has no code of its own. `go test ./crashtest/` runs a few
// short rounds (well under a minute); longer runs take flags:
//
//	go test ./crashtest/ -run TestCrash -v -crash.rounds=50 -crash.writers=16
package crashtest
