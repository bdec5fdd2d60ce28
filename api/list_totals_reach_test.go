package api

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/futian/ifutian/staff"
)

// pagedTotal reads every page of a counting list, page_size 2, and returns
// the total the first page states and how many items the pages held; each
// page must state the same total.
func (e *env) pagedTotal(t *testing.T, path, tok string) (total int64, seen int) {
	t.Helper()
	token := ""
	for pages := 0; ; pages++ {
		p := path + "?page_size=2"
		if token != "" {
			p += "&page_token=" + url.QueryEscape(token)
		}
		rec := e.do("GET", p, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var pg struct {
			Items         []map[string]any
			NextPageToken string `json:"next_page_token"`
			Total         *int64
		}
		decode(t, rec, &pg)
		if pg.Total == nil {
			t.Fatalf("%s: no total: %s", p, rec.Body.String())
		}
		if pages == 0 {
			total = *pg.Total
		} else if *pg.Total != total {
			t.Fatalf("%s: total %d on page %d, %d on the first", path, *pg.Total, pages+1, total)
		}
		seen += len(pg.Items)
		if token = pg.NextPageToken; token == "" || pages > 20 {
			return total, seen
		}
	}
}

// TestListTotalsReach: the notices and surveys lists count exactly what a
// member pages through, for a district-wide member, a department's, another
// department's and a street-limited one for whom some audiences are out of
// reach (a notice: reaching beyond their streets; a survey: reaching none
// of them); an edited audience moves the notice in or out of reach; the
// reach of rows written before it was recorded is filled at start.
func TestListTotalsReach(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	huafu, _ := e.staffer([]staff.Role{staff.Editor}, "华富街道")
	both, _ := e.staffer([]staff.Role{staff.Editor}, "华富街道", "莲花街道")
	y := e.otherDepartment()
	other, _ := e.stafferIn(&y, []staff.Role{staff.Editor})
	auditor, _ := e.stafferIn(nil, []staff.Role{staff.Auditor})
	auditorLianhua, _ := e.stafferIn(nil, []staff.Role{staff.Auditor}, "莲花街道")

	audiences := []map[string]any{
		{}, // every street
		{"streets": []string{"华富街道"}},
		{"communities": []string{"莲花一村社区"}}, // of 华富街道
		{"streets": []string{"华富街道", "莲花街道"}},
		{"streets": []string{"莲花街道"}},
		{"streets": []string{"福田街道"}, "communities": []string{"莲花二村社区"}}, // 福田 and 华富
	}
	var noticeIDs []string
	for i, a := range audiences {
		rec := e.do("POST", "/api/v1/admin/notices", editor, map[string]any{"title": "通知" + itoa(int64(i)), "body": "正文", "category": "policy", "audience": a})
		wantStatus(t, rec, http.StatusCreated)
		var n idBody
		decode(t, rec, &n)
		noticeIDs = append(noticeIDs, n.ID)
		wantStatus(t, e.do("POST", "/api/v1/admin/surveys", editor, map[string]any{"kind": "questionnaire", "title": "问卷" + itoa(int64(i)), "audience": a,
			"questions": []any{map[string]any{"type": "judge", "stem": "满意吗？"}}}), http.StatusCreated)
	}

	check := func(t *testing.T, path, tok string, want int64) {
		t.Helper()
		if n, seen := e.pagedTotal(t, path, tok); n != want || int64(seen) != want {
			t.Fatalf("%s: total %d, %d paged through; want %d", path, n, seen, want)
		}
	}
	for name, c := range map[string]struct {
		tok              string
		notices, surveys int64
	}{
		"District":        {auditor, 6, 6},
		"Department":      {editor, 6, 6},
		"OtherDepartment": {other, 0, 0},
		// Within 华富: its street and its community; touching 华富: all but 莲花 alone.
		"Huafu": {huafu, 2, 5},
		// Within 华富 and 莲花: also both together and 莲花 alone; touching: all.
		"HuafuLianhua": {both, 4, 6},
		// A district auditor of 莲花: within it, 莲花 alone; touching: every street, 华富+莲花, 莲花.
		"DistrictLianhua": {auditorLianhua, 1, 3},
	} {
		t.Run(name, func(t *testing.T) {
			check(t, "/api/v1/admin/notices", c.tok, c.notices)
			check(t, "/api/v1/admin/surveys", c.tok, c.surveys)
		})
	}

	t.Run("EditedAudience", func(t *testing.T) {
		// 莲花 alone becomes 华富: now within the 华富 member's streets.
		wantStatus(t, e.do("PATCH", "/api/v1/admin/notices/"+noticeIDs[4], editor, map[string]any{"audience": map[string]any{"streets": []string{"华富街道"}}}), http.StatusOK)
		check(t, "/api/v1/admin/notices", huafu, 3)
		check(t, "/api/v1/admin/notices", auditorLianhua, 0)
		wantStatus(t, e.do("GET", "/api/v1/admin/notices/"+noticeIDs[4], huafu, nil), http.StatusOK)
	})

	t.Run("Filled", func(t *testing.T) {
		// As if written before the reach was recorded: in no street-limited
		// list until filled, then as before.
		for _, table := range []string{"notice_streets", "survey_streets"} {
			if err := e.db.Exec("DELETE FROM " + table).Error; err != nil {
				t.Fatal(err)
			}
		}
		check(t, "/api/v1/admin/notices", huafu, 0)
		check(t, "/api/v1/admin/surveys", huafu, 0)
		check(t, "/api/v1/admin/notices", editor, 6)
		ctx, r := context.Background(), e.residents.Regions()
		if n, err := e.notify.FillReach(ctx, r); err != nil || n != 6 {
			t.Fatalf("filled %d notices: %v", n, err)
		}
		if n, err := e.surveys.FillReach(ctx, r); err != nil || n != 6 {
			t.Fatalf("filled %d surveys: %v", n, err)
		}
		check(t, "/api/v1/admin/notices", huafu, 3)
		check(t, "/api/v1/admin/surveys", huafu, 5)
	})
}
