package integration

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"hash/crc32"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// TestDeleteTableDescription checks the description DeleteTable answers, as
// DynamoDB's: the table's name, DELETING, throughput (zeros on demand, with
// BillingModeSummary), size, count, ARN, id and deletion protection, and no
// key schema, attribute definitions, creation time or indexes.
func TestDeleteTableDescription(t *testing.T) {
	srv := dynagotest.New(t)
	for _, tc := range []struct {
		name, create string
		want         []string
		throughput   float64
	}{
		{"ondemand", `{"TableName":"ondemand","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],
			"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
			"GlobalSecondaryIndexes":[{"IndexName":"byG","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}],
			"BillingMode":"PAY_PER_REQUEST"}`,
			[]string{"BillingModeSummary", "DeletionProtectionEnabled", "ItemCount", "ProvisionedThroughput", "TableArn", "TableId", "TableName", "TableSizeBytes", "TableStatus"}, 0},
		{"provisioned", `{"TableName":"provisioned","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
			"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":7}}`,
			[]string{"DeletionProtectionEnabled", "ItemCount", "ProvisionedThroughput", "TableArn", "TableId", "TableName", "TableSizeBytes", "TableStatus"}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, m := rawCall(t, srv.URL(), "CreateTable", tc.create); status != http.StatusOK {
				t.Fatalf("CreateTable: %d %v", status, m)
			}
			waitActive(t, srv.Client(), tc.name)
			status, m := rawCall(t, srv.URL(), "DeleteTable", `{"TableName":"`+tc.name+`"}`)
			if status != http.StatusOK {
				t.Fatalf("DeleteTable: %d %v", status, m)
			}
			d, _ := m["TableDescription"].(map[string]any)
			var keys []string
			for k := range d {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if strings.Join(keys, " ") != strings.Join(tc.want, " ") {
				t.Errorf("DeleteTable's description has\n%v, want\n%v", keys, tc.want)
			}
			if d["TableStatus"] != "DELETING" || d["TableName"] != tc.name {
				t.Errorf("TableStatus %v, TableName %v", d["TableStatus"], d["TableName"])
			}
			pt, _ := d["ProvisionedThroughput"].(map[string]any)
			if pt["ReadCapacityUnits"] != tc.throughput || pt["NumberOfDecreasesToday"] != float64(0) {
				t.Errorf("ProvisionedThroughput %v, want ReadCapacityUnits %v and NumberOfDecreasesToday 0", pt, tc.throughput)
			}
		})
	}
}

// TestNullFalse checks that {"NULL": false} is accepted and stored as
// {"NULL": true}, as DynamoDB has done since 2026, in an item and as an
// expression attribute value.
func TestNullFalse(t *testing.T) {
	srv := dynagotest.New(t)
	c := srv.Client()
	ctx := context.Background()
	makeTable(t, c, "nulls", hashS)
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nulls"),
		Item: item{"pk": S("k"), "n": &types.AttributeValueMemberNULL{Value: false}}})
	if err != nil {
		t.Fatalf("PutItem with NULL false: %v", err)
	}
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("nulls"), Key: item{"pk": S("k")}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := got.Item["n"].(*types.AttributeValueMemberNULL); !ok || !n.Value {
		t.Errorf("n is %#v, want NULL true", got.Item["n"])
	}
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("nulls"), Key: item{"pk": S("k")},
		ConditionExpression:       aws.String("n = :f"),
		ExpressionAttributeValues: item{":f": &types.AttributeValueMemberNULL{Value: false}}})
	if err != nil {
		t.Errorf("DeleteItem on n = NULL false: %v", err)
	}
}

// rawClient sends requests as they are: no Accept-Encoding of its own, no
// decompression of the answer.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// rawPost sends one request as an SDK does, with extra headers, and
// returns the response and its body as sent.
func rawPost(t *testing.T, url, op string, body []byte, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("X-Amz-Date", "20261121T050000Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261121/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestHTTPAnswers checks what DynamoDB's HTTP answers carry beyond the
// body: a Server header on every answer, the CORS headers a page may read,
// deflate request bodies (zlib, and
// raw deflate as some clients send it), and an empty body for the
// operations without an output shape (TagResource, UntagResource).
func TestHTTPAnswers(t *testing.T) {
	srv := dynagotest.New(t)
	makeTable(t, srv.Client(), "tagged", hashS)

	resp, _ := rawPost(t, srv.URL(), "ListTables", []byte(`{}`), nil)
	if got := resp.Header.Get("Server"); got != "Server" {
		t.Errorf("Server header %q, want %q", got, "Server")
	}
	resp, _ = rawPost(t, srv.URL(), "ListTables", []byte(`{"Limit":0}`), nil)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Server") != "Server" {
		t.Errorf("error answer: HTTP %d, Server %q; want 400 with Server header", resp.StatusCode, resp.Header.Get("Server"))
	}

	resp, _ = rawPost(t, srv.URL(), "ListTables", []byte(`{}`), map[string]string{"Origin": "http://page.example"})
	if got, want := resp.Header.Get("Access-Control-Expose-Headers"), "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"; got != want {
		t.Errorf("Access-Control-Expose-Headers %q, want %q", got, want)
	}

	var zl, fl bytes.Buffer
	zw := zlib.NewWriter(&zl)
	zw.Write([]byte(`{"Limit":0}`))
	zw.Close()
	fw, _ := flate.NewWriter(&fl, flate.DefaultCompression)
	fw.Write([]byte(`{"Limit":0}`))
	fw.Close()
	for name, body := range map[string][]byte{"zlib": zl.Bytes(), "raw deflate": fl.Bytes()} {
		// Limit 0 is refused only if the body was decoded.
		resp, b := rawPost(t, srv.URL(), "ListTables", body, map[string]string{"Content-Encoding": "deflate"})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "Value at 'Limit'") {
			t.Errorf("%s body: HTTP %d %s, want the Limit constraint of the decoded body", name, resp.StatusCode, b)
		}
	}

	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/tagged"
	for _, call := range []struct{ op, body string }{
		{"TagResource", `{"ResourceArn":"` + arn + `","Tags":[{"Key":"a","Value":"b"}]}`},
		{"UntagResource", `{"ResourceArn":"` + arn + `","TagKeys":["a"]}`},
	} {
		op := call.op
		resp, b := rawPost(t, srv.URL(), op, []byte(call.body), nil)
		if resp.StatusCode != http.StatusOK || len(b) != 0 || resp.Header.Get("X-Amz-Crc32") != "0" {
			t.Errorf("%s: HTTP %d, body %q, crc32 %q; want 200, an empty body, crc32 0", op, resp.StatusCode, b, resp.Header.Get("X-Amz-Crc32"))
		}
	}
	// The SDK reads the empty answers as success.
	ctx := context.Background()
	c := srv.Client()
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Errorf("SDK TagResource: %v", err)
	}
	tags, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 {
		t.Errorf("ListTagsOfResource: %v %v, want the one tag", tags, err)
	}
	if _, err := c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"k"}}); err != nil {
		t.Errorf("SDK UntagResource: %v", err)
	}
}

// TestResponseCompression checks DynamoDB's response compression: an
// answer of 4 KB or more to a client that accepts gzip or deflate is sent
// compressed, its x-amz-crc32 the CRC32 of the compressed bytes (the Go
// SDK with EnableAcceptEncodingGzip checks it, and decompresses); smaller
// answers and clients that ask for identity get the body as it is.
func TestResponseCompression(t *testing.T) {
	srv := dynagotest.New(t)
	c := srv.Client()
	ctx := context.Background()
	makeTable(t, c, "zipped", hashS)
	big := strings.Repeat("x", 5000)
	put(t, c, "zipped", item{"pk": S("big"), "x": S(big)})
	put(t, c, "zipped", item{"pk": S("small"), "x": S("tiny")})

	for _, tc := range []struct {
		key, accept, want string
	}{
		{"big", "gzip", "gzip"},
		{"big", "deflate", "deflate"},
		{"big", "br, deflate;q=0.9, gzip;q=0.5", "deflate"},
		{"big", "identity", ""},
		{"big", "", ""},
		{"small", "gzip", ""},
	} {
		var h map[string]string
		if tc.accept != "" {
			h = map[string]string{"Accept-Encoding": tc.accept}
		}
		resp, b := rawPost(t, srv.URL(), "GetItem", []byte(`{"TableName":"zipped","Key":{"pk":{"S":"`+tc.key+`"}}}`), h)
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("%s, Accept-Encoding %q: Content-Encoding %q, want %q", tc.key, tc.accept, got, tc.want)
			continue
		}
		if crc := strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10); resp.Header.Get("X-Amz-Crc32") != crc {
			t.Errorf("%s, Accept-Encoding %q: x-amz-crc32 %s, want the CRC32 of the bytes sent, %s", tc.key, tc.accept, resp.Header.Get("X-Amz-Crc32"), crc)
		}
		var r io.Reader = bytes.NewReader(b)
		switch tc.want {
		case "gzip":
			zr, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		case "deflate":
			zr, err := zlib.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		}
		plain, err := io.ReadAll(r)
		if err != nil || !strings.Contains(string(plain), `"pk":{"S":"`+tc.key+`"}`) {
			t.Errorf("%s, Accept-Encoding %q: body %.80q (%v), want the item", tc.key, tc.accept, plain, err)
		}
	}

	// The SDK asking for gzip: it checks the CRC32 of what it received and
	// decompresses.
	gz := dynamodb.New(dynamodb.Options{}, func(o *dynamodb.Options) {
		*o = c.Options()
		o.EnableAcceptEncodingGzip = true
	})
	out, err := gz.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("zipped"), Key: item{"pk": S("big")}})
	if err != nil {
		t.Fatalf("GetItem with gzip: %v", err)
	}
	if x, ok := out.Item["x"].(*types.AttributeValueMemberS); !ok || x.Value != big {
		t.Errorf("GetItem with gzip: x is not the 5000 bytes put")
	}
}

// TestBrokenContentEncoding checks DynamoDB's answer to a body in an
// encoding it does not know, or one that does not decode: HTTP 500,
// InternalServerError, and nothing written.
func TestBrokenContentEncoding(t *testing.T) {
	srv := dynagotest.New(t)
	makeTable(t, srv.Client(), "enc", hashS)
	body := []byte(`{"TableName":"enc","Item":{"pk":{"S":"k"}}}`)
	for _, enc := range []string{"garbage", "gzip", "br"} {
		resp, b := rawPost(t, srv.URL(), "PutItem", body, map[string]string{"Content-Encoding": enc})
		if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(b), "#InternalServerError") {
			t.Errorf("Content-Encoding %s on a plain body: HTTP %d %s, want 500 InternalServerError", enc, resp.StatusCode, b)
		}
	}
	got, err := srv.Client().GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("enc"), Key: item{"pk": S("k")}, ConsistentRead: aws.Bool(true)})
	if err != nil || got.Item != nil {
		t.Errorf("the refused PutItems wrote %v (%v)", got.Item, err)
	}
}
