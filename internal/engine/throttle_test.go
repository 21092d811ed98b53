package engine

import (
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	type step struct {
		at         float64 // seconds since t0
		rate       float64
		take       float64
		wantTokens float64 // after refill, before take
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"starts full with 300 s of burst", []step{{0, 1, 0, 300}}},
		{"spends and refills at the rate", []step{{0, 5, 1000, 1500}, {1, 5, 0, 505}, {2, 5, 0, 510}}},
		{"debt is paid off by refills", []step{{0, 1, 400, 300}, {50, 1, 0, -50}, {100, 1, 0, 0}}},
		{"never holds more than 300 s", []step{{0, 2, 10, 600}, {10000, 2, 0, 600}}},
		{"a new rate forgives debt and counts at once", []step{{0, 1, 400, 300}, {1, 100, 0, 100}}},
		{"a lower rate shrinks the burst", []step{{0, 10, 0, 3000}, {1, 1, 0, 300}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bucket
			for i, s := range tc.steps {
				b.refill(at(s.at), s.rate, s.rate*burstSeconds)
				if b.tokens != s.wantTokens {
					t.Fatalf("step %d: %v tokens, want %v", i, b.tokens, s.wantTokens)
				}
				b.tokens -= s.take
			}
		})
	}
}

func BenchmarkBucketAdmitCharge(b *testing.B) {
	var bk bucket
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		t := now.Add(time.Duration(i) * time.Microsecond)
		bk.mu.Lock()
		bk.refill(t, 1000, 300000)
		bk.tokens--
		bk.mu.Unlock()
	}
}

// Each bucketKey has a bucket of its own, the same one at every lookup.
func TestThrottlerGet(t *testing.T) {
	th := newThrottler()
	keys := []bucketKey{
		{table: 1}, {table: 1, write: true},
		{table: 1, index: "g"}, {table: 1, index: "g", write: true},
		{table: 1, index: "h"}, {table: 2}, {table: 2, index: "g"},
	}
	seen := map[*bucket]bucketKey{}
	for _, k := range keys {
		b := th.get(k)
		if other, ok := seen[b]; ok {
			t.Errorf("%+v and %+v share a bucket", k, other)
		}
		seen[b] = k
		if again := th.get(k); again != b {
			t.Errorf("%+v: a second lookup found another bucket", k)
		}
	}
}
