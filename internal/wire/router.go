package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// The router: the X-Amz-Target header names an operation of the registry
// (package api: both the DynamoDB_20120810 and the DynamoDBStreams_20120810
// services), the body decodes into that operation's input shape, and the
// engine's handler for it runs. Which operations exist, their shapes and
// their targets come from the registry alone; the engine says which it
// serves. The engine validates the input (api.Validator), so in-process
// callers get the same checks as the network does.

// served returns id when the engine serves it (a non-nil handler in
// handlers): an operation of the registry the engine does not implement is
// answered as DynamoDB answers a target it does not know.
func served(id api.OpID, ok bool, handlers *[api.NumOperations]api.Handler) (api.OpID, bool) {
	if !ok || handlers[id] == nil {
		return 0, false
	}
	return id, true
}

// call decodes body into op's input shape and runs the engine's handler,
// through the middleware when there is one.
func (h *Handler) call(ctx context.Context, id api.OpID, body []byte, rec *requestRecord) (any, error) {
	op := id.Operation()
	in := op.NewInput()
	if !decodeFast(body, in) {
		in = op.NewInput() // the fast path may have filled part of it
		if err := decode(op.Name, body, in); err != nil {
			return nil, err
		}
	}
	rec.id, rec.in = id, in // for the access log's tables
	if h.opts.BeforeOperation != nil {
		h.opts.BeforeOperation(ctx, op.Name)
	}
	next := func(ctx context.Context) (any, error) { return callHandler(ctx, h.handlers[id], in) }
	if h.opts.Middleware != nil {
		return h.opts.Middleware(ctx, id, in, next)
	}
	return next(ctx)
}

// callHandler runs handler, turning a nil output into an empty JSON
// object.
func callHandler(ctx context.Context, handler api.Handler, in any) (any, error) {
	out, err := handler(ctx, in)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return struct{}{}, nil
	}
	return out, nil
}

// decode unmarshals body into in. A member of the wrong JSON type gets the
// SerializationException DynamoDB's deserializer words; an error the
// attribute-value codec raised (an *apierr.Error) passes through as it is.
func decode(op string, body []byte, in any) error {
	err := json.Unmarshal(body, in)
	if err == nil {
		return nil
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return apierr.New(apierr.SerializationException, "")
	}
	if e := apierr.As(err); e != nil {
		return e
	}
	if typed := api.CheckTypes(op, body); typed != nil {
		return typed
	}
	if coerced, ok := api.Coerce(op, body); ok {
		if err := json.Unmarshal(coerced, in); err == nil {
			return nil
		}
	}
	return apierr.New(apierr.SerializationException, strings.TrimPrefix(err.Error(), "json: "))
}

// dispatch runs the operation, turning a panic into an InternalServerError
// and an error log line with the stack, so that one bad request never takes
// the server down.
func (h *Handler) dispatch(ctx context.Context, id api.OpID, body []byte, reqID string, rec *requestRecord) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "panic serving request",
				"op", id.String(), "request_id", reqID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			out, err = nil, apierr.New(apierr.InternalServerError, internalErrorMessage)
		}
	}()
	return h.call(ctx, id, body, rec)
}
