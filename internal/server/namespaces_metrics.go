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
	account, region string
	// db is the namespace's engine once it is open (namespaces.get), whose
	// catalog holds each table's ARN.
	db *atomic.Pointer[engine.DB]
}

func newNSObserver(m *metrics.Metrics, account, region string) nsObserver {
	return nsObserver{m: m, account: account, region: region, db: new(atomic.Pointer[engine.DB])}
}

// label is the table's ARN: read from the catalog, or built for a table
// the catalog no longer holds (TableDeleted) or while the engine opens.
func (o nsObserver) label(table string) string {
	if db := o.db.Load(); db != nil {
		if arn, ok := db.TableARN(table); ok {
			return arn
		}
	}
	return tableARNPrefix(o.account, o.region) + table
}

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
func (o nsObserver) TableDeleted(table string) { o.m.TableDeleted(o.label(table)) }

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
type nsSource struct{ ns *namespaces }

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
	return db.(*engine.DB).TableARN(name)
}

var _ metrics.ContextSource = nsSource{}
