package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// withInterrupts turns Ctrl-C (and SIGTERM) into two contexts for import
// and export: the first signal cancels soft (stop reading, let the writes
// in flight finish, write the checkpoint), a second one cancels hard too
// (abandon the writes in flight; a resumed run writes them again).
func withInterrupts(ctx context.Context, stderr io.Writer) (soft, hard context.Context, stop func()) {
	hard, cancelHard := context.WithCancel(ctx)
	soft, cancelSoft := context.WithCancel(hard)
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "\ninterrupted: finishing the requests in flight and saving the checkpoint (interrupt again to stop at once)")
		cancelSoft()
		select {
		case <-sig:
			cancelHard()
		case <-done:
		}
	}()
	return soft, hard, func() {
		signal.Stop(sig)
		close(done)
		cancelSoft()
		cancelHard()
	}
}
