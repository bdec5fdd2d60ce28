package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/wechat"
)

// TestInboxTargetAndSummary (issue 22 items 6 and 7): an inbox list
// carries each notice's kind, target (null for a department's notice) and
// a summary of its body, not the body; the notice's own read carries the
// body; a system message's subscribe message opens the page the server
// builds from its target, a department notice's the notice itself.
func TestInboxTargetAndSummary(t *testing.T) {
	e := newNoticeEnv(t)
	tok, rid := e.residentWith("inbox-t", map[string]any{"street": "华富街道"})
	e.notify.Configure(notify.Config{Templates: map[notify.SystemKind]notify.KindTemplate{
		notify.KindRequestAnswered: {TemplateID: "TPL_ANS", Fields: map[string]string{"character_string1": "request_no", "thing2": "title"}},
	}})
	if _, err := e.notify.SaveSubscriptions(context.Background(), rid, map[string]string{"TPL_ANS": "accept", "TPL_DEPT": "accept"}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("防汛  演练\n", 30) // 210 characters, with runs of white space and line breaks
	dept := e.publish(map[string]any{"body": long, "audience": map[string]any{"resident_ids": []string{strconv.FormatInt(rid, 10)}},
		"subscribe": map[string]any{"template_id": "TPL_DEPT", "page": "pages/phish/index?u=https://evil", "data": map[string]string{"thing1": "演练"}}})
	err := e.notify.SendDirect(context.Background(), notify.DirectNotice{Kind: notify.KindRequestAnswered, Title: "您的诉求已答复",
		Body: "您于 2026-03-01 提交的诉求（编号 9）已答复。", Data: map[string]string{"request_no": "9"},
		Target: &notify.Target{Type: notify.TargetRequest, ID: "9"}, ResidentIDs: []int64{rid}, Source: "request:9:answered:0"})
	if err != nil {
		t.Fatal(err)
	}
	var sys string
	e.db.Raw("SELECT id FROM notices WHERE source = ?", "request:9:answered:0").Scan(&sys)

	t.Run("List", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/notices", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct {
			Items []map[string]any `json:"items"`
		}
		decode(t, rec, &p)
		if len(p.Items) != 2 {
			t.Fatalf("inbox %s", rec.Body.String())
		}
		s, d := p.Items[0], p.Items[1]
		if s["id"] != sys || s["kind"] != "request_answered" || s["summary"] != "您于 2026-03-01 提交的诉求（编号 9）已答复。" ||
			s["target"].(map[string]any)["type"] != "request" || s["target"].(map[string]any)["id"] != "9" {
			t.Fatalf("system item %v", s)
		}
		wantSummary := strings.Repeat("防汛 演练 ", 13) + "防…" // 79 characters and the ellipsis
		if d["id"] != dept || d["kind"] != "" || d["target"] != nil || d["summary"] != wantSummary {
			t.Fatalf("department item %v\nwant summary %q", d, wantSummary)
		}
		for _, it := range p.Items {
			if _, ok := it["body"]; ok {
				t.Fatalf("a list item carries the body: %v", it)
			}
		}
	})
	t.Run("Detail", func(t *testing.T) {
		var n struct {
			Body, Summary string
			Target        *notify.Target
		}
		decode(t, e.do("GET", "/api/v1/notices/"+dept, tok, nil), &n)
		if n.Body != long || n.Target != nil || !strings.HasSuffix(n.Summary, "…") {
			t.Fatalf("department notice %+v", n)
		}
		decode(t, e.do("GET", "/api/v1/notices/"+sys, tok, nil), &n)
		if n.Body != "您于 2026-03-01 提交的诉求（编号 9）已答复。" || n.Target == nil || *n.Target != (notify.Target{Type: "request", ID: "9"}) {
			t.Fatalf("system notice %+v", n)
		}
	})
	t.Run("Pages", func(t *testing.T) {
		client := wechat.New(wechat.Config{AppID: "wxinbox" + strconv.FormatInt(appSeq.Add(1), 10), AppSecret: "s"})
		d := e.notify.NewDeliverer(client, notify.DeliveryConfig{Rate: 1000})
		for range 5 {
			if _, err := d.DeliverOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		pages := map[string]string{}
		for _, m := range fakeWeChat.Messages() {
			if m.OpenID == "mock_inbox-t" {
				pages[m.TemplateID] = m.Page
			}
		}
		// Never the page the editor typed.
		if pages["TPL_ANS"] != "pages/requests/detail?id=9" || pages["TPL_DEPT"] != "pages/notices/detail?id="+dept {
			t.Fatalf("pages %v", pages)
		}
	})
	t.Run("ErrOthers", func(t *testing.T) {
		// Another resident: as missing. Staff: not a resident route.
		other, _ := e.residentWith("inbox-o", nil)
		wantError(t, e.do("GET", "/api/v1/notices/"+sys, other, nil), http.StatusNotFound, "not_found", "")
		if rec := e.do("GET", "/api/v1/notices", other, nil); strings.Contains(rec.Body.String(), `"id":"`+sys+`"`) {
			t.Fatalf("another resident lists it: %s", rec.Body.String())
		}
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, e.do("GET", "/api/v1/notices", editor, nil), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("GET", "/api/v1/notices?page_token=garbage", tok, nil), http.StatusBadRequest, "invalid_argument", "page_token")
	})
}
