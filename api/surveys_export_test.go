package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/futian/ifutian/staff"
)

// TestQuizExportReadable: a quiz's export has Chinese headers, one column
// per question drawn (the choices as their text), and numbers stored as
// numbers in XLSX; a member of another department gets 404, a verifier 403.
func TestQuizExportReadable(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	rec := e.do("POST", "/api/v1/admin/questions", editor, []any{
		map[string]any{"type": "single", "stem": "单选题干", "options": []string{"甲", "乙", "丙"}, "answer": []string{"乙"}},
		map[string]any{"type": "multi", "stem": "多选题干", "options": []string{"甲", "乙", "丙", "丁"}, "answer": []string{"甲", "乙"}},
	})
	wantStatus(t, rec, http.StatusCreated)
	var qs struct{ Items []idBody }
	decode(t, rec, &qs)
	ids := []string{qs.Items[0].ID, qs.Items[1].ID}
	sid := e.createPublished(editor, map[string]any{"kind": "quiz", "title": "导出题", "questions": ids,
		"audience": map[string]any{"streets": []string{"华富街道"}}, "attempts_per_day": 3, "time_limit_s": 60})
	tok, _ := e.residentOn("exporter", "华富街道")
	rec = e.do("POST", "/api/v1/surveys/"+sid+"/attempts", tok, nil)
	wantStatus(t, rec, http.StatusCreated)
	var a struct {
		AttemptID string `json:"attempt_id"`
	}
	decode(t, rec, &a)
	wantStatus(t, e.do("POST", "/api/v1/attempts/"+a.AttemptID+"/submit", tok, map[string]any{"answers": map[string]any{
		ids[0]: []string{"乙"}, ids[1]: []string{"甲", "乙"},
	}}), http.StatusOK)

	rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses?format=csv", editor, nil)
	wantStatus(t, rec, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "答卷编号,居民编号,街道,社区,提交时间,得分,是否及格,用时（秒）,疑似过快,抽题序号,单选题干,多选题干"
	if len(rows) != 2 || strings.Join(rows[0], ",") != want {
		t.Fatalf("csv header=%v, want %s", rows, want)
	}
	if rows[1][5] != "100" || rows[1][6] != "是" || rows[1][10] != "乙" || !strings.Contains(rows[1][11], "甲") || !strings.Contains(rows[1][11], "、") {
		t.Fatalf("csv row=%v", rows[1])
	}

	rec = e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses?format=xlsx", editor, nil)
	wantStatus(t, rec, http.StatusOK)
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := f.GetCellType("Sheet1", "F2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Fatalf("score cell type %v, want a number", typ)
	}
	if v, _ := f.GetCellValue("Sheet1", "F2"); v != "100" {
		t.Fatalf("score cell %q", v)
	}
	if typ, _ := f.GetCellType("Sheet1", "A2"); typ == excelize.CellTypeNumber {
		t.Fatalf("the ID is stored as a number (loses digits)")
	}
	wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses", e.foreignStaffer(), nil), http.StatusNotFound, "not_found", "")
	verifier, _ := e.staffer([]staff.Role{staff.Verifier})
	wantError(t, e.do("GET", "/api/v1/admin/surveys/"+sid+"/responses", verifier, nil), http.StatusForbidden, "permission_denied", "")
}
