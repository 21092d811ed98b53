// Command dynago runs Dynago, a DynamoDB-compatible database.
//
//	dynago [serve] [--port 8000] [--host 127.0.0.1] [--data-dir ./dynago-data]
//	       [--in-memory] [--log-level info] [--log-format text|json] [--access-log=true]
//	       [--cors *] [--region us-east-1] [--account-id 000000000000]
//	       [--ttl-interval 10s] [--throttle=true] [--cache-mb 8] [--pprof]
//	dynago -sharedDb -inMemory -port 8000      (DynamoDB Local's flags: local_flags.go)
//	dynago version | dynago --version
//	dynago check [--data-dir ./dynago-data]
//	dynago import --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] FILE
//	dynago export --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] FILE
//
// Every serve flag can also be set from the environment (DYNAGO_PORT,
// DYNAGO_HOST, DYNAGO_DATA_DIR, DYNAGO_IN_MEMORY, DYNAGO_LOG_LEVEL,
// DYNAGO_LOG_FORMAT, DYNAGO_ACCESS_LOG, DYNAGO_CORS, DYNAGO_REGION,
// DYNAGO_ACCOUNT_ID, DYNAGO_TTL_INTERVAL, DYNAGO_THROTTLE, DYNAGO_CACHE_MB,
// DYNAGO_PPROF, DYNAGO_DELAY_TRANSIENT_STATUSES); a flag beats the
// environment, which beats the default. Features add flags from their own
// files (serve_flags.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is Dynago's version, set at build time with
// -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main without the process: it takes the arguments, the environment
// and the output streams, and returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		err := serve(ctx, args, getenv, stdout, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(stderr, "dynago:", err)
			return 1
		}
		return 0
	case "version":
		printVersion(stdout)
		return 0
	case "check":
		return check(ctx, args, getenv, stdout, stderr)
	case "import", "export":
		// A binary of its own: transfer_exec.go says why.
		return transfer(cmd, args, getenv, stderr)
	case "help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "dynago: unknown command %q\n\n", cmd)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Dynago is a DynamoDB-compatible database.

Usage:
  dynago [serve] [flags]   serve the DynamoDB API (the default)
  dynago version           print the version (also dynago --version)
  dynago check [--data-dir DIR]
                           verify every secondary index against its table
                           (stop the server first)
  dynago import --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] FILE
                           write a file's items into a table (- is standard input)
  dynago export --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] FILE
                           write a table's items to a file (- is standard output)
  dynago serve -h          list the serve flags (import -h, export -h likewise)

DynamoDB Local's command line works as is: dynago -sharedDb -inMemory -port 8000,
dynago -dbPath DIR -sharedDb, -cors LIST, -delayTransientStatuses, -help, -version.
`)
}
