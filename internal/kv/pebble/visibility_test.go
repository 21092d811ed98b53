package pebble

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/dynago/dynago/internal/kv"
)

// TestReadNeverSeesAWriteACrashErases is the regression test of a bug the
// linearizability campaign found (reliability/linearize, -lin.kill9):
// Pebble publishes a committed batch to readers before its WAL record has
// even been written to the file (the log writer's flush goroutine writes
// it later, then syncs). A reader could therefore return a value that a
// kill -9 at that moment erases, although the page cache survives a kill
// -9: the bytes never reached it. Reads now wait for the commits they
// touch to be durable (visibility.go).
//
// The test holds the WAL's next write, commits a key (the Update blocks,
// waiting for its sync), reads the key from another goroutine, and
// crash-clones the filesystem keeping even unsynced data, as a kill -9
// does. The read must not have returned the value unless the clone has it.
func TestReadNeverSeesAWriteACrashErases(t *testing.T) {
	mem := vfs.NewCrashableMem()
	hold := &holdWAL{FS: mem, release: make(chan struct{})}
	s := mustOpen(t, "db", Options{FS: hold})
	ctx := context.Background()
	if err := s.Update(ctx, [][]byte{[]byte("k")}, func(tx kv.Txn) error { return tx.Set([]byte("k"), []byte("old")) }); err != nil {
		t.Fatal(err)
	}
	hold.arm()
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, [][]byte{[]byte("k")}, func(tx kv.Txn) error { return tx.Set([]byte("k"), []byte("new")) })
	}()
	// Wait until the commit's WAL write is held, then read.
	select {
	case <-hold.held:
	case <-time.After(10 * time.Second):
		t.Fatal("the WAL write never came")
	}
	// Pebble itself shows the write (so the test proves something) ...
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if v, err := get(s.db, []byte("k")); err == nil && string(v) == "new" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the commit never became visible in Pebble")
		}
	}
	// ... but no read of the store returns it: each waits for the sync
	// (and gives up when its context ends).
	var seen []byte
	for name, read := range visibilityReads(s) {
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		v, err := read(short, []byte("k"))
		cancel()
		switch {
		case errors.Is(err, context.DeadlineExceeded):
		case err != nil:
			t.Fatalf("%s: %v", name, err)
		default:
			t.Logf("%s returned %q during the commit", name, v)
			if string(v) == "new" {
				seen = v
			}
		}
	}
	clone := mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rand.New(rand.NewPCG(1, 1))})
	close(hold.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Once durable, every read returns it.
	for name, read := range visibilityReads(s) {
		if v, err := read(ctx, []byte("k")); err != nil || string(v) != "new" {
			t.Errorf("%s after the commit = %q, %v; want \"new\"", name, v, err)
		}
	}
	s.Close()

	after := mustOpen(t, "db", Options{FS: clone})
	defer after.Close()
	v, err := after.Get(ctx, []byte("k"))
	if err != nil && !errors.Is(err, kv.ErrNotFound) {
		t.Fatal(err)
	}
	t.Logf("read during the commit: %q; after a crash at that moment: %q", seen, v)
	if string(seen) == "new" && string(v) != "new" {
		t.Errorf("a read returned %q, which the crash then erased (the key is %q after it)", seen, v)
	}
	if string(v) == "new" {
		t.Errorf("the crash clone kept the held WAL write: the test proved nothing")
	}
}

// visibilityReads are every way to read a key of s: each returns the
// key's value (nil if absent).
func visibilityReads(s *Store) map[string]func(context.Context, []byte) ([]byte, error) {
	orNil := func(v []byte, err error) ([]byte, error) {
		if errors.Is(err, kv.ErrNotFound) {
			return nil, nil
		}
		return v, err
	}
	iterRead := func(ctx context.Context, r kv.Reader, key []byte) ([]byte, error) {
		it, err := r.Iter(ctx, key, append(bytes.Clone(key), 0), false)
		if err != nil {
			return nil, err
		}
		defer it.Close()
		var v []byte
		if it.Next() {
			v = bytes.Clone(it.Value())
		}
		return v, it.Err()
	}
	withSnap := func(ctx context.Context, f func(kv.Snapshot) ([]byte, error)) ([]byte, error) {
		snap, err := s.NewSnapshot(ctx)
		if err != nil {
			return nil, err
		}
		defer snap.Close()
		return f(snap)
	}
	// An Update that reads the key without naming it and then fails
	// returns only its error: v carries what it read out.
	inTxn := func(ctx context.Context, key []byte, iter bool) ([]byte, error) {
		var v []byte
		errRead := errors.New("read only")
		err := s.Update(ctx, nil, func(tx kv.Txn) (err error) {
			if iter {
				v, err = iterRead(ctx, tx, key)
			} else {
				v, err = orNil(tx.Get(ctx, key))
			}
			if err != nil {
				return err
			}
			return errRead
		})
		if errors.Is(err, errRead) {
			return v, nil
		}
		return nil, err
	}
	return map[string]func(context.Context, []byte) ([]byte, error){
		"Store.Get":  func(ctx context.Context, k []byte) ([]byte, error) { return orNil(s.Get(ctx, k)) },
		"Store.Iter": func(ctx context.Context, k []byte) ([]byte, error) { return iterRead(ctx, s, k) },
		"Snapshot.Get": func(ctx context.Context, k []byte) ([]byte, error) {
			return withSnap(ctx, func(sn kv.Snapshot) ([]byte, error) { return orNil(sn.Get(ctx, k)) })
		},
		"Snapshot.Iter": func(ctx context.Context, k []byte) ([]byte, error) {
			return withSnap(ctx, func(sn kv.Snapshot) ([]byte, error) { return iterRead(ctx, sn, k) })
		},
		"Txn.Get":  func(ctx context.Context, k []byte) ([]byte, error) { return inTxn(ctx, k, false) },
		"Txn.Iter": func(ctx context.Context, k []byte) ([]byte, error) { return inTxn(ctx, k, true) },
	}
}

// holdWAL blocks the first WAL write after arm until release is closed.
type holdWAL struct {
	vfs.FS
	mu      sync.Mutex
	armed   bool
	held    chan struct{}
	release chan struct{}
}

func (h *holdWAL) arm() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.armed, h.held = true, make(chan struct{})
}

func (h *holdWAL) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil || !strings.HasSuffix(name, ".log") {
		return f, err
	}
	return &heldFile{File: f, h: h}, nil
}

func (h *holdWAL) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := h.FS.Create(name, cat)
	return h.wrap(name, f, err)
}

func (h *holdWAL) ReuseForWrite(oldname, newname string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := h.FS.ReuseForWrite(oldname, newname, cat)
	return h.wrap(newname, f, err)
}

type heldFile struct {
	vfs.File
	h *holdWAL
}

func (f *heldFile) Write(p []byte) (int, error) {
	f.h.mu.Lock()
	armed := f.h.armed
	f.h.armed = false
	f.h.mu.Unlock()
	if armed {
		close(f.h.held)
		<-f.h.release
	}
	return f.File.Write(p)
}
