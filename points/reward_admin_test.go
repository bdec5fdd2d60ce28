package points

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/patch"
	"github.com/futian/ifutian/staff"
)

// TestStockUnderRedemptions: stock changes and redemptions at once, many
// of each, never take the stock below zero nor take back an issued
// voucher: afterwards stock = initial + the accepted changes − the vouchers
// issued, and every refused decrease was one the stock could not cover.
func TestStockUnderRedemptions(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	dept := newDepartment(t, gdb, "文体")
	officer := &staff.Member{ID: 3, DepartmentID: &dept, Roles: []staff.Role{staff.PointsOfficer}}
	mustRule(t, s, Rule{Code: "volunteer", Name: "志愿服务", Points: 100})
	const initial = 10
	reward, err := s.CreateReward(ctx, officer, Reward{Name: "公园年卡", Points: 10, Stock: initial})
	if err != nil {
		t.Fatal(err)
	}
	residents := make([]int64, 24)
	for i := range residents {
		residents[i] = newResident(t, gdb, "华富街道")
		if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: residents[i], RuleCode: "volunteer", ExternalID: fmt.Sprint("r", i)}); err != nil {
			t.Fatal(err)
		}
	}
	deltas := []int{-3, -3, -3, -3, 2, 2, -1, -1, -1, 5, -4, -4}
	var (
		wg               sync.WaitGroup
		mu               sync.Mutex
		applied, refused int
		redeemed         int
	)
	for _, id := range residents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := s.Redeem(ctx, id, reward.ID, "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				redeemed++
			case errors.Is(err, ErrOutOfStock):
			default:
				t.Error(err)
			}
		}()
	}
	for _, d := range deltas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.AdjustStock(ctx, officer, reward.ID, d)
			mu.Lock()
			defer mu.Unlock()
			var ae *apperr.Error
			switch {
			case err == nil:
				applied += d
				if r.Stock < 0 {
					t.Errorf("stock %d after %+d", r.Stock, d)
				}
			case errors.Is(err, ErrStockBelowIssued) && errors.As(err, &ae):
				refused++
				if left := ae.Details["stock"].(int); left+d >= 0 {
					t.Errorf("%+d refused with %d left", d, left)
				}
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	rs, _, err := s.FindManagedRewards(ctx, officer, RewardFilter{Limit: 10})
	if err != nil || len(rs) != 1 {
		t.Fatalf("rewards %+v (%v)", rs, err)
	}
	got := rs[0]
	if got.Stock < 0 || got.Stock != initial+applied-redeemed || got.Issued != int64(redeemed) {
		t.Fatalf("stock %d issued %d; want stock %d+%d-%d ≥ 0 and issued %d (%d decreases refused)",
			got.Stock, got.Issued, initial, applied, redeemed, redeemed, refused)
	}
	t.Logf("redeemed %d, stock changes %+d applied, %d refused, stock left %d", redeemed, applied, refused, got.Stock)
	mustReconcile(t, s)
}

// TestRewardEdits: what may change after vouchers exist, withdrawal, and
// scope.
func TestRewardEdits(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	dept, other := newDepartment(t, gdb, "文体"), newDepartment(t, gdb, "城管")
	officer := &staff.Member{ID: 3, DepartmentID: &dept, Roles: []staff.Role{staff.PointsOfficer}}
	stranger := &staff.Member{ID: 4, DepartmentID: &other, Roles: []staff.Role{staff.PointsOfficer}}
	verifier := &staff.Member{ID: 5, DepartmentID: &dept, Roles: []staff.Role{staff.Verifier}}
	mustRule(t, s, Rule{Code: "volunteer", Name: "志愿服务", Points: 100})
	id := newResident(t, gdb, "华富街道")
	if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "volunteer", ExternalID: "x"}); err != nil {
		t.Fatal(err)
	}
	reward, err := s.CreateReward(ctx, officer, Reward{Name: "公园年卡", Points: 10, Stock: 5})
	if err != nil {
		t.Fatal(err)
	}
	intp := func(v int) *int { return &v }
	strp := func(v string) *string { return &v }

	t.Run("PriceBeforeRedemption", func(t *testing.T) {
		r, err := s.UpdateReward(ctx, officer, reward.ID, RewardPatch{Points: intp(20), Name: strp(" 公园年卡（2027） ")})
		if err != nil || r.Points != 20 || r.Name != "公园年卡（2027）" {
			t.Fatalf("r=%+v err=%v", r, err)
		}
	})
	red, _, err := s.Redeem(ctx, id, reward.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ErrRewardRedeemed", func(t *testing.T) {
		if _, err := s.UpdateReward(ctx, officer, reward.ID, RewardPatch{Points: intp(15)}); !errors.Is(err, ErrRewardRedeemed) {
			t.Fatalf("err=%v, want ErrRewardRedeemed", err)
		}
		// The same price, and everything else, may still change.
		until := time.Now().Add(90 * 24 * time.Hour).UTC()
		r, err := s.UpdateReward(ctx, officer, reward.ID, RewardPatch{Points: intp(20), PerResidentLimit: intp(2), MinLevel: intp(1),
			Description: strp("凭券入园"), ValidUntil: patch.Null[time.Time]{Set: true, Value: &until}})
		if err != nil || r.PerResidentLimit != 2 || r.MinLevel != 1 || r.ValidUntil == nil || r.Issued != 1 || r.Used != 0 {
			t.Fatalf("r=%+v err=%v", r, err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := s.UpdateReward(ctx, officer, reward.ID, RewardPatch{Name: strp(" "), PerResidentLimit: intp(-1)})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Fields["name"] == "" || ae.Fields["per_resident_limit"] == "" {
			t.Fatalf("err=%v, want name and per_resident_limit named", err)
		}
		// delta's range (not 0) is its request's tag: the API's tests refuse it.
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := s.UpdateReward(ctx, stranger, reward.ID, RewardPatch{Name: strp("x")}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("update: err=%v", err)
		}
		if _, err := s.AdjustStock(ctx, stranger, reward.ID, 1); !errors.Is(err, ErrNotFound) {
			t.Fatalf("stock: err=%v", err)
		}
		if _, err := s.WithdrawReward(ctx, stranger, reward.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("withdraw: err=%v", err)
		}
		if rs, _, err := s.FindManagedRewards(ctx, stranger, RewardFilter{Limit: 10}); err != nil || len(rs) != 0 {
			t.Fatalf("stranger lists %+v (%v)", rs, err)
		}
	})
	t.Run("Withdraw", func(t *testing.T) {
		r, err := s.WithdrawReward(ctx, officer, reward.ID)
		if err != nil || r.WithdrawnAt == nil {
			t.Fatalf("r=%+v err=%v", r, err)
		}
		again, err := s.WithdrawReward(ctx, officer, reward.ID)
		if err != nil || !again.WithdrawnAt.Equal(*r.WithdrawnAt) {
			t.Fatalf("second withdrawal: %+v %v", again, err)
		}
		if _, _, err := s.Redeem(ctx, id, reward.ID, ""); !errors.Is(err, ErrRewardWithdrawn) {
			t.Fatalf("redeem a withdrawn reward: err=%v", err)
		}
		catalogue, _, err := s.FindRewards(ctx, time.Now(), 0, 10)
		if err != nil || len(catalogue) != 0 {
			t.Fatalf("catalogue %+v (%v)", catalogue, err)
		}
		// The voucher issued before stays valid.
		used, err := s.VerifyVoucher(ctx, verifier, red.VoucherCode)
		if err != nil || used.Status != "used" {
			t.Fatalf("verify after withdrawal: %+v %v", used, err)
		}
		for _, st := range []struct {
			status RewardState
			n      int
		}{{"withdrawn", 1}, {"active", 0}, {"", 1}} {
			rs, _, err := s.FindManagedRewards(ctx, officer, RewardFilter{Status: st.status, Limit: 10})
			if err != nil || len(rs) != st.n {
				t.Fatalf("status %q: %d rewards (%v), want %d", st.status, len(rs), err, st.n)
			}
		}
		rs, _, _ := s.FindManagedRewards(ctx, officer, RewardFilter{Limit: 10})
		if rs[0].Issued != 1 || rs[0].Used != 1 {
			t.Fatalf("counts %+v", rs[0])
		}
	})
	mustReconcile(t, s)
}

// TestManagedRules: the console's rules are the member's department's and
// the district-wide ones, inactive included; edits save a version, refuse
// a rule the member may only use, and hide another department's.
func TestManagedRules(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	dept, other := newDepartment(t, gdb, "文体"), newDepartment(t, gdb, "城管")
	officer := &staff.Member{ID: 3, DepartmentID: &dept, Roles: []staff.Role{staff.PointsOfficer}}
	past := time.Now().Add(-time.Hour).UTC()
	mustRule(t, s, Rule{Code: "mine", Name: "本部门规则", Points: 5, DepartmentID: &dept})
	mustRule(t, s, Rule{Code: "mine_old", Name: "已结束", Points: 5, DepartmentID: &dept, ValidUntil: &past})
	district := mustRule(t, s, Rule{Code: "district", Name: "全区规则", Points: 3})
	theirs := mustRule(t, s, Rule{Code: "theirs", Name: "他部门规则", Points: 3, DepartmentID: &other})

	codes := func(f ManagedRuleFilter) map[string]ManagedRule {
		t.Helper()
		f.Limit = 10
		rs, _, err := s.FindManagedRules(ctx, officer, f)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]ManagedRule{}
		for _, r := range rs {
			out[r.Code] = r
		}
		return out
	}
	all := codes(ManagedRuleFilter{})
	if len(all) != 3 || !all["mine"].Editable || !all["mine"].Active || all["district"].Editable || all["mine_old"].Active {
		t.Fatalf("rules %+v", all)
	}
	yes, no := true, false
	if got := codes(ManagedRuleFilter{Active: &no}); len(got) != 1 || got["mine_old"].Code == "" {
		t.Fatalf("inactive %+v", got)
	}
	if got := codes(ManagedRuleFilter{Active: &yes, Q: "全区"}); len(got) != 1 || got["district"].Code == "" {
		t.Fatalf("active 全区 %+v", got)
	}
	if got := codes(ManagedRuleFilter{Q: "_"}); len(got) != 1 || got["mine_old"].Code == "" {
		t.Fatalf("q=_ (a LIKE wildcard, taken literally) %+v", got)
	}

	dailyCap := 2
	r, err := s.UpdateRule(ctx, officer, all["mine"].ID, RulePatch{DailyCap: &dailyCap, ValidUntil: patch.Null[time.Time]{Set: true}})
	if err != nil || r.DailyCap != 2 || r.Version != 2 || r.ValidUntil != nil {
		t.Fatalf("update: %+v %v", r, err)
	}
	if r, err = s.UpdateRule(ctx, officer, all["mine"].ID, RulePatch{DailyCap: &dailyCap}); err != nil || r.Version != 2 {
		t.Fatalf("an edit that changes nothing: %+v %v, want version 2", r, err)
	}
	var versions int64
	gdb.Table("point_rule_versions").Where("rule_id = ?", all["mine"].ID).Count(&versions)
	if versions != 2 {
		t.Fatalf("%d versions, want 2", versions)
	}
	if _, err := s.UpdateRule(ctx, officer, district.ID, RulePatch{DailyCap: &dailyCap}); !errors.Is(err, ErrRuleOwned) {
		t.Fatalf("district rule: err=%v, want ErrRuleOwned", err)
	}
	if _, err := s.UpdateRule(ctx, officer, theirs.ID, RulePatch{DailyCap: &dailyCap}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another department's rule: err=%v, want ErrNotFound", err)
	}
	bad := -1
	var ae *apperr.Error
	if _, err := s.UpdateRule(ctx, officer, all["mine"].ID, RulePatch{MonthlyCap: &bad}); !errors.As(err, &ae) || ae.Fields["monthly_cap"] == "" {
		t.Fatalf("bad cap: err=%v", err)
	}
	// The award cache sees the edit at once.
	if _, _, err := s.Award(ctx, officer, AwardRequest{ResidentID: newResident(t, gdb, ""), RuleCode: "mine", ExternalID: "a"}); err != nil {
		t.Fatal(err)
	}
}
