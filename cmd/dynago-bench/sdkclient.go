package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// SDKClient issues the same Ops through aws-sdk-go-v2's DynamoDB client, to
// measure what a stock SDK costs per request on the client side
// (-client sdk). The load tool defaults to LeanClient because, with client
// and server on the same two cores, every microsecond the client spends is
// taken from the server being measured.
type SDKClient struct {
	db        *dynamodb.Client
	enc       *Encoder
	table     string
	transport *http.Transport
}

// NewSDKClient returns an SDKClient for endpoint: static credentials
// (creds, the tool's own where empty), no
// retries (a failed request is counted, not hidden), and a net/http
// keep-alive transport with an idle connection per load goroutine.
func NewSDKClient(endpoint, table string, enc *Encoder, conns int, creds Credentials) (*SDKClient, error) {
	if _, err := CheckLoopback(endpoint); err != nil {
		return nil, err
	}
	tr := newTransport(conns)
	creds = creds.orDefault()
	cfg := aws.Config{
		Region:      creds.Region,
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKey, creds.SecretKey, ""),
		HTTPClient:  &http.Client{Transport: tr, Timeout: requestTimeout},
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
	return &SDKClient{db: db, enc: enc, table: table, transport: tr}, nil
}

// newTransport returns an HTTP/1.1 keep-alive transport with room for one
// idle connection per load goroutine, as an SDK client is configured for
// load.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// Close implements Client.
func (c *SDKClient) Close() { c.transport.CloseIdleConnections() }

// NewWorker implements Client; the SDK client is safe for concurrent use,
// so workers share it.
func (c *SDKClient) NewWorker() Worker { return sdkWorker{c} }

type sdkWorker struct{ c *SDKClient }

func sdkKey(i int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: partitionKey(i)},
		"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(sortOf(i))},
	}
}

func (c *SDKClient) sdkItem(i int) map[string]types.AttributeValue {
	item := sdkKey(i)
	item["cnt"] = &types.AttributeValueMemberN{Value: "0"}
	item["payload"] = &types.AttributeValueMemberS{Value: c.enc.Payload(i)}
	return item
}

// Do implements Worker.
func (w sdkWorker) Do(ctx context.Context, op Op) (int, error) {
	c := w.c
	if op.Table != TableMain || op.Kind == OpGetRecords || op.Kind == OpPartiQLGet {
		return 0, fmt.Errorf("-client sdk does not run %s on the %q table: use -client lean", op.Kind.Target(), c.enc.TableName(op.Table))
	}
	table := aws.String(c.table)
	switch op.Kind {
	case OpGet:
		out, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: sdkKey(op.Item)})
		if err != nil {
			return 0, sdkError(err)
		}
		if out.Item == nil {
			return 0, nil
		}
		return 1, nil
	case OpPut:
		_, err := c.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: c.sdkItem(op.Item)})
		return 1, sdkError(err)
	case OpUpdate:
		_, err := c.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                table,
			Key:                      sdkKey(op.Item),
			UpdateExpression:         aws.String("SET #t = :t ADD #c :one"),
			ExpressionAttributeNames: map[string]string{"#t": "touched", "#c": "cnt"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":t":   &types.AttributeValueMemberS{Value: "bench"},
				":one": &types.AttributeValueMemberN{Value: "1"},
			},
		})
		return 1, sdkError(err)
	case OpQuery:
		out, err := c.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 table,
			KeyConditionExpression:    aws.String("#p = :p"),
			ExpressionAttributeNames:  map[string]string{"#p": "pk"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: partitionKey(op.Item)}},
		})
		if err != nil {
			return 0, sdkError(err)
		}
		return int(out.Count), nil
	case OpBatchWrite:
		reqs := make([]types.WriteRequest, 0, batchSize)
		for _, item := range BatchItems(op.Item, c.enc.ks) {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: c.sdkItem(item)}})
		}
		out, err := c.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{c.table: reqs}})
		if err != nil {
			return 0, sdkError(err)
		}
		return batchSize - len(out.UnprocessedItems[c.table]), nil
	case OpBatchGet:
		items := BatchGetItems(op.Item, c.enc.ks)
		keys := make([]map[string]types.AttributeValue, len(items))
		for j, item := range items {
			keys[j] = sdkKey(item)
		}
		out, err := c.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{c.table: {Keys: keys}}})
		if err != nil {
			return 0, sdkError(err)
		}
		return len(out.Responses[c.table]), nil
	case OpTransactWrite:
		items := TransactItems(op.Item, c.enc.ks)
		reqs := make([]types.TransactWriteItem, len(items))
		for j, item := range items {
			reqs[j] = types.TransactWriteItem{Put: &types.Put{TableName: table, Item: c.sdkItem(item)}}
		}
		if _, err := c.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: reqs}); err != nil {
			return 0, sdkError(err)
		}
		return transactSize, nil
	case OpScan:
		out, err := c.db.Scan(ctx, &dynamodb.ScanInput{TableName: table, Limit: aws.Int32(scanLimit), ExclusiveStartKey: sdkKey(op.Item)})
		if err != nil {
			return 0, sdkError(err)
		}
		return int(out.Count), nil
	}
	return 0, errors.New("unknown op kind")
}

// sdkError turns the SDK's wrapped API errors into APIError so reports
// name the DynamoDB error the same way for both clients.
func sdkError(err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return &APIError{Type: ae.ErrorCode(), Message: ae.ErrorMessage()}
	}
	return err
}
