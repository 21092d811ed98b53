package main

import (
	"io"
	"testing"
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
	for _, args := range [][]string{
		{"--tikv", "pd1:2379,,pd2:2379"},
		{"--tikv", "pd1:2379", "--in-memory"},
		{"--tikv", "pd1:2379", "-inMemory"},
	} {
		if _, err := parseServeFlags(args, envFrom(nil), io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
