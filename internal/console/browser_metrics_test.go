package console_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/sdkhttp"
	"github.com/dynago/dynago/internal/server"
)

// TestBrowserThrottlingChart runs the Metrics page on a server that
// enforces provisioned throughput (dynago's default) while a program
// writes to a 1-WCU table faster than it allows: the throttling chart and
// the Throttled tile rise above zero, and the operations table shows as
// many throttled PutItems as the program was refused.
func TestBrowserThrottlingChart(t *testing.T) {
	findChromium(t)
	ctx := context.Background()
	srv := startBrowserServer(t, server.Config{})
	ddb := dynamodb.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("sdk", "sdk", ""),
		BaseEndpoint: aws.String(srv.URL()),
		HTTPClient:   sdkhttp.Client(),
	}, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }) // see every refusal
	if _, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String("Hot"),
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
	}); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, srv.URL()+"/console/")
	b.open("/metrics?interval=1")
	b.waitFor("a first scrape", `!!document.querySelector('#metric-tiles')`)

	// One write unit a second, with DynamoDB's 300 seconds of burst:
	// writes of one unit each as fast as they go are soon refused in part.
	// They go on until the page shows it, so the chart has a throttled
	// rate above zero to show whatever the machine's speed.
	var throttled atomic.Int64
	stop, done := make(chan struct{}), make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Hot"),
				Item: map[string]types.AttributeValue{"id": str(fmt.Sprintf("hot-%d", i))}})
			var pte *types.ProvisionedThroughputExceededException
			switch {
			case errors.As(err, &pte):
				throttled.Add(1)
			case err != nil:
				done <- err
				return
			}
			time.Sleep(time.Millisecond) // a fast client, not a CPU hog
		}
	}()
	b.waitFor("a throttling line above zero", `(() => {
		const item = [...document.querySelectorAll('#chart-throttling .legend li')].find(li => li.textContent.includes('Throttled requests'));
		return !!item && parseFloat(item.querySelector('.legend-value').textContent) > 0;
	})()`)
	b.waitFor("the Throttled tile above zero", `(() => {
		const tile = [...document.querySelectorAll('#metric-tiles .stat')].find(s => s.textContent.includes('Throttled'));
		return !!tile && parseFloat(tile.querySelector('.stat-value').textContent) > 0;
	})()`)
	// The screenshot shows the page while the writes go on.
	b.waitFor("a few scrapes", `document.querySelector('#chart-throttling path.chart-line').getAttribute('d').split('L').length >= 3`)
	b.shot("metrics-throttling", true)
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d PutItems throttled", throttled.Load())
	b.waitFor(fmt.Sprintf("PutItem throttled %d", throttled.Load()), fmt.Sprintf(`(() => {
		const td = document.querySelectorAll('#operations-grid tr[data-operation=PutItem] td')[5];
		return !!td && td.textContent.replaceAll(',', '') === %s;
	})()`, quote(fmt.Sprint(throttled.Load()))))
	b.checkProblems()
}
