package integration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynago/dynago/dynagotest"
)

// waitDelay is how often the SDK's table waiters poll Dynago. The SDK's
// default (20 s) is tuned for AWS, where a table takes seconds to create.
const waitDelay = 20 * time.Millisecond

// waitTimeout bounds every table waiter.
const waitTimeout = 10 * time.Second

// client starts a fresh in-memory server for t and returns its client.
func client(t *testing.T) *dynamodb.Client {
	t.Helper()
	return dynagotest.New(t).Client()
}

// Attribute value shorthands, so test tables read like DynamoDB JSON.
func S(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func N(n string) types.AttributeValue { return &types.AttributeValueMemberN{Value: n} }
func B(b []byte) types.AttributeValue { return &types.AttributeValueMemberB{Value: b} }
func BOOL(b bool) types.AttributeValue {
	return &types.AttributeValueMemberBOOL{Value: b}
}
func NULL() types.AttributeValue { return &types.AttributeValueMemberNULL{Value: true} }
func SS(v ...string) types.AttributeValue {
	return &types.AttributeValueMemberSS{Value: v}
}
func NS(v ...string) types.AttributeValue {
	return &types.AttributeValueMemberNS{Value: v}
}
func BS(v ...[]byte) types.AttributeValue {
	return &types.AttributeValueMemberBS{Value: v}
}
func L(v ...types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberL{Value: v}
}
func M(m map[string]types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: m}
}

// item is an attribute map.
type item = map[string]types.AttributeValue

// keyDef describes a table's key for makeTable: the hash key and, if
// rangeName is not empty, the range key.
type keyDef struct {
	hashName  string
	hashType  types.ScalarAttributeType
	rangeName string
	rangeType types.ScalarAttributeType
}

// hashS is a table keyed by one string attribute "pk".
var hashS = keyDef{hashName: "pk", hashType: types.ScalarAttributeTypeS}

// hashRange is a table keyed by string "pk" and number "sk".
var hashRangeN = keyDef{hashName: "pk", hashType: types.ScalarAttributeTypeS, rangeName: "sk", rangeType: types.ScalarAttributeTypeN}

// hashRangeS is a table keyed by string "pk" and string "sk".
var hashRangeS = keyDef{hashName: "pk", hashType: types.ScalarAttributeTypeS, rangeName: "sk", rangeType: types.ScalarAttributeTypeS}

// createTableInput builds a PAY_PER_REQUEST CreateTable request for k.
func createTableInput(name string, k keyDef) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(k.hashName), AttributeType: k.hashType},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(k.hashName), KeyType: types.KeyTypeHash},
		},
		BillingMode: types.BillingModePayPerRequest,
	}
	if k.rangeName != "" {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(k.rangeName), AttributeType: k.rangeType})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k.rangeName), KeyType: types.KeyTypeRange})
	}
	return in
}

// makeTable creates a table and waits until it is ACTIVE.
func makeTable(t *testing.T, c *dynamodb.Client, name string, k keyDef) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, createTableInput(name, k)); err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
	waitActive(t, c, name)
}

// waitActive waits with the SDK's TableExists waiter.
func waitActive(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = waitDelay, 5*waitDelay
	})
	if err := w.Wait(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, waitTimeout); err != nil {
		t.Fatalf("waiting for %s to be ACTIVE: %v", name, err)
	}
}

// put writes it to table or fails the test.
func put(t *testing.T, c *dynamodb.Client, table string, it item) {
	t.Helper()
	if _, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
		t.Fatalf("PutItem %v: %v", it, err)
	}
}

// get reads key from table with a consistent read; nil if absent.
func get(t *testing.T, c *dynamodb.Client, table string, key item) item {
	t.Helper()
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetItem %v: %v", key, err)
	}
	return out.Item
}

// wantAPIError asserts err is DynamoDB's error code with exactly message,
// as the SDK's smithy.APIError reports them.
func wantAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s: %q", code, message)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not a smithy.APIError", err)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != message {
		t.Errorf("got %s: %q\nwant %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, message)
	}
}

// show renders an attribute value as DynamoDB JSON-ish text for
// comparisons and failure messages. Sets keep their order as returned.
func show(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("{S:%q}", v.Value)
	case *types.AttributeValueMemberN:
		return fmt.Sprintf("{N:%s}", v.Value)
	case *types.AttributeValueMemberB:
		return fmt.Sprintf("{B:%x}", v.Value)
	case *types.AttributeValueMemberBOOL:
		return fmt.Sprintf("{BOOL:%v}", v.Value)
	case *types.AttributeValueMemberNULL:
		return fmt.Sprintf("{NULL:%v}", v.Value)
	case *types.AttributeValueMemberSS:
		return fmt.Sprintf("{SS:%q}", v.Value)
	case *types.AttributeValueMemberNS:
		return fmt.Sprintf("{NS:%v}", v.Value)
	case *types.AttributeValueMemberBS:
		return fmt.Sprintf("{BS:%x}", v.Value)
	case *types.AttributeValueMemberL:
		s := "{L:["
		for i, e := range v.Value {
			if i > 0 {
				s += ","
			}
			s += show(e)
		}
		return s + "]}"
	case *types.AttributeValueMemberM:
		return "{M:" + showItem(v.Value) + "}"
	case nil:
		return "<nil>"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// showItem renders an item with its attribute names sorted.
func showItem(it item) string {
	if it == nil {
		return "<nil>"
	}
	names := make([]string, 0, len(it))
	for k := range it {
		names = append(names, k)
	}
	slices.Sort(names)
	s := "{"
	for i, k := range names {
		if i > 0 {
			s += ","
		}
		s += k + ":" + show(it[k])
	}
	return s + "}"
}

// sameItem reports whether two items are equal, sets compared as sets.
func sameItem(a, b item) bool { return showItem(normalizeSets(a)) == showItem(normalizeSets(b)) }

// normalizeSets returns a copy of it with every set's members sorted, so
// comparisons do not depend on the order DynamoDB returns set members in.
func normalizeSets(it item) item {
	if it == nil {
		return nil
	}
	out := make(item, len(it))
	for k, v := range it {
		out[k] = normalizeValue(v)
	}
	return out
}

func normalizeValue(v types.AttributeValue) types.AttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberSS:
		s := append([]string(nil), v.Value...)
		slices.Sort(s)
		return SS(s...)
	case *types.AttributeValueMemberNS:
		s := append([]string(nil), v.Value...)
		slices.Sort(s)
		return NS(s...)
	case *types.AttributeValueMemberBS:
		s := make([]string, len(v.Value))
		for i, b := range v.Value {
			s[i] = string(b)
		}
		slices.Sort(s)
		bs := make([][]byte, len(s))
		for i := range s {
			bs[i] = []byte(s[i])
		}
		return BS(bs...)
	case *types.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = normalizeValue(e)
		}
		return L(l...)
	case *types.AttributeValueMemberM:
		return M(normalizeSets(v.Value))
	}
	return v
}

func wantItem(t *testing.T, got, want item) {
	t.Helper()
	if !sameItem(got, want) {
		t.Errorf("item\n got %s\nwant %s", showItem(got), showItem(want))
	}
}

// nval returns the text of a number attribute, or fails.
func nval(t *testing.T, v types.AttributeValue) string {
	t.Helper()
	n, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("%s is not a number", show(v))
	}
	return n.Value
}

// sval returns the text of a string attribute, or fails.
func sval(t *testing.T, v types.AttributeValue) string {
	t.Helper()
	s, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		t.Fatalf("%s is not a string", show(v))
	}
	return s.Value
}

// wantAPIErrorPrefix asserts err is code with a message starting prefix,
// for DynamoDB messages that echo the whole request back.
func wantAPIErrorPrefix(t *testing.T, err error, code, prefix string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not a smithy.APIError", err)
	}
	if ae.ErrorCode() != code || !strings.HasPrefix(ae.ErrorMessage(), prefix) {
		t.Errorf("got %s: %q\nwant %s: %q...", ae.ErrorCode(), ae.ErrorMessage(), code, prefix)
	}
}

// wantAPIErrorContains asserts err's message contains part.
func wantAPIErrorContains(t *testing.T, err error, part string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not a smithy.APIError", err)
	}
	if !strings.Contains(ae.ErrorMessage(), part) {
		t.Errorf("message %q does not contain %q", ae.ErrorMessage(), part)
	}
}
