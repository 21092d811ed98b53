package auth

import (
	"regexp"
	"strings"
)

// Principal is an authenticated caller: an IAM user of one of the auth
// file's accounts. Verify returns it; Config.Principal builds one for
// callers (tests, tools) that authenticate some other way.
type Principal struct {
	Account     string // the 12-digit account the user belongs to
	User        string // the user's name
	AccessKeyID string // the key that signed the request; "" when built directly
	Temporary   bool   // the key is temporary (it has a session token)

	arn  string
	user *User
}

// ARN returns the user's ARN, arn:aws:iam::<account>:user/<name>, the
// name AccessDeniedException messages and resource policies use.
func (p *Principal) ARN() string { return p.arn }

// principalSet is a statement's Principal or NotPrincipal.
type principalSet struct {
	everyone bool     // "*" or {"AWS": "*"}
	accounts []string // account ids, from "123456789012" or arn:aws:iam::123456789012:root
	users    []string // user ARNs
	// Roles, role sessions and service principals are valid in a policy
	// but never match: the auth file has only users.
}

// principalMatch is how a principal matches a principal set: not at all,
// through its account (which, within one account, delegates to the
// account's identity policies), or directly (its own ARN, or everyone).
type principalMatch uint8

const (
	matchNone principalMatch = iota
	matchAccount
	matchDirect
)

func (s *principalSet) match(p *Principal) principalMatch {
	if s.everyone {
		return matchDirect
	}
	for _, u := range s.users {
		if u == p.arn {
			return matchDirect
		}
	}
	for _, a := range s.accounts {
		if a == p.Account {
			return matchAccount
		}
	}
	return matchNone
}

var (
	accountID        = regexp.MustCompile(`^[0-9]{12}$`)
	iamPrincipalARN  = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):(root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)$`)
	stsPrincipalARN  = regexp.MustCompile(`^arn:aws:sts::[0-9]{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+$`)
	servicePrincipal = map[string]bool{
		// The service principals DynamoDB accepts in a resource policy:
		// zero-ETL to Redshift and multi-account global tables.
		"redshift.amazonaws.com":             true,
		"replication.dynamodb.amazonaws.com": true,
	}
)

// parsePrincipal reads a Principal or NotPrincipal element.
func parsePrincipal(n *node) (*principalSet, *PolicyError) {
	ps := &principalSet{}
	if n.kind == kindString {
		if n.text == "*" {
			ps.everyone = true
			return ps, nil
		}
		return nil, perr(n.at, "Invalid principal in policy: %q", n.text)
	}
	if n.kind != kindObject || len(n.fields) == 0 {
		return nil, perr(n.at, "Invalid principal in policy: the principal must be \"*\" or an object such as {\"AWS\": \"<account id or ARN>\"}")
	}
	for _, f := range n.fields {
		vals, err := stringValues(f.value, "Principal", false)
		if err != nil {
			return nil, err
		}
		if len(vals) == 0 {
			return nil, perr(f.value.at, "Invalid principal in policy: %s lists no principals", f.key)
		}
		for _, v := range vals {
			switch f.key {
			case "AWS":
				if err := ps.addAWS(v); err != nil {
					return nil, err
				}
			case "Service":
				if !servicePrincipal[v.text] {
					return nil, perr(v.at, "Policy contains invalid service principal")
				}
			default: // Federated, CanonicalUser and anything else
				return nil, perr(f.at, "Invalid principal in policy: %q:%q", f.key, v.text)
			}
		}
	}
	return ps, nil
}

func (ps *principalSet) addAWS(v located) *PolicyError {
	switch {
	case v.text == "*":
		ps.everyone = true
	case accountID.MatchString(v.text):
		ps.accounts = append(ps.accounts, v.text)
	case stsPrincipalARN.MatchString(v.text):
	default:
		m := iamPrincipalARN.FindStringSubmatch(v.text)
		if m == nil {
			return perr(v.at, "Invalid principal in policy: \"AWS\":%q", v.text)
		}
		switch {
		case m[2] == "root":
			ps.accounts = append(ps.accounts, m[1])
		case strings.HasPrefix(m[2], "user/"):
			// Kept whole: a user ARN with a path (user/division/name)
			// names no user of the auth file, whose users have none.
			ps.users = append(ps.users, v.text)
		}
	}
	return nil
}
