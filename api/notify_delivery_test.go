package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// TestNoticeWeChatDataShape: subscribe.data is taken in WeChat's own
// shape as well as flat, and stored (and answered) flat; any other shape
// is 400 naming subscribe.data and writes nothing.
func TestNoticeWeChatDataShape(t *testing.T) {
	e := newNoticeEnv(t)
	for _, data := range []any{
		map[string]any{"thing1": map[string]any{"value": "停水通知"}, "time2": map[string]any{"value": "2026-03-02 09:00"}},
		map[string]any{"thing1": "停水通知", "time2": "2026-03-02 09:00"},
	} {
		rec := e.do("POST", "/api/v1/admin/notices", e.editor, e.notice(map[string]any{"subscribe": map[string]any{"template_id": "TPL", "data": data}}))
		wantStatus(t, rec, http.StatusCreated)
		var n struct {
			Subscribe struct {
				Data map[string]string `json:"data"`
			} `json:"subscribe"`
		}
		decode(t, rec, &n)
		if n.Subscribe.Data["thing1"] != "停水通知" || n.Subscribe.Data["time2"] != "2026-03-02 09:00" {
			t.Fatalf("data %v", n.Subscribe.Data)
		}
	}
	before := e.count("notices")
	rec := e.do("POST", "/api/v1/admin/notices", e.editor, e.notice(map[string]any{"subscribe": map[string]any{"template_id": "TPL",
		"data": map[string]any{"thing1": map[string]any{"val": "x"}}}}))
	wantError(t, rec, http.StatusBadRequest, "invalid_argument", "subscribe.data")
	if e.count("notices") != before {
		t.Fatal("a notice was written")
	}
}

// TestNoticePublishOnApproval: without publish_at a notice is published as
// soon as it is approved (approval sets publish_at); expires_at must then
// lie ahead.
func TestNoticePublishOnApproval(t *testing.T) {
	e := newNoticeEnv(t)
	tok, _ := e.resident("onapproval")
	body := e.notice(nil)
	delete(body, "publish_at")
	rec := e.do("POST", "/api/v1/admin/notices", e.editor, body)
	wantStatus(t, rec, http.StatusCreated)
	var n struct {
		ID        string     `json:"id"`
		PublishAt *time.Time `json:"publish_at"`
	}
	decode(t, rec, &n)
	if n.PublishAt != nil {
		t.Fatalf("publish_at %v, want null (on approval)", n.PublishAt)
	}
	e.step(e.editor, n.ID, "submit", nil, http.StatusOK)
	e.step(e.reviewer, n.ID, "approve", nil, http.StatusOK)
	if _, err := e.notify.PublishDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.inbox(tok, ""); len(got.Items) != 1 || got.Items[0].ID != n.ID {
		t.Fatalf("inbox %+v, want the notice at once", got)
	}
	body["expires_at"] = t0.Add(-time.Minute).Format(time.RFC3339)
	before := e.count("notices")
	wantError(t, e.do("POST", "/api/v1/admin/notices", e.editor, body), http.StatusBadRequest, "invalid_argument", "expires_at")
	body["expires_at"] = nil
	body["sms"] = true
	body["category"] = "policy"
	wantError(t, e.do("POST", "/api/v1/admin/notices", e.editor, body), http.StatusBadRequest, "invalid_argument", "sms")
	if e.count("notices") != before {
		t.Fatal("a notice was written")
	}
}

// TestNoticeEdit: PATCH edits a draft; a rejected notice goes back to
// draft; bad input is 400 naming the field and changes nothing; a reader
// may not edit (403); another department's editor and a street-scoped one
// get 404; a submitted notice is 409; an audience beyond the editor's
// streets is 403 naming audience.streets.
func TestNoticeEdit(t *testing.T) {
	e := newNoticeEnv(t)
	id := e.create(nil)
	path := "/api/v1/admin/notices/" + id
	rec := e.do("PATCH", path, e.editor, map[string]any{"title": "停水通知（更正）", "publish_at": nil, "sms": true,
		"subscribe": map[string]any{"template_id": "TPL", "data": map[string]any{"thing1": map[string]any{"value": "停水"}}}})
	wantStatus(t, rec, http.StatusOK)
	var n struct {
		Title     string     `json:"title"`
		Status    string     `json:"status"`
		PublishAt *time.Time `json:"publish_at"`
		SMS       bool       `json:"sms"`
		Category  string     `json:"category"`
		Subscribe *struct {
			Data map[string]string `json:"data"`
		} `json:"subscribe"`
	}
	decode(t, rec, &n)
	if n.Title != "停水通知（更正）" || n.PublishAt != nil || !n.SMS || n.Category != "health" || n.Subscribe == nil || n.Subscribe.Data["thing1"] != "停水" {
		t.Fatalf("edited %+v", n)
	}
	editedAt := e.count("notice_events")

	for field, body := range map[string]map[string]any{
		"title":            {"title": ""},
		"category":         {"category": "gossip"},
		"sms":              {"category": "policy"}, // sms stays on: only urgent categories
		"audience.streets": {"audience": map[string]any{"streets": []string{"不存在街道"}}},
		"publish_at":       {"publish_at": "tomorrow"},
	} {
		wantError(t, e.do("PATCH", path, e.editor, body), http.StatusBadRequest, "invalid_argument", field)
	}
	if e.count("notice_events") != editedAt {
		t.Fatal("a rejected edit was recorded")
	}

	reader, _ := e.staffer([]staff.Role{staff.Auditor})
	wantError(t, e.do("PATCH", path, reader, map[string]any{"title": "x"}), http.StatusForbidden, "permission_denied", "")
	other := e.noticeStaffOf(new(e.otherDepartment()), []staff.Role{staff.Editor})
	wantError(t, e.do("PATCH", path, other, map[string]any{"title": "x"}), http.StatusNotFound, "not_found", "")
	street, _ := e.staffer([]staff.Role{staff.Editor}, "华富街道")
	wantError(t, e.do("PATCH", path, street, map[string]any{"title": "x"}), http.StatusNotFound, "not_found", "")
	// Its own street's notice, widened beyond it: 403 naming the field.
	own := e.do("POST", "/api/v1/admin/notices", street, e.notice(map[string]any{"audience": map[string]any{"streets": []string{"华富街道"}}}))
	wantStatus(t, own, http.StatusCreated)
	var o noticeOut
	decode(t, own, &o)
	wantError(t, e.do("PATCH", "/api/v1/admin/notices/"+o.ID, street, map[string]any{"audience": map[string]any{}}), http.StatusForbidden, "permission_denied", "audience.streets")

	// Rejected → edited back to draft; submitted → 409.
	e.step(e.editor, id, "submit", nil, http.StatusOK)
	wantError(t, e.do("PATCH", path, e.editor, map[string]any{"title": "x"}), http.StatusConflict, "conflict", "")
	e.step(e.reviewer, id, "reject", map[string]any{"reason": "请写明停水时间"}, http.StatusOK)
	rec = e.do("PATCH", path, e.editor, map[string]any{"body": "3 月 3 日 9:00–17:00 停水。"})
	wantStatus(t, rec, http.StatusOK)
	decode(t, rec, &n)
	if n.Status != "draft" {
		t.Fatalf("status %s after editing a rejected notice, want draft", n.Status)
	}
	// The history names who did what, edits included.
	rec = e.do("GET", path, e.reviewer, nil)
	wantStatus(t, rec, http.StatusOK)
	var d struct {
		Notice struct {
			AuthorUsername string `json:"author_username"`
		} `json:"notice"`
		Events []struct {
			Action        string `json:"action"`
			ActorUsername string `json:"actor_username"`
		} `json:"events"`
	}
	decode(t, rec, &d)
	var steps []string
	for _, ev := range d.Events {
		steps = append(steps, ev.Action+" "+ev.ActorUsername)
	}
	u := e.editorM.Username
	if got, want := strings.Join(steps, ", "), "created "+u+", edited "+u+", submitted "+u+", rejected "+d.Events[3].ActorUsername+", edited "+u; got != want || d.Notice.AuthorUsername != u || d.Events[3].ActorUsername == "" {
		t.Fatalf("history %q by %q, want %q", got, d.Notice.AuthorUsername, want)
	}
}

// TestNoticeListFilters: the list narrows by status, category, author,
// creation time and words of the title or body; a bad filter is 400
// naming it.
func TestNoticeListFilters(t *testing.T) {
	e := newNoticeEnv(t)
	editor2, m2 := e.staffer([]staff.Role{staff.Editor})
	a := e.create(map[string]any{"title": "停水通知", "category": "warning"})
	e.clock.set(t0.Add(time.Hour))
	b := e.create(map[string]any{"title": "疫苗接种", "body": "100% 免费_接种"})
	rec := e.do("POST", "/api/v1/admin/notices", editor2, e.notice(map[string]any{"title": "社区活动", "category": "activity"}))
	wantStatus(t, rec, http.StatusCreated)
	var c noticeOut
	decode(t, rec, &c)
	e.step(e.editor, b, "submit", nil, http.StatusOK)
	list := func(q url.Values) []string {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/notices?"+q.Encode(), e.reviewer, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		decode(t, rec, &p)
		var ids []string
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	for name, c := range map[string]struct {
		q    url.Values
		want []string
	}{
		"all":                   {url.Values{}, []string{c.ID, b, a}},
		"submitted":             {url.Values{"status": {"submitted"}}, []string{b}},
		"category":              {url.Values{"category": {"warning"}}, []string{a}},
		"author":                {url.Values{"author_id": {strconv.FormatInt(m2.ID, 10)}}, []string{c.ID}},
		"author username":       {url.Values{"author": {" " + strings.ToUpper(m2.Username)}}, []string{c.ID}},
		"unknown author":        {url.Values{"author": {"nobody"}}, nil},
		"reviewable":            {url.Values{"reviewable": {"true"}}, []string{b}},
		"reviewable submitted":  {url.Values{"reviewable": {"true"}, "status": {"submitted"}}, []string{b}},
		"reviewable false":      {url.Values{"reviewable": {"false"}, "category": {"warning"}}, []string{a}},
		"since":                 {url.Values{"since": {t0.Add(30 * time.Minute).Format(time.RFC3339)}}, []string{c.ID, b}},
		"until":                 {url.Values{"until": {t0.Add(30 * time.Minute).Format(time.RFC3339)}}, []string{a}},
		"q title":               {url.Values{"q": {"停水"}}, []string{a}},
		"q literal":             {url.Values{"q": {"100% 免费_"}}, []string{b}},
		"q wildcard is literal": {url.Values{"q": {"%"}}, []string{b}},
	} {
		if got := list(c.q); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	for field, q := range map[string]string{"status": "status=lost", "category": "category=gossip", "author_id": "author_id=x",
		"since": "since=yesterday", "until": "since=2026-03-02T10:00:00Z&until=2026-03-02T09:00:00Z",
		"author": "author=" + strings.Repeat("a", 65), "reviewable": "reviewable=yes"} {
		wantError(t, e.do("GET", "/api/v1/admin/notices?"+q, e.reviewer, nil), http.StatusBadRequest, "invalid_argument", field)
	}
	wantError(t, e.do("GET", "/api/v1/admin/notices?reviewable=true&status=draft", e.reviewer, nil), http.StatusBadRequest, "invalid_argument", "status")
	// The review queue leaves out the reviewer's own notice (an editor who
	// also reviews), and another department's.
	both, bm := e.staffer([]staff.Role{staff.Editor, staff.Reviewer})
	rec = e.do("POST", "/api/v1/admin/notices", both, e.notice(map[string]any{"title": "自己的通知"}))
	wantStatus(t, rec, http.StatusCreated)
	var own noticeOut
	decode(t, rec, &own)
	e.step(both, own.ID, "submit", nil, http.StatusOK)
	other := e.noticeStaffOf(new(e.otherDepartment()), []staff.Role{staff.Reviewer, staff.Editor})
	ro := e.do("POST", "/api/v1/admin/notices", other, e.notice(nil))
	wantStatus(t, ro, http.StatusCreated)
	var on noticeOut
	decode(t, ro, &on)
	e.step(other, on.ID, "submit", nil, http.StatusOK)
	queue := func(token string) string {
		rec := e.do("GET", "/api/v1/admin/notices?reviewable=true", token, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct {
			Items []struct {
				ID             string `json:"id"`
				AuthorUsername string `json:"author_username"`
			} `json:"items"`
		}
		decode(t, rec, &p)
		return fmt.Sprint(p.Items)
	}
	if got, want := queue(both), fmt.Sprint([]any{struct{ a, b string }{b, e.editorM.Username}}); got != want {
		t.Errorf("queue of an editor-reviewer %s, want %s", got, want)
	}
	if got, want := queue(e.reviewer), fmt.Sprint([]any{struct{ a, b string }{own.ID, bm.Username}, struct{ a, b string }{b, e.editorM.Username}}); got != want {
		t.Errorf("queue of the reviewer %s, want %s", got, want)
	}
}

// TestNoticeStatsDelivery: the statistics count held, capped and SMS sends
// apart, in all and by street.
func TestNoticeStatsDelivery(t *testing.T) {
	e := newNoticeEnv(t)
	e.notify.Configure(notify.Config{Quiet: notify.DefaultQuietHours, DailyCap: 1})
	for _, name := range []string{"s1", "s2"} {
		tok, _ := e.residentWith(name, map[string]any{"street": "华富街道", "community": "田面社区"})
		wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{"TPL_S": "accept"}}), http.StatusOK)
	}
	// t0 is 09:00 in the district; at 23:00 the routine send is held.
	e.clock.set(t0.Add(12 * time.Hour))
	id := e.create(map[string]any{"category": "policy", "publish_at": t0.Add(13 * time.Hour).Format(time.RFC3339),
		"subscribe": map[string]any{"template_id": "TPL_S", "data": map[string]any{"thing1": "x"}}})
	e.step(e.editor, id, "submit", nil, http.StatusOK)
	e.step(e.reviewer, id, "approve", nil, http.StatusOK)
	e.clock.set(t0.Add(14 * time.Hour))
	if _, err := e.notify.PublishDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := e.do("GET", "/api/v1/admin/notices/"+id+"/stats", e.editor, nil)
	wantStatus(t, rec, http.StatusOK)
	var st struct {
		Targeted int64 `json:"targeted"`
		WeChat   struct {
			Held, Capped, Pending int64
		} `json:"wechat"`
		SMS struct {
			Sent, Pending int64
		} `json:"sms"`
		ByStreet []struct {
			Street string `json:"street"`
			WeChat struct {
				Held int64 `json:"held"`
			} `json:"wechat"`
		} `json:"by_street"`
	}
	decode(t, rec, &st)
	if st.Targeted != 2 || st.WeChat.Held != 2 || len(st.ByStreet) != 1 || st.ByStreet[0].WeChat.Held != 2 {
		t.Fatalf("stats %s", rec.Body.String())
	}
}
