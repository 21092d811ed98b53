package auth

// IAM policy documents: parsed once (from the auth file, or from
// PutResourcePolicy and CreateTable's ResourcePolicy), checked against
// IAM's grammar, and compiled into the form Evaluate walks per request.

import (
	"fmt"
	"regexp"
	"strings"
)

// Policy versions IAM knows. Only 2012-10-17 has policy variables; in an
// older (or unversioned) policy "${aws:username}" is literal text.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// policyKind says where a policy is attached, which decides whether it
// may, or must, name a principal.
type policyKind uint8

const (
	identityPolicy policyKind = iota // attached to a user in the auth file
	resourcePolicy                   // attached to a table or stream
)

// Policy is a parsed, validated policy document. It is immutable and safe
// to share between goroutines.
type Policy struct {
	version    string
	id         string
	statements []statement
	doc        string // the document as given (resource policies keep it for GetResourcePolicy)
	// keyed says a statement has a Condition or a Resource with a policy
	// variable: deciding a request may read its condition keys
	// (readsKeys).
	keyed bool
}

// readsKeys reports whether evaluating p may read a request's condition
// keys; false for nil (no policy).
func (p *Policy) readsKeys() bool { return p != nil && p.keyed }

// keyed reports whether the statement has a Condition or a policy
// variable in its Resource or NotResource.
func (st *statement) keyed() bool {
	if len(st.conditions) > 0 {
		return true
	}
	for i := range st.resources {
		for j := range st.resources[i].parts {
			if st.resources[i].parts[j].vars {
				return true
			}
		}
	}
	return false
}

// Document returns the policy text it was parsed from: what
// GetResourcePolicy answers. It is empty for the auth file's policies,
// which are read as part of the file.
func (p *Policy) Document() string { return p.doc }

// Version returns the policy's Version, or "" when it has none.
func (p *Policy) Version() string { return p.version }

// statement is one compiled policy statement.
type statement struct {
	sid          string
	deny         bool
	principal    *principalSet // resource policies: who the statement is about
	notPrincipal bool          // principal is a NotPrincipal
	actions      []pattern     // lower-cased
	notAction    bool
	resources    []arnPattern
	notResource  bool
	conditions   []condition
}

// sidPattern is what IAM allows as a Sid in an identity policy.
var sidPattern = regexp.MustCompile(`^[0-9A-Za-z]*$`)

// vendorPattern is what IAM allows before the colon of an action or key.
var vendorPattern = regexp.MustCompile(`^[a-zA-Z0-9-]+$`)

// actionNamePattern is what IAM allows after the colon of an action.
var actionNamePattern = regexp.MustCompile(`^[a-zA-Z0-9*?]+$`)

// partitions are the ARN partitions IAM accepts in a Resource.
var partitions = map[string]bool{
	"aws": true, "aws-cn": true, "aws-us-gov": true, "aws-iso": true,
	"aws-iso-b": true, "aws-iso-e": true, "aws-iso-f": true, "aws-eusc": true,
}

// policyParser carries what a parse needs to report errors.
type policyParser struct {
	kind      policyKind
	variables bool
}

func perr(at pos, format string, args ...any) *PolicyError {
	return &PolicyError{Line: at.line, Column: at.col, Reason: fmt.Sprintf(format, args...)}
}

// ParsePolicy parses an identity-based policy document (JSON), as the
// auth file's "policies" hold. The error, when not nil, is a
// *PolicyError.
func ParsePolicy(doc string) (*Policy, error) {
	p, err := parsePolicyText(doc, identityPolicy)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func parsePolicyText(doc string, kind policyKind) (*Policy, *PolicyError) {
	n, err := parseJSONTree([]byte(doc))
	if err != nil {
		te := err.(*treeError)
		return nil, &PolicyError{Line: te.at.line, Column: te.at.col, Reason: "Syntax errors in policy. (" + te.reason + ")"}
	}
	p, perr := parsePolicyTree(n, kind)
	if perr != nil {
		return nil, perr
	}
	p.doc = doc
	return p, nil
}

// parsePolicyTree checks and compiles a policy document already read into
// a tree (from JSON, or from the YAML auth file).
func parsePolicyTree(n *node, kind policyKind) (*Policy, *PolicyError) {
	if n.kind != kindObject {
		return nil, perr(n.at, "Syntax errors in policy. (the policy must be an object, not %s)", n.kind)
	}
	pol := &Policy{}
	var stmts *node
	var stmtsAt pos
	for _, f := range n.fields {
		switch f.key {
		case "Version":
			if f.value.kind != kindString {
				return nil, perr(f.value.at, "Version must be a string")
			}
			if f.value.text != Version2012 && f.value.text != Version2008 {
				return nil, perr(f.value.at, "Invalid Version: %s (use %s)", f.value.text, Version2012)
			}
			pol.version = f.value.text
		case "Id":
			if f.value.kind != kindString {
				return nil, perr(f.value.at, "Id must be a string")
			}
			pol.id = f.value.text
		case "Statement":
			stmts, stmtsAt = f.value, f.at
		default:
			return nil, perr(f.at, "Unknown field %s", f.key)
		}
	}
	if stmts == nil {
		return nil, perr(n.at, "Missing required field Statement")
	}
	pp := &policyParser{kind: kind, variables: pol.version == Version2012}
	var list []*node
	switch stmts.kind {
	case kindObject:
		list = []*node{stmts}
	case kindArray:
		list = stmts.items
	default:
		return nil, perr(stmts.at, "Statement must be an object or a list of objects, not %s", stmts.kind)
	}
	if len(list) == 0 {
		return nil, perr(stmtsAt, "Policy document must contain at least one statement")
	}
	sids := map[string]bool{}
	for _, sn := range list {
		st, err := pp.statement(sn)
		if err != nil {
			return nil, err
		}
		if st.sid != "" {
			if sids[st.sid] {
				return nil, perr(sn.at, "Statement IDs (SID) in a single policy must be unique.")
			}
			sids[st.sid] = true
		}
		pol.statements = append(pol.statements, st)
		pol.keyed = pol.keyed || st.keyed()
	}
	return pol, nil
}

func (pp *policyParser) statement(n *node) (statement, *PolicyError) {
	var st statement
	if n.kind != kindObject {
		return st, perr(n.at, "Statement must be an object or a list of objects, not a list of %s", n.kind)
	}
	var effect, action, notAction, resource, notResource, principal, notPrincipal, cond *node
	var principalAt pos
	for _, f := range n.fields {
		switch f.key {
		case "Sid":
			if f.value.kind != kindString {
				return st, perr(f.value.at, "Sid must be a string")
			}
			if pp.kind == identityPolicy && !sidPattern.MatchString(f.value.text) {
				return st, perr(f.value.at, "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
			}
			st.sid = f.value.text
		case "Effect":
			effect = f.value
		case "Action":
			action = f.value
		case "NotAction":
			notAction = f.value
		case "Resource":
			resource = f.value
		case "NotResource":
			notResource = f.value
		case "Principal":
			principal, principalAt = f.value, f.at
		case "NotPrincipal":
			notPrincipal, principalAt = f.value, f.at
		case "Condition":
			cond = f.value
		default:
			return st, perr(f.at, "Unknown field %s", f.key)
		}
	}
	switch {
	case effect == nil:
		return st, perr(n.at, "Missing required field Effect")
	case effect.kind != kindString || (effect.text != "Allow" && effect.text != "Deny"):
		return st, perr(effect.at, "Invalid effect: %s", scalarText(effect))
	}
	st.deny = effect.text == "Deny"

	switch {
	case pp.kind == identityPolicy && (principal != nil || notPrincipal != nil):
		return st, perr(principalAt, "Policy document should not specify a principal.")
	case pp.kind == resourcePolicy && principal != nil && notPrincipal != nil:
		return st, perr(principalAt, "Statement cannot contain both Principal and NotPrincipal.")
	case pp.kind == resourcePolicy && principal == nil && notPrincipal == nil:
		return st, perr(n.at, "Missing required field Principal")
	case principal != nil:
		ps, err := parsePrincipal(principal)
		if err != nil {
			return st, err
		}
		st.principal = ps
	case notPrincipal != nil:
		ps, err := parsePrincipal(notPrincipal)
		if err != nil {
			return st, err
		}
		st.principal, st.notPrincipal = ps, true
	}

	switch {
	case action != nil && notAction != nil:
		return st, perr(notAction.at, "Statement cannot contain both Action and NotAction.")
	case action == nil && notAction == nil:
		return st, perr(n.at, "Policy statement must contain actions.")
	}
	an := action
	if an == nil {
		an, st.notAction = notAction, true
	}
	actions, err := stringValues(an, "Action", false)
	if err != nil {
		return st, err
	}
	if len(actions) == 0 {
		return st, perr(an.at, "Policy statement must contain actions.")
	}
	for _, a := range actions {
		if err := checkAction(a.text, a.at); err != nil {
			return st, err
		}
		st.actions = append(st.actions, compilePattern(a.text, patternOptions{wildcards: true, fold: true}))
	}

	switch {
	case resource != nil && notResource != nil:
		return st, perr(notResource.at, "Statement cannot contain both Resource and NotResource.")
	case resource == nil && notResource == nil:
		return st, perr(n.at, "Policy statement must contain resources.")
	}
	rn := resource
	if rn == nil {
		rn, st.notResource = notResource, true
	}
	resources, err := stringValues(rn, "Resource", false)
	if err != nil {
		return st, err
	}
	if len(resources) == 0 {
		return st, perr(rn.at, "Policy statement must contain resources.")
	}
	for _, r := range resources {
		p, err := pp.resource(r.text, r.at)
		if err != nil {
			return st, err
		}
		st.resources = append(st.resources, p)
	}

	if cond != nil {
		conds, err := pp.conditions(cond)
		if err != nil {
			return st, err
		}
		st.conditions = conds
	}
	return st, nil
}

// located is a string value and where it was written.
type located struct {
	text string
	at   pos
}

// stringValues reads an element that IAM allows as a string or a list of
// strings. With scalars, numbers and booleans are taken as their text
// (IAM accepts {"Bool": {"aws:SecureTransport": false}}).
func stringValues(n *node, what string, scalars bool) ([]located, *PolicyError) {
	one := func(v *node) (located, *PolicyError) {
		switch {
		case v.kind == kindString, scalars && (v.kind == kindNumber || v.kind == kindBool):
			return located{text: v.text, at: v.at}, nil
		case scalars:
			return located{}, perr(v.at, "%s values must be strings, numbers or booleans, not %s", what, v.kind)
		}
		return located{}, perr(v.at, "%s must be a string or a list of strings, not %s", what, v.kind)
	}
	if n.kind != kindArray {
		v, err := one(n)
		if err != nil {
			return nil, err
		}
		return []located{v}, nil
	}
	out := make([]located, 0, len(n.items))
	for _, it := range n.items {
		v, err := one(it)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func scalarText(n *node) string {
	if n.kind == kindArray || n.kind == kindObject {
		return n.kind.String()
	}
	return n.text
}

// checkAction checks "*" or "vendor:Action*" as IAM does.
func checkAction(a string, at pos) *PolicyError {
	if a == "*" {
		return nil
	}
	vendor, name, ok := strings.Cut(a, ":")
	if !ok {
		return perr(at, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	}
	if !vendorPattern.MatchString(vendor) {
		return perr(at, "Vendor %s is not valid", vendor)
	}
	if !actionNamePattern.MatchString(name) {
		return perr(at, "Action %s is not valid", a)
	}
	return nil
}

// resource checks and compiles a Resource or NotResource entry.
func (pp *policyParser) resource(r string, at pos) (arnPattern, *PolicyError) {
	p, ok := compileARNPattern(r, pp.variables)
	if !ok || (!p.any && p.parts[0].raw != "arn") {
		return arnPattern{}, perr(at, "Resource %s must be in ARN format or \"*\".", r)
	}
	if p.any {
		return p, nil
	}
	if part := p.parts[1].raw; !partitions[part] {
		return arnPattern{}, perr(at, "Partition \"%s\" is not valid for resource \"%s\".", part, r)
	}
	if svc := p.parts[2]; svc.glob || svc.vars || svc.raw == "" {
		return arnPattern{}, perr(at, "Resource vendor must be fully qualified and cannot contain regexes.")
	}
	return p, nil
}

// conditions reads a Condition block.
func (pp *policyParser) conditions(n *node) ([]condition, *PolicyError) {
	if n.kind != kindObject {
		return nil, perr(n.at, "Condition must be an object, not %s", n.kind)
	}
	var out []condition
	for _, opf := range n.fields {
		spec, set, ifExists, ok := parseOperator(opf.key)
		if !ok {
			return nil, perr(opf.at, "Invalid Condition type : %s", opf.key)
		}
		if opf.value.kind != kindObject {
			return nil, perr(opf.value.at, "Condition %s must map condition keys to values, not %s", opf.key, opf.value.kind)
		}
		if len(opf.value.fields) == 0 {
			return nil, perr(opf.value.at, "Condition %s has no condition keys", opf.key)
		}
		for _, kf := range opf.value.fields {
			vendor, name, found := strings.Cut(kf.key, ":")
			if !found || name == "" || !vendorPattern.MatchString(vendor) {
				return nil, perr(kf.at, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
			}
			vals, err := stringValues(kf.value, "Condition", true)
			if err != nil {
				return nil, err
			}
			if len(vals) == 0 {
				return nil, perr(kf.value.at, "Condition %s on %s has no values", opf.key, kf.key)
			}
			c := condition{op: spec, set: set, ifExists: ifExists, key: strings.ToLower(kf.key)}
			for _, v := range vals {
				cv, bad := compileValue(spec, v.text, pp.variables)
				if bad != "" {
					return nil, perr(v.at, "Condition %s on %s: %q %s", opf.key, kf.key, v.text, bad)
				}
				c.values = append(c.values, cv)
			}
			out = append(out, c)
		}
	}
	return out, nil
}
