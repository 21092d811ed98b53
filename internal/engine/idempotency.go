package engine

// ClientRequestToken idempotency of TransactWriteItems.
//
// A token is remembered for ten minutes after the transaction that used it
// committed. A retry with the same token and the same TransactItems
// succeeds without applying anything again; the same token with other
// TransactItems is an IdempotentParameterMismatchException. Two requests
// with one token never run at once: the token's key is one of the
// transaction's lock keys, so the second waits for the first and then sees
// its record.
//
// The table is persisted, so a retry after a restart is still recognised:
//
//	m/txtoken/<token>                          → tokenRecord (JSON)
//	m/txtokexp/<expiry: unix ns, 8 bytes BE><token> → empty, an expiry index
//
// The record is written in the same commit as the transaction's items, so
// a crash leaves either both or neither. The table stays bounded: every
// transaction that records a token then removes up to tokenSweepBatch
// expired ones (found through the expiry index, in expiry order), so at
// most the tokens of the last ten minutes, plus a backlog that shrinks with
// every tokened request, are kept. A failed or cancelled transaction
// records nothing, so retrying it runs it again, as on DynamoDB.

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/kv"
)

// Token table key prefixes.
const (
	tokenPrefix       = "m/txtoken/"
	tokenExpiryPrefix = "m/txtokexp/"
)

const (
	// tokenTTL is how long DynamoDB remembers a ClientRequestToken.
	tokenTTL = 10 * time.Minute
	// tokenSweepBatch bounds the expired tokens one request removes.
	tokenSweepBatch = 64
)

// msgIdempotentMismatch is the IdempotentParameterMismatchException's
// message.
const msgIdempotentMismatch = "DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used."

// tokenRecord is what the table keeps for a token.
type tokenRecord struct {
	Hash    string `json:"hash"`    // sha256 of the request's TransactItems
	Expires int64  `json:"expires"` // unix nanoseconds
}

// requestToken is the token of one request.
type requestToken struct {
	token string
	key   []byte
	hash  string
}

// newRequestToken fingerprints a request that carries a token. The
// fingerprint covers TransactItems only: DynamoDB lets a retry change
// ReturnConsumedCapacity (it then answers with read units). Attribute maps
// encode with sorted names, so the fingerprint does not depend on the
// order of a request's JSON members. An ExecuteTransaction's fingerprint
// is its statements and parameters instead (tokenPayloadFrom): the
// TransactItems it becomes carry their expressions as trees, outside the
// JSON.
func newRequestToken(ctx context.Context, in *api.TransactWriteItemsInput) (*requestToken, error) {
	b, err := tokenPayloadFrom(ctx)
	if b == nil && err == nil {
		b, err = json.Marshal(in.TransactItems)
	}
	if err != nil {
		return nil, fmt.Errorf("engine: fingerprinting a transaction: %w", err)
	}
	sum := sha256.Sum256(b)
	tok := api.Str(in.ClientRequestToken)
	return &requestToken{token: tok, key: []byte(tokenPrefix + tok), hash: hex.EncodeToString(sum[:])}, nil
}

// checkRequestToken looks the token up under its lock: replay is true
// when the same request already committed within the window; a different
// request with the token is an IdempotentParameterMismatchException.
func (db *DB) checkRequestToken(ctx context.Context, txn kv.Txn, tok *requestToken) (replay bool, err error) {
	rec, err := readTokenRecord(ctx, txn, tok.key)
	if err != nil || rec == nil || rec.Expires <= db.opts.Now().UnixNano() {
		return false, err
	}
	if rec.Hash != tok.hash {
		return false, apierr.New(apierr.IdempotentParameterMismatchException, msgIdempotentMismatch)
	}
	return true, nil
}

// saveRequestToken records the token in the transaction's commit.
func (db *DB) saveRequestToken(txn kv.Txn, tok *requestToken) error {
	exp := db.opts.Now().Add(tokenTTL).UnixNano()
	b, err := json.Marshal(tokenRecord{Hash: tok.hash, Expires: exp})
	if err != nil {
		return err
	}
	if err := txn.Set(tok.key, b); err != nil {
		return err
	}
	return txn.Set(tokenExpiryKey(exp, tok.token), nil)
}

// tokenExpiryKey is the expiry index entry of a token.
func tokenExpiryKey(expires int64, token string) []byte {
	k := make([]byte, 0, len(tokenExpiryPrefix)+8+len(token))
	k = append(k, tokenExpiryPrefix...)
	k = binary.BigEndian.AppendUint64(k, uint64(expires))
	return append(k, token...)
}

// readTokenRecord returns the record at key, or nil.
func readTokenRecord(ctx context.Context, r kv.Reader, key []byte) (*tokenRecord, error) {
	b, err := r.Get(ctx, key)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec tokenRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("engine: corrupt request token record: %w", err)
	}
	return &rec, nil
}

// sweepRequestTokens removes up to tokenSweepBatch expired tokens. It is
// best effort: a failure is logged and left to the next sweep.
func (db *DB) sweepRequestTokens(ctx context.Context) {
	if err := db.sweepTokens(ctx, db.opts.Now().UnixNano()); err != nil {
		db.opts.Logger.WarnContext(ctx, "sweeping expired transaction tokens", "err", err)
	}
}

// sweepTokens removes up to tokenSweepBatch tokens that expired at or
// before now. Each token's key is locked and its record re-read before it
// is removed, so a token reused meanwhile (with a fresh expiry) is kept.
func (db *DB) sweepTokens(ctx context.Context, now int64) error {
	end := tokenExpiryKey(now+1, "")
	it, err := db.store.Iter(ctx, []byte(tokenExpiryPrefix), end, false)
	if err != nil {
		return err
	}
	var expKeys, tokKeys [][]byte
	for len(expKeys) < tokenSweepBatch && it.Next() {
		k := append([]byte(nil), it.Key()...)
		if len(k) < len(tokenExpiryPrefix)+8 {
			continue
		}
		expKeys = append(expKeys, k)
		tokKeys = append(tokKeys, []byte(tokenPrefix+string(k[len(tokenExpiryPrefix)+8:])))
	}
	err = errors.Join(it.Err(), it.Close())
	if err != nil || len(expKeys) == 0 {
		return err
	}
	return db.store.Update(ctx, tokKeys, func(txn kv.Txn) error {
		for i, tk := range tokKeys {
			rec, err := readTokenRecord(ctx, txn, tk)
			if err != nil {
				return err
			}
			if rec != nil && rec.Expires <= now {
				if err := txn.Delete(tk); err != nil {
					return err
				}
			}
			if err := txn.Delete(expKeys[i]); err != nil {
				return err
			}
		}
		return nil
	})
}
