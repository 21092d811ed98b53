package engine

import (
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// TestCancellationThrottled: a throttled transaction action's reason is
// ProvisionedThroughputExceeded on a provisioned table and ThrottlingError
// on an on-demand one, each with the API reference's table or index
// message.
func TestCancellationThrottled(t *testing.T) {
	tests := []struct {
		kind, index string
		code, msg   string
	}{
		{limitProvisioned, "", reasonThroughputExceeded, msgCancelTableThroughput},
		{limitProvisioned, "gsi", reasonThroughputExceeded, msgCancelIndexThroughput},
		{limitAccount, "", reasonThrottlingError, msgCancelTableOnDemand},
		{limitOnDemandMax, "gsi", reasonThrottlingError, msgCancelIndexOnDemand},
	}
	for _, tt := range tests {
		r := cancellationThrottled(tt.index, limit{kind: tt.kind})
		if api.Str(r.Code) != tt.code || api.Str(r.Message) != tt.msg {
			t.Errorf("%s/%q: got %s %q, want %s %q", tt.kind, tt.index, api.Str(r.Code), api.Str(r.Message), tt.code, tt.msg)
		}
	}
}

// TestThrottleErrorLeavesSharedErrorAlone: the ThrottlingReasons of one
// request must not leak into the package-level error every request copies.
func TestThrottleErrorLeavesSharedErrorAlone(t *testing.T) {
	db := &DB{opts: Options{Region: "us-east-1", AccountID: "000000000000"}}
	e := &catalogEntry{table: &Table{Name: "t"}}
	err := db.throttleError(e, "g", true, limit{err: errTableThroughputExceeded, kind: limitProvisioned})
	got := apierr.As(err)
	reasons, _ := got.ThrottlingReasons.([]api.ThrottlingReason)
	if len(reasons) != 1 || api.Str(reasons[0].Reason) != "IndexWriteProvisionedThroughputExceeded" ||
		api.Str(reasons[0].Resource) != db.indexArn("t", "g") {
		t.Errorf("ThrottlingReasons = %+v", got.ThrottlingReasons)
	}
	if apierr.As(errTableThroughputExceeded).ThrottlingReasons != nil {
		t.Error("throttleError changed the shared error")
	}
}
