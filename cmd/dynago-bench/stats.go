package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// workerStats is what one load goroutine counted in the measured window.
type workerStats struct {
	requests uint64
	items    uint64
	errors   uint64
	// firstErr is the first error seen, kept to explain a failing run.
	firstErr error
	hist     *Histogram
}

func newWorkerStats() *workerStats { return &workerStats{hist: NewHistogram()} }

// Result is one workload's figures against one target.
type Result struct {
	Target   string
	Workload string
	Clients  int
	Elapsed  time.Duration
	Requests uint64
	Items    uint64
	Errors   uint64
	FirstErr error
	Latency  *Histogram
	// ClientCPU is the CPU time this process used in the window (user +
	// system), and ServerCPU the server's when its pid is known (else 0).
	ClientCPU time.Duration
	ServerCPU time.Duration
}

// merge folds s into r.
func (r *Result) merge(s *workerStats) {
	r.Requests += s.requests
	r.Items += s.items
	r.Errors += s.errors
	if r.FirstErr == nil {
		r.FirstErr = s.firstErr
	}
	r.Latency.Merge(s.hist)
}

// ReqPerSec is successful requests per second.
func (r *Result) ReqPerSec() float64 { return perSec(r.Requests, r.Elapsed) }

// ItemsPerSec is items read or written per second.
func (r *Result) ItemsPerSec() float64 { return perSec(r.Items, r.Elapsed) }

// ClientCPUPerReq is the client's CPU cost of one request.
func (r *Result) ClientCPUPerReq() time.Duration { return perReq(r.ClientCPU, r.Requests+r.Errors) }

// ServerCPUPerReq is the server's CPU cost of one request; 0 if unknown.
func (r *Result) ServerCPUPerReq() time.Duration { return perReq(r.ServerCPU, r.Requests+r.Errors) }

func perSec(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func perReq(cpu time.Duration, n uint64) time.Duration {
	if n == 0 {
		return 0
	}
	return cpu / time.Duration(n)
}

// selfCPU is the CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat CPU
// times; 100 on every Linux this tool targets.
const clockTicks = 100

// procCPU is the CPU time (user + system) process pid has used, from
// /proc/<pid>/stat; 0 when pid is 0 or unreadable.
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is parenthesised and may hold
	// spaces: state is field 3, utime 14, stime 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// procRSS is process pid's resident set size in bytes, from VmRSS in
// /proc/<pid>/status.
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
