package wire

// A reflection-free decoder for the request shapes of the hot operations
// (GetItem, PutItem, UpdateItem, DeleteItem, Query, and ExecuteStatement,
// PartiQL's equivalent of them). encoding/json scans a
// body three times before attr's decoder sees an item: once to validate it,
// once to walk the struct, and once more to find the end of each item it
// hands to UnmarshalJSON. That was 6-10% of a GetItem's server CPU.
//
// The fast path is strictly a subset: it accepts only a body json.Valid
// accepts, holding only members it knows by their exact names, each once,
// with values of the expected JSON type, strings without escapes and in
// valid UTF-8, and no nulls. Anything else (and any error from attr's
// decoder) makes it report false, and the request takes the encoding/json
// path as before, which produces every error message. For a body it
// accepts, the result is the struct encoding/json would have produced
// (TestDecodeFastMatchesEncodingJSON and FuzzDecodeFast check this).

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// decodeFast decodes body into in, a pointer to a zero input shape, and
// reports whether it could; on false, in is garbage and the caller decodes
// again with encoding/json.
//
// Member names are matched as bytes and a repeated member is recognised by
// its field being set already (every field is a pointer, map or Item, and
// a value the fast path reads is never nil), so that only values cost
// allocations.
func decodeFast(body []byte, in any) bool {
	switch in.(type) {
	case *api.GetItemInput, *api.PutItemInput, *api.UpdateItemInput, *api.DeleteItemInput, *api.QueryInput,
		*api.ExecuteStatementInput:
	default:
		return false
	}
	if !json.Valid(body) {
		return false
	}
	d := fastDecoder{b: body}
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return false
	}
	for more := d.open('}'); more; {
		d.space()
		name, ok := d.name()
		if !ok {
			return false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return false
		}
		d.i++
		d.space()
		switch v := in.(type) {
		case *api.GetItemInput:
			ok = getMember(&d, name, v)
		case *api.PutItemInput:
			ok = putMember(&d, name, v)
		case *api.UpdateItemInput:
			ok = updateMember(&d, name, v)
		case *api.DeleteItemInput:
			ok = deleteMember(&d, name, v)
		case *api.QueryInput:
			ok = queryMember(&d, name, v)
		case *api.ExecuteStatementInput:
			ok = statementMember(&d, name, v)
		}
		if !ok {
			return false
		}
		if more, ok = d.next('}'); !ok {
			return false
		}
	}
	return true // json.Valid said nothing but space follows
}

// fastDecoder is a position in a body already known to be valid JSON.
type fastDecoder struct {
	b []byte
	i int
}

func (d *fastDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// name reads a member name as str does, without copying it: names are
// only compared.
func (d *fastDecoder) name() ([]byte, bool) {
	start, end, ok := d.span()
	return d.b[start:end], ok
}

// str reads a string without escapes, in valid UTF-8.
func (d *fastDecoder) str() (string, bool) {
	start, end, ok := d.span()
	if !ok {
		return "", false
	}
	return string(d.b[start:end]), true
}

// span reads a string without escapes, in valid UTF-8, and returns the
// bounds of its text.
func (d *fastDecoder) span() (start, end int, ok bool) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return 0, 0, false
	}
	start = d.i + 1
	ascii := true
	for i := start; i < len(d.b); i++ {
		switch c := d.b[i]; {
		case c == '"':
			if !ascii && !utf8.Valid(d.b[start:i]) {
				return 0, 0, false
			}
			d.i = i + 1
			return start, i, true
		case c == '\\':
			return 0, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return 0, 0, false
}

// strPtr reads a string member into *dst.
func (d *fastDecoder) strPtr(dst **string) bool {
	if *dst != nil {
		return false // a repeated member: encoding/json's to handle
	}
	s, ok := d.str()
	if ok {
		*dst = &s
	}
	return ok
}

// boolPtr reads true or false into *dst.
func (d *fastDecoder) boolPtr(dst **bool) bool {
	if *dst != nil {
		return false
	}
	var v bool
	switch {
	case hasPrefixAt(d.b, d.i, "true"):
		v, d.i = true, d.i+4
	case hasPrefixAt(d.b, d.i, "false"):
		d.i += 5
	default:
		return false
	}
	*dst = &v
	return true
}

func hasPrefixAt(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

// maxFastIntDigits keeps ParseInt far from int64's limit.
const maxFastIntDigits = 18

// intPtr reads a plain integer (no fraction or exponent) into *dst.
func (d *fastDecoder) intPtr(dst **int64) bool {
	if *dst != nil {
		return false
	}
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	if n := d.i - digits; n == 0 || n > maxFastIntDigits {
		return false
	}
	if d.i < len(d.b) && (d.b[d.i] == '.' || d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		return false
	}
	v, err := strconv.ParseInt(string(d.b[start:d.i]), 10, 64)
	if err != nil {
		return false
	}
	*dst = &v
	return true
}

// item reads an attribute map with attr's decoder, which is what
// attr.Item's UnmarshalJSON runs.
func (d *fastDecoder) item(dst *attr.Item) bool {
	if *dst != nil || d.i >= len(d.b) || d.b[d.i] != '{' {
		return false
	}
	end, ok := d.valueEnd()
	if !ok {
		return false
	}
	it, err := attr.DecodeItemJSON(d.b[d.i:end])
	if err != nil || it == nil {
		return false
	}
	*dst, d.i = it, end
	return true
}

// valueEnd returns the end of the object or array at d.i. The body is
// valid JSON, so counting brackets outside strings finds it.
func (d *fastDecoder) valueEnd() (int, bool) {
	depth := 0
	for i := d.i; i < len(d.b); i++ {
		switch d.b[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case '"':
			for i++; i < len(d.b) && d.b[i] != '"'; i++ {
				if d.b[i] == '\\' {
					i++
				}
			}
		}
	}
	return 0, false
}

// open and next step through the members of an object or the elements
// of an array, whose closing bracket is end, in the loops of the input's
// members, of names and of values. open, with d.i on the opening
// bracket, reports whether a member follows, or the closing bracket did
// (d.i past it). next, after a member, does the same for the one after
// it, past a comma; ok is false when neither a comma nor end follows.
// Each member may start with space. Both inline, so the walk costs no
// call, indirect call or allocation.
func (d *fastDecoder) open(end byte) bool {
	d.i++
	d.space()
	if d.i < len(d.b) && d.b[d.i] == end {
		d.i++
		return false
	}
	return true
}

func (d *fastDecoder) next(end byte) (more, ok bool) {
	d.space()
	if d.i >= len(d.b) {
		return false, false
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return true, true
	case end:
		d.i++
		return false, true
	}
	return false, false
}

// names reads ExpressionAttributeNames: an object of strings.
func (d *fastDecoder) names(dst *map[string]string) bool {
	if *dst != nil || d.i >= len(d.b) || d.b[d.i] != '{' {
		return false
	}
	m := map[string]string{}
	for more := d.open('}'); more; {
		d.space()
		k, ok := d.str()
		if !ok {
			return false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return false
		}
		d.i++
		d.space()
		v, ok := d.str()
		if !ok {
			return false
		}
		m[k] = v
		if more, ok = d.next('}'); !ok {
			return false
		}
	}
	*dst = m
	return true
}

func getMember(d *fastDecoder, name []byte, in *api.GetItemInput) bool {
	switch string(name) {
	case "TableName":
		return d.strPtr(&in.TableName)
	case "Key":
		return d.item(&in.Key)
	case "ConsistentRead":
		return d.boolPtr(&in.ConsistentRead)
	case "ProjectionExpression":
		return d.strPtr(&in.ProjectionExpression)
	case "ExpressionAttributeNames":
		return d.names(&in.ExpressionAttributeNames)
	case "ReturnConsumedCapacity":
		return d.strPtr(&in.ReturnConsumedCapacity)
	}
	return false
}

// writeMember reads the members PutItem, UpdateItem and DeleteItem share.
func writeMember(d *fastDecoder, name []byte, table, cond, rcc, ricm, rv, rvoccf **string,
	names *map[string]string, values *attr.Item) bool {
	switch string(name) {
	case "TableName":
		return d.strPtr(table)
	case "ConditionExpression":
		return d.strPtr(cond)
	case "ExpressionAttributeNames":
		return d.names(names)
	case "ExpressionAttributeValues":
		return d.item(values)
	case "ReturnConsumedCapacity":
		return d.strPtr(rcc)
	case "ReturnItemCollectionMetrics":
		return d.strPtr(ricm)
	case "ReturnValues":
		return d.strPtr(rv)
	case "ReturnValuesOnConditionCheckFailure":
		return d.strPtr(rvoccf)
	}
	return false
}

func putMember(d *fastDecoder, name []byte, in *api.PutItemInput) bool {
	if string(name) == "Item" {
		return d.item(&in.Item)
	}
	return writeMember(d, name, &in.TableName, &in.ConditionExpression, &in.ReturnConsumedCapacity,
		&in.ReturnItemCollectionMetrics, &in.ReturnValues, &in.ReturnValuesOnConditionCheckFailure,
		&in.ExpressionAttributeNames, &in.ExpressionAttributeValues)
}

func updateMember(d *fastDecoder, name []byte, in *api.UpdateItemInput) bool {
	switch string(name) {
	case "Key":
		return d.item(&in.Key)
	case "UpdateExpression":
		return d.strPtr(&in.UpdateExpression)
	}
	return writeMember(d, name, &in.TableName, &in.ConditionExpression, &in.ReturnConsumedCapacity,
		&in.ReturnItemCollectionMetrics, &in.ReturnValues, &in.ReturnValuesOnConditionCheckFailure,
		&in.ExpressionAttributeNames, &in.ExpressionAttributeValues)
}

func deleteMember(d *fastDecoder, name []byte, in *api.DeleteItemInput) bool {
	if string(name) == "Key" {
		return d.item(&in.Key)
	}
	return writeMember(d, name, &in.TableName, &in.ConditionExpression, &in.ReturnConsumedCapacity,
		&in.ReturnItemCollectionMetrics, &in.ReturnValues, &in.ReturnValuesOnConditionCheckFailure,
		&in.ExpressionAttributeNames, &in.ExpressionAttributeValues)
}

func queryMember(d *fastDecoder, name []byte, in *api.QueryInput) bool {
	switch string(name) {
	case "TableName":
		return d.strPtr(&in.TableName)
	case "IndexName":
		return d.strPtr(&in.IndexName)
	case "KeyConditionExpression":
		return d.strPtr(&in.KeyConditionExpression)
	case "FilterExpression":
		return d.strPtr(&in.FilterExpression)
	case "ProjectionExpression":
		return d.strPtr(&in.ProjectionExpression)
	case "ExpressionAttributeNames":
		return d.names(&in.ExpressionAttributeNames)
	case "ExpressionAttributeValues":
		return d.item(&in.ExpressionAttributeValues)
	case "ExclusiveStartKey":
		return d.item(&in.ExclusiveStartKey)
	case "Limit":
		return d.intPtr(&in.Limit)
	case "ScanIndexForward":
		return d.boolPtr(&in.ScanIndexForward)
	case "ConsistentRead":
		return d.boolPtr(&in.ConsistentRead)
	case "Select":
		return d.strPtr(&in.Select)
	case "ReturnConsumedCapacity":
		return d.strPtr(&in.ReturnConsumedCapacity)
	}
	return false
}

// escapedStrPtr reads a string member that may hold escapes into *dst: a
// PartiQL statement quotes its table name ("SELECT * FROM \"t\" ..."),
// so its JSON string nearly always has them. The two-character escapes
// are undone here; a string with a \u escape or bytes that are not UTF-8
// is handed to encoding/json alone (its rules for lone surrogates and
// invalid bytes are the ones to keep), still far cheaper than decoding the
// whole body with it.
func (d *fastDecoder) escapedStrPtr(dst **string) bool {
	if *dst != nil || d.i >= len(d.b) || d.b[d.i] != '"' {
		return false
	}
	start := d.i
	if d.strPtr(dst) {
		return true
	}
	var out []byte
	ascii, hard := true, false
	end := start + 1
	for ; end < len(d.b) && d.b[end] != '"'; end++ {
		c := d.b[end]
		if c >= utf8.RuneSelf {
			ascii = false
		}
		if c != '\\' {
			out = append(out, c)
			continue
		}
		end++
		if end >= len(d.b) {
			return false
		}
		switch e := d.b[end]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default: // \u
			hard = true
		}
	}
	if end >= len(d.b) {
		return false
	}
	var str string
	if hard || (!ascii && !utf8.Valid(out)) {
		if json.Unmarshal(d.b[start:end+1], &str) != nil {
			return false
		}
	} else {
		str = string(out)
	}
	*dst, d.i = &str, end+1
	return true
}

// values reads a JSON array of AttributeValues (ExecuteStatement's
// Parameters) with attr's decoder, as attr.Value's UnmarshalJSON does.
func (d *fastDecoder) values(dst *[]attr.Value) bool {
	if *dst != nil || d.i >= len(d.b) || d.b[d.i] != '[' {
		return false
	}
	vs := []attr.Value{}
	for more := d.open(']'); more; {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '{' {
			return false // null and the rest: encoding/json's to handle
		}
		end, ok := d.valueEnd()
		if !ok {
			return false
		}
		v, err := attr.DecodeJSON(d.b[d.i:end])
		if err != nil {
			return false
		}
		vs = append(vs, v)
		d.i = end
		if more, ok = d.next(']'); !ok {
			return false
		}
	}
	*dst = vs
	return true
}

func statementMember(d *fastDecoder, name []byte, in *api.ExecuteStatementInput) bool {
	switch string(name) {
	case "Statement":
		return d.escapedStrPtr(&in.Statement)
	case "Parameters":
		return d.values(&in.Parameters)
	case "ConsistentRead":
		return d.boolPtr(&in.ConsistentRead)
	case "Limit":
		return d.intPtr(&in.Limit)
	case "NextToken":
		return d.strPtr(&in.NextToken)
	case "ReturnConsumedCapacity":
		return d.strPtr(&in.ReturnConsumedCapacity)
	case "ReturnValuesOnConditionCheckFailure":
		return d.strPtr(&in.ReturnValuesOnConditionCheckFailure)
	}
	return false
}
