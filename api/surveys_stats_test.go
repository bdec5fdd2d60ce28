package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

// Issue #12.12: a question stem starting with "=" came out of the CSV
// export as a live formula in the header row.
func TestExportHeaderIsNoFormula(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	const stem = `=HYPERLINK("http://evil.example/","点我")`
	sid := e.createPublished(editor, map[string]any{"kind": "questionnaire", "title": "问卷",
		"questions": []any{map[string]any{"type": "text", "stem": stem}, map[string]any{"type": "text", "stem": "+1 备注", "required": false}}})

	rec := e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses", editor, nil)
	wantStatus(t, rec, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[0][5:]; got[0] != "'"+stem || got[1] != "'+1 备注" {
		t.Fatalf("CSV header %q, want the stems defused", got)
	}

	rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses?format=xlsx", editor, nil)
	wantStatus(t, rec, http.StatusOK)
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	formula, err := f.GetCellFormula("Sheet1", "F1")
	if err != nil || formula != "" {
		t.Fatalf("XLSX header F1 is a formula %q (%v)", formula, err)
	}
	if v, _ := f.GetCellValue("Sheet1", "F1"); v != stem {
		t.Fatalf("XLSX header F1 = %q, want the stem as text", v)
	}
	if typ, _ := f.GetCellType("Sheet1", "F1"); typ == excelize.CellTypeFormula {
		t.Fatalf("XLSX header F1 has type formula")
	}
}

// statsBody is the part of a survey's statistics the tests compare.
type statsBody struct {
	Participants int64 `json:"participants"`
	Submissions  int64 `json:"submissions"`
	Questions    []struct {
		Type         string           `json:"type"`
		Answered     int64            `json:"answered"`
		Distribution map[string]int64 `json:"distribution"`
		Min          *float64         `json:"min"`
		Max          *float64         `json:"max"`
		Mean         *float64         `json:"mean"`
		Latest       []struct {
			Answer string `json:"answer"`
		} `json:"latest"`
	} `json:"questions"`
	ByStreet []struct {
		Street       string `json:"street"`
		Participants int64  `json:"participants"`
		Submissions  int64  `json:"submissions"`
	} `json:"by_street"`
}

// mixedDeclaration publishes a daily declaration for 华富 and 莲花 with a
// judge, a multi, a number and a text question; it returns the survey's
// and the questions' IDs.
func mixedDeclaration(t *testing.T, e *env, editor string, extra map[string]any) (string, []string) {
	t.Helper()
	no := false
	body := map[string]any{"kind": "declaration", "title": "健康申报",
		"audience": map[string]any{"streets": []string{"华富街道", "莲花街道"}},
		"questions": []any{
			map[string]any{"type": "judge", "stem": "体温正常？"},
			map[string]any{"type": "multi", "stem": "症状", "options": []string{"无", "发热", "咳嗽"}},
			map[string]any{"type": "number", "stem": "体温", "required": no},
			map[string]any{"type": "text", "stem": "备注", "required": no},
		}}
	for k, v := range extra {
		body[k] = v
	}
	rec := e.do("POST", "/api/v1/admin/surveys", editor, body)
	wantStatus(t, rec, http.StatusCreated)
	var sv struct {
		ID        string
		Questions []idBody
	}
	decode(t, rec, &sv)
	wantStatus(t, e.do("POST", "/api/v1/admin/surveys/"+sv.ID+"/publish", editor, nil), http.StatusOK)
	ids := make([]string, len(sv.Questions))
	for i, q := range sv.Questions {
		ids[i] = q.ID
	}
	return sv.ID, ids
}

// Issue #12.15: number and text questions showed answered 0 even when
// answered; a number question shows count, min, max, mean and a
// distribution, a text question the count and the latest answers.
func TestStatsNumberAndText(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	sid, q := mixedDeclaration(t, e, editor, nil)
	answers := []struct {
		street string
		answer map[string]any
	}{
		{"华富街道", map[string]any{q[0]: []string{"错"}, q[1]: []string{"发热", "咳嗽"}, q[2]: []string{"38.5"}, q[3]: []string{"头痛"}}},
		{"华富街道", map[string]any{q[0]: []string{"对"}, q[1]: []string{"无"}, q[2]: []string{"36.5"}}},
		{"莲花街道", map[string]any{q[0]: []string{"对"}, q[1]: []string{"无"}, q[2]: []string{"36.50"}, q[3]: []string{"莲花的备注"}}},
	}
	for i, a := range answers {
		tok, _ := e.residentOn("nt"+string(rune('a'+i)), a.street)
		wantStatus(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, map[string]any{"answers": a.answer}), http.StatusCreated)
	}

	rec := e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats", editor, nil)
	wantStatus(t, rec, http.StatusOK)
	var st statsBody
	decode(t, rec, &st)
	num, text := st.Questions[2], st.Questions[3]
	if num.Answered != 3 || num.Min == nil || *num.Min != 36.5 || *num.Max != 38.5 || *num.Mean != 37.17 ||
		len(num.Distribution) != 2 || num.Distribution["36.5"] != 2 || num.Distribution["38.5"] != 1 {
		t.Fatalf("number question stats %s", rec.Body.String())
	}
	if text.Answered != 2 || len(text.Latest) != 2 || text.Latest[0].Answer != "莲花的备注" || text.Latest[1].Answer != "头痛" {
		t.Fatalf("text question stats %s", rec.Body.String())
	}
	if st.Questions[1].Answered != 3 || st.Questions[1].Distribution["无"] != 2 {
		t.Fatalf("multi question stats %s", rec.Body.String())
	}

	// A 华富 editor sees 华富's answers only, free text included.
	huafu, _ := e.staffer([]staff.Role{staff.Editor}, "华富街道")
	rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats", huafu, nil)
	wantStatus(t, rec, http.StatusOK)
	decode(t, rec, &st)
	num, text = st.Questions[2], st.Questions[3]
	if num.Answered != 2 || *num.Mean != 37.5 || text.Answered != 1 || len(text.Latest) != 1 || text.Latest[0].Answer != "头痛" {
		t.Fatalf("华富 editor's stats %s", rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), "莲花的备注") {
		t.Fatalf("华富 editor reads 莲花's text answer: %s", rec.Body.String())
	}
}

// Issue #12.16: declarations were kept forever. Past its retention a
// survey's answers are erased by the worker, and the statistics still add
// up.
func TestSurveyRetention(t *testing.T) {
	e := newEnvDeps(t, dbtest.Open(t), longTokens, func(*Config) {})
	ctx := context.Background()
	editor, _ := e.staffer([]staff.Role{staff.Editor})

	t.Run("ErrBadRetention", func(t *testing.T) {
		before := e.count("surveys")
		for _, v := range []any{0, -1, 3651, "long"} {
			rec := e.do("POST", "/api/v1/admin/surveys", editor, map[string]any{"kind": "declaration", "title": "申报", "retention_days": v,
				"questions": []any{map[string]any{"type": "judge", "stem": "体温正常？"}}})
			wantError(t, rec, http.StatusBadRequest, "invalid_argument", "retention_days")
		}
		if got := e.count("surveys"); got != before {
			t.Fatalf("bad input wrote %d surveys", got-before)
		}
	})
	t.Run("DefaultByKind", func(t *testing.T) {
		for kind, want := range map[string]string{"declaration": `"retention_days":90`, "questionnaire": `"retention_days":365`} {
			rec := e.do("POST", "/api/v1/admin/surveys", editor, map[string]any{"kind": kind, "title": "默认",
				"questions": []any{map[string]any{"type": "judge", "stem": "体温正常？"}}})
			wantStatus(t, rec, http.StatusCreated)
			if !strings.Contains(rec.Body.String(), want) {
				t.Fatalf("%s: %s, want %s", kind, rec.Body.String(), want)
			}
		}
	})

	sid, q := mixedDeclaration(t, e, editor, map[string]any{"retention_days": 30})
	const secret = "身份证号 440304199001011234"
	var toks []string
	for i, street := range []string{"华富街道", "莲花街道", "华富街道"} {
		tok, _ := e.residentOn("ret"+string(rune('a'+i)), street)
		toks = append(toks, tok)
		wantStatus(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", tok, map[string]any{"answers": map[string]any{
			q[0]: []string{"对"}, q[1]: []string{"发热", "咳嗽"}, q[2]: []string{"37." + string(rune('1'+i))}, q[3]: []string{secret},
		}}), http.StatusCreated)
	}
	huafu, _ := e.staffer([]staff.Role{staff.Editor}, "华富街道")
	today := district.Date(time.Now())
	views := []struct{ tok, query string }{{editor, ""}, {editor, "?date=" + today}, {huafu, ""}}
	stats := func() []string {
		var out []string
		for _, v := range views {
			rec := e.do("GET", "/api/v1/admin/surveys/"+sid+"/stats"+v.query, v.tok, nil)
			wantStatus(t, rec, http.StatusOK)
			var st statsBody
			decode(t, rec, &st)
			for i := range st.Questions {
				st.Questions[i].Latest = nil // free text is what retention erases
			}
			b, _ := json.Marshal(st)
			out = append(out, string(b))
		}
		return out
	}
	before := stats()

	// Not yet due: nothing is erased.
	e.clock.Add(29 * 24 * time.Hour)
	defer e.clock.Reset()
	if n, err := e.surveys.EraseExpired(ctx); err != nil || n != 0 {
		t.Fatalf("erased %d (%v) before the retention ended", n, err)
	}
	e.clock.Add(2 * 24 * time.Hour)
	if n, err := e.surveys.EraseExpired(ctx); err != nil || n != 3 {
		t.Fatalf("erased %d (%v), want 3", n, err)
	}
	if n, err := e.surveys.EraseExpired(ctx); err != nil || n != 0 {
		t.Fatalf("erased %d (%v) again, want 0", n, err)
	}

	after := stats()
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("stats %d after erasure\n%s\nbefore\n%s", i, after[i], before[i])
		}
	}
	var leftover int64
	e.db.Table("survey_responses").Where("answers LIKE ?", "%4403%").Count(&leftover)
	if leftover != 0 || e.count("survey_choices") != 0 {
		t.Fatalf("%d responses still hold the text, %d choice rows left", leftover, e.count("survey_choices"))
	}
	rec := e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses", editor, nil)
	wantStatus(t, rec, http.StatusOK)
	if strings.Contains(rec.Body.String(), "4403") || strings.Contains(rec.Body.String(), "发热") {
		t.Fatalf("export after erasure %s", rec.Body.String())
	}
	rec = e.do("GET", "/api/v1/me/export", toks[0], nil)
	wantStatus(t, rec, http.StatusOK)
	if strings.Contains(rec.Body.String(), "4403") {
		t.Fatalf("/me/export after erasure %s", rec.Body.String())
	}
}
