package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/futian/ifutian/staff"
)

// TestInvalidUTF8Body: encoding/json would quietly turn bytes that are not
// UTF-8 into U+FFFD; the API refuses them instead, naming the field that
// holds them, and writes nothing.
func TestInvalidUTF8Body(t *testing.T) {
	e := newEnv(t)
	resident, id := e.resident("utf8")
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	for name, tc := range map[string]struct {
		method, path, token, body, field string
	}{
		"Nickname":      {"PATCH", "/api/v1/me", resident, "{\"nickname\":\"\xff\xfe名\"}", "nickname"},
		"TruncatedRune": {"PATCH", "/api/v1/me", resident, "{\"street\":\"华富街道\",\"nickname\":\"\xe5\x90\"}", "nickname"},
		"ArrayItem":     {"PATCH", "/api/v1/me", resident, "{\"tags\":[\"党员\",\"\xc3\x28\"]}", "tags[1]"},
		"Nested":        {"POST", "/api/v1/admin/notices", editor, "{\"title\":\"t\",\"audience\":{\"streets\":[\"华富街道\",\"\xed\xa0\x80\"]},\"body\":\"b\"}", "audience.streets[1]"},
		"MapValue":      {"POST", "/api/v1/surveys/1/responses", resident, "{\"answers\":{\"7\":[\"\xf8\x88\x80\x80\x80\"]}}", "answers.7[0]"},
		"NestedKey":     {"POST", "/api/v1/admin/notices", editor, "{\"audience\":{\"\xff\":1}}", "audience"},
		"RootKey":       {"PATCH", "/api/v1/me", resident, "{\"\xffnickname\":\"x\"}", "body"},
		"OutsideString": {"PATCH", "/api/v1/me", resident, "{\"nickname\":\"x\"}\xff", "body"},
		"NotJSON":       {"PATCH", "/api/v1/me", resident, "\xff\xfe{", "body"},
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, e.do(tc.method, tc.path, tc.token, tc.body), http.StatusBadRequest, "invalid_argument", tc.field)
		})
	}
	r, err := e.residents.FindByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Nickname != "" || r.Street != "" || len(r.Tags) != 0 {
		t.Fatalf("resident changed: %+v", r)
	}
	if n := e.count("notices") + e.count("survey_responses"); n != 0 {
		t.Fatalf("%d rows written", n)
	}
	t.Run("ValidStillWorks", func(t *testing.T) {
		wantStatus(t, e.do("PATCH", "/api/v1/me", resident, map[string]any{"nickname": "小明😀"}), http.StatusOK)
	})
}

// TestInvalidUTF8QueryPathHeader: query parameters, path parameters and the
// Idempotency-Key header are checked too, each named.
func TestInvalidUTF8QueryPathHeader(t *testing.T) {
	e := newEnv(t)
	resident, _ := e.resident("utf8q")
	auditor, _ := e.staffer([]staff.Role{staff.Superadmin})
	for name, tc := range map[string]struct {
		method, path, token, field string
		headers                    []string
	}{
		"Query":          {"GET", "/api/v1/admin/audit-log?action=%ff%fe", auditor, "action", nil},
		"QueryKey":       {"GET", "/api/v1/admin/audit-log?%ff=1", auditor, "query", nil},
		"QueryAnonymous": {"GET", "/api/v1/points/leaderboard?scope=street&page_token=%c3%28", resident, "page_token", nil},
		"Path":           {"GET", "/api/v1/enterprises/%ff%fe/rating", "", "uscc", nil},
		"PathID":         {"GET", "/api/v1/notices/%e5%90", resident, "id", nil},
		"IdempotencyKey": {"POST", "/api/v1/rewards/1/redeem", resident, "Idempotency-Key", []string{"Idempotency-Key", "key-\xff"}},
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, e.do(tc.method, tc.path, tc.token, nil, tc.headers...), http.StatusBadRequest, "invalid_argument", tc.field)
		})
	}
}

// TestInvalidUTF8Uploads: a CSV upload that is not UTF-8 is a 400 naming
// the line, never a 500 from the database.
func TestInvalidUTF8Uploads(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	t.Run("Questions", func(t *testing.T) {
		csv := "type,stem,options,answer\n" +
			"judge,宪法是国家的根本法,对|错,对\n" +
			"judge,\xd7\xdc\xd4\xf2,对|错,对\n" // GBK, as Excel saves it
		rec := e.do("POST", "/api/v1/admin/questions", editor, csv, "Content-Type", "text/csv")
		wantError(t, rec, http.StatusBadRequest, "invalid_argument", "body")
		if !strings.Contains(rec.Body.String(), "3") {
			t.Fatalf("error does not name line 3: %s", rec.Body.String())
		}
		if n := e.count("survey_questions"); n != 0 {
			t.Fatalf("%d questions written", n)
		}
	})
	t.Run("EnterpriseImport", func(t *testing.T) {
		officer, _ := e.staffer([]staff.Role{staff.CreditOfficer})
		csv := "uscc,name,industry,street\n" +
			code(1) + ",深圳市甲公司,制造业,华富街道\n" +
			code(2) + ",\xc9\xee\xdb\xda\xca\xd0,制造业,华富街道\n"
		rec := e.do("POST", "/api/v1/admin/enterprises/import", officer, csv, "Content-Type", "text/csv")
		if rec.Code >= 500 {
			t.Fatalf("import of a line that is not UTF-8: %d %s", rec.Code, rec.Body.String())
		}
	})
}

func TestInvalidUTF8Field(t *testing.T) {
	for body, want := range map[string]string{
		"\"\xff\"":         "body",
		"{\"a\":\"\xff\"}": "a",
		"{\"a\":1,\"b\":{\"c\":[0,{\"d\":\"ok\"},\"\xff\"]}}": "b.c[2]",
		"[{\"x\":[]},{\"y\":\"\xff\"}]":                       "[1].y",
		"{\"a\":{\"b\":\"ok\"},\"c\":\"\xe0\x80\"}":           "c",
		"{\"a\":{\"\xff\":1}}":                                "a",
		"{\"a\":tru\xff}":                                     "body",
		"{\"a\":\"ok\"}   \xff":                               "body",
	} {
		if got := invalidUTF8Field([]byte(body)); got != want {
			t.Errorf("invalidUTF8Field(%q)=%q, want %q", body, got, want)
		}
	}
}

// FuzzInvalidUTF8Field: for any input, the field named holds the bad bytes:
// encoding/json decodes it as a string with U+FFFD where they were.
func FuzzInvalidUTF8Field(f *testing.F) {
	for _, s := range []string{"{\"a\":\"\xff\"}", "[1,\"\xfe\",{\"b\":[\"\xc3\"]}]", "{\"k\":{\"j\":\"x\xed\xa0\x80\"}}", "\xff", "{}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if utf8.Valid(body) {
			return
		}
		field := invalidUTF8Field(body)
		if field == "" {
			t.Fatalf("invalidUTF8Field(%q) named nothing", body)
		}
		if field == "body" {
			return
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("invalidUTF8Field(%q)=%q for a body that does not decode (%v)", body, field, err)
		}
		got, ok := lookup(v, field)
		if !ok {
			return // a key holding '.' or '[' cannot be looked up this way
		}
		switch g := got.(type) {
		case string:
			if !strings.ContainsRune(g, utf8.RuneError) {
				t.Fatalf("invalidUTF8Field(%q)=%q, which holds %q", body, field, g)
			}
		case map[string]any: // a key of this object held the bad bytes
		default:
			t.Fatalf("invalidUTF8Field(%q)=%q, which holds %v", body, field, got)
		}
	})
}

// lookup follows a path such as "a.b[2].c" into a decoded JSON value.
func lookup(v any, path string) (any, bool) {
	for path != "" {
		switch {
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			i, err := strconv.Atoi(path[1:max(end, 1)])
			arr, ok := v.([]any)
			if end < 0 || err != nil || !ok || i >= len(arr) {
				return nil, false
			}
			v, path = arr[i], strings.TrimPrefix(path[end+1:], ".")
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = obj[path[:end]]; !ok {
				return nil, false
			}
			path = strings.TrimPrefix(path[end:], ".")
		}
	}
	return v, true
}
