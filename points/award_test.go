package points

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/staff"
)

// TestDecideAward pins every branch of the award decision on facts alone,
// without a database.
func TestDecideAward(t *testing.T) {
	now := time.Date(2026, 11, 23, 4, 0, 0, 0, time.UTC)
	dept := int64(7)
	officer := int64(3)
	from, until := now.Add(-time.Hour), now.Add(time.Hour)
	capped := Rule{Code: "vol", Version: 4, Name: "志愿服务", Points: 10, DailyCap: 2, MonthlyCap: 5, Expiry: ExpiryDays, ExpiryDays: 30,
		ValidFrom: &from, ValidUntil: &until}
	uncapped := Rule{Code: "vol", Version: 1, Name: "志愿服务", Points: 3, Expiry: ExpiryNever}
	ended, early := capped, capped
	ended.ValidUntil = &from
	early.ValidFrom = &until

	call := awardCall{
		AwardRequest: AwardRequest{ResidentID: 1, RuleCode: "vol", ExternalID: "shift-9"},
		scope:        staff.DepartmentScope(&dept), staffID: &officer,
	}
	huafu := call
	huafu.scope = (&staff.Member{DepartmentID: &dept, Streets: []string{"华富街道"}}).Scope()
	noted := call
	noted.Note = "社区清扫"
	survey := call
	survey.scope, survey.staffID = staff.DistrictScope(), nil

	facts := func(street string) awardFacts {
		return awardFacts{account: account{residentID: 1, street: street, balance: 40, version: 9}}
	}
	with := func(f awardFacts, change func(*awardFacts)) awardFacts {
		change(&f)
		return f
	}
	reason := "daily_cap"
	mine := &Transaction{ID: 70, ResidentID: 1, Delta: 10, Kind: Earn}
	theirs := &Transaction{ID: 71, ResidentID: 2, Delta: 10, Kind: Earn}
	expires := now.Add(30 * 24 * time.Hour)
	grant := func(c awardCall, r Rule, text string, expiresAt *time.Time) awardOutcome {
		code, ext, version := r.Code, c.ExternalID, r.Version
		return awardOutcome{Grant: &Transaction{
			ResidentID: 1, Delta: int64(r.Points), Kind: Earn, Idem: "vol/shift-9", RuleCode: &code, RuleVersion: &version,
			ExternalID: &ext, Reason: text, StaffID: c.staffID, DepartmentID: c.scope.Department(), ExpiresAt: expiresAt, CreatedAt: now,
		}}
	}
	refuse := func(why string) awardOutcome {
		return awardOutcome{Refusal: &awardRefusal{
			ResidentID: 1, RuleCode: "vol", RuleVersion: 4, ExternalID: "shift-9", Reason: why, StaffID: &officer, CreatedAt: now,
		}}
	}

	for _, c := range []struct {
		name  string
		facts awardFacts
		rule  Rule
		call  awardCall
		want  awardOutcome
		err   error
	}{
		{name: "Grant", facts: facts("华富街道"), rule: capped, call: call, want: grant(call, capped, "志愿服务", &expires)},
		{name: "GrantNote", facts: facts(""), rule: capped, call: noted, want: grant(noted, capped, "社区清扫", &expires)},
		{name: "GrantForDistrict", facts: facts(""), rule: capped, call: survey, want: grant(survey, capped, "志愿服务", &expires)},
		{name: "GrantInStreet", facts: facts("华富街道"), rule: capped, call: huafu, want: grant(huafu, capped, "志愿服务", &expires)},
		{name: "GrantUnderCaps", facts: with(facts(""), func(f *awardFacts) { f.today, f.thisMonth = 1, 4 }), rule: capped, call: call,
			want: grant(call, capped, "志愿服务", &expires)},
		{name: "GrantNoCaps", facts: with(facts(""), func(f *awardFacts) { f.today, f.thisMonth = 500, 5000 }), rule: uncapped, call: call,
			want: grant(call, uncapped, "志愿服务", nil)},
		{name: "GrantInDebt", facts: with(facts(""), func(f *awardFacts) { f.balance = -30 }), rule: capped, call: call,
			want: grant(call, capped, "志愿服务", &expires)},
		{name: "RefuseDailyCap", facts: with(facts(""), func(f *awardFacts) { f.today, f.thisMonth = 2, 2 }), rule: capped, call: call,
			want: refuse("daily_cap")},
		{name: "RefuseMonthlyCap", facts: with(facts(""), func(f *awardFacts) { f.today, f.thisMonth = 0, 5 }), rule: capped, call: call,
			want: refuse("monthly_cap")},
		{name: "RefuseBothCapsDailyFirst", facts: with(facts(""), func(f *awardFacts) { f.today, f.thisMonth = 3, 7 }), rule: capped, call: call,
			want: refuse("daily_cap")},
		{name: "RepeatRefusal", facts: with(facts(""), func(f *awardFacts) { f.refusal = &reason }), rule: capped, call: call,
			want: awardOutcome{Refusal: &awardRefusal{Reason: "daily_cap"}, Repeated: true}},
		{name: "RepeatRefusalAfterRuleEnded", facts: with(facts(""), func(f *awardFacts) { f.refusal = &reason }), rule: ended, call: call,
			want: awardOutcome{Refusal: &awardRefusal{Reason: "daily_cap"}, Repeated: true}},
		{name: "RepeatGrant", facts: with(facts(""), func(f *awardFacts) { f.earlier = mine }), rule: capped, call: call,
			want: awardOutcome{Grant: mine, Repeated: true}},
		{name: "RepeatGrantPastCap", facts: with(facts(""), func(f *awardFacts) { f.earlier, f.today, f.thisMonth = mine, 2, 5 }), rule: capped, call: call,
			want: awardOutcome{Grant: mine, Repeated: true}},
		{name: "RepeatGrantAfterRuleEnded", facts: with(facts(""), func(f *awardFacts) { f.earlier = mine }), rule: ended, call: call,
			want: awardOutcome{Grant: mine, Repeated: true}},
		{name: "ErrExternalIDTaken", facts: with(facts(""), func(f *awardFacts) { f.earlier = theirs }), rule: capped, call: call,
			err: ErrExternalIDTaken},
		{name: "ErrExternalIDTakenPastCap", facts: with(facts(""), func(f *awardFacts) { f.earlier, f.today = theirs, 2 }), rule: capped, call: call,
			err: ErrExternalIDTaken},
		{name: "ErrRuleEnded", facts: facts(""), rule: ended, call: call, err: ErrRuleInactive},
		{name: "ErrRuleNotYet", facts: facts(""), rule: early, call: call, err: ErrRuleInactive},
		{name: "ErrRuleEndedOverCap", facts: with(facts(""), func(f *awardFacts) { f.today = 9 }), rule: ended, call: call, err: ErrRuleInactive},
		{name: "ErrOutsideStreets", facts: facts("香蜜湖街道"), rule: capped, call: huafu, err: ErrResidentNotFound},
		{name: "ErrNoStreetForStreetScope", facts: facts(""), rule: capped, call: huafu, err: ErrResidentNotFound},
		{name: "ErrOutsideStreetsRepeat", facts: with(facts("香蜜湖街道"), func(f *awardFacts) { f.earlier = mine }), rule: capped, call: huafu,
			err: ErrResidentNotFound},
		{name: "ErrDeleted", facts: with(facts("华富街道"), func(f *awardFacts) { f.deleted = true }), rule: capped, call: call, err: ErrResidentNotFound},
		{name: "ErrDeletedRepeat", facts: with(facts(""), func(f *awardFacts) { f.deleted, f.refusal = true, &reason }), rule: capped, call: call,
			err: ErrResidentNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			rule := c.rule
			got, err := decideAward(c.facts, &rule, c.call, now)
			if !errors.Is(err, c.err) || (err == nil) != (c.err == nil) {
				t.Fatalf("err=%v, want %v", err, c.err)
			}
			if c.err != nil {
				if got != (awardOutcome{}) {
					t.Fatalf("outcome %+v beside err %v, want none", got, err)
				}
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("outcome\n %s\nwant\n %s", describe(got), describe(c.want))
			}
		})
	}
}

// describe shows an outcome with what its pointers point at.
func describe(o awardOutcome) string {
	s := fmt.Sprintf("repeated=%v refusal=%+v", o.Repeated, o.Refusal)
	if t := o.Grant; t != nil {
		s += fmt.Sprintf(" grant=%+v rule=%v/%v external_id=%v staff=%v department=%v expires=%v", *t,
			deref(t.RuleCode), deref(t.RuleVersion), deref(t.ExternalID), deref(t.StaffID), deref(t.DepartmentID), deref(t.ExpiresAt))
	}
	return s
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestAwardCapsAcrossDays: with both caps, the month's count stands for the
// day's only while it is under the daily cap; past it the day is counted
// apart, so yesterday's grants do not refuse today's.
func TestAwardCapsAcrossDays(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "daily", Name: "每日", Points: 1, DailyCap: 1, MonthlyCap: 3})
	id := newResident(t, gdb, "")
	start := time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC) // 10:00 in the district
	for i, want := range []string{"", "daily_cap", "", "", "monthly_cap"} {
		day := []int{0, 0, 1, 2, 3}[i]
		s.now = func() time.Time { return start.Add(time.Duration(day) * 24 * time.Hour) }
		_, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "daily", ExternalID: fmt.Sprint(i)})
		var ae *apperr.Error
		switch {
		case want == "" && err != nil:
			t.Fatalf("award %d on day %d: %v", i, day, err)
		case want != "" && (!errors.As(err, &ae) || ae.Details["reason"] != want):
			t.Fatalf("award %d on day %d: err=%v, want %s", i, day, err, want)
		}
	}
	if got := balance(t, s, id); got != 3 {
		t.Fatalf("balance=%d, want 3", got)
	}
}

// TestConcurrentExternalIDAcrossResidents: one external_id awarded at once
// to many residents, each several times: exactly one resident gets it,
// whose repeats return that grant; every other attempt is
// ErrExternalIDTaken (a grant made meanwhile is decided again, never left
// to run out of retries).
func TestConcurrentExternalIDAcrossResidents(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	mustRule(t, s, Rule{Code: "once", Name: "一次", Points: 4, DailyCap: 3})
	ids := make([]int64, 16)
	for i := range ids {
		ids[i] = newResident(t, gdb, "")
	}
	type answer struct {
		resident int64
		tx       *Transaction
		err      error
	}
	answers := make(chan answer, 3*len(ids))
	var wg sync.WaitGroup
	for w := range 3 * len(ids) {
		id := ids[w%len(ids)]
		wg.Go(func() {
			tx, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "once", ExternalID: "event-1"})
			answers <- answer{id, tx, err}
		})
	}
	wg.Wait()
	close(answers)
	var grants []Transaction
	gdb.Where("kind = ? AND idem = ?", Earn, "once/event-1").Find(&grants)
	if len(grants) != 1 {
		t.Fatalf("%d grants of one external_id, want 1", len(grants))
	}
	winner := grants[0]
	for a := range answers {
		switch {
		case a.resident == winner.ResidentID && (a.err != nil || a.tx.ID != winner.ID):
			t.Errorf("winner's attempt: tx=%+v err=%v, want grant %d", a.tx, a.err, winner.ID)
		case a.resident != winner.ResidentID && !errors.Is(a.err, ErrExternalIDTaken):
			t.Errorf("resident %d: tx=%+v err=%v, want ErrExternalIDTaken", a.resident, a.tx, a.err)
		}
	}
	var refusals int64
	gdb.Table("point_award_refusals").Count(&refusals)
	if refusals != 0 {
		t.Fatalf("%d refusals recorded, want none", refusals)
	}
	mustReconcile(t, s)
}
