package api

// Request validation against the API model: the constraints DynamoDB checks
// before it looks at a table (required members, lengths, ranges, patterns,
// enums), reported with DynamoDB's exact wording. The constraint table is
// generated (constraints.go, by gen/ from the model), and a Validator walks
// a decoded input shape by reflection, guided by that table: the table keeps
// the generator small, and the walk costs little next to the JSON decode
// that precedes it. Enum values are listed in the order DynamoDB uses,
// which model/enum-order.json records where it differs from the model's.

import (
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/dynago/dynago/internal/apierr"
)

// shapeID indexes shapeRules.
type shapeID uint16

// kind is the model type of a shape.
type kind uint8

const (
	kindStructure kind = iota + 1
	kindList
	kindMap
	kindString
	kindInteger
	kindLong
	kindDouble
	kindBoolean
	kindTimestamp
	kindBlob
	kindAttributeValue // attr.Value: validated by package attr, not here
)

// expressionAttributeNameMap is the shape of ExpressionAttributeNames,
// whose values (AttributeName, at most 65 535 long) the walk leaves alone:
// DynamoDB checks those names as it checks an item's, in bytes and with
// the item's message (package expr, longName), not with the model's
// constraint (docs/validation.md, Attribute names).
var expressionAttributeNameMap = shapeNamed("ExpressionAttributeNameMap")

// shapeNamed returns the id of the shape called name.
func shapeNamed(name string) shapeID {
	for i, r := range shapeRules {
		if r.name == name {
			return shapeID(i)
		}
	}
	panic("api: no shape " + name)
}

// shapeRule is one shape of the model with its constraints.
type shapeRule struct {
	name           string
	kind           kind
	hasMin, hasMax bool
	min, max       int64 // length for strings, lists and maps; value for numbers
	pattern        string
	enum           []string
	elem, key      shapeID // list member, map value and key
	members        []memberRule
}

// memberRule is one member of a structure shape, in the model's order.
type memberRule struct {
	name     string // DynamoDB's member name (UpperCamel), the JSON key
	path     string // the name as validation messages show it (lowerCamel)
	field    int    // index of the Go struct field in the generated shape
	shape    shapeID
	required bool
}

// maxValidationErrors is how many constraint failures DynamoDB lists in one
// ValidationException before it stops looking.
const maxValidationErrors = 10

// Validator checks decoded requests against the model's constraints. It is
// immutable once built and safe for concurrent use; build one per server.
type Validator struct {
	patterns  map[string]matcher
	tableName shapeID // the TableName shape, applied to table names given as TableArn
	tableArn  shapeID
	// holdsItems[id] is true when values of shape id contain attribute
	// values (keys, items, write requests): DynamoDB never quotes those
	// back in a validation message.
	holdsItems []bool
}

// NewValidator compiles the model's patterns. Patterns written in Java
// syntax that Go's regexp cannot express (\p{Print}, surrogate ranges) are
// skipped: none of them guards a member the engine relies on.
func NewValidator() *Validator {
	v := &Validator{patterns: map[string]matcher{}, holdsItems: itemHolders()}
	for i := range shapeRules {
		r := &shapeRules[i]
		switch r.name {
		case "TableName":
			v.tableName = shapeID(i)
		case "TableArn":
			v.tableArn = shapeID(i)
		}
		if r.pattern == "" {
			continue
		}
		if _, ok := v.patterns[r.pattern]; ok {
			continue
		}
		if m, ok := compileCharClass(r.pattern); ok {
			v.patterns[r.pattern] = m
		} else if re, err := regexp.Compile(`^(?:` + r.pattern + `)$`); err == nil {
			v.patterns[r.pattern] = re
		}
	}
	return v
}

// Validate checks in, a pointer to op's input shape, against the model. It
// returns nil, or a ValidationException listing up to ten failures as
// DynamoDB does: "2 validation errors detected: Value null at 'tableName'
// failed to satisfy constraint: Member must not be null; ...".
//
// A valid request costs no allocation for paths or messages: the walk keeps
// the path as a stack and renders it only for a failure. Map entries are
// visited in Go's random order; when that first pass finds a failure, a
// second pass visits them in key order, so that the message is the same
// every time.
func (v *Validator) Validate(op string, in any) error {
	id, ok := inputShapes[op]
	if !ok {
		return apierr.New(apierr.UnknownOperationException, "")
	}
	if err := requiredSentence(op, id, reflect.ValueOf(in)); err != nil {
		return err
	}
	w := walker{v: v}
	w.structure(id, reflect.ValueOf(in))
	if len(w.errs) == 0 {
		return nil
	}
	w = walker{v: v, sorted: true}
	w.structure(id, reflect.ValueOf(in))
	return validationError(w.errs)
}

func validationError(errs []string) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return apierr.Validation("1 validation error detected: " + errs[0])
	}
	return apierr.Validation(strconv.Itoa(len(errs)) + " validation errors detected: " + strings.Join(errs, "; "))
}

// pathElem is one step of the path to a value: a member name, a list index
// or a map key.
type pathElem struct {
	name   string // member name (lowerCamel) or map key
	member string // the member's name as the request spells it (UpperCamel); "" for a map key
	index  int    // list index, 1-based; 0 for a member or map key
	entry  bool   // a list element or map value: rendered with ".member"
}

type walker struct {
	v      *Validator
	sorted bool // visit map entries in key order
	path   []pathElem
	errs   []string
}

func (w *walker) full() bool { return len(w.errs) >= maxValidationErrors }

func (w *walker) push(e pathElem) { w.path = append(w.path, e) }
func (w *walker) pop()            { w.path = w.path[:len(w.path)-1] }

// pathString renders the current path as DynamoDB does:
// "keySchema.1.member.attributeName", "requestItems.Table.member.keys".
func (w *walker) pathString() string {
	var b strings.Builder
	for i, e := range w.path {
		if i > 0 {
			b.WriteByte('.')
		}
		if e.index > 0 {
			b.WriteString(strconv.Itoa(e.index))
		} else {
			b.WriteString(e.name)
		}
		if e.entry {
			b.WriteString(".member")
		}
	}
	return b.String()
}

// requestPathString renders the current path with the members named as
// the request names them: "RequestItems.Table.member.Keys", "Limit".
func (w *walker) requestPathString() string {
	var b strings.Builder
	for i, e := range w.path {
		if i > 0 {
			b.WriteByte('.')
		}
		switch {
		case e.index > 0:
			b.WriteString(strconv.Itoa(e.index))
		case e.member != "":
			b.WriteString(e.member)
		default:
			b.WriteString(e.name)
		}
		if e.entry {
			b.WriteString(".member")
		}
	}
	return b.String()
}

// fail records a failure of the value at the current path; rendered is
// the value as the message quotes it.
func (w *walker) fail(rendered, constraint string) {
	if w.full() {
		return
	}
	w.errs = append(w.errs, "Value "+rendered+" at '"+w.pathString()+"' failed to satisfy constraint: "+constraint)
}

// failUnquoted records a failure in the form DynamoDB's current validation
// uses for values it does not quote back (see docs/validation.md): "Value
// at 'RequestItems.t.member.Keys' failed to satisfy constraint: ...", the
// path spelled with the request's own member names.
func (w *walker) failUnquoted(constraint string) {
	if w.full() {
		return
	}
	w.errs = append(w.errs, "Value at '"+w.requestPathString()+"' failed to satisfy constraint: "+constraint)
}

// structure validates the struct (or pointer to struct) rv.
func (w *walker) structure(id shapeID, rv reflect.Value) {
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return
		}
		rv = rv.Elem()
	}
	for i := range shapeRules[id].members {
		if w.full() {
			return
		}
		m := &shapeRules[id].members[i]
		fv := rv.Field(m.field)
		null := isNull(fv)
		if null && !m.required || engineCheckedMembers[m.name] {
			continue
		}
		w.push(pathElem{name: m.path, member: m.name})
		if null {
			w.fail("null", "Member must not be null")
		} else {
			w.value(m.shape, fv)
		}
		w.pop()
	}
}

// engineChecked names the shapes, and engineCheckedMembers the members,
// whose constraints DynamoDB reports with sentences of its own rather than
// the model's (ack-api-quirks DDB-TABLE-442); the engine checks them. A
// Tag's key or value of the wrong length, or absent, is "The Tag Key
// provided is invalid, Key: <k>" / "The Tag Value provided is invalid,
// Value: null" (tags.go); CreateTable's and UpdateTable's TableClass
// outside the enum "Invalid table-class parameter provided. ..."
// (validate_table.go; a replica's or restore's TableClass keeps the
// model's constraint).
var (
	engineChecked        = map[string]bool{"Tag": true}
	engineCheckedMembers = map[string]bool{"TableClass": true}
)

// quotedNumbers names the number shapes whose out-of-range values
// DynamoDB still reports in the older form, the value quoted and the path
// in lowerCamel: UpdateContinuousBackups' RecoveryPeriodInDays 36 is
// "Value '36' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays'
// failed to satisfy constraint: Member must have value less than or equal
// to 35" (ack-api-quirks DDB-TABLE-442).
var quotedNumbers = map[string]bool{"RecoveryPeriodInDays": true}

func isNull(fv reflect.Value) bool {
	switch fv.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return fv.IsNil()
	}
	return false
}

// value validates one non-null value of shape id at the current path.
func (w *walker) value(id shapeID, fv reflect.Value) {
	r := &shapeRules[id]
	if engineChecked[r.name] {
		return
	}
	if fv.Kind() == reflect.Pointer && r.kind != kindStructure {
		fv = fv.Elem()
	}
	switch r.kind {
	case kindStructure:
		w.structure(id, fv)
	case kindString:
		w.str(id, fv.String())
	case kindInteger, kindLong:
		// Numbers out of range are not quoted back, but for the shapes of
		// quotedNumbers.
		n := fv.Int()
		fail := w.failUnquoted
		if quotedNumbers[r.name] {
			fail = func(c string) { w.fail("'"+strconv.FormatInt(n, 10)+"'", c) }
		}
		if r.hasMin && n < r.min {
			fail("Member must have value greater than or equal to " + strconv.FormatInt(r.min, 10))
		}
		if r.hasMax && n > r.max {
			fail("Member must have value less than or equal to " + strconv.FormatInt(r.max, 10))
		}
	case kindList:
		w.length(id, fv)
		if !needsWalk(r.elem) {
			return
		}
		for i := 0; i < fv.Len() && !w.full(); i++ {
			ev := fv.Index(i)
			if isNull(ev) {
				continue
			}
			w.push(pathElem{index: i + 1, entry: true})
			w.value(r.elem, ev)
			w.pop()
		}
	case kindMap:
		w.length(id, fv)
		if w.mapValueLengths(id, fv) || !needsWalk(r.elem) || id == expressionAttributeNameMap {
			return
		}
		if w.sorted {
			keys := fv.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			for _, k := range keys {
				w.mapEntry(r.elem, k.String(), fv.MapIndex(k))
			}
			return
		}
		for it := fv.MapRange(); it.Next(); {
			w.mapEntry(r.elem, it.Key().String(), it.Value())
		}
	}
}

func (w *walker) mapEntry(elem shapeID, key string, ev reflect.Value) {
	if w.full() || isNull(ev) {
		return
	}
	w.push(pathElem{name: key, entry: true})
	w.value(elem, ev)
	w.pop()
}

// needsWalk reports whether values of shape id can fail a constraint, so
// that lists and maps of unconstrained values (items, attribute names) are
// not walked at all.
func needsWalk(id shapeID) bool {
	r := &shapeRules[id]
	switch r.kind {
	case kindAttributeValue, kindBoolean, kindBlob, kindDouble, kindTimestamp:
		return false
	case kindString, kindInteger, kindLong:
		return r.hasMin || r.hasMax || r.pattern != "" || len(r.enum) > 0
	}
	return true
}

// str checks a string: pattern first, then length, then enum, the order
// DynamoDB lists them in.
func (w *walker) str(id shapeID, s string) {
	declared := id
	if id == w.v.tableArn && !strings.HasPrefix(s, "arn:") {
		// A table named by name, not ARN, keeps the TableName rules.
		id = w.v.tableName
	}
	r := &shapeRules[id]
	if s == "" && r.hasMin && r.min > 0 {
		// An empty string fails its length alone, unquoted, with the
		// minimum of the member's own shape (TableArn's 1, not
		// TableName's 3): DynamoDB checks emptiness before the rest.
		w.failUnquoted("Member must have length greater than or equal to " + strconv.FormatInt(shapeRules[declared].min, 10))
		return
	}
	if r.pattern != "" {
		if re := w.v.patterns[r.pattern]; re != nil && !re.MatchString(s) {
			w.fail("'"+s+"'", "Member must satisfy regular expression pattern: "+r.pattern)
		}
	}
	if r.hasMin || r.hasMax {
		n := int64(javaLen(s))
		if r.hasMin && n < r.min {
			w.fail("'"+s+"'", "Member must have length greater than or equal to "+strconv.FormatInt(r.min, 10))
		}
		if r.hasMax && n > r.max {
			w.fail("'"+s+"'", "Member must have length less than or equal to "+strconv.FormatInt(r.max, 10))
		}
	}
	if len(r.enum) > 0 {
		for _, e := range r.enum {
			if s == e {
				return
			}
		}
		w.fail("'"+s+"'", "Member must satisfy enum value set: ["+strings.Join(r.enum, ", ")+"]")
	}
}

// javaLen is the length of s as Java counts it (UTF-16 code units), which
// is what DynamoDB's length constraints measure.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		if utf16.RuneLen(r) == 2 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// length checks the length of a list or map. A list or map that is too
// short, or that holds attribute values, is not quoted back; a long list of
// plain values (a key schema, attribute names) is, in Java's toString form.
func (w *walker) length(id shapeID, fv reflect.Value) {
	r := &shapeRules[id]
	n := int64(fv.Len())
	if r.hasMin && n < r.min {
		w.failUnquoted("Member must have length greater than or equal to " + strconv.FormatInt(r.min, 10))
	}
	if r.hasMax && n > r.max {
		const constraint = "Member must have length less than or equal to "
		if w.v.holdsItems[id] {
			w.failUnquoted(constraint + strconv.FormatInt(r.max, 10))
		} else {
			w.fail("'"+render(fv)+"'", constraint+strconv.FormatInt(r.max, 10))
		}
	}
}

// itemHolders computes Validator.holdsItems: which shapes contain an
// attribute value, directly or through their members and elements.
func itemHolders() []bool {
	holds := make([]bool, len(shapeRules))
	// A fixed point: shapes may be recursive (AttributeValue's M and L).
	for changed := true; changed; {
		changed = false
		for i := range shapeRules {
			if holds[i] {
				continue
			}
			r := &shapeRules[i]
			h := r.kind == kindAttributeValue
			switch r.kind {
			case kindList, kindMap:
				h = h || holds[r.elem]
			case kindStructure:
				for _, m := range r.members {
					h = h || holds[m.shape]
				}
			}
			if h {
				holds[i], changed = true, true
			}
		}
	}
	return holds
}

// render writes a value roughly as Java's toString would, which is how
// DynamoDB quotes lists and maps in validation messages: [a, b] and {k=v}.
func render(fv reflect.Value) string {
	switch fv.Kind() {
	case reflect.Pointer:
		if fv.IsNil() {
			return "null"
		}
		return render(fv.Elem())
	case reflect.String:
		return fv.String()
	case reflect.Slice:
		if fv.Type().Elem().Kind() == reflect.Uint8 {
			return "java.nio.HeapByteBuffer[pos=0 lim=" + strconv.Itoa(fv.Len()) + " cap=" + strconv.Itoa(fv.Len()) + "]"
		}
		parts := make([]string, fv.Len())
		for i := range parts {
			parts[i] = render(fv.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		keys := fv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k.String() + "=" + render(fv.MapIndex(k))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case reflect.Struct:
		// Java's toString of a model class, as DynamoDB prints it:
		// KeySchemaElement(attributeName=pk, keyType=HASH).
		t := fv.Type()
		var parts []string
		for i := 0; i < t.NumField(); i++ {
			f := fv.Field(i)
			if !t.Field(i).IsExported() {
				continue
			}
			name := t.Field(i).Name
			parts = append(parts, strings.ToLower(name[:1])+name[1:]+"="+render(f))
		}
		return t.Name() + "(" + strings.Join(parts, ", ") + ")"
	case reflect.Int64, reflect.Int:
		return strconv.FormatInt(fv.Int(), 10)
	case reflect.Bool:
		return strconv.FormatBool(fv.Bool())
	case reflect.Float64:
		return strconv.FormatFloat(fv.Float(), 'g', -1, 64)
	}
	return fv.String()
}
