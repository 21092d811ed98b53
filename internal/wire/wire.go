// Package wire is Dynago's HTTP front: it speaks DynamoDB's JSON 1.0
// protocol. A request is routed by its X-Amz-Target header to a thin handler
// that decodes the body into the operation's input shape, checks it against
// the API model's constraints, calls the engine and encodes the output. The
// wire layer owns everything DynamoDB does before and after that: the
// health check, body limits, gzip, authentication headers, request ids,
// CRC32 checksums and the error envelope. DynamoDB's semantics live in the
// engine, never here.
package wire

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/dynago/dynago/internal/api"
)

// Options configure the handler.
type Options struct {
	// Logger receives one line per request (access_log.go) and an error
	// line (with the stack) per panic. Nil means slog.Default().
	Logger *slog.Logger

	// AccessLog logs every request at info level; without it request
	// lines are debug-level.
	AccessLog bool

	// CORSOrigins are the origins browsers may call the API from
	// (cors.go). Empty, or holding "*", means any origin, as DynamoDB
	// Local's -cors default.
	CORSOrigins []string

	// NoCORS allows no origin, whatever CORSOrigins says: no answer
	// carries CORS headers and preflights are answered without them.
	NoCORS bool

	// Region is named in the health check's answer to a request with no
	// Host ("healthy: dynamodb.<region>.amazonaws.com "); one with a Host
	// is answered with it, as DynamoDB names the host the client
	// addressed. Empty means us-east-1.
	Region string

	// MaxBodyBytes bounds a request body, after gzip decoding. Zero means
	// DynamoDB's 16 MB.
	MaxBodyBytes int64

	// MaxInflightBytes bounds the request bodies (as sent and as
	// decoded) held at once across all requests; a request whose body
	// does not fit is refused with ThrottlingException, which SDKs
	// retry. Zero means 8 × MaxBodyBytes (128 MB with the default).
	MaxInflightBytes int64

	// BeforeOperation, when set, runs before each operation is dispatched
	// to the engine, with the operation's name. Tests use it to inject
	// faults (a panic) without package-level state.
	BeforeOperation func(ctx context.Context, op string)

	// Middleware, when set, runs every decoded operation: it must call
	// next (or refuse the request with an error) and returns the
	// operation's output. in is the operation's input shape (such as
	// *api.PutItemInput), not yet validated (the engine validates), and the
	// output is its output shape. The server puts metrics here.
	Middleware Middleware

	// Authenticate, when set, verifies every request's signature
	// (verify.go) instead of only checking that its Authorization header
	// is well formed, and hands the verified caller to the engine in the
	// context (auth.CallerFrom). Nil accepts any credentials, as DynamoDB
	// Local does.
	Authenticate Authenticator
}

// Middleware wraps the engine call of one operation; see Options.Middleware.
type Middleware func(ctx context.Context, op api.OpID, in any, next func(context.Context) (any, error)) (any, error)

// defaultMaxBodyBytes is DynamoDB's request size limit.
const defaultMaxBodyBytes = 16 << 20 // 16 MB

// Handler serves the DynamoDB API over one engine, to net/http (ServeHTTP)
// and to fasthttp (ServeFast) alike.
type Handler struct {
	opts     Options
	log      *slog.Logger
	handlers [api.NumOperations]api.Handler // nil for an operation the engine does not serve
	health   string                         // the health check's host when a request names none
	buffers  bufferPool                     // response bodies
	hangups  hangupWatcher

	// inflight is the bytes of request bodies held now (readBody).
	inflight atomic.Int64

	// anyOrigin is anyOriginAllowed(opts.CORSOrigins).
	anyOrigin bool
}

// New returns the Handler serving the DynamoDB API over db, normally
// an *engine.DB.
func New(db Engine, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = defaultMaxBodyBytes
	}
	if opts.MaxInflightBytes <= 0 {
		opts.MaxInflightBytes = 8 * opts.MaxBodyBytes
	}
	h := &Handler{
		opts:   opts,
		log:    opts.Logger,
		health: "dynamodb." + opts.Region + ".amazonaws.com",

		anyOrigin: anyOriginAllowed(opts.CORSOrigins),
	}
	for id := range api.OpID(api.NumOperations) {
		h.handlers[id] = db.Handler(id)
	}
	return h
}

// MaxBodyBytes is the largest request body h accepts (Options.MaxBodyBytes
// or its default); an HTTP server in front may refuse larger bodies early.
func (h *Handler) MaxBodyBytes() int64 { return h.opts.MaxBodyBytes }
