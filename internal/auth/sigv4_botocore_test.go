package auth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
	"time"
)

// TestBotocoreSigns runs boto3's DynamoDB client and botocore's two
// signers (header and query string) in a python3 subprocess against a
// verifying server. botocore signs differently from the Go SDK (it signs
// every header but a short list, and builds the canonical request in
// Python), so agreeing with both is the check that the verifier follows
// the specification rather than one implementation. CI has python3 with
// boto3 (.ci/run installs it); without it this test fails rather than
// passing silently.
func TestBotocoreSigns(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is needed to sign with botocore: ", err)
	}
	cfg := testConfig(t)
	srv := newVerifyServer(t, NewVerifier(VerifierOptions{}), cfg, time.Now)
	var stderr bytes.Buffer
	cmd := exec.Command("python3", "testdata/botocore_sign.py", srv.URL)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore_sign.py: %v\n%s", err, stderr.String())
	}
	want := map[string]struct {
		status        int
		code, message string
	}{
		"boto3 ListTables":             {status: 200},
		"boto3 PutItem":                {status: 200},
		"boto3 session token":          {status: 200},
		"boto3 wrong secret":           {400, "InvalidSignatureException", msgSignatureWrong},
		"boto3 unknown key":            {400, "UnrecognizedClientException", msgInvalidToken},
		"SigV4Auth raw":                {status: 200},
		"SigV4Auth tampered":           {400, "InvalidSignatureException", msgSignatureWrong},
		"SigV4QueryAuth":               {status: 200},
		"SigV4QueryAuth session token": {status: 200},
	}
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var got struct {
			Case, Code, Message string
			Status              int
		}
		if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		w, ok := want[got.Case]
		if !ok {
			t.Errorf("unexpected case %q", got.Case)
			continue
		}
		seen++
		if got.Status != w.status || got.Code != w.code || got.Message != w.message {
			t.Errorf("%s: got %d %s: %s\nwant %d %s: %s", got.Case, got.Status, got.Code, got.Message, w.status, w.code, w.message)
		}
	}
	if seen != len(want) {
		t.Errorf("%d of %d cases reported\n%s", seen, len(want), stderr.String())
	}
	for _, r := range srv.results() {
		if r.err == nil && (r.id.Region != "us-east-2" || r.id.Principal == nil) {
			t.Errorf("identity %+v", r.id)
		}
	}
}
