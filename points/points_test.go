package points

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/staff"
)

var ctx = context.Background()

func newResident(t testing.TB, gdb *gorm.DB, street string) int64 {
	t.Helper()
	now := time.Now().UTC()
	res := struct {
		ID        int64
		Street    string
		CreatedAt time.Time
		UpdatedAt time.Time
	}{Street: street, CreatedAt: now, UpdatedAt: now}
	if err := gdb.Table("residents").Create(&res).Error; err != nil {
		t.Fatal(err)
	}
	return res.ID
}

func mustRule(t testing.TB, s *Service, r Rule) *Rule {
	t.Helper()
	saved, _, err := s.SaveRule(ctx, nil, r)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

func mustReconcile(t testing.TB, s *Service) {
	t.Helper()
	bad, _, err := s.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range bad {
		t.Error(m)
	}
}

func balance(t testing.TB, s *Service, id int64) int64 {
	t.Helper()
	a, err := s.FindAccount(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

func TestAward(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "volunteer", Name: "志愿服务", Points: 10, DailyCap: 2, MonthlyCap: 2, Expiry: ExpiryDays, ExpiryDays: 30})
	id := newResident(t, gdb, "华富街道")

	t.Run("OK", func(t *testing.T) {
		tx, repeated, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "volunteer", ExternalID: "shift-1"})
		if err != nil || repeated {
			t.Fatalf("err=%v repeated=%v", err, repeated)
		}
		if tx.Delta != 10 || tx.BalanceAfter != 10 || tx.ExpiresAt == nil || *tx.RuleVersion != 1 {
			t.Fatalf("tx=%+v", tx)
		}
		again, repeated, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "volunteer", ExternalID: "shift-1"})
		if err != nil || !repeated || again.ID != tx.ID {
			t.Fatalf("repeat: err=%v repeated=%v id=%v", err, repeated, again)
		}
		if got := balance(t, s, id); got != 10 {
			t.Fatalf("balance=%d, want 10", got)
		}
	})
	t.Run("ErrCapReached", func(t *testing.T) {
		if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "volunteer", ExternalID: "shift-2"}); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "volunteer", ExternalID: "shift-3"})
		var ae *apperr.Error
		if !errors.Is(err, ErrCapReached) || !errors.As(err, &ae) || ae.Details["reason"] != "daily_cap" {
			t.Fatalf("err=%v, want daily cap", err)
		}
		// Tomorrow the daily cap allows it, the monthly cap does not.
		s.now = func() time.Time { return time.Now().Add(24 * time.Hour) }
		defer func() { s.now = time.Now }()
		if d, _ := periodStarts(s.now()); d.Month() != time.Now().Month() {
			t.Skip("month boundary")
		}
		_, _, err = s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "volunteer", ExternalID: "shift-4"})
		if !errors.As(err, &ae) || ae.Details["reason"] != "monthly_cap" {
			t.Fatalf("err=%v, want monthly cap", err)
		}
		// A refused award stays refused when repeated.
		_, _, err = s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "volunteer", ExternalID: "shift-3"})
		if !errors.As(err, &ae) || ae.Details["reason"] != "daily_cap" {
			t.Fatalf("repeat err=%v, want daily cap", err)
		}
		// A granted award stays granted when repeated past the cap.
		again, repeated, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "volunteer", ExternalID: "shift-2"})
		if err != nil || !repeated || again.Delta != 10 {
			t.Fatalf("repeat past the cap: tx=%+v repeated=%v err=%v", again, repeated, err)
		}
		if got := balance(t, s, id); got != 20 {
			t.Fatalf("balance=%d, want 20", got)
		}
	})
	t.Run("ErrExternalIDTaken", func(t *testing.T) {
		other := newResident(t, gdb, "")
		if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: other, RuleCode: "volunteer", ExternalID: "shift-1"}); !errors.Is(err, ErrExternalIDTaken) {
			t.Fatalf("err=%v", err)
		}
	})
	t.Run("ErrRuleForbidden", func(t *testing.T) {
		dept := int64(42)
		gdb.Exec("INSERT INTO departments (id, name, created_at) VALUES (42, 'x', ?)", time.Now().UTC())
		r := mustRule(t, s, Rule{Code: "dept_rule", Name: "部门规则", Points: 5, DepartmentID: &dept})
		other := int64(43)
		m := &staff.Member{ID: 1, DepartmentID: &other, Roles: []staff.Role{staff.PointsOfficer}}
		if _, _, err := s.Award(ctx, m, AwardRequest{ResidentID: id, RuleCode: r.Code, ExternalID: "x"}); !errors.Is(err, ErrRuleForbidden) {
			t.Fatalf("err=%v", err)
		}
	})
	mustReconcile(t, s)
}

func TestSpendExpireDeduct(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "short", Name: "短期", Points: 30, Expiry: ExpiryDays, ExpiryDays: 1})
	mustRule(t, s, Rule{Code: "long", Name: "长期", Points: 50})
	id := newResident(t, gdb, "")
	award := func(code, ext string) {
		t.Helper()
		if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: code, ExternalID: ext}); err != nil {
			t.Fatal(err)
		}
	}
	award("short", "a")
	award("long", "b")
	acc, _ := s.FindAccount(ctx, id)
	if acc.Balance != 80 || len(acc.Expiring) != 1 || acc.Expiring[0].Amount != 30 {
		t.Fatalf("account=%+v", acc)
	}
	rw, err := s.CreateReward(ctx, nil, Reward{Name: "毛巾", Points: 20, Stock: 5})
	if err != nil {
		t.Fatal(err)
	}
	red, _, err := s.Redeem(ctx, id, rw.ID, "k1")
	if err != nil {
		t.Fatal(err)
	}
	// Spending consumed the oldest lot first: 10 of the short lot remain.
	acc, _ = s.FindAccount(ctx, id)
	if acc.Balance != 60 || acc.Expiring[0].Amount != 10 {
		t.Fatalf("account=%+v", acc)
	}
	n, err := s.ExpireDue(ctx, time.Now().Add(48*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("expired %d, err %v", n, err)
	}
	if got := balance(t, s, id); got != 50 {
		t.Fatalf("balance=%d, want 50", got)
	}
	// Cancelling refunds 20 (expiring as the spent short lot would have).
	if _, err := s.CancelRedemption(ctx, id, red.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelRedemption(ctx, id, red.ID); !errors.Is(err, ErrNotCancellable) {
		t.Fatalf("second cancel err=%v", err)
	}
	if got := balance(t, s, id); got != 70 {
		t.Fatalf("balance=%d, want 70", got)
	}
	// A deduction may go below zero; a spend may not.
	d, _, err := s.Deduct(ctx, &staff.Member{ID: 9, Roles: []staff.Role{staff.Superadmin}}, DeductRequest{ResidentID: id, Points: 100, CaseRef: "CASE-1", Reason: "违规"})
	if err != nil || d.BalanceAfter != -30 {
		t.Fatalf("deduct=%+v err=%v", d, err)
	}
	if _, _, err := s.Redeem(ctx, id, rw.ID, "k2"); !errors.Is(err, ErrInsufficientPoints) {
		t.Fatalf("redeem err=%v", err)
	}
	award("long", "c") // pays the debt first
	if got := balance(t, s, id); got != 20 {
		t.Fatalf("balance=%d, want 20", got)
	}
	ap, err := s.CreateAppeal(ctx, id, AppealInput{TransactionID: d.ID, Reason: "不是我"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DecideAppeal(ctx, &staff.Member{ID: 9, Roles: []staff.Role{staff.Superadmin}}, ap.ID, true, "成立"); err != nil {
		t.Fatal(err)
	}
	if got := balance(t, s, id); got != 120 {
		t.Fatalf("balance=%d, want 120", got)
	}
	if _, err := s.DecideAppeal(ctx, &staff.Member{ID: 9, Roles: []staff.Role{staff.Superadmin}}, ap.ID, true, ""); !errors.Is(err, ErrAppealDecided) {
		t.Fatalf("err=%v", err)
	}
	mustReconcile(t, s)
}

// TestConcurrent fires many awards (with repeated external IDs), spends
// and redemptions at a few accounts and one scarce reward, then checks the
// invariants: no doubled award, no stock below zero, no negative balance
// from spending, and a clean reconcile.
func TestConcurrent(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "busy", Name: "并发", Points: 7, Expiry: ExpiryEndOfNextYear})
	mustRule(t, s, Rule{Code: "capped", Name: "有上限", Points: 3, DailyCap: 5})
	var ids []int64
	for range 4 {
		ids = append(ids, newResident(t, gdb, ""))
	}
	rw, err := s.CreateReward(ctx, nil, Reward{Name: "电影票", Points: 20, Stock: 15, PerResidentLimit: 6})
	if err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 24, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				id := ids[(w+i)%len(ids)]
				var err error
				switch i % 4 {
				case 0, 1:
					// 40 distinct external IDs per resident, each sent many times.
					_, _, err = s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "busy", ExternalID: fmt.Sprintf("%d-%d", id, (w*perWorker+i)%40)})
				case 2:
					_, _, err = s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "capped", ExternalID: fmt.Sprintf("c%d-%d", id, i)})
					if errors.Is(err, ErrCapReached) {
						err = nil
					}
				case 3:
					_, _, err = s.Redeem(ctx, id, rw.ID, fmt.Sprintf("key-%d", (w+i)%10))
					if errors.Is(err, ErrInsufficientPoints) || errors.Is(err, ErrOutOfStock) || errors.Is(err, ErrLimitReached) {
						err = nil
					}
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var stock int
	gdb.Table("rewards").Where("id = ?", rw.ID).Pluck("stock", &stock)
	var issued int64
	gdb.Table("redemptions").Where("reward_id = ? AND status = 'issued'", rw.ID).Count(&issued)
	if stock < 0 || int64(stock)+issued != 15 {
		t.Fatalf("stock=%d issued=%d, want stock >= 0 and stock+issued = 15", stock, issued)
	}
	var dup int64
	gdb.Raw("SELECT COUNT(*) FROM (SELECT rule_code, external_id FROM point_transactions WHERE kind = 'earn' GROUP BY rule_code, external_id HAVING COUNT(*) > 1) d").Scan(&dup)
	if dup != 0 {
		t.Fatalf("%d doubled awards", dup)
	}
	var capped []int64
	gdb.Raw("SELECT COUNT(*) FROM point_transactions WHERE rule_code = 'capped' GROUP BY resident_id").Scan(&capped)
	for _, n := range capped {
		if n > 5 {
			t.Fatalf("capped rule awarded %d times to one resident, cap 5", n)
		}
	}
	var neg int64
	gdb.Raw("SELECT COUNT(*) FROM point_transactions WHERE kind = 'spend' AND balance_after < 0").Scan(&neg)
	if neg != 0 {
		t.Fatalf("%d spends below zero", neg)
	}
	mustReconcile(t, s)
}

func TestReconcileFindsMismatch(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "rr", Name: "r", Points: 10})
	id := newResident(t, gdb, "")
	if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "rr", ExternalID: "1"}); err != nil {
		t.Fatal(err)
	}
	mustReconcile(t, s)
	gdb.Exec("UPDATE point_accounts SET balance = balance + 1 WHERE resident_id = ?", id)
	bad, checked, err := s.Reconcile(ctx)
	if err != nil || checked != 1 || len(bad) != 1 || bad[0].ResidentID != id {
		t.Fatalf("bad=%v checked=%d err=%v", bad, checked, err)
	}
}

func TestRedeemRules(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "rr", Name: "r", Points: 150})
	id := newResident(t, gdb, "")
	if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "rr", ExternalID: "1"}); err != nil {
		t.Fatal(err)
	}
	high, _ := s.CreateReward(ctx, nil, Reward{Name: "高级", Points: 10, Stock: 5, MinLevel: 3})
	if _, _, err := s.Redeem(ctx, id, high.ID, ""); !errors.Is(err, ErrLevelTooLow) {
		t.Fatalf("level 2 redeeming a level-3 reward: err=%v", err)
	}
	past := time.Now().Add(-time.Hour)
	old, _ := s.CreateReward(ctx, nil, Reward{Name: "过期", Points: 10, Stock: 5, ValidUntil: &past})
	if _, _, err := s.Redeem(ctx, id, old.ID, ""); !errors.Is(err, ErrRewardUnavailable) {
		t.Fatalf("expired reward: err=%v", err)
	}
	ok, _ := s.CreateReward(ctx, nil, Reward{Name: "普通", Points: 10, Stock: 5})
	if _, _, err := s.Redeem(ctx, id, ok.ID, "same"); err != nil {
		t.Fatal(err)
	}
	other, _ := s.CreateReward(ctx, nil, Reward{Name: "另一个", Points: 10, Stock: 5})
	if _, _, err := s.Redeem(ctx, id, other.ID, "same"); !errors.Is(err, ErrIdempotencyReused) {
		t.Fatalf("reused key: err=%v", err)
	}
	if got, want := s.LevelOf(150), 2; got != want {
		t.Fatalf("LevelOf(150)=%d, want %d", got, want)
	}
	mustReconcile(t, s)
}

// TestConcurrentFirstPostings awards to many residents who have no account
// yet, at once: creating accounts must not deadlock.
func TestConcurrentFirstPostings(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "first", Name: "首次", Points: 1, DailyCap: 5})
	ids := make([]int64, 160)
	for i := range ids {
		ids[i] = newResident(t, gdb, "")
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < len(ids); i += 16 {
				if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: ids[i], RuleCode: "first", ExternalID: fmt.Sprint(ids[i])}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mustReconcile(t, s)
}

// TestConcurrentAppeals decides appeals while awards and deductions post
// to the same resident: every reverse must see the latest balance.
func TestConcurrentAppeals(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "busy", Name: "并发", Points: 3})
	id := newResident(t, gdb, "")
	admin := &staff.Member{ID: 1, Roles: []staff.Role{staff.Superadmin}}
	var appeals []int64
	for i := range 12 {
		d, _, err := s.Deduct(ctx, admin, DeductRequest{ResidentID: id, Points: 2, CaseRef: fmt.Sprint("case-", i), Reason: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ap, err := s.CreateAppeal(ctx, id, AppealInput{TransactionID: d.ID, Reason: "y"})
		if err != nil {
			t.Fatal(err)
		}
		appeals = append(appeals, ap.ID)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 6 {
		wg.Go(func() {
			for i := range 8 {
				var err error
				switch i % 3 {
				case 0:
					_, err = s.DecideAppeal(ctx, admin, appeals[(w*8+i)%len(appeals)], w%2 == 0, "")
					if errors.Is(err, ErrAppealDecided) {
						err = nil
					}
				case 1:
					_, _, err = s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "busy", ExternalID: fmt.Sprint(w, "-", i)})
				case 2:
					_, _, err = s.Deduct(ctx, admin, DeductRequest{ResidentID: id, Points: 1, CaseRef: fmt.Sprint("more-", w, "-", i), Reason: "x"})
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mustReconcile(t, s)
}

// TestFindAccountAcrossInstances: what expires next is cached per
// instance, yet a posting made by another instance (or any change of a
// lot) shows at once.
func TestFindAccountAcrossInstances(t *testing.T) {
	gdb := dbtest.Open(t)
	a, b := New(Deps{DB: gdb}), New(Deps{DB: gdb})
	mustRule(t, a, Rule{Code: "short", Name: "短期", Points: 30, Expiry: ExpiryEndOfNextYear})
	id := newResident(t, gdb, "")
	expiring := func(s *Service) []Expiring {
		t.Helper()
		acc, err := s.FindAccount(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return acc.Expiring
	}
	if got := expiring(a); len(got) != 0 {
		t.Fatalf("before any points: %+v", got)
	}
	if _, _, err := b.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "short", ExternalID: "1"}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second read is served from a's cache
		if got := expiring(a); len(got) != 1 || got[0].Amount != 30 {
			t.Fatalf("after b's award: %+v", got)
		}
	}
	if _, _, err := b.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "short", ExternalID: "2"}); err != nil {
		t.Fatal(err)
	}
	if got := expiring(a); len(got) != 1 || got[0].Amount != 60 {
		t.Fatalf("after b's second award: %+v", got)
	}
	rw, err := b.CreateReward(ctx, nil, Reward{Name: "毛巾", Points: 45, Stock: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Redeem(ctx, id, rw.ID, "k"); err != nil {
		t.Fatal(err)
	}
	got := expiring(a)
	if len(got) != 1 || got[0].Amount != 15 {
		t.Fatalf("after b's redemption: %+v", got)
	}
	got[0].Amount = 999 // a caller's copy: the cache keeps its own
	if again := expiring(a); again[0].Amount != 15 {
		t.Fatalf("cache changed through a returned account: %+v", again)
	}
}

// TestFindAccountIgnoresCancel: FindAccount runs to the end whatever
// becomes of its caller's context (see FindAccount): a cancelled one reads
// the account, fresh and from the expiry cache alike.
func TestFindAccountIgnoresCancel(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "short", Name: "短期", Points: 30, Expiry: ExpiryEndOfNextYear})
	id := newResident(t, gdb, "")
	if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "short", ExternalID: "1"}); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, read := range []string{"uncached", "cached"} {
		acc, err := s.FindAccount(cancelled, id)
		if err != nil {
			t.Fatalf("%s read: %v", read, err)
		}
		if acc.Balance != 30 || len(acc.Expiring) != 1 || acc.Expiring[0].Amount != 30 {
			t.Fatalf("%s read: %+v", read, acc)
		}
	}
}

// TestAwardRepeatAfterRuleEnds: a grant made while its rule was valid is
// still the answer to a repeat after the rule's validity ends; a new award
// is refused.
func TestAwardRepeatAfterRuleEnds(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	until := time.Now().Add(time.Hour)
	mustRule(t, s, Rule{Code: "campaign", Name: "活动", Points: 7, ValidUntil: &until})
	id := newResident(t, gdb, "")
	first, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "campaign", ExternalID: "e1"})
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return until.Add(time.Minute) }
	again, repeated, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "campaign", ExternalID: "e1"})
	if err != nil || !repeated || again.ID != first.ID {
		t.Fatalf("repeat after the rule ended: tx=%+v repeated=%v err=%v", again, repeated, err)
	}
	if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "campaign", ExternalID: "e2"}); !errors.Is(err, ErrRuleInactive) {
		t.Fatalf("new award after the rule ended: err=%v", err)
	}
	mustReconcile(t, s)
}

// TestStaleWriteRefused: a posting or a refusal decided on an account that
// has changed since it was read is refused by the database, writing
// nothing, with an error the caller retries on; one decided on a fresh
// read goes through.
func TestStaleWriteRefused(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "st", Name: "过期读", Points: 4})
	id := newResident(t, gdb, "")
	award := func(ext string) {
		t.Helper()
		if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "st", ExternalID: ext}); err != nil {
			t.Fatal(err)
		}
	}
	read := func() *account {
		t.Helper()
		a, err := s.lock(gdb, id) // outside a transaction: a plain read

		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	posting := func(idem string) *Transaction {
		return &Transaction{Delta: 2, Kind: Earn, Idem: idem, Reason: "测试", LotAmount: 2, CreatedAt: time.Now().UTC()}
	}
	rows := func() (n int64) {
		t.Helper()
		gdb.Table("point_transactions").Where("resident_id = ?", id).Count(&n)
		return n
	}

	award("1")
	stale := read()
	if stale.version != 1 || stale.balance != 4 {
		t.Fatalf("after one award: version %d balance %d, want 1 and 4", stale.version, stale.balance)
	}
	award("2")
	if err := s.post(gdb, stale, posting("stale/1")); !db.IsRetryable(err) {
		t.Fatalf("posting on a stale read: %v, want a retryable serialization failure", err)
	}
	if n := rows(); n != 2 {
		t.Fatalf("%d ledger rows after a refused posting, want 2", n)
	}
	if err := s.bumpVersion(gdb, stale); !errors.Is(err, db.ErrSerialization) {
		t.Fatalf("refusal on a stale read: %v, want db.ErrSerialization", err)
	}

	// A refusal and a grant decided on one reading: whichever is written
	// first, the other is refused.
	a, b := read(), read()
	if err := s.bumpVersion(gdb, a); err != nil {
		t.Fatal(err)
	}
	if err := s.post(gdb, b, posting("after-refusal/1")); !db.IsRetryable(err) {
		t.Fatalf("grant after a refusal on the same reading: %v, want a retryable serialization failure", err)
	}
	a, b = read(), read()
	if err := s.post(gdb, a, posting("fresh/1")); err != nil {
		t.Fatalf("posting on a fresh read: %v", err)
	}
	if err := s.bumpVersion(gdb, b); !errors.Is(err, db.ErrSerialization) {
		t.Fatalf("refusal after a grant on the same reading: %v, want db.ErrSerialization", err)
	}
	if n := rows(); n != 3 {
		t.Fatalf("%d ledger rows, want 3", n)
	}
	if got := read(); got.version != 4 || got.balance != 10 {
		t.Fatalf("version %d balance %d, want 4 (three postings, one refusal) and 10", got.version, got.balance)
	}
	mustReconcile(t, s)
}

// TestConcurrentAwardsOneResident: many awards at once to one resident,
// each external_id sent twice, under a daily cap: exactly the cap is
// granted, each grant once, every attempt is answered, and the account's
// history is one unbroken sequence.
func TestConcurrentAwardsOneResident(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "one", Name: "单人并发", Points: 2, DailyCap: 15})
	id := newResident(t, gdb, "")
	const events = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*events)
	for w := range 2 * events {
		wg.Go(func() {
			_, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "one", ExternalID: fmt.Sprint(w % events)})
			if err != nil && !errors.Is(err, ErrCapReached) {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var granted, distinct, refused, maxSeq, distinctSeq int64
	gdb.Raw("SELECT COUNT(*), COUNT(DISTINCT external_id), COALESCE(MAX(seq), 0), COUNT(DISTINCT seq) FROM point_transactions WHERE resident_id = ?", id).
		Row().Scan(&granted, &distinct, &maxSeq, &distinctSeq)
	gdb.Table("point_award_refusals").Where("resident_id = ?", id).Count(&refused)
	if granted != 15 || distinct != 15 {
		t.Fatalf("%d grants of %d external IDs, want 15 of 15", granted, distinct)
	}
	if refused != events-15 {
		t.Fatalf("%d refusals recorded, want %d", refused, events-15)
	}
	var version int64
	gdb.Table("point_accounts").Where("resident_id = ?", id).Pluck("version", &version)
	if version != granted+refused || distinctSeq != granted || maxSeq > version {
		t.Fatalf("version %d, seq: %d distinct, max %d; want version = grants + refusals = %d", version, distinctSeq, maxSeq, granted+refused)
	}
	mustReconcile(t, s)
}
