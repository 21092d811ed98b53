package wire

import (
	"bufio"
	"flag"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Longer campaigns: go test ./internal/wire -run TestOperationSequences
// -seq.steps=1000000 -seq.seed=N (a different sequence per seed).
var (
	seqSteps = flag.Int("seq.steps", 30_000, "operations TestOperationSequences runs")
	seqSeed  = flag.Uint64("seq.seed", 5, "seed of TestOperationSequences' random sequence")
)

// TestOperationSequences runs long random sequences of operations on one
// real engine, each a random operation with a body from FuzzOperation's
// inputs (its seeds, testdata/validation.txt and the kept corpus, with the
// fixture's name also escaped, "f\u007at", which the fuzzer's DeleteTable
// guard misses), re-creating the fixture table now and then, and Scans
// the fixture every 50 operations. FuzzOperation found a Scan answering
// 500 after some sequence once (docs/reliability.md, bug 4); its inputs
// are independent, this test's state carries over, so a state-dependent
// server fault (a stored value the encoder refuses, a table left half
// made) shows here as a 500 with the server's log.
func TestOperationSequences(t *testing.T) {
	h, ops, logs := fuzzEngineHandler(t)
	serve := http.HandlerFunc(h.ServeHTTP)
	bodies := append([]string(nil), engineSeedBodies...)
	if file, err := os.Open("testdata/validation.txt"); err == nil {
		sc := bufio.NewScanner(file)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if op, body, ok := strings.Cut(sc.Text(), " "); ok && !strings.HasPrefix(op, "#") && !strings.Contains(op, ":") {
				bodies = append(bodies, body)
			}
		}
		file.Close()
	}
	kept, _ := filepath.Glob("../../reliability/fuzz/corpus/internal/wire/FuzzOperation/*")
	for _, name := range kept {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// A corpus file: "go test fuzz v1", the operation, the body.
		lines := strings.Split(string(b), "\n")
		if len(lines) < 3 {
			continue
		}
		if body, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[2], "string("), ")")); err == nil {
			bodies = append(bodies, body)
		}
	}
	for _, b := range bodies[:len(bodies):len(bodies)] {
		if strings.Contains(b, `"fzt"`) {
			bodies = append(bodies, strings.ReplaceAll(b, `"fzt"`, `"f\u007at"`))
		}
	}
	steps := *seqSteps
	rng := rand.New(rand.NewPCG(uint64(len(bodies)), *seqSeed))
	present := 0
	for i := range steps {
		if i%500 == 0 {
			do(t, serve, req{target: "CreateTable", body: fixtureTableBody}.build())
		}
		name, body := ops[rng.IntN(len(ops))], bodies[rng.IntN(len(bodies))]
		if rec := do(t, serve, req{target: name, body: body}.build()); rec.Code >= 500 {
			t.Fatalf("step %d: %s %q: %d %s\nserver log:\n%s", i, name, body, rec.Code, rec.Body.String(), logs.String())
		}
		if i%50 == 49 {
			rec := do(t, serve, req{target: "Scan", body: `{"TABleNAme":"fzt"}`}.build())
			if rec.Code >= 500 {
				t.Fatalf("Scan after step %d: %d %s\nserver log:\n%s", i, rec.Code, rec.Body.String(), logs.String())
			}
			if rec.Code == 200 {
				present++
			} else {
				// Gone (an input deleted it): back for the steps that
				// follow, as the fuzzer's guard would have kept it.
				do(t, serve, req{target: "CreateTable", body: fixtureTableBody}.build())
			}
		}
	}
	// The sequences must reach the table, not only its absence.
	if present < steps/50/2 {
		t.Fatalf("the fixture table answered %d of %d Scans: the sequences mostly ran without it", present, steps/50)
	}
}
