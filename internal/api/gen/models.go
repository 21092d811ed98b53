package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
)

// service is one API model the generator reads: its target prefix
// (DynamoDB_20120810, DynamoDBStreams_20120810) and the Go name of its
// Service constant.
type service struct {
	prefix string
	goName string
}

// loadModels reads the models at paths and merges them into one: every
// operation (tagged with the model it came from) and every shape. It also
// returns each structure's member order (see memberOrder), merged the same
// way. The services are recorded in the returned model's services list, in
// path order.
func loadModels(paths []string) (*model, map[string][]string, error) {
	merged := &model{Operations: map[string]*operation{}, Shapes: map[string]shape{}}
	order := map[string][]string{}
	differ := map[string]bool{} // shapes a later model defines otherwise
	var later []*model
	for i, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		m := new(model)
		if err := json.Unmarshal(raw, m); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if m.Metadata.TargetPrefix == "" {
			return nil, nil, fmt.Errorf("%s: no metadata.targetPrefix", path)
		}
		merged.services = append(merged.services, service{
			prefix: m.Metadata.TargetPrefix,
			goName: "Service" + strings.ReplaceAll(m.Metadata.ServiceID, " ", ""),
		})
		mo, err := memberOrder(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		for name, op := range m.Operations {
			if _, dup := merged.Operations[name]; dup {
				return nil, nil, fmt.Errorf("%s: operation %s is also in an earlier model", path, name)
			}
			op.service = i
			merged.Operations[name] = op
		}
		for name, s := range m.Shapes {
			prev, ok := merged.Shapes[name]
			if !ok {
				merged.Shapes[name] = s
				order[name] = mo[name]
				continue
			}
			if !sameShape(prev, s) {
				differ[name] = true
			}
		}
		if i > 0 {
			later = append(later, m)
		}
	}
	// A shape defined differently by a later model must not constrain one
	// of that model's inputs: the first definition would be enforced.
	for _, m := range later {
		for name := range reachableFromInputs(m) {
			if differ[name] {
				return nil, nil, fmt.Errorf("shape %s is defined differently by two models and reaches an input", name)
			}
		}
	}
	return merged, order, nil
}

// sameShape reports whether two definitions of a shape agree, ignoring
// their documentation.
func sameShape(a, b shape) bool {
	strip := func(s shape) shape {
		s.Documentation = ""
		if s.Members != nil {
			ms := make(map[string]member, len(s.Members))
			for k, m := range s.Members {
				m.Documentation = ""
				ms[k] = m
			}
			s.Members = ms
		}
		for _, p := range []**member{&s.Member, &s.Key, &s.Value} {
			if *p != nil {
				c := **p
				c.Documentation = ""
				*p = &c
			}
		}
		return s
	}
	return reflect.DeepEqual(strip(a), strip(b))
}

// reachableFromInputs returns the names of every shape an input of m
// reaches.
func reachableFromInputs(m *model) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		s := m.Shapes[n]
		for _, mem := range s.Members {
			visit(mem.Shape)
		}
		for _, p := range []*member{s.Member, s.Key, s.Value} {
			if p != nil {
				visit(p.Shape)
			}
		}
	}
	for _, op := range m.Operations {
		if op.Input != nil {
			visit(op.Input.Shape)
		}
	}
	return seen
}
