package dataio

// ionScanner follows Ion text's lexical state across lines, only far
// enough to tell when the lines read so far end at the top level (outside
// any container, string, blob or comment): only then is the Ion reader's
// parse worth trying. A wrong guess costs at most a wasted parse (the
// parser is the judge); the scanner must only never say "inside" when
// the text is at the top level, or one record would swallow the next.
type ionScanner struct {
	depth     int  // open containers: {, [, (
	blob      bool // inside {{ ... }}
	longStr   bool // inside ''' ... '''
	blockCmnt bool // inside /* ... */
	// broken is set by a short string or symbol left open at the end of
	// a line: it cannot go on, so the record ends there (and is bad).
	broken bool
}

// topLevel reports whether the text scanned so far ends at the top level.
func (s *ionScanner) topLevel() bool {
	return s.broken || s.depth <= 0 && !s.blob && !s.longStr && !s.blockCmnt
}

// scan advances over one line (without its newline).
func (s *ionScanner) scan(line []byte) {
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case s.longStr:
			switch {
			case c == '\\':
				i++
			case c == '\'' && i+2 < len(line) && line[i+1] == '\'' && line[i+2] == '\'':
				s.longStr = false
				i += 2
			}
		case s.blockCmnt:
			if c == '*' && i+1 < len(line) && line[i+1] == '/' {
				s.blockCmnt = false
				i++
			}
		case c == '"':
			i = s.skipShortQuoted(line, i+1, '"')
		case c == '\'':
			if i+2 < len(line) && line[i+1] == '\'' && line[i+2] == '\'' {
				s.longStr = true
				i += 2
			} else {
				i = s.skipShortQuoted(line, i+1, '\'')
			}
		case s.blob:
			if c == '}' && i+1 < len(line) && line[i+1] == '}' {
				s.blob = false
				i++
			}
		case c == '/' && i+1 < len(line) && line[i+1] == '/':
			return
		case c == '/' && i+1 < len(line) && line[i+1] == '*':
			s.blockCmnt = true
			i++
		case c == '{' && i+1 < len(line) && line[i+1] == '{':
			s.blob = true
			i++
		case c == '{' || c == '[' || c == '(':
			s.depth++
		case c == '}' || c == ']' || c == ')':
			s.depth--
		}
	}
}

// skipShortQuoted returns the index of the closing quote q at or after i,
// or the last index of the line when the string does not close on it (a
// short string cannot span lines; the parser reports it).
func (s *ionScanner) skipShortQuoted(line []byte, i int, q byte) int {
	for ; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case q:
			return i
		}
	}
	s.broken = true
	return len(line)
}

// reset forgets the state, for the next record.
func (s *ionScanner) reset() { *s = ionScanner{} }
