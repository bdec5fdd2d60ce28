package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/surveys"
)

// TestConsoleJobs: a survey's points job fails for good (its survey is
// missing) in the running server's queue. A district auditor sees it under
// 后台任务 with its kind in Chinese and its error, and no buttons; the
// superadmin retries it (after confirming) once the survey exists, and the
// job is done.
func TestConsoleJobs(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区司法局")
	editor := s.staff("editor.jobs", dept, "editor")
	survey := func(title string) int64 {
		out := s.call("POST", "/api/v1/admin/surveys", editor, map[string]any{
			"kind": "questionnaire", "title": title,
			"questions": []map[string]any{{"type": "single", "stem": "您满意吗", "options": []string{"满意", "不满意"}}},
		}, http.StatusCreated)
		id, err := strconv.ParseInt(out["id"].(string), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := survey("第一份问卷")
	missing := first + 1 // the next survey made

	gdb, _, err := db.Open(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Enqueue(gdb, surveys.JobAward, "console-test", map[string]string{
		"table": "survey_responses", "id": "1", "survey_id": strconv.FormatInt(missing, 10), "resident_id": "1", "external_id": "console-test", "note": "测试",
	}); err != nil {
		t.Fatal(err)
	}
	var job jobs.Job
	if err := gdb.Where("kind = ? AND unique_key = ?", surveys.JobAward, "console-test").Take(&job).Error; err != nil {
		t.Fatal(err)
	}
	waitJob := func(status string) {
		t.Helper()
		for range 300 {
			var j jobs.Job
			if err := gdb.Where("id = ?", job.ID).Take(&j).Error; err != nil {
				t.Fatal(err)
			}
			if string(j.Status) == status {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("job %d never became %s", job.ID, status)
	}
	waitJob(jobs.Failed) // the server's worker ran it: no such survey
	const row = `[data-test=jobs] .el-table__row`

	s.call("POST", "/api/v1/admin/staff", s.admin, map[string]any{"username": "district.audit", "password": staffPassword, "roles": []string{"auditor"}}, http.StatusCreated)
	tb.signIn(s.base, "district.audit", staffPassword, "/")
	tb.run("the auditor finds the failed job from the menu, without buttons",
		chromedp.Click(css(`[data-test="menu-/jobs"]`)),
		waitText(row, "问卷积分发放"),
		waitText(row, fmt.Sprintf("survey %d", missing)),
		waitText(row, "1 / "),
		waitJS(`!document.querySelector('[data-test^=retry-], [data-test^=cancel-]')`),
	)
	tb.signOut()

	if got := survey("第二份问卷"); got != missing {
		t.Fatalf("the second survey is %d, want %d", got, missing)
	}
	retry := fmt.Sprintf(`[data-test=retry-%d]`, job.ID)
	tb.signIn(s.base, "admin", "bootstrap-pw-123", "/jobs")
	tb.run("the superadmin asks to retry it",
		waitText(row, "问卷积分发放"),
		settled(`[data-test=jobs]`),
		chromedp.Click(css(retry)),
		chromedp.WaitVisible(css(`.el-message-box__btns .el-button--primary`)),
		waitText(`.el-message-box`, "重新执行"),
	)
	tb.run("and confirms",
		chromedp.Click(css(`.el-message-box__btns .el-button--primary`)),
		waitText(`.el-message`, "已重新排队"),
	)
	tb.run("the job leaves the failures",
		waitJS(fmt.Sprintf(`!document.querySelector(%q)`, retry)),
	)
	waitJob(jobs.Done)
	tb.run("the done list shows it",
		overlaysGone(),
		chromedp.Click(css(`[data-test=job-status-done]`)),
		waitText(row, "已完成"),
	)
}
