package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/engine"
)

// fakeSource is a catalog of one provisioned table "t" (5 RCU, 3 WCU),
// whose ARN is "arn:t", with a GSI "g" being built.
type fakeSource struct{}

func (fakeSource) Provisioned() []engine.ProvisionedCapacity {
	return []engine.ProvisionedCapacity{
		{Table: "t", ReadUnits: 5, WriteUnits: 3},
		{Table: "t", Index: "g", ReadUnits: 1, WriteUnits: 1, IndexStatus: "CREATING"},
	}
}

func (fakeSource) TableName(s string) (string, bool) {
	n := strings.TrimPrefix(s, "arn:")
	return n, n == "t" || strings.HasPrefix(n, "t") && len(n) > 1 && n[1] >= '0' && n[1] <= '9'
}

func TestObserveClassifiesOutcomes(t *testing.T) {
	m := New()
	m.SetSource(fakeSource{})
	ctx := context.Background()
	tbl := api.Ptr("t")
	tests := []struct {
		op  api.OpID
		in  any
		out any
		err error
	}{
		{api.OpGetItem, &api.GetItemInput{TableName: tbl}, &api.GetItemOutput{Item: attr.Item{"id": attr.String("x")}}, nil},
		{api.OpGetItem, &api.GetItemInput{TableName: api.Ptr("arn:t")}, &api.GetItemOutput{}, nil},
		{api.OpQuery, &api.QueryInput{TableName: tbl}, &api.QueryOutput{Items: []attr.Item{{}, {}, {}}}, nil},
		{api.OpPutItem, &api.PutItemInput{TableName: tbl}, nil, apierr.New(apierr.ConditionalCheckFailedException, "The conditional request failed")},
		{api.OpPutItem, &api.PutItemInput{TableName: tbl}, nil, apierr.New(apierr.ProvisionedThroughputExceededException, "x")},
		{api.OpPutItem, &api.PutItemInput{TableName: tbl}, nil, apierr.Validation("bad")},
		{api.OpPutItem, &api.PutItemInput{TableName: tbl}, nil, errors.New("disk on fire")},
		{api.OpPutItem, &api.PutItemInput{TableName: api.Ptr("random-name")}, nil, apierr.New(apierr.ResourceNotFoundException, "Requested resource not found")},
	}
	for _, tc := range tests {
		m.Observe(ctx, tc.op, tc.in, func(context.Context) (any, error) { return tc.out, tc.err })
	}
	checks := []struct {
		name string
		got  float64
		want float64
	}{
		{"GetItem requests on t (name and ARN)", value(t, m.requests.WithLabelValues("GetItem", "t")), 2},
		{"GetItem returned items", value(t, m.returnedItems.WithLabelValues("GetItem", "t")), 1},
		{"Query returned items", value(t, m.returnedItems.WithLabelValues("Query", "t")), 3},
		{"PutItem requests on t", value(t, m.requests.WithLabelValues("PutItem", "t")), 4},
		{"conditional check failures", value(t, m.conditionalFails.WithLabelValues("PutItem", "t")), 1},
		{"throttled requests", value(t, m.throttledRequests.WithLabelValues("PutItem", "t")), 1},
		{"user errors", value(t, m.userErrors.WithLabelValues("PutItem", "t", "ValidationException")), 1},
		{"system errors", value(t, m.systemErrors.WithLabelValues("PutItem", "t")), 1},
		{"unknown tables are labelled \"\"", value(t, m.userErrors.WithLabelValues("PutItem", "", "ResourceNotFoundException")), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if n := series(t, m, "dynago_requests_total"); n != 4 {
		t.Errorf("%d request series, want 4 (GetItem/t, Query/t, PutItem/t, PutItem/\"\")", n)
	}
	if n := series(t, m, "dynago_returned_items_total"); n != 2 {
		t.Errorf("%d returned-items series, want 2 (GetItem/t, Query/t): no series for what returned none", n)
	}
}

// The cached children are the vectors' own: a series appears on its first
// nonzero update, as with WithLabelValues, and accumulates after.
func TestConsumedCapacitySeries(t *testing.T) {
	m := New()
	m.ConsumedCapacity("t", "", 0.5, 0)
	m.ConsumedCapacity("t", "", 0.5, 0)
	m.ConsumedCapacity("t", "g", 0, 2)
	if got := value(t, m.consumedRead.WithLabelValues("t", "")); got != 1 {
		t.Errorf("read units on t = %v, want 1", got)
	}
	if got := value(t, m.consumedWrite.WithLabelValues("t", "g")); got != 2 {
		t.Errorf("write units on t/g = %v, want 2", got)
	}
	if n := series(t, m, "dynago_consumed_read_capacity_units_total"); n != 1 {
		t.Errorf("%d consumed-read series, want 1 (t/\"\"; none for t/g's zero reads)", n)
	}
}

func TestHandlerServesTextFormat(t *testing.T) {
	m := New()
	m.SetSource(fakeSource{})
	m.ConsumedCapacity("t", "", 1.5, 0)
	m.Throttled("t", "", true)
	m.TTLDeleted("t", 4)
	m.TransactionConflict("t")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`dynago_consumed_read_capacity_units_total{index="",table="t"} 1.5`,
		`dynago_write_throttle_events_total{index="",table="t"} 1`,
		`dynago_ttl_deleted_items_total{table="t"} 4`,
		`dynago_transaction_conflicts_total{table="t"} 1`,
		`dynago_provisioned_read_capacity_units{billing_mode="PROVISIONED",index="",table="t"} 5`,
		`dynago_provisioned_write_capacity_units{billing_mode="PROVISIONED",index="",table="t"} 3`,
		`dynago_provisioned_write_capacity_units{billing_mode="PROVISIONED",index="g",table="t"} 1`,
		`dynago_index_status{index="g",status="CREATING",table="t"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// Two servers in one process each own their metrics.
func TestRegistriesAreIndependent(t *testing.T) {
	a, b := New(), New()
	a.TTLDeleted("t", 1)
	if got := value(t, b.ttlDeleted.WithLabelValues("t")); got != 0 {
		t.Errorf("second registry sees %v TTL deletions of the first", got)
	}
}

func BenchmarkObserve(b *testing.B) {
	m := New()
	m.SetSource(fakeSource{})
	in := &api.GetItemInput{TableName: api.Ptr("t")}
	out := &api.GetItemOutput{Item: attr.Item{}}
	next := func(context.Context) (any, error) { return out, nil }
	ctx := context.Background()
	for b.Loop() {
		m.Observe(ctx, api.OpGetItem, in, next)
	}
}

// value reads a counter's current value.
func value(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var d dto.Metric
	if err := c.Write(&d); err != nil {
		t.Fatal(err)
	}
	return d.GetCounter().GetValue()
}

// series counts the series of one metric family in m's registry.
func series(t *testing.T, m *Metrics, name string) int {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return len(f.Metric)
		}
	}
	return 0
}

// A request naming a table several times (by name and by ARN) counts once
// per table, with few tables or many.
func TestObserveCountsEachTableOnce(t *testing.T) {
	for _, n := range []int{2, maxScannedNames + 2} {
		m := New()
		m.SetSource(fakeSource{})
		items := map[string]api.KeysAndAttributes{}
		for i := range n {
			name := fmt.Sprintf("t%d", i)
			items[name] = api.KeysAndAttributes{}
			items["arn:"+name] = api.KeysAndAttributes{}
		}
		m.Observe(context.Background(), api.OpBatchGetItem, &api.BatchGetItemInput{RequestItems: items},
			func(context.Context) (any, error) { return &api.BatchGetItemOutput{}, nil })
		if got := series(t, m, "dynago_requests_total"); got != n {
			t.Errorf("%d tables: %d request series, want %d", n, got, n)
		}
		if got := value(t, m.requests.WithLabelValues("BatchGetItem", "t1")); got != 1 {
			t.Errorf("%d tables: %v requests on t1, want 1", n, got)
		}
	}
}

// tableSeries returns, from m's registry, the value of every series
// labelled table=table, by "family{other labels}".
func tableSeries(t *testing.T, m *Metrics, table string) map[string]float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		for _, s := range f.Metric {
			var mine bool
			var others []string
			for _, l := range s.Label {
				if l.GetName() == "table" {
					mine = l.GetValue() == table
				} else {
					others = append(others, l.GetName()+"="+l.GetValue())
				}
			}
			if mine {
				v := s.GetCounter().GetValue() + s.GetGauge().GetValue() + float64(s.GetHistogram().GetSampleCount())
				out[f.GetName()+"{"+strings.Join(others, ",")+"}"] = v
			}
		}
	}
	return out
}

// Deleting a table removes its series, leaves other tables' alone, and a
// table created again under the name counts from zero in series the
// registry serves (not in children the caches kept).
func TestTableDeletedDropsItsSeries(t *testing.T) {
	m := New()
	m.SetSource(fakeSource{})
	ctx := context.Background()
	get := func(table string) {
		m.Observe(ctx, api.OpGetItem, &api.GetItemInput{TableName: api.Ptr(table)}, func(context.Context) (any, error) {
			return &api.GetItemOutput{Item: attr.Item{"id": attr.String("x")}}, nil
		})
	}
	for _, tbl := range []string{"t1", "t2"} {
		get(tbl)
		m.ConsumedCapacity(tbl, "", 0.5, 1)
		m.ConsumedCapacity(tbl, "g", 0.5, 1)
		m.Throttled(tbl, "", true)
		m.TTLDeleted(tbl, 2)
		m.StreamRecordsRead(tbl, 3, time.Second)
	}
	before := len(tableSeries(t, m, "t1"))
	if before < 8 {
		t.Fatalf("t1 has %d series before its deletion, want every kind recorded: %v", before, tableSeries(t, m, "t1"))
	}
	m.TableDeleted("t1")
	if s := tableSeries(t, m, "t1"); len(s) != 0 {
		t.Errorf("t1's series after its deletion: %v", s)
	}
	if n := len(tableSeries(t, m, "t2")); n != before {
		t.Errorf("t2 has %d series after t1's deletion, want %d", n, before)
	}
	get("t1")
	m.ConsumedCapacity("t1", "", 0.5, 0)
	want := map[string]float64{
		"dynago_requests_total{operation=GetItem}":           1,
		"dynago_request_duration_seconds{operation=GetItem}": 1,
		"dynago_returned_items_total{operation=GetItem}":     1,
		"dynago_consumed_read_capacity_units_total{index=}":  0.5,
	}
	got := tableSeries(t, m, "t1")
	if len(got) != len(want) {
		t.Errorf("t1 created again: series %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("t1 created again: %s = %v, want %v", k, got[k], v)
		}
	}
}
