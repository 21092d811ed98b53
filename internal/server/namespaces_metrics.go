package server

// Metrics of a server with --auth: tables of different namespaces may
// share a name, so the metrics label a namespaced table with its ARN
// (arn:aws:dynamodb:<region>:<account>:table/<name>) in the table label
// of every series: the per-request series (resolved in the caller's
// namespace, or the one a table ARN names), what each namespace's engine
// reports (nsObserver), and the provisioned capacity gauges at scrape
// time (every open namespace). Without --auth the labels stay plain
// table names.

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynago/dynago/internal/auth"
	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/metrics"
)

// tableARNPrefix is the ARN of a namespace's tables but the name.
func tableARNPrefix(account, region string) string {
	return "arn:aws:dynamodb:" + region + ":" + account + ":table/"
}

// nsObserver is a namespace's engine observer: the server's metrics,
// with each table named by its ARN.
type nsObserver struct {
	m               *metrics.Metrics
	src             nsSource // its label cache
	account, region string
}

func (o nsObserver) label(table string) string { return o.src.label(o.account, o.region, table) }

func (o nsObserver) ConsumedCapacity(table, index string, read, write float64) {
	o.m.ConsumedCapacity(o.label(table), index, read, write)
}
func (o nsObserver) Throttled(table, index string, write bool) {
	o.m.Throttled(o.label(table), index, write)
}
func (o nsObserver) TTLDeleted(table string, n int)   { o.m.TTLDeleted(o.label(table), n) }
func (o nsObserver) TransactionConflict(table string) { o.m.TransactionConflict(o.label(table)) }
func (o nsObserver) StreamRecordsRead(table string, n int, age time.Duration) {
	o.m.StreamRecordsRead(o.label(table), n, age)
}
func (o nsObserver) TableDeleted(table string) {
	o.m.TableDeleted(o.label(table))
	if _, ok := o.src.labels.LoadAndDelete(labelKey{o.account, o.region, table}); ok {
		o.src.n.Add(-1)
	}
}

// StreamRecordsWritten implements engine.StreamWriteObserver.
func (o nsObserver) StreamRecordsWritten(table string, n int) {
	o.m.StreamRecordsWritten(o.label(table), n)
}

// TaskProgress implements the engine's task observer (backups, restores).
func (o nsObserver) TaskProgress(kind, table string, items, bytes int64) {
	o.m.TaskProgress(kind, o.label(table), items, bytes)
}

var (
	_ engine.Observer            = nsObserver{}
	_ engine.StreamWriteObserver = nsObserver{}
)

// nsSource is the metrics' source on a server with --auth: every open
// namespace.
type nsSource struct {
	ns *namespaces
	// labels caches the ARN labels of tables by namespace and name, so
	// that labelling a request allocates nothing; bounded by
	// maxCachedLabels (past it labels are built each time).
	labels *sync.Map // labelKey → string
	n      *atomic.Int64
}

type labelKey struct{ account, region, table string }

const maxCachedLabels = 10_000

func newNSSource(ns *namespaces) nsSource {
	return nsSource{ns: ns, labels: &sync.Map{}, n: &atomic.Int64{}}
}

// label returns the ARN label of a namespace's table.
func (s nsSource) label(account, region, table string) string {
	k := labelKey{account, region, table}
	if l, ok := s.labels.Load(k); ok {
		return l.(string)
	}
	l := tableARNPrefix(account, region) + table
	if s.n.Load() < maxCachedLabels {
		if _, loaded := s.labels.LoadOrStore(k, l); !loaded {
			s.n.Add(1)
		}
	}
	return l
}

// Provisioned implements metrics.Source: every namespace's tables and
// indexes, each table named by its ARN.
func (s nsSource) Provisioned() []engine.ProvisionedCapacity {
	var out []engine.ProvisionedCapacity
	s.ns.open.Range(func(k, db any) bool {
		key := k.(nsKey)
		prefix := tableARNPrefix(key.account, key.region)
		for _, p := range db.(*engine.DB).Provisioned() {
			p.Table = prefix + p.Table
			out = append(out, p)
		}
		return true
	})
	return out
}

// TableName implements metrics.Source; Metrics asks TableLabel instead,
// with the request's context. Without one there is no namespace to look
// in.
func (s nsSource) TableName(string) (string, bool) { return "", false }

// TableLabel implements metrics.ContextSource: the ARN of the table that
// name (a name or an ARN) designates in the namespace the request was
// served from: the one a table ARN of an account of the auth file names,
// else the caller's. Namespaces are only looked up, never opened.
func (s nsSource) TableLabel(ctx context.Context, name string) (string, bool) {
	c := auth.CallerFrom(ctx)
	if c == nil || c.Principal == nil {
		return "", false
	}
	account, region := c.Principal.Account, c.Region
	if strings.HasPrefix(name, "arn:") { // else a plain name, of the caller's namespace
		if a, ok := auth.ParseARN(name); ok && a.Service == "dynamodb" && s.ns.known(a.Account) {
			account, region = a.Account, a.Region
		}
	}
	db, ok := s.ns.open.Load(nsKey{account, region})
	if !ok {
		return "", false
	}
	table, ok := db.(*engine.DB).TableName(name)
	if !ok {
		return "", false
	}
	return s.label(account, region, table), true
}

var _ metrics.ContextSource = nsSource{}
