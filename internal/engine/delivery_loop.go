package engine

import (
	"context"
	"errors"
	"time"

	"github.com/dynago/dynago/internal/jobs"
)

// deliveryLoop is the loop of the jobs that push change-log records out
// (the stream-push job's webhook, the kinesis job's streams): it runs pass
// until ctx ends, the job's lease is lost, or pass reports there is
// nothing left to watch (done; deliveryLoop then returns nil). Between
// passes it waits idle when nothing was sent, not at all when something
// was, and after a failure a pause that doubles up to maxPause, telling
// warn about each failure.
func deliveryLoop(ctx context.Context, idle, maxPause time.Duration, pass func() (done, sent bool, err error), warn func(err error, pause time.Duration)) error {
	var pause time.Duration
	for {
		done, sent, err := pass()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, jobs.ErrLeaseLost):
			return err
		case done && err == nil:
			return nil
		}
		wait := idle
		switch {
		case err != nil:
			pause = min(max(2*pause, 50*time.Millisecond), maxPause)
			wait = pause
			warn(err, pause)
		case sent:
			pause, wait = 0, 0
		default:
			pause = 0
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
	}
}
