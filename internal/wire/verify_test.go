package wire

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/auth"
)

// TestCallerSourceAddress: the Caller a verified request carries has the
// client's address, as text under net/http and as an address under
// fasthttp, and a policy on aws:SourceIp judges both alike.
func TestCallerSourceAddress(t *testing.T) {
	cfg, err := auth.Parse("auth.json", []byte(`{"accounts": {"111111111111": {"users": {"app": {
  "accessKeys": [{"id": "AKIAIP", "secret": "s"}],
  "policies": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*",
    "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}}}]}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cfg.Principal("111111111111", "app")
	var got *auth.Caller
	h := New(newFakeEngine(), Options{
		Authenticate: func(auth.SignedRequest, time.Time) (auth.Identity, error) {
			return auth.Identity{Principal: p, Region: "us-east-1"}, nil
		},
		Middleware: func(ctx context.Context, _ api.OpID, _ any, next func(context.Context) (any, error)) (any, error) {
			got = auth.CallerFrom(ctx)
			return next(ctx)
		},
	})
	allowed := func() bool {
		t.Helper()
		if got == nil {
			t.Fatal("no caller")
		}
		return got.Authorize("dynamodb:ListTables", auth.Resource{ARN: "*"}, auth.Keys{}) == nil
	}
	for _, tc := range []struct {
		ip    string
		allow bool
	}{{"203.0.113.9", true}, {"198.51.100.1", false}, {"2001:db8::7", true}, {"2001:db9::7", false}} {
		r := req{target: "ListTables", body: `{}`}.build()
		r.RemoteAddr = net.JoinHostPort(tc.ip, "40000")
		got = nil
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got == nil || got.SourceIP != tc.ip || allowed() != tc.allow {
			t.Errorf("net/http from %s: caller %+v, allowed %v, want %v", tc.ip, got, got != nil && allowed(), tc.allow)
		}

		var fr fasthttp.Request
		fr.Header.SetMethod(http.MethodPost)
		fr.SetRequestURI("/")
		fr.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		fr.Header.SetContentType("application/x-amz-json-1.0")
		fr.SetBodyString(`{}`)
		var ctx fasthttp.RequestCtx
		ctx.Init(&fr, &net.TCPAddr{IP: net.ParseIP(tc.ip), Port: 40000}, nil)
		got = nil
		h.ServeFast(&ctx)
		if got == nil || got.SourceAddr.String() != tc.ip || allowed() != tc.allow {
			t.Errorf("fasthttp from %s: caller %+v, allowed %v, want %v", tc.ip, got, got != nil && allowed(), tc.allow)
		}
	}
}
