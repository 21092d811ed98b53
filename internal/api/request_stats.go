package api

// Per-request statistics for the access log. The wire layer logs one line
// per request, with the capacity units the request consumed whether or not
// the client asked for ReturnConsumedCapacity; only the engine knows them
// (it computes every request's capacity, and strips it from the output
// when not asked). Like RawItems, this is a context value rather than a
// member of the outputs, which stay exactly DynamoDB's shapes; a caller
// that does not opt in pays one failed context lookup per charge.

import (
	"context"
	"math"
	"sync/atomic"
)

// RequestStats receives what the engine measured while serving one
// request. It is safe for concurrent use: a batch may charge capacity from
// several goroutines.
type RequestStats struct {
	read, write atomic.Uint64 // float64 bits
}

// requestStatsKey is the context key of a request's *RequestStats.
type requestStatsKey struct{}

// WithRequestStats returns ctx carrying s: the engine adds to it the
// capacity the request consumes.
func WithRequestStats(ctx context.Context, s *RequestStats) context.Context {
	return context.WithValue(ctx, requestStatsKey{}, s)
}

// RequestStatsFrom returns the *RequestStats in ctx, or nil.
func RequestStatsFrom(ctx context.Context) *RequestStats {
	s, _ := ctx.Value(requestStatsKey{}).(*RequestStats)
	return s
}

// AddCapacity adds consumed read and write units (table and indexes
// together). A nil s ignores it.
func (s *RequestStats) AddCapacity(read, write float64) {
	if s == nil {
		return
	}
	if read != 0 {
		addFloat(&s.read, read)
	}
	if write != 0 {
		addFloat(&s.write, write)
	}
}

// Capacity returns the read and write units added so far.
func (s *RequestStats) Capacity() (read, write float64) {
	return math.Float64frombits(s.read.Load()), math.Float64frombits(s.write.Load())
}

func addFloat(u *atomic.Uint64, v float64) {
	for {
		old := u.Load()
		if u.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}
