package auth

// Reading SigV4 credentials from a request: the Authorization header
// (AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...) or
// the query of a presigned request (X-Amz-Algorithm, X-Amz-Credential,
// ...). The header is read exactly as internal/wire's checkAuth reads it
// (which mirrors DynamoDB): every space in the parameter list is ignored,
// even inside a name or value; entries are split at commas and at their
// first '='; the last of repeated parameters counts; and the error
// messages are the same, in the same order, so a request gets one answer
// whichever layer looks at it first.

import (
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// algorithm is the only signing algorithm DynamoDB accepts.
	algorithm = "AWS4-HMAC-SHA256"
	// amzDateFormat is ISO 8601 basic format, the form of X-Amz-Date.
	amzDateFormat = "20060102T150405Z"
	// scopeDateFormat is the date of a credential scope.
	scopeDateFormat = "20060102"
	// scopeTerminator ends every SigV4 credential scope.
	scopeTerminator = "aws4_request"
	// maxExpires is the longest validity a presigned request may ask
	// for: a week, in seconds.
	maxExpires = 604800
)

// Credentials are the SigV4 parameters of one request.
type Credentials struct {
	AccessKeyID string
	ScopeDate   string // the credential scope's YYYYMMDD
	Region      string
	Service     string
	Terminator  string // "aws4_request" when well formed
	// SignedHeaders are the header names the client signed, lower-cased,
	// in the client's order.
	SignedHeaders []string
	Signature     string // lower-case hex, as the client sent it
	// Time is when the client signed the request (X-Amz-Date, or Date).
	Time time.Time
	// Timestamp is the request time as the string to sign carries it.
	Timestamp string
	// SessionToken is X-Amz-Security-Token, "" when absent.
	SessionToken string
	// Presigned says the credentials came in the query string.
	Presigned bool
	// Expires is a presigned request's X-Amz-Expires; 0 when absent.
	Expires time.Duration

	signedHeaders string // as sent, for the canonical request
	signedLower   string // lower-cased, the names of the canonical headers
}

// ParseAuthorization reads an Authorization header; amzDate and date are
// the request's X-Amz-Date and Date headers ("" when absent). The error
// is DynamoDB's for the first problem: MissingAuthenticationTokenException
// when the header is not a SigV4 one, IncompleteSignatureException when
// it is malformed.
func ParseAuthorization(authorization, amzDate, date string) (Credentials, error) {
	c, err := parseAuthorization(authorization, amzDate, date)
	if err == nil {
		c.SignedHeaders = strings.Split(c.signedLower, ";")
	}
	return c, err
}

// parseAuthorization is ParseAuthorization without splitting the signed
// headers into Credentials.SignedHeaders (an allocation a verification
// does without: it walks them with signedHeaderNames). Every field it
// sets is a substring of its arguments.
func parseAuthorization(authorization, amzDate, date string) (Credentials, error) {
	var c Credentials
	auth := strings.TrimSpace(authorization)
	if !strings.HasPrefix(auth, "AWS4-") {
		return c, errMissingToken()
	}
	alg, rest, _ := strings.Cut(auth, " ")
	var cred, sig, signed string
	var hasCred, hasSig, hasSigned bool
	for rest != "" {
		// strings.SplitSeq and strings.Cut, by hand: with them this loop
		// was a fifth of a verification.
		entry := rest
		if i := strings.IndexByte(rest, ','); i >= 0 {
			entry, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		entry = strings.TrimSpace(entry)
		name, value := entry, ""
		if i := strings.IndexByte(entry, '='); i >= 0 {
			name, value = entry[:i], entry[i+1:]
		}
		name, value = stripSpaces(name), stripSpaces(value)
		switch name {
		case "Credential":
			cred, hasCred = value, value != ""
		case "Signature":
			sig, hasSig = value, value != ""
		case "SignedHeaders":
			signed, hasSigned = value, value != ""
		}
	}
	if !hasCred || !hasSig || !hasSigned || (amzDate == "" && date == "") {
		var msg strings.Builder
		for _, p := range [...]struct {
			name string
			ok   bool
		}{{"Credential", hasCred}, {"Signature", hasSig}, {"SignedHeaders", hasSigned}} {
			if !p.ok {
				msg.WriteString("Authorization header requires '" + p.name + "' parameter. ")
			}
		}
		if amzDate == "" && date == "" {
			msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
		}
		return c, errIncomplete(msg.String() + "Authorization=" + authorization)
	}
	if err := c.setTime(amzDate, date); err != nil {
		return c, err
	}
	if alg != algorithm {
		return c, errIncomplete(strings.Replace(msgAlgorithm, "%s", alg, 1))
	}
	if err := c.setCredential(cred); err != nil {
		return c, err
	}
	c.setSignedHeaders(signed)
	c.Signature = sig
	return c, nil
}

// stripSpaces removes every ' ' from s, allocating only when there is one.
func stripSpaces(s string) string {
	if strings.IndexByte(s, ' ') < 0 {
		return s
	}
	return strings.ReplaceAll(s, " ", "")
}

// setTime reads the request time: X-Amz-Date when present (which must be
// ISO 8601 basic format), otherwise the Date header (an HTTP date).
func (c *Credentials) setTime(amzDate, date string) error {
	if amzDate != "" {
		t, ok := parseAmzDate(amzDate)
		var err error
		if !ok {
			t, err = time.Parse(amzDateFormat, amzDate)
		}
		if err != nil {
			return errIncomplete(strings.Replace(msgBadDate, "%s", amzDate, 1))
		}
		c.Time, c.Timestamp = t, amzDate
		return nil
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return errIncomplete(strings.Replace(msgBadDate, "%s", date, 1))
	}
	c.Time, c.Timestamp = t.UTC(), t.UTC().Format(amzDateFormat)
	return nil
}

// setCredential splits keyid/date/region/service/terminator. Trailing
// slashes are forgiven, as DynamoDB forgives them.
func (c *Credentials) setCredential(cred string) error {
	cred = strings.TrimRight(cred, "/")
	if strings.Count(cred, "/") != 4 {
		return errIncomplete(strings.Replace(msgCredentialLen, "%s", cred, 1))
	}
	c.AccessKeyID, cred, _ = strings.Cut(cred, "/")
	c.ScopeDate, cred, _ = strings.Cut(cred, "/")
	c.Region, cred, _ = strings.Cut(cred, "/")
	c.Service, c.Terminator, _ = strings.Cut(cred, "/")
	return nil
}

func (c *Credentials) setSignedHeaders(signed string) {
	c.signedHeaders = signed
	c.signedLower = signed
	for i := 0; i < len(signed); i++ {
		if 'A' <= signed[i] && signed[i] <= 'Z' || signed[i] >= 0x80 {
			c.signedLower = strings.ToLower(signed)
			break
		}
	}
}

// signedHeaderNames yields the signed header names, lower-cased, in the
// client's order: the elements of SignedHeaders, without the slice.
func (c *Credentials) signedHeaderNames() iter.Seq[string] {
	return strings.SplitSeq(c.signedLower, ";")
}

// parseAmzDate reads the exact form every SDK sends, YYYYMMDDTHHMMSSZ,
// without time.Parse's generality; ok is false for anything else (which
// time.Parse then judges), including dates that do not exist.
func parseAmzDate(s string) (t time.Time, ok bool) {
	if len(s) != len(amzDateFormat) || s[8] != 'T' || s[15] != 'Z' {
		return t, false
	}
	num := func(from, to int) int {
		n := 0
		for i := from; i < to; i++ {
			d := s[i] - '0'
			if d > 9 {
				return -1
			}
			n = n*10 + int(d)
		}
		return n
	}
	year, month, day := num(0, 4), num(4, 6), num(6, 8)
	hour, minute, sec := num(9, 11), num(11, 13), num(13, 15)
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return t, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // the 30th of February, and the like
		return time.Time{}, false
	}
	return t, true
}

// scope returns date/region/service/terminator, the credential scope of
// the string to sign.
func (c *Credentials) scope() string {
	return c.ScopeDate + "/" + c.Region + "/" + c.Service + "/" + c.Terminator
}

// queryParam is one decoded query parameter.
type queryParam struct{ key, value string }

// parseQuery decodes a raw query string into its parameters, in order.
// A parameter that does not decode is kept as written (it then cannot
// match what the client signed, which is the right outcome).
func parseQuery(raw string) []queryParam {
	if raw == "" {
		return nil
	}
	params := make([]queryParam, 0, strings.Count(raw, "&")+1)
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		params = append(params, queryParam{k, v})
	}
	return params
}

// first returns the first value of a query parameter.
func first(params []queryParam, key string) (string, bool) {
	for _, p := range params {
		if p.key == key {
			return p.value, true
		}
	}
	return "", false
}

// parsePresigned reads the credentials of a presigned request from its
// query parameters (the first of repeated ones counts). alg is the
// X-Amz-Algorithm value.
func parsePresigned(params []queryParam, alg string) (Credentials, error) {
	var c Credentials
	c.Presigned = true
	if alg != algorithm {
		return c, errMissingToken()
	}
	cred, hasCred := first(params, "X-Amz-Credential")
	sig, hasSig := first(params, "X-Amz-Signature")
	signed, hasSigned := first(params, "X-Amz-SignedHeaders")
	date, hasDate := first(params, "X-Amz-Date")
	if !hasCred || !hasSig || !hasSigned || !hasDate {
		var msg strings.Builder
		for _, p := range [...]struct {
			name string
			ok   bool
		}{{"X-Amz-Credential", hasCred}, {"X-Amz-Signature", hasSig}, {"X-Amz-SignedHeaders", hasSigned}, {"X-Amz-Date", hasDate}} {
			if !p.ok {
				msg.WriteString("AWS query-string parameters must include '" + p.name + "'. ")
			}
		}
		return c, errIncomplete(msg.String() + "Re-examine the query-string parameters.")
	}
	if err := c.setTime(date, ""); err != nil {
		return c, err
	}
	if exp, ok := first(params, "X-Amz-Expires"); ok {
		n, err := strconv.ParseInt(exp, 10, 64)
		switch {
		case err != nil:
			return c, errIncomplete("X-Amz-Expires should be a number")
		case n < 0:
			return c, errIncomplete("X-Amz-Expires must be non-negative")
		case n > maxExpires:
			return c, errIncomplete("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
		}
		c.Expires = time.Duration(n) * time.Second
	}
	if err := c.setCredential(cred); err != nil {
		return c, err
	}
	c.setSignedHeaders(signed)
	c.Signature = sig
	c.SessionToken, _ = first(params, "X-Amz-Security-Token")
	return c, nil
}
