package pebble

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestSortedUnique(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{nil, nil},
		{[]string{"b", "a", "b", "c", "a"}, []string{"a", "b", "c"}},
		{[]string{"", "\x00", ""}, []string{"", "\x00"}},
		{[]string{"ab", "a", "b"}, []string{"a", "ab", "b"}},
	}
	for _, tc := range tests {
		var in [][]byte
		for _, s := range tc.in {
			in = append(in, []byte(s))
		}
		var got []string
		for _, b := range sortedUnique(in) {
			got = append(got, string(b))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("sortedUnique(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestLockTableNoLeak: entries disappear when nobody holds or awaits them,
// including waiters that gave up.
func TestLockTableNoLeak(t *testing.T) {
	lt := newLockTable()
	ctx := context.Background()
	h, err := lt.acquire(ctx, [][]byte{[]byte("a"), []byte("b"), []byte("a")})
	if err != nil {
		t.Fatal(err)
	}
	if n := lt.size(); n != 2 {
		t.Fatalf("size = %d, want 2", n)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := lt.acquire(short, [][]byte{[]byte("c"), []byte("b")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire of held key = %v, want DeadlineExceeded", err)
	}
	if n := lt.size(); n != 2 {
		t.Errorf("after abandoned wait size = %d, want 2 (c released, b still held)", n)
	}
	h.release()
	if n := lt.size(); n != 0 {
		t.Errorf("after release size = %d, want 0", n)
	}
}

// TestLockTableMutualExclusion: under contention at most one holder per key
// at a time.
func TestLockTableMutualExclusion(t *testing.T) {
	lt := newLockTable()
	var mu sync.Mutex
	holders := map[string]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				keys := [][]byte{fmt.Appendf(nil, "k%d", (w+i)%3), fmt.Appendf(nil, "k%d", i%3)}
				h, err := lt.acquire(context.Background(), keys)
				if err != nil {
					t.Error(err)
					return
				}
				names := []string{string(keys[0]), string(keys[1])}
				names = slices.Compact(slices.Sorted(slices.Values(names)))
				mu.Lock()
				for _, k := range names {
					if holders[k]++; holders[k] > 1 {
						t.Errorf("%s held twice", k)
					}
				}
				mu.Unlock()
				mu.Lock()
				for _, k := range names {
					holders[k]--
				}
				mu.Unlock()
				h.release()
			}
		})
	}
	wg.Wait()
	if n := lt.size(); n != 0 {
		t.Errorf("size = %d after all released", n)
	}
}

func BenchmarkLockTableUncontended(b *testing.B) {
	lt := newLockTable()
	keys := [][]byte{[]byte("t/1/i/abcd/pk/sk")}
	ctx := context.Background()
	for b.Loop() {
		h, _ := lt.acquire(ctx, keys)
		h.release()
	}
}
