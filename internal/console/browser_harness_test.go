package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The browser test drives Debian's chromium through chromedp. In CI
// (CI=true) a missing chromium fails the test; elsewhere it skips with a
// message saying how to install it.

// chromiumPaths are where Debian's chromium package puts the browser.
var chromiumPaths = []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"}

// screenshotsEnv names the directory the test saves a screenshot of every
// page to (docs/console in the repository: `DYNAGO_CONSOLE_SCREENSHOTS=$PWD/docs/console`).
const screenshotsEnv = "DYNAGO_CONSOLE_SCREENSHOTS"

// waitTimeout bounds every wait for the page to reach a state.
const waitTimeout = 30 * time.Second // generous: CI runs other packages' tests beside it on 2 cores

func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DYNAGO_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range chromiumPaths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("chromium not found (looked in %v and $PATH): CI must run the console's browser test; .ci/run installs Debian's chromium", chromiumPaths)
	}
	t.Skipf("chromium not found (looked in %v and $PATH): install it (apt-get install -y chromium) to run the console's browser test", chromiumPaths)
	return ""
}

// browser is one headless chromium tab on the console, with what the test
// watches: uncaught exceptions and security (CSP) messages, and every API
// request the page sends.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string // the console's URL
	shots string // directory for screenshots, or ""

	mu       sync.Mutex
	problems []string
	requests []apiRequest // since the last takeRequests
	all      []apiRequest // since the start
}

// apiRequest is a DynamoDB API call the page sent, as the browser sent it.
type apiRequest struct {
	headers map[string]string
	body    []byte
}

func newBrowser(t *testing.T, consoleURL string) *browser {
	t.Helper()
	path := findChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium %s: %v", path, err)
	}
	b := &browser{t: t, ctx: ctx, base: consoleURL, shots: os.Getenv(screenshotsEnv)}
	if b.shots != "" {
		if err := os.MkdirAll(b.shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The same viewport on every machine, for comparable screenshots.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
	go b.watchConsole(chromedp.Console(ctx))
	go b.watchRequests(chromedp.Events(ctx, network.RequestWillBeSent))
	return b
}

func (b *browser) watchConsole(messages iter.Seq2[chromedp.ConsoleMessage, error]) {
	for m, err := range messages {
		if err != nil {
			return
		}
		// Failed API calls log "Failed to load resource" (source network);
		// those the test provokes on purpose. Exceptions and security
		// messages (a CSP refusal) are always faults.
		if m.IsException() || m.Source == "security" {
			b.mu.Lock()
			b.problems = append(b.problems, fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, m.Text))
			b.mu.Unlock()
		}
	}
}

func (b *browser) watchRequests(events iter.Seq2[network.EventRequestWillBeSent, error]) {
	for ev, err := range events {
		if err != nil {
			return
		}
		r := ev.Request
		if r.Method != "POST" || !strings.HasSuffix(r.URL, "/") {
			continue
		}
		req := apiRequest{headers: map[string]string{}}
		for k, v := range r.Headers {
			req.headers[strings.ToLower(k)] = fmt.Sprint(v)
		}
		for _, e := range r.PostDataEntries {
			req.body = append(req.body, e.Bytes...)
		}
		b.mu.Lock()
		b.requests = append(b.requests, req)
		b.all = append(b.all, req)
		b.mu.Unlock()
	}
}

// takeRequests returns the API requests seen since the last call.
func (b *browser) takeRequests() []apiRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.requests
	b.requests = nil
	return r
}

// awaitRequests returns the API requests seen since the last
// takeRequests once there are at least n, waiting up to waitTimeout: the
// DevTools protocol reports a request asynchronously, so the page can show
// what a request brought back before the test has heard of the request.
func (b *browser) awaitRequests(n int) []apiRequest {
	b.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		b.mu.Lock()
		seen := len(b.requests)
		b.mu.Unlock()
		if seen >= n || time.Now().After(deadline) {
			return b.takeRequests()
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// allRequests returns every API request seen.
func (b *browser) allRequests() []apiRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.all)
}

// checkProblems fails the test for every exception or CSP message so far.
func (b *browser) checkProblems() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("browser: %s", p)
	}
	b.problems = nil
}

// fail reports the page's state and stops the test.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	text, _ := chromedp.Run(b.timeout(), chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 3000) : ''`))
	if b.shots != "" {
		if png, err := chromedp.Run(b.timeout(), chromedp.CaptureScreenshot()); err == nil {
			os.WriteFile(filepath.Join(b.shots, "failure.png"), png, 0o644)
		}
	}
	b.t.Fatalf("%s\n--- page text ---\n%s", fmt.Sprintf(format, args...), text)
}

func (b *browser) timeout() context.Context {
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	b.t.Cleanup(cancel)
	return ctx
}

// open navigates to a console page by its hash path ("/tables").
func (b *browser) open(hash string) {
	b.t.Helper()
	if err := chromedp.Do(b.timeout(), chromedp.Navigate(b.base+"#"+hash)); err != nil {
		b.fail("navigate to %s: %v", hash, err)
	}
}

// route changes the hash route without reloading the page.
func (b *browser) route(hash string) {
	b.t.Helper()
	b.js(fmt.Sprintf(`location.hash = %s`, quote(hash)))
}

// js evaluates an expression (awaiting a promise) and decodes its value into out, if not nil.
func (b *browser) js(expr string, out ...any) {
	b.t.Helper()
	raw, err := chromedp.Run(b.timeout(), chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("evaluate %s: %v", expr, err)
	}
	if len(out) > 0 {
		if err := json.Unmarshal(raw, out[0]); err != nil {
			b.fail("evaluate %s: decode %s: %v", expr, raw, err)
		}
	}
}

// waitFor waits until a JavaScript condition holds.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.timeout(), chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.fail("waiting for %s (%s): %v", what, cond, err)
	}
}

// waitText waits until the element sel exists and its text contains want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("%q in %s", want, sel), fmt.Sprintf(
		`(() => { const el = document.querySelector(%s); return !!el && el.textContent.includes(%s); })()`, quote(sel), quote(want)))
}

// click clicks the element sel with the mouse, once it is visible.
func (b *browser) click(sel string) {
	b.t.Helper()
	if err := chromedp.Do(b.timeout(), chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.fail("click %s: %v", sel, err)
	}
}

// typeInto clears sel and types text into it, key by key.
func (b *browser) typeInto(sel, text string) {
	b.t.Helper()
	var ok bool
	b.js(fmt.Sprintf(`(() => { const el = document.querySelector(%s); if (!el) return false; el.value = ''; return true; })()`, quote(sel)), &ok)
	if !ok {
		b.fail("type into %s: no such element", sel)
	}
	if err := chromedp.Do(b.timeout(), chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		b.fail("type into %s: %v", sel, err)
	}
}

// setValue sets the value of an input, textarea or select and fires the
// input and change events a user's edit fires.
func (b *browser) setValue(sel, value string) {
	b.t.Helper()
	var ok bool
	b.js(fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) return false;
		el.value = %s;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
		return el.value === %[2]s;
	})()`, quote(sel), quote(value)), &ok)
	if !ok {
		b.fail("set %s to %q: no such element or value", sel, value)
	}
}

// text returns the text content of sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.js(fmt.Sprintf(`(() => { const el = document.querySelector(%s); return el ? el.textContent : null; })()`, quote(sel)), &s)
	return s
}

// shot saves a screenshot of the viewport (or the whole page) as name.png.
func (b *browser) shot(name string, full bool) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	// Let fonts, layout and any transition settle.
	b.js(`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`)
	act := chromedp.CaptureScreenshot()
	if full {
		act = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(b.timeout(), act)
	if err != nil {
		b.fail("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// quote is a JavaScript string literal of s.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
