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

// Model is the key-value model porcupine checks histories against.
func Model() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{State{}} },
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
