package enterprises

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/notify"
)

func TestDiffFactors(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f := func(id int64, expires time.Time) Factor { return Factor{ID: id, ExpiresAt: expires} }
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	for name, tc := range map[string]struct {
		prev, next []Factor
		added      []int64
		removed    []int64
		removedWhy []string
	}{
		"None":          {nil, nil, nil, nil, nil},
		"Same":          {[]Factor{f(1, later)}, []Factor{f(1, later)}, nil, nil, nil},
		"Added":         {[]Factor{f(1, later)}, []Factor{f(1, later), f(2, later)}, []int64{2}, nil, nil},
		"Expired":       {[]Factor{f(1, now), f(2, later)}, []Factor{f(2, later)}, nil, []int64{1}, []string{"公示期满"}},
		"ExpiredBefore": {[]Factor{f(1, earlier)}, nil, nil, []int64{1}, []string{"公示期满"}},
		"Revoked":       {[]Factor{f(1, later)}, nil, nil, []int64{1}, []string{"异议成立，已撤销"}},
		"Both":          {[]Factor{f(1, later), f(3, now)}, []Factor{f(2, later)}, []int64{2}, []int64{1, 3}, []string{"异议成立，已撤销", "公示期满"}},
	} {
		t.Run(name, func(t *testing.T) {
			added, removed := diffFactors(tc.prev, tc.next, now)
			var a, r []int64
			var why []string
			for _, x := range added {
				a = append(a, x.ID)
			}
			for _, x := range removed {
				r, why = append(r, x.ID), append(why, x.Why)
			}
			if !slices.Equal(a, tc.added) || !slices.Equal(r, tc.removed) || !slices.Equal(why, tc.removedWhy) {
				t.Fatalf("added %v, removed %v %v; want %v, %v %v", a, r, why, tc.added, tc.removed, tc.removedWhy)
			}
		})
	}
}

// TestDueProcessTexts: the texts name the enterprise by its code, the
// record by its kind and dates, the grades and what to do, and never quote
// what staff wrote: the enterprise's name, a case reference, a note.
func TestDueProcessTexts(t *testing.T) {
	dept := int64(3)
	e := &Enterprise{Name: "深圳市福田区某某科技有限公司", USCC: "91440304MA5000001D"}
	occurred := time.Date(2026, 2, 27, 16, 30, 0, 0, time.UTC) // 2026-02-28 in the district
	rec := &CreditRecord{ID: 7, Kind: KindPenalty, Severity: General, CaseRef: "深福监罚〔2026〕12号", Note: "内部备注：勿外传",
		OccurredAt: occurred, ExpiresAt: occurred.Add(year), DepartmentID: &dept}
	n := creditNotice(e, rec)
	for _, want := range []string{e.USCC, "行政处罚（一般）", "2026-02-28", "扣 15 分", "提出异议"} {
		if !strings.Contains(n.Title+n.Body, want) {
			t.Errorf("credit notice lacks %q: %s / %s", want, n.Title, n.Body)
		}
	}
	for _, staffText := range []string{e.Name, rec.CaseRef, rec.Note} {
		if strings.Contains(n.Title+n.Body, staffText) {
			t.Errorf("credit notice quotes %q: %s / %s", staffText, n.Title, n.Body)
		}
	}
	if n.Kind != notify.KindCreditRecorded || n.Source != "enterprise-credit:7" || n.DepartmentID != &dept ||
		n.Data["uscc"] != e.USCC || n.Data["date"] != "2026-02-28" || *n.Target != (notify.Target{Type: "enterprise", ID: e.USCC}) {
		t.Errorf("credit notice %+v", n)
	}

	now := occurred.Add(time.Hour)
	prev := &Rating{Grade: "B", Score: 85, Factors: []Factor{{ID: 1, Reason: "纳税信用A级（轻微），加 3 分", ExpiresAt: now}}}
	next := &Rating{ID: 9, Grade: "C", Score: 70, RatedAt: now, ModelVersion: ModelVersion,
		Factors: []Factor{{ID: 7, Reason: "行政处罚（一般），文号 深福监罚〔2026〕12号，扣 15 分", ExpiresAt: now.Add(year)}}}
	g := gradeNotice(e, prev, next)
	for _, want := range []string{"由 B 级变为 C 级", "B 级（85 分）变为 C 级（70 分）", "新计入 1 条信用记录", "1 条记录不再计入"} {
		if !strings.Contains(g.Title+g.Body, want) {
			t.Errorf("grade notice lacks %q: %s / %s", want, g.Title, g.Body)
		}
	}
	if g.Kind != notify.KindGradeChanged || g.Source != "enterprise-grade:9" || g.Data["old_grade"] != "B" || g.Data["new_grade"] != "C" {
		t.Errorf("grade notice %+v", g)
	}
	if strings.Contains(g.Title+g.Body, "深福监罚") || strings.Contains(g.Title+g.Body, e.Name) {
		t.Errorf("grade notice quotes a record's case or the name: %s / %s", g.Title, g.Body)
	}
	// Records are counted, never named (their reasons quote case references).
	for i := range 8 {
		next.Factors = append(next.Factors, Factor{ID: int64(100 + i), Reason: "投诉"})
	}
	if g := gradeNotice(e, prev, next); !strings.Contains(g.Body, "新计入 9 条") || strings.Contains(g.Body, "投诉") {
		t.Errorf("long grade notice: %s", g.Body)
	}

	o := &Objection{ID: 5, CreatedAt: now}
	for approve, want := range map[bool]string{true: "异议成立", false: "异议不成立"} {
		n := objectionNotice(e, o, rec, approve)
		if !strings.Contains(n.Title, want) || !strings.Contains(n.Body, want) || n.Data["result"] != want ||
			n.Source != "enterprise-objection:5" || n.Kind != notify.KindObjectionDecided || strings.Contains(n.Body, rec.Note) {
			t.Errorf("objection notice (approve %v): %+v", approve, n)
		}
	}
}

// TestDueProcessNotices: the members are told of a new record, of a grade
// change (not of a re-rating that keeps the grade, nor of a repeated
// record), and of an objection's decision; the objector too.
func TestDueProcessNotices(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enterprise(1, "软件", "华富街道")
	m1, m2 := f.member(e), f.member(e)
	members := []int64{m1, m2}
	sources := func(kind notify.SystemKind) []string {
		var out []string
		for _, n := range f.n.of(kind) {
			if !slices.Equal(n.ResidentIDs, members) {
				t.Fatalf("%s went to %v, want %v", n.Source, n.ResidentIDs, members)
			}
			out = append(out, n.Source)
		}
		return out
	}
	f.record(e, KindComplaint, Minor, f.now.Add(-time.Hour)) // 83: still B
	if got := sources(notify.KindCreditRecorded); len(got) != 1 {
		t.Fatalf("credit notices %v", got)
	}
	if got := sources(notify.KindGradeChanged); len(got) != 0 {
		t.Fatalf("a re-rating keeping B told %v", got)
	}
	penalty := NewCreditRecord{USCC: e.USCC, Kind: KindPenalty, Severity: General, OccurredAt: f.now.Add(-time.Hour), CaseRef: "深福罚〔2026〕1号"}
	r, created, err := f.s.Record(ctx, f.admin, penalty) // 68: C
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if _, created, err := f.s.Record(ctx, f.admin, penalty); err != nil || created { // a repeat tells nothing
		t.Fatal(created, err)
	}
	if got := sources(notify.KindCreditRecorded); len(got) != 2 {
		t.Fatalf("credit notices %v", got)
	}
	grades := f.n.of(notify.KindGradeChanged)
	if len(grades) != 1 || grades[0].Data["old_grade"] != "B" || grades[0].Data["new_grade"] != "C" {
		t.Fatalf("grade notices %+v", grades)
	}

	// An upheld objection: its decision, and the grade back to B.
	stranger := f.resident()
	objector := f.member(e)
	members = []int64{m1, m2, objector}
	o, err := f.s.Object(ctx, objector, e.USCC, r.ID, "已缴清")
	if err != nil {
		t.Fatal(err)
	}
	// The objector leaves the enterprise before the decision: told all the same.
	if err := f.db.Exec("UPDATE enterprise_bindings SET status = 'rejected' WHERE resident_id = ?", objector).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.DecideObjection(ctx, f.admin, o.ID, true, "已核实"); err != nil {
		t.Fatal(err)
	}
	decided := f.n.of(notify.KindObjectionDecided)
	if len(decided) != 1 || !slices.Equal(decided[0].ResidentIDs, []int64{m1, m2, objector}) || decided[0].Data["result"] != "异议成立" {
		t.Fatalf("objection notices %+v", decided)
	}
	grades = f.n.of(notify.KindGradeChanged)
	if len(grades) != 2 || grades[1].Data["new_grade"] != "B" || !strings.Contains(grades[1].Body, "1 条记录不再计入") {
		t.Fatalf("grade notices %+v", grades)
	}
	for _, n := range f.n.notices() {
		if slices.Contains(n.ResidentIDs, stranger) {
			t.Fatalf("a stranger was told %s", n.Source)
		}
	}

	// An expiry that moves the grade is told by the worker's re-rating.
	f.record(e, KindHonor, General, f.now.Add(-time.Hour)) // 83 + 5 = 88: B
	short, _, err := f.s.Record(ctx, f.admin, NewCreditRecord{USCC: e.USCC, Kind: KindHonor, Severity: Minor,
		OccurredAt: f.now.Add(-time.Hour), ExpiresAt: f.now.Add(24 * time.Hour)}) // 90: A
	if err != nil {
		t.Fatal(err)
	}
	f.now = short.ExpiresAt
	if n, err := f.s.RerateDue(ctx); err != nil || n != 1 {
		t.Fatalf("re-rated %d, %v", n, err)
	}
	grades = f.n.of(notify.KindGradeChanged)
	if len(grades) != 4 || grades[2].Data["new_grade"] != "A" || grades[3].Data["old_grade"] != "A" || grades[3].Data["new_grade"] != "B" ||
		!strings.Contains(grades[3].Body, "1 条记录不再计入") {
		t.Fatalf("grade notices %+v", grades[2:])
	}
}
