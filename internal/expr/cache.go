package expr

import (
	"container/list"
	"strings"
	"sync"

	"github.com/dynago/dynago/internal/attr"
)

// Cache is a bounded, concurrency-safe cache of compiled requests. Parsing
// is the costly part of expression handling, and applications send the
// same few expressions over and over with different values, so the key is
// the request's expression text, names and values together: a hit skips
// lexing, parsing and every parameter check. The engine owns one Cache;
// the package keeps no state of its own.
type Cache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used; elements are *cacheEntry
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key string
	c   *Compiled
}

// NewCache returns a cache holding at most n compiled requests (n < 1
// disables caching).
func NewCache(n int) *Cache {
	return &Cache{max: n, order: list.New(), byKey: map[string]*list.Element{}}
}

// Compile is Compile with memoisation. Compiled values are immutable, so a
// hit is shared between concurrent requests. Requests carrying legacy
// parameters are compiled afresh: they are rare and their maps make poor
// keys.
func (c *Cache) Compile(req *Request, keys KeySchema) (*Compiled, error) {
	if c == nil || c.max < 1 || hasLegacy(req) {
		return Compile(req, keys)
	}
	key := cacheKey(req, keys)
	c.mu.Lock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		out := e.Value.(*cacheEntry).c
		c.mu.Unlock()
		return out, nil
	}
	c.mu.Unlock()
	out, err := Compile(req, keys)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[key]; !ok {
		c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, c: out})
		for c.order.Len() > c.max {
			last := c.order.Back()
			c.order.Remove(last)
			delete(c.byKey, last.Value.(*cacheEntry).key)
		}
	}
	return out, nil
}

// Len reports how many compiled requests the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func hasLegacy(r *Request) bool {
	return r.Expected != nil || r.ConditionalOperator != nil || r.KeyConditions != nil ||
		r.QueryFilter != nil || r.ScanFilter != nil || r.AttributesToGet != nil || r.AttributeUpdates != nil
}

// cacheKey serialises everything Compile depends on. Values are part of
// the key because the compiled AST embeds them.
func cacheKey(r *Request, keys KeySchema) string {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(s)
		b.WriteByte(0)
	}
	opt := func(s *string) {
		if s == nil {
			b.WriteByte(1)
		} else {
			b.WriteByte(2)
			field(*s)
		}
	}
	opt(r.ConditionExpression)
	opt(r.FilterExpression)
	opt(r.KeyConditionExpression)
	opt(r.ProjectionExpression)
	opt(r.UpdateExpression)
	field(r.Operation)
	field(keys.Hash)
	field(keys.Range)
	if r.Names == nil {
		b.WriteByte(1)
	}
	for _, k := range sortedKeys(r.Names) {
		field(k)
		field(r.Names[k])
	}
	b.WriteByte(3)
	if r.Values == nil {
		b.WriteByte(1)
	}
	var buf []byte
	for _, k := range sortedKeys(r.Values) {
		field(k)
		buf = attr.AppendJSON(buf[:0], r.Values[k])
		field(string(buf))
	}
	return b.String()
}
