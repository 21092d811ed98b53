package main

import (
	"bytes"
	"sync"
)

// syncWriter is a bytes.Buffer safe for concurrent writes and reads.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// envFrom is a getenv over a map.
func envFrom(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
