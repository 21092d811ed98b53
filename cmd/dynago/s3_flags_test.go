package main

import (
	"io"
	"strings"
	"testing"
)

// --s3-endpoint and DYNAGO_S3_ENDPOINT fill server.Config.S3Endpoint; the
// flag beats the environment, and a value that is not an http(s) URL is
// refused.
func TestS3EndpointFlag(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		env     map[string]string
		want    string
		wantErr string
	}{
		{args: nil, want: ""},
		{args: []string{"--s3-endpoint", "http://127.0.0.1:5000"}, want: "http://127.0.0.1:5000"},
		{env: map[string]string{"DYNAGO_S3_ENDPOINT": "https://s3.example.com"}, want: "https://s3.example.com"},
		{args: []string{"--s3-endpoint", "http://a:1"}, env: map[string]string{"DYNAGO_S3_ENDPOINT": "http://b:2"}, want: "http://a:1"},
		{args: []string{"--s3-endpoint", "127.0.0.1:5000"}, wantErr: "want an http:// or https:// URL"},
	} {
		setup, err := parseServeFlags(tt.args, envFrom(tt.env), io.Discard)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v %v: error %v, want %q", tt.args, tt.env, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v %v: %v", tt.args, tt.env, err)
			continue
		}
		if setup.cfg.S3Endpoint != tt.want {
			t.Errorf("%v %v: S3Endpoint %q, want %q", tt.args, tt.env, setup.cfg.S3Endpoint, tt.want)
		}
	}
}
