package main

import (
	"io"
	"testing"
	"time"
)

func TestStreamFlags(t *testing.T) {
	for _, tt := range []struct {
		args                []string
		env                 map[string]string
		retention, rollover time.Duration
		err                 bool
	}{
		{args: nil},
		{args: []string{"--stream-retention", "2s", "--stream-rollover", "250ms"}, retention: 2 * time.Second, rollover: 250 * time.Millisecond},
		{args: []string{"--stream-rollover", "0"}, rollover: -1},
		{env: map[string]string{"DYNAGO_STREAM_ROLLOVER": "1m"}, rollover: time.Minute},
		{args: []string{"--stream-retention", "0s"}, err: true},
		{args: []string{"--stream-rollover", "-1s"}, err: true},
	} {
		got, err := parseServeFlags(tt.args, envFrom(tt.env), io.Discard)
		if (err != nil) != tt.err {
			t.Errorf("%v %v: error %v", tt.args, tt.env, err)
			continue
		}
		if err == nil && (got.cfg.StreamRetention != tt.retention || got.cfg.StreamRollover != tt.rollover) {
			t.Errorf("%v %v: retention %v rollover %v, want %v %v", tt.args, tt.env, got.cfg.StreamRetention, got.cfg.StreamRollover, tt.retention, tt.rollover)
		}
	}
}
