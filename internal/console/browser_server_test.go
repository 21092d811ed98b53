package console_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/server"
)

// startBrowserServer starts the in-memory server the browser tests drive,
// with cfg's settings on top of the ones they all share (loopback, a free
// port, no TTL passes, a silent log), and closes it with the test.
func startBrowserServer(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	cfg.Host, cfg.Port, cfg.InMemory, cfg.TTLInterval = "127.0.0.1", 0, true, -1
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return srv
}
