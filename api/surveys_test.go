package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/staff"
)

// foreignStaffer is an editor of another department.
func (e *env) foreignStaffer() string {
	e.t.Helper()
	d := e.otherDepartment()
	m, err := e.staff.Create(context.Background(), nil, staff.NewMember{
		Username: "foreign" + strconv.FormatInt(appSeq.Add(1), 10), Password: "password-123456",
		Roles: []staff.Role{staff.Editor}, DepartmentID: &d,
	}, func(string) bool { return true })
	if err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.auth.Issue(context.Background(), auth.Staff, m.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// residentOn logs a resident in and moves them to a street.
func (e *env) residentOn(name, street string) (string, int64) {
	e.t.Helper()
	tok, id := e.resident(name)
	wantStatus(e.t, e.do("PATCH", "/api/v1/me", tok, map[string]any{"street": street}), http.StatusOK)
	return tok, id
}

type idBody struct {
	ID string `json:"id"`
}

// createPublished creates and publishes a survey through the API.
func (e *env) createPublished(tok string, body map[string]any) string {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/admin/surveys", tok, body)
	wantStatus(e.t, rec, http.StatusCreated)
	var sv idBody
	decode(e.t, rec, &sv)
	wantStatus(e.t, e.do("POST", "/api/v1/admin/surveys/"+sv.ID+"/publish", tok, nil), http.StatusOK)
	return sv.ID
}

// wantNoSecrets fails if a resident-facing body reveals answers.
func wantNoSecrets(t *testing.T, where, body string) {
	t.Helper()
	for _, secret := range []string{`"answer"`, `"explanation"`, `"article"`, "依据《", "解析甲"} {
		if strings.Contains(body, secret) {
			t.Fatalf("%s reveals %s: %s", where, secret, body)
		}
	}
}

func TestQuestionsAPI(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	one := map[string]any{"type": "single", "stem": "题一", "options": []string{"甲", "乙"}, "answer": []string{"乙"}, "tags": []string{"民法典"}}

	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/questions", editor, one)
		wantStatus(t, rec, http.StatusCreated)
		var q struct {
			ID, Type string
			Answer   []string
		}
		decode(t, rec, &q)
		if q.ID == "" || q.Type != "single" || q.Answer[0] != "乙" {
			t.Fatalf("question=%+v", q)
		}
	})
	t.Run("OKBulkJSON", func(t *testing.T) {
		before := e.count("survey_questions")
		rec := e.do("POST", "/api/v1/admin/questions", editor, []any{one, map[string]any{"type": "judge", "stem": "判断", "answer": []string{"错"}}})
		wantStatus(t, rec, http.StatusCreated)
		if got := e.count("survey_questions") - before; got != 2 {
			t.Fatalf("added %d, want 2", got)
		}
	})
	t.Run("OKBulkCSV", func(t *testing.T) {
		before := e.count("survey_questions")
		csvBody := "type,stem,options,answer,explanation,article,tags\n" +
			"multi,多选题,甲|乙|丙,甲|乙,解析,民法典第一条,民法典|测试\n" +
			"judge,判断题,,对,,,\n"
		rec := e.do("POST", "/api/v1/admin/questions", editor, csvBody, "Content-Type", "text/csv")
		wantStatus(t, rec, http.StatusCreated)
		if got := e.count("survey_questions") - before; got != 2 {
			t.Fatalf("added %d, want 2", got)
		}
		if got := e.count("survey_question_tags"); got < 3 {
			t.Fatalf("%d tags", got)
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		before := e.count("survey_questions")
		bad := map[string]any{"type": "single", "stem": "无答案", "options": []string{"甲", "乙"}}
		wantError(t, e.do("POST", "/api/v1/admin/questions", editor, bad), http.StatusBadRequest, "invalid_argument", "answer")
		wantError(t, e.do("POST", "/api/v1/admin/questions", editor, []any{one, map[string]any{"type": "multi", "stem": "x", "options": []string{"甲"}, "answer": []string{"甲"}}}),
			http.StatusBadRequest, "invalid_argument", "[1].options")
		wantError(t, e.do("POST", "/api/v1/admin/questions", editor, map[string]any{"type": "essay", "stem": "x"}), http.StatusBadRequest, "invalid_argument", "type")
		wantError(t, e.do("POST", "/api/v1/admin/questions", editor, "type,stem\nsingle,x\n", "Content-Type", "text/csv"), http.StatusBadRequest, "invalid_argument", "body")
		wantError(t, e.do("POST", "/api/v1/admin/questions", editor, `"text"`), http.StatusBadRequest, "invalid_argument", "body")
		if got := e.count("survey_questions"); got != before {
			t.Fatalf("bad input wrote %d questions", got-before)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		verifier, _ := e.staffer([]staff.Role{staff.Verifier})
		wantError(t, e.do("POST", "/api/v1/admin/questions", verifier, one), http.StatusForbidden, "permission_denied", "")
		res, _ := e.resident("q-res")
		wantError(t, e.do("POST", "/api/v1/admin/questions", res, one), http.StatusForbidden, "permission_denied", "")
	})
}

func TestSurveyCreatePublishAPI(t *testing.T) {
	e := newEnv(t)
	if _, err := e.surveys.SeedStarter(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.rule("quiz_pass", nil, 5)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	quiz := map[string]any{"kind": "quiz", "title": "民法典竞答", "draw": map[string]any{"tags": []string{"民法典"}, "count": 5},
		"audience": map[string]any{"streets": []string{"华富街道"}}, "pass_score": 80, "points_rule": "quiz_pass"}

	rec := e.do("POST", "/api/v1/admin/surveys", editor, quiz)
	wantStatus(t, rec, http.StatusCreated)
	var sv struct {
		ID, Kind, Status string
		Draw             struct{ Count int }
		TimeLimitS       int `json:"time_limit_s"`
		AttemptsPerDay   int `json:"attempts_per_day"`
	}
	decode(t, rec, &sv)
	if sv.Status != "draft" || sv.Draw.Count != 5 || sv.TimeLimitS != 600 || sv.AttemptsPerDay != 1 {
		t.Fatalf("survey=%+v", sv)
	}
	foreign := e.foreignStaffer()
	wantError(t, e.do("POST", "/api/v1/admin/surveys/"+sv.ID+"/publish", foreign, nil), http.StatusNotFound, "not_found", "")
	wantStatus(t, e.do("POST", "/api/v1/admin/surveys/"+sv.ID+"/publish", editor, nil), http.StatusOK)
	wantError(t, e.do("POST", "/api/v1/admin/surveys/"+sv.ID+"/publish", editor, nil), http.StatusConflict, "conflict", "")
	wantError(t, e.do("POST", "/api/v1/admin/surveys/x/publish", editor, nil), http.StatusNotFound, "not_found", "")

	t.Run("ErrBadInput", func(t *testing.T) {
		before := e.count("surveys")
		for _, tc := range []struct {
			patch map[string]any
			field string
		}{
			{map[string]any{"kind": "poll"}, "kind"},
			{map[string]any{"title": ""}, "title"},
			{map[string]any{"audience": map[string]any{"streets": []string{"不存在街道"}}}, "audience.streets"},
			{map[string]any{"draw": map[string]any{"tags": []string{"民法典"}, "count": 500}}, "draw.count"},
			{map[string]any{"draw": map[string]any{"tags": []string{"没有这个标签"}, "count": 1}}, "draw.count"},
			{map[string]any{"pass_score": 101}, "pass_score"},
			{map[string]any{"questions": []string{"999999"}, "draw": nil}, "questions[0]"},
			{map[string]any{"closes_at": "2000-01-01T00:00:00Z"}, "closes_at"},
			{map[string]any{"time_limit_s": "long"}, "time_limit_s"},
		} {
			body := map[string]any{}
			for k, v := range quiz {
				body[k] = v
			}
			for k, v := range tc.patch {
				body[k] = v
			}
			wantError(t, e.do("POST", "/api/v1/admin/surveys", editor, body), http.StatusBadRequest, "invalid_argument", tc.field)
		}
		if got := e.count("surveys"); got != before {
			t.Fatalf("bad input wrote %d surveys", got-before)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		auditor, _ := e.staffer([]staff.Role{staff.Auditor})
		wantError(t, e.do("POST", "/api/v1/admin/surveys", auditor, quiz), http.StatusForbidden, "permission_denied", "")
		res, _ := e.resident("s-res")
		wantError(t, e.do("POST", "/api/v1/admin/surveys", res, quiz), http.StatusForbidden, "permission_denied", "")
	})
}

func TestQuizAPI(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	rec := e.do("POST", "/api/v1/admin/questions", editor, []any{
		map[string]any{"type": "single", "stem": "单选", "options": []string{"甲", "乙", "丙"}, "answer": []string{"乙"}, "explanation": "解析甲", "article": "民法典第一条"},
		map[string]any{"type": "multi", "stem": "多选", "options": []string{"甲", "乙", "丙", "丁"}, "answer": []string{"甲", "乙"}, "explanation": "解析甲"},
		map[string]any{"type": "judge", "stem": "判断", "answer": []string{"对"}, "explanation": "解析甲"},
	})
	wantStatus(t, rec, http.StatusCreated)
	var qs struct{ Items []idBody }
	decode(t, rec, &qs)
	ids := []string{qs.Items[0].ID, qs.Items[1].ID, qs.Items[2].ID}
	sid := e.createPublished(editor, map[string]any{"kind": "quiz", "title": "固定题", "questions": ids,
		"audience": map[string]any{"streets": []string{"华富街道"}}, "attempts_per_day": 3, "time_limit_s": 60})
	tok, _ := e.residentOn("quizzer", "华富街道")

	// Nothing a resident reads before submitting reveals an answer.
	rec = e.do("GET", "/api/v1/surveys", tok, nil)
	wantStatus(t, rec, http.StatusOK)
	wantNoSecrets(t, "GET /surveys", rec.Body.String())
	if !strings.Contains(rec.Body.String(), sid) {
		t.Fatalf("list lacks the quiz: %s", rec.Body.String())
	}
	rec = e.do("GET", "/api/v1/surveys/"+sid, tok, nil)
	wantStatus(t, rec, http.StatusOK)
	wantNoSecrets(t, "GET /surveys/{id}", rec.Body.String())
	rec = e.do("POST", "/api/v1/surveys/"+sid+"/attempts", tok, nil)
	wantStatus(t, rec, http.StatusCreated)
	wantNoSecrets(t, "POST /surveys/{id}/attempts", rec.Body.String())
	var a struct {
		AttemptID string `json:"attempt_id"`
		Deadline  time.Time
		Questions []struct {
			ID      string
			Type    string
			Options []string
		}
	}
	decode(t, rec, &a)
	if len(a.Questions) != 3 || a.Deadline.IsZero() {
		t.Fatalf("attempt=%+v", a)
	}

	t.Run("ErrBadAnswers", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/attempts/"+a.AttemptID+"/submit", tok, map[string]any{"answers": map[string]any{ids[0]: []string{"戊"}}}),
			http.StatusBadRequest, "invalid_argument", "answers."+ids[0])
		wantError(t, e.do("POST", "/api/v1/attempts/"+a.AttemptID+"/submit", tok, map[string]any{}), http.StatusBadRequest, "invalid_argument", "answers")
		wantError(t, e.do("POST", "/api/v1/attempts/"+a.AttemptID+"/submit", tok, map[string]any{"answers": []string{"x"}}), http.StatusBadRequest, "invalid_argument", "answers")
		if got := e.count("survey_attempt_items"); got != 0 {
			t.Fatalf("bad input wrote %d items", got)
		}
	})
	t.Run("ErrForeignAttempt", func(t *testing.T) {
		other, _ := e.residentOn("other", "华富街道")
		wantError(t, e.do("POST", "/api/v1/attempts/"+a.AttemptID+"/submit", other, map[string]any{"answers": map[string]any{}}), http.StatusNotFound, "not_found", "")
	})

	// Options as shown, in any order: 单选 right, 多选 half (1 of 2), 判断 right → (1+0.5+1)/3.
	rec = e.do("POST", "/api/v1/attempts/"+a.AttemptID+"/submit", tok, map[string]any{"answers": map[string]any{
		ids[0]: []string{"乙"}, ids[1]: []string{"甲"}, ids[2]: []string{"对"},
	}})
	wantStatus(t, rec, http.StatusOK)
	var res struct {
		Score         int
		Passed        bool
		PointsAwarded int64 `json:"points_awarded"`
		Corrections   []struct {
			QuestionID  string   `json:"question_id"`
			Answer      []string `json:"answer"`
			Explanation string
			Correct     bool
		}
	}
	decode(t, rec, &res)
	if res.Score != 83 || !res.Passed || len(res.Corrections) != 3 || res.Corrections[0].Explanation != "解析甲" {
		t.Fatalf("result=%+v", res)
	}
	wantError(t, e.do("POST", "/api/v1/attempts/"+a.AttemptID+"/submit", tok, map[string]any{"answers": map[string]any{}}), http.StatusConflict, "conflict", "")

	t.Run("ErrDeadline", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/surveys/"+sid+"/attempts", tok, nil)
		wantStatus(t, rec, http.StatusCreated)
		var late struct {
			AttemptID string `json:"attempt_id"`
		}
		decode(t, rec, &late)
		e.clock.Add(61*time.Second + 3*time.Second)
		defer e.clock.Reset()
		wantError(t, e.do("POST", "/api/v1/attempts/"+late.AttemptID+"/submit", tok, map[string]any{"answers": map[string]any{}}), http.StatusConflict, "conflict", "")
	})
	t.Run("ErrAttemptsPerDay", func(t *testing.T) {
		wantStatus(t, e.do("POST", "/api/v1/surveys/"+sid+"/attempts", tok, nil), http.StatusCreated)
		wantError(t, e.do("POST", "/api/v1/surveys/"+sid+"/attempts", tok, nil), http.StatusConflict, "conflict", "")
	})
	t.Run("ErrNotInAudience", func(t *testing.T) {
		outsider, _ := e.residentOn("outsider", "莲花街道")
		wantError(t, e.do("GET", "/api/v1/surveys/"+sid, outsider, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("POST", "/api/v1/surveys/"+sid+"/attempts", outsider, nil), http.StatusNotFound, "not_found", "")
		rec := e.do("GET", "/api/v1/surveys", outsider, nil)
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), sid) {
			t.Fatalf("outsider sees the quiz: %s", rec.Body.String())
		}
		wantError(t, e.do("GET", "/api/v1/surveys", editor, nil), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("Stats", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats", editor, nil)
		wantStatus(t, rec, http.StatusOK)
		var st struct {
			Participants int64
			PassRate     float64 `json:"pass_rate"`
			FastAttempts int64   `json:"fast_attempts"`
			Questions    []struct {
				CorrectRate float64 `json:"correct_rate"`
			}
			ByStreet []struct{ Street string } `json:"by_street"`
		}
		decode(t, rec, &st)
		// Submitted within a second of starting: implausibly fast.
		if st.Participants != 1 || st.PassRate != 1 || st.FastAttempts != 1 || len(st.Questions) != 3 || st.ByStreet[0].Street != "华富街道" {
			t.Fatalf("stats=%s", rec.Body.String())
		}
		wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats", e.foreignStaffer(), nil), http.StatusNotFound, "not_found", "")
		verifier, _ := e.staffer([]staff.Role{staff.Verifier})
		wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats", verifier, nil), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats?date=yesterday", editor, nil), http.StatusBadRequest, "invalid_argument", "date")
	})
}

// declarationEnv publishes a daily declaration for 华富 and 莲花 and returns
// its ID and question IDs.
func declarationEnv(t *testing.T, e *env, editor string) (string, []string) {
	t.Helper()
	sid := e.createPublished(editor, map[string]any{"kind": "declaration", "title": "每日健康申报",
		"audience": map[string]any{"streets": []string{"华富街道", "莲花街道"}},
		"questions": []any{
			map[string]any{"type": "judge", "stem": "体温正常？"},
			map[string]any{"type": "multi", "stem": "症状", "options": []string{"无", "发热", "咳嗽"}},
			map[string]any{"type": "text", "stem": "备注", "required": false},
		}})
	return sid, nil
}

func TestDeclarationAPI(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	sid, _ := declarationEnv(t, e, editor)
	tok, _ := e.residentOn("decl1", "华富街道")
	_, hf2 := e.residentOn("decl2", "华富街道")
	_, lh := e.residentOn("decl3", "莲花街道")

	rec := e.do("GET", "/api/v1/surveys/"+sid, tok, nil)
	wantStatus(t, rec, http.StatusOK)
	wantNoSecrets(t, "GET /surveys/{id}", rec.Body.String())
	var view struct {
		Questions []struct {
			ID       string
			Options  []string
			Required bool
		}
		TakenPartToday bool `json:"taken_part_today"`
	}
	decode(t, rec, &view)
	if len(view.Questions) != 3 || view.TakenPartToday || view.Questions[2].Required {
		t.Fatalf("view=%s", rec.Body.String())
	}
	q := []string{view.Questions[0].ID, view.Questions[1].ID, view.Questions[2].ID}
	good := map[string]any{"answers": map[string]any{q[0]: []string{"对"}, q[1]: []string{"发热", "咳嗽"}, q[2]: []string{"=HYPERLINK(\"x\")"}}}

	t.Run("ErrBadInput", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, map[string]any{"answers": map[string]any{q[1]: []string{"无"}}}),
			http.StatusBadRequest, "invalid_argument", "answers."+q[0])
		wantError(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, map[string]any{"answers": map[string]any{q[0]: []string{"是"}, q[1]: []string{"无"}}}),
			http.StatusBadRequest, "invalid_argument", "answers."+q[0])
		wantError(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, map[string]any{"answers": "x"}), http.StatusBadRequest, "invalid_argument", "answers")
		if got := e.count("survey_responses"); got != 0 {
			t.Fatalf("bad input wrote %d responses", got)
		}
	})
	rec = e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, good)
	wantStatus(t, rec, http.StatusCreated)
	wantError(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, good), http.StatusConflict, "conflict", "")
	rec = e.do("GET", "/api/v1/surveys", tok, nil)
	if !strings.Contains(rec.Body.String(), `"taken_part_today":true`) {
		t.Fatalf("list=%s", rec.Body.String())
	}
	outsider, _ := e.residentOn("decl-out", "园岭街道")
	wantError(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", outsider, good), http.StatusNotFound, "not_found", "")

	t.Run("Missing", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/surveys/"+sid+"/missing?page_size=1", editor, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct {
			Items []struct {
				ResidentID string `json:"resident_id"`
				Street     string
			}
			NextPageToken string `json:"next_page_token"`
		}
		decode(t, rec, &p)
		if len(p.Items) != 1 || p.Items[0].ResidentID != strconv.FormatInt(hf2, 10) || p.NextPageToken == "" {
			t.Fatalf("page 1=%s", rec.Body.String())
		}
		rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/missing?page_size=1&page_token="+p.NextPageToken, editor, nil)
		decode(t, rec, &p)
		if len(p.Items) != 1 || p.Items[0].ResidentID != strconv.FormatInt(lh, 10) || p.NextPageToken != "" {
			t.Fatalf("page 2=%s", rec.Body.String())
		}
		// Street scope: a 莲花 editor sees only 莲花's residents.
		lianhua, _ := e.staffer([]staff.Role{staff.Editor}, "莲花街道")
		rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/missing", lianhua, nil)
		decode(t, rec, &p)
		if len(p.Items) != 1 || p.Items[0].Street != "莲花街道" {
			t.Fatalf("scoped=%s", rec.Body.String())
		}
		tomorrow := time.Now().Add(24 * time.Hour).In(time.FixedZone("", 8*3600)).Format(time.DateOnly)
		rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/missing?date="+tomorrow, editor, nil)
		decode(t, rec, &p)
		if len(p.Items) != 3 {
			t.Fatalf("tomorrow=%s", rec.Body.String())
		}
		wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/missing?date=2026-13-01", editor, nil), http.StatusBadRequest, "invalid_argument", "date")
		wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/missing?page_token=!!!", editor, nil), http.StatusBadRequest, "invalid_argument", "page_token")
		wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/missing", e.foreignStaffer(), nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/missing", tok, nil), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("Remind", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/surveys/"+sid+"/remind", editor, nil)
		wantStatus(t, rec, http.StatusOK)
		var out struct{ Reminded int }
		decode(t, rec, &out)
		if out.Reminded != 2 {
			t.Fatalf("remind=%s", rec.Body.String())
		}
		wantError(t, e.do("POST", "/api/v1/admin/surveys/"+sid+"/remind?date=x", editor, nil), http.StatusBadRequest, "invalid_argument", "date")
		auditor, _ := e.staffer([]staff.Role{staff.Auditor})
		wantError(t, e.do("POST", "/api/v1/admin/surveys/"+sid+"/remind", auditor, nil), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("POST", "/api/v1/admin/surveys/"+sid+"/remind", e.foreignStaffer(), nil), http.StatusNotFound, "not_found", "")
	})
	t.Run("Stats", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats", editor, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"distribution":{"发热":1,"咳嗽":1,"无":0}`) {
			t.Fatalf("stats=%s", rec.Body.String())
		}
	})
}

func TestExportAPI(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	sid, _ := declarationEnv(t, e, editor)
	var qids []string
	for i, street := range []string{"华富街道", "莲花街道", "华富街道"} {
		tok, _ := e.residentOn(fmt.Sprintf("exp%d", i), street)
		if qids == nil {
			var view struct{ Questions []idBody }
			decode(t, e.do("GET", "/api/v1/surveys/"+sid, tok, nil), &view)
			for _, q := range view.Questions {
				qids = append(qids, q.ID)
			}
		}
		wantStatus(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, map[string]any{"answers": map[string]any{
			qids[0]: []string{"对"}, qids[1]: []string{"无"}, qids[2]: []string{"=1+1 说明" + strconv.Itoa(i)},
		}}), http.StatusCreated)
	}

	rec := e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses?format=csv", editor, nil)
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content-type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"答卷编号", "居民编号", "街道", "社区", "提交时间", "体温正常？", "症状", "备注"}
	if len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(want, ",") {
		t.Fatalf("csv=%v", rows)
	}
	if rows[2][2] != "莲花街道" || rows[2][5] != "对" || rows[2][7] != "'=1+1 说明1" {
		t.Fatalf("row=%v", rows[2])
	}

	auditor, _ := e.staffer([]staff.Role{staff.Auditor}, "华富街道")
	rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses?format=xlsx", auditor, nil)
	wantStatus(t, rec, http.StatusOK)
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	xrows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	// The auditor covers 华富 only: two rows.
	if len(xrows) != 3 || xrows[0][5] != "体温正常？" || xrows[1][2] != "华富街道" || xrows[2][2] != "华富街道" {
		t.Fatalf("xlsx=%v", xrows)
	}

	wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses?format=pdf", editor, nil), http.StatusBadRequest, "invalid_argument", "format")
	wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses", e.foreignStaffer(), nil), http.StatusNotFound, "not_found", "")
	verifier, _ := e.staffer([]staff.Role{staff.Verifier})
	wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses", verifier, nil), http.StatusForbidden, "permission_denied", "")
}

func TestSurveysExportAndEraseMe(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	sid, _ := declarationEnv(t, e, editor)
	tok, _ := e.residentOn("eraser", "华富街道")
	var view struct{ Questions []idBody }
	decode(t, e.do("GET", "/api/v1/surveys/"+sid, tok, nil), &view)
	wantStatus(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, map[string]any{"answers": map[string]any{
		view.Questions[0].ID: []string{"对"}, view.Questions[1].ID: []string{"无"},
	}}), http.StatusCreated)
	rec := e.do("GET", "/api/v1/me/export", tok, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"survey_id":"`+sid+`"`) {
		t.Fatalf("export lacks the response: %s", rec.Body.String())
	}
	wantStatus(t, e.do("DELETE", "/api/v1/me", tok, nil), http.StatusNoContent)
	if n := e.count("survey_responses") + e.count("survey_choices"); n != 0 {
		t.Fatalf("%d survey rows left after DELETE /me", n)
	}
}
