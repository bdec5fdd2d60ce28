package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/staff"
)

// TestAttemptResultSurvivesLostResponse: a quiz's result can be had again
// when the submit's response is lost, by repeating the submit or by
// reading the attempt; neither scores or awards twice.
func TestAttemptResultSurvivesLostResponse(t *testing.T) {
	e := newEnv(t)
	e.rule("quiz_pass", nil, 5)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	rec := e.do("POST", "/api/v1/admin/questions", editor, []any{
		map[string]any{"type": "single", "stem": "单选", "options": []string{"甲", "乙", "丙"}, "answer": []string{"乙"}, "explanation": "解析甲"},
		map[string]any{"type": "multi", "stem": "多选", "options": []string{"甲", "乙", "丙", "丁"}, "answer": []string{"甲", "乙"}, "explanation": "解析甲"},
	})
	wantStatus(t, rec, http.StatusCreated)
	var qs struct{ Items []idBody }
	decode(t, rec, &qs)
	ids := []string{qs.Items[0].ID, qs.Items[1].ID}
	sid := e.createPublished(editor, map[string]any{"kind": "quiz", "title": "重试", "questions": ids,
		"audience": map[string]any{"streets": []string{"华富街道"}}, "attempts_per_day": 3, "time_limit_s": 60, "points_rule": "quiz_pass"})
	tok, _ := e.residentOn("retrier", "华富街道")
	other, _ := e.residentOn("retrier-other", "华富街道")

	start := func() string {
		rec := e.do("POST", "/api/v1/surveys/"+sid+"/attempts", tok, nil)
		wantStatus(t, rec, http.StatusCreated)
		var a struct {
			AttemptID string `json:"attempt_id"`
		}
		decode(t, rec, &a)
		return a.AttemptID
	}
	id := start()
	read := func(token, id string) (int, string, attemptView) {
		rec := e.do("GET", "/api/v1/attempts/"+id, token, nil)
		var v attemptView
		if rec.Code == http.StatusOK {
			decode(t, rec, &v)
		}
		return rec.Code, rec.Body.String(), v
	}

	t.Run("OpenShowsNoAnswers", func(t *testing.T) {
		code, body, v := read(tok, id)
		if code != http.StatusOK || v.Status != "open" || len(v.Questions) != 2 || v.Result != nil {
			t.Fatalf("%d %s", code, body)
		}
		wantNoSecrets(t, "GET /attempts/{id} before submit", body)
	})
	t.Run("ErrOtherResident", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/attempts/"+id, other, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("GET", "/api/v1/attempts/999999999", tok, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("GET", "/api/v1/attempts/x", tok, nil), http.StatusNotFound, "not_found", "")
		staffTok, _ := e.staffer([]staff.Role{staff.Superadmin})
		wantStatus(t, e.do("GET", "/api/v1/attempts/"+id, staffTok, nil), http.StatusForbidden)
	})

	answers := map[string]any{"answers": map[string]any{ids[0]: []string{"乙"}, ids[1]: []string{"甲", "乙"}}}
	first := e.do("POST", "/api/v1/attempts/"+id+"/submit", tok, answers)
	wantStatus(t, first, http.StatusOK)
	if !strings.Contains(first.Body.String(), `"score":100`) || !strings.Contains(first.Body.String(), `"points_awarded":5`) {
		t.Fatalf("first submit: %s", first.Body.String())
	}
	ledger := e.count("point_transactions")

	t.Run("RepeatAnswersStoredResult", func(t *testing.T) {
		// The same answers, options in another order: the same body.
		again := e.do("POST", "/api/v1/attempts/"+id+"/submit", tok, map[string]any{"answers": map[string]any{ids[1]: []string{"乙", "甲"}, ids[0]: []string{"乙"}}})
		wantStatus(t, again, http.StatusOK)
		if got, want := again.Body.String(), first.Body.String(); got != want {
			t.Fatalf("repeat answered\n%s\nwant\n%s", got, want)
		}
		if got := e.count("point_transactions"); got != ledger {
			t.Fatalf("a repeat posted points: %d ledger rows, want %d", got, ledger)
		}
	})
	t.Run("ErrOtherAnswers", func(t *testing.T) {
		items := e.count("survey_attempt_items")
		wantError(t, e.do("POST", "/api/v1/attempts/"+id+"/submit", tok, map[string]any{"answers": map[string]any{ids[0]: []string{"甲"}}}), http.StatusConflict, "conflict", "")
		if got := e.count("survey_attempt_items"); got != items {
			t.Fatalf("a refused submit wrote %d items", got-items)
		}
		wantError(t, e.do("POST", "/api/v1/attempts/"+id+"/submit", other, answers), http.StatusNotFound, "not_found", "")
	})
	t.Run("ReadSubmitted", func(t *testing.T) {
		code, body, v := read(tok, id)
		if code != http.StatusOK || v.Status != "submitted" || v.Result == nil || v.Result.Score != 100 || !v.Result.Passed ||
			v.Result.PointsAwarded != 5 || len(v.Result.Corrections) != 2 || v.Result.Corrections[0].Explanation != "解析甲" || v.AnswersErased {
			t.Fatalf("%d %s", code, body)
		}
		var submitted struct {
			Result map[string]any `json:"result"`
		}
		decode(t, e.do("GET", "/api/v1/attempts/"+id, tok, nil), &submitted)
		var firstBody map[string]any
		decode(t, first, &firstBody)
		if got, want := jsonText(t, submitted.Result), jsonText(t, firstBody); got != want {
			t.Fatalf("result read\n%s\nwant the submit's\n%s", got, want)
		}
	})
	t.Run("Expired", func(t *testing.T) {
		late := start()
		e.clock.Add(61*time.Second + 3*time.Second)
		defer e.clock.Reset()
		if code, body, v := read(tok, late); code != http.StatusOK || v.Status != "expired" || v.Result != nil {
			t.Fatalf("%d %s", code, body)
		}
	})
}

type attemptView struct {
	Status    string `json:"status"`
	Questions []struct {
		ID string `json:"id"`
	} `json:"questions"`
	Result *struct {
		Score         int   `json:"score"`
		Passed        bool  `json:"passed"`
		PointsAwarded int64 `json:"points_awarded"`
		Corrections   []struct {
			Explanation string `json:"explanation"`
		} `json:"corrections"`
	} `json:"result"`
	AnswersErased bool `json:"answers_erased"`
}

// jsonText is v as canonical JSON (maps' keys sorted).
func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
