package partiql

import (
	"fmt"
)

// selectRest parses a SELECT after its keyword.
func (p *parser) selectRest(sel *token) *Select {
	s := &Select{Pos: sel.pos}
	if t := p.peek(); t.is("distinct") {
		p.advance()
		p.refuse(t.pos, fmt.Sprintf(msgClause, "DISTINCT"))
	} else if t.is("all") {
		p.advance() // SELECT ALL is SELECT
	}
	if t := p.peek(); t.is("value") {
		p.advance()
		p.refuse(t.pos, msgSelectValue)
		p.expr(-1)
	} else {
		p.selectList(s)
	}
	p.selectAfterProjection(s)
	return s
}

// selectList parses the projection: '*' alone, or expressions.
func (p *parser) selectList(s *Select) {
	var star *token
	n := 0
	for {
		n++
		if t := p.peek(); t.kind == tokStar {
			p.advance()
			if star == nil {
				star = t
			}
			s.Star = true
		} else {
			e := p.expr(-1)
			if path, ok := e.(*Path); ok {
				p.checkSelectPath(path)
			}
			if pos, ok := p.optionalAlias(tokAs, true); ok {
				p.refuse(pos, msgAlias)
			}
			s.Items = append(s.Items, e)
		}
		if p.peek().kind != tokComma {
			break
		}
		p.advance()
	}
	if star != nil && n > 1 {
		p.fail(star, "Other expressions may not be present in the select list when '*' is used without dot notation.")
	}
}

// checkSelectPath refuses the wildcards the reference parser refuses in a
// select list: [*] anywhere, .* other than last, and [] before a final .*.
func (p *parser) checkSelectPath(path *Path) {
	last := len(path.Steps) - 1
	for i, st := range path.Steps {
		if st.Kind == StepWildcard || (st.Kind == StepUnpivot && i != last) {
			panic(syntaxError(st.Pos, "Invalid use of * in select list"))
		}
	}
	if path.Steps[last].Kind == StepUnpivot {
		for _, st := range path.Steps {
			if st.Kind == StepIndex {
				panic(syntaxError(st.Pos, "Cannot use [] and * together in SELECT list expression"))
			}
		}
	}
}

// selectAfterProjection parses FROM and the clauses after it.
func (p *parser) selectAfterProjection(s *Select) {
	if t := p.peek(); !t.is("from") {
		p.fail(t, "Expected FROM after SELECT list")
	}
	p.advance()
	s.From = p.fromSources(precSelect, false)
	if p.peek().is("where") {
		p.advance()
		s.Where = p.expr(precSelect)
	}
	if t := p.peek(); t.is("group") {
		p.advance()
		p.refuse(t.pos, fmt.Sprintf(msgClause, "GROUP BY"))
		if p.peek().is("partial") {
			p.advance()
		}
		p.expect(tokBy)
		for {
			p.expr(precSelect)
			p.optionalAlias(tokAs, true)
			if p.peek().kind != tokComma {
				break
			}
			p.advance()
		}
	}
	if t := p.peek(); t.is("having") {
		p.advance()
		p.refuse(t.pos, fmt.Sprintf(msgClause, "HAVING"))
		p.expr(precSelect)
	}
	if p.peek().is("order") {
		p.advance()
		p.expect(tokBy)
		for {
			item := OrderItem{Expr: p.expr(precSelect)}
			if t := p.peek(); t.is("asc") {
				p.advance()
			} else if t.is("desc") {
				p.advance()
				item.Desc = true
			}
			s.OrderBy = append(s.OrderBy, item)
			if p.peek().kind != tokComma {
				break
			}
			p.advance()
		}
	}
	for _, clause := range [...]string{"limit", "offset"} {
		if t := p.peek(); t.is(clause) {
			p.advance()
			p.refuse(t.pos, fmt.Sprintf(msgClause, map[string]string{"limit": "LIMIT", "offset": "OFFSET"}[clause]))
			p.expr(precSelect)
		}
	}
}

// fromSources parses a FROM list (a source, then any joined sources, which
// DynamoDB refuses) and returns the table it names. dml selects the
// refusals of the FROM-first UPDATE form.
func (p *parser) fromSources(prec int, dml bool) Table {
	source := p.fromSource(prec)
	for {
		t := p.peek()
		if t.kind != tokComma && !(t.kind == tokKeyword && joinKeywords[t.text]) {
			break
		}
		if dml {
			p.refuse(t.pos, msgDMLFrom)
		} else {
			p.refuse(t.pos, msgSelectMultiple)
		}
		p.advance()
		p.fromSource(prec)
		if t.kind == tokKeyword && t.text != "cross_join" && t.text != "left_cross_join" &&
			t.text != "right_cross_join" && t.text != "outer_cross_join" {
			on := p.peek()
			if !on.is("on") {
				p.fail(on, "Expected 'ON'")
			}
			p.advance()
			p.expr(prec)
		}
	}
	return p.tableOf(source, dml)
}

// fromSource parses one FROM source and its aliases.
func (p *parser) fromSource(prec int) Expr {
	var e Expr
	t := p.peek()
	switch {
	case t.is("unpivot"):
		p.advance()
		p.refuse(t.pos, msgFromSource)
		e = p.expr(prec)
	case t.kind == tokLParen && !isLiteralToken(p.peekAt(1)) && !p.peekAt(1).is("select"):
		// A parenthesised source, not a subquery or a literal.
		p.advance()
		e = p.fromSource(prec)
		p.expect(tokRParen)
	default:
		e = p.expr(prec)
	}
	p.sourceAliases()
	return e
}

func isLiteralToken(t *token) bool {
	switch t.kind {
	case tokString, tokNumber, tokBool, tokIon:
		return true
	}
	return false
}

// tableOf turns a FROM source into the table (and index) it names, or
// refuses it with DynamoDB's message.
func (p *parser) tableOf(e Expr, dml bool) Table {
	switch e := e.(type) {
	case *Ident:
		p.checkTableName(e)
		return Table{Name: *e}
	case *Path:
		root, ok := e.Root.(*Ident)
		switch {
		case !ok:
			p.refuse(e.Position(), msgFromSource)
		case dml:
			p.refuse(e.Position(), msgDMLFrom)
		case len(e.Steps) > 1:
			p.refuse(e.Position(), msgFromPathLength)
		case e.Steps[0].Kind != StepField:
			p.refuse(e.Steps[0].Pos, msgFromDotComponent)
		default:
			p.checkTableName(root)
			st := e.Steps[0]
			return Table{Name: *root, Index: &Ident{Pos: st.Pos, Name: st.Name, Quoted: st.Quoted}}
		}
	case *List, *Bag:
		p.refuse(e.Position(), msgFromList)
	default:
		p.refuse(e.Position(), msgFromSource)
	}
	return Table{Name: Ident{Pos: e.Position()}}
}

// checkTableName refuses a table name DynamoDB could never have created,
// with the message its translator gives.
func (p *parser) checkTableName(id *Ident) {
	n := id.Name
	ok := len(n) >= 3 && len(n) <= 255
	for i := 0; ok && i < len(n); i++ {
		c := n[i]
		ok = isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') || c == '-' || c == '_' || c == '.'
	}
	if !ok {
		p.refuse(id.Pos, msgTableName)
	}
}

// dmlTarget parses the table of UPDATE, DELETE FROM: a simple path, which
// DynamoDB wants to be a single name, and aliases, which it refuses.
func (p *parser) dmlTarget() Ident {
	target := p.simpleTable()
	p.sourceAliases()
	return target
}

// simpleTable parses a table name written as PartiQL's simple path.
func (p *parser) simpleTable() Ident {
	e := p.pathTerm(true)
	if path, ok := e.(*Path); ok {
		p.refuse(path.Position(), msgDMLFrom)
		return *path.Root.(*Ident)
	}
	id := e.(*Ident)
	p.checkTableName(id)
	return *id
}

// update parses UPDATE after its keyword.
func (p *parser) update(kw *token) *Update {
	u := &Update{Pos: kw.pos, Table: p.dmlTarget()}
	u.Actions = p.dmlActions(msgUpdateAction)
	if p.peek().is("where") {
		p.advance()
		u.Where = p.expr(-1)
	}
	u.Returning = p.returning()
	return u
}

// fromFirst parses the FROM-first UPDATE after its FROM:
// FROM table [WHERE cond] SET|REMOVE ... [RETURNING ...].
func (p *parser) fromFirst(kw *token) *Update {
	u := &Update{Pos: kw.pos, FromFirst: true}
	u.Table = p.fromSources(-1, true).Name
	if p.peek().is("where") {
		p.advance()
		u.Where = p.expr(-1)
	}
	u.Actions = p.dmlActions(msgFromWhereInsert)
	u.Returning = p.returning()
	return u
}

// dmlActions parses one or more SET, REMOVE and INSERT INTO clauses; an
// INSERT INTO among them is refused with insertMsg.
func (p *parser) dmlActions(insertMsg string) []Action {
	var acts []Action
	any := false
	for {
		t := p.peek()
		switch {
		case t.is("set"):
			p.advance()
			for {
				path := p.pathTerm(true)
				if eq := p.peek(); !eq.is("=") {
					p.fail(eq, "Expected '='")
				}
				p.advance()
				acts = append(acts, Action{Kind: ActionSet, Path: path, Value: p.expr(-1)})
				if p.peek().kind != tokComma {
					break
				}
				p.advance()
			}
		case t.is("remove"):
			p.advance()
			acts = append(acts, Action{Kind: ActionRemove, Path: p.pathTerm(true)})
		case t.is("insert_into"):
			p.advance()
			p.refuse(t.pos, insertMsg)
			p.insertRest(t)
		default:
			if !any {
				p.fail(t, "Expected data manipulation")
			}
			return acts
		}
		any = true
	}
}

// delete parses DELETE after its keyword.
func (p *parser) delete(kw *token) *Delete {
	if t := p.peek(); !t.is("from") {
		p.fail(t, "Expected FROM after DELETE")
	}
	p.advance()
	d := &Delete{Pos: kw.pos, Table: p.dmlTarget()}
	if p.peek().is("where") {
		p.advance()
		d.Where = p.expr(-1)
	}
	d.Returning = p.returning()
	if r := d.Returning; r != nil && r.Mode != ReturnAllOld {
		p.refuse(r.Pos, fmt.Sprintf(msgDeleteReturning, r.Mode.String()+" *"))
	}
	return d
}

// parsedInsert is an INSERT and whether it had a RETURNING clause, which
// DynamoDB refuses on INSERT.
type parsedInsert struct {
	*Insert
	returning    bool
	returningPos Pos
}

// insertRest parses INSERT INTO after its keywords:
// table VALUE item [AT pos] [ON CONFLICT WHERE cond DO NOTHING] [RETURNING ...].
func (p *parser) insertRest(kw *token) parsedInsert {
	in := parsedInsert{Insert: &Insert{Pos: kw.pos, Table: p.simpleTable()}}
	t := p.peek()
	if !t.is("value") {
		// INSERT INTO t <<...>> or INSERT INTO t SELECT ...: several items.
		p.refuse(t.pos, msgInsertMany)
		in.Value = p.expr(-1)
		return in
	}
	p.advance()
	in.Value = p.expr(-1)
	if at := p.peek(); at.kind == tokAt {
		p.advance()
		p.refuse(at.pos, msgInsertAt)
		p.expr(-1)
	}
	if on := p.peek(); on.is("on_conflict") {
		p.advance()
		if w := p.peek(); !w.is("where") {
			p.fail(w, "invalid ON CONFLICT syntax")
		}
		p.advance()
		in.OnConflict = p.expr(-1)
		if d := p.peek(); !d.is("do_nothing") {
			p.fail(d, "invalid ON CONFLICT syntax")
		}
		p.advance()
	}
	if r := p.peek(); r.is("returning") {
		in.returning, in.returningPos = true, r.pos
		p.returning()
	}
	return in
}

var returnModes = map[string]ReturnMode{"all_old": ReturnAllOld, "modified_old": ReturnModifiedOld,
	"all_new": ReturnAllNew, "modified_new": ReturnModifiedNew}

// returning parses an optional RETURNING clause. DynamoDB takes exactly
// one element, and only with '*'.
func (p *parser) returning() *Returning {
	kw := p.peek()
	if !kw.is("returning") {
		return nil
	}
	p.advance()
	var r *Returning
	for n := 0; ; n++ {
		t := p.peek()
		mode, ok := returnModes[t.text]
		if !ok || t.kind != tokKeyword {
			p.fail(t, "Expected ( MODIFIED | ALL ) ( NEW | OLD ) in each returning element.")
		}
		p.advance()
		if n == 0 {
			r = &Returning{Pos: kw.pos, Mode: mode}
		} else {
			p.refuse(t.pos, msgReturningMany)
		}
		if c := p.peek(); c.kind == tokStar {
			p.advance()
		} else {
			switch e := p.expr(-1).(type) {
			case *Path:
				if len(e.Steps) > 1 {
					p.fail(c, "More than two paths in RETURNING columns.")
				}
			case *Ident, *Literal:
			default:
				p.fail(c, "Unsupported syntax in RETURNING columns.")
			}
			p.refuse(c.pos, msgReturningStar)
		}
		if p.peek().kind != tokComma {
			return r
		}
		p.advance()
	}
}
