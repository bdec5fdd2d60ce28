package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCaseRefLookAlikes (issue 21 item 6): spellings of one case
// reference that differ only in full-width digits, an invisible format
// character or case are one case: the second credit record or deduction
// is a repeat (200, nothing written) or, with other content, a conflict;
// the text as entered is what is shown.
func TestCaseRefLookAlikes(t *testing.T) {
	t.Run("CreditRecords", func(t *testing.T) {
		e := newEnv(t)
		officer := e.officer()
		uscc := e.registerEnterprise(officer, 41, "软件")
		post := func(caseRef, note string) *httptest.ResponseRecorder {
			return e.do("POST", "/api/v1/admin/credit-records", officer, map[string]string{
				"uscc": uscc, "kind": "penalty", "severity": "minor", "occurred_at": "2026-01-05T10:00:00+08:00",
				"case_ref": caseRef, "note": note,
			})
		}
		rec := post("〔2026〕77号", "占道")
		wantStatus(t, rec, http.StatusCreated)
		var first struct {
			ID      string `json:"id"`
			CaseRef string `json:"case_ref"`
		}
		decode(t, rec, &first)
		for _, ref := range []string{"〔２０２６〕７７号", "〔2026〕77号\u200b", "\ufeff〔2026〕77号"} {
			rec := post(ref, "占道")
			wantStatus(t, rec, http.StatusOK)
			var again struct {
				ID      string `json:"id"`
				CaseRef string `json:"case_ref"`
			}
			decode(t, rec, &again)
			if again.ID != first.ID || again.CaseRef != "〔2026〕77号" {
				t.Fatalf("%+q: record %s %q, want the first (%s) as entered", ref, again.ID, again.CaseRef, first.ID)
			}
		}
		wantStatus(t, post("CASE-42", ""), http.StatusCreated)
		wantError(t, post("case-42", "另一内容"), http.StatusConflict, "conflict", "")
		if n := e.count("credit_records"); n != 2 {
			t.Fatalf("%d credit records, want 2", n)
		}
	})
	t.Run("Deductions", func(t *testing.T) {
		e := newPointsEnv(t)
		post := func(caseRef string) *httptest.ResponseRecorder {
			return e.do("POST", "/api/v1/admin/points/deductions", e.officer,
				map[string]any{"resident_id": e.ridStr, "points": 10, "case_ref": caseRef, "reason": "占道经营"})
		}
		wantStatus(t, post("CASE-42"), http.StatusCreated)
		for _, ref := range []string{"case-42", "ＣＡＳＥ－４２", "CASE-42\u200b"} {
			wantStatus(t, post(ref), http.StatusOK)
		}
		wantError(t, post("\u200b\u200d"), http.StatusBadRequest, "invalid_argument", "case_ref")
		var n int64
		e.db.Table("point_transactions").Where("kind = 'deduct'").Count(&n)
		if n != 1 {
			t.Fatalf("%d deductions for one case, want 1", n)
		}
		var ref string
		e.db.Table("point_transactions").Where("kind = 'deduct'").Select("case_ref").Scan(&ref)
		if ref != "CASE-42" {
			t.Fatalf("case_ref %q, want it as entered", ref)
		}
	})
}
