package attr

import "testing"

// sampleItemJSON is a ~250-byte item of 6 attributes, typical of a user
// record: the benchmarks' workload.
const sampleItemJSON = `{"pk":{"S":"user#0001234567"},"sk":{"S":"profile#2024-06-01T12:00:00Z"},` +
	`"name":{"S":"Ada Lovelace, Countess of Lovelace"},"age":{"N":"36"},` +
	`"balance":{"N":"-12345.6789"},"tags":{"SS":["admin","beta-tester","early-adopter"]},` +
	`"active":{"BOOL":true}}`

func sampleItem(b *testing.B) Item {
	it, err := DecodeItemJSON([]byte(sampleItemJSON))
	if err != nil {
		b.Fatal(err)
	}
	return it
}

func BenchmarkAppendItemJSON(b *testing.B) {
	it := sampleItem(b)
	buf := make([]byte, 0, 512)
	b.SetBytes(int64(len(AppendItemJSON(nil, it))))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendItemJSON(buf[:0], it)
	}
}

func BenchmarkDecodeItemJSON(b *testing.B) {
	data := AppendItemJSON(nil, sampleItem(b))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeItemJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateItem(b *testing.B) {
	it := sampleItem(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidateItem(it); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendKey(b *testing.B) {
	s := String("user#0001234567")
	n := Value{Type: TypeN, S: "-12345.6789"}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendKey(AppendKey(buf[:0], s), n)
	}
}

func BenchmarkDecodeKey(b *testing.B) {
	k := AppendKey(AppendKey(nil, String("user#0001234567")), Value{Type: TypeN, S: "-12345.6789"})
	b.ReportAllocs()
	for b.Loop() {
		_, rest, _ := DecodeKey(k)
		if _, _, err := DecodeKey(rest); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNumber(b *testing.B) {
	b.Run("canonical", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Number("-12345.6789"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("normalise", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Number("-1.23456789e4"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCompareNumbers(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if CompareNumbers("-12345.6789", "-12345.67891") != 1 {
			b.Fatal("wrong order")
		}
	}
}

func BenchmarkAddNumbers(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AddNumbers("12345.6789", "1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkItemSize(b *testing.B) {
	it := sampleItem(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = ItemSize(it)
	}
}
