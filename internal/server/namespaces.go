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
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/auth"
	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/hotkeys"
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
	// view wraps a namespace's prefixed view of store (kv/hotkeys when
	// this process alone reaches the store, so the namespace's catalog
	// version is read from memory as the default namespace's is).
	view func(kv.Store) kv.Store

	// open holds the engines opened so far, by nsKey; mu serialises
	// opening them.
	open  sync.Map
	mu    sync.Mutex
	count int

	// bufs holds *[4]api.Resource (resourceBuffer).
	bufs sync.Pool
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
		buf := n.resourceBuffer()
		defer n.putResourceBuffer(buf)
		res := desc.AppendResources(buf[:0], in)
		if gr, ok := in.(*api.GetRecordsInput); ok && gr.ShardIterator != nil {
			// A shard iterator starts with its stream's ARN.
			if arn, _, found := strings.Cut(*gr.ShardIterator, "|"); found {
				res = append(res, api.Resource{Kind: api.ResourceStream, Name: arn})
			}
		}
		for _, r := range res {
			if !strings.HasPrefix(r.Name, "arn:") {
				continue // a table name: the caller's namespace
			}
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

// resourceBuffer returns a buffer for the resources Handler looks
// through for another account's ARN: AppendResources is called through
// an interface, so a buffer on the stack would escape, one allocation
// per request.
func (n *namespaces) resourceBuffer() *[4]api.Resource {
	if buf, ok := n.bufs.Get().(*[4]api.Resource); ok {
		return buf
	}
	return new([4]api.Resource)
}

// putResourceBuffer clears buf, which must not keep a request's names
// alive, and gives it back.
func (n *namespaces) putResourceBuffer(buf *[4]api.Resource) {
	*buf = [4]api.Resource{}
	n.bufs.Put(buf)
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
	store := NamespaceStore(n.store, Namespace{account, region})
	if n.view != nil {
		store = n.view(store)
	}
	opts := n.options(account, region)
	db, err := engine.Open(ctx, store, opts)
	if err != nil {
		return nil, err
	}
	if o, ok := opts.Observer.(nsObserver); ok {
		o.db.Store(db) // its labels are read from the catalog from now on
	}
	n.open.Store(key, db)
	n.count++
	return db, nil
}

// nsPrefix starts the keys of every namespace.
const nsPrefix = "ns/"

// openExisting opens every namespace the store holds data of, so that
// their background jobs (TTL, stream trimming, index backfills, exports)
// run from the start and not only after a first request.
func (n *namespaces) openExisting(ctx context.Context) error {
	all, err := Namespaces(ctx, n.store)
	if err != nil {
		return err
	}
	for _, ns := range all {
		if _, err := n.get(ctx, ns.Account, ns.Region); err != nil {
			return fmt.Errorf("server: opening the namespace of account %s in %s: %w", ns.Account, ns.Region, err)
		}
	}
	return nil
}

// Namespace is an account and region whose tables a server with --auth
// keeps apart from every other's.
type Namespace struct{ Account, Region string }

// Namespaces lists the namespaces store holds data of, in key order
// (`dynago check` checks each).
func Namespaces(ctx context.Context, store kv.Store) ([]Namespace, error) {
	var out []Namespace
	start := []byte(nsPrefix)
	end := []byte("ns0") // '/'+1: just past every key under ns/
	for {
		it, err := store.Iter(ctx, start, end, false)
		if err != nil {
			return nil, err
		}
		var key []byte
		if it.Next() {
			key = append(key, it.Key()...)
		}
		err = it.Err()
		it.Close()
		if err != nil {
			return nil, err
		}
		if key == nil {
			return out, nil
		}
		// ns/<account>/<region>/...
		parts := bytes.SplitN(key[len(nsPrefix):], []byte("/"), 3)
		if len(parts) < 3 {
			return nil, fmt.Errorf("server: a key under %s outside any namespace: %q", nsPrefix, key)
		}
		ns := Namespace{Account: string(parts[0]), Region: string(parts[1])}
		out = append(out, ns)
		// On to the next namespace: past every key of this one.
		start = []byte(nsPrefix + ns.Account + "/" + ns.Region + "0") // '/'+1
	}
}

// NamespaceStore is the view of store that a namespace's engine runs on:
// its keys, under ns/<account>/<region>/.
func NamespaceStore(store kv.Store, ns Namespace) kv.Store {
	return prefixkv.New(store, []byte(nsPrefix+ns.Account+"/"+ns.Region+"/"))
}

// namespaceView wraps a namespace's prefixed view of the engines' store
// as engineStore wraps the store: with hot keys when this process alone
// reaches it (the namespace's one engine is then the only way to its
// keys), directly otherwise.
func (b *backend) namespaceView(view kv.Store) kv.Store {
	if b.shared {
		return view
	}
	return hotkeys.Wrap(view, engine.HotKeys()...)
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
