package expr

// The exported syntax tree: what a caller that does not have expression
// text (the PartiQL planner) builds, and tree_lower.go turns into the same
// compiled objects the parser produces. Paths name attributes directly and
// literals hold their values, so a tree needs no ExpressionAttributeNames
// or ExpressionAttributeValues. The types are plain values: build them
// with the constructors below or as composite literals.

import (
	"github.com/dynago/dynago/internal/attr"
)

// Trees is a request's expressions as syntax trees. Set Request.Trees to
// compile them with the request (Compile, Cache.Compile); each tree takes
// the place of the expression parameter it is named after, which must then
// be nil. A nil Cond, or a nil slice, means the request has no such
// expression.
type Trees struct {
	Condition    Cond     // ConditionExpression
	Filter       Cond     // FilterExpression
	KeyCondition Cond     // KeyConditionExpression
	Projection   []Path   // ProjectionExpression
	Update       []Action // UpdateExpression

	// FilterOnKey lets a Query's Filter tree name the key attributes,
	// which a FilterExpression may not ("Filter Expression can only
	// contain non-primary key attributes"): DynamoDB runs PartiQL's
	// pk = 'a' AND sk <> '1' as a Query filtering on the sort key.
	FilterOnKey bool

	// CacheKey, when set, lets Cache.Compile keep these trees' plan as it
	// keeps an expression text's: requests with the same CacheKey,
	// operation and key schema share one plan and bind their own
	// Request.Values to it. The caller promises that one CacheKey always
	// comes with the same trees; values that change between requests must
	// then be Placeholders, not Literals. Empty: compiled afresh each time.
	CacheKey string
}

// PathElem is one step of a Path: a map key (or, first, a top-level
// attribute name) or a list index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// MapKey is the path step .name.
func MapKey(name string) PathElem { return PathElem{Name: name} }

// ListIndex is the path step [i].
func ListIndex(i int) PathElem { return PathElem{Index: i, IsIndex: true} }

// Path is a document path: Attr("a").Key("b").At(2) is a.b[2]. The first
// step must be a name. Names are taken as they are: any string, reserved
// words and dots included, as an ExpressionAttributeNames entry would give
// them. A Path is an Operand: the value at that path.
type Path []PathElem

// Attr is the path of a top-level attribute.
func Attr(name string) Path { return Path{{Name: name}} }

// Key returns p followed by the map key name. p itself is not changed.
func (p Path) Key(name string) Path { return append(p[:len(p):len(p)], MapKey(name)) }

// At returns p followed by the list index i. p itself is not changed.
func (p Path) At(i int) Path { return append(p[:len(p):len(p)], ListIndex(i)) }

// Operand is a value-producing node: a Path, a Literal, a Placeholder, a
// Call, or (in update values only) an Arith.
type Operand interface{ operandNode() }

// Literal is a value, where text would use a :placeholder. The value must
// be a valid one (attr.Validate), as the values of a request are; the tree
// keeps it rather than copying it, so it must not change afterwards.
type Literal struct{ Value attr.Value }

// Val is the literal v.
func Val(v attr.Value) Literal { return Literal{Value: v} }

// Placeholder is a value taken from Request.Values by name, as text's
// :name is: Placeholder(":v") in a tree is :v in text, with the same
// checks when the value is bound. A tree whose varying values are
// Placeholders can be planned once and cached (Trees.CacheKey).
type Placeholder string

// Call is a function used as an operand: size in a condition;
// if_not_exists and list_append in an update value. Any name may be
// given: an unknown or misplaced one gets DynamoDB's error, as in text.
type Call struct {
	Func string
	Args []Operand
}

// Size is size(o).
func Size(o Operand) Call { return Call{Func: "size", Args: []Operand{o}} }

// IfNotExists is if_not_exists(p, v).
func IfNotExists(p Path, v Operand) Call { return Call{Func: "if_not_exists", Args: []Operand{p, v}} }

// ListAppend is list_append(a, b).
func ListAppend(a, b Operand) Call { return Call{Func: "list_append", Args: []Operand{a, b}} }

// ArithOp is an update value's arithmetic operator.
type ArithOp uint8

// The arithmetic of SET values.
const (
	OpPlus ArithOp = iota + 1
	OpMinus
)

// Arith is Left + Right or Left - Right, in an update's SET value only.
// Unlike the text grammar, a tree may nest arithmetic (a + b - c) and use
// it inside function arguments; the evaluator computes it inside out.
type Arith struct {
	Op          ArithOp
	Left, Right Operand
}

// Plus is l + r.
func Plus(l, r Operand) Arith { return Arith{Op: OpPlus, Left: l, Right: r} }

// Minus is l - r.
func Minus(l, r Operand) Arith { return Arith{Op: OpMinus, Left: l, Right: r} }

func (Path) operandNode()        {}
func (Literal) operandNode()     {}
func (Placeholder) operandNode() {}
func (Call) operandNode()        {}
func (Arith) operandNode()       {}

// Cond is a boolean node: a condition, filter or key condition.
type Cond interface{ condNode() }

// CompareOp is a comparator.
type CompareOp uint8

// The comparators.
const (
	EQ CompareOp = iota + 1 // =
	NE                      // <>
	LT                      // <
	LE                      // <=
	GT                      // >
	GE                      // >=
)

// Comparison is Left op Right. Either side may be any operand, values on
// both sides included.
type Comparison struct {
	Op          CompareOp
	Left, Right Operand
}

// Compare is l op r.
func Compare(op CompareOp, l, r Operand) Comparison {
	return Comparison{Op: op, Left: l, Right: r}
}

// Between is X BETWEEN Low AND High.
type Between struct{ X, Low, High Operand }

// In is X IN (List...). The list may not be empty.
type In struct {
	X    Operand
	List []Operand
}

// And is Left AND Right.
type And struct{ Left, Right Cond }

// Or is Left OR Right.
type Or struct{ Left, Right Cond }

// Not is NOT X.
type Not struct{ X Cond }

// FuncCond is a function used as a condition: attribute_exists,
// attribute_not_exists, attribute_type, begins_with, contains. As with
// Call, any name may be given and gets DynamoDB's error when wrong.
type FuncCond struct {
	Func string
	Args []Operand
}

func (Comparison) condNode() {}
func (Between) condNode()    {}
func (In) condNode()         {}
func (And) condNode()        {}
func (Or) condNode()         {}
func (Not) condNode()        {}
func (FuncCond) condNode()   {}

// AllOf joins conds with AND, left to right as text does; nil for none.
func AllOf(conds ...Cond) Cond { return chain(conds, func(l, r Cond) Cond { return And{l, r} }) }

// AnyOf joins conds with OR, left to right as text does; nil for none.
func AnyOf(conds ...Cond) Cond { return chain(conds, func(l, r Cond) Cond { return Or{l, r} }) }

func chain(conds []Cond, join func(l, r Cond) Cond) Cond {
	if len(conds) == 0 {
		return nil
	}
	c := conds[0]
	for _, d := range conds[1:] {
		c = join(c, d)
	}
	return c
}

// AttributeExists is attribute_exists(o).
func AttributeExists(o Operand) FuncCond { return fn1("attribute_exists", o) }

// AttributeNotExists is attribute_not_exists(o).
func AttributeNotExists(o Operand) FuncCond { return fn1("attribute_not_exists", o) }

// AttributeType is attribute_type(o, t), with t as DynamoDB names it ("S",
// "BOOL", ...).
func AttributeType(o Operand, t attr.Type) FuncCond {
	return FuncCond{Func: "attribute_type", Args: []Operand{o, Val(attr.String(t.String()))}}
}

// BeginsWith is begins_with(o, prefix).
func BeginsWith(o, prefix Operand) FuncCond {
	return FuncCond{Func: "begins_with", Args: []Operand{o, prefix}}
}

// Contains is contains(o, v).
func Contains(o, v Operand) FuncCond { return FuncCond{Func: "contains", Args: []Operand{o, v}} }

func fn1(name string, o Operand) FuncCond { return FuncCond{Func: name, Args: []Operand{o}} }

// PartiQL's IS tests, as DynamoDB translates them (see the package doc).

// IsMissing is PartiQL's o IS MISSING: attribute_not_exists(o).
func IsMissing(o Operand) Cond { return AttributeNotExists(o) }

// IsNotMissing is PartiQL's o IS NOT MISSING: NOT attribute_not_exists(o).
func IsNotMissing(o Operand) Cond { return Not{AttributeNotExists(o)} }

// IsNull is PartiQL's o IS NULL: o = NULL, false when o is missing.
func IsNull(o Operand) Cond { return Compare(EQ, o, Val(attr.Value{Type: attr.TypeNULL})) }

// IsNotNull is PartiQL's o IS NOT NULL: NOT (o = NULL), true when o is
// missing.
func IsNotNull(o Operand) Cond { return Not{IsNull(o)} }

// IsType is PartiQL's o IS <type> (BOOLEAN, NUMERIC, STRING, BLOB, STRUCT,
// TUPLE, LIST): attribute_type(o, t).
func IsType(o Operand, t attr.Type) Cond { return AttributeType(o, t) }

// ActionKind is the clause of an update action.
type ActionKind uint8

// The update clauses.
const (
	SetAction    ActionKind = iota + 1 // SET path = value
	RemoveAction                       // REMOVE path
	AddAction                          // ADD path value: add a number, or set members
	DeleteAction                       // DELETE path value: remove set members
)

// Action is one update action. Value is the SET value (any update
// operand), the Literal of an ADD or DELETE, and nil for REMOVE. Actions
// apply in their order; unlike text, a tree need not group them by clause.
type Action struct {
	Kind  ActionKind
	Path  Path
	Value Operand
}

// Set is SET p = v.
func Set(p Path, v Operand) Action { return Action{Kind: SetAction, Path: p, Value: v} }

// Remove is REMOVE p.
func Remove(p Path) Action { return Action{Kind: RemoveAction, Path: p} }

// Add is ADD p v, PartiQL's SET p = set_add(p, v).
func Add(p Path, v attr.Value) Action { return Action{Kind: AddAction, Path: p, Value: Val(v)} }

// Delete is DELETE p v, PartiQL's SET p = set_delete(p, v).
func Delete(p Path, v attr.Value) Action {
	return Action{Kind: DeleteAction, Path: p, Value: Val(v)}
}
