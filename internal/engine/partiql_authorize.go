package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/auth"
)

// partiqlAuthorize is the seam through which every PartiQL statement that
// touches one item (INSERT, UPDATE, DELETE, and a SELECT by its full key)
// asks whether it may; a SELECT that queries or scans asks through
// partiqlAuthorizeRead. The planner calls them once per resolved table or
// key, after parsing and before admitting capacity or reading anything,
// so a refusal changes nothing and costs nothing.
//
// action is the PartiQL action DynamoDB's IAM names
// (dynamodb:PartiQLSelect, PartiQLInsert, PartiQLUpdate, PartiQLDelete),
// asked on the table's ARN with the key's partition key as
// dynamodb:LeadingKeys. op (ExecuteStatement, BatchExecuteStatement or
// ExecuteTransaction) is not an action of its own: IAM authorizes the
// statements. Without a verified caller (no --auth) everything is
// allowed.
func (db *DB) partiqlAuthorize(ctx context.Context, op api.OpID, action string, t *Table, key attr.Item) error {
	c := auth.CallerFrom(ctx)
	if c == nil {
		return nil
	}
	_ = op
	arn := db.tableArn(t.Name)
	req := c.Request(action, auth.Resource{ARN: arn, Policy: db.policyOf(arn)})
	setResourceTags(&req.Keys, db.tagsOf(arn))
	if v, ok := key[t.Hash.Name]; ok {
		req.Keys.Set(auth.KeyLeadingKeys, keyString(v))
	}
	return auth.Authorize(req)
}

// partiqlAuthorizeRead asks dynamodb:PartiQLSelect for a SELECT that
// reads by Query or Scan, on the table's ARN or its index's, with
// dynamodb:FullTableScan true for a scan.
func (db *DB) partiqlAuthorizeRead(ctx context.Context, t *Table, index *string, scan bool) error {
	c := auth.CallerFrom(ctx)
	if c == nil {
		return nil
	}
	arn := db.tableArn(t.Name)
	res := arn
	if index != nil {
		res = auth.IndexARN(arn, *index)
	}
	req := c.Request("dynamodb:PartiQLSelect", auth.Resource{ARN: res, Policy: db.policyOf(arn)})
	setResourceTags(&req.Keys, db.tagsOf(arn))
	if scan {
		req.Keys.Set(keyFullTableScan, "true")
	}
	return auth.Authorize(req)
}

// keyFullTableScan is the condition key of a PartiQL SELECT that scans.
const keyFullTableScan = "dynamodb:FullTableScan"
