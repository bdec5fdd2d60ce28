package wechat

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// fakeDo sends a request to the shared fake's control endpoints (straight,
// not through the SDK's client) and decodes the JSON answer into out.
func fakeDo(tb testing.TB, method, path, body string, out any) {
	tb.Helper()
	req, err := http.NewRequest(method, testBaseURL+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		tb.Fatalf("%s %s: status=%d, want %d", method, path, got, want)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestFakeControl(t *testing.T) {
	ctx := context.Background()
	t.Run("SubscribeMessages", func(t *testing.T) {
		c, _ := newTestClient(t)
		m := Message{OpenID: "mock_ivan", TemplateID: "tmpl-ctl", Page: "pages/a", Data: map[string]string{"thing1": "你好"}}
		if err := c.SendSubscribe(ctx, m); err != nil {
			t.Fatal(err)
		}
		var list struct {
			Items []SentMessage `json:"items"`
		}
		fakeDo(t, http.MethodGet, "/fake/subscribe-messages", "", &list)
		if len(list.Items) == 0 {
			t.Fatal("no items")
		}
		got := list.Items[len(list.Items)-1]
		if got.OpenID != m.OpenID || got.TemplateID != m.TemplateID || got.Page != m.Page || got.Data["thing1"] != "你好" || got.ReceivedAt.IsZero() {
			t.Fatalf("last item=%+v, want %+v", got, m)
		}
	})
	t.Run("Faults", func(t *testing.T) {
		c, _ := newTestClient(t)
		fakeDo(t, http.MethodPost, "/fake/faults", `{"fail_every":1,"errcode":43101}`, nil)
		err := c.SendSubscribe(ctx, Message{OpenID: "mock_ivan", TemplateID: "t"})
		if got, want := IsNoQuota(err), true; got != want {
			t.Fatalf("IsNoQuota=%v, want %v (err %v)", got, want, err)
		}
		fakeDo(t, http.MethodPost, "/fake/faults", `{"fail_every":0}`, nil)
		if err := c.SendSubscribe(ctx, Message{OpenID: "mock_ivan", TemplateID: "t"}); err != nil {
			t.Fatalf("after faults off: %v", err)
		}
	})
	t.Run("ExpireTokens", func(t *testing.T) {
		c, _ := newTestClient(t)
		if _, err := c.PhoneNumber(ctx, "mock-phone:13700137000"); err != nil {
			t.Fatal(err)
		}
		issued := testFake.tokensIssued()
		fakeDo(t, http.MethodPost, "/fake/expire-tokens", "", nil)
		if _, err := c.PhoneNumber(ctx, "mock-phone:13700137000"); err != nil {
			t.Fatal(err)
		}
		if got, want := testFake.tokensIssued(), issued+1; got != want {
			t.Fatalf("tokens issued=%d, want %d", got, want)
		}
	})
	t.Run("ErrBadToken", func(t *testing.T) {
		var got struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		fakeDo(t, http.MethodPost, "/cgi-bin/message/subscribe/send?access_token=nope", `{"touser":"a","template_id":"b"}`, &got)
		if want := 40001; got.ErrCode != want {
			t.Fatalf("errcode=%d, want %d", got.ErrCode, want)
		}
	})
}
