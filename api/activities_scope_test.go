package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/staff"
)

// TestHandCheckinScope (issue 21 item 3): staff record attendance, adjust
// hours and read the roster only for residents of their streets; any other
// resident answers like a missing one (404), with nothing written. A member
// without residents.read sees who checked in by nickname and masked phone
// only.
func TestHandCheckinScope(t *testing.T) {
	w := newActWorld(t)
	id := w.published(w.editor, map[string]any{"walk_ins": true, "audience": map[string]any{}})
	huafu, huafuID := w.residentOn("hc-huafu", "华富街道")
	w.bindPhone(huafu, "13812340001")
	lianhua, lianhuaID := w.residentOn("hc-lianhua", "莲花街道")
	verifierHuafu, _ := w.staffer([]staff.Role{staff.Verifier}, "华富街道")
	editorHuafu, _ := w.staffer([]staff.Role{staff.Editor}, "华富街道")
	adminHuafu, _ := w.staffer([]staff.Role{staff.DeptAdmin}, "华富街道")
	lid := strconv.FormatInt(lianhuaID, 10)
	w.at(w.clock().Add(24*time.Hour + 5*time.Minute))

	var mc struct {
		Code string `json:"code"`
	}
	decode(t, w.do("GET", "/api/v1/me/member-code", lianhua, nil), &mc)
	before := w.snapshotCounts()
	byHand := map[string]string{"resident_id": lid, "reason": "现场登记"}
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", verifierHuafu, byHand), http.StatusNotFound, "not_found", "")
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", verifierHuafu, map[string]string{"member_code": mc.Code}), http.StatusNotFound, "not_found", "")
	if after := w.snapshotCounts(); after != before {
		t.Fatalf("an out-of-scope check-in wrote: %s → %s", before, after)
	}
	// A missing resident answers the same.
	rec := w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", verifierHuafu, map[string]string{"resident_id": "99999999", "reason": "现场登记"})
	wantError(t, rec, http.StatusNotFound, "not_found", "")
	missing := rec.Body.String()
	rec = w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", verifierHuafu, byHand)
	if rec.Body.String() != missing {
		t.Fatalf("out of scope %s, missing %s", rec.Body.String(), missing)
	}

	// A member covering every street checks the 莲花 resident in; the
	// 华富-limited members can neither check them out, nor adjust their
	// hours, nor see them on the roster.
	wantStatus(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", w.verifier, byHand), http.StatusCreated)
	before = w.snapshotCounts()
	w.at(w.clock().Add(time.Hour))
	decode(t, w.do("GET", "/api/v1/me/member-code", lianhua, nil), &mc) // the one of an hour ago has expired
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkouts", verifierHuafu, byHand), http.StatusNotFound, "not_found", "")
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkouts", verifierHuafu, map[string]string{"member_code": mc.Code}), http.StatusNotFound, "not_found", "")
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/hours-adjustments", editorHuafu,
		map[string]any{"resident_id": lid, "hours": 1, "reason": "补记"}), http.StatusNotFound, "not_found", "")
	if after := w.snapshotCounts(); after != before {
		t.Fatalf("out-of-scope writes: %s → %s", before, after)
	}
	for _, path := range []string{"/roster", "/roster?attendance=checked_in", "/roster/export"} {
		rec := w.do("GET", "/api/v1/admin/activities/"+id+path, editorHuafu, nil)
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), lid) {
			t.Fatalf("GET %s shows the 莲花 resident to a 华富 member: %s", path, rec.Body.String())
		}
		rec = w.do("GET", "/api/v1/admin/activities/"+id+path, w.editor, nil)
		if !strings.Contains(rec.Body.String(), lid) {
			t.Fatalf("GET %s lacks the resident for a member of every street: %s", path, rec.Body.String())
		}
	}

	// In scope: the verifier (no residents.read) sees nickname and masked
	// phone, what confirms the person at the door, not where they live.
	rec = w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", verifierHuafu,
		map[string]string{"resident_id": strconv.FormatInt(huafuID, 10), "reason": "忘带手机"})
	wantStatus(t, rec, http.StatusCreated)
	for _, s := range []string{`"phone_masked":"138****0001"`, `"street":""`, `"community":""`, `"attendance":"checked_in"`} {
		if !strings.Contains(rec.Body.String(), s) {
			t.Fatalf("a verifier's check-in answer lacks %s: %s", s, rec.Body.String())
		}
	}
	rec = w.do("GET", "/api/v1/admin/activities/"+id+"/roster", verifierHuafu, nil)
	if strings.Contains(rec.Body.String(), "华富街道") {
		t.Fatalf("a verifier's roster shows streets: %s", rec.Body.String())
	}
	rec = w.do("GET", "/api/v1/admin/activities/"+id+"/roster", adminHuafu, nil)
	if !strings.Contains(rec.Body.String(), `"street":"华富街道"`) {
		t.Fatalf("a department admin's roster lacks the street: %s", rec.Body.String())
	}
}

// TestHandCheckinThrottled (issue 21 item 3): a check-in or check-out by a
// typed resident ID counts as a resident look-up (the limit of POST
// /admin/residents/lookup, per member); scanned member codes do not.
func TestHandCheckinThrottled(t *testing.T) {
	w := newActWorldWith(t, func(c *Config) {
		c.Limits = DefaultLimits
		c.Limits.ResidentLookup = ratelimit.Limit{Count: 3, Period: time.Hour}
	})
	id := w.published(w.editor, map[string]any{"walk_ins": true, "capacity": 10})
	w.at(w.clock().Add(24 * time.Hour))
	for i := range 3 {
		wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", w.verifier,
			map[string]string{"resident_id": strconv.Itoa(99999990 + i), "reason": "现场登记"}), http.StatusNotFound, "not_found", "")
	}
	tok, rid := w.residentOn("throttle-alice", "华富街道")
	before := w.snapshotCounts()
	rec := w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", w.verifier,
		map[string]string{"resident_id": strconv.FormatInt(rid, 10), "reason": "现场登记"})
	wantError(t, rec, http.StatusTooManyRequests, "rate_limited", "")
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkouts", w.verifier,
		map[string]string{"resident_id": strconv.FormatInt(rid, 10), "reason": "现场登记"}), http.StatusTooManyRequests, "rate_limited", "")
	if after := w.snapshotCounts(); after != before {
		t.Fatalf("a throttled check-in wrote: %s → %s", before, after)
	}
	var mc struct {
		Code string `json:"code"`
	}
	decode(t, w.do("GET", "/api/v1/me/member-code", tok, nil), &mc)
	wantStatus(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", w.verifier, map[string]string{"member_code": mc.Code}), http.StatusCreated)
	// The look-up by phone shares the limit.
	officer, _ := w.staffer([]staff.Role{staff.PointsOfficer})
	for i := range 3 {
		wantError(t, w.do("POST", "/api/v1/admin/residents/lookup", officer, map[string]any{"phone": "1390000000" + strconv.Itoa(i)}), http.StatusNotFound, "not_found", "")
	}
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", officer,
		map[string]string{"resident_id": strconv.FormatInt(rid, 10), "reason": "现场登记"}), http.StatusTooManyRequests, "rate_limited", "")
}

// TestPointsFollowAttendance (issue 21 item 4): a check-out before the
// start is refused (409 not_started) and leaves the resident checked in;
// points follow the time credited: none below half the activity's hours
// (0 hours, or a quarter hour of two), the rule's points from half on.
func TestPointsFollowAttendance(t *testing.T) {
	w := newActWorld(t)
	id := w.published(w.editor, map[string]any{"capacity": 5}) // 3 hours, credits 2, rule act_rule (10 points)
	start := w.clock().Add(24 * time.Hour)
	type person struct {
		tok, id string
	}
	var people []person
	for _, name := range []string{"att-early", "att-brief", "att-quarter", "att-half"} {
		tok, rid := w.residentOn(name, "华富街道")
		wantStatus(t, w.do("POST", "/api/v1/activities/"+id+"/signup", tok, nil), http.StatusCreated)
		people = append(people, person{tok, strconv.FormatInt(rid, 10)})
	}
	w.at(start.Add(-20 * time.Minute))
	for _, p := range people {
		wantStatus(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", w.verifier, map[string]string{"resident_id": p.id, "reason": "现场登记"}), http.StatusCreated)
	}
	checkout := func(p person) *httptest.ResponseRecorder {
		return w.do("POST", "/api/v1/admin/activities/"+id+"/checkouts", w.verifier, map[string]string{"resident_id": p.id, "reason": "离场"})
	}

	// Before the start: refused, still checked in, nothing credited.
	w.at(start.Add(-10 * time.Minute))
	before := w.snapshotCounts()
	rec := checkout(people[0])
	wantError(t, rec, http.StatusConflict, "conflict", "")
	if !strings.Contains(rec.Body.String(), `"reason":"not_started"`) {
		t.Fatalf("check-out before the start: %s", rec.Body.String())
	}
	if after := w.snapshotCounts(); after != before {
		t.Fatalf("a check-out before the start wrote: %s → %s", before, after)
	}
	rec = w.do("GET", "/api/v1/activities/"+id, people[0].tok, nil)
	if !strings.Contains(rec.Body.String(), `"attendance":"checked_in"`) {
		t.Fatalf("after a refused check-out: %s", rec.Body.String())
	}

	for _, c := range []struct {
		p      person
		at     time.Duration
		hours  string
		status string
	}{
		{people[1], 5 * time.Minute, `"hours":0,`, `"points_status":"refused"`},
		{people[2], 20 * time.Minute, `"hours":0.25`, `"points_status":"refused"`},
		{people[3], 60 * time.Minute, `"hours":1,`, `"points_status":"granted"`},
	} {
		w.at(start.Add(c.at))
		rec := checkout(c.p)
		wantStatus(t, rec, http.StatusCreated)
		if !strings.Contains(rec.Body.String(), c.hours) || !strings.Contains(rec.Body.String(), c.status) {
			t.Fatalf("check-out after %v: %s", c.at, rec.Body.String())
		}
		want := `"balance":0`
		if c.status == `"points_status":"granted"` {
			want = `"balance":10`
		} else if !strings.Contains(rec.Body.String(), `"points_detail":"attendance_too_short"`) {
			t.Fatalf("check-out after %v: %s", c.at, rec.Body.String())
		}
		if rec := w.do("GET", "/api/v1/points/account", c.p.tok, nil); !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("after %v: account %s, want %s", c.at, rec.Body.String(), want)
		}
	}
	// The early one stays on past the start and leaves after 90 minutes.
	w.at(start.Add(90 * time.Minute))
	rec = checkout(people[0])
	wantStatus(t, rec, http.StatusCreated)
	if !strings.Contains(rec.Body.String(), `"hours":1.5`) || !strings.Contains(rec.Body.String(), `"points_status":"granted"`) {
		t.Fatalf("check-out after 90 minutes: %s", rec.Body.String())
	}
}

// TestListActivitiesFilters (issue 22 item 8): the residents' list finds
// activities by words of their title or place (all of them) and by kind;
// a kind outside the vocabulary or an overlong q is 400 naming it.
func TestListActivitiesFilters(t *testing.T) {
	w := newActWorld(t)
	clean := w.published(w.editor, map[string]any{"title": "楼道环境整治", "place": "华富社区广场"})
	law := w.published(w.editor, map[string]any{"kind": "legal_education", "title": "民法典宣讲", "place": "华富街道党群服务中心", "points_rule": nil, "hours": 0})
	odd := w.published(w.editor, map[string]any{"title": "100%_折扣讲座", "place": "莲花山"})
	alice, _ := w.residentOn("filter-alice", "华富街道")
	list := func(query string) []string {
		t.Helper()
		rec := w.do("GET", "/api/v1/activities"+query, alice, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []idBody }
		decode(t, rec, &p)
		var ids []string
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{clean, law, odd}},
		{"?q=" + url.QueryEscape("整治"), []string{clean}},
		{"?q=" + url.QueryEscape("华富 宣讲"), []string{law}}, // every word, in title or place
		{"?q=" + url.QueryEscape("党群服务中心"), []string{law}},
		{"?q=" + url.QueryEscape("%_"), []string{odd}}, // LIKE's wildcards are literal
		{"?q=" + url.QueryEscape("  "), []string{clean, law, odd}},
		{"?kind=legal_education", []string{law}},
		{"?kind=volunteer&q=" + url.QueryEscape("讲座"), []string{odd}},
		{"?kind=public_benefit", nil},
		{"?kind=volunteer&page_size=1&q=" + url.QueryEscape("华富"), []string{clean}},
	} {
		if got := list(c.query); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Fatalf("GET /activities%s = %v, want %v", c.query, got, c.want)
		}
	}
	wantError(t, w.do("GET", "/api/v1/activities?kind=party", alice, nil), http.StatusBadRequest, "invalid_argument", "kind")
	wantError(t, w.do("GET", "/api/v1/activities?q="+strings.Repeat("长", 101), alice, nil), http.StatusBadRequest, "invalid_argument", "q")
	// Staff tokens are refused, as on every resident route.
	wantError(t, w.do("GET", "/api/v1/activities?kind=volunteer", w.editor, nil), http.StatusForbidden, "permission_denied", "")
	// Residents outside the audience find nothing, whatever the filter.
	bob, _ := w.residentOn("filter-bob", "莲花街道")
	rec := w.do("GET", "/api/v1/activities?q="+url.QueryEscape("整治"), bob, nil)
	if !emptyPage(rec.Body.String()) {
		t.Fatalf("outside the audience: %s", rec.Body.String())
	}
}
