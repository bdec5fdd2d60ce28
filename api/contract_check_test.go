package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestContractCheckCatchesDrift feeds the contract check exchanges that
// contradict the document and checks it names what drifted: a check that
// cannot fail would let every API test pass whatever the server sends.
func TestContractCheckCatchesDrift(t *testing.T) {
	const me = `{"id":"1","nickname":"","avatar_url":"","phone_masked":"","street":"","community":"","birth_year":null,` +
		`"tags":[],"leaderboard_opt_in":false,"consent_version":"","consented_at":null,"created_at":"2026-01-01T08:00:00.000+08:00"}`
	answer := func(status int, ct, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		if ct != "" {
			rec.Header().Set("Content-Type", ct)
		}
		rec.WriteHeader(status)
		rec.WriteString(body)
		return rec
	}
	get := httptest.NewRequest("GET", "/api/v1/me", nil)
	cases := []struct {
		name   string
		req    *http.Request
		body   string
		rec    *httptest.ResponseRecorder
		wanted string // "" when the exchange matches the document
	}{
		{"Matches", get, "", answer(200, "application/json; charset=utf-8", me), ""},
		{"UndeclaredStatus", get, "", answer(418, "application/json", `{}`), "status 418 is not declared"},
		{"NullNotNullable", get, "", answer(200, "application/json", strings.Replace(me, `"tags":[]`, `"tags":null`, 1)), "at /tags"},
		{"RequiredMissing", get, "", answer(200, "application/json", strings.Replace(me, `"nickname":"",`, "", 1)), "at /nickname"},
		{"WrongType", get, "", answer(200, "application/json", strings.Replace(me, `"id":"1"`, `"id":1`, 1)), "at /id"},
		{"UndeclaredProperty", get, "", answer(200, "application/json", strings.Replace(me, `"id":"1"`, `"id":"1","openid":"x"`, 1)), "/openid"},
		{"ContentType", get, "", answer(200, "text/html", "<p>"), `content type "text/html" is not declared`},
		{"ErrorDetailsKey", get, "", answer(401, "application/json", `{"error":{"code":"unauthenticated","message":"x","details":{"hint":1}}}`), "/error/details/hint"},
		{"ErrorCode", get, "", answer(401, "application/json", `{"error":{"code":"nope","message":"x","details":{}}}`), "at /error/code"},
		{"RefusedRequestAccepted", httptest.NewRequest("PATCH", "/api/v1/me", strings.NewReader(`{"birth_year":"x"}`)), `{"birth_year":"x"}`,
			answer(200, "application/json", me), "the document refuses this request, but the server answered 200"},
		{"RefusedRequestRefused", httptest.NewRequest("PATCH", "/api/v1/me", strings.NewReader(`{"birth_year":"x"}`)), `{"birth_year":"x"}`,
			answer(400, "application/json", `{"error":{"code":"invalid_argument","message":"x","details":{"fields":{"birth_year":"x"}}}}`), ""},
		{"RetryAfterMissing", httptest.NewRequest("POST", "/api/v1/auth/staff-login", strings.NewReader(`{"username":"a","password":"b"}`)), `{"username":"a","password":"b"}`,
			answer(429, "application/json", `{"error":{"code":"rate_limited","message":"x","details":{"retry_after_s":3}}}`), "Retry-After"},
		{"TimeFormat", get, "", answer(200, "application/json", strings.Replace(me, `08:00:00.000+08:00`, `00:00:00Z`, 1)), "times not in the one format"},
		{"UndocumentedPath", httptest.NewRequest("GET", "/api/v1/secret", nil), "", answer(200, "application/json", `{}`), "not in the OpenAPI document"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.body != "" {
				tc.req.Header.Set("Content-Type", "application/json")
			}
			got := checkContract(tc.req, []byte(tc.body), tc.rec)
			switch {
			case tc.wanted == "" && got != "":
				t.Fatalf("a matching exchange was refused: %s", got)
			case tc.wanted != "" && !strings.Contains(got, tc.wanted):
				t.Fatalf("got %q, want it to contain %q", got, tc.wanted)
			}
		})
	}
}

// TestOpenAPIDocument checks the served document: it is valid OpenAPI,
// every operation has a unique operationId (the name of its handler in
// routes.go) and one declared tag, resident-facing tags come first with a
// Chinese summary on each of their operations, and every operation
// declares the error statuses it can give.
func TestOpenAPIDocument(t *testing.T) {
	c, err := contractDoc()
	if err != nil {
		t.Fatal(err)
	}
	doc := c.doc
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	declared := map[string]int{}
	for i, tag := range doc.Tags {
		declared[tag.Name] = i
	}
	residentTags := map[string]bool{"auth": true, "residents": true, "points": true, "enterprises": true, "notices": true, "surveys": true}
	for name := range residentTags {
		if i, ok := declared[name]; !ok || i >= len(residentTags) {
			t.Errorf("resident tag %q is not declared among the first %d tags", name, len(residentTags))
		}
	}

	e := newEnv(t)
	handlers := map[string]string{} // "METHOD /path" → handler name
	for _, r := range e.srv.Routes() {
		name := r.Handler[strings.LastIndex(r.Handler, ".")+1:]
		handlers[r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = strings.TrimSuffix(name, "-fm")
	}
	ids := map[string]string{}
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, path := range paths {
		for method, op := range doc.Paths.Value(path).Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", where)
			} else if prev, dup := ids[op.OperationID]; dup {
				t.Errorf("%s and %s share the operationId %q", prev, where, op.OperationID)
			}
			ids[op.OperationID] = where
			if h, ok := handlers[where]; ok && h != op.OperationID {
				t.Errorf("%s: operationId %q, want its handler's name %q", where, op.OperationID, h)
			}
			if len(op.Tags) != 1 {
				t.Errorf("%s: tags %v, want exactly one", where, op.Tags)
			}
			for _, tag := range op.Tags {
				if _, ok := declared[tag]; !ok {
					t.Errorf("%s: tag %q is not declared", where, tag)
				}
				if residentTags[tag] && !hasHan(op.Summary) {
					t.Errorf("%s: a resident-facing operation needs a Chinese summary, has %q", where, op.Summary)
				}
			}
			for _, status := range wantStatuses(path, op) {
				if op.Responses.Status(status) == nil {
					t.Errorf("%s does not declare %d", where, status)
				}
			}
		}
	}
}

// wantStatuses are the error statuses an operation can give whatever it
// does: 400 and 500 anywhere (a query parameter that is not UTF-8 is 400
// on every route); 401 with a token; 403 for admin and resident-only
// operations; 413 with a body; 404 with a path parameter; 429 for a
// resident's writes; 503 when it reads the database.
func wantStatuses(path string, op *openapi3.Operation) []int {
	out := []int{http.StatusBadRequest, http.StatusInternalServerError}
	public := op.Security != nil && len(*op.Security) == 0
	tag := ""
	if len(op.Tags) > 0 {
		tag = op.Tags[0]
	}
	if !public {
		out = append(out, http.StatusUnauthorized)
	}
	admin := strings.HasPrefix(tag, "admin-")
	residentOnly := !public && !admin && tag != "ops" && op.OperationID != "logout"
	if admin || residentOnly {
		out = append(out, http.StatusForbidden)
	}
	if op.RequestBody != nil {
		out = append(out, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
	}
	for _, p := range op.Parameters {
		switch p.Value.In {
		case openapi3.ParameterInPath:
			out = append(out, http.StatusBadRequest, http.StatusNotFound)
		case openapi3.ParameterInQuery:
			out = append(out, http.StatusBadRequest)
		}
	}
	if residentOnly && op.RequestBody != nil {
		out = append(out, http.StatusTooManyRequests)
	}
	if strings.HasPrefix(path, "/api/v1/") && op.OperationID != "listRegions" {
		out = append(out, http.StatusServiceUnavailable)
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
