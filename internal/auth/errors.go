package auth

import (
	"fmt"
	"strconv"
	"time"

	"github.com/dynago/dynago/internal/apierr"
)

// The messages below are DynamoDB's own, byte for byte, where a real
// service answer was found (issue threads quoting DynamoDB's envelopes,
// and the AWS documentation); the few that were not are marked. DynamoDB
// answers every one of them with HTTP 400 (apierr.Code.Status), and
// its "__type" names Amazon's Coral framework, not DynamoDB.
const (
	msgMissingToken   = "Request is missing Authentication Token"
	msgInvalidToken   = "The security token included in the request is invalid."
	msgExpiredToken   = "The security token included in the request is expired"
	msgSignatureWrong = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgHostNotSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgBadDate       = "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601"
	msgCredentialLen = "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'"
	msgAlgorithm     = "Unsupported AWS 'algorithm': '%s' (only " + algorithm + " for now). "
)

// errMissingToken is the answer to a request with no SigV4 credentials at
// all: no AWS4- Authorization header and no X-Amz-Algorithm parameter.
func errMissingToken() error {
	return apierr.New(apierr.MissingAuthenticationTokenException, msgMissingToken)
}

// errIncomplete is DynamoDB's answer to credentials it cannot parse.
func errIncomplete(msg string) error {
	return apierr.New(apierr.IncompleteSignatureException, msg)
}

// errInvalidToken answers an access key the auth file does not list, and
// a session token that does not belong to the key. DynamoDB says the same
// for both, so a caller cannot tell a wrong key from a wrong token.
func errInvalidToken() error {
	return apierr.New(apierr.UnrecognizedClientException, msgInvalidToken)
}

// errExpiredToken answers temporary credentials past their expiration.
func errExpiredToken() error {
	return apierr.New(apierr.ExpiredTokenException, msgExpiredToken)
}

// errSignature answers a signature that does not match, or credentials
// that are well formed but wrong (scope, skew, unsigned host).
func errSignature(msg string) error {
	return apierr.New(apierr.InvalidSignatureException, msg)
}

// errExpired is the answer to a signature older than the allowed skew:
// "Signature expired: 20140325T143453Z is now earlier than 20140325T143751Z
// (20140325T145251Z - 15 min.)", as DynamoDB words it.
func errExpired(signed, now time.Time, window time.Duration) error {
	return errSignature("Signature expired: " + signed.Format(amzDateFormat) +
		" is now earlier than " + now.Add(-window).Format(amzDateFormat) +
		" (" + now.Format(amzDateFormat) + " - " + windowText(window) + ".)")
}

// errNotYetCurrent is the answer to a signature dated further in the
// future than the allowed skew.
func errNotYetCurrent(signed, now time.Time, window time.Duration) error {
	return errSignature("Signature not yet current: " + signed.Format(amzDateFormat) +
		" is still later than " + now.Add(window).Format(amzDateFormat) +
		" (" + now.Format(amzDateFormat) + " + " + windowText(window) + ".)")
}

// windowText writes a skew window the way the service does: "15 min", or
// "90 sec" when it is not a whole number of minutes.
func windowText(d time.Duration) string {
	s := int64(d / time.Second)
	if s%60 == 0 {
		return strconv.FormatInt(s/60, 10) + " min"
	}
	return strconv.FormatInt(s, 10) + " sec"
}

// FileError is a problem with the auth file: where it is and what is
// wrong. Load and Parse return it, so an operator reloading the file on
// SIGHUP learns exactly which line to fix while the old file stays in
// force.
type FileError struct {
	File   string // the path given to Load, or the name given to Parse
	Line   int    // 1-based; 0 when the error is about the file as a whole
	Column int    // 1-based; 0 when unknown
	Reason string
}

// Error returns "file:line:column: reason", the form editors and
// terminals turn into a link.
func (e *FileError) Error() string {
	switch {
	case e.Line == 0:
		return e.File + ": " + e.Reason
	case e.Column == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Reason)
}

// PolicyError is a policy document that is not valid IAM policy grammar.
// Reason is worded as IAM words its MalformedPolicyDocument errors where
// that wording is known; Line and Column locate the offending element in
// the document (1-based, 0 when the error is about the whole document).
type PolicyError struct {
	Line, Column int
	Reason       string
}

// Error returns the reason, prefixed by its position when known.
func (e *PolicyError) Error() string {
	if e.Line == 0 {
		return e.Reason
	}
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Reason)
}
