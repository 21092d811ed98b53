package main

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterrupts sends this process SIGINT twice: the first cancels only
// the soft context (stop reading, finish the writes in flight), the second
// the hard one too.
func TestInterrupts(t *testing.T) {
	var out syncWriter
	soft, hard, stop := withInterrupts(context.Background(), &out)
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-soft.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the first SIGINT did not cancel the soft context")
	}
	if hard.Err() != nil {
		t.Fatal("the first SIGINT cancelled the hard context")
	}
	if !strings.Contains(out.String(), "interrupted: finishing the requests in flight") {
		t.Errorf("message: %q", out.String())
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hard.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the second SIGINT did not cancel the hard context")
	}
}
