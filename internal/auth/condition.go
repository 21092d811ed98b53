package auth

// Condition operators, as the IAM User Guide defines them. A Condition
// block is an AND over operators and, within an operator, over keys; the
// values listed for one key are an OR. The rules for a key the request
// does not carry, and for keys with several values, are IAM's:
//
//   - A positive operator (StringEquals, ...) on an absent key is false; a
//     negated one (StringNotEquals, NotIpAddress, ...) is true; with the
//     IfExists suffix an absent key makes the condition true.
//   - ForAnyValue: true when at least one of the request's values
//     satisfies the operator; false for an absent or empty key.
//   - ForAllValues: true when every value satisfies it; true for an absent
//     or empty key (which is why DynamoDB's documentation pairs it with
//     Null or a Deny when a key must be present).
//   - With no set qualifier a multi-valued key is treated as ForAnyValue for
//     positive operators and as "no value matches" for negated ones; IAM
//     asks policies to use a qualifier on such keys and leaves this case
//     undocumented.
//   - Null: "true" holds when the key is absent, "false" when present.
//
// A negated operator holds for a value that matches none of the policy's
// values, so StringNotEquals with ["a", "b"] refuses both.

import (
	"bytes"
	"encoding/base64"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// opFamily is the type of comparison an operator makes.
type opFamily uint8

const (
	famString opFamily = iota
	famStringFold
	famStringLike
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

// cmpKind is a numeric or date operator's comparison.
type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// opSpec describes a base operator.
type opSpec struct {
	family  opFamily
	cmp     cmpKind
	negated bool
}

// operators are IAM's base condition operators.
var operators = map[string]opSpec{
	"StringEquals":              {family: famString},
	"StringNotEquals":           {family: famString, negated: true},
	"StringEqualsIgnoreCase":    {family: famStringFold},
	"StringNotEqualsIgnoreCase": {family: famStringFold, negated: true},
	"StringLike":                {family: famStringLike},
	"StringNotLike":             {family: famStringLike, negated: true},
	"NumericEquals":             {family: famNumeric, cmp: cmpEq},
	"NumericNotEquals":          {family: famNumeric, cmp: cmpEq, negated: true},
	"NumericLessThan":           {family: famNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {family: famNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {family: famNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {family: famNumeric, cmp: cmpGe},
	"DateEquals":                {family: famDate, cmp: cmpEq},
	"DateNotEquals":             {family: famDate, cmp: cmpEq, negated: true},
	"DateLessThan":              {family: famDate, cmp: cmpLt},
	"DateLessThanEquals":        {family: famDate, cmp: cmpLe},
	"DateGreaterThan":           {family: famDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {family: famDate, cmp: cmpGe},
	"Bool":                      {family: famBool},
	"BinaryEquals":              {family: famBinary},
	"IpAddress":                 {family: famIP},
	"NotIpAddress":              {family: famIP, negated: true},
	"ArnEquals":                 {family: famARN},
	"ArnLike":                   {family: famARN},
	"ArnNotEquals":              {family: famARN, negated: true},
	"ArnNotLike":                {family: famARN, negated: true},
	"Null":                      {family: famNull},
}

// setQualifier is a condition's ForAllValues/ForAnyValue prefix.
type setQualifier uint8

const (
	setNone setQualifier = iota
	setForAll
	setForAny
)

// condition is one key's test within a Condition block.
type condition struct {
	op       opSpec
	set      setQualifier
	ifExists bool
	key      string // lower-cased: condition keys are case-insensitive
	values   []condValue
}

// condValue is one policy value, compiled for its operator.
type condValue struct {
	raw    string
	pat    pattern // string and ARN families (ARN: the whole value, for Equals)
	arn    arnPattern
	num    *big.Rat
	when   time.Time
	prefix netip.Prefix
	bytes  []byte
	truth  bool
}

// parseOperator splits "ForAllValues:StringEqualsIfExists" into its parts.
func parseOperator(name string) (spec opSpec, set setQualifier, ifExists, ok bool) {
	base := name
	switch {
	case strings.HasPrefix(base, "ForAllValues:"):
		set, base = setForAll, base[len("ForAllValues:"):]
	case strings.HasPrefix(base, "ForAnyValue:"):
		set, base = setForAny, base[len("ForAnyValue:"):]
	}
	if spec, ok = operators[base]; ok {
		return spec, set, false, true
	}
	if b, found := strings.CutSuffix(base, "IfExists"); found {
		if spec, ok = operators[b]; ok && spec.family != famNull {
			return spec, set, true, true
		}
	}
	return opSpec{}, 0, false, false
}

// compileValue checks and compiles one policy value for the operator;
// the string returned describes what is wrong with an invalid one.
func compileValue(spec opSpec, raw string, variables bool) (condValue, string) {
	v := condValue{raw: raw}
	switch spec.family {
	case famString:
		v.pat = compilePattern(raw, patternOptions{variables: variables})
	case famStringFold:
		v.pat = compilePattern(raw, patternOptions{variables: variables})
	case famStringLike:
		v.pat = compilePattern(raw, patternOptions{wildcards: true, variables: variables})
	case famARN:
		p, ok := compileARNPattern(raw, variables)
		if !ok {
			// Not six parts: it can still equal a value exactly.
			v.pat = compilePattern(raw, patternOptions{wildcards: true, variables: variables})
		}
		v.arn = p
	case famNumeric:
		n, ok := parseNumber(raw)
		if !ok {
			return v, "is not a number"
		}
		v.num = n
	case famDate:
		t, ok := parseDate(raw)
		if !ok {
			return v, "is not a date (ISO 8601 or seconds since the epoch)"
		}
		v.when = t
	case famBool, famNull:
		switch strings.ToLower(raw) {
		case "true":
			v.truth = true
		case "false":
		default:
			return v, "is not true or false"
		}
	case famBinary:
		b, err := base64.StdEncoding.Strict().DecodeString(raw)
		if err != nil {
			return v, "is not base-64"
		}
		v.bytes = b
	case famIP:
		p, ok := parseIPOrPrefix(raw)
		if !ok {
			return v, "is not an IP address or CIDR block"
		}
		v.prefix = p
	}
	return v, ""
}

// parseNumber reads an IAM number: an integer or decimal, compared
// exactly (big.Rat, so 0.1 + 0.2 questions never arise).
func parseNumber(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "/xXpP_") { // big.Rat reads fractions and hex, IAM does not
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// dateLayouts are the ISO 8601 forms IAM accepts for dates.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02",
	"20060102T150405Z",
}

// parseDate reads an ISO 8601 date or a number of seconds since the epoch.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseIPOrPrefix reads "203.0.113.0/24", "2001:db8::/32" or one address.
func parseIPOrPrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// eval evaluates the condition against the request's values for its key.
func (c *condition) eval(values []string, present bool, r resolver) bool {
	if c.op.family == famNull {
		absent := !present || len(values) == 0
		for i := range c.values {
			if c.values[i].truth == absent {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.set == setForAll:
			return true
		case c.set == setForAny:
			return false
		}
		return c.op.negated
	}
	switch c.set {
	case setForAll:
		for _, v := range values {
			if !c.holds(v, r) {
				return false
			}
		}
		return true
	case setForAny:
		for _, v := range values {
			if c.holds(v, r) {
				return true
			}
		}
		return false
	}
	if c.op.negated {
		// No qualifier: true when no request value matches any policy
		// value.
		for _, v := range values {
			if !c.holds(v, r) {
				return false
			}
		}
		return true
	}
	for _, v := range values {
		if c.holds(v, r) {
			return true
		}
	}
	return false
}

// holds applies the operator to one request value: for a positive
// operator, it matches one of the policy's values; for a negated one, it
// matches none.
func (c *condition) holds(v string, r resolver) bool {
	matched := false
	for i := range c.values {
		if c.matchOne(v, &c.values[i], r) {
			matched = true
			break
		}
	}
	return matched != c.op.negated
}

// matchOne compares a request value with one policy value, ignoring
// negation.
func (c *condition) matchOne(v string, pv *condValue, r resolver) bool {
	switch c.op.family {
	case famString:
		want, ok := pv.pat.literal(r)
		return ok && v == want
	case famStringFold:
		want, ok := pv.pat.literal(r)
		return ok && strings.EqualFold(v, want)
	case famStringLike:
		return pv.pat.match(v, r, false)
	case famARN:
		if pv.arn.any || pv.arn.raw != "" {
			return pv.arn.match(v, r)
		}
		return pv.pat.match(v, r, false)
	case famNumeric:
		n, ok := parseNumber(v)
		return ok && compare(n.Cmp(pv.num), c.op.cmp)
	case famDate:
		t, ok := parseDate(v)
		return ok && compare(t.Compare(pv.when), c.op.cmp)
	case famBool:
		switch strings.ToLower(v) {
		case "true":
			return pv.truth
		case "false":
			return !pv.truth
		}
		return false
	case famBinary:
		b, err := base64.StdEncoding.Strict().DecodeString(v)
		return err == nil && bytes.Equal(b, pv.bytes)
	case famIP:
		a, err := netip.ParseAddr(strings.TrimSpace(v))
		return err == nil && pv.prefix.Contains(a.Unmap())
	}
	return false
}

// compare turns a three-way comparison into the operator's verdict.
func compare(c int, k cmpKind) bool {
	switch k {
	case cmpEq:
		return c == 0
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	}
	return c >= 0
}
