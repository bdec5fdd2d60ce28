package api

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/futian/ifutian/staff"
)

type dashboardQueueOut struct {
	Count int64 `json:"count"`
	Items []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Count *int64 `json:"count"`
	} `json:"items"`
}

// String is the queue as "count [titles]", or "null".
func (q *dashboardQueueOut) String() string {
	if q == nil {
		return "null"
	}
	var items []string
	for _, it := range q.Items {
		items = append(items, it.Title)
	}
	return fmt.Sprint(q.Count, items)
}

type dashboardOut struct {
	Reviews, Appeals, Objections, Bindings, Declarations, Sends *dashboardQueueOut
}

func (e *env) dashboard(token string) dashboardOut {
	e.t.Helper()
	rec := e.do("GET", "/api/v1/admin/dashboard", token, nil)
	wantStatus(e.t, rec, http.StatusOK)
	var out dashboardOut
	decode(e.t, rec, &out)
	return out
}

func TestDashboardReviewsAndSends(t *testing.T) {
	e := newNoticeEnv(t)
	both, _ := e.staffer([]staff.Role{staff.Editor, staff.Reviewer})
	hfReviewer, _ := e.staffer([]staff.Role{staff.Reviewer}, "华富街道")
	foreign := e.idorStaffer(e.otherDepartment(), []staff.Role{staff.Reviewer, staff.Editor})
	submit := func(token, title string, audience map[string]any) string {
		rec := e.do("POST", "/api/v1/admin/notices", token, e.notice(map[string]any{"title": title, "audience": audience}))
		wantStatus(t, rec, http.StatusCreated)
		var n noticeOut
		decode(t, rec, &n)
		e.step(token, n.ID, "submit", nil, http.StatusOK)
		return n.ID
	}
	submit(e.editor, "全区通知", map[string]any{})
	submit(both, "自己写的通知", map[string]any{})
	submit(e.editor, "华富通知", map[string]any{"streets": []string{"华富街道"}})
	e.create(map[string]any{"title": "草稿不算"})

	for name, tc := range map[string]struct {
		token string
		want  string
	}{
		"Reviewer":           {e.reviewer, "3 [全区通知 自己写的通知 华富通知]"},
		"NotTheirOwn":        {both, "2 [全区通知 华富通知]"},
		"StreetScoped":       {hfReviewer, "1 [华富通知]"},
		"OtherDepartment":    {foreign, "0 []"},
		"EditorCannotReview": {e.editor, "null"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := e.dashboard(tc.token).Reviews.String(); got != tc.want {
				t.Fatalf("reviews=%s, want %s", got, tc.want)
			}
		})
	}

	t.Run("Sends", func(t *testing.T) {
		tpl := "TPL_DASH_" + strconv.FormatInt(appSeq.Add(1), 10)
		for i := range 3 {
			tok, _ := e.residentWith(fmt.Sprintf("dash%d-%s", i, tpl), map[string]any{"street": "园岭街道"})
			wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{tpl: "accept"}}), http.StatusOK)
		}
		id := e.publish(map[string]any{"title": "园岭停水通知", "audience": map[string]any{"streets": []string{"园岭街道"}},
			"subscribe": map[string]any{"template_id": tpl, "data": map[string]string{"thing1": "停水"}}})
		d := e.dashboard(e.editor)
		if d.Sends == nil || d.Sends.Count != 1 || len(d.Sends.Items) != 1 || d.Sends.Items[0].ID != id ||
			d.Sends.Items[0].Count == nil || *d.Sends.Items[0].Count != 3 {
			t.Fatalf("sends=%+v, want notice %s with 3 to send", d.Sends, id)
		}
		hfEditor, _ := e.staffer([]staff.Role{staff.Editor}, "华富街道")
		if d := e.dashboard(hfEditor); d.Sends == nil || d.Sends.Count != 0 {
			t.Fatalf("a member of another street sees the sends: %+v", d.Sends)
		}
		if d := e.dashboard(foreign); d.Sends == nil || d.Sends.Count != 0 {
			t.Fatalf("another department sees the sends: %+v", d.Sends)
		}
		// Sent, the notice leaves the queue.
		e.db.Exec("UPDATE notice_sends SET status = 'sent', due_at = NULL")
		if d := e.dashboard(e.editor); d.Sends.Count != 0 {
			t.Fatalf("sends after delivery: %+v", d.Sends)
		}
	})
}

func TestDashboardAppeals(t *testing.T) {
	e := newPointsEnv(t) // a resident of 华富街道 and a points officer of e.dept
	rec := e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": e.ridStr, "points": 20, "case_ref": "FT-2026-009", "reason": "占道经营"})
	wantStatus(t, rec, http.StatusCreated)
	var deduction idBody
	decode(t, rec, &deduction)
	wantStatus(t, e.do("POST", "/api/v1/points/appeals", e.resident, map[string]any{"transaction_id": deduction.ID, "reason": "当天不在现场，有证人"}), http.StatusCreated)
	hf, _ := e.staffer([]staff.Role{staff.PointsOfficer}, "华富街道")
	lh, _ := e.staffer([]staff.Role{staff.PointsOfficer}, "莲花街道")
	foreign := e.idorStaffer(e.otherDepartment(), []staff.Role{staff.PointsOfficer})
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	for name, tc := range map[string]struct {
		token string
		want  string
	}{
		"Officer":         {e.officer, "1 [扣减 20 分（FT-2026-009）]"},
		"StreetScoped":    {hf, "1 [扣减 20 分（FT-2026-009）]"},
		"OtherStreet":     {lh, "0 []"},
		"OtherDepartment": {foreign, "0 []"},
		"NoPermission":    {editor, "null"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := e.dashboard(tc.token).Appeals.String(); got != tc.want {
				t.Fatalf("appeals=%s, want %s", got, tc.want)
			}
		})
	}
}

func TestDashboardEnterprises(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 7, "制造业")
	member, _ := e.resident("dash-member")
	e.bind(officer, member, uscc)
	factor := e.credit(officer, uscc, "penalty", "general")
	wantStatus(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": factor, "reason": "已整改"}), http.StatusCreated)
	asker, _ := e.resident("dash-asker")
	wantStatus(t, e.do("POST", "/api/v1/enterprises/bindings", asker, map[string]string{"uscc": uscc, "role": "agent"}), http.StatusCreated)

	foreign := e.idorStaffer(e.otherDepartment(), []staff.Role{staff.CreditOfficer})
	name := "[福田测试企业7有限公司]"
	for who, tc := range map[string]struct {
		token                string
		objections, bindings string
	}{
		"Officer":      {officer, "1 " + name, "1 " + name},
		"StreetScoped": {e.officer("华富街道"), "1 " + name, "1 " + name},
		"OtherStreet":  {e.officer("莲花街道"), "0 []", "0 []"},
		// Objections are decided by the record's department; bindings
		// belong to no department.
		"OtherDepartment": {foreign, "0 []", "1 " + name},
		"NoPermission":    {e.idorStaffer(e.dept, []staff.Role{staff.Editor}), "null", "null"},
	} {
		t.Run(who, func(t *testing.T) {
			d := e.dashboard(tc.token)
			if got := d.Objections.String(); got != tc.objections {
				t.Errorf("objections=%s, want %s", got, tc.objections)
			}
			if got := d.Bindings.String(); got != tc.bindings {
				t.Errorf("bindings=%s, want %s", got, tc.bindings)
			}
		})
	}
}

func TestDashboardDeclarations(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	sid, _ := declarationEnv(t, e, editor) // for 华富 and 莲花
	tok, _ := e.residentOn("decl-a", "华富街道")
	e.residentOn("decl-b", "华富街道")
	e.residentOn("decl-c", "莲花街道")
	e.residentOn("decl-d", "园岭街道") // not in the audience
	var view struct{ Questions []idBody }
	decode(t, e.do("GET", "/api/v1/surveys/"+sid, tok, nil), &view)
	wantStatus(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, map[string]any{"answers": map[string]any{
		view.Questions[0].ID: []string{"对"}, view.Questions[1].ID: []string{"无"}}}), http.StatusCreated)

	auditor, _ := e.staffer([]staff.Role{staff.Auditor}, "莲花街道")
	for who, tc := range map[string]struct {
		token string
		want  string
	}{
		"Editor":          {editor, "1 [每日健康申报:2]"},
		"StreetScoped":    {auditor, "1 [每日健康申报:1]"},
		"OtherDepartment": {e.foreignStaffer(), "0 []"},
		"NoPermission":    {e.idorStaffer(e.dept, []staff.Role{staff.Verifier}), "null"},
	} {
		t.Run(who, func(t *testing.T) {
			d := e.dashboard(tc.token)
			got := "null"
			if q := d.Declarations; q != nil {
				var items []string
				for _, it := range q.Items {
					if it.ID != sid || it.Count == nil {
						t.Fatalf("item=%+v", it)
					}
					items = append(items, fmt.Sprintf("%s:%d", it.Title, *it.Count))
				}
				got = fmt.Sprint(q.Count, items)
			}
			if got != tc.want {
				t.Fatalf("declarations=%s, want %s", got, tc.want)
			}
		})
	}
}

func TestDashboardNothingToDo(t *testing.T) {
	e := newEnv(t)
	verifier, _ := e.staffer([]staff.Role{staff.Verifier})
	rec := e.do("GET", "/api/v1/admin/dashboard", verifier, nil)
	wantStatus(t, rec, http.StatusOK)
	if got, want := rec.Body.String(), `{"reviews":null,"appeals":null,"objections":null,"bindings":null,"declarations":null,"sends":null}`; got != want {
		t.Fatalf("dashboard=%s, want %s", got, want)
	}
	super, _ := e.staffer([]staff.Role{staff.Superadmin})
	rec = e.do("GET", "/api/v1/admin/dashboard", super, nil)
	wantStatus(t, rec, http.StatusOK)
	if got, want := rec.Body.String(), `{"reviews":{"count":0,"items":[]},"appeals":{"count":0,"items":[]},"objections":{"count":0,"items":[]},"bindings":{"count":0,"items":[]},"declarations":{"count":0,"items":[]},"sends":{"count":0,"items":[]}}`; got != want {
		t.Fatalf("dashboard=%s, want %s", got, want)
	}
	resident, _ := e.resident("dash-resident")
	wantError(t, e.do("GET", "/api/v1/admin/dashboard", resident, nil), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("GET", "/api/v1/admin/dashboard", "", nil), http.StatusUnauthorized, "unauthenticated", "")
}
