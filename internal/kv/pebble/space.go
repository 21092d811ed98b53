package pebble

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Free-space defaults (Options.FreeSpaceReserve, Options.FreeSpaceInterval).
const (
	// DefaultFreeSpaceReserve is how much free space the store keeps: 64
	// MB, but at most a twentieth of the filesystem (see spaceGuard). It is
	// room for what is already in flight when the guard trips (a memtable
	// flush, a compaction, the WAL records of commits already admitted)
	// and for the operator's own commands.
	DefaultFreeSpaceReserve = 64 << 20

	// DefaultFreeSpaceInterval is how long a free-space reading is
	// trusted: 100 ms. A statfs costs a few microseconds, so this is about
	// keeping it off the commit path, not about its cost.
	DefaultFreeSpaceInterval = 100 * time.Millisecond
)

// ErrNoSpace is returned (wrapped) by a write refused because the
// filesystem is nearly full. Nothing was written. Reads go on, and writes
// are accepted again once space is freed, without a restart. The server
// answers it with InternalServerError, the closest error DynamoDB has (it
// is retried by every SDK).
var ErrNoSpace = errors.New("kv/pebble: the disk is nearly full; writes are refused until space is freed")

// spaceGuard refuses commits while the filesystem's free space is below a
// reserve, so that Pebble itself never meets ENOSPC in its WAL: a WAL
// write that fails cannot be retried (Pebble's log writer keeps its error
// for good), so the store would fail and the server stop (ErrFailed),
// where a refusal lets reads go on and writes resume when space comes back.
//
// The reading is cached for interval and refreshed by the first commit
// after it expires (TryLock: the others use the cached one), so the commit
// path costs a clock read and an atomic load. The guard cannot see space
// that vanishes faster than that; the reserve is there to absorb it, and a
// WAL error past it still stops the server cleanly.
type spaceGuard struct {
	fs       vfs.FS
	dir      string
	reserve  uint64
	interval time.Duration
	log      *slog.Logger

	mu   sync.Mutex   // held by the commit refreshing the reading
	next atomic.Int64 // when the reading expires, in nanoseconds since base
	base time.Time    // for a monotonic clock
	low  atomic.Bool  // free space is below the reserve
}

// newSpaceGuard returns a guard for dir on fs, or nil (no guard) when
// reserve is negative.
func newSpaceGuard(fs vfs.FS, dir string, reserve int64, interval time.Duration, log *slog.Logger) *spaceGuard {
	if reserve < 0 {
		return nil
	}
	if reserve == 0 {
		reserve = DefaultFreeSpaceReserve
	}
	if interval <= 0 {
		interval = DefaultFreeSpaceInterval
	}
	if dir == "" {
		dir = "."
	}
	return &spaceGuard{fs: fs, dir: dir, reserve: uint64(reserve), interval: interval, log: log, base: time.Now()}
}

// check returns ErrNoSpace while free space is below the reserve. A nil
// guard never refuses.
func (g *spaceGuard) check() error {
	if g == nil {
		return nil
	}
	if now := int64(time.Since(g.base)); now >= g.next.Load() && g.mu.TryLock() {
		g.refresh(now)
		g.mu.Unlock()
	}
	if g.low.Load() {
		return ErrNoSpace
	}
	return nil
}

// refresh reads the free space. The reserve is capped at a twentieth of
// the filesystem, so a small volume is not refused from the start. A
// filesystem that cannot say (an in-memory one) is never refused; a
// reading that fails keeps the previous state. Each change of state is
// logged once.
func (g *spaceGuard) refresh(now int64) {
	g.next.Store(now + int64(g.interval))
	u, err := g.fs.GetDiskUsage(g.dir)
	if err != nil {
		return
	}
	reserve := min(g.reserve, u.TotalBytes/20)
	low := u.AvailBytes < reserve
	if low == g.low.Load() {
		return
	}
	g.low.Store(low)
	if low {
		g.log.Error("the disk is nearly full: writes are refused until space is freed; reads go on",
			"component", "pebble", "dir", g.dir, "free_bytes", u.AvailBytes, "reserve_bytes", reserve)
	} else {
		g.log.Info("free space is back above the reserve: writes are accepted again",
			"component", "pebble", "dir", g.dir, "free_bytes", u.AvailBytes, "reserve_bytes", reserve)
	}
}
