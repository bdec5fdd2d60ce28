package api

import (
	"net/http"
	"slices"
	"testing"

	"github.com/futian/ifutian/notify"
)

// TestSubscriptionsWeChatShape: the result object exactly as
// wx.requestSubscribeMessage returns it is accepted (issue #12, 14): errMsg
// is ignored, acceptWithAudio and acceptWithAlert are accepts, and the
// consent ledger keeps what WeChat answered.
func TestSubscriptionsWeChatShape(t *testing.T) {
	e := newNoticeEnv(t)
	tok, rid := e.resident("wx-shape")
	post := func(results map[string]string) []notify.Quota {
		t.Helper()
		rec := e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": results})
		wantStatus(t, rec, http.StatusOK)
		var out struct{ Items []notify.Quota }
		decode(t, rec, &out)
		return out.Items
	}
	got := post(map[string]string{
		"errMsg": "requestSubscribeMessage:ok", "tpl-1": "accept", "tpl-2": "acceptWithAudio", "tpl-3": "acceptWithAlert",
		"tpl-4": "reject", "tpl-5": "ban", "tpl-6": "filter",
	})
	want := []notify.Quota{{TemplateID: "tpl-1", Quota: 1}, {TemplateID: "tpl-2", Quota: 1}, {TemplateID: "tpl-3", Quota: 1}, {TemplateID: "tpl-4", Quota: 0}, {TemplateID: "tpl-5", Quota: 0}}
	if !slices.Equal(got, want) {
		t.Fatalf("quotas=%+v, want %+v", got, want)
	}
	var ledger []string
	if err := e.db.Table("subscription_events").Where("resident_id = ?", rid).Order("template_id").Pluck("result", &ledger).Error; err != nil {
		t.Fatal(err)
	}
	if want := []string{"accept", "acceptWithAudio", "acceptWithAlert", "reject", "ban", "filter"}; !slices.Equal(ledger, want) {
		t.Fatalf("consent ledger %v, want %v", ledger, want)
	}
	// reject, ban and filter record no consent: a reject or ban takes back
	// what was given, a filter leaves it.
	post(map[string]string{"errMsg": "requestSubscribeMessage:ok", "tpl-1": "acceptWithAudio", "tpl-2": "acceptWithAlert", "tpl-3": "accept"})
	got = post(map[string]string{"errMsg": "requestSubscribeMessage:ok", "tpl-1": "reject", "tpl-2": "ban", "tpl-3": "filter"})
	want = []notify.Quota{{TemplateID: "tpl-1", Quota: 0}, {TemplateID: "tpl-2", Quota: 0}, {TemplateID: "tpl-3", Quota: 2}, {TemplateID: "tpl-4", Quota: 0}, {TemplateID: "tpl-5", Quota: 0}}
	if !slices.Equal(got, want) {
		t.Fatalf("quotas=%+v, want %+v", got, want)
	}

	for name, results := range map[string]map[string]string{
		"OnlyErrMsg":     {"errMsg": "requestSubscribeMessage:ok"},
		"FailedRequest":  {"errMsg": "requestSubscribeMessage:fail cancel"},
		"UnknownResult":  {"errMsg": "requestSubscribeMessage:ok", "tpl-1": "acceptWithVibration"},
		"ErrMsgMisnamed": {"errmsg": "requestSubscribeMessage:ok"},
	} {
		t.Run(name, func(t *testing.T) {
			before := e.count("subscription_events")
			wantError(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": results}), http.StatusBadRequest, "invalid_argument", "results")
			if e.count("subscription_events") != before {
				t.Fatal("a refused request was recorded")
			}
		})
	}
}
