package engine

// A node-local catalog for reads. Every request checks the store's catalog
// version first (run), which over TiKV costs a timestamp and an RPC: as
// much again as a GetItem's own read. With Options.CatalogStaleness a
// read-only item operation skips that check while the last one is recent
// enough, and checks only if it then fails on what a newer catalog might
// have (a table or an index it did not find).

import (
	"errors"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// catalogClock is the monotonic clock of catalog checks; catalogChecked
// holds readings of it. Options.Now is not used: tests move it by hours.
var catalogEpoch = time.Now()

func catalogClock() int64 { return int64(time.Since(catalogEpoch)) }

// checkedWithin reports whether a catalog check that began less than d ago
// has completed.
func (c *catalog) checkedWithin(d time.Duration) bool {
	at := c.checked.Load()
	return at != 0 && catalogClock()-at < int64(d)
}

// noteChecked records that a check which began at start completed.
func (c *catalog) noteChecked(start int64) {
	for {
		cur := c.checked.Load()
		if start <= cur || c.checked.CompareAndSwap(cur, start) {
			return
		}
	}
}

// staleReadAllowed reports whether op may run on the catalog as last
// checked (see Options.CatalogStaleness).
func (db *DB) staleReadAllowed(op api.OpID) bool {
	return db.opts.CatalogStaleness > 0 && op.Operation().Capacity == api.CapacityRead &&
		db.cat.checkedWithin(db.opts.CatalogStaleness)
}

// newerCatalogMayHelp reports whether err, from a read authorized and run
// on the catalog as last checked, is one a newer catalog might not have: a
// table not found (ResourceNotFoundException), a request naming what the
// table did not have then, such as an index (ValidationException), or a
// refusal a resource policy added since might lift
// (AccessDeniedException).
func newerCatalogMayHelp(err error) bool {
	return errors.Is(err, apierr.ResourceNotFoundException) || errors.Is(err, apierr.ValidationException) ||
		errors.Is(err, apierr.AccessDeniedException)
}
