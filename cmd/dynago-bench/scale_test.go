package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// PrintScale reports the server's RSS against the data's size when the
// run measured it, and says nothing of it when it did not.
func TestPrintScaleRSS(t *testing.T) {
	small, large := &Result{Latency: NewHistogram()}, &Result{Latency: NewHistogram()}
	small.Latency.RecordDuration(time.Millisecond)
	large.Latency.RecordDuration(time.Millisecond)
	s := &ScaleResult{SmallItems: 1e4, LargeItems: 1e6, Small: small, Large: large, LoadTime: time.Second,
		DataBytes: 250e6, LargeRSS: 500e6}
	var out bytes.Buffer
	PrintScale(&out, s)
	if !strings.Contains(out.String(), "server RSS with 1000000 items: 476.8 MB, 2.00x the items' 238.4 MB (1000000 x ~250 B)") {
		t.Errorf("no RSS line with its ratio:\n%s", out.String())
	}
	s.LargeRSS = 0
	out.Reset()
	PrintScale(&out, s)
	if strings.Contains(out.String(), "RSS") {
		t.Errorf("an RSS line without a measurement:\n%s", out.String())
	}
}
