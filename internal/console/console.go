// Package console is Dynago's web console: a single-page application of
// plain HTML, CSS and JavaScript modules, embedded in the binary and served
// by the server itself under /console/.
//
// The console has no private interface to the server. The browser calls
// the DynamoDB JSON API (POST / with X-Amz-Target) exactly as the SDKs do,
// signing each request with SigV4 in the browser, reads the region from
// the health check (GET /) and charts GET /metrics. Anything it can do, a
// user with the same credentials can do with the AWS CLI, and with
// --auth it can do no more than those credentials allow.
//
// Assets are served with a strict Content-Security-Policy (scripts, styles
// and connections from the same origin only, no inline code), so the
// console's own code must never use inline event handlers, inline styles in
// markup or innerHTML with data: item content is untrusted input.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// Prefix is the path the console is served under.
const Prefix = "/console/"

// contentSecurityPolicy allows only the console's own files and
// same-origin API calls: no inline script or style, no other origin, no
// framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

//go:embed assets
var assets embed.FS

// Assets returns the console's files (index.html, js/, css/), as served
// under Prefix.
func Assets() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic("console: embedded assets: " + err.Error())
	}
	return sub
}

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// handler serves the embedded assets.
type handler struct {
	once  sync.Once
	files map[string]asset // by path under assets/, "index.html" for the root
}

// Handler serves the console: GET and HEAD of Prefix and the files under
// it. "/console" redirects to Prefix. Every answer revalidates
// (Cache-Control: no-cache) against a content-hash ETag, so a new Dynago
// binary's console replaces the old one at once without reloading
// unchanged files.
//
// The files are indexed on the first request, not here: hashing them and
// mime's first lookup (which reads the system's mime.types files) cost the
// server's start-up some milliseconds that most runs, which never open the
// console, would pay for nothing.
func Handler() http.Handler { return &handler{} }

// index reads and hashes every embedded file.
func (h *handler) index() {
	h.files = map[string]asset{}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.files[strings.TrimPrefix(p, "assets/")] = asset{
			body:        body,
			contentType: ct,
			etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
		}
		return nil
	})
	if err != nil {
		// The files are compiled in: failing to read them is a build fault.
		panic("console: embedded assets: " + err.Error())
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path+"/" == Prefix {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if name == "" {
		name = "index.html"
	}
	h.once.Do(h.index)
	a, ok := h.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", a.etag)
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(a.body)
	}
}

// etagMatches reports whether an If-None-Match header names etag (or is
// "*"), ignoring weak validators' W/ prefix as RFC 9110 asks.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
