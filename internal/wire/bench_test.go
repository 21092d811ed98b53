package wire

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/dynago/dynago/internal/api"
)

const (
	benchPutItem = `{"TableName":"Products","Item":{"pk":{"S":"product#000123"},"sk":{"N":"42"},` +
		`"name":{"S":"A reasonably named product"},"price":{"N":"19.99"},"tags":{"SS":["a","b","c"]},` +
		`"dims":{"M":{"w":{"N":"10"},"h":{"N":"20"}}},"active":{"BOOL":true}},` +
		`"ConditionExpression":"attribute_not_exists(pk)","ReturnConsumedCapacity":"TOTAL"}`
	benchGetItem = `{"TableName":"Products","Key":{"pk":{"S":"product#000123"},"sk":{"N":"42"}},` +
		`"ProjectionExpression":"#n, price","ExpressionAttributeNames":{"#n":"name"},"ConsistentRead":true}`
)

// BenchmarkServe measures the whole request path over a fake engine:
// headers, auth, decode, validation, dispatch, encode, CRC32.
func BenchmarkServe(b *testing.B) {
	for _, bm := range []struct{ op, body string }{{"PutItem", benchPutItem}, {"GetItem", benchGetItem}} {
		b.Run(bm.op, func(b *testing.B) {
			h := newTestHandler(b, Options{})
			base := req{target: bm.op, body: bm.body}.build()
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.body)))
			for b.Loop() {
				r := base.Clone(context.Background())
				r.Body = nopBody{strings.NewReader(bm.body)}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code != 200 {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// BenchmarkServeFast is BenchmarkServe through ServeFast, the path the
// server's port takes, reusing one fasthttp.RequestCtx as fasthttp does.
func BenchmarkServeFast(b *testing.B) {
	for _, bm := range []struct{ op, body string }{{"PutItem", benchPutItem}, {"GetItem", benchGetItem}} {
		b.Run(bm.op, func(b *testing.B) {
			serveFastLoop(b, newTestHandler(b, Options{}).(*Handler), bm.op, bm.body)
		})
	}
}

// serveFastLoop serves op with body through h.ServeFast b.N times.
func serveFastLoop(b *testing.B, h *Handler, op, body string) {
	hr := req{target: op, body: body}.build()
	var fr fasthttp.Request
	fr.Header.SetMethod(hr.Method)
	fr.SetRequestURI("/")
	for k, vs := range hr.Header {
		fr.Header.Set(k, vs[0])
	}
	fr.SetBodyString(body)
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		ctx.Init(&fr, nil, nil)
		h.ServeFast(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
		ctx.Response.Reset()
	}
}

// BenchmarkDecodeValidate measures only what each operation adds to the
// request: decoding the body into its input shape and validating it.
func BenchmarkDecodeValidate(b *testing.B) {
	h := newTestHandler(b, Options{}).(*Handler)
	for _, bm := range []struct{ op, body string }{{"PutItem", benchPutItem}, {"GetItem", benchGetItem}} {
		b.Run(bm.op, func(b *testing.B) {
			id, _ := api.OperationByName(bm.op)
			body := []byte(bm.body)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := h.call(context.Background(), id, body, &requestRecord{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type nopBody struct{ *strings.Reader }

func (nopBody) Close() error { return nil }
