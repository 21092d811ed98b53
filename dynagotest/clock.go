package dynagotest

import (
	"sync"
	"time"
)

// Clock is a clock a test sets and advances, for WithClock:
//
//	clock := dynagotest.NewClock(time.Now())
//	db := dynagotest.New(t, dynagotest.WithClock(clock.Now), dynagotest.WithTTLInterval(50*time.Millisecond))
//	// ... put an item whose TTL attribute is clock.Now() + 1 hour ...
//	clock.Advance(2 * time.Hour) // the next TTL pass deletes it
//
// It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock showing start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
