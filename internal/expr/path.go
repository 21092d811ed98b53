package expr

import (
	"strconv"
	"strings"

	"github.com/dynago/dynago/internal/attr"
)

// pathElem is one step of a document path: a map key or a list index.
type pathElem struct {
	name    string
	index   int
	isIndex bool
}

// docPath is a document path such as a.b[2].c, with placeholders resolved.
type docPath []pathElem

// String renders the path as DynamoDB quotes it in messages: [a, b, [2]].
func (p docPath) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		if e.isIndex {
			b.WriteString("[" + strconv.Itoa(e.index) + "]")
		} else {
			b.WriteString(e.name)
		}
	}
	b.WriteByte(']')
	return b.String()
}

func (p docPath) equal(q docPath) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// checkOverlap applies DynamoDB's rule that two paths of one update or
// projection may neither contain one another nor use one step as both a
// map key and a list index. An overlap is reported before a conflict.
func checkOverlap(paths []docPath) error {
	var conflict error
	for j := 1; j < len(paths); j++ {
		for i := 0; i < j; i++ {
			a, b := paths[i], paths[j]
			overlap := true
			for k := 0; k < len(a) && k < len(b); k++ {
				if a[k].isIndex != b[k].isIndex {
					if conflict == nil {
						conflict = &exprError{msg: "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: " + a.String() + ", path two: " + b.String()}
					}
					overlap = false
					break
				}
				if a[k] != b[k] {
					overlap = false
					break
				}
			}
			if overlap {
				return &exprError{msg: "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: " + a.String() + ", path two: " + b.String()}
			}
		}
	}
	return conflict
}

// get returns the value at p in item.
func (p docPath) get(item attr.Item) (attr.Value, bool) {
	if len(p) == 0 || item == nil {
		return attr.Value{}, false
	}
	v, ok := item[p[0].name]
	if !ok {
		return attr.Value{}, false
	}
	for _, e := range p[1:] {
		if e.isIndex {
			if v.Type != attr.TypeL || e.index >= len(v.L) {
				return attr.Value{}, false
			}
			v = v.L[e.index]
		} else {
			if v.Type != attr.TypeM {
				return attr.Value{}, false
			}
			v, ok = v.M[e.name]
			if !ok {
				return attr.Value{}, false
			}
		}
	}
	return v, true
}

// parseNamePath resolves the path grammar shared by every expression:
// identifier or #name, then any number of .identifier, .#name or [digits].
// Reserved words are refused as bare identifiers.
func (p *parser) parsePath() (docPath, error) {
	var path docPath
	elem := func() error {
		t := p.s.peek()
		if t.kind == tokIdent || t.kind == tokName {
			p.s.next()
		}
		switch t.kind {
		case tokIdent:
			if isReserved(t.text) {
				p.fail(&exprError{msg: "Attribute name is a reserved keyword; reserved keyword: " + t.text}, prioReserved)
			}
			path = append(path, pathElem{name: t.text})
		case tokName:
			name, ok := p.names[t.text]
			if !ok {
				p.fail(&exprError{msg: "An expression attribute name used in the document path is not defined; attribute name: " + t.text}, prioUndefined)
			}
			p.usedNames[t.text] = true
			path = append(path, pathElem{name: name})
		default:
			return p.s.syntaxError()
		}
		return nil
	}
	if err := elem(); err != nil {
		return nil, err
	}
	for {
		switch p.s.peek().kind {
		case tokDot:
			p.s.next()
			if err := elem(); err != nil {
				return nil, err
			}
		case tokLBrack:
			p.s.next()
			t, err := p.s.expect(tokNumber)
			if err != nil {
				return nil, err
			}
			n, convErr := strconv.Atoi(t.text)
			n = p.listIndex(n, convErr == nil, t.text)
			if _, err := p.s.expect(tokRBrack); err != nil {
				return nil, err
			}
			path = append(path, pathElem{index: n, isIndex: true})
		default:
			p.checkPathDepth(path)
			return path, nil
		}
	}
}

// listIndex checks a path's list index n, written as text (ok is false
// when text is not a number that fits an int), and returns the index to
// keep: 0 in place of one out of range, which the recorded check refuses.
func (p *checker) listIndex(n int, ok bool, text string) int {
	if !ok || n < 0 || n > maxListIndex {
		p.fail(&exprError{msg: "List index is out of range; index: " + text}, prioSemantic)
		return 0
	}
	return n
}

// checkPathDepth applies DynamoDB's limit on a document path's nesting.
func (p *checker) checkPathDepth(path docPath) {
	if len(path) > maxPathDepth {
		p.fail(&exprError{msg: "The document path has too many nesting levels; nesting levels: " + strconv.Itoa(len(path))}, prioSemantic)
	}
}

// Limits on document paths.
const (
	maxPathDepth = 32      // nesting levels DynamoDB allows in a path
	maxListIndex = 1 << 24 // bigger indexes are refused rather than allocated
)
