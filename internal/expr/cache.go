package expr

import (
	"container/list"
	"slices"
	"sync"
)

// Cache is a bounded, concurrency-safe cache of request plans. Parsing is
// the costly part of expression handling, and applications send the same
// few expressions over and over with different values, so the key is what
// a plan depends on — the expression texts, ExpressionAttributeNames, the
// key schema and the operation — and never the values: a hit skips
// lexing, parsing and every check that does not need the values, and
// binds the request's values to the shared plan. The engine owns one
// Cache; the package keeps no state of its own.
type Cache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used; elements are *cacheEntry
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key  string
	plan *plan
}

// NewCache returns a cache holding at most n plans (n < 1 disables
// caching).
func NewCache(n int) *Cache {
	return &Cache{max: n, order: list.New(), byKey: map[string]*list.Element{}}
}

// keyBufSize is the stack buffer a cache key is built in; longer keys
// spill to the heap.
const keyBufSize = 512 // bytes

// Compile is Compile with the plan memoised. Plans are immutable, so a hit
// is shared between concurrent requests; each call returns its own
// Compiled. Requests carrying legacy parameters are compiled afresh: they
// are rare, and their values are part of what the legacy translation
// checks. So are requests carrying syntax trees, whose values are in the
// trees, unless the trees name themselves with a CacheKey.
func (c *Cache) Compile(req *Request, keys KeySchema) (*Compiled, error) {
	if c == nil || c.max < 1 || hasLegacy(req) || (req.Trees != nil && req.Trees.CacheKey == "") {
		return Compile(req, keys)
	}
	var buf [keyBufSize]byte
	key := appendCacheKey(buf[:0], req, keys)
	c.mu.Lock()
	if e, ok := c.byKey[string(key)]; ok {
		c.order.MoveToFront(e)
		pl := e.Value.(*cacheEntry).plan
		c.mu.Unlock()
		return pl.bind(req, keys)
	}
	c.mu.Unlock()
	pl := planRequest(req, keys)
	c.mu.Lock()
	if _, ok := c.byKey[string(key)]; !ok {
		k := string(key)
		c.byKey[k] = c.order.PushFront(&cacheEntry{key: k, plan: pl})
		for c.order.Len() > c.max {
			last := c.order.Back()
			c.order.Remove(last)
			delete(c.byKey, last.Value.(*cacheEntry).key)
		}
	}
	c.mu.Unlock()
	return pl.bind(req, keys)
}

// Len reports how many plans the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// maxSortedNames is how many ExpressionAttributeNames appendCacheKey sorts
// on the stack.
const maxSortedNames = 16

// appendCacheKey serialises everything a plan depends on. Values are not
// part of it: they are bound per request.
func appendCacheKey(b []byte, r *Request, keys KeySchema) []byte {
	field := func(s string) {
		b = append(b, s...)
		b = append(b, 0)
	}
	opt := func(s *string) {
		if s == nil {
			b = append(b, 1)
		} else {
			b = append(b, 2)
			field(*s)
		}
	}
	opt(r.ConditionExpression)
	opt(r.FilterExpression)
	opt(r.KeyConditionExpression)
	opt(r.ProjectionExpression)
	opt(r.UpdateExpression)
	if r.Trees != nil {
		flag := byte(1)
		if r.Trees.FilterOnKey {
			flag = 2
		}
		b = append(b, 3, flag)
		field(r.Trees.CacheKey)
	}
	field(r.Operation)
	field(keys.Hash)
	field(keys.Range)
	for _, n := range keys.Hashes {
		field(n)
	}
	b = append(b, 1)
	for _, n := range keys.Ranges {
		field(n)
	}
	b = append(b, 1)
	if r.Names == nil {
		b = append(b, 1)
	}
	var small [maxSortedNames]string
	names := small[:0]
	if len(r.Names) > maxSortedNames {
		names = make([]string, 0, len(r.Names))
	}
	for k := range r.Names {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		field(k)
		field(r.Names[k])
	}
	return b
}
