package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/futian/ifutian/activities"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/staff"
)

// actWorld is an env with the services' clock in the test's hands, a
// points rule of e.dept and its editors.
type actWorld struct {
	*env
	editor, verifier string
}

func newActWorld(t *testing.T) *actWorld { return newActWorldWith(t, func(*Config) {}) }

// newActWorldWith is newActWorld after letting the test adjust the Config.
func newActWorldWith(t *testing.T, adjust func(*Config)) *actWorld {
	e := newEnvDeps(t, dbtest.Open(t), longTokens, adjust)
	w := &actWorld{env: e}
	e.clock.Set(time.Now().UTC().Truncate(time.Second))
	w.editor, _ = e.staffer([]staff.Role{staff.Editor})
	w.verifier, _ = e.staffer([]staff.Role{staff.Verifier})
	officer, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": "act_rule", "name": "志愿服务", "points": 10}), http.StatusCreated)
	return w
}

func (w *actWorld) clock() time.Time { return w.env.clock.Now() }

func (w *actWorld) at(t time.Time) { w.env.clock.Set(t) }

// activityBody is a valid activity on 华富街道 starting a day from the
// clock, lasting three hours and crediting two; changes are applied on top
// (a nil value deletes the field).
func (w *actWorld) activityBody(changes map[string]any) map[string]any {
	start := w.clock().Add(24 * time.Hour)
	b := map[string]any{
		"kind": "volunteer", "title": "华富社区环境整治", "description": "清理楼道杂物。", "place": "华富街道华富社区广场",
		"street": "华富街道", "community": "田面社区", "starts_at": start.Format(time.RFC3339),
		"ends_at": start.Add(3 * time.Hour).Format(time.RFC3339), "capacity": 2, "waitlist": true,
		"audience": map[string]any{"streets": []string{"华富街道"}}, "points_rule": "act_rule", "hours": 2,
	}
	for k, v := range changes {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

// published creates and publishes an activity as tok and returns its ID.
func (w *actWorld) published(tok string, changes map[string]any) string {
	w.t.Helper()
	var a idBody
	rec := w.do("POST", "/api/v1/admin/activities", tok, w.activityBody(changes))
	wantStatus(w.t, rec, http.StatusCreated)
	decode(w.t, rec, &a)
	wantStatus(w.t, w.do("POST", "/api/v1/admin/activities/"+a.ID+"/publish", tok, nil), http.StatusOK)
	return a.ID
}

type mySignupBody struct {
	Status       string  `json:"status"`
	Attendance   string  `json:"attendance"`
	Position     *int    `json:"position"`
	Hours        float64 `json:"hours"`
	PointsStatus string  `json:"points_status"`
}

// TestActivityLoop walks the loop a community runs: publish, sign up (and
// the waiting list), check in at the door with the rotating code, check
// out with the member code, hours and points credited once, the roster,
// its export, the statistics and the resident's record.
func TestActivityLoop(t *testing.T) {
	w := newActWorld(t)
	alice, aliceID := w.residentOn("act-alice", "华富街道")
	bob, _ := w.residentOn("act-bob", "华富街道")
	carol, _ := w.residentOn("act-carol", "华富街道")

	rec := w.do("POST", "/api/v1/admin/activities", w.editor, w.activityBody(nil))
	wantStatus(t, rec, http.StatusCreated)
	var a struct {
		ID     string  `json:"id"`
		Status string  `json:"status"`
		Hours  float64 `json:"hours"`
		Dept   string  `json:"department_id"`
	}
	decode(t, rec, &a)
	if a.Status != "draft" || a.Hours != 2 || a.Dept != strconv.FormatInt(w.dept, 10) {
		t.Fatalf("created %s", rec.Body.String())
	}
	rec = w.do("GET", "/api/v1/activities", alice, nil)
	if !emptyPage(rec.Body.String()) {
		t.Fatalf("a draft is listed: %s", rec.Body.String())
	}
	wantStatus(t, w.do("POST", "/api/v1/admin/activities/"+a.ID+"/publish", w.editor, nil), http.StatusOK)
	rec = w.do("GET", "/api/v1/activities", alice, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"id":"`+a.ID+`"`) || !strings.Contains(rec.Body.String(), `"remaining":2`) ||
		!strings.Contains(rec.Body.String(), `"points":10`) || !strings.Contains(rec.Body.String(), `"my_signup":null`) {
		t.Fatalf("open activities %s", rec.Body.String())
	}

	// Sign-ups: two places, then the waiting list; a repeat is 200.
	var sg mySignupBody
	for _, tok := range []string{alice, bob} {
		rec = w.do("POST", "/api/v1/activities/"+a.ID+"/signup", tok, nil)
		wantStatus(t, rec, http.StatusCreated)
		decode(t, rec, &sg)
		if sg.Status != "confirmed" {
			t.Fatalf("sign-up %s", rec.Body.String())
		}
	}
	rec = w.do("POST", "/api/v1/activities/"+a.ID+"/signup", carol, nil)
	wantStatus(t, rec, http.StatusCreated)
	decode(t, rec, &sg)
	if sg.Status != "waiting" || sg.Position == nil || *sg.Position != 1 {
		t.Fatalf("third sign-up %s", rec.Body.String())
	}
	wantStatus(t, w.do("POST", "/api/v1/activities/"+a.ID+"/signup", alice, nil), http.StatusOK)
	// Bob cancels: Carol moves up.
	rec = w.do("DELETE", "/api/v1/activities/"+a.ID+"/signup", bob, nil)
	wantStatus(t, rec, http.StatusOK)
	rec = w.do("GET", "/api/v1/activities/"+a.ID, carol, nil)
	if !strings.Contains(rec.Body.String(), `"status":"confirmed"`) {
		t.Fatalf("carol after bob cancelled: %s", rec.Body.String())
	}
	rec = w.do("GET", "/api/v1/me/activities", alice, nil)
	if !strings.Contains(rec.Body.String(), `"id":"`+a.ID+`"`) {
		t.Fatalf("alice's upcoming activities %s", rec.Body.String())
	}

	// At the door: the verifier's phone shows the rotating code; Alice scans it.
	start := w.clock().Add(24 * time.Hour)
	w.at(start.Add(5 * time.Minute))
	rec = w.do("GET", "/api/v1/admin/activities/"+a.ID+"/venue-code", w.verifier, nil)
	wantStatus(t, rec, http.StatusOK)
	var vc struct {
		Code string `json:"code"`
	}
	decode(t, rec, &vc)
	rec = w.do("POST", "/api/v1/activities/scan", alice, map[string]string{"code": vc.Code})
	wantStatus(t, rec, http.StatusCreated)
	if !strings.Contains(rec.Body.String(), `"action":"check_in"`) || !strings.Contains(rec.Body.String(), `"attendance":"checked_in"`) {
		t.Fatalf("scan %s", rec.Body.String())
	}
	wantStatus(t, w.do("POST", "/api/v1/activities/scan", alice, map[string]string{"code": vc.Code}), http.StatusOK)
	// Carol forgot her phone: checked in by hand, with a reason.
	_, carolID := w.resident("act-carol")
	rec = w.do("POST", "/api/v1/admin/activities/"+a.ID+"/checkins", w.verifier,
		map[string]string{"resident_id": strconv.FormatInt(carolID, 10), "reason": "手机没电，核对身份证"})
	wantStatus(t, rec, http.StatusCreated)
	if !strings.Contains(rec.Body.String(), `"checkin_method":"manual"`) {
		t.Fatalf("manual check-in %s", rec.Body.String())
	}
	var detail string
	w.db.Table("audit_log").Where("action = ?", "POST /api/v1/admin/activities/:id/checkins").Order("id DESC").Limit(1).Pluck("detail", &detail)
	if detail != "manual check_in, resident "+strconv.FormatInt(carolID, 10) {
		t.Fatalf("the manual check-in's audit entry says %q", detail)
	}

	// Alice leaves at the end: the verifier scans her member code.
	w.at(start.Add(3 * time.Hour))
	rec = w.do("GET", "/api/v1/me/member-code", alice, nil)
	wantStatus(t, rec, http.StatusOK)
	var mc struct {
		Code string `json:"code"`
	}
	decode(t, rec, &mc)
	rec = w.do("POST", "/api/v1/admin/member-codes/resolve", w.verifier, map[string]string{"code": mc.Code})
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"id":"`+strconv.FormatInt(aliceID, 10)+`"`) {
		t.Fatalf("resolved %s", rec.Body.String())
	}
	before := w.count("audit_log")
	for _, status := range []int{http.StatusCreated, http.StatusOK} {
		rec = w.do("POST", "/api/v1/admin/activities/"+a.ID+"/checkouts", w.verifier, map[string]string{"member_code": mc.Code})
		wantStatus(t, rec, status)
	}
	if !strings.Contains(rec.Body.String(), `"hours":2`) || !strings.Contains(rec.Body.String(), `"points_status":"granted"`) {
		t.Fatalf("check-out %s", rec.Body.String())
	}
	if got := w.count("audit_log") - before; got != 2 {
		t.Fatalf("%d audit entries for two check-outs, want 2", got)
	}
	rec = w.do("GET", "/api/v1/points/account", alice, nil)
	if !strings.Contains(rec.Body.String(), `"balance":10`) {
		t.Fatalf("alice's account %s", rec.Body.String())
	}

	// Once check-out closes, Carol is credited the scheduled hours.
	w.at(start.Add(3*time.Hour + activities.CheckoutGrace))
	if n, err := w.srv.Activities.Settle(t.Context()); err != nil || n != 1 {
		t.Fatalf("settled %d (%v), want 1", n, err)
	}
	// An activity that is over can't be edited: a conflict, not a bad field.
	wantError(t, w.do("PATCH", "/api/v1/admin/activities/"+a.ID, w.editor, map[string]any{"title": "改名"}), http.StatusConflict, "conflict", "")

	rec = w.do("GET", "/api/v1/admin/activities/"+a.ID+"/roster", w.editor, nil)
	wantStatus(t, rec, http.StatusOK)
	for _, s := range []string{`"attendance":"checked_out"`, `"attendance":"checked_in"`, `"attendance":"cancelled"`, `"nickname":""`} {
		if !strings.Contains(rec.Body.String(), s) {
			t.Fatalf("roster lacks %s: %s", s, rec.Body.String())
		}
	}
	rec = w.do("GET", "/api/v1/admin/activities/"+a.ID+"/roster?attendance=no_show", w.editor, nil)
	if !emptyPage(rec.Body.String()) {
		t.Fatalf("no-shows %s", rec.Body.String())
	}
	rec = w.do("GET", "/api/v1/admin/activities/"+a.ID+"/roster/export", w.editor, nil)
	wantStatus(t, rec, http.StatusOK)
	if lines := strings.Split(strings.TrimSpace(rec.Body.String()), "\n"); len(lines) != 4 || !strings.Contains(lines[0], "居民编号") {
		t.Fatalf("export %q", rec.Body.String())
	}
	rec = w.do("GET", "/api/v1/admin/activities/"+a.ID+"/roster/export?format=xlsx", w.editor, nil)
	wantStatus(t, rec, http.StatusOK)
	if x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes())); err != nil {
		t.Fatal(err)
	} else if rows, _ := x.GetRows("Sheet1"); len(rows) != 4 || rows[0][16] != "志愿时长（小时）" {
		t.Fatalf("xlsx roster %q", rows)
	} else if typ, _ := x.GetCellType("Sheet1", "Q2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Fatalf("hours stored as text")
	}
	wantError(t, w.do("GET", "/api/v1/admin/activities/"+a.ID+"/roster/export?format=pdf", w.editor, nil), http.StatusBadRequest, "invalid_argument", "format")
	day := start.In(time.FixedZone("", 8*3600)).Format("2006-01-02")
	rec = w.do("GET", "/api/v1/admin/activity-stats?from="+day+"&to="+day, w.editor, nil)
	wantStatus(t, rec, http.StatusOK)
	for _, s := range []string{`"activities":1`, `"checked_in":2`, `"volunteers":2`, `"attendance_rate":1`, `"hours":4`, `"community":"田面社区"`} {
		if !strings.Contains(rec.Body.String(), s) {
			t.Fatalf("stats lack %s: %s", s, rec.Body.String())
		}
	}
	rec = w.do("GET", "/api/v1/me/volunteer-record", alice, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"total_hours":2`) || !strings.Contains(rec.Body.String(), `"activity_title":"华富社区环境整治"`) {
		t.Fatalf("record %s", rec.Body.String())
	}
	rec = w.do("GET", "/api/v1/me/activities?when=past", alice, nil)
	if !strings.Contains(rec.Body.String(), `"attendance":"checked_out"`) {
		t.Fatalf("alice's past activities %s", rec.Body.String())
	}
	rec = w.do("GET", "/api/v1/me/export", alice, nil)
	if !strings.Contains(rec.Body.String(), `"volunteer_record"`) || !strings.Contains(rec.Body.String(), `"activity_title":"华富社区环境整治"`) {
		t.Fatalf("export lacks the volunteer record: %s", rec.Body.String())
	}
	wantStatus(t, w.do("DELETE", "/api/v1/me", alice, nil), http.StatusNoContent)
	var left int64
	w.db.Table("volunteer_hours").Where("resident_id = ?", aliceID).Count(&left)
	if left != 0 {
		t.Fatalf("%d hours entries left after DELETE /me", left)
	}
}

// TestCreateActivityInvalid: every bad field is a 400 naming it, and
// nothing is written.
func TestCreateActivityInvalid(t *testing.T) {
	w := newActWorld(t)
	past := w.clock().Add(-48 * time.Hour)
	cases := []struct {
		field   string
		changes map[string]any
	}{
		{"kind", map[string]any{"kind": "party"}},
		{"title", map[string]any{"title": strings.Repeat("长", 101)}},
		{"title", map[string]any{"title": nil}},
		{"place", map[string]any{"place": "  "}},
		{"street", map[string]any{"street": "深南大道"}},
		{"community", map[string]any{"community": "香蜜社区"}},
		{"starts_at", map[string]any{"starts_at": "tomorrow"}},
		{"starts_at", map[string]any{"starts_at": nil}},
		{"ends_at", map[string]any{"ends_at": w.clock().Add(23 * time.Hour).Format(time.RFC3339)}},
		{"ends_at", map[string]any{"starts_at": past.Format(time.RFC3339), "ends_at": past.Add(time.Hour).Format(time.RFC3339), "hours": 1}},
		{"signup_deadline", map[string]any{"signup_deadline": w.clock().Add(28 * time.Hour).Format(time.RFC3339)}},
		{"capacity", map[string]any{"capacity": 0}},
		{"capacity", map[string]any{"capacity": "twenty"}},
		{"hours", map[string]any{"hours": 4}},
		{"hours", map[string]any{"hours": -1}},
		{"audience.streets", map[string]any{"audience": map[string]any{"streets": []string{"不存在街道"}}}},
		{"points_rule", map[string]any{"points_rule": "no_such_rule"}},
	}
	for _, c := range cases {
		rec := w.do("POST", "/api/v1/admin/activities", w.editor, w.activityBody(c.changes))
		wantError(t, rec, http.StatusBadRequest, "invalid_argument", c.field)
	}
	if n := w.count("activities"); n != 0 {
		t.Fatalf("%d activities written", n)
	}
}

// TestActivityScope: roles, departments and streets.
func TestActivityScope(t *testing.T) {
	w := newActWorld(t)
	id := w.published(w.editor, nil)
	huafu, huafuID := w.residentOn("scope-huafu", "华富街道")
	other := w.otherDepartment()
	editorY := w.idorStaffer(other, []staff.Role{staff.Editor})
	editorLianhua, _ := w.staffer([]staff.Role{staff.Editor}, "莲花街道")
	verifierLianhua, _ := w.staffer([]staff.Role{staff.Verifier}, "莲花街道")
	officer, _ := w.staffer([]staff.Role{staff.PointsOfficer})
	officerY := w.idorStaffer(other, []staff.Role{staff.PointsOfficer})
	wantStatus(t, w.do("POST", "/api/v1/admin/points/rules", officerY, map[string]any{"code": "other_rule", "name": "他部门", "points": 5}), http.StatusCreated)

	// A role without activities.manage can't create.
	wantError(t, w.do("POST", "/api/v1/admin/activities", officer, w.activityBody(nil)), http.StatusForbidden, "permission_denied", "")
	wantError(t, w.do("PATCH", "/api/v1/admin/activities/"+id, w.verifier, map[string]any{"title": "改名"}), http.StatusForbidden, "permission_denied", "")
	// Reach beyond the caller's streets or department: 403 naming the field.
	for _, c := range []struct {
		field   string
		changes map[string]any
	}{
		{"street", map[string]any{"audience": map[string]any{"streets": []string{"莲花街道"}}}},
		{"audience.streets", map[string]any{"street": "莲花街道", "community": nil, "audience": map[string]any{"streets": []string{"莲花街道", "华富街道"}}}},
		{"audience.streets", map[string]any{"street": "莲花街道", "community": nil, "audience": map[string]any{}}},
		{"points_rule", map[string]any{"street": "莲花街道", "community": nil, "audience": map[string]any{"streets": []string{"莲花街道"}}, "points_rule": "other_rule"}},
	} {
		wantError(t, w.do("POST", "/api/v1/admin/activities", editorLianhua, w.activityBody(c.changes)), http.StatusForbidden, "permission_denied", c.field)
	}
	if n := w.count("activities"); n != 1 {
		t.Fatalf("%d activities, want 1", n)
	}
	// Another department, or another street: the activity answers as missing.
	for _, tok := range []string{editorY, editorLianhua} {
		for _, r := range []struct{ method, path string }{
			{"GET", ""}, {"PATCH", ""}, {"POST", "/publish"}, {"POST", "/cancel"}, {"GET", "/roster"},
			{"GET", "/roster/export"}, {"GET", "/venue-code"},
		} {
			wantError(t, w.do(r.method, "/api/v1/admin/activities/"+id+r.path, tok, map[string]any{}), http.StatusNotFound, "not_found", "")
		}
		rec := w.do("GET", "/api/v1/admin/activities", tok, nil)
		if !emptyPage(rec.Body.String()) {
			t.Fatalf("another scope's list %s", rec.Body.String())
		}
	}
	// A member code of a resident outside the caller's streets is not resolved.
	rec := w.do("GET", "/api/v1/me/member-code", huafu, nil)
	var mc struct {
		Code string `json:"code"`
	}
	decode(t, rec, &mc)
	wantError(t, w.do("POST", "/api/v1/admin/member-codes/resolve", verifierLianhua, map[string]string{"code": mc.Code}), http.StatusNotFound, "not_found", "")
	wantError(t, w.do("POST", "/api/v1/admin/member-codes/resolve", w.verifier, map[string]string{"code": mc.Code + "x"}), http.StatusBadRequest, "invalid_argument", "code")
	wantError(t, w.do("POST", "/api/v1/admin/member-codes/resolve", w.verifier, map[string]string{}), http.StatusBadRequest, "invalid_argument", "code")
	// Residents belong to no department: any department's officer covering their street resolves them.
	rec = w.do("POST", "/api/v1/admin/member-codes/resolve", officerY, map[string]string{"code": mc.Code})
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"id":"`+strconv.FormatInt(huafuID, 10)+`"`) || !strings.Contains(rec.Body.String(), `"street":"华富街道"`) {
		t.Fatalf("resolved %s", rec.Body.String())
	}
	// A resident outside the audience does not see it.
	lianhua, _ := w.residentOn("scope-lianhua", "莲花街道")
	wantError(t, w.do("GET", "/api/v1/activities/"+id, lianhua, nil), http.StatusNotFound, "not_found", "")
	wantError(t, w.do("POST", "/api/v1/activities/"+id+"/signup", lianhua, nil), http.StatusNotFound, "not_found", "")
	if n := w.count("activity_signups"); n != 0 {
		t.Fatalf("%d sign-ups written", n)
	}
}

// TestCancelActivity: everyone signed up gets a fixed system notice naming
// the activity, never the staff's reason; a repeat changes nothing.
func TestCancelActivity(t *testing.T) {
	w := newActWorld(t)
	id := w.published(w.editor, map[string]any{"capacity": 1})
	alice, _ := w.residentOn("cancel-alice", "华富街道")
	bob, _ := w.residentOn("cancel-bob", "华富街道")
	carol, _ := w.residentOn("cancel-carol", "华富街道")
	for _, tok := range []string{alice, bob} {
		wantStatus(t, w.do("POST", "/api/v1/activities/"+id+"/signup", tok, nil), http.StatusCreated)
	}
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/cancel", w.editor, map[string]any{"reason": strings.Repeat("因", 501)}),
		http.StatusBadRequest, "invalid_argument", "reason")
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/cancel", w.verifier, map[string]any{}), http.StatusForbidden, "permission_denied", "")
	const reason = "负责人张三家中有事"
	for range 2 {
		rec := w.do("POST", "/api/v1/admin/activities/"+id+"/cancel", w.editor, map[string]any{"reason": reason})
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"status":"cancelled"`) {
			t.Fatalf("cancelled %s", rec.Body.String())
		}
	}
	for _, tok := range []string{alice, bob} {
		rec := w.do("GET", "/api/v1/notices", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		// The activity is named by reference (its title is an editor's words).
		if strings.Count(rec.Body.String(), "活动取消通知") != 1 || strings.Contains(rec.Body.String(), "华富社区环境整治") || strings.Contains(rec.Body.String(), reason) ||
			!strings.Contains(rec.Body.String(), `"target":{"type":"activity","id":"`+id+`"}`) {
			t.Fatalf("inbox %s", rec.Body.String())
		}
	}
	if rec := w.do("GET", "/api/v1/notices", carol, nil); strings.Contains(rec.Body.String(), "活动取消通知") {
		t.Fatalf("carol, not signed up, was told: %s", rec.Body.String())
	}
	wantError(t, w.do("POST", "/api/v1/activities/"+id+"/signup", carol, nil), http.StatusConflict, "conflict", "")
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/publish", w.editor, nil), http.StatusConflict, "conflict", "")
	wantError(t, w.do("PATCH", "/api/v1/admin/activities/"+id, w.editor, map[string]any{"title": "新标题"}), http.StatusConflict, "conflict", "")
}

// TestActivityBadInput: the other endpoints' bad input is a 400 naming the
// field, with nothing written.
func TestActivityBadInput(t *testing.T) {
	w := newActWorld(t)
	id := w.published(w.editor, nil)
	alice, aliceID := w.residentOn("bad-alice", "华富街道")
	wantStatus(t, w.do("POST", "/api/v1/activities/"+id+"/signup", alice, nil), http.StatusCreated)
	_, bobID := w.residentOn("bad-bob", "华富街道") // not signed up
	before := w.snapshotCounts()
	for _, c := range []struct {
		method, path, tok string
		body              any
		field             string
	}{
		{"PATCH", "/admin/activities/" + id, w.editor, map[string]any{"capacity": -1}, "capacity"},
		{"PATCH", "/admin/activities/" + id, w.editor, map[string]any{"starts_at": ""}, "starts_at"},
		{"PATCH", "/admin/activities/" + id, w.editor, map[string]any{"community": "景田社区"}, "community"},
		{"GET", "/admin/activities?status=open", w.editor, nil, "status"},
		{"GET", "/admin/activities/" + id + "/roster?attendance=late", w.editor, nil, "attendance"},
		{"GET", "/admin/activities/" + id + "/venue-code?action=leave", w.verifier, nil, "action"},
		{"POST", "/admin/activities/" + id + "/checkins", w.verifier, map[string]any{}, "member_code"},
		{"POST", "/admin/activities/" + id + "/checkins", w.verifier, map[string]any{"member_code": "forged"}, "member_code"},
		{"POST", "/admin/activities/" + id + "/checkins", w.verifier, map[string]any{"resident_id": strconv.FormatInt(aliceID, 10)}, "reason"},
		{"POST", "/admin/activities/" + id + "/checkins", w.verifier, map[string]any{"resident_id": "abc", "reason": "x"}, "resident_id"},
		{"POST", "/admin/activities/" + id + "/checkouts", w.verifier, map[string]any{"member_code": 7}, "member_code"},
		{"POST", "/admin/activities/" + id + "/hours-adjustments", w.editor, map[string]any{"resident_id": strconv.FormatInt(aliceID, 10), "hours": 0, "reason": "x"}, "hours"},
		{"POST", "/admin/activities/" + id + "/hours-adjustments", w.editor, map[string]any{"resident_id": strconv.FormatInt(aliceID, 10), "hours": 1}, "reason"},
		{"POST", "/admin/activities/" + id + "/hours-adjustments", w.editor, map[string]any{"resident_id": strconv.FormatInt(aliceID, 10), "hours": -1, "reason": "多记了"}, "hours"},
		{"POST", "/admin/activities/" + id + "/hours-adjustments", w.editor, map[string]any{"resident_id": strconv.FormatInt(bobID, 10), "hours": 1, "reason": "补记"}, "resident_id"},
		{"GET", "/admin/activity-stats?from=2026-13-01", w.editor, nil, "from"},
		{"GET", "/admin/activity-stats?from=2026-01-10&to=2026-01-01", w.editor, nil, "to"},
		{"GET", "/me/activities?when=later", alice, nil, "when"},
		{"GET", "/activities?page_token=%21%21", alice, nil, "page_token"},
		{"GET", "/activities?page_token=" + encodeToken("x:y"), alice, nil, "page_token"},
		{"POST", "/activities/scan", alice, map[string]any{}, "code"},
		{"POST", "/activities/scan", alice, map[string]any{"code": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "code"},
	} {
		rec := w.do(c.method, "/api/v1"+c.path, c.tok, c.body)
		wantError(t, rec, http.StatusBadRequest, "invalid_argument", c.field)
	}
	if after := w.snapshotCounts(); after != before {
		t.Fatalf("rows changed: %s → %s", before, after)
	}
}

// snapshotCounts counts the activity tables' rows.
func (e *env) snapshotCounts() string {
	var b strings.Builder
	for _, table := range []string{"activities", "activity_signups", "volunteer_hours", "point_transactions"} {
		b.WriteString(table + "=" + strconv.FormatInt(e.count(table), 10) + " ")
	}
	var checked int64
	e.db.Table("activity_signups").Where("checked_in_at IS NOT NULL").Count(&checked)
	return b.String() + "checked_in=" + strconv.FormatInt(checked, 10)
}

// TestHoursAdjustment: corrections are appended, never edits; a key makes
// one idempotent; the total can't drop below zero.
func TestHoursAdjustment(t *testing.T) {
	w := newActWorld(t)
	id := w.published(w.editor, nil)
	alice, aliceID := w.residentOn("adj-alice", "华富街道")
	wantStatus(t, w.do("POST", "/api/v1/activities/"+id+"/signup", alice, nil), http.StatusCreated)
	start := w.clock().Add(24 * time.Hour)
	w.at(start)
	rid := strconv.FormatInt(aliceID, 10)
	wantStatus(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", w.verifier, map[string]string{"resident_id": rid, "reason": "现场登记"}), http.StatusCreated)
	w.at(start.Add(90 * time.Minute))
	rec := w.do("POST", "/api/v1/admin/activities/"+id+"/checkouts", w.verifier, map[string]string{"resident_id": rid, "reason": "提前离场"})
	wantStatus(t, rec, http.StatusCreated)
	if !strings.Contains(rec.Body.String(), `"hours":1.5`) {
		t.Fatalf("check-out after 90 minutes %s", rec.Body.String())
	}
	body := map[string]any{"resident_id": rid, "hours": 0.5, "reason": "会后协助整理场地"}
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/hours-adjustments", w.verifier, body), http.StatusForbidden, "permission_denied", "")
	for _, status := range []int{http.StatusCreated, http.StatusOK} {
		rec = w.do("POST", "/api/v1/admin/activities/"+id+"/hours-adjustments", w.editor, body, "Idempotency-Key", "adj-1")
		wantStatus(t, rec, status)
	}
	if !strings.Contains(rec.Body.String(), `"kind":"adjustment"`) || !strings.Contains(rec.Body.String(), `"hours":0.5`) {
		t.Fatalf("adjustment %s", rec.Body.String())
	}
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/hours-adjustments", w.editor,
		map[string]any{"resident_id": rid, "hours": -2.5, "reason": "多记了"}), http.StatusBadRequest, "invalid_argument", "hours")
	wantStatus(t, w.do("POST", "/api/v1/admin/activities/"+id+"/hours-adjustments", w.editor,
		map[string]any{"resident_id": rid, "hours": -2, "reason": "实际未参加"}), http.StatusCreated)
	rec = w.do("GET", "/api/v1/me/volunteer-record", alice, nil)
	if !strings.Contains(rec.Body.String(), `"total_hours":0`) || strings.Count(rec.Body.String(), `"activity_id"`) != 3 {
		t.Fatalf("record %s", rec.Body.String())
	}
	// History is never edited: the database itself refuses.
	if err := w.db.Exec("UPDATE volunteer_hours SET minutes = 600").Error; err == nil {
		t.Fatal("the hours ledger took an UPDATE")
	}
}
