package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/server"
)

// authFile has one user allowed everything.
const authFile = `{"accounts": {"111111111111": {"users": {"bench": {
  "accessKeys": [{"id": "AKIABENCHUSER", "secret": "bench-user-secret"}],
  "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]}}}}}`

// TestCredentialsAgainstAuthServer drives a server that verifies
// signatures (--auth): with a key of its file the tool creates, loads and
// reads its table; with the tool's own key every request is refused as
// DynamoDB refuses an unknown key.
func TestCredentialsAgainstAuthServer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "auth.json")
	if err := os.WriteFile(path, []byte(authFile), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := server.Start(ctx, server.Config{InMemory: true, TTLInterval: -1, NoThrottle: true, AuthFile: path,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), NoAccessLog: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	wl, _ := LookupWorkload("get")

	for _, client := range []string{"lean", "sdk"} {
		t.Run(client, func(t *testing.T) {
			cfg := LoadConfig{Concurrency: 2, Duration: 200 * time.Millisecond, Warmup: 50 * time.Millisecond,
				ItemSize: defaultItemSize, Keys: 100, Table: "bench_" + client, Client: client, Seed: 1,
				Creds: Credentials{AccessKey: "AKIABENCHUSER", SecretKey: "bench-user-secret", Region: "eu-west-1"}}
			b, err := NewBench(cfg, s.URL(), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if err := b.Prepare(ctx, []*Workload{wl}); err != nil {
				t.Fatal(err)
			}
			r := b.RunWorkload(ctx, "auth", wl, 0)
			if r.Requests == 0 || r.Errors != 0 || r.Items != r.Requests {
				t.Fatalf("%d requests, %d items, %d errors (first: %v): want every GetItem to find its item",
					r.Requests, r.Items, r.Errors, r.FirstErr)
			}
		})
	}

	t.Run("unknown key", func(t *testing.T) {
		cfg := LoadConfig{Concurrency: 1, Duration: time.Second, ItemSize: defaultItemSize, Keys: 100,
			Table: "bench_t", Client: "lean"}
		b, err := NewBench(cfg, s.URL(), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		err = b.Prepare(ctx, []*Workload{wl})
		var ae *APIError
		if !errors.As(err, &ae) || ae.Type != "UnrecognizedClientException" {
			t.Fatalf("Prepare with the tool's own key: %v, want UnrecognizedClientException", err)
		}
	})
}
