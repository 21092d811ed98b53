package integration

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/dynago/dynago/dynagotest"
)

// scrape fetches GET /metrics and parses it with Prometheus' own text
// parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// sample returns the value of the series of family name whose labels
// include want (a counter's or gauge's value, a histogram's count), or -1
// when there is none.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			if labels[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

func TestMetricsCountWhatTheTestDid(t *testing.T) {
	s := dynagotest.New(t, dynagotest.WithTTLInterval(100*time.Millisecond), dynagotest.WithThrottling())
	c := s.Client()
	ctx := context.Background()
	provisionedTable(t, c, "music", 7, 1)
	tbl := aws.String("music")

	for i := range 5 { // 5 PutItems of 1.5 KB: 2 WCU each
		put(t, c, "music", sized("song"+string(rune('a'+i)), 1536))
	}
	for _, pk := range []string{"songa", "songb", "songc", "missing"} { // 3 hits, 1 miss: 4 × 0.5 RCU
		if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S(pk)}}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("songa")},
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if err == nil {
		t.Fatal("conditional put succeeded")
	}
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"wrong": S("x")}})
	if err == nil {
		t.Fatal("GetItem with a wrong key succeeded")
	}
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl})
	if err != nil || len(out.Items) != 5 {
		t.Fatalf("Scan: %v items, %v", len(out.Items), err)
	}
	// Throttle: 1 WCU has 300 units of burst; 1 KB writes exhaust it.
	throttled, accepted := 0, 0
	for i := 0; throttled == 0 && i < 1000; i++ {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: sized("burst"+strconv.Itoa(i), 1024)}, noRetry)
		switch {
		case isThrottled(err):
			throttled++
		case err != nil:
			t.Fatal(err)
		default:
			accepted++
		}
	}
	// TTL: one expired item, deleted by the job.
	enableTTL(t, c, "music", "expires")
	put2 := &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("old"), "expires": epoch(time.Now().Add(-time.Hour))}}
	for {
		_, err := c.PutItem(ctx, put2, noRetry)
		if err == nil {
			break
		}
		if !isThrottled(err) {
			t.Fatal(err)
		}
		throttled++
		time.Sleep(50 * time.Millisecond) // the table is still paying its debt
	}
	deadline := time.Now().Add(3 * time.Second)
	var fams map[string]*dto.MetricFamily
	for {
		fams = scrape(t, s.URL())
		if sample(fams, "dynago_ttl_deleted_items_total", map[string]string{"table": "music"}) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	get := map[string]string{"operation": "GetItem", "table": "music"}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"dynago_requests_total", get, 5},
		{"dynago_request_duration_seconds", get, 5},
		{"dynago_returned_items_total", get, 3},
		{"dynago_returned_items_total", map[string]string{"operation": "Scan", "table": "music"}, 5},
		{"dynago_conditional_check_failed_requests_total", map[string]string{"operation": "PutItem", "table": "music"}, 1},
		{"dynago_user_errors_total", map[string]string{"operation": "GetItem", "table": "music", "code": "ValidationException"}, 1},
		{"dynago_throttled_requests_total", map[string]string{"operation": "PutItem", "table": "music"}, float64(throttled)},
		{"dynago_write_throttle_events_total", map[string]string{"table": "music", "index": ""}, float64(throttled)},
		{"dynago_requests_total", map[string]string{"operation": "PutItem", "table": "music"}, float64(5 + 1 + accepted + throttled + 1)},
		// 5 × 2 units, 2 for the failed conditional put (DynamoDB charges
		// failed conditions by the existing 1.5 KB item), 1 per accepted
		// 1 KB write, 1 for the TTL item; TTL deletions are free, as in
		// DynamoDB.
		{"dynago_consumed_write_capacity_units_total", map[string]string{"table": "music", "index": ""}, float64(10 + 2 + accepted + 1)},
		{"dynago_provisioned_read_capacity_units", map[string]string{"table": "music", "index": ""}, 7},
		{"dynago_provisioned_write_capacity_units", map[string]string{"table": "music", "index": ""}, 1},
		{"dynago_ttl_deleted_items_total", map[string]string{"table": "music"}, 1},
		// 4 GetItems at 0.5, plus the Scan: 5 × 1.5 KB = 7.5 KB → 2 units, halved.
		{"dynago_consumed_read_capacity_units_total", map[string]string{"table": "music", "index": ""}, 4*0.5 + 1},
	}
	for _, ck := range checks {
		if got := sample(fams, ck.name, ck.labels); got != ck.want {
			t.Errorf("%s%v = %v, want %v", ck.name, ck.labels, got, ck.want)
		}
	}
}
