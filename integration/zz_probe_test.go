package integration

import (
	"net/http"
	"testing"
)

func TestZZProbe(t *testing.T) {
	srv, c := newTxServer(t)
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
	probes := [][2]string{
		{"UpdateTable", `{"TableName":"errs","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"nope"}}]}`},
		{"UpdateTable", `{"TableName":"errs","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"byL"}}]}`},
		{"TagResource", `{"ResourceArn":"arn:aws:dynamodb:us-east-1:999999999999:table/txh","Tags":[{"Key":"a","Value":"b"}]}`},
		{"TagResource", `{"ResourceArn":"garbage","Tags":[{"Key":"a","Value":"b"}]}`},
		{"UntagResource", `{"ResourceArn":"garbage","TagKeys":["a"]}`},
		{"ListTagsOfResource", `{"ResourceArn":"garbage"}`},
		{"ListTagsOfResource", `{"ResourceArn":"arn:aws:dynamodb:us-east-1:999999999999:table/txh"}`},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"txr","Key":{"pk":{"S":"a"}}}}]}`},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"txh","Key":{"pk":{"N":"1"}}}},{"Get":{"TableName":"txh","Key":{"pk":{"S":"1"}}}}]}`},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"txh","Item":{"pk":{"N":"1"}}}},{"Put":{"TableName":"txh","Item":{"pk":{"S":"1"}}}}]}`},
		{"CreateTable", `{"TableName":"dup","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"pk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`},
		{"UpdateTable", `{"TableName":"errs","AttributeDefinitions":[{"AttributeName":"g","AttributeType":"N"}],"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"byG2","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}}]}`},
		{"CreateTable", `{"TableName":"lsim","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"b","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"LocalSecondaryIndexes":[{"IndexName":"l1","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"a","KeyType":"RANGE"},{"AttributeName":"b","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}],"BillingMode":"PAY_PER_REQUEST"}`},
		{"CreateTable", `{"TableName":"lsim","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"b","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"LocalSecondaryIndexes":[{"IndexName":"l1","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"b","KeyType":"HASH"},{"AttributeName":"a","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}],"BillingMode":"PAY_PER_REQUEST"}`},
	}
	for _, p := range probes {
		st, m := rawCall(t, srv.URL(), p[0], p[1])
		typ, msg := errorOf(m)
		b := p[1]
		if len(b) > 100 {
			b = b[:100]
		}
		t.Logf("%s %s\n   -> %d %s: %s", p[0], b, st, typ, msg)
	}
}
