package wire

// Response encoding. The outputs that carry items on the hot path (GetItem,
// Query, Scan, BatchGetItem, ExecuteStatement, and the Attributes of
// PutItem, UpdateItem and DeleteItem) are written by hand straight into one pooled buffer with
// attr.AppendItemJSON. encoding/json would produce the same JSON, but it
// cannot trust a Marshaler: it re-scans and re-compacts every item's bytes
// after attr has produced them (appendCompact), which measured 18% of the
// server's CPU on a 10-item Query. Every other output, and the rarely set
// members (ConsumedCapacity, ItemCollectionMetrics), go through
// encoding/json as before.
//
// encoding/json escapes '<', '>', '&', U+2028 and U+2029 inside strings
// for embedding in HTML; DynamoDB does not, so neither do these encoders,
// nor marshalJSON, which writes every other output and error with
// encoding/json's HTML escaping off: an item comes back as the same bytes
// from every operation (GetItem, BatchGetItem, ExecuteStatement, a
// ConditionalCheckFailedException's Item...). Of the two characters
// encoding/json always escapes in the strings it writes itself, U+2028
// and U+2029, only a message or name could carry one; items are written by
// attr, which does not.

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"sync"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// Response buffer pooling: a buffer is taken per response and returned
// once the body is written to the connection (ResponseWriter.Write copies
// it). Buffers that grew beyond maxPooledBuffer (a large Scan or
// BatchGetItem page) are dropped rather than pinned in the pool.
const (
	initialBufferSize = 4 << 10  // 4 KB: a GetItem or a 10-item Query page
	maxPooledBuffer   = 64 << 10 // 64 KB
)

// bufferPool holds *[]byte response buffers. It lives in the handler, not
// at package level, so that two handlers never share state.
type bufferPool struct{ p sync.Pool }

func (bp *bufferPool) get() *[]byte {
	if b, ok := bp.p.Get().(*[]byte); ok {
		*b = (*b)[:0]
		return b
	}
	b := make([]byte, 0, initialBufferSize)
	return &b
}

func (bp *bufferPool) put(b *[]byte) {
	if cap(*b) > maxPooledBuffer {
		return
	}
	bp.p.Put(b)
}

// appendOutput appends the JSON body of an operation's output to dst.
func appendOutput(dst []byte, out any) ([]byte, error) {
	return appendOutputRaw(dst, out, nil)
}

// appendOutputRaw is appendOutput for a request whose context carried raw
// (api.WithRawItems; nil: none): the items the engine passed through as
// their stored canonical JSON are appended as they are, since
// attr.AppendItemJSON would write the same bytes.
func appendOutputRaw(dst []byte, out any, raw *api.RawItems) ([]byte, error) {
	if raw == nil {
		raw = &api.RawItems{}
	}
	switch o := out.(type) {
	case *api.GetItemOutput:
		return appendGetItemOutput(dst, o, raw.Item)
	case *api.QueryOutput:
		return appendPageOutput(dst, o.ConsumedCapacity, o.Count, o.Items, raw.Items, o.LastEvaluatedKey, o.ScannedCount)
	case *api.ScanOutput:
		return appendPageOutput(dst, o.ConsumedCapacity, o.Count, o.Items, raw.Items, o.LastEvaluatedKey, o.ScannedCount)
	case *api.PutItemOutput:
		return appendWriteOutput(dst, o.Attributes, o.ConsumedCapacity, o.ItemCollectionMetrics)
	case *api.UpdateItemOutput:
		return appendWriteOutput(dst, o.Attributes, o.ConsumedCapacity, o.ItemCollectionMetrics)
	case *api.DeleteItemOutput:
		return appendWriteOutput(dst, o.Attributes, o.ConsumedCapacity, o.ItemCollectionMetrics)
	case *api.ExecuteStatementOutput:
		return appendStatementOutput(dst, o, raw.Items)
	case *api.BatchGetItemOutput:
		return appendBatchGetOutput(dst, o)
	case *struct{}:
		// TagResource and UntagResource have no output shape; DynamoDB
		// answers them with an empty body.
		return dst, nil
	}
	b, err := marshalJSON(out)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// marshalJSON is json.Marshal without its HTML escaping of '<', '>' and
// '&' (see the top of this file).
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// object writes the members of one JSON object in order, inserting the
// commas; members are written only when present, as omitzero does.
type object struct {
	buf   []byte
	comma bool
}

func openObject(dst []byte) object { return object{buf: append(dst, '{')} }

// name starts the member called n (a constant name needing no escaping).
func (o *object) name(n string) {
	if o.comma {
		o.buf = append(o.buf, ',')
	}
	o.comma = true
	o.buf = append(o.buf, '"')
	o.buf = append(o.buf, n...)
	o.buf = append(o.buf, '"', ':')
}

// item writes an attribute map member unless it is nil.
func (o *object) item(n string, it attr.Item) {
	if it == nil {
		return
	}
	o.name(n)
	o.buf = attr.AppendItemJSON(o.buf, it)
}

// int writes an integer member unless it is nil.
func (o *object) int(n string, v *int64) {
	if v == nil {
		return
	}
	o.name(n)
	o.buf = strconv.AppendInt(o.buf, *v, 10)
}

// marshal writes a member with encoding/json unless it is nil; for the
// rarely present members without attribute values in their hot form.
func (o *object) marshal(n string, v any, isNil bool) error {
	if isNil {
		return nil
	}
	b, err := marshalJSON(v)
	if err != nil {
		return err
	}
	o.name(n)
	o.buf = append(o.buf, b...)
	return nil
}

func (o *object) close() []byte { return append(o.buf, '}') }

// appendGetItemOutput writes a GetItem output; raw (nil: none) is the
// item's stored JSON when the engine passed it through.
func appendGetItemOutput(dst []byte, out *api.GetItemOutput, raw []byte) ([]byte, error) {
	o := openObject(dst)
	if err := o.marshal("ConsumedCapacity", out.ConsumedCapacity, out.ConsumedCapacity == nil); err != nil {
		return dst, err
	}
	if raw != nil && out.Item != nil {
		o.name("Item")
		o.buf = append(o.buf, raw...)
	} else {
		o.item("Item", out.Item)
	}
	return o.close(), nil
}

// appendPageOutput writes a Query or Scan output; the two shapes have the
// same members. raw[i], when present and items[i] is nil, is item i's
// stored JSON passed through by the engine.
func appendPageOutput(dst []byte, cc *api.ConsumedCapacity, count *int64, items []attr.Item, raw [][]byte, lastKey attr.Item, scanned *int64) ([]byte, error) {
	o := openObject(dst)
	if err := o.marshal("ConsumedCapacity", cc, cc == nil); err != nil {
		return dst, err
	}
	o.int("Count", count)
	if items != nil {
		o.name("Items")
		o.buf = append(o.buf, '[')
		for i, it := range items {
			if i > 0 {
				o.buf = append(o.buf, ',')
			}
			if it == nil && i < len(raw) {
				o.buf = append(o.buf, raw[i]...)
				continue
			}
			o.buf = attr.AppendItemJSON(o.buf, it)
		}
		o.buf = append(o.buf, ']')
	}
	o.item("LastEvaluatedKey", lastKey)
	o.int("ScannedCount", scanned)
	return o.close(), nil
}

// appendStatementOutput writes an ExecuteStatement output, its items with
// attr as a Query's are; raw[i], when present and items[i] is nil, is item
// i's stored JSON passed through by the engine (a SELECT * by the full
// key). Members in the shape's order, as encoding/json writes them.
func appendStatementOutput(dst []byte, out *api.ExecuteStatementOutput, raw [][]byte) ([]byte, error) {
	o := openObject(dst)
	if err := o.marshal("ConsumedCapacity", out.ConsumedCapacity, out.ConsumedCapacity == nil); err != nil {
		return dst, err
	}
	if out.Items != nil {
		o.name("Items")
		o.buf = append(o.buf, '[')
		for i, it := range out.Items {
			if i > 0 {
				o.buf = append(o.buf, ',')
			}
			if it == nil && i < len(raw) {
				o.buf = append(o.buf, raw[i]...)
				continue
			}
			o.buf = attr.AppendItemJSON(o.buf, it)
		}
		o.buf = append(o.buf, ']')
	}
	o.item("LastEvaluatedKey", out.LastEvaluatedKey)
	if err := o.marshal("NextToken", out.NextToken, out.NextToken == nil); err != nil {
		return dst, err
	}
	return o.close(), nil
}

// appendBatchGetOutput writes a BatchGetItem output, its items with attr
// and its tables in encoding/json's order (sorted by name).
func appendBatchGetOutput(dst []byte, out *api.BatchGetItemOutput) ([]byte, error) {
	o := openObject(dst)
	if err := o.marshal("ConsumedCapacity", out.ConsumedCapacity, out.ConsumedCapacity == nil); err != nil {
		return dst, err
	}
	if out.Responses != nil {
		o.name("Responses")
		o.buf = append(o.buf, '{')
		tables := make([]string, 0, len(out.Responses))
		for t := range out.Responses {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		for i, t := range tables {
			if i > 0 {
				o.buf = append(o.buf, ',')
			}
			k, err := marshalJSON(t)
			if err != nil {
				return dst, err
			}
			o.buf = append(append(o.buf, k...), ':')
			items := out.Responses[t]
			if items == nil {
				o.buf = append(o.buf, "null"...)
				continue
			}
			o.buf = append(o.buf, '[')
			for j, it := range items {
				if j > 0 {
					o.buf = append(o.buf, ',')
				}
				o.buf = attr.AppendItemJSON(o.buf, it)
			}
			o.buf = append(o.buf, ']')
		}
		o.buf = append(o.buf, '}')
	}
	if err := o.marshal("UnprocessedKeys", out.UnprocessedKeys, out.UnprocessedKeys == nil); err != nil {
		return dst, err
	}
	return o.close(), nil
}

// appendWriteOutput writes a PutItem, UpdateItem or DeleteItem output; the
// three shapes have the same members.
func appendWriteOutput(dst []byte, attrs attr.Item, cc *api.ConsumedCapacity, icm *api.ItemCollectionMetrics) ([]byte, error) {
	o := openObject(dst)
	o.item("Attributes", attrs)
	if err := o.marshal("ConsumedCapacity", cc, cc == nil); err != nil {
		return dst, err
	}
	if err := o.marshal("ItemCollectionMetrics", icm, icm == nil); err != nil {
		return dst, err
	}
	return o.close(), nil
}
