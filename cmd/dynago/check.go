package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv/pebble"
	"github.com/dynago/dynago/internal/server"
)

// maxDivergencesShown bounds how many divergences check prints; the count
// is always printed.
const maxDivergencesShown = 20

// check opens a data directory (which no server may be using) and verifies
// that every secondary index equals the projection of its table. It
// returns 0 when they all agree, 1 on divergence, 2 on error.
func check(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data-dir", envOr(getenv, "DYNAGO_DATA_DIR", "./dynago-data"), "data directory to check (env DYNAGO_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	store, err := pebble.Open(*dir, pebble.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "dynago check:", server.ExplainLocked(*dir, err))
		return 2
	}
	defer store.Close()
	db, err := engine.Open(ctx, store, engine.Options{TTLInterval: -1, NoIndexJobs: true, Logger: slog.New(slog.NewTextHandler(stderr, nil))})
	if err != nil {
		fmt.Fprintln(stderr, "dynago check:", err)
		return 2
	}
	defer db.Close()
	res, err := db.CheckIndexes(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "dynago check:", err)
		return 2
	}
	fmt.Fprintf(stdout, "checked %d tables, %d indexes (%d skipped while building or dropping): %d items, %d index entries, %d divergences\n",
		res.Tables, res.Indexes, res.Skipped, res.Items, res.Entries, len(res.Divergences))
	for i, d := range res.Divergences {
		if i == maxDivergencesShown {
			fmt.Fprintf(stdout, "... and %d more\n", len(res.Divergences)-i)
			break
		}
		fmt.Fprintln(stdout, d)
	}
	if len(res.Divergences) > 0 {
		return 1
	}
	return 0
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
