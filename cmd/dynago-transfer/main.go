// Command dynago-transfer is the implementation of `dynago import` and
// `dynago export`: it loads local files into a table and dumps a table to
// a file, against any DynamoDB endpoint, through aws-sdk-go-v2.
//
//	dynago-transfer import --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] FILE
//	dynago-transfer export --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] FILE
//
// Users type `dynago import …` and `dynago export …`: dynago replaces
// itself with this binary, found beside it or on PATH
// (cmd/dynago/transfer_exec.go). It is a binary of its own because the AWS
// SDK's DynamoDB client and its credential chain, linked into dynago, made
// every `dynago serve` pay for them: about 2 ms more start-up and 6 MB
// more idle RSS (issue 20; docs/design-notes.md, "Start-up and idle
// memory").
package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main without the process: it takes the arguments (the
// subcommand first), the environment and the streams, and returns the
// exit code. Import reads standard input for the file "-".
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "import":
			return importCmd(ctx, args[1:], getenv, os.Stdin, stderr)
		case "export":
			return exportCmd(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	fmt.Fprint(stderr, `usage:
  dynago import --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] FILE
  dynago export --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] FILE
(dynago-transfer is what dynago runs for these two commands; import -h and export -h list the flags)
`)
	return 2
}
