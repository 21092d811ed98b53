package sdkhttp

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// recordingDoer keeps the request it was given.
type recordingDoer struct{ req *http.Request }

func (d *recordingDoer) Do(req *http.Request) (*http.Response, error) {
	d.req = req
	return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
}

// TestSafeBodiesEndCleanlyOnceClosed replays bug 6's race step by step on
// the body the SDK builds: the SDK closes it when the answer arrives, and
// only then does net/http check that the body ends, with io.Copy. The
// SDK's own body fails that check (io.EOF as an error, so net/http
// closes the connection the answer is being read from); SafeBodies' body
// passes it.
func TestSafeBodiesEndCleanlyOnceClosed(t *testing.T) {
	build := func() *http.Request {
		r := smithyhttp.NewStackRequest().(*smithyhttp.Request)
		r.Method = http.MethodPost
		r.URL.Scheme, r.URL.Host = "http", "localhost"
		body := []byte(`{"TableName":"bsrc"}`)
		r.ContentLength = int64(len(body))
		r, err := r.SetStream(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return r.Build(context.Background())
	}
	endCheck := func(req *http.Request) error {
		if _, err := io.Copy(io.Discard, io.LimitReader(req.Body, req.ContentLength)); err != nil {
			t.Fatalf("writing the body: %v", err)
		}
		req.Body.Close() // the answer arrived: the SDK closes the body
		_, err := io.Copy(io.Discard, req.Body)
		return err
	}

	if err := endCheck(build()); err == nil {
		t.Logf("the SDK's body ends cleanly once closed: the race SafeBodies works around is gone from this SDK version")
	} else {
		t.Logf("the SDK's body, closed: %v (what made net/http close the connection)", err)
	}

	d := &recordingDoer{}
	if _, err := SafeBodies(d).Do(build()); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.req.Body.(io.WriterTo); ok {
		t.Errorf("SafeBodies left the body an io.WriterTo")
	}
	if err := endCheck(d.req); err != nil {
		t.Errorf("SafeBodies' body, closed, fails the end check: %v", err)
	}
}
