package api

import (
	"image/color"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// idorActivities are X's activities in the IDOR world: one published on
// 华富街道 for 华富街道's residents, A signed up, and a draft.
type idorActivities struct {
	published, draft string
	approval         string // an hours adjustment for A beyond the activity's length, pending
}

const idorActivityTitle = "华富街道义诊"

func (w *idorWorld) setupActivities() {
	start := time.Now().Add(48 * time.Hour)
	body := func(title string) map[string]any {
		return map[string]any{
			"kind": "public_benefit", "title": title, "place": "华富街道党群服务中心", "street": "华富街道",
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
			"capacity": 5, "audience": map[string]any{"streets": []string{"华富街道"}},
		}
	}
	var a, d idBody
	w.post("POST", "/api/v1/admin/activities", w.editorX, body(idorActivityTitle), http.StatusCreated, &a)
	w.post("POST", "/api/v1/admin/activities/"+a.ID+"/publish", w.editorX, nil, http.StatusOK, nil)
	w.post("POST", "/api/v1/admin/activities", w.editorX, body("华富街道草稿活动"), http.StatusCreated, &d)
	w.post("POST", "/api/v1/activities/"+a.ID+"/signup", w.a, nil, http.StatusCreated, nil)
	var p idBody
	w.post("POST", "/api/v1/admin/activities/"+a.ID+"/hours-adjustments", w.editorX,
		map[string]any{"resident_id": strconv.FormatInt(w.aID, 10), "hours": 3, "reason": "补记"}, http.StatusAccepted, &p)
	w.act = idorActivities{published: a.ID, draft: d.ID, approval: p.ID}
}

// memberCode returns a resident's current member code.
func (w *idorWorld) memberCode(tok string) string {
	var mc struct {
		Code string `json:"code"`
	}
	w.post("GET", "/api/v1/me/member-code", tok, nil, http.StatusOK, &mc)
	return mc.Code
}

// idorActivityCases attack the activity routes with a path parameter.
func idorActivityCases() map[string]idorCase {
	const v1 = "/api/v1"
	staffCase := func(method, suffix string, body func(w *idorWorld) any, secrets ...string) idorCase {
		return idorCase{
			owner: "X, the activity's department, on its street (华富街道)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet} {
					var b any
					if body != nil {
						b = body(w)
					}
					for _, id := range []string{w.act.published, w.act.draft} {
						wantDenied(t, w.do(method, v1+"/admin/activities/"+id+suffix, tok, b), secrets...)
					}
				}
			},
		}
	}
	byCode := func(w *idorWorld) any { return map[string]string{"member_code": w.memberCode(w.a)} }
	byHand := func(w *idorWorld) any {
		return map[string]string{"resident_id": strconv.FormatInt(w.aID, 10), "reason": "冒名签到"}
	}
	return map[string]idorCase{
		"GET " + v1 + "/activities/:id": {
			owner: "residents in the activity's audience (华富街道), once published, or signed up",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("GET", v1+"/activities/"+w.act.published, w.b, nil), idorActivityTitle)
				wantDenied(t, w.do("GET", v1+"/activities/"+w.act.draft, w.a, nil), "草稿")
			},
		},
		"POST " + v1 + "/activities/:id/signup": {
			owner: "residents in the activity's audience (华富街道), once published",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("POST", v1+"/activities/"+w.act.published+"/signup", w.b, nil), idorActivityTitle)
				wantDenied(t, w.do("POST", v1+"/activities/"+w.act.draft+"/signup", w.a, nil))
			},
		},
		"DELETE " + v1 + "/activities/:id/signup": {
			owner: "the resident who signed up (A)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} { // N is in the audience, not signed up
					wantDenied(t, w.do("DELETE", v1+"/activities/"+w.act.published+"/signup", tok, nil))
				}
			},
		},
		"GET " + v1 + "/admin/activities/:id":          staffCase("GET", "", nil, idorActivityTitle),
		"PATCH " + v1 + "/admin/activities/:id":        staffCase("PATCH", "", func(*idorWorld) any { return map[string]any{"title": "被改"} }, idorActivityTitle),
		"POST " + v1 + "/admin/activities/:id/publish": staffCase("POST", "/publish", nil),
		"POST " + v1 + "/admin/activities/:id/cancel":  staffCase("POST", "/cancel", func(*idorWorld) any { return map[string]any{"reason": "x"} }),
		"POST " + v1 + "/admin/activities/:id/image": {
			owner: "X, the activity's department, on its street (华富街道)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet} {
					for _, id := range []string{w.act.published, w.act.draft} {
						wantDenied(t, w.uploadTo(v1+"/admin/activities/"+id+"/image", tok, "file", solidJPEG(t, 32, 32, color.White)), idorActivityTitle)
					}
				}
				if n := len(w.imageFiles()); n != 0 {
					t.Fatalf("%d pictures stored", n)
				}
			},
		},
		"GET " + v1 + "/admin/activities/:id/roster": {
			owner: "X, the activity's department, on its street; auditors of X too",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet, w.readerXStreet} {
					wantDenied(t, w.do("GET", v1+"/admin/activities/"+w.act.published+"/roster", tok, nil), strconv.FormatInt(w.aID, 10))
				}
			},
		},
		"GET " + v1 + "/admin/activities/:id/roster/export": {
			owner: "X, the activity's department, on its street; auditors of X too",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet, w.readerXStreet} {
					wantDenied(t, w.do("GET", v1+"/admin/activities/"+w.act.published+"/roster/export", tok, nil), strconv.FormatInt(w.aID, 10))
				}
			},
		},
		"GET " + v1 + "/admin/activities/:id/venue-code": staffCase("GET", "/venue-code", nil, `"refresh_at"`),
		"POST " + v1 + "/admin/activities/:id/checkins":  staffCase("POST", "/checkins", byCode),
		"POST " + v1 + "/admin/activities/:id/checkouts": staffCase("POST", "/checkouts", byHand),
		"GET " + v1 + "/admin/activities/:id/hours-approvals": {
			owner: "X, the activity's department, on its street",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet} {
					wantDenied(t, w.do("GET", v1+"/admin/activities/"+w.act.published+"/hours-approvals", tok, nil), `"id":"`+w.act.approval+`"`)
				}
			},
		},
		"POST " + v1 + "/admin/activities/:id/hours-approvals/:aid/approve": {
			owner: "X, the activity's department, on its street; a member other than the one who asked",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet} {
					wantDenied(t, w.do("POST", v1+"/admin/activities/"+w.act.published+"/hours-approvals/"+w.act.approval+"/approve", tok, nil), `"status"`)
				}
				// Through another activity of X's, or by the member who asked.
				wantDenied(t, w.do("POST", v1+"/admin/activities/"+w.act.draft+"/hours-approvals/"+w.act.approval+"/approve", w.editorY, nil), `"status"`)
				wantDenied(t, w.do("POST", v1+"/admin/activities/"+w.act.published+"/hours-approvals/"+w.act.approval+"/approve", w.editorX, nil), `"status"`)
			},
		},
		"POST " + v1 + "/admin/activities/:id/hours-approvals/:aid/reject": {
			owner: "X, the activity's department, on its street",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet} {
					wantDenied(t, w.do("POST", v1+"/admin/activities/"+w.act.published+"/hours-approvals/"+w.act.approval+"/reject", tok, nil), `"status"`)
				}
			},
		},
		"POST " + v1 + "/admin/activities/:id/hours-adjustments": staffCase("POST", "/hours-adjustments", func(w *idorWorld) any {
			return map[string]any{"resident_id": strconv.FormatInt(w.aID, 10), "hours": 5, "reason": "冒领"}
		}),
	}
}

// TestIDORActivityLists: residents outside the audience list none of X's
// activities, another department's staff none either, and the owners do.
func TestIDORActivityLists(t *testing.T) {
	w := newIDORWorld(t)
	const v1 = "/api/v1"
	w.unchanged(t, func() {
		for _, c := range []struct{ tok, path string }{
			{w.b, "/activities"}, {w.b, "/me/activities"}, {w.n, "/me/activities"}, {w.editorY, "/admin/activities"}, {w.editorXStreet, "/admin/activities"},
		} {
			rec := w.do("GET", v1+c.path, c.tok, nil)
			wantStatus(t, rec, http.StatusOK)
			if !emptyPage(rec.Body.String()) {
				t.Fatalf("GET %s shows %s", c.path, rec.Body.String())
			}
		}
		rec := w.do("GET", v1+"/admin/activity-stats", w.editorY, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"activities":0,`) {
			t.Fatalf("Y's statistics count X's activities: %s", rec.Body.String())
		}
		for _, c := range []struct{ tok, path, want string }{
			{w.n, "/activities", `"id":"` + w.act.published + `"`},
			{w.a, "/me/activities", `"id":"` + w.act.published + `"`},
			{w.editorX, "/admin/activities", `"id":"` + w.act.draft + `"`},
			{w.readerX, "/admin/activities/" + w.act.published + "/roster", `"resident_id":"` + strconv.FormatInt(w.aID, 10) + `"`},
		} {
			rec := w.do("GET", v1+c.path, c.tok, nil)
			wantStatus(t, rec, http.StatusOK)
			if !strings.Contains(rec.Body.String(), c.want) {
				t.Fatalf("GET %s: %s lacks %s", c.path, rec.Body.String(), c.want)
			}
		}
	})
}
