package engine

import (
	"context"
	"errors"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/partiql"
)

// batchExecuteStatement runs up to 25 statements, all reads (each a SELECT
// by its full key) or all writes. Each member answers on its own, in
// request order: an error is that member's Error entry and its siblings
// still run. Members run one after another through runStatement, so each
// is admitted and charged as the single statement would be; the response's
// ConsumedCapacity sums them per table.
func (db *DB) batchExecuteStatement(ctx context.Context, in *api.BatchExecuteStatementInput) (*api.BatchExecuteStatementOutput, error) {
	parsed := make([]*stmtPlan, len(in.Statements))
	errs := make([]error, len(in.Statements))
	reads, writes := 0, 0
	for i, m := range in.Statements {
		sp, err := db.statementPlan(m.Statement)
		if err != nil {
			errs[i] = err
			continue
		}
		if sp.st.Kind() == partiql.KindExists {
			// A member error that counts as neither a read nor a write.
			errs[i] = errExistsOutsideTransaction
			continue
		}
		parsed[i] = sp
		if sp.st.Kind().IsRead() {
			reads++
		} else {
			writes++
		}
	}
	if reads > 0 && writes > 0 {
		// DynamoDB Local's message (BatchExecuteStatementFunction).
		return nil, apierr.Validation("Read and write requests together in the same batch is not supported.")
	}
	out := &api.BatchExecuteStatementOutput{Responses: make([]api.BatchStatementResponse, len(in.Statements))}
	var tally capacityTally
	// Members' items are placed in Responses, not in the page the wire
	// layer fills with raw items: they must come back decoded.
	ctx = api.WithRawItems(ctx, nil)
	for i, m := range in.Statements {
		r := &out.Responses[i]
		sp := parsed[i]
		if sp != nil {
			r.TableName = api.Ptr(partiql.TableOf(sp.st).Name.Name)
			if sel, ok := sp.st.(*partiql.Select); ok {
				errs[i] = db.checkBatchSelect(ctx, sel, m.Parameters)
			}
		}
		if errs[i] == nil {
			res, err := db.runStatement(ctx, &api.ExecuteStatementInput{Statement: m.Statement, Parameters: m.Parameters,
				ConsistentRead: m.ConsistentRead, ReturnValuesOnConditionCheckFailure: m.ReturnValuesOnConditionCheckFailure,
				ReturnConsumedCapacity: api.Ptr(capacityIndexes)}, sp)
			if err == nil {
				if len(res.Items) > 0 {
					r.Item = res.Items[0]
				}
				addConsumed(&tally, res.ConsumedCapacity)
				continue
			}
			errs[i] = err
		}
		r.Error = batchStatementError(errs[i])
	}
	out.ConsumedCapacity = tally.list(in.ReturnConsumedCapacity)
	return out, nil
}

// checkBatchSelect refuses a batch SELECT that does not name one item by
// its full key.
func (db *DB) checkBatchSelect(ctx context.Context, sel *partiql.Select, params []attr.Value) error {
	t, err := db.table(ctx, sel.From.Name.Name)
	if err != nil {
		return err
	}
	l := &lowerer{params: params}
	if sel.From.Index != nil {
		return errBatchSelectKey
	}
	if _, _, err := l.fullKey(t, sel.Where); errors.Is(err, errNoFullKey) {
		return errBatchSelectKey
	}
	return nil
}

var errBatchSelectKey = apierr.Validation("Select statements within BatchExecuteStatement must specify the primary key in the where clause.")

// addConsumed adds one member's ConsumedCapacity (asked for as INDEXES)
// to a batch's tally.
func addConsumed(tally *capacityTally, cc *api.ConsumedCapacity) {
	if cc == nil || cc.TableName == nil {
		return
	}
	base := floatOf(cc.CapacityUnits)
	if cc.Table != nil {
		base = floatOf(cc.Table.CapacityUnits)
	}
	tally.add(*cc.TableName, base)
	units := func(m map[string]api.Capacity) map[string]float64 {
		out := make(map[string]float64, len(m))
		for k, c := range m {
			out[k] = floatOf(c.CapacityUnits)
		}
		return out
	}
	tally.addIndexes(*cc.TableName, units(cc.GlobalSecondaryIndexes), units(cc.LocalSecondaryIndexes))
}

// batchErrorCodes maps an error's DynamoDB code to BatchStatementError's.
var batchErrorCodes = map[apierr.Code]string{
	apierr.ConditionalCheckFailedException:          "ConditionalCheckFailed",
	apierr.DuplicateItemException:                   "DuplicateItem",
	apierr.ValidationException:                      "ValidationError",
	apierr.ResourceNotFoundException:                "ResourceNotFound",
	apierr.ProvisionedThroughputExceededException:   "ProvisionedThroughputExceeded",
	apierr.TransactionConflictException:             "TransactionConflict",
	apierr.RequestLimitExceeded:                     "RequestLimitExceeded",
	apierr.ThrottlingException:                      "ThrottlingError",
	apierr.ItemCollectionSizeLimitExceededException: "ItemCollectionSizeLimitExceeded",
	apierr.AccessDeniedException:                    "AccessDenied",
}

// batchStatementError is a member's Error entry.
func batchStatementError(err error) *api.BatchStatementError {
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		return &api.BatchStatementError{Code: api.Ptr("InternalServerError"), Message: api.Ptr("Internal server error")}
	}
	code, ok := batchErrorCodes[ae.Code]
	if !ok {
		code = "InternalServerError"
	}
	e := &api.BatchStatementError{Code: &code, Message: &ae.Message}
	if it, ok := ae.Item.(attr.Item); ok {
		e.Item = it
	}
	return e
}

func floatOf(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
