package main

// `--tikv`: serve from a TiKV cluster (issue 16). The flag is defined in
// every build so that a binary built without `-tags tikv` answers it with
// server.ErrNoTiKV ("rebuild with -tags tikv") rather than "flag provided
// but not defined"; only the tikv build links client-go (internal/server's
// backend.go says why).

import (
	"errors"
	"time"

	"github.com/dynago/dynago/internal/server"
)

func init() {
	registerServeFlags(func(f *serveFlags) func(*server.Config) error {
		pd := f.String("tikv", "DYNAGO_TIKV", "",
			"serve from a TiKV cluster: its PD endpoints host:port, comma separated, or mock for client-go's in-process mock cluster (data does not outlive the process); needs a dynago built with -tags tikv")
		stale := new(time.Duration)
		f.DurationVar(stale, "catalog-staleness", "DYNAGO_CATALOG_STALENESS", 0,
			"with --tikv: how late a read (GetItem, Query, Scan, BatchGetItem, TransactGetItems) may see a table deleted or changed through another node, to save the catalog check (a timestamp and an RPC) of each read; 0 checks every request")
		return func(cfg *server.Config) error {
			if *pd == "" {
				if *stale != 0 {
					return errors.New("--catalog-staleness applies to --tikv only")
				}
				return nil
			}
			if *stale < 0 {
				return errors.New("--catalog-staleness must not be negative")
			}
			cfg.CatalogStaleness = *stale
			// The mock keeps its data in memory, so --in-memory (DynamoDB
			// Local's -inMemory) agrees with it; a real cluster does not.
			if *pd != server.TiKVMock {
				if cfg.InMemory {
					return errors.New("--tikv with PD endpoints and --in-memory (or -inMemory) choose different stores; give one")
				}
				if _, err := server.ParsePDAddrs(*pd); err != nil {
					return err
				}
			}
			cfg.TiKV, cfg.InMemory = *pd, false
			return nil
		}
	})
}
