package wire

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/dynago/dynago/internal/api"
)

// decodeFastCases are request bodies the fast path must either decode
// exactly as encoding/json does or refuse. want says whether the fast path
// should take it.
var decodeFastCases = []struct {
	op   string
	body string
	want bool
}{
	{"GetItem", `{"TableName":"t","Key":{"pk":{"S":"p1"},"sk":{"N":"7"}}}`, true},
	{"GetItem", ` { "TableName" : "t" , "Key" : { "pk" : { "S" : "p1" } } , "ConsistentRead" : true } `, true},
	{"GetItem", `{"TableName":"t","Key":{"pk":{"S":"p1"}},"ProjectionExpression":"#n, b","ExpressionAttributeNames":{"#n":"name","#m":"é"},"ReturnConsumedCapacity":"TOTAL","ConsistentRead":false}`, true},
	{"GetItem", `{}`, true},
	{"GetItem", `{"TableName":"t","Key":{}}`, true},
	{"GetItem", `{"TableName":"t","Key":{"pk":{"S":"a\"b"}}}`, true}, // escapes inside an item are attr's business
	{"GetItem", `{"TableName":"t\u0041","Key":{"pk":{"S":"p"}}}`, false},
	{"GetItem", `{"tablename":"t"}`, false},
	{"GetItem", `{"TableName":"t","TableName":"u"}`, false},
	{"GetItem", `{"Key":{},"TableName":"t","Key":{"pk":{"S":"p"}}}`, false},
	{"GetItem", `{"ConsistentRead":false,"ConsistentRead":true}`, false},
	{"GetItem", `{"ExpressionAttributeNames":{},"ExpressionAttributeNames":{"#a":"x"}}`, false},
	{"Query", `{"TableName":"t","Limit":1,"Limit":2}`, false},
	{"PutItem", `{"Item":{"a":{"S":"x"}},"Item":{"b":{"S":"y"}}}`, false},
	{"GetItem", `{"TableName":null}`, false},
	{"GetItem", `{"TableName":"t","Key":null}`, false},
	{"GetItem", `{"TableName":"t","AttributesToGet":["a"]}`, false},
	{"GetItem", `{"TableName":"t","Key":{"pk":{"S":"p"}},}`, false},
	{"GetItem", `{"TableName":"t"} x`, false},
	{"GetItem", `{"TableName":1}`, false},
	{"GetItem", `{"TableName":"t","ConsistentRead":"true"}`, false},
	{"GetItem", `{"TableName":"t","Key":{"pk":{"S":1}}}`, false},
	{"GetItem", `{"TableName":"t","Key":{"pk":{"N":"1e999"}}}`, true},
	{"GetItem", "{\"TableName\":\"t\xff\"}", false},
	{"GetItem", `{"TableName":"t","ExpressionAttributeNames":{"#a":"x","#a":"y"}}`, true},
	{"GetItem", `{"TableName":"t","ExpressionAttributeNames":{"#a":1}}`, false},
	{"GetItem", `[]`, false},
	{"GetItem", ``, false},
	{"PutItem", `{"TableName":"t","Item":{"pk":{"S":"p"},"n":{"N":"1.50"},"l":{"L":[{"BOOL":true},{"NULL":true}]},"m":{"M":{"x":{"SS":["a","b"]}}},"b":{"B":"AAE="}},"ConditionExpression":"attribute_not_exists(pk)","ReturnValues":"ALL_OLD"}`, true},
	{"PutItem", `{"TableName":"t","Item":{"pk":{"S":"p"}},"ExpressionAttributeValues":{":v":{"N":"1"}},"ReturnItemCollectionMetrics":"SIZE","ReturnValuesOnConditionCheckFailure":"ALL_OLD","ReturnConsumedCapacity":"INDEXES"}`, true},
	{"PutItem", `{"TableName":"t","Item":{"pk":{"S":"p"}},"Expected":{"a":{"Exists":false}}}`, false},
	{"PutItem", `{"TableName":"t","Item":{"pk":{"S":"p","N":"1"}}}`, true},
	{"UpdateItem", `{"TableName":"t","Key":{"pk":{"S":"p"}},"UpdateExpression":"SET #t = :t ADD #c :one","ExpressionAttributeNames":{"#t":"t","#c":"cnt"},"ExpressionAttributeValues":{":t":{"S":"x"},":one":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}`, true},
	{"UpdateItem", `{"TableName":"t","Key":{"pk":{"S":"p"}},"AttributeUpdates":{}}`, false},
	{"DeleteItem", `{"TableName":"t","Key":{"pk":{"S":"p"}},"ConditionExpression":"a = :a","ExpressionAttributeValues":{":a":{"S":"x"}}}`, true},
	{"Query", `{"TableName":"t","KeyConditionExpression":"#p = :p","ExpressionAttributeNames":{"#p":"pk"},"ExpressionAttributeValues":{":p":{"S":"p1"}},"Limit":10,"ScanIndexForward":false,"ConsistentRead":true,"Select":"ALL_ATTRIBUTES","IndexName":"i","FilterExpression":"x > :p","ProjectionExpression":"a","ExclusiveStartKey":{"pk":{"S":"p1"}},"ReturnConsumedCapacity":"TOTAL"}`, true},
	{"Query", `{"TableName":"t","Limit":-3}`, true},
	{"Query", `{"TableName":"t","Limit":0}`, true},
	{"Query", `{"TableName":"t","Limit":1.5}`, false},
	{"Query", `{"TableName":"t","Limit":1e2}`, false},
	{"Query", `{"TableName":"t","Limit":99999999999999999999}`, false},
	{"Query", `{"TableName":"t","KeyConditions":{}}`, false},
	{"Scan", `{"TableName":"t"}`, false},
	{"ExecuteStatement", `{"Statement":"SELECT * FROM \"t\" WHERE pk = ? AND sk = ?","Parameters":[{"S":"p1"},{"N":"7"}]}`, true},
	{"ExecuteStatement", `{"Statement":"SELECT * FROM t","ConsistentRead":true,"Limit":5,"NextToken":"abc","ReturnConsumedCapacity":"TOTAL","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`, true},
	{"ExecuteStatement", `{"Statement":"UPDATE \"t\" SET a = ? WHERE pk = '\u00e9'","Parameters":[{"M":{"x":{"L":[{"NULL":true}]}}}]}`, true},
	{"ExecuteStatement", `{"Statement":"SELECT 1","Parameters":[]}`, true},
	{"ExecuteStatement", `{"Statement":"SELECT 1","Parameters":[null]}`, false},
	{"ExecuteStatement", `{"Statement":"SELECT 1","Parameters":[{"S":"a"},]}`, false},
	{"ExecuteStatement", `{"Statement":"SELECT 1","Parameters":[{"S":1}]}`, false},
	{"ExecuteStatement", `{"Statement":"SELECT 1","Parameters":[{}]}`, true},
	{"ExecuteStatement", `{"Statement":"a\"","Statement":"b"}`, false},
	{"ExecuteStatement", `{"Statement":"a\ud800"}`, true},
	{"ExecuteStatement", `{"Statement":"SELECT 1","Parameters":[],"Parameters":[]}`, false},
	{"ExecuteStatement", `{"Statement":1}`, false},
	{"ExecuteStatement", `{"Statement":"a\/b\\c\nd\te\"f\b\f\r"}`, true},
	{"ExecuteStatement", `{"Statement":"\u0041\"x\ud83d\ude00"}`, true},
	{"ExecuteStatement", "{\"Statement\":\"\\\"\xff\"}", true},
	{"ExecuteStatement", "{\"Statement\":\"\\\"é\"}", true},
	{"ExecuteStatement", `{"Statement":"\x"}`, false},
}

// newInput returns a fresh input shape for op.
func newInput(t testing.TB, op string) any {
	switch op {
	case "GetItem":
		return new(api.GetItemInput)
	case "PutItem":
		return new(api.PutItemInput)
	case "UpdateItem":
		return new(api.UpdateItemInput)
	case "DeleteItem":
		return new(api.DeleteItemInput)
	case "Query":
		return new(api.QueryInput)
	case "Scan":
		return new(api.ScanInput)
	case "ExecuteStatement":
		return new(api.ExecuteStatementInput)
	}
	t.Fatalf("no input shape for %s", op)
	return nil
}

// checkDecodeFast fails when the fast path accepts body and its result
// differs from encoding/json's, or encoding/json refuses the body.
func checkDecodeFast(t testing.TB, op, body string) bool {
	fast := newInput(t, op)
	ok := decodeFast([]byte(body), fast)
	if !ok {
		return false
	}
	slow := newInput(t, op)
	if err := json.Unmarshal([]byte(body), slow); err != nil {
		t.Fatalf("%s %s: fast path accepted what encoding/json refuses: %v", op, body, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s %s:\nfast %+v\njson %+v", op, body, fast, slow)
	}
	return true
}

func TestDecodeFastMatchesEncodingJSON(t *testing.T) {
	for _, tc := range decodeFastCases {
		if got := checkDecodeFast(t, tc.op, tc.body); got != tc.want {
			t.Errorf("%s %s: fast path took it = %v, want %v", tc.op, tc.body, got, tc.want)
		}
	}
}

// FuzzDecodeFast checks, on any body, that the fast path never accepts
// what encoding/json refuses and never decodes differently.
func FuzzDecodeFast(f *testing.F) {
	ops := []string{"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "ExecuteStatement"}
	for i, tc := range decodeFastCases {
		if tc.op != "Scan" {
			f.Add(uint8(i), tc.body)
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		checkDecodeFast(t, ops[int(op)%len(ops)], body)
	})
}

// BenchmarkDecode compares the fast path with encoding/json on the load
// tool's GetItem and PutItem bodies.
func BenchmarkDecode(b *testing.B) {
	payload := `"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"`
	for _, bm := range []struct{ op, body string }{
		{"GetItem", `{"TableName":"dynago_bench","Key":{"pk":{"S":"p123"},"sk":{"N":"7"}}}`},
		{"PutItem", `{"TableName":"dynago_bench","Item":{"pk":{"S":"p123"},"sk":{"N":"7"},"cnt":{"N":"0"},"payload":{"S":` + payload + `}}}`},
		{"Query", `{"TableName":"dynago_bench","KeyConditionExpression":"#p = :p","ExpressionAttributeNames":{"#p":"pk"},"ExpressionAttributeValues":{":p":{"S":"p123"}}}`},
		{"ExecuteStatement", `{"Statement":"SELECT * FROM \"dynago_bench\" WHERE pk = ? AND sk = ?","Parameters":[{"S":"p123"},{"N":"7"}]}`},
	} {
		body := []byte(bm.body)
		b.Run(bm.op+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := json.Unmarshal(body, newInput(b, bm.op)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bm.op+"/decodeFast", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !decodeFast(body, newInput(b, bm.op)) {
					b.Fatal("refused")
				}
			}
		})
	}
}
