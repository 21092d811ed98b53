package engine

// Decomposing a SELECT's WHERE into reads. DynamoDB runs a SELECT whose
// every OR branch fixes the partition key (by = or IN) as one GetItem or
// Query per branch, not as a Scan (guide, ql-reference.select: "pk = 100 OR
// pk = 200", "pk IN [100, 300, 234]" are not scans). The decomposition is
// structural: it depends on the statement text and the key names only, so
// it is part of the cached plan (partiql_plan.go) and the constants are
// bound per call.
//
// The rules, from DynamoDB Local's translator and captured behaviour
// (docs/partiql.md):
//   - an AND pins the partition when any of its operands does, an OR when
//     all of its operands do, `pk = c` and `pk IN [...]` pin it, nothing
//     else does; a WHERE that does not pin the partition is a Scan;
//   - AND multiplies the branches of its operands, OR adds them up, IN on
//     the partition or the sort key makes one branch per element; an OR
//     that does not pin the partition stays one condition of its branch;
//   - more than maxDecomposedReads branches is "Too many decomposed read
//     operations for a given query." (pk IN 51 values, or 26 x 2 with a
//     sort-key IN, are refused; 50 are run).

import (
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/partiql"
)

// maxDecomposedReads is how many GetItems or Queries one SELECT may
// decompose into (the guide's "at max 50 hash attribute values").
const maxDecomposedReads = 50

// maxInOperands is how many values an IN list may hold anywhere ("at max
// 100 non-key attribute values").
const maxInOperands = 100

var errTooManyReads = apierr.Validation("Too many decomposed read operations for a given query.")

// readBranch is one read a SELECT decomposes into: the conjuncts of one
// branch of its WHERE, with the key parts picked out.
type readBranch struct {
	// hash is the constant the partition key equals.
	hash partiql.Expr
	// rangeCond is the sort-key condition that joins the key condition of
	// a Query (nil: none); rangeEq is its constant when it is an equality,
	// which makes the branch a single item.
	rangeCond partiql.Expr
	rangeEq   partiql.Expr
	// rest are the branch's other conjuncts: its filter.
	rest []partiql.Expr
}

// decompose returns the reads where decomposes into for a table or index
// with these key names, or nil when the SELECT is a Scan.
func decompose(where partiql.Expr, hash, rng string) ([]readBranch, error) {
	if where == nil || !pinsPartition(where, hash) {
		return nil, nil
	}
	spread, err := spreadConjuncts(where, hash, rng)
	if err != nil {
		return nil, err
	}
	out := make([]readBranch, 0, len(spread))
	for _, cs := range spread {
		b, ok := branchOf(cs, hash, rng)
		if !ok {
			return nil, nil
		}
		out = append(out, b)
	}
	return out, nil
}

// pinsPartition reports whether every branch of e fixes the partition key.
func pinsPartition(e partiql.Expr, hash string) bool {
	switch e := e.(type) {
	case *partiql.Binary:
		switch e.Op {
		case partiql.OpAnd:
			return pinsPartition(e.L, hash) || pinsPartition(e.R, hash)
		case partiql.OpOr:
			return pinsPartition(e.L, hash) && pinsPartition(e.R, hash)
		}
		_, ok := keyEq(e, hash)
		return ok
	case *partiql.In:
		_, ok := keyIn(e, hash)
		return ok
	}
	return false
}

// spreadConjuncts returns e's branches, each a list of conjuncts.
func spreadConjuncts(e partiql.Expr, hash, rng string) ([][]partiql.Expr, error) {
	switch x := e.(type) {
	case *partiql.Binary:
		switch x.Op {
		case partiql.OpAnd:
			l, err := spreadConjuncts(x.L, hash, rng)
			if err != nil {
				return nil, err
			}
			r, err := spreadConjuncts(x.R, hash, rng)
			if err != nil {
				return nil, err
			}
			if len(l)*len(r) > maxDecomposedReads {
				return nil, errTooManyReads
			}
			out := make([][]partiql.Expr, 0, len(l)*len(r))
			for _, a := range l {
				for _, b := range r {
					out = append(out, append(append(make([]partiql.Expr, 0, len(a)+len(b)), a...), b...))
				}
			}
			return out, nil
		case partiql.OpOr:
			if !pinsPartition(x, hash) {
				break
			}
			l, err := spreadConjuncts(x.L, hash, rng)
			if err != nil {
				return nil, err
			}
			r, err := spreadConjuncts(x.R, hash, rng)
			if err != nil {
				return nil, err
			}
			if len(l)+len(r) > maxDecomposedReads {
				return nil, errTooManyReads
			}
			return append(l, r...), nil
		}
	case *partiql.In:
		for _, k := range []string{hash, rng} {
			if k == "" {
				continue
			}
			if list, ok := keyIn(x, k); ok {
				if len(list.Elems) > maxInOperands {
					return nil, tooManyInOperands(len(list.Elems))
				}
				if len(list.Elems) > maxDecomposedReads {
					return nil, errTooManyReads
				}
				out := make([][]partiql.Expr, len(list.Elems))
				for i, v := range list.Elems {
					out[i] = []partiql.Expr{&partiql.Binary{Pos: x.Pos, Op: partiql.OpEq, L: x.X, R: v}}
				}
				return out, nil
			}
		}
	}
	return [][]partiql.Expr{{e}}, nil
}

// tooManyInOperands is DynamoDB's refusal of an IN list longer than
// maxInOperands (captured by a public conformance suite).
func tooManyInOperands(n int) error {
	return apierr.Validationf("The IN operator is provided with too many operands; number of operands: %d", n)
}

// branchOf picks the key parts out of one branch's conjuncts; ok is false
// when the branch does not fix the partition key.
func branchOf(cs []partiql.Expr, hash, rng string) (readBranch, bool) {
	var b readBranch
	hashAt, rangeAt := -1, -1
	for i, c := range cs {
		if v, ok := keyEq(c, hash); ok {
			hashAt, b.hash = i, v
			break
		}
	}
	if hashAt < 0 {
		return readBranch{}, false
	}
	if rng != "" {
		for i, c := range cs {
			if i != hashAt && isSortKeyCond(c, rng) {
				rangeAt, b.rangeCond = i, c
				b.rangeEq, _ = keyEq(c, rng)
				break
			}
		}
	}
	for i, c := range cs {
		if i != hashAt && i != rangeAt {
			b.rest = append(b.rest, c)
		}
	}
	return b, true
}

// keyEq reports whether e is name = <constant> (either way round) and
// returns the constant's expression. Which value it is, and whether it is
// a valid key value, is the binding's business.
func keyEq(e partiql.Expr, name string) (partiql.Expr, bool) {
	b, ok := e.(*partiql.Binary)
	if !ok || b.Op != partiql.OpEq {
		return nil, false
	}
	if isName(b.L, name) && isConstant(b.R) {
		return b.R, true
	}
	if isName(b.R, name) && isConstant(b.L) {
		return b.L, true
	}
	return nil, false
}

// keyIn reports whether e is name IN [constants...].
func keyIn(e *partiql.In, name string) (*partiql.List, bool) {
	list, ok := e.Set.(*partiql.List)
	if e.Not || !ok || !isName(e.X, name) || len(list.Elems) == 0 {
		return nil, false
	}
	for _, v := range list.Elems {
		if !isConstant(v) {
			return nil, false
		}
	}
	return list, true
}

func isName(e partiql.Expr, name string) bool {
	id, ok := e.(*partiql.Ident)
	return ok && id.Name == name
}

// isConstant reports whether e denotes a value without reading the item:
// what lowerer.value accepts.
func isConstant(e partiql.Expr) bool {
	switch e := e.(type) {
	case *partiql.Literal, *partiql.Param:
		return true
	case *partiql.List:
		for _, x := range e.Elems {
			if !isConstant(x) {
				return false
			}
		}
		return true
	case *partiql.Bag:
		for _, x := range e.Elems {
			if !isConstant(x) {
				return false
			}
		}
		return true
	case *partiql.Tuple:
		for _, f := range e.Fields {
			if !isConstant(f.Key) || !isConstant(f.Value) {
				return false
			}
		}
		return true
	case *partiql.Unary:
		return e.Op == partiql.OpPlus && isConstant(e.X)
	}
	return false
}
