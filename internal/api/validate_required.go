package api

// DynamoDB answers some missing members with a sentence of their own
// rather than the generic "Value null at '...' failed to satisfy
// constraint: Member must not be null", and it does so before it checks
// any other constraint of the request: the table operations of the control
// plane name a missing TableName, and the batch operations a missing or
// empty RequestItems (dynalite's validations record these answers; the
// conformance captures of 2026 show most regions still give them).

import (
	"reflect"

	"github.com/dynago/dynago/internal/apierr"
)

// requiredRule is one member whose absence has its own sentence.
type requiredRule struct {
	member  string // the member's name in the model
	empty   bool   // an empty map counts as absent
	message string
}

// requiredRules lists, by operation, the members whose absence DynamoDB
// reports with its own sentence.
var requiredRules = map[string]requiredRule{
	"CreateTable":    {member: "TableName", message: "The parameter 'TableName' is required but was not present in the request"},
	"DescribeTable":  {member: "TableName", message: "The parameter 'TableName' is required but was not present in the request"},
	"DeleteTable":    {member: "TableName", message: "The parameter 'TableName' is required but was not present in the request"},
	"UpdateTable":    {member: "TableName", message: "The parameter 'TableName' is required but was not present in the request"},
	"BatchGetItem":   {member: "RequestItems", empty: true, message: "The requestItems parameter is required for BatchGetItem"},
	"BatchWriteItem": {member: "RequestItems", empty: true, message: "The requestItems parameter is required for BatchWriteItem"},
}

// requiredSentence returns op's own sentence when in, the input of shape
// id, lacks the member the sentence is about.
func requiredSentence(op string, id shapeID, in reflect.Value) error {
	rule, ok := requiredRules[op]
	if !ok {
		return nil
	}
	for in.Kind() == reflect.Pointer {
		if in.IsNil() {
			return apierr.Validation(rule.message)
		}
		in = in.Elem()
	}
	for _, m := range shapeRules[id].members {
		if m.name != rule.member {
			continue
		}
		fv := in.Field(m.field)
		if isNull(fv) || (rule.empty && fv.Kind() == reflect.Map && fv.Len() == 0) {
			return apierr.Validation(rule.message)
		}
		return nil
	}
	return nil
}
