package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// OpKind is one DynamoDB operation the load tool issues.
type OpKind int

// The operations, one per DynamoDB call the workloads use.
const (
	OpGet OpKind = iota
	OpPut
	OpUpdate
	OpQuery
	OpBatchWrite
	OpScan
	OpBatchGet
	OpTransactWrite
	// OpGetRecords reads the next page of the stream of the stream table
	// (TableStream) from the worker's shard iterator.
	OpGetRecords
	// OpPartiQLGet is ExecuteStatement's SELECT of one item by its full
	// key, the PartiQL equivalent of OpGet.
	OpPartiQLGet
	numOpKinds
)

// Target is the X-Amz-Target operation name of k.
func (k OpKind) Target() string {
	return [...]string{"GetItem", "PutItem", "UpdateItem", "Query", "BatchWriteItem", "Scan", "BatchGetItem", "TransactWriteItems",
		"GetRecords", "ExecuteStatement"}[k]
}

// TableKind names one of the tables a run uses. Every table has the bench
// schema and holds the same loaded items; they differ in what a write
// costs besides the item.
type TableKind int

// The tables of a run.
const (
	// TableMain is -table: no stream, no PITR.
	TableMain TableKind = iota
	// TableStream has a NEW_AND_OLD_IMAGES stream, the most a stream
	// records per write; GetRecords reads it.
	TableStream
	// TablePITR has point-in-time recovery enabled.
	TablePITR
	numTableKinds
)

// suffix is appended to -table to name the table of kind k.
func (k TableKind) suffix() string { return [...]string{"", "_stream", "_pitr"}[k] }

// getRecordsLimit is the Limit of one GetRecords call: DynamoDB's maximum
// and its default.
const getRecordsLimit = 1000

const (
	// partitionSize is the number of items sharing one partition key, so a
	// Query returns this many items.
	partitionSize = 10
	// batchSize is the number of puts in one BatchWriteItem, DynamoDB's
	// maximum.
	batchSize = 25
	// scanLimit is the Limit of one Scan page.
	scanLimit = 100
	// batchGetSize is the number of keys in one BatchGetItem, DynamoDB's
	// maximum.
	batchGetSize = 100
	// transactSize is the number of puts in one TransactWriteItems.
	transactSize = 4
)

// Op is one request a workload asks for, named by item indexes into the key
// space: item i has partition key "p<i/10>" and sort key i%10, so loaded
// data forms 10-item partitions for Query.
type Op struct {
	Kind OpKind
	// Item is the item read or written by get, put and update, the first
	// of the batchSize consecutive items (modulo the key count) of a batch
	// write, or the item a Scan page starts after. A GetRecords that needs
	// a new shard iterator takes shard Item modulo the open shards.
	Item int
	// Table is the table the request goes to.
	Table TableKind
}

// Keyspace describes the items a run reads and writes.
type Keyspace struct {
	// Items is the number of distinct items; at least batchSize.
	Items int
}

// Partitions is the number of distinct partition keys.
func (ks Keyspace) Partitions() int { return (ks.Items + partitionSize - 1) / partitionSize }

// partitionOf is the partition number of item i.
func partitionOf(i int) int { return i / partitionSize }

// sortOf is the sort key of item i.
func sortOf(i int) int { return i % partitionSize }

// Workload is a named mix of operations; each request draws its kind by
// weight and its key uniformly from the keyspace.
type Workload struct {
	Name string
	// Weights gives each kind's share of requests; kinds absent get none.
	Weights map[OpKind]int
	// Table is the table every request goes to.
	Table TableKind
	// DynagoOnly marks a workload of an operation or table setting that
	// dynalite does not implement (transactions, streams, PITR, PartiQL):
	// compare runs it against the dynago servers only.
	DynagoOnly bool
	// cumulative holds the running sum of weights in kind order, for
	// drawing; built by newWorkload.
	cumulative []weightedKind
	total      int
}

type weightedKind struct {
	kind  OpKind
	upTo  int // exclusive upper bound of this kind's draw range
	share int
}

// workloadNames lists the workloads in the order reports show them; "all"
// stands for every one. The last five are DynagoOnly.
var workloadNames = []string{"put", "get", "query", "update", "batchwrite", "scan", "batchget", "mixed",
	"transact", "getrecords", "partiql", "put-stream", "put-pitr"}

// comparedWorkloads are the groups of workloads whose figures are judged
// against each other (issue 20: PartiQL SELECT against GetItem on the same
// keys, PutItem with a stream or PITR against plain PutItem). compare
// alternates the members of a group round by round rather than running
// one after the other, so a neighbour's burst of load on the machine
// falls on all of them alike.
var comparedWorkloads = [][]string{{"get", "partiql"}, {"put", "put-stream", "put-pitr"}}

// mixedWeights is the mixed workload: read-mostly, like the applications
// DynamoDB serves (percent).
func mixedWeights() map[OpKind]int {
	return map[OpKind]int{OpGet: 50, OpPut: 15, OpUpdate: 15, OpQuery: 15, OpBatchWrite: 5}
}

// LookupWorkload returns the workload called name.
func LookupWorkload(name string) (*Workload, error) {
	single := map[string]struct {
		kind       OpKind
		table      TableKind
		dynagoOnly bool
	}{
		"put": {kind: OpPut}, "get": {kind: OpGet}, "query": {kind: OpQuery}, "update": {kind: OpUpdate},
		"batchwrite": {kind: OpBatchWrite}, "scan": {kind: OpScan}, "batchget": {kind: OpBatchGet},
		"transact":   {kind: OpTransactWrite, dynagoOnly: true},
		"getrecords": {kind: OpGetRecords, table: TableStream, dynagoOnly: true},
		"partiql":    {kind: OpPartiQLGet, dynagoOnly: true},
		"put-stream": {kind: OpPut, table: TableStream, dynagoOnly: true},
		"put-pitr":   {kind: OpPut, table: TablePITR, dynagoOnly: true},
	}
	if s, ok := single[name]; ok {
		w := newWorkload(name, map[OpKind]int{s.kind: 1})
		w.Table, w.DynagoOnly = s.table, s.dynagoOnly
		return w, nil
	}
	if name == "mixed" {
		return newWorkload(name, mixedWeights()), nil
	}
	return nil, fmt.Errorf("unknown workload %q (want one of %s or all)", name, strings.Join(workloadNames, ", "))
}

// ParseWorkloads resolves a comma-separated list of workload names; "all"
// stands for every workload.
func ParseWorkloads(list string) ([]*Workload, error) {
	var out []*Workload
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if name == "all" {
			for _, n := range workloadNames {
				w, _ := LookupWorkload(n)
				out = append(out, w)
			}
			continue
		}
		w, err := LookupWorkload(name)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no workload given")
	}
	return out, nil
}

func newWorkload(name string, weights map[OpKind]int) *Workload {
	w := &Workload{Name: name, Weights: weights}
	kinds := make([]OpKind, 0, len(weights))
	for k := range weights {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	for _, k := range kinds {
		if weights[k] <= 0 {
			continue
		}
		w.total += weights[k]
		w.cumulative = append(w.cumulative, weightedKind{kind: k, upTo: w.total, share: weights[k]})
	}
	return w
}

// NeedsData reports whether the workload reads items that must be loaded
// first; pure writers (put, batchwrite) create their own.
func (w *Workload) NeedsData() bool {
	for _, c := range w.cumulative {
		switch c.kind {
		case OpGet, OpQuery, OpScan, OpUpdate, OpBatchGet, OpGetRecords, OpPartiQLGet:
			return true
		}
	}
	return false
}

// Next draws the next operation.
func (w *Workload) Next(rng *rand.Rand, ks Keyspace) Op {
	kind := w.cumulative[0].kind
	if len(w.cumulative) > 1 {
		r := rng.IntN(w.total)
		for _, c := range w.cumulative {
			if r < c.upTo {
				kind = c.kind
				break
			}
		}
	}
	op := Op{Kind: kind, Item: rng.IntN(ks.Items), Table: w.Table}
	if kind == OpQuery {
		// Draw the partition, not the item, so every partition is equally
		// likely even when the last one is short.
		op.Item = rng.IntN(ks.Partitions()) * partitionSize
	}
	return op
}

// BatchItems returns the distinct items a batch write starting at first
// puts: batchSize consecutive items, wrapping at the end of the keyspace.
func BatchItems(first int, ks Keyspace) [batchSize]int {
	var out [batchSize]int
	for j := range out {
		out[j] = (first + j) % ks.Items
	}
	return out
}

// TransactItems returns the distinct items a TransactWriteItems starting
// at first puts: transactSize consecutive items, wrapping.
func TransactItems(first int, ks Keyspace) [transactSize]int {
	var out [transactSize]int
	for j := range out {
		out[j] = (first + j) % ks.Items
	}
	return out
}

// BatchGetItems returns the distinct items a batch get starting at first
// reads: batchGetSize consecutive items (fewer when the keyspace is
// smaller), wrapping at the end of the keyspace.
func BatchGetItems(first int, ks Keyspace) []int {
	out := make([]int, min(batchGetSize, ks.Items))
	for j := range out {
		out[j] = (first + j) % ks.Items
	}
	return out
}

// itemFixedBytes is the DynamoDB size of an item's attributes other than
// the payload's value: names count their UTF-8 bytes, strings their bytes,
// and a number about one byte per two digits plus one.
func itemFixedBytes(item int) int {
	pkLen := 1 + decimalDigits(partitionOf(item)) // "p" + partition number
	skDigits := decimalDigits(sortOf(item))
	return len("pk") + pkLen + len("sk") + (skDigits+1)/2 + 1 +
		len("cnt") + 2 + len("payload")
}

// decimalDigits is the length of n >= 0 in decimal, computed without
// formatting it (this runs for every item of every batch).
func decimalDigits(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

// payloadLen is the length of the payload string that brings item's size
// to about itemSize bytes, and at least 1.
func payloadLen(item, itemSize int) int {
	return max(itemSize-itemFixedBytes(item), 1)
}

// partitionKey is the partition key value of item i.
func partitionKey(i int) string { return "p" + strconv.Itoa(partitionOf(i)) }

// alternationGroups splits wls into the groups compare alternates round by
// round: the members of a comparedWorkloads group that wls holds go
// together, at the place of the first of them; every other workload is a
// group of its own. The order within a group is the order in wls.
func alternationGroups(wls []*Workload) [][]*Workload {
	var out [][]*Workload
	at := map[int]int{} // comparedWorkloads index -> index in out
	for _, wl := range wls {
		g := -1
		for i, names := range comparedWorkloads {
			if slices.Contains(names, wl.Name) {
				g = i
			}
		}
		if j, ok := at[g]; ok && g >= 0 {
			out[j] = append(out[j], wl)
			continue
		}
		if g >= 0 {
			at[g] = len(out)
		}
		out = append(out, []*Workload{wl})
	}
	return out
}
