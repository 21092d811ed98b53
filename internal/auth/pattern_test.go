package auth

import (
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/apierr"
)

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything at all", true},
		{"a*", "a", true},
		{"a*b", "ab", true},
		{"a*b", "axxbxxb", true},
		{"a*b", "axxbxxc", false},
		{"*a*b*", "xxaxxbxx", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "aéc", true}, // '?' is one character, not one byte
		{"??", "é", false},
		{"a**b", "ab", true},
		{"table/*/index/*", "table/T/index/I", true},
		{"table/*/index/*", "table/T/stream/I", false},
		{"*x", strings.Repeat("y", 1000), false},
	} {
		p := compilePattern(tc.pattern, patternOptions{wildcards: true})
		if got := p.match(tc.s, nil, false); got != tc.want {
			t.Errorf("%q matching %q: %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestVariables(t *testing.T) {
	vars := map[string]string{"aws:username": "al*ce", "test:k": "v"}
	r := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"home/${aws:username}/*", "home/al*ce/x", true},
		{"home/${aws:username}/*", "home/alice/x", false}, // the value's '*' is literal
		{"home/${AWS:UserName}", "home/al*ce", true},      // keys are case-insensitive
		{"${missing}", "", false},
		{"${missing, 'dflt'}", "dflt", true},
		{"${missing,'d e f'}x", "d e fx", true},
		{"${*}${?}${$}", "*?$", true},
		{"${unclosed", "${unclosed", true},
		{"${bad key}", "${bad key}", true},
		{"${missing, unquoted}", "${missing, unquoted}", true},
	} {
		p := compilePattern(tc.pattern, patternOptions{wildcards: true, variables: true})
		if got := p.match(tc.s, r, false); got != tc.want {
			t.Errorf("%q matching %q: %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
	if p := compilePattern("${aws:username}", patternOptions{}); p.match("al*ce", r, false) {
		t.Error("a 2008-10-17 pattern resolved a variable")
	}
}

func TestARNs(t *testing.T) {
	a, ok := ParseARN("arn:aws:dynamodb:us-east-1:111122223333:table/T/index/I:with:colons")
	if !ok || a.Service != "dynamodb" || a.Account != "111122223333" || a.Resource != "table/T/index/I:with:colons" {
		t.Errorf("ParseARN: %+v %v", a, ok)
	}
	if _, ok := ParseARN("arn:aws:dynamodb"); ok {
		t.Error("a three-part ARN parsed")
	}
	if got := splitARN("arn:aws:dynamodb:*:${aws:PrincipalAccount}:table/${test:a:b}"); len(got) != 6 || got[4] != "${aws:PrincipalAccount}" || got[5] != "table/${test:a:b}" {
		t.Errorf("splitARN kept variables apart wrongly: %q", got)
	}
	table := TableARN("eu-west-1", "111122223333", "T")
	for got, want := range map[string]string{
		table:                          "arn:aws:dynamodb:eu-west-1:111122223333:table/T",
		IndexARN(table, "I"):           table + "/index/I",
		StreamARN(table, "L"):          table + "/stream/L",
		BackupARN(table, "B"):          table + "/backup/B",
		ExportARN(table, "E"):          table + "/export/E",
		ImportARN(table, "M"):          table + "/import/M",
		GlobalTableARN("1", "G"):       "arn:aws:dynamodb::1:global-table/G",
		UserARN("111122223333", "bob"): "arn:aws:iam::111122223333:user/bob",
	} {
		if got != want {
			t.Errorf("%s, want %s", got, want)
		}
	}
}

// TestResourcePolicySize checks the 20 KB limit, whitespace counted.
func TestResourcePolicySize(t *testing.T) {
	table := TableARN("us-east-1", "111122223333", "Books")
	doc := func(pad int) string {
		return `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "444455556666"},` +
			strings.Repeat(" ", pad) + `"Action": "dynamodb:GetItem", "Resource": "` + table + `"}}`
	}
	base := len(doc(0))
	if _, err := ParseResourcePolicy(doc(MaxResourcePolicySize-base), table); err != nil {
		t.Errorf("a policy of exactly 20 KB: %v", err)
	}
	_, err := ParseResourcePolicy(doc(MaxResourcePolicySize-base+1), table)
	if e := apierr.As(err); e == nil || e.Code != apierr.ValidationException || !strings.Contains(e.Message, "Maximum policy size of 20480 bytes exceeded") {
		t.Errorf("a policy one byte over 20 KB: %v", err)
	}
	p, err := ParseResourcePolicy(doc(3), table)
	if err != nil || p.Document() != doc(3) || p.Version() != Version2012 {
		t.Errorf("the document is not kept as given: %v", err)
	}
}
