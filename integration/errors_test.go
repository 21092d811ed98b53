package integration

import (
	"net/http"
	"strings"
	"testing"
)

// TestErrors checks every case of testdata/errors.txt over raw HTTP, as an
// SDK sends it: DynamoDB's error type and exact message for requests whose
// answer families issue 18 lists (validation message forms, which error
// DynamoDB picks, conditions, names, numbers).
func TestErrors(t *testing.T) {
	srv, c := newTxServer(t)
	// errs: pk S, sk S, an LSI on l (S) and a GSI on g (S).
	status, m := rawCall(t, srv.URL(), "CreateTable", `{"TableName":"errs",
		"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"l","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
		"LocalSecondaryIndexes":[{"IndexName":"byL","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"l","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}],
		"GlobalSecondaryIndexes":[{"IndexName":"byG","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}],
		"BillingMode":"PAY_PER_REQUEST"}`)
	if status != http.StatusOK {
		t.Fatalf("CreateTable errs: %d %v", status, m)
	}
	waitActive(t, c, "errs")
	for _, tc := range loadErrorCases(t, "errors.txt") {
		t.Run(tc.name, func(t *testing.T) {
			status, m := rawCall(t, srv.URL(), tc.op, tc.body)
			typ, msg := errorOf(m)
			want := tc.message
			if strings.HasSuffix(want, "...") {
				// A message whose tail holds a request id or a long echo.
				want = strings.TrimSuffix(want, "...")
				if strings.HasPrefix(msg, want) {
					msg = want
				}
			}
			if status != http.StatusBadRequest || typ != tc.errType || !sameValidationMessage(msg, want) {
				t.Errorf("errors.txt:%d: got HTTP %d %s: %q\nwant %s: %q", tc.line, status, typ, msg, tc.errType, tc.message)
			}
		})
	}
}
