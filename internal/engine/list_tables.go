package engine

import (
	"context"
	"sort"

	"github.com/dynago/dynago/internal/api"
)

// maxListTables is ListTables' page size when Limit is absent, and the
// largest Limit DynamoDB accepts.
const maxListTables = 100

// listTables pages through the table names in ascending order, starting
// after ExclusiveStartTableName (which need not be an existing table).
// LastEvaluatedTableName is returned only when more names remain, so a
// client paging until it is absent never asks for an empty page.
func (db *DB) listTables(ctx context.Context, in *api.ListTablesInput) (*api.ListTablesOutput, error) {
	limit := api.Int(in.Limit, maxListTables) // 1 to 100, as the model says
	names := db.cat.names()
	if in.ExclusiveStartTableName != nil {
		start := *in.ExclusiveStartTableName
		names = names[sort.Search(len(names), func(i int) bool { return names[i] > start }):]
	}
	out := &api.ListTablesOutput{TableNames: []string{}}
	if int64(len(names)) > limit {
		names = names[:limit]
		out.LastEvaluatedTableName = api.Ptr(names[limit-1])
	}
	out.TableNames = append(out.TableNames, names...)
	return out, nil
}
