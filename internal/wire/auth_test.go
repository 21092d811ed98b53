package wire

import (
	"net/http/httptest"
	"testing"

	"github.com/dynago/dynago/internal/apierr"
)

func TestCheckAuth(t *testing.T) {
	tests := []struct {
		name    string
		auth    string
		headers map[string]string
		code    apierr.Code // "" for accepted
		msg     string
	}{
		{"valid", testAuth, map[string]string{"X-Amz-Date": testDate}, "", ""},
		{"valid with Date", testAuth, map[string]string{"Date": "Thu, 01 Jan 2026 00:00:00 GMT"}, "", ""},
		{"session token ignored", testAuth, map[string]string{"X-Amz-Date": testDate, "X-Amz-Security-Token": "t"}, "", ""},
		{"missing", "", nil, apierr.MissingAuthenticationTokenException, "Request is missing Authentication Token"},
		{"AWS v2", "AWS AKID:sig", nil, apierr.MissingAuthenticationTokenException, "Request is missing Authentication Token"},
		{"only signature missing", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host", map[string]string{"X-Amz-Date": testDate},
			apierr.IncompleteSignatureException,
			"Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host"},
		{"credential with trailing slash", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e/, SignedHeaders=host, Signature=s", map[string]string{"X-Amz-Date": testDate}, "", ""},
		{"credential too long", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f, SignedHeaders=host, Signature=s", map[string]string{"X-Amz-Date": testDate},
			apierr.IncompleteSignatureException,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d/e/f'"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/", nil)
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		for k, v := range tt.headers {
			r.Header.Set(k, v)
		}
		err := checkAuth(netExchange{r: r})
		if tt.code == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", tt.name, err)
			}
			continue
		}
		e := apierr.As(err)
		if e == nil || e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("%s: got %v\nwant %s: %s", tt.name, err, tt.code, tt.msg)
		}
	}
}
