package api

import (
	"testing"

	"github.com/dynago/dynago/internal/attr"
)

// BenchmarkValidate measures the constraint walk over typical valid
// requests, which every request pays.
func BenchmarkValidate(b *testing.B) {
	v := NewValidator()
	cases := []struct {
		op string
		in any
	}{
		{"PutItem", &PutItemInput{TableName: Ptr("Products"), Item: attr.Item{"pk": attr.String("p#1"), "name": attr.String("x")},
			ConditionExpression: Ptr("attribute_not_exists(pk)"), ReturnConsumedCapacity: Ptr("TOTAL")}},
		{"GetItem", &GetItemInput{TableName: Ptr("Products"), Key: attr.Item{"pk": attr.String("p#1")},
			ProjectionExpression: Ptr("#n"), ExpressionAttributeNames: map[string]string{"#n": "name"}, ConsistentRead: Ptr(true)}},
		{"Query", &QueryInput{TableName: Ptr("Products"), IndexName: Ptr("byName"), KeyConditionExpression: Ptr("pk = :p"),
			ExpressionAttributeValues: attr.Item{":p": attr.String("x")}, Limit: Ptr[int64](25), Select: Ptr("ALL_ATTRIBUTES")}},
	}
	for _, c := range cases {
		b.Run(c.op, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := v.Validate(c.op, c.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
