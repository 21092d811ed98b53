package metrics

import "github.com/prometheus/client_golang/prometheus"

// taskSeries are the progress counters of the engine's copying jobs: a
// backup's copy, a restore filling its table, a PITR base's copy (by
// kind: backup, restore, pitr-base), so a dashboard shows a long job
// moving (rate) and how far it got.
type taskSeries struct {
	items *prometheus.CounterVec
	bytes *prometheus.CounterVec
}

func (s *taskSeries) register(reg *prometheus.Registry) {
	s.items = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "task_items_total",
		Help: "Items copied by background tasks: backup (CreateBackup's copy), restore (a restored table filled), pitr-base (a point-in-time base copied), export (items written to S3 data files), import (items imported)."}, []string{"kind", "table"})
	s.bytes = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "task_bytes_total",
		Help: "Bytes of item data copied by background tasks, by kind as task_items_total."}, []string{"kind", "table"})
	reg.MustRegister(s.items, s.bytes)
}

// TaskProgress implements the engine's task observer: a copying job moved
// items items of bytes bytes for table.
func (m *Metrics) TaskProgress(kind, table string, items, bytes int64) {
	m.tasks.items.WithLabelValues(kind, table).Add(float64(items))
	m.tasks.bytes.WithLabelValues(kind, table).Add(float64(bytes))
}
