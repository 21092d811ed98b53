package prefixkv

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/pebble"
)

// BenchmarkGet reads 10^4 items of 250 bytes, keyed as the engine keys
// items, straight from an in-memory Pebble store and through views
// under a namespace's prefix (ns/<account>/<region>/, 26 bytes, what
// --auth puts before every key) and a short one: the cost of the
// namespace to every read (docs/security.md, "Cost").
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	const items = 10_000
	for _, bm := range []struct{ name, prefix string }{
		{"bare", ""},
		{"namespace prefix", "ns/111111111111/us-east-1/"},
		{"short prefix", "n/1/"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			base, err := pebble.Open("", pebble.Options{InMemory: true})
			if err != nil {
				b.Fatal(err)
			}
			defer base.Close()
			var s kv.Store = base
			if bm.prefix != "" {
				s = New(base, []byte(bm.prefix))
			}
			key := func(i int) []byte { return fmt.Appendf(nil, "t/0001/i/\x00\x05key-%06d", i) }
			value := make([]byte, 250)
			if err := s.Update(ctx, nil, func(txn kv.Txn) error {
				for i := range items {
					if err := txn.Set(key(i), value); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			keys := make([][]byte, 4096)
			for i := range keys {
				keys[i] = key(i * 7919 % items)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Get(ctx, keys[i%len(keys)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
