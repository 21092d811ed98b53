package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

// Encoder writes DynamoDB JSON request bodies for Ops by appending to a
// caller's buffer: no reflection and no allocation once the buffer has
// grown, so the load generator spends its share of the two cores on
// requests rather than on encoding/json. Every body is the JSON an AWS SDK
// would send for the same call.
type Encoder struct {
	table    string
	itemSize int
	ks       Keyspace
	filler   []byte
}

// tableNamePattern is DynamoDB's rule for table names; it also guarantees
// the name needs no JSON escaping.
var tableNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// NewEncoder returns an Encoder for items of about itemSize bytes in table.
func NewEncoder(table string, itemSize int, ks Keyspace) (*Encoder, error) {
	if !tableNamePattern.MatchString(table) {
		return nil, fmt.Errorf("table name %q: want 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'", table)
	}
	if ks.Items < batchSize {
		return nil, fmt.Errorf("-keys %d: want at least %d so a batch write has distinct keys", ks.Items, batchSize)
	}
	filler := make([]byte, max(itemSize, 1))
	for i := range filler {
		// Letters that vary, so nothing on the path can shortcut a run of
		// one byte.
		filler[i] = 'a' + byte((i*7+i/26)%26)
	}
	return &Encoder{table: table, itemSize: itemSize, ks: ks, filler: filler}, nil
}

// AppendBody appends the request body of op to buf.
func (e *Encoder) AppendBody(buf []byte, op Op) []byte {
	switch op.Kind {
	case OpGet:
		buf = e.appendTable(buf)
		buf = append(buf, `,"Key":`...)
		buf = appendKey(buf, op.Item)
		return append(buf, '}')
	case OpPut:
		buf = e.appendTable(buf)
		buf = append(buf, `,"Item":`...)
		buf = e.appendItem(buf, op.Item)
		return append(buf, '}')
	case OpUpdate:
		buf = e.appendTable(buf)
		buf = append(buf, `,"Key":`...)
		buf = appendKey(buf, op.Item)
		buf = append(buf, `,"UpdateExpression":"SET #t = :t ADD #c :one",`+
			`"ExpressionAttributeNames":{"#t":"touched","#c":"cnt"},`+
			`"ExpressionAttributeValues":{":t":{"S":"bench"},":one":{"N":"1"}}}`...)
		return buf
	case OpQuery:
		buf = e.appendTable(buf)
		buf = append(buf, `,"KeyConditionExpression":"#p = :p","ExpressionAttributeNames":{"#p":"pk"},`+
			`"ExpressionAttributeValues":{":p":{"S":"p`...)
		buf = strconv.AppendInt(buf, int64(partitionOf(op.Item)), 10)
		return append(buf, `"}}}`...)
	case OpBatchWrite:
		buf = append(buf, `{"RequestItems":{"`...)
		buf = append(buf, e.table...)
		buf = append(buf, `":[`...)
		for j, item := range BatchItems(op.Item, e.ks) {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"PutRequest":{"Item":`...)
			buf = e.appendItem(buf, item)
			buf = append(buf, `}}`...)
		}
		return append(buf, `]}}`...)
	case OpBatchGet:
		buf = append(buf, `{"RequestItems":{"`...)
		buf = append(buf, e.table...)
		buf = append(buf, `":{"Keys":[`...)
		for j := range min(batchGetSize, e.ks.Items) {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = appendKey(buf, (op.Item+j)%e.ks.Items)
		}
		return append(buf, `]}}}`...)
	case OpTransactWrite:
		buf = append(buf, `{"TransactItems":[`...)
		for j, item := range TransactItems(op.Item, e.ks) {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"Put":{"TableName":"`...)
			buf = append(buf, e.table...)
			buf = append(buf, `","Item":`...)
			buf = e.appendItem(buf, item)
			buf = append(buf, `}}`...)
		}
		return append(buf, `]}`...)
	case OpScan:
		buf = e.appendTable(buf)
		buf = append(buf, `,"Limit":`...)
		buf = strconv.AppendInt(buf, scanLimit, 10)
		buf = append(buf, `,"ExclusiveStartKey":`...)
		buf = appendKey(buf, op.Item)
		return append(buf, '}')
	}
	panic(fmt.Sprintf("unknown op kind %d", op.Kind))
}

func (e *Encoder) appendTable(buf []byte) []byte {
	buf = append(buf, `{"TableName":"`...)
	buf = append(buf, e.table...)
	return append(buf, '"')
}

// appendKey appends the primary key map of item i.
func appendKey(buf []byte, i int) []byte {
	buf = append(buf, `{"pk":{"S":"p`...)
	buf = strconv.AppendInt(buf, int64(partitionOf(i)), 10)
	buf = append(buf, `"},"sk":{"N":"`...)
	buf = strconv.AppendInt(buf, int64(sortOf(i)), 10)
	return append(buf, `"}}`...)
}

// appendItem appends the full item i: its key, a counter, and a payload
// that brings it to about the configured item size.
func (e *Encoder) appendItem(buf []byte, i int) []byte {
	buf = append(buf, `{"pk":{"S":"p`...)
	buf = strconv.AppendInt(buf, int64(partitionOf(i)), 10)
	buf = append(buf, `"},"sk":{"N":"`...)
	buf = strconv.AppendInt(buf, int64(sortOf(i)), 10)
	buf = append(buf, `"},"cnt":{"N":"0"},"payload":{"S":"`...)
	buf = append(buf, e.filler[:min(payloadLen(i, e.itemSize), len(e.filler))]...)
	return append(buf, `"}}`...)
}

// Payload returns the payload value of item i, for clients that build
// typed requests.
func (e *Encoder) Payload(i int) string {
	return string(e.filler[:min(payloadLen(i, e.itemSize), len(e.filler))])
}

// responseItems counts the items a successful response to kind carried or
// wrote, reading only what it needs: a GetItem hit is 1 and a miss 0, a
// Query or Scan its Count, a batch write its puts less those left
// unprocessed, a batch get the items it returned, a transaction its puts,
// and a put or update 1.
func responseItems(kind OpKind, body []byte) int {
	switch kind {
	case OpGet:
		if bytes.Contains(body, []byte(`"Item"`)) {
			return 1
		}
		return 0
	case OpQuery, OpScan:
		return jsonIntField(body, `"Count":`)
	case OpBatchWrite:
		return batchSize - bytes.Count(body, []byte(`"PutRequest"`))
	case OpBatchGet:
		// Every item read carries a "payload"; unprocessed keys do not.
		return bytes.Count(body, []byte(`"payload":`))
	case OpTransactWrite:
		return transactSize // all or nothing: an error counts none
	}
	return 1
}

// jsonIntField returns the integer that follows key in body, or 0. The
// responses it reads carry the key once, at the top level.
func jsonIntField(body []byte, key string) int {
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range bytes.TrimLeft(body[i+len(key):], " ") {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
