package integration

import (
	"strings"
	"testing"
)

// Literals are item values: they are checked as PutItem checks an item's
// attributes, with the same messages.
func TestPartiQLLiteralValidation(t *testing.T) {
	c := client(t)
	makeTable(t, c, "Lit", hashS)
	deep := strings.Repeat("[", 33) + "1" + strings.Repeat("]", 33)
	ok := strings.Repeat("[", 32) + "1" + strings.Repeat("]", 32)
	cases := []struct{ value, msg string }{
		{"<<'x', 'x'>>", "One or more parameter values were invalid: Input collection [x, x] contains duplicates."},
		{"<<1, 1.0>>", "Input collection contains duplicates"},
		{"1e200", "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"{'a': " + deep + "}", "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"},
		// 32 lists around a scalar: the scalar at level 33, one past DynamoDB's limit.
		{ok, "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"},
		{"[<<'a', 'a'>>]", "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
	}
	for _, tc := range cases {
		err := stmtErr(c, `INSERT INTO Lit VALUE {'pk': 'a', 'v': `+tc.value+`}`)
		wantAPIError(t, err, "ValidationException", tc.msg)
		err = stmtErr(c, `SELECT * FROM Lit WHERE v = `+tc.value)
		wantAPIError(t, err, "ValidationException", tc.msg)
	}
	// 31 lists: the deepest an item's attribute may be.
	stmt(t, c, `INSERT INTO Lit VALUE {'pk': 'a', 'v': `+ok[1:len(ok)-1]+`}`)
	if got := stmt(t, c, `SELECT * FROM Lit WHERE pk = 'a'`); len(got) != 1 {
		t.Fatalf("%d items", len(got))
	}
}

// Parameters are item values too.
func TestPartiQLParameterValidation(t *testing.T) {
	c := client(t)
	makeTable(t, c, "Par", hashS)
	err := stmtErr(c, `INSERT INTO Par VALUE {'pk': 'a', 'v': ?}`, NS("1", "1.0"))
	wantAPIError(t, err, "ValidationException", "Input collection contains duplicates")
}
