package expr

import (
	"sort"

	"github.com/dynago/dynago/internal/attr"
)

// Projection is a parsed projection expression (or AttributesToGet): the
// document paths to keep, as a tree so that a.b and a.c share a.
type Projection struct {
	paths []docPath
	root  *projNode
}

// projNode is one step of the projection tree. all means the whole value
// at this step is kept.
type projNode struct {
	all   bool
	names map[string]*projNode
	idx   map[int]*projNode
}

func newProjection(paths []docPath) *Projection {
	root := &projNode{}
	for _, p := range paths {
		n := root
		for _, e := range p {
			if e.isIndex {
				if n.idx == nil {
					n.idx = map[int]*projNode{}
				}
				if n.idx[e.index] == nil {
					n.idx[e.index] = &projNode{}
				}
				n = n.idx[e.index]
			} else {
				if n.names == nil {
					n.names = map[string]*projNode{}
				}
				if n.names[e.name] == nil {
					n.names[e.name] = &projNode{}
				}
				n = n.names[e.name]
			}
		}
		n.all = true
	}
	return &Projection{paths: paths, root: root}
}

// parseProjection parses a comma-separated list of document paths.
func (p *parser) parseProjection() (*Projection, error) {
	var paths []docPath
	for {
		path, err := p.parsePath()
		if err != nil {
			return nil, err
		}
		paths = append(paths, path)
		if !p.s.accept(tokComma) {
			break
		}
	}
	p.checkProjectionPaths(paths)
	if err := p.finish(); err != nil {
		return nil, err
	}
	return newProjection(paths), nil
}

// checkProjectionPaths records DynamoDB's rule that the paths of one
// projection may not overlap.
func (p *checker) checkProjectionPaths(paths []docPath) {
	if err := checkOverlap(paths); err != nil {
		p.fail(err, prioOverlap)
	}
}

// TopLevel returns the distinct top-level attribute names the projection
// reads, which the engine needs to check index projections.
func (p *Projection) TopLevel() []string {
	if p == nil {
		return nil
	}
	names := make([]string, 0, len(p.root.names))
	for n := range p.root.names {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Apply returns the projected copy of item. Elements of one list keep
// their order and close up, as in DynamoDB: projecting a[1] and a[3] gives
// a list of two elements. A nil projection keeps the whole item.
func (p *Projection) Apply(item attr.Item) attr.Item {
	if item == nil {
		return nil
	}
	if p == nil {
		return item.Clone()
	}
	out := attr.Item{}
	for name, n := range p.root.names {
		if v, ok := item[name]; ok {
			if pv, ok := n.apply(v); ok {
				out[name] = pv
			}
		}
	}
	return out
}

func (n *projNode) apply(v attr.Value) (attr.Value, bool) {
	if n.all {
		return v.Clone(), true
	}
	switch {
	case v.Type == attr.TypeM && n.names != nil:
		m := map[string]attr.Value{}
		for name, c := range n.names {
			if cv, ok := v.M[name]; ok {
				if pv, ok := c.apply(cv); ok {
					m[name] = pv
				}
			}
		}
		if len(m) == 0 {
			return attr.Value{}, false
		}
		return attr.Value{Type: attr.TypeM, M: m}, true
	case v.Type == attr.TypeL && n.idx != nil:
		idx := make([]int, 0, len(n.idx))
		for i := range n.idx {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		var l []attr.Value
		for _, i := range idx {
			if i < len(v.L) {
				if pv, ok := n.idx[i].apply(v.L[i]); ok {
					l = append(l, pv)
				}
			}
		}
		if len(l) == 0 {
			return attr.Value{}, false
		}
		return attr.Value{Type: attr.TypeL, L: l}, true
	}
	return attr.Value{}, false
}
