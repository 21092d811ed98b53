package linearize

import (
	"math/rand/v2"
	"testing"
	"time"

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

// snap is a snapshot Query between rounds, called at t.
func snap(t int64, vs ...int64) porcupine.Operation {
	return op(99, t, t+1, Input{Kind: QueryAll}, val(append([]int64(nil), vs...)...))
}

// TestCheckRoundsJudgesHistories checks the round-by-round split on
// histories whose answer is known: what happens in one round and what the
// snapshot after it read must agree, and so must the next round.
func TestCheckRoundsJudgesHistories(t *testing.T) {
	for _, tc := range []struct {
		name   string
		snaps  []porcupine.Operation
		rounds [][]porcupine.Operation
		legal  bool
	}{
		{"unknown write that happened", []porcupine.Operation{snap(0, 0, 0, 0, 0), snap(100, 7, 0, 0, 0), snap(200, 7, 0, 0, 0)},
			[][]porcupine.Operation{
				{op(0, 10, 20, Input{Kind: Put, Key: 0, New: 7}, Output{Result: Unknown})},
				{op(1, 110, 120, Input{Kind: Get, Key: 0}, val(7))},
			}, true},
		{"unknown write that did not happen", []porcupine.Operation{snap(0, 0, 0, 0, 0), snap(100, 0, 0, 0, 0), snap(200, 0, 0, 0, 0)},
			[][]porcupine.Operation{
				{op(0, 10, 20, Input{Kind: Put, Key: 0, New: 7}, Output{Result: Unknown})},
				{op(1, 110, 120, Input{Kind: Get, Key: 0}, val(0))},
			}, true},
		{"unknown write that appears in the next round", []porcupine.Operation{snap(0, 0, 0, 0, 0), snap(100, 0, 0, 0, 0), snap(200, 7, 0, 0, 0)},
			[][]porcupine.Operation{
				{op(0, 10, 20, Input{Kind: Put, Key: 0, New: 7}, Output{Result: Unknown})},
				{op(1, 110, 120, Input{Kind: Get, Key: 0}, val(7))},
			}, false},
		{"acknowledged write lost at the kill", []porcupine.Operation{snap(0, 0, 0, 0, 0), snap(100, 0, 0, 0, 0)},
			[][]porcupine.Operation{{op(0, 10, 20, Input{Kind: Put, Key: 1, New: 3}, Output{})}}, false},
		{"snapshot 0 of a table not empty", []porcupine.Operation{snap(0, 1, 0, 0, 0), snap(100, 1, 0, 0, 0)},
			[][]porcupine.Operation{{op(0, 10, 20, Input{Kind: Get, Key: 0}, val(1))}}, false},
		{"half a transaction after a restart", []porcupine.Operation{snap(0, 0, 0, 0, 0), snap(100, 1, 2, 0, 0), snap(200, 1, 0, 0, 0)},
			[][]porcupine.Operation{
				{op(0, 10, 20, Input{Kind: TxWrite, Writes: []Write{{Key: 0, New: 1}, {Key: 1, New: 2}}}, Output{Result: Unknown})},
				{op(1, 110, 120, Input{Kind: TxGet, Read: []int{0, 1}}, val(1, 2))},
			}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pieces, err := CheckRounds(tc.snaps, tc.rounds, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			got := len(pieces) == len(tc.rounds) && pieces[len(pieces)-1].Result == porcupine.Ok
			if got != tc.legal {
				t.Errorf("linearizable = %v, want %v (pieces %+v)", got, tc.legal, pieces)
			}
		})
	}
}

// TestCheckRoundsRefusesOverlaps: an operation that overlaps a snapshot
// would make the split unsound, so CheckRounds refuses the history.
func TestCheckRoundsRefusesOverlaps(t *testing.T) {
	snaps := []porcupine.Operation{snap(0, 0, 0, 0, 0), snap(100, 0, 0, 0, 0)}
	rounds := [][]porcupine.Operation{{op(0, 50, 150, Input{Kind: Get, Key: 0}, val(0))}}
	if _, err := CheckRounds(snaps, rounds, time.Minute); err == nil {
		t.Errorf("an operation returning after the next snapshot was called was accepted")
	}
	if _, err := CheckRounds(snaps[:1], rounds, time.Minute); err == nil {
		t.Errorf("a round without its closing snapshot was accepted")
	}
}

// TestCheckRoundsAgreesWithWhole generates random histories over several
// rounds (legal ones, from an execution of the model, and ones with a read
// or a write outcome changed) and requires the round-by-round verdict to
// be the whole history's.
func TestCheckRoundsAgreesWithWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	illegal := 0
	for i := range 300 {
		snaps, rounds := randomHistory(rng, i%3 != 0)
		var whole []porcupine.Operation
		for r, ops := range rounds {
			whole = append(whole, snaps[r])
			whole = append(whole, ops...)
		}
		whole = append(whole, snaps[len(rounds)])
		want := porcupine.CheckOperations(Model(), whole)
		pieces, err := CheckRounds(snaps, rounds, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		got := len(pieces) == len(rounds) && pieces[len(pieces)-1].Result == porcupine.Ok
		if got != want {
			t.Fatalf("history %d: round by round %v, whole %v", i, got, want)
		}
		if !want {
			illegal++
		}
	}
	if illegal == 0 || illegal == 300 {
		t.Fatalf("%d of 300 histories illegal: the generator tests nothing", illegal)
	}
	t.Logf("%d of 300 random histories illegal, same verdict both ways", illegal)
}

// randomHistory runs the model on random operations by 3 clients over 3
// rounds, each operation taking effect at a random point of its interval
// (a write of unknown outcome: or not at all), with snapshots between the
// rounds. Unless legal, one answer is then changed.
func randomHistory(rng *rand.Rand, legal bool) ([]porcupine.Operation, [][]porcupine.Operation) {
	var s State
	var snaps []porcupine.Operation
	var rounds [][]porcupine.Operation
	seq := int64(0)
	now := int64(0)
	snaps = append(snaps, snap(now, s[:]...))
	for range 3 {
		now += 10
		type pending struct {
			o     porcupine.Operation
			point int64
		}
		var ps []pending
		for c := range 3 {
			t := now
			for range 4 {
				call := t + rng.Int64N(5)
				ret := call + 1 + rng.Int64N(20)
				t = ret
				seq++
				var in Input
				switch rng.IntN(5) {
				case 0:
					in = Input{Kind: Get, Key: rng.IntN(Keys)}
				case 1:
					in = Input{Kind: Put, Key: rng.IntN(Keys), New: seq}
				case 2:
					in = Input{Kind: CAS, Key: rng.IntN(Keys), Old: int64(rng.IntN(2)) * (seq - 1 - int64(rng.IntN(3))), New: seq}
				case 3:
					in = Input{Kind: TxWrite, Writes: []Write{{Key: 0, New: seq}, {Key: 1 + rng.IntN(3), New: seq, Cond: rng.IntN(2) == 0, Old: s[1]}}}
				default:
					in = Input{Kind: QueryAll}
				}
				ps = append(ps, pending{porcupine.Operation{ClientId: c, Call: call, Return: ret, Input: in}, call + rng.Int64N(ret-call)})
			}
		}
		// Take effect in the order of the points.
		for i := range ps {
			for j := i + 1; j < len(ps); j++ {
				if ps[j].point < ps[i].point {
					ps[i], ps[j] = ps[j], ps[i]
				}
			}
		}
		var ops []porcupine.Operation
		end := now
		for _, p := range ps {
			o := p.o
			in := o.Input.(Input)
			unknown := in.Kind != Get && in.Kind != QueryAll && rng.IntN(4) == 0
			var out Output
			switch in.Kind {
			case Get:
				out = val(s[in.Key])
			case QueryAll:
				out = val(append([]int64(nil), s[:]...)...)
			case Put:
				s[in.Key] = in.New
			case CAS:
				if s[in.Key] == in.Old {
					s[in.Key] = in.New
				} else {
					out.Result = CondFailed
				}
			case TxWrite:
				ok := true
				for _, w := range in.Writes {
					ok = ok && w.holds(s)
				}
				if ok {
					s = applyWrites(s, in.Writes)
				} else {
					out.Result = CondFailed
				}
			}
			if unknown {
				out.Result = Unknown
			}
			o.Output = out
			ops = append(ops, o)
			end = max(end, o.Return)
		}
		rounds = append(rounds, ops)
		now = end + 10
		snaps = append(snaps, snap(now, s[:]...))
	}
	if !legal {
		r := rounds[rng.IntN(len(rounds))]
		o := &r[rng.IntN(len(r))]
		out := o.Output.(Output)
		if len(out.Values) > 0 {
			vs := append([]int64(nil), out.Values...)
			vs[rng.IntN(len(vs))] += 1 + int64(rng.IntN(2))
			out.Values = vs
		} else if out.Result == OK {
			out.Result = CondFailed
		} else {
			out.Result = OK
		}
		o.Output = out
	}
	return snaps, rounds
}
