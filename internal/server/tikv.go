//go:build tikv

package server

// The TiKV backend, linked only with `-tags tikv` (see backend.go).

import (
	"context"
	"log/slog"
	"strings"

	pingcaplog "github.com/pingcap/log"
	"go.uber.org/zap/zapcore"

	"github.com/dynago/dynago/internal/kv/tikv"
)

// openTiKV opens the TiKV store cfg.TiKV names: TiKVMock, or the PD
// endpoints of a cluster, comma separated ("pd1:2379,pd2:2379").
func openTiKV(ctx context.Context, cfg Config) (*backend, error) {
	quietClientGo(cfg.Logger)
	if cfg.TiKV == TiKVMock {
		store, err := tikv.OpenMock(ctx, tikv.Options{})
		if err != nil {
			return nil, err
		}
		cfg.Logger.Warn("serving from client-go's in-process mock TiKV cluster: the data does not outlive this process",
			"component", "store", "tikv", TiKVMock)
		return &backend{store: store, shared: true, close: store.Close}, nil
	}
	pds, err := ParsePDAddrs(cfg.TiKV)
	if err != nil {
		return nil, err
	}
	store, err := tikv.Open(ctx, pds, tikv.Options{})
	if err != nil {
		return nil, err
	}
	cfg.Logger.Info("serving from a TiKV cluster", "component", "store", "pd", strings.Join(pds, ","))
	return &backend{store: store, shared: true, close: store.Close}, nil
}

// quietClientGo lowers client-go's own logging (pingcap/log, zap on
// stderr, INFO by default: region cache and PD client chatter on every
// start) to warnings, or keeps INFO when Dynago logs at debug. It is a
// process-wide setting of pingcap/log's global logger.
func quietClientGo(log *slog.Logger) {
	level := zapcore.WarnLevel
	if log.Enabled(context.Background(), slog.LevelDebug) {
		level = zapcore.InfoLevel
	}
	pingcaplog.SetLevel(level)
}
