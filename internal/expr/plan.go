package expr

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// plan is what a request's expression texts, ExpressionAttributeNames,
// key schema and operation determine: the parsed ASTs with value
// placeholders left as references, every problem that does not depend on
// the values, and the checks that do. A plan is immutable once built, so
// Cache shares one between every request that differs only in its
// ExpressionAttributeValues; bind applies it to one request's values.
type plan struct {
	refs  refTable
	steps []step // one per expression parameter present, in DynamoDB's order

	// Problems found after every expression parsed, in the order DynamoDB
	// reports them (the unused-values check, which needs the values, sits
	// between unusedNames and post).
	unusedNames error
	post        error // the key condition's shape, then updates of key attributes
	filterErr   error // a Query filter on key attributes

	cond, filter *node
	key          *keyPlan
	proj         *Projection
	update       *Update // vals unset; paths computed
}

// step is one expression parameter's parse: a fatal error (syntax, size,
// nesting), or the checks that bind runs.
type step struct {
	param  string
	fatal  error
	checks []check
}

// check is one semantic rule of an expression, recorded in parse order.
// Exactly one of err, undefined and fn is set.
type check struct {
	prio      int
	err       error                         // a problem regardless of values
	undefined int                           // 1 + ref of a placeholder that must be defined
	fn        func(vals []attr.Value) error // a rule on the bound values
}

// refTable numbers the distinct value placeholders of a request in the
// order the parse meets them.
type refTable struct {
	names []string
	index map[string]int // placeholder → 1 + position in names
}

// ref returns the placeholder's reference, adding it when new.
func (r *refTable) ref(name string) int {
	if i, ok := r.index[name]; ok {
		return i
	}
	if r.index == nil {
		r.index = map[string]int{}
	}
	r.names = append(r.names, name)
	r.index[name] = len(r.names)
	return len(r.names)
}

// planRequest parses every expression of req. It never fails: problems are
// kept in the plan, because whether and which one DynamoDB reports may
// depend on the values, which bind sees.
func planRequest(req *Request, keys KeySchema) *plan {
	pl := &plan{}
	usedNames := map[string]bool{}
	var keyNode *node
	t := req.Trees // read only when set: the text path must not pay for trees
	steps := []struct {
		param string
		src   *string
		tree  bool // given as a tree, which lowerTree lowers
		parse func(*parser) error
	}{
		{"UpdateExpression", req.UpdateExpression, t != nil && t.Update != nil, func(p *parser) (err error) {
			pl.update, err = p.parseUpdate()
			return err
		}},
		{"ConditionExpression", req.ConditionExpression, t != nil && t.Condition != nil, func(p *parser) (err error) {
			pl.cond, err = p.parseCondition()
			return err
		}},
		{"KeyConditionExpression", req.KeyConditionExpression, t != nil && t.KeyCondition != nil, func(p *parser) (err error) {
			keyNode, err = p.parseCondition()
			return err
		}},
		{"FilterExpression", req.FilterExpression, t != nil && t.Filter != nil, func(p *parser) (err error) {
			pl.filter, err = p.parseCondition()
			return err
		}},
		{"ProjectionExpression", req.ProjectionExpression, t != nil && t.Projection != nil, func(p *parser) (err error) {
			pl.proj, err = p.parseProjection()
			return err
		}},
	}
	for _, s := range steps {
		if s.src == nil && !s.tree {
			continue
		}
		st := step{param: s.param}
		if s.tree {
			c := &checker{treeRefs: &pl.refs}
			if s.src != nil {
				st.fatal = bareError("Invalid " + s.param + ": the request gives the expression both as text and as a tree")
			} else if err := pl.lowerTree(c, s.param, t, &keyNode); err != nil {
				st.fatal = inParam(s.param, err)
			}
			st.checks = c.checks
			pl.steps = append(pl.steps, st)
			if st.fatal != nil {
				return pl
			}
			continue
		}
		src := *s.src
		switch {
		case src == "":
			st.fatal = bareError("Invalid " + s.param + ": The expression can not be empty;")
		case len(src) > maxExpressionSize:
			st.fatal = bareError("Invalid " + s.param + ": Expression size has exceeded the maximum allowed size; expression size: " + strconv.Itoa(len(src)))
		default:
			p := newParser(src, req.Names, usedNames, &pl.refs)
			if err := s.parse(p); err != nil {
				st.fatal = inParam(s.param, err)
			}
			st.checks = p.checks
		}
		pl.steps = append(pl.steps, st)
		if st.fatal != nil {
			// Later expressions are never reached.
			return pl
		}
	}
	if unused := unusedKeys(req.Names, usedNames); unused != "" {
		pl.unusedNames = bareError("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + unused + "}")
	}
	if keyNode != nil {
		var terms []keyTerm
		if err := keyTerms(keyNode, &terms); err != nil {
			pl.post = err
		} else if pl.key, err = buildKeyCondition(terms, keys); err != nil {
			pl.post = err
		}
	}
	if pl.update != nil {
		if err := pl.update.checkKeys(keys, false); err != nil && pl.post == nil {
			pl.post = err
		}
		pl.update.paths = pl.update.changedPaths()
	}
	if pl.filter != nil {
		pl.filterErr = checkQueryFilter(req, keys, &Condition{root: pl.filter}, pl.key != nil)
	}
	return pl
}

// lowerTree lowers the tree that t gives for param into pl, or for the
// key condition into *keyNode, as the parse functions do for text. It is
// a switch rather than one more closure per step so that requests without
// trees allocate nothing for them.
func (pl *plan) lowerTree(c *checker, param string, t *Trees, keyNode **node) (err error) {
	switch param {
	case "UpdateExpression":
		pl.update, err = c.lowerUpdate(t.Update)
	case "ConditionExpression":
		pl.cond, err = c.lowerCondition(t.Condition)
	case "KeyConditionExpression":
		*keyNode, err = c.lowerCondition(t.KeyCondition)
	case "FilterExpression":
		pl.filter, err = c.lowerCondition(t.Filter)
	case "ProjectionExpression":
		pl.proj, err = c.lowerProjection(t.Projection)
	}
	return err
}

// inParam prefixes an expression's problem with the parameter it is in,
// as DynamoDB does, unless the message stands alone.
func inParam(param string, err error) error {
	var ee *exprError
	if errors.As(err, &ee) && !ee.bare {
		return bareError("Invalid " + param + ": " + ee.msg)
	}
	return err
}

// boundRequest holds what bind produces for one request, so that a request
// costs one allocation when it has few placeholders (and a Query one more,
// for its key condition).
type boundRequest struct {
	out    Compiled
	cond   Condition
	filter Condition
	update Update
	vals   [smallValues]attr.Value
}

// boundKey is a Query's key condition with room for its sort-key values.
type boundKey struct {
	key       KeyCondition
	rangeVals [2]attr.Value
}

// smallValues is how many placeholders fit in boundRequest without a
// second allocation.
const smallValues = 4

// bind applies the plan to one request: the parameter rules, the checks
// that need the values in DynamoDB's order of reporting, and then the
// compiled request with the values in place. Legacy parameters, which no
// plan holds, are translated here.
func (pl *plan) bind(req *Request, keys KeySchema) (*Compiled, error) {
	c, err := pl.bindValues(req, keys)
	if err != nil {
		var ee *exprError
		if errors.As(err, &ee) {
			return nil, apierr.Validation(ee.msg)
		}
		return nil, err
	}
	return c, nil
}

func (pl *plan) bindValues(req *Request, keys KeySchema) (*Compiled, error) {
	if err := checkParams(req); err != nil {
		return nil, err
	}
	b := &boundRequest{}
	var vals []attr.Value
	if n := len(pl.refs.names); n <= smallValues {
		vals = b.vals[:n]
	} else {
		vals = make([]attr.Value, n)
	}
	found := 0
	var missing []bool
	for i, name := range pl.refs.names {
		v, ok := req.Values[name]
		if !ok {
			if missing == nil {
				missing = make([]bool, len(vals))
			}
			missing[i] = true
			continue
		}
		vals[i] = v
		found++
	}
	for _, st := range pl.steps {
		if st.fatal != nil {
			return nil, st.fatal
		}
		if err := pl.runChecks(st.checks, vals, missing); err != nil {
			return nil, inParam(st.param, err)
		}
	}
	if pl.unusedNames != nil {
		return nil, pl.unusedNames
	}
	if found != len(req.Values) {
		var unused []string
		for k := range req.Values {
			if pl.refs.index[k] == 0 {
				unused = append(unused, k)
			}
		}
		sort.Strings(unused)
		return nil, bareError("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	if pl.post != nil {
		return nil, pl.post
	}
	out := &b.out
	if pl.cond != nil {
		b.cond = Condition{root: pl.cond, vals: vals}
		out.Condition = &b.cond
	}
	if pl.filter != nil {
		b.filter = Condition{root: pl.filter, vals: vals}
		out.Filter = &b.filter
	}
	if pl.key != nil {
		bk := &boundKey{}
		pl.key.bind(vals, &bk.key, bk.rangeVals[:])
		out.Key = &bk.key
	}
	out.Projection = pl.proj
	if pl.update != nil {
		b.update = *pl.update
		b.update.vals = vals
		out.Update = &b.update
	}
	if !hasLegacy(req) {
		if pl.filterErr != nil {
			return nil, pl.filterErr
		}
		return out, nil
	}
	if err := compileLegacy(req, keys, out); err != nil {
		return nil, err
	}
	if err := checkQueryFilter(req, keys, out.Filter, out.Key != nil); err != nil {
		return nil, err
	}
	return out, nil
}

// runChecks returns the problem DynamoDB reports among one expression's
// checks: the first of the highest priority.
func (pl *plan) runChecks(checks []check, vals []attr.Value, missing []bool) error {
	var best error
	bestPrio := 0
	for i := range checks {
		c := &checks[i]
		if best != nil && c.prio >= bestPrio {
			continue
		}
		var err error
		switch {
		case c.err != nil:
			err = c.err
		case c.undefined > 0:
			if missing != nil && missing[c.undefined-1] {
				err = &exprError{msg: "An expression attribute value used in expression is not defined; attribute value: " + pl.refs.names[c.undefined-1]}
			}
		default:
			err = c.fn(vals)
		}
		if err != nil {
			best, bestPrio = err, c.prio
		}
	}
	return best
}

func hasLegacy(r *Request) bool {
	return r.Expected != nil || r.ConditionalOperator != nil || r.KeyConditions != nil ||
		r.QueryFilter != nil || r.ScanFilter != nil || r.AttributesToGet != nil || r.AttributeUpdates != nil
}
