package attr

import (
	"strconv"
	"testing"
)

func TestItemSizeTestdata(t *testing.T) {
	for _, c := range readCases(t, "sizes.txt", false) {
		it, err := DecodeItemJSON([]byte(c.input))
		if err != nil {
			t.Fatalf("line %d: %v", c.line, err)
		}
		want, err := strconv.Atoi(c.want)
		if err != nil {
			t.Fatalf("line %d: %v", c.line, err)
		}
		if got := ItemSize(it); got != want {
			t.Errorf("line %d: ItemSize(%s) = %d, want %d", c.line, c.input, got, want)
		}
	}
}

// TestItemSizeLimitBoundary reproduces DynamoDB's observed boundary: an
// item of exactly MaxItemSize bytes is accepted, one byte more is not.
func TestItemSizeLimitBoundary(t *testing.T) {
	key := "abcdefgh"
	big := make([]byte, MaxItemSize-len(key)-1-1)
	for i := range big {
		big[i] = 'a'
	}
	it := Item{"a": String(key), "b": String(string(big))}
	if got := ItemSize(it); got != MaxItemSize {
		t.Fatalf("ItemSize = %d, want %d", got, MaxItemSize)
	}
	it["c"] = Null()
	if got := ItemSize(it); got != MaxItemSize+2 {
		t.Fatalf("ItemSize = %d, want %d", got, MaxItemSize+2)
	}
}
