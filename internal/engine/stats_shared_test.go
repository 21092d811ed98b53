package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// Two nodes describe a table, and its index, with the same ItemCount and
// size while one node's slow count is reused, and with the new figures
// once it is older than statsTTL, whichever node counts them.
func TestTwoNodesShareTableStats(t *testing.T) { testTwoNodesShareTableStats(t, sharedPebble(t)) }

func testTwoNodesShareTableStats(t *testing.T, nodes nodeStore) {
	clock := &tblClock{t: tblEpoch}
	opts := Options{Now: clock.now, SharedStats: true}
	a, b := openNode(t, nodes(t), opts), openNode(t, nodes(t), opts)
	ctx := context.Background()
	for _, db := range []*DB{a, b} {
		// Every count is slow here, as a big table's is, so it is reused.
		for _, c := range []*statsCache{&db.cat.stats, &db.cat.ixStats} {
			c.mu.Lock()
			c.cacheAbove = 0
			c.mu.Unlock()
		}
	}
	in := hashTable("stats", 0)
	in.AttributeDefinitions = append(in.AttributeDefinitions, api.AttributeDefinition{AttributeName: api.Ptr("g"), AttributeType: api.Ptr("S")})
	in.GlobalSecondaryIndexes = []api.GlobalSecondaryIndex{{IndexName: api.Ptr("byG"),
		KeySchema:  []api.KeySchemaElement{{AttributeName: api.Ptr("g"), KeyType: api.Ptr("HASH")}},
		Projection: &api.Projection{ProjectionType: api.Ptr("ALL")}}}
	mustCreate(t, a, in)
	putN(t, a, "stats", 3, func(int) attr.Item { return attr.Item{"g": attr.String("x")} })

	type figures struct{ items, size, ixItems, ixSize int64 }
	describe := func(db *DB) figures {
		d := mustDescribe(t, db, "stats")
		g := d.GlobalSecondaryIndexes[0]
		return figures{api.Int(d.ItemCount, -1), api.Int(d.TableSizeBytes, -1), api.Int(g.ItemCount, -1), api.Int(g.IndexSizeBytes, -1)}
	}
	three := describe(a)
	if three.items != 3 || three.ixItems != 3 || three.size <= 0 || three.size != three.ixSize {
		t.Fatalf("node a counts %+v, want 3 items in the table and its index", three)
	}
	// Node b writes and describes within statsTTL of node a's count: both
	// give node a's figures.
	putN(t, b, "stats", 4, func(int) attr.Item { return attr.Item{"g": attr.String("x")} })
	clock.advance(statsTTL - time.Millisecond)
	for i, db := range []*DB{b, a} {
		if got := describe(db); got != three {
			t.Errorf("node %c within statsTTL: %+v, want node a's %+v", "ba"[i], got, three)
		}
	}
	// Past statsTTL, node b counts again and node a gives b's figures,
	// also after more writes through a, until they too are statsTTL old.
	clock.advance(time.Millisecond)
	four := describe(b)
	if four.items != 4 || four.ixItems != 4 {
		t.Fatalf("node b past statsTTL counts %+v, want 4 items", four)
	}
	if _, err := a.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr("stats"), Key: attr.Item{"id": attr.String(fmt.Sprint(0))}}); err != nil {
		t.Fatal(err)
	}
	if got := describe(a); got != four {
		t.Errorf("node a after node b's count: %+v, want b's %+v", got, four)
	}
	clock.advance(statsTTL)
	if got := describe(a); got.items != 3 || got.ixItems != 3 {
		t.Errorf("node a past statsTTL: %+v, want 3 items", got)
	}
	if got, want := describe(b), describe(a); got != want {
		t.Errorf("node b %+v, node a %+v", got, want)
	}
}
