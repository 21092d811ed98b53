package pebble

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/dynago/dynago/internal/kv"
)

// TestUnsyncedTouches: a registered commit matches exactly the reads that
// cover a key it wrote, point or range, including range deletions.
func TestUnsyncedTouches(t *testing.T) {
	s := mustOpen(t, "", Options{InMemory: true})
	defer s.Close()
	b := s.db.NewBatch()
	defer b.Close()
	_ = b.Set([]byte("a"), []byte("1"), nil)
	_ = b.Set([]byte("c"), []byte("1"), nil)
	_ = b.DeleteRange([]byte("m"), []byte("p"), nil)
	var u unsynced
	p := u.add(b)
	k := func(s string) []byte {
		if s == "" {
			return nil
		}
		return []byte(s)
	}
	for _, tc := range []struct {
		start, end string
		isRange    bool
		want       bool
	}{
		{"a", "", false, true},
		{"b", "", false, false},
		{"c", "", false, true},
		{"m", "", false, true},
		{"o", "", false, true},
		{"p", "", false, false},
		{"0", "", false, false},
		{"z", "", false, false},
		{"b", "c", true, false},
		{"b", "c\x00", true, true},
		{"", "a", true, false},
		{"", "a\x00", true, true},
		{"d", "m", true, false},
		{"d", "m\x00", true, true},
		{"n", "z", true, true},
		{"p", "z", true, false},
		{"p", "", true, false},
		{"", "", true, true},
	} {
		if got := p.touches(k(tc.start), k(tc.end), tc.isRange); got != tc.want {
			t.Errorf("touches(%q, %q, range=%v) = %v, want %v", tc.start, tc.end, tc.isRange, got, tc.want)
		}
	}
	// Collect finds it only up to its generation, and not once it is done.
	if ps, _ := u.collect([]byte("a"), nil, false, p.gen-1, nil); len(ps) != 0 {
		t.Errorf("a read older than the commit waits for it")
	}
	if ps, _ := u.collect([]byte("a"), nil, false, anyGen, nil); len(ps) != 1 {
		t.Errorf("a read of a key being committed does not wait for it")
	}
	u.done(p, nil)
	if ps, _ := u.collect([]byte("a"), nil, false, anyGen, nil); len(ps) != 0 || u.n.Load() != 0 {
		t.Errorf("a durable commit is still waited for")
	}
}

// usageFS reports avail free bytes of total.
type usageFS struct {
	vfs.FS
	avail, total atomic.Uint64
}

func (f *usageFS) GetDiskUsage(string) (vfs.DiskUsage, error) {
	a, t := f.avail.Load(), f.total.Load()
	return vfs.DiskUsage{AvailBytes: a, TotalBytes: t, UsedBytes: t - a}, nil
}

// TestFreeSpaceGuard: below the reserve, commits are refused with
// ErrNoSpace and nothing is written, reads go on, and writes resume when
// space is back, without reopening. The reserve is capped at a twentieth
// of the filesystem.
func TestFreeSpaceGuard(t *testing.T) {
	ctx := context.Background()
	fs := &usageFS{FS: vfs.Default}
	fs.total.Store(100 << 30)
	fs.avail.Store(50 << 30)
	s := mustOpen(t, t.TempDir(), Options{FS: fs, FreeSpaceInterval: time.Nanosecond})
	defer s.Close()
	set := func(k string) error {
		return s.Update(ctx, [][]byte{[]byte(k)}, func(tx kv.Txn) error { return tx.Set([]byte(k), []byte(k)) })
	}
	if err := set("before"); err != nil {
		t.Fatal(err)
	}
	fs.avail.Store(DefaultFreeSpaceReserve - 1)
	if err := set("during"); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("a commit with the disk nearly full = %v, want ErrNoSpace", err)
	}
	if err := s.DropRange(ctx, []byte("a"), []byte("b")); !errors.Is(err, ErrNoSpace) {
		t.Errorf("DropRange with the disk nearly full = %v, want ErrNoSpace", err)
	}
	if v, err := s.Get(ctx, []byte("before")); err != nil || string(v) != "before" {
		t.Errorf("a read with the disk nearly full = %q, %v", v, err)
	}
	if _, err := s.Get(ctx, []byte("during")); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("the refused write is there: %v", err)
	}
	fs.avail.Store(DefaultFreeSpaceReserve + 1)
	if err := set("after"); err != nil {
		t.Errorf("a commit once space is back = %v", err)
	}
	if s.Err() != nil {
		t.Errorf("the store failed: %v", s.Err())
	}
	// A 1 GB filesystem keeps 50 MB, not 64.
	fs.total.Store(1 << 30)
	fs.avail.Store(60 << 20)
	if err := set("small"); err != nil {
		t.Errorf("a commit with 60 MB free of 1 GB = %v (reserve not capped)", err)
	}
	fs.avail.Store(40 << 20)
	if err := set("small"); !errors.Is(err, ErrNoSpace) {
		t.Errorf("a commit with 40 MB free of 1 GB = %v, want ErrNoSpace", err)
	}
}

// TestFreeSpaceGuardCachesTheReading: within the interval the guard uses
// its last reading, so a commit costs no statfs.
func TestFreeSpaceGuardCachesTheReading(t *testing.T) {
	fs := &usageFS{FS: vfs.NewMem()}
	fs.total.Store(100 << 30)
	fs.avail.Store(50 << 30)
	g := newSpaceGuard(fs, "", 0, time.Hour, slog.New(slog.DiscardHandler))
	if err := g.check(); err != nil {
		t.Fatal(err)
	}
	fs.avail.Store(0)
	if err := g.check(); err != nil {
		t.Errorf("the guard read the free space again within its interval")
	}
	g.next.Store(0) // the interval has passed
	if err := g.check(); !errors.Is(err, ErrNoSpace) {
		t.Errorf("after the interval: %v, want ErrNoSpace", err)
	}
	if newSpaceGuard(fs, "", -1, 0, nil).check() != nil {
		t.Errorf("a disabled guard refused")
	}
}

// TestFailedStore: a WAL fsync error fails the store: the commit in flight
// gets ErrFailed (never success), Failed is closed, every later call is
// refused, Close reports the failure, and reopening brings back every
// acknowledged write and nothing else.
func TestFailedStore(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	var on atomic.Bool
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if on.Load() && walFileName(op.Path) && (op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData) {
			return errorfs.ErrInjected
		}
		return nil
	})
	s := mustOpen(t, dir, Options{FS: errorfs.Wrap(vfs.Default, inj)})
	set := func(k string) error {
		return s.Update(ctx, [][]byte{[]byte(k)}, func(tx kv.Txn) error { return tx.Set([]byte(k), []byte(k)) })
	}
	if err := set("acked"); err != nil {
		t.Fatal(err)
	}
	on.Store(true)
	if err := set("failed"); !errors.Is(err, ErrFailed) || !errors.Is(err, errorfs.ErrInjected) {
		t.Fatalf("the commit whose fsync failed = %v, want ErrFailed wrapping the cause", err)
	}
	on.Store(false)
	select {
	case <-s.Failed():
	default:
		t.Error("Failed is not closed")
	}
	if _, err := s.Get(ctx, []byte("failed")); !errors.Is(err, ErrFailed) {
		t.Errorf("Get on the failed store = %v, want ErrFailed", err)
	}
	if err := set("later"); !errors.Is(err, ErrFailed) {
		t.Errorf("Update on the failed store = %v, want ErrFailed", err)
	}
	if _, err := s.NewSnapshot(ctx); !errors.Is(err, ErrFailed) {
		t.Errorf("NewSnapshot on the failed store = %v, want ErrFailed", err)
	}
	if err := s.Close(); !errors.Is(err, ErrFailed) {
		t.Errorf("Close of the failed store = %v, want ErrFailed", err)
	}
	r := mustOpen(t, dir, Options{})
	defer r.Close()
	if v, err := r.Get(ctx, []byte("acked")); err != nil || string(v) != "acked" {
		t.Errorf("the acknowledged write after reopening: %q, %v", v, err)
	}
	if _, err := r.Get(ctx, []byte("later")); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("a write refused by the failed store is there: %v", err)
	}
}

func walFileName(p string) bool { return filepath.Ext(p) == ".log" }

// TestFatalfFailsTheStore: Pebble's Fatalf (a MANIFEST sync failed, say)
// fails the store and parks the goroutine that called it, instead of a
// panic that the wire layer would recover or that would kill the process.
func TestFatalfFailsTheStore(t *testing.T) {
	s := mustOpen(t, "", Options{InMemory: true})
	logger := slogLogger{l: slog.New(slog.DiscardHandler), failure: s.failure} // as Open gives Pebble
	go logger.Fatalf("pebble: MANIFEST sync failed: %v", errorfs.ErrInjected)
	select {
	case <-s.Failed():
	case <-time.After(10 * time.Second):
		t.Fatal("Fatalf did not fail the store")
	}
	if err := s.Err(); !errors.Is(err, ErrFailed) {
		t.Errorf("Err() = %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrFailed) {
		t.Errorf("Close after Fatalf = %v, want ErrFailed", err)
	}
}
