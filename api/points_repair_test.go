package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// repairWorld is a department with a repairable deduction rule whose quiz
// tag has questions (every right answer is 乙), a points officer and an
// editor of it.
type repairWorld struct {
	*env
	officer, editor string
}

const repairTag = "道路交通安全法"

func newRepairWorld(t *testing.T) *repairWorld {
	w := &repairWorld{env: newEnv(t)}
	w.officer, _ = w.staffer([]staff.Role{staff.PointsOfficer})
	w.editor, _ = w.staffer([]staff.Role{staff.Editor})
	qs := make([]map[string]any, 4)
	for i := range qs {
		qs[i] = map[string]any{"type": "single", "stem": "交通题" + strconv.Itoa(i), "options": []string{"甲", "乙", "丙"},
			"answer": []string{"乙"}, "tags": []string{repairTag}}
	}
	w.bankQuestions(w.editor, qs...)
	wantStatus(t, w.do("POST", "/api/v1/admin/points/rules", w.officer, map[string]any{
		"code": "bike_parking", "name": "违规停放共享单车", "points": 10, "kind": "deduct",
		"repair": map[string]any{"repairable": true, "tag": repairTag, "questions": 3, "pass_score": 80, "share_percent": 50},
	}), http.StatusCreated)
	wantStatus(t, w.do("POST", "/api/v1/admin/points/rules", w.officer, map[string]any{
		"code": "no_repair", "name": "不可修复", "points": 10, "kind": "deduct",
	}), http.StatusCreated)
	return w
}

type repairJSON struct {
	Status     string  `json:"status"`
	Available  bool    `json:"available"`
	Points     int64   `json:"points"`
	Restored   int64   `json:"restored"`
	AttemptID  *string `json:"attempt_id"`
	RepairedAt *string `json:"repaired_at"`
	Deadline   string  `json:"deadline"`
}

// deduct records a deduction of points under rule and returns its ID.
func (w *repairWorld) deduct(rid int64, points int, rule, caseRef string) (string, *repairJSON) {
	w.t.Helper()
	rec := w.do("POST", "/api/v1/admin/points/deductions", w.officer, map[string]any{
		"resident_id": strconv.FormatInt(rid, 10), "points": points, "case_ref": caseRef, "reason": "违规停放", "rule_code": rule,
	})
	wantStatus(w.t, rec, http.StatusCreated)
	var out struct {
		ID     string      `json:"id"`
		Repair *repairJSON `json:"repair"`
	}
	decode(w.t, rec, &out)
	return out.ID, out.Repair
}

// start starts the repair of deduction id and returns the attempt's ID
// and its question IDs.
func (w *repairWorld) start(tok, id string) (string, []string) {
	w.t.Helper()
	rec := w.do("POST", "/api/v1/points/deductions/"+id+"/repair", tok, nil)
	wantStatus(w.t, rec, http.StatusCreated)
	var out struct {
		Repair  repairJSON `json:"repair"`
		Attempt struct {
			AttemptID string `json:"attempt_id"`
			Questions []struct {
				ID string `json:"id"`
			} `json:"questions"`
		} `json:"attempt"`
	}
	decode(w.t, rec, &out)
	if out.Repair.Status != "started" || len(out.Attempt.Questions) != 3 {
		w.t.Fatalf("started repair: %s", rec.Body.String())
	}
	ids := make([]string, len(out.Attempt.Questions))
	for i, q := range out.Attempt.Questions {
		ids[i] = q.ID
	}
	return out.Attempt.AttemptID, ids
}

// answers answers every question right (乙), or wrong.
func answers(ids []string, right bool) map[string]any {
	a := map[string]any{}
	for _, id := range ids {
		if right {
			a[id] = []string{"乙"}
		} else {
			a[id] = []string{"甲"}
		}
	}
	return map[string]any{"answers": a}
}

// repairOf reads deduction id's repair from the resident's ledger.
func (w *repairWorld) repairOf(tok, id string) *repairJSON {
	w.t.Helper()
	rec := w.do("GET", "/api/v1/points/transactions?page_size=100", tok, nil)
	wantStatus(w.t, rec, http.StatusOK)
	var out struct {
		Items []struct {
			ID     string      `json:"id"`
			Kind   string      `json:"kind"`
			Repair *repairJSON `json:"repair"`
		} `json:"items"`
	}
	decode(w.t, rec, &out)
	for _, it := range out.Items {
		if it.ID == id {
			return it.Repair
		}
	}
	w.t.Fatalf("deduction %s not in the ledger", id)
	return nil
}

// ledger checks resident rid's invariants (balance = Σ ledger = Σ lots) and
// returns the balance and the sum of its repair transactions' points.
func (w *repairWorld) ledger(rid int64) (balance, repaired int64, repairs int64) {
	w.t.Helper()
	var sum, lots int64
	w.db.Raw("SELECT COALESCE(SUM(delta), 0) FROM point_transactions WHERE resident_id = ?", rid).Scan(&sum)
	w.db.Raw("SELECT COALESCE(SUM(remaining), 0) FROM point_lots WHERE resident_id = ?", rid).Scan(&lots)
	w.db.Raw("SELECT COALESCE(balance, 0) FROM point_accounts WHERE resident_id = ?", rid).Scan(&balance)
	w.db.Raw("SELECT COALESCE(SUM(delta), 0) FROM point_transactions WHERE resident_id = ? AND kind = 'repair'", rid).Scan(&repaired)
	w.db.Raw("SELECT COUNT(*) FROM point_transactions WHERE resident_id = ? AND kind = 'repair'", rid).Scan(&repairs)
	if sum != balance || lots != balance {
		w.t.Fatalf("resident %d: balance %d, ledger %d, lots %d", rid, balance, sum, lots)
	}
	return balance, repaired, repairs
}

// TestRepairResidentFlow: a deduction under a repairable rule tells the
// resident of the course in its fixed notice and shows it in the ledger;
// a failed quiz restores nothing, a passed one restores half once; then the
// course and an appeal are refused; an officer sees who repaired and when.
func TestRepairResidentFlow(t *testing.T) {
	w := newRepairWorld(t)
	tok, rid := w.residentOn("repairer", "华富街道")
	id, rp := w.deduct(rid, 9, "bike_parking", "深福交〔2026〕1号")
	if rp == nil || rp.Status != "none" || !rp.Available || rp.Points != 5 { // 9 × 50% = 4.5 → 5
		t.Fatalf("deduction's repair: %+v", rp)
	}
	// The fixed notice tells of the course with numbers only.
	var body string
	w.db.Raw("SELECT body FROM notices WHERE kind = ? ORDER BY id DESC LIMIT 1", string(notify.KindDeductionRecorded)).Scan(&body)
	if !strings.Contains(body, "学法修复") || !strings.Contains(body, "50%（5 分）") || strings.Contains(body, "深福交") || strings.Contains(body, "违规停放") {
		t.Fatalf("notice body: %s", body)
	}

	attempt, qids := w.start(tok, id)
	rec := w.do("POST", "/api/v1/attempts/"+attempt+"/submit", tok, answers(qids, false))
	wantStatus(t, rec, http.StatusOK)
	if r := w.repairOf(tok, id); r.Status != "started" || r.Restored != 0 || !r.Available {
		t.Fatalf("after a failed quiz: %+v", r)
	}
	balance, _, _ := w.ledger(rid)
	if balance != -9 {
		t.Fatalf("balance %d after a failed quiz, want -9", balance)
	}

	attempt, qids = w.start(tok, id)
	wantStatus(t, w.do("POST", "/api/v1/attempts/"+attempt+"/submit", tok, answers(qids, true)), http.StatusOK)
	r := w.repairOf(tok, id)
	if r.Status != "repaired" || r.Restored != 5 || r.Available || r.RepairedAt == nil || r.AttemptID == nil || *r.AttemptID != attempt {
		t.Fatalf("after passing: %+v", r)
	}
	if balance, restored, n := w.ledger(rid); balance != -4 || restored != 5 || n != 1 {
		t.Fatalf("balance %d, restored %d in %d transactions; want -4, 5, 1", balance, restored, n)
	}
	// The resident is told once, in a fixed text with numbers only.
	var told []string
	w.db.Table("notices").Where("kind = ?", string(notify.KindDeductionRepaired)).Pluck("body", &told)
	if len(told) != 1 || !strings.Contains(told[0], "编号 "+id) || !strings.Contains(told[0], "5 分已恢复") || strings.Contains(told[0], "深福交") {
		t.Fatalf("repaired notices: %q", told)
	}

	// Once: the course again, and an appeal for the same points, are refused.
	wantReason(t, w.do("POST", "/api/v1/points/deductions/"+id+"/repair", tok, nil), http.StatusConflict, "repaired")
	wantReason(t, w.do("POST", "/api/v1/points/appeals", tok, map[string]any{"transaction_id": id, "reason": "不服"}), http.StatusConflict, "repaired")

	// The officer's deductions show who repaired and when.
	rec = w.do("GET", "/api/v1/admin/points/deductions", w.officer, nil)
	wantStatus(t, rec, http.StatusOK)
	var list struct {
		Items []struct {
			ID       string      `json:"id"`
			RuleCode *string     `json:"rule_code"`
			Repair   *repairJSON `json:"repair"`
			Resident struct {
				ID string `json:"id"`
			} `json:"resident"`
		} `json:"items"`
	}
	decode(t, rec, &list)
	if len(list.Items) != 1 || list.Items[0].Repair == nil || list.Items[0].Repair.Status != "repaired" ||
		list.Items[0].Repair.RepairedAt == nil || list.Items[0].Resident.ID != strconv.FormatInt(rid, 10) ||
		list.Items[0].RuleCode == nil || *list.Items[0].RuleCode != "bike_parking" {
		t.Fatalf("officer's list: %s", rec.Body.String())
	}
}

func wantReason(t testing.TB, rec *httptest.ResponseRecorder, status int, reason string) {
	t.Helper()
	var body struct {
		Error struct {
			Details struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != status || body.Error.Details.Reason != reason {
		t.Fatalf("status %d reason %q, want %d %q: %s", rec.Code, body.Error.Details.Reason, status, reason, rec.Body.String())
	}
}

// TestRepairRefusals: a deduction without a repairable rule offers none;
// another resident's deduction is 404; an appeal pending blocks the course,
// a rejected one leaves it open, and an appeal still pending when the quiz
// is passed gives back only the rest.
func TestRepairRefusals(t *testing.T) {
	w := newRepairWorld(t)
	tok, rid := w.residentOn("refused", "华富街道")
	other, _ := w.residentOn("someone-else", "华富街道")
	plain, rp := w.deduct(rid, 10, "", "案-1")
	if rp != nil {
		t.Fatalf("a deduction without a rule has a repair: %+v", rp)
	}
	wantReason(t, w.do("POST", "/api/v1/points/deductions/"+plain+"/repair", tok, nil), http.StatusConflict, "not_repairable")
	closed, _ := w.deduct(rid, 10, "no_repair", "案-2")
	wantReason(t, w.do("POST", "/api/v1/points/deductions/"+closed+"/repair", tok, nil), http.StatusConflict, "not_repairable")
	id, _ := w.deduct(rid, 10, "bike_parking", "案-3")
	wantError(t, w.do("POST", "/api/v1/points/deductions/"+id+"/repair", other, nil), http.StatusNotFound, "not_found", "")
	wantError(t, w.do("POST", "/api/v1/points/deductions/"+id+"/repair", w.officer, nil), http.StatusForbidden, "permission_denied", "") // staff: residents only

	// An appeal pending: decide it first.
	rec := w.do("POST", "/api/v1/points/appeals", tok, map[string]any{"transaction_id": id, "reason": "不在现场"})
	wantStatus(t, rec, http.StatusCreated)
	var ap struct {
		ID string `json:"id"`
	}
	decode(t, rec, &ap)
	wantReason(t, w.do("POST", "/api/v1/points/deductions/"+id+"/repair", tok, nil), http.StatusConflict, "under_appeal")
	if r := w.repairOf(tok, id); r.Available {
		t.Fatalf("repair available under appeal: %+v", r)
	}
	wantStatus(t, w.do("POST", "/api/v1/admin/points/appeals/"+ap.ID+"/decide", w.officer, map[string]any{"approve": false, "note": "证据充分"}), http.StatusOK)
	attempt, qids := w.start(tok, id) // rejected: the course is open again

	// Another deduction: the course started, then an appeal, then the pass;
	// the appeal's approval gives back only what the repair did not.
	id2, _ := w.deduct(rid, 10, "bike_parking", "案-4")
	a2, q2 := w.start(tok, id2)
	rec = w.do("POST", "/api/v1/points/appeals", tok, map[string]any{"transaction_id": id2, "reason": "不服"})
	wantStatus(t, rec, http.StatusCreated)
	decode(t, rec, &ap)
	wantStatus(t, w.do("POST", "/api/v1/attempts/"+a2+"/submit", tok, answers(q2, true)), http.StatusOK)
	if r := w.repairOf(tok, id2); r.Status != "repaired" || r.Restored != 5 {
		t.Fatalf("repair passed under a pending appeal: %+v", r)
	}
	before, _, _ := w.ledger(rid)
	wantStatus(t, w.do("POST", "/api/v1/admin/points/appeals/"+ap.ID+"/decide", w.officer, map[string]any{"approve": true}), http.StatusOK)
	after, _, _ := w.ledger(rid)
	if after-before != 5 {
		t.Fatalf("the appeal gave back %d, want the 5 the repair did not", after-before)
	}
	// The first deduction's course still passes.
	wantStatus(t, w.do("POST", "/api/v1/attempts/"+attempt+"/submit", tok, answers(qids, true)), http.StatusOK)
	if r := w.repairOf(tok, id); r.Status != "repaired" {
		t.Fatalf("after a rejected appeal: %+v", r)
	}
}

// TestRepairRestoresOnce: many concurrent duplicate submits of one passing
// attempt, and passes of several attempts of the same deduction, restore
// the share once; the ledger holds.
func TestRepairRestoresOnce(t *testing.T) {
	w := newRepairWorld(t)
	tok, rid := w.residentOn("racer", "华富街道")
	id, _ := w.deduct(rid, 20, "bike_parking", "案-R")
	type started struct {
		id string
		qs []string
	}
	var atts []started
	for range 3 { // 3 attempts a day
		a, q := w.start(tok, id)
		atts = append(atts, started{a, q})
	}
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := atts[i%len(atts)]
			rec := w.do("POST", "/api/v1/attempts/"+a.id+"/submit", tok, answers(a.qs, true))
			if rec.Code != http.StatusOK && rec.Code != http.StatusServiceUnavailable {
				t.Errorf("submit: %d %s", rec.Code, rec.Body.String())
			}
		}()
	}
	// And the queue's workers, at the same time.
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := w.srv.Jobs.Work(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	w.runJobs()
	balance, restored, n := w.ledger(rid)
	if restored != 10 || n != 1 || balance != -10 {
		t.Fatalf("balance %d, restored %d in %d transactions; want -10, 10, 1", balance, restored, n)
	}
	if r := w.repairOf(tok, id); r.Status != "repaired" || r.Restored != 10 {
		t.Fatalf("repair: %+v", r)
	}
	var told int64
	w.db.Table("notices").Where("kind = ?", string(notify.KindDeductionRepaired)).Count(&told)
	if told != 1 {
		t.Fatalf("%d repaired notices, want 1", told)
	}
}

// TestRepairRuleInput: a repair course is checked on the rule (400 naming
// the field, nothing written) and only a deduction rule names a deduction.
func TestRepairRuleInput(t *testing.T) {
	w := newRepairWorld(t)
	_, rid := w.residentOn("input", "华富街道")
	rules, txs := w.count("point_rules"), w.count("point_transactions")
	for field, body := range map[string]map[string]any{
		"repair.tag": {"code": "r_a", "name": "甲", "points": 5, "kind": "deduct",
			"repair": map[string]any{"repairable": true, "questions": 3, "pass_score": 80, "share_percent": 50}},
		"repair.repairable": {"code": "r_b", "name": "乙", "points": 5,
			"repair": map[string]any{"repairable": true, "tag": repairTag, "questions": 3, "pass_score": 80, "share_percent": 50}},
		"repair.share_percent": {"code": "r_c", "name": "丙", "points": 5, "kind": "deduct",
			"repair": map[string]any{"repairable": true, "tag": repairTag, "questions": 3, "pass_score": 80, "share_percent": 101}},
		"kind": {"code": "r_d", "name": "丁", "points": 5, "kind": "fine"},
	} {
		wantError(t, w.do("POST", "/api/v1/admin/points/rules", w.officer, body), http.StatusBadRequest, "invalid_argument", field)
	}
	// A rule's kind is fixed.
	wantError(t, w.do("POST", "/api/v1/admin/points/rules", w.officer, map[string]any{"code": "bike_parking", "name": "x", "points": 5}),
		http.StatusBadRequest, "invalid_argument", "kind")
	// An earning rule names no deduction; a deduction rule awards nothing.
	wantStatus(t, w.do("POST", "/api/v1/admin/points/rules", w.officer, map[string]any{"code": "earn_one", "name": "志愿", "points": 5}), http.StatusCreated)
	rules++
	wantError(t, w.do("POST", "/api/v1/admin/points/deductions", w.officer, map[string]any{
		"resident_id": strconv.FormatInt(rid, 10), "points": 5, "case_ref": "案-E", "reason": "x", "rule_code": "earn_one",
	}), http.StatusBadRequest, "invalid_argument", "rule_code")
	wantError(t, w.do("POST", "/api/v1/admin/points/deductions", w.officer, map[string]any{
		"resident_id": strconv.FormatInt(rid, 10), "points": 5, "case_ref": "案-F", "reason": "x", "rule_code": "nope",
	}), http.StatusBadRequest, "invalid_argument", "rule_code")
	wantError(t, w.do("POST", "/api/v1/admin/points/awards", w.officer, map[string]any{
		"resident_id": strconv.FormatInt(rid, 10), "rule_code": "bike_parking", "external_id": "x-1",
	}), http.StatusBadRequest, "invalid_argument", "rule_code")
	if w.count("point_rules") != rules || w.count("point_transactions") != txs {
		t.Fatal("a refused input wrote something")
	}
	// A repair course is patched whole; the patch is checked too.
	var ruleID string
	w.db.Raw("SELECT id FROM point_rules WHERE code = 'no_repair'").Scan(&ruleID)
	wantError(t, w.do("PATCH", "/api/v1/admin/points/rules/"+ruleID, w.officer, map[string]any{
		"repair": map[string]any{"repairable": true, "tag": "", "questions": 3, "pass_score": 80, "share_percent": 50},
	}), http.StatusBadRequest, "invalid_argument", "repair.tag")
	rec := w.do("PATCH", "/api/v1/admin/points/rules/"+ruleID, w.officer, map[string]any{
		"repair": map[string]any{"repairable": true, "tag": repairTag, "questions": 2, "pass_score": 60, "share_percent": 30},
	})
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"share_percent":30`) {
		t.Fatalf("patched rule: %s", rec.Body.String())
	}
}

// TestRepairAudience: an audience selects residents with a deduction under
// given rules (not reversed by an upheld appeal), within a window.
func TestRepairAudience(t *testing.T) {
	w := newRepairWorld(t)
	_, a := w.residentOn("aud-a", "华富街道")
	_, b := w.residentOn("aud-b", "华富街道")
	_, c := w.residentOn("aud-c", "华富街道")
	w.deduct(a, 5, "bike_parking", "案-A")
	w.deduct(b, 5, "no_repair", "案-B")
	w.deduct(c, 5, "", "案-C")
	ctx := context.Background()
	count := func(aud notify.Audience) int64 {
		n, err := w.notify.CountAudience(ctx, aud)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	days := 30
	if n := count(notify.Audience{DeductedUnderRules: []string{"bike_parking"}}); n != 1 {
		t.Fatalf("bike_parking: %d, want 1", n)
	}
	if n := count(notify.Audience{DeductedUnderRules: []string{"bike_parking", "no_repair"}, DeductedWithinDays: &days}); n != 2 {
		t.Fatalf("both rules: %d, want 2", n)
	}
	if n := count(notify.Audience{DeductedUnderRules: []string{"bike_parking"}, Streets: []string{"福田街道"}}); n != 0 {
		t.Fatalf("another street: %d, want 0", n)
	}
	// Recorded 40 days ago: outside a 30-day window.
	w.db.Exec("UPDATE point_transactions SET created_at = ? WHERE resident_id = ?", time.Now().Add(-40*24*time.Hour).UTC(), a)
	if n := count(notify.Audience{DeductedUnderRules: []string{"bike_parking"}, DeductedWithinDays: &days}); n != 0 {
		t.Fatalf("outside the window: %d, want 0", n)
	}
	// Through the API: a bad code names the field; a good one previews.
	editor := w.editor
	wantError(t, w.do("POST", previewPath, editor, map[string]any{"audience": map[string]any{"deducted_under_rules": []string{"Bad Code"}}}),
		http.StatusBadRequest, "invalid_argument", "audience.deducted_under_rules")
	wantError(t, w.do("POST", previewPath, editor, map[string]any{"audience": map[string]any{"deducted_within_days": 5}}),
		http.StatusBadRequest, "invalid_argument", "audience.deducted_within_days")
	wantError(t, w.do("POST", previewPath, editor, map[string]any{"audience": map[string]any{"deducted_under_rules": []string{"no_repair"}, "resident_ids": []string{"1"}}}),
		http.StatusBadRequest, "invalid_argument", "audience.resident_ids")
	wantStatus(t, w.do("POST", previewPath, editor, map[string]any{"audience": map[string]any{"deducted_under_rules": []string{"no_repair"}}}), http.StatusOK)
}

// TestRepairStats: the statistics count repairs by month, department and
// rule, leave out rows of fewer than five people, refuse bad months naming
// the field, are refused to roles without stats.repairs and show another
// department's member nothing.
func TestRepairStats(t *testing.T) {
	w := newRepairWorld(t)
	month := time.Now().In(district.Zone).Format("2006-01")
	q := "/api/v1/admin/stats/repairs?from=" + month + "&to=" + month
	repairN := func(prefix string, n int, rule string) {
		for i := range n {
			tok, rid := w.residentOn(prefix+strconv.Itoa(i), "华富街道")
			id, _ := w.deduct(rid, 10, rule, prefix+"-案")
			a, qs := w.start(tok, id)
			wantStatus(t, w.do("POST", "/api/v1/attempts/"+a+"/submit", tok, answers(qs, true)), http.StatusOK)
		}
	}
	repairN("five", 5, "bike_parking")
	w.db.Exec("UPDATE point_rules SET repair_repairable = 1, repair_tag = ?, repair_questions = 3, repair_pass_score = 80, repair_share_percent = 50 WHERE code = 'no_repair'", repairTag)
	time.Sleep(2100 * time.Millisecond) // the rule cache (2 s) of this process; not a timing assertion
	repairN("four", 4, "no_repair")
	admin, _ := w.staffer([]staff.Role{staff.DeptAdmin})
	rec := w.do("GET", q, admin, nil)
	wantStatus(t, rec, http.StatusOK)
	var out struct {
		Items []struct {
			Month           string `json:"month"`
			Subject         string `json:"subject"`
			Rule            string `json:"rule"`
			Started         int64  `json:"started"`
			Completed       int64  `json:"completed"`
			PointsRestored  int64  `json:"points_restored"`
			RecordsRepaired int64  `json:"records_repaired"`
		} `json:"items"`
	}
	decode(t, rec, &out)
	if len(out.Items) != 1 || out.Items[0].Rule != "bike_parking" || out.Items[0].Started != 5 || out.Items[0].Completed != 5 ||
		out.Items[0].PointsRestored != 25 || out.Items[0].RecordsRepaired != 5 || out.Items[0].Subject != "points" || out.Items[0].Month != month {
		t.Fatalf("stats (the four people's row left out): %s", rec.Body.String())
	}
	// Bad months name the field; nothing else is answered.
	wantError(t, w.do("GET", "/api/v1/admin/stats/repairs?from=2026-13&to="+month, admin, nil), http.StatusBadRequest, "invalid_argument", "from")
	wantError(t, w.do("GET", "/api/v1/admin/stats/repairs?from="+month+"&to=2020-01", admin, nil), http.StatusBadRequest, "invalid_argument", "to")
	wantError(t, w.do("GET", "/api/v1/admin/stats/repairs?to="+month, admin, nil), http.StatusBadRequest, "invalid_argument", "from")
	// A role without stats.repairs.
	wantError(t, w.do("GET", q, w.editor, nil), http.StatusForbidden, "permission_denied", "")
	// Another department's admin and a member of X on another street see no row.
	dept := w.env.dept
	w.env.dept = w.otherDepartment()
	otherAdmin, _ := w.staffer([]staff.Role{staff.DeptAdmin})
	w.env.dept = dept
	streetAdmin, _ := w.staffer([]staff.Role{staff.DeptAdmin}, "福田街道")
	for _, tok := range []string{otherAdmin, streetAdmin} {
		rec := w.do("GET", q, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), "bike_parking") {
			t.Fatalf("out of scope: %s", rec.Body.String())
		}
	}
}

// TestRepairAudienceRulesInScope: an audience may name only deduction rules
// of the caller's own department (or district-wide ones): who was deducted
// under another department's rule is not theirs to select, count or message.
// An unknown rule names the field. Nothing is written on refusal.
func TestRepairAudienceRulesInScope(t *testing.T) {
	w := newRepairWorld(t)
	_, a := w.residentOn("aud-scope", "华富街道")
	w.deduct(a, 5, "bike_parking", "案-S")
	other := w.otherDepartment()
	outsider, _ := w.stafferIn(&other, []staff.Role{staff.Editor})
	aud := map[string]any{"deducted_under_rules": []string{"bike_parking"}}
	notices, surveys := w.count("notices"), w.count("surveys")

	wantError(t, w.do("POST", previewPath, outsider, map[string]any{"audience": aud}),
		http.StatusForbidden, "permission_denied", "audience.deducted_under_rules")
	wantError(t, w.do("POST", "/api/v1/admin/notices", outsider, map[string]any{"title": "通知", "body": "正文", "category": "policy", "audience": aud}),
		http.StatusForbidden, "permission_denied", "audience.deducted_under_rules")
	wantError(t, w.do("POST", "/api/v1/admin/surveys", outsider, map[string]any{"kind": "questionnaire", "title": "问卷", "audience": aud,
		"questions": []any{map[string]any{"type": "judge", "stem": "满意吗？"}}}),
		http.StatusForbidden, "permission_denied", "audience.deducted_under_rules")
	wantError(t, w.do("POST", previewPath, w.editor, map[string]any{"audience": map[string]any{"deducted_under_rules": []string{"no_such_rule"}}}),
		http.StatusBadRequest, "invalid_argument", "audience.deducted_under_rules")
	if w.count("notices") != notices || w.count("surveys") != surveys {
		t.Fatal("a refused audience wrote something")
	}

	// The rule's own department may; so may a superadmin.
	wantStatus(t, w.do("POST", previewPath, w.editor, map[string]any{"audience": aud}), http.StatusOK)
	super, _ := w.staffer([]staff.Role{staff.Superadmin})
	wantStatus(t, w.do("POST", previewPath, super, map[string]any{"audience": aud}), http.StatusOK)
	wantStatus(t, w.do("POST", "/api/v1/admin/notices", w.editor, map[string]any{"title": "通知", "body": "正文", "category": "policy", "audience": aud}),
		http.StatusCreated)
}
