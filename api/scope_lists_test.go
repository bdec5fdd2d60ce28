package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/staff"
)

// listCase says how one admin route without a path parameter (a list,
// statistics, an export, a queue) is scoped. Either unscoped gives the
// reason it shows the same to everyone who may call it, or the case names
// a member who sees an object of department X on 华富街道 in the answer
// (owner), members outside that object's scope who must not (outsiders),
// and the text that appears in the answer only with the object (marker).
// The owner's answer proves the marker is real, so the case can fail.
type listCase struct {
	unscoped  string
	query     func() string // the query string, "" when nil
	owner     func(w *idorWorld) string
	outsiders func(w *idorWorld) []string
	marker    func(w *idorWorld) string
}

func idOf(id string) string { return `"id":"` + id + `"` }

// listCases covers every admin route without a path parameter. A new one
// fails TestListRoutesScoped until it is listed here.
func listCases() map[string]listCase {
	const v1 = "GET /api/v1"
	return map[string]listCase{
		v1 + "/admin/departments": {unscoped: "department names are shown to every member of staff"},
		v1 + "/admin/holidays":    {unscoped: "the district's holiday calendar is the same for everyone"},
		v1 + "/admin/knowledge": {
			query: func() string { return "?page_size=100" },
			owner: func(w *idorWorld) string { return w.req.handlerX },
			// Another department's desk and admin; X's editor holds no knowledge.manage.
			outsiders: func(w *idorWorld) []string { return []string{w.req.handlerY, w.adminY, w.editorX} },
			marker: func(w *idorWorld) string {
				rec := w.do("POST", "/api/v1/admin/knowledge", w.req.handlerX, map[string]any{"question": "列表标记条目", "answer": "x"})
				wantStatus(w.t, rec, http.StatusCreated)
				return `"question":"列表标记条目"`
			},
		},
		v1 + "/admin/request-routes":   {unscoped: "the routing table is the district's, read by every desk to transfer"},
		v1 + "/admin/me":               {unscoped: "the caller's own account"},
		v1 + "/admin/wechat/templates": {unscoped: "the mini program's subscribe templates are the same for every department"},
		v1 + "/admin/staff": {
			owner:     func(w *idorWorld) string { return w.env.idorStaffer(w.x, []staff.Role{staff.DeptAdmin}) },
			outsiders: func(w *idorWorld) []string { return []string{w.adminY, w.adminXStreet} },
			marker:    func(w *idorWorld) string { return `"username":"` + w.usernameOf(w.x, "[]") + `"` },
		},
		v1 + "/admin/staff/export": {
			owner:     func(w *idorWorld) string { return w.env.idorStaffer(w.x, []staff.Role{staff.DeptAdmin}) },
			outsiders: func(w *idorWorld) []string { return []string{w.adminY, w.adminXStreet} },
			marker:    func(w *idorWorld) string { return "\n" + w.usernameOf(w.x, "[]") + "," }, // a row's first cell
		},
		v1 + "/admin/settings": {unscoped: "the district's settings: superadmin only (settings.manage)"},
		v1 + "/admin/jobs": {
			query: func() string { return "?page_size=100" },
			owner: func(w *idorWorld) string { return w.env.districtAuditor() },
			// A department's auditor holds jobs.read, yet the queue is the
			// district's; a points officer may not read it at all.
			outsiders: func(w *idorWorld) []string { return []string{w.readerX, w.pointsX} },
			marker: func(w *idorWorld) string {
				if err := jobs.Enqueue(w.db, "idor.kind", "idor-job", nil); err != nil {
					w.t.Fatal(err)
				}
				return `"key":"idor-job"`
			},
		},
		v1 + "/admin/audit-log": {
			query:     func() string { return "?page_size=100" },
			owner:     func(w *idorWorld) string { return w.readerX },
			outsiders: func(w *idorWorld) []string { return []string{w.env.idorStaffer(w.y, []staff.Role{staff.Auditor})} },
			marker:    func(w *idorWorld) string { return `"actor":"` + w.usernameOf(w.x, "[]") + `"` },
		},
		v1 + "/admin/audit-log/export": {
			owner:     func(w *idorWorld) string { return w.readerX },
			outsiders: func(w *idorWorld) []string { return []string{w.env.idorStaffer(w.y, []staff.Role{staff.Auditor})} },
			marker:    func(w *idorWorld) string { return w.usernameOf(w.x, "[]") },
		},
		v1 + "/admin/enterprises/import-template":    {unscoped: "the import's template: a header and an example line, the same for everyone"},
		v1 + "/admin/credit-records/import-template": {unscoped: "the import's template: a header and an example line, the same for everyone"},
		v1 + "/admin/enterprise-bindings": {
			owner:     func(w *idorWorld) string { return w.creditX },
			outsiders: func(w *idorWorld) []string { return []string{w.creditXStreet} }, // bindings belong to streets, not departments
			marker:    func(w *idorWorld) string { return idOf(w.bindingID) },
		},
		v1 + "/admin/objections": {
			owner:     func(w *idorWorld) string { return w.creditX },
			outsiders: func(w *idorWorld) []string { return []string{w.creditY, w.creditXStreet} },
			marker:    func(w *idorWorld) string { return idOf(w.objectionID) },
		},
		v1 + "/admin/credit-repairs": {
			owner:     func(w *idorWorld) string { return w.creditX },
			outsiders: func(w *idorWorld) []string { return []string{w.creditY, w.creditXStreet} },
			marker:    func(w *idorWorld) string { return idOf(w.repairID) },
		},
		v1 + "/admin/credit-repair-courses": {
			owner:     func(w *idorWorld) string { return w.creditX },
			outsiders: func(w *idorWorld) []string { return []string{w.creditY} }, // a department's courses, whatever the streets
			marker:    func(w *idorWorld) string { return idOf(w.courseID) },
		},
		v1 + "/admin/enterprises": {
			owner:     func(w *idorWorld) string { return w.creditX },
			outsiders: func(w *idorWorld) []string { return []string{w.creditXStreet} }, // the registry is by street
			marker:    func(w *idorWorld) string { return w.e1 },
		},
		v1 + "/admin/credit-records": {
			owner:     func(w *idorWorld) string { return w.creditX },
			outsiders: func(w *idorWorld) []string { return []string{w.creditY, w.creditXStreet} },
			marker:    func(w *idorWorld) string { return idOf(w.factorID) },
		},
		v1 + "/admin/enterprises/export": {
			owner:     func(w *idorWorld) string { return w.creditX },
			outsiders: func(w *idorWorld) []string { return []string{w.creditXStreet} },
			marker:    func(w *idorWorld) string { return w.e1 },
		},
		v1 + "/admin/credit-records/export": {
			owner:     func(w *idorWorld) string { return w.creditX },
			outsiders: func(w *idorWorld) []string { return []string{w.creditY, w.creditXStreet} },
			marker:    func(w *idorWorld) string { return "深福监罚〔2026〕1号" }, // the record's case (e.credit)
		},
		v1 + "/admin/benefit-programs": {
			owner:     func(w *idorWorld) string { return w.creditX },
			outsiders: func(w *idorWorld) []string { return []string{w.creditY} },
			marker:    func(w *idorWorld) string { return idOf(w.programID) },
		},
		v1 + "/admin/points/deductions": {
			owner:     func(w *idorWorld) string { return w.pointsX },
			outsiders: func(w *idorWorld) []string { return []string{w.pointsY, w.pointsXStreet} },
			marker:    func(w *idorWorld) string { return `"case_ref":"FT-IDOR-1"` },
		},
		v1 + "/admin/points/appeals": {
			owner:     func(w *idorWorld) string { return w.pointsX },
			outsiders: func(w *idorWorld) []string { return []string{w.pointsY, w.pointsXStreet} },
			marker:    func(w *idorWorld) string { return idOf(w.appealID) },
		},
		v1 + "/admin/points/rules": {
			owner:     func(w *idorWorld) string { return w.pointsX },
			outsiders: func(w *idorWorld) []string { return []string{w.pointsY} }, // rules belong to departments, not streets
			marker:    func(w *idorWorld) string { return `"code":"idor_rule"` },
		},
		v1 + "/admin/rewards": {
			owner:     func(w *idorWorld) string { return w.pointsX },
			outsiders: func(w *idorWorld) []string { return []string{w.pointsY} }, // rewards belong to departments, not streets
			marker:    func(w *idorWorld) string { return idOf(w.rewardID) },
		},
		v1 + "/admin/notices": {
			owner:     func(w *idorWorld) string { return w.editorX },
			outsiders: func(w *idorWorld) []string { return []string{w.editorY, w.editorXStreet} },
			marker:    func(w *idorWorld) string { return idOf(w.noticeStreet) },
		},
		v1 + "/admin/dashboard": {
			owner:     func(w *idorWorld) string { return w.reviewerX },
			outsiders: func(w *idorWorld) []string { return []string{w.reviewerY, w.reviewerXStreet} },
			marker:    func(w *idorWorld) string { return `"id":"` + w.noticeSubmitted + `"` },
		},
		v1 + "/admin/requests": {
			owner:     func(w *idorWorld) string { return w.req.handlerX },
			outsiders: func(w *idorWorld) []string { return []string{w.req.handlerY, w.req.handlerXStreet} },
			marker:    func(w *idorWorld) string { return idOf(w.req.r) },
		},
		v1 + "/admin/request-guides":    {unscoped: "the dispatch guide and sign-for limits are the district's"},
		v1 + "/admin/dispatch/settings": {unscoped: "the dispatch centre's settings are the district's"},
		v1 + "/admin/request-flow-stats": {
			query:     func() string { return "?group_by=street&month=" + time.Now().In(district.Zone).Format("2006-01") },
			owner:     func(w *idorWorld) string { return w.req.handlerX },
			outsiders: func(w *idorWorld) []string { return []string{w.req.handlerY, w.req.handlerXStreet} },
			marker:    func(w *idorWorld) string { return `"华富街道"` },
		},
		v1 + "/admin/supervisions": {
			owner:     func(w *idorWorld) string { return w.req.handlerX },
			outsiders: func(w *idorWorld) []string { return []string{w.req.handlerY, w.req.handlerXStreet, w.req.centreStreet} },
			marker:    func(w *idorWorld) string { return idOf(w.req.letter) },
		},
		v1 + "/admin/dispatch/requests": {
			query: func() string { return "?page_size=100" },
			owner: func(w *idorWorld) string {
				tok, _ := w.env.stafferIn(nil, []staff.Role{staff.Dispatcher})
				return tok
			},
			outsiders: func(w *idorWorld) []string { return []string{w.req.centreStreet} },
			marker:    func(w *idorWorld) string { return idOf(w.req.r) },
		},
		v1 + "/admin/request-stats": {
			query:     func() string { return "?group_by=street&month=" + time.Now().In(district.Zone).Format("2006-01") },
			owner:     func(w *idorWorld) string { return w.req.handlerX },
			outsiders: func(w *idorWorld) []string { return []string{w.req.handlerY, w.req.handlerXStreet} },
			marker:    func(w *idorWorld) string { return `"华富街道"` },
		},
		v1 + "/admin/surveys": {
			owner:     func(w *idorWorld) string { return w.editorX },
			outsiders: func(w *idorWorld) []string { return []string{w.editorY, w.editorXStreet} },
			marker:    func(w *idorWorld) string { return idOf(w.quizID) },
		},
		v1 + "/admin/questions": {
			owner:     func(w *idorWorld) string { return w.editorX },
			outsiders: func(w *idorWorld) []string { return []string{w.editorY} }, // the bank belongs to departments, not streets
			marker:    func(w *idorWorld) string { return idOf(w.questionID) },
		},
		v1 + "/admin/activities": {
			owner:     func(w *idorWorld) string { return w.editorX },
			outsiders: func(w *idorWorld) []string { return []string{w.editorY, w.editorXStreet} },
			marker:    func(w *idorWorld) string { return idOf(w.act.published) },
		},
		v1 + "/admin/points/repair-tags": {
			owner: func(w *idorWorld) string { return w.pointsX },
			// Another department's officer; X's editor holds no points.rules.manage.
			outsiders: func(w *idorWorld) []string { return []string{w.pointsY, w.editorX} },
			marker: func(w *idorWorld) string {
				q := map[string]any{"type": "judge", "stem": "标签题", "answer": []string{"对"}, "tags": []string{"X部门标签"}}
				wantStatus(w.t, w.do("POST", "/api/v1/admin/questions", w.editorX, []any{q}), http.StatusCreated)
				return `"tag":"X部门标签"`
			},
		},
		v1 + "/admin/stats/repairs": {
			query: func() string {
				m := time.Now().In(district.Zone).Format("2006-01")
				return "?from=" + m + "&to=" + m
			},
			owner: func(w *idorWorld) string { return w.pointsX },
			// Another department's officer; X's officer on 福田街道 (the
			// repairers live on 华富街道); X's editor holds no stats.repairs.
			outsiders: func(w *idorWorld) []string { return []string{w.pointsY, w.pointsXStreet, w.editorX} },
			marker:    func(w *idorWorld) string { return w.fiveRepairs() },
		},
		v1 + "/admin/activity-stats": {
			query: func() string {
				today := time.Now().In(district.Zone)
				return "?from=" + today.Format("2006-01-02") + "&to=" + today.AddDate(0, 0, 5).Format("2006-01-02")
			},
			owner:     func(w *idorWorld) string { return w.editorX },
			outsiders: func(w *idorWorld) []string { return []string{w.editorY, w.editorXStreet} },
			marker:    func(w *idorWorld) string { return `"华富街道"` },
		},
	}
}

// usernameOf returns the username of a member of department dept whose
// streets are streets (JSON, "[]" for every street).
func (w *idorWorld) usernameOf(dept int64, streets string) string {
	w.t.Helper()
	var name string
	if err := w.db.Raw("SELECT username FROM staff WHERE department_id = ? AND streets = ? ORDER BY id LIMIT 1", dept, streets).Row().Scan(&name); err != nil {
		w.t.Fatal(err)
	}
	return name
}

// TestListRoutesScoped: every admin route without a path parameter either
// shows the same to everyone who may call it (and says why), or shows an
// object only to members whose scope covers it. A route missing a case
// fails, so a new module cannot forget scope in its lists, statistics and
// exports without a test failing.
func TestListRoutesScoped(t *testing.T) {
	w := newIDORWorld(t)
	cases := listCases()
	seen := map[string]bool{}
	for _, r := range w.srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/admin/") || strings.ContainsAny(r.Path, ":*") || r.Method != http.MethodGet {
			continue
		}
		key := r.Method + " " + r.Path
		seen[key] = true
		c, ok := cases[key]
		if !ok {
			t.Errorf("%s has no list scope case: add one to listCases", key)
			continue
		}
		if c.unscoped != "" {
			continue
		}
		t.Run(key, func(t *testing.T) {
			path := r.Path
			if c.query != nil {
				path += c.query()
			}
			marker := c.marker(w)
			rec := w.do("GET", path, c.owner(w), nil)
			wantStatus(t, rec, http.StatusOK)
			if !strings.Contains(rec.Body.String(), marker) {
				t.Fatalf("the owner's answer lacks %s, so the case proves nothing: %s", marker, rec.Body.String())
			}
			for i, tok := range c.outsiders(w) {
				rec := w.do("GET", path, tok, nil)
				if rec.Code == http.StatusForbidden {
					continue // refused outright: nothing shown
				}
				wantStatus(t, rec, http.StatusOK)
				if strings.Contains(rec.Body.String(), marker) {
					t.Fatalf("outsider %d sees %s: %s", i, marker, rec.Body.String())
				}
			}
		})
	}
	for key := range cases {
		if !seen[key] {
			t.Errorf("list scope case for %s, which is not a route (renamed?)", key)
		}
	}
}

// fiveRepairs has five residents of 华富街道 repair a deduction of X's
// under X's repairable rule idor_repair (fewer would be left out of the
// statistics) and returns the marker of its statistics' row.
func (w *idorWorld) fiveRepairs() string {
	w.t.Helper()
	qs := make([]any, 3)
	for i := range qs {
		qs[i] = map[string]any{"type": "single", "stem": "修复题" + strconv.Itoa(i), "options": []string{"甲", "乙"}, "answer": []string{"乙"}, "tags": []string{"idor修复"}}
	}
	wantStatus(w.t, w.do("POST", "/api/v1/admin/questions", w.editorX, qs), http.StatusCreated)
	wantStatus(w.t, w.do("POST", "/api/v1/admin/points/rules", w.pointsX, map[string]any{
		"code": "idor_repair", "name": "修复规则", "points": 10, "kind": "deduct",
		"repair": map[string]any{"repairable": true, "tag": "idor修复", "questions": 3, "pass_score": 60, "share_percent": 50},
	}), http.StatusCreated)
	for i := range 5 {
		tok, rid := w.residentOn("idor-repairer-"+strconv.Itoa(i), "华富街道")
		rec := w.do("POST", "/api/v1/admin/points/deductions", w.pointsX, map[string]any{
			"resident_id": strconv.FormatInt(rid, 10), "points": 10, "case_ref": "修复案", "reason": "x", "rule_code": "idor_repair",
		})
		wantStatus(w.t, rec, http.StatusCreated)
		var d idBody
		decode(w.t, rec, &d)
		rec = w.do("POST", "/api/v1/points/deductions/"+d.ID+"/repair", tok, nil)
		wantStatus(w.t, rec, http.StatusCreated)
		var st struct {
			Attempt struct {
				AttemptID string   `json:"attempt_id"`
				Questions []idBody `json:"questions"`
			} `json:"attempt"`
		}
		decode(w.t, rec, &st)
		answers := map[string]any{}
		for _, q := range st.Attempt.Questions {
			answers[q.ID] = []string{"乙"}
		}
		wantStatus(w.t, w.do("POST", "/api/v1/attempts/"+st.Attempt.AttemptID+"/submit", tok, map[string]any{"answers": answers}), http.StatusOK)
	}
	return `"rule":"idor_repair"`
}
