package dataio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dynago/dynago/internal/attr"
)

// DYNAMODB_JSON is JSON lines: each line is {"Item":{...}} with the item
// in DynamoDB JSON, which is both what DynamoDB's export writes and what
// ImportTable reads. A line must be one JSON object holding exactly the
// "Item" key (an incremental export's {"Keys":...,"NewImage":...} lines
// are refused rather than silently imported as nothing).

// ddbItemPrefix is how every line of DynamoDB's export begins.
const ddbItemPrefix = `{"Item":`

type ddbJSONDecoder struct{}

func (ddbJSONDecoder) record(src *lineSource, out []entry) ([]entry, error) {
	return lineRecord(src, out, decodeDDBJSONLine)
}

// lineRecord reads the next non-blank line and decodes it into one entry.
func lineRecord(src *lineSource, out []entry, decode func([]byte) (attr.Item, error)) ([]entry, error) {
	for {
		line, err := src.next()
		if errors.Is(err, errRecordTooLong) {
			return append(out, entry{line: src.line, err: err}), nil
		}
		if err != nil {
			return out, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		it, err := decode(line)
		return append(out, entry{item: it, line: src.line, err: err}), nil
	}
}

// decodeDDBJSONLine reads one {"Item":{...}} line. The fast path takes the
// compact layout DynamoDB writes; anything else goes through encoding/json
// first, which also gives the error for a line that is not an object.
func decodeDDBJSONLine(line []byte) (attr.Item, error) {
	t := bytes.TrimSpace(line)
	if bytes.HasPrefix(t, []byte(ddbItemPrefix)) && t[len(t)-1] == '}' {
		if it, err := attr.DecodeItemJSON(t[len(ddbItemPrefix) : len(t)-1]); err == nil && it != nil {
			return it, nil
		}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(t, &top); err != nil || top == nil {
		return nil, errors.New(`not a JSON object {"Item":{...}}`)
	}
	raw, ok := top["Item"]
	if !ok {
		return nil, errors.New(`no "Item" key`)
	}
	for k := range top {
		if k != "Item" {
			return nil, fmt.Errorf(`unexpected key %q beside "Item"`, k)
		}
	}
	it, err := attr.DecodeItemJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("in the Item: %w", err)
	}
	if it == nil {
		return nil, errors.New("the Item is null")
	}
	return it, nil
}

// appendDDBJSONLine appends it as one line of DynamoDB's export.
func appendDDBJSONLine(dst []byte, it attr.Item) []byte {
	dst = append(dst, ddbItemPrefix...)
	dst = attr.AppendItemJSON(dst, it)
	return append(dst, '}', '\n')
}
