package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
)

// TestBlankRequired: a required text of only invisible characters is
// refused like an empty one, by the binding tags (every required string of
// a request struct, nested too) and by the domain's checks (issue 21
// item 7: a request whose description was two U+200B was accepted).
func TestBlankRequired(t *testing.T) {
	type item struct {
		Name string  `json:"name" binding:"required"`
		Note *string `json:"note" binding:"required"`
	}
	type req struct {
		Title    string   `json:"title" binding:"required,max=10"`
		Optional string   `json:"optional"`
		Items    []item   `json:"items"`
		Tags     []string `json:"tags" binding:"required,dive,max=3"`
	}
	zw := "\u200b\u200b"
	for _, tc := range []struct {
		name string
		in   req
		want []string
	}{
		{"OK", req{Title: "标题", Optional: zw, Items: []item{{"a", ptr("b")}}, Tags: []string{"x"}}, nil},
		{"ZeroWidth", req{Title: zw, Tags: []string{"x"}}, []string{"title"}},
		{"IdeographicSpace", req{Title: "\u3000\ufeff", Tags: []string{"x"}}, []string{"title"}},
		{"Nested", req{Title: "t", Items: []item{{"ok", ptr("ok")}, {zw, ptr(" \u2060")}}, Tags: []string{"x"}},
			[]string{"items[1].name", "items[1].note"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := check.Struct(&tc.in)
			var ae *apperr.Error
			if tc.want == nil {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			if !errorsAs(err, &ae) || len(ae.Fields) != len(tc.want) {
				t.Fatalf("validate = %v, want fields %v", err, tc.want)
			}
			for _, f := range tc.want {
				if ae.Fields[f] != "必填" {
					t.Errorf("fields[%q] = %q, want 必填 (%v)", f, ae.Fields[f], ae.Fields)
				}
			}
		})
	}

	e := newEnv(t)
	tok, _ := e.resident("blank")
	for _, d := range []string{"\u200b\u200b", " \u3000 ", "\ufeff\u200d"} {
		rec := e.do("POST", "/api/v1/requests", tok, map[string]any{
			"client_key": "blank-1", "category": "noise", "description": d, "street": "华富街道"})
		wantError(t, rec, http.StatusBadRequest, "invalid_argument", "description")
	}
	if n := e.count("requests"); n != 0 {
		t.Fatalf("%d requests stored from invisible descriptions", n)
	}
}

func ptr[T any](v T) *T { return &v }

func errorsAs(err error, ae **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	if ok {
		*ae = e
	}
	return ok
}

// TestErrorMessages: a 400 names every bad field in details.fields (keys
// are JSON paths) and its message is Chinese sentences naming them by
// their labels, without the JSON keys (issue 22 item 9).
func TestErrorMessages(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.resident("messages")
	rec := e.do("POST", "/api/v1/requests", tok, map[string]any{
		"client_key": "m-1", "category": "ufo", "description": "\u200b", "street": "火星街道"})
	wantStatus(t, rec, http.StatusBadRequest)
	var body struct {
		Error struct {
			Message string `json:"message"`
			Details struct {
				Fields map[string]string `json:"fields"`
			} `json:"details"`
		} `json:"error"`
	}
	decode(t, rec, &body)
	if got, want := body.Error.Message, "诉求类别：未知类别；请填写诉求描述；所在街道：未知街道"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if got, want := len(body.Error.Details.Fields), 3; got != want {
		t.Errorf("details.fields = %v, want 3 fields", body.Error.Details.Fields)
	}
	for _, f := range []string{"category", "description", "street"} {
		if body.Error.Details.Fields[f] == "" {
			t.Errorf("details.fields = %v, want %s", body.Error.Details.Fields, f)
		}
	}
	// Any error whose message is only its keyed fields reads the same way
	// (a 403 naming a field beyond the caller's reach); a sentence of its
	// own stays.
	e.srv.engine.GET("/test-forbidden", func(c *gin.Context) {
		e.srv.fail(c, &apperr.Error{Code: apperr.PermissionDenied, Message: "audience.streets: 超出您的管辖范围",
			Fields: map[string]string{"audience.streets": "超出您的管辖范围"}})
	})
	e.srv.engine.GET("/test-conflict", func(c *gin.Context) {
		e.srv.fail(c, &apperr.Error{Code: apperr.Conflict, Message: "已发布的问卷只能修改截止时间", Fields: map[string]string{"title": "已发布"}})
	})
	for path, want := range map[string]string{"/test-forbidden": "街道：超出您的管辖范围", "/test-conflict": "已发布的问卷只能修改截止时间"} {
		rec := e.do("GET", path, "", nil)
		decode(t, rec, &body)
		if body.Error.Message != want {
			t.Errorf("%s: message %q, want %q", path, body.Error.Message, want)
		}
	}
	// A nested path and a domain error: the label of the last segment.
	for path, want := range map[string]string{
		"audience.streets":      "街道",
		"questions[2].stem":     "题目第 3 项的题干",
		"photos[0]":             "照片第 1 项",
		"answers.17":            "作答",
		"subscribe.template_id": "模板",
		"nonsense_field":        "nonsense_field",
	} {
		if got := fieldLabel("GET /x", path); got != want {
			t.Errorf("fieldLabel(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestFieldLabels: every property of a request body and every parameter
// in the served document has a Chinese label, so no 400 message falls
// back to an English key.
func TestFieldLabels(t *testing.T) {
	raw, err := buildSpec()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	params := doc["components"].(map[string]any)["parameters"].(map[string]any)
	missing := map[string]bool{}
	var walk func(s any, seen map[string]bool)
	walk = func(s any, seen map[string]bool) {
		m, ok := s.(map[string]any)
		if !ok {
			return
		}
		if ref, ok := m["$ref"].(string); ok {
			name := ref[strings.LastIndexByte(ref, '/')+1:]
			if !seen[name] {
				seen[name] = true
				walk(schemas[name], seen)
			}
			return
		}
		props, _ := m["properties"].(map[string]any)
		for k, v := range props {
			if _, ok := fieldLabels[k]; !ok {
				missing[k] = true
			}
			walk(v, seen)
		}
		walk(m["items"], seen)
		walk(m["additionalProperties"], seen)
		for _, k := range []string{"allOf", "oneOf", "anyOf"} {
			xs, _ := m[k].([]any)
			for _, x := range xs {
				walk(x, seen)
			}
		}
	}
	for _, ops := range doc["paths"].(map[string]any) {
		for _, op := range ops.(map[string]any) {
			o, ok := op.(map[string]any)
			if !ok {
				continue
			}
			ps, _ := o["parameters"].([]any)
			for _, p := range ps {
				pm := p.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					pm = params[ref[strings.LastIndexByte(ref, '/')+1:]].(map[string]any)
				}
				if _, ok := fieldLabels[pm["name"].(string)]; !ok {
					missing[pm["name"].(string)] = true
				}
			}
			if rb, ok := o["requestBody"].(map[string]any); ok {
				for _, c := range rb["content"].(map[string]any) {
					walk(c.(map[string]any)["schema"], map[string]bool{})
				}
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("fields without a label in fieldLabels: %v", missing)
	}
}
