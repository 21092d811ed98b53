package main

import (
	"bytes"
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv/pebble"
	"github.com/dynago/dynago/internal/server"
)

func envFrom(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestServeFlags(t *testing.T) {
	defaults := server.Config{Host: "127.0.0.1", Port: 8000, DataDir: "./dynago-data", LogLevel: "info", LogFormat: "text", Region: "us-east-1", AccountID: "000000000000", TTLInterval: server.DefaultTTLInterval, CacheBytes: pebble.DefaultCacheSize}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want server.Config
	}{
		{"defaults", nil, nil, defaults},
		{"env", nil, map[string]string{
			"DYNAGO_PORT": "9000", "DYNAGO_HOST": "0.0.0.0", "DYNAGO_DATA_DIR": "/d", "DYNAGO_IN_MEMORY": "true",
			"DYNAGO_LOG_LEVEL": "debug", "DYNAGO_REGION": "eu-west-1", "DYNAGO_ACCOUNT_ID": "123456789012",
		}, server.Config{Host: "0.0.0.0", Port: 9000, DataDir: "/d", InMemory: true, LogLevel: "debug", LogFormat: "text", Region: "eu-west-1", AccountID: "123456789012", TTLInterval: server.DefaultTTLInterval, CacheBytes: pebble.DefaultCacheSize}},
		{"flags beat env", []string{"--port", "9100", "--host=::1", "--data-dir", "x", "--in-memory=false", "--log-level", "warn", "--region", "r", "--account-id", "a"},
			map[string]string{"DYNAGO_PORT": "9000", "DYNAGO_IN_MEMORY": "1", "DYNAGO_LOG_LEVEL": "debug"},
			server.Config{Host: "::1", Port: 9100, DataDir: "x", LogLevel: "warn", LogFormat: "text", Region: "r", AccountID: "a", TTLInterval: server.DefaultTTLInterval, CacheBytes: pebble.DefaultCacheSize}},
		{"in-memory flag", []string{"--in-memory"}, nil, func() server.Config { c := defaults; c.InMemory = true; return c }()},
		{"ttl and throttle env", nil, map[string]string{"DYNAGO_TTL_INTERVAL": "250ms", "DYNAGO_THROTTLE": "false"},
			func() server.Config {
				c := defaults
				c.TTLInterval = 250 * time.Millisecond
				c.NoThrottle = true
				return c
			}()},
		{"ttl and throttle flags beat env", []string{"--ttl-interval", "1m", "--throttle=true"}, map[string]string{"DYNAGO_TTL_INTERVAL": "250ms", "DYNAGO_THROTTLE": "false"},
			func() server.Config { c := defaults; c.TTLInterval = time.Minute; return c }()},
		{"cache env", nil, map[string]string{"DYNAGO_CACHE_MB": "256"},
			func() server.Config { c := defaults; c.CacheBytes = 256 << 20; return c }()},
		{"cache flag beats env", []string{"--cache-mb", "64"}, map[string]string{"DYNAGO_CACHE_MB": "256"},
			func() server.Config { c := defaults; c.CacheBytes = 64 << 20; return c }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseServeFlags(tt.args, envFrom(tt.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.cfg, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got.cfg, tt.want)
			}
		})
	}
}

func TestServeFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--port", "x"}, nil},
		{[]string{"--port", "70000"}, nil},
		{nil, map[string]string{"DYNAGO_PORT": "eighty"}},
		{nil, map[string]string{"DYNAGO_IN_MEMORY": "maybe"}},
		{[]string{"--log-level", "loud"}, nil},
		{[]string{"extra"}, nil},
		{[]string{"--nope"}, nil},
		{[]string{"--ttl-interval", "soon"}, nil},
		{[]string{"--ttl-interval", "0s"}, nil},
		{nil, map[string]string{"DYNAGO_TTL_INTERVAL": "-1s"}},
		{nil, map[string]string{"DYNAGO_THROTTLE": "sometimes"}},
		{[]string{"--cache-mb", "0"}, nil},
		{nil, map[string]string{"DYNAGO_CACHE_MB": "lots"}},
	}
	for _, tt := range tests {
		if _, err := parseServeFlags(tt.args, envFrom(tt.env), io.Discard); err == nil {
			t.Errorf("%v %v: no error", tt.args, tt.env)
		}
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"version"}, envFrom(nil), &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out.String(), "dynago dev\ngo: go1.") {
		t.Errorf("version output:\n%s", out.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, envFrom(nil), io.Discard, &errOut); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("stderr: %s", errOut.String())
	}
}

// TestServeShutsDownOnCancel runs the default command (serve) on a free
// port in memory and stops it the way a signal does, by cancelling its
// context.
func TestServeShutsDownOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var errOut syncWriter
	done := make(chan int)
	go func() { done <- run(ctx, []string{"--port", "0", "--in-memory"}, envFrom(nil), io.Discard, &errOut) }()
	for !strings.Contains(errOut.String(), "dynago serving") {
		select {
		case code := <-done:
			t.Fatalf("exited early with %d: %s", code, errOut.String())
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, s := range []string{"url=http://127.0.0.1:", `data_dir="(in memory)"`, "shutting down", "stopped"} {
		if !strings.Contains(errOut.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, errOut.String())
		}
	}
}
