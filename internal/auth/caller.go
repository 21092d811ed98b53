package auth

import (
	"context"
	"net/netip"
	"time"
)

// Caller is an authenticated request's identity and the facts about its
// transport that policies can test (aws:SourceIp, aws:SecureTransport,
// aws:CurrentTime). The wire layer puts it in the request's context once
// the signature is verified; the engine reads it to authorize each action
// (Caller.Request). A context without a Caller is an unauthenticated
// server (no --auth): nothing is authorized.
type Caller struct {
	Identity
	// SourceIP is the client's address, or "" when SourceAddr is (as
	// Request.SourceIP and Request.SourceAddr).
	SourceIP        string
	SourceAddr      netip.Addr
	SecureTransport bool
	Time            time.Time
}

// callerKey is the context key of the request's Caller.
type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// ContextWithCaller is WithCaller for a Caller not yet allocated: the
// Caller and the context that carries it are one allocation (a verified
// request makes one per request).
func ContextWithCaller(ctx context.Context, c Caller) context.Context {
	return &callerContext{Context: ctx, caller: c}
}

// callerContext is a context carrying a Caller, as context.WithValue
// would carry it.
type callerContext struct {
	context.Context
	caller Caller
}

// Value implements context.Context.
func (c *callerContext) Value(key any) any {
	if _, ok := key.(callerKey); ok {
		return &c.caller
	}
	return c.Context.Value(key)
}

// CallerFrom returns the Caller ctx carries, or nil.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

// Authorize authorizes c performing action on one resource with the
// operation's condition keys: Authorize(c.Request(action, res)) with
// keys, without allocating (but for a denial's error).
func (c *Caller) Authorize(action string, res Resource, keys Keys) error {
	req := Request{
		Principal:       c.Principal,
		Action:          action,
		Keys:            keys,
		SourceIP:        c.SourceIP,
		SourceAddr:      c.SourceAddr,
		SecureTransport: c.SecureTransport,
		Time:            c.Time,
		Region:          c.Region,
	}
	one := [1]Resource{res}
	return authorize(&req, one[:])
}

// ReadsKeys reports whether deciding a request of c on res may read its
// condition keys (Request.Keys): whether one of c's identity policies or
// res's resource-based policy has a Condition, or a policy variable in a
// Resource. When none has, as for a user allowed "dynamodb:*" on "*" or
// on its tables, the engine need not compute them, which for an item
// operation was most of what authorizing it cost.
func (c *Caller) ReadsKeys(res Resource) bool {
	return c.Principal == nil || c.Principal.user == nil || c.Principal.user.readsKeys() || res.Policy.readsKeys()
}

// Request returns the authorization question of c performing action on
// resources, with the global condition keys filled in from c; the caller
// adds the operation's own keys (Request.Keys).
func (c *Caller) Request(action string, resources ...Resource) *Request {
	return &Request{
		Principal:       c.Principal,
		Action:          action,
		Resources:       resources,
		SourceIP:        c.SourceIP,
		SourceAddr:      c.SourceAddr,
		SecureTransport: c.SecureTransport,
		Time:            c.Time,
		Region:          c.Region,
	}
}
