package api

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/futian/ifutian/staff"
)

// creditRepairWorld is an enterprise of 华富街道 with a bound member, two
// credit records of the officer's department (a serious complaint and a
// minor penalty: 85 − 10 − 5 = 70, grade C) and the department's course
// for penalties: a one-question quiz passed at 80.
type creditRepairWorld struct {
	*env
	officer, member, stranger, editor string
	uscc, serious, minor, quiz        string
}

func newCreditRepairWorld(t *testing.T) *creditRepairWorld {
	e := newEnv(t)
	w := &creditRepairWorld{env: e, officer: e.officer()}
	w.uscc = e.registerEnterprise(w.officer, 1, "餐饮业")
	w.member, _ = e.residentOn("repair-member", "华富街道")
	w.stranger, _ = e.residentOn("repair-stranger", "华富街道")
	e.bind(w.officer, w.member, w.uscc)
	w.serious = e.credit(w.officer, w.uscc, "complaint", "serious")
	w.minor = e.credit(w.officer, w.uscc, "penalty", "minor")
	w.editor, _ = e.staffer([]staff.Role{staff.Editor})
	rec := e.do("POST", "/api/v1/admin/questions", w.editor, []any{
		map[string]any{"type": "judge", "stem": "食品经营者应当保持经营场所清洁卫生。", "answer": []string{"对"}, "tags": []string{"食品安全"}},
	})
	wantStatus(t, rec, http.StatusCreated)
	var qs struct{ Items []idBody }
	decode(t, rec, &qs)
	w.quiz = e.createPublished(w.editor, map[string]any{"kind": "quiz", "title": "食品安全法学习", "questions": []string{qs.Items[0].ID},
		"audience": map[string]any{"streets": []string{"华富街道"}}, "attempts_per_day": 5})
	wantStatus(t, e.do("PUT", "/api/v1/admin/credit-repair-courses", w.officer,
		map[string]any{"kind": "penalty", "survey_id": w.quiz, "pass_score": 80}), http.StatusCreated)
	return w
}

// attempt takes the quiz as tok, answering right or wrong, and returns the
// attempt's ID.
func (w *creditRepairWorld) attempt(tok string, right bool) string {
	w.t.Helper()
	rec := w.do("POST", "/api/v1/surveys/"+w.quiz+"/attempts", tok, nil)
	wantStatus(w.t, rec, http.StatusCreated)
	var at struct {
		AttemptID string `json:"attempt_id"`
		Questions []struct{ ID string }
	}
	decode(w.t, rec, &at)
	answer := "对"
	if !right {
		answer = "错"
	}
	wantStatus(w.t, w.do("POST", "/api/v1/attempts/"+at.AttemptID+"/submit", tok,
		map[string]any{"answers": map[string][]string{at.Questions[0].ID: {answer}}}), http.StatusOK)
	return at.AttemptID
}

type repairView struct {
	RecordID          string `json:"record_id"`
	Kind              string
	Repairable        bool
	Block             string
	Status            string
	NextStep          string  `json:"next_step"`
	SurveyID          *string `json:"survey_id"`
	RepairedAt        *string `json:"repaired_at"`
	OriginalExpiresAt *string `json:"original_expires_at"`
	Repair            *struct{ ID string }
}

func (w *creditRepairWorld) count(table string) int64 {
	var n int64
	if err := w.db.Table(table).Count(&n).Error; err != nil {
		w.t.Fatal(err)
	}
	return n
}

func TestCreditRepairAPI(t *testing.T) {
	w := newCreditRepairWorld(t)
	base := "/api/v1/enterprises/" + w.uscc
	start := base + "/records/" + w.minor + "/repair"

	t.Run("MemberSeesWhatToDo", func(t *testing.T) {
		rec := w.do("GET", base+"/repairs", w.member, nil)
		wantStatus(t, rec, http.StatusOK)
		var got struct{ Items []repairView }
		decode(t, rec, &got)
		if len(got.Items) != 2 || got.Items[0].Block != "serious" || got.Items[0].Repairable ||
			!got.Items[1].Repairable || got.Items[1].Status != "none" || *got.Items[1].SurveyID != w.quiz || got.Items[1].NextStep == "" {
			t.Fatalf("repairs %+v", got.Items)
		}
		wantError(t, w.do("GET", base+"/repairs", w.stranger, nil), http.StatusForbidden, "permission_denied", "")
	})
	passed := w.attempt(w.member, true)
	t.Run("ErrNotMember", func(t *testing.T) {
		wantError(t, w.do("POST", start, w.stranger, map[string]string{"attempt_id": passed}), http.StatusForbidden, "permission_denied", "")
		wantError(t, w.do("POST", start, w.officer, map[string]string{"attempt_id": passed}), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		wantError(t, w.do("POST", start, w.member, map[string]string{"attempt_id": "abc"}), http.StatusBadRequest, "invalid_argument", "attempt_id")
		wantError(t, w.do("POST", start, w.member, map[string]string{"attempt_id": w.attempt(w.member, false)}), http.StatusBadRequest, "invalid_argument", "attempt_id")
		wantError(t, w.do("POST", base+"/records/"+w.serious+"/repair", w.member, map[string]string{"attempt_id": passed}), http.StatusBadRequest, "invalid_argument", "record_id")
		wantError(t, w.do("PUT", start+"/commitment", w.member, map[string]string{"text": " "}), http.StatusBadRequest, "invalid_argument", "text")
		if n := w.count("credit_repairs"); n != 0 {
			t.Fatalf("%d repairs written", n)
		}
		wantError(t, w.do("PUT", start+"/commitment", w.member, map[string]string{"text": "承诺"}), http.StatusConflict, "conflict", "")
	})
	t.Run("DuplicateStartsMakeOne", func(t *testing.T) {
		var wg sync.WaitGroup
		codes := make(chan int, 6)
		for range 6 {
			wg.Go(func() { codes <- w.do("POST", start, w.member, map[string]string{"attempt_id": passed}).Code })
		}
		wg.Wait()
		close(codes)
		made := 0
		for c := range codes {
			switch c {
			case http.StatusCreated:
				made++
			case http.StatusOK:
			default:
				t.Errorf("status %d", c)
			}
		}
		if n := w.count("credit_repairs"); made != 1 || n != 1 {
			t.Fatalf("created %d, rows %d", made, n)
		}
	})
	rec := w.do("PUT", start+"/commitment", w.member, map[string]string{"text": "本企业已完成整改，承诺今后严格遵守食品安全法律法规。"})
	wantStatus(t, rec, http.StatusOK)
	var v repairView
	decode(t, rec, &v)
	if v.Status != "submitted" || v.Repair == nil {
		t.Fatalf("after commitment %+v", v)
	}
	id := v.Repair.ID
	t.Run("OfficerOutOfScope", func(t *testing.T) {
		deptY := w.otherDepartment()
		other, _ := w.stafferIn(&deptY, []staff.Role{staff.CreditOfficer})
		wantError(t, w.do("GET", "/api/v1/admin/credit-repairs/"+id, other, nil), http.StatusNotFound, "not_found", "")
		wantError(t, w.do("POST", "/api/v1/admin/credit-repairs/"+id+"/decide", other, map[string]any{"approve": true, "reason": "好"}), http.StatusNotFound, "not_found", "")
		rec := w.do("GET", "/api/v1/admin/credit-repairs", other, nil)
		wantStatus(t, rec, http.StatusOK)
		var page struct{ Items []any }
		decode(t, rec, &page)
		if len(page.Items) != 0 {
			t.Fatalf("other department lists %v", page.Items)
		}
		wantError(t, w.do("GET", "/api/v1/admin/credit-repairs", w.editor, nil), http.StatusForbidden, "permission_denied", "")
		wantError(t, w.do("GET", "/api/v1/admin/credit-repairs", w.member, nil), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("OfficerQueue", func(t *testing.T) {
		rec := w.do("GET", "/api/v1/admin/credit-repairs?kind=penalty", w.officer, nil)
		wantStatus(t, rec, http.StatusOK)
		var page struct {
			Items []struct {
				ID         string
				Commitment string
				Score      int
				Record     struct{ ID string }
			}
		}
		decode(t, rec, &page)
		if len(page.Items) != 1 || page.Items[0].ID != id || page.Items[0].Score != 100 || page.Items[0].Record.ID != w.minor || page.Items[0].Commitment == "" {
			t.Fatalf("queue %+v", page.Items)
		}
		wantError(t, w.do("GET", "/api/v1/admin/credit-repairs?status=none", w.officer, nil), http.StatusBadRequest, "invalid_argument", "status")
		wantError(t, w.do("POST", "/api/v1/admin/credit-repairs/"+id+"/decide", w.officer, map[string]any{"approve": true, "reason": ""}), http.StatusBadRequest, "invalid_argument", "reason")
	})
	t.Run("ApprovalEndsPublicationAndChangesGrade", func(t *testing.T) {
		var before struct{ Grade string }
		decode(t, w.do("GET", base, w.member, nil), &before)
		if before.Grade != "C" {
			t.Fatalf("grade before %s", before.Grade)
		}
		rec := w.do("POST", "/api/v1/admin/credit-repairs/"+id+"/decide", w.officer, map[string]any{"approve": true, "reason": "整改到位，承诺具体"})
		wantStatus(t, rec, http.StatusOK)
		wantError(t, w.do("POST", "/api/v1/admin/credit-repairs/"+id+"/decide", w.officer, map[string]any{"approve": false, "reason": "再次"}), http.StatusConflict, "conflict", "")
		rec = w.do("GET", base, w.member, nil)
		wantStatus(t, rec, http.StatusOK)
		var after struct {
			Grade   string
			Factors []struct{ ID string }
			Repairs []repairView
		}
		decode(t, rec, &after)
		if after.Grade != "B" || len(after.Factors) != 1 || after.Factors[0].ID != w.serious {
			t.Fatalf("after: %s %+v", after.Grade, after.Factors)
		}
		r := after.Repairs[1]
		if r.RecordID != w.minor || r.Status != "approved" || r.RepairedAt == nil || r.OriginalExpiresAt == nil || r.Repairable {
			t.Fatalf("explanation %+v", r)
		}
		var kinds []string
		if err := w.db.Table("notices").Where("kind IN ?", []string{"credit_repair_decided", "grade_changed"}).Order("id").Pluck("kind", &kinds).Error; err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(kinds, "credit_repair_decided") || !slices.Contains(kinds, "grade_changed") {
			t.Fatalf("notices %v", kinds)
		}
	})
	t.Run("ExportAndErase", func(t *testing.T) {
		rec := w.do("GET", "/api/v1/me/export", w.member, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), "承诺今后严格遵守食品安全法律法规") {
			t.Fatalf("export lacks the commitment: %s", rec.Body.String())
		}
		wantStatus(t, w.do("DELETE", "/api/v1/me", w.member, nil), http.StatusNoContent)
		var left int64
		w.db.Table("credit_repairs").Where("commitment <> ''").Count(&left)
		if left != 0 {
			t.Fatalf("%d commitments left after erasure", left)
		}
	})
	t.Run("Courses", func(t *testing.T) {
		wantError(t, w.do("PUT", "/api/v1/admin/credit-repair-courses", w.officer, map[string]any{"kind": "honor", "survey_id": w.quiz, "pass_score": 80}),
			http.StatusBadRequest, "invalid_argument", "kind")
		wantError(t, w.do("PUT", "/api/v1/admin/credit-repair-courses", w.officer, map[string]any{"kind": "arrears", "survey_id": w.quiz, "pass_score": 0}),
			http.StatusBadRequest, "invalid_argument", "pass_score")
		wantError(t, w.do("PUT", "/api/v1/admin/credit-repair-courses", w.editor, map[string]any{"kind": "arrears", "survey_id": w.quiz, "pass_score": 80}),
			http.StatusForbidden, "permission_denied", "")
		if n := w.count("credit_repair_courses"); n != 1 {
			t.Fatalf("%d courses", n)
		}
		rec := w.do("GET", "/api/v1/admin/credit-repair-courses", w.officer, nil)
		wantStatus(t, rec, http.StatusOK)
		var page struct {
			Items []struct {
				ID        string
				QuizTitle string `json:"quiz_title"`
			}
		}
		decode(t, rec, &page)
		if len(page.Items) != 1 || page.Items[0].QuizTitle != "食品安全法学习" {
			t.Fatalf("courses %+v", page.Items)
		}
		deptY := w.otherDepartment()
		other, _ := w.stafferIn(&deptY, []staff.Role{staff.CreditOfficer})
		wantError(t, w.do("DELETE", "/api/v1/admin/credit-repair-courses/"+page.Items[0].ID, other, nil), http.StatusNotFound, "not_found", "")
		wantStatus(t, w.do("DELETE", "/api/v1/admin/credit-repair-courses/"+page.Items[0].ID, w.officer, nil), http.StatusNoContent)
	})
}

// TestAudienceByCreditRecords: a notice's audience may name record kinds
// (and severities with them); unknown values and severities alone are 400
// naming the field.
func TestAudienceByCreditRecords(t *testing.T) {
	e := newNoticeEnv(t)
	for field, audience := range map[string]map[string]any{
		"audience.enterprise_record_kinds":      {"enterprise_record_kinds": []string{"hygiene"}},
		"audience.enterprise_record_severities": {"enterprise_record_severities": []string{"serious"}},
	} {
		rec := e.do("POST", "/api/v1/admin/notices/audience-preview", e.editor, map[string]any{"audience": audience})
		wantError(t, rec, http.StatusBadRequest, "invalid_argument", field)
	}
	rec := e.do("POST", "/api/v1/admin/notices/audience-preview", e.editor, map[string]any{"audience": map[string]any{
		"enterprise_record_kinds": []string{"penalty"}, "enterprise_record_severities": []string{"minor", "general"}}})
	wantStatus(t, rec, http.StatusOK)
}
