package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestGCPercentFor(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{4 << 20, 100},  // a test suite's server
		{32 << 20, 100}, // up to the headroom: Go's default
		{64 << 20, 50},  // the target stays 32 MB above the live heap
		{128 << 20, 25}, // ... until GOGC reaches its floor
		{350 << 20, 25}, // 10^6 items in memory: 25% above, not 100%
		{1 << 40, 25},
	} {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d MB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}

// With 64 MB of pointer-free data live, one tuning step lowers GOGC to
// keep the target about gcHeadroom above the live heap.
func TestTuneGCOnceLowersGOGCForALargeHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(gcPercentDefault))
	data := make([]byte, 64<<20)
	for i := range data {
		data[i] = byte(i)
	}
	runtime.GC()
	got, ok := tuneGCOnce(gcPercentDefault)
	if !ok {
		t.Fatal("the runtime reports no live heap")
	}
	if got >= gcPercentDefault || got < gcPercentMin {
		t.Errorf("GOGC %d with 64 MB live, want between %d and %d", got, gcPercentMin, gcPercentDefault)
	}
	if now := debug.SetGCPercent(got); now != got {
		t.Errorf("the runtime's GOGC is %d, tuneGCOnce said %d", now, got)
	}
	runtime.KeepAlive(data)
}
