package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/settings"
	"github.com/futian/ifutian/staff"
)

// TestSettings: a superadmin reads the settings with their environment
// defaults, changes quiet hours and the daily cap (stored, audited with
// before → after, in effect at once in this process and, on its next
// refresh, in another), and resets one; bad values are 400 naming the
// field and store nothing; every other role is refused.
func TestSettings(t *testing.T) {
	e := newEnv(t)
	root, rootM := e.stafferIn(nil, []staff.Role{staff.Superadmin})
	const v1 = "/api/v1/admin/settings"
	type list struct {
		Items []settings.Setting `json:"items"`
	}
	get := func() map[settings.Key]settings.Setting {
		t.Helper()
		rec := e.do("GET", v1, root, nil)
		wantStatus(t, rec, http.StatusOK)
		var l list
		decode(t, rec, &l)
		out := map[settings.Key]settings.Setting{}
		for _, s := range l.Items {
			out[s.Key] = s
		}
		if len(out) != 3 {
			t.Fatalf("settings: %+v", l)
		}
		return out
	}
	// Another process over the same database, with its own notify service.
	other := notify.New(notify.Deps{DB: e.db})
	otherSettings := settings.New(settings.Deps{DB: e.db, Notify: other, Staff: e.srv.Staff})

	t.Run("OK", func(t *testing.T) {
		if s := get()[settings.QuietHours]; s.Stored || s.Value != "off" || s.Default != "off" {
			t.Fatalf("before: %+v", s)
		}
		rec := e.do("PUT", v1, root, map[string]any{"quiet_hours": "00:00-23:59", "daily_cap": 5})
		wantStatus(t, rec, http.StatusOK)
		got := get()
		q := got[settings.QuietHours]
		if !q.Stored || q.Value != "00:00-23:59" || q.UpdatedBy == nil || *q.UpdatedBy != rootM.Username || got[settings.DailyCap].Value != "5" {
			t.Fatalf("after: %+v %+v", q, got[settings.DailyCap])
		}
		// In effect at once here: a routine message now waits for the
		// quiet hours' end.
		if _, quiet := e.notify.Config().Quiet.Until(time.Now()); !quiet || e.notify.Config().DailyCap != 5 {
			t.Fatalf("this process: %+v", e.notify.Config())
		}
		// The other process, on its next refresh.
		if _, quiet := other.Config().Quiet.Until(time.Now()); quiet {
			t.Fatal("the other process had the change before refreshing")
		}
		if err := otherSettings.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, quiet := other.Config().Quiet.Until(time.Now()); !quiet || other.Config().DailyCap != 5 {
			t.Fatalf("the other process: %+v", other.Config())
		}
		entries := e.auditEntries("PUT " + v1)
		if len(entries) != 1 || !strings.Contains(entries[0].Detail, "quiet_hours: off → 00:00-23:59") || !strings.Contains(entries[0].Detail, "daily_cap: 0 → 5") {
			t.Fatalf("audit: %+v", entries)
		}
		wantStatus(t, e.do("PUT", v1, root, map[string]any{"reset": []string{"quiet_hours"}}), http.StatusOK)
		if q := get()[settings.QuietHours]; q.Stored || q.Value != "off" {
			t.Fatalf("reset: %+v", q)
		}
		if _, quiet := e.notify.Config().Quiet.Until(time.Now()); quiet {
			t.Fatal("quiet hours still in effect after the reset")
		}
	})

	t.Run("BadInput", func(t *testing.T) {
		before := get()
		for field, body := range map[string]map[string]any{
			"quiet_hours":      {"quiet_hours": "8pm-9am"},
			"daily_cap":        {"daily_cap": 21},
			"wechat_templates": {"wechat_templates": "no_such_kind=TPL:thing1=title"},
			"reset[0]":         {"reset": []string{"colour"}},
		} {
			wantError(t, e.do("PUT", v1, root, body), http.StatusBadRequest, "invalid_argument", field)
		}
		wantError(t, e.do("PUT", v1, root, map[string]any{"daily_cap": 4, "reset": []string{"daily_cap"}}), http.StatusBadRequest, "invalid_argument", "reset")
		if after := get(); after[settings.DailyCap].Value != before[settings.DailyCap].Value || after[settings.QuietHours].Value != before[settings.QuietHours].Value {
			t.Fatalf("a refused change stored something: %+v", after)
		}
	})

	t.Run("Forbidden", func(t *testing.T) {
		for _, roles := range [][]staff.Role{{staff.DeptAdmin}, {staff.Auditor}, {staff.Editor, staff.Reviewer}} {
			tok, _ := e.staffer(roles)
			wantError(t, e.do("GET", v1, tok, nil), http.StatusForbidden, "permission_denied", "")
			wantError(t, e.do("PUT", v1, tok, map[string]any{"daily_cap": 1}), http.StatusForbidden, "permission_denied", "")
		}
		resident, _ := e.resident("nosy")
		wantError(t, e.do("GET", v1, resident, nil), http.StatusForbidden, "permission_denied", "")
	})
}
