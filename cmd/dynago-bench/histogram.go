package main

import (
	"math"
	"math/bits"
	"time"
)

// Histogram records latencies in nanoseconds into log-linear buckets, in
// the manner of HdrHistogram: every power of two is split into
// histSubBuckets equal buckets, so any recorded value is known to within
// 1/histSubBuckets (0.4%) of itself whatever its magnitude, and recording
// is a few shifts and one increment with no allocation. A Histogram is not
// safe for concurrent use: each load worker owns one and they are merged
// when the run ends.
type Histogram struct {
	counts []uint64
	total  uint64
	min    int64
	max    int64
	sum    float64
}

const (
	// histSubBits is log2 of the number of buckets per power of two.
	histSubBits = 8
	// histSubBuckets is the number of buckets per power of two; values
	// below it are recorded exactly.
	histSubBuckets = 1 << histSubBits
	// histMaxBits bounds recorded values to 2^histMaxBits ns (about 18
	// minutes); larger values are clamped, which no bounded run reaches.
	histMaxBits = 40
	// histMaxValue is the largest value recorded without clamping.
	histMaxValue = int64(1)<<histMaxBits - 1
	// histBuckets is the number of counters: the exact range plus
	// histSubBuckets per octave from histSubBits to histMaxBits.
	histBuckets = histSubBuckets + (histMaxBits-histSubBits)*histSubBuckets
)

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{counts: make([]uint64, histBuckets), min: math.MaxInt64}
}

// bucketIndex maps a value to its counter. Values below histSubBuckets map
// to themselves; a larger value v with its top bit at position e maps to
// octave e-histSubBits and, within it, to the histSubBits bits below the top
// bit.
func bucketIndex(v int64) int {
	if v < 0 {
		v = 0
	}
	if v > histMaxValue {
		v = histMaxValue
	}
	if v < histSubBuckets {
		return int(v)
	}
	e := bits.Len64(uint64(v)) - 1 // position of the top bit, >= histSubBits
	shift := e - histSubBits
	sub := int(v>>shift) - histSubBuckets // bits below the top one
	return histSubBuckets + shift*histSubBuckets + sub
}

// bucketRange returns the smallest and largest value that map to counter i.
func bucketRange(i int) (lo, hi int64) {
	if i < histSubBuckets {
		return int64(i), int64(i)
	}
	shift := (i - histSubBuckets) / histSubBuckets
	sub := int64((i-histSubBuckets)%histSubBuckets) + histSubBuckets
	lo = sub << shift
	hi = lo + (int64(1) << shift) - 1
	return lo, hi
}

// Record adds one observation of v nanoseconds.
func (h *Histogram) Record(v int64) {
	h.counts[bucketIndex(v)]++
	h.total++
	h.sum += float64(v)
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
}

// RecordDuration adds one observation of d.
func (h *Histogram) RecordDuration(d time.Duration) { h.Record(int64(d)) }

// Merge adds every observation of o to h, as if each had been recorded in h.
func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Count is the number of observations.
func (h *Histogram) Count() uint64 { return h.total }

// Min is the smallest observation, exactly; 0 when empty.
func (h *Histogram) Min() int64 {
	if h.total == 0 {
		return 0
	}
	return h.min
}

// Max is the largest observation, exactly; 0 when empty.
func (h *Histogram) Max() int64 { return h.max }

// Mean is the arithmetic mean of the observations; 0 when empty.
func (h *Histogram) Mean() float64 {
	if h.total == 0 {
		return 0
	}
	return h.sum / float64(h.total)
}

// Percentile returns the value at or below which p percent of the
// observations fall (the nearest-rank definition: the smallest recorded
// value whose rank is at least ceil(p/100 * count)). The value is reported
// as the largest value its bucket holds, clamped to the exact maximum, so it
// never understates a latency. It returns 0 when empty.
func (h *Histogram) Percentile(p float64) int64 {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(h.total)))
	rank = max(rank, 1)
	rank = min(rank, h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			if i == histBuckets-1 {
				return h.max // clamped values: only the exact max is known
			}
			_, hi := bucketRange(i)
			return min(max(hi, h.min), h.max)
		}
	}
	return h.max
}
