package attr

// Item size follows DynamoDB's rules ("Item sizes and formats" in the
// Developer Guide), with the exact number arithmetic DynamoDB's responses
// reveal:
//
//   - an attribute costs the UTF-8 bytes of its name plus its value;
//   - S: UTF-8 bytes; B: raw bytes; BOOL and NULL: 1 byte;
//   - N: numbers are stored in base 100 (two digits a byte) with one byte
//     of exponent: 1 + ⌈digits/2⌉, plus 1 when the digit pairs do not line
//     up with the exponent (an even number of digits and an even
//     exponent), plus 1 for a negative number; zero is 1 byte;
//   - SS, NS, BS: the sum of their members;
//   - L: 3 bytes plus, for each element, 1 byte and its size;
//   - M: 3 bytes plus, for each entry, 1 byte, its name and its size.
//
// Capacity units are computed from this size by the engine.

// ItemSize returns its size in bytes by DynamoDB's rules: the sum over its
// attributes of the name's UTF-8 length and the value's Size.
func ItemSize(it Item) int {
	n := 0
	for k, v := range it {
		n += len(k) + v.Size()
	}
	return n
}

// Size returns v's size in bytes by DynamoDB's rules, not counting an
// attribute name.
func (v Value) Size() int {
	switch v.Type {
	case TypeS:
		return len(v.S)
	case TypeN:
		return NumberSize(v.S)
	case TypeB:
		return len(v.B)
	case TypeBOOL, TypeNULL:
		return 1
	case TypeSS:
		n := 0
		for _, s := range v.Set {
			n += len(s)
		}
		return n
	case TypeNS:
		n := 0
		for _, s := range v.Set {
			n += NumberSize(s)
		}
		return n
	case TypeBS:
		n := 0
		for _, b := range v.BS {
			n += len(b)
		}
		return n
	case TypeL:
		n := containerOverhead
		for _, e := range v.L {
			n += 1 + e.Size()
		}
		return n
	case TypeM:
		n := containerOverhead
		for k, e := range v.M {
			n += 1 + len(k) + e.Size()
		}
		return n
	}
	return 0
}

// containerOverhead is what a map or list costs besides its elements.
const containerOverhead = 3 // bytes

// NumberSize returns the stored size of a number given as text (see the
// rules above). Text that is not a number counts as zero, 1 byte.
func NumberSize(text string) int {
	n, ok := parseNumber(text)
	if !ok || n.zero {
		return 1
	}
	size := 1 + (n.digits+1)/2
	if n.digits%2 == 0 && n.sci%2 == 0 {
		size++
	}
	if n.neg {
		size++
	}
	return size
}
