package auth

// SigV4 verification. The checks run in the order AWS's front end runs
// them (as observed from the service's answers and recorded by AWS's own
// "auth error ordering" notes that third-party verifiers reproduce):
//
//  1. credentials present (MissingAuthenticationTokenException) and well
//     formed (IncompleteSignatureException);
//  2. host signed; the request time within the skew window; the
//     credential scope's region, service, terminator and date
//     (InvalidSignatureException, every scope problem in one message);
//  3. the access key known and its session token right
//     (UnrecognizedClientException), not expired (ExpiredTokenException);
//  4. the signature (InvalidSignatureException).
//
// So a client with a wrong clock learns that first, whatever its key,
// and an unknown key is told apart from a bad signature as DynamoDB does.

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"
)

// DefaultMaxSkew is how far a request's time may be from the server's:
// DynamoDB's 15 minutes, either way.
const DefaultMaxSkew = 15 * time.Minute

// Service is the signing name clients put in their credential scope.
const Service = "dynamodb"

// SignedRequest is what verification needs of an HTTP request.
type SignedRequest struct {
	Method string
	// Path is the path as it arrived, still percent-encoded
	// (net/http: r.URL.EscapedPath()).
	Path string
	// RawQuery is the query string as it arrived, without '?'.
	RawQuery string
	// Host is the Host header (net/http moves it to r.Host); when empty,
	// Header's "Host" is used.
	Host   string
	Header Header
	// Body is the request body. BodySHA256, when set, is its hex SHA-256
	// and Body is not read.
	Body       []byte
	BodySHA256 string
}

func (r *SignedRequest) appendPayloadHash(b []byte) []byte {
	if r.BodySHA256 != "" {
		return append(b, r.BodySHA256...)
	}
	sum := sha256.Sum256(r.Body)
	return hex.AppendEncode(b, sum[:])
}

// VerifierOptions configure a Verifier. The zero value verifies as
// DynamoDB does, for any region.
type VerifierOptions struct {
	// Service is the signing name required in the credential scope;
	// "dynamodb" when empty. (DynamoDB Streams signs as "dynamodb" too.)
	Service string
	// Regions, when not empty, are the only regions a credential scope
	// may name. Empty accepts any non-empty region: regions are
	// namespaces of tables, so the region a client signed for is the one
	// it addresses.
	Regions []string
	// MaxSkew bounds the difference between a request's time and the
	// server's; DefaultMaxSkew when zero.
	MaxSkew time.Duration
	// KeyCacheSize bounds the derived-key cache; DefaultKeyCacheSize
	// when zero.
	KeyCacheSize int
	// RequireSigned lists headers that must be signed whenever a request
	// carries them, besides host (which must always be). A server may
	// require "x-amz-target", so a captured signature cannot be replayed
	// against another operation; every AWS SDK signs it, but DynamoDB
	// itself does not insist.
	RequireSigned []string
}

// Verifier checks SigV4 signatures against an auth file's keys. It is
// safe for concurrent use; its only state is the derived-key cache (and
// each AccessKey remembers the signing key it was last verified with).
type Verifier struct {
	service       string
	regions       map[string]bool
	maxSkew       time.Duration
	requireSigned []string
	keys          *keyCache
}

// NewVerifier returns a Verifier with the given options.
func NewVerifier(o VerifierOptions) *Verifier {
	v := &Verifier{service: o.Service, maxSkew: o.MaxSkew, keys: newKeyCache(o.KeyCacheSize)}
	if v.service == "" {
		v.service = Service
	}
	if v.maxSkew <= 0 {
		v.maxSkew = DefaultMaxSkew
	}
	if len(o.Regions) > 0 {
		v.regions = make(map[string]bool, len(o.Regions))
		for _, r := range o.Regions {
			v.regions[r] = true
		}
	}
	for _, h := range o.RequireSigned {
		v.requireSigned = append(v.requireSigned, strings.ToLower(h))
	}
	return v
}

// Identity is who signed a request, and for which region.
type Identity struct {
	Principal *Principal
	// Region is the region of the credential scope: the namespace the
	// request addresses.
	Region string
	// Presigned says the signature came in the query string.
	Presigned bool
}

// Verify authenticates r against cfg's access keys at time now. The error
// is an *apierr.Error carrying DynamoDB's code and message.
func (v *Verifier) Verify(cfg *Config, r *SignedRequest, now time.Time) (Identity, error) {
	var params []queryParam
	if r.RawQuery != "" {
		params = parseQuery(r.RawQuery)
	}
	var index headerIndex
	ix := &index
	if !r.index(ix) {
		ix = nil
	}
	authz, amzDate, date, token := r.textHeaders(ix)
	alg, presigned := first(params, "X-Amz-Algorithm")
	headerAuth := strings.HasPrefix(strings.TrimSpace(authz), "AWS4-")

	var c Credentials
	var err error
	switch {
	case headerAuth && presigned:
		// Two signatures: DynamoDB will not guess which one counts.
		return Identity{}, errSignature(msgSignatureWrong)
	case presigned:
		c, err = parsePresigned(params, alg)
	default:
		c, err = parseAuthorization(authz, amzDate, date)
		c.SessionToken = token
	}
	if err != nil {
		return Identity{}, err
	}
	if err := v.checkSignedHeaders(r, &c); err != nil {
		return Identity{}, err
	}
	if err := v.checkTime(&c, now); err != nil {
		return Identity{}, err
	}
	if err := v.checkScope(&c); err != nil {
		return Identity{}, err
	}
	key := cfg.keys[c.AccessKeyID]
	if key == nil {
		return Identity{}, errInvalidToken()
	}
	if key.sessionToken == "" && c.SessionToken != "" ||
		key.sessionToken != "" && subtle.ConstantTimeCompare([]byte(key.sessionToken), []byte(c.SessionToken)) != 1 {
		return Identity{}, errInvalidToken()
	}
	if !key.expiration.IsZero() && !now.Before(key.expiration) {
		return Identity{}, errExpiredToken()
	}
	sk := v.keys.signingFor(key, c.ScopeDate, c.Region, c.Service)
	m := sk.mac()
	canonical := canonicalRequest(r, &c, params, ix)
	m.h.Write(appendStringToSign(m.sts[:0], &c, canonical[:]))
	var want [2 * sha256.Size]byte
	hex.Encode(want[:], m.h.Sum(m.sum[:0]))
	sk.done(m)
	if subtle.ConstantTimeCompare(want[:], []byte(c.Signature)) != 1 {
		return Identity{}, errSignature(msgSignatureWrong)
	}
	return Identity{Principal: key.principal, Region: c.Region, Presigned: c.Presigned}, nil
}

func (v *Verifier) checkSignedHeaders(r *SignedRequest, c *Credentials) error {
	host := false
	for h := range c.signedHeaderNames() {
		host = host || h == "host" || h == ":authority"
	}
	if !host {
		return errSignature(msgHostNotSigned)
	}
	for _, need := range v.requireSigned {
		if len(r.headerValues(need)) == 0 {
			continue
		}
		signed := false
		for h := range c.signedHeaderNames() {
			signed = signed || h == need
		}
		if !signed {
			return errSignature("'" + need + "' must be a 'SignedHeader' in the AWS Authorization.")
		}
	}
	return nil
}

// checkTime applies the skew window, and a presigned request's own
// X-Amz-Expires when it is shorter. (DynamoDB, like AWS's other
// JSON-protocol services, applies the 15-minute window to presigned
// requests too, whatever X-Amz-Expires says; honouring a shorter one is
// what the client who chose it expects.)
func (v *Verifier) checkTime(c *Credentials, now time.Time) error {
	now = now.UTC().Truncate(time.Second)
	if c.Time.Before(now.Add(-v.maxSkew)) {
		return errExpired(c.Time, now, v.maxSkew)
	}
	if c.Time.After(now.Add(v.maxSkew)) {
		return errNotYetCurrent(c.Time, now, v.maxSkew)
	}
	if c.Presigned && c.Expires > 0 && c.Expires < v.maxSkew && c.Time.Before(now.Add(-c.Expires)) {
		return errExpired(c.Time, now, c.Expires)
	}
	return nil
}

// checkScope checks the credential scope; every problem is reported, in
// one message, each sentence followed by a space as DynamoDB writes them.
func (v *Verifier) checkScope(c *Credentials) error {
	var msg strings.Builder
	if c.Region == "" || (v.regions != nil && !v.regions[c.Region]) {
		msg.WriteString("Credential should be scoped to a valid region, not '" + c.Region + "'. ")
	}
	if c.Service != v.service {
		msg.WriteString("Credential should be scoped to correct service: '" + v.service + "'. ")
	}
	if c.Terminator != scopeTerminator {
		msg.WriteString("Credential should be scoped with a valid terminator: '" + scopeTerminator + "', not '" + c.Terminator + "'. ")
	}
	if want := c.Timestamp[:len(scopeDateFormat)]; c.ScopeDate != want { // the time parsed, so it starts with YYYYMMDD
		msg.WriteString("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			c.ScopeDate + "' != '" + want + "', from '" + c.Time.Format(amzDateFormat) + "'. ")
	}
	if msg.Len() > 0 {
		return errSignature(msg.String())
	}
	return nil
}
