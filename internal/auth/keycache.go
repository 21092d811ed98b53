package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// DefaultKeyCacheSize is how many derived signing keys a Verifier keeps:
// one per (secret, day, region, service) in use, so a thousand keys
// signing in one region need a thousand entries a day.
const DefaultKeyCacheSize = 1024

// keyCacheKey names a derived signing key. The secret is part of the key
// (not the access key id), so a reloaded auth file that changes a
// user's secret can never be answered with the old secret's key.
type keyCacheKey struct {
	secret, date, region, service string
}

// keyCache holds derived SigV4 signing keys. Deriving one costs four
// HMAC-SHA256s (about a third of a verification); a key is valid for a
// whole day, so nearly every request finds it here. The cache is bounded:
// when full, an arbitrary entry is evicted (Go's map iteration order),
// which is enough since entries of past days are never asked for again.
type keyCache struct {
	mu   sync.RWMutex
	max  int
	keys map[keyCacheKey]*signingKey
}

// signingKey is a derived key with the HMACs keyed by it that earlier
// verifications left: an HMAC, once reset, starts from its keyed state,
// so a request neither allocates one nor hashes the key's pads again.
type signingKey struct {
	// date, region and service are the scope the key was derived for
	// (its secret is its AccessKey's, or its cache key's).
	date, region, service string
	key                   []byte
	macs                  sync.Pool // of *keyedMAC, each HMAC-SHA256 under key, reset
}

// signingFor returns the signing key of ak for the scope, from ak's last
// one when the scope is the same, otherwise from the cache.
func (c *keyCache) signingFor(ak *AccessKey, date, region, service string) *signingKey {
	if sk := ak.signing.Load(); sk != nil && sk.date == date && sk.region == region && sk.service == service {
		return sk
	}
	sk := c.signing(keyCacheKey{secret: ak.secret, date: date, region: region, service: service})
	ak.signing.Store(sk)
	return sk
}

// keyedMAC is an HMAC with the buffers a verification writes it from
// and sums it into: a slice handed to the hash.Hash interface escapes,
// so buffers on the verifier's stack would be allocated per request.
type keyedMAC struct {
	h   hash.Hash
	sts [256]byte // the string to sign
	sum [sha256.Size]byte
}

// mac returns an HMAC-SHA256 keyed by the key, ready to write to; give
// it back with done.
func (s *signingKey) mac() *keyedMAC {
	if m, ok := s.macs.Get().(*keyedMAC); ok {
		return m
	}
	return &keyedMAC{h: hmac.New(sha256.New, s.key)}
}

// done resets m and keeps it for the next request.
func (s *signingKey) done(m *keyedMAC) {
	m.h.Reset()
	s.macs.Put(m)
}

func newKeyCache(max int) *keyCache {
	if max <= 0 {
		max = DefaultKeyCacheSize
	}
	return &keyCache{max: max, keys: make(map[keyCacheKey]*signingKey, max)}
}

// get returns the signing key, deriving and caching it when absent.
func (c *keyCache) get(k keyCacheKey) []byte { return c.signing(k).key }

// signing returns the cached signing key, deriving it when absent.
func (c *keyCache) signing(k keyCacheKey) *signingKey {
	c.mu.RLock()
	sk, ok := c.keys[k]
	c.mu.RUnlock()
	if ok {
		return sk
	}
	key := &signingKey{date: k.date, region: k.region, service: k.service,
		key: deriveSigningKey(k.secret, k.date, k.region, k.service)}
	c.mu.Lock()
	if len(c.keys) >= c.max {
		for old := range c.keys {
			delete(c.keys, old)
			break
		}
	}
	c.keys[k] = key
	c.mu.Unlock()
	return key
}

// len returns the number of cached keys.
func (c *keyCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.keys)
}

// deriveSigningKey computes SigV4's kSigning:
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func deriveSigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
