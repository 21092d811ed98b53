// Package api holds the request and response shapes of the DynamoDB API,
// generated from the API model botocore ships (see gen/), with exactly
// DynamoDB's member names as JSON tags. The wire layer decodes requests into
// these shapes and encodes responses from them; the engine takes and
// returns them, so neither re-declares DynamoDB's vocabulary.
//
// Optional scalars are pointers: DynamoDB's validation tells an absent
// member ("Value null at 'tableName'") from an empty one.
package api

//go:generate go run ./gen

import (
	"strconv"
	"time"
)

// Time is a DynamoDB timestamp: seconds since the Unix epoch, as a JSON
// number with a fractional part, which is how DynamoDB sends
// CreationDateTime and its kin.
type Time float64

// NewTime returns t as a DynamoDB timestamp, to the millisecond.
func NewTime(t time.Time) Time { return Time(float64(t.UnixMilli()) / 1000) }

// MarshalJSON writes the timestamp in plain decimal notation: the SDKs
// accept exponents, but people reading responses should not have to.
func (t Time) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(t), 'f', -1, 64), nil
}

// Str returns *p, or "" when p is nil.
func Str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Int returns *p, or def when p is nil.
func Int(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

// Bool returns *p, or false when p is nil.
func Bool(p *bool) bool { return p != nil && *p }

// Ptr returns a pointer to v, for filling optional members of responses.
func Ptr[T any](v T) *T { return &v }
