package partiql

// tokKind is the lexical class of a token. The classes follow the PartiQL
// reference parser that DynamoDB runs (partiql-lang-kotlin's SqlLexer), not
// a textbook SQL lexer, because DynamoDB's error messages depend on them: a
// keyword where a term should start is "Unexpected keyword", an operator
// word such as IS or LIKE there is "Unexpected operator", and AS, AT, BY and
// FOR, which that lexer gives token types of their own, are "Unexpected
// term".
type tokKind uint8

const (
	tokEOF         tokKind = iota
	tokIdent               // a bare identifier that is not a keyword
	tokQuotedIdent         // "..." (text unescaped, without the quotes)
	tokKeyword             // text is the keyword in lower case, after merging and aliasing
	tokOperator            // text is the operator: "=", "<>", "and", "not_in", ...
	tokString              // '...' (text unescaped, without the quotes)
	tokNumber              // text as written
	tokIon                 // `...` (text without the backticks)
	tokBool                // TRUE or FALSE; text is "true" or "false"
	tokNull                // NULL
	tokMissing             // MISSING
	tokParam               // ?
	tokAs                  // AS
	tokAt                  // AT
	tokBy                  // BY
	tokFor                 // FOR
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
	tokLCurly
	tokRCurly
	tokLBag // <<
	tokRBag // >>
	tokComma
	tokColon
	tokSemicolon
	tokStar
	tokDot
)

// tokenTypeNames are the names the reference parser prints in "Expected X"
// messages (its TokenType enum).
var tokenTypeNames = [...]string{
	tokEOF:         "EOF",
	tokIdent:       "IDENTIFIER",
	tokQuotedIdent: "QUOTED_IDENTIFIER",
	tokKeyword:     "KEYWORD",
	tokOperator:    "OPERATOR",
	tokString:      "LITERAL",
	tokNumber:      "LITERAL",
	tokIon:         "ION_LITERAL",
	tokBool:        "LITERAL",
	tokNull:        "NULL",
	tokMissing:     "MISSING",
	tokParam:       "QUESTION_MARK",
	tokAs:          "AS",
	tokAt:          "AT",
	tokBy:          "BY",
	tokFor:         "FOR",
	tokLParen:      "LEFT_PAREN",
	tokRParen:      "RIGHT_PAREN",
	tokLBracket:    "LEFT_BRACKET",
	tokRBracket:    "RIGHT_BRACKET",
	tokLCurly:      "LEFT_CURLY",
	tokRCurly:      "RIGHT_CURLY",
	tokLBag:        "LEFT_DOUBLE_ANGLE_BRACKET",
	tokRBag:        "RIGHT_DOUBLE_ANGLE_BRACKET",
	tokComma:       "COMMA",
	tokColon:       "COLON",
	tokSemicolon:   "SEMICOLON",
	tokStar:        "STAR",
	tokDot:         "DOT",
}

func (k tokKind) String() string { return tokenTypeNames[k] }

// token is one lexeme. pos is where it starts; for a merged keyword such as
// "insert_into" it is where the first word starts.
type token struct {
	kind tokKind
	text string
	pos  Pos
	end  int // byte offset just past the token
}

// is reports whether t is the keyword or operator word kw (lower case,
// merged form such as "not_in").
func (t *token) is(kw string) bool {
	return (t.kind == tokKeyword || t.kind == tokOperator) && t.text == kw
}

// keywords are PartiQL's reserved words (SQL-92's and PartiQL's own). A
// bare identifier spelled like one of them is a keyword, in any case, so
// DynamoDB refuses `WHERE value = 1` or `SET size = 1` and the attribute
// must be written "value". The list is the reference parser's.
var keywords = makeSet(
	// SQL-92
	"absolute", "action", "add", "all", "allocate", "alter", "and", "any", "are", "as", "asc",
	"assertion", "at", "authorization", "avg", "begin", "between", "bit", "bit_length", "by",
	"cascade", "cascaded", "case", "cast", "catalog", "char", "character", "character_length",
	"char_length", "check", "close", "coalesce", "collate", "collation", "column", "commit",
	"connect", "connection", "constraint", "constraints", "continue", "convert", "corresponding",
	"count", "create", "cross", "current", "current_date", "current_time", "current_timestamp",
	"current_user", "cursor", "date", "deallocate", "dec", "decimal", "declare", "default",
	"deferrable", "deferred", "delete", "desc", "describe", "descriptor", "diagnostics",
	"disconnect", "distinct", "domain", "double", "drop", "else", "end", "end-exec", "escape",
	"except", "exception", "exec", "execute", "exists", "external", "extract", "date_add",
	"date_diff", "false", "fetch", "first", "float", "for", "foreign", "found", "from", "full",
	"get", "global", "go", "goto", "grant", "group", "having", "identity", "immediate", "in",
	"indicator", "initially", "inner", "input", "insensitive", "insert", "int", "integer",
	"intersect", "interval", "into", "is", "isolation", "join", "key", "language", "last", "left",
	"level", "like", "local", "lower", "match", "max", "min", "module", "names", "national",
	"natural", "nchar", "next", "no", "not", "null", "nullif", "numeric", "octet_length", "of",
	"on", "only", "open", "option", "or", "order", "outer", "output", "overlaps", "pad", "partial",
	"position", "precision", "prepare", "preserve", "primary", "prior", "privileges", "procedure",
	"public", "read", "real", "references", "relative", "restrict", "revoke", "right", "rollback",
	"rows", "schema", "scroll", "section", "select", "session", "session_user", "set", "size",
	"smallint", "some", "space", "sql", "sqlcode", "sqlerror", "sqlstate", "substring", "sum",
	"system_user", "table", "temporary", "then", "time", "timestamp", "to", "transaction",
	"translate", "translation", "trim", "true", "union", "unique", "unknown", "update", "upper",
	"usage", "user", "using", "value", "values", "varchar", "varying", "view", "when", "whenever",
	"where", "with", "work", "write", "zone",
	// PartiQL
	"can_cast", "can_lossless_cast", "missing", "pivot", "unpivot", "limit", "offset", "tuple",
	"remove", "index", "let", "integer2", "int2", "integer4", "int4", "integer8", "int8", "bigint",
	"conflict", "do", "nothing", "returning", "modified", "new", "old", "bool", "boolean",
	"string", "symbol", "clob", "blob", "struct", "list", "sexp", "bag",
)

// operatorWords are the words the reference lexer classes as operators
// rather than keywords.
var operatorWords = makeSet("and", "or", "not", "is", "in", "like", "between",
	"union", "except", "intersect")

// keywordAliases are the type-name keywords the reference lexer renames.
var keywordAliases = map[string]string{
	"varchar":  "character_varying",
	"char":     "character",
	"dec":      "decimal",
	"int":      "integer",
	"int2":     "smallint",
	"integer2": "smallint",
	"int4":     "integer4",
	"int8":     "integer8",
	"bigint":   "integer8",
	"bool":     "boolean",
}

// multiLexeme merges runs of words into one token, as the reference lexer
// does before parsing ("NOT IN" is one operator, "ALL OLD" one keyword).
// Longer runs are tried first.
var multiLexeme = []struct {
	words []string
	text  string
	kind  tokKind
}{
	{[]string{"left", "outer", "cross", "join"}, "left_cross_join", tokKeyword},
	{[]string{"right", "outer", "cross", "join"}, "right_cross_join", tokKeyword},
	{[]string{"full", "outer", "cross", "join"}, "outer_cross_join", tokKeyword},
	{[]string{"outer_union", "all"}, "outer_union_all", tokOperator},
	{[]string{"outer_intersect", "all"}, "outer_intersect_all", tokOperator},
	{[]string{"outer_except", "all"}, "outer_except_all", tokOperator},
	{[]string{"outer_union", "distinct"}, "outer_union_distinct", tokOperator},
	{[]string{"outer_intersect", "distinct"}, "outer_intersect_distinct", tokOperator},
	{[]string{"outer_except", "distinct"}, "outer_except_distinct", tokOperator},
	{[]string{"inner", "cross", "join"}, "cross_join", tokKeyword},
	{[]string{"left", "outer", "join"}, "left_join", tokKeyword},
	{[]string{"left", "cross", "join"}, "left_cross_join", tokKeyword},
	{[]string{"right", "outer", "join"}, "right_join", tokKeyword},
	{[]string{"right", "cross", "join"}, "right_cross_join", tokKeyword},
	{[]string{"full", "outer", "join"}, "outer_join", tokKeyword},
	{[]string{"full", "cross", "join"}, "outer_cross_join", tokKeyword},
	{[]string{"outer", "cross", "join"}, "outer_cross_join", tokKeyword},
	{[]string{"not", "in"}, "not_in", tokOperator},
	{[]string{"is", "not"}, "is_not", tokOperator},
	{[]string{"not", "between"}, "not_between", tokOperator},
	{[]string{"not", "like"}, "not_like", tokOperator},
	{[]string{"union", "all"}, "union_all", tokOperator},
	{[]string{"intersect", "all"}, "intersect_all", tokOperator},
	{[]string{"except", "all"}, "except_all", tokOperator},
	{[]string{"union", "distinct"}, "union_distinct", tokOperator},
	{[]string{"intersect", "distinct"}, "intersect_distinct", tokOperator},
	{[]string{"except", "distinct"}, "except_distinct", tokOperator},
	{[]string{"outer", "union"}, "outer_union", tokOperator},
	{[]string{"outer", "intersect"}, "outer_intersect", tokOperator},
	{[]string{"outer", "except"}, "outer_except", tokOperator},
	{[]string{"character", "varying"}, "character_varying", tokKeyword},
	{[]string{"double", "precision"}, "double_precision", tokKeyword},
	{[]string{"cross", "join"}, "cross_join", tokKeyword},
	{[]string{"inner", "join"}, "inner_join", tokKeyword},
	{[]string{"left", "join"}, "left_join", tokKeyword},
	{[]string{"right", "join"}, "right_join", tokKeyword},
	{[]string{"full", "join"}, "outer_join", tokKeyword},
	{[]string{"outer", "join"}, "outer_join", tokKeyword},
	{[]string{"insert", "into"}, "insert_into", tokKeyword},
	{[]string{"on", "conflict"}, "on_conflict", tokKeyword},
	{[]string{"do", "nothing"}, "do_nothing", tokKeyword},
	{[]string{"modified", "old"}, "modified_old", tokKeyword},
	{[]string{"modified", "new"}, "modified_new", tokKeyword},
	{[]string{"all", "old"}, "all_old", tokKeyword},
	{[]string{"all", "new"}, "all_new", tokKeyword},
}

// functionKeywords are the keywords that still name a function when a
// parenthesis follows: `size(a)` and `EXISTS(SELECT ...)` parse as calls.
var functionKeywords = makeSet("exists", "count", "avg", "max", "min", "sum", "substring",
	"char_length", "character_length", "octet_length", "bit_length", "upper", "lower", "size",
	"sexp", "list", "bag")

// joinKeywords are the merged keywords that join FROM sources.
var joinKeywords = makeSet("join", "cross_join", "inner_join", "left_join", "left_cross_join",
	"right_join", "right_cross_join", "outer_join", "outer_cross_join")

// maxWordLen is the longest keyword ("current_timestamp" and
// "can_lossless_cast"); a longer word is an identifier.
const maxWordLen = 17

// wordInfo is how the lexer reads a word: its token kind and canonical
// text.
type wordInfo struct {
	kind tokKind
	text string
}

// words maps every word that is not an identifier, in lower case, to its
// token. It is built once from the tables above and never changed.
var words = func() map[string]wordInfo {
	m := make(map[string]wordInfo, len(keywords)+8)
	for w := range keywords {
		if a, ok := keywordAliases[w]; ok {
			m[w] = wordInfo{tokKeyword, a}
		} else {
			m[w] = wordInfo{tokKeyword, w}
		}
	}
	for w, k := range map[string]tokKind{"as": tokAs, "at": tokAt, "by": tokBy, "for": tokFor,
		"null": tokNull, "missing": tokMissing, "true": tokBool, "false": tokBool} {
		m[w] = wordInfo{k, w}
	}
	for w := range operatorWords {
		m[w] = wordInfo{tokOperator, w}
	}
	return m
}()

// mergesEndingIn indexes multiLexeme by its last word. Built once, never
// changed.
var mergesEndingIn = func() map[string][]int {
	m := map[string][]int{}
	for i, e := range multiLexeme {
		last := e.words[len(e.words)-1]
		m[last] = append(m[last], i)
	}
	return m
}()

func makeSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
