package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/wechat"
)

// TestNoticeBlankTemplate (issue 21 item 11): a notice composed with the
// subscribe channel and a blank template was saved and sent inbox-only; a
// channel that cannot be sent is refused, naming subscribe.template_id,
// and nothing is written.
func TestNoticeBlankTemplate(t *testing.T) {
	e := newNoticeEnv(t)
	for _, tpl := range []string{"   ", "", "\t", " DEMO_TEMPLATE", "模板"} {
		rec := e.do("POST", "/api/v1/admin/notices", e.editor, e.notice(map[string]any{
			"subscribe": map[string]any{"template_id": tpl, "data": map[string]string{"thing1": "流感疫苗"}}}))
		wantError(t, rec, http.StatusBadRequest, "invalid_argument", "subscribe.template_id")
	}
	if n := e.count("notices"); n != 0 {
		t.Fatalf("%d notices written by refused drafts", n)
	}
	id := e.create(map[string]any{"subscribe": map[string]any{"template_id": "TPL_OK", "data": map[string]string{"thing1": "流感疫苗"}}})
	rec := e.do("PATCH", "/api/v1/admin/notices/"+id, e.editor, map[string]any{
		"subscribe": map[string]any{"template_id": "   ", "data": map[string]string{"thing1": "流感疫苗"}}})
	wantError(t, rec, http.StatusBadRequest, "invalid_argument", "subscribe.template_id")
	var kept string
	e.db.Table("notices").Where("id = ?", id).Pluck("subscribe_template_id", &kept)
	if kept != "TPL_OK" {
		t.Fatalf("template after a refused edit: %q", kept)
	}
}

// TestNoticeUnknownTemplate: with the account's templates checked, a
// template WeChat doesn't list is refused on compose and edit; one it
// lists is taken; when WeChat can't answer, the template is taken as given.
func TestNoticeUnknownTemplate(t *testing.T) {
	e := newNoticeEnv(t)
	e.srv.VerifyTemplates = true
	sub := func(tpl string) map[string]any {
		return map[string]any{"subscribe": map[string]any{"template_id": tpl, "data": map[string]string{"thing1": "流感疫苗"}}}
	}
	wantError(t, e.do("POST", "/api/v1/admin/notices", e.editor, e.notice(sub("NOT_OURS"))), http.StatusBadRequest, "invalid_argument", "subscribe.template_id")
	if n := e.count("notices"); n != 0 {
		t.Fatalf("%d notices written with an unknown template", n)
	}
	id := e.create(sub("DEMO_TEMPLATE"))
	wantError(t, e.do("PATCH", "/api/v1/admin/notices/"+id, e.editor, sub("NOT_OURS")), http.StatusBadRequest, "invalid_argument", "subscribe.template_id")
	wantStatus(t, e.do("PATCH", "/api/v1/admin/notices/"+id, e.editor, sub("DEMO_WARNING")), http.StatusOK)

	// WeChat down (a new client: nothing cached): taken as given.
	down := newNoticeEnv(t)
	down.srv.VerifyTemplates = true
	fakeWeChat.SetFaults(wechat.Faults{FailEvery: 1, ErrCode: 502})
	defer fakeWeChat.SetFaults(wechat.Faults{})
	wantStatus(t, down.do("POST", "/api/v1/admin/notices", down.editor, down.notice(sub("NOT_LISTED_YET"))), http.StatusCreated)
}

// TestListWeChatTemplates: the compose form's picker reads the account's
// templates with their type and keywords; only members who compose
// notices may; WeChat's refusal or outage is 503.
func TestListWeChatTemplates(t *testing.T) {
	e := newNoticeEnv(t)
	const path = "/api/v1/admin/wechat/templates"

	t.Run("OK", func(t *testing.T) {
		// A street-scoped editor sees the same list: templates are the account's.
		streetEditor, _ := e.staffer([]staff.Role{staff.Editor}, "华富街道")
		for _, tok := range []string{e.editor, streetEditor} {
			rec := e.do("GET", path, tok, nil)
			wantStatus(t, rec, http.StatusOK)
			want := `{"items":[` +
				`{"template_id":"DEMO_TEMPLATE","title":"社区通知提醒","type":"one_time","content":"通知内容:{{thing1.DATA}}\n发布时间:{{time2.DATA}}\n","keywords":[{"name":"thing1","label":"通知内容"},{"name":"time2","label":"发布时间"}]},` +
				`{"template_id":"DEMO_WARNING","title":"预警信息通知","type":"long_term","content":"预警内容:{{thing1.DATA}}\n发布时间:{{time2.DATA}}\n","keywords":[{"name":"thing1","label":"预警内容"},{"name":"time2","label":"发布时间"}]},` +
				`{"template_id":"DEMO_ACTIVITY","title":"活动变更通知","type":"one_time","content":"活动时间:{{time1.DATA}}\n温馨提示:{{thing2.DATA}}\n","keywords":[{"name":"time1","label":"活动时间"},{"name":"thing2","label":"温馨提示"}]}]}`
			if got := strings.TrimSpace(rec.Body.String()); got != strings.ReplaceAll(want, "\n", `\n`) {
				t.Fatalf("templates\n got %s\nwant %s", got, want)
			}
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		reviewer, _ := e.staffer([]staff.Role{staff.Reviewer})
		resident, _ := e.resident("tpl-r")
		for _, tok := range []string{reviewer, resident} {
			wantError(t, e.do("GET", path, tok, nil), http.StatusForbidden, "permission_denied", "")
		}
		wantError(t, e.do("GET", path, "", nil), http.StatusUnauthorized, "unauthenticated", "")
	})
	t.Run("ErrWeChat", func(t *testing.T) {
		fresh := newNoticeEnv(t) // its own client: nothing cached
		defer fakeWeChat.SetFaults(wechat.Faults{})
		for _, code := range []int{48001, 502} {
			fakeWeChat.SetFaults(wechat.Faults{FailEvery: 1, ErrCode: code})
			wantError(t, fresh.do("GET", path, fresh.editor, nil), http.StatusServiceUnavailable, "upstream_unavailable", "")
		}
	})
}
