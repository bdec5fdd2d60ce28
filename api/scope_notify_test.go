package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// noticeStaffOf makes a staff member of department dept (nil: none) with
// the given roles and streets and returns a token.
func (e *noticeEnv) noticeStaffOf(dept *int64, roles []staff.Role, streets ...string) string {
	e.t.Helper()
	m, err := e.staff.Create(context.Background(), nil, staff.NewMember{
		Username: "ns" + itoa(appSeq.Add(1)), Password: "password-123456",
		Roles: roles, Streets: streets, DepartmentID: dept,
	}, func(string) bool { return true })
	if err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.auth.Issue(context.Background(), auth.Staff, m.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// noticeAt creates a notice of e.dept for audience and takes it to state
// (draft, submitted or published), returning its ID.
func (e *noticeEnv) noticeAt(audience map[string]any, state string) string {
	e.t.Helper()
	switch state {
	case "draft":
		return e.create(map[string]any{"audience": audience})
	case "submitted":
		id := e.create(map[string]any{"audience": audience})
		e.step(e.editor, id, "submit", nil, http.StatusOK)
		return id
	case "published":
		return e.publish(map[string]any{"audience": audience, "publish_at": e.clock.now().Add(time.Hour).Format(time.RFC3339)})
	}
	e.t.Fatalf("unknown state %q", state)
	return ""
}

// wantNoticeHidden checks that every way a staff token could reach the
// notices answers 404 exactly as for a missing notice, and changes nothing.
func (e *noticeEnv) wantNoticeHidden(t *testing.T, editor, reviewer string, draft, submitted, published string) {
	t.Helper()
	events := e.count("notice_events")
	for _, tok := range []string{editor, reviewer} {
		for _, id := range []string{draft, submitted, published} {
			wantError(t, e.do("GET", "/api/v1/admin/notices/"+id, tok, nil), http.StatusNotFound, "not_found", "")
			wantError(t, e.do("GET", "/api/v1/admin/notices/"+id+"/stats", tok, nil), http.StatusNotFound, "not_found", "")
		}
	}
	wantError(t, e.do("POST", "/api/v1/admin/notices/"+draft+"/submit", editor, nil), http.StatusNotFound, "not_found", "")
	wantError(t, e.do("POST", "/api/v1/admin/notices/"+submitted+"/approve", reviewer, nil), http.StatusNotFound, "not_found", "")
	wantError(t, e.do("POST", "/api/v1/admin/notices/"+submitted+"/reject", reviewer, map[string]string{"reason": "不行"}), http.StatusNotFound, "not_found", "")
	for _, id := range []string{submitted, published} {
		wantError(t, e.do("POST", "/api/v1/admin/notices/"+id+"/withdraw", editor, map[string]string{"reason": "撤回"}), http.StatusNotFound, "not_found", "")
	}
	if got := e.count("notice_events"); got != events {
		t.Fatalf("notice_events %d → %d: a refused step was recorded", events, got)
	}
}

// listIDs returns the IDs the console lists for token.
func (e *noticeEnv) listIDs(token string) []string {
	e.t.Helper()
	var ids []string
	page := ""
	for range 50 {
		rec := e.do("GET", "/api/v1/admin/notices?page_size=2&page_token="+page, token, nil)
		wantStatus(e.t, rec, http.StatusOK)
		var out struct {
			Items         []noticeOut `json:"items"`
			NextPageToken string      `json:"next_page_token"`
		}
		decode(e.t, rec, &out)
		for _, it := range out.Items {
			ids = append(ids, it.ID)
		}
		if page = out.NextPageToken; page == "" {
			return ids
		}
	}
	e.t.Fatal("the list does not end")
	return nil
}

// TestNoticeScopeOtherDepartment: another department's notice answers
// 404 to every step, like a missing one, and is not listed.
func TestNoticeScopeOtherDepartment(t *testing.T) {
	e := newNoticeEnv(t)
	huafu := map[string]any{"streets": []string{"华富街道"}}
	draft, submitted, published := e.noticeAt(huafu, "draft"), e.noticeAt(huafu, "submitted"), e.noticeAt(huafu, "published")
	y := e.otherDepartment()
	editorY := e.noticeStaffOf(&y, []staff.Role{staff.Editor})
	reviewerY := e.noticeStaffOf(&y, []staff.Role{staff.Reviewer})
	e.wantNoticeHidden(t, editorY, reviewerY, draft, submitted, published)
	if got := e.listIDs(editorY); len(got) != 0 {
		t.Fatalf("Y lists %v", got)
	}
	// The notices were there: their department reaches them.
	wantStatus(t, e.do("GET", "/api/v1/admin/notices/"+published+"/stats", e.reviewer, nil), http.StatusOK)
	e.step(e.reviewer, submitted, "approve", nil, http.StatusOK)
}

// TestNoticeScopeStreet: a street-scoped member of the department does not
// see notices whose audience reaches beyond their streets (404, like a
// missing one), lists only those within, and acts on those.
func TestNoticeScopeStreet(t *testing.T) {
	e := newNoticeEnv(t)
	editorL := e.noticeStaffOf(&e.dept, []staff.Role{staff.Editor}, "莲花街道")
	reviewerL := e.noticeStaffOf(&e.dept, []staff.Role{staff.Reviewer}, "莲花街道")

	for name, aud := range map[string]map[string]any{
		"OtherStreet":     {"streets": []string{"华富街道"}},
		"AlsoOtherStreet": {"streets": []string{"莲花街道", "华富街道"}},
		"OtherCommunity":  {"communities": []string{"田面社区"}}, // 华富街道's
		"Everyone":        {},
	} {
		t.Run(name, func(t *testing.T) {
			e.wantNoticeHidden(t, editorL, reviewerL, e.noticeAt(aud, "draft"), e.noticeAt(aud, "submitted"), e.noticeAt(aud, "published"))
		})
	}

	mine := map[string]any{"streets": []string{"莲花街道"}}
	ownCommunity := map[string]any{"communities": []string{"景田社区"}} // 莲花街道's
	draft, submitted, published := e.noticeAt(mine, "draft"), e.noticeAt(ownCommunity, "submitted"), e.noticeAt(mine, "published")
	hidden := e.noticeAt(map[string]any{"streets": []string{"华富街道"}}, "draft")

	t.Run("Lists", func(t *testing.T) {
		got := e.listIDs(editorL)
		want := []string{published, submitted, draft}
		if !slices.Equal(got, want) {
			t.Fatalf("莲花 editor lists %v, want %v", got, want)
		}
		if all := e.listIDs(e.editor); !slices.Contains(all, hidden) || len(all) != 16 {
			t.Fatalf("the department's editor lists %d notices (%v), want all 16", len(all), all)
		}
	})
	t.Run("ActsWithin", func(t *testing.T) {
		wantStatus(t, e.do("GET", "/api/v1/admin/notices/"+published+"/stats", reviewerL, nil), http.StatusOK)
		e.step(editorL, draft, "submit", nil, http.StatusOK)
		e.step(reviewerL, submitted, "approve", nil, http.StatusOK)
		e.step(editorL, published, "withdraw", nil, http.StatusOK)
	})
}

// TestNoticeScopeReach: an audience reaching beyond the member's streets
// is refused with 403 naming the field, for a draft and for a preview, and
// nothing is written; an audience of their streets' communities is theirs.
func TestNoticeScopeReach(t *testing.T) {
	e := newNoticeEnv(t)
	editorL := e.noticeStaffOf(&e.dept, []staff.Role{staff.Editor}, "莲花街道")
	for name, c := range map[string]struct {
		audience map[string]any
		field    string
	}{
		"Everyone":            {map[string]any{}, "audience.streets"},
		"OtherStreet":         {map[string]any{"streets": []string{"华富街道"}}, "audience.streets"},
		"OneStreetTooMany":    {map[string]any{"streets": []string{"莲花街道", "华富街道"}}, "audience.streets"},
		"OtherCommunity":      {map[string]any{"streets": []string{"莲花街道"}, "communities": []string{"田面社区"}}, "audience.communities"},
		"OnlyOtherCommunity":  {map[string]any{"communities": []string{"田面社区"}}, "audience.communities"},
		"ResidentIDsAnywhere": {map[string]any{"resident_ids": []string{"1"}}, "audience.streets"},
		"TagsAnywhere":        {map[string]any{"tags": []string{"党员"}}, "audience.streets"},
	} {
		t.Run(name, func(t *testing.T) {
			before := e.count("notices")
			wantError(t, e.do("POST", "/api/v1/admin/notices", editorL, e.notice(map[string]any{"audience": c.audience})), http.StatusForbidden, "permission_denied", c.field)
			wantError(t, e.do("POST", "/api/v1/admin/notices/audience-preview", editorL, map[string]any{"audience": c.audience}), http.StatusForbidden, "permission_denied", c.field)
			if e.count("notices") != before {
				t.Fatal("a refused notice was written")
			}
		})
	}
	for name, aud := range map[string]map[string]any{
		"Street":            {"streets": []string{"莲花街道"}},
		"Communities":       {"communities": []string{"景田社区", "狮岭社区"}},
		"StreetCommunities": {"streets": []string{"莲花街道"}, "communities": []string{"景田社区"}},
	} {
		t.Run("Within"+name, func(t *testing.T) {
			wantStatus(t, e.do("POST", "/api/v1/admin/notices", editorL, e.notice(map[string]any{"audience": aud})), http.StatusCreated)
			wantStatus(t, e.do("POST", "/api/v1/admin/notices/audience-preview", editorL, map[string]any{"audience": aud}), http.StatusOK)
		})
	}
}

// TestNoticeScopeSystemNotices (issue 21 item 13): a system notice
// (您的诉求已受理, 积分扣减通知, …) is no department's notice: no member lists
// it, reads it or its statistics as one (404), and none edits, submits,
// reviews or withdraws it (409 system_notice in scope, 404 outside), so the
// resident's copy keeps its text.
func TestNoticeScopeSystemNotices(t *testing.T) {
	e := newNoticeEnv(t)
	_, rid := e.residentWith("sys-r", map[string]any{"street": "华富街道"})
	ctx := context.Background()
	send := func(source string, dept *int64) string {
		t.Helper()
		err := e.notify.SendDirect(ctx, notify.DirectNotice{Title: "积分扣减通知", Body: "您的个人积分被扣减 10 分。",
			ResidentIDs: []int64{rid}, Source: "points:deduction:" + source, DepartmentID: dept})
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := e.db.Table("notices").Where("source = ?", "points:deduction:"+source).Pluck("id", &id).Error; err != nil || id == 0 {
			t.Fatalf("notice of %s: %d, %v", source, id, err)
		}
		return itoa(id)
	}
	mine := send("1", &e.dept)
	district := send("2", nil)
	y := e.otherDepartment()
	editorY := e.noticeStaffOf(&y, []staff.Role{staff.Editor})
	editorL := e.noticeStaffOf(&e.dept, []staff.Role{staff.Editor}, "华富街道")
	admin := e.noticeStaffOf(nil, []staff.Role{staff.Superadmin})
	writes := func(id string) map[string][2]any {
		return map[string][2]any{
			"PATCH /api/v1/admin/notices/" + id:              {"PATCH", map[string]any{"title": "钓鱼"}},
			"POST /api/v1/admin/notices/" + id + "/submit":   {"POST", map[string]any{}},
			"POST /api/v1/admin/notices/" + id + "/withdraw": {"POST", map[string]any{"reason": "误发"}},
		}
	}

	t.Run("NotListed", func(t *testing.T) {
		for _, tok := range []string{e.editor, editorY, editorL, admin} {
			if got := e.listIDs(tok); len(got) != 0 {
				t.Fatalf("a member lists %v, want no system notice", got)
			}
		}
	})
	t.Run("NotRead", func(t *testing.T) {
		for _, c := range []struct{ tok, id string }{{e.editor, mine}, {admin, mine}, {admin, district}, {editorY, mine}} {
			wantError(t, e.do("GET", "/api/v1/admin/notices/"+c.id, c.tok, nil), http.StatusNotFound, "not_found", "")
			wantError(t, e.do("GET", "/api/v1/admin/notices/"+c.id+"/stats", c.tok, nil), http.StatusNotFound, "not_found", "")
		}
	})
	t.Run("NotChanged", func(t *testing.T) {
		for _, c := range []struct{ tok, id string }{{e.editor, mine}, {admin, mine}, {admin, district}} {
			for path, w := range writes(c.id) {
				rec := e.do(w[0].(string), strings.TrimPrefix(path, w[0].(string)+" "), c.tok, w[1])
				wantError(t, rec, http.StatusConflict, "conflict", "")
				if !strings.Contains(rec.Body.String(), `"reason":"system_notice"`) {
					t.Fatalf("%s: %s, want details.reason system_notice", path, rec.Body.String())
				}
			}
			for _, step := range []string{"approve", "reject"} {
				rec := e.do("POST", "/api/v1/admin/notices/"+c.id+"/"+step, e.reviewer, map[string]any{"reason": "不行"})
				if c.id == mine {
					wantError(t, rec, http.StatusConflict, "conflict", "")
				} else {
					wantError(t, rec, http.StatusNotFound, "not_found", "")
				}
			}
		}
		// Outside the member's scope it answers like a missing notice.
		for _, c := range []struct{ tok, id string }{{editorY, mine}, {e.editor, district}} {
			for path, w := range writes(c.id) {
				wantError(t, e.do(w[0].(string), strings.TrimPrefix(path, w[0].(string)+" "), c.tok, w[1]), http.StatusNotFound, "not_found", "")
			}
		}
		// The resident's copy keeps its text.
		var n struct{ Status, Body string }
		if err := e.db.Table("notices").Select("status, body").Where("id = ?", mine).Take(&n).Error; err != nil ||
			n.Status != "published" || n.Body == "" {
			t.Fatalf("system notice after the refused writes: %+v, %v", n, err)
		}
	})
}

// TestNoticeScopeDistrictAuditor: an auditor without a department reads
// every department's notices; a department's auditor only its own.
func TestNoticeScopeDistrictAuditor(t *testing.T) {
	e := newNoticeEnv(t)
	id := e.noticeAt(map[string]any{"streets": []string{"华富街道"}}, "published")
	districtAuditor := e.noticeStaffOf(nil, []staff.Role{staff.Auditor})
	y := e.otherDepartment()
	auditorY := e.noticeStaffOf(&y, []staff.Role{staff.Auditor})
	wantStatus(t, e.do("GET", "/api/v1/admin/notices/"+id+"/stats", districtAuditor, nil), http.StatusOK)
	if got := e.listIDs(districtAuditor); !slices.Equal(got, []string{id}) {
		t.Fatalf("the district auditor lists %v, want %s", got, id)
	}
	wantError(t, e.do("GET", "/api/v1/admin/notices/"+id, auditorY, nil), http.StatusNotFound, "not_found", "")
	// Reading is all an auditor does.
	wantError(t, e.do("POST", "/api/v1/admin/notices/"+id+"/withdraw", districtAuditor, nil), http.StatusForbidden, "permission_denied", "")
}

// TestDashboardLeavesOutSystemNotices: a system message's WeChat sends
// still to go are not shown as a department's notice sending.
func TestDashboardLeavesOutSystemNotices(t *testing.T) {
	e := newNoticeEnv(t)
	_, rid := e.residentWith("sys-dash", map[string]any{"street": "华富街道"})
	e.notify.Configure(notify.Config{Templates: map[notify.SystemKind]notify.KindTemplate{
		notify.KindDeductionRecorded: {TemplateID: "TPL_SYS", Fields: map[string]string{"thing1": "title"}},
	}})
	ctx := context.Background()
	if _, err := e.notify.SaveSubscriptions(ctx, rid, map[string]string{"TPL_SYS": "accept"}); err != nil {
		t.Fatal(err)
	}
	err := e.notify.SendDirect(ctx, notify.DirectNotice{Kind: notify.KindDeductionRecorded, Title: "积分扣减通知", Body: "您的个人积分被扣减 10 分。",
		Data: map[string]string{"points": "10", "deadline": "2027-01-07 23:59"}, Target: &notify.Target{Type: notify.TargetDeduction, ID: "1"},
		ResidentIDs: []int64{rid}, Source: "points:deduction:1", DepartmentID: &e.dept})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.count("notice_sends"); n != 1 {
		t.Fatalf("%d sends queued, want 1", n)
	}
	admin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
	for _, tok := range []string{e.editor, admin} {
		if d := e.dashboard(tok); d.Sends != nil && d.Sends.Count != 0 {
			t.Fatalf("the dashboard shows %d notices sending, want none (a system message's)", d.Sends.Count)
		}
	}
}
