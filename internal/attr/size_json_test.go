package attr

import (
	"math/rand/v2"
	"strings"
	"testing"
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
// its bytes with decoding it first.
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
