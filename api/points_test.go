package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/futian/ifutian/staff"
)

// pointsEnv is an env with a points officer, a district-wide rule and a
// resident living on 华富街道 with 50 points.
type pointsEnv struct {
	*env
	officer  string // points officer token of e.dept
	resident string
	rid      int64
	ridStr   string
}

func newPointsEnv(t *testing.T) *pointsEnv {
	e := &pointsEnv{env: newEnv(t)}
	e.officer, _ = e.staffer([]staff.Role{staff.PointsOfficer})
	e.resident, e.rid = e.env.resident("alice")
	e.ridStr = strconv.FormatInt(e.rid, 10)
	wantStatus(t, e.do("PATCH", "/api/v1/me", e.resident, map[string]any{"street": "华富街道", "nickname": "阿丽", "leaderboard_opt_in": true}), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", e.officer, map[string]any{
		"code": "volunteer", "name": "志愿服务", "points": 50, "daily_cap": 2, "monthly_cap": 10, "expiry": "end_of_next_year",
	}), http.StatusCreated)
	e.award(e.rid, "seed-1", http.StatusCreated)
	return e
}

func (e *pointsEnv) award(rid int64, ext string, status int) map[string]any {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/admin/points/awards", e.officer, map[string]any{
		"resident_id": strconv.FormatInt(rid, 10), "rule_code": "volunteer", "external_id": ext, "note": "社区清扫",
	})
	wantStatus(e.t, rec, status)
	var out map[string]any
	decode(e.t, rec, &out)
	return out
}

func (e *pointsEnv) balance() float64 {
	e.t.Helper()
	rec := e.do("GET", "/api/v1/points/account", e.resident, nil)
	wantStatus(e.t, rec, http.StatusOK)
	var acc struct {
		Balance float64 `json:"balance"`
	}
	decode(e.t, rec, &acc)
	return acc.Balance
}

func (e *pointsEnv) reconcile() {
	e.t.Helper()
	bad, _, err := e.points.Reconcile(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range bad {
		e.t.Error(m)
	}
}

func TestPointsAccountAndTransactions(t *testing.T) {
	e := newPointsEnv(t)
	t.Run("OK", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/points/account", e.resident, nil)
		wantStatus(t, rec, http.StatusOK)
		var acc struct {
			Balance, LifetimeEarned, Level float64
			Expiring                       []struct {
				Amount    float64 `json:"amount"`
				ExpiresAt string  `json:"expires_at"`
			}
		}
		decode(t, rec, &acc)
		if acc.Balance != 50 || len(acc.Expiring) != 1 || acc.Expiring[0].Amount != 50 || acc.Expiring[0].ExpiresAt == "" {
			t.Fatalf("account %s", rec.Body.String())
		}
		rec = e.do("GET", "/api/v1/points/transactions?page_size=1", e.resident, nil)
		wantStatus(t, rec, http.StatusOK)
		var page struct {
			Items []map[string]any `json:"items"`
			Next  string           `json:"next_page_token"`
		}
		decode(t, rec, &page)
		if len(page.Items) != 1 || page.Items[0]["kind"] != "earn" || page.Items[0]["balance_after"] != 50.0 || page.Items[0]["rule_code"] != "volunteer" {
			t.Fatalf("transactions %s", rec.Body.String())
		}
	})
	t.Run("ErrBadPageToken", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/points/transactions?page_token=!!!", e.resident, nil), http.StatusBadRequest, "invalid_argument", "page_token")
	})
	t.Run("ErrOtherResident", func(t *testing.T) {
		bob, _ := e.env.resident("bob")
		rec := e.do("GET", "/api/v1/points/transactions", bob, nil)
		wantStatus(t, rec, http.StatusOK)
		if !emptyPage(rec.Body.String()) {
			t.Fatalf("bob sees %s", rec.Body.String())
		}
		wantError(t, e.do("GET", "/api/v1/points/account", e.officer, nil), http.StatusForbidden, "permission_denied", "")
	})
}

func TestPointsRules(t *testing.T) {
	e := newPointsEnv(t)
	t.Run("OK", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/points/rules", "", nil)
		wantStatus(t, rec, http.StatusOK)
		var page struct {
			Items []map[string]any `json:"items"`
		}
		decode(t, rec, &page)
		if len(page.Items) != 1 || page.Items[0]["code"] != "volunteer" || page.Items[0]["daily_cap"] != 2.0 || page.Items[0]["department"] == "" {
			t.Fatalf("rules %s", rec.Body.String())
		}
		// Saving again updates the rule and raises its version.
		rec = e.do("POST", "/api/v1/admin/points/rules", e.officer, map[string]any{"code": "volunteer", "name": "志愿服务", "points": 60})
		wantStatus(t, rec, http.StatusOK)
		var r map[string]any
		decode(t, rec, &r)
		if r["version"] != 2.0 || r["points"] != 60.0 {
			t.Fatalf("rule %s", rec.Body.String())
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		before := e.count("point_rules")
		wantError(t, e.do("POST", "/api/v1/admin/points/rules", e.officer, map[string]any{"code": "Bad Code", "name": "x", "points": 5}),
			http.StatusBadRequest, "invalid_argument", "code")
		wantError(t, e.do("POST", "/api/v1/admin/points/rules", e.officer, map[string]any{"code": "ok_code", "name": "x", "points": 5, "expiry": "days"}),
			http.StatusBadRequest, "invalid_argument", "expiry_days")
		if got := e.count("point_rules"); got != before {
			t.Fatalf("rules=%d, want %d", got, before)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, e.do("POST", "/api/v1/admin/points/rules", editor, map[string]any{"code": "x_rule", "name": "x", "points": 5}),
			http.StatusForbidden, "permission_denied", "")
		// An officer of another department may not change this department's rule.
		other := e.otherDepartment()
		m, err := e.staff.Create(t.Context(), nil, staff.NewMember{Username: "other_officer", Password: "password-123456",
			DepartmentID: &other, Roles: []staff.Role{staff.PointsOfficer}}, func(string) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		tok, _, _ := e.auth.Issue(t.Context(), "staff", m.ID)
		wantError(t, e.do("POST", "/api/v1/admin/points/rules", tok, map[string]any{"code": "volunteer", "name": "改", "points": 999}),
			http.StatusForbidden, "permission_denied", "")
		// …nor award under it.
		rec := e.do("POST", "/api/v1/admin/points/awards", tok, map[string]any{"resident_id": e.ridStr, "rule_code": "volunteer", "external_id": "x1"})
		wantError(t, rec, http.StatusForbidden, "permission_denied", "")
	})
}

func TestPointsAward(t *testing.T) {
	e := newPointsEnv(t)
	t.Run("OK", func(t *testing.T) {
		tx := e.award(e.rid, "shift-1", http.StatusCreated)
		again := e.award(e.rid, "shift-1", http.StatusOK)
		if tx["id"] != again["id"] || tx["balance_after"] != 100.0 {
			t.Fatalf("first %v, repeat %v", tx, again)
		}
		if got := e.balance(); got != 100 {
			t.Fatalf("balance=%v, want 100", got)
		}
	})
	t.Run("ErrCapReached", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/points/awards", e.officer, map[string]any{"resident_id": e.ridStr, "rule_code": "volunteer", "external_id": "shift-2"})
		wantError(t, rec, http.StatusConflict, "conflict", "")
		var body struct {
			Error struct {
				Details map[string]any `json:"details"`
			} `json:"error"`
		}
		decode(t, rec, &body)
		if body.Error.Details["reason"] != "daily_cap" {
			t.Fatalf("refusal %s", rec.Body.String())
		}
		if got := e.count("point_award_refusals"); got != 1 {
			t.Fatalf("refusals=%d, want 1", got)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		before := e.count("point_transactions")
		wantError(t, e.do("POST", "/api/v1/admin/points/awards", e.officer, map[string]any{"resident_id": e.ridStr, "rule_code": "volunteer"}),
			http.StatusBadRequest, "invalid_argument", "external_id")
		wantError(t, e.do("POST", "/api/v1/admin/points/awards", e.officer, map[string]any{"resident_id": e.ridStr, "rule_code": "nope", "external_id": "a"}),
			http.StatusBadRequest, "invalid_argument", "rule_code")
		wantError(t, e.do("POST", "/api/v1/admin/points/awards", e.officer, map[string]any{"resident_id": 12, "rule_code": "volunteer", "external_id": "a"}),
			http.StatusBadRequest, "invalid_argument", "resident_id")
		if got := e.count("point_transactions"); got != before {
			t.Fatalf("transactions=%d, want %d", got, before)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/admin/points/awards", e.resident, map[string]any{"resident_id": e.ridStr, "rule_code": "volunteer", "external_id": "r"}),
			http.StatusForbidden, "permission_denied", "")
		verifier, _ := e.staffer([]staff.Role{staff.Verifier})
		wantError(t, e.do("POST", "/api/v1/admin/points/awards", verifier, map[string]any{"resident_id": e.ridStr, "rule_code": "volunteer", "external_id": "v"}),
			http.StatusForbidden, "permission_denied", "")
		// An officer limited to another street does not see this resident.
		futian, _ := e.staffer([]staff.Role{staff.PointsOfficer}, "福田街道")
		wantError(t, e.do("POST", "/api/v1/admin/points/awards", futian, map[string]any{"resident_id": e.ridStr, "rule_code": "volunteer", "external_id": "f"}),
			http.StatusNotFound, "not_found", "")
	})
	e.reconcile()
}

func TestPointsDeductionAndAppeal(t *testing.T) {
	e := newPointsEnv(t)
	var deduction map[string]any
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": e.ridStr, "points": 80, "case_ref": "FT-2026-001", "reason": "占道经营"})
		wantStatus(t, rec, http.StatusCreated)
		decode(t, rec, &deduction)
		if deduction["balance_after"] != -30.0 || deduction["kind"] != "deduct" || deduction["case_ref"] != "FT-2026-001" {
			t.Fatalf("deduction %s", rec.Body.String())
		}
		// The same case again changes nothing.
		wantStatus(t, e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": e.ridStr, "points": 80, "case_ref": "FT-2026-001", "reason": "占道经营"}), http.StatusOK)
		rec = e.do("POST", "/api/v1/points/appeals", e.resident, map[string]any{"transaction_id": deduction["id"], "reason": "当天不在现场"})
		wantStatus(t, rec, http.StatusCreated)
		var ap map[string]any
		decode(t, rec, &ap)
		wantError(t, e.do("POST", "/api/v1/points/appeals", e.resident, map[string]any{"transaction_id": deduction["id"], "reason": "再申诉"}), http.StatusConflict, "conflict", "")
		rec = e.do("POST", "/api/v1/admin/points/appeals/"+ap["id"].(string)+"/decide", e.officer, map[string]any{"approve": true, "note": "核实无误"})
		wantStatus(t, rec, http.StatusOK)
		if got := e.balance(); got != 50 {
			t.Fatalf("balance=%v, want 50 after the reversal", got)
		}
		wantError(t, e.do("POST", "/api/v1/admin/points/appeals/"+ap["id"].(string)+"/decide", e.officer, map[string]any{"approve": false}), http.StatusConflict, "conflict", "")
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		before := e.count("point_transactions")
		wantError(t, e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": e.ridStr, "points": 5, "reason": "x"}),
			http.StatusBadRequest, "invalid_argument", "case_ref")
		wantError(t, e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": e.ridStr, "points": -5, "case_ref": "c", "reason": "x"}),
			http.StatusBadRequest, "invalid_argument", "points")
		wantError(t, e.do("POST", "/api/v1/points/appeals", e.resident, map[string]any{"reason": "x"}), http.StatusBadRequest, "invalid_argument", "transaction_id")
		wantError(t, e.do("POST", "/api/v1/admin/points/appeals/1/decide", e.officer, map[string]any{"note": "x"}), http.StatusBadRequest, "invalid_argument", "approve")
		if got := e.count("point_transactions"); got != before {
			t.Fatalf("transactions=%d, want %d", got, before)
		}
		// An earn is not a deduction.
		rec := e.do("GET", "/api/v1/points/transactions", e.resident, nil)
		var page struct {
			Items []map[string]any `json:"items"`
		}
		decode(t, rec, &page)
		earn := page.Items[len(page.Items)-1]
		wantError(t, e.do("POST", "/api/v1/points/appeals", e.resident, map[string]any{"transaction_id": earn["id"], "reason": "x"}), http.StatusBadRequest, "invalid_argument", "transaction_id")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		futian, _ := e.staffer([]staff.Role{staff.PointsOfficer}, "福田街道")
		wantError(t, e.do("POST", "/api/v1/admin/points/deductions", futian, map[string]any{"resident_id": e.ridStr, "points": 5, "case_ref": "c2", "reason": "x"}),
			http.StatusNotFound, "not_found", "")
		bob, _ := e.env.resident("bob")
		wantError(t, e.do("POST", "/api/v1/points/appeals", bob, map[string]any{"transaction_id": deduction["id"], "reason": "x"}), http.StatusBadRequest, "invalid_argument", "transaction_id")
		// Another department's officer cannot decide this department's appeals.
		rec := e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": e.ridStr, "points": 1, "case_ref": "c3", "reason": "x"})
		var d map[string]any
		decode(t, rec, &d)
		rec = e.do("POST", "/api/v1/points/appeals", e.resident, map[string]any{"transaction_id": d["id"], "reason": "y"})
		var ap map[string]any
		decode(t, rec, &ap)
		other := e.otherDepartment()
		m, err := e.staff.Create(t.Context(), nil, staff.NewMember{Username: "other_officer", Password: "password-123456",
			DepartmentID: &other, Roles: []staff.Role{staff.PointsOfficer}}, func(string) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		tok, _, _ := e.auth.Issue(t.Context(), "staff", m.ID)
		wantError(t, e.do("POST", "/api/v1/admin/points/appeals/"+ap["id"].(string)+"/decide", tok, map[string]any{"approve": true}), http.StatusNotFound, "not_found", "")
	})
	e.reconcile()
}

func TestRewardsAndRedemptions(t *testing.T) {
	e := newPointsEnv(t)
	verifier, _ := e.staffer([]staff.Role{staff.Verifier})
	rec := e.do("POST", "/api/v1/admin/rewards", e.officer, map[string]any{"name": "公园年卡", "points": 20, "stock": 1, "per_resident_limit": 1})
	wantStatus(t, rec, http.StatusCreated)
	var reward map[string]any
	decode(t, rec, &reward)
	rewardPath := "/api/v1/rewards/" + reward["id"].(string) + "/redeem"
	var red struct {
		Redemption struct {
			ID          string `json:"id"`
			VoucherCode string `json:"voucher_code"`
			Status      string `json:"status"`
		} `json:"redemption"`
	}
	t.Run("OK", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/rewards", e.resident, nil)
		wantStatus(t, rec, http.StatusOK)
		rec = e.do("POST", rewardPath, e.resident, nil, "Idempotency-Key", "k-1")
		wantStatus(t, rec, http.StatusCreated)
		decode(t, rec, &red)
		if red.Redemption.VoucherCode == "" || red.Redemption.Status != "issued" {
			t.Fatalf("redemption %s", rec.Body.String())
		}
		again := e.do("POST", rewardPath, e.resident, nil, "Idempotency-Key", "k-1")
		wantStatus(t, again, http.StatusOK)
		if got := e.balance(); got != 30 {
			t.Fatalf("balance=%v, want 30", got)
		}
		rec = e.do("GET", "/api/v1/redemptions", e.resident, nil)
		wantStatus(t, rec, http.StatusOK)
	})
	t.Run("ErrLimitsAndStock", func(t *testing.T) {
		wantError(t, e.do("POST", rewardPath, e.resident, nil, "Idempotency-Key", "k-2"), http.StatusConflict, "conflict", "")
		bobTok, bob := e.env.resident("bob")
		wantError(t, e.do("POST", rewardPath, bobTok, nil, "Idempotency-Key", "k-1"), http.StatusConflict, "insufficient_points", "")
		e.award(bob, "bob-1", http.StatusCreated)
		wantError(t, e.do("POST", rewardPath, bobTok, nil, "Idempotency-Key", "k-1"), http.StatusConflict, "out_of_stock", "")
		wantError(t, e.do("POST", "/api/v1/rewards/999999/redeem", bobTok, nil), http.StatusNotFound, "not_found", "")
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		before := e.count("rewards")
		wantError(t, e.do("POST", "/api/v1/admin/rewards", e.officer, map[string]any{"name": "x", "points": 0}), http.StatusBadRequest, "invalid_argument", "points")
		wantError(t, e.do("POST", "/api/v1/admin/rewards", e.officer, map[string]any{"points": 5}), http.StatusBadRequest, "invalid_argument", "name")
		if got := e.count("rewards"); got != before {
			t.Fatalf("rewards=%d, want %d", got, before)
		}
		wantError(t, e.do("POST", "/api/v1/admin/redemptions/verify", verifier, map[string]any{}), http.StatusBadRequest, "invalid_argument", "voucher_code")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/admin/rewards", verifier, map[string]any{"name": "x", "points": 5}), http.StatusForbidden, "permission_denied", "")
		bobTok, _ := e.env.resident("bob")
		wantError(t, e.do("POST", "/api/v1/redemptions/"+red.Redemption.ID+"/cancel", bobTok, nil), http.StatusNotFound, "not_found", "")
		other := e.otherDepartment()
		m, err := e.staff.Create(t.Context(), nil, staff.NewMember{Username: "other_verifier", Password: "password-123456",
			DepartmentID: &other, Roles: []staff.Role{staff.Verifier}}, func(string) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		tok, _, _ := e.auth.Issue(t.Context(), "staff", m.ID)
		wantError(t, e.do("POST", "/api/v1/admin/redemptions/verify", tok, map[string]any{"voucher_code": red.Redemption.VoucherCode}), http.StatusNotFound, "not_found", "")
	})
	t.Run("CancelAndVerify", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/redemptions/"+red.Redemption.ID+"/cancel", e.resident, nil)
		wantStatus(t, rec, http.StatusOK)
		if got := e.balance(); got != 50 {
			t.Fatalf("balance=%v, want 50 after the refund", got)
		}
		wantError(t, e.do("POST", "/api/v1/redemptions/"+red.Redemption.ID+"/cancel", e.resident, nil), http.StatusConflict, "conflict", "")
		wantError(t, e.do("POST", "/api/v1/admin/redemptions/verify", verifier, map[string]any{"voucher_code": red.Redemption.VoucherCode}), http.StatusConflict, "conflict", "")
		// Stock came back: redeem again, verify once, twice is a conflict.
		rec = e.do("POST", rewardPath, e.resident, nil, "Idempotency-Key", "k-3")
		wantStatus(t, rec, http.StatusCreated)
		decode(t, rec, &red)
		wantStatus(t, e.do("POST", "/api/v1/admin/redemptions/verify", verifier, map[string]any{"voucher_code": red.Redemption.VoucherCode}), http.StatusOK)
		wantError(t, e.do("POST", "/api/v1/admin/redemptions/verify", verifier, map[string]any{"voucher_code": red.Redemption.VoucherCode}), http.StatusConflict, "conflict", "")
		wantError(t, e.do("POST", "/api/v1/redemptions/"+red.Redemption.ID+"/cancel", e.resident, nil), http.StatusConflict, "conflict", "")
	})
	e.reconcile()
}

func TestLeaderboard(t *testing.T) {
	e := newPointsEnv(t)
	bobTok, bob := e.env.resident("bob")
	wantStatus(t, e.do("PATCH", "/api/v1/me", bobTok, map[string]any{"street": "华富街道", "nickname": "老王"}), http.StatusOK)
	e.award(bob, "bob-1", http.StatusCreated)
	t.Run("OK", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/points/leaderboard?scope=street", bobTok, nil)
		wantStatus(t, rec, http.StatusOK)
		var page struct {
			Items []map[string]any `json:"items"`
		}
		decode(t, rec, &page)
		// Bob did not opt in: only alice shows, by nickname only.
		if len(page.Items) != 1 || page.Items[0]["nickname"] != "阿丽" || page.Items[0]["id"] != nil {
			t.Fatalf("leaderboard %s", rec.Body.String())
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/points/leaderboard?scope=city", bobTok, nil), http.StatusBadRequest, "invalid_argument", "scope")
		carol, _ := e.env.resident("carol")
		wantError(t, e.do("GET", "/api/v1/points/leaderboard?scope=street", carol, nil), http.StatusBadRequest, "invalid_argument", "scope")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/points/leaderboard?scope=street", e.officer, nil), http.StatusForbidden, "permission_denied", "")
	})
}

// TestPointsConcurrentAPI fires concurrent awards (repeated external IDs),
// redemptions and cancels through the router and checks the invariants.
func TestPointsConcurrentAPI(t *testing.T) {
	e := newPointsEnv(t)
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", e.officer, map[string]any{"code": "busy", "name": "并发", "points": 5}), http.StatusCreated)
	rec := e.do("POST", "/api/v1/admin/rewards", e.officer, map[string]any{"name": "水杯", "points": 15, "stock": 10})
	var reward map[string]any
	decode(t, rec, &reward)
	type who struct {
		token string
		id    int64
	}
	var rs []who
	for _, n := range []string{"p1", "p2", "p3"} {
		tok, id := e.env.resident(n)
		rs = append(rs, who{tok, id})
	}
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 20 {
				r := rs[(w+i)%len(rs)]
				if i%3 == 2 {
					req := newRequest("POST", "/api/v1/rewards/"+reward["id"].(string)+"/redeem", r.token, nil, "Idempotency-Key", fmt.Sprint("k", i%5))
					e.srv.ServeHTTP(req.rec, req.req)
					continue
				}
				req := newRequest("POST", "/api/v1/admin/points/awards", e.officer, map[string]any{
					"resident_id": strconv.FormatInt(r.id, 10), "rule_code": "busy", "external_id": fmt.Sprint(r.id, "-", i%7),
				})
				e.srv.ServeHTTP(req.rec, req.req)
				if req.rec.Code >= 500 {
					t.Errorf("award: %s", req.rec.Body.String())
				}
			}
		})
	}
	wg.Wait()
	var stock int64
	e.db.Table("rewards").Where("id = ?", reward["id"]).Pluck("stock", &stock)
	var issued int64
	e.db.Table("redemptions").Where("status = 'issued'").Count(&issued)
	if stock < 0 || stock+issued != 10 {
		t.Fatalf("stock=%d issued=%d", stock, issued)
	}
	var earns int64
	e.db.Table("point_transactions").Where("rule_code = 'busy'").Count(&earns)
	if earns != 21 {
		t.Fatalf("busy awards=%d, want 21 (7 distinct external IDs for 3 residents)", earns)
	}
	e.reconcile()
}

type pendingRequest struct {
	req *http.Request
	rec *httptest.ResponseRecorder
}

// newRequest builds a request for use from goroutines (no *testing.T).
func newRequest(method, path, token string, body any, headers ...string) pendingRequest {
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return pendingRequest{req: req, rec: httptest.NewRecorder()}
}

func TestPointsExportAndErase(t *testing.T) {
	e := newPointsEnv(t)
	rec := e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": e.ridStr, "points": 5, "case_ref": "c1", "reason": "x"})
	var d map[string]any
	decode(t, rec, &d)
	wantStatus(t, e.do("POST", "/api/v1/points/appeals", e.resident, map[string]any{"transaction_id": d["id"], "reason": "我的理由"}), http.StatusCreated)
	rec = e.do("GET", "/api/v1/me/export", e.resident, nil)
	wantStatus(t, rec, http.StatusOK)
	var export map[string]any
	decode(t, rec, &export)
	sections, _ := export["sections"].(map[string]any)
	pts, _ := sections["points"].(map[string]any)
	if txs, _ := pts["transactions"].([]any); len(txs) != 2 {
		t.Fatalf("export points %v", sections["points"])
	}
	wantStatus(t, e.do("DELETE", "/api/v1/me", e.resident, nil), http.StatusNoContent)
	var reasons []string
	e.db.Table("point_appeals").Pluck("reason", &reasons)
	if len(reasons) != 1 || reasons[0] != "" {
		t.Fatalf("appeal reasons after erase: %q", reasons)
	}
	e.reconcile()
}
