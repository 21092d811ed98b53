//go:build !unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
)

// execTransfer runs bin as a child with dynago's standard streams and
// returns its exit code: without exec(2), dynago stays as the parent and
// leaves interrupts to the child, which stops resumably.
func execTransfer(bin string, args []string) (int, error) {
	signal.Ignore(os.Interrupt)
	defer signal.Reset(os.Interrupt)
	c := exec.Command(bin, args...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := c.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}
