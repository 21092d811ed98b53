package console_test

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/console"
	"github.com/dynago/dynago/internal/server"
)

// serve answers one request through the server's whole handler chain, as
// the port answers a GET.
func serve(t *testing.T, h http.Handler, method, path string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func serverHandler(t *testing.T) http.Handler {
	t.Helper()
	srv, err := server.Open(context.Background(), server.Config{InMemory: true, TTLInterval: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	return srv.Handler()
}

func TestServedByServer(t *testing.T) {
	h := serverHandler(t)
	cases := []struct {
		method, path string
		status       int
		contentType  string
		body         string // a substring
	}{
		{"GET", "/console/", 200, "text/html; charset=utf-8", `<script type="module" src="js/main.js">`},
		{"HEAD", "/console/", 200, "text/html; charset=utf-8", ""},
		{"GET", "/console/js/main.js", 200, "text/javascript; charset=utf-8", "import"},
		{"GET", "/console/css/console.css", 200, "text/css; charset=utf-8", ":root"},
		{"GET", "/console/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"GET", "/console/nope.js", 404, "", ""},
		{"GET", "/console/../metrics", 404, "", ""},
		{"GET", "/consoles", 404, "", "UnknownOperationException"}, // not the console: the API's answer
		{"GET", "/", 200, "text/plain", "healthy: example.com"},    // the host addressed
		{"GET", "/metrics", 200, "text/plain", "go_gc_duration_seconds"},
	}
	for _, c := range cases {
		res := serve(t, h, c.method, c.path)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, res.StatusCode, c.status)
			continue
		}
		if c.contentType != "" && !strings.HasPrefix(res.Header.Get("Content-Type"), c.contentType) {
			t.Errorf("%s %s: Content-Type %q, want %q", c.method, c.path, res.Header.Get("Content-Type"), c.contentType)
		}
		if !strings.Contains(string(body), c.body) {
			t.Errorf("%s %s: body %.200q lacks %q", c.method, c.path, body, c.body)
		}
		if c.method == "HEAD" && len(body) != 0 {
			t.Errorf("HEAD %s: %d bytes of body", c.path, len(body))
		}
	}

	res := serve(t, h, "GET", "/console")
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/console/" {
		t.Errorf("GET /console: %d to %q, want a redirect to /console/", res.StatusCode, res.Header.Get("Location"))
	}
	// The API still answers every POST, /console/ included.
	res = serve(t, h, "POST", "/console/", "Content-Type", "application/x-amz-json-1.0", "X-Amz-Target", "DynamoDB_20120810.ListTables")
	if body, _ := io.ReadAll(res.Body); res.StatusCode != 400 || !strings.Contains(string(body), "MissingAuthenticationTokenException") {
		t.Errorf("POST /console/ unsigned: %d %s, want the API's MissingAuthenticationTokenException", res.StatusCode, body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := console.Handler()
	res := serve(t, h, "GET", "/console/")
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline code", csp)
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if res := serve(t, h, "POST", "/console/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the console handler: %d, want 405", res.StatusCode)
	}
}

func TestETag(t *testing.T) {
	h := console.Handler()
	res := serve(t, h, "GET", "/console/js/api.js")
	etag := res.Header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{16}"$`).MatchString(etag) {
		t.Fatalf("ETag %q", etag)
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		if res := serve(t, h, "GET", "/console/js/api.js", "If-None-Match", inm); res.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %s: %d, want 304", inm, res.StatusCode)
		}
	}
	if res := serve(t, h, "GET", "/console/js/api.js", "If-None-Match", `"0000000000000000"`); res.StatusCode != http.StatusOK {
		t.Errorf("stale If-None-Match: %d, want 200", res.StatusCode)
	}
	if other := serve(t, h, "GET", "/console/js/dom.js").Header.Get("ETag"); other == etag {
		t.Errorf("two files share the ETag %s", etag)
	}
}

// inlineCode finds what a strict CSP would block, or what could turn data
// into markup: inline handlers and styles in the markup, and innerHTML,
// outerHTML, insertAdjacentHTML, document.write or eval in the scripts.
var inlineCode = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\son[a-z]+\s*=`),
	regexp.MustCompile(`(?i)\sstyle\s*=`),
	regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<\s]`),
	regexp.MustCompile(`\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(`),
	regexp.MustCompile(`https?://`), // no other origin: no CDN
}

// TestNoInlineCodeOrRemoteLoads checks every embedded file for the
// patterns above (the namespace URI of SVG elements excepted).
func TestNoInlineCodeOrRemoteLoads(t *testing.T) {
	root := fs.FS(console.Assets())
	n := 0
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		text := strings.ReplaceAll(string(b), "http://www.w3.org/2000/svg", "")
		for _, re := range inlineCode {
			if loc := re.FindStringIndex(text); loc != nil {
				t.Errorf("%s: %q", p, text[max(0, loc[0]-30):min(len(text), loc[1]+30)])
			}
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("only %d assets checked", n)
	}
}
