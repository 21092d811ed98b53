package auth

// Patterns as IAM writes them: '*' matches any run of characters, '?'
// exactly one, and in a 2012-10-17 policy ${key} stands for the value of
// a condition key (${aws:username}, with an optional default:
// ${aws:username, 'nobody'}; ${*}, ${?} and ${$} are the characters
// themselves). A variable's value is always matched literally: a '*'
// inside a user name or a partition key value is just a '*'.

import (
	"strings"
	"unicode/utf8"
)

// tokKind is a pattern element's kind.
type tokKind uint8

const (
	tokLit  tokKind = iota // text, matched as is
	tokStar                // '*'
	tokOne                 // '?'
	tokVar                 // ${key}
)

// patTok is one element of a compiled pattern.
type patTok struct {
	kind   tokKind
	text   string // tokLit: the text; tokVar: the key, lower-cased
	def    string // tokVar: the default value
	hasDef bool
}

// pattern is a compiled string pattern.
type pattern struct {
	raw  string
	toks []patTok
	vars bool // has a tokVar: must be resolved per request
	glob bool // has a tokStar or tokOne
}

// patternOptions say which pattern features a policy element supports.
type patternOptions struct {
	wildcards bool // '*' and '?' are wildcards
	variables bool // ${...} is a policy variable (Version 2012-10-17)
	fold      bool // compare case-insensitively (actions)
}

// compilePattern compiles s. Text that looks like a variable but is not
// closed ("${aws:username") stays literal, as IAM leaves it.
func compilePattern(s string, o patternOptions) pattern {
	p := pattern{raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t := lit.String()
			if o.fold {
				t = strings.ToLower(t)
			}
			p.toks = append(p.toks, patTok{kind: tokLit, text: t})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case o.variables && c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				lit.WriteByte(c)
				continue
			}
			body := s[i+2 : i+2+end]
			switch strings.TrimSpace(body) {
			case "*", "?", "$":
				lit.WriteString(strings.TrimSpace(body))
			default:
				tok, ok := parseVariable(body)
				if !ok {
					lit.WriteByte(c)
					continue
				}
				flush()
				p.toks = append(p.toks, tok)
				p.vars = true
			}
			i += 2 + end
		case o.wildcards && c == '*':
			flush()
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != tokStar {
				p.toks = append(p.toks, patTok{kind: tokStar})
			}
			p.glob = true
		case o.wildcards && c == '?':
			flush()
			p.toks = append(p.toks, patTok{kind: tokOne})
			p.glob = true
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return p
}

// parseVariable reads the inside of ${...}: a key, optionally followed by
// a comma and a default value in single quotes.
func parseVariable(body string) (patTok, bool) {
	key, def, hasDef := strings.Cut(body, ",")
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " '$") {
		return patTok{}, false
	}
	tok := patTok{kind: tokVar, text: strings.ToLower(key)}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return patTok{}, false
		}
		tok.def, tok.hasDef = def[1:len(def)-1], true
	}
	return tok, true
}

// resolver looks up the single value of a condition key for a policy
// variable; ok is false when the key is absent or has several values.
type resolver func(key string) (value string, ok bool)

// resolve returns the pattern's elements with its variables replaced by
// literal values, or false when one of them has no value (IAM then
// treats the element as not matching).
func (p *pattern) resolve(r resolver, fold bool) ([]patTok, bool) {
	if !p.vars {
		return p.toks, true
	}
	out := make([]patTok, 0, len(p.toks))
	for _, t := range p.toks {
		if t.kind != tokVar {
			out = append(out, t)
			continue
		}
		v, ok := "", false
		if r != nil {
			v, ok = r(t.text)
		}
		if !ok {
			if !t.hasDef {
				return nil, false
			}
			v = t.def
		}
		if fold {
			v = strings.ToLower(v)
		}
		out = append(out, patTok{kind: tokLit, text: v})
	}
	return out, true
}

// literal returns the pattern's text with its variables resolved, for
// comparisons without wildcards (StringEquals).
func (p *pattern) literal(r resolver) (string, bool) {
	if !p.vars {
		if len(p.toks) == 1 && p.toks[0].kind == tokLit {
			return p.toks[0].text, true
		}
		if len(p.toks) == 0 {
			return "", true
		}
	}
	toks, ok := p.resolve(r, false)
	if !ok {
		return "", false
	}
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String(), true
}

// match reports whether s matches the pattern. With fold (a pattern
// compiled folded, lower-cased) s is compared case-insensitively, so the
// caller need not lower-case it: actions ("dynamodb:GetItem") are matched
// that way on every request.
func (p *pattern) match(s string, r resolver, fold bool) bool {
	if !p.glob && !p.vars {
		switch len(p.toks) {
		case 0:
			return s == ""
		case 1:
			if fold {
				return strings.EqualFold(s, p.toks[0].text)
			}
			return s == p.toks[0].text
		}
	}
	toks, ok := p.resolve(r, fold)
	if !ok {
		return false
	}
	return globMatch(toks, s, fold)
}

// hasPrefix is strings.HasPrefix, case-insensitive with fold.
func hasPrefix(s, prefix string, fold bool) bool {
	if !fold {
		return strings.HasPrefix(s, prefix)
	}
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// globMatch matches s against resolved elements (no tokVar). It is the
// usual backtracking to the last '*', which is linear for patterns with
// one star and never worse than quadratic.
func globMatch(toks []patTok, s string, fold bool) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			switch t := toks[ti]; t.kind {
			case tokStar:
				if ti == len(toks)-1 {
					// A last star takes whatever is left
					// ("dynamodb:*", "table/*"): no need to
					// walk it a character at a time.
					return true
				}
				starTi, starSi = ti+1, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					_, size := utf8.DecodeRuneInString(s[si:])
					si += size
					ti++
					continue
				}
			case tokLit:
				if hasPrefix(s[si:], t.text, fold) {
					si += len(t.text)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last star swallow one more character.
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, size := utf8.DecodeRuneInString(s[starSi:])
		starSi += size
		ti, si = starTi, starSi
	}
}
