package wire

import "testing"

func TestCORSOrigins(t *testing.T) {
	preflight := func(origin string) req {
		return req{method: "OPTIONS", noAuth: true, headers: map[string]string{
			"Origin": origin, "Access-Control-Request-Headers": "x-amz-target", "Access-Control-Request-Method": "POST",
		}}
	}
	call := func(origin string) req {
		return req{target: "PutItem", body: `{"TableName":"Music","Item":{"a":{"S":"x"}}}`, headers: map[string]string{"Origin": origin}}
	}
	tests := []struct {
		name    string
		origins []string
		req     req
		allow   string // Access-Control-Allow-Origin; "" means none
		methods string // Access-Control-Allow-Methods
		vary    string
	}{
		{"default: any origin", nil, call("http://a.example"), "*", "", ""},
		{"star: any origin", []string{"*"}, preflight("http://a.example"), "*", "POST", ""},
		{"listed origin", []string{"http://a.example", "http://b.example"}, call("http://b.example"), "http://b.example", "", "Origin"},
		{"listed origin's preflight", []string{"http://a.example"}, preflight("http://a.example"), "http://a.example", "POST", "Origin"},
		{"other origin", []string{"http://a.example"}, call("http://evil.example"), "", "", ""},
		{"other origin's preflight", []string{"http://a.example"}, preflight("http://evil.example"), "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, newTestHandler(t, Options{CORSOrigins: tt.origins}), tt.req.build())
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			for h, want := range map[string]string{
				"Access-Control-Allow-Origin":  tt.allow,
				"Access-Control-Allow-Methods": tt.methods,
				"Vary":                         tt.vary,
			} {
				if got := rec.Header().Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
		})
	}
}
