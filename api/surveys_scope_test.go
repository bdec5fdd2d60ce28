package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// rule saves a points rule of department dept (nil: district-wide).
func (e *env) rule(code string, dept *int64, pts int) {
	e.t.Helper()
	if _, _, err := e.points.SaveRule(context.Background(), nil, points.Rule{Code: code, Name: code, Points: pts, DepartmentID: dept}); err != nil {
		e.t.Fatal(err)
	}
}

// declarationFor publishes a one-question declaration (a judge question)
// for streets and returns its ID and the question's ID.
func (e *env) declarationFor(tok string, extra map[string]any, streets ...string) (string, string) {
	e.t.Helper()
	body := map[string]any{"kind": "declaration", "title": "每日申报",
		"audience":  map[string]any{"streets": streets},
		"questions": []any{map[string]any{"type": "judge", "stem": "体温正常？"}}}
	for k, v := range extra {
		body[k] = v
	}
	sid := e.createPublished(tok, body)
	rec := e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats", tok, nil)
	wantStatus(e.t, rec, http.StatusOK)
	var st struct {
		Questions []struct {
			QuestionID string `json:"question_id"`
		}
	}
	decode(e.t, rec, &st)
	return sid, st.Questions[0].QuestionID
}

// Issue #12.1: an editor of department 2 named department 1's points rule
// on a declaration, and residents were granted points under it.
func TestSurveyPointsRuleOfOwnDepartment(t *testing.T) {
	e := newEnv(t)
	d1 := e.dept
	e.rule("d1_clean", &d1, 15)
	e.rule("district_rule", nil, 3)
	editor1, _ := e.staffer([]staff.Role{staff.Editor})
	editor2 := e.foreignStaffer()
	decl := func(rule string) map[string]any {
		return map[string]any{"kind": "declaration", "title": "每日申报", "points_rule": rule,
			"questions": []any{map[string]any{"type": "judge", "stem": "体温正常？"}}}
	}

	t.Run("ErrForeignRule", func(t *testing.T) {
		before := e.count("surveys")
		wantError(t, e.do("POST", "/api/v1/admin/surveys", editor2, decl("d1_clean")), http.StatusForbidden, "permission_denied", "points_rule")
		wantError(t, e.do("POST", "/api/v1/admin/surveys", editor2, decl("no_such_rule")), http.StatusBadRequest, "invalid_argument", "points_rule")
		if got := e.count("surveys"); got != before {
			t.Fatalf("refused surveys wrote %d rows", got-before)
		}
	})
	t.Run("OK", func(t *testing.T) {
		wantStatus(t, e.do("POST", "/api/v1/admin/surveys", editor1, decl("d1_clean")), http.StatusCreated)
		wantStatus(t, e.do("POST", "/api/v1/admin/surveys", editor2, decl("district_rule")), http.StatusCreated)
	})
	t.Run("NoGrantUnderForeignRule", func(t *testing.T) {
		// A survey stored before the check, naming another department's rule.
		sid := e.createPublished(editor2, decl("district_rule"))
		if err := e.db.Table("surveys").Where("id = ?", sid).Update("points_rule", "d1_clean").Error; err != nil {
			t.Fatal(err)
		}
		tok, rid := e.residentOn("foreign-rule", "华富街道")
		var view struct{ Questions []idBody }
		decode(t, e.do("GET", "/api/v1/surveys/"+sid, tok, nil), &view)
		rec := e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, map[string]any{"answers": map[string]any{view.Questions[0].ID: []string{"对"}}})
		wantStatus(t, rec, http.StatusCreated)
		if !strings.Contains(rec.Body.String(), `"points_awarded":0`) {
			t.Fatalf("receipt %s, want 0 points", rec.Body.String())
		}
		var n int64
		e.db.Table("point_transactions").Where("resident_id = ?", rid).Count(&n)
		if n != 0 {
			t.Fatalf("%d point transactions for the resident, want 0", n)
		}
	})
}

// Issue #12.2: an editor scoped to 华富街道 published a survey for
// 香蜜湖街道 and read its answers in the statistics.
func TestSurveyStreetScope(t *testing.T) {
	e := newEnv(t)
	huafu, _ := e.staffer([]staff.Role{staff.Editor}, "华富街道")
	district, _ := e.staffer([]staff.Role{staff.Editor})
	body := func(audience map[string]any) map[string]any {
		return map[string]any{"kind": "questionnaire", "title": "问卷", "audience": audience,
			"questions": []any{map[string]any{"type": "judge", "stem": "满意吗？"}}}
	}

	t.Run("ErrAudienceBeyondStreets", func(t *testing.T) {
		before := e.count("surveys")
		for _, tc := range []struct {
			audience map[string]any
			field    string
		}{
			{map[string]any{"streets": []string{"香蜜湖街道"}}, "audience.streets"},
			{map[string]any{"streets": []string{"华富街道", "香蜜湖街道"}}, "audience.streets"},
			{map[string]any{}, "audience.streets"},
			{map[string]any{"communities": []string{"香蜜社区"}}, "audience.communities"},
			{map[string]any{"streets": []string{"华富街道"}, "communities": []string{"香蜜社区"}}, "audience.communities"},
		} {
			wantError(t, e.do("POST", "/api/v1/admin/surveys", huafu, body(tc.audience)), http.StatusForbidden, "permission_denied", tc.field)
		}
		if got := e.count("surveys"); got != before {
			t.Fatalf("refused surveys wrote %d rows", got-before)
		}
	})
	t.Run("OK", func(t *testing.T) {
		wantStatus(t, e.do("POST", "/api/v1/admin/surveys", huafu, body(map[string]any{"streets": []string{"华富街道"}})), http.StatusCreated)
		wantStatus(t, e.do("POST", "/api/v1/admin/surveys", huafu, body(map[string]any{"communities": []string{"莲花一村社区"}})), http.StatusCreated)
		wantStatus(t, e.do("POST", "/api/v1/admin/surveys", district, body(map[string]any{"streets": []string{"香蜜湖街道"}})), http.StatusCreated)
	})

	t.Run("StatsExportsMissingInScope", func(t *testing.T) {
		sid, q := e.declarationFor(district, nil, "华富街道", "香蜜湖街道")
		hfTok, hfID := e.residentOn("scope-hf", "华富街道")
		xmTok, _ := e.residentOn("scope-xm", "香蜜湖街道")
		e.residentOn("scope-hf-missing", "华富街道")
		e.residentOn("scope-xm-missing", "香蜜湖街道")
		wantStatus(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", hfTok, map[string]any{"answers": map[string]any{q: []string{"对"}}}), http.StatusCreated)
		wantStatus(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", xmTok, map[string]any{"answers": map[string]any{q: []string{"错"}}}), http.StatusCreated)

		rec := e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats", huafu, nil)
		wantStatus(t, rec, http.StatusOK)
		var st struct {
			Participants int64
			Submissions  int64
			Questions    []struct {
				Answered     int64
				Distribution map[string]int64
			}
			ByStreet []struct{ Street string } `json:"by_street"`
		}
		decode(t, rec, &st)
		if st.Participants != 1 || st.Submissions != 1 || st.Questions[0].Answered != 1 || st.Questions[0].Distribution["错"] != 0 ||
			st.Questions[0].Distribution["对"] != 1 || len(st.ByStreet) != 1 || st.ByStreet[0].Street != "华富街道" {
			t.Fatalf("华富 editor's stats %s, want 华富's answer only", rec.Body.String())
		}
		rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats", district, nil)
		decode(t, rec, &st)
		if st.Participants != 2 || st.Questions[0].Distribution["错"] != 1 || len(st.ByStreet) != 2 {
			t.Fatalf("district editor's stats %s, want both streets", rec.Body.String())
		}

		rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses", huafu, nil)
		wantStatus(t, rec, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][1] != strconv.FormatInt(hfID, 10) {
			t.Fatalf("华富 editor's CSV %v (%v), want 华富's row only", rows, err)
		}
		rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses?format=xlsx", huafu, nil)
		wantStatus(t, rec, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		xrows, _ := f.GetRows("Sheet1")
		if len(xrows) != 2 || xrows[1][2] != "华富街道" {
			t.Fatalf("华富 editor's XLSX %v, want 华富's row only", xrows)
		}

		rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/missing", huafu, nil)
		wantStatus(t, rec, http.StatusOK)
		var missing struct {
			Items []struct{ Street string }
		}
		decode(t, rec, &missing)
		if len(missing.Items) != 1 || missing.Items[0].Street != "华富街道" {
			t.Fatalf("华富 editor's missing list %s", rec.Body.String())
		}
	})
}
