package dataio

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/dynago/dynago/internal/attr"
)

// The Ion reader reads Ion text as DynamoDB's export writes it (one
// "$ion_1_0 {Item:{...}}" per line) and as ImportTable accepts it: any
// layout, values spread over lines, several on one line, or a top-level
// list of {Item:...} structs. It maps Ion to attribute values as the
// Developer Guide's table does: string (and symbol) → S, bool → BOOL,
// decimal (and int, and finite float) → N, blob (and clob) → B, a list
// annotated $dynamodb_SS, $dynamodb_NS or $dynamodb_BS → that set, other
// lists → L, struct → M, null (typed or not) → NULL. Timestamps and
// s-expressions have no DynamoDB type and make the record bad.
//
// Records: lines are gathered until the text is back at the top level
// (ionScanner), then parsed; a parse that needs more text reads more
// lines, up to the record bound.

// maxIonDepth bounds container nesting: DynamoDB's 32 levels, the Item
// wrapper and a top-level list.
const maxIonDepth = attr.MaxNestingDepth + 3

var errIonIncomplete = errors.New("ion: value continues past the end of the record")

// The annotations DynamoDB puts on sets.
const (
	annSS = "$dynamodb_SS"
	annNS = "$dynamodb_NS"
	annBS = "$dynamodb_BS"
)

type ionDecoder struct {
	max        int
	buf        []byte
	lineStarts []int // offset in buf of each line
	scan       ionScanner
	// held is a line read past the end of a broken record: a line that
	// starts with the version marker begins a new record, so a value left
	// open by a missing bracket costs its own lines, not the file's.
	held     []byte
	heldLine int64
	heldAt   Position // where the held line begins
	hasHeld  bool
}

// pending returns where the held line begins, when there is one: the
// input up to there is all a Reader has used.
func (d *ionDecoder) pending() (Position, bool) { return d.heldAt, d.hasHeld }

// ionMarker begins every line of DynamoDB's Ion export.
var ionMarker = []byte("$ion_1_0")

// startsWithMarker reports whether a line begins (after blanks) with the
// version marker.
func startsWithMarker(line []byte) bool {
	i := 0
	for i < len(line) && isIonSpace(line[i]) {
		i++
	}
	rest := line[i:]
	return len(rest) >= len(ionMarker) && string(rest[:len(ionMarker)]) == string(ionMarker) &&
		(len(rest) == len(ionMarker) || !isIdentPart(rest[len(ionMarker)]))
}

func (d *ionDecoder) record(src *lineSource, out []entry) ([]entry, error) {
	d.buf, d.lineStarts = d.buf[:0], d.lineStarts[:0]
	d.scan.reset()
	first := int64(0) // line number of buf's first line
	for {
		var line []byte
		var err error
		lineNo := int64(0)
		if d.hasHeld {
			line, lineNo, d.hasHeld = d.held, d.heldLine, false
		} else {
			line, err = src.next()
			lineNo = src.line
		}
		if err == nil && len(d.buf) > 0 && startsWithMarker(line) {
			// The record so far never closed: it ends here, bad.
			d.held, d.heldLine, d.hasHeld = append(d.held[:0], line...), lineNo, true
			d.heldAt = Position{Offset: src.start, Line: src.line - 1}
			var perr error
			if out, perr = d.parse(out, first); perr != nil {
				out = append(out, entry{line: first, err: perr})
			}
			return out, nil
		}
		if errors.Is(err, errRecordTooLong) {
			return append(out, entry{line: src.line, err: err}), nil
		}
		eof := errors.Is(err, io.EOF)
		if err != nil && !eof {
			return out, err
		}
		if !eof {
			if len(d.buf) == 0 {
				if isIonBlank(line) {
					continue
				}
				first = lineNo
			}
			d.scan.scan(line)
			if len(d.buf)+len(line)+1 > d.max {
				return append(out, entry{line: first, err: errRecordTooLong}), d.skipRecord(src)
			}
			d.lineStarts = append(d.lineStarts, len(d.buf))
			d.buf = append(d.buf, line...)
			d.buf = append(d.buf, '\n')
			if !d.scan.topLevel() {
				continue
			}
		}
		if len(d.buf) == 0 {
			return out, io.EOF
		}
		var perr error
		out, perr = d.parse(out, first)
		if errors.Is(perr, errIonIncomplete) && !eof {
			continue
		}
		if perr != nil {
			out = append(out, entry{line: first, err: perr})
		}
		return out, nil
	}
}

// skipRecord discards the lines of a record that grew past the bound,
// until the text is back at the top level or a line starts a new record.
func (d *ionDecoder) skipRecord(src *lineSource) error {
	for !d.scan.topLevel() {
		line, err := src.next()
		if errors.Is(err, errRecordTooLong) {
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if startsWithMarker(line) {
			d.held, d.heldLine, d.hasHeld = append(d.held[:0], line...), src.line, true
			d.heldAt = Position{Offset: src.start, Line: src.line - 1}
			return nil
		}
		d.scan.scan(line)
	}
	return nil
}

func isIonBlank(line []byte) bool {
	for _, c := range line {
		if !isIonSpace(c) {
			return false
		}
	}
	return true
}

// parse reads every top-level value of d.buf. Items found before an error
// are kept; values after it are lost with the record.
func (d *ionDecoder) parse(out []entry, first int64) ([]entry, error) {
	p := ionParser{b: d.buf}
	start := len(out)
	for {
		if err := p.space(); err != nil {
			return out[:start], err
		}
		if p.i >= len(p.b) {
			return out, nil
		}
		at := p.i
		v, anns, err := p.value(0)
		if err != nil {
			if errors.Is(err, errIonIncomplete) {
				return out[:start], err
			}
			return out, err
		}
		line := first + int64(d.lineOf(at))
		switch {
		case v.kind == ionSymbol && len(anns) == 0 && strings.HasPrefix(v.text, "$ion_"):
			if v.text != "$ion_1_0" {
				return out, fmt.Errorf("unsupported Ion version marker %s", v.text)
			}
		case len(anns) == 1 && anns[0] == "$ion_symbol_table" && v.kind == ionStruct:
			// A local symbol table changes nothing for text without symbol ids.
		case v.kind == ionList && len(anns) == 0:
			for _, e := range v.list {
				it, err := itemOf(e.v, e.anns)
				out = append(out, entry{item: it, line: first + int64(d.lineOf(e.at)), err: err})
			}
		default:
			it, err := itemOf(v, anns)
			out = append(out, entry{item: it, line: line, err: err})
		}
	}
}

// lineOf returns the index of the line holding buf offset off.
func (d *ionDecoder) lineOf(off int) int {
	return sort.SearchInts(d.lineStarts, off+1) - 1
}

// itemOf returns the item of a top-level {Item:{...}} struct.
func itemOf(v ionValue, anns []string) (attr.Item, error) {
	if len(anns) > 0 {
		return nil, fmt.Errorf("unexpected annotation %s:: on an item", anns[0])
	}
	if v.kind != ionStruct {
		return nil, fmt.Errorf("a %s where an {Item:{...}} struct belongs", v.kind)
	}
	if len(v.fields) != 1 || v.fields[0].name != "Item" {
		for _, f := range v.fields {
			if f.name != "Item" {
				return nil, fmt.Errorf("unexpected field %q beside Item", f.name)
			}
		}
		return nil, errors.New("no Item field")
	}
	f := v.fields[0]
	if len(f.anns) > 0 || f.v.kind != ionStruct {
		return nil, errors.New("the Item is not a struct")
	}
	m, err := ionStructToMap(f.v)
	return attr.Item(m), err
}

// ionKind is the Ion type of a parsed value.
type ionKind uint8

const (
	ionNull ionKind = iota
	ionBool
	ionNumber // int, decimal or float: text is the number in attr's syntax
	ionString
	ionSymbol
	ionBlob // blob or clob
	ionList
	ionStruct
)

func (k ionKind) String() string {
	return [...]string{"null", "bool", "number", "string", "symbol", "blob", "list", "struct"}[k]
}

// ionValue is a parsed Ion value, before it becomes an attribute value
// (which needs its annotations).
type ionValue struct {
	kind   ionKind
	b      bool
	text   string // number, string or symbol text
	bytes  []byte
	list   []ionElem
	fields []ionField
}

type ionElem struct {
	v    ionValue
	anns []string
	at   int
}

type ionField struct {
	name string
	v    ionValue
	anns []string
}

// toValue maps an Ion value and its annotations to an attribute value.
func toValue(v ionValue, anns []string) (attr.Value, error) {
	ann := ""
	for _, a := range anns {
		if strings.HasPrefix(a, "$dynamodb_") {
			if ann != "" {
				return attr.Value{}, errors.New("several $dynamodb_ annotations")
			}
			ann = a
		}
	}
	if ann != "" {
		return toSet(v, ann)
	}
	switch v.kind {
	case ionNull:
		return attr.Null(), nil
	case ionBool:
		return attr.Bool(v.b), nil
	case ionNumber:
		return attr.Number(v.text)
	case ionString, ionSymbol:
		return attr.String(v.text), nil
	case ionBlob:
		return attr.Binary(v.bytes), nil
	case ionList:
		l := make([]attr.Value, len(v.list))
		for i, e := range v.list {
			av, err := toValue(e.v, e.anns)
			if err != nil {
				return attr.Value{}, err
			}
			l[i] = av
		}
		return attr.List(l...), nil
	case ionStruct:
		m, err := ionStructToMap(v)
		return attr.Map(m), err
	}
	return attr.Value{}, fmt.Errorf("unexpected Ion %s", v.kind)
}

func ionStructToMap(v ionValue) (attr.Item, error) {
	m := make(attr.Item, len(v.fields))
	for _, f := range v.fields {
		if _, dup := m[f.name]; dup {
			return nil, fmt.Errorf("field %q appears twice", f.name)
		}
		av, err := toValue(f.v, f.anns)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", f.name, err)
		}
		m[f.name] = av
	}
	return m, nil
}

// toSet maps a list annotated $dynamodb_SS, _NS or _BS to its set.
func toSet(v ionValue, ann string) (attr.Value, error) {
	if v.kind != ionList {
		return attr.Value{}, fmt.Errorf("%s:: on a %s, not a list", ann, v.kind)
	}
	want := map[string]ionKind{annSS: ionString, annNS: ionNumber, annBS: ionBlob}
	k, ok := want[ann]
	if !ok {
		return attr.Value{}, fmt.Errorf("unknown annotation %s", ann)
	}
	var out attr.Value
	for _, e := range v.list {
		ek := e.v.kind
		if ek == ionSymbol {
			ek = ionString
		}
		if ek != k || len(e.anns) > 0 {
			return attr.Value{}, fmt.Errorf("a %s list may hold only %ss, not a %s", ann, k, e.v.kind)
		}
		switch k {
		case ionString:
			out.Set = append(out.Set, e.v.text)
		case ionNumber:
			n, err := attr.CanonicalNumber(e.v.text)
			if err != nil {
				return attr.Value{}, err
			}
			out.Set = append(out.Set, n)
		case ionBlob:
			out.BS = append(out.BS, e.v.bytes)
		}
	}
	switch ann {
	case annSS:
		return attr.StringSet(orEmpty(out.Set)...), nil
	case annNS:
		return attr.NumberSet(orEmpty(out.Set)...), nil
	}
	if out.BS == nil {
		out.BS = [][]byte{}
	}
	return attr.BinarySet(out.BS...), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ionParser parses Ion text held whole in b. Reaching the end of b inside
// a value is errIonIncomplete, so the caller can read more lines.
type ionParser struct {
	b []byte
	i int
}

func isIonSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// space skips whitespace and comments.
func (p *ionParser) space() error {
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case isIonSpace(c):
			p.i++
		case c == '/' && p.i+1 < len(p.b) && p.b[p.i+1] == '/':
			for p.i < len(p.b) && p.b[p.i] != '\n' {
				p.i++
			}
		case c == '/' && p.i+1 < len(p.b) && p.b[p.i+1] == '*':
			end := strings.Index(string(p.b[p.i+2:]), "*/")
			if end < 0 {
				return errIonIncomplete
			}
			p.i += 2 + end + 2
		default:
			return nil
		}
	}
	return nil
}

func (p *ionParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *ionParser) syntax(format string, args ...any) error {
	return fmt.Errorf("ion: "+format, args...)
}

// value reads one value with its annotations.
func (p *ionParser) value(depth int) (ionValue, []string, error) {
	if depth > maxIonDepth {
		return ionValue{}, nil, errors.New("nested more than DynamoDB's 32 levels")
	}
	var anns []string
	for {
		if err := p.space(); err != nil {
			return ionValue{}, nil, err
		}
		if p.i >= len(p.b) {
			return ionValue{}, nil, errIonIncomplete
		}
		c := p.b[p.i]
		if !isIdentStart(c) && c != '\'' {
			break
		}
		if c == '\'' && p.i+2 < len(p.b) && p.b[p.i+1] == '\'' && p.b[p.i+2] == '\'' {
			break // a long string
		}
		save := p.i
		sym, quoted, err := p.symbol()
		if err != nil {
			return ionValue{}, nil, err
		}
		afterSym := p.i
		if err := p.space(); err != nil {
			return ionValue{}, nil, err
		}
		if p.i+1 < len(p.b) && p.b[p.i] == ':' && p.b[p.i+1] == ':' {
			p.i += 2
			anns = append(anns, sym)
			continue
		}
		if p.i+1 >= len(p.b) && p.i < len(p.b) && p.b[p.i] == ':' {
			return ionValue{}, nil, errIonIncomplete
		}
		p.i = afterSym
		if !quoted {
			p.i = save
			v, err := p.keyword()
			return v, anns, err
		}
		return ionValue{kind: ionSymbol, text: sym}, anns, nil
	}
	v, err := p.plainValue(depth)
	return v, anns, err
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// symbol reads an identifier or a 'quoted symbol'.
func (p *ionParser) symbol() (s string, quoted bool, err error) {
	if p.peek() == '\'' {
		s, err := p.shortString('\'')
		return s, true, err
	}
	start := p.i
	for p.i < len(p.b) && isIdentPart(p.b[p.i]) {
		p.i++
	}
	s = string(p.b[start:p.i])
	if isSymbolID(s) {
		return "", false, p.syntax("symbol ids such as %s are not supported in text", s)
	}
	return s, false, nil
}

// isSymbolID reports whether an identifier is $ followed by digits.
func isSymbolID(s string) bool {
	if len(s) < 2 || s[0] != '$' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// keyword reads an unquoted identifier used as a value: null (typed or
// not), true, false, nan, or a symbol.
func (p *ionParser) keyword() (ionValue, error) {
	start := p.i
	for p.i < len(p.b) && isIdentPart(p.b[p.i]) {
		p.i++
	}
	w := string(p.b[start:p.i])
	switch w {
	case "true", "false":
		return ionValue{kind: ionBool, b: w == "true"}, nil
	case "nan":
		return ionValue{}, errors.New("DynamoDB numbers cannot be nan")
	case "null":
		if p.peek() == '.' {
			p.i++
			ts := p.i
			for p.i < len(p.b) && isIdentPart(p.b[p.i]) {
				p.i++
			}
			switch t := string(p.b[ts:p.i]); t {
			case "null", "bool", "int", "float", "decimal", "timestamp", "string", "symbol", "blob", "clob", "struct", "list", "sexp":
			default:
				return ionValue{}, p.syntax("unknown typed null null.%s", t)
			}
		}
		return ionValue{kind: ionNull}, nil
	}
	if isSymbolID(w) {
		return ionValue{}, p.syntax("symbol ids such as %s are not supported in text", w)
	}
	return ionValue{kind: ionSymbol, text: w}, nil
}

// plainValue reads a value that does not start with an identifier.
func (p *ionParser) plainValue(depth int) (ionValue, error) {
	c := p.b[p.i]
	switch {
	case c == '{' && p.i+1 < len(p.b) && p.b[p.i+1] == '{':
		return p.lob()
	case c == '{':
		return p.structure(depth)
	case c == '[':
		return p.list(depth)
	case c == '(':
		return ionValue{}, errors.New("s-expressions have no DynamoDB type")
	case c == '"':
		s, err := p.shortString('"')
		return ionValue{kind: ionString, text: s}, err
	case c == '\'':
		s, err := p.longStrings()
		return ionValue{kind: ionString, text: s}, err
	case c == '-' || c == '+' || (c >= '0' && c <= '9'):
		return p.number()
	}
	if c == '{' && p.i+1 >= len(p.b) {
		return ionValue{}, errIonIncomplete
	}
	return ionValue{}, p.syntax("unexpected %q", c)
}

// structure reads { field: value, ... }.
func (p *ionParser) structure(depth int) (ionValue, error) {
	p.i++ // {
	v := ionValue{kind: ionStruct}
	for {
		if err := p.space(); err != nil {
			return v, err
		}
		if p.i >= len(p.b) {
			return v, errIonIncomplete
		}
		if p.b[p.i] == '}' {
			p.i++
			return v, nil
		}
		name, err := p.fieldName()
		if err != nil {
			return v, err
		}
		if err := p.space(); err != nil {
			return v, err
		}
		if p.i >= len(p.b) {
			return v, errIonIncomplete
		}
		if p.b[p.i] != ':' {
			return v, p.syntax("expected ':' after field name %q", name)
		}
		p.i++
		fv, anns, err := p.value(depth + 1)
		if err != nil {
			return v, err
		}
		v.fields = append(v.fields, ionField{name: name, v: fv, anns: anns})
		if err := p.space(); err != nil {
			return v, err
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
		case 0:
			return v, errIonIncomplete
		default:
			return v, p.syntax("expected ',' or '}' in a struct, found %q", p.peek())
		}
	}
}

// fieldName reads an identifier, a quoted symbol or a string.
func (p *ionParser) fieldName() (string, error) {
	c := p.b[p.i]
	switch {
	case c == '"':
		return p.shortString('"')
	case c == '\'' && p.i+2 < len(p.b) && p.b[p.i+1] == '\'' && p.b[p.i+2] == '\'':
		return p.longStrings()
	case c == '\'':
		return p.shortString('\'')
	case isIdentStart(c):
		s, _, err := p.symbol()
		return s, err
	}
	return "", p.syntax("expected a field name, found %q", c)
}

// list reads [ value, ... ].
func (p *ionParser) list(depth int) (ionValue, error) {
	p.i++ // [
	v := ionValue{kind: ionList, list: []ionElem{}}
	for {
		if err := p.space(); err != nil {
			return v, err
		}
		if p.i >= len(p.b) {
			return v, errIonIncomplete
		}
		if p.b[p.i] == ']' {
			p.i++
			return v, nil
		}
		at := p.i
		ev, anns, err := p.value(depth + 1)
		if err != nil {
			return v, err
		}
		v.list = append(v.list, ionElem{v: ev, anns: anns, at: at})
		if err := p.space(); err != nil {
			return v, err
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
		case 0:
			return v, errIonIncomplete
		default:
			return v, p.syntax("expected ',' or ']' in a list, found %q", p.peek())
		}
	}
}

// lob reads {{ base64 }} (a blob) or {{ "text" }} (a clob).
func (p *ionParser) lob() (ionValue, error) {
	p.i += 2
	for p.i < len(p.b) && isIonSpace(p.b[p.i]) {
		p.i++
	}
	if p.i >= len(p.b) {
		return ionValue{}, errIonIncomplete
	}
	var data []byte
	if c := p.b[p.i]; c == '"' || c == '\'' {
		var s string
		var err error
		if c == '"' {
			s, err = p.shortString('"')
		} else {
			s, err = p.longStrings()
		}
		if err != nil {
			return ionValue{}, err
		}
		for _, r := range s {
			if r > 0x7f {
				return ionValue{}, p.syntax("a clob holds only ASCII text")
			}
		}
		data = []byte(s)
	} else {
		var enc []byte
		for p.i < len(p.b) && p.b[p.i] != '}' {
			if c := p.b[p.i]; !isIonSpace(c) {
				enc = append(enc, c)
			}
			p.i++
		}
		var err error
		if data, err = base64.StdEncoding.Strict().DecodeString(string(enc)); err != nil {
			return ionValue{}, p.syntax("blob is not base64: %v", err)
		}
	}
	for p.i < len(p.b) && isIonSpace(p.b[p.i]) {
		p.i++
	}
	if p.i+1 >= len(p.b) {
		return ionValue{}, errIonIncomplete
	}
	if p.b[p.i] != '}' || p.b[p.i+1] != '}' {
		return ionValue{}, p.syntax("expected }} to end a blob")
	}
	p.i += 2
	if data == nil {
		data = []byte{}
	}
	return ionValue{kind: ionBlob, bytes: data}, nil
}

// number reads an int (decimal, hex or binary), a decimal or a float. A
// timestamp, which also starts with digits, is refused.
func (p *ionParser) number() (ionValue, error) {
	start := p.i
	for p.i < len(p.b) && !isIonStop(p.b[p.i]) {
		p.i++
	}
	tok := string(p.b[start:p.i])
	switch tok {
	case "+inf", "-inf":
		return ionValue{}, errors.New("DynamoDB numbers cannot be infinite")
	}
	text, err := ionNumberText(tok)
	if err != nil {
		return ionValue{}, err
	}
	return ionValue{kind: ionNumber, text: text}, nil
}

// isIonStop reports whether c ends a number token.
func isIonStop(c byte) bool {
	return isIonSpace(c) || c == ',' || c == ']' || c == '}' || c == ')' || c == '[' || c == '{' || c == '(' || c == '"' || c == '\'' || c == '/'
}

// ionNumberText converts an Ion numeric token to the decimal text attr
// parses: underscores dropped, the decimal exponent 'd' written 'E',
// hex and binary ints in decimal.
func ionNumberText(tok string) (string, error) {
	bad := func() (string, error) { return "", fmt.Errorf("ion: %q is not a number", tok) }
	body := tok
	neg := false
	if strings.HasPrefix(body, "-") {
		neg, body = true, body[1:]
	}
	if len(body) == 0 {
		return bad()
	}
	if len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X' || body[1] == 'b' || body[1] == 'B') {
		base := 16
		if body[1] == 'b' || body[1] == 'B' {
			base = 2
		}
		digits, ok := dropUnderscores(body[2:])
		if !ok || digits == "" {
			return bad()
		}
		n, ok := new(big.Int).SetString(digits, base)
		if !ok {
			return bad()
		}
		if neg {
			n.Neg(n)
		}
		return n.String(), nil
	}
	// Digits, an optional fraction, an optional d/D or e/E exponent.
	i := 0
	intStart := i
	for i < len(body) && (isDigit(body[i]) || body[i] == '_') {
		i++
	}
	intPart := body[intStart:i]
	if intPart == "" {
		return bad()
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		if len(intPart) >= 5 && (body[4:5] == "-" || body[4:5] == "T") || i < len(body) && (body[i] == '-' || body[i] == 'T' || body[i] == ':') {
			return "", errors.New("timestamps have no DynamoDB type")
		}
		return bad() // Ion forbids leading zeros
	}
	if i < len(body) && (body[i] == '-' || body[i] == 'T' || body[i] == ':') {
		return "", errors.New("timestamps have no DynamoDB type")
	}
	frac := ""
	if i < len(body) && body[i] == '.' {
		i++
		fs := i
		for i < len(body) && (isDigit(body[i]) || body[i] == '_') {
			i++
		}
		frac = body[fs:i]
	}
	exp := ""
	if i < len(body) && strings.ContainsRune("dDeE", rune(body[i])) {
		i++
		es := i
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			i++
		}
		for i < len(body) && isDigit(body[i]) {
			i++
		}
		exp = body[es:i]
		if exp == "" || exp == "+" || exp == "-" {
			return bad()
		}
	}
	if i != len(body) {
		return bad()
	}
	ip, ok1 := dropUnderscores(intPart)
	fp, ok2 := dropUnderscores(frac)
	if !ok1 || !ok2 || ip == "" {
		return bad()
	}
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	sb.WriteString(ip)
	if fp != "" {
		sb.WriteByte('.')
		sb.WriteString(fp)
	}
	if exp != "" {
		sb.WriteByte('E')
		sb.WriteString(exp)
	}
	return sb.String(), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// dropUnderscores removes Ion's digit separators, which must sit between
// digits.
func dropUnderscores(s string) (string, bool) {
	if !strings.Contains(s, "_") {
		return s, true
	}
	if s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return "", false
	}
	return strings.ReplaceAll(s, "_", ""), true
}

// shortString reads a "string" or a 'symbol' (q is the quote), which
// cannot span lines.
func (p *ionParser) shortString(q byte) (string, error) {
	p.i++ // the quote
	var sb strings.Builder
	start := p.i
	for {
		if p.i >= len(p.b) {
			return "", errIonIncomplete
		}
		c := p.b[p.i]
		switch {
		case c == q:
			sb.Write(p.b[start:p.i])
			p.i++
			return checkUTF8(sb.String())
		case c == '\n':
			return "", p.syntax("a quoted string or symbol cannot span lines (use '''long strings''')")
		case c == '\\':
			sb.Write(p.b[start:p.i])
			if err := p.escape(&sb, false); err != nil {
				return "", err
			}
			start = p.i
		default:
			p.i++
		}
	}
}

// longStrings reads one or more adjacent ”'long strings”', which Ion
// concatenates.
func (p *ionParser) longStrings() (string, error) {
	var sb strings.Builder
	for {
		p.i += 3 // '''
		start := p.i
		for closed := false; !closed; {
			if p.i >= len(p.b) {
				return "", errIonIncomplete
			}
			c := p.b[p.i]
			switch {
			case c == '\'' && p.i+2 < len(p.b) && p.b[p.i+1] == '\'' && p.b[p.i+2] == '\'':
				sb.Write(p.b[start:p.i])
				p.i += 3
				closed = true
			case c == '\\':
				sb.Write(p.b[start:p.i])
				if err := p.escape(&sb, true); err != nil {
					return "", err
				}
				start = p.i
			default:
				p.i++
			}
		}
		save := p.i
		if err := p.space(); err != nil {
			return "", err
		}
		if !(p.i+2 < len(p.b) && p.b[p.i] == '\'' && p.b[p.i+1] == '\'' && p.b[p.i+2] == '\'') {
			p.i = save
			return checkUTF8(sb.String())
		}
	}
}

func checkUTF8(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("ion: text is not valid UTF-8")
	}
	return s, nil
}

// escape reads one backslash escape into sb. In long strings a backslash
// before a newline joins the lines.
func (p *ionParser) escape(sb *strings.Builder, long bool) error {
	p.i++ // backslash
	if p.i >= len(p.b) {
		return errIonIncomplete
	}
	c := p.b[p.i]
	p.i++
	switch c {
	case '0':
		sb.WriteByte(0)
	case 'a':
		sb.WriteByte('\a')
	case 'b':
		sb.WriteByte('\b')
	case 't':
		sb.WriteByte('\t')
	case 'n':
		sb.WriteByte('\n')
	case 'f':
		sb.WriteByte('\f')
	case 'r':
		sb.WriteByte('\r')
	case 'v':
		sb.WriteByte('\v')
	case '"', '\'', '?', '\\', '/':
		sb.WriteByte(c)
	case '\n':
		if !long {
			return p.syntax("a quoted string or symbol cannot span lines")
		}
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		r, err := p.hex(n)
		if err != nil {
			return err
		}
		if c == 'u' && r >= 0xD800 && r < 0xDC00 {
			// A high surrogate must be followed by \u and a low one.
			if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
				p.i += 2
				lo, err := p.hex(4)
				if err != nil {
					return err
				}
				if lo < 0xDC00 || lo > 0xDFFF {
					return p.syntax("unpaired surrogate in \\u escape")
				}
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
			} else {
				return p.syntax("unpaired surrogate in \\u escape")
			}
		} else if r >= 0xD800 && r < 0xE000 || r > utf8.MaxRune {
			return p.syntax("escape \\%c of an invalid code point", c)
		}
		sb.WriteRune(r)
	default:
		return p.syntax("unknown escape \\%c", c)
	}
	return nil
}

func (p *ionParser) hex(n int) (rune, error) {
	if p.i+n > len(p.b) {
		return 0, errIonIncomplete
	}
	var r rune
	for _, c := range p.b[p.i : p.i+n] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, p.syntax("bad hex digit %q in an escape", c)
		}
		r = r<<4 | rune(d)
	}
	p.i += n
	return r, nil
}
