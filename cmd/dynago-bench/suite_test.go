package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/dynago/dynago/dynagotest"
)

// TestSuiteAgainstDynago runs the test-suite workload against an
// in-process Dynago, sequentially and two at a time, and checks that every
// case ran (suiteCase checks the items it reads) and was timed.
func TestSuiteAgainstDynago(t *testing.T) {
	db := dynagotest.New(t)
	for _, par := range []int{1, 2} {
		total, st, err := runSuite(context.Background(), db.URL(), 5, par, "t_")
		if err != nil {
			t.Fatalf("parallel %d: %v", par, err)
		}
		if n := st.cases.Load(); n != 5 {
			t.Errorf("parallel %d: %d cases ran, want 5", par, n)
		}
		for name, h := range map[string]*Histogram{"whole": st.whole, "create": st.create, "drop": st.drop} {
			if h.Count() != 5 || h.Percentile(50) <= 0 || h.Max() > int64(total) {
				t.Errorf("parallel %d: %s: %d samples, p50 %d ns, max %d ns in a run of %s", par, name, h.Count(), h.Percentile(50), h.Max(), total)
			}
		}
		var out bytes.Buffer
		printSuite(&out, []suiteRow{{target: targetDynagoMem, parallel: par, total: total, st: st}})
		if !strings.Contains(out.String(), "1.00x") {
			t.Errorf("report has no ratio to itself:\n%s", out.String())
		}
	}
}
