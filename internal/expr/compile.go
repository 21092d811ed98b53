package expr

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// maxExpressionSize is the longest expression DynamoDB accepts, in bytes.
const maxExpressionSize = 4096 // 4 KB

// valueExpressions lists, per operation, the expression parameters that
// may use ExpressionAttributeValues; DynamoDB names them when values are
// given without any of them.
var valueExpressions = map[string][]string{
	"PutItem":        {"ConditionExpression"},
	"DeleteItem":     {"ConditionExpression"},
	"ConditionCheck": {"ConditionExpression"},
	"UpdateItem":     {"UpdateExpression", "ConditionExpression"},
	"Query":          {"FilterExpression", "KeyConditionExpression"},
	"Scan":           {"FilterExpression"},
}

// Compile parses and checks every expression of one request. It is
// planRequest followed by bind; Cache.Compile keeps the plan and repeats
// only the bind.
func Compile(req *Request, keys KeySchema) (*Compiled, error) {
	return planRequest(req, keys).bind(req, keys)
}

// checkQueryFilter refuses a Query filter on the key attributes: those
// belong in the key condition.
func checkQueryFilter(req *Request, keys KeySchema, filter *Condition, hasKey bool) error {
	if filter == nil || (req.Operation != "Query" && !hasKey) || (req.Trees != nil && req.Trees.FilterOnKey) {
		return nil
	}
	param := "Filter Expression"
	if req.QueryFilter != nil {
		param = "QueryFilter"
	}
	for _, name := range filter.TopLevel() {
		if name == keys.Hash || (keys.Range != "" && name == keys.Range) || keys.isMultiKeyAttr(name) {
			return bareError(param + " can only contain non-primary key attributes: Primary key attribute: " + name)
		}
	}
	return nil
}

// compileLegacy translates the legacy parameters into the same AST.
func compileLegacy(req *Request, keys KeySchema, out *Compiled) error {
	var err error
	if req.Expected != nil {
		if out.Condition, err = compileExpected(req.Expected, req.ConditionalOperator); err != nil {
			return err
		}
	}
	filter := req.QueryFilter
	if filter == nil {
		filter = req.ScanFilter
	}
	if filter != nil {
		if out.Filter, err = compileFilter(filter, req.ConditionalOperator); err != nil {
			return err
		}
	}
	if req.KeyConditions != nil && out.Key == nil {
		kp, err := compileKeyConditions(req.KeyConditions, keys)
		if err != nil {
			return err
		}
		out.Key = &KeyCondition{}
		kp.bind(nil, out.Key, make([]attr.Value, 2))
	}
	if req.AttributesToGet != nil {
		if out.Projection, err = compileAttributesToGet(req.AttributesToGet); err != nil {
			return err
		}
	}
	if req.AttributeUpdates != nil {
		if out.Update, err = compileAttributeUpdates(req.AttributeUpdates, keys); err != nil {
			return err
		}
	}
	return nil
}

func unusedKeys[V any](m map[string]V, used map[string]bool) string {
	var unused []string
	for k := range m {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	sort.Strings(unused)
	return strings.Join(unused, ", ")
}

// checkParams applies DynamoDB's rules on which parameters may appear
// together, before any expression is parsed. It runs on every request, so
// it allocates only to build an error message.
func checkParams(req *Request) error {
	t := req.Trees
	exprs := [...]struct {
		name string
		set  bool
	}{
		{"UpdateExpression", req.UpdateExpression != nil || t != nil && t.Update != nil},
		{"ConditionExpression", req.ConditionExpression != nil || t != nil && t.Condition != nil},
		{"KeyConditionExpression", req.KeyConditionExpression != nil || t != nil && t.KeyCondition != nil},
		{"FilterExpression", req.FilterExpression != nil || t != nil && t.Filter != nil},
		{"ProjectionExpression", req.ProjectionExpression != nil || t != nil && t.Projection != nil},
	}
	legacy := [...]struct {
		name string
		set  bool
	}{
		{"AttributesToGet", req.AttributesToGet != nil},
		{"AttributeUpdates", req.AttributeUpdates != nil},
		{"Expected", req.Expected != nil},
		// KeyConditions may accompany other expressions, just not
		// KeyConditionExpression.
		{"KeyConditions", req.KeyConditions != nil && (req.KeyConditionExpression != nil || t != nil && t.KeyCondition != nil)},
		{"QueryFilter", req.QueryFilter != nil},
		{"ScanFilter", req.ScanFilter != nil},
		{"ConditionalOperator", req.ConditionalOperator != nil},
	}
	nExprs, nLegacy := 0, 0
	for _, p := range exprs {
		if p.set {
			nExprs++
		}
	}
	for _, p := range legacy {
		if p.set {
			nLegacy++
		}
	}
	if nExprs > 0 && nLegacy > 0 {
		var e, l []string
		for _, p := range exprs {
			if p.set {
				e = append(e, p.name)
			}
		}
		for _, p := range legacy {
			if p.set {
				l = append(l, p.name)
			}
		}
		return bareError("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {" +
			strings.Join(l, ", ") + "} Expression parameters: {" + strings.Join(e, ", ") + "}")
	}
	if req.ConditionalOperator != nil {
		// ConditionalOperator joins two or more legacy conditions; DynamoDB
		// refuses it with nothing or one thing to join.
		n := -1
		switch {
		case req.Expected != nil:
			n = len(req.Expected)
		case req.QueryFilter != nil:
			n = len(req.QueryFilter)
		case req.ScanFilter != nil:
			n = len(req.ScanFilter)
		}
		switch {
		case n < 0:
			return bareError("ConditionalOperator cannot be used without Filter or Expected")
		case n < 2:
			return bareError("ConditionalOperator can only be used when Filter or Expected has two or more elements")
		}
	}
	if req.Names != nil && nExprs == 0 {
		return bareError("ExpressionAttributeNames can only be specified when using expressions")
	}
	if req.Values != nil {
		if list := valueExpressions[req.Operation]; len(list) > 0 {
			none := true
			for _, e := range list {
				for _, x := range exprs {
					none = none && !(x.set && x.name == e)
				}
			}
			if none {
				verb := "is"
				if len(list) > 1 {
					verb = "are"
				}
				return bareError("ExpressionAttributeValues can only be specified when using expressions: " + strings.Join(list, " and ") + " " + verb + " null")
			}
		}
	}
	if req.Operation == "Query" && req.KeyConditions == nil && !exprs[2].set {
		return bareError("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	if req.Names != nil {
		if len(req.Names) == 0 {
			return bareError("ExpressionAttributeNames must not be empty")
		}
		if k, bad := firstLongKey(req.Names); bad {
			return bareError("ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: " + strconv.Itoa(len(k)))
		}
		if k, bad := firstInvalidKey(req.Names, '#'); bad {
			return bareError(`ExpressionAttributeNames contains invalid key: Syntax error; key: "` + k + `"`)
		}
		if k, bad := firstEmptyName(req.Names); bad {
			return bareError("ExpressionAttributeNames contains invalid value: Empty attribute name for key " + k)
		}
		if err := longName(req.Names); err != nil {
			// The service's answer to SET #n with a 65 536-byte name
			// (docs/validation.md, Attribute names): the item rule's
			// message, without the placeholder.
			return bareError(validationMessage(err))
		}
	}
	if req.Values != nil {
		if len(req.Values) == 0 {
			return bareError("ExpressionAttributeValues must not be empty")
		}
		if _, bad := firstLongKey(req.Values); bad {
			return bareError("ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;")
		}
		if k, bad := firstInvalidKey(req.Values, ':'); bad {
			return bareError(`ExpressionAttributeValues contains invalid key: Syntax error; key: "` + k + `"`)
		}
		if k, msg := firstInvalidValue(req.Values); msg != "" {
			return bareError("ExpressionAttributeValues contains invalid value: " + msg + " for key " + k)
		}
	}
	return nil
}

// firstInvalidValue returns the first placeholder, in sorted order, whose
// value an item could not hold, and why (attr.Value.Validate's message: an
// empty value, a malformed or out-of-range number, an empty set...).
// DynamoDB checks values as it checks items, after the placeholders' names
// and before any expression is parsed, so a value no item may hold never
// reaches a comparison or an update.
func firstInvalidValue(values attr.Item) (key, msg string) {
	for k, v := range values {
		if key != "" && k >= key {
			continue
		}
		if err := v.Validate(); err != nil {
			key, msg = k, validationMessage(err)
		}
	}
	return key, msg
}

// validationMessage is the message of attr's ValidationException.
func validationMessage(err error) string {
	if ae, ok := errors.AsType[*apierr.Error](err); ok {
		return ae.Message
	}
	return err.Error()
}

// firstInvalidKey returns the first key of m, in sorted order, that is not
// a valid placeholder starting with lead. DynamoDB reports that one.
func firstInvalidKey[V any](m map[string]V, lead byte) (string, bool) {
	first, bad := "", false
	for k := range m {
		if !validPlaceholder(k, lead) && (!bad || k < first) {
			first, bad = k, true
		}
	}
	return first, bad
}

// maxPlaceholderLen is the longest placeholder (#name or :value, its
// prefix included) DynamoDB accepts, in bytes. A longer one is refused
// before the placeholders' syntax is checked, in the words of DynamoDB
// Local's PARAMETER_MAP_KEY_SIZE_EXCEEDED as the service answers them
// (docs/validation.md, Attribute names).
const maxPlaceholderLen = 255

// firstLongKey returns the first key of m, in sorted order, longer than
// maxPlaceholderLen bytes.
func firstLongKey[V any](m map[string]V) (string, bool) {
	first, bad := "", false
	for k := range m {
		if len(k) > maxPlaceholderLen && (!bad || k < first) {
			first, bad = k, true
		}
	}
	return first, bad
}

// longName returns attr.ValidateName's error for a placeholder that stands
// for a name longer than an item may hold (attr.MaxNameLen bytes of
// UTF-8), or nil.
func longName(m map[string]string) error {
	for _, v := range m {
		if len(v) > attr.MaxNameLen {
			return attr.ValidateName(v)
		}
	}
	return nil
}

// firstEmptyName returns the first placeholder, in sorted order, that
// stands for an empty attribute name.
func firstEmptyName(m map[string]string) (string, bool) {
	first, bad := "", false
	for k, v := range m {
		if v == "" && (!bad || k < first) {
			first, bad = k, true
		}
	}
	return first, bad
}

func validPlaceholder(k string, lead byte) bool {
	if len(k) < 2 || k[0] != lead {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isIdentPart(k[i]) {
			return false
		}
	}
	return true
}
