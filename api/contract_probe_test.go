package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/staff"
)

// TestRequestSchemasHold sends every operation that takes a JSON body its
// required properties (set to the document's examples) and then bodies its
// schema refuses, one property at a time: a value outside its enum, an
// empty string where minLength is 1, an ID not of its pattern, a string
// past maxLength, a number past minimum or maximum, a value of the wrong
// type. Each must be refused with 400 naming the property in
// details.fields, so a limit the document states is a limit the server
// keeps, and says so.
func TestRequestSchemasHold(t *testing.T) {
	e := newEnvWith(t, func(c *Config) {
		c.Limits = Limits{
			StaffLoginPerUser: ratelimit.Limit{Count: 1 << 30, Period: time.Second},
			StaffLoginPerIP:   ratelimit.Limit{Count: 1 << 30, Period: time.Second},
			ResidentWrites:    ratelimit.Limit{Count: 1 << 30, Period: time.Second},
		}
	})
	c, err := contractDoc()
	if err != nil {
		t.Fatal(err)
	}
	resident, _ := e.resident("prober")
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	// Every operation is documented by the route table (contract.go).
	srv, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	generated := map[string]documented{}
	for _, d := range srv.docs {
		generated[d.ID] = d
	}
	fill := strings.NewReplacer("{id}", "1", "{uscc}", "914403001922038216", "{code}", "noise", "{day}", "2026-10-01")
	paths := c.doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	sent, accepted, probed := 0, 0, map[string]bool{}
	for _, path := range paths {
		for method, op := range c.doc.Paths.Value(path).Operations() {
			if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
				continue
			}
			d, ok := generated[op.OperationID]
			if !ok {
				t.Errorf("%s %s (%s) is not documented by the route table", method, path, op.OperationID)
				continue
			}
			token := resident
			switch {
			case d.Kind == public:
				token = ""
			case d.Kind == staffer:
				token = admin
			}
			// A body of several shapes (oneOf) is probed in each of its
			// object shapes.
			schema := op.RequestBody.Value.Content.Get("application/json").Schema.Value
			shapes := []*openapi3.Schema{schema}
			if len(schema.OneOf) > 0 {
				shapes = nil
				for _, alt := range schema.OneOf {
					shapes = append(shapes, alt.Value)
				}
			}
			for _, schema := range shapes {
				if schema == nil || len(schema.Properties) == 0 {
					continue
				}
				probed[op.OperationID] = true
				s, a := probe(t, e, method, fill.Replace(path), token, schema)
				sent, accepted = sent+s, accepted+a
			}
		}
	}
	// The operations converted last are probed too.
	for _, id := range []string{"createQuestions", "createSurvey", "updateSurvey", "saveRequestCategory", "saveHoliday"} {
		if !probed[id] {
			t.Errorf("%s was not probed", id)
		}
	}
	// Most bases are refused for want of real objects (IDs, an attempt, a
	// pending binding); the examples in the document make these accepted.
	if sent < 100 || accepted < 10 {
		t.Fatalf("%d refused bodies sent, %d base bodies accepted: the probe has lost its bite", sent, accepted)
	}
}

// probe sends schema's base body (its required properties) to method
// path, then one refused value of each property at a time, each of which
// must be a 400 naming the property; it returns how many refused bodies it
// sent and whether the base was accepted.
func probe(t *testing.T, e *env, method, path, token string, schema *openapi3.Schema) (sent, accepted int) {
	t.Helper()
	base := sample(schema)
	// A body the server accepts makes the probe bite: each refused
	// variant then differs from an accepted body in one property.
	if rec := e.do(method, path, token, base); rec.Code < 300 {
		accepted++
	}
	names := make([]string, 0, len(schema.Properties))
	for name := range schema.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, bad := range refused(schema.Properties[name].Value) {
			body := map[string]any{}
			for k, v := range base {
				body[k] = v
			}
			body[name] = bad
			rec := e.do(method, path, token, body)
			sent++
			if !namesField(rec, name) {
				t.Errorf("%s %s with %s=%v: %d %s, want 400 naming %s", method, path, name, bad, rec.Code, rec.Body, name)
			}
		}
	}
	return sent, accepted
}

// namesField reports whether rec is a 400 whose details.fields names the
// property name (or a path inside it).
func namesField(rec *httptest.ResponseRecorder, name string) bool {
	if rec.Code != http.StatusBadRequest {
		return false
	}
	var body struct {
		Error struct {
			Details struct {
				Fields map[string]string `json:"fields"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &body) != nil {
		return false
	}
	for f := range body.Error.Details.Fields {
		if f == name || strings.HasPrefix(f, name+".") || strings.HasPrefix(f, name+"[") {
			return true
		}
	}
	return false
}

// sample builds a body with every required property of s set to its
// example, or else a plain value of its type.
func sample(s *openapi3.Schema) map[string]any {
	out := map[string]any{}
	for _, name := range s.Required {
		p := s.Properties[name]
		if p == nil || p.Value == nil {
			continue
		}
		out[name] = sampleValue(p.Value)
	}
	return out
}

func sampleValue(s *openapi3.Schema) any {
	if s.Example != nil {
		return s.Example
	}
	if len(s.OneOf) > 0 && s.OneOf[0].Value != nil {
		return sampleValue(s.OneOf[0].Value)
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch {
	case s.Type.Is("string"):
		if s.Format == "date-time" {
			return time.Now().Add(time.Hour).Format(time.RFC3339)
		}
		return "x"
	case s.Type.Is("integer"), s.Type.Is("number"):
		if s.Min != nil {
			return *s.Min
		}
		return 1
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("array"):
		return []any{}
	case s.Type.Is("object"):
		return sample(s)
	}
	return nil
}

// refused lists values the schema s refuses.
func refused(s *openapi3.Schema) []any {
	if s == nil || len(s.OneOf) > 0 || len(s.AnyOf) > 0 || len(s.AllOf) > 0 {
		return nil
	}
	var out []any
	if len(s.Enum) > 0 {
		if s.Type.Is("string") {
			out = append(out, "not-in-the-enum")
		}
	}
	switch {
	case s.Type.Is("string"):
		out = append(out, 12345)
		if s.MinLength > 0 {
			out = append(out, "")
		}
		if s.Pattern == idPattern.String() {
			out = append(out, "007")
		}
		if s.MaxLength != nil {
			out = append(out, strings.Repeat("x", int(*s.MaxLength)+1))
		}
	case s.Type.Is("integer"), s.Type.Is("number"):
		out = append(out, "12")
		if s.Min != nil {
			out = append(out, *s.Min-1)
		}
		if s.Max != nil {
			out = append(out, *s.Max+1)
		}
		if s.Type.Is("integer") {
			out = append(out, 1.5)
		}
	case s.Type.Is("boolean"):
		out = append(out, "yes")
	case s.Type.Is("array"):
		out = append(out, "x")
		if s.MaxItems != nil {
			items := make([]any, *s.MaxItems+1)
			for i := range items {
				items[i] = fmt.Sprint(i)
				if s.Items != nil && s.Items.Value != nil {
					items[i] = sampleValue(s.Items.Value)
				}
			}
			out = append(out, items)
		}
	case s.Type.Is("object"):
		out = append(out, "x")
	}
	return out
}
