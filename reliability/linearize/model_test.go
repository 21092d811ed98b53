package linearize

import (
	"testing"

	"github.com/anishathalye/porcupine"
)

func op(client int, call, ret int64, in Input, out Output) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: in, Output: out}
}

func val(vs ...int64) Output { return Output{Values: vs} }

// TestModelJudgesHistories checks the model itself on small histories
// whose answer is known, so that a checker that accepts everything cannot
// pass the campaign.
func TestModelJudgesHistories(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hist  []porcupine.Operation
		legal bool
	}{
		{"read after acknowledged write", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 1, New: 5}, Output{}),
			op(1, 20, 30, Input{Kind: Get, Key: 1}, val(5)),
		}, true},
		{"stale read after acknowledged write", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 1, New: 5}, Output{}),
			op(1, 20, 30, Input{Kind: Get, Key: 1}, val(0)),
		}, false},
		{"concurrent read may see either", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 1, New: 5}, Output{}),
			op(1, 5, 8, Input{Kind: Get, Key: 1}, val(0)),
		}, true},
		{"unknown write seen", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 0, New: 7}, Output{Result: Unknown}),
			op(1, 20, 30, Input{Kind: Get, Key: 0}, val(7)),
		}, true},
		{"unknown write not seen", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 0, New: 7}, Output{Result: Unknown}),
			op(1, 20, 30, Input{Kind: Get, Key: 0}, val(0)),
		}, true},
		{"unknown write appears after a read missed it", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 0, New: 7}, Output{Result: Unknown}),
			op(1, 20, 30, Input{Kind: Get, Key: 0}, val(0)),
			op(1, 40, 50, Input{Kind: Get, Key: 0}, val(7)),
		}, false},
		{"unsent write seen", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 0, New: 7}, Output{Result: NoEffect}),
			op(1, 20, 30, Input{Kind: Get, Key: 0}, val(7)),
		}, false},
		{"unsent delete", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 0, New: 7}, Output{}),
			op(0, 20, 30, Input{Kind: Delete, Key: 0}, Output{Result: NoEffect}),
			op(1, 40, 50, Input{Kind: Get, Key: 0}, val(7)),
		}, true},
		{"cas fails only when the value differs", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 2, New: 3}, Output{}),
			op(1, 20, 30, Input{Kind: CAS, Key: 2, Old: 3, New: 4}, Output{Result: CondFailed}),
		}, false},
		{"cas succeeds", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 2, New: 3}, Output{}),
			op(1, 20, 30, Input{Kind: CAS, Key: 2, Old: 3, New: 4}, Output{}),
			op(0, 40, 50, Input{Kind: QueryAll}, val(0, 0, 4, 0)),
		}, true},
		{"partial transaction", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: TxWrite, Writes: []Write{{Key: 0, New: 1}, {Key: 1, New: 2}}}, Output{Result: Unknown}),
			op(1, 20, 30, Input{Kind: TxGet, Read: []int{0, 1}}, val(1, 0)),
		}, false},
		{"whole transaction", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: TxWrite, Writes: []Write{{Key: 0, New: 1}, {Key: 1, New: 2}}}, Output{Result: Unknown}),
			op(1, 20, 30, Input{Kind: TxGet, Read: []int{0, 1}}, val(1, 2)),
		}, true},
		{"cancelled transaction wrote", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: TxWrite, Writes: []Write{{Key: 0, New: 1}, {Key: 1, New: 2, Cond: true, Old: 9}}}, Output{Result: CondFailed}),
			op(1, 20, 30, Input{Kind: Get, Key: 0}, val(1)),
		}, false},
		{"lost delete", []porcupine.Operation{
			op(0, 0, 10, Input{Kind: Put, Key: 3, New: 1}, Output{}),
			op(0, 20, 30, Input{Kind: Delete, Key: 3}, Output{}),
			op(1, 40, 50, Input{Kind: QueryAll}, val(0, 0, 0, 1)),
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := porcupine.CheckOperations(Model(), tc.hist); got != tc.legal {
				t.Errorf("linearizable = %v, want %v", got, tc.legal)
			}
		})
	}
}
