package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/pebble"
	"github.com/dynago/dynago/internal/server"
)

// maxDivergencesShown bounds how many divergences, and how many bad items,
// check prints; the counts are always printed.
const maxDivergencesShown = 20

// check opens a data directory (which no server may be using) and verifies
// that every secondary index equals the projection of its table, in the
// default namespace and in every account and region of a server with
// --auth (one line each), and that every stored item decodes within
// DynamoDB's nesting limit (an older build could store deeper ones,
// docs/reliability.md, bug 4). It returns 0 when all is well, 1 on a
// divergence or a bad item, 2 on error.
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
	log := slog.New(slog.NewTextHandler(stderr, nil))
	// The default namespace (the whole store's engine, as a server
	// without --auth serves it), then every account and region a server
	// with --auth keeps apart.
	res, err := checkNamespace(ctx, store, engine.Options{TTLInterval: -1, NoIndexJobs: true, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "dynago check:", err)
		return 2
	}
	var shown [2]int
	diverged := report(stdout, "", res, &shown)
	namespaces, err := server.Namespaces(ctx, store)
	if err != nil {
		fmt.Fprintln(stderr, "dynago check:", err)
		return 2
	}
	for _, ns := range namespaces {
		res, err := checkNamespace(ctx, server.NamespaceStore(store, ns),
			engine.Options{TTLInterval: -1, NoIndexJobs: true, Logger: log, AccountID: ns.Account, Region: ns.Region})
		if err != nil {
			fmt.Fprintf(stderr, "dynago check: account %s region %s: %v\n", ns.Account, ns.Region, err)
			return 2
		}
		if report(stdout, "account "+ns.Account+" region "+ns.Region+": ", res, &shown) {
			diverged = true
		}
	}
	if diverged {
		return 1
	}
	return 0
}

// checkNamespace checks the indexes of the engine over store.
func checkNamespace(ctx context.Context, store kv.Store, opts engine.Options) (*engine.IndexCheck, error) {
	db, err := engine.Open(ctx, store, opts)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.CheckIndexes(ctx)
}

// report prints a namespace's result, each line after prefix, and at most
// maxDivergencesShown divergences and as many bad items across every call
// (shown counts them); it reports whether the namespace has either.
func report(w io.Writer, prefix string, res *engine.IndexCheck, shown *[2]int) bool {
	fmt.Fprintf(w, "%schecked %d tables, %d indexes (%d skipped while building or dropping): %d items, %d index entries, %d divergences\n",
		prefix, res.Tables, res.Indexes, res.Skipped, res.Items, res.Entries, len(res.Divergences))
	printCapped(w, prefix, res.Divergences, &shown[0])
	if len(res.BadItems) > 0 {
		fmt.Fprintf(w, "%s%d stored items or index entries nested deeper than DynamoDB allows or unreadable\n", prefix, len(res.BadItems))
	}
	printCapped(w, prefix, res.BadItems, &shown[1])
	return len(res.Divergences) > 0 || len(res.BadItems) > 0
}

// printCapped prints items, one a line after prefix, until *shown (the
// count across every call) reaches maxDivergencesShown, then how many
// were left out.
func printCapped[T fmt.Stringer](w io.Writer, prefix string, items []T, shown *int) {
	for i, it := range items {
		if *shown == maxDivergencesShown {
			fmt.Fprintf(w, "%s... and %d more\n", prefix, len(items)-i)
			return
		}
		*shown++
		fmt.Fprintln(w, prefix+it.String())
	}
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
