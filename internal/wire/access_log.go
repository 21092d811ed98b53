package wire

// The access log: one line per request, at info when Options.AccessLog is
// on (`dynago serve`'s default; --access-log=false turns it off), else at
// debug. A line carries the operation (or, for a target no operation has,
// op=unknown and the target as sent), the tables it named, the HTTP status,
// DynamoDB's error type, the latency, the capacity units consumed (whether
// or not the client asked for ReturnConsumedCapacity) and the request id
// the client saw in x-amzn-RequestId. Health checks (GET /) are logged at
// debug only: load balancers and compose health checks poll them.
//
// Cost: the line is built with slog.LogAttrs (no map, no reflection), and
// the engine adds capacity to an api.RequestStats through the request's
// context only while a line will be written; BenchmarkAccessLog measures
// the difference.

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// AccessLogMessage is the message of every access log line: what a log
// writer that batches request lines (server.NewLogger) tells them by.
const AccessLogMessage = "request"

// requestRecord is what answer tells the access log about one request.
type requestRecord struct {
	op      string // the operation's name, "" when the target named none
	id      api.OpID
	in      any // the decoded input, for the tables it names; nil if not decoded
	status  int
	errType string // DynamoDB's error type (apierr.Code), "" on success
	reqID   string
	health  bool // a GET / health check
	// principal and region are the verified caller's ARN and signing
	// region (with Options.Authenticate); "" otherwise.
	principal, region string
}

// setError records err's DynamoDB error type.
func (r *requestRecord) setError(err error) {
	if r == nil {
		return
	}
	if e := apierr.As(err); e != nil {
		r.errType = string(e.Code)
		return
	}
	r.errType = string(apierr.InternalServerError)
}

// logLevel is the level request lines are written at.
func (h *Handler) logLevel() slog.Level {
	if h.opts.AccessLog {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// logRequest writes rec's line.
func (h *Handler) logRequest(ctx context.Context, ex exchange, level slog.Level, rec *requestRecord, stats *api.RequestStats, took time.Duration) {
	var buf [12]slog.Attr
	attrs := buf[:0]
	if rec.op != "" {
		attrs = append(attrs, slog.String("op", rec.op))
	} else {
		attrs = append(attrs, slog.String("op", "unknown"))
		if t := ex.header("X-Amz-Target"); t != "" {
			attrs = append(attrs, slog.String("target", t))
		} else if rec.health {
			attrs = append(attrs, slog.String("path", "/"))
		} else {
			attrs = append(attrs, slog.String("method", ex.method()), slog.String("path", ex.path()))
		}
	}
	if rec.in != nil {
		if t := requestTables(rec.id, rec.in); t != "" {
			attrs = append(attrs, slog.String("table", t))
		}
	}
	attrs = append(attrs, slog.Int("status", rec.status))
	if rec.errType != "" {
		attrs = append(attrs, slog.String("error", rec.errType))
	}
	attrs = append(attrs, slog.Duration("latency", took))
	if r, w := stats.Capacity(); r != 0 || w != 0 {
		if r != 0 {
			attrs = append(attrs, slog.Float64("rcu", r))
		}
		if w != 0 {
			attrs = append(attrs, slog.Float64("wcu", w))
		}
	}
	if rec.principal != "" {
		attrs = append(attrs, slog.String("principal", rec.principal), slog.String("region", rec.region))
	}
	if rec.reqID != "" {
		attrs = append(attrs, slog.String("request_id", rec.reqID))
	}
	h.log.LogAttrs(ctx, level, AccessLogMessage, attrs...)
}

// requestTables names the tables (or ARNs) a request's input names,
// comma-separated, each once.
func requestTables(id api.OpID, in any) string {
	var buf [4]api.Resource
	res := id.Operation().AppendResources(buf[:0], in)
	switch len(res) {
	case 0:
		return ""
	case 1:
		return res[0].Name
	}
	var names []string
	for _, r := range res {
		if r.Name != "" && !contains(names, r.Name) {
			names = append(names, r.Name)
		}
	}
	return strings.Join(names, ",")
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
