package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/futian/ifutian/staff"
)

// TestMyEnterprisesShowsPendingBindings: a binding awaiting approval, and
// one refused, are in /me/enterprises with their status and without the
// score only members see (issue 22: it was missing until approved).
func TestMyEnterprisesShowsPendingBindings(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	approved := e.registerEnterprise(officer, 31, "软件")
	pending := e.registerEnterprise(officer, 32, "餐饮")
	rejected := e.registerEnterprise(officer, 33, "零售")
	e.credit(officer, approved, "penalty", "minor")
	e.credit(officer, pending, "penalty", "minor")
	me, _ := e.resident("applicant")
	other, _ := e.resident("applicant-other")
	e.bind(officer, me, approved)
	wantStatus(t, e.do("POST", "/api/v1/enterprises/bindings", me, map[string]string{"uscc": pending, "role": "legal_rep"}), http.StatusCreated)
	rec := e.do("POST", "/api/v1/enterprises/bindings", me, map[string]string{"uscc": rejected, "role": "agent"})
	wantStatus(t, rec, http.StatusCreated)
	var b struct{ ID string }
	decode(t, rec, &b)
	wantStatus(t, e.do("POST", "/api/v1/admin/enterprise-bindings/"+b.ID+"/decide", officer, map[string]any{"approve": false}), http.StatusOK)

	rec = e.do("GET", "/api/v1/me/enterprises", me, nil)
	wantStatus(t, rec, http.StatusOK)
	var got struct {
		Items []struct {
			USCC        string  `json:"uscc"`
			Status      string  `json:"status"`
			Role        string  `json:"role"`
			Score       *int    `json:"score"`
			BindingID   string  `json:"binding_id"`
			RequestedAt string  `json:"requested_at"`
			DecidedAt   *string `json:"decided_at"`
		}
	}
	decode(t, rec, &got)
	if len(got.Items) != 3 {
		t.Fatalf("mine=%s", rec.Body.String())
	}
	for i, want := range []struct {
		uscc, status string
		score        bool
		decided      bool
	}{{approved, "approved", true, true}, {pending, "pending", false, false}, {rejected, "rejected", false, true}} {
		it := got.Items[i]
		if it.USCC != want.uscc || it.Status != want.status || (it.Score != nil) != want.score || (it.DecidedAt != nil) != want.decided ||
			it.BindingID == "" || it.RequestedAt == "" {
			t.Fatalf("item %d=%+v, want %+v; %s", i, it, want, rec.Body.String())
		}
	}
	t.Run("OtherResidentSeesNone", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/me/enterprises", other, nil)
		wantStatus(t, rec, http.StatusOK)
		if !emptyPage(rec.Body.String()) {
			t.Fatalf("another resident sees %s", rec.Body.String())
		}
	})
	t.Run("PendingStillNoMember", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/enterprises/"+pending, me, nil), http.StatusForbidden, "permission_denied", "")
	})
}

// TestMyObjections: a resident lists their own objections, all of them or
// one enterprise's (GET /enterprises/{uscc}/objections was 405), with
// their status; never another member's.
func TestMyObjections(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 41, "软件")
	second := e.registerEnterprise(officer, 42, "餐饮")
	member, _ := e.resident("objector")
	fellow, _ := e.resident("fellow-member")
	stranger, _ := e.resident("objection-stranger")
	e.bind(officer, member, uscc)
	e.bind(officer, fellow, uscc)
	e.bind(officer, member, second)
	f1 := e.credit(officer, uscc, "arrears", "serious")
	f2 := e.credit(officer, second, "penalty", "minor")
	wantStatus(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": f1, "reason": "欠款已结清"}), http.StatusCreated)
	rec := e.do("POST", "/api/v1/enterprises/"+second+"/objections", member, map[string]string{"factor_id": f2, "reason": "已整改"})
	wantStatus(t, rec, http.StatusCreated)
	var o struct{ ID string }
	decode(t, rec, &o)
	wantStatus(t, e.do("POST", "/api/v1/admin/objections/"+o.ID+"/decide", officer, map[string]any{"approve": false, "reason": "整改材料不足"}), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", fellow, map[string]string{"factor_id": f1, "reason": "同事的异议"}), http.StatusConflict)

	type list struct {
		Items []struct {
			ID             string `json:"id"`
			USCC           string `json:"uscc"`
			EnterpriseName string `json:"enterprise_name"`
			Status         string `json:"status"`
			Reason         string `json:"reason"`
		}
		NextPageToken string `json:"next_page_token"`
	}
	t.Run("All", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/me/objections", member, nil)
		wantStatus(t, rec, http.StatusOK)
		var l list
		decode(t, rec, &l)
		if len(l.Items) != 2 || l.Items[0].USCC != second || l.Items[0].Status != "rejected" || l.Items[0].EnterpriseName == "" ||
			l.Items[1].USCC != uscc || l.Items[1].Status != "pending" || l.Items[1].Reason != "欠款已结清" {
			t.Fatalf("objections=%s", rec.Body.String())
		}
		rec = e.do("GET", "/api/v1/me/objections?page_size=1", member, nil)
		decode(t, rec, &l)
		if len(l.Items) != 1 || l.NextPageToken == "" {
			t.Fatalf("page 1=%s", rec.Body.String())
		}
		rec = e.do("GET", "/api/v1/me/objections?page_size=1&page_token="+l.NextPageToken, member, nil)
		decode(t, rec, &l)
		if len(l.Items) != 1 || l.Items[0].USCC != uscc || l.NextPageToken != "" {
			t.Fatalf("page 2=%s", rec.Body.String())
		}
	})
	t.Run("OneEnterprise", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/enterprises/"+strings.ToLower(uscc)+"/objections", member, nil)
		wantStatus(t, rec, http.StatusOK)
		var l list
		decode(t, rec, &l)
		if len(l.Items) != 1 || l.Items[0].USCC != uscc || l.Items[0].Status != "pending" {
			t.Fatalf("objections=%s", rec.Body.String())
		}
	})
	t.Run("OthersSeeNone", func(t *testing.T) {
		for _, tok := range []string{fellow, stranger} {
			for _, p := range []string{"/api/v1/me/objections", "/api/v1/enterprises/" + uscc + "/objections"} {
				rec := e.do("GET", p, tok, nil)
				wantStatus(t, rec, http.StatusOK)
				if !emptyPage(rec.Body.String()) {
					t.Fatalf("GET %s shows another resident's objections: %s", p, rec.Body.String())
				}
			}
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/enterprises/914403001922038217/objections", member, nil), http.StatusBadRequest, "invalid_argument", "uscc")
		wantError(t, e.do("GET", "/api/v1/enterprises/914403001922038216/objections", member, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("GET", "/api/v1/me/objections?page_size=0", member, nil), http.StatusBadRequest, "invalid_argument", "page_size")
		wantError(t, e.do("GET", "/api/v1/me/objections?page_token=!!", member, nil), http.StatusBadRequest, "invalid_argument", "page_token")
	})
	t.Run("ErrStaff", func(t *testing.T) {
		tok, _ := e.staffer([]staff.Role{staff.Superadmin})
		wantStatus(t, e.do("GET", "/api/v1/me/objections", tok, nil), http.StatusForbidden)
		wantStatus(t, e.do("GET", "/api/v1/enterprises/"+uscc+"/objections", tok, nil), http.StatusForbidden)
	})
}
