package api

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/staff"
)

// specInputs walks the served document and calls visit for every schema a
// request can carry: each parameter's schema and every schema reachable
// from a request body, with a readable location.
func specInputs(t *testing.T, visit func(where string, s map[string]any, param map[string]any)) {
	t.Helper()
	raw, err := buildSpec()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	comps := doc["components"].(map[string]any)
	schemas := comps["schemas"].(map[string]any)
	params := comps["parameters"].(map[string]any)
	ref := func(m map[string]any, in map[string]any) map[string]any {
		if r, ok := m["$ref"].(string); ok {
			return in[r[strings.LastIndexByte(r, '/')+1:]].(map[string]any)
		}
		return m
	}
	var walk func(where string, s any, required bool, seen map[string]bool)
	walk = func(where string, s any, required bool, seen map[string]bool) {
		m, ok := s.(map[string]any)
		if !ok {
			return
		}
		if r, ok := m["$ref"].(string); ok {
			name := r[strings.LastIndexByte(r, '/')+1:]
			if seen[name] {
				return
			}
			next := map[string]bool{name: true}
			for k := range seen {
				next[k] = true
			}
			walk(where, schemas[name], required, next)
			return
		}
		if required {
			m = withRequired(m)
		}
		visit(where, m, nil)
		req := map[string]bool{}
		if rs, ok := m["required"].([]any); ok {
			for _, r := range rs {
				req[r.(string)] = true
			}
		}
		props, _ := m["properties"].(map[string]any)
		for k, v := range props {
			walk(where+"."+k, v, req[k], seen)
		}
		walk(where+"[]", m["items"], false, seen)
		walk(where+"{}", m["additionalProperties"], false, seen)
		for _, k := range []string{"allOf", "oneOf", "anyOf"} {
			xs, _ := m[k].([]any)
			for _, x := range xs {
				walk(where, x, required, seen)
			}
		}
	}
	for path, ops := range doc["paths"].(map[string]any) {
		for method, op := range ops.(map[string]any) {
			o, ok := op.(map[string]any)
			if !ok {
				continue
			}
			where := strings.ToUpper(method) + " " + path
			ps, _ := o["parameters"].([]any)
			for _, p := range ps {
				pm := ref(p.(map[string]any), params)
				s, _ := pm["schema"].(map[string]any)
				visit(where+" "+pm["in"].(string)+":"+pm["name"].(string), s, pm)
			}
			if rb, ok := o["requestBody"].(map[string]any); ok {
				for ct, c := range rb["content"].(map[string]any) {
					if ct == "application/json" {
						walk(where+" body", c.(map[string]any)["schema"], false, map[string]bool{})
					}
				}
			}
		}
	}
}

// withRequired marks a schema as one the request must carry (a required
// property or an array's element): a copy with "x-required".
func withRequired(m map[string]any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	c["x-required"] = true
	return c
}

func report(t *testing.T, what string, bad []string) {
	t.Helper()
	if len(bad) > 0 {
		sort.Strings(bad)
		t.Errorf("%s (%d):\n%s", what, len(bad), strings.Join(bad, "\n"))
	}
}

// TestDocumentIntegerRanges: every integer and number a request carries
// is documented with the range the server takes (issue 21 item 8), so no
// value reaches a column that cannot hold it.
func TestDocumentIntegerRanges(t *testing.T) {
	// Ranges the document cannot state: the current year moves.
	open := map[string]bool{"PATCH /api/v1/me body.birth_year": true, "PUT /api/v1/me body.birth_year": true}
	var bad []string
	specInputs(t, func(where string, s map[string]any, _ map[string]any) {
		if typ := s["type"]; (typ == "integer" || typ == "number") && !open[where] {
			_, lo := s["minimum"]
			_, hi := s["maximum"]
			if !lo || !hi {
				bad = append(bad, where)
			}
		}
	})
	report(t, "integers without minimum and maximum", bad)
}

// TestIntegerRanges: an integer past its column's range is 400 naming the
// field, nothing written (issue 21 item 8: MariaDB answered 500 for a sort
// outside INT).
func TestIntegerRanges(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	for _, tc := range []struct {
		field string
		body  map[string]any
	}{
		{"sort", map[string]any{"name": "宠物", "deadline_days": 3, "sort": 2147483648}},
		{"sort", map[string]any{"name": "宠物", "deadline_days": 3, "sort": -2147483649}},
		{"deadline_days", map[string]any{"name": "宠物", "deadline_days": 1 << 40}},
	} {
		wantError(t, e.do("PUT", "/api/v1/admin/request-categories/pets", admin, tc.body), http.StatusBadRequest, "invalid_argument", tc.field)
	}
	var n int64
	e.db.Table("request_categories").Where("code = 'pets'").Count(&n)
	if n != 0 {
		t.Fatalf("%d categories written by refused requests", n)
	}
	rec := e.do("PUT", "/api/v1/admin/request-categories/pets", admin, map[string]any{"name": "宠物", "deadline_days": 3, "sort": 2147483647})
	wantStatus(t, rec, http.StatusCreated)

	type body struct {
		Count *int `json:"count"`
		Items []struct {
			N int `json:"n"`
		} `json:"items"`
	}
	err := check.Struct(&body{Count: ptr(1 << 31), Items: []struct {
		N int `json:"n"`
	}{{1}, {-1 << 31}, {-1<<31 - 1}}})
	if err == nil || !strings.Contains(err.Error(), "count") || !strings.Contains(err.Error(), "items[2].n") || strings.Contains(err.Error(), "items[1]") {
		t.Fatalf("validate = %v, want count and items[2].n", err)
	}
}

// TestDocumentStrictness: the document is as strict as the server (issue
// 21 item 16): every required string of a request body has minLength (1:
// the server refuses "" and blank text; 0 where it takes "") unless an
// enum or format says more;
// every path parameter has a pattern, an enum or a range (IDs:
// idPattern's); ID query parameters have idPattern.
func TestDocumentStrictness(t *testing.T) {
	var noMin, noPattern []string
	specInputs(t, func(where string, s map[string]any, param map[string]any) {
		if s == nil {
			return
		}
		if param != nil {
			name, in := param["name"].(string), param["in"].(string)
			// target_id names a target of any kind (an ID, a USCC, a code).
			isID := name == "id" || strings.HasSuffix(name, "_id") && name != "target_id"
			switch {
			case isID && s["type"] == "string" && s["pattern"] != idPattern.String():
				noPattern = append(noPattern, where)
			case in == "path" && s["pattern"] == nil && s["enum"] == nil && s["maximum"] == nil && s["maxLength"] == nil:
				noPattern = append(noPattern, where)
			}
			return
		}
		if s["x-required"] == true && s["type"] == "string" && s["enum"] == nil && s["format"] == nil {
			if _, ok := s["minLength"].(float64); !ok { // 0 says "" is taken on purpose
				noMin = append(noMin, where)
			}
		}
	})
	report(t, "required strings without minLength", noMin)
	report(t, "parameters without their pattern", noPattern)
}

// TestContractDetails: the server refuses what the document refuses, naming
// the field (issue 21 item 16): a department_id that is not an ID string,
// an empty page_size, a since that is no date, an all that is no boolean,
// a role outside the enum; and it takes request_officer in a role update.
func TestContractDetails(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	for _, tc := range []struct {
		method, path string
		body         any
		field        string
	}{
		{"POST", "/api/v1/admin/points/rules", map[string]any{"code": "tidy_up", "name": "清洁", "points": 5, "department_id": "abc"}, "department_id"},
		{"POST", "/api/v1/admin/points/rules", map[string]any{"code": "tidy_up", "name": "清洁", "points": 5, "department_id": 7}, "department_id"},
		{"POST", "/api/v1/admin/points/rules", map[string]any{"code": "tidy_up", "name": "清洁", "points": 5, "department_id": "+7"}, "department_id"},
		{"POST", "/api/v1/admin/staff", map[string]any{"username": "new_one", "password": "a-long-passphrase", "roles": []string{"editor"}, "department_id": "1x"}, "department_id"},
		{"POST", "/api/v1/admin/staff", map[string]any{"username": "new_one", "password": "a-long-passphrase", "roles": []string{"editor"}, "department_id": "007"}, "department_id"},
		{"GET", "/api/v1/admin/staff?page_size=", nil, "page_size"},
		{"GET", "/api/v1/admin/staff?role=boss", nil, "role"},
		{"GET", "/api/v1/admin/holidays?since=tomorrow", nil, "since"},
		{"GET", "/api/v1/requests/categories?all=yes", nil, "all"},
	} {
		wantError(t, e.do(tc.method, tc.path, admin, tc.body), http.StatusBadRequest, "invalid_argument", tc.field)
	}
	if n := e.count("point_rules"); n != 0 {
		var codes []string
		e.db.Table("point_rules").Where("code = 'tidy_up'").Pluck("code", &codes)
		if len(codes) != 0 {
			t.Fatalf("a refused rule was written")
		}
	}
	wantStatus(t, e.do("GET", "/api/v1/admin/holidays?since=2026-01-01", admin, nil), http.StatusOK)
	wantStatus(t, e.do("GET", "/api/v1/requests/categories?all=true", "", nil), http.StatusOK)
	// An ID path parameter outside idPattern is not found, like a missing object.
	tok, _ := e.resident("ids")
	id := strconv.FormatInt(e.submitRequest(tok, "noise", "华富街道", nil).ID, 10)
	wantStatus(t, e.do("GET", "/api/v1/requests/"+id, tok, nil), http.StatusOK)
	for _, bad := range []string{"+" + id, "0" + id} {
		wantError(t, e.do("GET", "/api/v1/requests/"+bad, tok, nil), http.StatusNotFound, "not_found", "")
	}

	_, m := e.staffer([]staff.Role{staff.Editor})
	rec := e.do("PATCH", "/api/v1/admin/staff/"+strconv.FormatInt(m.ID, 10), admin, map[string]any{"roles": []string{"request_officer"}})
	wantStatus(t, rec, http.StatusOK)
}
