package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/partiql"
)

// A SELECT that decomposes into several reads (partiql_decompose.go) runs
// them one after another: in the order the WHERE names them, or by the
// partition key value when ORDER BY names it. Limit counts the items read
// across them; a page ends where a read stops early (its Limit or its 1 MB
// page) or where the Limit runs out between reads, and its NextToken says
// which read resumes and from which key. Each read is admitted and charged
// as the single GetItem or Query would be; ConsumedCapacity sums them.
//
// A page holds at most multiReadPage items: the guide's IN operator
// "Results are returned in pages of up to 10 items. If the IN list
// contains more values, you must use the NextToken"; an OR of partition
// keys decomposes the same way and is paged the same.

// multiReadPage is how many items one page of a decomposed SELECT holds.
const multiReadPage = 10

// multiToken is the NextToken of a decomposed SELECT.
type multiToken struct {
	Read int       `json:"r"`           // the read to resume
	Key  attr.Item `json:"k,omitempty"` // its ExclusiveStartKey; nil: from the start
}

// boundRead is one read of a decomposed SELECT with its key values bound.
type boundRead struct {
	b      *readBranch
	hv, rv attr.Value // rv only for a single-item read
	rng    sortRange  // the sort-key values the read can return
	// loose: the read's filter names the sort key (NOT sk = v, sk <> v,
	// a second sort-key condition), so its sort-key range is wider than
	// what it can return.
	loose bool
}

var errOverlap = apierr.Validation("Overlapping conditions with range keys are not supported in where clause")

// bindReads binds each read's key values, checks the reads of one
// partition against each other, and puts them in the order they run.
//
// Reads of one partition must not overlap on the sort key: two whose
// ranges share a value are "Overlapping conditions with range keys are
// not supported in where clause" (captured: pk IN ['a', 'a'], a branch
// without sort-key condition beside one with, sk > '0' OR sk < '5' as two
// branches), while disjoint ranges (sk < 5 OR sk > 10) run as one Query
// each. A read whose filter names the sort key is not refused (captured:
// pk = 'a' AND NOT sk = '1' OR pk = 'a' AND sk = '2' runs, and returns
// each item once); such a partition's reads run as one Query whose filter
// is the OR of theirs, which returns what their union does.
func (l *lowerer) bindReads(p *selectPlan) ([]boundRead, error) {
	out := make([]boundRead, len(p.branches))
	merge := false
	for i := range p.branches {
		b := &p.branches[i]
		hv, err := l.constant(b.hash)
		if err != nil {
			return nil, err
		}
		r := boundRead{b: b, hv: hv, rng: sortRange{}}
		if b.rangeEq != nil {
			if r.rv, err = l.constant(b.rangeEq); err != nil {
				return nil, err
			}
		}
		if b.rangeCond != nil {
			if r.rng, err = l.sortRangeOf(b.rangeCond, p.rng); err != nil {
				return nil, err
			}
		}
		r.loose = p.rng != "" && mentions(b.rest, p.rng)
		for _, o := range out[:i] {
			if !attr.Equal(o.hv, hv) {
				continue
			}
			if o.loose || r.loose {
				merge = true
				continue
			}
			if o.rng.overlaps(r.rng) {
				return nil, errOverlap
			}
		}
		out[i] = r
	}
	if merge {
		out = mergeLoose(out)
	}
	if p.byHash {
		cmp := func(a, b attr.Value) int {
			c, _ := attr.Compare(a, b)
			return c
		}
		slices.SortStableFunc(out, func(a, b boundRead) int {
			c := cmp(a.hv, b.hv)
			if c == 0 {
				// One partition's reads do not overlap: order them by
				// where their ranges start.
				c = a.rng.compareLow(b.rng)
				if p.forward != nil && !*p.forward {
					c = -c
				}
				return c
			}
			if p.hashDesc {
				c = -c
			}
			return c
		})
	}
	return out, nil
}

// mergeLoose replaces the reads of each partition that has a loose read
// by one Query, at the place of the partition's first read, whose filter
// is the OR of each read's sort-key condition and filter.
func mergeLoose(reads []boundRead) []boundRead {
	out := make([]boundRead, 0, len(reads))
	done := make([]bool, len(reads))
	for i, r := range reads {
		if done[i] {
			continue
		}
		group := []int{i}
		loose := r.loose
		for j := i + 1; j < len(reads); j++ {
			if !done[j] && attr.Equal(reads[j].hv, r.hv) {
				group = append(group, j)
				loose = loose || reads[j].loose
			}
		}
		if !loose || len(group) == 1 {
			out = append(out, r)
			continue
		}
		var filter partiql.Expr
		all := false
		for _, j := range group {
			done[j] = true
			b := reads[j].b
			var conj partiql.Expr
			for _, c := range append([]partiql.Expr{b.rangeCond}, b.rest...) {
				switch {
				case c == nil:
				case conj == nil:
					conj = c
				default:
					conj = &partiql.Binary{Pos: c.Position(), Op: partiql.OpAnd, L: conj, R: c}
				}
			}
			switch {
			case conj == nil:
				all = true
			case filter == nil:
				filter = conj
			default:
				filter = &partiql.Binary{Pos: conj.Position(), Op: partiql.OpOr, L: filter, R: conj}
			}
		}
		m := &readBranch{hash: r.b.hash}
		if !all {
			m.rest = []partiql.Expr{filter}
		}
		out = append(out, boundRead{b: m, hv: r.hv})
	}
	return out
}

// mentions reports whether any of es names the attribute name.
func mentions(es []partiql.Expr, name string) bool {
	found := false
	for _, e := range es {
		partiql.Walk(e, func(n partiql.Node) bool {
			if id, ok := n.(*partiql.Ident); ok && id.Name == name {
				found = true
			}
			return !found
		})
	}
	return found
}

// sortRange is the sort-key values a read can return: from lo to hi, each
// end included or not, nil for no bound. An unknown range (a condition
// whose values a Query refuses, such as begins_with on a number, or
// values of two types) overlaps nothing: the read's own Query reports
// what is wrong with it.
type sortRange struct {
	lo, hi     *attr.Value
	loIn, hiIn bool
	unknown    bool
}

// sortRangeOf binds a sort-key condition (isSortKeyCond) to its range.
func (l *lowerer) sortRangeOf(c partiql.Expr, rng string) (sortRange, error) {
	switch c := c.(type) {
	case *partiql.Binary:
		op, v := c.Op, c.R
		if !isName(c.L, rng) {
			v = c.L
			op = map[partiql.BinaryOp]partiql.BinaryOp{partiql.OpLt: partiql.OpGt, partiql.OpLe: partiql.OpGe,
				partiql.OpGt: partiql.OpLt, partiql.OpGe: partiql.OpLe, partiql.OpEq: partiql.OpEq}[op]
		}
		x, err := l.constant(v)
		if err != nil {
			return sortRange{}, err
		}
		switch op {
		case partiql.OpEq:
			return sortRange{lo: &x, hi: &x, loIn: true, hiIn: true}, nil
		case partiql.OpLt, partiql.OpLe:
			return sortRange{hi: &x, hiIn: op == partiql.OpLe}, nil
		case partiql.OpGt, partiql.OpGe:
			return sortRange{lo: &x, loIn: op == partiql.OpGe}, nil
		}
	case *partiql.Between:
		lo, err := l.constant(c.Lo)
		if err != nil {
			return sortRange{}, err
		}
		hi, err := l.constant(c.Hi)
		if err != nil {
			return sortRange{}, err
		}
		if k, ok := attr.Compare(lo, hi); !ok || k > 0 {
			return sortRange{unknown: true}, nil
		}
		return sortRange{lo: &lo, hi: &hi, loIn: true, hiIn: true}, nil
	case *partiql.Call:
		x, err := l.constant(c.Args[1])
		if err != nil {
			return sortRange{}, err
		}
		var prefix []byte
		switch x.Type {
		case attr.TypeS:
			prefix = []byte(x.S)
		case attr.TypeB:
			prefix = x.B
		default:
			return sortRange{unknown: true}, nil
		}
		r := sortRange{lo: &x, loIn: true}
		// The values that begin with prefix end before prefix with its
		// last byte below 0xff incremented (and what follows dropped).
		for i := len(prefix) - 1; i >= 0; i-- {
			if prefix[i] < 0xff {
				end := append(append([]byte(nil), prefix[:i]...), prefix[i]+1)
				hi := attr.Value{Type: x.Type}
				if x.Type == attr.TypeS {
					hi.S = string(end)
				} else {
					hi.B = end
				}
				r.hi = &hi
				break
			}
		}
		return r, nil
	}
	return sortRange{unknown: true}, nil
}

// overlaps reports whether r and o share a value.
func (r sortRange) overlaps(o sortRange) bool {
	if r.unknown || o.unknown {
		return false
	}
	return !endsBefore(r, o) && !endsBefore(o, r)
}

// endsBefore reports whether every value of a is below every value of b.
// Bounds of different types cannot be compared: the reads' Queries refuse
// them, so they count as apart.
func endsBefore(a, b sortRange) bool {
	if a.hi == nil || b.lo == nil {
		return false
	}
	c, ok := attr.Compare(*a.hi, *b.lo)
	return !ok || c < 0 || (c == 0 && !(a.hiIn && b.loIn))
}

// compareLow orders two disjoint ranges by where they start.
func (r sortRange) compareLow(o sortRange) int {
	switch {
	case r.lo == nil && o.lo == nil:
		return 0
	case r.lo == nil:
		return -1
	case o.lo == nil:
		return 1
	}
	c, _ := attr.Compare(*r.lo, *o.lo)
	return c
}

// partiqlMultiRead runs a decomposed SELECT's reads for one page.
func (db *DB) partiqlMultiRead(ctx context.Context, in *api.ExecuteStatementInput, l *lowerer, p *selectPlan) (*api.ExecuteStatementOutput, error) {
	reads, err := l.bindReads(p)
	if err != nil {
		return nil, err
	}
	tok, err := multiStart(in.NextToken, len(reads))
	if err != nil {
		return nil, err
	}
	var remaining int64 = -1
	if in.Limit != nil {
		remaining = *in.Limit
	}
	sub := *in
	sub.ReturnConsumedCapacity = api.Ptr(capacityIndexes)
	var tally capacityTally
	items := []attr.Item{}
	var next *multiToken
	for i := tok.Read; i < len(reads); i++ {
		r := reads[i]
		esk := tok.Key
		if i != tok.Read {
			esk = nil
		}
		room := int64(multiReadPage - len(items))
		if remaining == 0 || room == 0 {
			next = &multiToken{Read: i, Key: esk}
			break
		}
		var res *api.ExecuteStatementOutput
		evaluated := int64(1)
		if p.index == nil && r.b.rangeEq != nil && len(r.b.rest) == 0 {
			res, err = db.partiqlGet(ctx, &sub, l, p, r.b, nil)
		} else {
			limit := room
			if remaining > 0 {
				limit = min(remaining, room)
			}
			res, err = db.partiqlQuery(ctx, &sub, l, p, r.b, esk, &limit)
			if res != nil {
				evaluated = int64(len(res.Items))
			}
		}
		if err != nil {
			return nil, err
		}
		addConsumed(&tally, res.ConsumedCapacity)
		items = append(items, res.Items...)
		if remaining > 0 {
			remaining = max(remaining-evaluated, 0)
		}
		if res.NextToken != nil {
			lek, err := startKey(res.NextToken)
			if err != nil {
				return nil, err
			}
			next = &multiToken{Read: i, Key: lek}
			break
		}
	}
	out := &api.ExecuteStatementOutput{Items: items}
	if cc := tally.list(in.ReturnConsumedCapacity); len(cc) > 0 {
		out.ConsumedCapacity = &cc[0]
	}
	if next != nil && next.Read < len(reads) {
		b, err := json.Marshal(next)
		if err != nil {
			return nil, err
		}
		out.NextToken = api.Ptr(base64.RawURLEncoding.EncodeToString(b))
	}
	return out, nil
}

// multiStart decodes a decomposed SELECT's NextToken (nil: the first page).
func multiStart(tok *string, reads int) (multiToken, error) {
	if tok == nil {
		return multiToken{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*tok)
	var t multiToken
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Read < 0 || t.Read >= reads || (t.Key != nil && attr.ValidateItem(t.Key) != nil) {
		return multiToken{}, errBadToken
	}
	return t, nil
}
