package wire

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestUpdateNestingBound is bug 4's regression test (docs/reliability.md):
// an update that nests an attribute in itself (SET m.m = m) made the item
// one level deeper each time, past DynamoDB's 32 levels and then past what
// the store's reader accepts, so a later Scan answered 500. The update
// that would pass the limit is refused, with DynamoDB's message (and its
// cancellation reason in a transaction), and every read goes on working.
func TestUpdateNestingBound(t *testing.T) {
	h, _, logs := fuzzEngineHandler(t)
	serve := http.HandlerFunc(h.ServeHTTP)
	const key = `"Key":{"pk":{"S":"a"},"sk":{"N":"1"}}`
	if rec := do(t, serve, req{target: "UpdateItem", body: `{"TableName":"fzt",` + key + `,"UpdateExpression":"SET m = :m","ExpressionAttributeValues":{":m":{"M":{"s":{"S":"x"}}}}}`}.build()); rec.Code != 200 {
		t.Fatalf("SET m: %d %s", rec.Code, rec.Body.String())
	}
	// m holds a scalar at level 2; each SET m.m = m adds a level.
	nested := 0
	for range 40 {
		rec := do(t, serve, req{target: "UpdateItem", body: `{"TableName":"fzt",` + key + `,"UpdateExpression":"SET m.m = m"}`}.build())
		if rec.Code != 200 {
			if rec.Code != 400 || !strings.Contains(rec.Body.String(), "ValidationException") ||
				!strings.Contains(rec.Body.String(), "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit") {
				t.Fatalf("update %d: %d %s\n%s", nested+1, rec.Code, rec.Body.String(), logs.String())
			}
			break
		}
		nested++
		if rec := do(t, serve, req{target: "Scan", body: `{"TableName":"fzt"}`}.build()); rec.Code != 200 {
			t.Fatalf("Scan after %d updates: %d %s\n%s", nested, rec.Code, rec.Body.String(), logs.String())
		}
	}
	// The scalar started at level 2 and may reach level 32.
	if nested != 30 {
		t.Errorf("%d updates nested m before the refusal, want 30", nested)
	}
	rec := do(t, serve, req{target: "TransactWriteItems", body: `{"TransactItems":[{"Update":{"TableName":"fzt",` + key + `,"UpdateExpression":"SET m.m = m"}}]}`}.build())
	var out struct {
		Type    string                           `json:"__type"`
		Reasons []struct{ Code, Message string } `json:"CancellationReasons"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 400 ||
		!strings.HasSuffix(out.Type, "TransactionCanceledException") || len(out.Reasons) != 1 ||
		out.Reasons[0].Code != "ValidationError" || out.Reasons[0].Message != "Nesting Levels have exceeded supported limits" {
		t.Errorf("transaction nesting m past the limit: %d %s", rec.Code, rec.Body.String())
	}
	for _, body := range []string{`{"TableName":"fzt"}`, `{"TableName":"fzt","ConsistentRead":true,"FilterExpression":"attribute_exists(m)"}`} {
		if rec := do(t, serve, req{target: "Scan", body: body}.build()); rec.Code != 200 {
			t.Errorf("Scan %s: %d %s", body, rec.Code, rec.Body.String())
		}
	}
}
