package engine

// Resource-based policies: PutResourcePolicy, GetResourcePolicy,
// DeleteResourcePolicy and CreateTable's ResourcePolicy. A table's policy
// and its streams' policies live in the table's catalog record, so they
// are created, changed and dropped with the table; authorization reads
// them compiled (policyOf, authorize.go). auth.ParseResourcePolicy checks
// a document as DynamoDB does (its size, grammar, principals, actions and
// resources); this file keeps revisions.

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/auth"
)

// resourcePolicy is a stored resource-based policy: the document as the
// client sent it, and its revision.
type resourcePolicy struct {
	Document   string `json:"document"`
	RevisionID string `json:"revisionId"`
}

// noPolicyRevision is the ExpectedRevisionId that asks PutResourcePolicy
// to create a policy only where none exists.
const noPolicyRevision = "NO_POLICY"

// streamPolicy returns the policy of rec's stream labelled label, or nil.
func (rec *tableRecord) streamPolicy(label string) *resourcePolicy {
	return rec.StreamPolicies[label]
}

// policyCache holds compiled policies by ARN and document, so a request
// compiles nothing. Documents are at most 20 KB and change only through
// PutResourcePolicy, so the cache is small; it is cleared when it grows
// past maxCachedPolicies.
type policyCache struct {
	mu sync.RWMutex
	m  map[policyKey]*auth.Policy
}

// policyKey is a compiled policy's resource and document.
type policyKey struct{ arn, doc string }

const maxCachedPolicies = 4096

// compiledPolicy returns p compiled for arn, or nil when p is nil. A
// stored document always compiled when it was put; one that no longer
// does (a stricter release) denies everything rather than nothing.
func (db *DB) compiledPolicy(p *resourcePolicy, arn string) *auth.Policy {
	if p == nil {
		return nil
	}
	key := policyKey{arn, p.Document}
	c := &db.policies
	c.mu.RLock()
	pol, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return pol
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	pol, err := auth.ParseResourcePolicy(p.Document, arn)
	if err != nil {
		db.opts.Logger.Error("a stored resource-based policy no longer compiles; it denies every request", "resource", arn, "error", err)
		pol, _ = auth.ParseResourcePolicy(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"`+arn+`"}]}`, arn)
	}
	if c.m == nil || len(c.m) >= maxCachedPolicies {
		c.m = make(map[policyKey]*auth.Policy)
	}
	c.m[key] = pol
	return pol
}

// policyTarget is the resource a policy operation names: a table of this
// namespace, or one of its streams (label set).
type policyTarget struct {
	arn   string
	table string
	label string
}

// resolvePolicyTarget resolves a ResourceArn of a policy operation, with
// DynamoDB's answer for each form that names no table or stream of this
// namespace (ack-api-quirks DDB-TABLE-212, -442).
func (db *DB) resolvePolicyTarget(arn string) (policyTarget, error) {
	if table, label, ok := db.parseStreamArn(arn); ok {
		return policyTarget{arn: arn, table: table, label: label}, nil
	}
	if !strings.HasPrefix(arn, "arn:") {
		return policyTarget{}, apierr.Validationf(invalidPrefix+"ARNs must start with 'arn:': %s", arn)
	}
	// arn:<partition>:dynamodb:<region>:<account>:table/<name>[/index/<i>]
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "dynamodb" || !strings.HasPrefix(parts[5], "table/") {
		return policyTarget{}, apierr.Validationf(invalidPrefix+"Provided Arn is not a DynamoDB resource arn: %s", arn)
	}
	if parts[4] != db.opts.AccountID {
		return policyTarget{}, apierr.Validation("This action is only supported by accounts that match the resource owner\u2019s account.")
	}
	if parts[1] != "aws" || parts[3] != db.opts.Region {
		return policyTarget{}, apierr.Validationf(invalidPrefix+"Invalid resource Arn: %s", arn)
	}
	name, sub, nested := strings.Cut(strings.TrimPrefix(parts[5], "table/"), "/")
	switch {
	case nested && strings.HasPrefix(sub, "index/"):
		return policyTarget{}, apierr.Validationf(invalidPrefix+"Invalid resource arn provided, only table or stream is accepted. Provided resource arn: %s", arn)
	case nested && strings.HasPrefix(sub, "stream/"):
		// A stream label that is no label: not found, named as given.
		return policyTarget{arn: arn, table: name, label: strings.TrimPrefix(sub, "stream/")}, nil
	case nested || name == "":
		return policyTarget{}, apierr.Validationf(invalidPrefix+"Provided Arn is not a DynamoDB resource arn: %s", arn)
	}
	return policyTarget{arn: arn, table: name}, nil
}

// get returns the target's policy in rec, or nil.
func (t policyTarget) get(rec *tableRecord) *resourcePolicy {
	if t.label != "" {
		return rec.streamPolicy(t.label)
	}
	return rec.Policy
}

// set stores p (nil removes it) as the target's policy in rec.
func (t policyTarget) set(rec *tableRecord, p *resourcePolicy) {
	if t.label == "" {
		rec.Policy = p
		return
	}
	if p == nil {
		delete(rec.StreamPolicies, t.label)
		if len(rec.StreamPolicies) == 0 {
			rec.StreamPolicies = nil
		}
		return
	}
	m := make(map[string]*resourcePolicy, len(rec.StreamPolicies)+1)
	for k, v := range rec.StreamPolicies {
		m[k] = v
	}
	m[t.label] = p
	rec.StreamPolicies = m
}

// errPolicyResourceNotFound is a policy operation's answer for a table or
// stream of t that does not exist (or is gone by the time it commits):
// DynamoDB names the table, or the stream's label and its table
// (DDB-TABLE-212).
func errPolicyResourceNotFound(t policyTarget) error {
	if t.label != "" {
		return apierr.Newf(apierr.ResourceNotFoundException, "Requested resource not found: Stream: %s not found for Table: %s", t.label, t.table)
	}
	return errTableNotFound(t.table)
}

// policyEntry returns the target's table, or ResourceNotFoundException.
func (db *DB) policyEntry(t policyTarget) (*catalogEntry, error) {
	e := db.cat.get(t.table)
	if e == nil || (t.label != "" && e.rec.stream(t.label) == nil) {
		return nil, errPolicyResourceNotFound(t)
	}
	if e.restoring() {
		return nil, errTableNotFound(t.table)
	}
	return e, nil
}

// errPolicyNotFound is DynamoDB's PolicyNotFoundException for arn.
func errPolicyNotFound(arn string) error {
	return apierr.Newf(apierr.PolicyNotFoundException, "Resource-based policy not found for the provided ResourceArn: %s", arn)
}

// errRevisionMismatch is the PolicyNotFoundException of an
// ExpectedRevisionId that is not the policy's.
func errRevisionMismatch(arn, expected, actual string) error {
	if actual == "" {
		return errPolicyNotFound(arn)
	}
	return apierr.Newf(apierr.PolicyNotFoundException,
		"Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id %s, but the policy associated to target resource %s has revision id %s.",
		expected, arn, actual)
}

// newRevision returns a revision id: DynamoDB's are decimal strings of
// the time in milliseconds; one more than the previous keeps them unique.
func (db *DB) newRevision(prev *resourcePolicy) string {
	n := db.opts.Now().UnixMilli()
	if prev != nil {
		if p, err := strconv.ParseInt(prev.RevisionID, 10, 64); err == nil && p >= n {
			n = p + 1
		}
	}
	return strconv.FormatInt(n, 10)
}

// putResourcePolicy attaches a policy to a table or stream, replacing the
// one it has.
func (db *DB) putResourcePolicy(ctx context.Context, in *api.PutResourcePolicyInput) (*api.PutResourcePolicyOutput, error) {
	t, err := db.resolvePolicyTarget(api.Str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	doc := api.Str(in.Policy)
	if _, err := auth.ParseResourcePolicy(doc, t.arn); err != nil {
		return nil, err
	}
	e, err := db.policyEntry(t)
	if err != nil {
		return nil, err
	}
	var rev string
	_, err = db.updateRecord(ctx, e, errPolicyResourceNotFound(t), func(rec *tableRecord) error {
		cur := t.get(rec)
		if want := in.ExpectedRevisionId; want != nil {
			switch {
			case *want == noPolicyRevision && cur != nil:
				return apierr.Newf(apierr.PolicyNotFoundException,
					"Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id %s, but the policy associated to target resource %s has revision id %s.",
					*want, t.arn, cur.RevisionID)
			case *want != noPolicyRevision && (cur == nil || cur.RevisionID != *want):
				return errRevisionMismatch(t.arn, *want, revisionOf(cur))
			}
		}
		rev = db.newRevision(cur)
		t.set(rec, &resourcePolicy{Document: doc, RevisionID: rev})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.PutResourcePolicyOutput{RevisionId: &rev}, nil
}

// getResourcePolicy returns a table's or stream's policy as it was put.
func (db *DB) getResourcePolicy(ctx context.Context, in *api.GetResourcePolicyInput) (*api.GetResourcePolicyOutput, error) {
	t, err := db.resolvePolicyTarget(api.Str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	e, err := db.policyEntry(t)
	if err != nil {
		return nil, err
	}
	p := t.get(e.rec)
	if p == nil {
		return nil, errPolicyNotFound(t.arn)
	}
	return &api.GetResourcePolicyOutput{Policy: api.Ptr(p.Document), RevisionId: api.Ptr(p.RevisionID)}, nil
}

// deleteResourcePolicy removes a table's or stream's policy.
func (db *DB) deleteResourcePolicy(ctx context.Context, in *api.DeleteResourcePolicyInput) (*api.DeleteResourcePolicyOutput, error) {
	t, err := db.resolvePolicyTarget(api.Str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	e, err := db.policyEntry(t)
	if err != nil {
		return nil, err
	}
	var rev string
	_, err = db.updateRecord(ctx, e, errPolicyResourceNotFound(t), func(rec *tableRecord) error {
		cur := t.get(rec)
		if cur == nil {
			return errPolicyNotFound(t.arn)
		}
		if want := in.ExpectedRevisionId; want != nil && *want != cur.RevisionID {
			return errRevisionMismatch(t.arn, *want, cur.RevisionID)
		}
		rev = db.newRevision(cur)
		t.set(rec, nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.DeleteResourcePolicyOutput{RevisionId: &rev}, nil
}

func revisionOf(p *resourcePolicy) string {
	if p == nil {
		return ""
	}
	return p.RevisionID
}

// createTablePolicy checks CreateTable's ResourcePolicy for the table
// named name and returns it to store, or nil without one.
func (db *DB) createTablePolicy(in *api.CreateTableInput, name string) (*resourcePolicy, error) {
	if in.ResourcePolicy == nil {
		return nil, nil
	}
	if _, err := auth.ParseResourcePolicy(*in.ResourcePolicy, db.tableArn(name)); err != nil {
		return nil, err
	}
	return &resourcePolicy{Document: *in.ResourcePolicy, RevisionID: db.newRevision(nil)}, nil
}

// PutResourcePolicy serves DynamoDB's PutResourcePolicy.
func (db *DB) PutResourcePolicy(ctx context.Context, in *api.PutResourcePolicyInput) (*api.PutResourcePolicyOutput, error) {
	return run(ctx, db, api.OpPutResourcePolicy, in, db.putResourcePolicy)
}

// GetResourcePolicy serves DynamoDB's GetResourcePolicy.
func (db *DB) GetResourcePolicy(ctx context.Context, in *api.GetResourcePolicyInput) (*api.GetResourcePolicyOutput, error) {
	return run(ctx, db, api.OpGetResourcePolicy, in, db.getResourcePolicy)
}

// DeleteResourcePolicy serves DynamoDB's DeleteResourcePolicy.
func (db *DB) DeleteResourcePolicy(ctx context.Context, in *api.DeleteResourcePolicyInput) (*api.DeleteResourcePolicyOutput, error) {
	return run(ctx, db, api.OpDeleteResourcePolicy, in, db.deleteResourcePolicy)
}
