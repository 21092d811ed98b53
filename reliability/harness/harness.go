// Package harness runs dynago binaries for the reliability campaigns: it
// builds ./cmd/dynago, starts `dynago serve` on a data directory, kills it
// with SIGKILL or stops it with SIGTERM, runs `dynago check`, and samples
// the process's resident memory, open files and goroutines.
//
// It is crashtest's approach made reusable: the campaigns talk to a real
// process, the way users do, so a crash is a real crash.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/sdkhttp"
)

// StartTimeout bounds how long a started dynago may take to answer its
// health check (recovery of a large WAL included).
const StartTimeout = 60 * time.Second

// Build compiles ./cmd/dynago into a fresh temporary directory and returns
// the binary's path. Campaigns build and kill a real binary, so -short
// skips them.
func Build(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and kills a dynago binary; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "dynago")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/dynago/dynago/cmd/dynago")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/dynago: %v\n%s", err, out)
	}
	return bin
}

// Process is one running `dynago serve`.
type Process struct {
	URL     string
	LogPath string
	cmd     *exec.Cmd
	log     *os.File
	done    chan error
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs `dynago serve` on dataDir with extra flags, appending its
// output to logPath, and waits until it answers. The process is killed at
// the end of the test if still running.
func Start(t testing.TB, bin, dataDir, logPath string, extra ...string) *Process {
	t.Helper()
	port := FreePort(t)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--data-dir", dataDir}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dynago: %v", err)
	}
	p := &Process{URL: fmt.Sprintf("http://127.0.0.1:%d", port), LogPath: logPath, cmd: cmd, log: logf, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(p.Kill)

	deadline := time.Now().Add(StartTimeout)
	for time.Now().Before(deadline) {
		if p.Exited() {
			t.Fatalf("dynago exited before answering; log:\n%s", ReadLog(logPath))
		}
		resp, err := http.Get(p.URL + "/")
		if err == nil {
			resp.Body.Close()
			return p
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("dynago did not answer on %s within %s; log:\n%s", p.URL, StartTimeout, ReadLog(logPath))
	return nil
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL and waits until the process is gone.
func (p *Process) Kill() {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	err := <-p.done
	p.done <- err
	p.log.Close()
}

// Stop sends SIGTERM and waits up to timeout for a clean exit, returning
// the exit error (nil for status 0).
func (p *Process) Stop(timeout time.Duration) error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		p.log.Close()
		return err
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("dynago did not stop within %s after SIGTERM", timeout)
	}
}

// ReadLog returns a log file's contents (empty if unreadable).
func ReadLog(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// Client makes an SDK client for url that tries each request maxAttempts
// times (1: no retry, so a request either is acknowledged or fails as soon
// as the server dies). Its HTTP client is sdkhttp.Client() (bug 6 in
// docs/reliability.md).
func Client(url string, maxAttempts int) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("reliability", "reliability", ""),
		RetryMaxAttempts: maxAttempts,
		HTTPClient:       sdkhttp.Client(),
	})
}

// ScanEach calls each with every item of table, read by consistent Scan
// pages, failing the test on a Scan error: the crash tests' and the
// campaigns' read of a table after a restart.
func ScanEach(t testing.TB, c *dynamodb.Client, table string, each func(map[string]types.AttributeValue)) {
	t.Helper()
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("Scan %s: %v", table, err)
		}
		for _, it := range page.Items {
			each(it)
		}
	}
}

// Check runs `dynago check` on dataDir (no server may be running on it) and
// returns its output and exit code: 0 when every index equals the
// projection of its table and every stored item decodes within
// DynamoDB's nesting limit (`dynago check` names the items that do not).
func Check(t testing.TB, bin, dataDir string) (string, int) {
	t.Helper()
	out, err := exec.Command(bin, "check", "--data-dir", dataDir).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(bytes.TrimSpace(out)), 0
	case errors.As(err, &exit):
		return string(bytes.TrimSpace(out)), exit.ExitCode()
	default:
		t.Fatalf("dynago check: %v", err)
		return "", -1
	}
}

// ArtifactDir returns a directory that outlives the test for what a failing
// campaign keeps (histories, visualisations, logs): $DYNAGO_ARTIFACT_DIR if
// set, else a fresh directory under the system's temporary directory.
func ArtifactDir(t testing.TB) string {
	t.Helper()
	base := os.Getenv("DYNAGO_ARTIFACT_DIR")
	if base == "" {
		base = filepath.Join(os.TempDir(), "dynago-artifacts")
	}
	dir := filepath.Join(base, fmt.Sprintf("%s-%s", filepath.Base(t.Name()), time.Now().Format("20060102-150405")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// WaitCtx returns a context for one request: short enough that a hung
// server fails the campaign instead of hanging it.
func WaitCtx(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
