package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleSurveyCreate: an editor writes a questionnaire in the console,
// typing a question's options one per line and an audience's minimum age;
// the survey the API then holds has those options and that audience.
func TestConsoleSurveyCreate(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区教育局")
	editor := s.staff("editor.xu", dept, "editor")

	tb.signIn(s.base, "editor.xu", staffPassword, "/surveys/new")
	tb.run("write",
		chromedp.SendKeys(css(`[data-test=survey-title]`), "家长满意度调查"),
		chromedp.SendKeys(css(`.audience .el-input-number input`), "30"),
		chromedp.SendKeys(css(`[data-test=question-stem]`), "您对课后服务满意吗"),
		chromedp.SendKeys(css(`[data-test=question-options]`), "满意\n一般\n不满意"),
		chromedp.Click(css(`[data-test=create-survey]`)),
		waitJS(`/^\/console\/surveys\/\d+$/.test(location.pathname)`),
	)
	url, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`(\d+)$`).FindString(url)
	sv := s.call("POST", "/api/v1/admin/surveys/"+id+"/publish", editor, nil, http.StatusOK)
	if got := fmt.Sprint(sv["audience"].(map[string]any)["age_min"]); got != "30" {
		t.Fatalf("audience = %v, want age_min 30", sv["audience"])
	}
	qs, _ := sv["questions"].([]any)
	if len(qs) != 1 {
		t.Fatalf("questions = %v, want one", sv["questions"])
	}
	if got := fmt.Sprint(qs[0].(map[string]any)["options"]); got != "[满意 一般 不满意]" {
		t.Fatalf("options = %s, want [满意 一般 不满意]", got)
	}
}

// TestConsoleSurveyLifecycle: an editor writes a questionnaire, publishes
// it from its page, finds it in the list and closes it there; a quiz with
// attempts shows its charts, the score distribution among them; an auditor
// reads the list with no button to change anything.
func TestConsoleSurveyLifecycle(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区司法局")
	editor := s.staff("editor.lin", dept, "editor")
	s.staff("auditor.lin", dept, "auditor")

	tb.signIn(s.base, "editor.lin", staffPassword, "/surveys/new")
	tb.run("create",
		chromedp.SendKeys(css(`[data-test=survey-title]`), "社区法律服务需求调查"),
		chromedp.SendKeys(css(`[data-test=question-stem]`), "您最需要哪类法律服务"),
		chromedp.SendKeys(css(`[data-test=question-options]`), "法律咨询\n调解\n援助"),
		chromedp.Click(css(`[data-test=create-survey]`)),
		waitJS(`/^\/console\/surveys\/\d+$/.test(location.pathname)`),
		waitText(`[data-test=survey-status]`, "草稿"),
	)
	url, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`(\d+)$`).FindString(url)
	tb.run("edit the draft",
		chromedp.Click(css(`[data-test=edit]`)),
		waitJS(`location.pathname.endsWith('/edit') && document.querySelector('[data-test=survey-title]')?.value === '社区法律服务需求调查'`),
		chromedp.SendKeys(css(`[data-test=survey-title]`), "（第二版）"),
		chromedp.Click(css(`[data-test=add-question]`)),
		chromedp.SendKeys(css(`[data-test=entry-1] [data-test=question-stem]`), "您是否参加过社区普法讲座"),
		chromedp.SendKeys(css(`[data-test=entry-1] [data-test=question-options]`), "参加过\n没有"),
		chromedp.Click(css(`[data-test=create-survey]`)),
		waitJS(`/^\/console\/surveys\/\d+$/.test(location.pathname)`),
		waitText(`h2`, "（第二版）"),
	)
	if qs, _ := s.call("GET", "/api/v1/admin/surveys/"+id, editor, nil, http.StatusOK)["questions"].([]any); len(qs) != 2 {
		t.Fatalf("the edited draft has %d questions, want 2", len(qs))
	}
	tb.run("publish",
		chromedp.Click(css(`[data-test=publish]`)),
		waitText(`[data-test=survey-status]`, "已发布"),
	)
	tb.run("close from the list",
		chromedp.Navigate(s.base+"/console/surveys"),
		waitText(`[data-test=status-`+id+`]`, "已发布"),
		settled(`[data-test=surveys]`),
		chromedp.Click(css(`[data-test=close-`+id+`]`)),
		chromedp.WaitVisible(css(`.el-message-box__btns .el-button--primary`)),
		chromedp.Click(css(`.el-message-box__btns .el-button--primary`)),
		waitText(`[data-test=status-`+id+`]`, "已结束"),
		waitJS(`!document.querySelector('[data-test=close-`+id+`]')`),
	)
	if got := s.call("GET", "/api/v1/admin/surveys/"+id, editor, nil, http.StatusOK)["status"]; got != "closed" {
		t.Fatalf("status after closing in the console: %v", got)
	}

	// A quiz with three attempts: its charts, the score distribution too.
	qs := items(s.call("POST", "/api/v1/admin/questions", editor, []map[string]any{
		{"type": "judge", "stem": "合同可以口头订立。", "answer": []string{"对"}},
		{"type": "judge", "stem": "八周岁的儿童是完全民事行为能力人。", "answer": []string{"错"}},
	}, http.StatusCreated))
	quiz := s.call("POST", "/api/v1/admin/surveys", editor, map[string]any{"kind": "quiz", "title": "普法小测验",
		"questions": []string{qs[0]["id"].(string), qs[1]["id"].(string)}, "attempts_per_day": 1}, http.StatusCreated)["id"].(string)
	s.call("POST", "/api/v1/admin/surveys/"+quiz+"/publish", editor, nil, http.StatusOK)
	for i, picks := range [][2]string{{"对", "错"}, {"对", "对"}, {"错", "对"}} {
		token, _ := s.resident(fmt.Sprintf("taker%d", i))
		at := s.call("POST", "/api/v1/surveys/"+quiz+"/attempts", token, nil, http.StatusCreated)
		s.call("POST", "/api/v1/attempts/"+at["attempt_id"].(string)+"/submit", token, map[string]any{"answers": map[string][]string{
			qs[0]["id"].(string): {picks[0]}, qs[1]["id"].(string): {picks[1]},
		}}, http.StatusOK)
	}
	tb.run("quiz charts",
		chromedp.Navigate(s.base+"/console/surveys/"+quiz),
		waitText(`[data-test=survey-figures]`, "3"),
		waitJS(`document.querySelectorAll('[data-test=survey-charts] canvas').length >= 4`),
		waitJS(`!!document.querySelector('[data-test=score-chart] canvas')`),
		waitText(`[data-test=by-street]`, "参与率"),
	)

	tb.signOut()
	tb.signIn(s.base, "auditor.lin", staffPassword, "/surveys")
	tb.run("auditor reads only",
		waitText(`[data-test=status-`+quiz+`]`, "已发布"),
		waitJS(`!document.querySelector('[data-test=new-survey]') && !document.querySelector('[data-test=close-`+quiz+`]')`),
	)
}

// TestConsoleQuestionBank: an editor finds a question by tag, edits it,
// retires it, and imports a CSV file whose bad line is reported by number.
func TestConsoleQuestionBank(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区司法局")
	editor := s.staff("editor.he", dept, "editor")
	q := s.call("POST", "/api/v1/admin/questions", editor, map[string]any{"type": "judge", "stem": "居民可以拒绝提供非必要的个人信息。",
		"answer": []string{"对"}, "tags": []string{"个人信息"}}, http.StatusCreated)["id"].(string)

	tb.signIn(s.base, "editor.he", staffPassword, "/surveys/questions")
	tb.run("edit",
		waitText(`[data-test=questions]`, "居民可以拒绝"),
		settled(`[data-test=questions]`),
		chromedp.Click(css(`[data-test=edit-question-`+q+`]`)),
		chromedp.WaitVisible(css(`.el-dialog [data-test=question-stem]`)),
		chromedp.SendKeys(css(`.el-dialog [data-test=question-stem]`), "（修订）"),
		chromedp.Click(css(`[data-test=save-question]`)),
		waitText(`[data-test=question-`+q+`]`, "（修订）"),
	)
	tb.run("retire",
		waitJS(`[...document.querySelectorAll('.el-overlay')].every((e) => getComputedStyle(e).display === 'none')`), // the dialog has faded
		settled(`[data-test=questions]`),
		chromedp.Click(css(`[data-test=retire-question-`+q+`]`)),
		chromedp.WaitVisible(css(`.el-message-box__btns .el-button--primary`)),
		chromedp.Click(css(`.el-message-box__btns .el-button--primary`)),
		waitJS(`!document.querySelector('[data-test=question-`+q+`]')`),
	)
	csvPath := filepath.Join(t.TempDir(), "bank.csv")
	if err := os.WriteFile(csvPath, []byte("type,stem,options,answer\njudge,网络运营者应当保护用户信息。,,对\nsingle,缺少答案的单选题,甲|乙,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tb.run("import",
		waitJS(`!document.querySelector('.el-message-box')`), // the confirmation has faded: it would take the click
		chromedp.SetUploadFiles(css(`[data-test=import-file]`), []string{csvPath}),
		chromedp.Click(css(`[data-test=import]`)),
		waitText(`[data-test=import-report]`, "未导入"),
		waitJS(`document.body.innerText.includes('第 3 行')`),
	)
}
