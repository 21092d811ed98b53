package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPlotFromCompareCSV: the CSV compare writes reads back with every
// server and workload in order, and plot draws both charts from it, with
// a bar in each server's colour.
func TestPlotFromCompareCSV(t *testing.T) {
	res := func(target, wl string, n uint64, lat time.Duration) *Result {
		h := NewHistogram()
		for range n {
			h.RecordDuration(lat)
		}
		return &Result{Target: target, Workload: wl, Elapsed: time.Second, Requests: n, Items: n, Latency: h}
	}
	results := []*Result{
		res("dynalite", "put", 1200, 5*time.Millisecond), res("dynalite", "get", 1500, 4*time.Millisecond),
		res("dynago-mem", "put", 3700, time.Millisecond), res("dynago-mem", "get", 5000, time.Millisecond),
		res("dynago-mem", "query", 3200, 2*time.Millisecond),
	}
	var buf bytes.Buffer
	if err := WriteResultsCSV(&buf, results); err != nil {
		t.Fatal(err)
	}
	d, err := readResultsCSV(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.servers, ","); got != "dynalite,dynago-mem" {
		t.Errorf("servers %s", got)
	}
	if got := strings.Join(d.workloads, ","); got != "put,get,query" {
		t.Errorf("workloads %s", got)
	}
	if got := d.reqPerSec[[2]string{"dynago-mem", "get"}]; got != 5000 {
		t.Errorf("dynago-mem get: %v req/s, want 5000", got)
	}
	if got := d.p99[[2]string{"dynalite", "put"}]; got < 4.9 || got > 5.1 {
		t.Errorf("dynalite put p99 %v ms, want ~5", got)
	}

	dir := t.TempDir()
	in := filepath.Join(dir, "r.csv")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rate, p99 := filepath.Join(dir, "t.png"), filepath.Join(dir, "p.png")
	var out bytes.Buffer
	if err := cmdPlot([]string{"-in", in, "-throughput", rate, "-p99", p99, "-title", "test"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{rate, p99} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		found := map[int]bool{}
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				for i, c := range seriesColors[:2] {
					if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
						found[i] = true
					}
				}
			}
		}
		if !found[0] || !found[1] {
			t.Errorf("%s: colours of the two servers found: %v", path, found)
		}
	}
	if _, err := readResultsCSV(strings.NewReader("a,b\n1,2\n")); err == nil {
		t.Error("a CSV without compare's header was accepted")
	}
}
