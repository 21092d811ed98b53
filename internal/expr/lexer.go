package expr

import (
	"fmt"
	"strings"
)

// tokKind classifies a lexical token of any of DynamoDB's expression
// languages; the languages share one lexer and differ only in grammar.
type tokKind uint8

const (
	tokEOF     tokKind = iota
	tokIdent           // attribute name, keyword or function name
	tokName            // #placeholder
	tokValue           // :placeholder
	tokNumber          // digits, only meaningful as a list index
	tokLParen          // (
	tokRParen          // )
	tokLBrack          // [
	tokRBrack          // ]
	tokDot             // .
	tokComma           // ,
	tokEQ              // =
	tokNE              // <>
	tokLT              // <
	tokLE              // <=
	tokGT              // >
	tokGE              // >=
	tokPlus            // +
	tokMinus           // -
	tokIllegal         // any character no expression language accepts
)

// token is one lexeme and where it starts in the expression, which the
// syntax-error message quotes.
type token struct {
	kind tokKind
	text string
	pos  int
}

// lex splits an expression into tokens. It never fails: a character that
// no grammar accepts becomes a tokIllegal that the parser reports as a
// syntax error at that spot, as DynamoDB does.
func lex(src string) []token {
	toks := make([]token, 0, len(src)/3+1)
	i := 0
	for i < len(src) {
		c := src[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isIdentStart(c):
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			toks = append(toks, token{tokIdent, src[start:i], start})
			continue
		case c == '#' || c == ':':
			i++
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			k := tokName
			if c == ':' {
				k = tokValue
			}
			toks = append(toks, token{k, src[start:i], start})
			continue
		case c >= '0' && c <= '9':
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			toks = append(toks, token{tokNumber, src[start:i], start})
			continue
		}
		k := tokIllegal
		n := 1
		switch c {
		case '(':
			k = tokLParen
		case ')':
			k = tokRParen
		case '[':
			k = tokLBrack
		case ']':
			k = tokRBrack
		case '.':
			k = tokDot
		case ',':
			k = tokComma
		case '=':
			k = tokEQ
		case '+':
			k = tokPlus
		case '-':
			k = tokMinus
		case '<':
			k = tokLT
			if i+1 < len(src) && src[i+1] == '=' {
				k, n = tokLE, 2
			} else if i+1 < len(src) && src[i+1] == '>' {
				k, n = tokNE, 2
			}
		case '>':
			k = tokGT
			if i+1 < len(src) && src[i+1] == '=' {
				k, n = tokGE, 2
			}
		default:
			// Quote a whole UTF-8 character, not one byte of it.
			for n < 4 && i+n < len(src) && src[i+n]&0xC0 == 0x80 {
				n++
			}
		}
		i += n
		toks = append(toks, token{k, src[start:i], start})
	}
	return append(toks, token{tokEOF, "", len(src)})
}

// isIdentStart: DynamoDB's names start with a letter; "_x" is a syntax
// error at "_".
func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c == '_' || c >= '0' && c <= '9' }

// scanner walks a token slice for a recursive-descent parser and builds
// DynamoDB's syntax-error message.
type scanner struct {
	src  string
	toks []token
	i    int
	// far is the furthest token a syntax error was reported at, and
	// farErr that error: after backtracking, the error that got further
	// is the one DynamoDB reports.
	far    int
	farErr error
}

func newScanner(src string) *scanner { return &scanner{src: src, toks: lex(src)} }

func (s *scanner) peek() token        { return s.toks[s.i] }
func (s *scanner) peekAt(n int) token { return s.toks[min(s.i+n, len(s.toks)-1)] }

func (s *scanner) next() token {
	t := s.toks[s.i]
	if s.i < len(s.toks)-1 {
		s.i++
	}
	return t
}

// accept consumes the next token when it has kind k.
func (s *scanner) accept(k tokKind) bool {
	if s.peek().kind == k {
		s.next()
		return true
	}
	return false
}

// keyword reports whether the next token is the case-insensitive keyword kw.
func (s *scanner) keyword(kw string) bool {
	t := s.peek()
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

// syntaxError is DynamoDB's message for an unexpected token: it quotes the
// token and the text around it.
func (s *scanner) syntaxError() error {
	t := s.peek()
	tok := t.text
	if t.kind == tokEOF {
		tok = "<EOF>"
	}
	start := 0
	if s.i > 0 {
		start = s.toks[s.i-1].pos
	}
	// DynamoDB quotes from the token before the bad one through the token
	// after it.
	end := t.pos + len(t.text)
	if t.kind != tokEOF && s.toks[s.i+1].kind != tokEOF {
		n := s.toks[s.i+1]
		end = n.pos + len(n.text)
	}
	if s.farErr != nil && s.far > s.i {
		return s.farErr
	}
	s.far = s.i
	s.farErr = &exprError{msg: fmt.Sprintf(`Syntax error; token: "%s", near: "%s"`, tok, s.src[start:end])}
	return s.farErr
}

// expect consumes a token of kind k or fails with a syntax error.
func (s *scanner) expect(k tokKind) (token, error) {
	if s.peek().kind != k {
		return token{}, s.syntaxError()
	}
	return s.next(), nil
}
