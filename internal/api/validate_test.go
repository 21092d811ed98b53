package api

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// inputs are the input shapes the validator walks in these tests, by
// operation.
var inputs = map[string]any{
	"CreateTable":        &CreateTableInput{},
	"DescribeTable":      &DescribeTableInput{},
	"ListTables":         &ListTablesInput{},
	"DeleteTable":        &DeleteTableInput{},
	"UpdateTable":        &UpdateTableInput{},
	"PutItem":            &PutItemInput{},
	"GetItem":            &GetItemInput{},
	"DeleteItem":         &DeleteItemInput{},
	"UpdateItem":         &UpdateItemInput{},
	"Query":              &QueryInput{},
	"Scan":               &ScanInput{},
	"BatchGetItem":       &BatchGetItemInput{},
	"BatchWriteItem":     &BatchWriteItemInput{},
	"TransactWriteItems": &TransactWriteItemsInput{},
	"TransactGetItems":   &TransactGetItemsInput{},
}

// TestConstraintTableMatchesShapes checks that every member of the
// generated constraint table points at the Go field of the same name, so a
// regenerated shapes.go cannot silently shift the validator onto the wrong
// fields.
func TestConstraintTableMatchesShapes(t *testing.T) {
	seen := map[shapeID]bool{}
	var check func(id shapeID, typ reflect.Type, path string)
	check = func(id shapeID, typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		r := &shapeRules[id]
		switch r.kind {
		case kindAttributeValue:
			if typ != reflect.TypeOf(attr.Value{}) {
				t.Errorf("%s: AttributeValue is %v", path, typ)
			}
			return
		case kindList:
			check(r.elem, typ.Elem(), path+"[]")
			return
		case kindMap:
			check(r.elem, typ.Elem(), path+"{}")
			return
		case kindStructure:
		default:
			return
		}
		if seen[id] {
			return
		}
		seen[id] = true
		if typ.Kind() != reflect.Struct || typ.NumField() != len(r.members) {
			t.Errorf("%s: %v has %d fields, model %s has %d members", path, typ, typ.NumField(), r.name, len(r.members))
			return
		}
		for _, m := range r.members {
			f := typ.Field(m.field)
			if f.Name != strings.ToUpper(m.name[:1])+m.name[1:] {
				t.Errorf("%s.%s: field %d is %s", path, m.name, m.field, f.Name)
				continue
			}
			check(m.shape, f.Type, path+"."+m.name)
		}
	}
	for op, in := range inputs {
		id, ok := inputShapes[op]
		if !ok {
			t.Errorf("no input shape for %s", op)
			continue
		}
		check(id, reflect.TypeOf(in), op)
	}
	if len(seen) < 30 {
		t.Errorf("only %d structures checked", len(seen))
	}
}

func TestValidate(t *testing.T) {
	v := NewValidator()
	tests := []struct {
		op   string
		in   any
		want string // "" for valid
	}{
		{"DescribeTable", &DescribeTableInput{TableName: Ptr("abc")}, ""},
		{"DescribeTable", &DescribeTableInput{}, "The parameter 'TableName' is required but was not present in the request"},
		{"GetItem", &GetItemInput{Key: attr.Item{}}, "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"},
		{"DescribeTable", &DescribeTableInput{TableName: Ptr("arn:aws:dynamodb:us-east-1:1:table/x")}, ""},
		{"ListTables", &ListTablesInput{Limit: Ptr[int64](100)}, ""},
		{"ListTables", &ListTablesInput{Limit: Ptr[int64](1000)}, "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"PutItem", &PutItemInput{TableName: Ptr("abc"), Item: attr.Item{"a": attr.String("x")}}, ""},
		{"GetItem", &GetItemInput{TableName: Ptr("abc"), Key: attr.Item{}, AttributesToGet: []string{"a", "b"}, ConsistentRead: Ptr(true)}, ""},
		{"Query", &QueryInput{TableName: Ptr("abc"), Select: Ptr("COUNT")}, ""},
		// A string's length is counted in UTF-16 code units, as Java does.
		{"DescribeTable", &DescribeTableInput{TableName: Ptr("ab\U0001F600")}, "1 validation error detected: Value 'ab\U0001F600' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
	}
	for _, tt := range tests {
		err := v.Validate(tt.op, tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s %+v: unexpected %v", tt.op, tt.in, err)
		case tt.want != "":
			e := apierr.As(err)
			if e == nil || e.Code != apierr.ValidationException || e.Message != tt.want {
				t.Errorf("%s: got %v\nwant %s", tt.op, err, tt.want)
			}
		}
	}
}

func TestJavaLen(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "é": 1, "\U0001F600": 2, "a\U0001F600b": 4} {
		if got := javaLen(s); got != want {
			t.Errorf("javaLen(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestCheckTypes(t *testing.T) {
	tests := []struct{ op, body, want string }{
		{"DescribeTable", `{"TableName":"abc"}`, ""},
		{"DescribeTable", `{"TableName":5}`, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"},
		{"ListTables", `{"Limit":"5"}`, "class java.lang.String can not be converted to an Integer"},
		{"CreateTable", `{"ProvisionedThroughput":{"ReadCapacityUnits":[]}}`, "Start of list found where not expected"},
		{"GetItem", `{"ConsistentRead":"yes"}`, ""},
		{"GetItem", `{"ConsistentRead":"perhaps"}`, "'PERHAPS' can not be converted to an Boolean"},
		{"GetItem", `{"Unknown":{"deep":[1,{"x":2}]},"ConsistentRead":3}`, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Boolean"},
		{"PutItem", `{"Item":{"a":{"B":"abc"}}}`, "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3"},
		{"PutItem", `{"Item":{"a":{"B":"YWJj"}}}`, ""},
		{"PutItem", `[]`, "Start of list found where not expected"},
	}
	for _, tt := range tests {
		err := CheckTypes(tt.op, []byte(tt.body))
		got := ""
		if e := apierr.As(err); e != nil {
			if e.Code != apierr.SerializationException {
				t.Errorf("%s: code %s", tt.body, e.Code)
			}
			got = e.Message
		}
		if got != tt.want {
			t.Errorf("%s %s: got %q, want %q", tt.op, tt.body, got, tt.want)
		}
	}
}

func TestCoerce(t *testing.T) {
	tests := []struct{ op, body, want string }{
		{"ListTables", `{"Limit":2.7}`, `{"Limit":2}`},
		{"ListTables", `{"Limit":-2.7}`, `{"Limit":-2}`},
		{"ListTables", `{"Limit":2}`, ""},
		{"ListTables", `{"Limit":1e30}`, ""},
		{"GetItem", `{"ConsistentRead":"Yes"}`, `{"ConsistentRead":true}`},
		{"GetItem", `{"ConsistentRead":"0"}`, `{"ConsistentRead":false}`},
		{"GetItem", `{"ConsistentRead":"maybe"}`, ""},
		{"Scan", `{"TotalSegments":4.0,"Limit":"x"}`, `{"Limit":"x","TotalSegments":4}`},
		{"ListTables", `not json`, ""},
	}
	for _, tt := range tests {
		got, ok := Coerce(tt.op, []byte(tt.body))
		if ok != (tt.want != "") || string(got) != tt.want {
			t.Errorf("Coerce(%s, %s) = %s, %v; want %q", tt.op, tt.body, got, ok, tt.want)
		}
	}
}
