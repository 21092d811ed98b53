package attr

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestItemSizeJSONMatchesItemSize is the property the engine relies on:
// on any stored item, measuring the bytes equals measuring the decoded
// item.
func TestItemSizeJSONMatchesItemSize(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 3000; i++ {
		it := randomItem(r, 3)
		b := AppendItemJSON(nil, it)
		got, err := ItemSizeJSON(b)
		if err != nil {
			t.Fatalf("ItemSizeJSON(%s): %v", b, err)
		}
		dec, err := DecodeItemJSON(b)
		if err != nil {
			t.Fatal(err)
		}
		if want := ItemSize(dec); got != want {
			t.Fatalf("ItemSizeJSON(%s) = %d, ItemSize = %d", b, got, want)
		}
	}
}

// TestItemSizeJSONCorpus holds ItemSizeJSON to the decoded item's size
// on documents that reach every path of the scanner: escapes of every
// kind (ones the encoder never writes too), multi-byte and invalid UTF-8,
// lone and paired surrogates, specials at every offset of the
// eight-byte words str reads, spaces between tokens, nested lists and
// maps, sets, numbers of many spellings and binary.
func TestItemSizeJSONCorpus(t *testing.T) {
	docs := []string{
		`{}`,
		` { } `,
		`{"":{"S":""}}`,
		`{"a\"b":{"S":"q\"\\\/\b\f\n\r\t"}}`,
		`{"\u0061":{"S":"\u00e9\u20ac\ud83d\ude00\u0000"}}`,
		`{"lone":{"S":"\ud83d x \ude00 \ud83d\ud83d \ude00\ud83d \uDBFF\uDFFF"}}`,
		`{"é€😀":{"S":"naïve 日本語 😀 \u00E9"}}`,
		"{\"bad\":{\"S\":\"\xff\xfe\xc3 ok \xe2\x82\"}}",
		`{"n":{"N":"0"},"m":{"N":"-0.000"},"o":{"N":"100"},"p":{"N":"12.5"}}`,
		`{"n":{"N":"1E+2"},"m":{"N":"-1.23e-7"},"o":{"N":"0.001"},"p":{"N":"99999999999999999999999999999999999999"}}`,
		`{"n":{"N":"1e125"},"m":{"N":"1e-130"},"o":{"N":"+7"},"p":{"N":"00012300"}}`,
		`{"n":{"N":"\u0031\u0032"},"m":{"N":"-\u0035.5"}}`,
		`{"ns":{"NS":["1","22","-333","4.4e4","0.0005"]}}`,
		`{"b":{"B":""},"c":{"B":"AA=="},"d":{"B":"AAE="},"e":{"B":"AAEC"},"f":{"B":"/+/+"}}`,
		`{"b":{"B":"\/\/8="},"c":{"B":"QU\u004aD"}}`,
		`{"bs":{"BS":["AA==","AAE=","AAEC","AAECAw=="]}}`,
		`{"ss":{"SS":["a","\u00e9","😀","x\"y"]}}`,
		`{"t":{"BOOL":true},"f":{"BOOL":false},"n":{"NULL":true}}`,
		`{"l":{"L":[]},"m":{"M":{}}}`,
		`{"l":{"L":[{"S":"a"},{"N":"1"},{"L":[{"L":[]},{"M":{"k":{"NULL":true}}}]}]}}`,
		`{"m":{"M":{"a":{"M":{"b":{"M":{"c":{"SS":["x"]}}}}},"d":{"L":[{"BS":["AA=="]}]}}}}`,
		"{\n\t\"a\" :\r{ \"L\" : [ { \"S\" : \"x\" } , { \"M\" : { \"k\" : { \"N\" : \"1\" } } } ] } ,\n \"b\":{\"BOOL\" : false} }",
	}
	// Every special byte at every offset of the first and second word of
	// a long string, and at the end of the document.
	for _, special := range []string{`\"`, `\\`, `\u00e9`, "é", "😀", "\xff", `\ud83d`} {
		for k := range 20 {
			body := strings.Repeat("a", k) + special + strings.Repeat("b", 20-k)
			docs = append(docs,
				fmt.Sprintf(`{"s":{"S":"%s"}}`, body),
				fmt.Sprintf(`{"%s":{"SS":["%s","%s"]}}`, body, special, body[:k]))
		}
	}
	for _, doc := range docs {
		dec, err := DecodeItemJSON([]byte(doc))
		if err != nil {
			t.Fatalf("DecodeItemJSON(%s): %v", doc, err)
		}
		want := ItemSize(dec)
		got, err := ItemSizeJSON([]byte(doc))
		if err != nil || got != want {
			t.Errorf("ItemSizeJSON(%s) = %d, %v; ItemSize = %d", doc, got, err, want)
		}
	}
}

// TestItemSizeJSONRespelled measures random items written the way
// AppendItemJSON never writes them: every string character escaped or
// not at random, and spaces between tokens. The size must not change.
func TestItemSizeJSONRespelled(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 2000 {
		it := randomItem(r, 3)
		b := AppendItemJSON(nil, it)
		want := ItemSize(it)
		doc := respell(t, r, b)
		got, err := ItemSizeJSON(doc)
		if err != nil || got != want {
			t.Fatalf("ItemSizeJSON(%s) = %d, %v; want %d (from %s)", doc, got, err, want, b)
		}
		if dec, err := DecodeItemJSON(doc); err != nil || ItemSize(dec) != want {
			t.Fatalf("respelling changed the item: %s (from %s)", doc, b)
		}
	}
}

// respell rewrites compact JSON with random spaces between tokens and
// each string's runes escaped (\uXXXX, surrogate pairs, short escapes)
// or left literal at random.
func respell(t *testing.T, r *rand.Rand, b []byte) []byte {
	t.Helper()
	space := func(out []byte) []byte {
		if r.IntN(4) == 0 {
			out = append(out, " \t\n\r"[r.IntN(4)])
		}
		return out
	}
	var out []byte
	for i := 0; i < len(b); {
		if b[i] != '"' {
			out = append(out, b[i])
			if strings.IndexByte("{}[]:,", b[i]) >= 0 {
				out = space(out)
			}
			i++
			continue
		}
		j := i + 1
		for b[j] != '"' {
			if b[j] == '\\' {
				j++
			}
			j++
		}
		var v string
		if err := json.Unmarshal(b[i:j+1], &v); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", b[i:j+1], err)
		}
		out = append(out, '"')
		for _, c := range v {
			switch {
			case c == '"' || c == '\\':
				out = append(out, '\\', byte(c))
			case c < 0x20 || r.IntN(3) == 0:
				if c > 0xFFFF {
					c -= 0x10000
					out = fmt.Appendf(out, `\u%04x\u%04X`, 0xD800+(c>>10), 0xDC00+(c&0x3FF))
				} else {
					out = fmt.Appendf(out, `\u%04x`, c)
				}
			case c == '/' && r.IntN(2) == 0:
				out = append(out, `\/`...)
			default:
				out = utf8.AppendRune(out, c)
			}
		}
		out = space(append(out, '"'))
		i = j + 1
	}
	return out
}

// TestItemSizeJSON covers hand-written documents, including escapes the
// encoder never writes and malformed input.
func TestItemSizeJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int // -1: an error
	}{
		{`{}`, 0},
		{`{"a":{"S":"xyz"}}`, 4},
		{` { "a" : { "S" : "x\u00e9\ud83d\ude00" } } `, 1 + 1 + 2 + 4},
		{`{"n":{"N":"-12.5"}}`, 1 + NumberSize("-12.5")},
		{`{"b":{"B":"AAE="}}`, 1 + 2},
		{`{"b":{"BS":["AA==","AAAA"]}}`, 1 + 1 + 3},
		{`{"t":{"BOOL":false},"u":{"NULL":true}}`, 4},
		{`{"l":{"L":[{"S":"a"},{"M":{"k":{"S":"v"}}}]}}`, 1 + 3 + (1 + 1) + (1 + 3 + 1 + 1 + 1)},
		{`{"s":{"SS":["a","bc"]}}`, 1 + 3},
		{`{"a":{"S":"x"}`, -1},
		{`{"a":{"X":"x"}}`, -1},
		{`{"a":{"S":"x}}`, -1},
		{`{"a":{"S":"x"}} x`, -1},
		{`{"a":{"B":"AAE"}}`, -1},
		{``, -1},
	} {
		got, err := ItemSizeJSON([]byte(tc.in))
		if tc.want < 0 {
			if err == nil {
				t.Errorf("ItemSizeJSON(%s) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ItemSizeJSON(%s) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

// BenchmarkItemSizeJSON compares measuring a stored ~250-byte item from
// its bytes with decoding it first; scan-short measures the benchmarks'
// usual item, many short strings and numbers, where per-token costs
// count more than the long-string loop.
func BenchmarkItemSizeJSON(b *testing.B) {
	it := Item{
		"pk":      String("p123"),
		"sk":      mustNumber("7"),
		"cnt":     mustNumber("42"),
		"payload": String(strings.Repeat("x", 200)),
	}
	raw := AppendItemJSON(nil, it)
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			if _, err := ItemSizeJSON(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	short := []byte(sampleItemJSON)
	b.Run("scan-short", func(b *testing.B) {
		for b.Loop() {
			if _, err := ItemSizeJSON(short); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			d, err := DecodeItemJSON(raw)
			if err != nil {
				b.Fatal(err)
			}
			_ = ItemSize(d)
		}
	})
}

func mustNumber(s string) Value {
	v, err := Number(s)
	if err != nil {
		panic(err)
	}
	return v
}

// TestIntegerSize holds integerSize, the sizer's shortcut for integers,
// to NumberSize on every spelling it takes and on ones it must refuse.
func TestIntegerSize(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	texts := []string{"", "-", "+", "0", "-0", "+0", "000", "7", "-7", "10", "100", "-100",
		"12", "123", "1234", "-0012", "1200", "99999999999999999999999999999999999999",
		"1.5", "1e5", "-1E+2", "0.0", ".5", "5.", "1-2", "--1", "1 ", "x"}
	for range 5000 {
		var b strings.Builder
		switch r.IntN(4) {
		case 0:
			b.WriteByte('-')
		case 1:
			b.WriteByte('+')
		}
		for range r.IntN(45) {
			b.WriteByte("0001234567890000"[r.IntN(16)])
		}
		if r.IntN(8) == 0 {
			b.WriteByte(".eE-x"[r.IntN(5)])
			b.WriteByte('1')
		}
		texts = append(texts, b.String())
	}
	integerText := regexp.MustCompile(`^[+-]?[0-9]+$`)
	for _, text := range texts {
		got, ok := integerSize([]byte(text))
		want := NumberSize(text)
		if integer := integerText.MatchString(text); ok != integer || (ok && got != want) {
			t.Errorf("integerSize(%q) = %d, %v; NumberSize = %d, integer %v", text, got, ok, want, integer)
		}
	}
}

// FuzzItemSizeJSON: on any bytes ItemSizeJSON returns without panicking
// or looping, and on any item the decoder accepts, measuring its stored
// bytes equals measuring the item.
func FuzzItemSizeJSON(f *testing.F) {
	f.Add([]byte(sampleItemJSON))
	f.Add([]byte(`{"a\"":{"L":[{"S":"x\u00e9\ud83d\ude00"},{"M":{"k":{"NS":["1","-2.5e3"]}}}]},"b":{"B":"AAE="}}`))
	f.Add([]byte(`{"s":{"S":"0123456789abcdef\\\"\u0041é"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ItemSizeJSON(b)
		it, err := DecodeItemJSON(b)
		if err != nil || ValidateItem(it) != nil {
			return
		}
		stored := AppendItemJSON(nil, it)
		got, err := ItemSizeJSON(stored)
		if want := ItemSize(it); err != nil || got != want {
			t.Fatalf("ItemSizeJSON(%s) = %d, %v; ItemSize = %d", stored, got, err, want)
		}
	})
}
