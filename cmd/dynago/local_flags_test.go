package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/server"
)

// TestLocalFlags parses DynamoDB Local's command lines as its
// documentation and common launch scripts write them.
func TestLocalFlags(t *testing.T) {
	delays := engine.DefaultTransientDelays()
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, s serveSetup)
	}{
		{"-inMemory -sharedDb -port", []string{"-inMemory", "-sharedDb", "-port", "8001"}, nil, func(t *testing.T, s serveSetup) {
			if !s.cfg.InMemory || s.cfg.Port != 8001 || len(s.notes) != 0 {
				t.Errorf("InMemory %v Port %d notes %q", s.cfg.InMemory, s.cfg.Port, s.notes)
			}
		}},
		{"-dbPath DIR -sharedDb", []string{"-dbPath", "/tmp/ddb", "-sharedDb"}, nil, func(t *testing.T, s serveSetup) {
			if s.cfg.InMemory || s.cfg.DataDir != "/tmp/ddb" {
				t.Errorf("InMemory %v DataDir %q", s.cfg.InMemory, s.cfg.DataDir)
			}
		}},
		{"-dbPath beats DYNAGO_IN_MEMORY", []string{"-dbPath", "d"}, map[string]string{"DYNAGO_IN_MEMORY": "true"}, func(t *testing.T, s serveSetup) {
			if s.cfg.InMemory || s.cfg.DataDir != "d" {
				t.Errorf("InMemory %v DataDir %q", s.cfg.InMemory, s.cfg.DataDir)
			}
		}},
		{"-delayTransientStatuses", []string{"-sharedDb", "-delayTransientStatuses"}, nil, func(t *testing.T, s serveSetup) {
			if s.cfg.Transient == nil || *s.cfg.Transient != delays {
				t.Errorf("Transient %v, want %v", s.cfg.Transient, delays)
			}
		}},
		{"no transient statuses by default", nil, nil, func(t *testing.T, s serveSetup) {
			if s.cfg.Transient != nil {
				t.Errorf("Transient %v by default", s.cfg.Transient)
			}
		}},
		{"-cors list", []string{"-cors", "http://a.example, http://b.example"}, nil, func(t *testing.T, s serveSetup) {
			if want := []string{"http://a.example", "http://b.example"}; !reflect.DeepEqual(s.cfg.CORSOrigins, want) {
				t.Errorf("CORSOrigins %q, want %q", s.cfg.CORSOrigins, want)
			}
		}},
		{"-cors *", []string{"-cors", "*"}, nil, func(t *testing.T, s serveSetup) {
			if s.cfg.CORSOrigins != nil {
				t.Errorf("CORSOrigins %q, want nil (any)", s.cfg.CORSOrigins)
			}
		}},
		{"no-op flags", []string{"-sharedDb", "-optimizeDbBeforeStartup", "-dbPath", "x", "-disableTelemetry"}, nil, func(t *testing.T, s serveSetup) {
			if len(s.notes) != 1 || !strings.Contains(s.notes[0], "-optimizeDbBeforeStartup") {
				t.Errorf("notes %q, want the -optimizeDbBeforeStartup note only", s.notes)
			}
		}},
		{"without -sharedDb", []string{"-inMemory"}, nil, func(t *testing.T, s serveSetup) {
			if len(s.notes) != 1 || !strings.Contains(s.notes[0], "-sharedDb") {
				t.Errorf("notes %q, want the -sharedDb note", s.notes)
			}
		}},
		{"Dynago's logging flags", []string{"--log-format", "JSON", "--access-log=false"}, nil, func(t *testing.T, s serveSetup) {
			if s.cfg.LogFormat != "json" || !s.cfg.NoAccessLog {
				t.Errorf("LogFormat %q NoAccessLog %v", s.cfg.LogFormat, s.cfg.NoAccessLog)
			}
		}},
		{"logging env", nil, map[string]string{"DYNAGO_LOG_FORMAT": "json", "DYNAGO_ACCESS_LOG": "false", "DYNAGO_CORS": "http://c.example"}, func(t *testing.T, s serveSetup) {
			if s.cfg.LogFormat != "json" || !s.cfg.NoAccessLog || !reflect.DeepEqual(s.cfg.CORSOrigins, []string{"http://c.example"}) {
				t.Errorf("LogFormat %q NoAccessLog %v CORSOrigins %q", s.cfg.LogFormat, s.cfg.NoAccessLog, s.cfg.CORSOrigins)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseServeFlags(tt.args, envFrom(tt.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

func TestLocalFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-dbPath", "d", "-inMemory"},
		{"-inMemory", "-dbPath", "d"},
		{"--log-format", "xml"},
		{"-delayTransientStatuses=maybe"},
	} {
		if _, err := parseServeFlags(args, envFrom(nil), io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	if _, err := parseServeFlags([]string{"-dbPath", "d", "-inMemory"}, envFrom(nil), io.Discard); !errors.Is(err, errDbPathInMemory) {
		t.Errorf("-dbPath -inMemory: %v", err)
	}
}

// TestVersionFlag runs `dynago --version` and `dynago -version`, which
// DynamoDB Local users type, as `dynago version`.
func TestVersionFlag(t *testing.T) {
	for _, arg := range []string{"--version", "-version"} {
		var out bytes.Buffer
		if code := run(context.Background(), []string{arg}, envFrom(nil), &out, io.Discard); code != 0 {
			t.Fatalf("%s: exit %d", arg, code)
		}
		if !strings.HasPrefix(out.String(), "dynago dev\ngo: go1.") {
			t.Errorf("%s output:\n%s", arg, out.String())
		}
	}
}

// TestHelpFlag: -help, DynamoDB Local's, lists both its flags and
// Dynago's, and exits 0.
func TestHelpFlag(t *testing.T) {
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"-help"}, envFrom(nil), io.Discard, &errOut); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"-inMemory", "-sharedDb", "-dbPath", "-delayTransientStatuses", "-data-dir", "-log-format", "-access-log", "-cors"} {
		if !strings.Contains(errOut.String(), f) {
			t.Errorf("-help lacks %s:\n%s", f, errOut.String())
		}
	}
}

// TestServeFlagHook registers a hook as security_flags.go or
// tikv_flags.go would, on a copy of the hook list.
func TestServeFlagHook(t *testing.T) {
	saved := serveFlagHooks
	t.Cleanup(func() { serveFlagHooks = saved })
	registerServeFlags(func(f *serveFlags) func(*server.Config) error {
		region := f.String("hooked-region", "DYNAGO_HOOKED_REGION", "", "a hooked flag")
		return func(cfg *server.Config) error {
			if *region == "bad" {
				return errors.New("bad region")
			}
			if *region != "" {
				cfg.Region = *region
			}
			return nil
		}
	})
	s, err := parseServeFlags([]string{"--hooked-region", "eu-north-1"}, envFrom(nil), io.Discard)
	if err != nil || s.cfg.Region != "eu-north-1" {
		t.Errorf("hooked flag: region %q, err %v", s.cfg.Region, err)
	}
	s, err = parseServeFlags(nil, envFrom(map[string]string{"DYNAGO_HOOKED_REGION": "ap-east-1"}), io.Discard)
	if err != nil || s.cfg.Region != "ap-east-1" {
		t.Errorf("hooked env: region %q, err %v", s.cfg.Region, err)
	}
	if _, err := parseServeFlags([]string{"--hooked-region", "bad"}, envFrom(nil), io.Discard); err == nil {
		t.Error("the hook's error was not returned")
	}
}
