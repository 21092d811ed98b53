// Package linearize checks that Dynago's strongly consistent operations are
// linearizable: histories of concurrent GetItem, PutItem, conditional
// UpdateItem, DeleteItem, TransactWriteItems, TransactGetItems and
// ConsistentRead Query, recorded from many clients across kill -9 and
// restarts, are checked with porcupine against the key-value model here.
//
// The model covers a few items of one partition (sort keys 0..Keys-1), so
// that a Query of the partition reads the whole state and a transaction
// may span any of them. A write whose outcome the client never learned
// (the server died, or answered a 5xx) may or may not have happened: the
// model steps it both ways, and since it cannot take effect after its
// client saw the failure, its interval ends there.
package linearize

import (
	"fmt"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// Keys is how many items the histories touch. Few keys make many
// operations contend, which is what finds ordering bugs.
const Keys = 4

// State is each item's value; 0 means absent. Values are unique per write,
// so a read names the one write it saw.
type State [Keys]int64

// Kind is an operation's type.
type Kind uint8

// The operations a history holds.
const (
	Get      Kind = iota // GetItem, ConsistentRead
	Put                  // PutItem, no condition
	Delete               // DeleteItem, no condition
	CAS                  // UpdateItem SET v = New, condition v = Old (Old 0: attribute_not_exists)
	TxWrite              // TransactWriteItems of Writes
	TxGet                // TransactGetItems of Keys
	QueryAll             // Query of the partition, ConsistentRead
)

// Write is one element of a TransactWriteItems: a Put of New (a Delete if
// New is 0), conditional on the old value being Old when Cond is set.
type Write struct {
	Key  int
	New  int64
	Cond bool
	Old  int64
}

// Input is what a client asked.
type Input struct {
	Kind   Kind
	Key    int   // Get, Put, Delete, CAS
	New    int64 // Put, CAS
	Old    int64 // CAS
	Writes []Write
	Read   []int // TxGet
}

// Result says how a write ended.
type Result uint8

// A write's outcomes.
const (
	OK         Result = iota // acknowledged
	CondFailed               // ConditionalCheckFailed (or a transaction cancelled for one)
	NoEffect                 // definitely not applied (TransactionConflict)
	Unknown                  // the client never learned: the server died or failed
)

// Output is what the client saw. Values holds a read's answer: one value
// for Get, one per Read key for TxGet, Keys values for QueryAll.
type Output struct {
	Result Result
	Values []int64
}

func (w Write) holds(s State) bool { return !w.Cond || s[w.Key] == w.Old }

func applyWrites(s State, ws []Write) State {
	for _, w := range ws {
		s[w.Key] = w.New
	}
	return s
}

// step returns the states s can move to with in answered by out; none
// means the answer was impossible from s.
func step(s State, in Input, out Output) []State {
	switch in.Kind {
	case Get:
		if out.Values[0] == s[in.Key] {
			return []State{s}
		}
	case TxGet:
		for i, k := range in.Read {
			if out.Values[i] != s[k] {
				return nil
			}
		}
		return []State{s}
	case QueryAll:
		if State(out.Values) == s {
			return []State{s}
		}
	case Put, Delete:
		n := s
		n[in.Key] = in.New
		switch out.Result {
		case Unknown:
			return []State{s, n}
		case NoEffect:
			return []State{s}
		}
		return []State{n}
	case CAS:
		holds := s[in.Key] == in.Old
		n := s
		n[in.Key] = in.New
		switch {
		case out.Result == Unknown && holds:
			return []State{s, n}
		case out.Result == Unknown, out.Result == NoEffect:
			return []State{s}
		case out.Result == OK && holds:
			return []State{n}
		case out.Result == CondFailed && !holds:
			return []State{s}
		}
	case TxWrite:
		holds := true
		for _, w := range in.Writes {
			holds = holds && w.holds(s)
		}
		switch {
		case out.Result == Unknown && holds:
			return []State{s, applyWrites(s, in.Writes)}
		case out.Result == Unknown, out.Result == NoEffect:
			return []State{s}
		case out.Result == OK && holds:
			return []State{applyWrites(s, in.Writes)}
		case out.Result == CondFailed && !holds:
			return []State{s}
		}
	}
	return nil
}

// Model is the key-value model porcupine checks histories against, from
// the empty table.
func Model() porcupine.Model { return ModelFrom(State{}) }

// ModelFrom is Model starting from init instead of the empty table.
func ModelFrom(init State) porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{init} },
		Step: func(state, input, output any) []any {
			next := step(state.(State), input.(Input), output.(Output))
			out := make([]any, len(next))
			for i, s := range next {
				out[i] = s
			}
			return out
		},
		Equal:             func(a, b any) bool { return a.(State) == b.(State) },
		DescribeOperation: describe,
		DescribeState:     func(s any) string { return fmt.Sprint(s.(State)) },
	}
	return nm.ToModel()
}

func describe(input, output any) string {
	in, out := input.(Input), output.(Output)
	res := [...]string{"ok", "condition failed", "no effect", "unknown"}[out.Result]
	switch in.Kind {
	case Get:
		return fmt.Sprintf("get(%d) -> %d", in.Key, out.Values[0])
	case TxGet:
		return fmt.Sprintf("txget(%v) -> %v", in.Read, out.Values)
	case QueryAll:
		return fmt.Sprintf("query -> %v", out.Values)
	case Put:
		return fmt.Sprintf("put(%d, %d) %s", in.Key, in.New, res)
	case Delete:
		return fmt.Sprintf("delete(%d) %s", in.Key, res)
	case CAS:
		return fmt.Sprintf("cas(%d, %d -> %d) %s", in.Key, in.Old, in.New, res)
	case TxWrite:
		var b strings.Builder
		for i, w := range in.Writes {
			if i > 0 {
				b.WriteString(", ")
			}
			if w.Cond {
				fmt.Fprintf(&b, "%d: %d -> %d", w.Key, w.Old, w.New)
			} else {
				fmt.Fprintf(&b, "%d := %d", w.Key, w.New)
			}
		}
		return fmt.Sprintf("txwrite(%s) %s", b.String(), res)
	}
	return "?"
}

// A history over many kills is too long for porcupine to search whole: its
// cache holds a bitset of the whole history per visited state, so memory
// grows with the square of the history's length (20 rounds, ~66 000
// operations, outgrew 24 GB). CheckRounds checks it in pieces, one per
// round between kills, and the pieces decide exactly what the whole
// history would.
//
// The recording makes that sound. Before round r's clients start (after
// the table is created, and after each restart), and once more after the
// last restart, one client alone reads the whole state with a
// ConsistentRead Query of the partition: snapshot r-1 before round r,
// snapshot r after it. Every operation of round r is called after snapshot
// r-1 returned and returns before snapshot r is called: the clients of a
// round are waited for before the restart, and CheckRounds refuses a
// history where this does not hold. (A write of unknown outcome has, as
// in the whole check, its interval end when its client saw the failure;
// the split relies on nothing more.) So, in real-time order, the snapshots
// cut the history: every linearization of the whole history runs snapshot
// 0, round 1, snapshot 1, round 2, ... in that order, and the state
// between round r and round r+1 is exactly snapshot r's answer (a Query
// reads every item the model has and changes nothing).
//
// Piece r is snapshot r-1, round r's operations and snapshot r, checked
// from the state snapshot r-1 read (from the empty table for piece 1, so
// that snapshot 0 is checked too). If the whole history is linearizable, cutting its linearization
// at the snapshots gives each piece's. If every piece is, their
// linearizations joined end to end are the whole history's: each starts in
// the state the previous one ended in (its end is the snapshot it shares
// with the next), and the order respects real time within a piece and
// across pieces. Writes of unknown outcome are carried correctly: piece r
// tries both possibilities of each of round r's, as the whole check would,
// and only those consistent with snapshot r pass; the next piece starts
// from snapshot r, the one state they can have left.
//
// Partitioning by key (porcupine's Model.Partition) would not be sound
// here: transactions and Queries span the keys.

// Piece is one round's check.
type Piece struct {
	Round   int
	Ops     int
	Unknown int // writes of unknown outcome
	Result  porcupine.CheckResult
	Took    time.Duration
	Info    porcupine.LinearizationInfo
	History []porcupine.Operation // the piece's operations, snapshots included
	Init    State
}

// CheckRounds checks a history recorded in len(rounds) rounds, where
// snaps[r] is the full-state Query that one client ran alone between
// round r and round r+1 (snaps[0] before round 1, snaps[len(rounds)] after
// the last), as described above. Each piece may take timeout. It stops at
// the first piece that is not proved linearizable.
func CheckRounds(snaps []porcupine.Operation, rounds [][]porcupine.Operation, timeout time.Duration) ([]Piece, error) {
	if len(snaps) != len(rounds)+1 {
		return nil, fmt.Errorf("%d rounds need %d snapshots, have %d", len(rounds), len(rounds)+1, len(snaps))
	}
	for i, s := range snaps {
		if s.Input.(Input).Kind != QueryAll || len(s.Output.(Output).Values) != Keys {
			return nil, fmt.Errorf("snapshot %d is not a Query of every key: %s", i, describe(s.Input, s.Output))
		}
	}
	var pieces []Piece
	for r, ops := range rounds {
		p := Piece{Round: r + 1}
		if r > 0 {
			p.Init = State(snaps[r].Output.(Output).Values)
		}
		for _, o := range ops {
			if o.Call < snaps[r].Return || o.Return > snaps[r+1].Call {
				return pieces, fmt.Errorf("round %d: %s [%d, %d] is not between its snapshots [.., %d] and [%d, ..]",
					r+1, describe(o.Input, o.Output), o.Call, o.Return, snaps[r].Return, snaps[r+1].Call)
			}
			if o.Output.(Output).Result == Unknown {
				p.Unknown++
			}
		}
		p.History = make([]porcupine.Operation, 0, len(ops)+2)
		p.History = append(p.History, snaps[r])
		p.History = append(p.History, ops...)
		p.History = append(p.History, snaps[r+1])
		p.Ops = len(p.History)
		start := time.Now()
		p.Result, p.Info = porcupine.CheckOperationsVerbose(ModelFrom(p.Init), p.History, timeout)
		p.Took = time.Since(start)
		pieces = append(pieces, p)
		if p.Result != porcupine.Ok {
			break
		}
	}
	return pieces, nil
}
