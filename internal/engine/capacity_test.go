package engine

import (
	"testing"

	"github.com/dynago/dynago/internal/api"
)

func TestConsumedShapes(t *testing.T) {
	tests := []struct {
		rcc       *string
		wantNil   bool
		wantTable bool
	}{
		{nil, true, false},
		{api.Ptr("NONE"), true, false},
		{api.Ptr(capacityTotal), false, false},
		{api.Ptr(capacityIndexes), false, true},
	}
	for _, tc := range tests {
		c := consumedOf(tc.rcc, "music", 3, 1)
		switch {
		case tc.wantNil:
			if c != nil {
				t.Errorf("%s: got %+v, want nil", api.Str(tc.rcc), c)
			}
			continue
		case c == nil:
			t.Fatalf("%s: got nil", api.Str(tc.rcc))
		case api.Str(c.TableName) != "music" || deref(c.CapacityUnits) != 3:
			t.Errorf("%s: got %s %v units, want music 3", api.Str(tc.rcc), api.Str(c.TableName), deref(c.CapacityUnits))
		case (c.Table != nil) != tc.wantTable:
			t.Errorf("%s: Table %+v, want present=%v", api.Str(tc.rcc), c.Table, tc.wantTable)
		}
		if c.Table != nil {
			// The pointers share an allocation, not their values.
			if deref(c.Table.CapacityUnits) != 1 {
				t.Errorf("Table units %v, want 1", deref(c.Table.CapacityUnits))
			}
			*c.CapacityUnits = 7
			if deref(c.Table.CapacityUnits) != 1 {
				t.Errorf("writing the total changed the Table units to %v", *c.Table.CapacityUnits)
			}
		}
	}
}

func TestCapacityMap(t *testing.T) {
	if m := capacityMap(nil); m != nil {
		t.Errorf("capacityMap(nil) = %v, want nil", m)
	}
	m := capacityMap(map[string]float64{"a": 1, "b": 2, "c": 3})
	for k, want := range map[string]float64{"a": 1, "b": 2, "c": 3} {
		if got := m[k].CapacityUnits; got == nil || *got != want {
			t.Errorf("%s: %v, want %v", k, got, want)
		}
	}
}
