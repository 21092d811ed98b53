package partiql

// Expr is an expression: a WHERE condition, a SET value, an INSERT item, a
// projection. The parser keeps every operator PartiQL parses, including
// ones DynamoDB documents no meaning for (*, /, %, ||, LIKE, unary minus of
// a path), so that the planner, which knows where each is allowed, gives
// the refusal.
type Expr interface {
	Node
	exprNode()
}

// Ident is an identifier: an attribute name in an expression, or a table or
// index name. Quoted records "double quotes". DynamoDB matches both forms
// case-sensitively against attribute names.
type Ident struct {
	Pos    Pos
	Name   string
	Quoted bool
}

// Path is a document path: a root followed by steps, such as a.b[2]."c".
// Root is an *Ident for every path DynamoDB accepts; PartiQL also parses
// steps after other terms ((x).a, f(x).b), which the planner refuses.
type Path struct {
	Root  Expr
	Steps []Step
}

// StepKind is the kind of one path step.
type StepKind uint8

// The path steps PartiQL parses. DynamoDB supports fields and indexes;
// the wildcards it refuses ("Wildcard path component like a[*].b are not
// supported", "Unpivot path component like a.*.b are not supported").
const (
	StepField    StepKind = iota + 1 // .name or ."name"
	StepIndex                        // [expr]
	StepWildcard                     // [*]
	StepUnpivot                      // .*
)

// Step is one step of a path.
type Step struct {
	Pos    Pos // the name, the '[' or the '*'
	Kind   StepKind
	Name   string // StepField
	Quoted bool   // StepField: written "quoted"
	Index  Expr   // StepIndex: usually a number literal; anything PartiQL parses
}

// LitKind is the kind of a literal.
type LitKind uint8

// The literals PartiQL writes. Binary values have no literal in DynamoDB's
// PartiQL ("only supported via code"): they come in parameters.
const (
	LitString  LitKind = iota + 1 // 'text'; Text is unescaped
	LitNumber                     // Text as written, with a leading '-' when negated
	LitBool                       // Text is "true" or "false"
	LitNull                       // NULL
	LitMissing                    // MISSING (DynamoDB: only with IS)
	LitIon                        // `ion`; DynamoDB refuses Ion literals
)

// Literal is a scalar literal. Numbers are kept as text: whether one is a
// valid DynamoDB number (38 digits, magnitude) is the planner's question,
// because DynamoDB's message names where in the value it sits.
type Literal struct {
	Pos  Pos
	Kind LitKind
	Text string
}

// Param is a '?' parameter. Index counts from 0 in the order the '?'s are
// written, which is the order of the request's Parameters.
type Param struct {
	Pos   Pos
	Index int
}

// List is [a, b, ...], or a parenthesised row (a, b) of two or more, or
// the (a, b) of IN (a, b).
type List struct {
	Pos   Pos
	Elems []Expr
}

// Bag is <<a, b, ...>>: a DynamoDB string, number or binary set.
type Bag struct {
	Pos   Pos
	Elems []Expr
}

// Tuple is {k: v, ...}: a DynamoDB map, or an INSERT's item. DynamoDB
// wants every key to be a string literal; PartiQL parses any expression.
type Tuple struct {
	Pos    Pos
	Fields []Field
}

// Field is one k: v of a Tuple.
type Field struct {
	Key   Expr
	Value Expr
}

// UnaryOp is a prefix operator.
type UnaryOp uint8

// The prefix operators. A '-' or '+' before a number literal is folded into
// the literal and never appears here.
const (
	OpNot UnaryOp = iota + 1
	OpNeg
	OpPlus
)

// Unary is a prefix operator applied to X.
type Unary struct {
	Pos Pos
	Op  UnaryOp
	X   Expr
}

// BinaryOp is an infix operator.
type BinaryOp uint8

// The infix operators PartiQL parses. DynamoDB documents +, -, the six
// comparisons, AND and OR; the rest parse but are the planner's to refuse.
const (
	OpOr BinaryOp = iota + 1
	OpAnd
	OpEq
	OpNe // <> or !=
	OpLt
	OpLe
	OpGt
	OpGe
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpMod
	OpConcat // ||
)

var binaryOpText = [...]string{OpOr: "OR", OpAnd: "AND", OpEq: "=", OpNe: "<>", OpLt: "<",
	OpLe: "<=", OpGt: ">", OpGe: ">=", OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/",
	OpMod: "%", OpConcat: "||"}

// String returns the operator as the printer writes it.
func (op BinaryOp) String() string { return binaryOpText[op] }

// Binary is L op R.
type Binary struct {
	Pos Pos // the operator
	Op  BinaryOp
	L   Expr
	R   Expr
}

// Between is X [NOT] BETWEEN Lo AND Hi.
type Between struct {
	Pos Pos // BETWEEN
	Not bool
	X   Expr
	Lo  Expr
	Hi  Expr
}

// In is X [NOT] IN Set. Set is a *List for IN [..] and IN (..); PartiQL
// also parses any other expression there (a parameter, a path).
type In struct {
	Pos Pos // IN
	Not bool
	X   Expr
	Set Expr
}

// Like is X [NOT] LIKE Pattern [ESCAPE Escape]. DynamoDB does not document
// LIKE.
type Like struct {
	Pos     Pos
	Not     bool
	X       Expr
	Pattern Expr
	Escape  Expr // nil without ESCAPE
}

// Is is X IS [NOT] type: IS MISSING, IS NULL, and the type tests DynamoDB
// runs as filters (IS BOOLEAN, IS STRING, ...).
type Is struct {
	Pos  Pos // IS
	Not  bool
	X    Expr
	Type TypeName
}

// TypeName is a PartiQL type name after IS, in the reference parser's
// canonical spelling: aliases resolved (BOOL is "boolean", INT is
// "integer", VARCHAR is "character_varying") and two-word names joined
// ("double_precision").
type TypeName struct {
	Pos  Pos
	Name string
	Args []string // unsigned integer parameters: DECIMAL(5, 2), VARCHAR(10)
}

// Call is a function call. Name is in lower case, as the reference parser
// folds it: begins_with, contains, attribute_exists, attribute_not_exists,
// attribute_type, size, list_append, set_add, set_delete, if_not_exists
// and any other name (MISSING is no function here: IS MISSING is an *Is).
// Which are allowed where is the planner's question; DynamoDB answers an
// unknown one with "Unrecognized function: name at <Pos>".
type Call struct {
	Pos  Pos // the name
	Name string
	Args []Expr
}

func (e *Ident) Position() Pos   { return e.Pos }
func (e *Path) Position() Pos    { return e.Root.Position() }
func (e *Literal) Position() Pos { return e.Pos }
func (e *Param) Position() Pos   { return e.Pos }
func (e *List) Position() Pos    { return e.Pos }
func (e *Bag) Position() Pos     { return e.Pos }
func (e *Tuple) Position() Pos   { return e.Pos }
func (e *Unary) Position() Pos   { return e.Pos }
func (e *Binary) Position() Pos  { return e.Pos }
func (e *Between) Position() Pos { return e.Pos }
func (e *In) Position() Pos      { return e.Pos }
func (e *Like) Position() Pos    { return e.Pos }
func (e *Is) Position() Pos      { return e.Pos }
func (e *Call) Position() Pos    { return e.Pos }

func (*Ident) exprNode()   {}
func (*Path) exprNode()    {}
func (*Literal) exprNode() {}
func (*Param) exprNode()   {}
func (*List) exprNode()    {}
func (*Bag) exprNode()     {}
func (*Tuple) exprNode()   {}
func (*Unary) exprNode()   {}
func (*Binary) exprNode()  {}
func (*Between) exprNode() {}
func (*In) exprNode()      {}
func (*Like) exprNode()    {}
func (*Is) exprNode()      {}
func (*Call) exprNode()    {}

// stmtExpr carries a statement parsed where PartiQL allows one as a term
// (the whole statement is one expression to the reference parser). Only the
// outermost one becomes the result; anywhere else DynamoDB refuses it.
type stmtExpr struct{ s Statement }

func (e *stmtExpr) Position() Pos { return e.s.Position() }
func (*stmtExpr) exprNode()       {}
