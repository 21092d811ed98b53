package api

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// TestCharClassMatchesRegexp checks the byte-table matcher against regexp
// for every pattern it accepts, on random and edge-case strings.
func TestCharClassMatchesRegexp(t *testing.T) {
	patterns := []string{"[a-zA-Z0-9_.-]+", "[a-z]*", "[-a]+", "[0-9]+"}
	refused := []string{"[^a]+", `[\x20-\x21]*`, "[a-z]{1,3}", "[a-z]", "^[^\\$]+$", "[]+", "[é]+"}
	inputs := []string{"", "a", "Products", "my-table_1.x", "a b", "tab\tle", "é", "a\xffb", "-", ".", "_", "[", "]", "\x00"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		b := make([]byte, r.IntN(8))
		for i := range b {
			b[i] = byte(r.IntN(256))
			if r.IntN(3) > 0 {
				b[i] = byte(0x20 + r.IntN(0x5f))
			}
		}
		inputs = append(inputs, string(b))
	}
	for _, p := range patterns {
		c, ok := compileCharClass(p)
		if !ok {
			t.Fatalf("compileCharClass(%q) refused", p)
		}
		re := regexp.MustCompile(`^(?:` + p + `)$`)
		for _, s := range inputs {
			if got, want := c.MatchString(s), re.MatchString(s); got != want {
				t.Errorf("pattern %q on %q: char class %v, regexp %v", p, s, got, want)
			}
		}
	}
	for _, p := range refused {
		if _, ok := compileCharClass(p); ok {
			t.Errorf("compileCharClass(%q) accepted; want it left to regexp", p)
		}
	}
}

// BenchmarkTableNamePattern compares the byte table with regexp on a
// typical table name.
func BenchmarkTableNamePattern(b *testing.B) {
	const p, s = "[a-zA-Z0-9_.-]+", "dynago_bench-table.v2"
	c, _ := compileCharClass(p)
	re := regexp.MustCompile(`^(?:` + p + `)$`)
	for _, m := range []struct {
		name string
		m    matcher
	}{{"charClass", c}, {"regexp", re}} {
		b.Run(m.name, func(b *testing.B) {
			for b.Loop() {
				if !m.m.MatchString(s) {
					b.Fatal("no match")
				}
			}
		})
	}
}
