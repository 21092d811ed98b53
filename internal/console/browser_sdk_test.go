package console_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// SDK-side helpers of the browser test: the server's state, read the way a
// user's program reads it.

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }

func (h *harness) put(item map[string]types.AttributeValue) { h.putIn("Music", item) }

func (h *harness) putIn(table string, item map[string]types.AttributeValue) {
	h.t.Helper()
	if _, err := h.ddb.PutItem(h.ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		h.t.Fatal(err)
	}
}

// get reads a Music item with a strongly consistent GetItem; nil if absent.
func (h *harness) get(artist, title string) map[string]types.AttributeValue {
	h.t.Helper()
	out, err := h.ddb.GetItem(h.ctx, &dynamodb.GetItemInput{TableName: aws.String("Music"), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"Artist": str(artist), "SongTitle": str(title)}})
	if err != nil {
		h.t.Fatal(err)
	}
	return out.Item
}

func (h *harness) query(in *dynamodb.QueryInput) []map[string]types.AttributeValue {
	h.t.Helper()
	out, err := h.ddb.Query(h.ctx, in)
	if err != nil {
		h.t.Fatal(err)
	}
	return out.Items
}

// titles returns the items' SongTitle values, in order.
func (h *harness) titles(items []map[string]types.AttributeValue) []string {
	var out []string
	for _, it := range items {
		out = append(out, it["SongTitle"].(*types.AttributeValueMemberS).Value)
	}
	return out
}

func keyString(ks []types.KeySchemaElement) string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
	}
	return strings.Join(parts, ", ")
}

func describeGSIs(gs []types.GlobalSecondaryIndexDescription) string {
	var parts []string
	for _, g := range gs {
		parts = append(parts, fmt.Sprintf("%s(%s; %s)", aws.ToString(g.IndexName), keyString(g.KeySchema), g.Projection.ProjectionType))
	}
	return strings.Join(parts, " ")
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool { return maps.Equal(a, b) }

// plain turns an attribute value into Go values, for comparison and printing.
func plain(av types.AttributeValue) any {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return "S:" + v.Value
	case *types.AttributeValueMemberN:
		return "N:" + v.Value
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberSS:
		s := slices.Clone(v.Value)
		slices.Sort(s)
		return s
	case *types.AttributeValueMemberL:
		out := []any{}
		for _, x := range v.Value {
			out = append(out, plain(x))
		}
		return out
	case *types.AttributeValueMemberM:
		return plainItem(v.Value)
	default:
		return fmt.Sprintf("%T", av)
	}
}

func plainItem(item map[string]types.AttributeValue) map[string]any {
	out := map[string]any{}
	for k, v := range item {
		out[k] = plain(v)
	}
	return out
}

func itemsEqual(a, b map[string]types.AttributeValue) bool {
	return reflect.DeepEqual(plainItem(a), plainItem(b))
}

func itemString(item map[string]types.AttributeValue) string {
	if item == nil {
		return "<no item>"
	}
	return jsonString(plainItem(item))
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
