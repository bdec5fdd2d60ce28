package points

import (
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/staff"
)

func newDepartment(t testing.TB, gdb *gorm.DB, name string) int64 {
	t.Helper()
	d := struct {
		ID        int64
		Name      string
		CreatedAt time.Time
	}{Name: name, CreatedAt: time.Now().UTC()}
	if err := gdb.Table("departments").Create(&d).Error; err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// history counts a resident's ledger rows and recorded refusals.
func history(t testing.TB, gdb *gorm.DB, id int64) (postings, refusals int64) {
	t.Helper()
	if err := gdb.Table("point_transactions").Where("resident_id = ?", id).Count(&postings).Error; err != nil {
		t.Fatal(err)
	}
	if err := gdb.Table("point_award_refusals").Where("resident_id = ?", id).Count(&refusals).Error; err != nil {
		t.Fatal(err)
	}
	return postings, refusals
}

// TestGrantScope: a grant is checked against the rule's department exactly
// like a member's award, is refused before anything is written, and is
// attributed to the department it is made for.
func TestGrantScope(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mine, other := newDepartment(t, gdb, "甲"), newDepartment(t, gdb, "乙")
	mustRule(t, s, Rule{Code: "dept", Name: "部门规则", Points: 5, DailyCap: 1, DepartmentID: &mine})
	mustRule(t, s, Rule{Code: "district", Name: "全区规则", Points: 3})
	id := newResident(t, gdb, "华富街道")

	t.Run("ErrRuleForbidden", func(t *testing.T) {
		for _, ext := range []string{"a", "b"} { // the second would be over the cap
			_, _, err := s.Grant(ctx, staff.DepartmentScope(&other), AwardRequest{ResidentID: id, RuleCode: "dept", ExternalID: ext})
			if !errors.Is(err, ErrRuleForbidden) {
				t.Fatalf("another department's grant: err=%v, want ErrRuleForbidden", err)
			}
		}
		if _, err := s.UsableRule(ctx, staff.DepartmentScope(&other), "dept"); !errors.Is(err, ErrRuleForbidden) {
			t.Fatalf("UsableRule: err=%v, want ErrRuleForbidden", err)
		}
		if p, r := history(t, gdb, id); p != 0 || r != 0 {
			t.Fatalf("%d postings and %d refusals after refused grants, want none", p, r)
		}
	})
	t.Run("ErrNilActor", func(t *testing.T) {
		for _, code := range []string{"dept", "district"} {
			if _, _, err := s.Award(ctx, nil, AwardRequest{ResidentID: id, RuleCode: code, ExternalID: "nil"}); err == nil {
				t.Fatalf("award under %s without a member was granted", code)
			}
		}
		if p, r := history(t, gdb, id); p != 0 || r != 0 {
			t.Fatalf("%d postings and %d refusals after awards without a member, want none", p, r)
		}
	})
	t.Run("Attributed", func(t *testing.T) {
		tx, _, err := s.Grant(ctx, staff.DepartmentScope(&mine), AwardRequest{ResidentID: id, RuleCode: "dept", ExternalID: "mine"})
		if err != nil {
			t.Fatal(err)
		}
		// A department may grant under a district-wide rule, as itself.
		tx2, _, err := s.Grant(ctx, staff.DepartmentScope(&other), AwardRequest{ResidentID: id, RuleCode: "district", ExternalID: "other"})
		if err != nil {
			t.Fatal(err)
		}
		tx3, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "dept", ExternalID: "district"})
		if !errors.Is(err, ErrCapReached) {
			t.Fatalf("district grant over the daily cap: tx=%+v err=%v", tx3, err)
		}
		for _, c := range []struct {
			id   int64
			want *int64
		}{{tx.ID, &mine}, {tx2.ID, &other}} {
			var got []*int64
			gdb.Table("point_transactions").Where("id = ?", c.id).Pluck("department_id", &got)
			if len(got) != 1 || got[0] == nil || *got[0] != *c.want {
				t.Fatalf("transaction %d: department_id %v, want %d", c.id, got, *c.want)
			}
		}
		officer := &staff.Member{ID: 5, DepartmentID: &other, Roles: []staff.Role{staff.PointsOfficer}}
		tx4, _, err := s.Award(ctx, officer, AwardRequest{ResidentID: id, RuleCode: "district", ExternalID: "officer"})
		if err != nil {
			t.Fatal(err)
		}
		var row Transaction
		gdb.Take(&row, tx4.ID)
		if row.DepartmentID == nil || *row.DepartmentID != other || row.StaffID == nil || *row.StaffID != 5 {
			t.Fatalf("officer's award: department %v staff %v, want %d and 5", row.DepartmentID, row.StaffID, other)
		}
	})
	mustReconcile(t, s)
}

// TestDeductionScope: a deduction needs the resident's street in scope and
// belongs to the scope's department; an appeal is decided by that
// department (a district-wide deduction by the district) within its
// streets, and anything else answers like a missing appeal.
func TestDeductionScope(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mine, other := newDepartment(t, gdb, "甲"), newDepartment(t, gdb, "乙")
	id := newResident(t, gdb, "华富街道")
	officer := &staff.Member{ID: 1, DepartmentID: &mine, Roles: []staff.Role{staff.PointsOfficer}}
	huafu := &staff.Member{ID: 2, DepartmentID: &mine, Roles: []staff.Role{staff.PointsOfficer}, Streets: []string{"华富街道"}}
	futian := &staff.Member{ID: 3, DepartmentID: &mine, Roles: []staff.Role{staff.PointsOfficer}, Streets: []string{"福田街道"}}
	otherDept := &staff.Member{ID: 4, DepartmentID: &other, Roles: []staff.Role{staff.PointsOfficer}}
	admin := &staff.Member{ID: 5, Roles: []staff.Role{staff.Superadmin}, Streets: []string{"福田街道"}}

	deduct := func(m *staff.Member, ref string) (*Transaction, error) {
		d, _, err := s.Deduct(ctx, m, DeductRequest{ResidentID: id, Points: 2, CaseRef: ref, Reason: "违规"})
		return d, err
	}
	for _, m := range []*staff.Member{futian, nil} {
		if _, err := deduct(m, "out"); !errors.Is(err, ErrResidentNotFound) {
			t.Fatalf("deduction by %+v: err=%v, want ErrResidentNotFound", m, err)
		}
	}
	if p, _ := history(t, gdb, id); p != 0 {
		t.Fatalf("%d postings after refused deductions", p)
	}
	d, err := deduct(huafu, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if d.DepartmentID == nil || *d.DepartmentID != mine {
		t.Fatalf("deduction department %v, want %d", d.DepartmentID, mine)
	}
	dd, err := deduct(admin, "c2") // a superadmin covers every street and deducts for the district
	if err != nil {
		t.Fatal(err)
	}
	if dd.DepartmentID != nil {
		t.Fatalf("superadmin's deduction department %v, want none", *dd.DepartmentID)
	}
	ap, err := s.CreateAppeal(ctx, id, AppealInput{TransactionID: d.ID, Reason: "不是我"})
	if err != nil {
		t.Fatal(err)
	}
	apd, err := s.CreateAppeal(ctx, id, AppealInput{TransactionID: dd.ID, Reason: "不是我"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m  *staff.Member
		ap int64
	}{{futian, ap.ID}, {otherDept, ap.ID}, {nil, ap.ID}, {officer, apd.ID}, {otherDept, apd.ID}} {
		if _, err := s.DecideAppeal(ctx, c.m, c.ap, true, ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("appeal %d decided by %+v: err=%v, want ErrNotFound", c.ap, c.m, err)
		}
	}
	if got := balance(t, s, id); got != -4 {
		t.Fatalf("balance %d after refused decisions, want -4", got)
	}
	if _, err := s.DecideAppeal(ctx, huafu, ap.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DecideAppeal(ctx, admin, apd.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	var rev Transaction
	gdb.Where("kind = ?", Reverse).Take(&rev)
	if rev.DepartmentID == nil || *rev.DepartmentID != mine || rev.Delta != 2 {
		t.Fatalf("reversal %+v, want +2 for department %d", rev, mine)
	}
	mustReconcile(t, s)
}

// TestRuleAndRewardScope: a rule and a reward belong to the department of
// the scope that saves them; a district-wide actor names the department;
// a rule outside the actor's scope is refused with ErrRuleOwned.
func TestRuleAndRewardScope(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mine, other := newDepartment(t, gdb, "甲"), newDepartment(t, gdb, "乙")
	officer := &staff.Member{ID: 1, DepartmentID: &mine, Roles: []staff.Role{staff.PointsOfficer}, Streets: []string{"华富街道"}}
	admin := &staff.Member{ID: 2, Roles: []staff.Role{staff.Superadmin}}

	// An officer naming another department still saves for their own.
	r, created, err := s.SaveRule(ctx, officer, Rule{Code: "mine", Name: "本部门", Points: 1, DepartmentID: &other})
	if err != nil || !created || r.DepartmentID == nil || *r.DepartmentID != mine {
		t.Fatalf("officer's rule %+v created=%v err=%v, want department %d", r, created, err, mine)
	}
	r, _, err = s.SaveRule(ctx, admin, Rule{Code: "theirs", Name: "他部门", Points: 1, DepartmentID: &other})
	if err != nil || r.DepartmentID == nil || *r.DepartmentID != other {
		t.Fatalf("superadmin's rule %+v err=%v, want department %d", r, err, other)
	}
	if _, _, err := s.SaveRule(ctx, admin, Rule{Code: "district", Name: "全区", Points: 1}); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"theirs", "district"} {
		if _, _, err := s.SaveRule(ctx, officer, Rule{Code: code, Name: "改", Points: 99}); !errors.Is(err, ErrRuleOwned) {
			t.Fatalf("officer changing %s: err=%v, want ErrRuleOwned", code, err)
		}
		if got, _ := s.FindRule(ctx, code); got.Points != 1 || got.Version != 1 {
			t.Fatalf("%s after a refused save: %+v", code, got)
		}
	}
	if r, _, err := s.SaveRule(ctx, officer, Rule{Code: "mine", Name: "本部门", Points: 2}); err != nil || r.Version != 2 || *r.DepartmentID != mine {
		t.Fatalf("officer updating own rule: %+v err=%v", r, err)
	}

	rw, err := s.CreateReward(ctx, officer, Reward{Name: "毛巾", Points: 1, Stock: 1, DepartmentID: &other})
	if err != nil || rw.DepartmentID == nil || *rw.DepartmentID != mine || *rw.CreatedBy != 1 {
		t.Fatalf("officer's reward %+v err=%v, want department %d", rw, err, mine)
	}
	rw, err = s.CreateReward(ctx, admin, Reward{Name: "年卡", Points: 1, Stock: 1})
	if err != nil || rw.DepartmentID != nil {
		t.Fatalf("superadmin's reward %+v err=%v, want district-wide", rw, err)
	}
}

// refuseAllPostings makes the database refuse every ledger insert as a
// serialization failure, as a resident's account that never stops changing
// would.
func refuseAllPostings(t testing.TB, gdb *gorm.DB) {
	t.Helper()
	trigger := `CREATE TRIGGER point_transactions_busy BEFORE INSERT ON point_transactions
BEGIN SELECT RAISE(ABORT, 'serialization failure: test'); END`
	if db.DialectOf(gdb) == db.MySQL {
		trigger = `CREATE TRIGGER point_transactions_busy BEFORE INSERT ON point_transactions FOR EACH ROW
SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'serialization failure: test'`
	}
	if err := gdb.Exec(trigger).Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gdb.Exec("DROP TRIGGER point_transactions_busy") })
}

// TestAwardBusy: an award whose writes conflict through every retry is
// ErrBusy (503, the client may repeat it), not an internal error, and
// writes nothing.
func TestAwardBusy(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "busy", Name: "忙", Points: 5})
	id := newResident(t, gdb, "")
	refuseAllPostings(t, gdb)
	_, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "busy", ExternalID: "1"})
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("err=%v, want ErrBusy", err)
	}
	if p, r := history(t, gdb, id); p != 0 || r != 0 {
		t.Fatalf("%d postings and %d refusals, want none", p, r)
	}
	if _, _, err := s.Deduct(ctx, &staff.Member{ID: 1, Roles: []staff.Role{staff.Superadmin}}, DeductRequest{ResidentID: id, Points: 1, CaseRef: "c", Reason: "x"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("deduction: err=%v, want ErrBusy", err)
	}
}
