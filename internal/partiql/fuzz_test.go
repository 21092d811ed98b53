package partiql

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks, for any input, that Parse does not panic, that its
// error is an *Error of the right shape, and that a statement it accepts
// prints to text that parses back to the same tree and prints the same
// again. The seed corpus (testdata/fuzz/FuzzParse) holds every testdata
// statement.
func FuzzParse(f *testing.F) {
	f.Add(`SELECT * FROM "Music" WHERE Artist = ? AND begins_with(SongTitle, 'P')`)
	f.Fuzz(func(t *testing.T, src string) {
		s, err := Parse(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("%q: error %T %v is not an *Error", src, err, err)
			}
			if pe.Syntax != strings.HasPrefix(pe.Message, NotWellFormed) {
				t.Fatalf("%q: Syntax %v but message %q", src, pe.Syntax, pe.Message)
			}
			if pe.Pos.Offset < 0 || pe.Pos.Offset > len(src) {
				t.Fatalf("%q: error position %+v outside the statement", src, pe.Pos)
			}
			return
		}
		for i, p := range Params(s) {
			if p.Index != i {
				t.Fatalf("%q: parameter %d numbered %d", src, i, p.Index)
			}
		}
		text := Format(s)
		s2, err := Parse(text)
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", src, text, err)
		}
		if a, b := Dump(s), Dump(s2); a != b {
			t.Fatalf("%q printed as %q:\n was %s\n now %s", src, text, a, b)
		}
		if text2 := Format(s2); text2 != text {
			t.Fatalf("%q: printing not stable: %q then %q", src, text, text2)
		}
	})
}

// FuzzLex checks the lexer's bookkeeping: tokens in order, inside the
// input, ending in one EOF, and each position's line and column agreeing
// with its byte offset.
func FuzzLex(f *testing.F) {
	f.Add("SELECT * FROM \"a\"\"b\" WHERE x <> 'it''s' -- c\r\n/* d */ AND y IN <<1, .5e-3>>")
	f.Fuzz(func(t *testing.T, src string) {
		toks, err := lex(src)
		if err != nil {
			if err.Pos.Offset < 0 || err.Pos.Offset > len(src) || !err.Syntax || err.Detail != "" {
				t.Fatalf("%q: bad lexer error %+v", src, err)
			}
			return
		}
		if len(toks) == 0 || toks[len(toks)-1].kind != tokEOF {
			t.Fatalf("%q: no final EOF", src)
		}
		prevEnd := 0
		for i, tk := range toks {
			if tk.kind == tokEOF && i != len(toks)-1 {
				t.Fatalf("%q: EOF at %d of %d", src, i, len(toks))
			}
			if tk.pos.Offset < prevEnd || tk.end < tk.pos.Offset || tk.end > len(src) {
				t.Fatalf("%q: token %d (%v %q) spans %d..%d after %d", src, i, tk.kind, tk.text, tk.pos.Offset, tk.end, prevEnd)
			}
			line, col := lineCol(src[:tk.pos.Offset])
			if line != tk.pos.Line || col != tk.pos.Col {
				t.Fatalf("%q: token %d at offset %d says %d:%d, want %d:%d", src, i, tk.pos.Offset, tk.pos.Line, tk.pos.Col, line, col)
			}
			if tk.kind != tokEOF && tk.pos.Len != utf8.RuneCountInString(src[tk.pos.Offset:tk.end]) {
				t.Fatalf("%q: token %d length %d", src, i, tk.pos.Len)
			}
			prevEnd = tk.end
		}
	})
}

// lineCol is the line and column just after prefix, counted the simple
// way: CR LF, CR and LF each end a line; columns count characters.
func lineCol(prefix string) (line, col int) {
	line, col = 1, 1
	for i := 0; i < len(prefix); {
		r, n := utf8.DecodeRuneInString(prefix[i:])
		switch r {
		case '\r':
			if i+1 < len(prefix) && prefix[i+1] == '\n' {
				n = 2
			}
			line, col = line+1, 1
		case '\n':
			line, col = line+1, 1
		default:
			col++
		}
		i += n
	}
	return line, col
}
