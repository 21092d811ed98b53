package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// readyTimeout bounds waiting for a spawned server's first answer.
	readyTimeout = 30 * time.Second
	// readyPoll is the pause between probes while a server starts; short,
	// because start-up time is measured to the millisecond.
	readyPoll = 500 * time.Microsecond
	// stopGrace is how long a server has to exit after SIGTERM before it
	// is killed.
	stopGrace = 5 * time.Second
	// idleProbes is the number of requests sent before idle RSS is read,
	// so the figure includes what serving the first requests allocated.
	idleProbes = 5
)

// ServerSpec says how to start one server under test. Args may hold
// {port} and {dir}: the free port chosen for it and a fresh data directory.
type ServerSpec struct {
	Name string
	Path string
	Args []string
}

// Process is a running server under test.
type Process struct {
	Spec     ServerSpec
	Endpoint string
	Port     int
	// Startup is the time from spawning the process to its first answered
	// ListTables.
	Startup time.Duration
	cmd     *exec.Cmd
	dir     string
	logFile *os.File
	exited  chan error
}

// PID is the server's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// expandArgs substitutes {port} and {dir} in args.
func expandArgs(args []string, port int, dir string) []string {
	out := make([]string, len(args))
	r := strings.NewReplacer("{port}", strconv.Itoa(port), "{dir}", dir)
	for i, a := range args {
		out[i] = r.Replace(a)
	}
	return out
}

// StartServer spawns spec on a free loopback port, with its output going
// to a log file under logDir, and waits until it answers ListTables.
func StartServer(ctx context.Context, spec ServerSpec, logDir string) (*Process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dynago-bench-"+spec.Name+"-")
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(logDir, spec.Name+".log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(spec.Path, expandArgs(spec.Args, port, dir)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so an interrupt of the bench does not reach
	// it before the bench stops it in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &Process{Spec: spec, Port: port, Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port),
		cmd: cmd, dir: dir, logFile: logFile, exited: make(chan error, 1)}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", spec.Name, err)
	}
	go func() { p.exited <- cmd.Wait() }()
	if err := p.waitReady(ctx); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%s (%s): %w; see %s", spec.Name, strings.Join(cmd.Args, " "), err, logFile.Name())
	}
	p.Startup = time.Since(t0)
	return p, nil
}

// waitReady probes ListTables until one answers 200.
func (p *Process) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	enc, _ := NewEncoder("probe", defaultItemSize, Keyspace{Items: batchSize})
	c, err := NewLeanClient(p.Endpoint, enc, 1)
	if err != nil {
		return err
	}
	defer c.Close()
	// Refused connections are answered at once; do not let a half-open
	// server hold one probe for the request timeout.
	c.timeout = time.Second
	for {
		err := c.Call(ctx, "ListTables", map[string]any{}, nil)
		if err == nil {
			return nil
		}
		var ae *APIError
		if errors.As(err, &ae) {
			return fmt.Errorf("ListTables answered %w", err)
		}
		select {
		case err := <-p.exited:
			p.exited <- err
			return fmt.Errorf("exited before answering: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("no answer to ListTables within %s: %w", readyTimeout, err)
		case <-time.After(readyPoll):
		}
	}
}

// IdleRSS sends a few ListTables, then reads the server's resident set
// size.
func (p *Process) IdleRSS(ctx context.Context) (int64, error) {
	enc, _ := NewEncoder("probe", defaultItemSize, Keyspace{Items: batchSize})
	c, err := NewLeanClient(p.Endpoint, enc, 1)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	for range idleProbes {
		if err := c.Call(ctx, "ListTables", map[string]any{}, nil); err != nil {
			return 0, err
		}
	}
	return procRSS(p.PID())
}

// RSS is the server's resident set size now.
func (p *Process) RSS() (int64, error) { return procRSS(p.PID()) }

// Stop ends the server (SIGTERM, then SIGKILL after stopGrace) and removes
// its data directory.
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.logFile.Close()
	os.RemoveAll(p.dir)
}
