package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/futian/ifutian/enterprises"
)

// TestConsoleCreditRepair (issue 29): a member of an enterprise passed the
// department's repair course and submitted a commitment (through the API);
// the credit officer opens the repair in 信用修复审核, reads the commitment
// and the quiz result, and approves it with a reason: the record stops
// counting and the enterprise's grade is back.
func TestConsoleCreditRepair(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区市场监管局")
	officer := s.staff("credit.repair", dept, "credit_officer")
	editor := s.staff("editor.repair", dept, "editor")
	uscc := enterprises.CompleteUSCC("91440304MA5E2E031")
	s.call("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": uscc, "name": "深圳市华富修复餐饮有限公司", "industry": "餐饮", "street": "华富街道"}, http.StatusCreated)
	member, _ := s.resident("repair-alice")
	b := s.call("POST", "/api/v1/enterprises/bindings", member, map[string]string{"uscc": uscc, "role": "legal_rep"}, http.StatusCreated)
	s.call("POST", "/api/v1/admin/enterprise-bindings/"+b["id"].(string)+"/decide", officer, map[string]any{"approve": true}, http.StatusOK)
	// 85 − 10 (a serious complaint) − 5 (a minor penalty) = 70: grade C.
	for _, r := range []map[string]string{
		{"kind": "complaint", "severity": "serious", "case_ref": "投诉〔2026〕1号"},
		{"kind": "penalty", "severity": "minor", "case_ref": "深福市监罚〔2026〕31号"},
	} {
		r["uscc"], r["occurred_at"] = uscc, time.Now().Add(-48*time.Hour).Format(time.RFC3339)
		s.call("POST", "/api/v1/admin/credit-records", officer, r, http.StatusCreated)
	}
	detail := s.call("GET", "/api/v1/enterprises/"+uscc, member, nil, http.StatusOK)
	if detail["grade"] != "C" {
		t.Fatalf("grade before %v", detail["grade"])
	}
	var penalty string
	for _, r := range detail["repairs"].([]any) {
		if r := r.(map[string]any); r["kind"] == "penalty" {
			penalty = r["record_id"].(string)
		}
	}
	qs := s.call("POST", "/api/v1/admin/questions", editor, []any{map[string]any{"type": "judge", "stem": "食品经营场所应当保持清洁卫生。", "answer": []string{"对"}}}, http.StatusCreated)
	q := items(qs)[0]["id"].(string)
	sv := s.call("POST", "/api/v1/admin/surveys", editor, map[string]any{"kind": "quiz", "title": "食品安全法学习", "questions": []string{q}}, http.StatusCreated)
	quiz := sv["id"].(string)
	s.call("POST", "/api/v1/admin/surveys/"+quiz+"/publish", editor, nil, http.StatusOK)
	s.call("PUT", "/api/v1/admin/credit-repair-courses", officer, map[string]any{"kind": "penalty", "survey_id": quiz, "pass_score": 80}, http.StatusCreated)
	at := s.call("POST", "/api/v1/surveys/"+quiz+"/attempts", member, nil, http.StatusCreated)
	s.call("POST", "/api/v1/attempts/"+at["attempt_id"].(string)+"/submit", member, map[string]any{"answers": map[string][]string{q: {"对"}}}, http.StatusOK)
	repair := "/api/v1/enterprises/" + uscc + "/records/" + penalty + "/repair"
	s.call("POST", repair, member, map[string]string{"attempt_id": at["attempt_id"].(string)}, http.StatusCreated)
	s.call("PUT", repair+"/commitment", member, map[string]string{"text": "本企业已整改到位，承诺严格遵守食品安全法。"}, http.StatusOK)

	tb.signIn(s.base, "credit.repair", staffPassword, "/enterprises/repairs")
	tb.run("open the repair",
		waitText(`[data-test=repairs]`, "深圳市华富修复餐饮有限公司"),
		waitClickable(`[data-test=repair-open]`),
		chromedp.Click(css(`[data-test=repair-open]`)),
		waitText(`[data-test=repair-commitment]`, "承诺严格遵守食品安全法"),
		waitText(`[data-test=repair-drawer]`, "得分 100（合格分 80）"),
	)
	tb.run("approve it",
		chromedp.SendKeys(css(`[data-test=repair-reason] textarea, textarea[data-test=repair-reason]`), "整改到位，承诺具体"),
		waitClickable(`[data-test=repair-approve]`),
		chromedp.Click(css(`[data-test=repair-approve]`)),
		waitText(`[data-test=repairs]`, "没有记录"),
	)
	detail = s.call("GET", "/api/v1/enterprises/"+uscc, member, nil, http.StatusOK)
	if score := detail["score"].(float64); score != 75 || detail["grade"] != "B" {
		t.Fatalf("after the repair: grade %v score %v, want B 75", detail["grade"], score)
	}
}
