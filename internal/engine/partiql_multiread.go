package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// A SELECT that decomposes into several reads (partiql_decompose.go) runs
// them one after another: in the order the WHERE names them, or by the
// partition key value when ORDER BY names it. Limit counts the items read
// across them; a page ends where a read stops early (its Limit or its 1 MB
// page) or where the Limit runs out between reads, and its NextToken says
// which read resumes and from which key. Each read is admitted and charged
// as the single GetItem or Query would be; ConsumedCapacity sums them.
//
// Not done: DynamoDB documents IN results "in pages of up to 10 items";
// a page here ends only as above.

// multiToken is the NextToken of a decomposed SELECT.
type multiToken struct {
	Read int       `json:"r"`           // the read to resume
	Key  attr.Item `json:"k,omitempty"` // its ExclusiveStartKey; nil: from the start
}

// boundRead is one read of a decomposed SELECT with its key values bound.
type boundRead struct {
	b      *readBranch
	hv, rv attr.Value // rv only for a single-item read
}

var errOverlap = apierr.Validation("Overlapping conditions with range keys are not supported in where clause")

// bindReads binds each read's key values, refuses reads of one partition
// that could return the same item, and puts them in the order they run.
// Two reads of one partition are refused unless each names one item by a
// different sort key value: sort-key ranges that do not overlap are not
// told apart yet, so this refuses some statements DynamoDB runs.
func (l *lowerer) bindReads(p *selectPlan) ([]boundRead, error) {
	out := make([]boundRead, len(p.branches))
	for i := range p.branches {
		b := &p.branches[i]
		hv, err := l.constant(b.hash)
		if err != nil {
			return nil, err
		}
		r := boundRead{b: b, hv: hv}
		if b.rangeEq != nil {
			if r.rv, err = l.constant(b.rangeEq); err != nil {
				return nil, err
			}
		}
		for _, o := range out[:i] {
			if !attr.Equal(o.hv, hv) {
				continue
			}
			if o.b.rangeEq == nil || b.rangeEq == nil || attr.Equal(o.rv, r.rv) {
				return nil, errOverlap
			}
		}
		out[i] = r
	}
	if p.byHash {
		cmp := func(a, b attr.Value) int {
			c, _ := attr.Compare(a, b)
			return c
		}
		slices.SortStableFunc(out, func(a, b boundRead) int {
			c := cmp(a.hv, b.hv)
			if c == 0 && a.b.rangeEq != nil && b.b.rangeEq != nil {
				c = cmp(a.rv, b.rv)
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
		if remaining == 0 {
			next = &multiToken{Read: i}
			break
		}
		r := reads[i]
		esk := tok.Key
		if i != tok.Read {
			esk = nil
		}
		var res *api.ExecuteStatementOutput
		evaluated := int64(1)
		if p.index == nil && r.b.rangeEq != nil && len(r.b.rest) == 0 {
			res, err = db.partiqlGet(ctx, &sub, l, p, r.b)
		} else {
			var limit *int64
			if remaining > 0 {
				limit = &remaining
			}
			res, err = db.partiqlQuery(ctx, &sub, l, p, r.b, esk, limit)
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
