package pebble

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/kvtest"
)

func TestConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		kvtest.Run(t, func(t *testing.T) kv.Store {
			return mustOpen(t, "", Options{InMemory: true})
		})
	})
	t.Run("disk", func(t *testing.T) {
		kvtest.Run(t, func(t *testing.T) kv.Store {
			return mustOpen(t, t.TempDir(), Options{})
		})
	})
}

func mustOpen(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCloseReleasesLeakedHandles: Close must not leave Pebble half-closed
// when a caller forgot a snapshot or iterator; it closes them, says so, and
// the late Close calls are harmless.
func TestCloseReleasesLeakedHandles(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, t.TempDir(), Options{})
	snap, err := s.NewSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	it, err := s.Iter(ctx, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	snapIt, err := snap.Iter(ctx, nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Close()
	if err == nil || !strings.Contains(err.Error(), "3 snapshots or iterators") {
		t.Fatalf("Close = %v, want a report of 3 leaked handles", err)
	}
	if it.Next() || snapIt.Next() {
		t.Error("iterator still iterates after Close")
	}
	if _, err := snap.Get(ctx, []byte("a")); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("snapshot Get after Close = %v, want ErrClosed", err)
	}
	for _, c := range []interface{ Close() error }{it, snapIt, snap} {
		if err := c.Close(); err != nil {
			t.Errorf("late Close: %v", err)
		}
	}
}

// TestReopen: data written on disk is there after a clean Close and Open.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	if err := s.Update(ctx, nil, func(tx kv.Txn) error { return tx.Set([]byte("k"), []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, Options{})
	defer s.Close()
	if v, err := s.Get(ctx, []byte("k")); err != nil || string(v) != "v" {
		t.Fatalf("after reopen Get = %q, %v", v, err)
	}
}

// TestSecondOpenFails: two stores on one directory would corrupt it;
// Pebble's lock file refuses the second.
func TestSecondOpenFails(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	defer s.Close()
	if s2, err := Open(dir, Options{}); err == nil {
		s2.Close()
		t.Fatal("second Open of a directory in use succeeded")
	}
}

// TestLoggerGetsPebbleMessages: Pebble's chatter goes to our logger at
// debug level and nowhere else.
func TestLoggerGetsPebbleMessages(t *testing.T) {
	var buf strings.Builder
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := mustOpen(t, t.TempDir(), Options{Logger: logger})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "component=pebble") {
		t.Fatalf("no Pebble messages reached the logger:\n%s", out)
	}
	if strings.Contains(out, "level=INFO") {
		t.Errorf("Pebble info messages should be logged at debug level:\n%s", out)
	}
}

func TestDefaults(t *testing.T) {
	tests := []struct {
		in       Options
		cache    int64
		memtable uint64
	}{
		{Options{}, DefaultCacheSize, DefaultMemTableSize},
		{Options{CacheSize: 1 << 30, MemTableSize: 64 << 20}, 1 << 30, 64 << 20},
	}
	for _, tc := range tests {
		po := pebbleOptions(tc.in, newFailure())
		// Pebble's cache also carries the memtables' reservation.
		wantCache := tc.cache + int64(memTableCount+1)*int64(tc.memtable)
		if po.CacheSize != wantCache || po.MemTableSize != tc.memtable {
			t.Errorf("pebbleOptions(%+v): cache %d memtable %d, want %d %d",
				tc.in, po.CacheSize, po.MemTableSize, wantCache, tc.memtable)
		}
	}
}

// TestCloseWaitsForUpdates: Close lets a running Update finish and commit,
// and a read the Update makes meanwhile fails fast instead of deadlocking.
func TestCloseWaitsForUpdates(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	inFn, proceed := make(chan struct{}), make(chan struct{})
	updated := make(chan error, 1)
	go func() {
		updated <- s.Update(ctx, [][]byte{[]byte("k")}, func(tx kv.Txn) error {
			close(inFn)
			<-proceed
			if _, err := s.Get(ctx, []byte("other")); !errors.Is(err, kv.ErrClosed) {
				t.Errorf("Get during Close = %v, want ErrClosed", err)
			}
			return tx.Set([]byte("k"), []byte("v"))
		})
	}()
	<-inFn
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	// Close must now refuse new work, yet wait for the Update.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := s.Get(ctx, []byte("k")); errors.Is(err, kv.ErrClosed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Close never shut the gate")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while an Update was running", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(proceed)
	if err := <-updated; err != nil {
		t.Fatalf("Update during Close: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = mustOpen(t, dir, Options{})
	defer s.Close()
	if v, err := s.Get(ctx, []byte("k")); err != nil || string(v) != "v" {
		t.Fatalf("Update that raced Close: Get = %q, %v", v, err)
	}
}
