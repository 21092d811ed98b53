package kvtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// Kill9Options configures RunKill9.
type Kill9Options struct {
	// Open opens the store kept in dir. The first round starts on an
	// empty directory; each later round, and each check, opens the same
	// directory again. A backend whose data lives elsewhere (a cluster)
	// may ignore dir, but must start the test empty.
	Open func(dir string) (kv.Store, error)

	// Rounds is how many times a child is killed; 0 means 3.
	Rounds int
	// Writers is how many goroutines commit in the child; 0 means 4.
	Writers int
}

// Environment of a RunKill9 child: the directory and the round.
const (
	kill9DirEnv   = "DYNAGO_KVTEST_KILL9_DIR"
	kill9RoundEnv = "DYNAGO_KVTEST_KILL9_ROUND"
)

// kill9Logs are the logs the child appends to. Every txn appends 1-3
// records to the first and every third txn one to the second.
var kill9Logs = []string{"A", "B"}

// RunKill9 checks the durable watermark across kill -9. It runs the calling
// test again in a child process (this test binary, re-executed, with
// -test.run naming the calling test), where RunKill9 takes the child's
// part: writers commit txns that set an item and append records, readers
// tail the logs, and every acknowledged txn, every record ReadLog served
// and every watermark LogWatermark reported is printed. The parent kills
// the child with SIGKILL at a random point, reopens the store and checks:
//
//   - every acknowledged txn's item and records are there;
//   - every record is of a txn whose item is there (no record without its
//     commit), complete, contiguous and in order;
//   - every record ReadLog served before the kill is there, at the same
//     Seq, with the same value (the watermark only covered durable
//     records);
//   - the watermark is at least every watermark reported before, in this
//     round and earlier ones (it never decreases);
//   - records of later rounds have larger Seqs (Seqs keep increasing
//     after a restart).
//
// Then it runs another round on the same store. The calling test must do
// nothing before RunKill9 that it could not do in the child too.
func RunKill9(t *testing.T, opts Kill9Options) {
	if opts.Rounds == 0 {
		opts.Rounds = 3
	}
	if opts.Writers == 0 {
		opts.Writers = 4
	}
	if dir := os.Getenv(kill9DirEnv); dir != "" {
		round, _ := strconv.Atoi(os.Getenv(kill9RoundEnv))
		kill9Child(dir, round, opts)
		return
	}
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	dir := t.TempDir()
	h := &kill9History{reads: make(map[string]map[kv.Seq]string), maxWM: make(map[string]kv.Seq)}
	for round := range opts.Rounds {
		out := runKill9Child(t, dir, round)
		h.add(t, out)
		s, err := opts.Open(dir)
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		h.check(t, s, round)
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
		t.Logf("round %d: %d txns acknowledged, %d records served, killed", round, len(out.acked), out.reads)
	}
}

// kill9Output is what the parent read from one child.
type kill9Output struct {
	acked []string // txn ids
	reads int
	lines []string // the "read" and "wm" lines
}

// runKill9Child runs one child and kills it once it has acknowledged a
// random number of txns.
func runKill9Child(t *testing.T, dir string, round int) kill9Output {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run="+runPattern(t.Name()), "-test.count=1")
	cmd.Env = append(os.Environ(), kill9DirEnv+"="+dir, kill9RoundEnv+"="+strconv.Itoa(round))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stuck := time.AfterFunc(2*waitTimeout, func() { _ = cmd.Process.Kill() })
	defer stuck.Stop()
	killAt := 100 + rand.IntN(300)
	var out kill9Output
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "ack "):
			out.acked = append(out.acked, strings.TrimPrefix(line, "ack "))
		case strings.HasPrefix(line, "read "):
			out.reads++
			out.lines = append(out.lines, line)
		case strings.HasPrefix(line, "wm "):
			out.lines = append(out.lines, line)
		default:
			continue // go test's own output
		}
		if !killed && len(out.acked) >= killAt {
			_ = cmd.Process.Kill() // SIGKILL: no deferred code, no Close
			killed = true
		}
		// Keep reading: lines already in the pipe were printed before
		// the kill, so they hold too.
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("round %d: child stopped after %d acks without being killed", round, len(out.acked))
	}
	return out
}

// runPattern is the -test.run pattern that selects exactly the test name.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// kill9History is what every round so far promised.
type kill9History struct {
	acked map[string]bool
	reads map[string]map[kv.Seq]string // log -> Seq -> value served
	maxWM map[string]kv.Seq            // log -> largest watermark reported
}

func (h *kill9History) add(t *testing.T, out kill9Output) {
	t.Helper()
	if h.acked == nil {
		h.acked = make(map[string]bool)
	}
	for _, id := range out.acked {
		h.acked[id] = true
	}
	for _, line := range out.lines {
		f := strings.SplitN(line, " ", 4)
		seq, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			t.Fatalf("child printed %q", line)
		}
		log := f[1]
		switch f[0] {
		case "wm":
			h.maxWM[log] = max(h.maxWM[log], kv.Seq(seq))
		case "read":
			v, err := strconv.Unquote(f[3])
			if err != nil {
				t.Fatalf("child printed %q", line)
			}
			if h.reads[log] == nil {
				h.reads[log] = make(map[kv.Seq]string)
			}
			h.reads[log][kv.Seq(seq)] = v
			h.maxWM[log] = max(h.maxWM[log], kv.Seq(seq)) // served, so under the watermark
		}
	}
}

// check checks the reopened store after round.
func (h *kill9History) check(t *testing.T, s kv.Store, round int) {
	t.Helper()
	ctx := context.Background()
	items := make(map[string]bool)
	for _, pair := range scan(t, s, []byte("item/"), []byte("item0"), false) {
		k, _, _ := strings.Cut(pair, "=")
		items[strings.TrimPrefix(k, "item/")] = true
	}
	for id := range h.acked {
		if !items[id] {
			t.Errorf("round %d: acknowledged txn %s lost its item", round, id)
		}
	}
	inLog := make(map[string]map[string]bool) // log -> txn ids
	for _, log := range kill9Logs {
		recs := readAll(t, s, log)
		inLog[log] = make(map[string]bool)
		byseq := make(map[kv.Seq]string, len(recs))
		lastRound := -1
		var cur logTxn
		for i, rec := range recs {
			byseq[rec.Seq] = string(rec.Value)
			r, err := parseLogValue(rec.Value)
			if err != nil {
				t.Fatalf("round %d: log %s: %v", round, log, err)
			}
			if !items[r.id] {
				t.Errorf("round %d: log %s holds %q, of a txn that did not commit", round, log, rec.Value)
			}
			var rr int
			if _, err := fmt.Sscanf(r.id, "r%d-", &rr); err != nil || rr < lastRound {
				t.Fatalf("round %d: log %s: record %q of round %d at Seq %d, after round %d's",
					round, log, rec.Value, rr, rec.Seq, lastRound)
			}
			lastRound = rr
			switch {
			case i > 0 && r.id == cur.id && r.j == cur.j+1:
			case r.j == 0 && !inLog[log][r.id] && (i == 0 || cur.j == cur.n-1):
				inLog[log][r.id] = true
			default:
				t.Fatalf("round %d: log %s: record %q at Seq %d follows %q: a txn's records are not whole, contiguous and in order",
					round, log, rec.Value, rec.Seq, logValue(cur.id, cur.started, cur.j, cur.n))
			}
			cur = r
		}
		if len(recs) > 0 && cur.j != cur.n-1 {
			t.Errorf("round %d: log %s ends inside txn %s", round, log, cur.id)
		}
		for seq, v := range h.reads[log] {
			if got, ok := byseq[seq]; !ok || got != v {
				t.Errorf("round %d: log %s: record %d = %q was served before a kill, now %q (present: %v)",
					round, log, seq, v, got, ok)
			}
		}
		wm, err := s.LogWatermark(ctx, []byte(log))
		if err != nil {
			t.Fatal(err)
		}
		if wm < h.maxWM[log] {
			t.Errorf("round %d: log %s: watermark %d after reopening, %d reported before", round, log, wm, h.maxWM[log])
		}
		h.maxWM[log] = max(h.maxWM[log], wm)
	}
	for id := range items {
		if !inLog["A"][id] {
			t.Errorf("round %d: txn %s committed its item without its records", round, id)
		}
		var r, w, i int
		if _, err := fmt.Sscanf(id, "r%d-w%d-%d", &r, &w, &i); err == nil && i%3 == 0 && !inLog["B"][id] {
			t.Errorf("round %d: txn %s committed without its record in B", round, id)
		}
	}
}

// kill9Child is the child's part: write and read until killed (or, if the
// parent died, for a while), printing what the store acknowledged.
func kill9Child(dir string, round int, opts Kill9Options) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "kvtest kill -9 child:", err)
		os.Exit(2)
	}
	s, err := opts.Open(dir)
	if err != nil {
		fail(err)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	printf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format, args...)
		out.Flush() // each line out before the next step
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for w := range opts.Writers {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				id := fmt.Sprintf("r%d-w%d-%d", round, w, i)
				n := 1 + i%3
				err := s.Update(ctx, [][]byte{[]byte("item/" + id)}, func(tx kv.Txn) error {
					for j := range n {
						if err := tx.AppendLog([]byte("A"), logValue(id, 0, j, n)); err != nil {
							return err
						}
					}
					if i%3 == 0 {
						if err := tx.AppendLog([]byte("B"), logValue(id, 0, 0, 1)); err != nil {
							return err
						}
					}
					return tx.Set([]byte("item/"+id), []byte("v"))
				})
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					fail(err)
				}
				printf("ack %s\n", id)
			}
		})
	}
	for _, log := range kill9Logs {
		wg.Go(func() {
			var after kv.Seq
			for ctx.Err() == nil {
				wm, err := s.LogWatermark(ctx, []byte(log))
				if err != nil {
					break
				}
				printf("wm %s %d\n", log, wm)
				recs, err := s.ReadLog(ctx, []byte(log), after, 64)
				if err != nil {
					break
				}
				for _, r := range recs {
					printf("read %s %d %q\n", log, r.Seq, r.Value)
					after = r.Seq
				}
				if len(recs) == 0 {
					if err := s.WaitLog(ctx, []byte(log), max(wm, after)); err != nil && !errors.Is(err, context.DeadlineExceeded) {
						fail(err)
					}
				}
			}
		})
	}
	wg.Wait()
	os.Exit(3) // not killed: the parent is gone
}
