package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// servedLog records which server answered, and when.
type servedLog struct {
	mu     sync.Mutex
	events []servedEvent
}

type servedEvent struct {
	at   time.Time
	side string
}

// serve returns a baseline GetItem server that records its requests as
// side, after waiting delay.
func (l *servedLog) serve(t *testing.T, side string, delay time.Duration) string {
	base := NewBaselineHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.events = append(l.events, servedEvent{time.Now(), side})
		l.mu.Unlock()
		time.Sleep(delay)
		base.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// runs is the number of maximal runs of one side in the time-ordered
// events.
func (l *servedLog) runs() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := slices.Clone(l.events)
	slices.SortFunc(ev, func(a, b servedEvent) int { return a.at.Compare(b.at) })
	n := 0
	for i, e := range ev {
		if i == 0 || e.side != ev[i-1].side {
			n++
		}
	}
	return n
}

// TestABAlternatesSlices runs the ab mode against two servers, B slower
// than A, and checks that the load alternated between them in slices
// that never overlap, that both sides' requests were counted, and that
// the report puts B's throughput below A's.
func TestABAlternatesSlices(t *testing.T) {
	var log servedLog
	a := log.serve(t, "a", 0)
	b := log.serve(t, "b", 2*time.Millisecond)
	var out bytes.Buffer
	err := cmdAB(context.Background(), []string{"-a", a, "-b", b, "-setup=false", "-workload", "get",
		"-concurrency", "2", "-keys", "100", "-duration", "400ms", "-slice", "50ms", "-warmup", "20ms"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	report := out.String()
	for _, side := range []string{"a", "b"} {
		m := regexp.MustCompile(`(?m)^\s+` + side + `\s+(\d+)\s+(\d+)\s`).FindStringSubmatch(report)
		if m == nil {
			t.Fatalf("no row for %s in\n%s", side, report)
		}
		if slicesRun, _ := strconv.Atoi(m[1]); slicesRun != 8 {
			t.Errorf("%s ran %d measured slices, want 8 (400ms in 50ms slices)", side, slicesRun)
		}
		if n, _ := strconv.Atoi(m[2]); n == 0 {
			t.Errorf("%s: no requests counted", side)
		}
	}
	m := regexp.MustCompile(`b/a throughput: ([0-9.]+) % of totals; slice pairs: median ([0-9.]+) %.*\(8 pairs\)`).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("no comparison line in\n%s", report)
	}
	if total, _ := strconv.ParseFloat(m[1], 64); total <= 0 || total >= 90 {
		t.Errorf("b/a throughput %s %%, want well under 100 (b waits 2 ms a request)", m[1])
	}
	// Two warm-up slices and 16 measured ones, in the order a b | a b,
	// b a, a b, ...: adjacent slices of one side merge, 11 runs remain.
	if got := log.runs(); got != 11 {
		t.Errorf("the servers' requests fall in %d runs of one side, want 11: slices overlapped or did not alternate", got)
	}
}

func TestABRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-b", "http://127.0.0.1:1"},
		{"-a", "http://127.0.0.1:1", "-b", "http://127.0.0.1:2", "-slice", "1ms"},
		{"-a", "http://127.0.0.1:1", "-b", "http://127.0.0.1:2", "-slice", "10s", "-duration", "1s"},
		{"-a", "http://127.0.0.1:1", "-b", "http://127.0.0.1:2", "-workload", "get,put"},
		{"-a", "http://192.0.2.1:1", "-b", "http://127.0.0.1:2"},
	} {
		if err := cmdAB(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("ab %v: no error", args)
		}
	}
}

func TestQuartiles(t *testing.T) {
	q1, med, q3 := quartiles([]float64{5, 1, 4, 2, 3, 8, 7, 6})
	if q1 != 3 || med != 5 || q3 != 7 {
		t.Errorf("quartiles of 1..8 = %v %v %v, want 3 5 7 (nearest rank)", q1, med, q3)
	}
	if q1, med, q3 := quartiles(nil); q1 != 0 || med != 0 || q3 != 0 {
		t.Errorf("quartiles of nothing = %v %v %v", q1, med, q3)
	}
}
