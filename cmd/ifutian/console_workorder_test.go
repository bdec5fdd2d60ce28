package main

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleWorkOrder (issue 25): a request the responsibility list
// cannot place waits in the dispatch centre's queue; the centre dispatches
// it; the unit's desk signs for it, accepts it and asks for an extension;
// the centre approves it; the desk answers; the resident rates it 不满意;
// the centre calls back, 不满意 again, and the request goes back to the
// unit (重办) — each step in the timeline.
func TestConsoleWorkOrder(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区住建局")
	s.staff("desk.wang", dept, "request_officer")
	s.call("POST", "/api/v1/admin/staff", s.admin, map[string]any{
		"username": "centre.li", "password": staffPassword, "department_id": nil, "roles": []string{"dispatcher"},
	}, http.StatusCreated)
	resident, _ := s.resident("dora")
	const text = "工地夜间施工噪音 E2E"
	req := s.call("POST", "/api/v1/requests", resident, map[string]any{
		"client_key": "e2e-wo", "category": "other", "description": text, "street": "华富街道",
	}, http.StatusCreated)
	id := req["id"].(string)
	openIt := func(who string) {
		tb.run(who+" opens it",
			chromedp.Click(css(`[data-test=open-`+id+`]`)),
			waitText(`[data-test=request-description]`, text),
		)
	}

	tb.signIn(s.base, "centre.li", staffPassword, "/requests/dispatch")
	tb.run("待分拨 lists it",
		waitText(`[data-test=dispatch-table]`, text),
		waitJS(`!document.querySelector('.el-loading-mask')`),
	)
	openIt("the centre")
	tb.run("派单",
		chromedp.Click(css(`[data-test=dispatch]`)),
		chromedp.WaitVisible(css(`[data-test=dispatch-unit]`)),
		chromedp.Click(css(`[data-test=dispatch-unit]`)),
		waitJS(`[...document.querySelectorAll('.el-select-dropdown__item')].some(e => e.innerText.trim() === '区住建局' && e.offsetParent)`),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.el-select-dropdown__item')].find(e => e.innerText.trim() === '区住建局' && e.offsetParent).click()`),
		chromedp.Click(css(`[data-test=dispatch-submit]`)),
		waitText(`[data-test=request-status]`, "已派单待签收"),
		overlaysGone(),
	)
	tb.signOut()

	tb.signIn(s.base, "desk.wang", staffPassword, "/requests")
	tb.run("待签收 lists it with its time left",
		waitText(`[data-test=request-table]`, text),
		waitJS(`!!document.querySelector('[data-test=remaining]')`),
		waitJS(`!document.querySelector('.el-loading-mask')`),
	)
	openIt("the desk")
	tb.run("签收, 受理",
		chromedp.Click(css(`[data-test=sign]`)),
		waitText(`[data-test=request-status]`, "已签收"),
		chromedp.Click(css(`[data-test=accept]`)),
		waitText(`[data-test=request-status]`, "已受理"),
	)
	tb.run("延期申请",
		chromedp.Click(css(`[data-test=extension]`)),
		chromedp.WaitVisible(css(`[data-test=extension-reason]`)),
		chromedp.SendKeys(css(`[data-test=extension-reason]`), "需协调施工单位停工整改"),
		chromedp.Click(css(`[data-test=extension-submit]`)),
		waitText(`[data-test=request-history]`, "申请延期"),
		overlaysGone(),
	)
	tb.signOut()

	tb.signIn(s.base, "centre.li", staffPassword, "/requests/"+id)
	tb.run("the centre approves the extension",
		chromedp.WaitVisible(css(`[data-test=approve-extension]`)),
		chromedp.Click(css(`[data-test=approve-extension]`)),
		chromedp.WaitVisible(css(`.el-message-box__btns .el-button--primary`)),
		chromedp.Click(css(`.el-message-box__btns .el-button--primary`)),
		waitText(`[data-test=request-history]`, "同意延期"),
		overlaysGone(),
	)
	tb.signOut()

	tb.signIn(s.base, "desk.wang", staffPassword, "/requests/"+id)
	const answer = "已责令施工单位夜间停工"
	tb.run("答复",
		chromedp.WaitVisible(css(`[data-test=answer-text]`)),
		chromedp.SendKeys(css(`[data-test=answer-text]`), answer),
		chromedp.Click(css(`[data-test=answer-submit]`)),
		waitText(`[data-test=request-status]`, "已答复"),
	)
	tb.signOut()
	s.call("POST", "/api/v1/requests/"+id+"/rating", resident, map[string]any{"rating": 1}, http.StatusOK)

	tb.signIn(s.base, "centre.li", staffPassword, "/requests/dispatch")
	tb.run("待回访 lists it",
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('[data-test=dispatch-queues] label')].find(e => e.innerText.includes('待回访')).click()`),
		waitText(`[data-test=dispatch-table]`, text),
		waitJS(`!document.querySelector('.el-loading-mask')`),
	)
	openIt("the centre")
	tb.run("回访 不满意: 重办",
		chromedp.Click(css(`[data-test=callback]`)),
		chromedp.WaitVisible(css(`[data-test=callback-submit]`)),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.el-radio')].find(e => e.innerText.includes('不满意')).click()`),
		chromedp.Click(css(`[data-test=callback-submit]`)),
		waitText(`[data-test=request-status]`, "已受理"),
		waitText(`[data-test=request-history]`, "重办"),
	)
	mine := s.call("GET", "/api/v1/requests/"+id, resident, nil, http.StatusOK)
	if mine["status"] != "accepted" || mine["reopened"] != float64(0) {
		t.Fatalf("the resident sees %v", mine)
	}
}
