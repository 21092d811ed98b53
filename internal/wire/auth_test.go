package wire

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/valyala/fasthttp"
)

func TestCheckAuth(t *testing.T) {
	date := map[string]string{"X-Amz-Date": testDate}
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
		{"no spaces after commas", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=host,Signature=s", date, "", ""},
		{"spaces everywhere", "  AWS4-HMAC-SHA256   Cred ential = a/b/ c/d/e ,  SignedHeaders= host ,Signature =s  ", date, "", ""},
		{"tabs around a parameter", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e,\tSignedHeaders=host\t,Signature=s", date, "", ""},
		{"parameters in another order", "AWS4-HMAC-SHA256 Signature=s, SignedHeaders=host, Credential=a/b/c/d/e", date, "", ""},
		{"extra parameters", "AWS4-HMAC-SHA256 Foo=bar, Credential=a/b/c/d/e, X, SignedHeaders=host, Signature=s, =z", date, "", ""},
		{"value with =", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=s=t", date, "", ""},
		{"last repeat wins", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=s, Signature=", date,
			apierr.IncompleteSignatureException,
			"Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=s, Signature="},
		{"last repeat wins, credential", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=s, Credential=a/ b", date,
			apierr.IncompleteSignatureException,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b'"},
		{"lowercase names", "AWS4-HMAC-SHA256 credential=a/b/c/d/e, signedheaders=host, signature=s", date,
			apierr.IncompleteSignatureException,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 credential=a/b/c/d/e, signedheaders=host, signature=s"},
		{"names without values", "AWS4-HMAC-SHA256 Credential, SignedHeaders=, Signature= ", date,
			apierr.IncompleteSignatureException,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential, SignedHeaders=, Signature= "},
		{"everything missing", "AWS4-HMAC-SHA256", nil,
			apierr.IncompleteSignatureException,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256"},
		{"padded header kept verbatim in the message", "  AWS4-X Credential=a/b/c/d/e, Signature=s ", date,
			apierr.IncompleteSignatureException,
			"Authorization header requires 'SignedHeaders' parameter. Authorization=  AWS4-X Credential=a/b/c/d/e, Signature=s "},
		{"lowercase algorithm", "aws4-hmac-sha256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=s", date,
			apierr.MissingAuthenticationTokenException, "Request is missing Authentication Token"},
		{"other algorithm", "AWS4-ECDSA-P256-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=s", date,
			apierr.IncompleteSignatureException,
			"Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256' (only AWS4-HMAC-SHA256 for now). "},
		{"algorithm alone with parameters glued", "AWS4-HMAC-SHA256,Credential=a/b/c/d/e,SignedHeaders=host,Signature=s", date,
			apierr.IncompleteSignatureException,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256,Credential=a/b/c/d/e,SignedHeaders=host,Signature=s"},
		{"bad date checked before algorithm", "AWS4-X Credential=a/b/c/d/e, SignedHeaders=host, Signature=s", map[string]string{"X-Amz-Date": "2026-01-01"},
			apierr.IncompleteSignatureException,
			"Date must be in ISO-8601 'basic format'. Got '2026-01-01'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"algorithm checked before credential", "AWS4-X Credential=a, SignedHeaders=host, Signature=s", date,
			apierr.IncompleteSignatureException,
			"Unsupported AWS 'algorithm': 'AWS4-X' (only AWS4-HMAC-SHA256 for now). "},
		{"Date header not parsed", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=s", map[string]string{"Date": "whenever"}, "", ""},
		{"X-Amz-Date parsed even with Date", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=s",
			map[string]string{"Date": "whenever", "X-Amz-Date": "20261301T000000Z"},
			apierr.IncompleteSignatureException,
			"Date must be in ISO-8601 'basic format'. Got '20261301T000000Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"February 29th of a leap year", testAuth, map[string]string{"X-Amz-Date": "20240229T235959Z"}, "", ""},
		{"February 29th of another year", testAuth, map[string]string{"X-Amz-Date": "20250229T000000Z"},
			apierr.IncompleteSignatureException,
			"Date must be in ISO-8601 'basic format'. Got '20250229T000000Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"fractional seconds", testAuth, map[string]string{"X-Amz-Date": "20260101T000000.5Z"}, "", ""},
		{"hour 24", testAuth, map[string]string{"X-Amz-Date": "20260101T240000Z"},
			apierr.IncompleteSignatureException,
			"Date must be in ISO-8601 'basic format'. Got '20260101T240000Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"credential of slashes", "AWS4-HMAC-SHA256 Credential=////, SignedHeaders=host, Signature=s", date,
			apierr.IncompleteSignatureException,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got ''"},
		{"credential with empty elements", "AWS4-HMAC-SHA256 Credential=/a///b, SignedHeaders=host, Signature=s", date, "", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/", nil)
		var fr fasthttp.Request
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
			fr.Header.Set("Authorization", tt.auth)
		}
		for k, v := range tt.headers {
			r.Header.Set(k, v)
			fr.Header.Set(k, v)
		}
		var ctx fasthttp.RequestCtx
		ctx.Init(&fr, nil, nil)
		// Both servers' header forms (string and bytes) must get the
		// same verdict.
		for _, ex := range []exchange{netExchange{r: r}, fastExchange{ctx: &ctx}} {
			err := ex.checkAuth()
			if tt.code == "" {
				if err != nil {
					t.Errorf("%s (%T): unexpected %v", tt.name, ex, err)
				}
				continue
			}
			e := apierr.As(err)
			if e == nil || e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("%s (%T): got %v\nwant %s: %s", tt.name, ex, err, tt.code, tt.msg)
			}
		}
	}
}

// checkAuthReference is checkAuth as first written, with strings.Split and
// a map of parameters: FuzzCheckAuth holds the allocation-free scan to it.
func checkAuthReference(header func(string) string) error {
	auth := strings.TrimSpace(header("Authorization"))
	if !strings.HasPrefix(auth, "AWS4-") {
		return apierr.New(apierr.MissingAuthenticationTokenException, "Request is missing Authentication Token")
	}
	algorithm, rest, _ := strings.Cut(auth, " ")
	params := map[string]string{}
	for _, kv := range strings.Split(strings.ReplaceAll(rest, " ", ""), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		params[k] = v
	}
	date := header("X-Amz-Date")
	if date == "" {
		date = header("Date")
	}
	var msg strings.Builder
	for _, p := range [...]string{"Credential", "Signature", "SignedHeaders"} {
		if params[p] == "" {
			msg.WriteString("Authorization header requires '" + p + "' parameter. ")
		}
	}
	if date == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		return apierr.New(apierr.IncompleteSignatureException, msg.String()+"Authorization="+header("Authorization"))
	}
	if d := header("X-Amz-Date"); d != "" {
		if _, err := time.Parse(amzDateFormat, d); err != nil {
			return apierr.New(apierr.IncompleteSignatureException,
				"Date must be in ISO-8601 'basic format'. Got '"+d+"'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
	}
	if algorithm != sigV4Algorithm {
		return apierr.New(apierr.IncompleteSignatureException,
			"Unsupported AWS 'algorithm': '"+algorithm+"' (only "+sigV4Algorithm+" for now). ")
	}
	if cred := strings.TrimRight(params["Credential"], "/"); strings.Count(cred, "/") != 4 {
		return apierr.New(apierr.IncompleteSignatureException,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+cred+"'")
	}
	return nil
}

// FuzzCheckAuth checks that checkAuth, over strings and over bytes, gives
// checkAuthReference's verdict on any Authorization and date headers.
func FuzzCheckAuth(f *testing.F) {
	f.Add(testAuth, testDate, "")
	f.Add("AWS4-HMAC-SHA256 Credential= a/b/c/d/e/ ,\tSignedHeaders=h , Signature=s,Signature=", "", "x")
	f.Add("\u00a0AWS4-X Credential=a/b/c/d/e, SignedHeaders=h, Signature=s\u2003", "20240229T235959Z", "")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=h, Signature=s", "20260101T000000.5Z", "")
	f.Fuzz(func(t *testing.T, auth, amzDate, date string) {
		headers := map[string]string{"Authorization": auth, "X-Amz-Date": amzDate, "Date": date}
		get := func(name string) string { return headers[name] }
		peek := func(name string) []byte { return []byte(headers[name]) }
		want := fmt.Sprint(checkAuthReference(get))
		if got := fmt.Sprint(checkAuth(get)); got != want {
			t.Errorf("string: %q %q %q: got %s, want %s", auth, amzDate, date, got, want)
		}
		if got := fmt.Sprint(checkAuth(peek)); got != want {
			t.Errorf("bytes: %q %q %q: got %s, want %s", auth, amzDate, date, got, want)
		}
	})
}

// TestCheckAuthAllocations pins the point of checkAuth's scan: an
// accepted request allocates nothing, under either server.
func TestCheckAuthAllocations(t *testing.T) {
	headers := map[string]string{"Authorization": testAuth, "X-Amz-Date": testDate}
	raw := map[string][]byte{"Authorization": []byte(testAuth), "X-Amz-Date": []byte(testDate)}
	get := func(name string) string { return headers[name] }
	peek := func(name string) []byte { return raw[name] }
	if n := testing.AllocsPerRun(100, func() { _ = checkAuth(get) }); n != 0 {
		t.Errorf("checkAuth over strings: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = checkAuth(peek) }); n != 0 {
		t.Errorf("checkAuth over bytes: %v allocations, want 0", n)
	}
}

// TestIsToken checks the Content-Encoding comparison against the
// strings.EqualFold(strings.TrimSpace(v), token) it replaces.
func TestIsToken(t *testing.T) {
	for _, v := range []string{"gzip", " GZip\t", "gzip ", "gzi", "gzipp", "", "x-gzip", "\u00a0gzip", "gzip\u2003", "gziP"} {
		want := strings.EqualFold(strings.TrimSpace(v), "gzip")
		if got := isToken(v, "gzip"); got != want {
			t.Errorf("isToken(%q) = %v, want %v", v, got, want)
		}
		if got := isToken([]byte(v), "gzip"); got != want {
			t.Errorf("isToken([]byte(%q)) = %v, want %v", v, got, want)
		}
	}
}

// BenchmarkCheckAuth compares the scan over either header form with the
// map-building reference, on an SDK's Authorization header.
func BenchmarkCheckAuth(b *testing.B) {
	headers := map[string]string{"Authorization": testAuth, "X-Amz-Date": testDate}
	raw := map[string][]byte{"Authorization": []byte(testAuth), "X-Amz-Date": []byte(testDate)}
	get := func(name string) string { return headers[name] }
	peek := func(name string) []byte { return raw[name] }
	for _, bm := range []struct {
		name  string
		check func() error
	}{
		{"reference", func() error { return checkAuthReference(get) }},
		{"string", func() error { return checkAuth(get) }},
		{"bytes", func() error { return checkAuth(peek) }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bm.check(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
