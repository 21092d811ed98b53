package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// benchMainEnv makes the test binary run as dynago-bench itself (main's
// run on its arguments), so that modes which spawn "this tool" can be
// tested without building it.
const benchMainEnv = "DYNAGO_BENCH_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(benchMainEnv) == "1" {
		if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestStartupWithBaseline measures start-up of two servers, both this
// tool's baseline server standing in for dynago, interleaved, and checks
// that the report has a row for each with a ratio to the bare server.
func TestStartupWithBaseline(t *testing.T) {
	t.Setenv(benchMainEnv, "1")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = cmdStartup(context.Background(), []string{"-dynago", self,
		"-dynago-args", "baseline-server -port {port} -lifetime 30s", "-dynago-durable-args", "", "-runs", "2"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, targetBaseline+" ") || strings.HasPrefix(line, targetDynagoMem+" ") {
			rows = append(rows, line)
		}
	}
	if len(rows) != 2 || !strings.Contains(rows[0], "1.00x") || !strings.Contains(rows[1], "x ") {
		t.Fatalf("want a baseline row (1.00x) and a dynago-mem row with its ratio:\n%s", out.String())
	}
}
