package pebble

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
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
	s := mustOpen(t, "db", Options{fs: fs})

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
	s1 := mustOpen(t, "db", Options{fs: crashed})
	checkAcked(t, s1, ackedBefore)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := mustOpen(t, "db", Options{fs: crashedControl})
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
