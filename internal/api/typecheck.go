package api

// Type checking of a request body against the model, for the error path:
// when a body does not decode into its input shape, CheckTypes finds the
// first member whose JSON type does not fit and words the error as
// DynamoDB's Java deserializer does ("class java.lang.Short can not be
// converted to an String"). Successful requests never pay for this walk.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/dynago/dynago/internal/apierr"
)

// CheckTypes walks body, a JSON object, as op's input shape and returns a
// SerializationException for the first value, in document order, whose
// JSON type does not fit its member. It returns nil when every value fits
// (or body is not valid JSON, which the caller reports on its own).
func CheckTypes(op string, body []byte) error {
	id, ok := inputShapes[op]
	if !ok {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	msg, err := checkValue(dec, id)
	if err != nil || msg == "" {
		return nil
	}
	return apierr.New(apierr.SerializationException, msg)
}

// checkValue reads one value of shape id from dec and returns DynamoDB's
// message for a type mismatch, or "".
func checkValue(dec *json.Decoder, id shapeID) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	if tok == nil {
		return "", nil
	}
	r := &shapeRules[id]
	if d, ok := tok.(json.Delim); ok {
		switch {
		case d == '{' && (r.kind == kindStructure || r.kind == kindAttributeValue):
			return checkObject(dec, func(key string) (shapeID, bool) {
				for _, m := range r.members {
					if m.name == key {
						return m.shape, true
					}
				}
				return 0, false
			})
		case d == '{' && r.kind == kindMap:
			return checkObject(dec, func(string) (shapeID, bool) { return r.elem, true })
		case d == '[' && r.kind == kindList:
			for dec.More() {
				if msg, err := checkValue(dec, r.elem); msg != "" || err != nil {
					return msg, err
				}
			}
			_, err := dec.Token()
			return "", err
		case d == '[':
			return "Start of list found where not expected", nil
		default:
			return "Start of structure or map found where not expected.", nil
		}
	}
	switch r.kind {
	case kindStructure, kindAttributeValue:
		return "Expected null", nil
	case kindList:
		return "Expected list or null", nil
	case kindMap:
		return "Expected map or null", nil
	}
	switch v := tok.(type) {
	case bool:
		switch r.kind {
		case kindBoolean:
			return "", nil
		case kindBlob:
			return "class java.lang.Boolean can not be converted to a Blob", nil
		}
		return "class java.lang.Boolean can not be converted to an " + javaType(r.kind), nil
	case json.Number:
		// DynamoDB reads every JSON number as its own big-number class
		// first, and names that class when the member wants another type.
		switch r.kind {
		case kindInteger, kindLong, kindDouble, kindTimestamp:
			return "", nil
		case kindBlob:
			return "class " + bigNumberClass + " can not be converted to a Blob", nil
		}
		return "class " + bigNumberClass + " can not be converted to an " + javaType(r.kind), nil
	case string:
		switch r.kind {
		case kindString:
			return "", nil
		case kindBoolean:
			switch u := strings.ToUpper(v); u {
			case "TRUE", "YES", "1", "FALSE", "NO", "0":
				return "", nil // DynamoDB accepts these
			default:
				return "'" + u + "' can not be converted to an Boolean", nil
			}
		case kindBlob:
			return blobProblem(v), nil
		}
		return "class java.lang.String can not be converted to an " + javaType(r.kind), nil
	}
	return "", nil
}

// checkObject walks the members of an object whose '{' has been read.
// member returns the shape of a key, or false for a key the model does not
// know, which DynamoDB ignores.
func checkObject(dec *json.Decoder, member func(string) (shapeID, bool)) (string, error) {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		key, _ := tok.(string)
		id, ok := member(key)
		if !ok {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", err
			}
			continue
		}
		if msg, err := checkValue(dec, id); msg != "" || err != nil {
			return msg, err
		}
	}
	_, err := dec.Token()
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return "", err
}

// javaType names a model kind as DynamoDB's Java deserializer does.
func javaType(k kind) string {
	switch k {
	case kindString:
		return "String"
	case kindInteger:
		return "Integer"
	case kindLong:
		return "Long"
	case kindDouble, kindTimestamp:
		return "Double"
	case kindBoolean:
		return "Boolean"
	}
	return "Object"
}

// bigNumberClass is the Java class DynamoDB's deserializer reads JSON
// numbers as.
const bigNumberClass = "com.amazon.coral.value.json.numbers.TruncatingBigNumber"

// blobProblem returns DynamoDB's message for a string that is not valid
// base64, or "".
func blobProblem(s string) string {
	prefix := "'" + s + "' can not be converted to a Blob: "
	if len(s)%4 != 0 {
		return prefix + "Base64 encoded length is expected a multiple of 4 bytes but found: " + strconv.Itoa(len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		valid := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/'
		if c == '=' {
			valid = i+1 == len(s) || s[i+1] == '='
		}
		if !valid {
			return prefix + "Invalid Base64 character: '" + string(c) + "'"
		}
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(b) != s {
		return prefix + "Invalid last non-pad Base64 character dectected"
	}
	return ""
}
