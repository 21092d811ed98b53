package auth

// Resource-based policies: the documents PutResourcePolicy and
// CreateTable's ResourcePolicy attach to a table or a stream. Besides
// IAM's grammar (with a Principal in every statement), DynamoDB checks
// what a policy may be attached to, its size, the actions it names, and
// that it does not make the resource public. Storage, RevisionId,
// ExpectedRevisionId and PolicyNotFoundException belong to the engine.

import (
	"strconv"
	"strings"

	"github.com/dynago/dynago/internal/apierr"
)

// MaxResourcePolicySize is the largest resource-based policy DynamoDB
// accepts: 20 KB, whitespace counted.
const MaxResourcePolicySize = 20 * 1024

// invalidPolicyPrefix starts DynamoDB's ValidationException for a policy
// it refuses ("... Invalid policy document: The following action names
// are invalid: "dynamodb:ListStreams"").
const invalidPolicyPrefix = "One or more parameter values were invalid: Invalid policy document: "

// streamActions are the actions that apply to a stream rather than to a
// table; a table's policy may not name them, and a stream's policy may
// name only these (ListStreams is account-level: neither may).
var streamActions = map[string]bool{
	"dynamodb:describestream":   true,
	"dynamodb:getrecords":       true,
	"dynamodb:getsharditerator": true,
}

// checkPolicyShape refuses, in DynamoDB's words, a resource-based policy
// that is not JSON or not an object, and one whose statement list is
// empty (ack-api-quirks DDB-TABLE-442, -449); the rest of the grammar's
// messages are IAM's.
func checkPolicyShape(doc string) error {
	n, err := parseJSONTree([]byte(doc))
	switch {
	case err != nil || (n.kind != kindObject && n.kind != kindNull):
		return apierr.Validation(invalidPolicyPrefix + "This policy contains invalid Json")
	case n.kind == kindNull:
		return apierr.Validation(invalidPolicyPrefix + "This text appears not to be a policy")
	}
	for _, f := range n.fields {
		if f.key == "Statement" && f.value.kind == kindArray && len(f.value.items) == 0 {
			return apierr.Validation(invalidPolicyPrefix + "Could not parse the policy: Statement is empty!")
		}
	}
	return nil
}

// ParseResourcePolicy checks a resource-based policy for the resource
// arn (a table's or a stream's ARN) as PutResourcePolicy does, and
// compiles it. Errors are DynamoDB's ValidationException, with the
// messages the ack-api-quirks lab recorded for the size limit, public
// access and the document's shape; the rest of the grammar's messages are
// IAM's.
func ParseResourcePolicy(doc, arn string) (*Policy, error) {
	if len(doc) > MaxResourcePolicySize {
		return nil, apierr.Validation("One or more parameter values were invalid: Maximum policy size of " +
			strconv.Itoa(MaxResourcePolicySize) + " bytes exceeded")
	}
	stream := isStreamARN(arn)
	if _, ok := ParseARN(arn); !ok || (!stream && !isTableARN(arn)) {
		return nil, apierr.Validationf("Invalid ResourceArn provided as input %s", arn)
	}
	if err := checkPolicyShape(doc); err != nil {
		return nil, err
	}
	p, perr := parsePolicyText(doc, resourcePolicy)
	if perr != nil {
		return nil, apierr.Validation(invalidPolicyPrefix + perr.Reason)
	}
	var bad []string
	for i := range p.statements {
		st := &p.statements[i]
		for _, a := range st.actions {
			if !resourceActionValid(a.raw, stream) {
				bad = append(bad, `"`+a.raw+`"`)
			}
		}
		if !st.notResource {
			for _, r := range st.resources {
				if !resourceInScope(r.raw, arn, stream) {
					return nil, apierr.Validation(invalidPolicyPrefix + "The Resource " + r.raw +
						" is not the resource the policy is attached to (" + arn + ")" + indexHint(stream))
				}
			}
		}
		if !st.deny && len(st.conditions) == 0 && st.principal != nil && (st.principal.everyone || st.notPrincipal) {
			// Block public access (ack-api-quirks DDB-TABLE-442).
			return nil, apierr.Validation("Resource-based policy grants unbounded access in one or more elements. " +
				"Please revise the policy to ensure least-privilege form of access")
		}
	}
	if len(bad) > 0 {
		return nil, apierr.Validation(invalidPolicyPrefix + "The following action names are invalid: " + strings.Join(bad, ", "))
	}
	return p, nil
}

func indexHint(stream bool) string {
	if stream {
		return ""
	}
	return " or one of its indexes (" + "<table ARN>/index/<index>)"
}

func isStreamARN(arn string) bool {
	a, ok := ParseARN(arn)
	return ok && a.Service == "dynamodb" && strings.HasPrefix(a.Resource, "table/") && strings.Contains(a.Resource, "/stream/")
}

func isTableARN(arn string) bool {
	a, ok := ParseARN(arn)
	return ok && a.Service == "dynamodb" && strings.HasPrefix(a.Resource, "table/") && !strings.Contains(a.Resource[len("table/"):], "/")
}

// resourceActionValid says whether a policy attached to a table (or a
// stream) may name the action.
func resourceActionValid(action string, stream bool) bool {
	a := strings.ToLower(action)
	if a == "*" || a == "dynamodb:*" {
		return true
	}
	if !strings.HasPrefix(a, "dynamodb:") {
		return false
	}
	if strings.ContainsAny(a, "*?") {
		return true // a wildcard may match actions of either kind
	}
	return streamActions[a] == stream && a != "dynamodb:liststreams"
}

// resourceInScope says whether a Resource entry of a policy attached to
// arn names arn itself or, for a table, one of its indexes.
func resourceInScope(r, arn string, stream bool) bool {
	if r == arn {
		return true
	}
	return !stream && strings.HasPrefix(r, arn+"/index/")
}
