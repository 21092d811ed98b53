//go:build !tikv

package server

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestTiKVNeedsTheBuildTag: the default build refuses --tikv with a message
// that says how to get it, and creates no data directory on the way.
func TestTiKVNeedsTheBuildTag(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	_, err := Start(context.Background(), Config{Port: 0, TiKV: TiKVMock, DataDir: dir, Logger: quietLogger()})
	if !errors.Is(err, ErrNoTiKV) {
		t.Fatalf("Start with TiKV %q: %v, want ErrNoTiKV", TiKVMock, err)
	}
	if want := "this dynago was built without TiKV support; rebuild with -tags tikv"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("data directory: %v, want it not created", err)
	}
}
