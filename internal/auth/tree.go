package auth

// A document tree that remembers where each value was written. The auth
// file (JSON or YAML) and policy documents (JSON) are both read into it
// before any field is interpreted, so every error can name a line and a
// column, unknown and duplicate fields are caught in one place, and the
// policy grammar is checked once whichever syntax carried it.
//
// JSON is tokenised by encoding/json (which also rejects malformed input)
// and YAML by go.yaml.in/yaml/v3; this file only records positions and
// shapes.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// nodeKind is the shape of a value in a document.
type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k nodeKind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "a list", "an object"}[k]
}

// pos is a 1-based line and column.
type pos struct{ line, col int }

// node is one value of a document: a scalar (text holds its text as
// written, or the decoded string), a list, or an object whose fields keep
// their document order.
type node struct {
	kind   nodeKind
	text   string
	at     pos
	items  []*node
	fields []field
}

// field is one member of an object.
type field struct {
	key   string
	at    pos
	value *node
}

// treeError is a syntax or shape error at a position.
type treeError struct {
	at     pos
	reason string
}

func (e *treeError) Error() string { return fmt.Sprintf("%d:%d: %s", e.at.line, e.at.col, e.reason) }

// maxTreeNodes bounds the values one document may hold. It stops a YAML
// file whose aliases refer to one another from expanding without end
// (the "billion laughs"); no real auth file comes near it.
const maxTreeNodes = 100_000

// maxTreeDepth bounds nesting (a policy is five levels deep), so that no
// document can exhaust the stack of the recursive readers below.
const maxTreeDepth = 64

// lineIndex maps byte offsets to line and column.
type lineIndex []int // offsets at which each line starts

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{0}
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

func (l lineIndex) pos(off int) pos {
	line := sort.Search(len(l), func(i int) bool { return l[i] > off }) - 1
	if line < 0 {
		line = 0
	}
	return pos{line: line + 1, col: off - l[line] + 1}
}

// parseJSONTree reads one JSON document.
func parseJSONTree(data []byte) (*node, error) {
	p := &jsonTree{data: data, lines: newLineIndex(data), dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	root, err := p.value(0)
	if err != nil {
		return nil, err
	}
	at := p.next()
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, &treeError{at: p.lines.pos(at), reason: "unexpected text after the document"}
	}
	return root, nil
}

type jsonTree struct {
	data  []byte
	lines lineIndex
	dec   *json.Decoder
	count int
}

// next returns the offset at which the next token starts: the decoder's
// offset is just past the last token, before any space, ':' or ','.
func (p *jsonTree) next() int {
	off := int(p.dec.InputOffset())
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\n', '\r', ':', ',':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jsonTree) token() (json.Token, pos, error) {
	off := p.next()
	tok, err := p.dec.Token()
	if err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			return nil, p.lines.pos(int(syn.Offset)), &treeError{at: p.lines.pos(int(syn.Offset)), reason: "not valid JSON: " + syn.Error()}
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return nil, p.lines.pos(len(p.data)), &treeError{at: p.lines.pos(len(p.data)), reason: "not valid JSON: unexpected end of input"}
		}
		return nil, p.lines.pos(off), &treeError{at: p.lines.pos(off), reason: "not valid JSON: " + err.Error()}
	}
	return tok, p.lines.pos(off), nil
}

func (p *jsonTree) value(depth int) (*node, error) {
	tok, at, err := p.token()
	if err != nil {
		return nil, err
	}
	if p.count++; p.count > maxTreeNodes {
		return nil, &treeError{at: at, reason: "document too large"}
	}
	if depth > maxTreeDepth {
		return nil, &treeError{at: at, reason: "nesting too deep"}
	}
	n := &node{at: at}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = kindObject
			for p.dec.More() {
				kt, kat, err := p.token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string) // encoding/json only yields strings as keys
				for _, f := range n.fields {
					if f.key == key {
						return nil, &treeError{at: kat, reason: fmt.Sprintf("duplicate field %q (first at line %d)", key, f.at.line)}
					}
				}
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.fields = append(n.fields, field{key: key, at: kat, value: v})
			}
		case '[':
			n.kind = kindArray
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
		}
		if _, _, err := p.token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.kind, n.text = kindString, t
	case json.Number:
		n.kind, n.text = kindNumber, string(t)
	case bool:
		n.kind, n.text = kindBool, strconv.FormatBool(t)
	case nil:
		n.kind = kindNull
	}
	return n, nil
}

// yamlLine finds the line go-yaml names in its error messages.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parseYAMLTree reads one YAML document. Anchors and aliases are
// expanded; merge keys ("<<") are refused, since a merged policy is hard
// to read and the auth file's meaning should be plain.
func parseYAMLTree(data []byte) (*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &treeError{at: pos{1, 1}, reason: "the document is empty"}
		}
		return nil, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			return nil, yamlError(err)
		}
		return nil, &treeError{at: pos{extra.Line, extra.Column}, reason: "more than one YAML document"}
	}
	t := &yamlTree{}
	return t.convert(&doc, 0)
}

func yamlError(err error) error {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	return &treeError{at: pos{line, 0}, reason: "not valid YAML: " + msg}
}

type yamlTree struct{ count int }

func (t *yamlTree) convert(y *yaml.Node, depth int) (*node, error) {
	at := pos{y.Line, y.Column}
	if depth > maxTreeDepth {
		return nil, &treeError{at: at, reason: "nesting too deep"}
	}
	if t.count++; t.count > maxTreeNodes {
		return nil, &treeError{at: at, reason: "document too large"}
	}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return nil, &treeError{at: pos{1, 1}, reason: "the document is empty"}
		}
		return t.convert(y.Content[0], depth+1)
	case yaml.AliasNode:
		return t.convert(y.Alias, depth+1)
	case yaml.SequenceNode:
		n := &node{kind: kindArray, at: at}
		for _, c := range y.Content {
			v, err := t.convert(c, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		return n, nil
	case yaml.MappingNode:
		n := &node{kind: kindObject, at: at}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.AliasNode {
				k = k.Alias
			}
			kat := pos{k.Line, k.Column}
			if k.Kind != yaml.ScalarNode {
				return nil, &treeError{at: kat, reason: "a key must be a plain value"}
			}
			if k.ShortTag() == "!!merge" {
				return nil, &treeError{at: kat, reason: "merge keys (<<) are not supported"}
			}
			for _, f := range n.fields {
				if f.key == k.Value {
					return nil, &treeError{at: kat, reason: fmt.Sprintf("duplicate field %q (first at line %d)", k.Value, f.at.line)}
				}
			}
			val, err := t.convert(v, depth+1)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, field{key: k.Value, at: kat, value: val})
		}
		return n, nil
	case yaml.ScalarNode:
		n := &node{at: at, text: y.Value}
		switch y.ShortTag() {
		case "!!null":
			n.kind, n.text = kindNull, ""
		case "!!bool":
			n.kind = kindBool
		case "!!int", "!!float":
			n.kind = kindNumber
		default: // !!str, !!timestamp, !!binary: the text as written
			n.kind = kindString
		}
		return n, nil
	}
	return nil, &treeError{at: at, reason: "unsupported YAML value"}
}

// field returns the object member named key, or nil.
func (n *node) field(key string) *node {
	for i := range n.fields {
		if n.fields[i].key == key {
			return n.fields[i].value
		}
	}
	return nil
}
