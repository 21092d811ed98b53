package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// TestResourcePolicyRevisions: every Put and Delete gives a new revision;
// ExpectedRevisionId must be the current one (or NO_POLICY, for "only if
// there is none"); a deleted table takes its policy with it.
func TestResourcePolicyRevisions(t *testing.T) {
	ctx := context.Background()
	db, _ := newTablesDB(t)
	if _, err := db.CreateTable(ctx, hashTable("tbl", 0)); err != nil {
		t.Fatal(err)
	}
	arn := db.tableArn("tbl")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"dynamodb:GetItem","Resource":"` + arn + `"}]}`
	code := func(err error) apierr.Code {
		if e := apierr.As(err); e != nil {
			return e.Code
		}
		return ""
	}
	put := func(expected *string) (string, error) {
		out, err := db.PutResourcePolicy(ctx, &api.PutResourcePolicyInput{ResourceArn: &arn, Policy: &doc, ExpectedRevisionId: expected})
		if err != nil {
			return "", err
		}
		return api.Str(out.RevisionId), nil
	}

	if _, err := db.GetResourcePolicy(ctx, &api.GetResourcePolicyInput{ResourceArn: &arn}); code(err) != apierr.PolicyNotFoundException {
		t.Fatalf("GetResourcePolicy before any: %v", err)
	}
	if _, err := put(api.Ptr("123")); code(err) != apierr.PolicyNotFoundException {
		t.Fatalf("Put expecting a revision of no policy: %v", err)
	}
	r1, err := put(api.Ptr(noPolicyRevision))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := put(api.Ptr(noPolicyRevision)); code(err) != apierr.PolicyNotFoundException {
		t.Fatalf("Put with NO_POLICY over a policy: %v", err)
	}
	r2, err := put(&r1)
	if err != nil || r2 == r1 {
		t.Fatalf("Put with the current revision: %q, %v (first %q)", r2, err, r1)
	}
	got, err := db.GetResourcePolicy(ctx, &api.GetResourcePolicyInput{ResourceArn: &arn})
	if err != nil || api.Str(got.Policy) != doc || api.Str(got.RevisionId) != r2 {
		t.Fatalf("GetResourcePolicy = %v, %v", got, err)
	}
	if _, err := db.DeleteResourcePolicy(ctx, &api.DeleteResourcePolicyInput{ResourceArn: &arn, ExpectedRevisionId: &r1}); code(err) != apierr.PolicyNotFoundException {
		t.Fatalf("Delete with a stale revision: %v", err)
	}
	if _, err := db.DeleteResourcePolicy(ctx, &api.DeleteResourcePolicyInput{ResourceArn: &arn, ExpectedRevisionId: &r2}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteResourcePolicy(ctx, &api.DeleteResourcePolicyInput{ResourceArn: &arn}); code(err) != apierr.PolicyNotFoundException {
		t.Fatalf("Delete of no policy: %v", err)
	}

	// The policy goes with its table.
	if _, err := put(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("tbl")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTable(ctx, hashTable("tbl", 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetResourcePolicy(ctx, &api.GetResourcePolicyInput{ResourceArn: &arn}); code(err) != apierr.PolicyNotFoundException {
		t.Fatalf("a re-created table has its predecessor's policy: %v", err)
	}
	// Another account's ARN, or no table, is not a target.
	other := "arn:aws:dynamodb:us-east-1:999999999999:table/tbl"
	if _, err := db.GetResourcePolicy(ctx, &api.GetResourcePolicyInput{ResourceArn: &other}); code(err) != apierr.ValidationException {
		t.Fatalf("GetResourcePolicy of another account's table: %v", err)
	}
	missing := db.tableArn("missing")
	if _, err := db.GetResourcePolicy(ctx, &api.GetResourcePolicyInput{ResourceArn: &missing}); code(err) != apierr.ResourceNotFoundException {
		t.Fatalf("GetResourcePolicy of a missing table: %v", err)
	}
}
