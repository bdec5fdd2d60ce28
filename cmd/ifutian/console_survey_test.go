package main

import (
	"fmt"
	"net/http"
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
