package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAdminAddr: with an admin port, /metrics and the profiles are served
// there and no longer on the API port, which keeps serving the API.
func TestAdminAddr(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{InMemory: true, Logger: quietLogger(), Pprof: true, AdminAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	admin := "http://" + s.AdminAddr()
	if code, body := get(admin + "/metrics"); code != 200 || !strings.Contains(body, "# HELP") {
		t.Errorf("GET /metrics on the admin port: %d %.80s", code, body)
	}
	if code, _ := get(admin + "/debug/pprof/"); code != 200 {
		t.Errorf("GET /debug/pprof/ on the admin port: %d", code)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		if code, body := get(s.URL() + path); code == 200 {
			t.Errorf("GET %s on the API port with an admin port: %d %.80s", path, code, body)
		}
	}
	if resp, _ := post(t, s.URL(), "ListTables", "{}"); resp.StatusCode != 200 {
		t.Errorf("ListTables on the API port: %d", resp.StatusCode)
	}
	// Profiles on a non-loopback admin address are refused.
	if _, err := Start(ctx, Config{InMemory: true, Logger: quietLogger(), Pprof: true, AdminAddr: "0.0.0.0:0"}); err == nil {
		t.Error("--pprof with --admin-addr 0.0.0.0 was accepted")
	}
}
