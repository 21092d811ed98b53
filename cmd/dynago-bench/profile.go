package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// fetchProfile downloads a CPU profile of d from a server's pprof
// endpoint into path. urlTemplate may hold {port} and {secs}; the URL must
// be a loopback one.
func fetchProfile(ctx context.Context, urlTemplate string, port int, d time.Duration, path string) error {
	secs := max(int(d.Seconds()), 1)
	u := strings.NewReplacer("{port}", strconv.Itoa(port), "{secs}", strconv.Itoa(secs)).Replace(urlTemplate)
	if _, err := CheckLoopback(u); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(secs)*time.Second+30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("%s: HTTP %d %s", u, res.StatusCode, strings.TrimSpace(string(b)))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// maxReportLine cuts the long names of generic instantiations in perf's
// report.
const maxReportLine = 160

// perfRecord samples process pid's stacks with Linux perf for d into
// path, then writes perf's flat report of the hottest symbols beside it
// (path + ".txt"). It is the fallback when the server exposes no pprof
// endpoint; Go binaries carry the symbols perf needs.
func perfRecord(ctx context.Context, pid int, d time.Duration, path string) error {
	secs := strconv.Itoa(max(int(d.Seconds()), 1))
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	// perf keeps an earlier file as path.old; a rerun replaces it instead.
	_ = os.Remove(path)
	rec := exec.CommandContext(ctx, "perf", "record", "-q", "-F", "999", "-g", "-p", strconv.Itoa(pid), "-o", path, "--", "sleep", secs)
	if out, err := rec.CombinedOutput(); err != nil {
		return fmt.Errorf("perf record: %v: %s", err, strings.TrimSpace(string(out)))
	}
	var report strings.Builder
	for _, view := range []struct {
		title string
		args  []string
	}{
		{"self time (flat)", []string{"--no-children", "--percent-limit", "0.7"}},
		{"with callees (cumulative)", []string{"--children", "--percent-limit", "4"}},
	} {
		args := append([]string{"report", "-i", path, "--stdio", "--sort", "symbol", "-g", "none"}, view.args...)
		out, err := exec.CommandContext(ctx, "perf", args...).Output()
		if err != nil {
			return fmt.Errorf("perf report: %w", err)
		}
		fmt.Fprintf(&report, "## %s\n", view.title)
		for _, line := range strings.Split(string(out), "\n") {
			// perf pads the symbol column to the longest name; keep the
			// figures and the name, drop the padding and comments.
			if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
				line = strings.Join(f, " ")
				if len(line) > maxReportLine {
					line = line[:maxReportLine] + "…"
				}
				fmt.Fprintln(&report, line)
			}
		}
	}
	return os.WriteFile(path+".txt", []byte(report.String()), 0o644)
}
