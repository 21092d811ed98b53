package engine

// Statement plans. Applications send the same few statements over and
// over with different Parameters, as they do expressions, so a statement
// is parsed once per text and planned once per (text, table version): the
// plan keeps what depends only on the text and the table's schema (which
// conjunct of WHERE is the partition key, whether the WHERE names the
// full key, the projection paths, ORDER BY's direction), and each call
// binds its Parameters to it (partiql_select.go). The table version is the
// *Table itself: catalog entries are immutable and a schema change
// (UpdateTable adding an index, a table deleted and created again) makes a
// new one, which a plan made for the old one does not match.
//
// Measured with
//
//	go test ./internal/engine/ -run XXX -bench BenchmarkPartiQLVsNative -benchtime 20000x
//
// (shared 2-core machine): see docs/partiql.md for the figures.

import (
	"sync"
	"sync/atomic"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/partiql"
)

// planCacheSize bounds the statement plan cache, in statements.
const planCacheSize = 1024

// planCache holds statement plans by statement text. Its zero value is
// ready. When full, an arbitrary entry makes room (map iteration order):
// a working set that fits is never evicted, and one that does not is
// parsed as often as without a cache, with no list to maintain on hits.
type planCache struct {
	mu     sync.Mutex
	byText map[string]*stmtPlan
}

// stmtPlan is one statement text's plan. Everything but sel is fixed at
// creation; sel is replaced when the statement meets a new table version.
type stmtPlan struct {
	text    string
	st      partiql.Statement
	nParams int
	// sel is a SELECT's table-dependent plan, nil until first planned.
	sel atomic.Pointer[selectPlan]
}

// get returns the cached plan of text, or nil.
func (c *planCache) get(text string) *stmtPlan {
	c.mu.Lock()
	p := c.byText[text]
	c.mu.Unlock()
	return p
}

// put stores p for text, evicting an arbitrary entry when full, and
// returns the plan now cached for text (another caller's, if it won).
func (c *planCache) put(text string, p *stmtPlan) *stmtPlan {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.byText[text]; ok {
		return old
	}
	if c.byText == nil {
		c.byText = make(map[string]*stmtPlan)
	}
	if len(c.byText) >= planCacheSize {
		for k := range c.byText {
			delete(c.byText, k)
			break
		}
	}
	c.byText[text] = p
	return p
}

// len reports how many statements the cache holds.
func (c *planCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byText)
}

// statementPlan returns text's plan, parsing it on a miss. A statement
// that does not parse is not cached: its error is answered each time.
func (db *DB) statementPlan(text *string) (*stmtPlan, error) {
	s := api.Str(text)
	if p := db.partiqlPlans.get(s); p != nil {
		return p, nil
	}
	st, err := parseStatement(text)
	if err != nil {
		return nil, err
	}
	return db.partiqlPlans.put(s, &stmtPlan{text: s, st: st, nParams: partiql.NumParams(st)}), nil
}
