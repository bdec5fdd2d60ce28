package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleAudienceReach: the compose screen's live reach states the
// counts the audience preview gives: exact from 5 up, and "fewer than 5"
// for a smaller one, of the audience and of its residents reachable by a
// subscribe message alike.
func TestConsoleAudienceReach(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区应急管理局")
	s.staff("editor.lin", dept, "editor")
	// Six residents; five of them allow one subscribe message of the fake
	// WeChat's DEMO_TEMPLATE (社区通知提醒); nobody allows DEMO_ACTIVITY.
	for i := range 6 {
		token, _ := s.resident(fmt.Sprintf("reach%d", i))
		if i < 5 {
			s.call("POST", "/api/v1/me/subscriptions", token, map[string]any{"results": map[string]string{"DEMO_TEMPLATE": "accept"}}, http.StatusOK)
		}
	}
	// reach waits for the reach to read want, spaces aside.
	reach := func(want string) chromedp.Action[chromedp.Void] {
		return waitJS(fmt.Sprintf(`(document.querySelector('[data-test=reach]')?.innerText ?? '').replace(/\s+/g, '') === %q`, strings.ReplaceAll(want, " ", "")))
	}

	tb.signIn(s.base, "editor.lin", staffPassword, "/notices/new")
	tb.run("everyone", reach("6 位居民 开启微信订阅消息并填写模板编号后，显示其中可通过微信触达的人数"))
	// pick chooses the account's template titled title in the picker.
	pick := func(title string) []chromedp.Action[chromedp.Void] {
		option := fmt.Sprintf(`[...document.querySelectorAll('.el-select-dropdown__item')].find(e => e.offsetParent !== null && e.innerText.includes(%q))`, title)
		return []chromedp.Action[chromedp.Void]{
			chromedp.Click(css(`[data-test=template-select]`)),
			waitJS(`!!` + option),
			chromedp.Evaluate[chromedp.Void](option + `.click()`),
		}
	}
	tb.run("WeChat on", chromedp.Click(css(`[data-test=channel-wechat]`)), chromedp.WaitVisible(css(`[data-test=template-select]`)))
	tb.run("a template five residents allow", append(pick("社区通知提醒"), reach("6 位居民，其中 5 位可通过微信订阅消息触达"))...)
	tb.run("a template nobody allows",
		append(pick("活动变更通知"), reach("6 位居民，其中少于 5 人可通过微信订阅消息触达 人数过少时不显示确切数字"))...)
}
