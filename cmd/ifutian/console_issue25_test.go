package main

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/futian/ifutian/enterprises"
)

// TestConsoleKnowledgeMergeReferral (issue 25): a desk writes and publishes
// a knowledge entry, which residents then find; merges a duplicate into a
// request from the candidates the console suggests; quotes the entry in
// the answer; and refers another complaint to the enterprise it is about,
// whose member answers through the API before the desk reads the answer.
func TestConsoleKnowledgeMergeReferral(t *testing.T) {
	tb := newTab(t, 1280, 1000)
	s := startConsoleServer(t)
	dept := s.department("区生态环境局")
	s.call("PUT", "/api/v1/admin/request-routes", s.admin, map[string]any{"category": "noise", "department_id": dept}, http.StatusOK)
	s.staff("desk.kb", dept, "request_officer")
	credit := s.staff("credit.kb", dept, "credit_officer")

	tb.signIn(s.base, "desk.kb", staffPassword, "/requests/knowledge")
	const question = "夜间施工噪音扰民找哪个部门？E2E"
	tb.run("write an entry",
		chromedp.Click(css(`[data-test=new-entry]`)),
		chromedp.SendKeys(css(`[data-test=entry-question]`), question),
		chromedp.SendKeys(css(`[data-test=entry-answer]`), "可通过民意速办反映，由生态环境部门依法处理。"),
		chromedp.Click(css(`.el-dialog .el-radio-button:nth-child(2)`)), // 发布
		chromedp.Click(css(`[data-test=save-entry]`)),
		waitText(`[data-test=entries]`, question),
		waitText(`[data-test=entries]`, "已发布"),
	)
	found := s.call("GET", "/api/v1/knowledge?q=夜间施工", "", nil, http.StatusOK)
	if len(items(found)) != 1 {
		t.Fatalf("residents find %v", found)
	}
	entryID := items(found)[0]["id"].(string)

	a, _ := s.resident("kb-a")
	b, _ := s.resident("kb-b")
	main := s.call("POST", "/api/v1/requests", a, map[string]any{"client_key": "kb-1", "category": "noise", "description": "工地夜里打桩 E2E", "street": "华富街道"}, http.StatusCreated)
	dup := s.call("POST", "/api/v1/requests", b, map[string]any{"client_key": "kb-2", "category": "noise", "description": "半夜打桩声很大 E2E", "street": "华富街道"}, http.StatusCreated)
	mainID, dupID := main["id"].(string), dup["id"].(string)

	tb.run("open the request", chromedp.Navigate(s.base+"/console/requests/"+mainID))
	tb.run("merge the duplicate the console suggests",
		waitText(`[data-test=request-description]`, "工地夜里打桩"),
		chromedp.Click(css(`[data-test=merge]`)),
		waitJS(`!!document.querySelector('[data-test=candidate-`+dupID+`]')`),
		chromedp.Click(css(`[data-test=candidate-`+dupID+`]`)),
		chromedp.SendKeys(css(`[data-test=merge-reason]`), "同一处工地夜间打桩"),
		chromedp.Click(css(`[data-test=merge-submit]`)),
		waitText(`[data-test=request-history]`, "合并重复诉求"),
	)
	if got := s.call("GET", "/api/v1/requests/"+dupID, b, nil, http.StatusOK); got["status"] != "merged" {
		t.Fatalf("the duplicate is %v", got["status"])
	}
	tb.run("accept and answer quoting the entry",
		// The merge dialog has faded out: a click would land on its mask.
		waitJS(`![...document.querySelectorAll('.el-overlay')].some(o => getComputedStyle(o).display !== 'none')`),
		chromedp.Click(css(`[data-test=accept]`)),
		waitText(`[data-test=request-status]`, "已受理"),
		waitJS(`!!document.querySelector('[data-test=deadline-text]')?.innerText.includes('前办结')`),
		chromedp.SendKeys(css(`[data-test=answer-text]`), "已责令工地夜间停工"),
		chromedp.Click(css(`[data-test=kb-search]`)),
		chromedp.Click(css(`[data-test=answer-knowledge]`)),
		waitJS(`[...document.querySelectorAll('.el-select-dropdown__item')].some(o => o.innerText.includes('E2E'))`),
		waitJS(`(() => { [...document.querySelectorAll('.el-select-dropdown__item')].find(o => o.innerText.includes('E2E')).click(); return true })()`),
		chromedp.Click(css(`[data-test=answer-submit]`)),
		waitText(`[data-test=request-status]`, "已答复"),
	)
	mine := s.call("GET", "/api/v1/requests/"+dupID, b, nil, http.StatusOK)
	if mine["status"] != "answered" || mine["answer"] != "已责令工地夜间停工" || mine["knowledge"].(map[string]any)["id"] != entryID {
		t.Fatalf("the merged request after the answer: %v", mine)
	}

	// A complaint about an enterprise, referred to it first.
	uscc := enterprises.CompleteUSCC("91440304MA5E2EKB1")
	s.call("POST", "/api/v1/admin/enterprises", credit, map[string]string{"uscc": uscc, "name": "深圳市打桩示范有限公司", "industry": "建筑", "street": "华富街道"}, http.StatusCreated)
	boss, _ := s.resident("kb-boss")
	bd := s.call("POST", "/api/v1/enterprises/bindings", boss, map[string]string{"uscc": uscc, "role": "legal_rep"}, http.StatusCreated)
	s.call("POST", "/api/v1/admin/enterprise-bindings/"+bd["id"].(string)+"/decide", credit, map[string]any{"approve": true}, http.StatusOK)
	c := s.call("POST", "/api/v1/requests", a, map[string]any{"client_key": "kb-3", "category": "noise", "description": "打桩公司又在夜间施工 E2E", "street": "华富街道"}, http.StatusCreated)
	cID := c["id"].(string)
	tb.run("open the complaint", chromedp.Navigate(s.base+"/console/requests/"+cID))
	tb.run("refer it to the enterprise",
		waitText(`[data-test=request-description]`, "打桩公司"),
		chromedp.Click(css(`[data-test=accept]`)),
		waitText(`[data-test=request-status]`, "已受理"),
		chromedp.SendKeys(css(`[data-test=refer-uscc]`), uscc),
		chromedp.Click(css(`[data-test=refer]`)),
		waitText(`[data-test=request-status]`, "企业先行处理中"),
		waitText(`[data-test=referral]`, "等待企业答复"),
	)
	s.call("POST", "/api/v1/enterprises/"+uscc+"/referrals/"+cID+"/response", boss, map[string]any{"resolved": true, "response": "已调整施工时间 E2E"}, http.StatusOK)
	tb.run("open the complaint", chromedp.Navigate(s.base+"/console/requests/"+cID))
	tb.run("the enterprise's answer is back at the desk",
		waitText(`[data-test=referral]`, "已调整施工时间"),
		waitText(`[data-test=request-status]`, "已受理"),
	)
}
