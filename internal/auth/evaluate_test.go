package auth

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/dynago/dynago/internal/apierr"
)

// TestEvaluate runs the policy evaluation cases in testdata/evaluate.
// Each file sets up an auth file and resource policies, then asks
// questions:
//
//	config
//	<auth file, JSON>
//	----
//	ok
//
//	resource-policy name=books arn=arn:aws:dynamodb:us-east-1:111122223333:table/Books
//	<policy>
//	----
//	ok                          (or the ValidationException's message)
//
//	authorize user=111122223333/alice action=dynamodb:GetItem resource=<arn> [policy=books]
//	          [resource=(<arn>,<arn>) policy=(books,-)] [ip=10.0.0.1] [tls] [region=us-east-1]
//	          [time=2026-01-01T00:00:00Z]
//	dynamodb:LeadingKeys=a,b    (one condition key per line; "key=" is present and empty)
//	----
//	allow                       (or "deny: <AccessDeniedException message>")
func TestEvaluate(t *testing.T) {
	datadriven.Walk(t, "testdata/evaluate", func(t *testing.T, path string) {
		var cfg *Config
		policies := map[string]*Policy{}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "config":
				c, err := Parse("config.json", []byte(d.Input))
				if err != nil {
					return "error: " + err.Error()
				}
				cfg = c
				return "ok"
			case "resource-policy":
				var name, arn string
				d.ScanArgs(t, "name", &name)
				d.ScanArgs(t, "arn", &arn)
				p, err := ParseResourcePolicy(d.Input, arn)
				if err != nil {
					e := apierr.As(err)
					return fmt.Sprintf("%s: %s", e.Code, e.Message)
				}
				policies[name] = p
				return "ok"
			case "authorize":
				return authorizeCase(t, d, cfg, policies)
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}

func authorizeCase(t *testing.T, d *datadriven.TestData, cfg *Config, policies map[string]*Policy) string {
	if cfg == nil {
		t.Fatal("authorize before config")
	}
	var user, action string
	d.ScanArgs(t, "user", &user)
	d.ScanArgs(t, "action", &action)
	account, name, _ := strings.Cut(user, "/")
	p, ok := cfg.Principal(account, name)
	if !ok {
		t.Fatalf("no user %s", user)
	}
	req := &Request{Principal: p, Action: action, Time: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	res, _ := d.Arg("resource")
	pols, hasPols := d.Arg("policy")
	for i, arn := range res.Vals {
		r := Resource{ARN: arn}
		if hasPols && i < len(pols.Vals) && pols.Vals[i] != "-" {
			r.Policy = policies[pols.Vals[i]]
			if r.Policy == nil {
				t.Fatalf("no resource policy %q", pols.Vals[i])
			}
		}
		req.Resources = append(req.Resources, r)
	}
	if d.HasArg("ip") {
		d.ScanArgs(t, "ip", &req.SourceIP)
	}
	if d.HasArg("addr") {
		var a string
		d.ScanArgs(t, "addr", &a)
		req.SourceAddr = netip.MustParseAddr(a)
	}
	if d.HasArg("region") {
		d.ScanArgs(t, "region", &req.Region)
	}
	req.SecureTransport = d.HasArg("tls")
	if d.HasArg("time") {
		var s string
		d.ScanArgs(t, "time", &s)
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		req.Time = tm
	}
	for _, line := range strings.Split(d.Input, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("condition key line %q: want key=v1,v2", line)
		}
		if v == "" {
			req.Keys.Set(k)
		} else {
			req.Keys.Set(k, strings.Split(v, ",")...)
		}
	}
	err := Authorize(req)
	if err == nil {
		return "allow"
	}
	e := apierr.As(err)
	if e == nil || e.Code != apierr.AccessDeniedException || e.Code.Status() != 400 {
		t.Fatalf("Authorize: %v, want an AccessDeniedException", err)
	}
	return "deny: " + e.Message
}

// TestParsePolicy runs the grammar cases in testdata/policy_parse:
//
//	parse
//	<identity policy>
//	----
//	ok   (or "error: <position>: <reason>")
func TestParsePolicy(t *testing.T) {
	datadriven.RunTest(t, "testdata/policy_parse", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "parse" {
			t.Fatalf("unknown command %q", d.Cmd)
		}
		_, err := ParsePolicy(d.Input)
		if err != nil {
			if _, ok := err.(*PolicyError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return "error: " + err.Error()
		}
		return "ok"
	})
}

// TestDenialMessages pins IAM's two sentences, word for word.
func TestDenialMessages(t *testing.T) {
	cfg := testConfig(t)
	p, _ := cfg.Principal("444455556666", "bob")
	table := TableARN("us-east-1", "444455556666", "Books")
	err := Authorize(&Request{Principal: p, Action: "dynamodb:PutItem", Resources: []Resource{{ARN: table}}})
	wantAPIError(t, "implicit", err, apierr.AccessDeniedException,
		"User: arn:aws:iam::444455556666:user/bob is not authorized to perform: dynamodb:PutItem on resource: "+
			"arn:aws:dynamodb:us-east-1:444455556666:table/Books because no identity-based policy allows the dynamodb:PutItem action")
	deny, err := ParseResourcePolicy(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"dynamodb:*","Resource":"`+table+`"}}`, table)
	if err != nil {
		t.Fatal(err)
	}
	err = Authorize(&Request{Principal: p, Action: "dynamodb:PutItem", Resources: []Resource{{ARN: table, Policy: deny}}})
	wantAPIError(t, "explicit", err, apierr.AccessDeniedException,
		"User: arn:aws:iam::444455556666:user/bob is not authorized to perform: dynamodb:PutItem on resource: "+
			"arn:aws:dynamodb:us-east-1:444455556666:table/Books with an explicit deny in a resource-based policy")
	if err := Authorize(&Request{Action: "dynamodb:PutItem"}); apierr.As(err) == nil {
		t.Error("a request without a principal was not refused")
	}
}

// TestContextWithCaller: the Caller rides in the context as WithCaller
// carries it, the parent's values and cancellation still reach through.
func TestContextWithCaller(t *testing.T) {
	type k struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), k{}, "v"))
	ctx := ContextWithCaller(parent, Caller{SourceIP: "10.0.0.1"})
	if c := CallerFrom(ctx); c == nil || c.SourceIP != "10.0.0.1" {
		t.Fatalf("CallerFrom = %+v", c)
	}
	if ctx.Value(k{}) != "v" {
		t.Fatal("the parent's value is lost")
	}
	if CallerFrom(parent) != nil {
		t.Fatal("the parent carries a caller")
	}
	child, stop := context.WithCancel(ctx)
	defer stop()
	cancel()
	select {
	case <-child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("cancelling the parent did not reach a child")
	}
}

// TestReadsKeys: a caller's request reads condition keys when one of its
// identity policies, or the resource's policy, has a Condition or a
// policy variable in a Resource; only then does the engine compute them.
func TestReadsKeys(t *testing.T) {
	cfg, err := Parse("test.json", []byte(`{"accounts": {"111122223333": {"users": {
	  "plain": {"policies": [{"Version": "2012-10-17", "Statement": [
	    {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/?*"},
	    {"Effect": "Deny", "NotAction": "dynamodb:Get*", "NotResource": "arn:aws:dynamodb:*:*:table/t*"}]}]},
	  "variable": {"policies": [
	    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]},
	    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/${aws:username}"}]}]},
	  "condition": {"policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*",
	    "Condition": {"StringEquals": {"dynamodb:Select": "COUNT"}}}]}]},
	  "none": {}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	const table = "arn:aws:dynamodb:us-east-1:111122223333:table/t"
	plainRP, err := ParseResourcePolicy(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "dynamodb:GetItem", "Resource": "`+table+`"}]}`, table)
	if err != nil {
		t.Fatal(err)
	}
	keyedRP, err := ParseResourcePolicy(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "dynamodb:GetItem", "Resource": "`+table+`",
	  "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["a"]}}}]}`, table)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user   string
		policy *Policy
		want   bool
	}{
		{"plain", nil, false},
		{"plain", plainRP, false},
		{"plain", keyedRP, true},
		{"none", nil, false},
		{"variable", nil, true},
		{"condition", plainRP, true},
	} {
		p, ok := cfg.Principal("111122223333", tc.user)
		if !ok {
			t.Fatal(tc.user)
		}
		c := &Caller{Identity: Identity{Principal: p}}
		if got := c.ReadsKeys(Resource{ARN: table, Policy: tc.policy}); got != tc.want {
			t.Errorf("%s with resource policy %v: ReadsKeys %v, want %v", tc.user, tc.policy != nil, got, tc.want)
		}
	}
}
