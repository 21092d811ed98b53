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

// targetPrefix is the X-Amz-Target prefix of the DynamoDB API version
// Dynago speaks.
const targetPrefix = "DynamoDB_20120810."

// operation serves one DynamoDB operation: body in, output shape out.
type operation func(ctx context.Context, body []byte) (any, error)

// route is one operation the X-Amz-Target header can name. It holds its
// name so that a request read as bytes (ServeFast) gets the name, which
// outlives the request in logs and metrics, without copying it.
type route struct {
	name string
	call operation
}

// routeOf returns the route target (an X-Amz-Target value) names in
// routes.
func routeOf[T headerText](target T, routes map[string]route) (route, bool) {
	if !hasPrefix(target, targetPrefix) {
		return route{}, false
	}
	r, ok := routes[string(target[len(targetPrefix):])]
	return r, ok
}

// register adds the operation name, served by call, to h's routes. The
// generic wrapper is every handler's whole body: decode, validate, call.
func register[In, Out any](h *Handler, name string, call func(context.Context, *In) (*Out, error)) {
	h.ops[name] = route{name: name, call: func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if !decodeFast(body, in) {
			var zero In
			*in = zero // the fast path may have filled part of it
			if err := decode(name, body, in); err != nil {
				return nil, err
			}
		}
		if err := h.validator.Validate(name, in); err != nil {
			return nil, err
		}
		if h.opts.BeforeOperation != nil {
			h.opts.BeforeOperation(ctx, name)
		}
		if h.opts.Middleware != nil {
			return h.opts.Middleware(ctx, name, in, func(ctx context.Context) (any, error) {
				return callOp(ctx, call, in)
			})
		}
		return callOp(ctx, call, in)
	}}
}

// callOp calls the engine and turns a nil output into an empty JSON object.
func callOp[In, Out any](ctx context.Context, call func(context.Context, *In) (*Out, error), in *In) (any, error) {
	out, err := call(ctx, in)
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

// dispatch runs op, turning a panic into an InternalServerError and an
// error log line with the stack, so that one bad request never takes the
// server down.
func (h *Handler) dispatch(ctx context.Context, name string, op operation, body []byte, reqID string) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "panic serving request",
				"op", name, "request_id", reqID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			out, err = nil, apierr.New(apierr.InternalServerError, internalErrorMessage)
		}
	}()
	return op(ctx, body)
}
