package main

// DynamoDB Local's command line, accepted as is, so that a launch script,
// Makefile or CI job written for
//
//	java -jar DynamoDBLocal.jar -sharedDb -inMemory -port 8000
//
// runs `dynago -sharedDb -inMemory -port 8000` unchanged. Go's flag
// package takes -flag and --flag alike, so -port, -cors and -help are
// Dynago's own flags; the others map onto Dynago's settings:
//
//	-inMemory                 --in-memory
//	-dbPath DIR               --data-dir DIR (refused together with -inMemory, as DynamoDB Local refuses it)
//	-sharedDb                 accepted: Dynago has one shared database (see below)
//	-delayTransientStatuses   tables and indexes pass through CREATING, UPDATING
//	                          and DELETING (engine/transient_status.go)
//	-optimizeDbBeforeStartup  accepted, nothing to do: Pebble compacts in the background
//	-disableTelemetry         accepted, nothing to do: Dynago sends no telemetry
//	-version                  prints the version, as `dynago version`
//
// A known difference: without -sharedDb, DynamoDB Local keeps one database
// per access key id and region, so two clients with different keys see
// different tables; Dynago without --auth always has one shared namespace
// (as DynamoDB Local with -sharedDb). Per-account namespaces belong to the
// engine, not to a flag, and come with the security work. A start-up line
// says so when a DynamoDB Local command line lacks -sharedDb.

import (
	"errors"
	"flag"
	"strings"

	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/server"
)

// localFlags are DynamoDB Local's flags as parsed.
type localFlags struct {
	fs             *serveFlags
	inMemory       bool // -inMemory, bound to cfg.InMemory
	dbPath         string
	sharedDb       bool
	delayTransient bool
	optimizeDb     bool
	noTelemetry    bool
	version        bool
}

// defineLocalFlags defines DynamoDB Local's flags on f; -inMemory sets
// cfg.InMemory directly.
func defineLocalFlags(f *serveFlags, cfg *server.Config) *localFlags {
	l := &localFlags{fs: f}
	f.fs.BoolVar(&cfg.InMemory, "inMemory", cfg.InMemory, "DynamoDB Local's -inMemory: as --in-memory")
	f.fs.StringVar(&l.dbPath, "dbPath", "", "DynamoDB Local's -dbPath DIR: as --data-dir DIR")
	f.fs.BoolVar(&l.sharedDb, "sharedDb", false, "DynamoDB Local's -sharedDb: accepted; Dynago always has one shared database")
	f.BoolVar(&l.delayTransient, "delayTransientStatuses", "DYNAGO_DELAY_TRANSIENT_STATUSES", false,
		"DynamoDB Local's -delayTransientStatuses: tables and indexes stay CREATING, UPDATING and DELETING for a while, as in DynamoDB")
	f.fs.BoolVar(&l.optimizeDb, "optimizeDbBeforeStartup", false, "DynamoDB Local's -optimizeDbBeforeStartup: accepted; nothing to do (storage compacts in the background)")
	f.fs.BoolVar(&l.noTelemetry, "disableTelemetry", false, "DynamoDB Local's -disableTelemetry: accepted; Dynago sends no telemetry")
	f.fs.BoolVar(&l.version, "version", false, "print the version and exit")
	return l
}

// errDbPathInMemory refuses -dbPath with -inMemory, as DynamoDB Local
// does ("You cannot specify both -dbPath and -inMemory").
var errDbPathInMemory = errors.New("-dbPath and -inMemory: specify one, not both (the data is either in DIR or in memory)")

// apply applies the parsed flags to cfg and returns the start-up notes.
func (l *localFlags) apply(cfg *server.Config) ([]string, error) {
	if l.version {
		return nil, errVersion
	}
	set := map[string]bool{}
	l.fs.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if l.dbPath != "" {
		if cfg.InMemory && (set["inMemory"] || set["in-memory"]) {
			return nil, errDbPathInMemory
		}
		cfg.DataDir, cfg.InMemory = l.dbPath, false // beats DYNAGO_IN_MEMORY
	}
	if l.delayTransient {
		d := engine.DefaultTransientDelays()
		cfg.Transient = &d
	}
	var notes []string
	local := false
	for _, name := range []string{"inMemory", "dbPath", "sharedDb", "delayTransientStatuses", "optimizeDbBeforeStartup", "disableTelemetry"} {
		local = local || set[name]
	}
	if local && !l.sharedDb {
		notes = append(notes, "without -sharedDb DynamoDB Local keeps one database per access key and region; Dynago keeps one database shared by every client, as with -sharedDb")
	}
	if l.optimizeDb {
		notes = append(notes, "-optimizeDbBeforeStartup: nothing to do, Dynago's storage compacts in the background")
	}
	return notes, nil
}

// parseOrigins turns a -cors value into wire's origin list: "*" (or
// empty) is nil, any origin; otherwise the comma-separated origins.
func parseOrigins(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		o = strings.TrimSpace(o)
		if o == "*" {
			return nil
		}
		if o != "" {
			out = append(out, o)
		}
	}
	return out
}
