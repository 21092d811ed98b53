package partiql

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// lexer turns a statement into tokens the way DynamoDB's PartiQL lexer does.
// Where that lexer gives up (a character it has no rule for, an unterminated
// string or comment, an exponent it cannot convert) DynamoDB's message has
// nothing after the colon, and so has ours.
//
// The rules, from the reference lexer:
//   - whitespace is space, tab, CR, LF, VT and FF; `--` starts a comment
//     that runs to the end of the line, `/* */` a comment that does not
//     nest; `#` is no comment;
//   - identifiers are ASCII letters, digits, '_' and '$', not starting with
//     a digit; "double quotes" make a quoted identifier, with "" for a
//     quote; 'single quotes' make a string, with ” for a quote; anything
//     outside quotes that is not ASCII is an error;
//   - numbers are digits with an optional fraction (`1.`, `1.5`, `.5`) and,
//     after a digit, an optional exponent (`1e5`, `1.5E-3`); `1.e5` is the
//     number 1. followed by the identifier e5;
//   - `<<` and `>>` are bag brackets (DynamoDB's set literals), `!=` is
//     `<>`, `||` is concatenation, `?` a parameter, “ `...` “ an Ion
//     literal (which DynamoDB refuses later).
type lexer struct {
	src  string
	off  int // byte offset of the next character
	line int
	col  int // column of the next character, 1-based, in characters
	toks []token
}

// lex returns the tokens of src, ending in a tokEOF token.
func lex(src string) ([]token, *Error) {
	l := lexer{src: src, line: 1, col: 1}
	// A statement averages well over three bytes a token; one allocation
	// covers most of them.
	l.toks = make([]token, 0, len(src)/3+2)
	if err := l.run(); err != nil {
		return nil, err
	}
	return l.toks, nil
}

func (l *lexer) pos() Pos { return Pos{Offset: l.off, Line: l.line, Col: l.col} }

// advance moves past one character, keeping line and column. CR LF counts
// as one line break, as does a lone CR or LF; a byte that is not valid
// UTF-8 counts as one character, as utf8.RuneCountInString counts it.
func (l *lexer) advance() {
	c := l.src[l.off]
	switch {
	case c == '\n':
		l.off++
		l.line++
		l.col = 1
	case c == '\r':
		l.off++
		if l.off < len(l.src) && l.src[l.off] == '\n' {
			l.off++
		}
		l.line++
		l.col = 1
	case c < utf8.RuneSelf:
		l.off++
		l.col++
	default:
		_, n := utf8.DecodeRuneInString(l.src[l.off:])
		l.off += n
		l.col++
	}
}

// errorAt is a lexer failure: DynamoDB reports it with nothing after the
// colon.
func (l *lexer) errorAt(p Pos) *Error {
	p.Len = 1
	return syntaxError(p, "")
}

func (l *lexer) run() *Error {
	for {
		if err := l.skipSpace(); err != nil {
			return err
		}
		if l.off >= len(l.src) {
			p := l.pos()
			l.toks = append(l.toks, token{kind: tokEOF, pos: p, end: l.off})
			return nil
		}
		if err := l.next(); err != nil {
			return err
		}
	}
}

// skipSpace skips whitespace and comments.
func (l *lexer) skipSpace() *Error {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			l.advance()
		case c == '-' && l.off+1 < len(l.src) && l.src[l.off+1] == '-':
			for l.off < len(l.src) && l.src[l.off] != '\n' && l.src[l.off] != '\r' {
				l.advance()
			}
		case c == '/' && l.off+1 < len(l.src) && l.src[l.off+1] == '*':
			start := l.pos()
			l.advance()
			l.advance()
			for {
				if l.off >= len(l.src) {
					return l.errorAt(start)
				}
				if l.src[l.off] == '*' && l.off+1 < len(l.src) && l.src[l.off+1] == '/' {
					l.advance()
					l.advance()
					break
				}
				l.advance()
			}
		default:
			return nil
		}
	}
	return nil
}

// emit appends a token that started at start and ends at the current
// offset.
func (l *lexer) emit(kind tokKind, text string, start Pos) {
	start.Len = utf8.RuneCountInString(l.src[start.Offset:l.off])
	l.push(token{kind: kind, text: text, pos: start, end: l.off})
}

func (l *lexer) next() *Error {
	start := l.pos()
	c := l.src[l.off]
	single := func(k tokKind) *Error {
		l.advance()
		l.emit(k, l.src[start.Offset:l.off], start)
		return nil
	}
	switch {
	case isIdentStart(c):
		for l.off < len(l.src) && isIdentPart(l.src[l.off]) {
			l.advance()
		}
		l.word(start)
		return nil
	case isDigit(c) || (c == '.' && l.off+1 < len(l.src) && isDigit(l.src[l.off+1])):
		return l.number(start)
	}
	switch c {
	case '\'':
		text, err := l.quoted('\'', start)
		if err != nil {
			return err
		}
		l.emit(tokString, text, start)
		return nil
	case '"':
		text, err := l.quoted('"', start)
		if err != nil {
			return err
		}
		l.emit(tokQuotedIdent, text, start)
		return nil
	case '`':
		l.advance()
		i := strings.IndexByte(l.src[l.off:], '`')
		if i < 0 {
			return l.errorAt(start)
		}
		text := l.src[l.off : l.off+i]
		for l.off < start.Offset+1+i {
			l.advance()
		}
		l.advance()
		l.emit(tokIon, text, start)
		return nil
	case '(':
		return single(tokLParen)
	case ')':
		return single(tokRParen)
	case '[':
		return single(tokLBracket)
	case ']':
		return single(tokRBracket)
	case '{':
		return single(tokLCurly)
	case '}':
		return single(tokRCurly)
	case ',':
		return single(tokComma)
	case ':':
		return single(tokColon)
	case ';':
		return single(tokSemicolon)
	case '*':
		return single(tokStar)
	case '?':
		return single(tokParam)
	case '.':
		return single(tokDot)
	case '+', '-', '/', '%', '=', '@':
		return single(tokOperator)
	case '<':
		l.advance()
		if l.off < len(l.src) {
			switch l.src[l.off] {
			case '<':
				l.advance()
				l.emit(tokLBag, "<<", start)
				return nil
			case '=', '>':
				l.advance()
			}
		}
		l.emit(tokOperator, l.src[start.Offset:l.off], start)
		return nil
	case '>':
		l.advance()
		if l.off < len(l.src) {
			switch l.src[l.off] {
			case '>':
				l.advance()
				l.emit(tokRBag, ">>", start)
				return nil
			case '=':
				l.advance()
			}
		}
		l.emit(tokOperator, l.src[start.Offset:l.off], start)
		return nil
	case '!':
		if l.off+1 < len(l.src) && l.src[l.off+1] == '=' {
			l.advance()
			l.advance()
			l.emit(tokOperator, "<>", start)
			return nil
		}
	case '|':
		if l.off+1 < len(l.src) && l.src[l.off+1] == '|' {
			l.advance()
			l.advance()
			l.emit(tokOperator, "||", start)
			return nil
		}
	}
	return l.errorAt(start)
}

// quoted reads a string or quoted identifier whose opening quote q is at
// the current offset, and returns its text with doubled quotes undone.
func (l *lexer) quoted(q byte, start Pos) (string, *Error) {
	l.advance()
	from := l.off
	var b *strings.Builder
	for {
		if l.off >= len(l.src) {
			return "", l.errorAt(start)
		}
		if l.src[l.off] != q {
			l.advance()
			continue
		}
		if l.off+1 < len(l.src) && l.src[l.off+1] == q {
			// A doubled quote: keep one.
			if b == nil {
				b = new(strings.Builder)
			}
			b.WriteString(l.src[from : l.off+1])
			l.advance()
			l.advance()
			from = l.off
			continue
		}
		text := l.src[from:l.off]
		if b != nil {
			b.WriteString(text)
			text = b.String()
		}
		l.advance()
		return text, nil
	}
}

// maxInt32 bounds the exponent and scale of a number literal: the reference
// lexer converts decimals with Java's BigDecimal, whose scale is an int, so
// DynamoDB refuses 1e2147483648 and 1.5e-2147483647 at the lexer.
const maxInt32 = 1<<31 - 1

// number reads a number literal.
func (l *lexer) number(start Pos) *Error {
	digits := func() int {
		n := 0
		for l.off < len(l.src) && isDigit(l.src[l.off]) {
			l.advance()
			n++
		}
		return n
	}
	digits()
	fraction := 0
	if l.off < len(l.src) && l.src[l.off] == '.' {
		l.advance()
		fraction = digits()
	}
	// An exponent may follow only a digit: "1e5" and "1.5e5", not "1.e5".
	lastIsDigit := l.off > start.Offset && isDigit(l.src[l.off-1])
	if lastIsDigit && l.off < len(l.src) && (l.src[l.off] == 'e' || l.src[l.off] == 'E') {
		expStart := l.pos()
		l.advance()
		if l.off < len(l.src) && (l.src[l.off] == '+' || l.src[l.off] == '-') {
			l.advance()
		}
		if digits() == 0 {
			return l.errorAt(expStart)
		}
		exp, err := strconv.ParseInt(l.src[expStart.Offset+1:l.off], 10, 64)
		if err != nil || exp > maxInt32 || exp < -maxInt32-1 {
			return l.errorAt(start)
		}
		if scale := int64(fraction) - exp; scale > maxInt32 || scale < -maxInt32-1 {
			return l.errorAt(start)
		}
	}
	l.emit(tokNumber, l.src[start.Offset:l.off], start)
	return nil
}

// word classifies an identifier-shaped word as the reference lexer does:
// operator words (AND, IS, ...), the words with token types of their own
// (AS, AT, BY, FOR, NULL, MISSING, TRUE, FALSE), keywords, and otherwise
// an identifier, kept as written.
func (l *lexer) word(start Pos) {
	text := l.src[start.Offset:l.off]
	if len(text) <= maxWordLen {
		var buf [maxWordLen]byte
		for i := 0; i < len(text); i++ {
			c := text[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		// The conversion in a map index does not allocate.
		if w, ok := words[string(buf[:len(text)])]; ok {
			l.emit(w.kind, w.text, start)
			return
		}
	}
	l.emit(tokIdent, text, start)
}

// push appends t, first merging it with the words before it when they
// form one of the multi-word tokens ("not in", "insert into", "all old").
func (l *lexer) push(t token) {
	if t.kind == tokKeyword || t.kind == tokOperator {
	retry:
		for _, i := range mergesEndingIn[t.text] {
			m := &multiLexeme[i]
			n := len(m.words)
			if len(l.toks) < n-1 {
				continue
			}
			prev := l.toks[len(l.toks)-(n-1):]
			for j := range prev {
				if (prev[j].kind != tokKeyword && prev[j].kind != tokOperator) || prev[j].text != m.words[j] {
					continue retry
				}
			}
			first := prev[0].pos
			first.Len = utf8.RuneCountInString(l.src[first.Offset:t.end])
			l.toks = l.toks[:len(l.toks)-(n-1)]
			t = token{kind: m.kind, text: m.text, pos: first, end: t.end}
			// A merged token may itself end a longer run ("outer union"
			// then "all").
			goto retry
		}
	}
	l.toks = append(l.toks, t)
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }

// asciiLower lower-cases an identifier-shaped word (ASCII only), without
// allocating when it is already lower case.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
