//go:build !tikv

package server

import (
	"context"

	"github.com/dynago/dynago/internal/kv"
)

// openTiKV refuses: this build does not link the TiKV client (see
// backend.go).
func openTiKV(context.Context, Config) (*backend, error) { return nil, ErrNoTiKV }

// storeErrors is nil: no store of this build has errors of its own to map
// (see tikv_errors.go in a build with -tags tikv).
func storeErrors(kv.Store) func(error) error { return nil }

// storeJobs starts nothing: only a TiKV store has jobs of its own.
func storeJobs(context.Context, kv.Store, Config) (func(), error) { return nil, nil }
