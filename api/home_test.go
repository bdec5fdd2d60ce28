package api

import (
	"net/http"
	"testing"

	"github.com/futian/ifutian/staff"
)

// TestHome: one read gives the home screen what took eight calls, each
// part the resident's own, as the module's own list gives it.
func TestHome(t *testing.T) {
	w := newActWorld(t)
	e := w.env
	alice, aliceID := w.residentOn("home-alice", "华富街道")
	bob, _ := w.residentOn("home-bob", "华富街道")

	// Activities: Alice signed up for one of two.
	mine := w.published(w.editor, nil)
	w.published(w.editor, nil)
	wantStatus(t, w.do("POST", "/api/v1/activities/"+mine+"/signup", alice, nil), http.StatusCreated)

	// Surveys: two questionnaires open to 华富街道, one of them answered.
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	answered := e.createPublished(editor, map[string]any{"kind": "questionnaire", "title": "已答问卷",
		"audience": map[string]any{"streets": []string{"华富街道"}}, "questions": []any{map[string]any{"type": "text", "stem": "建议"}}})
	waiting := e.createPublished(editor, map[string]any{"kind": "questionnaire", "title": "待答问卷",
		"audience": map[string]any{"streets": []string{"华富街道"}}, "questions": []any{map[string]any{"type": "text", "stem": "建议"}}})
	var view struct{ Questions []idBody }
	decode(t, e.do("GET", "/api/v1/surveys/"+answered, alice, nil), &view)
	wantStatus(t, e.do("POST", "/api/v1/surveys/"+answered+"/responses", alice, map[string]any{"answers": map[string]any{view.Questions[0].ID: []string{"好"}}}), http.StatusCreated)

	// Requests: two open (one accepted, which sends a notice), one answered.
	e.routeTo("noise", e.dept)
	officer, _ := e.requestOfficer(e.dept)
	accepted := e.submitRequest(alice, "noise", "华富街道", nil)
	e.act(officer, accepted.ID, "accept", map[string]any{"version": accepted.Version}, http.StatusOK)
	open := e.submitRequest(alice, "noise", "华富街道", nil)
	done := e.submitRequest(alice, "noise", "华富街道", nil)
	a := e.act(officer, done.ID, "accept", map[string]any{"version": done.Version}, http.StatusOK)
	e.act(officer, done.ID, "answer", map[string]any{"version": a.Version, "answer": "已处理"}, http.StatusOK)

	// Points: 150 lifetime, level 2, the next at 300.
	po, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", po, map[string]any{"code": "home_rule", "name": "首页测试", "points": 150}), http.StatusCreated)
	wantStatus(t, e.do("POST", "/api/v1/admin/points/awards", po, map[string]any{"resident_id": itoa(aliceID), "rule_code": "home_rule", "external_id": "home-1"}), http.StatusCreated)

	var unread struct{ Count int64 }
	decode(t, e.do("GET", "/api/v1/notices/unread-count", alice, nil), &unread)

	rec := e.do("GET", "/api/v1/home", alice, nil)
	wantStatus(t, rec, http.StatusOK)
	var h homeBody
	decode(t, rec, &h)
	if h.UnreadNotices != unread.Count || h.UnreadNotices < 2 {
		t.Fatalf("unread_notices=%d, want %d (GET /notices/unread-count), at least 2", h.UnreadNotices, unread.Count)
	}
	if p := h.Points; p.Balance != 150 || p.LifetimeEarned != 150 || p.Level != 2 || p.LevelName != "Lv2" || p.NextLevelAt == nil || *p.NextLevelAt != 300 {
		t.Fatalf("points=%+v", p)
	}
	if len(h.UpcomingActivities) != 1 || h.UpcomingActivities[0].ID != mine {
		t.Fatalf("upcoming_activities=%+v, want [%s]", h.UpcomingActivities, mine)
	}
	if len(h.WaitingSurveys) != 1 || h.WaitingSurveys[0].ID != waiting {
		t.Fatalf("waiting_surveys=%+v, want [%s]", h.WaitingSurveys, waiting)
	}
	if r := h.OpenRequests; r.Count != 2 || len(r.Items) != 2 || r.Items[0].ID != itoa(open.ID) || r.Items[1].ID != itoa(accepted.ID) {
		t.Fatalf("open_requests=%+v, want %d, %d", r, open.ID, accepted.ID)
	}

	t.Run("AnotherResidentSeesOwnOnly", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/home", bob, nil)
		wantStatus(t, rec, http.StatusOK)
		var h homeBody
		decode(t, rec, &h)
		if h.UnreadNotices != 0 || h.Points.Balance != 0 || h.Points.Level != 1 || len(h.UpcomingActivities) != 0 ||
			len(h.WaitingSurveys) != 2 || h.OpenRequests.Count != 0 || len(h.OpenRequests.Items) != 0 {
			t.Fatalf("bob's home=%s", rec.Body.String())
		}
	})
	t.Run("ErrNotResident", func(t *testing.T) {
		wantStatus(t, e.do("GET", "/api/v1/home", "", nil), http.StatusUnauthorized)
		tok, _ := e.staffer([]staff.Role{staff.Superadmin})
		wantStatus(t, e.do("GET", "/api/v1/home", tok, nil), http.StatusForbidden)
	})
	t.Run("ErrBadQuery", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/home?x=\xff", alice, nil), http.StatusBadRequest, "invalid_argument", "x")
	})
}

type homeBody struct {
	UnreadNotices int64 `json:"unread_notices"`
	Points        struct {
		Balance        int64  `json:"balance"`
		LifetimeEarned int64  `json:"lifetime_earned"`
		Level          int    `json:"level"`
		LevelName      string `json:"level_name"`
		NextLevelAt    *int64 `json:"next_level_at"`
	} `json:"points"`
	UpcomingActivities []idBody `json:"upcoming_activities"`
	WaitingSurveys     []idBody `json:"waiting_surveys"`
	OpenRequests       struct {
		Count int64    `json:"count"`
		Items []idBody `json:"items"`
	} `json:"open_requests"`
}
