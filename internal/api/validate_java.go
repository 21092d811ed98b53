package api

import (
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/dynago/dynago/internal/attr"
)

// DynamoDB's validation reports a map whose values (lists) break their
// length constraint at the map itself, quoting the whole map as Java's
// toString prints the request's model objects:
//
//	Value '{t=[WriteRequest(putRequest=PutRequest(item={pk=AttributeValue(s=a, n=null, …)}, workloadProfileName=null), deleteRequest=null)]}'
//	at 'requestItems' failed to satisfy constraint: Map value must satisfy
//	constraint: [Member must have length less than or equal to 25, Member
//	must have length greater than or equal to 1]
//
// (us-east-1, August 2026: nubo-db/dynamodb-conformance's captures). Maps
// print their entries sorted by key here; Java's order for an item of
// several attributes is its hash map's.

// mapValueLengths checks the lengths of the list values of the map fv
// (shape id) and reports a failure at the map; it returns whether it did.
func (w *walker) mapValueLengths(id shapeID, fv reflect.Value) bool {
	elem := &shapeRules[shapeRules[id].elem]
	if elem.kind != kindList || !(elem.hasMin || elem.hasMax) {
		return false
	}
	bad := false
	for it := fv.MapRange(); it.Next() && !bad; {
		n := int64(it.Value().Len())
		bad = (elem.hasMin && n < elem.min) || (elem.hasMax && n > elem.max)
	}
	if !bad {
		return false
	}
	var cs []string
	if elem.hasMax {
		cs = append(cs, "Member must have length less than or equal to "+strconv.FormatInt(elem.max, 10))
	}
	if elem.hasMin {
		cs = append(cs, "Member must have length greater than or equal to "+strconv.FormatInt(elem.min, 10))
	}
	w.fail("'"+renderJava(fv)+"'", "Map value must satisfy constraint: ["+strings.Join(cs, ", ")+"]")
	return true
}

// renderJava renders a request map as DynamoDB's Java model prints it.
func renderJava(fv reflect.Value) string {
	m, ok := fv.Interface().(map[string][]WriteRequest)
	if !ok {
		return render(fv)
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString("=[")
		for j, wr := range m[k] {
			if j > 0 {
				b.WriteString(", ")
			}
			javaWriteRequest(&b, wr)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.String()
}

func javaWriteRequest(b *strings.Builder, wr WriteRequest) {
	b.WriteString("WriteRequest(putRequest=")
	if wr.PutRequest == nil {
		b.WriteString("null")
	} else {
		b.WriteString("PutRequest(item=")
		javaItem(b, wr.PutRequest.Item)
		b.WriteString(", workloadProfileName=null)")
	}
	b.WriteString(", deleteRequest=")
	if wr.DeleteRequest == nil {
		b.WriteString("null")
	} else {
		b.WriteString("DeleteRequest(key=")
		javaItem(b, wr.DeleteRequest.Key)
		b.WriteString(", workloadProfileName=null)")
	}
	b.WriteByte(')')
}

func javaItem(b *strings.Builder, it attr.Item) {
	if it == nil {
		b.WriteString("null")
		return
	}
	b.WriteByte('{')
	for i, k := range sortedKeys(it) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		javaAttributeValue(b, it[k])
	}
	b.WriteByte('}')
}

// javaAttributeValue prints v as the model's AttributeValue prints itself:
// every member, the unset ones null.
func javaAttributeValue(b *strings.Builder, v attr.Value) {
	field := func(name string, t attr.Type, val func()) {
		b.WriteString(name)
		b.WriteByte('=')
		if v.Type == t {
			val()
		} else {
			b.WriteString("null")
		}
	}
	strs := func(ss []string) func() {
		return func() { b.WriteString("[" + strings.Join(ss, ", ") + "]") }
	}
	b.WriteString("AttributeValue(")
	field("s", attr.TypeS, func() { b.WriteString(v.S) })
	b.WriteString(", ")
	field("n", attr.TypeN, func() { b.WriteString(v.S) })
	b.WriteString(", ")
	field("b", attr.TypeB, func() { b.WriteString(javaBytes(v.B)) })
	b.WriteString(", iNT=null, dECIMAL=null, dOUBLE=null, ")
	field("sS", attr.TypeSS, strs(v.Set))
	b.WriteString(", ")
	field("nS", attr.TypeNS, strs(v.Set))
	b.WriteString(", ")
	field("bS", attr.TypeBS, func() {
		parts := make([]string, len(v.BS))
		for i, x := range v.BS {
			parts[i] = javaBytes(x)
		}
		b.WriteString("[" + strings.Join(parts, ", ") + "]")
	})
	b.WriteString(", iNTSET=null, dECIMALSET=null, dOUBLESET=null, ")
	field("m", attr.TypeM, func() { javaItem(b, v.M) })
	b.WriteString(", ")
	field("l", attr.TypeL, func() {
		b.WriteByte('[')
		for i, x := range v.L {
			if i > 0 {
				b.WriteString(", ")
			}
			javaAttributeValue(b, x)
		}
		b.WriteByte(']')
	})
	b.WriteString(", ")
	field("nULL", attr.TypeNULL, func() { b.WriteString("true") })
	b.WriteString(", ")
	field("bOOL", attr.TypeBOOL, func() { b.WriteString(strconv.FormatBool(v.Bool)) })
	b.WriteByte(')')
}

func javaBytes(p []byte) string {
	n := strconv.Itoa(len(p))
	return "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
