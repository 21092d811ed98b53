package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// txErrorCase is one case of a testdata error file (transact_errors.txt,
// errors.txt).
type txErrorCase struct {
	name, op, body, errType, message string
	line                             int
}

// loadTxErrorCases parses testdata/transact_errors.txt.
func loadTxErrorCases(t *testing.T) []txErrorCase {
	t.Helper()
	return loadErrorCases(t, "transact_errors.txt")
}

// loadErrorCases parses the testdata error file name: cases of four lines
// ("== name", "<Operation> <request JSON>", the error type, the message)
// separated by blank lines, with "#" comments.
func loadErrorCases(t *testing.T, name string) []txErrorCase {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []txErrorCase
	var lines []string
	var start int
	flush := func() {
		if len(lines) == 0 {
			return
		}
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "== ") {
			t.Fatalf("%s:%d: a case is four lines, got %q", name, start, lines)
		}
		op, body, _ := strings.Cut(lines[1], " ")
		cases = append(cases, txErrorCase{name: strings.TrimPrefix(lines[0], "== "), op: op, body: body, errType: lines[2], message: lines[3], line: start})
		lines = nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "#"):
		case strings.TrimSpace(l) == "":
			flush()
		default:
			if len(lines) == 0 {
				start = n
			}
			lines = append(lines, l)
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// rawCall posts body as op to the server, as an SDK would, and returns the
// HTTP status and the decoded answer.
func rawCall(t *testing.T, url, op, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("X-Amz-Date", "20261121T050000Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261121/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("answer %q: %v", b, err)
	}
	return resp.StatusCode, m
}

// errorOf returns the error type (without its namespace) and message of
// an error answer.
func errorOf(m map[string]any) (string, string) {
	typ, _ := m["__type"].(string)
	if i := strings.LastIndexByte(typ, '#'); i >= 0 {
		typ = typ[i+1:]
	}
	msg, ok := m["message"].(string)
	if !ok {
		msg, _ = m["Message"].(string)
	}
	return typ, msg
}

// newTxServer starts a server with the tables the error cases use.
func newTxServer(t *testing.T) (*dynagotest.Server, *dynamodb.Client) {
	t.Helper()
	srv := dynagotest.New(t)
	c := srv.Client()
	makeTable(t, c, "txh", hashS)
	makeTable(t, c, "txr", hashRangeN)
	put(t, c, "txh", item{"pk": S("exists"), "v": N("1")})
	return srv, c
}

// TestTransactErrors checks every case of testdata/transact_errors.txt
// over raw HTTP, so the wire layer's model validation is covered too, and
// that none of them changed anything.
func TestTransactErrors(t *testing.T) {
	srv, c := newTxServer(t)
	for _, tc := range loadTxErrorCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			status, m := rawCall(t, srv.URL(), tc.op, tc.body)
			typ, msg := errorOf(m)
			if status != http.StatusBadRequest || typ != tc.errType || !sameValidationMessage(msg, tc.message) {
				t.Errorf("transact_errors.txt:%d: got HTTP %d %s: %q\nwant %s: %q", tc.line, status, typ, msg, tc.errType, tc.message)
			}
		})
	}
	out, err := c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("txh")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 {
		t.Errorf("refused requests wrote items: txh holds %d items", len(out.Items))
	}
}

// TestTransactLimits checks the limits whose requests are too large for
// the testdata file: 101 actions, a 400 KB item.
func TestTransactLimits(t *testing.T) {
	srv, c := newTxServer(t)
	var items []string
	for i := range 101 {
		items = append(items, fmt.Sprintf(`{"Put":{"TableName":"txh","Item":{"pk":{"S":"k%d"}}}}`, i))
	}
	_, m := rawCall(t, srv.URL(), "TransactWriteItems", `{"TransactItems":[`+strings.Join(items, ",")+`]}`)
	typ, msg := errorOf(m)
	// A list of items is not quoted back (docs/validation.md).
	if typ != "ValidationException" || msg != "1 validation error detected: Value at 'TransactItems' failed to satisfy constraint: Member must have length less than or equal to 100" {
		t.Errorf("101 actions: %s: %q", typ, msg)
	}
	// Exactly 100 actions are accepted.
	_, err := c.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: putsOf(100, "k")})
	if err != nil {
		t.Errorf("100 actions: %v", err)
	}

	big := bytes.Repeat([]byte("x"), 400*1024)
	_, err = c.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("txh"), Item: item{"pk": S("big"), "b": B(big)}}},
	}})
	wantAPIError(t, err, "ValidationException", "Item size has exceeded the maximum allowed size")

	// 11 items of 390 KB: more than 4 MB in one transaction.
	var puts []types.TransactWriteItem
	for i := range 11 {
		puts = append(puts, types.TransactWriteItem{Put: &types.Put{TableName: aws.String("txh"),
			Item: item{"pk": S(fmt.Sprintf("big%d", i)), "b": B(big[:390*1024])}}})
	}
	_, err = c.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: puts})
	wantAPIError(t, err, "ValidationException", "Transaction size has exceeded the maximum allowed size of 4 MB")
	if it := get(t, c, "txh", item{"pk": S("big0")}); it != nil {
		t.Error("a transaction over 4 MB wrote an item")
	}

	// The limit is on the request: deleting (or checking) 11 items of
	// 390 KB in one transaction is a small request.
	var deletes []types.TransactWriteItem
	for i := range 11 {
		k := item{"pk": S(fmt.Sprintf("big%d", i))}
		put(t, c, "txh", item{"pk": k["pk"], "b": B(big[:390*1024])})
		deletes = append(deletes, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String("txh"), Key: k}})
	}
	if _, err := c.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: deletes}); err != nil {
		t.Errorf("deleting 11 items of 390 KB: %v", err)
	}
	if it := get(t, c, "txh", item{"pk": S("big0")}); it != nil {
		t.Error("the deleting transaction left big0")
	}
}

// TestTransactKeyMismatchCancels checks that a key of the wrong type or
// missing an attribute cancels the transaction, with a ValidationError
// reason on the first such action and None on the others, and that a Get
// does the same in TransactGetItems.
func TestTransactKeyMismatchCancels(t *testing.T) {
	_, c := newTxServer(t)
	ctx := context.Background()
	reasons := func(err error) []string {
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			t.Fatalf("got %v, want TransactionCanceledException", err)
		}
		var out []string
		for _, r := range tce.CancellationReasons {
			out = append(out, aws.ToString(r.Code)+": "+aws.ToString(r.Message))
		}
		return out
	}
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("txh"), Item: item{"pk": S("ok1")}}},
		{Put: &types.Put{TableName: aws.String("txh"), Item: item{"pk": N("1")}}},
		{Delete: &types.Delete{TableName: aws.String("txr"), Key: item{"pk": S("a")}}},
	}})
	want := []string{"None: ", "ValidationError: The provided key element does not match the schema", "None: "}
	if got := reasons(err); !slices.Equal(got, want) {
		t.Errorf("write reasons = %q, want %q", got, want)
	}
	if it := get(t, c, "txh", item{"pk": S("ok1")}); it != nil {
		t.Error("a cancelled transaction wrote ok1")
	}
	_, err = c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("txh"), Key: item{"pk": S("exists")}}},
		{Get: &types.Get{TableName: aws.String("txr"), Key: item{"pk": S("a")}}},
	}})
	want = []string{"None: ", "ValidationError: The provided key element does not match the schema"}
	if got := reasons(err); !slices.Equal(got, want) {
		t.Errorf("get reasons = %q, want %q", got, want)
	}
	// An empty key value is refused up front, not by a cancellation.
	_, err = c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("txh"), Key: item{"pk": S("")}}},
	}})
	wantAPIErrorPrefix(t, err, "ValidationException", "One or more parameter values are not valid.")
}

// putsOf returns n Puts of distinct items of table txh.
func putsOf(n int, prefix string) []types.TransactWriteItem {
	out := make([]types.TransactWriteItem, n)
	for i := range out {
		out[i] = types.TransactWriteItem{Put: &types.Put{TableName: aws.String("txh"), Item: item{"pk": S(fmt.Sprintf("%s%d", prefix, i))}}}
	}
	return out
}

// sameValidationMessage compares two error messages, treating the errors
// listed after "N validation errors detected: " as a set: DynamoDB does not
// promise their order.
func sameValidationMessage(got, want string) bool {
	if got == want {
		return true
	}
	split := func(m string) (string, []string) {
		i := strings.Index(m, " detected: ")
		if i < 0 {
			return m, nil
		}
		parts := strings.Split(m[i+len(" detected: "):], "; ")
		sort.Strings(parts)
		return m[:i], parts
	}
	gp, gparts := split(got)
	wp, wparts := split(want)
	return gparts != nil && gp == wp && slices.Equal(gparts, wparts)
}
