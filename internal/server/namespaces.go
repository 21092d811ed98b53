package server

// Accounts and regions are namespaces (`--auth`, docs/security.md): a
// verified request's account (its user's) and region (its credential
// scope's) choose the tables it sees, as DynamoDB and DynamoDB Local
// without -sharedDb do. Each namespace is an engine of its own over the
// store's keys under ns/<account>/<region>/ (prefixkv), opened on its
// first request, with ARNs naming that account and region. A request
// whose table (or ResourceArn, or StreamArn) is an ARN of another account
// of the auth file goes to that account's namespace, where the engine
// authorizes it across accounts.
//
// Without --auth every request is served by the one engine over the
// whole store, as before (sharedDb).

import (
	"context"
	"regexp"
	"sync"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/auth"
	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/prefixkv"
	"github.com/dynago/dynago/internal/wire"
)

// maxNamespaces bounds the engines a server opens for namespaces: each
// region a client signs for is one, so the bound keeps a client that
// signs for many made-up regions from exhausting the process.
const maxNamespaces = 256

// regionName is what a region must look like to name a namespace (its
// name becomes part of a key prefix).
var regionName = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// namespaces is the wire.Engine of a server with --auth.
type namespaces struct {
	root  wire.Engine
	store kv.Store
	// options returns the engine options of a namespace.
	options func(account, region string) engine.Options
	// known says whether an account is in the auth file in force.
	known func(account string) bool

	// open holds the engines opened so far, by nsKey; mu serialises
	// opening them.
	open  sync.Map
	mu    sync.Mutex
	count int
}

// Handler implements wire.Engine: it serves op from the caller's
// namespace.
func (n *namespaces) Handler(op api.OpID) api.Handler {
	if n.root.Handler(op) == nil {
		return nil
	}
	desc := op.Operation()
	return func(ctx context.Context, in any) (any, error) {
		c := auth.CallerFrom(ctx)
		if c == nil || c.Principal == nil {
			// Every request a server with --auth serves is verified;
			// one without a caller is refused, never served unchecked.
			return nil, apierr.New(apierr.MissingAuthenticationTokenException, "Request is missing Authentication Token")
		}
		account, region := c.Principal.Account, c.Region
		var buf [4]api.Resource
		for _, r := range desc.AppendResources(buf[:0], in) {
			if a, ok := auth.ParseARN(r.Name); ok && a.Service == "dynamodb" && a.Account != account && n.known(a.Account) && regionName.MatchString(a.Region) {
				account, region = a.Account, a.Region
				break
			}
		}
		db, err := n.get(ctx, account, region)
		if err != nil {
			return nil, err
		}
		return db.Handler(op)(ctx, in)
	}
}

// nsKey names a namespace.
type nsKey struct{ account, region string }

// get returns the engine of a namespace, opening it on first use.
func (n *namespaces) get(ctx context.Context, account, region string) (*engine.DB, error) {
	key := nsKey{account, region}
	if db, ok := n.open.Load(key); ok {
		return db.(*engine.DB), nil
	}
	if !regionName.MatchString(region) {
		return nil, apierr.New(apierr.UnrecognizedClientException, "The security token included in the request is invalid.")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if db, ok := n.open.Load(key); ok {
		return db.(*engine.DB), nil
	}
	if n.count >= maxNamespaces {
		return nil, apierr.Newf(apierr.LimitExceededException,
			"Dynago serves at most %d account and region namespaces; region %s of account %s would be one more", maxNamespaces, region, account)
	}
	db, err := engine.Open(ctx, prefixkv.New(n.store, []byte("ns/"+account+"/"+region+"/")), n.options(account, region))
	if err != nil {
		return nil, err
	}
	n.open.Store(key, db)
	n.count++
	return db, nil
}

// close closes every namespace's engine.
func (n *namespaces) close() []error {
	n.mu.Lock()
	defer n.mu.Unlock()
	var errs []error
	n.open.Range(func(k, db any) bool {
		if err := db.(*engine.DB).Close(); err != nil {
			errs = append(errs, err)
		}
		n.open.Delete(k)
		return true
	})
	n.count = 0
	return errs
}
