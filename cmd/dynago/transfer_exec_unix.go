//go:build unix

package main

import (
	"os"
	"syscall"
)

// execTransfer replaces this process with bin, so that dynago-transfer
// gets dynago's pid, its standard streams and every signal sent to it
// (Ctrl-C and SIGTERM stop an import resumably) without a parent in
// between. It returns only on failure.
func execTransfer(bin string, args []string) (int, error) {
	return 1, syscall.Exec(bin, append([]string{bin}, args...), os.Environ())
}
