package pebble

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/kvtest"
)

// ackLog records which keys Update has acknowledged, with their values.
type ackLog struct {
	mu   sync.Mutex
	acks map[string]string
}

func (a *ackLog) add(k, v string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.acks == nil {
		a.acks = make(map[string]string)
	}
	a.acks[k] = v
}

func (a *ackLog) snapshot() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]string, len(a.acks))
	for k, v := range a.acks {
		out[k] = v
	}
	return out
}

// writeUntil runs concurrent writers, each committing its own keys (and a
// shared counter key, so Updates contend), until stop is closed.
func writeUntil(s *Store, writers int, stop <-chan struct{}, acked func(k, v string), fail func(error)) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k, v := fmt.Sprintf("w%d/%06d", w, i), fmt.Sprintf("value-%d-%d", w, i)
				err := s.Update(context.Background(), [][]byte{[]byte(k), []byte("shared")}, func(tx kv.Txn) error {
					if err := tx.Set([]byte(k), []byte(v)); err != nil {
						return err
					}
					return tx.Set([]byte("shared"), []byte(k))
				})
				if err != nil {
					fail(err)
					return
				}
				acked(k, v)
			}
		})
	}
	return &wg
}

// checkAcked reopens nothing; it reads every acknowledged key from s.
func checkAcked(t *testing.T, s *Store, acks map[string]string) {
	t.Helper()
	lost := 0
	for k, want := range acks {
		got, err := s.Get(context.Background(), []byte(k))
		if err != nil || string(got) != want {
			if lost++; lost <= 5 {
				t.Errorf("acknowledged %s = %q lost: got %q, %v", k, want, got, err)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged writes lost", lost, len(acks))
	}
}

// TestPowerLossKeepsAcknowledgedWrites simulates power loss with Pebble's
// crashable in-memory filesystem: CrashClone keeps exactly the data that
// was synced, as a disk would after losing power. Every write acknowledged
// before the crash must be in the clone. A control write committed without
// sync must be missing from it, proving the simulation drops unsynced data
// and so that the first check can fail.
func TestPowerLossKeepsAcknowledgedWrites(t *testing.T) {
	fs := vfs.NewCrashableMem()
	s := mustOpen(t, "db", Options{FS: fs})

	var log ackLog
	stop := make(chan struct{})
	errs := make(chan error, 4)
	wg := writeUntil(s, 4, stop, log.add, func(err error) { errs <- err })
	deadline := time.Now().Add(10 * time.Second)
	for len(log.snapshot()) < 200 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// Crash while writers are mid-flight: everything acknowledged before
	// CrashClone starts must survive.
	ackedBefore := log.snapshot()
	crashed := fs.CrashClone(vfs.CrashCloneCfg{})
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// Control: an unsynced commit vanishes in a second crash.
	ackedAll := log.snapshot()
	if err := s.db.Set([]byte("unsynced"), []byte("x"), pdb.NoSync); err != nil {
		t.Fatal(err)
	}
	crashedControl := fs.CrashClone(vfs.CrashCloneCfg{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	t.Logf("%d writes acknowledged before the mid-flight crash, %d in all", len(ackedBefore), len(ackedAll))
	if len(ackedBefore) == 0 {
		t.Fatal("no writes acknowledged before the crash")
	}
	s1 := mustOpen(t, "db", Options{FS: crashed})
	checkAcked(t, s1, ackedBefore)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := mustOpen(t, "db", Options{FS: crashedControl})
	defer s2.Close()
	checkAcked(t, s2, ackedAll)
	if _, err := s2.Get(context.Background(), []byte("unsynced")); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("control write committed without sync survived the crash (Get = %v): "+
			"the simulation keeps unsynced data, so it cannot catch a missing sync", err)
	}
}

// crashChildEnv names the data directory when the test binary runs as the
// child of TestKill9KeepsAcknowledgedWrites.
const crashChildEnv = "DYNAGO_KV_CRASH_CHILD_DIR"

// TestKill9KeepsAcknowledgedWrites runs writers in a child process (this
// test binary, re-executed), which prints each key as Update acknowledges
// it; the parent kills it with SIGKILL mid-stream, reopens the directory and
// checks every printed key. This covers the real on-disk path (file
// creation, WAL recycling, recovery); TestPowerLossKeepsAcknowledgedWrites
// covers the fsyncs, which kill -9 cannot (the page cache survives it).
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9KeepsAcknowledgedWrites$", "-test.v")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := make(map[string]string)
	sc := bufio.NewScanner(stdout)
	killed := false
	kill := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() }) // a stuck child
	defer kill.Stop()
	// Kill at a random point so the crash lands anywhere in a commit.
	killAt := 300 + rand.IntN(300)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "ack "), "=")
		if !ok || !strings.HasPrefix(sc.Text(), "ack ") {
			continue // go test's own output
		}
		acks[k] = v
		if !killed && len(acks) >= killAt {
			_ = cmd.Process.Kill() // SIGKILL: no deferred code, no Close
			killed = true
		}
		// Keep reading: lines already in the pipe were acknowledged too.
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("child stopped after %d acks without being killed", len(acks))
	}
	t.Logf("child killed after %d acknowledged writes", len(acks))
	s := mustOpen(t, dir, Options{})
	defer s.Close()
	checkAcked(t, s, acks)
}

// crashChild writes until killed, printing "ack key=value" after each
// acknowledged Update. It exits on its own after a while in case the parent
// died.
func crashChild(dir string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	stop := make(chan struct{})
	time.AfterFunc(30*time.Second, func() { close(stop) })
	wg := writeUntil(s, 4, stop, func(k, v string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, "ack %s=%s\n", k, v)
		out.Flush() // printed only after Update returned
	}, func(err error) {
		fmt.Fprintln(os.Stderr, "child update:", err)
		os.Exit(2)
	})
	wg.Wait()
	os.Exit(3)
}

// TestKill9KeepsServedLogRecords runs the conformance suite's kill -9
// rounds on an on-disk store: every record ReadLog served before a SIGKILL
// is there after it, with its Seq, and the watermark never goes back.
func TestKill9KeepsServedLogRecords(t *testing.T) {
	kvtest.RunKill9(t, kvtest.Kill9Options{
		Open:   func(dir string) (kv.Store, error) { return Open(dir, Options{}) },
		Rounds: 4,
	})
}

// syncGate is a filesystem whose WAL syncs can be held: while closed, a
// Sync of a WAL file waits until it opens again. With a crashable
// in-memory filesystem below, it leaves a commit written and visible but
// not durable for as long as a test needs.
type syncGate struct {
	vfs.FS
	mu     sync.Mutex
	closed chan struct{} // nil while open
	held   atomic.Int64  // syncs waiting
}

func (g *syncGate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = make(chan struct{})
}

func (g *syncGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed != nil {
		close(g.closed)
		g.closed = nil
	}
}

func (g *syncGate) wait() {
	g.mu.Lock()
	ch := g.closed
	g.mu.Unlock()
	if ch != nil {
		g.held.Add(1)
		<-ch
		g.held.Add(-1)
	}
}

func (g *syncGate) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil || !strings.HasSuffix(name, ".log") {
		return f, err
	}
	return &gatedFile{File: f, g: g}, nil
}

func (g *syncGate) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := g.FS.Create(name, cat)
	return g.wrap(name, f, err)
}

func (g *syncGate) ReuseForWrite(oldname, newname string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := g.FS.ReuseForWrite(oldname, newname, cat)
	return g.wrap(newname, f, err)
}

type gatedFile struct {
	vfs.File
	g *syncGate
}

func (f *gatedFile) Sync() error     { f.g.wait(); return f.File.Sync() }
func (f *gatedFile) SyncData() error { f.g.wait(); return f.File.SyncData() }

// TestPowerLossLogNotServedBeforeDurable holds the WAL sync of a commit
// that appends a record: the record is in Pebble's memtable but not
// durable, and neither ReadLog, nor the watermark, nor WaitLog, nor a Get
// of its item, nor a snapshot's LogPosition may reveal it. A crash
// at that moment (CrashClone keeps exactly what was synced) erases it,
// which is what serving it would have got wrong. Once the sync completes
// the record is served.
func TestPowerLossLogNotServedBeforeDurable(t *testing.T) {
	ctx := context.Background()
	mem := vfs.NewCrashableMem()
	g := &syncGate{FS: mem}
	s := mustOpen(t, "db", Options{FS: g})
	appendTo := func(s *Store, value string) error {
		return s.Update(ctx, [][]byte{[]byte("item/" + value)}, func(tx kv.Txn) error {
			return errors.Join(tx.Set([]byte("item/"+value), []byte(value)), tx.AppendLog([]byte("L"), []byte(value)))
		})
	}
	appendRecord := func(value string) error { return appendTo(s, value) }
	if err := appendRecord("first"); err != nil {
		t.Fatal(err)
	}
	first, _ := s.LogWatermark(ctx, []byte("L"))

	g.hold()
	committed := make(chan error, 1)
	go func() { committed <- appendRecord("second") }()
	// Wait until the second commit is visible to Pebble's readers (read
	// past the store, whose reads would wait for the sync).
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := get(s.db, []byte("item/second")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second commit never became visible")
		}
		time.Sleep(time.Millisecond)
	}
	if g.held.Load() == 0 {
		t.Fatal("no WAL sync is being held: the test would prove nothing")
	}
	// The store's own reads wait for the sync (visibility.go): the item
	// and the snapshot's log position both stay out of reach.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	if got, err := s.Get(short, []byte("item/second")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get of the unsynced commit's item = %q, %v; want it to wait until its ctx ended", got, err)
	}
	cancel()
	snap, err := s.NewSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	if pos, err := snap.LogPosition(short, []byte("L")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("LogPosition over the unsynced commit = %d, %v; want it to wait until its ctx ended", pos, err)
	}
	cancel()
	snap.Close()
	if recs, err := s.ReadLog(ctx, []byte("L"), 0, 10); err != nil || len(recs) != 1 || string(recs[0].Value) != "first" {
		t.Errorf("ReadLog before the sync = %v, %v; want only the first record", recs, err)
	}
	if wm, _ := s.LogWatermark(ctx, []byte("L")); wm != first {
		t.Errorf("watermark %d before the sync, want %d", wm, first)
	}
	short, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	if err := s.WaitLog(short, []byte("L"), first); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitLog before the sync = %v, want it to wait until its ctx ended", err)
	}
	cancel()

	crashed := mem.CrashClone(vfs.CrashCloneCfg{})
	g.release()
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	recs, err := s.ReadLog(ctx, []byte("L"), 0, 10)
	if err != nil || len(recs) != 2 || string(recs[1].Value) != "second" {
		t.Errorf("ReadLog after the sync = %v, %v; want both records", recs, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// After the crash the record is gone: it was never durable.
	s2 := mustOpen(t, "db", Options{FS: crashed})
	defer s2.Close()
	if _, err := s2.Get(ctx, []byte("item/second")); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("the unsynced commit survived the crash (Get = %v): the simulation keeps unsynced data", err)
	}
	recs, err = s2.ReadLog(ctx, []byte("L"), 0, 10)
	if err != nil || len(recs) != 1 || recs[0].Seq != first {
		t.Errorf("after the crash ReadLog = %v, %v; want the first record only", recs, err)
	}
	if wm, _ := s2.LogWatermark(ctx, []byte("L")); wm != first {
		t.Errorf("after the crash the watermark is %d, want %d", wm, first)
	}
	// The lost Seq is assigned again, to a new record: no reader was
	// ever given the lost one.
	if err := appendTo(s2, "third"); err != nil {
		t.Fatal(err)
	}
	if recs, _ := s2.ReadLog(ctx, []byte("L"), first, 10); len(recs) != 1 || string(recs[0].Value) != "third" {
		t.Errorf("after the crash the next record reads %v", recs)
	}
}

// TestPowerLossKeepsServedRecords: writers append while a tailer reads the
// log; a simulated power loss mid-stream (CrashClone keeps what was
// synced) must keep every record the tailer was served before it.
func TestPowerLossKeepsServedRecords(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fs := vfs.NewCrashableMem()
	s := mustOpen(t, "db", Options{FS: fs})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := s.Update(ctx, nil, func(tx kv.Txn) error {
					return tx.AppendLog([]byte("L"), fmt.Appendf(nil, "w%d-%d", w, i))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var mu sync.Mutex
	var served []kv.LogRecord
	wg.Go(func() {
		var after kv.Seq
		for {
			select {
			case <-stop:
				return
			default:
			}
			recs, err := s.ReadLog(ctx, []byte("L"), after, 100)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			served = append(served, recs...)
			mu.Unlock()
			if len(recs) > 0 {
				after = recs[len(recs)-1].Seq
			}
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(served)
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	before := slices.Clone(served)
	mu.Unlock()
	crashed := fs.CrashClone(vfs.CrashCloneCfg{})
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(before) == 0 {
		t.Fatal("nothing served before the crash")
	}
	s2 := mustOpen(t, "db", Options{FS: crashed})
	defer s2.Close()
	recs, err := s2.ReadLog(context.Background(), []byte("L"), 0, len(before)+1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < len(before) {
		t.Fatalf("%d records served before the crash, %d survived it", len(before), len(recs))
	}
	for i, r := range before {
		if recs[i].Seq != r.Seq || string(recs[i].Value) != string(r.Value) {
			t.Fatalf("served record %d (%d %q) after the crash reads %d %q", i, r.Seq, r.Value, recs[i].Seq, recs[i].Value)
		}
	}
	t.Logf("%d records served before the crash, %d survived", len(before), len(recs))
}
