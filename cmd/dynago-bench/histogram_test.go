package main

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestBucketIndexRoundTrip(t *testing.T) {
	tests := []int64{0, 1, 255, 256, 257, 511, 512, 1000, 4095, 4096, 1e6, 1e9, 123456789, histMaxValue}
	for _, v := range tests {
		i := bucketIndex(v)
		lo, hi := bucketRange(i)
		if v < lo || v > hi {
			t.Errorf("value %d: bucket %d holds [%d, %d]", v, i, lo, hi)
		}
		if i < 0 || i >= histBuckets {
			t.Errorf("value %d: bucket %d out of [0, %d)", v, i, histBuckets)
		}
	}
}

func TestBucketsAreContiguous(t *testing.T) {
	// Every value belongs to exactly one bucket: each bucket starts where
	// the previous one ended.
	_, prevHi := bucketRange(0)
	for i := 1; i < histBuckets; i++ {
		lo, hi := bucketRange(i)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		if hi < lo {
			t.Fatalf("bucket %d: hi %d < lo %d", i, hi, lo)
		}
		prevHi = hi
	}
	if prevHi != histMaxValue {
		t.Fatalf("last bucket ends at %d, want %d", prevHi, histMaxValue)
	}
}

func TestSmallValuesAreExact(t *testing.T) {
	h := NewHistogram()
	for v := int64(1); v <= 100; v++ {
		h.Record(v)
	}
	tests := []struct {
		p    float64
		want int64
	}{
		{0, 1}, {1, 1}, {50, 50}, {90, 90}, {99, 99}, {99.9, 100}, {100, 100},
	}
	for _, tt := range tests {
		if got := h.Percentile(tt.p); got != tt.want {
			t.Errorf("p%v = %d, want %d", tt.p, got, tt.want)
		}
	}
	if h.Count() != 100 || h.Min() != 1 || h.Max() != 100 || h.Mean() != 50.5 {
		t.Errorf("count %d min %d max %d mean %v", h.Count(), h.Min(), h.Max(), h.Mean())
	}
}

// TestPercentileRelativeError checks the HDR promise against exact
// nearest-rank percentiles of log-uniform latencies from 1 µs to 1 s: the
// reported value is never below the true one and at most 1/256 above it.
func TestPercentileRelativeError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := NewHistogram()
	vals := make([]int64, 200_000)
	for i := range vals {
		vals[i] = int64(math.Exp(rng.Float64()*math.Log(1e6)) * 1e3)
		h.Record(vals[i])
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	for _, p := range []float64{1, 10, 50, 90, 99, 99.9, 99.99} {
		rank := int(math.Ceil(p / 100 * float64(len(vals))))
		exact := vals[rank-1]
		got := h.Percentile(p)
		if got < exact {
			t.Errorf("p%v = %d understates exact %d", p, got, exact)
		}
		if rel := float64(got-exact) / float64(exact); rel > 1.0/histSubBuckets {
			t.Errorf("p%v = %d, exact %d: relative error %.4f > %.4f", p, got, exact, rel, 1.0/histSubBuckets)
		}
	}
	if h.Percentile(100) != vals[len(vals)-1] {
		t.Errorf("p100 = %d, want max %d", h.Percentile(100), vals[len(vals)-1])
	}
}

func TestMergeEqualsRecordingAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	all, a, b := NewHistogram(), NewHistogram(), NewHistogram()
	for i := range 10_000 {
		v := rng.Int64N(50_000_000)
		all.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	a.Merge(b)
	a.Merge(NewHistogram()) // merging an empty one changes nothing
	for _, p := range []float64{0, 50, 99, 99.9, 100} {
		if a.Percentile(p) != all.Percentile(p) {
			t.Errorf("p%v: merged %d, single %d", p, a.Percentile(p), all.Percentile(p))
		}
	}
	if a.Count() != all.Count() || a.Min() != all.Min() || a.Max() != all.Max() || math.Abs(a.Mean()-all.Mean()) > 1e-6 {
		t.Errorf("merged count/min/max/mean %d/%d/%d/%v, single %d/%d/%d/%v",
			a.Count(), a.Min(), a.Max(), a.Mean(), all.Count(), all.Min(), all.Max(), all.Mean())
	}
}

func TestEmptyAndClamped(t *testing.T) {
	h := NewHistogram()
	if h.Percentile(99) != 0 || h.Min() != 0 || h.Max() != 0 || h.Mean() != 0 {
		t.Fatal("empty histogram should report zeros")
	}
	h.Record(-5)
	h.Record(histMaxValue * 4)
	if got := h.Percentile(0); got != 0 {
		t.Errorf("negative value recorded as %d, want bucket 0", got)
	}
	if got := h.Percentile(100); got != histMaxValue*4 {
		t.Errorf("p100 = %d, want the exact max %d", got, histMaxValue*4)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := NewHistogram()
	for i := 0; b.Loop(); i++ {
		h.Record(int64(i) * 977)
	}
}
