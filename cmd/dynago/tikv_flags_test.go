package main

import (
	"io"
	"testing"
	"time"
)

func TestTiKVFlag(t *testing.T) {
	s, err := parseServeFlags([]string{"--tikv", "mock"}, envFrom(nil), io.Discard)
	if err != nil || s.cfg.TiKV != "mock" {
		t.Errorf("--tikv mock: TiKV %q, err %v", s.cfg.TiKV, err)
	}
	s, err = parseServeFlags(nil, envFrom(map[string]string{"DYNAGO_TIKV": "pd1:2379,pd2:2379"}), io.Discard)
	if err != nil || s.cfg.TiKV != "pd1:2379,pd2:2379" {
		t.Errorf("DYNAGO_TIKV: TiKV %q, err %v", s.cfg.TiKV, err)
	}
	s, err = parseServeFlags(nil, envFrom(nil), io.Discard)
	if err != nil || s.cfg.TiKV != "" {
		t.Errorf("no flag: TiKV %q, err %v", s.cfg.TiKV, err)
	}
	// The mock is in memory: DynamoDB Local's -inMemory agrees with it.
	s, err = parseServeFlags([]string{"--tikv", "mock", "-inMemory"}, envFrom(nil), io.Discard)
	if err != nil || s.cfg.TiKV != "mock" {
		t.Errorf("--tikv mock -inMemory: TiKV %q, err %v", s.cfg.TiKV, err)
	}
	s, err = parseServeFlags([]string{"--tikv", "mock", "--catalog-staleness", "250ms"}, envFrom(nil), io.Discard)
	if err != nil || s.cfg.CatalogStaleness != 250*time.Millisecond {
		t.Errorf("--catalog-staleness 250ms: %v, err %v", s.cfg.CatalogStaleness, err)
	}
	s, err = parseServeFlags([]string{"--tikv", "mock"}, envFrom(map[string]string{"DYNAGO_CATALOG_STALENESS": "1s"}), io.Discard)
	if err != nil || s.cfg.CatalogStaleness != time.Second {
		t.Errorf("DYNAGO_CATALOG_STALENESS=1s: %v, err %v", s.cfg.CatalogStaleness, err)
	}
	for _, args := range [][]string{
		{"--tikv", "pd1:2379,,pd2:2379"},
		{"--tikv", "pd1:2379", "--in-memory"},
		{"--tikv", "pd1:2379", "-inMemory"},
		{"--catalog-staleness", "1s"}, // without --tikv
		{"--tikv", "mock", "--catalog-staleness", "-1s"},
	} {
		if _, err := parseServeFlags(args, envFrom(nil), io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
