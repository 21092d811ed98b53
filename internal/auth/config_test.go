package auth

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// TestParseConfig runs the auth file cases in testdata/config:
//
//	parse name=<file name>
//	<contents>
//	----
//	<summary of the accounts, keys and policies, or the error>
func TestParseConfig(t *testing.T) {
	datadriven.RunTest(t, "testdata/config", func(t *testing.T, d *datadriven.TestData) string {
		var name string
		d.ScanArgs(t, "name", &name)
		cfg, err := Parse(name, []byte(d.Input))
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != name {
				t.Fatalf("error %v (%T), want a *FileError naming %s", err, err, name)
			}
			return err.Error()
		}
		return summarize(cfg)
	})
}

func summarize(cfg *Config) string {
	var b strings.Builder
	for _, a := range cfg.Accounts() {
		fmt.Fprintf(&b, "accounts %s:", a)
		for _, u := range cfg.Users(a) {
			b.WriteString(" " + u)
		}
		b.WriteString("\n")
	}
	var keys []string
	for id, k := range cfg.keys {
		s := id + "(" + k.principal.User
		if k.principal.Temporary {
			s += " temporary until " + k.expiration.Format(time.RFC3339)
		}
		keys = append(keys, s+")")
	}
	sort.Strings(keys)
	b.WriteString("keys")
	for _, k := range keys {
		b.WriteString(" " + k)
	}
	b.WriteString("\npolicies")
	for _, a := range cfg.Accounts() {
		for _, u := range cfg.Users(a) {
			fmt.Fprintf(&b, " %s:%d", u, len(cfg.accounts[a].users[u].policies))
		}
	}
	return b.String()
}

// TestLoad reads a file from disk, and reloads it the way a server does
// on SIGHUP: a bad file is refused and the loaded Config is untouched.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.json")
	if _, err := Load(path); err == nil || err.Error() != path+": no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte(testAuthFile), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Source() != path {
		t.Errorf("Source() = %q", cfg.Source())
	}
	if err := os.WriteFile(path, []byte(strings.Replace(testAuthFile, `"Effect": "Allow"`, `"Effect": "Permit"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 7 || !strings.Contains(fe.Reason, "Invalid effect: Permit") {
		t.Errorf("reload of a bad file: %v", err)
	}
	// The old configuration still verifies and authorizes.
	p, ok := cfg.Principal("111122223333", "alice")
	if !ok || Authorize(&Request{Principal: p, Action: "dynamodb:GetItem", Resources: []Resource{{ARN: "*"}}}) != nil {
		t.Error("the loaded configuration stopped working")
	}
	if _, ok := cfg.Principal("111122223333", "nobody"); ok {
		t.Error("a principal for a user that does not exist")
	}
	if _, ok := cfg.Principal("999999999999", "alice"); ok {
		t.Error("a principal in an account that does not exist")
	}
}

// TestExampleAuthFiles loads the example files docs/security.md shows,
// in both syntaxes, and checks they describe the same thing.
func TestExampleAuthFiles(t *testing.T) {
	j, err := Load("testdata/example-auth.json")
	if err != nil {
		t.Fatal(err)
	}
	y, err := Load("testdata/example-auth.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := summarize(j), summarize(y); a != b {
		t.Errorf("the JSON and YAML examples differ:\n%s\n---\n%s", a, b)
	}
	for _, a := range j.Accounts() {
		for _, u := range j.Users(a) {
			if !reflect.DeepEqual(j.accounts[a].users[u].policies, y.accounts[a].users[u].policies) {
				t.Errorf("user %s's policies differ between the JSON and YAML examples", u)
			}
		}
	}
}

// TestNamePredicates pins the hand-written checks to the patterns they
// replace, on the boundaries and on every byte.
func TestNamePredicates(t *testing.T) {
	user := regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	key := regexp.MustCompile(`^\w{1,128}$`)
	cases := []string{"", "a", strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("k", 128),
		strings.Repeat("k", 129), "bob@example.com", "a b", "é", "AKIA_0123"}
	for c := 0; c < 256; c++ {
		cases = append(cases, "x"+string(rune(c))+"y", string([]byte{byte(c)}))
	}
	for _, s := range cases {
		if got, want := validUserName(s), user.MatchString(s); got != want {
			t.Errorf("validUserName(%q) = %v, the pattern says %v", s, got, want)
		}
		if got, want := validKeyID(s), key.MatchString(s); got != want {
			t.Errorf("validKeyID(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}
