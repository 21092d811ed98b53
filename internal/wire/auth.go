package wire

// Authentication headers. Any credentials are accepted (as DynamoDB Local
// accepts them), but a request must carry a well-formed SigV4 Authorization
// header, and one that does not gets DynamoDB's own error for it. Signatures
// are not verified yet.

import (
	"strings"
	"time"

	"github.com/dynago/dynago/internal/apierr"
)

// sigV4Algorithm is the only signing algorithm DynamoDB accepts.
const sigV4Algorithm = "AWS4-HMAC-SHA256"

// amzDateFormat is ISO-8601 basic format, the form of X-Amz-Date.
const amzDateFormat = "20060102T150405Z"

// checkAuth returns DynamoDB's error for a request whose Authorization
// header is missing or malformed, or nil.
func checkAuth(ex exchange) error {
	auth := strings.TrimSpace(ex.header("Authorization"))
	if !strings.HasPrefix(auth, "AWS4-") {
		return apierr.New(apierr.MissingAuthenticationTokenException, "Request is missing Authentication Token")
	}
	algorithm, rest, _ := strings.Cut(auth, " ")
	params := map[string]string{}
	for _, kv := range strings.Split(strings.ReplaceAll(rest, " ", ""), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		params[k] = v
	}
	date := ex.header("X-Amz-Date")
	if date == "" {
		date = ex.header("Date")
	}
	var msg strings.Builder
	for _, p := range [...]string{"Credential", "Signature", "SignedHeaders"} {
		if params[p] == "" {
			msg.WriteString("Authorization header requires '" + p + "' parameter. ")
		}
	}
	if date == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		return apierr.New(apierr.IncompleteSignatureException, msg.String()+"Authorization="+ex.header("Authorization"))
	}
	if d := ex.header("X-Amz-Date"); d != "" {
		if _, err := time.Parse(amzDateFormat, d); err != nil {
			return apierr.New(apierr.IncompleteSignatureException,
				"Date must be in ISO-8601 'basic format'. Got '"+d+"'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
	}
	if algorithm != sigV4Algorithm {
		return apierr.New(apierr.IncompleteSignatureException,
			"Unsupported AWS 'algorithm': '"+algorithm+"' (only "+sigV4Algorithm+" for now). ")
	}
	if cred := strings.TrimRight(params["Credential"], "/"); strings.Count(cred, "/") != 4 {
		return apierr.New(apierr.IncompleteSignatureException,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+cred+"'")
	}
	return nil
}
