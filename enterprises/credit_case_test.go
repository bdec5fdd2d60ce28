package enterprises

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestDecideRecord(t *testing.T) {
	occ := time.Date(2026, 2, 1, 8, 0, 0, 123456000, time.UTC)
	d1, d2 := int64(1), int64(2)
	prev := &CreditRecord{Kind: KindPenalty, Severity: General, OccurredAt: occ, ExpiresAt: occ.AddDate(1, 0, 0), CaseRef: "罚〔2026〕1号", Note: "n", DepartmentID: &d1}
	same := NewCreditRecord{Kind: KindPenalty, Severity: General, OccurredAt: occ, ExpiresAt: occ.AddDate(1, 0, 0), CaseRef: "罚〔2026〕1号", Note: "n"}
	district := *prev
	district.DepartmentID = nil
	for _, tc := range []struct {
		name string
		prev *CreditRecord
		n    func(*NewCreditRecord)
		dept *int64
		want caseOutcome
	}{
		{"NoCase", nil, func(*NewCreditRecord) {}, &d1, caseNew},
		{"Repeat", prev, func(*NewCreditRecord) {}, &d1, caseRepeat},
		{"RepeatOtherZone", prev, func(n *NewCreditRecord) { n.OccurredAt = occ.In(time.FixedZone("CST", 8*3600)) }, &d1, caseRepeat},
		{"RepeatDistrict", &district, func(*NewCreditRecord) {}, nil, caseRepeat},
		{"Severity", prev, func(n *NewCreditRecord) { n.Severity = Serious }, &d1, caseConflict},
		{"Occurred", prev, func(n *NewCreditRecord) { n.OccurredAt = occ.Add(time.Microsecond) }, &d1, caseConflict},
		{"Expires", prev, func(n *NewCreditRecord) { n.ExpiresAt = occ.AddDate(0, 6, 0) }, &d1, caseConflict},
		{"Note", prev, func(n *NewCreditRecord) { n.Note = "m" }, &d1, caseConflict},
		{"OtherDepartment", prev, func(*NewCreditRecord) {}, &d2, caseConflict},
		{"DistrictAfterDepartment", prev, func(*NewCreditRecord) {}, nil, caseConflict},
		{"DepartmentAfterDistrict", &district, func(*NewCreditRecord) {}, &d1, caseConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := same
			tc.n(&n)
			if got := decideRecord(tc.prev, n, tc.dept); got != tc.want {
				t.Fatalf("decideRecord=%v, want %v", got, tc.want)
			}
		})
	}
}

// TestRecordCaseConcurrent: many writers of one case at once, some with
// other content, leave one record counted once; every same-content writer
// gets that record, every other one ErrCaseConflict.
func TestRecordCaseConcurrent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enterprise(1, "", "华富街道")
	occ := f.now.Add(-time.Hour)
	const n = 24
	type outcome struct {
		id       int64
		created  bool
		conflict bool
	}
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sev := General
			if i%4 == 3 {
				sev = Serious
			}
			r, created, err := f.s.Record(ctx, f.admin, NewCreditRecord{USCC: e.USCC, Kind: KindPenalty, Severity: sev, OccurredAt: occ, CaseRef: "深福罚〔2026〕7号"})
			switch {
			case errors.Is(err, ErrCaseConflict):
				out[i].conflict = true
			case err != nil:
				t.Error(err)
			default:
				out[i] = outcome{id: r.ID, created: created}
			}
		})
	}
	wg.Wait()
	var recs []CreditRecord
	f.db.Where("enterprise_id = ?", e.ID).Find(&recs)
	if len(recs) != 1 {
		t.Fatalf("records=%d, want 1", len(recs))
	}
	created := 0
	for i, o := range out {
		switch {
		case o.created:
			created++
		case o.conflict:
			if (recs[0].Severity == General) != (i%4 == 3) {
				t.Fatalf("writer %d refused, but its record is the one kept (%s)", i, recs[0].Severity)
			}
			continue
		}
		if o.id != recs[0].ID {
			t.Fatalf("writer %d got record %d, want %d", i, o.id, recs[0].ID)
		}
	}
	if created != 1 {
		t.Fatalf("created=%d, want 1", created)
	}
	var ratings int64
	f.db.Model(&Rating{}).Where("enterprise_id = ? AND cause = ?", e.ID, CauseRecord).Count(&ratings)
	cur, _ := f.s.current(ctx, e.ID)
	if ratings != 1 || len(cur.Factors) != 1 {
		t.Fatalf("ratings for the record=%d, factors=%d; want 1 and 1", ratings, len(cur.Factors))
	}
}
