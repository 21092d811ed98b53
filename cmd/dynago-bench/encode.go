package main

import (
	"bytes"
	"encoding/json"
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
	// table is -table, the TableMain; tables holds every kind's name.
	table    string
	tables   [numTableKinds]string
	itemSize int
	ks       Keyspace
	filler   []byte
	// stream is the stream of the TableStream once setup has read it
	// (SetStream); GetRecords needs it.
	stream StreamInfo
}

// StreamInfo is what a GetShardIterator needs: the stream's ARN and the
// ids of its open shards.
type StreamInfo struct {
	ARN    string
	Shards []string
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
	e := &Encoder{table: table, itemSize: itemSize, ks: ks, filler: filler}
	for k := range numTableKinds {
		e.tables[k] = table + k.suffix()
	}
	if !tableNamePattern.MatchString(e.tables[TableStream]) {
		return nil, fmt.Errorf("table name %q: too long for its %q and %q siblings", table, TableStream.suffix(), TablePITR.suffix())
	}
	return e, nil
}

// TableName is the name of the table of kind k.
func (e *Encoder) TableName(k TableKind) string { return e.tables[k] }

// SetStream records the stream GetRecords reads. Setup calls it before
// any worker runs.
func (e *Encoder) SetStream(s StreamInfo) { e.stream = s }

// Stream is the stream SetStream recorded.
func (e *Encoder) Stream() StreamInfo { return e.stream }

// AppendBody appends the request body of op to buf.
func (e *Encoder) AppendBody(buf []byte, op Op) []byte {
	switch op.Kind {
	case OpGet:
		buf = e.appendTable(buf, op.Table)
		buf = append(buf, `,"Key":`...)
		buf = appendKey(buf, op.Item)
		return append(buf, '}')
	case OpPartiQLGet:
		// The table name needs no escaping (tableNamePattern), and PartiQL
		// quotes it with double quotes, escaped in JSON.
		buf = append(buf, `{"Statement":"SELECT * FROM \"`...)
		buf = append(buf, e.tables[op.Table]...)
		buf = append(buf, `\" WHERE pk = ? AND sk = ?","Parameters":[{"S":"p`...)
		buf = strconv.AppendInt(buf, int64(partitionOf(op.Item)), 10)
		buf = append(buf, `"},{"N":"`...)
		buf = strconv.AppendInt(buf, int64(sortOf(op.Item)), 10)
		return append(buf, `"}]}`...)
	case OpPut:
		buf = e.appendTable(buf, op.Table)
		buf = append(buf, `,"Item":`...)
		buf = e.appendItem(buf, op.Item)
		return append(buf, '}')
	case OpUpdate:
		buf = e.appendTable(buf, op.Table)
		buf = append(buf, `,"Key":`...)
		buf = appendKey(buf, op.Item)
		buf = append(buf, `,"UpdateExpression":"SET #t = :t ADD #c :one",`+
			`"ExpressionAttributeNames":{"#t":"touched","#c":"cnt"},`+
			`"ExpressionAttributeValues":{":t":{"S":"bench"},":one":{"N":"1"}}}`...)
		return buf
	case OpQuery:
		buf = e.appendTable(buf, op.Table)
		buf = append(buf, `,"KeyConditionExpression":"#p = :p","ExpressionAttributeNames":{"#p":"pk"},`+
			`"ExpressionAttributeValues":{":p":{"S":"p`...)
		buf = strconv.AppendInt(buf, int64(partitionOf(op.Item)), 10)
		return append(buf, `"}}}`...)
	case OpBatchWrite:
		buf = append(buf, `{"RequestItems":{"`...)
		buf = append(buf, e.tables[op.Table]...)
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
		buf = append(buf, e.tables[op.Table]...)
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
			buf = append(buf, e.tables[op.Table]...)
			buf = append(buf, `","Item":`...)
			buf = e.appendItem(buf, item)
			buf = append(buf, `}}`...)
		}
		return append(buf, `]}`...)
	case OpScan:
		buf = e.appendTable(buf, op.Table)
		buf = append(buf, `,"Limit":`...)
		buf = strconv.AppendInt(buf, scanLimit, 10)
		buf = append(buf, `,"ExclusiveStartKey":`...)
		buf = appendKey(buf, op.Item)
		return append(buf, '}')
	}
	// OpGetRecords's body is the worker's shard iterator
	// (AppendGetRecords), not a function of op.
	panic(fmt.Sprintf("no body for op kind %d", op.Kind))
}

// AppendGetRecords appends the body of a GetRecords on iterator.
func (e *Encoder) AppendGetRecords(buf, iterator []byte) []byte {
	buf = append(buf, `{"ShardIterator":`...)
	buf = appendJSONString(buf, iterator)
	buf = append(buf, `,"Limit":`...)
	buf = strconv.AppendInt(buf, getRecordsLimit, 10)
	return append(buf, '}')
}

// AppendGetShardIterator appends the body of a TRIM_HORIZON
// GetShardIterator on open shard n of the stream (modulo their number).
func (e *Encoder) AppendGetShardIterator(buf []byte, n int) []byte {
	buf = append(buf, `{"StreamArn":`...)
	buf = appendJSONString(buf, e.stream.ARN)
	buf = append(buf, `,"ShardId":`...)
	buf = appendJSONString(buf, e.stream.Shards[n%len(e.stream.Shards)])
	return append(buf, `,"ShardIteratorType":"TRIM_HORIZON"}`...)
}

// appendJSONString appends s as a JSON string. Stream ARNs and iterators
// are printable ASCII; quotes, backslashes and control bytes are escaped
// all the same so a surprising value cannot break the body.
func appendJSONString[S string | []byte](buf []byte, s S) []byte {
	buf = append(buf, '"')
	for i := range len(s) {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c < 0x20:
			buf = append(buf, `\u00`...)
			buf = append(buf, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, '"')
}

func (e *Encoder) appendTable(buf []byte, k TableKind) []byte {
	buf = append(buf, `{"TableName":"`...)
	buf = append(buf, e.tables[k]...)
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
// unprocessed, a batch get or a PartiQL SELECT the items it returned, a
// GetRecords its records, a transaction its puts, and a put or update 1.
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
	case OpBatchGet, OpPartiQLGet:
		// Every item read carries a "payload"; unprocessed keys do not.
		return bytes.Count(body, []byte(`"payload":`))
	case OpGetRecords:
		// Every record has an eventID; the payloads are letters only.
		return bytes.Count(body, []byte(`"eventID":`))
	case OpTransactWrite:
		return transactSize // all or nothing: an error counts none
	}
	return 1
}

// jsonStringField returns the string value that follows key (`"Name":`)
// in body, and whether there was one. A value with escapes is decoded with
// encoding/json (the values read here have none, so this stays off the
// load path).
func jsonStringField(body []byte, key string) ([]byte, bool) {
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return nil, false
	}
	rest := bytes.TrimLeft(body[i+len(key):], " ")
	if len(rest) == 0 || rest[0] != '"' {
		return nil, false
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 {
		return nil, false
	}
	v := rest[1 : 1+end]
	if bytes.IndexByte(v, '\\') < 0 {
		return v, true
	}
	var s string
	if err := json.NewDecoder(bytes.NewReader(rest)).Decode(&s); err != nil {
		return nil, false
	}
	return []byte(s), true
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
