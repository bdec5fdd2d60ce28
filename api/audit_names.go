package api

import (
	"context"
	"strconv"
	"strings"

	"github.com/futian/ifutian/staff"
)

// The audit log's objects by name. Names are read when the log is read,
// in one query per kind of object on the page, through what the module
// owning the object exports (activities.Titles, points.RuleNames, …): a
// renamed rule shows its name of now beside its ID, and nothing about
// residents is named (their entries keep the ID). A snapshot at write
// time would have needed every write to name its object, and a column
// that could hold residents' names.

// auditNamers names the objects of each kind that has names, by ID as the
// log records it.
func (s *Server) auditNamers() map[string]func(context.Context, []string) (map[string]string, error) {
	ids := func(f func(context.Context, []int64) (map[int64]string, error)) func(context.Context, []string) (map[string]string, error) {
		return func(ctx context.Context, keys []string) (map[string]string, error) {
			var ns []int64
			for _, k := range keys {
				if n, err := strconv.ParseInt(k, 10, 64); err == nil && n > 0 {
					ns = append(ns, n)
				}
			}
			got, err := f(ctx, ns)
			if err != nil {
				return nil, err
			}
			out := make(map[string]string, len(got))
			for id, name := range got {
				out[strconv.FormatInt(id, 10)] = name
			}
			return out, nil
		}
	}
	return map[string]func(context.Context, []string) (map[string]string, error){
		"activities":       ids(s.Activities.Titles),
		"activity":         ids(s.Activities.Titles),
		"rules":            ids(s.Points.RuleNames),
		"rewards":          ids(s.Points.RewardNames),
		"enterprises":      s.Enterprises.Names,
		"benefit-programs": ids(s.Enterprises.ProgramNames),
		"notices":          ids(s.Notify.Titles),
		"surveys":          ids(s.Surveys.Titles),
		"staff":            ids(s.Staff.Usernames),
		"departments":      ids(s.Staff.DepartmentNames),
		"knowledge":        ids(s.Knowledge.Questions),
	}
}

// auditObjectNames returns the names of the entries' objects, keyed by
// kind and then ID.
func (s *Server) auditObjectNames(ctx context.Context, es []staff.AuditEntry) (map[string]map[string]string, error) {
	namers := s.auditNamers()
	want := map[string][]string{}
	seen := map[string]bool{}
	for _, e := range es {
		if _, ok := namers[e.TargetKind]; !ok || e.TargetID == "" || seen[e.TargetKind+" "+e.TargetID] {
			continue
		}
		seen[e.TargetKind+" "+e.TargetID] = true
		want[e.TargetKind] = append(want[e.TargetKind], e.TargetID)
	}
	out := map[string]map[string]string{}
	for kind, keys := range want {
		names, err := namers[kind](ctx, keys)
		if err != nil {
			return nil, err
		}
		out[kind] = names
	}
	return out, nil
}

// auditChange is one changed field as an auditor reads it.
type auditChange struct {
	staff.AuditChange
	Label string `json:"label" doc:"the field in Chinese where the API names it (fieldLabels), else its JSON key"`
}

// auditChanges labels an entry's recorded changes.
func auditChanges(raw string) []auditChange {
	cs := staff.ParseChanges(raw)
	out := make([]auditChange, 0, len(cs))
	for _, c := range cs {
		l, ok := fieldLabels[c.Field]
		if !ok {
			l = c.Field
		}
		out = append(out, auditChange{AuditChange: c, Label: l})
	}
	return out
}

// auditChangesText is the changes in one line, for the export's 变更 column.
func auditChangesText(cs []auditChange) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, c.Label+"："+orDash(c.Before)+" → "+orDash(c.After))
	}
	return strings.Join(parts, "；")
}

func orDash(s string) string {
	if s == "" {
		return "（空）"
	}
	return s
}
