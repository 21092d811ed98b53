package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// printVersion writes the version and what the Go toolchain recorded about
// the build: Go version, VCS revision and time, and whether the tree was
// modified.
func printVersion(w io.Writer) {
	fmt.Fprintf(w, "dynago %s\n", version)
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	fmt.Fprintf(w, "go: %s\n", info.GoVersion)
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision", "vcs.time", "vcs.modified", "GOOS", "GOARCH":
			fmt.Fprintf(w, "%s: %s\n", s.Key, s.Value)
		}
	}
}
