package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// partiqlAuthorize is the one seam through which every PartiQL statement
// asks whether it may touch a table (key nil: a Query or Scan of the
// table, or of index when the statement names one) or one item (key set:
// INSERT, UPDATE, DELETE, and a SELECT by its full key). The planner calls
// it once per resolved table or key, after parsing and before admitting
// capacity or reading anything, so a refusal changes nothing and costs
// nothing.
//
// It allows everything today. When the authorization hook
// (engine/authorize.go, an Options hook) lands, this function calls it
// with op (OpExecuteStatement, OpBatchExecuteStatement or
// OpExecuteTransaction), the table's name, the key and the PartiQL action
// DynamoDB's IAM names (PartiQLSelect, PartiQLInsert, PartiQLUpdate,
// PartiQLDelete; a scan also sets the dynamodb:FullTableScan condition
// key, docs/partiql.md), and returns its error unchanged.
func (db *DB) partiqlAuthorize(ctx context.Context, op api.OpID, t *Table, key attr.Item) error {
	_, _, _, _ = ctx, op, t, key
	return nil
}
