package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestRewriteTimes: every time a response carries, in members the document
// declares as date-time (or named …_at), nested or in lists, comes out in
// TimeFormat; other strings, numbers and escapes pass byte for byte.
func TestRewriteTimes(t *testing.T) {
	keys := map[string]bool{"deadline": true, "from": true}
	for _, tc := range []struct{ in, want string }{
		{`{"created_at":"2026-12-07T17:36:56.060442636Z"}`, `{"created_at":"2026-12-08T01:36:56.060+08:00"}`},
		{`{"created_at":"2026-12-07T16:00:00Z","n":1}`, `{"created_at":"2026-12-08T00:00:00.000+08:00","n":1}`},
		{`{"deadline":"2026-12-07T09:00:00.5-05:00"}`, `{"deadline":"2026-12-07T22:00:00.500+08:00"}`},
		{`{"items":[{"a":{"from":"2026-01-01T00:00:00Z"}},{"read_at":null}]}`, `{"items":[{"a":{"from":"2026-01-01T08:00:00.000+08:00"}},{"read_at":null}]}`},
		{`[{"created_at":"2026-12-08T01:36:56.060+08:00"}]`, `[{"created_at":"2026-12-08T01:36:56.060+08:00"}]`},
		// Not a time member, or not a time: as it is.
		{`{"client_key":"2026-12-07T17:36:56Z","from":"tom"}`, `{"client_key":"2026-12-07T17:36:56Z","from":"tom"}`},
		{`{"description":"a \"created_at\":\"2026-12-07T17:36:56Z\"","x":["2026-12-07T17:36:56Z"]}`, `{"description":"a \"created_at\":\"2026-12-07T17:36:56Z\"","x":["2026-12-07T17:36:56Z"]}`},
		{`{"k\"":"v","created_at":"2026-12-07T17:36:56Z"}`, `{"k\"":"v","created_at":"2026-12-08T01:36:56.000+08:00"}`},
		{`{"created_at":"2026-12-07T17:36`, `{"created_at":"2026-12-07T17:36`}, // cut short: untouched
	} {
		got := string(rewriteTimes([]byte(tc.in), keys))
		if got != tc.want {
			t.Errorf("rewriteTimes(%s)\n got %s\nwant %s", tc.in, got, tc.want)
		}
		if json.Valid([]byte(tc.in)) && !json.Valid([]byte(got)) {
			t.Errorf("rewriteTimes(%s) is not JSON: %s", tc.in, got)
		}
	}
	if !isTimeFormat("2026-12-08T01:36:56.060+08:00") || isTimeFormat("2026-12-07T17:36:56.060Z") || isTimeFormat("2026-12-08T01:36:56+08:00") {
		t.Fatal("isTimeFormat")
	}
}

// TestTimesInResponses: a response with times of every source (the
// database's microseconds, a time computed at local midnight, a nested
// history, an export) has them all in TimeFormat; inputs in any offset are
// read as the same instant. (Every API test's response is checked too, in
// checkContract.)
func TestTimesInResponses(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.resident("times")
	v := e.submitRequest(tok, "noise", "华富街道", nil)
	for _, path := range []string{"/api/v1/requests/" + strconv.FormatInt(v.ID, 10), "/api/v1/me", "/api/v1/me/export"} {
		rec := e.do("GET", path, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var body any
		decode(t, rec, &body)
		if bad := otherTimes(body, ""); len(bad) > 0 {
			t.Errorf("%s: %v", path, bad)
		}
		n := 0
		var count func(v any)
		count = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for _, x := range v {
					count(x)
				}
			case []any:
				for _, x := range v {
					count(x)
				}
			case string:
				if isTimeFormat(v) {
					n++
				}
			}
		}
		count(body)
		if n == 0 {
			t.Errorf("%s: no time in %s", path, rec.Body.String())
		}
	}
	// An input in another offset is the same instant.
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 51, "软件")
	rec := e.do("POST", "/api/v1/admin/credit-records", officer, map[string]string{
		"uscc": uscc, "kind": "penalty", "severity": "minor", "occurred_at": "2026-01-05T02:00:00Z", "case_ref": "T-1"})
	wantStatus(t, rec, http.StatusCreated)
	var out struct {
		OccurredAt string `json:"occurred_at"`
	}
	decode(t, rec, &out)
	if want := formatTime(time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)); out.OccurredAt != want || want != "2026-01-05T10:00:00.000+08:00" {
		t.Fatalf("occurred_at %q, want %q", out.OccurredAt, want)
	}
}
