package auth

// Policy evaluation as IAM does it for one account's users, with
// identity-based policies (the auth file) and resource-based policies
// (a table's or stream's), and nothing else: no SCPs, permission
// boundaries or session policies exist here.
//
//  1. Any applicable Deny, in either kind of policy, denies (explicit deny).
//  2. Same account: an Allow in an identity policy, or an Allow in the
//     resource policy that names the user itself (its ARN, or "*"),
//     allows. A resource policy that names only the account delegates to
//     the account's identity policies, as IAM documents.
//  3. Another account: both must allow, the resource policy naming the
//     user or its account, and the user's identity policy.
//  4. Otherwise the request is implicitly denied.

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/apierr"
)

// Request is one authorization question: may Principal perform Action on
// every one of Resources? Operations that touch several tables or items
// (BatchGetItem, BatchWriteItem, transactions, PartiQL batches) ask once
// per item, with that item's action, resource and keys.
type Request struct {
	Principal *Principal
	// Action is the IAM action, e.g. "dynamodb:PutItem"; it is matched
	// case-insensitively and quoted as given in the denial message.
	Action string
	// Resources are the ARNs the action touches, each with the
	// resource-based policy that governs it. "*" is the resource of
	// account-level actions such as ListTables.
	Resources []Resource
	// Keys are the request's condition keys that only the operation
	// knows: dynamodb:LeadingKeys, dynamodb:Attributes, dynamodb:Select,
	// dynamodb:ReturnValues, dynamodb:ReturnConsumedCapacity, and any
	// other. The global aws: keys come from the fields below.
	Keys Keys
	// SourceIP is the caller's address (aws:SourceIp); "" when unknown.
	SourceIP string
	// SourceAddr is the caller's address when SourceIP is "": it is
	// formatted only for a policy that tests aws:SourceIp, so a request
	// that no such policy governs does not pay for the string.
	SourceAddr netip.Addr
	// SecureTransport says the request came over TLS (aws:SecureTransport).
	SecureTransport bool
	// Time is when the request was made (aws:CurrentTime, aws:EpochTime);
	// the zero time means now.
	Time time.Time
	// Region is the region the request addressed (aws:RequestedRegion).
	Region string
}

// Resource is a resource a request touches.
type Resource struct {
	ARN string
	// Policy is the resource-based policy that governs the resource: a
	// table's for the table and its indexes (and its backups and
	// exports), a stream's own for a stream; nil when there is none.
	Policy *Policy
}

// Keys holds a request's condition keys and their values. Key names are
// case-insensitive, values are not. The zero value is ready to use.
// A request sets a handful of keys, so they are a slice searched in
// order: no map, and no lower-casing, per request.
type Keys struct{ kv []keyValues }

type keyValues struct {
	key    string
	values []string
}

// Set sets key to values (replacing what it had). A key set with no
// values is present but empty: Null calls it absent, ForAllValues
// passes, ForAnyValue fails.
func (k *Keys) Set(key string, values ...string) {
	if values == nil {
		values = []string{}
	}
	for i := range k.kv {
		if strings.EqualFold(k.kv[i].key, key) {
			k.kv[i].values = values
			return
		}
	}
	if k.kv == nil {
		k.kv = make([]keyValues, 0, 4)
	}
	k.kv = append(k.kv, keyValues{key, values})
}

// Get returns the values of key and whether it is present.
func (k *Keys) Get(key string) ([]string, bool) {
	for i := range k.kv {
		if strings.EqualFold(k.kv[i].key, key) {
			return k.kv[i].values, true
		}
	}
	return nil, false
}

// The condition keys DynamoDB defines, as the engine sets them.
const (
	KeyLeadingKeys            = "dynamodb:LeadingKeys"
	KeyAttributes             = "dynamodb:Attributes"
	KeySelect                 = "dynamodb:Select"
	KeyReturnValues           = "dynamodb:ReturnValues"
	KeyReturnConsumedCapacity = "dynamodb:ReturnConsumedCapacity"
)

// The tag keys of IAM's global condition context, as the engine sets
// them: aws:ResourceTag/<key> for the tags a resource has,
// aws:RequestTag/<key> for the tags a request names, and aws:TagKeys for
// those tags' keys.
const (
	KeyResourceTagPrefix = "aws:ResourceTag/"
	KeyRequestTagPrefix  = "aws:RequestTag/"
	KeyTagKeys           = "aws:TagKeys"
)

// Decision is the outcome of an evaluation.
type Decision uint8

const (
	// ImplicitDeny: no policy allows the request.
	ImplicitDeny Decision = iota
	// Allow: a policy allows it and none denies it.
	Allow
	// ExplicitDeny: a Deny statement applies.
	ExplicitDeny
)

func (d Decision) String() string {
	return [...]string{"implicit deny", "allow", "explicit deny"}[d]
}

// Verdict is the full outcome, enough to word IAM's message.
type Verdict struct {
	Decision Decision
	// Resource is the first resource not allowed ("" on Allow).
	Resource string
	// Policy names the kind of policy the message blames:
	// "identity-based" or "resource-based".
	Policy string
}

// Authorize returns nil when the request is allowed, and otherwise
// DynamoDB's AccessDeniedException with IAM's message, e.g.
//
//	User: arn:aws:iam::111122223333:user/alice is not authorized to perform:
//	dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:111122223333:table/Books
//	because no identity-based policy allows the dynamodb:PutItem action
//
// (one line), or "... with an explicit deny in an identity-based policy"
// (or "a resource-based policy").
func Authorize(req *Request) error { return authorize(req, req.Resources) }

// authorize is Authorize with the resources apart from the request.
// Caller.Authorize passes an array on its stack: were it req.Resources,
// escape analysis would see it leak with the rest of the request's
// contents (the strings the condition operators hand on), and move it
// to the heap.
func authorize(req *Request, resources []Resource) error {
	if req.Principal == nil {
		return errMissingToken()
	}
	v := evaluate(req, resources)
	if v.Decision == Allow {
		return nil
	}
	return apierr.New(apierr.AccessDeniedException, denialMessage(req, v))
}

func denialMessage(req *Request, v Verdict) string {
	head := "User: " + req.Principal.arn + " is not authorized to perform: " + req.Action + " on resource: " + v.Resource
	if v.Decision == ExplicitDeny {
		article := "a "
		if v.Policy == "identity-based" {
			article = "an "
		}
		return head + " with an explicit deny in " + article + v.Policy + " policy"
	}
	return head + " because no " + v.Policy + " policy allows the " + req.Action + " action"
}

// Evaluate decides the request. Every resource must be allowed; the
// verdict names the first one that is not.
func Evaluate(req *Request) Verdict { return evaluate(req, req.Resources) }

// evaluate is Evaluate with the resources apart from the request (see
// authorize).
func evaluate(req *Request, resources []Resource) Verdict {
	if req.Principal == nil {
		return Verdict{Decision: ImplicitDeny, Policy: "identity-based"}
	}
	ec := evalCtx{req: req, action: req.Action, now: req.Time}
	if ec.now.IsZero() {
		ec.now = time.Now()
	}
	for i := range resources {
		ec.res = &resources[i]
		if v := ec.decide(); v.Decision != Allow {
			return v
		}
	}
	return Verdict{Decision: Allow}
}

// evalCtx is the state of one evaluation.
type evalCtx struct {
	req    *Request
	res    *Resource
	action string // as the request names it; action patterns match it case-insensitively
	now    time.Time
}

func (ec *evalCtx) decide() Verdict {
	p := ec.req.Principal
	resAccount := resourceAccount(ec.res.ARN)
	sameAccount := resAccount == "" || resAccount == p.Account

	var idAllow bool
	if p.user != nil {
		for _, pol := range p.user.policies {
			allow, deny := ec.policy(pol)
			if deny {
				return Verdict{Decision: ExplicitDeny, Resource: ec.res.ARN, Policy: "identity-based"}
			}
			idAllow = idAllow || allow
		}
	}
	var rpAllow, rpDirect bool
	if rp := ec.res.Policy; rp != nil {
		for i := range rp.statements {
			st := &rp.statements[i]
			m := st.principalMatch(p)
			if m == matchNone || !ec.statement(st) {
				continue
			}
			if st.deny {
				return Verdict{Decision: ExplicitDeny, Resource: ec.res.ARN, Policy: "resource-based"}
			}
			rpAllow = true
			rpDirect = rpDirect || m == matchDirect
		}
	}
	switch {
	case sameAccount && (idAllow || rpDirect):
		return Verdict{Decision: Allow}
	case !sameAccount && idAllow && rpAllow:
		return Verdict{Decision: Allow}
	case !sameAccount && !rpAllow:
		return Verdict{Decision: ImplicitDeny, Resource: ec.res.ARN, Policy: "resource-based"}
	}
	return Verdict{Decision: ImplicitDeny, Resource: ec.res.ARN, Policy: "identity-based"}
}

// policy reports whether an identity policy allows, and whether it
// denies, the current resource.
func (ec *evalCtx) policy(pol *Policy) (allow, deny bool) {
	for i := range pol.statements {
		st := &pol.statements[i]
		if !ec.statement(st) {
			continue
		}
		if st.deny {
			return allow, true
		}
		allow = true
	}
	return allow, false
}

// principalMatch applies a resource policy statement's Principal or
// NotPrincipal. A NotPrincipal statement applies to everyone it does not
// list, directly.
func (st *statement) principalMatch(p *Principal) principalMatch {
	if st.principal == nil {
		return matchNone
	}
	m := st.principal.match(p)
	if st.notPrincipal {
		if m == matchNone {
			return matchDirect
		}
		return matchNone
	}
	return m
}

// statement reports whether the statement applies to the request's
// action, the current resource and its conditions.
func (ec *evalCtx) statement(st *statement) bool {
	matched := false
	for i := range st.actions {
		if st.actions[i].match(ec.action, nil, true) {
			matched = true
			break
		}
	}
	if matched == st.notAction {
		return false
	}
	matched = false
	for i := range st.resources {
		if st.resources[i].match(ec.res.ARN, ec.single) {
			matched = true
			break
		}
	}
	if matched == st.notResource {
		return false
	}
	var one [1]string
	for i := range st.conditions {
		c := &st.conditions[i]
		values, present := ec.lookup(c.key, &one)
		if !c.eval(values, present, ec.single) {
			return false
		}
	}
	return true
}

// lookup returns a condition key's values. The global keys IAM computes
// for every request come from the principal and the request; the rest
// from Request.Keys. key is lower-case. A global key's value is returned
// in *one, the caller's: were it a field of ec, escape analysis (which
// does not tell one field of ec from another) would see the request
// leak with the values the condition operators hand on, and every
// Request would be allocated on the heap.
func (ec *evalCtx) lookup(key string, one *[1]string) ([]string, bool) {
	if strings.HasPrefix(key, "aws:") {
		if v, ok := ec.global(key); ok {
			one[0] = v
			return one[:], true
		}
	}
	return ec.req.Keys.Get(key)
}

// single resolves a policy variable: only single-valued keys have one.
func (ec *evalCtx) single(key string) (string, bool) {
	if strings.HasPrefix(key, "aws:") {
		if v, ok := ec.global(key); ok {
			return v, true
		}
	}
	v, ok := ec.req.Keys.Get(key)
	if !ok || len(v) != 1 {
		return "", false
	}
	return v[0], true
}

// global computes an aws: key.
func (ec *evalCtx) global(key string) (string, bool) {
	p := ec.req.Principal
	switch key {
	case "aws:username":
		return p.User, true
	case "aws:principalaccount":
		return p.Account, true
	case "aws:principalarn":
		return p.arn, true
	case "aws:principaltype":
		return "User", true
	case "aws:principalisawsservice":
		return "false", true
	case "aws:currenttime":
		return ec.now.UTC().Format("2006-01-02T15:04:05Z"), true
	case "aws:epochtime":
		return strconv.FormatInt(ec.now.Unix(), 10), true
	case "aws:securetransport":
		return strconv.FormatBool(ec.req.SecureTransport), true
	case "aws:sourceip":
		if ec.req.SourceIP == "" && ec.req.SourceAddr.IsValid() {
			return ec.req.SourceAddr.String(), true
		}
		return ec.req.SourceIP, ec.req.SourceIP != ""
	case "aws:requestedregion":
		return ec.req.Region, ec.req.Region != ""
	case "aws:resourceaccount":
		if a := resourceAccount(ec.res.ARN); a != "" {
			return a, true
		}
	}
	return "", false
}

// resourceAccount returns the account part of an ARN, "" for "*".
func resourceAccount(arn string) string {
	return splitPlainARN(arn)[4]
}
