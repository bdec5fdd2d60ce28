package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/futian/ifutian/staff"
)

// residentOn logs a new resident in, moves them to street and gives them
// 50 points under the env's volunteer rule.
func (e *pointsEnv) residentOn(name, street string) (string, int64) {
	e.t.Helper()
	tok, id := e.env.resident(name)
	wantStatus(e.t, e.do("PATCH", "/api/v1/me", tok, map[string]any{"street": street}), http.StatusOK)
	e.award(id, name+"-seed", http.StatusCreated)
	return tok, id
}

// stafferOf creates a member of department dept (nil: none) with roles and
// streets, and returns a token.
func (e *env) stafferOf(dept *int64, roles []staff.Role, streets ...string) string {
	e.t.Helper()
	m, err := e.staff.Create(e.t.Context(), nil, staff.NewMember{
		Username: "staff" + strconv.FormatInt(appSeq.Add(1), 10), Password: "password-123456",
		DepartmentID: dept, Roles: roles, Streets: streets,
	}, func(string) bool { return true })
	if err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.auth.Issue(e.t.Context(), "staff", m.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// redeemVoucher has the resident redeem reward and returns the voucher code.
func (e *pointsEnv) redeemVoucher(token, rewardID string) string {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/rewards/"+rewardID+"/redeem", token, nil)
	wantStatus(e.t, rec, http.StatusCreated)
	var out struct {
		Redemption struct {
			VoucherCode string `json:"voucher_code"`
		} `json:"redemption"`
	}
	decode(e.t, rec, &out)
	return out.Redemption.VoucherCode
}

func (e *pointsEnv) createReward(token string) string {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/admin/rewards", token, map[string]any{"name": "公园年卡", "points": 5, "stock": 20})
	wantStatus(e.t, rec, http.StatusCreated)
	var r map[string]any
	decode(e.t, rec, &r)
	return r["id"].(string)
}

// voucherStatus returns the status of the redemption of voucher code.
func (e *env) voucherStatus(code string) string {
	e.t.Helper()
	var st []string
	if err := e.db.Table("redemptions").Where("voucher_code = ?", code).Pluck("status", &st).Error; err != nil || len(st) != 1 {
		e.t.Fatalf("voucher %s: %v %v", code, st, err)
	}
	return st[0]
}

// TestVerifyVoucherScope (issue #12 item 6): a district-wide reward's
// voucher is verified by a verifier of any department who covers the
// resident's street (it answered 500: "converting NULL to int64"); a
// department's reward only by its department; a resident outside the
// verifier's streets answers like a missing voucher (a verifier of 华富街道
// verified a voucher of a 香蜜湖街道 resident).
func TestVerifyVoucherScope(t *testing.T) {
	e := newPointsEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	xmh, _ := e.residentOn("xmh", "香蜜湖街道")
	other := e.otherDepartment()
	huafu := e.stafferOf(&e.dept, []staff.Role{staff.Verifier}, "华富街道")
	xiangmihu := e.stafferOf(&e.dept, []staff.Role{staff.Verifier}, "香蜜湖街道")
	otherDept := e.stafferOf(&other, []staff.Role{staff.Verifier})
	verify := func(token, code string) *httptest.ResponseRecorder {
		return e.do("POST", "/api/v1/admin/redemptions/verify", token, map[string]any{"voucher_code": code})
	}

	t.Run("DistrictReward", func(t *testing.T) {
		reward := e.createReward(admin)
		code := e.redeemVoucher(xmh, reward)
		wantError(t, verify(huafu, code), http.StatusNotFound, "not_found", "")
		if got := e.voucherStatus(code); got != "issued" {
			t.Fatalf("status %q after a refused verification, want issued", got)
		}
		wantStatus(t, verify(otherDept, code), http.StatusOK)
		if got := e.voucherStatus(code); got != "used" {
			t.Fatalf("status %q, want used", got)
		}
		wantError(t, verify(xiangmihu, code), http.StatusConflict, "conflict", "")
	})
	t.Run("DepartmentReward", func(t *testing.T) {
		reward := e.createReward(e.officer)
		code := e.redeemVoucher(xmh, reward)
		wantError(t, verify(huafu, code), http.StatusNotFound, "not_found", "")
		wantError(t, verify(otherDept, code), http.StatusNotFound, "not_found", "")
		if got := e.voucherStatus(code); got != "issued" {
			t.Fatalf("status %q after refused verifications, want issued", got)
		}
		wantStatus(t, verify(xiangmihu, code), http.StatusOK)
		if got := e.voucherStatus(code); got != "used" {
			t.Fatalf("status %q, want used", got)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantError(t, verify(xiangmihu, ""), http.StatusBadRequest, "invalid_argument", "voucher_code")
		wantError(t, verify(xiangmihu, "ABCDEFGHJKMNPQRSTUVW"), http.StatusBadRequest, "invalid_argument", "voucher_code")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		reward := e.createReward(e.officer)
		code := e.redeemVoucher(xmh, reward)
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, verify(editor, code), http.StatusForbidden, "permission_denied", "")
		wantError(t, verify(xmh, code), http.StatusForbidden, "permission_denied", "")
		if got := e.voucherStatus(code); got != "issued" {
			t.Fatalf("status %q, want issued", got)
		}
	})
	e.reconcile()
}

// TestPointsAdminScope: rules and rewards belong to the saver's department
// (a superadmin names it), another department's rule is 403, and an
// appeal or deduction of a resident outside the officer's streets answers
// like a missing one, writing nothing.
func TestPointsAdminScope(t *testing.T) {
	e := newPointsEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	other := e.otherDepartment()
	otherStr := strconv.FormatInt(other, 10)
	deptStr := strconv.FormatInt(e.dept, 10)

	t.Run("Rules", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/points/rules", admin, map[string]any{"code": "theirs", "name": "他部门", "points": 5, "department_id": otherStr})
		wantStatus(t, rec, http.StatusCreated)
		var r map[string]any
		decode(t, rec, &r)
		if r["department_id"] != otherStr {
			t.Fatalf("superadmin's rule %s, want department %s", rec.Body.String(), otherStr)
		}
		rec = e.do("POST", "/api/v1/admin/points/rules", e.officer, map[string]any{"code": "mine", "name": "本部门", "points": 5, "department_id": otherStr})
		wantStatus(t, rec, http.StatusCreated)
		decode(t, rec, &r)
		if r["department_id"] != deptStr {
			t.Fatalf("officer's rule %s, want department %s", rec.Body.String(), deptStr)
		}
		before := e.count("point_rule_versions")
		wantError(t, e.do("POST", "/api/v1/admin/points/rules", e.officer, map[string]any{"code": "theirs", "name": "改", "points": 9}),
			http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("POST", "/api/v1/admin/points/rules", admin, map[string]any{"code": "bad_dept", "name": "x", "points": 9, "department_id": "999999"}),
			http.StatusBadRequest, "invalid_argument", "department_id")
		if got := e.count("point_rule_versions"); got != before {
			t.Fatalf("rule versions %d, want %d", got, before)
		}
	})
	t.Run("Rewards", func(t *testing.T) {
		for _, c := range []struct {
			token string
			want  any
		}{{e.officer, deptStr}, {admin, nil}} {
			rec := e.do("POST", "/api/v1/admin/rewards", c.token, map[string]any{"name": "水杯", "points": 5, "stock": 1})
			wantStatus(t, rec, http.StatusCreated)
			var r map[string]any
			decode(t, rec, &r)
			if r["department_id"] != c.want {
				t.Fatalf("reward %s, want department %v", rec.Body.String(), c.want)
			}
		}
	})
	t.Run("Appeals", func(t *testing.T) {
		xmh, xid := e.residentOn("xmh", "香蜜湖街道")
		huafu := e.stafferOf(&e.dept, []staff.Role{staff.PointsOfficer}, "华富街道")
		xstr := strconv.FormatInt(xid, 10)
		before := e.count("point_transactions")
		wantError(t, e.do("POST", "/api/v1/admin/points/deductions", huafu, map[string]any{"resident_id": xstr, "points": 5, "case_ref": "x1", "reason": "x"}),
			http.StatusNotFound, "not_found", "")
		if got := e.count("point_transactions"); got != before {
			t.Fatalf("transactions %d, want %d", got, before)
		}
		rec := e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": xstr, "points": 5, "case_ref": "x1", "reason": "x"})
		wantStatus(t, rec, http.StatusCreated)
		var d map[string]any
		decode(t, rec, &d)
		rec = e.do("POST", "/api/v1/points/appeals", xmh, map[string]any{"transaction_id": d["id"], "reason": "y"})
		wantStatus(t, rec, http.StatusCreated)
		var ap map[string]any
		decode(t, rec, &ap)
		path := "/api/v1/admin/points/appeals/" + ap["id"].(string) + "/decide"
		wantError(t, e.do("POST", path, huafu, map[string]any{"approve": true}), http.StatusNotFound, "not_found", "")
		otherOfficer := e.stafferOf(&other, []staff.Role{staff.PointsOfficer})
		wantError(t, e.do("POST", path, otherOfficer, map[string]any{"approve": true}), http.StatusNotFound, "not_found", "")
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, e.do("POST", path, editor, map[string]any{"approve": true}), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("POST", path, e.officer, map[string]any{"approve": "yes"}), http.StatusBadRequest, "invalid_argument", "approve")
		var status string
		e.db.Table("point_appeals").Where("id = ?", ap["id"]).Pluck("status", &status)
		if status != "pending" {
			t.Fatalf("appeal %s after refused decisions, want pending", status)
		}
		wantStatus(t, e.do("POST", path, e.stafferOf(&e.dept, []staff.Role{staff.PointsOfficer}, "香蜜湖街道"), map[string]any{"approve": true}), http.StatusOK)
	})
	e.reconcile()
}
