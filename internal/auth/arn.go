package auth

import "strings"

// Partition is the ARN partition of every resource and principal Dynago
// names. Accounts and regions are namespaces here, not AWS's partitions,
// so one partition serves every region the server is asked for.
const Partition = "aws"

// TableARN returns the ARN of a table: the resource a policy names for
// item and table operations.
func TableARN(region, account, table string) string {
	return "arn:" + Partition + ":dynamodb:" + region + ":" + account + ":table/" + table
}

// IndexARN returns the ARN of one of a table's indexes, which Query and
// Scan on an index are authorised against.
func IndexARN(tableARN, index string) string { return tableARN + "/index/" + index }

// StreamARN returns the ARN of a table's stream with the given label.
func StreamARN(tableARN, label string) string { return tableARN + "/stream/" + label }

// BackupARN returns the ARN of an on-demand backup of a table.
func BackupARN(tableARN, backupID string) string { return tableARN + "/backup/" + backupID }

// ExportARN returns the ARN of an export of a table to S3.
func ExportARN(tableARN, exportID string) string { return tableARN + "/export/" + exportID }

// ImportARN returns the ARN of an import into a table from S3.
func ImportARN(tableARN, importID string) string { return tableARN + "/import/" + importID }

// GlobalTableARN returns the ARN of a global table, which has no region.
func GlobalTableARN(account, name string) string {
	return "arn:" + Partition + ":dynamodb::" + account + ":global-table/" + name
}

// UserARN returns the ARN of an IAM user, the principal the auth file's
// users are.
func UserARN(account, user string) string {
	return "arn:" + Partition + ":iam::" + account + ":user/" + user
}

// ARN is an Amazon Resource Name split into its six parts.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// ParseARN splits s into its parts. The resource part may itself hold
// colons and slashes. ok is false when s is not an ARN.
func ParseARN(s string) (a ARN, ok bool) {
	parts := splitARN(s)
	if len(parts) != 6 || parts[0] != "arn" {
		return ARN{}, false
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, true
}

// splitARN splits s at its first five colons, except colons inside
// ${...}, so that "table/${aws:username}" stays one part.
func splitARN(s string) []string {
	parts := make([]string, 0, 6)
	start, depth := 0, 0
	for i := 0; i < len(s) && len(parts) < 5; i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}' && depth > 0:
			depth--
		case s[i] == ':' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// arnPattern is a Resource (or ArnLike) pattern: each of the six parts of
// an ARN is matched separately, so a '*' never reaches across a colon
// into the next part, as IAM documents for ARN matching.
type arnPattern struct {
	raw   string
	any   bool // "*": every resource
	parts [6]pattern
}

// compileARNPattern compiles a resource pattern; ok is false when it is
// neither "*" nor six colon-separated parts.
func compileARNPattern(s string, variables bool) (arnPattern, bool) {
	if s == "*" {
		return arnPattern{raw: s, any: true}, true
	}
	parts := splitARN(s)
	if len(parts) != 6 {
		return arnPattern{}, false
	}
	p := arnPattern{raw: s}
	for i, part := range parts {
		p.parts[i] = compilePattern(part, patternOptions{wildcards: true, variables: variables})
	}
	return p, true
}

// match reports whether the ARN arn matches.
func (p *arnPattern) match(arn string, r resolver) bool {
	if p.any {
		return true
	}
	parts := splitPlainARN(arn)
	if parts[5] == "" && strings.Count(arn, ":") < 5 {
		return false
	}
	for i := range p.parts {
		if !p.parts[i].match(parts[i], r, false) {
			return false
		}
	}
	return true
}

// splitPlainARN splits a request's ARN (no variables) without allocating.
func splitPlainARN(s string) (parts [6]string) {
	n, start := 0, 0
	for i := 0; i < len(s) && n < 5; i++ {
		if s[i] == ':' {
			parts[n] = s[start:i]
			n++
			start = i + 1
		}
	}
	parts[n] = s[start:]
	return parts
}
