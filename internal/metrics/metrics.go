// Package metrics is Dynago's Prometheus instrumentation: the counterparts
// of DynamoDB's CloudWatch metrics (consumed and provisioned capacity,
// throttle events, request latency, user and system errors, conditional
// check failures, returned items, TTL deletions, transaction conflicts),
// labelled by table and operation and served in the Prometheus text format
// at GET /metrics.
//
// A Metrics owns its registry; nothing is registered globally, so several
// servers (parallel tests) never share or collide on series. The engine
// reports what only it can measure through engine.Observer, which Metrics
// implements; the wire layer's middleware reports the rest per request.
package metrics

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/engine"
)

// namespace prefixes every metric name.
const namespace = "dynago"

// latencyBuckets are the request-latency histogram's bucket bounds, in
// seconds: from a cached read (~100 µs) to a slow scan page (~10 s).
var latencyBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Source is what Metrics reads from the engine at scrape time and on each
// request; *engine.DB implements it.
type Source interface {
	// Provisioned lists every table's and index's provisioned throughput.
	Provisioned() []engine.ProvisionedCapacity
	// TableName resolves a table name or ARN, for labels; ok is false when
	// it designates no existing table.
	TableName(s string) (name string, ok bool)
}

// ContextSource is a Source whose table labels depend on the request: a
// server with --auth serves each account and region its own tables, so
// a request's table is resolved in its caller's namespace and labelled
// with its ARN. Metrics uses TableLabel instead of TableName when the
// Source has it.
type ContextSource interface {
	Source
	TableLabel(ctx context.Context, s string) (label string, ok bool)
}

// Metrics is one server's set of metrics and their registry.
type Metrics struct {
	reg *prometheus.Registry

	requests          *prometheus.CounterVec
	latency           *prometheus.HistogramVec
	userErrors        *prometheus.CounterVec
	systemErrors      *prometheus.CounterVec
	conditionalFails  *prometheus.CounterVec
	returnedItems     *prometheus.CounterVec
	throttledRequests *prometheus.CounterVec
	consumedRead      *prometheus.CounterVec
	consumedWrite     *prometheus.CounterVec
	readThrottles     *prometheus.CounterVec
	writeThrottles    *prometheus.CounterVec
	ttlDeleted        *prometheus.CounterVec
	txConflicts       *prometheus.CounterVec
	streamRead        *prometheus.CounterVec
	streamWritten     *prometheus.CounterVec
	streamAge         *prometheus.GaugeVec

	// tasks count what backups, restores and PITR bases copy (tasks.go).
	tasks taskSeries

	// Children of the vectors above that every request updates, by their
	// labels: a sync.Map load costs a fraction of WithLabelValues (which
	// hashes and validates the labels, then takes a lock). They hold
	// exactly the children the vectors hold, created on the same first
	// use, so they add no series and grow only as the vectors do.
	// TableDeleted drops a deleted table's children from both, cache
	// first, so the cache never keeps updating a detached child.
	served   pairCache[servedSeries]       // (operation, table)
	returned pairCache[prometheus.Counter] // (operation, table)
	read     pairCache[prometheus.Counter] // (table, index)
	written  pairCache[prometheus.Counter] // (table, index)

	// epoch is when the metrics were made. Observe times a request as the
	// difference of two time.Since(epoch), which read only the monotonic
	// clock: half the cost of the time.Now that time.Since(start) would
	// need, for the same elapsed time.
	epoch time.Time

	src Source
}

// servedSeries are the two series every request updates.
type servedSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// pairCache caches the children of a metric vector labelled by two
// values; its zero value is ready once child is set.
type pairCache[T any] struct {
	m     sync.Map // labelPair → T
	child func(a, b string) T
}

type labelPair struct{ a, b string }

// get returns the child labelled a, b, creating it on first use. Two
// requests creating it at once get the same child from the vector.
// forget drops every child whose first (first) or second (!first) label
// value is v.
func (c *pairCache[T]) forget(v string, first bool) {
	c.m.Range(func(k, _ any) bool {
		if p := k.(labelPair); (first && p.a == v) || (!first && p.b == v) {
			c.m.Delete(k)
		}
		return true
	})
}

func (c *pairCache[T]) get(a, b string) T {
	k := labelPair{a, b}
	if v, ok := c.m.Load(k); ok {
		return v.(T)
	}
	v := c.child(a, b)
	c.m.Store(k, v)
	return v
}

// runtimeCollectors are the Go runtime's and the process's collectors,
// one pair for the process: both report process-wide figures, a collector
// may be registered in several registries, and building the Go one cost
// every New ~90 µs of CPU (dynagotest starts a server per test).
var runtimeCollectors = sync.OnceValues(func() (prometheus.Collector, prometheus.Collector) {
	return collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})
})

// New builds the metrics and registers them, with the Go runtime and
// process collectors, in a registry of their own. SetSource must be called
// before the first scrape or request.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), epoch: time.Now()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	m.requests = counter("requests_total", "DynamoDB API requests by operation and table (SuccessfulRequestLatency's SampleCount in CloudWatch).", "operation", "table")
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "request_duration_seconds",
		Help:    "Time to serve a DynamoDB API request, from decoded request to encoded answer (CloudWatch SuccessfulRequestLatency).",
		Buckets: latencyBuckets,
	}, []string{"operation", "table"})
	m.reg.MustRegister(m.latency)
	m.userErrors = counter("user_errors_total", "Requests refused with a 4xx error other than throttling and conditional check failures (CloudWatch UserErrors).", "operation", "table", "code")
	m.systemErrors = counter("system_errors_total", "Requests that failed with a 5xx error (CloudWatch SystemErrors).", "operation", "table")
	m.conditionalFails = counter("conditional_check_failed_requests_total", "Writes whose condition expression was false (CloudWatch ConditionalCheckFailedRequests).", "operation", "table")
	m.returnedItems = counter("returned_items_total", "Items returned by GetItem, Query, Scan and BatchGetItem (CloudWatch ReturnedItemCount).", "operation", "table")
	m.throttledRequests = counter("throttled_requests_total", "Requests refused with ProvisionedThroughputExceededException (CloudWatch ThrottledRequests).", "operation", "table")
	m.consumedRead = counter("consumed_read_capacity_units_total", "Read capacity units consumed, per table and index (\"\" for the table; CloudWatch ConsumedReadCapacityUnits).", "table", "index")
	m.consumedWrite = counter("consumed_write_capacity_units_total", "Write capacity units consumed, per table and index (\"\" for the table; CloudWatch ConsumedWriteCapacityUnits).", "table", "index")
	m.readThrottles = counter("read_throttle_events_total", "Read requests throttled by a table's or index's exhausted read capacity (CloudWatch ReadThrottleEvents).", "table", "index")
	m.writeThrottles = counter("write_throttle_events_total", "Write requests throttled by a table's or index's exhausted write capacity (CloudWatch WriteThrottleEvents).", "table", "index")
	m.ttlDeleted = counter("ttl_deleted_items_total", "Items the TTL job deleted because they expired (CloudWatch TimeToLiveDeletedItemCount).", "table")
	m.txConflicts = counter("transaction_conflicts_total", "Transactions cancelled by a conflicting concurrent request (CloudWatch TransactionConflict). Always 0 on the Pebble store: its per-key locks make a conflicting request wait for the transaction instead of cancelling either; the counter exists for dashboards shared with DynamoDB and for stores that cancel.", "table")
	m.streamRead = counter("stream_records_returned_total", "Stream records returned by GetRecords (CloudWatch ReturnedRecordsCount).", "table")
	m.streamWritten = counter("stream_records_written_total", "Stream records written by committed item changes, one per item changed (records of a failed condition or a cancelled transaction are never written).", "table")
	m.streamAge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "stream_iterator_age_seconds",
		Help: "Age of the newest record the last GetRecords of the table's stream returned: how far its consumer is behind (Lambda's IteratorAge).",
	}, []string{"table"})
	m.reg.MustRegister(m.streamAge)
	m.tasks.register(m.reg)
	goc, proc := runtimeCollectors()
	m.reg.MustRegister(provisionedCollector{m}, goc, proc)
	m.served.child = func(op, table string) servedSeries {
		return servedSeries{requests: m.requests.WithLabelValues(op, table), latency: m.latency.WithLabelValues(op, table)}
	}
	m.returned.child = func(op, table string) prometheus.Counter { return m.returnedItems.WithLabelValues(op, table) }
	m.read.child = func(table, index string) prometheus.Counter { return m.consumedRead.WithLabelValues(table, index) }
	m.written.child = func(table, index string) prometheus.Counter { return m.consumedWrite.WithLabelValues(table, index) }
	return m
}

// SetSource connects the metrics to the engine they describe. It is set
// once, before serving: the engine is opened with the Metrics as its
// Observer, so the two are created in that order.
func (m *Metrics) SetSource(src Source) { m.src = src }

// Registry is the registry holding every Dynago metric, for tests and for
// embedding Dynago in a program that serves its own /metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Observe is the wire middleware that measures one request: count,
// latency, errors by kind and returned items, per operation and table.
// Every operation of the registry is observed, labelled by its name and by
// the tables its input names (api.Operation.AppendResources); next runs the
// request.
func (m *Metrics) Observe(ctx context.Context, id api.OpID, in any, next func(context.Context) (any, error)) (any, error) {
	start := time.Since(m.epoch)
	out, err := next(ctx)
	elapsed := (time.Since(m.epoch) - start).Seconds()
	op := id.String()
	var resBuf [1]api.Resource // a single-table request's resources, without allocating
	var buf [1]string          // and its label
	tables := m.tables(ctx, buf[:0], id.Operation().AppendResources(resBuf[:0], in))
	for _, t := range tables {
		s := m.served.get(op, t)
		s.requests.Inc()
		s.latency.Observe(elapsed)
	}
	if err != nil {
		m.countError(op, tables, err)
		return out, err
	}
	m.countReturned(op, tables, out)
	return out, nil
}

// maxScannedNames is the most table names tables deduplicates by scanning
// rather than with a map.
const maxScannedNames = 8

// tables labels a request: the existing tables among the resources it
// named (resolved from ARNs, each once), or "" for an operation on no
// existing table, so that a client sending random names cannot create
// unbounded series. It appends them to buf.
func (m *Metrics) tables(ctx context.Context, buf []string, res []api.Resource) []string {
	// Resolve and deduplicate: a scan of out finds duplicates without
	// allocating; a map takes over for the rare request naming many
	// tables.
	out := buf[:0]
	var seen map[string]bool
	if len(res) > maxScannedNames {
		seen = make(map[string]bool, len(res))
	}
	for _, r := range res {
		if m.src == nil || (r.Kind != api.ResourceTable && r.Kind != api.ResourceARN) {
			continue
		}
		var n string
		var ok bool
		if cs, isCS := m.src.(ContextSource); isCS {
			n, ok = cs.TableLabel(ctx, r.Name)
		} else {
			n, ok = m.src.TableName(r.Name)
		}
		if !ok {
			continue
		}
		if seen != nil {
			if seen[n] {
				continue
			}
			seen[n] = true
		} else if slices.Contains(out, n) {
			continue
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}

func (m *Metrics) countError(op string, tables []string, err error) {
	e := apierr.As(err)
	for _, t := range tables {
		switch {
		case e == nil || e.Code.Status() >= 500:
			m.systemErrors.WithLabelValues(op, t).Inc()
		case e.Code == apierr.ProvisionedThroughputExceededException:
			m.throttledRequests.WithLabelValues(op, t).Inc()
		case e.Code == apierr.ConditionalCheckFailedException:
			m.conditionalFails.WithLabelValues(op, t).Inc()
		default:
			m.userErrors.WithLabelValues(op, t, string(e.Code)).Inc()
		}
	}
}

// countReturned counts the items a read returned, per table. tables are
// the request's tables; the single-table reads name exactly one.
func (m *Metrics) countReturned(op string, tables []string, out any) {
	n := 0
	switch o := out.(type) {
	case *api.GetItemOutput:
		if o.Item != nil {
			n = 1
		}
	case *api.QueryOutput:
		n = len(o.Items)
	case *api.ScanOutput:
		n = len(o.Items)
	case *api.BatchGetItemOutput:
		for t, items := range o.Responses {
			if len(items) == 0 || m.src == nil {
				continue
			}
			if name, ok := m.src.TableName(t); ok {
				m.returnedItems.WithLabelValues(op, name).Add(float64(len(items)))
			}
		}
		return
	default:
		return
	}
	if n > 0 {
		m.returned.get(op, tables[0]).Add(float64(n))
	}
}

// ConsumedCapacity implements engine.Observer.
func (m *Metrics) ConsumedCapacity(table, index string, read, write float64) {
	if read > 0 {
		m.read.get(table, index).Add(read)
	}
	if write > 0 {
		m.written.get(table, index).Add(write)
	}
}

// Throttled implements engine.Observer.
func (m *Metrics) Throttled(table, index string, write bool) {
	if write {
		m.writeThrottles.WithLabelValues(table, index).Inc()
	} else {
		m.readThrottles.WithLabelValues(table, index).Inc()
	}
}

// TTLDeleted implements engine.Observer.
func (m *Metrics) TTLDeleted(table string, n int) {
	m.ttlDeleted.WithLabelValues(table).Add(float64(n))
}

// TransactionConflict implements engine.Observer.
func (m *Metrics) TransactionConflict(table string) { m.txConflicts.WithLabelValues(table).Inc() }

// StreamRecordsRead implements engine.Observer.
func (m *Metrics) StreamRecordsRead(table string, n int, age time.Duration) {
	m.streamRead.WithLabelValues(table).Add(float64(n))
	if n > 0 {
		m.streamAge.WithLabelValues(table).Set(age.Seconds())
	}
}

// StreamRecordsWritten implements engine.StreamWriteObserver.
func (m *Metrics) StreamRecordsWritten(table string, n int) {
	m.streamWritten.WithLabelValues(table).Add(float64(n))
}

// TableDeleted implements engine.Observer: it removes every series
// labelled with the deleted table. A test suite creates and deletes a
// table per test case; kept, each table's series (a latency histogram and
// counters per operation) stayed in the heap and in every scrape, about
// 10 KB per table, and after a few thousand tables the GC's scanning of
// them was a fifth of the server's CPU. A table created again under the
// name starts its counters from zero, which Prometheus' rate() reads as a
// counter reset. A request on the table still in flight when it is
// deleted may create a series again; it stays until the next deletion of
// that name.
func (m *Metrics) TableDeleted(table string) {
	m.served.forget(table, false)
	m.returned.forget(table, false)
	m.read.forget(table, true)
	m.written.forget(table, true)
	match := prometheus.Labels{"table": table}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
		m.requests, m.latency, m.userErrors, m.systemErrors, m.conditionalFails,
		m.returnedItems, m.throttledRequests, m.consumedRead, m.consumedWrite,
		m.readThrottles, m.writeThrottles, m.ttlDeleted, m.txConflicts,
		m.streamRead, m.streamWritten, m.streamAge,
	} {
		v.DeletePartialMatch(match)
	}
}

// provisionedCollector reports provisioned capacity as gauges read from the
// catalog at scrape time, so they follow CreateTable, UpdateTable and
// DeleteTable without bookkeeping.
type provisionedCollector struct{ m *Metrics }

var (
	provisionedReadDesc = prometheus.NewDesc(namespace+"_provisioned_read_capacity_units",
		"Provisioned read capacity units per table and global secondary index (on-demand tables: their MaxReadRequestUnits, 0 for none; CloudWatch ProvisionedReadCapacityUnits).",
		[]string{"table", "index", "billing_mode"}, nil)
	provisionedWriteDesc = prometheus.NewDesc(namespace+"_provisioned_write_capacity_units",
		"Provisioned write capacity units per table and global secondary index (on-demand tables: their MaxWriteRequestUnits, 0 for none; CloudWatch ProvisionedWriteCapacityUnits).",
		[]string{"table", "index", "billing_mode"}, nil)
	indexStatusDesc = prometheus.NewDesc(namespace+"_index_status",
		"1 for each global secondary index in its current IndexStatus: CREATING while its backfill runs (index build progress), ACTIVE, or DELETING.",
		[]string{"table", "index", "status"}, nil)
)

func (c provisionedCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- provisionedReadDesc
	ch <- provisionedWriteDesc
	ch <- indexStatusDesc
}

func (c provisionedCollector) Collect(ch chan<- prometheus.Metric) {
	if c.m.src == nil {
		return
	}
	for _, p := range c.m.src.Provisioned() {
		mode := api.BillingModeProvisioned
		if p.OnDemand {
			mode = api.BillingModePayPerRequest
		}
		ch <- prometheus.MustNewConstMetric(provisionedReadDesc, prometheus.GaugeValue, p.ReadUnits, p.Table, p.Index, mode)
		ch <- prometheus.MustNewConstMetric(provisionedWriteDesc, prometheus.GaugeValue, p.WriteUnits, p.Table, p.Index, mode)
		if p.IndexStatus != "" {
			ch <- prometheus.MustNewConstMetric(indexStatusDesc, prometheus.GaugeValue, 1, p.Table, p.Index, p.IndexStatus)
		}
	}
}
