package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

const previewPath = "/api/v1/admin/notices/audience-preview"

// preview posts a preview as token and returns the answer's body.
func (e *noticeEnv) preview(token string, body map[string]any) string {
	e.t.Helper()
	rec := e.do("POST", previewPath, token, body)
	wantStatus(e.t, rec, http.StatusOK)
	return rec.Body.String()
}

// probeWorld has one resident T (园岭街道, 40 years old, 党员, member of an
// A-grade 软件 enterprise) among five others of 园岭街道 (30 years old, no
// tags, no enterprise); T and four others gave consent to TPL_P5, T alone
// to TPL_P1.
func newProbeWorld(t *testing.T) (*noticeEnv, int64) {
	e := newNoticeEnv(t)
	year := t0.In(district.Zone).Year()
	tok, target := e.residentWith("probe-t", map[string]any{"street": "园岭街道", "birth_year": year - 40, "tags": []string{"党员"}})
	toks := []string{tok}
	for i := range 5 {
		tok, _ := e.residentWith(fmt.Sprintf("probe-%d", i), map[string]any{"street": "园岭街道", "birth_year": year - 30})
		toks = append(toks, tok)
	}
	for i, tok := range toks {
		if i < 5 {
			wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{"TPL_P5": "accept"}}), http.StatusOK)
		}
	}
	wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{"TPL_P1": "accept"}}), http.StatusOK)
	now := time.Now().UTC()
	if err := e.db.Exec("INSERT INTO enterprises (id, uscc, name, industry, street, grade, created_at, updated_at) VALUES (77, '91440300MA5FPROBE', '探针企业', '软件', '园岭街道', 'A', ?, ?)", now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.db.Exec("INSERT INTO enterprise_bindings (enterprise_id, resident_id, role, status, created_at) VALUES (77, ?, 'agent', 'approved', ?)", target, now).Error; err != nil {
		t.Fatal(err)
	}
	return e, target
}

// TestNoticePreviewNoLookup: the probes of issue #12 reveal nothing about
// one resident: resident_ids with an attribute filter is refused, and a
// count below 5 is only ever "fewer than 5", so bisecting an attribute
// gives the same answer on both sides.
func TestNoticePreviewNoLookup(t *testing.T) {
	e, target := newProbeWorld(t)
	tid := itoa(target)

	t.Run("ResidentIDsWithAttributes", func(t *testing.T) {
		for name, extra := range map[string]map[string]any{
			"Tags":        {"tags": []string{"党员"}},
			"AgeMin":      {"age_min": 40},
			"AgeMax":      {"age_max": 40},
			"Streets":     {"streets": []string{"园岭街道"}},
			"Communities": {"communities": []string{"园东社区"}},
			"Grades":      {"enterprise_grades": []string{"A"}},
			"Industries":  {"enterprise_industries": []string{"软件"}},
		} {
			t.Run(name, func(t *testing.T) {
				aud := map[string]any{"resident_ids": []string{tid}}
				for k, v := range extra {
					aud[k] = v
				}
				audits := e.count("audit_log")
				wantError(t, e.do("POST", previewPath, e.editor, map[string]any{"audience": aud}), http.StatusBadRequest, "invalid_argument", "audience.resident_ids")
				wantError(t, e.do("POST", "/api/v1/admin/notices", e.editor, e.notice(map[string]any{"audience": aud})), http.StatusBadRequest, "invalid_argument", "audience.resident_ids")
				if e.count("notices") != 0 || e.count("audit_log") != audits {
					t.Fatal("a refused request was written")
				}
			})
		}
	})
	t.Run("Bisect", func(t *testing.T) {
		for name, sides := range map[string][2]map[string]any{
			"AgeMin":     {{"streets": []string{"园岭街道"}, "age_min": 40}, {"streets": []string{"园岭街道"}, "age_min": 41}},
			"AgeMax":     {{"streets": []string{"园岭街道"}, "age_min": 35, "age_max": 39}, {"streets": []string{"园岭街道"}, "age_min": 35, "age_max": 40}},
			"Street":     {{"tags": []string{"党员"}, "streets": []string{"园岭街道"}}, {"tags": []string{"党员"}, "streets": []string{"南园街道"}}},
			"Tag":        {{"streets": []string{"园岭街道"}, "tags": []string{"党员"}}, {"streets": []string{"园岭街道"}, "tags": []string{"退役军人"}}},
			"Grade":      {{"enterprise_grades": []string{"A"}}, {"enterprise_grades": []string{"B"}}},
			"Industry":   {{"enterprise_industries": []string{"软件"}}, {"enterprise_industries": []string{"餐饮"}}},
			"ResidentID": {{"resident_ids": []string{tid}}, {"resident_ids": []string{"999999"}}},
		} {
			t.Run(name, func(t *testing.T) {
				for _, tpl := range []string{"", "TPL_P1"} {
					a := e.preview(e.editor, map[string]any{"audience": sides[0], "template_id": tpl})
					b := e.preview(e.editor, map[string]any{"audience": sides[1], "template_id": tpl})
					if a != b {
						t.Fatalf("template %q: the two sides answer %s and %s", tpl, a, b)
					}
				}
			})
		}
	})
	t.Run("Shape", func(t *testing.T) {
		street := map[string]any{"streets": []string{"园岭街道"}}
		one := map[string]any{"streets": []string{"园岭街道"}, "age_min": 40}
		for _, c := range []struct {
			body map[string]any
			want string
		}{
			{map[string]any{"audience": street}, `{"count":6}`},
			{map[string]any{"audience": street, "template_id": "TPL_P5"}, `{"count":6,"wechat_reachable":5}`},
			{map[string]any{"audience": street, "template_id": "TPL_P1"}, `{"count":6,"wechat_reachable":null,"wechat_reachable_fewer_than":5}`},
			{map[string]any{"audience": one}, `{"count":null,"count_fewer_than":5}`},
			{map[string]any{"audience": one, "template_id": "TPL_P5"}, `{"count":null,"count_fewer_than":5,"wechat_reachable":null,"wechat_reachable_fewer_than":5}`},
			{map[string]any{"audience": map[string]any{"streets": []string{"南园街道"}}}, `{"count":null,"count_fewer_than":5}`},
		} {
			if got := e.preview(e.editor, c.body); got != c.want {
				t.Errorf("preview %v = %s, want %s", c.body, got, c.want)
			}
		}
	})
	t.Run("Audited", func(t *testing.T) {
		e.preview(e.editor, map[string]any{"audience": map[string]any{"streets": []string{"园岭街道"}, "age_min": 40}, "template_id": "TPL_P5"})
		var details []string
		if err := e.db.Table("audit_log").Where("action = ? AND actor_id = ?", "POST "+previewPath, e.editorM.ID).
			Order("id DESC").Limit(1).Pluck("detail", &details).Error; err != nil {
			t.Fatal(err)
		}
		if len(details) != 1 || !strings.Contains(details[0], `"streets":["园岭街道"]`) || !strings.Contains(details[0], `"age_min":40`) ||
			!strings.Contains(details[0], "TPL_P5") {
			t.Fatalf("audit detail %q, want the audience and template", details)
		}
	})
	t.Run("Forbidden", func(t *testing.T) {
		reviewerOnly, _ := e.staffer([]staff.Role{staff.Reviewer})
		resident, _ := e.resident("probe-forbidden")
		for _, tok := range []string{reviewerOnly, resident} {
			wantError(t, e.do("POST", previewPath, tok, map[string]any{"audience": map[string]any{}}), http.StatusForbidden, "permission_denied", "")
		}
	})
}

// TestNoticePreviewScope: a street-scoped member's preview counts only the
// residents of their streets, even when an audience of their streets'
// communities would select someone recorded on another street.
func TestNoticePreviewScope(t *testing.T) {
	e := newNoticeEnv(t)
	var moved int64
	for i := range 7 {
		_, id := e.residentWith(fmt.Sprintf("ps-%d", i), map[string]any{"street": "园岭街道", "community": "园东社区"})
		moved = id
	}
	// Data from before communities were checked against streets.
	if err := e.db.Exec("UPDATE residents SET street = '南园街道' WHERE id = ?", moved).Error; err != nil {
		t.Fatal(err)
	}
	scoped := e.noticeStaffOf(&e.dept, []staff.Role{staff.Editor}, "园岭街道")
	aud := map[string]any{"audience": map[string]any{"communities": []string{"园东社区"}}}
	if got, want := e.preview(e.editor, aud), `{"count":7}`; got != want {
		t.Fatalf("the department's preview %s, want %s", got, want)
	}
	if got, want := e.preview(scoped, aud), `{"count":6}`; got != want {
		t.Fatalf("the 园岭 editor's preview %s, want %s", got, want)
	}
}
