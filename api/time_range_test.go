package api

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

// The times observed in issue #12: year 0000 broke every later listing on
// SQLite and the create itself on MariaDB; year 9999 in the last time zone
// is past 9999 in UTC and was never listed.
const (
	yearZero   = "0000-01-01T00:00:00+01:00"
	yearEnd    = "9999-12-31T23:59:59-12:00"
	beforeTime = "1999-12-31T23:59:59Z"
	afterTime  = "2100-01-01T00:00:00Z"
)

// TestTimesOutOfRange: a time outside 2000-01-01–2100-01-01 UTC is a 400
// naming its field, nothing is written, and the lists keep working.
func TestTimesOutOfRange(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	resident, _ := e.resident("timely")
	for _, v := range []string{yearZero, yearEnd, beforeTime, afterTime} {
		for _, field := range []string{"valid_from", "valid_until"} {
			t.Run("Reward/"+field+"/"+v, func(t *testing.T) {
				body := map[string]any{"name": "公交卡", "points": 10, "stock": 5, field: v}
				wantError(t, e.do("POST", "/api/v1/admin/rewards", admin, body), http.StatusBadRequest, "invalid_argument", field)
				if n := e.count("rewards"); n != 0 {
					t.Fatalf("%d rewards written", n)
				}
			})
			t.Run("Rule/"+field+"/"+v, func(t *testing.T) {
				body := map[string]any{"code": "volunteer_hour", "name": "志愿服务", "points": 5, field: v}
				wantError(t, e.do("POST", "/api/v1/admin/points/rules", admin, body), http.StatusBadRequest, "invalid_argument", field)
				if n := e.count("point_rules"); n != 0 {
					t.Fatalf("%d rules written", n)
				}
			})
		}
		t.Run("Survey/"+v, func(t *testing.T) {
			body := map[string]any{"kind": "questionnaire", "title": "满意度调查", "opens_at": v}
			wantError(t, e.do("POST", "/api/v1/admin/surveys", admin, body), http.StatusBadRequest, "invalid_argument", "opens_at")
			if n := e.count("surveys"); n != 0 {
				t.Fatalf("%d surveys written", n)
			}
		})
		t.Run("Notice/"+v, func(t *testing.T) {
			editor, _ := e.staffer([]staff.Role{staff.Editor})
			body := map[string]any{"title": "停水通知", "body": "明日停水", "category": "policy", "publish_at": v}
			wantError(t, e.do("POST", "/api/v1/admin/notices", editor, body), http.StatusBadRequest, "invalid_argument", "publish_at")
			if n := e.count("notices"); n != 0 {
				t.Fatalf("%d notices written", n)
			}
		})
		t.Run("AuditQuery/"+v, func(t *testing.T) {
			wantError(t, e.do("GET", "/api/v1/admin/audit-log?since="+v[:19]+"Z", admin, nil), http.StatusBadRequest, "invalid_argument", "since")
		})
	}
	t.Run("InRange", func(t *testing.T) {
		body := map[string]any{"name": "公交卡", "points": 10, "stock": 5,
			"valid_from": "2000-01-01T08:00:00+08:00", "valid_until": "2099-12-31T23:59:59Z"}
		wantStatus(t, e.do("POST", "/api/v1/admin/rewards", admin, body), http.StatusCreated)
		rule := map[string]any{"code": "volunteer_hour", "name": "志愿服务", "points": 5, "valid_from": "2026-01-01T00:00:00+08:00"}
		wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", admin, rule), http.StatusCreated)
	})
	wantStatus(t, e.do("GET", "/api/v1/rewards", resident, nil), http.StatusOK)
	wantStatus(t, e.do("GET", "/api/v1/points/rules", "", nil), http.StatusOK)
}

// TestCheckTimes: every time in a decoded request, however deep, is named
// by its JSON path when it is out of range; unset times are not checked.
func TestCheckTimes(t *testing.T) {
	type Window struct {
		From *time.Time `json:"from"`
		To   time.Time  `json:"to,omitempty"`
	}
	type inner struct {
		Window
		Windows []Window          `json:"windows"`
		ByName  map[string]Window `json:"by_name"`
		Ignored *time.Time        `json:"-"`
	}
	var req struct {
		When  *time.Time `json:"when"`
		Inner inner      `json:"inner"`
		Plain time.Time
	}
	old := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC) // the zero time, sent explicitly
	ok := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := checkTimes(&req); err != nil {
		t.Fatalf("unset times: %v", err)
	}
	req.When = &old
	req.Inner.From = &ok
	req.Inner.To = far
	req.Inner.Windows = []Window{{From: &ok}, {From: &far}}
	req.Inner.ByName = map[string]Window{"a": {To: far}}
	req.Inner.Ignored = &far
	req.Plain = far
	err := checkTimes(&req)
	fields := map[string]bool{}
	if ae := asAppErr(err); ae != nil {
		for f := range ae.Fields {
			fields[f] = true
		}
	}
	for _, want := range []string{"when", "inner.to", "inner.windows[1].from", "inner.by_name.a.to", "Plain"} {
		if !fields[want] {
			t.Errorf("fields=%v, want %q among them (err=%v)", fields, want, err)
		}
	}
	if len(fields) != 5 {
		t.Errorf("fields=%v, want 5", fields)
	}
}

func asAppErr(err error) *apperr.Error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}
