//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// asDynagoEnv makes the test binary behave as dynago itself (TestMain), so
// that a test can watch dynago hand its process over to dynago-transfer.
const asDynagoEnv = "DYNAGO_TEST_AS_DYNAGO"

func TestMain(m *testing.M) {
	if os.Getenv(asDynagoEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestTransferHandOver runs `dynago import` with a stand-in
// dynago-transfer: it must get the subcommand and every argument
// unchanged, dynago's standard input and output, and its exit code must be
// dynago's.
func TestTransferHandOver(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake-transfer")
	script := "#!/bin/sh\necho \"args:$*\"\necho \"stdin:$(cat)\"\necho \"to stderr\" >&2\nexit 3\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "import", "--endpoint-url", "http://127.0.0.1:1", "--table", "t a", "-")
	cmd.Env = append(os.Environ(), asDynagoEnv+"=1", transferEnv+"="+fake)
	cmd.Stdin = strings.NewReader("a line")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit: %v, want code 3; stderr %q", err, stderr.String())
	}
	if want := "args:import --endpoint-url http://127.0.0.1:1 --table t a -\nstdin:a line\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if stderr.String() != "to stderr\n" {
		t.Errorf("stderr %q", stderr.String())
	}
}

// TestTransferMissing: without dynago-transfer, import says what is
// missing and how to build it, and fails.
func TestTransferMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"export", "--table", "x", "-"}, envFrom(nil), &bytes.Buffer{}, &stderr)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{"dynago export:", "dynago-transfer not found", "go build", transferEnv} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q lacks %q", stderr.String(), want)
		}
	}
}

// TestServeDoesNotLinkTheSDK keeps the AWS SDK's DynamoDB client and its
// SSO/STS credential chain out of the dynago binary: linked in, their
// package initialisation and size cost every start-up (issue 20).
func TestServeDoesNotLinkTheSDK(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "github.com/aws/aws-sdk-go-v2/service/dynamodb" || strings.HasPrefix(pkg, "github.com/dynago/dynago/cmd/dynago-transfer") {
			t.Errorf("cmd/dynago links %s: keep SDK users in cmd/dynago-transfer", pkg)
		}
	}
}
