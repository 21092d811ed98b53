package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestParseWorkloads(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: "get", want: []string{"get"}},
		{in: "put, query,mixed", want: []string{"put", "query", "mixed"}},
		{in: "all", want: workloadNames},
		{in: "transact,get", want: []string{"transact", "get"}},
		{in: "put-pitr,getrecords", want: []string{"put-pitr", "getrecords"}},
		{in: "", wantErr: true},
		{in: "get,delete", wantErr: true},
	}
	for _, tt := range tests {
		wls, err := ParseWorkloads(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseWorkloads(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if len(wls) != len(tt.want) {
			t.Errorf("ParseWorkloads(%q) = %d workloads, want %d", tt.in, len(wls), len(tt.want))
			continue
		}
		for i, w := range wls {
			if w.Name != tt.want[i] {
				t.Errorf("ParseWorkloads(%q)[%d] = %s, want %s", tt.in, i, w.Name, tt.want[i])
			}
		}
	}
}

func TestSingleWorkloadsIssueOnlyTheirOp(t *testing.T) {
	tests := []struct {
		name      string
		kind      OpKind
		needsData bool
	}{
		{"put", OpPut, false},
		{"get", OpGet, true},
		{"query", OpQuery, true},
		{"update", OpUpdate, true},
		{"batchwrite", OpBatchWrite, false},
		{"scan", OpScan, true},
		{"batchget", OpBatchGet, true},
		{"transact", OpTransactWrite, false},
		{"getrecords", OpGetRecords, true},
		{"partiql", OpPartiQLGet, true},
		{"put-stream", OpPut, false},
		{"put-pitr", OpPut, false},
	}
	ks := Keyspace{Items: 1003} // a short last partition
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tt := range tests {
		w, err := LookupWorkload(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if w.NeedsData() != tt.needsData {
			t.Errorf("%s NeedsData = %v, want %v", tt.name, w.NeedsData(), tt.needsData)
		}
		for range 2000 {
			op := w.Next(rng, ks)
			if op.Kind != tt.kind {
				t.Fatalf("%s drew %s", tt.name, op.Kind.Target())
			}
			if op.Item < 0 || op.Item >= ks.Items {
				t.Fatalf("%s drew item %d outside [0, %d)", tt.name, op.Item, ks.Items)
			}
			if tt.kind == OpQuery && sortOf(op.Item) != 0 {
				t.Fatalf("query drew item %d, not a partition's first", op.Item)
			}
		}
	}
}

// TestKeysAreUniform checks that get draws every item about equally often
// (a chi-square test that fails for a skewed or truncated draw), and query
// every partition, including the short last one.
func TestKeysAreUniform(t *testing.T) {
	ks := Keyspace{Items: 205}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tt := range []struct {
		name  string
		cells int
		cell  func(Op) int
	}{
		{"get", ks.Items, func(op Op) int { return op.Item }},
		{"query", ks.Partitions(), func(op Op) int { return partitionOf(op.Item) }},
	} {
		w, _ := LookupWorkload(tt.name)
		const draws = 200_000
		counts := make([]int, tt.cells)
		for range draws {
			counts[tt.cell(w.Next(rng, ks))]++
		}
		expected := float64(draws) / float64(tt.cells)
		chi := 0.0
		for _, c := range counts {
			d := float64(c) - expected
			chi += d * d / expected
		}
		// Mean of chi-square is cells-1 and its sd sqrt(2(cells-1)); six
		// sd is far beyond chance.
		df := float64(tt.cells - 1)
		if chi > df+6*math.Sqrt(2*df) {
			t.Errorf("%s: chi-square %.1f with %d cells: keys are not uniform", tt.name, chi, tt.cells)
		}
	}
}

func TestMixedFollowsItsWeights(t *testing.T) {
	w, _ := LookupWorkload("mixed")
	rng := rand.New(rand.NewPCG(9, 10))
	const draws = 100_000
	counts := map[OpKind]int{}
	for range draws {
		counts[w.Next(rng, Keyspace{Items: 1000}).Kind]++
	}
	total := 0
	for _, v := range mixedWeights() {
		total += v
	}
	for kind, weight := range mixedWeights() {
		want := float64(weight) / float64(total)
		got := float64(counts[kind]) / draws
		if math.Abs(got-want) > 0.01 {
			t.Errorf("mixed: %s share %.3f, want %.3f", kind.Target(), got, want)
		}
	}
	if counts[OpScan] != 0 {
		t.Errorf("mixed drew %d scans, want none", counts[OpScan])
	}
	if !w.NeedsData() {
		t.Error("mixed reads, so it needs data")
	}
}

// A batch get names batchGetSize distinct keys, wrapping, and no more
// than the keyspace holds.
func TestBatchGetItemsAreDistinctAndWrap(t *testing.T) {
	for _, n := range []int{1000, batchSize} {
		ks := Keyspace{Items: n}
		items := BatchGetItems(n-3, ks)
		if len(items) != min(batchGetSize, n) || items[0] != n-3 || items[3] != 0 {
			t.Errorf("%d keys: BatchGetItems(%d) = %v", n, n-3, items)
		}
		seen := map[int]bool{}
		for _, i := range items {
			if seen[i] {
				t.Errorf("%d keys: item %d twice", n, i)
			}
			seen[i] = true
		}
	}
}

func TestBatchItemsAreDistinctAndWrap(t *testing.T) {
	ks := Keyspace{Items: 30}
	for first := range ks.Items {
		seen := map[int]bool{}
		for _, it := range BatchItems(first, ks) {
			if it < 0 || it >= ks.Items {
				t.Fatalf("batch at %d holds item %d outside the keyspace", first, it)
			}
			if seen[it] {
				t.Fatalf("batch at %d holds item %d twice; DynamoDB rejects duplicate keys in a batch", first, it)
			}
			seen[it] = true
		}
	}
	if got := BatchItems(28, ks); got[0] != 28 || got[2] != 0 || got[24] != 22 {
		t.Errorf("BatchItems(28) = %v, want 28, 29, 0, ..., 22", got)
	}
}

func TestSameSeedSameSequence(t *testing.T) {
	w, _ := LookupWorkload("mixed")
	a := rand.New(rand.NewPCG(11, 12))
	b := rand.New(rand.NewPCG(11, 12))
	for i := range 1000 {
		if x, y := w.Next(a, Keyspace{Items: 500}), w.Next(b, Keyspace{Items: 500}); x != y {
			t.Fatalf("draw %d differs: %+v vs %+v", i, x, y)
		}
	}
}

// The workloads of operations or table settings dynalite lacks are marked
// so compare skips it, and each goes to its own table.
func TestWorkloadTablesAndDynagoOnly(t *testing.T) {
	tests := []struct {
		name       string
		table      TableKind
		dynagoOnly bool
	}{
		{"put", TableMain, false}, {"get", TableMain, false}, {"mixed", TableMain, false}, {"batchget", TableMain, false},
		{"transact", TableMain, true}, {"partiql", TableMain, true},
		{"getrecords", TableStream, true}, {"put-stream", TableStream, true}, {"put-pitr", TablePITR, true},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		w, err := LookupWorkload(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if w.Table != tt.table || w.DynagoOnly != tt.dynagoOnly {
			t.Errorf("%s: table %d, DynagoOnly %v; want %d, %v", tt.name, w.Table, w.DynagoOnly, tt.table, tt.dynagoOnly)
		}
		if op := w.Next(rng, Keyspace{Items: 100}); op.Table != tt.table {
			t.Errorf("%s drew an op on table %d", tt.name, op.Table)
		}
	}
	wls, _ := ParseWorkloads("all")
	var kept []string
	for _, wl := range withoutDynagoOnly(wls) {
		kept = append(kept, wl.Name)
	}
	if want := []string{"put", "get", "query", "update", "batchwrite", "scan", "batchget", "mixed"}; !slices.Equal(kept, want) {
		t.Errorf("all without the dynago-only workloads = %v, want %v", kept, want)
	}
}

func TestTablesOf(t *testing.T) {
	tests := []struct {
		in   string
		want []TableKind
		load bool
	}{
		{"put", []TableKind{TableMain}, false},
		{"put,get", []TableKind{TableMain}, true},
		{"put,put-pitr", []TableKind{TableMain, TablePITR}, true},
		{"getrecords,put-stream", []TableKind{TableMain, TableStream}, true},
		{"all", []TableKind{TableMain, TableStream, TablePITR}, true},
	}
	for _, tt := range tests {
		wls, err := ParseWorkloads(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		got, load := tablesOf(wls)
		if !slices.Equal(got, tt.want) || load != tt.load {
			t.Errorf("tablesOf(%s) = %v, %v; want %v, %v", tt.in, got, load, tt.want, tt.load)
		}
	}
}

func TestAlternationGroups(t *testing.T) {
	tests := []struct{ in, want string }{
		{"all", "put+put-stream+put-pitr get+partiql query update batchwrite scan batchget mixed transact getrecords"},
		{"partiql,scan,get", "partiql+get scan"},
		{"get,query", "get query"},
		{"put-pitr", "put-pitr"},
	}
	for _, tt := range tests {
		wls, err := ParseWorkloads(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		var groups []string
		for _, g := range alternationGroups(wls) {
			var names []string
			for _, wl := range g {
				names = append(names, wl.Name)
			}
			groups = append(groups, strings.Join(names, "+"))
		}
		if got := strings.Join(groups, " "); got != tt.want {
			t.Errorf("alternationGroups(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
