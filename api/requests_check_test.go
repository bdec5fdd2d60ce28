package api

import (
	"context"
	"image/color"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/futian/ifutian/app"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/wechat"
)

// TestRequestsContentCheck runs the whole content-security loop against
// the fake WeChat: the text is checked with msgSecCheck; WeChat fetches
// each photo from the server by its check's token and pushes a signed
// verdict back. Risky items are flagged to staff and keep the request from
// the public list; a risky or unchecked request still reaches its
// department; an outage leaves checks queued.
func TestRequestsContentCheck(t *testing.T) {
	client := wechat.New(wechat.Config{AppID: "wxcheck" + itoa(appSeq.Add(1)), AppSecret: "s"})
	var base string // the test server's, started once the env is
	e := newEnvDeps(t, dbtest.Open(t), func(d *app.Deps) {
		d.Checker, d.MediaBase = client, func() string { return base }
	}, func(*Config) {})
	e.routeTo("sanitation", e.dept)
	srv := httptest.NewServer(e.srv) // WeChat fetches media and pushes verdicts here
	defer srv.Close()
	base = srv.URL
	fakeWeChat.SetPush(srv.URL+"/api/v1/wechat/push", testPushToken)
	defer fakeWeChat.SetPush("", "")
	ctx := context.Background()
	res, _ := e.resident("req-check")
	officer, _ := e.requestOfficer(e.dept)

	grey := e.uploadToken(res, solidJPEG(t, 32, 32, color.RGBA{128, 128, 128, 255}))
	red := e.uploadToken(res, solidJPEG(t, 32, 32, color.RGBA{230, 10, 10, 255}))
	clean := e.submitRequest(res, "sanitation", "华富街道", map[string]any{"public": true, "photos": []string{grey}, "description": "垃圾桶满了"})
	riskyText := e.submitRequest(res, "sanitation", "华富街道", map[string]any{"public": true, "description": "违禁 " + wechat.FakeRiskyMarker})
	riskyPhoto := e.submitRequest(res, "sanitation", "华富街道", map[string]any{"public": true, "photos": []string{red}})
	unseen := e.submitRequest(res, "sanitation", "华富街道", map[string]any{"public": true, "description": "x " + wechat.FakeUnseenMarker})
	private := e.submitRequest(res, "sanitation", "华富街道", map[string]any{"description": "违禁 " + wechat.FakeRiskyMarker})

	if _, err := e.requests.RunChecks(ctx, 100); err != nil {
		t.Fatal(err)
	}
	fakeWeChat.WaitPushes()
	check := func(id int64) (text string, photos []string, flagged bool) {
		t.Helper()
		var v struct {
			TextCheck string `json:"text_check"`
			Flagged   bool   `json:"flagged"`
			Photos    []struct {
				CheckStatus string `json:"check_status"`
			} `json:"photos"`
		}
		decode(t, e.do("GET", "/api/v1/admin/requests/"+itoa(id), officer, nil), &v)
		for _, p := range v.Photos {
			photos = append(photos, p.CheckStatus)
		}
		return v.TextCheck, photos, v.Flagged
	}
	for _, tc := range []struct {
		name    string
		id      int64
		text    string
		photos  string
		flagged bool
	}{
		{"clean", clean.ID, "pass", "pass", false},
		{"risky text", riskyText.ID, "risky", "", true},
		{"risky photo", riskyPhoto.ID, "pass", "risky", true},
		{"61010", unseen.ID, "review", "", false},
		{"private", private.ID, "none", "", false},
	} {
		text, photos, flagged := check(tc.id)
		if text != tc.text || strings.Join(photos, ",") != tc.photos || flagged != tc.flagged {
			t.Errorf("%s: text %s photos %v flagged %v; want %s %s %v", tc.name, text, photos, flagged, tc.text, tc.photos, tc.flagged)
		}
	}
	// Every request reached the department, whatever its check said.
	rec := e.do("GET", "/api/v1/admin/requests?queue=new", officer, nil)
	for _, id := range []int64{clean.ID, riskyText.ID, riskyPhoto.ID, unseen.ID, private.ID} {
		if !strings.Contains(rec.Body.String(), `"id":"`+itoa(id)+`"`) {
			t.Errorf("request %d not in the department's queue", id)
		}
	}
	rec = e.do("GET", "/api/v1/admin/requests?queue=flagged", officer, nil)
	if body := rec.Body.String(); !strings.Contains(body, `"id":"`+itoa(riskyText.ID)+`"`) || !strings.Contains(body, `"id":"`+itoa(riskyPhoto.ID)+`"`) || strings.Contains(body, `"id":"`+itoa(clean.ID)+`"`) {
		t.Errorf("flagged queue: %s", body)
	}
	// Once answered, only the clean one is public.
	for _, id := range []int64{clean.ID, riskyText.ID, riskyPhoto.ID, unseen.ID} {
		var v struct {
			Version int64 `json:"version"`
		}
		decode(t, e.do("GET", "/api/v1/admin/requests/"+itoa(id), officer, nil), &v)
		a := e.act(officer, id, "accept", map[string]any{"version": v.Version}, http.StatusOK)
		e.act(officer, id, "answer", map[string]any{"version": a.Version, "answer": "已清运"}, http.StatusOK)
	}
	rec = e.do("GET", "/api/v1/requests/public", "", nil)
	wantStatus(t, rec, http.StatusOK)
	var pub page[map[string]any]
	decode(t, rec, &pub)
	if len(pub.Items) != 1 || pub.Items[0]["id"] != itoa(clean.ID) || pub.Items[0]["address"] != nil {
		t.Fatalf("public: %s", rec.Body.String())
	}
	// The media URL worked only while the check waited.
	var token string
	e.db.Table("request_photos").Where("token = ?", grey).Pluck("COALESCE(media_token, '')", &token)
	if token != "" {
		t.Fatalf("media token kept after the verdict")
	}

	// Outage: the check stays queued; the request is at its department.
	fakeWeChat.SetFaults(wechat.Faults{FailEvery: 1, ErrCode: 503})
	defer fakeWeChat.SetFaults(wechat.Faults{})
	during := e.submitRequest(res, "sanitation", "华富街道", map[string]any{"public": true})
	if _, err := e.requests.RunChecks(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if text, _, _ := check(during.ID); text != "queued" {
		t.Fatalf("text check during an outage: %s, want queued", text)
	}
}

// TestWeChatPush: the push URL answers WeChat's URL check and takes
// verdicts only when signed with the push token.
func TestWeChatPush(t *testing.T) {
	e := newEnv(t)
	rec := e.do("GET", "/api/v1/wechat/push?signature=bad&timestamp=1&nonce=2&echostr=hello", "", nil)
	wantError(t, rec, http.StatusForbidden, "permission_denied", "")
	sig := signature(testPushToken, "1700000000", "42")
	rec = e.do("GET", "/api/v1/wechat/push?signature="+sig+"&timestamp=1700000000&nonce=42&echostr=hello", "", nil)
	wantStatus(t, rec, http.StatusOK)
	if rec.Body.String() != "hello" {
		t.Fatalf("echostr: %q", rec.Body.String())
	}
	event := `{"MsgType":"event","Event":"wxa_media_check","trace_id":"nope","version":2,"errcode":0,"result":{"suggest":"risky","label":20002}}`
	wantError(t, e.do("POST", "/api/v1/wechat/push?signature=bad&timestamp=1&nonce=2", "", event), http.StatusForbidden, "permission_denied", "")
	rec = e.do("POST", "/api/v1/wechat/push?signature="+sig+"&timestamp=1700000000&nonce=42", "", event)
	wantError(t, rec, http.StatusNotFound, "not_found", "")
	other := `{"MsgType":"event","Event":"subscribe_msg_popup_event"}`
	rec = e.do("POST", "/api/v1/wechat/push?signature="+sig+"&timestamp=1700000000&nonce=42", "", other)
	wantStatus(t, rec, http.StatusOK)
	wantError(t, e.do("GET", "/api/v1/wechat/media/"+strings.Repeat("a", 64), "", nil), http.StatusNotFound, "not_found", "")
}
