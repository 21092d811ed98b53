// Package expr parses and evaluates DynamoDB's expressions: condition,
// filter, key-condition, projection and update expressions, with
// ExpressionAttributeNames and ExpressionAttributeValues. The legacy
// parameters (Expected, KeyConditions, QueryFilter, ScanFilter,
// AttributesToGet, AttributeUpdates) are translated into the same AST, and
// so are syntax trees built by other packages (the PartiQL planner), so
// one evaluator serves all three.
//
// The engine calls Compile once per request with every expression parameter
// of that request, because DynamoDB's rules span them: a name or value
// placeholder unused by all of them is an error, and legacy and expression
// parameters may not be mixed.
//
// # Files
//
//	expr.go, compile.go   Request, Compiled, KeySchema; Compile and the parameter rules
//	plan.go, cache.go     a request's parse (plan), bound to each request's values; Cache
//	lexer.go, parser.go   tokens, the parser's state and its checker
//	condition.go          condition grammar and its semantic checks
//	update.go, path.go    update grammar, document paths
//	keycond*.go           key conditions, single and multi-attribute keys
//	projection.go         projections
//	eval.go, apply.go     Condition.Eval, Update.Apply
//	legacy.go             the legacy parameters
//	tree.go               the exported syntax tree and its constructors
//	tree_lower.go         lowering a tree through the parser's checks; Build*
//
// # Syntax trees
//
// A caller without expression text builds a tree (tree.go) and gives it
// as Request.Trees, alongside or instead of text (never both for one
// parameter), or compiles one part alone with BuildCondition,
// BuildKeyCondition, BuildProjection or BuildUpdate. The result is the
// same Compiled, Condition, KeyCondition, Projection and Update the text
// gives, run by the same Eval and Apply, so the engine has one code path.
// Paths name attributes directly (Attr("a").Key("b").At(2) is a.b[2], with
// no reserved-word rule: a tree's names are what #placeholders resolve
// to), and a Literal holds its value where text has a :placeholder.
//
//	text (DynamoDB)                       tree
//	a.b[2]                                Attr("a").Key("b").At(2)
//	:v                                    Val(v), or Placeholder(":v") bound from Request.Values
//	a = :v   (also <> < <= > >=)          Compare(EQ, Attr("a"), Val(v))
//	a BETWEEN :lo AND :hi                 Between{X, Low, High}
//	a IN (:x, :y)                         In{X, []Operand{...}}
//	c1 AND c2, c1 OR c2, NOT c            And{c1, c2}, Or{c1, c2}, Not{c}; AllOf, AnyOf
//	attribute_exists(p) ... contains(p,v) FuncCond{Func, Args}: AttributeExists, AttributeNotExists,
//	                                      AttributeType, BeginsWith, Contains
//	size(p)                               Call{Func: "size", ...}: Size(p)
//	SET p = v, p = a + b, p = a - b       Set(p, v), Plus(a, b), Minus(a, b)
//	list_append(a, b), if_not_exists(p,v) ListAppend(a, b), IfNotExists(p, v)
//	REMOVE p / ADD p :v / DELETE p :v     Remove(p) / Add(p, v) / Delete(p, v)
//	ProjectionExpression a, b.c           Trees.Projection: []Path{...}
//
// A tree is lowered in the order the parser reads the equivalent text,
// through the same check methods, so it gets the same checks and the same
// DynamoDB message, prefix included ("Invalid ConditionExpression: ..."),
// as that text with its placeholders bound to the same values: operand
// types, distinct operands, BETWEEN bounds, function arity and misuse,
// unknown functions, overlapping paths, path depth and list indexes, the
// 300-operator and 100-IN-operand limits, key-condition shapes, key
// attributes in updates and in a Query's filter. Text-only rules do not
// apply to trees: reserved words, undefined or unused placeholders,
// redundant parentheses, a clause used twice, the 4 KB size limit. The
// differential tests (tree_diff_test.go) print random trees as text and
// require the same compiled objects, errors and evaluation.
//
// A tree can say a little more than text, where the evaluator already
// computes it: arithmetic nests (a + b - c) and may appear inside
// if_not_exists and list_append arguments; actions need not be grouped by
// clause and apply in the order given; a function may be given no
// arguments (refused with DynamoDB's operand-count message). What no text
// can say at all (an empty path, a path starting with an index, a nil
// node, arithmetic in a condition, an ADD of a path, an empty IN list or
// a Literal without a value) is refused at once with "Invalid expression
// tree: ...": the builder's mistake, which PartiQL should have refused
// earlier with its own message. Literal values are trusted to be valid
// (attr.Validate), as a request's values are once decoded.
//
// A tree whose varying values are Placeholders has one shape for every
// request; naming it with Trees.CacheKey lets Cache keep its plan as it
// keeps a text's (the PartiQL planner's Query reads do). Trees.FilterOnKey
// lets a Query's Filter tree name key attributes, which PartiQL's WHERE
// may and a FilterExpression may not.
//
// # PartiQL
//
// DynamoDB translates PartiQL into the same expression trees (DynamoDB
// Local's translator shows how), and the planner should do the same:
//
//	PartiQL                          tree
//	x IS MISSING                     IsMissing(x) = attribute_not_exists(x)
//	x IS NOT MISSING                 IsNotMissing(x) = NOT attribute_not_exists(x)
//	x IS NULL                        IsNull(x) = (x = NULL): false when x is missing
//	x IS NOT NULL                    IsNotNull(x) = NOT (x = NULL): true when x is missing
//	x IS BOOLEAN|NUMERIC|STRING|     IsType(x, attr.TypeBOOL|N|S|B|M|M|L) = attribute_type
//	     BLOB|STRUCT|TUPLE|LIST
//	x != y, x <> y                   Compare(NE, x, y)
//	1 = 1, ? = 'a'                   Compare(EQ, Val(..), Val(..)): values on both sides
//	begins_with, contains, size,     the same FuncCond and Call names
//	  attribute_type, attribute_exists
//	SET p = p + 1 (- , nested)       Set(p, Plus(p, Val(1)))
//	SET p = list_append(p, [..])     Set(p, ListAppend(p, Val(list)))
//	SET p = set_add(p, <<..>>)       Add(p, set): ADD semantics, creates a missing set
//	SET p = set_delete(p, <<..>>)    Delete(p, set): an emptied set is removed
//	REMOVE p                         Remove(p)
//	SELECT a, b.c[1]                 Trees.Projection
//
// The planner checks first, with PartiQL's own messages: set_add's first
// argument must be the assigned path ("The first argument to SET_ADD must
// equal the assignment value"), its second a set value ("The second
// argument to SET_ADD must be a value with type SET"), two arguments
// ("SET_ADD must have exactly two arguments"); IS is not allowed in
// updates; arithmetic is not allowed in a WHERE. It splits a WHERE into
// the key (for UPDATE/DELETE the full key, which is not part of the
// ConditionExpression) and the rest, and gives the rest as
// Trees.Condition, or for a Query the sort-key part as Trees.KeyCondition
// and the rest as Trees.Filter. Errors carry the parameter prefix text
// would: whether DynamoDB's PartiQL errors carry it is not known, so the
// planner decides what to show.
package expr
