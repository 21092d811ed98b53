//go:build !tikv

package server

import "context"

// openTiKV refuses: this build does not link the TiKV client (see
// backend.go).
func openTiKV(context.Context, Config) (*backend, error) { return nil, ErrNoTiKV }
