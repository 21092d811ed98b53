package expr

import (
	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// Request is every expression-related parameter of one DynamoDB request.
// Fields a given operation does not have stay nil.
type Request struct {
	ConditionExpression    *string
	FilterExpression       *string
	KeyConditionExpression *string
	ProjectionExpression   *string
	UpdateExpression       *string
	Names                  map[string]string
	Values                 attr.Item

	// Trees gives expressions as built syntax trees (tree.go) instead of
	// text, for callers such as the PartiQL planner. A tree stands for the
	// expression parameter it is named after and follows its rules and
	// messages; that parameter's text must then be nil.
	Trees *Trees

	// Operation is the DynamoDB operation ("PutItem", "UpdateItem",
	// "Query", ...). It is optional; it selects the operation-specific
	// messages for values given without an expression and for a Query
	// without a key condition.
	Operation string

	// Legacy parameters.
	Expected            map[string]api.ExpectedAttributeValue
	ConditionalOperator *string
	KeyConditions       map[string]api.Condition
	QueryFilter         map[string]api.Condition
	ScanFilter          map[string]api.Condition
	AttributesToGet     []string
	AttributeUpdates    map[string]api.AttributeValueUpdate
}

// KeySchema names the key attributes of the table or index a request
// addresses. Key conditions are checked against it, and update expressions
// may not touch the table's key attributes.
type KeySchema struct {
	Hash  string
	Range string // "" when there is no sort key

	// Hashes and Ranges name every partition and sort key attribute of a
	// multi-attribute GSI key, in KeySchema order (keycond_multi.go). They
	// are left nil for a single-attribute key; when set, Hash and Range
	// should be their first elements.
	Hashes []string
	Ranges []string
}

// Compiled is a request's parsed expressions. A nil field means the request
// had no such expression.
type Compiled struct {
	Condition  *Condition
	Filter     *Condition
	Key        *KeyCondition
	Projection *Projection
	Update     *Update
}

// RangeOp is the comparison a key condition applies to the sort key.
type RangeOp uint8

// The sort-key comparisons a key condition allows.
const (
	RangeNone RangeOp = iota
	RangeEQ
	RangeLT
	RangeLE
	RangeGT
	RangeGE
	RangeBetween
	RangeBeginsWith
)

// KeyCondition is a Query's key condition reduced to what the engine needs
// to seek: one partition key value and an optional sort-key comparison.
type KeyCondition struct {
	HashName    string
	Hash        attr.Value
	RangeName   string // "" when the condition does not mention the sort key
	RangeOp     RangeOp
	RangeValues []attr.Value // one value, or two for RangeBetween

	// Multi is set, and the fields above are not, when the key schema is a
	// multi-attribute one (KeySchema.Hashes or Ranges set).
	Multi *MultiKeyCondition
}
