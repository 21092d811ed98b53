//go:build unix

package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/kv/pebble"
)

// lockHolderEnv makes the test binary, started by TestLockedDataDir, the
// process holding a data directory: it opens the store there, says
// "ready" and waits for its standard input to close.
const lockHolderEnv = "DYNAGO_TEST_HOLD_DATA_DIR"

func init() {
	dir := os.Getenv(lockHolderEnv)
	if dir == "" {
		return
	}
	s, err := pebble.Open(dir, pebble.Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	s.Close()
	os.Exit(0)
}

// TestLockedDataDir opens a data directory another process holds: the
// error names that process, by pid and command line.
func TestLockedDataDir(t *testing.T) {
	dir := t.TempDir()
	holder := exec.Command(os.Args[0], "-test.run=^$")
	holder.Env = append(os.Environ(), lockHolderEnv+"="+dir)
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); holder.Wait() })
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("the holder said %q", line)
	}

	_, err = Open(context.Background(), Config{DataDir: dir, Logger: quietLogger()})
	if err == nil {
		t.Fatal("a second open of a held data directory succeeded")
	}
	if !errors.Is(err, ErrDataDirLocked) {
		t.Errorf("error %v does not wrap ErrDataDirLocked", err)
	}
	for _, want := range []string{"process " + strconv.Itoa(holder.Process.Pid), os.Args[0], dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestExplainLockedPassesOtherErrors(t *testing.T) {
	other := errors.New("no space left on device")
	if got := ExplainLocked("/d", other); got != other {
		t.Errorf("ExplainLocked changed an unrelated error: %v", got)
	}
}
