package wire

import "testing"

// TestRouteOf checks the X-Amz-Target lookup over both header forms, and
// that it copies nothing: the name comes from the route.
func TestRouteOf(t *testing.T) {
	routes := map[string]route{"GetItem": {name: "GetItem"}}
	for _, tt := range []struct {
		target string
		want   string // "" for no route
	}{
		{targetPrefix + "GetItem", "GetItem"},
		{targetPrefix + "getitem", ""},
		{targetPrefix, ""},
		{"GetItem", ""},
		{"DynamoDB_20991231.GetItem", ""},
		{"", ""},
	} {
		for _, got := range []func() (route, bool){
			func() (route, bool) { return routeOf(tt.target, routes) },
			func() (route, bool) { return routeOf([]byte(tt.target), routes) },
		} {
			r, ok := got()
			if ok != (tt.want != "") || r.name != tt.want {
				t.Errorf("routeOf(%q) = %q, %v; want %q", tt.target, r.name, ok, tt.want)
			}
		}
	}
	target := []byte(targetPrefix + "GetItem")
	if n := testing.AllocsPerRun(100, func() { routeOf(target, routes) }); n != 0 {
		t.Errorf("routeOf over bytes: %v allocations, want 0", n)
	}
}
