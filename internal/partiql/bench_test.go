package partiql

import "testing"

// Typical statements: a key lookup with a filter, and an update with a
// condition and RETURNING.
const (
	benchSelect = `SELECT OrderID, Total, Items[0].Sku FROM "Orders" WHERE OrderID = ? AND Total > 500 AND begins_with(Status, 'SHIP') ORDER BY OrderID DESC`
	benchUpdate = `UPDATE "Music" SET AwardsWon = AwardsWon + 1 SET AwardDetail.Grammys = list_append(AwardDetail.Grammys, [2020]) REMOVE Pending WHERE Artist = ? AND SongTitle = ? AND attribute_exists(AwardsWon) RETURNING ALL NEW *`
)

func benchParse(b *testing.B, src string) {
	if _, err := Parse(src); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSelect(b *testing.B) { benchParse(b, benchSelect) }
func BenchmarkParseUpdate(b *testing.B) { benchParse(b, benchUpdate) }

func BenchmarkLexSelect(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lex(benchSelect); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatUpdate(b *testing.B) {
	s, err := Parse(benchUpdate)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Format(s)
	}
}
