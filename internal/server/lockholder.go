//go:build unix

package server

// A data directory is one server's: Pebble holds a POSIX write lock on
// its LOCK file while the store is open, and a second server (or `dynago
// check`) on the same directory fails to take it with EAGAIN, which
// Pebble reports as "resource temporarily unavailable". That names
// neither the cause nor the fix, so the error is rewritten to name the
// process holding the lock: F_GETLK on the same file reports the holder's
// pid, and /proc/<pid>/cmdline its command line.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// lockFile is the file Pebble locks in its directory.
const lockFile = "LOCK"

// ErrDataDirLocked is wrapped by the error of opening a data directory
// that another process (or this one) holds open.
var ErrDataDirLocked = errors.New("the data directory is in use")

// ExplainLocked returns err, from opening the store in dir, rewritten to
// name the process holding dir's lock when err is that the lock is held;
// any other err is returned as is.
func ExplainLocked(dir string, err error) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "lock held by current process") {
		return fmt.Errorf("%w: %s is already open in this process: %w", ErrDataDirLocked, dir, err)
	}
	if !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EACCES) &&
		!strings.Contains(err.Error(), syscall.EAGAIN.Error()) {
		return err
	}
	pid, ok := lockHolder(filepath.Join(dir, lockFile))
	if !ok {
		return fmt.Errorf("%w: %s is locked by another process (stop it, or use another --data-dir): %w", ErrDataDirLocked, dir, err)
	}
	return fmt.Errorf("%w: %s is locked by process %d (%s); stop it, or use another --data-dir",
		ErrDataDirLocked, dir, pid, processName(pid))
}

// lockHolder returns the pid holding a write-conflicting POSIX lock on
// path, if any.
func lockHolder(path string) (int, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil || lk.Type == syscall.F_UNLCK || lk.Pid <= 0 {
		return 0, false
	}
	return int(lk.Pid), true
}

// processName returns pid's command line from /proc, or "command line
// unknown" where there is no /proc or it may not be read.
func processName(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return "command line unknown"
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}
