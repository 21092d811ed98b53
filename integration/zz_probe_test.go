package integration

import (
	"strings"
	"testing"
)

func TestZZProbe(t *testing.T) {
	srv, _ := newTxServer(t)
	long := strings.Repeat("a", 65536)
	probes := [][2]string{
		{"PutItem", `{"TableName":"txh","Item":{"pk":{"S":"exists"},"v":{"N":"1"}},"ConditionExpression":"v < :l","ExpressionAttributeValues":{":l":{"L":[]}}}`},
		{"PutItem", `{"TableName":"txh","Item":{"pk":{"S":"exists"},"v":{"N":"1"}},"ConditionExpression":"v < :l","ExpressionAttributeValues":{":l":{"M":{}}}}`},
		{"PutItem", `{"TableName":"txh","Item":{"pk":{"S":"exists"},"v":{"N":"1"}},"ConditionExpression":"v >= :l","ExpressionAttributeValues":{":l":{"BOOL":true}}}`},
		{"PutItem", `{"TableName":"txh","Item":{"pk":{"S":"exists"},"v":{"N":"1"}},"ConditionExpression":"v BETWEEN :l AND :m","ExpressionAttributeValues":{":l":{"BOOL":true},":m":{"BOOL":true}}}`},
		{"PutItem", `{"TableName":"txh","Item":{"pk":{"S":"exists"},"v":{"N":"1"}},"ConditionExpression":"v < :l","ExpressionAttributeValues":{":l":{"S":"x"}}}`},
		{"PutItem", `{"TableName":"txh","Item":{"pk":{"S":"x"},"` + long + `":{"N":"1"}}}`},
		{"PutItem", `{"TableName":"txh","Item":{"pk":{"S":"x"},"":{"N":"1"}}}`},
		{"GetItem", `{"TableName":"txh","Key":{"pk":{"S":"x"}},"ProjectionExpression":"#a","ExpressionAttributeNames":{"#a":""}}`},
		{"GetItem", `{"TableName":"txh","Key":{"pk":{"S":"x"}},"ProjectionExpression":"#a","ExpressionAttributeNames":{"#a":"` + long + `"}}`},
		{"GetItem", `{"TableName":"txh","Key":{"pk":{"S":"x"}},"AttributesToGet":[""]}`},
		{"GetItem", `{"TableName":"txh","Key":{"pk":{"S":"x"}},"AttributesToGet":["` + long + `"]}`},
		{"UpdateItem", `{"TableName":"txh","Key":{"pk":{"S":"x"}},"UpdateExpression":"SET #a = :v","ExpressionAttributeNames":{"#a":""},"ExpressionAttributeValues":{":v":{"N":"1"}}}`},
		{"UpdateItem", `{"TableName":"txh","Key":{"pk":{"S":"x"}},"UpdateExpression":"SET #a = :v","ExpressionAttributeNames":{"#a":"` + long + `"},"ExpressionAttributeValues":{":v":{"N":"1"}}}`},
		{"UpdateItem", `{"TableName":"txh","Key":{"pk":{"S":"x"}},"AttributeUpdates":{"":{"Value":{"N":"1"}}}}`},
		{"UpdateItem", `{"TableName":"txh","Key":{"pk":{"S":"x"}},"UpdateExpression":"SET v = :a + :b","ExpressionAttributeValues":{":a":{"N":"1E+30"},":b":{"N":"1E-30"}},"ReturnValues":"ALL_NEW"}`},
		{"UpdateItem", `{"TableName":"txh","Key":{"pk":{"S":"x"}},"UpdateExpression":"SET v = :a","ExpressionAttributeValues":{":a":{"N":"1E+126"}}}`},
		{"UpdateItem", `{"TableName":"txh","Key":{"pk":{"S":"x"}},"UpdateExpression":"SET v = :a","ExpressionAttributeValues":{":a":{"N":"1..2"}}}`},
		{"Query", `{"TableName":"txh","KeyConditionExpression":"pk = :a","ExpressionAttributeValues":{":a":{"S":"x"},":b":{"N":"1E+126"}},"FilterExpression":"v = :b"}`},
	}
	for _, p := range probes {
		st, m := rawCall(t, srv.URL(), p[0], p[1])
		typ, msg := errorOf(m)
		b := p[1]
		if len(b) > 150 {
			b = b[:150]
		}
		t.Logf("%s %s\n   -> %d %s: %s %v", p[0], b, st, typ, msg, m["Attributes"])
	}
}
