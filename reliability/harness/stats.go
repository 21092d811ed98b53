package harness

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Stats is one sample of a dynago process's resources.
type Stats struct {
	RSSBytes   int64 // resident set size, from /proc/<pid>/status
	OpenFiles  int   // entries of /proc/<pid>/fd
	Goroutines int   // go_goroutines from /metrics
	HeapBytes  int64 // go_memstats_heap_inuse_bytes from /metrics
}

// Sample reads p's resident memory and open files from /proc and its
// goroutines and heap from its Prometheus endpoint.
func Sample(ctx context.Context, p *Process) (Stats, error) {
	var s Stats
	rss, err := procRSS(p.PID())
	if err != nil {
		return s, err
	}
	s.RSSBytes = rss
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.PID()))
	if err != nil {
		return s, err
	}
	s.OpenFiles = len(fds)
	m, err := scrape(ctx, p.URL+"/metrics", "go_goroutines", "go_memstats_heap_inuse_bytes")
	if err != nil {
		return s, err
	}
	s.Goroutines = int(m["go_goroutines"])
	s.HeapBytes = int64(m["go_memstats_heap_inuse_bytes"])
	return s, nil
}

// procRSS reads VmRSS (in kB) from /proc/<pid>/status.
func procRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
}

// scrape fetches a Prometheus text page and returns the named unlabelled
// gauges.
func scrape(ctx context.Context, url string, names ...string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || !want[name] {
			continue
		}
		if v, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = v
		}
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("%s: no %s", url, n)
		}
	}
	return out, sc.Err()
}

// Latencies collects request latencies from many goroutines and hands out
// each window's percentiles.
type Latencies struct {
	mu  sync.Mutex
	cur []time.Duration
}

// Add records one request's latency.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	l.cur = append(l.cur, d)
	l.mu.Unlock()
}

// Window returns the count and the p50 and p99 of the latencies added
// since the last call, and starts a new window.
func (l *Latencies) Window() (n int, p50, p99 time.Duration) {
	l.mu.Lock()
	w := l.cur
	l.cur = nil
	l.mu.Unlock()
	if len(w) == 0 {
		return 0, 0, 0
	}
	sort.Slice(w, func(i, j int) bool { return w[i] < w[j] })
	return len(w), w[len(w)*50/100], w[min(len(w)-1, len(w)*99/100)]
}
