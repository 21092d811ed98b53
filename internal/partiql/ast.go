package partiql

// Node is any node of the syntax tree.
type Node interface {
	// Position is where the node's principal token starts (see Pos).
	Position() Pos
}

// Kind is the kind of a statement.
type Kind uint8

// The statement kinds DynamoDB runs.
const (
	KindSelect Kind = iota + 1 // SELECT: GetItem, Query or Scan
	KindInsert                 // INSERT INTO ... VALUE: a PutItem that must not overwrite
	KindUpdate                 // UPDATE ... SET/REMOVE, and FROM ... WHERE ... SET: an UpdateItem
	KindDelete                 // DELETE FROM: a DeleteItem
	KindExists                 // EXISTS(SELECT ...): a transaction's ConditionCheck
)

var kindNames = [...]string{KindSelect: "SELECT", KindInsert: "INSERT", KindUpdate: "UPDATE",
	KindDelete: "DELETE", KindExists: "EXISTS"}

// String returns the statement keyword ("SELECT", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "INVALID"
}

// IsRead reports whether statements of kind k read rather than write:
// ExecuteTransaction and BatchExecuteStatement refuse a mix of both, with
// EXISTS counting on the write side as a condition check.
func (k Kind) IsRead() bool { return k == KindSelect }

// Statement is a whole PartiQL statement: *Select, *Insert, *Update,
// *Delete or *Exists.
type Statement interface {
	Node
	Kind() Kind
	statementNode()
}

// Table names the table a statement works on, and for a SELECT the index
// it reads: FROM "Table"."Index". Both names are taken as written; DynamoDB
// table and index names are case-sensitive whether quoted or not (a name
// with '-' or '.' or one spelled like a keyword must be quoted to parse).
type Table struct {
	Name  Ident
	Index *Ident // nil when no index is named
}

// Select is SELECT projection FROM table[.index] [WHERE cond] [ORDER BY ...].
type Select struct {
	Pos     Pos  // the SELECT keyword
	Star    bool // SELECT *
	Items   []Expr
	From    Table
	Where   Expr // nil without a WHERE clause
	OrderBy []OrderItem
}

// OrderItem is one ORDER BY key. DynamoDB accepts only key attributes
// (plain identifiers) here; the planner checks.
type OrderItem struct {
	Expr Expr
	Desc bool
}

// Insert is INSERT INTO table VALUE item. DynamoDB wants item to be a tuple
// literal ({...}) or a parameter; the planner checks, since the message
// depends on what it is.
type Insert struct {
	Pos   Pos // the INSERT keyword
	Table Ident
	Value Expr
	// OnConflict is ON CONFLICT WHERE cond DO NOTHING, which the reference
	// parser reads and DynamoDB's translator knows ("Only DO NOTHING action
	// is supported"); what DynamoDB does with it is an open question
	// (docs/partiql.md).
	OnConflict Expr
}

// Update is UPDATE table action... [WHERE cond] [RETURNING ...], or the
// FROM-first form FROM table [WHERE cond] action... [RETURNING ...], which
// DynamoDB runs the same way.
type Update struct {
	Pos       Pos // the UPDATE keyword, or FROM for the FROM-first form
	FromFirst bool
	Table     Ident
	Actions   []Action // at least one, in statement order
	Where     Expr     // nil without a WHERE clause (DynamoDB then refuses: no key)
	Returning *Returning
}

// ActionKind says what an update action does.
type ActionKind uint8

// The update actions DynamoDB supports.
const (
	ActionSet    ActionKind = iota + 1 // SET path = value
	ActionRemove                       // REMOVE path
)

// Action is one assignment of a SET clause (SET a = 1, b = 2 is two) or one
// REMOVE clause.
type Action struct {
	Kind ActionKind
	// Path is the attribute: an *Ident or a *Path whose root is an *Ident
	// and whose steps are fields or indexes holding a literal or an
	// identifier (PartiQL's "simple path").
	Path  Expr
	Value Expr // SET only
}

// Delete is DELETE FROM table [WHERE cond] [RETURNING ALL OLD *].
type Delete struct {
	Pos       Pos // the DELETE keyword
	Table     Ident
	Where     Expr
	Returning *Returning
}

// Exists is EXISTS(SELECT ...), the statement ExecuteTransaction runs as a
// ConditionCheck: the SELECT names one item by its full key and adds the
// condition to check.
type Exists struct {
	Pos    Pos // the EXISTS keyword
	Select *Select
}

// ReturnMode is what RETURNING asks for.
type ReturnMode uint8

// The RETURNING modes. DynamoDB accepts them only with '*'.
const (
	ReturnAllOld ReturnMode = iota + 1
	ReturnModifiedOld
	ReturnAllNew
	ReturnModifiedNew
)

var returnModeNames = [...]string{ReturnAllOld: "ALL OLD", ReturnModifiedOld: "MODIFIED OLD",
	ReturnAllNew: "ALL NEW", ReturnModifiedNew: "MODIFIED NEW"}

var returnValues = [...]string{ReturnAllOld: "ALL_OLD", ReturnModifiedOld: "UPDATED_OLD",
	ReturnAllNew: "ALL_NEW", ReturnModifiedNew: "UPDATED_NEW"}

// String returns the mode as written: "ALL OLD", "MODIFIED NEW", ...
func (m ReturnMode) String() string { return returnModeNames[m] }

// ReturnValues returns the UpdateItem/DeleteItem ReturnValues the mode
// means: MODIFIED is UPDATED.
func (m ReturnMode) ReturnValues() string { return returnValues[m] }

// Returning is RETURNING mode *.
type Returning struct {
	Pos  Pos // the RETURNING keyword
	Mode ReturnMode
}

func (s *Select) Position() Pos { return s.Pos }
func (s *Insert) Position() Pos { return s.Pos }
func (s *Update) Position() Pos { return s.Pos }
func (s *Delete) Position() Pos { return s.Pos }
func (s *Exists) Position() Pos { return s.Pos }

func (*Select) Kind() Kind { return KindSelect }
func (*Insert) Kind() Kind { return KindInsert }
func (*Update) Kind() Kind { return KindUpdate }
func (*Delete) Kind() Kind { return KindDelete }
func (*Exists) Kind() Kind { return KindExists }

func (*Select) statementNode() {}
func (*Insert) statementNode() {}
func (*Update) statementNode() {}
func (*Delete) statementNode() {}
func (*Exists) statementNode() {}
