package linearize

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/dynago/dynago/dynagotest"
)

func TestScratchNoKill(t *testing.T) {
	s := dynagotest.New(t, dynagotest.WithDataDir(t.TempDir()))
	createTable(t, s.Client())
	rec := &recorder{base: time.Now()}
	var seq, unexpected atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(2 * time.Second)
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{id: c, client: s.Client(), rec: rec, rng: rand.New(rand.NewPCG(1, uint64(c))), seq: &seq, unexpected: &unexpected, t: t}
			for time.Now().Before(deadline) {
				switch r := w.rng.IntN(100); {
				case r < 15:
					w.put()
				case r < 25:
					w.delete()
				case r < 45:
					w.cas()
				case r < 65:
					w.txWrite()
				default:
					w.txGet()
				}
			}
		}()
	}
	wg.Wait()
	res, info := porcupine.CheckOperationsVerbose(Model(), rec.ops, time.Minute)
	t.Logf("%d ops: %s", len(rec.ops), res)
	if res != porcupine.Ok {
		porcupine.VisualizePath(Model(), info, "/tmp/scratch.html")
		t.Fatal(res)
	}
}
