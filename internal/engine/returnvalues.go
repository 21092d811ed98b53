package engine

// ReturnValues and ReturnValuesOnConditionCheckFailure: which ones each
// write operation accepts, and the attributes each one returns.

import (
	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
)

// ReturnValues values.
const (
	rvNone       = "NONE"
	rvAllOld     = "ALL_OLD"
	rvUpdatedOld = "UPDATED_OLD"
	rvAllNew     = "ALL_NEW"
	rvUpdatedNew = "UPDATED_NEW"
)

// checkReturnValuesOldOnly checks PutItem's and DeleteItem's ReturnValues:
// they have no new item to speak of, so only NONE and ALL_OLD make sense.
func checkReturnValuesOldOnly(rv *string) error {
	switch api.Str(rv) {
	case "", rvNone, rvAllOld:
		return nil
	}
	return apierr.Validation("ReturnValues can only be ALL_OLD or NONE")
}

// returnedAttributes returns the Attributes of a write's response: old and
// new are the item before and after (nil when absent), paths the paths an
// update changed (nil for Put and Delete).
func returnedAttributes(rv *string, old, new attr.Item, paths *expr.Projection) attr.Item {
	var out attr.Item
	switch api.Str(rv) {
	case rvAllOld:
		out = old
	case rvAllNew:
		out = new
	case rvUpdatedOld:
		if old != nil && paths != nil {
			out = paths.Apply(old)
		}
	case rvUpdatedNew:
		if new != nil && paths != nil {
			out = paths.Apply(new)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// conditionFailed returns DynamoDB's ConditionalCheckFailedException,
// carrying the existing item when the request asked for it with
// ReturnValuesOnConditionCheckFailure=ALL_OLD.
func conditionFailed(rvOnFailure *string, old attr.Item) error {
	e := apierr.New(apierr.ConditionalCheckFailedException, msgConditionFail)
	if api.Str(rvOnFailure) == rvAllOld && old != nil {
		e.Item = old
	}
	return e
}

// evalCondition evaluates a write's condition against the existing item
// (nil when absent); a nil condition always holds.
func evalCondition(c *expr.Condition, rvOnFailure *string, old attr.Item) error {
	if c == nil {
		return nil
	}
	ok, err := c.Eval(old)
	if err != nil {
		return err
	}
	if !ok {
		return conditionFailed(rvOnFailure, old)
	}
	return nil
}
