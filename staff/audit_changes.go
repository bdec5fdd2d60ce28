package staff

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"unicode/utf8"
)

// AuditChange is one field an update changed, as its audit entry records
// it: the field's JSON key and its value before and after, as text.
type AuditChange struct {
	Field  string `json:"field" doc:"the field's JSON key"`
	Before string `json:"before" doc:"its value before the change (text; JSON for lists and objects; masked for contact details)"`
	After  string `json:"after" doc:"its value after the change"`
}

// The limits of an entry's changes: at most maxChanges fields, each value
// cut to maxChangeValue characters, so that the recorded JSON stays well
// under the column's 4000 characters.
const (
	maxChanges     = 12
	maxChangeValue = 120
)

// unaudited are keys an update's changes leave out: bookkeeping every
// update moves (timestamps, versions) and what is not the object's own.
var unaudited = map[string]bool{
	"id": true, "created_at": true, "updated_at": true, "version": true, "updated_by": true, "created_by": true,
	"password_hash": true, "confirmed": true, "waiting": true, "checked_in": true,
}

// masked reports whether a key holds contact details or another person's
// identity: its values are recorded as "已修改" only, never themselves.
func masked(key string) bool {
	for _, part := range []string{"phone", "mobile", "contact", "id_card", "idcard", "openid", "email", "address", "password"} {
		if strings.Contains(key, part) {
			return true
		}
	}
	return false
}

// Diff returns the top-level JSON fields that differ between before and
// after (two values of the same type), sorted by key, limited as above and
// with contact details masked. Values that are not JSON objects give none.
func Diff(before, after any) []AuditChange {
	b, a := asFields(before), asFields(after)
	if b == nil || a == nil {
		return nil
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []AuditChange
	for _, k := range keys {
		if unaudited[k] || string(b[k]) == string(a[k]) {
			continue
		}
		c := AuditChange{Field: k, Before: shown(b[k]), After: shown(a[k])}
		if masked(k) {
			c.Before, c.After = "***", "***（已修改）"
		}
		out = append(out, c)
		if len(out) == maxChanges {
			break
		}
	}
	return out
}

func asFields(v any) map[string]json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// shown is a JSON value as an auditor reads it: a string without quotes,
// null as "", anything else as its JSON, cut to maxChangeValue characters.
func shown(raw json.RawMessage) string {
	s := string(raw)
	var str string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
		s = str
	}
	if s == "null" {
		s = ""
	}
	if utf8.RuneCountInString(s) > maxChangeValue {
		s = string([]rune(s)[:maxChangeValue-1]) + "…"
	}
	return s
}

// AuditChanges records in the request's audit entry what an update changed
// (see Diff: before and after are the object as the API shows it or as it
// is stored); domain code calls it inside the update's transaction, before
// it commits. It does nothing outside a staff request or when nothing
// changed.
func AuditChanges(ctx context.Context, before, after any) {
	RecordChanges(ctx, Diff(before, after))
}

// RecordChanges records changes already worked out (settings, whose
// values are not one object's fields) in the request's audit entry.
func RecordChanges(ctx context.Context, cs []AuditChange) {
	p, ok := ctx.Value(pendingAuditKey{}).(*PendingAudit)
	if !ok || len(cs) == 0 {
		return
	}
	if len(cs) > maxChanges {
		cs = cs[:maxChanges]
	}
	for i := range cs {
		cs[i].Before, cs[i].After = cut(cs[i].Before), cut(cs[i].After)
	}
	raw, err := json.Marshal(cs)
	// The column holds 4000 characters: leave out the last fields until
	// the JSON fits (escapes may lengthen it).
	for err == nil && utf8.RuneCount(raw) > 3900 && len(cs) > 1 {
		cs = cs[:len(cs)-1]
		raw, err = json.Marshal(cs)
	}
	if err != nil || utf8.RuneCount(raw) > 3900 {
		return
	}
	p.mu.Lock()
	p.entry.Changes = string(raw)
	p.mu.Unlock()
}

func cut(s string) string {
	if utf8.RuneCountInString(s) > maxChangeValue {
		return string([]rune(s)[:maxChangeValue-1]) + "…"
	}
	return s
}

// ParseChanges reads an entry's recorded changes (none for an entry
// without, or one written before they were recorded).
func ParseChanges(raw string) []AuditChange {
	if raw == "" {
		return nil
	}
	var cs []AuditChange
	if json.Unmarshal([]byte(raw), &cs) != nil {
		return nil
	}
	return cs
}
