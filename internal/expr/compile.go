package expr

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/dynago/dynago/internal/apierr"
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

// Compile parses and checks every expression of one request.
func Compile(req *Request, keys KeySchema) (*Compiled, error) {
	c, err := compile(req, keys)
	if err != nil {
		var ee *exprError
		if errors.As(err, &ee) {
			return nil, apierr.Validation(ee.msg)
		}
		return nil, err
	}
	return c, nil
}

func compile(req *Request, keys KeySchema) (*Compiled, error) {
	if err := checkParams(req); err != nil {
		return nil, err
	}
	usedNames := map[string]bool{}
	usedValues := map[string]bool{}
	out := &Compiled{}
	parse := func(param string, src *string, fn func(*parser) error) error {
		if src == nil {
			return nil
		}
		if *src == "" {
			return bareError("Invalid " + param + ": The expression can not be empty;")
		}
		if len(*src) > maxExpressionSize {
			return bareError("Invalid " + param + ": Expression size has exceeded the maximum allowed size; expression size: " + strconv.Itoa(len(*src)))
		}
		p := newParser(*src, req.Names, req.Values, usedNames, usedValues)
		if err := fn(p); err != nil {
			var ee *exprError
			if errors.As(err, &ee) && !ee.bare {
				return bareError("Invalid " + param + ": " + ee.msg)
			}
			return err
		}
		return nil
	}
	var keyNode *node
	steps := []struct {
		param string
		src   *string
		fn    func(*parser) error
	}{
		{"UpdateExpression", req.UpdateExpression, func(p *parser) (err error) {
			out.Update, err = p.parseUpdate()
			return err
		}},
		{"ConditionExpression", req.ConditionExpression, func(p *parser) error {
			n, err := p.parseCondition()
			out.Condition = &Condition{root: n}
			return err
		}},
		{"KeyConditionExpression", req.KeyConditionExpression, func(p *parser) (err error) {
			keyNode, err = p.parseCondition()
			return err
		}},
		{"FilterExpression", req.FilterExpression, func(p *parser) error {
			n, err := p.parseCondition()
			out.Filter = &Condition{root: n}
			return err
		}},
		{"ProjectionExpression", req.ProjectionExpression, func(p *parser) (err error) {
			out.Projection, err = p.parseProjection()
			return err
		}},
	}
	for _, s := range steps {
		if err := parse(s.param, s.src, s.fn); err != nil {
			return nil, err
		}
	}
	if unused := unusedKeys(req.Names, usedNames); unused != "" {
		return nil, bareError("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + unused + "}")
	}
	if unused := unusedKeys(req.Values, usedValues); unused != "" {
		return nil, bareError("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + unused + "}")
	}
	if keyNode != nil {
		var terms []keyTerm
		if err := keyTerms(keyNode, &terms); err != nil {
			return nil, err
		}
		kc, err := buildKeyCondition(terms, keys)
		if err != nil {
			return nil, err
		}
		out.Key = kc
	}
	if out.Update != nil {
		if err := out.Update.checkKeys(keys, false); err != nil {
			return nil, err
		}
	}
	if err := compileLegacy(req, keys, out); err != nil {
		return nil, err
	}
	if err := checkQueryFilter(req, keys, out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkQueryFilter refuses a Query filter on the key attributes: those
// belong in the key condition.
func checkQueryFilter(req *Request, keys KeySchema, out *Compiled) error {
	if out.Filter == nil || (req.Operation != "Query" && out.Key == nil) {
		return nil
	}
	param := "Filter Expression"
	if req.QueryFilter != nil {
		param = "QueryFilter"
	}
	for _, name := range out.Filter.TopLevel() {
		if name == keys.Hash || (keys.Range != "" && name == keys.Range) {
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
		if out.Key, err = compileKeyConditions(req.KeyConditions, keys); err != nil {
			return err
		}
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
// together, before any expression is parsed.
func checkParams(req *Request) error {
	var exprs, legacy []string
	for _, p := range []struct {
		name string
		set  bool
	}{
		{"UpdateExpression", req.UpdateExpression != nil},
		{"ConditionExpression", req.ConditionExpression != nil},
		{"KeyConditionExpression", req.KeyConditionExpression != nil},
		{"FilterExpression", req.FilterExpression != nil},
		{"ProjectionExpression", req.ProjectionExpression != nil},
	} {
		if p.set {
			exprs = append(exprs, p.name)
		}
	}
	for _, p := range []struct {
		name string
		set  bool
	}{
		{"AttributesToGet", req.AttributesToGet != nil},
		{"AttributeUpdates", req.AttributeUpdates != nil},
		{"Expected", req.Expected != nil},
		// KeyConditions may accompany other expressions, just not
		// KeyConditionExpression.
		{"KeyConditions", req.KeyConditions != nil && req.KeyConditionExpression != nil},
		{"QueryFilter", req.QueryFilter != nil},
		{"ScanFilter", req.ScanFilter != nil},
		{"ConditionalOperator", req.ConditionalOperator != nil},
	} {
		if p.set {
			legacy = append(legacy, p.name)
		}
	}
	if len(exprs) > 0 && len(legacy) > 0 {
		return bareError("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {" +
			strings.Join(legacy, ", ") + "} Expression parameters: {" + strings.Join(exprs, ", ") + "}")
	}
	if req.Names != nil && len(exprs) == 0 {
		return bareError("ExpressionAttributeNames can only be specified when using expressions")
	}
	if req.Values != nil {
		if list := valueExpressions[req.Operation]; len(list) > 0 {
			none := true
			for _, e := range list {
				for _, x := range exprs {
					none = none && x != e
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
	if req.Operation == "Query" && req.KeyConditions == nil && req.KeyConditionExpression == nil {
		return bareError("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	if req.Names != nil {
		if len(req.Names) == 0 {
			return bareError("ExpressionAttributeNames must not be empty")
		}
		for _, k := range sortedKeys(req.Names) {
			if !validPlaceholder(k, '#') {
				return bareError(`ExpressionAttributeNames contains invalid key: Syntax error; key: "` + k + `"`)
			}
		}
	}
	if req.Values != nil {
		if len(req.Values) == 0 {
			return bareError("ExpressionAttributeValues must not be empty")
		}
		for _, k := range sortedKeys(req.Values) {
			if !validPlaceholder(k, ':') {
				return bareError(`ExpressionAttributeValues contains invalid key: Syntax error; key: "` + k + `"`)
			}
		}
	}
	return nil
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
