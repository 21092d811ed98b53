//go:build pebblebench

// Pebble in memory beside the mock cluster in the same benchmark run. It
// is behind a build tag until kv/pebble implements contract v2 (branch
// kv-v2): before that the pebble package does not compile on this branch.
// Run with: go test -tags pebblebench -run XXX -bench . ./internal/kv/tikv

package tikv

import (
	"testing"

	"github.com/dynago/dynago/internal/kv/pebble"
)

func init() {
	extraBackends = append(extraBackends, func(b *testing.B) benchBackend {
		s, err := pebble.Open("", pebble.Options{InMemory: true})
		if err != nil {
			b.Fatal(err)
		}
		return benchBackend{name: "pebble-mem", s: s}
	})
}
