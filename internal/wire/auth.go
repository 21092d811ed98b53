package wire

// Authentication headers. Any credentials are accepted (as DynamoDB Local
// accepts them), but a request must carry a well-formed SigV4 Authorization
// header, and one that does not gets DynamoDB's own error for it. Signatures
// are not verified yet.
//
// Every request goes through here, so the header is scanned in place, as a
// string under net/http and as fasthttp's bytes under ServeFast: an
// accepted request allocates nothing. Only an error copies header text.

import (
	"bytes"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dynago/dynago/internal/apierr"
)

// sigV4Algorithm is the only signing algorithm DynamoDB accepts.
const sigV4Algorithm = "AWS4-HMAC-SHA256"

// amzDateFormat is ISO-8601 basic format, the form of X-Amz-Date.
const amzDateFormat = "20060102T150405Z"

// headerText is a header value as an HTTP server holds it.
type headerText interface{ string | []byte }

// checkAuth returns DynamoDB's error for a request whose Authorization
// header is missing or malformed, or nil. header returns a request
// header's first value, or an empty one.
//
// The parameters are read as DynamoDB reads them: every space in the
// list is ignored (even inside a name or value), each comma-separated
// entry is trimmed of other whitespace and split at its first '=', and the
// last of repeated parameters counts.
func checkAuth[T headerText](header func(name string) T) error {
	raw := header("Authorization")
	auth := trimSpace(raw)
	if !hasPrefix(auth, "AWS4-") {
		return apierr.New(apierr.MissingAuthenticationTokenException, "Request is missing Authentication Token")
	}
	algorithm, rest := auth, auth[len(auth):]
	if i := indexByte(auth, ' '); i >= 0 {
		algorithm, rest = auth[:i], auth[i+1:]
	}
	var cred T
	var hasCred, hasSig, hasSigned bool
	for {
		entry, more := rest, false
		if i := indexByte(rest, ','); i >= 0 {
			entry, rest, more = rest[:i], rest[i+1:], true
		}
		name, value := trimSpace(entry), entry[:0]
		if i := indexByte(name, '='); i >= 0 {
			name, value = name[:i], name[i+1:]
		}
		switch {
		case equalIgnoringSpaces(name, "Credential"):
			cred, hasCred = value, hasNonSpace(value)
		case equalIgnoringSpaces(name, "Signature"):
			hasSig = hasNonSpace(value)
		case equalIgnoringSpaces(name, "SignedHeaders"):
			hasSigned = hasNonSpace(value)
		}
		if !more {
			break
		}
	}
	amzDate := header("X-Amz-Date")
	hasDate := len(amzDate) > 0 || len(header("Date")) > 0
	if !hasCred || !hasSig || !hasSigned || !hasDate {
		var msg strings.Builder
		for _, p := range [...]struct {
			name string
			ok   bool
		}{{"Credential", hasCred}, {"Signature", hasSig}, {"SignedHeaders", hasSigned}} {
			if !p.ok {
				msg.WriteString("Authorization header requires '" + p.name + "' parameter. ")
			}
		}
		if !hasDate {
			msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
		}
		return apierr.New(apierr.IncompleteSignatureException, msg.String()+"Authorization="+string(raw))
	}
	if len(amzDate) > 0 && !validAmzDate(amzDate) {
		return apierr.New(apierr.IncompleteSignatureException,
			"Date must be in ISO-8601 'basic format'. Got '"+string(amzDate)+"'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	if string(algorithm) != sigV4Algorithm {
		return apierr.New(apierr.IncompleteSignatureException,
			"Unsupported AWS 'algorithm': '"+string(algorithm)+"' (only "+sigV4Algorithm+" for now). ")
	}
	if slashes, last := credentialSlashes(cred); slashes != 4 {
		c := strings.ReplaceAll(string(cred[:last]), " ", "")
		return apierr.New(apierr.IncompleteSignatureException,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+c+"'")
	}
	return nil
}

// credentialSlashes counts the slashes in cred that come before its last
// character other than a slash or a space (trailing slashes are
// forgiven), and returns the end of that character.
func credentialSlashes[T headerText](cred T) (slashes, end int) {
	seen := 0
	for i := 0; i < len(cred); i++ {
		switch cred[i] {
		case '/':
			seen++
		case ' ':
		default:
			slashes, end = seen, i+1
		}
	}
	return slashes, end
}

// validAmzDate reports whether d parses as amzDateFormat. The usual form
// (sixteen characters, a real date and time) is checked in place; anything
// else is left to time.Parse, which has the last word.
func validAmzDate[T headerText](d T) bool {
	if len(d) == len(amzDateFormat) && d[8] == 'T' && d[15] == 'Z' {
		year, ok1 := digits(d[0:4])
		month, ok2 := digits(d[4:6])
		day, ok3 := digits(d[6:8])
		hour, ok4 := digits(d[9:11])
		minute, ok5 := digits(d[11:13])
		second, ok6 := digits(d[13:15])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 &&
			month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month, year) &&
			hour < 24 && minute < 60 && second < 60 {
			return true
		}
	}
	_, err := time.Parse(amzDateFormat, string(d))
	return err == nil
}

// digits returns the decimal number s spells, if s is all digits.
func digits[T headerText](s T) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// daysIn returns the number of days of month in year.
func daysIn(month, year int) int {
	if month == 2 {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	if month == 4 || month == 6 || month == 9 || month == 11 {
		return 30
	}
	return 31
}

func hasPrefix[T headerText](s T, prefix string) bool {
	return len(s) >= len(prefix) && string(s[:len(prefix)]) == prefix
}

// indexByte is strings.IndexByte or bytes.IndexByte: vectorised, where
// a loop by hand was a third of checking an SDK's 200-byte
// Authorization (BenchmarkGetItemAuthFastHandler/none's profile).
func indexByte[T headerText](s T, c byte) int {
	switch s := any(s).(type) {
	case string:
		return strings.IndexByte(s, c)
	case []byte:
		return bytes.IndexByte(s, c)
	}
	return -1 // unreachable: T is one of the two
}

// equalIgnoringSpaces reports whether s is want once its spaces are
// removed.
func equalIgnoringSpaces[T headerText](s T, want string) bool {
	j := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			continue
		}
		if j == len(want) || s[i] != want[j] {
			return false
		}
		j++
	}
	return j == len(want)
}

// hasNonSpace reports whether s has a character other than a space.
func hasNonSpace[T headerText](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			return true
		}
	}
	return false
}

// trimSpace is strings.TrimSpace for either form of header text. Header
// text is ASCII in practice; an end that is not leaves the trimming to
// strings.TrimSpace, which knows Unicode's spaces.
func trimSpace[T headerText](s T) T {
	start, end := 0, len(s)
	for start < end && asciiSpace(s[start]) {
		start++
	}
	for end > start && asciiSpace(s[end-1]) {
		end--
	}
	if start < end && (s[start] >= utf8.RuneSelf || s[end-1] >= utf8.RuneSelf) {
		str := string(s)
		left := strings.TrimLeftFunc(str, unicode.IsSpace)
		start = len(str) - len(left)
		end = start + len(strings.TrimRightFunc(left, unicode.IsSpace))
	}
	return s[start:end]
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
