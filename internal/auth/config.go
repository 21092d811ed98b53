package auth

// The auth file (--auth FILE). Its shape is a contract with operators:
//
//	{"accounts": {"<12-digit id>": {"users": {"<name>": {
//	    "accessKeys": [{"id": "...", "secret": "...",
//	                    "sessionToken": "...", "expiration": "<RFC 3339>"}],
//	    "policies": [<IAM policy documents>]}}}}}
//
// sessionToken and expiration are optional and go together: a key with a
// session token is temporary, and requests signed with it must carry
// the token (X-Amz-Security-Token) and arrive before the expiration.
//
// The file is JSON, or YAML when its name ends in .yaml or .yml (or it
// does not start with '{'). Decoding is strict: an unknown field, a
// duplicate field, a malformed account id, an access key id used twice
// or a policy outside IAM's grammar refuses the whole file with its
// line and reason, so a reload (SIGHUP) never half-applies a file.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Config is a loaded auth file. It is immutable once Load or Parse has
// returned it, so a server swaps the whole value (an atomic.Pointer) on
// reload and requests in flight keep the one they started with.
type Config struct {
	source   string
	accounts map[string]*Account
	keys     map[string]*AccessKey // by access key id
}

// Account is an account of the auth file: a namespace of tables and
// users.
type Account struct {
	id    string
	users map[string]*User
}

// User is an IAM user of an account.
type User struct {
	account  string
	name     string
	arn      string
	policies []*Policy
}

// readsKeys reports whether one of u's policies may read a request's
// condition keys (Policy.readsKeys).
func (u *User) readsKeys() bool {
	for _, p := range u.policies {
		if p.readsKeys() {
			return true
		}
	}
	return false
}

// AccessKey is one of a user's access keys.
type AccessKey struct {
	id           string
	secret       string
	sessionToken string    // "" for a long-term key
	expiration   time.Time // zero for a long-term key
	principal    *Principal
	// signing is the signing key the last request with this key was
	// verified with (keyCache.signing's answer): the next one, nearly
	// always of the same day, region and service, skips the cache's lock
	// and its hashing of four strings.
	signing atomic.Pointer[signingKey]
}

// Source returns the path or name the configuration was read from.
func (c *Config) Source() string { return c.source }

// Accounts returns the account ids, sorted.
func (c *Config) Accounts() []string {
	ids := make([]string, 0, len(c.accounts))
	for id := range c.accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// HasAccount reports whether the file has the account id.
func (c *Config) HasAccount(id string) bool {
	_, ok := c.accounts[id]
	return ok
}

// Users returns an account's user names, sorted.
func (c *Config) Users(account string) []string {
	a := c.accounts[account]
	if a == nil {
		return nil
	}
	names := make([]string, 0, len(a.users))
	for n := range a.users {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Principal returns the principal of a user, for callers that
// authenticate it without a signature; ok is false when there is no such
// user.
func (c *Config) Principal(account, user string) (p *Principal, ok bool) {
	a := c.accounts[account]
	if a == nil {
		return nil, false
	}
	u := a.users[user]
	if u == nil {
		return nil, false
	}
	return &Principal{Account: account, User: user, arn: u.arn, user: u}, true
}

// Load reads and validates the auth file at path. On error the returned
// error is a *FileError naming the file, the line and the reason, and
// nothing is returned: a server reloading on SIGHUP keeps its old Config.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &FileError{File: path, Reason: err.Error()}
	}
	return Parse(path, data)
}

// Parse validates an auth file's contents; name is used in errors and to
// choose the syntax (.json, .yaml, .yml).
func Parse(name string, data []byte) (*Config, error) {
	var root *node
	var err error
	if isYAML(name, data) {
		root, err = parseYAMLTree(data)
	} else {
		root, err = parseJSONTree(data)
	}
	if err != nil {
		var te *treeError
		if errors.As(err, &te) {
			return nil, &FileError{File: name, Line: te.at.line, Column: te.at.col, Reason: te.reason}
		}
		return nil, &FileError{File: name, Reason: err.Error()}
	}
	d := &configDecoder{name: name, cfg: &Config{
		source:   name,
		accounts: map[string]*Account{},
		keys:     map[string]*AccessKey{},
	}, keyAt: map[string]pos{}}
	if err := d.root(root); err != nil {
		return nil, err
	}
	return d.cfg, nil
}

func isYAML(name string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return false
	case ".yaml", ".yml":
		return true
	}
	return !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n\ufeff"), []byte("{"))
}

// configDecoder walks the document tree of an auth file.
type configDecoder struct {
	name  string
	cfg   *Config
	keyAt map[string]pos // where each access key id was first written
}

func (d *configDecoder) errorf(at pos, format string, args ...any) error {
	return &FileError{File: d.name, Line: at.line, Column: at.col, Reason: fmt.Sprintf(format, args...)}
}

// object checks that n is an object whose fields are all in allowed.
func (d *configDecoder) object(n *node, what string, allowed ...string) error {
	if n.kind != kindObject {
		return d.errorf(n.at, "%s must be an object, not %s", what, n.kind)
	}
	for _, f := range n.fields {
		known := false
		for _, a := range allowed {
			known = known || f.key == a
		}
		if !known {
			return d.errorf(f.at, "unknown field %q in %s (known: %s)", f.key, what, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// str reads a string field.
func (d *configDecoder) str(n *node, what string) (string, error) {
	if n.kind != kindString {
		return "", d.errorf(n.at, "%s must be a string, not %s", what, n.kind)
	}
	return n.text, nil
}

// validUserName reports whether s is an IAM user name: 1 to 64 of
// [A-Za-z0-9_+=,.@-]. Hand-written rather than a regexp: `\w{1,64}`
// compiles into 64 copies of its class, and the two patterns this file
// had cost half a millisecond of every server's start-up.
func validUserName(s string) bool {
	return validName(s, 64, "+=,.@-")
}

// validKeyID reports whether s is an access key id: 1 to 128 of
// [A-Za-z0-9_].
func validKeyID(s string) bool {
	return validName(s, 128, "")
}

func validName(s string, maxLen int, extra string) bool {
	if len(s) == 0 || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		word := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
		if !word && strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

func (d *configDecoder) root(n *node) error {
	if err := d.object(n, "the auth file", "accounts"); err != nil {
		return err
	}
	accounts := n.field("accounts")
	if accounts == nil {
		return d.errorf(n.at, "the auth file must have \"accounts\"")
	}
	if accounts.kind != kindObject {
		return d.errorf(accounts.at, "accounts must be an object, not %s", accounts.kind)
	}
	if len(accounts.fields) == 0 {
		return d.errorf(accounts.at, "accounts is empty: list at least one account")
	}
	for _, f := range accounts.fields {
		if !accountID.MatchString(f.key) {
			return d.errorf(f.at, "account id %q must be 12 digits", f.key)
		}
		if err := d.account(f.key, f.value); err != nil {
			return err
		}
	}
	return nil
}

func (d *configDecoder) account(id string, n *node) error {
	what := "account " + id
	if err := d.object(n, what, "users"); err != nil {
		return err
	}
	a := &Account{id: id, users: map[string]*User{}}
	d.cfg.accounts[id] = a
	users := n.field("users")
	if users == nil {
		return d.errorf(n.at, "%s must have \"users\"", what)
	}
	if users.kind != kindObject {
		return d.errorf(users.at, "users of %s must be an object, not %s", what, users.kind)
	}
	for _, f := range users.fields {
		if !validUserName(f.key) {
			return d.errorf(f.at, "user name %q must be 1 to 64 letters, digits or +=,.@_-", f.key)
		}
		u, err := d.user(id, f.key, f.value)
		if err != nil {
			return err
		}
		a.users[f.key] = u
	}
	return nil
}

func (d *configDecoder) user(account, name string, n *node) (*User, error) {
	what := "user " + name + " of account " + account
	if err := d.object(n, what, "accessKeys", "policies"); err != nil {
		return nil, err
	}
	u := &User{account: account, name: name, arn: UserARN(account, name)}
	if keys := n.field("accessKeys"); keys != nil {
		if keys.kind != kindArray {
			return nil, d.errorf(keys.at, "accessKeys of %s must be a list, not %s", what, keys.kind)
		}
		for _, k := range keys.items {
			if err := d.accessKey(u, k); err != nil {
				return nil, err
			}
		}
	}
	if pols := n.field("policies"); pols != nil {
		if pols.kind != kindArray {
			return nil, d.errorf(pols.at, "policies of %s must be a list, not %s", what, pols.kind)
		}
		for i, pn := range pols.items {
			p, perr := parsePolicyTree(pn, identityPolicy)
			if perr != nil {
				at := pos{perr.Line, perr.Column}
				return nil, d.errorf(at, "policy %d of %s: %s", i+1, what, perr.Reason)
			}
			u.policies = append(u.policies, p)
		}
	}
	return u, nil
}

func (d *configDecoder) accessKey(u *User, n *node) error {
	if err := d.object(n, "an access key", "id", "secret", "sessionToken", "expiration"); err != nil {
		return err
	}
	k := &AccessKey{}
	idn, secretn := n.field("id"), n.field("secret")
	if idn == nil {
		return d.errorf(n.at, "an access key of user %s needs an \"id\"", u.name)
	}
	if secretn == nil {
		return d.errorf(n.at, "an access key of user %s needs a \"secret\"", u.name)
	}
	var err error
	if k.id, err = d.str(idn, "an access key id"); err != nil {
		return err
	}
	if !validKeyID(k.id) {
		return d.errorf(idn.at, "access key id %q must be 1 to 128 letters, digits or underscores", k.id)
	}
	if first, dup := d.keyAt[k.id]; dup {
		return d.errorf(idn.at, "access key id %q is already used at line %d", k.id, first.line)
	}
	d.keyAt[k.id] = idn.at
	if k.secret, err = d.str(secretn, "a secret"); err != nil {
		return err
	}
	if k.secret == "" {
		return d.errorf(secretn.at, "the secret of access key %s is empty", k.id)
	}
	tokn, expn := n.field("sessionToken"), n.field("expiration")
	if tokn != nil {
		if k.sessionToken, err = d.str(tokn, "a session token"); err != nil {
			return err
		}
		if k.sessionToken == "" {
			return d.errorf(tokn.at, "the session token of access key %s is empty", k.id)
		}
	}
	if expn != nil {
		if tokn == nil {
			return d.errorf(expn.at, "access key %s has an expiration but no sessionToken: only temporary keys expire", k.id)
		}
		s, err := d.str(expn, "an expiration")
		if err != nil {
			return err
		}
		if k.expiration, err = time.Parse(time.RFC3339, s); err != nil {
			return d.errorf(expn.at, "expiration %q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", s)
		}
	}
	k.principal = &Principal{
		Account: u.account, User: u.name, AccessKeyID: k.id, Temporary: k.sessionToken != "",
		arn: u.arn, user: u,
	}
	d.cfg.keys[k.id] = k
	return nil
}
