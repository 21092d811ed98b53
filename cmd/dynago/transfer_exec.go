package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// transferBinary is the program that implements `dynago import` and
// `dynago export` (cmd/dynago-transfer).
const transferBinary = "dynago-transfer"

// transferEnv names a dynago-transfer binary to use instead of looking for
// one; tests set it.
const transferEnv = "DYNAGO_TRANSFER_BIN"

// transfer runs `dynago import` or `dynago export` (cmd is the
// subcommand) by handing the process to dynago-transfer with the same
// arguments, environment and standard streams.
//
// Import and export live in their own binary so that serving does not pay
// for them: they are the only users of aws-sdk-go-v2's DynamoDB client and
// credential chain, whose package initialisation and code size added about
// 2 ms to every `dynago serve` start-up and 6 MB to its idle RSS (issue 20;
// docs/design-notes.md, "Start-up and idle memory"). The command line stays
// what scripts call: `dynago import …`.
func transfer(cmd string, args []string, getenv func(string) string, stderr io.Writer) int {
	bin, err := findTransfer(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "dynago %s: %v\n", cmd, err)
		return 1
	}
	// execTransfer returns only if the hand-over failed or (where exec
	// cannot replace the process) with the child's exit code.
	code, err := execTransfer(bin, append([]string{cmd}, args...))
	if err != nil {
		fmt.Fprintf(stderr, "dynago %s: running %s: %v\n", cmd, bin, err)
		return 1
	}
	return code
}

// findTransfer returns the dynago-transfer to run: $DYNAGO_TRANSFER_BIN,
// else the one in dynago's own directory (how releases and the container
// image install them), else the first on PATH.
func findTransfer(getenv func(string) string) (string, error) {
	if p := getenv(transferEnv); p != "" {
		return p, nil
	}
	if self, err := os.Executable(); err == nil {
		name := transferBinary
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(transferBinary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found beside dynago or on PATH: import and export are a separate binary "+
		"so that serving does not load the AWS SDK; build it with "+
		"`go build -o \"$(dirname \"$(command -v dynago)\")\" ./cmd/dynago-transfer` or set %s", transferBinary, transferEnv)
}
