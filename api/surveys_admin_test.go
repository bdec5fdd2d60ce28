package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/staff"
)

// bankQuestions posts questions to the bank and returns their IDs.
func (e *env) bankQuestions(tok string, qs ...map[string]any) []string {
	e.t.Helper()
	body := make([]any, len(qs))
	for i, q := range qs {
		body[i] = q
	}
	rec := e.do("POST", "/api/v1/admin/questions", tok, body)
	wantStatus(e.t, rec, http.StatusCreated)
	var out struct{ Items []idBody }
	decode(e.t, rec, &out)
	ids := make([]string, len(out.Items))
	for i, q := range out.Items {
		ids[i] = q.ID
	}
	return ids
}

// auditTargetOf returns the target ID of the newest audit entry of action.
func (e *env) auditTargetOf(action string) string {
	e.t.Helper()
	var ids []string
	if err := e.db.Table("audit_log").Where("action = ?", action).Order("id DESC").Limit(1).Pluck("target_id", &ids).Error; err != nil {
		e.t.Fatal(err)
	}
	if len(ids) == 0 {
		e.t.Fatalf("no audit entry for %s", action)
	}
	return ids[0]
}

func TestQuestionBankAPI(t *testing.T) {
	e := newEnv(t)
	if _, err := e.surveys.SeedStarter(context.Background()); err != nil {
		t.Fatal(err)
	}
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	auditor, _ := e.staffer([]staff.Role{staff.Auditor})
	points, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	foreign := e.foreignStaffer()
	ids := e.bankQuestions(editor,
		map[string]any{"type": "single", "stem": "合同何时成立？", "options": []string{"签字时", "承诺生效时"}, "answer": []string{"承诺生效时"}, "tags": []string{"合同"}},
		map[string]any{"type": "judge", "stem": "未成年人可以独立订立所有合同。", "answer": []string{"错"}, "tags": []string{"合同", "未成年人"}},
		map[string]any{"type": "text", "stem": "您的建议"},
	)
	type bankPage struct {
		Items []struct {
			ID           string
			DepartmentID *string `json:"department_id"`
			Stem         string
			InUse        bool       `json:"in_use"`
			RetiredAt    *time.Time `json:"retired_at"`
		}
		NextPageToken string `json:"next_page_token"`
	}
	list := func(tok, query string) bankPage {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/questions"+query, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var p bankPage
		decode(t, rec, &p)
		return p
	}

	t.Run("List", func(t *testing.T) {
		p := list(editor, "?tag=合同")
		if len(p.Items) != 2 || p.Items[0].ID != ids[1] || p.Items[1].ID != ids[0] {
			t.Fatalf("tag 合同: %+v", p.Items)
		}
		if p := list(editor, "?q=建议&kind=text"); len(p.Items) != 1 || p.Items[0].ID != ids[2] {
			t.Fatalf("q 建议: %+v", p.Items)
		}
		all := list(editor, "?page_size=100")
		starter := 0
		for _, q := range all.Items {
			if q.DepartmentID == nil {
				starter++
			}
		}
		if starter == 0 || len(all.Items) != starter+3 {
			t.Fatalf("the bank shows %d questions, %d of the starter bank; want the starter bank and ours", len(all.Items), starter)
		}
		first := list(editor, "?page_size=2")
		if len(first.Items) != 2 || first.NextPageToken == "" {
			t.Fatalf("first page %+v", first)
		}
		next := list(editor, "?page_size=2&page_token="+first.NextPageToken)
		if len(next.Items) != 2 || next.Items[0].ID != ids[0] {
			t.Fatalf("second page %+v", next.Items)
		}
		if p := list(auditor, "?tag=合同"); len(p.Items) != 2 {
			t.Fatalf("auditor (surveys.read) sees %+v", p.Items)
		}
		for _, q := range list(foreign, "?page_size=100").Items {
			if q.DepartmentID != nil {
				t.Fatalf("another department sees our question %+v", q)
			}
		}
	})
	t.Run("ErrList", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/questions?kind=essay", editor, nil), http.StatusBadRequest, "invalid_argument", "kind")
		wantError(t, e.do("GET", "/api/v1/admin/questions?include_retired=maybe", editor, nil), http.StatusBadRequest, "invalid_argument", "include_retired")
		wantError(t, e.do("GET", "/api/v1/admin/questions", points, nil), http.StatusForbidden, "permission_denied", "")
	})

	t.Run("Edit", func(t *testing.T) {
		rec := e.do("PATCH", "/api/v1/admin/questions/"+ids[0], editor, map[string]any{"type": "single", "stem": "合同一般何时成立？",
			"options": []string{"签字时", "承诺生效时", "付款时"}, "answer": []string{"承诺生效时"}, "tags": []string{"合同", "要约承诺"}})
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), "付款时") {
			t.Fatalf("edited question %s", rec.Body.String())
		}
		if p := list(editor, "?tag=要约承诺"); len(p.Items) != 1 || p.Items[0].ID != ids[0] {
			t.Fatalf("new tag not indexed: %+v", p.Items)
		}
		if e.auditTargetOf("PATCH /api/v1/admin/questions/:id") != ids[0] {
			t.Fatal("the edit's audit entry does not name the question")
		}
	})
	t.Run("ErrEdit", func(t *testing.T) {
		before := list(editor, "?q=合同一般").Items
		wantError(t, e.do("PATCH", "/api/v1/admin/questions/"+ids[0], editor, map[string]any{"type": "single", "stem": "",
			"options": []string{"甲", "乙"}, "answer": []string{"甲"}}), http.StatusBadRequest, "invalid_argument", "stem")
		wantError(t, e.do("PATCH", "/api/v1/admin/questions/"+ids[0], editor, map[string]any{"type": "single", "stem": "题",
			"options": []string{"甲", "乙"}}), http.StatusBadRequest, "invalid_argument", "answer")
		wantError(t, e.do("PATCH", "/api/v1/admin/questions/"+ids[0], editor, "{\"type\":\"single\",\"stem\":\"\xff\"}"), http.StatusBadRequest, "invalid_argument", "stem")
		if after := list(editor, "?q=合同一般").Items; len(after) != 1 || len(before) != 1 || after[0].Stem != before[0].Stem {
			t.Fatalf("a refused edit changed the question: %+v", after)
		}
		wantError(t, e.do("PATCH", "/api/v1/admin/questions/"+ids[0], auditor, map[string]any{"type": "judge", "stem": "题", "answer": []string{"对"}}),
			http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("PATCH", "/api/v1/admin/questions/"+ids[0], foreign, map[string]any{"type": "judge", "stem": "题", "answer": []string{"对"}}),
			http.StatusNotFound, "not_found", "")
		var starter string
		for _, q := range list(editor, "?page_size=100").Items {
			if q.DepartmentID == nil {
				starter = q.ID
			}
		}
		wantError(t, e.do("PATCH", "/api/v1/admin/questions/"+starter, editor, map[string]any{"type": "judge", "stem": "题", "answer": []string{"对"}}),
			http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("POST", "/api/v1/admin/questions/"+starter+"/retire", editor, nil), http.StatusForbidden, "permission_denied", "")
	})

	t.Run("ErrEditInUse", func(t *testing.T) {
		inUse := e.bankQuestions(editor, map[string]any{"type": "judge", "stem": "已用于测验", "answer": []string{"对"}})[0]
		e.createPublished(editor, map[string]any{"kind": "quiz", "title": "用题测验", "questions": []string{inUse}})
		if p := list(editor, "?q=已用于测验"); len(p.Items) != 1 || !p.Items[0].InUse {
			t.Fatalf("in_use not shown: %+v", p.Items)
		}
		wantError(t, e.do("PATCH", "/api/v1/admin/questions/"+inUse, editor, map[string]any{"type": "judge", "stem": "改了", "answer": []string{"错"}}),
			http.StatusConflict, "conflict", "")
		// A question a published quiz may draw is in use too.
		drawn := e.bankQuestions(editor, map[string]any{"type": "judge", "stem": "抽题池中", "answer": []string{"对"}, "tags": []string{"抽题标签"}})[0]
		e.createPublished(editor, map[string]any{"kind": "quiz", "title": "抽题测验", "draw": map[string]any{"tags": []string{"抽题标签"}, "count": 1}})
		wantError(t, e.do("PATCH", "/api/v1/admin/questions/"+drawn, editor, map[string]any{"type": "judge", "stem": "改了", "answer": []string{"错"}}),
			http.StatusConflict, "conflict", "")
	})

	t.Run("Retire", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/questions/"+ids[1]+"/retire", editor, nil)
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), `"retired_at":null`) {
			t.Fatalf("retired question %s", rec.Body.String())
		}
		if p := list(editor, "?tag=未成年人"); len(p.Items) != 0 {
			t.Fatalf("retired question listed: %+v", p.Items)
		}
		if p := list(editor, "?tag=未成年人&include_retired=true"); len(p.Items) != 1 || p.Items[0].RetiredAt == nil {
			t.Fatalf("include_retired: %+v", p.Items)
		}
		wantError(t, e.do("POST", "/api/v1/admin/questions/"+ids[1]+"/retire", editor, nil), http.StatusConflict, "conflict", "")
		before := e.count("surveys")
		wantError(t, e.do("POST", "/api/v1/admin/surveys", editor, map[string]any{"kind": "quiz", "title": "用停用题", "questions": []string{ids[1]}}),
			http.StatusBadRequest, "invalid_argument", "questions[0]")
		if e.count("surveys") != before {
			t.Fatal("a refused survey was stored")
		}
		wantError(t, e.do("POST", "/api/v1/admin/questions/"+ids[2]+"/retire", auditor, nil), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("POST", "/api/v1/admin/questions/"+ids[2]+"/retire", foreign, nil), http.StatusNotFound, "not_found", "")
	})
}

func TestSurveyAdminAPI(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	auditor, _ := e.staffer([]staff.Role{staff.Auditor})
	points, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	foreign := e.foreignStaffer()
	questionnaire := func(title string) map[string]any {
		return map[string]any{"kind": "questionnaire", "title": title, "audience": map[string]any{"streets": []string{"华富街道"}},
			"questions": []any{map[string]any{"type": "rating", "stem": "满意度"}, map[string]any{"type": "text", "stem": "建议", "required": false}}}
	}
	rec := e.do("POST", "/api/v1/admin/surveys", editor, questionnaire("草稿问卷"))
	wantStatus(t, rec, http.StatusCreated)
	var draft struct {
		ID        string
		Questions []struct {
			ID       string
			Required bool
		}
	}
	decode(t, rec, &draft)
	if e.auditTargetOf("POST /api/v1/admin/surveys") != draft.ID {
		t.Fatal("creating a survey: the audit entry does not name it")
	}
	if len(draft.Questions) != 2 || !draft.Questions[0].Required || draft.Questions[1].Required {
		t.Fatalf("draft questions %+v", draft.Questions)
	}
	published := e.createPublished(editor, questionnaire("已发布问卷"))
	quiz := e.createPublished(editor, map[string]any{"kind": "quiz", "title": "普法测验",
		"questions": []any{map[string]any{"type": "judge", "stem": "判断", "answer": []string{"对"}}}})

	type listPage struct {
		Items []struct {
			ID     string
			Status string
			Kind   string
		}
		NextPageToken string `json:"next_page_token"`
	}
	list := func(tok, query string) listPage {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/surveys"+query, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var p listPage
		decode(t, rec, &p)
		return p
	}

	t.Run("List", func(t *testing.T) {
		p := list(editor, "")
		if len(p.Items) != 3 || p.Items[0].ID != quiz || p.Items[2].ID != draft.ID || p.Items[2].Status != "draft" {
			t.Fatalf("list %+v", p.Items)
		}
		if p := list(editor, "?kind=quiz"); len(p.Items) != 1 || p.Items[0].ID != quiz {
			t.Fatalf("kind=quiz %+v", p.Items)
		}
		if p := list(editor, "?status=draft"); len(p.Items) != 1 || p.Items[0].ID != draft.ID {
			t.Fatalf("status=draft %+v", p.Items)
		}
		if p := list(editor, "?q=已发布"); len(p.Items) != 1 || p.Items[0].ID != published {
			t.Fatalf("q %+v", p.Items)
		}
		first := list(editor, "?page_size=2")
		if len(first.Items) != 2 || first.NextPageToken == "" {
			t.Fatalf("first page %+v", first)
		}
		if p := list(editor, "?page_size=2&page_token="+first.NextPageToken); len(p.Items) != 1 || p.Items[0].ID != draft.ID {
			t.Fatalf("second page %+v", p.Items)
		}
		if p := list(auditor, ""); len(p.Items) != 3 {
			t.Fatalf("auditor sees %+v", p.Items)
		}
		if p := list(foreign, ""); len(p.Items) != 0 {
			t.Fatalf("another department sees %+v", p.Items)
		}
		lianhua, _ := e.staffer([]staff.Role{staff.Editor}, "莲花街道")
		if p := list(lianhua, ""); len(p.Items) != 1 || p.Items[0].ID != quiz { // the quiz is for every street
			t.Fatalf("莲花 editor sees %+v", p.Items)
		}
		wantError(t, e.do("GET", "/api/v1/admin/surveys?status=open", editor, nil), http.StatusBadRequest, "invalid_argument", "status")
		wantError(t, e.do("GET", "/api/v1/admin/surveys?kind=poll", editor, nil), http.StatusBadRequest, "invalid_argument", "kind")
		wantError(t, e.do("GET", "/api/v1/admin/surveys", points, nil), http.StatusForbidden, "permission_denied", "")
	})

	t.Run("Get", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/surveys/"+draft.ID, auditor, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), "满意度") || !strings.Contains(rec.Body.String(), `"required":false`) {
			t.Fatalf("survey %s", rec.Body.String())
		}
		wantError(t, e.do("GET", "/api/v1/admin/surveys/"+draft.ID, foreign, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("GET", "/api/v1/admin/surveys/"+draft.ID, points, nil), http.StatusForbidden, "permission_denied", "")
	})

	t.Run("EditDraft", func(t *testing.T) {
		rec := e.do("PATCH", "/api/v1/admin/surveys/"+draft.ID, editor, map[string]any{"title": "改后的问卷",
			"questions": []any{draft.Questions[1].ID, map[string]any{"type": "single", "stem": "新题", "options": []string{"是", "否"}}}})
		wantStatus(t, rec, http.StatusOK)
		var got struct {
			Title     string
			Questions []struct{ ID, Stem string }
		}
		decode(t, rec, &got)
		if got.Title != "改后的问卷" || len(got.Questions) != 2 || got.Questions[0].ID != draft.Questions[1].ID || got.Questions[1].Stem != "新题" {
			t.Fatalf("edited draft %+v", got)
		}
		if e.auditTargetOf("PATCH /api/v1/admin/surveys/:id") != draft.ID {
			t.Fatal("the edit's audit entry does not name the survey")
		}
		// …and records what changed (issue 26: before → after).
		var changes []string
		if err := e.db.Table("audit_log").Where("action = ?", "PATCH /api/v1/admin/surveys/:id").Order("id DESC").Limit(1).Pluck("changes", &changes).Error; err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 || !strings.Contains(changes[0], "改后的问卷") || !strings.Contains(changes[0], `"title"`) {
			t.Fatalf("the edit's audit entry records changes %q", changes)
		}
		// The kind may change too; a quiz takes scored questions only.
		wantError(t, e.do("PATCH", "/api/v1/admin/surveys/"+draft.ID, editor, map[string]any{"kind": "quiz"}),
			http.StatusBadRequest, "invalid_argument", "questions[0]")
	})
	t.Run("ErrEditDraft", func(t *testing.T) {
		before := e.count("survey_items")
		for _, tc := range []struct {
			body  any
			field string
		}{
			{map[string]any{"title": ""}, "title"},
			{map[string]any{"questions": []any{}}, "questions"},
			{map[string]any{"closes_at": "2020-01-01T00:00:00Z"}, "closes_at"},
			{map[string]any{"retention_days": 0}, "retention_days"},
			{map[string]any{"closes_at": "tomorrow"}, "closes_at"},
			{"{\"title\":\"\xff\"}", "title"},
		} {
			wantError(t, e.do("PATCH", "/api/v1/admin/surveys/"+draft.ID, editor, tc.body), http.StatusBadRequest, "invalid_argument", tc.field)
		}
		huafu, _ := e.staffer([]staff.Role{staff.Editor}, "华富街道")
		wantError(t, e.do("PATCH", "/api/v1/admin/surveys/"+draft.ID, huafu, map[string]any{"audience": map[string]any{"streets": []string{"香蜜湖街道"}}}),
			http.StatusForbidden, "permission_denied", "audience.streets")
		if e.count("survey_items") != before {
			t.Fatal("a refused edit changed the questions")
		}
		var title string
		e.db.Table("surveys").Where("id = ?", draft.ID).Pluck("title", &title)
		if title != "改后的问卷" {
			t.Fatalf("a refused edit changed the title to %q", title)
		}
		wantError(t, e.do("PATCH", "/api/v1/admin/surveys/"+draft.ID, auditor, map[string]any{"title": "审计员"}), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("PATCH", "/api/v1/admin/surveys/"+draft.ID, foreign, map[string]any{"title": "他部门"}), http.StatusNotFound, "not_found", "")
	})

	t.Run("EditPublished", func(t *testing.T) {
		wantError(t, e.do("PATCH", "/api/v1/admin/surveys/"+published, editor, map[string]any{"title": "改标题"}), http.StatusConflict, "conflict", "title")
		later := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		rec := e.do("PATCH", "/api/v1/admin/surveys/"+published, editor, map[string]any{"closes_at": later})
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), formatTime(later)) {
			t.Fatalf("closes_at not moved: %s", rec.Body.String())
		}
		wantError(t, e.do("PATCH", "/api/v1/admin/surveys/"+published, editor, map[string]any{"closes_at": time.Now().Add(-time.Hour)}),
			http.StatusBadRequest, "invalid_argument", "closes_at")
	})

	t.Run("Close", func(t *testing.T) {
		tok, _ := e.residentOn("closer", "华富街道")
		rec := e.do("GET", "/api/v1/surveys", tok, nil)
		if !strings.Contains(rec.Body.String(), idOf(published)) {
			t.Fatalf("resident does not see the open survey: %s", rec.Body.String())
		}
		wantError(t, e.do("POST", "/api/v1/admin/surveys/"+published+"/close", auditor, nil), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("POST", "/api/v1/admin/surveys/"+published+"/close", foreign, nil), http.StatusNotFound, "not_found", "")
		rec = e.do("POST", "/api/v1/admin/surveys/"+published+"/close", editor, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"status":"closed"`) {
			t.Fatalf("closed survey %s", rec.Body.String())
		}
		if rec := e.do("GET", "/api/v1/surveys", tok, nil); strings.Contains(rec.Body.String(), idOf(published)) {
			t.Fatalf("resident still sees the closed survey: %s", rec.Body.String())
		}
		if p := list(editor, "?status=closed"); len(p.Items) != 1 || p.Items[0].ID != published || p.Items[0].Status != "closed" {
			t.Fatalf("status=closed %+v", p.Items)
		}
		if p := list(editor, "?status=published"); len(p.Items) != 1 || p.Items[0].ID != quiz {
			t.Fatalf("status=published %+v", p.Items)
		}
		wantError(t, e.do("POST", "/api/v1/admin/surveys/"+published+"/close", editor, nil), http.StatusConflict, "conflict", "")
		wantError(t, e.do("POST", "/api/v1/admin/surveys/"+draft.ID+"/close", editor, nil), http.StatusConflict, "conflict", "")
		if e.auditTargetOf("POST /api/v1/admin/surveys/:id/close") != published {
			t.Fatal("the close's audit entry does not name the survey")
		}
	})
}

func TestSurveyStatsStreetsAndScores(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	huafu, _ := e.staffer([]staff.Role{staff.Editor}, "华富街道")
	ids := e.bankQuestions(editor,
		map[string]any{"type": "judge", "stem": "一", "answer": []string{"对"}},
		map[string]any{"type": "judge", "stem": "二", "answer": []string{"对"}},
	)
	quiz := e.createPublished(editor, map[string]any{"kind": "quiz", "title": "分数分布", "questions": ids,
		"audience": map[string]any{"streets": []string{"华富街道", "莲花街道"}}})
	take := func(name, street string, answers ...string) {
		tok, _ := e.residentOn(name, street)
		rec := e.do("POST", "/api/v1/surveys/"+quiz+"/attempts", tok, nil)
		wantStatus(t, rec, http.StatusCreated)
		var a struct {
			AttemptID string `json:"attempt_id"`
		}
		decode(t, rec, &a)
		wantStatus(t, e.do("POST", "/api/v1/attempts/"+a.AttemptID+"/submit", tok, map[string]any{"answers": map[string]any{
			ids[0]: []string{answers[0]}, ids[1]: []string{answers[1]},
		}}), http.StatusOK)
	}
	take("s100", "华富街道", "对", "对")
	take("s50", "华富街道", "对", "错")
	take("s0", "莲花街道", "错", "错")
	e.residentOn("idle", "莲花街道")

	type stats struct {
		ByStreet []struct {
			Street       string
			Audience     int64
			Participants int64
			ResponseRate float64 `json:"response_rate"`
		} `json:"by_street"`
		Scores []struct{ From, To, Count int } `json:"score_distribution"`
	}
	get := func(tok string) stats {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/surveys/"+quiz+"/stats", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var st stats
		decode(t, rec, &st)
		return st
	}
	st := get(editor)
	if len(st.Scores) != 10 || st.Scores[0].Count != 1 || st.Scores[5].Count != 1 || st.Scores[9].Count != 1 || st.Scores[9].To != 100 {
		t.Fatalf("score distribution %+v", st.Scores)
	}
	if len(st.ByStreet) != 2 || st.ByStreet[0].Street != "华富街道" || st.ByStreet[0].Audience != 2 || st.ByStreet[0].ResponseRate != 1 ||
		st.ByStreet[1].Street != "莲花街道" || st.ByStreet[1].Audience != 2 || st.ByStreet[1].ResponseRate != 0.5 {
		t.Fatalf("by street %+v", st.ByStreet)
	}
	// Limited to the caller's streets: 莲花's attempt and audience are not counted.
	st = get(huafu)
	if len(st.ByStreet) != 1 || st.ByStreet[0].Street != "华富街道" || st.Scores[0].Count != 0 || st.Scores[9].Count != 1 {
		t.Fatalf("华富 editor's stats %+v", st)
	}
}
