package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleStaffManagement: a department admin creates a member in the
// console, resets their password and is shown the new one once; the
// member signs in with it; closing the dialog leaves the password nowhere
// on the page.
func TestConsoleStaffManagement(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区民政局")
	s.staff("admin.qian", dept, "dept_admin")

	tb.signIn(s.base, "admin.qian", staffPassword, "/staff")
	tb.run("create a member",
		waitText(`[data-test=staff-list]`, "admin.qian"),
		chromedp.SendKeys(css(`[data-test=new-username]`), "editor.sun"),
		chromedp.SendKeys(css(`[data-test=new-password]`), "first-password-1"),
		// A department admin is offered only the roles they may grant.
		waitJS(`![...document.querySelectorAll('[data-test=new-roles] label')].some(l => l.innerText.includes('部门管理员'))`),
		chromedp.Click(`//*[@data-test="new-roles"]//label[contains(., "编辑")]`),
		chromedp.Click(css(`[data-test=create-member]`)),
		waitText(`[data-test=staff-list]`, "editor.sun"),
		// Their own row has no buttons: nobody manages their own account here.
		waitJS(`!document.querySelector('[data-test="reset-admin.qian"]')`),
	)
	s.login("editor.sun", "first-password-1")

	tb.run("reset the password",
		// The list's loading mask fades out after the rows show: a click
		// meanwhile lands on the mask.
		waitJS(`!document.querySelector('[data-test=staff-list] .el-loading-mask')`),
		chromedp.Click(css(`[data-test="reset-editor.sun"]`)),
		chromedp.WaitVisible(css(`.el-message-box`)),
		chromedp.Click(css(`.el-message-box .el-button--primary`)),
		waitJS(`/^[A-Z2-7]{26}$/.test(document.querySelector('[data-test=reset-password]')?.innerText.trim() ?? '')`),
	)
	password, err := chromedp.Run(tb.ctx, chromedp.Text(css(`[data-test=reset-password]`)))
	if err != nil {
		t.Fatal(err)
	}
	password = strings.TrimSpace(password)
	tb.run("close the dialog",
		chromedp.Click(css(`[data-test=reset-done]`)),
		waitJS(fmt.Sprintf(`!document.body.innerText.includes(%q)`, password)),
	)
	// The old password and sessions are gone; the new one signs in.
	s.call("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": "editor.sun", "password": "first-password-1"}, http.StatusUnauthorized)
	s.login("editor.sun", password)
}

// TestConsoleNoStaffMenu: a member without staff.manage has no staff menu
// entry, and the page itself sends them back to the start page.
func TestConsoleNoStaffMenu(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区城管局")
	s.staff("editor.he", dept, "editor")

	tb.signIn(s.base, "editor.he", staffPassword, "/")
	tb.run("no staff menu",
		waitJS(`!!document.querySelector('[data-test="menu-/notices"]')`),
		waitJS(`!document.querySelector('[data-test="menu-/staff"]') && !document.querySelector('[data-test="menu-/departments"]') && !document.querySelector('[data-test="menu-/audit"]')`),
	)
	tb.run("the page refuses",
		chromedp.Navigate(s.base+"/console/staff"),
		waitJS(`location.pathname === '/console/' && !document.querySelector('[data-test=staff-list]')`),
	)
}

// TestConsoleStartPage: a notice submitted by an editor waits on the
// reviewer's start page, counted and named, linking to the review queue;
// the editor, who cannot review, has no such card.
func TestConsoleStartPage(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区应急管理局")
	editor := s.staff("editor.ma", dept, "editor")
	s.staff("reviewer.niu", dept, "reviewer")
	n := s.call("POST", "/api/v1/admin/notices", editor, map[string]any{
		"title": "防汛应急演练通知", "body": "本周五上午十点在各社区开展防汛演练。", "category": "warning", "audience": map[string]any{},
	}, http.StatusCreated)
	s.call("POST", "/api/v1/admin/notices/"+n["id"].(string)+"/submit", editor, nil, http.StatusOK)

	tb.signIn(s.base, "reviewer.niu", staffPassword, "/")
	tb.run("the review waits",
		waitText(`[data-test=todo-reviews]`, "1"),
		waitText(`[data-test=queue-reviews]`, "防汛应急演练通知"),
		chromedp.Click(css(`[data-test=todo-reviews]`)),
		waitJS(`location.pathname === '/console/notices/review'`),
		waitText(`[data-test=review-queue]`, "防汛应急演练通知"),
	)
	tb.signOut()
	tb.signIn(s.base, "editor.ma", staffPassword, "/")
	tb.run("not for the editor",
		waitJS(`!!document.querySelector('[data-test=todo-sends]')`),
		waitJS(`!document.querySelector('[data-test=todo-reviews]')`),
	)
}

// TestConsoleChangePassword: a member changes their password under 个人信息
// (a wrong current password is named beside its field); the new one signs
// in.
func TestConsoleChangePassword(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区水务局")
	s.staff("auditor.lu", dept, "auditor")

	tb.signIn(s.base, "auditor.lu", staffPassword, "/me")
	tb.run("a wrong current password is named",
		chromedp.SendKeys(css(`[data-test=old-password]`), "not-my-password"),
		chromedp.SendKeys(css(`[data-test=new-password]`), "my-new-password-1"),
		chromedp.SendKeys(css(`[data-test=confirm-password]`), "my-new-password-1"),
		chromedp.Click(css(`[data-test=change-password]`)),
		waitJS(`!!document.querySelector('[data-test=old-password]')?.closest('.el-form-item')?.querySelector('.el-form-item__error')`),
	)
	tb.run("change it",
		chromedp.Navigate(s.base+"/console/me"), // a fresh form
		chromedp.WaitVisible(css(`[data-test=old-password]`)),
		chromedp.SendKeys(css(`[data-test=old-password]`), staffPassword),
		chromedp.SendKeys(css(`[data-test=new-password]`), "my-new-password-1"),
		chromedp.SendKeys(css(`[data-test=confirm-password]`), "my-new-password-1"),
		chromedp.Click(css(`[data-test=change-password]`)),
		waitJS(`!!document.querySelector('.el-message--success')`),
	)
	// (Sign-in and change attempts share a throttle of 5 per username: the
	// new password alone is tried.)
	s.login("auditor.lu", "my-new-password-1")
}

// TestConsoleStaffExport: a department admin filters the staff list by
// username and exports it; the export, with the list's filter, is in the
// audit log as 导出工作人员名单 with its row count.
func TestConsoleStaffExport(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区民政局")
	s.staff("admin.zhao", dept, "dept_admin")
	s.staff("export.editor", dept, "editor")
	s.staff("other.editor", dept, "editor")

	tb.signIn(s.base, "admin.zhao", staffPassword, "/staff")
	tb.run("filter and export",
		waitText(`[data-test=staff-list]`, "other.editor"),
		chromedp.SendKeys(css(`[data-test=staff-q] input, input[data-test=staff-q]`), "export."),
		chromedp.Click(css(`[data-test=staff-search]`)),
		waitJS(`new URLSearchParams(location.search).get('q') === 'export.'`),
		settled(`[data-test=staff-list]`),
		waitJS(`!document.querySelector('[data-test=staff-list]').innerText.includes('other.editor')`),
		waitClickable(`[data-test=staff-export-csv]`),
		chromedp.Click(css(`[data-test=staff-export-csv]`)),
	)
	var detail string
	for range 50 {
		entries := items(s.call("GET", "/api/v1/admin/audit-log?action="+url.QueryEscape("导出工作人员名单"), s.admin, nil, http.StatusOK))
		if len(entries) > 0 {
			detail, _ = entries[0]["detail"].(string)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if detail != "export csv 1 staff" {
		t.Fatalf("the export's audit entry: %q", detail)
	}
}
